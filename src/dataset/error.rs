//! Errors that name the file, line and field at fault.

use std::path::{Path, PathBuf};

/// A problem with a dataset file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A required file is missing.
    #[error("{}: required file is missing", path.display())]
    Missing {
        /// The file that was expected.
        path: PathBuf,
    },
    /// The dataset folder itself does not exist.
    #[error(
        "{}: no such dataset folder (a dataset is a folder with servers.csv, network_links.csv, ...)",
        path.display()
    )]
    NoFolder {
        /// The folder that was expected.
        path: PathBuf,
    },
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A row or field is malformed.
    #[error("{}:{line}: field `{field}`: {message}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// The column name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A file-level problem (missing column, empty table, ...).
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl DataError {
    /// A field error at `line` of `path`.
    pub fn field(path: &Path, line: u64, field: &str, message: impl Into<String>) -> Self {
        DataError::Field {
            path: path.to_path_buf(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A file-level error.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        DataError::File {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
