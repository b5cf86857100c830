//! Stations: the FIFO queue and service slots of one model type on one server.

use std::collections::VecDeque;

use simrun_schedulers::Telemetry;

/// A job in service.
#[derive(Debug, Clone, Copy)]
pub struct Job {
    /// Workflow slot.
    pub slot: u32,
    /// Service unit (instance x slot) serving it.
    pub unit: u32,
    /// Service start, ms.
    pub start_ms: f64,
    /// Service end, ms.
    pub finish_ms: f64,
    seq: u64,
}

#[derive(Debug, Clone, Copy)]
struct Waiting {
    slot: u32,
    service_ms: f64,
}

#[derive(Debug, Default)]
struct Station {
    running: Vec<Job>,
    waiting: VecDeque<Waiting>,
    free_units: Vec<u32>,
}

/// All stations.
#[derive(Debug)]
pub struct Stations {
    stations: Vec<Station>,
    seq: u64,
}

impl Stations {
    /// Idle stations with the given slot counts.
    pub fn new(slots: &[u32]) -> Self {
        Stations {
            stations: slots
                .iter()
                .map(|&n| Station {
                    running: Vec::new(),
                    waiting: VecDeque::new(),
                    // Lowest unit first: popped from the end.
                    free_units: (0..n).rev().collect(),
                })
                .collect(),
            seq: 0,
        }
    }

    /// A job for workflow `slot` with `service_ms` of work arrives at `station` at `now`.
    /// Returns the station's new earliest completion if it changed.
    pub fn arrive(
        &mut self,
        station: u32,
        slot: u32,
        now: f64,
        service_ms: f64,
        tel: &mut Telemetry,
    ) -> Option<f64> {
        let st = &mut self.stations[station as usize];
        let t = &mut tel.stations[station as usize];
        if let Some(unit) = st.free_units.pop() {
            self.seq += 1;
            let finish = now + service_ms;
            st.running.push(Job {
                slot,
                unit,
                start_ms: now,
                finish_ms: finish,
                seq: self.seq,
            });
            t.running += 1;
            t.running_finish_sum_ms += finish;
            Some(earliest(&st.running).finish_ms)
        } else {
            st.waiting.push_back(Waiting { slot, service_ms });
            t.queued += 1;
            t.queued_work_ms += service_ms;
            None
        }
    }

    /// The earliest job of `station` finishes at `now`: remove it, start the next waiting job.
    /// Returns the finished job and the station's next completion time, if any.
    pub fn finish(&mut self, station: u32, now: f64, tel: &mut Telemetry) -> (Job, Option<f64>) {
        let st = &mut self.stations[station as usize];
        let t = &mut tel.stations[station as usize];
        let i = st
            .running
            .iter()
            .enumerate()
            .min_by(|a, b| key(a.1).partial_cmp(&key(b.1)).expect("finite times"))
            .map(|(i, _)| i)
            .expect("a completion implies a running job");
        let job = st.running.swap_remove(i);
        t.running -= 1;
        t.running_finish_sum_ms -= job.finish_ms;
        if t.running == 0 {
            t.running_finish_sum_ms = 0.0;
        }
        st.free_units.push(job.unit);
        if let Some(w) = st.waiting.pop_front() {
            t.queued -= 1;
            t.queued_work_ms = if t.queued == 0 {
                0.0
            } else {
                t.queued_work_ms - w.service_ms
            };
            let unit = st.free_units.pop().expect("a unit was just freed");
            self.seq += 1;
            let finish = now + w.service_ms;
            st.running.push(Job {
                slot: w.slot,
                unit,
                start_ms: now,
                finish_ms: finish,
                seq: self.seq,
            });
            t.running += 1;
            t.running_finish_sum_ms += finish;
        }
        let next = (!st.running.is_empty()).then(|| earliest(&st.running).finish_ms);
        (job, next)
    }
}

fn key(j: &Job) -> (f64, u64) {
    (j.finish_ms, j.seq)
}

fn earliest(running: &[Job]) -> &Job {
    running
        .iter()
        .min_by(|a, b| key(a).partial_cmp(&key(b)).expect("finite times"))
        .expect("non-empty")
}
