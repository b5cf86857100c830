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

impl Stations {
    /// The wait a job arriving at `station` at `at_ms` would see given the jobs there now:
    /// the units free up at the running jobs' finish times, the queued jobs take them in FIFO
    /// order, and the new job starts when the next unit is free.
    pub fn wait_at(&self, station: u32, at_ms: f64, slots: u32) -> f64 {
        let st = &self.stations[station as usize];
        let mut free: Vec<f64> = st.running.iter().map(|j| j.finish_ms.max(at_ms)).collect();
        free.resize(slots.max(1) as usize, at_ms);
        for w in &st.waiting {
            let (i, t) = min_slot(&free);
            free[i] = t + w.service_ms;
        }
        (min_slot(&free).1 - at_ms).max(0.0)
    }
}

fn min_slot(free: &[f64]) -> (usize, f64) {
    free.iter().copied().enumerate().fold(
        (0, f64::INFINITY),
        |b, (i, t)| if t < b.1 { (i, t) } else { b },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_accounts_for_running_and_queued_jobs() {
        let mut tel = Telemetry::new(1, &[2], 0.0);
        let mut st = Stations::new(&[2]);
        // Two jobs start at t=0 (100 and 300 ms), a third (50 ms) queues.
        assert_eq!(st.arrive(0, 0, 0.0, 100.0, &mut tel), Some(100.0));
        assert_eq!(st.arrive(0, 1, 0.0, 300.0, &mut tel), Some(100.0));
        assert_eq!(st.arrive(0, 2, 0.0, 50.0, &mut tel), None);
        // At t=10 a new job would wait: the queued job takes the unit free at 100 until 150,
        // so the next free unit is at 150 -> wait 140 ms.
        assert!((st.wait_at(0, 10.0, 2) - 140.0).abs() < 1e-12);
        assert!((tel.stations[0].pending_work_ms(10.0) - (90.0 + 290.0 + 50.0)).abs() < 1e-9);
        let (job, next) = st.finish(0, 100.0, &mut tel);
        assert_eq!((job.slot, next), (0, Some(150.0)));
        assert_eq!(tel.stations[0].queued, 0);
        assert_eq!(tel.stations[0].running, 2);
    }
}
