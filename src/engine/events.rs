//! The event list.
//!
//! Two structures, each where it is fastest:
//! - a binary heap (`std::collections::BinaryHeap`) for one-shot events (workflow arrivals,
//!   message deliveries); a plain heap is 2-3x faster than a keyed queue as a free event list;
//! - a keyed `priority_queue::PriorityQueue` with one entry per busy station, holding its next
//!   service completion; when a job finishes and the next one starts, the entry's priority is
//!   changed in place instead of pushing a new event.
//!
//! Times are `OrderedFloat<f64>` ms; ties break on a sequence number assigned when the event
//! is scheduled, so the order is total and runs are deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ordered_float::OrderedFloat;
use priority_queue::PriorityQueue;

/// Event time and tie-break: earlier time first, then lower sequence number.
pub type Stamp = (OrderedFloat<f64>, u64);

/// A one-shot event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Event {
    /// Workflow (plan index) arrives.
    Arrival(u32),
    /// The request message of the workflow in this slot reaches its server.
    Delivery(u32),
}

/// What comes next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// A one-shot event.
    Event(f64, Event),
    /// A service completion at this station.
    Completion(f64, u32),
}

/// The engine's event list.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Reverse<(Stamp, Event)>>,
    completions: PriorityQueue<u32, Reverse<Stamp>>,
    seq: u64,
}

impl EventQueue {
    /// An empty queue sized for `stations` stations.
    pub fn new(stations: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            completions: PriorityQueue::with_capacity(stations.min(1 << 16)),
            seq: 0,
        }
    }

    fn stamp(&mut self, t: f64) -> Stamp {
        self.seq += 1;
        (OrderedFloat(t), self.seq)
    }

    /// Schedule a one-shot event at `t`.
    pub fn push(&mut self, t: f64, e: Event) {
        let s = self.stamp(t);
        self.heap.push(Reverse((s, e)));
    }

    /// Set (or move) the next completion of `station` to `t`.
    pub fn set_completion(&mut self, station: u32, t: f64) {
        let s = self.stamp(t);
        self.completions.push(station, Reverse(s));
    }

    /// Forget `station`'s completion (it has no job in service).
    pub fn clear_completion(&mut self, station: u32) {
        self.completions.remove(&station);
    }

    /// Remove and return the earliest event.
    pub fn pop(&mut self) -> Option<Next> {
        let h = self.heap.peek().map(|Reverse((s, _))| *s);
        let c = self.completions.peek().map(|(_, Reverse(s))| *s);
        match (h, c) {
            (None, None) => None,
            (Some(hs), Some(cs)) if cs < hs => self.pop_completion(),
            (Some(_), _) => {
                let Reverse(((t, _), e)) = self.heap.pop()?;
                Some(Next::Event(t.0, e))
            }
            (None, Some(_)) => self.pop_completion(),
        }
    }

    fn pop_completion(&mut self) -> Option<Next> {
        let (station, Reverse((t, _))) = self.completions.pop()?;
        Some(Next::Completion(t.0, station))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + self.completions.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = EventQueue::new(4);
        q.push(5.0, Event::Arrival(1));
        q.set_completion(2, 5.0);
        q.push(5.0, Event::Delivery(3));
        q.push(1.0, Event::Arrival(0));
        q.set_completion(1, 7.0);
        q.set_completion(1, 0.5); // moved earlier in place
        let order: Vec<Next> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                Next::Completion(0.5, 1),
                Next::Event(1.0, Event::Arrival(0)),
                Next::Event(5.0, Event::Arrival(1)),
                Next::Completion(5.0, 2),
                Next::Event(5.0, Event::Delivery(3)),
            ]
        );
    }
}
