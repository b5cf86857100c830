//! Reading CSV tables with typed, validated fields and errors that name file, line and field.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::error::DataError;

/// First line of a Git-LFS pointer file.
pub const LFS_POINTER_PREFIX: &str = "version https://git-lfs.github.com/spec/";

/// Whether the file at `path` is a Git-LFS pointer rather than real content.
pub fn is_lfs_pointer(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let n = f.read(&mut head).unwrap_or(0);
    head[..n].starts_with(LFS_POINTER_PREFIX.as_bytes())
}

/// An open CSV table: the header and a reader over the records.
pub struct Table {
    path: PathBuf,
    columns: HashMap<String, usize>,
    reader: csv::Reader<std::fs::File>,
}

/// One record of a [`Table`], with typed getters.
pub struct Row<'t> {
    path: &'t Path,
    columns: &'t HashMap<String, usize>,
    record: csv::StringRecord,
    /// 1-based line number of the record.
    pub line: u64,
}

impl Table {
    /// Open `path`; a missing file or an LFS pointer is an error.
    pub fn open(path: &Path) -> Result<Table, DataError> {
        if !path.exists() {
            return Err(DataError::Missing {
                path: path.to_path_buf(),
            });
        }
        if is_lfs_pointer(path) {
            return Err(DataError::file(
                path,
                "is a Git-LFS pointer, not data (fetch the real file with `git lfs pull`)",
            ));
        }
        let file = std::fs::File::open(path).map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(file);
        let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        Ok(Table {
            path: path.to_path_buf(),
            columns,
            reader,
        })
    }

    /// Whether the header has `name`.
    pub fn has(&self, name: &str) -> bool {
        self.columns.contains_key(name)
    }

    /// The first of `names` that the header has, or an error listing them.
    pub fn require_one<'n>(&self, names: &[&'n str]) -> Result<&'n str, DataError> {
        names.iter().copied().find(|n| self.has(n)).ok_or_else(|| {
            DataError::file(
                &self.path,
                format!("missing column `{}`", names.join("` or `")),
            )
        })
    }

    /// Call `f` on every record, in file order.
    pub fn for_each(
        mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), DataError>,
    ) -> Result<(), DataError> {
        let mut record = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    let row = Row {
                        path: &self.path,
                        columns: &self.columns,
                        record: std::mem::take(&mut record),
                        line,
                    };
                    f(&row)?;
                    record = row.record;
                }
                Err(e) => return Err(csv_error(&self.path, e)),
            }
        }
    }
}

fn csv_error(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => DataError::field(
            path,
            line,
            "(row)",
            format!("has {len} fields, the header has {expected_len}"),
        ),
        _ => DataError::file(path, format!("line {line}: {e}")),
    }
}

impl Row<'_> {
    /// The raw text of column `name` (error if the column does not exist).
    pub fn str(&self, name: &str) -> Result<&str, DataError> {
        let idx = self
            .columns
            .get(name)
            .ok_or_else(|| DataError::file(self.path, format!("missing column `{name}`")))?;
        Ok(self.record.get(*idx).unwrap_or("").trim())
    }

    /// The text of column `name`, which must not be empty.
    pub fn text(&self, name: &str) -> Result<&str, DataError> {
        let s = self.str(name)?;
        if s.is_empty() {
            Err(self.bad(name, "is empty"))
        } else {
            Ok(s)
        }
    }

    /// A finite f64 in column `name`.
    pub fn f64(&self, name: &str) -> Result<f64, DataError> {
        let s = self.text(name)?;
        let v: f64 = s
            .parse()
            .map_err(|_| self.bad(name, format!("`{s}` is not a number")))?;
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.bad(name, format!("`{s}` is not a finite number")))
        }
    }

    /// A finite f64 in `[lo, hi]`.
    pub fn f64_in(&self, name: &str, lo: f64, hi: f64) -> Result<f64, DataError> {
        let v = self.f64(name)?;
        if v < lo || v > hi {
            Err(self.bad(name, format!("{v} is outside [{lo}, {hi}]")))
        } else {
            Ok(v)
        }
    }

    /// A non-negative integer in column `name`.
    pub fn u64(&self, name: &str) -> Result<u64, DataError> {
        let s = self.text(name)?;
        s.parse()
            .map_err(|_| self.bad(name, format!("`{s}` is not a non-negative integer")))
    }

    /// A field error for column `name` at this row.
    pub fn bad(&self, name: &str, message: impl Into<String>) -> DataError {
        DataError::field(self.path, self.line, name, message)
    }
}
