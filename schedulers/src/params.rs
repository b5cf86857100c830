//! Scheduler parameters: `name[key=value,key=value]` specs and typed access with clear errors.

use std::collections::BTreeMap;
use std::fmt;

/// Parameters given to a scheduler, as strings keyed by name, with typed getters.
///
/// Every getter marks its key as used; [`Params::finish`] then rejects keys no getter asked
/// for, so a typo such as `gredy[k=3]` or `random[sed=1]` is an error, not a silent default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    values: BTreeMap<String, String>,
    used: std::cell::RefCell<std::collections::BTreeSet<String>>,
}

/// A bad scheduler parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError(pub String);

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

impl Params {
    /// Parameters from `(key, value)` pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Params {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            used: Default::default(),
        }
    }

    /// Split a spec `name[k=v,k2=v2]` into the name and its parameters.
    pub fn parse_spec(spec: &str) -> Result<(String, Params), ParamError> {
        let spec = spec.trim();
        let Some(open) = spec.find('[') else {
            return Ok((spec.to_string(), Params::default()));
        };
        let name = spec[..open].trim().to_string();
        let inner = spec[open + 1..]
            .strip_suffix(']')
            .ok_or_else(|| ParamError(format!("scheduler spec `{spec}`: missing closing `]`")))?;
        let mut pairs = Vec::new();
        for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                ParamError(format!(
                    "scheduler spec `{spec}`: `{part}` is not key=value"
                ))
            })?;
            pairs.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok((name, Params::from_pairs(pairs)))
    }

    /// Merge `other` over `self` (other's values win).
    pub fn merged(mut self, other: &Params) -> Params {
        for (k, v) in &other.values {
            self.values.insert(k.clone(), v.clone());
        }
        self
    }

    /// The raw string for `key`, if given.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.used.borrow_mut().insert(key.to_string());
        self.values.get(key).map(String::as_str)
    }

    /// A parsed value for `key`, or `default` when absent.
    pub fn get_or<T: std::str::FromStr>(&self, key: &str, default: T) -> Result<T, ParamError> {
        match self.get_str(key) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|_| {
                ParamError(format!(
                    "scheduler parameter `{key}`: cannot parse `{raw}` as {}",
                    std::any::type_name::<T>()
                ))
            }),
        }
    }

    /// A finite f64 for `key`, or `default`.
    pub fn get_f64(&self, key: &str, default: f64) -> Result<f64, ParamError> {
        let v: f64 = self.get_or(key, default)?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ParamError(format!(
                "scheduler parameter `{key}`: must be finite, got {v}"
            )))
        }
    }

    /// Error on any key that no getter asked for.
    pub fn finish(&self, scheduler: &str) -> Result<(), ParamError> {
        let used = self.used.borrow();
        let unknown: Vec<&str> = self
            .values
            .keys()
            .filter(|k| !used.contains(*k))
            .map(String::as_str)
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(ParamError(format!(
                "scheduler `{scheduler}`: unknown parameter(s) {}",
                unknown.join(", ")
            )))
        }
    }

    /// Whether no parameters were given.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The `key=value` pairs, sorted by key.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spec_with_params() {
        let (name, p) = Params::parse_spec("greedy[k=8, w=0.5]").unwrap();
        assert_eq!(name, "greedy");
        assert_eq!(p.get_or("k", 0usize).unwrap(), 8);
        assert_eq!(p.get_f64("w", 0.0).unwrap(), 0.5);
        assert!(p.finish("greedy").is_ok());
    }

    #[test]
    fn rejects_unknown_and_malformed() {
        let (_, p) = Params::parse_spec("random[sed=1]").unwrap();
        assert!(p.finish("random").unwrap_err().0.contains("sed"));
        assert!(Params::parse_spec("random[seed=1").is_err());
        let (_, p) = Params::parse_spec("x[a=zz]").unwrap();
        assert!(p.get_or("a", 1u32).unwrap_err().0.contains("`a`"));
    }
}
