//! The engine's ground truth, handed to privileged schedulers only.

use simrun_schedulers::GroundTruth;

use super::station::Stations;
use crate::network::Origin;
use crate::scenario::NetworkSpec;
use crate::world::World;

/// Ground truth at one decision.
pub struct EngineTruth<'a> {
    pub(super) world: &'a World,
    pub(super) stations: &'a Stations,
    pub(super) slots: &'a [u32],
    pub(super) user: (f64, f64),
}

impl GroundTruth for EngineTruth<'_> {
    fn is_trap(&self, s: u32) -> bool {
        self.world.dataset.servers[s as usize].trap
    }

    fn expected_network_ms(&self, from: Option<u32>, to: u32, tokens: u32) -> f64 {
        let origin = match from {
            Some(p) => Origin::Server(p),
            None => Origin::User {
                lon: self.user.0,
                lat: self.user.1,
            },
        };
        let ds = &self.world.dataset;
        match &self.world.network {
            NetworkSpec::Reference(r) => r.expected_ms(ds, origin, to, tokens),
            NetworkSpec::Overlay(o) => {
                o.expected_ms(ds, origin, to, tokens, self.world.topology.bytes_per_token)
            }
        }
    }

    fn service_ms(&self, s: u32, tokens: u32) -> f64 {
        self.world.service_ms(s, tokens)
    }

    fn wait_ms(&self, station: u32, at_ms: f64) -> f64 {
        self.stations
            .wait_at(station, at_ms, self.slots[station as usize])
    }
}
