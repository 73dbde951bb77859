//! The store thread: it owns the SQLite connection and runs one job at a time. Jobs arrive as boxed
//! closures over [`Db`], each carrying its own oneshot reply, so nobody else ever blocks on SQLite.
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::StoreStatus;
use super::error::{OpError, StoreError};

/// What the thread holds, decided once at open time.
pub(crate) enum Backend {
    Writable(Connection),
    ReadOnly {
        conn: Connection,
        reason: String,
    },
    /// No database: reads answer empty, writes are refused with `reason`.
    Unavailable {
        reason: String,
    },
}

/// The database as the thread sees it.
pub(crate) struct Db {
    pub(crate) path: PathBuf,
    pub(crate) backend: Backend,
}

impl Db {
    /// Runs a read. Without a database it answers `T::default()` (empty lists), so the UI simply shows
    /// nothing saved.
    pub(crate) fn read<T: Default>(&self, op: impl FnOnce(&Connection) -> Result<T, OpError>) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Writable(conn) | Backend::ReadOnly { conn, .. } => {
                op(conn).map_err(|e| e.into_store_error(&self.path))
            }
            Backend::Unavailable { .. } => Ok(T::default()),
        }
    }

    /// Runs a write in its own transaction, taking the write lock up front (`BEGIN IMMEDIATE`) so a lock
    /// held elsewhere waits for the busy timeout and then answers [`StoreError::Locked`]. An error from
    /// `op` rolls the whole transaction back.
    pub(crate) fn write<T>(
        &mut self,
        op: impl FnOnce(&Transaction<'_>) -> Result<T, OpError>,
    ) -> Result<T, StoreError> {
        match &mut self.backend {
            Backend::Writable(conn) => {
                let path = &self.path;
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(|e| StoreError::from_sqlite(path, &e))?;
                let out = op(&tx).map_err(|e| e.into_store_error(path))?;
                tx.commit().map_err(|e| StoreError::from_sqlite(path, &e))?;
                Ok(out)
            }
            Backend::ReadOnly { reason, .. } => Err(StoreError::ReadOnly { reason: reason.clone() }),
            Backend::Unavailable { reason } => Err(StoreError::Unavailable { reason: reason.clone() }),
        }
    }
}

pub(crate) type Job = Box<dyn FnOnce(&mut Db) + Send>;

/// Starts the thread, lets it open the database with `open`, and waits for the outcome. The wait is
/// bounded so a stuck file system cannot freeze mosaic's start.
pub(crate) fn spawn(
    path: PathBuf,
    open_timeout: Duration,
    open: impl FnOnce() -> (Db, StoreStatus) + Send + 'static,
) -> (mpsc::Sender<Job>, StoreStatus) {
    let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
    let (status_tx, status_rx) = mpsc::sync_channel(1);
    let spawned = thread::Builder::new().name("mosaic-store".into()).spawn(move || {
        let (mut db, status) = open();
        // Nobody may be listening any more (open timed out); the thread still serves requests.
        let _ = status_tx.send(status);
        while let Ok(job) = jobs_rx.recv() {
            job(&mut db);
        }
        // Every handle is gone: the connection closes here, which checkpoints the WAL.
    });
    let status = match spawned {
        Ok(_) => match status_rx.recv_timeout(open_timeout) {
            Ok(status) => status,
            Err(mpsc::RecvTimeoutError::Timeout) => StoreStatus::Unavailable {
                reason: format!(
                    "opening {} took longer than {} s; changes may not be saved (check the disk, then restart mosaic)",
                    path.display(),
                    open_timeout.as_secs()
                ),
                path,
            },
            Err(mpsc::RecvTimeoutError::Disconnected) => StoreStatus::Unavailable {
                reason: format!("the thread opening {} stopped unexpectedly; restart mosaic", path.display()),
                path,
            },
        },
        Err(e) => StoreStatus::Unavailable {
            reason: format!("could not start the database thread ({e}); restart mosaic"),
            path,
        },
    };
    (jobs_tx, status)
}

/// Sends `op` to the thread and returns the future of its answer. The future owns everything it needs
/// (`'static`), so the UI can `tokio::spawn` it directly. A dead thread answers [`StoreError::Stopped`].
pub(crate) fn call<T: Send + 'static>(
    jobs: &mpsc::Sender<Job>,
    op: impl FnOnce(&mut Db) -> Result<T, StoreError> + Send + 'static,
) -> impl Future<Output = Result<T, StoreError>> + Send + 'static {
    let (reply_tx, reply_rx) = oneshot::channel();
    let job: Job = Box::new(move |db| {
        // The caller may have given up waiting; that is fine.
        let _ = reply_tx.send(op(db));
    });
    let sent = jobs.send(job).is_ok();
    async move {
        if !sent {
            return Err(StoreError::Stopped);
        }
        // A job that panicked drops its reply sender, which ends the wait here.
        reply_rx.await.unwrap_or(Err(StoreError::Stopped))
    }
}
