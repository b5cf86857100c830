//! Embedded city tables used to place servers and users.
//!
//! Each table lists real cities of one country with approximate
//! coordinates (WGS84 degrees) and an approximate urban-area population in
//! thousands, which serves as the sampling weight. The `spread_km` value is
//! the standard deviation of the offset of servers around the city centre;
//! bigger agglomerations get a wider spread. Values are rounded public
//! figures, accurate enough for synthetic topologies.

/// One city: name, position and sampling weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct City {
    /// Human-readable name (documentation only; never written to the data).
    pub name: &'static str,
    /// Longitude in degrees (east positive).
    pub lon: f64,
    /// Latitude in degrees (north positive).
    pub lat: f64,
    /// Approximate urban-area population in thousands (the sampling weight).
    pub pop_k: u32,
    /// Standard deviation of the server offset around the centre, km.
    pub spread_km: f64,
}

/// Longitude/latitude bounding box of a country, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// Western edge.
    pub lon_min: f64,
    /// Eastern edge.
    pub lon_max: f64,
    /// Southern edge.
    pub lat_min: f64,
    /// Northern edge.
    pub lat_max: f64,
}

impl BBox {
    /// Clamps a point into the box.
    pub fn clamp(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            lon.clamp(self.lon_min, self.lon_max),
            lat.clamp(self.lat_min, self.lat_max),
        )
    }

    /// Latitude of the middle of the box.
    pub fn mid_lat(&self) -> f64 {
        0.5 * (self.lat_min + self.lat_max)
    }
}

const fn c(name: &'static str, lon: f64, lat: f64, pop_k: u32, spread_km: f64) -> City {
    City {
        name,
        lon,
        lat,
        pop_k,
        spread_km,
    }
}

/// Switzerland: the 23 largest towns plus a few regional centres.
pub const SWITZERLAND: &[City] = &[
    c("Zurich", 8.5417, 47.3769, 1400, 7.0),
    c("Geneva", 6.1432, 46.2044, 620, 5.5),
    c("Basel", 7.5886, 47.5596, 550, 5.0),
    c("Lausanne", 6.6323, 46.5197, 420, 5.0),
    c("Bern", 7.4474, 46.9480, 420, 5.0),
    c("Winterthur", 8.7241, 47.4999, 140, 3.5),
    c("Lucerne", 8.3093, 47.0502, 230, 4.0),
    c("St. Gallen", 9.3767, 47.4245, 170, 3.5),
    c("Lugano", 8.9511, 46.0037, 150, 3.5),
    c("Biel/Bienne", 7.2474, 47.1368, 105, 3.0),
    c("Thun", 7.6280, 46.7580, 95, 3.0),
    c("Fribourg", 7.1610, 46.8065, 95, 3.0),
    c("Neuchatel", 6.9293, 46.9900, 80, 3.0),
    c("La Chaux-de-Fonds", 6.8328, 47.1035, 50, 2.5),
    c("Schaffhausen", 8.6349, 47.6959, 70, 2.5),
    c("Chur", 9.5320, 46.8508, 60, 2.5),
    c("Sion", 7.3606, 46.2331, 70, 3.0),
    c("Zug", 8.5174, 47.1662, 110, 3.0),
    c("Aarau", 8.0444, 47.3925, 85, 3.0),
    c("Baden", 8.3064, 47.4733, 90, 3.0),
    c("Bellinzona", 9.0244, 46.1946, 55, 2.5),
    c("Montreux-Vevey", 6.9106, 46.4312, 90, 3.0),
    c("Olten", 7.9033, 47.3499, 55, 2.5),
    c("Davos", 9.8365, 46.8043, 12, 2.0),
];

/// Switzerland's bounding box.
pub const SWITZERLAND_BBOX: BBox = BBox {
    lon_min: 5.956,
    lon_max: 10.492,
    lat_min: 45.818,
    lat_max: 47.808,
};

/// United Kingdom: the largest urban areas of all four nations.
pub const UNITED_KINGDOM: &[City] = &[
    c("London", -0.1276, 51.5072, 9800, 18.0),
    c("Manchester", -2.2426, 53.4808, 2550, 11.0),
    c("Birmingham", -1.8904, 52.4862, 2440, 11.0),
    c("Leeds-Bradford", -1.5491, 53.8008, 1780, 9.0),
    c("Glasgow", -4.2518, 55.8642, 1210, 8.0),
    c("Southampton-Portsmouth", -1.4044, 50.9097, 860, 8.0),
    c("Liverpool", -2.9916, 53.4084, 860, 7.0),
    c("Newcastle", -1.6178, 54.9783, 780, 7.0),
    c("Nottingham", -1.1581, 52.9548, 730, 6.0),
    c("Sheffield", -1.4701, 53.3811, 690, 6.0),
    c("Bristol", -2.5879, 51.4545, 620, 6.0),
    c("Belfast", -5.9301, 54.5973, 600, 6.0),
    c("Edinburgh", -3.1883, 55.9533, 530, 6.0),
    c("Leicester", -1.1398, 52.6369, 510, 5.0),
    c("Brighton", -0.1372, 50.8225, 470, 5.0),
    c("Cardiff", -3.1791, 51.4816, 450, 5.0),
    c("Hull", -0.3367, 53.7676, 310, 4.5),
    c("Plymouth", -4.1427, 50.3755, 260, 4.5),
    c("Aberdeen", -2.0943, 57.1497, 220, 4.0),
    c("Norwich", 1.2974, 52.6309, 210, 4.0),
    c("Oxford", -1.2577, 51.7520, 170, 3.5),
    c("Cambridge", 0.1218, 52.2053, 160, 3.5),
    c("Exeter", -3.5339, 50.7184, 130, 3.5),
    c("Inverness", -4.2247, 57.4778, 65, 3.0),
];

/// The United Kingdom's bounding box (Great Britain and Northern Ireland).
pub const UNITED_KINGDOM_BBOX: BBox = BBox {
    lon_min: -8.65,
    lon_max: 1.77,
    lat_min: 49.86,
    lat_max: 60.86,
};

/// Germany: the 25 largest cities.
pub const GERMANY: &[City] = &[
    c("Berlin", 13.4050, 52.5200, 3650, 14.0),
    c("Hamburg", 9.9937, 53.5511, 1850, 11.0),
    c("Munich", 11.5820, 48.1351, 1490, 10.0),
    c("Cologne", 6.9603, 50.9375, 1080, 8.0),
    c("Frankfurt am Main", 8.6821, 50.1109, 760, 7.0),
    c("Stuttgart", 9.1829, 48.7758, 630, 7.0),
    c("Dusseldorf", 6.7735, 51.2277, 620, 6.0),
    c("Leipzig", 12.3731, 51.3397, 600, 6.0),
    c("Dortmund", 7.4653, 51.5136, 590, 6.0),
    c("Essen", 7.0116, 51.4556, 580, 5.0),
    c("Bremen", 8.8017, 53.0793, 570, 6.0),
    c("Dresden", 13.7373, 51.0504, 560, 6.0),
    c("Hanover", 9.7320, 52.3759, 540, 6.0),
    c("Nuremberg", 11.0767, 49.4521, 520, 6.0),
    c("Duisburg", 6.7623, 51.4344, 500, 5.0),
    c("Bochum", 7.2162, 51.4818, 365, 4.5),
    c("Bonn", 7.0982, 50.7374, 330, 4.5),
    c("Munster", 7.6261, 51.9607, 315, 4.5),
    c("Karlsruhe", 8.4037, 49.0069, 310, 4.5),
    c("Mannheim", 8.4660, 49.4875, 310, 4.5),
    c("Augsburg", 10.8978, 48.3705, 300, 4.5),
    c("Kiel", 10.1228, 54.3233, 247, 4.0),
    c("Freiburg im Breisgau", 7.8421, 47.9990, 230, 4.0),
    c("Erfurt", 11.0299, 50.9848, 214, 4.0),
    c("Rostock", 12.0991, 54.0924, 209, 4.0),
];

/// Germany's bounding box.
pub const GERMANY_BBOX: BBox = BBox {
    lon_min: 5.87,
    lon_max: 15.04,
    lat_min: 47.27,
    lat_max: 55.06,
};

/// Samples cities by population weight with integer arithmetic only.
#[derive(Debug, Clone)]
pub struct CityPicker {
    cities: &'static [City],
    cumulative: Vec<u64>,
}

impl CityPicker {
    /// Builds the cumulative weight table of `cities` (must be non-empty).
    pub fn new(cities: &'static [City]) -> Self {
        let mut acc = 0u64;
        let cumulative = cities
            .iter()
            .map(|c| {
                acc += u64::from(c.pop_k.max(1));
                acc
            })
            .collect();
        Self { cities, cumulative }
    }

    /// Total weight; draw `u` uniformly in `0..total()` and pass it to [`Self::pick`].
    pub fn total(&self) -> u64 {
        *self.cumulative.last().unwrap_or(&1)
    }

    /// The city whose cumulative weight interval contains `u`.
    pub fn pick(&self, u: u64) -> &'static City {
        let i = self.cumulative.partition_point(|&c| c <= u);
        &self.cities[i.min(self.cities.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cities_lie_inside_their_boxes() {
        for (cities, bbox) in [
            (SWITZERLAND, SWITZERLAND_BBOX),
            (UNITED_KINGDOM, UNITED_KINGDOM_BBOX),
            (GERMANY, GERMANY_BBOX),
        ] {
            assert!((15..=25).contains(&cities.len()));
            for c in cities {
                assert_eq!(bbox.clamp(c.lon, c.lat), (c.lon, c.lat), "{}", c.name);
                assert!(c.pop_k > 0 && c.spread_km > 0.0, "{}", c.name);
            }
        }
    }

    #[test]
    fn picker_respects_weights() {
        let p = CityPicker::new(SWITZERLAND);
        assert_eq!(p.pick(0).name, "Zurich");
        assert_eq!(p.pick(1399).name, "Zurich");
        assert_eq!(p.pick(1400).name, "Geneva");
        assert_eq!(p.pick(p.total() - 1).name, "Davos");
    }
}
