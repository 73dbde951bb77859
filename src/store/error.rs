//! What the store answers when a request cannot be served. Every variant is a plain sentence for the UI,
//! and the type is `Clone` so it can travel inside UI messages.
use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Another connection holds the write lock past the busy timeout.
    #[error(
        "the database {} is locked by another process (another mosaic?); changes are not saved until it is released",
        path.display()
    )]
    Locked { path: PathBuf },
    /// The database was opened read-only; `reason` says why and what to do.
    #[error("changes are not saved: {reason}")]
    ReadOnly { reason: String },
    /// No database could be opened; `reason` names the file and the fix.
    #[error("changes are not saved: {reason}")]
    Unavailable { reason: String },
    /// The row to change does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The change would clash with an existing row (a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// The request itself is not valid (an empty name, a path that is not UTF-8, unreadable stored JSON).
    #[error("{0}")]
    Invalid(String),
    /// The store thread is gone; requests answer this instead of hanging.
    #[error("the local store stopped working; restart mosaic to save changes")]
    Stopped,
    /// Any other SQLite failure.
    #[error("database error in {}: {message}", path.display())]
    Database { path: PathBuf, message: String },
}

impl StoreError {
    /// Classifies a SQLite error: busy and locked become `Locked`, a read-only refusal becomes `ReadOnly`.
    pub(crate) fn from_sqlite(path: &Path, err: &rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Locked { path: path.to_path_buf() },
            Some(ErrorCode::ReadOnly) => {
                Self::ReadOnly { reason: format!("{} cannot be written ({err})", path.display()) }
            }
            _ => Self::Database { path: path.to_path_buf(), message: err.to_string() },
        }
    }
}

/// The error type of the functions that run on the store thread: either SQLite failed (and the thread
/// turns it into a [`StoreError`] that names the file) or the operation refused the request itself.
#[derive(Debug)]
pub(crate) enum OpError {
    Sql(rusqlite::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for OpError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sql(err)
    }
}

impl From<StoreError> for OpError {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

impl OpError {
    pub(crate) fn into_store_error(self, path: &Path) -> StoreError {
        match self {
            Self::Sql(err) => StoreError::from_sqlite(path, &err),
            Self::Store(err) => err,
        }
    }
}

/// True when SQLite says a constraint (such as a unique key) refused the change.
pub(crate) fn is_constraint(err: &rusqlite::Error) -> bool {
    err.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}
