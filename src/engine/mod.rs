//! The discrete-event engine: runs one workload through the world with one scheduler.
//!
//! A workflow step travels as follows. When the step is ready (the workflow arrived, or its
//! previous step finished) the engine builds the step's candidates, asks the scheduler, and
//! sends the request message from the origin (the user, or the previous server) to the chosen
//! server; the network model draws its delay. On delivery the job joins the station's FIFO
//! queue or starts at once if a slot is free; its service time is fixed by the server's
//! compute. On completion the engine writes the step row, tells the scheduler the outcome, and
//! makes the next step ready at the same instant, or finishes the workflow.
//!
//! Randomness: every workflow owns a ChaCha8 stream (`stream = workflow id`) of the run's
//! network key, so its network draws do not depend on what other workflows did; the workload
//! and the scheduler have their own streams (see [`crate::seeds`]).

mod events;
mod station;
mod truth;

pub use events::{Event, EventQueue, Next};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use simrun_schedulers::{Candidate, Scheduler, StepContext, StepOutcome, Telemetry};

use crate::network::{Delivery, Origin};
use crate::record::{
    RecordSink, StepRecord, WorkflowRecord, COMM_COST_SHARE, NETWORK_COST_PER_KB_MS,
};
use crate::scenario::{NetworkSpec, WorkloadKind};
use crate::workload::Plan;
use crate::world::World;
use station::Stations;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The scheduler returned an index outside the candidate list.
    #[error("scheduler `{scheduler}` chose candidate {index} of {len} (workflow {workflow}, step {step})")]
    BadDecision {
        /// Scheduler name.
        scheduler: String,
        /// The index it returned.
        index: usize,
        /// Number of candidates.
        len: usize,
        /// Workflow.
        workflow: u64,
        /// Step.
        step: u32,
    },
    /// A step's model type has no station.
    #[error("no server hosts model type `{0}`")]
    NoCandidates(String),
    /// Writing a record failed.
    #[error("writing trace: {0}")]
    Io(#[from] std::io::Error),
}

/// Counters of a finished run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunStats {
    /// Events processed (arrivals, deliveries, completions).
    pub events: u64,
    /// Workflow steps completed.
    pub steps: u64,
    /// Workflows completed.
    pub workflows: u64,
    /// Simulated time at the end, ms.
    pub end_ms: f64,
    /// Wall-clock seconds spent in scheduler decisions (only when measured).
    pub decision_s: f64,
}

/// Per-run options.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// The run seed.
    pub seed: u64,
    /// Measure wall-clock decision time.
    pub measure_decisions: bool,
}

struct Active {
    id: u64,
    task: u32,
    step: u32,
    ready_ms: f64,
    prev: Option<u32>,
    station: u32,
    server: u32,
    delivery: Delivery,
    deliver_ms: f64,
    service_ms: f64,
    rng: ChaCha8Rng,
    totals: WorkflowRecord,
}

/// Run `plan` through `world` with `scheduler`, sending rows to `sink`.
pub fn run(
    world: &World,
    plan: &Plan,
    scheduler: &mut dyn Scheduler,
    sink: &mut dyn RecordSink,
    opts: RunOptions,
) -> Result<RunStats, EngineError> {
    Engine::new(world, opts).run(plan, scheduler, sink)
}

struct Engine<'w> {
    world: &'w World,
    queue: EventQueue,
    stations: Stations,
    telemetry: Telemetry,
    active: Vec<Option<Active>>,
    free: Vec<u32>,
    network_key: ChaCha8Rng,
    cand_buf: Vec<Candidate>,
    stats: RunStats,
    measure: bool,
    privileged: bool,
    slots: Vec<u32>,
}

impl<'w> Engine<'w> {
    fn new(world: &'w World, opts: RunOptions) -> Self {
        let slots = world.station_slots();
        Engine {
            world,
            queue: EventQueue::new(slots.len()),
            stations: Stations::new(&slots),
            telemetry: Telemetry::new(world.dataset.servers.len(), &slots, world.ema_initial_ms),
            active: Vec::new(),
            free: Vec::new(),
            network_key: ChaCha8Rng::seed_from_u64(crate::seeds::derive(
                opts.seed,
                crate::seeds::NETWORK,
            )),
            cand_buf: Vec::new(),
            stats: RunStats::default(),
            measure: opts.measure_decisions,
            privileged: false,
            slots,
        }
    }

    fn run(
        mut self,
        plan: &Plan,
        sched: &mut dyn Scheduler,
        sink: &mut dyn RecordSink,
    ) -> Result<RunStats, EngineError> {
        let episodic = plan.kind == WorkloadKind::Episodic;
        self.privileged = sched.privileged();
        if let Some(first) = plan.workflows.first() {
            let t = if episodic { 0.0 } else { first.arrival_ms };
            self.queue.push(t, Event::Arrival(0));
        }
        let mut now = 0.0;
        while let Some(next) = self.queue.pop() {
            self.stats.events += 1;
            match next {
                Next::Event(t, Event::Arrival(i)) => {
                    now = t;
                    if episodic {
                        self.telemetry.reset_latency();
                        sched.begin_episode();
                    } else if let Some(n) = plan.workflows.get(i as usize + 1) {
                        self.queue.push(n.arrival_ms.max(t), Event::Arrival(i + 1));
                    }
                    let p = plan.workflows[i as usize];
                    let slot = self.admit(i as u64, p.task, t);
                    self.dispatch(slot, t, sched)?;
                }
                Next::Event(t, Event::Delivery(slot)) => {
                    now = t;
                    self.deliver(slot, t);
                }
                Next::Completion(t, station) => {
                    now = t;
                    let done = self.complete(station, t, sched, sink)?;
                    if let (true, Some(id)) = (episodic, done) {
                        if (id as usize + 1) < plan.workflows.len() {
                            self.queue.push(t, Event::Arrival(id as u32 + 1));
                        }
                    }
                }
            }
        }
        self.stats.end_ms = now;
        Ok(self.stats)
    }

    fn admit(&mut self, id: u64, task: u32, t: f64) -> u32 {
        let mut rng = self.network_key.clone();
        rng.set_stream(id);
        rng.set_word_pos(0);
        let a = Active {
            id,
            task,
            step: 0,
            ready_ms: t,
            prev: None,
            station: 0,
            server: 0,
            delivery: Delivery::default(),
            deliver_ms: t,
            service_ms: 0.0,
            rng,
            totals: WorkflowRecord {
                workflow: id,
                task,
                steps: 0,
                arrival_ms: t,
                finish_ms: t,
                latency_ms: 0.0,
                network_ms: 0.0,
                queue_ms: 0.0,
                compute_ms: 0.0,
                compute_cost: 0.0,
                network_cost: 0.0,
                network_cost_published: 0.0,
                reward: 0.0,
                switches: 0,
                trap_hits: 0,
            },
        };
        match self.free.pop() {
            Some(s) => {
                self.active[s as usize] = Some(a);
                s
            }
            None => {
                self.active.push(Some(a));
                (self.active.len() - 1) as u32
            }
        }
    }

    /// Ask the scheduler where the ready step of `slot` goes and send its message.
    fn dispatch(
        &mut self,
        slot: u32,
        now: f64,
        sched: &mut dyn Scheduler,
    ) -> Result<(), EngineError> {
        let world = self.world;
        let ds = &world.dataset;
        let a = self.active[slot as usize]
            .as_mut()
            .expect("active workflow");
        let task = &ds.tasks[a.task as usize];
        let step = task.steps[a.step as usize];
        let (olon, olat) = match a.prev {
            Some(p) => (ds.servers[p as usize].lon, ds.servers[p as usize].lat),
            None => (task.lon, task.lat),
        };
        let (cands, all) =
            world
                .candidates
                .candidates(step.model_type, a.prev, olon, olat, &mut self.cand_buf);
        if cands.is_empty() {
            return Err(EngineError::NoCandidates(
                ds.model_types[step.model_type as usize].clone(),
            ));
        }
        let ctx = StepContext {
            workflow: a.id,
            task: a.task,
            step: a.step,
            n_steps: task.steps.len() as u32,
            model_type: step.model_type,
            tokens: step.tokens,
            task_pos: simrun_schedulers::GeoPoint {
                lon: task.lon,
                lat: task.lat,
            },
            prev_server: a.prev,
            now_ms: now,
            candidates: cands,
            candidates_are_all: all,
            topology: &world.topology,
            telemetry: &self.telemetry,
        };
        let t0 = self.measure.then(std::time::Instant::now);
        let decision = if self.privileged {
            let truth = truth::EngineTruth {
                world,
                stations: &self.stations,
                slots: &self.slots,
                user: (task.lon, task.lat),
            };
            sched.decide_privileged(&ctx, &truth)
        } else {
            sched.decide(&ctx)
        };
        if let Some(t0) = t0 {
            self.stats.decision_s += t0.elapsed().as_secs_f64();
        }
        let Some(c) = cands.get(decision.candidate).copied() else {
            return Err(EngineError::BadDecision {
                scheduler: sched.name().to_string(),
                index: decision.candidate,
                len: cands.len(),
                workflow: a.id,
                step: a.step,
            });
        };
        let origin = match a.prev {
            Some(p) => Origin::Server(p),
            None => Origin::User {
                lon: task.lon,
                lat: task.lat,
            },
        };
        let delivery = match &world.network {
            NetworkSpec::Reference(r) => r.deliver(ds, origin, c.server, step.tokens, &mut a.rng),
            NetworkSpec::Overlay(o) => o.deliver(
                ds,
                origin,
                c.server,
                step.tokens,
                world.topology.bytes_per_token,
                &mut a.rng,
            ),
        };
        let service = world.service_ms(c.server, step.tokens);
        let t = &mut self.telemetry.stations[c.station as usize];
        t.in_flight += 1;
        t.in_flight_work_ms += service;
        a.service_ms = service;
        a.ready_ms = now;
        a.station = c.station;
        a.server = c.server;
        a.delivery = delivery;
        a.deliver_ms = now + delivery.delay_ms;
        self.queue.push(a.deliver_ms, Event::Delivery(slot));
        Ok(())
    }

    fn deliver(&mut self, slot: u32, now: f64) {
        let a = self.active[slot as usize]
            .as_ref()
            .expect("active workflow");
        let (service, station) = (a.service_ms, a.station);
        let t = &mut self.telemetry.stations[station as usize];
        t.in_flight -= 1;
        t.in_flight_work_ms = if t.in_flight == 0 {
            0.0
        } else {
            t.in_flight_work_ms - service
        };
        if let Some(finish) = self
            .stations
            .arrive(station, slot, now, service, &mut self.telemetry)
        {
            self.queue.set_completion(station, finish);
        }
    }

    /// The earliest job of `station` finished. Returns the workflow id if it was its last step.
    fn complete(
        &mut self,
        station: u32,
        now: f64,
        sched: &mut dyn Scheduler,
        sink: &mut dyn RecordSink,
    ) -> Result<Option<u64>, EngineError> {
        let (job, next) = self.stations.finish(station, now, &mut self.telemetry);
        match next {
            Some(t) => self.queue.set_completion(station, t),
            None => self.queue.clear_completion(station),
        }
        let world = self.world;
        let ds = &world.dataset;
        let slot = job.slot;
        let a = self.active[slot as usize]
            .as_mut()
            .expect("active workflow");
        let task = &ds.tasks[a.task as usize];
        let step = task.steps[a.step as usize];
        let cand_instance =
            ds.stations[station as usize].instances[(job.unit / world.slots_per_instance) as usize];
        let server = &ds.servers[a.server as usize];
        let latency = now - a.ready_ms;
        let cost = step.tokens as f64 / 1000.0
            * ds.stations[station as usize].cost_per_ktoken
            * server.price_multiplier;
        let regions = |s: u32| world.topology.servers[s as usize].region;
        let switch = a.prev.is_some_and(|p| regions(p) != regions(a.server));
        let row = StepRecord {
            workflow: a.id,
            task: a.task,
            step: a.step,
            model_type: step.model_type,
            server: a.server,
            instance: cand_instance,
            tokens: step.tokens,
            ready_ms: a.ready_ms,
            dispatch_ms: a.ready_ms,
            arrival_ms: a.deliver_ms,
            start_ms: job.start_ms,
            finish_ms: now,
            network_ms: a.delivery.delay_ms,
            queue_ms: job.start_ms - a.deliver_ms,
            compute_ms: now - job.start_ms,
            latency_ms: latency,
            cost,
            trap_hit: a.delivery.trap_hit,
            attempts: a.delivery.attempts,
            region_switch: switch,
            distance_km: a.delivery.distance_km,
        };
        self.stats.steps += 1;
        sink.step(&row)?;
        let (r_l, r_c, r_s) = rewards(latency, cost, switch && ds.mean_base_latency_ms > 0.0);
        let t = &mut a.totals;
        t.steps += 1;
        t.latency_ms += latency;
        t.network_ms += row.network_ms;
        t.queue_ms += row.queue_ms;
        t.compute_ms += row.compute_ms;
        t.compute_cost += cost;
        let kb = |units: f64| units * world.topology.bytes_per_token / 1024.0;
        t.network_cost += kb(step.tokens as f64) * row.network_ms * NETWORK_COST_PER_KB_MS;
        t.network_cost_published += kb(task.size) * row.network_ms * NETWORK_COST_PER_KB_MS;
        t.reward += 0.45f32 as f64 * r_l + 0.40f32 as f64 * r_c + 0.15f32 as f64 * r_s;
        t.switches += switch as u32;
        t.trap_hits += row.trap_hit as u32;
        self.telemetry.observe_latency(a.server, latency);
        let done = a.step as usize + 1 >= task.steps.len();
        sched.observe(&StepOutcome {
            workflow: a.id,
            step: a.step,
            n_steps: task.steps.len() as u32,
            server: a.server,
            station,
            network_ms: row.network_ms,
            queue_ms: row.queue_ms,
            compute_ms: row.compute_ms,
            latency_ms: latency,
            cost,
            region_switch: switch,
            r_latency: r_l,
            r_cost: r_c,
            r_switch: r_s,
            done,
        });
        if done {
            let mut totals = a.totals.clone();
            totals.finish_ms = now;
            let id = a.id;
            self.active[slot as usize] = None;
            self.free.push(slot);
            self.stats.workflows += 1;
            sink.workflow(&totals)?;
            Ok(Some(id))
        } else {
            a.prev = Some(a.server);
            a.step += 1;
            self.dispatch(slot, now, sched)?;
            Ok(None)
        }
    }
}

/// The reward components (r_L, r_C, r_S) of a step (reference-model §4).
pub fn rewards(latency_ms: f64, cost: f64, switched: bool) -> (f64, f64, f64) {
    let r_l = -4.0 * (latency_ms / 5000.0).clamp(0.0, 1.0);
    let r_c = -4.0 * ((cost - 0.00045) / (0.15 - 0.00045)).clamp(0.0, 1.0);
    let r_s = if switched { -0.4 } else { 0.0 };
    (r_l, r_c, r_s)
}

/// Communication cost of a workflow from its network cost (reference metrics: 0.3 x).
pub fn communication_cost(network_cost: f64) -> f64 {
    COMM_COST_SHARE * network_cost
}
