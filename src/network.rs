//! Message delays: how long a request takes from its origin (the user for step 0, the previous
//! step's server otherwise) to the chosen server.
//!
//! Two models, chosen in the scenario:
//! - [`ReferenceNetwork`]: the published model (reference-model §3.2-3.3): a stochastic wireless
//!   channel (three draws: bandwidth, Rayleigh fading, interference) plus, on any hop touching a
//!   trap server, a 100/200 ms coin; other listed hops add the link table's base latency.
//! - [`OverlayNetwork`]: a service-overlay network: the link table's base latency and bandwidth
//!   for a listed hop (defaults otherwise) plus propagation; hops touching a trap use the trap
//!   config's latency and bandwidth and suffer exponential jitter and packet loss, each loss
//!   costing a retransmission timeout.
//!
//! Every draw comes from the [`rand_chacha`] stream the engine passes in, so delays are
//! reproducible from the scenario seed.

use geo::{Distance, HaversineMeasure, Point};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use crate::dataset::Dataset;

/// Earth radius used by the published model, km.
pub const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle distance in km between two (lon, lat) points in degrees (haversine, R = 6371 km).
pub fn haversine_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    HaversineMeasure::new(EARTH_RADIUS_KM).distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
}

/// Where a message starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Origin {
    /// The user at (lon, lat): the first step of a workflow.
    User {
        /// Longitude, degrees.
        lon: f64,
        /// Latitude, degrees.
        lat: f64,
    },
    /// A server (the previous step's).
    Server(u32),
}

/// The result of sending one message.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Delivery {
    /// Total delay until the message is delivered, ms.
    pub delay_ms: f64,
    /// Whether the hop touched a trap server.
    pub trap_hit: bool,
    /// Transmission attempts (1 + retransmissions).
    pub attempts: u32,
    /// Hop distance used by the model, km.
    pub distance_km: f64,
}

/// Parameters of the published stochastic channel (defaults are the reference's constants).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ReferenceNetwork {
    /// Trap coin: delay when the coin comes up bad, ms (200).
    pub trap_bad_ms: f64,
    /// Trap coin: delay otherwise, ms (100).
    pub trap_good_ms: f64,
    /// Probability of the bad outcome (0.5).
    pub trap_bad_probability: f64,
}

impl Default for ReferenceNetwork {
    fn default() -> Self {
        ReferenceNetwork {
            trap_bad_ms: 200.0,
            trap_good_ms: 100.0,
            trap_bad_probability: 0.5,
        }
    }
}

/// Transmit power of the reference channel, W (23 dBm).
fn tx_power_w() -> f64 {
    10f64.powf(23.0 / 10.0) / 1000.0
}

impl ReferenceNetwork {
    /// The stochastic channel delay for `d` km and `tokens` (three draws, in the reference's
    /// order: bandwidth, fading, interference).
    pub fn channel_ms(d: f64, tokens: u32, rng: &mut ChaCha8Rng) -> f64 {
        let prop = d * 0.005;
        let bits = tokens as f64 * 32.0;
        let bandwidth = 20e6 * (0.25 + 0.75 * rng.random::<f64>());
        let dc = d.max(0.1);
        let path_loss = (0.1 / dc).powf(2.5);
        let gain = -(1.0 - rng.random::<f64>()).ln();
        let noise_dbm = -174.0 + 10.0 * bandwidth.log10() + 10.0;
        let noise = 10f64.powf(noise_dbm / 10.0) / 1000.0;
        let rx = tx_power_w() * path_loss * gain;
        let interference = noise * (10.0 * rng.random::<f64>());
        let sinr = rx / (noise + interference + 1e-20);
        let capacity = (bandwidth * (1.0 + sinr).log2()).max(50_000.0);
        prop + bits / capacity * 1000.0 + 5.0
    }

    /// Hop geometry under the published model: (distance km, touches a trap, listed base
    /// latency of a non-trap hop).
    fn hop(ds: &Dataset, from: Origin, to: u32) -> (f64, bool, f64) {
        let dst = &ds.servers[to as usize];
        match from {
            Origin::User { lon, lat } => (haversine_km(lon, lat, dst.lon, dst.lat), dst.trap, 0.0),
            Origin::Server(p) => {
                let src = &ds.servers[p as usize];
                // Single-folder datasets are one region, so the reference's 0.5 km floor applies.
                let d = haversine_km(src.lon, src.lat, dst.lon, dst.lat).max(0.5);
                let listed = ds.link(p, to).map_or(0.0, |l| l.0);
                (d, src.trap || dst.trap, listed)
            }
        }
    }

    fn trap_on(ds: &Dataset) -> bool {
        ds.trap.present && ds.trap.latency_ms > 0.0
    }

    /// Deliver one message under the published model.
    pub fn deliver(
        &self,
        ds: &Dataset,
        from: Origin,
        to: u32,
        tokens: u32,
        rng: &mut ChaCha8Rng,
    ) -> Delivery {
        let (d, touches_trap, listed) = Self::hop(ds, from, to);
        let trap = Self::trap_on(ds) && touches_trap;
        // Reference order: the trap coin is drawn before the channel's three draws.
        let link = if trap {
            if rng.random::<f64>() < self.trap_bad_probability {
                self.trap_bad_ms
            } else {
                self.trap_good_ms
            }
        } else {
            listed
        };
        let channel = Self::channel_ms(d, tokens, rng);
        Delivery {
            delay_ms: channel + link,
            trap_hit: trap,
            attempts: 1,
            distance_km: d,
        }
    }

    /// Expected delay: the channel at its mean bandwidth, unit fading gain and mean
    /// interference, plus the expected trap coin.
    pub fn expected_ms(&self, ds: &Dataset, from: Origin, to: u32, tokens: u32) -> f64 {
        let (d, touches_trap, listed) = Self::hop(ds, from, to);
        let bandwidth: f64 = 20e6 * 0.625;
        let noise = 10f64.powf((-174.0 + 10.0 * bandwidth.log10() + 10.0) / 10.0) / 1000.0;
        let rx = tx_power_w() * (0.1 / d.max(0.1)).powf(2.5);
        let sinr = rx / (noise * 6.0 + 1e-20);
        let capacity = (bandwidth * (1.0 + sinr).log2()).max(50_000.0);
        let channel = d * 0.005 + tokens as f64 * 32.0 / capacity * 1000.0 + 5.0;
        let link = if Self::trap_on(ds) && touches_trap {
            self.trap_bad_probability * self.trap_bad_ms
                + (1.0 - self.trap_bad_probability) * self.trap_good_ms
        } else {
            listed
        };
        channel + link
    }
}

/// Parameters of the service-overlay network.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct OverlayNetwork {
    /// Propagation delay per km, ms (0.005: light in fibre).
    pub ms_per_km: f64,
    /// Base latency of a hop the link table does not list (user access, unlisted pairs), ms.
    pub unlisted_latency_ms: f64,
    /// Bandwidth of such a hop, Mbps.
    pub unlisted_bandwidth_mbps: f64,
    /// Delay of a hop from a server to itself (local hand-off), ms.
    pub local_latency_ms: f64,
    /// Mean of the exponential jitter added to every attempt on a hop touching a trap, ms.
    pub trap_jitter_ms: f64,
    /// Probability that an attempt on a hop touching a trap is lost.
    pub trap_loss: f64,
    /// Retransmission timeout charged per lost attempt, ms.
    pub rto_ms: f64,
    /// Attempts after which the message gets through regardless.
    pub max_attempts: u32,
}

impl Default for OverlayNetwork {
    fn default() -> Self {
        OverlayNetwork {
            ms_per_km: 0.005,
            unlisted_latency_ms: 5.0,
            unlisted_bandwidth_mbps: 100.0,
            local_latency_ms: 0.05,
            trap_jitter_ms: 150.0,
            trap_loss: 0.2,
            rto_ms: 600.0,
            max_attempts: 8,
        }
    }
}

impl OverlayNetwork {
    /// Check that every parameter is possible; errors name the scenario key.
    pub fn validate(&self) -> Result<(), String> {
        let nonneg = [
            ("network.ms_per_km", self.ms_per_km),
            ("network.unlisted_latency_ms", self.unlisted_latency_ms),
            ("network.local_latency_ms", self.local_latency_ms),
            ("network.trap_jitter_ms", self.trap_jitter_ms),
            ("network.rto_ms", self.rto_ms),
        ];
        for (k, v) in nonneg {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("{k}: must be a finite number >= 0, got {v}"));
            }
        }
        if !(self.unlisted_bandwidth_mbps.is_finite() && self.unlisted_bandwidth_mbps > 0.0) {
            return Err("network.unlisted_bandwidth_mbps: must be > 0".into());
        }
        if !(0.0..1.0).contains(&self.trap_loss) {
            return Err(format!(
                "network.trap_loss: must be in [0, 1), got {}",
                self.trap_loss
            ));
        }
        if self.max_attempts == 0 {
            return Err("network.max_attempts: must be >= 1".into());
        }
        Ok(())
    }

    /// One attempt's delay without jitter, the hop distance and whether it touches a trap.
    fn path(&self, ds: &Dataset, from: Origin, to: u32, bits: f64) -> (f64, f64, bool) {
        let dst = &ds.servers[to as usize];
        let (d, touches_trap, base, bw) = match from {
            Origin::User { lon, lat } => (
                haversine_km(lon, lat, dst.lon, dst.lat),
                dst.trap,
                self.unlisted_latency_ms,
                self.unlisted_bandwidth_mbps,
            ),
            Origin::Server(p) => {
                let src = &ds.servers[p as usize];
                let d = haversine_km(src.lon, src.lat, dst.lon, dst.lat);
                let (base, bw) = match ds.link(p, to) {
                    Some(l) => l,
                    None if p == to => (self.local_latency_ms, f64::INFINITY),
                    None => (self.unlisted_latency_ms, self.unlisted_bandwidth_mbps),
                };
                (d, src.trap || dst.trap, base, bw)
            }
        };
        let trap = touches_trap && ds.trap.present;
        let (base, bw) = if trap {
            (
                base.max(ds.trap.latency_ms),
                bw.min(ds.trap.bandwidth_mbps.max(1e-3)),
            )
        } else {
            (base, bw)
        };
        (base + d * self.ms_per_km + bits / (bw * 1e3), d, trap)
    }

    /// Deliver one message over the overlay.
    pub fn deliver(
        &self,
        ds: &Dataset,
        from: Origin,
        to: u32,
        tokens: u32,
        bytes_per_token: f64,
        rng: &mut ChaCha8Rng,
    ) -> Delivery {
        let bits = tokens as f64 * bytes_per_token * 8.0;
        let (one_way, d, trap) = self.path(ds, from, to, bits);
        if !trap {
            return Delivery {
                delay_ms: one_way,
                trap_hit: false,
                attempts: 1,
                distance_km: d,
            };
        }
        let mut delay = 0.0;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let jitter = -self.trap_jitter_ms * (1.0 - rng.random::<f64>()).ln();
            let lost = attempts < self.max_attempts && rng.random::<f64>() < self.trap_loss;
            if lost {
                delay += self.rto_ms;
            } else {
                delay += one_way + jitter;
                break;
            }
        }
        Delivery {
            delay_ms: delay,
            trap_hit: true,
            attempts,
            distance_km: d,
        }
    }

    /// Expected delay: one attempt plus, on trap hops, the mean jitter and the expected number
    /// of losses (a truncated geometric series) times the retransmission timeout.
    pub fn expected_ms(
        &self,
        ds: &Dataset,
        from: Origin,
        to: u32,
        tokens: u32,
        bytes_per_token: f64,
    ) -> f64 {
        let bits = tokens as f64 * bytes_per_token * 8.0;
        let (one_way, _, trap) = self.path(ds, from, to, bits);
        if !trap {
            return one_way;
        }
        let losses: f64 = (1..self.max_attempts)
            .map(|i| self.trap_loss.powi(i as i32))
            .sum();
        one_way + self.trap_jitter_ms + losses * self.rto_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_reference_value() {
        // reference-model §10: the first train task of the published sample (6.879861574,
        // 46.46580415) to Server1_46 (8.5064, 47.3716) is 159.38511700408117 km.
        let d = haversine_km(6.879861574, 46.46580415, 8.5064, 47.3716);
        assert!((d - 159.38511700408117).abs() < 1e-9, "{d}");
        // Zurich (8.5417, 47.3769) to Geneva (6.1432, 46.2044), computed by hand with R = 6371.
        let d = haversine_km(8.5417, 47.3769, 6.1432, 46.2044);
        assert!((d - 224.35103281174574).abs() < 1e-9, "{d}");
        assert_eq!(haversine_km(7.0, 46.0, 7.0, 46.0), 0.0);
    }

    #[test]
    fn tx_power_is_23_dbm() {
        assert!((tx_power_w() - 0.19952623149688786).abs() < 1e-15);
    }
}
