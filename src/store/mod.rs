//! mosaic's local state in SQLite (`<data_dir>/mosaic.db`), owned by one dedicated thread.
//!
//! The rest of mosaic holds a cloneable [`StoreHandle`]. Its methods send a request to the thread and
//! return a `'static` future of the answer, so the UI loop can `tokio::spawn` each request and receive the
//! result as a message; nothing on the UI path waits on SQLite.
//!
//! The store never panics, never resets a database and never touches a file it cannot use: a locked
//! database still answers reads, an unwritable one opens read-only, and a corrupt one leaves mosaic
//! running without saved state. [`StoreStatus::message`] is the sentence the UI shows in those cases.
mod bindings;
pub mod bindings_file;
mod built_images;
mod error;
mod exec_history;
mod http_history;
mod open;
mod per_app;
mod recorded_events;
mod schema;
mod thread;
mod transcript;
mod workspaces;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

pub use bindings::AppBinding;
pub use built_images::{BUILT_KEPT_PER_APP, BuiltImage};
pub use error::StoreError;
pub use exec_history::{ExecCommand, KEPT_PER_APP};
pub use http_history::{HTTP_KEPT_PER_APP, HttpRecord};
pub use schema::LATEST_VERSION;
pub use transcript::{HISTORY_LIMIT, TranscriptEntry, TranscriptTarget};
pub use workspaces::{Workspace, WorkspaceFilters};

/// The database file's name inside the data directory.
pub const DB_FILE_NAME: &str = "mosaic.db";

/// How long a request waits for another process's lock before answering [`StoreError::Locked`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// How the database was opened, decided once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreStatus {
    /// Everything works.
    ReadWrite { path: PathBuf },
    /// Reads work, changes are refused; `reason` says why and what to do.
    ReadOnly { path: PathBuf, reason: String },
    /// No database: reads answer empty, changes are refused; `reason` names the file and the fix.
    Unavailable { path: PathBuf, reason: String },
}

impl StoreStatus {
    /// The one plain sentence the UI shows, or `None` when all is well.
    pub fn message(&self) -> Option<String> {
        match self {
            Self::ReadWrite { .. } => None,
            Self::ReadOnly { reason, .. } => {
                Some(format!("Saved state is read-only, so changes are not saved: {reason}."))
            }
            Self::Unavailable { reason, .. } => {
                Some(format!("mosaic is running without saved state, so changes are not saved: {reason}."))
            }
        }
    }

    /// The database file this status is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::ReadWrite { path } | Self::ReadOnly { path, .. } | Self::Unavailable { path, .. } => path,
        }
    }

    pub fn is_writable(&self) -> bool {
        matches!(self, Self::ReadWrite { .. })
    }
}

/// Opens `<dir>/mosaic.db`, creating the folder and the database and migrating it as needed. Waits for
/// the store thread's verdict (bounded by the busy timeout plus a margin). Never fails: the status says
/// what works, and the handle answers every request either way.
pub fn open(dir: &Path) -> (StoreHandle, StoreStatus) {
    open_with_busy_timeout(dir, DEFAULT_BUSY_TIMEOUT)
}

/// [`open`] with another busy timeout (tests use a short one to exercise locking quickly).
pub fn open_with_busy_timeout(dir: &Path, busy_timeout: Duration) -> (StoreHandle, StoreStatus) {
    let dir = dir.to_path_buf();
    let path = dir.join(DB_FILE_NAME);
    // Opening may wait on a lock once per step (read, WAL switch, migration); allow for that.
    let open_timeout = busy_timeout * 3 + Duration::from_secs(5);
    let thread_path = path.clone();
    let (jobs, status) = thread::spawn(path, open_timeout, move || open::open(&dir, thread_path, busy_timeout));
    (StoreHandle { jobs }, status)
}

/// A fresh, writable in-memory store with the full schema, for tests.
pub fn in_memory() -> StoreHandle {
    let (jobs, _status) = thread::spawn(PathBuf::from(":memory:"), Duration::from_secs(5), open::open_in_memory);
    StoreHandle { jobs }
}

/// The way to the store thread. Cheap to clone; the thread ends when the last clone is dropped.
///
/// Every method returns a `Send + 'static` future: `tokio::spawn(store.list_workspaces(ctx))` works.
/// Reads answer empty lists (and version 0) when no database could be opened; writes then answer
/// [`StoreError::ReadOnly`] or [`StoreError::Unavailable`]. If the thread has died, every request
/// answers [`StoreError::Stopped`] instead of hanging.
#[derive(Debug, Clone)]
pub struct StoreHandle {
    jobs: mpsc::Sender<thread::Job>,
}

impl StoreHandle {
    /// Closes the database now (checkpointing the WAL) rather than when the last handle drops; call it on
    /// the way out. Later requests behave as with no database: empty reads, refused writes.
    pub fn close(&self) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        thread::call(&self.jobs, |db| {
            db.backend = thread::Backend::Unavailable {
                reason: format!("{} was closed because mosaic is shutting down", db.path.display()),
            };
            Ok(())
        })
    }

    /// The schema version of the open database (0 when there is none).
    pub fn schema_version(&self) -> impl Future<Output = Result<u32, StoreError>> + Send + 'static {
        thread::call(&self.jobs, |db| db.read(|conn| Ok(schema::version(conn)?)))
    }

    /// The workspaces of `context`, by name.
    pub fn list_workspaces(
        &self,
        context: &str,
    ) -> impl Future<Output = Result<Vec<Workspace>, StoreError>> + Send + 'static {
        let context = context.to_owned();
        thread::call(&self.jobs, move |db| db.read(|conn| workspaces::list(conn, &context)))
    }

    /// Inserts or updates a workspace (by id when set, else by context and name) and returns it as stored.
    /// Saving one with `is_default` clears the default flag of the others in its context.
    pub fn save_workspace(
        &self,
        workspace: Workspace,
    ) -> impl Future<Output = Result<Workspace, StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.write(|tx| workspaces::save(tx, &workspace)))
    }

    /// Deletes a workspace; `false` when there was none of that name.
    pub fn delete_workspace(
        &self,
        context: &str,
        name: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'static {
        let (context, name) = (context.to_owned(), name.to_owned());
        thread::call(&self.jobs, move |db| db.write(|tx| workspaces::delete(tx, &context, &name)))
    }

    /// Renames a workspace; [`StoreError::Conflict`] when the new name is taken, [`StoreError::NotFound`]
    /// when the old one does not exist.
    pub fn rename_workspace(
        &self,
        context: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<Workspace, StoreError>> + Send + 'static {
        let (context, from, to) = (context.to_owned(), from.to_owned(), to.to_owned());
        thread::call(&self.jobs, move |db| db.write(|tx| workspaces::rename(tx, &context, &from, &to)))
    }

    /// Makes `name` the default workspace of `context`, or clears the default with `None`.
    pub fn set_default_workspace(
        &self,
        context: &str,
        name: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        let (context, name) = (context.to_owned(), name.map(str::to_owned));
        thread::call(&self.jobs, move |db| db.write(|tx| workspaces::set_default(tx, &context, name.as_deref())))
    }

    /// The app bindings of `context`, by namespace, kind and name.
    pub fn list_bindings(
        &self,
        context: &str,
    ) -> impl Future<Output = Result<Vec<AppBinding>, StoreError>> + Send + 'static {
        let context = context.to_owned();
        thread::call(&self.jobs, move |db| db.read(|conn| bindings::list(conn, &context)))
    }

    /// Remembers an image mosaic built and pushed for an app.
    pub fn record_built(&self, image: BuiltImage) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.write(|tx| built_images::record(tx, &image)))
    }

    /// The images mosaic built for the apps of `context`, newest first.
    pub fn list_built(
        &self,
        context: &str,
    ) -> impl Future<Output = Result<Vec<BuiltImage>, StoreError>> + Send + 'static {
        let context = context.to_owned();
        thread::call(&self.jobs, move |db| db.read(|conn| built_images::list(conn, &context)))
    }

    /// Appends one action to the transcript (the caller redacts first).
    pub fn append_transcript(
        &self,
        entry: TranscriptEntry,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.write(|tx| transcript::append(tx, &entry)))
    }

    /// The transcript of one session, or of the latest when `session` is `None`.
    pub fn transcript(
        &self,
        session: Option<String>,
    ) -> impl Future<Output = Result<Vec<TranscriptEntry>, StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.read(|conn| transcript::list(conn, session.as_deref())))
    }

    /// What mosaic did to an app, newest first, across sessions: the transcript entries whose app is one of
    /// `apps` (`deployment/checkout` and its Services, `service/checkout`) in `namespace`. Without a database
    /// this answers [`StoreError::Unavailable`], not an empty list: "nothing done yet" would not be true.
    pub fn app_history(
        &self,
        context: &str,
        namespace: &str,
        apps: Vec<String>,
    ) -> impl Future<Output = Result<Vec<TranscriptEntry>, StoreError>> + Send + 'static {
        let (context, namespace) = (context.to_owned(), namespace.to_owned());
        thread::call(&self.jobs, move |db| {
            if let thread::Backend::Unavailable { reason } = &db.backend {
                return Err(StoreError::Unavailable { reason: reason.clone() });
            }
            db.read(|conn| transcript::app_history(conn, &context, &namespace, &apps))
        })
    }

    /// Sessions with a transcript: id, number of entries, first time; newest first.
    pub fn transcript_sessions(
        &self,
    ) -> impl Future<Output = Result<Vec<(String, usize, String)>, StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.read(transcript::sessions))
    }

    /// Records a command run with exec in an app's pods; the same command again moves to the top.
    pub fn record_exec(&self, entry: ExecCommand) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.write(|tx| exec_history::record(tx, &entry)))
    }

    /// The commands run with exec in an app's pods, most recently used first.
    pub fn exec_history(
        &self,
        context: &str,
        namespace: &str,
        app: &str,
    ) -> impl Future<Output = Result<Vec<ExecCommand>, StoreError>> + Send + 'static {
        let key = [context, namespace, app].map(str::to_owned);
        thread::call(&self.jobs, move |db| {
            let [context, namespace, app] = &key;
            db.read(|conn| exec_history::list(conn, context, namespace, app))
        })
    }

    /// Records events (with their namespaces) seen on `context`, so timelines keep them after the API server
    /// drops them. Returns how many were written.
    pub fn record_events(
        &self,
        context: &str,
        events: Vec<(String, crate::analysis::explain::PodEvent)>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send + 'static {
        let context = context.to_owned();
        thread::call(&self.jobs, move |db| {
            db.write(|tx| recorded_events::record(tx, &context, &events, jiff::Timestamp::now()))
        })
    }

    /// The recorded events of a namespace about the named objects (all when `names` is empty), oldest first,
    /// each marked `recorded`.
    pub fn recorded_events(
        &self,
        context: &str,
        namespace: &str,
        names: Vec<String>,
    ) -> impl Future<Output = Result<Vec<crate::analysis::explain::PodEvent>, StoreError>> + Send + 'static {
        let (context, namespace) = (context.to_owned(), namespace.to_owned());
        thread::call(&self.jobs, move |db| db.read(|conn| recorded_events::list(conn, &context, &namespace, &names)))
    }

    /// Drops recorded events older than `max_age`, then the oldest beyond `max_rows`; returns how many went.
    pub fn prune_events(
        &self,
        max_age: jiff::SignedDuration,
        max_rows: u64,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| {
            db.write(|tx| recorded_events::prune(tx, max_age, max_rows, jiff::Timestamp::now()))
        })
    }

    /// Records a request sent with the HTTP sender.
    pub fn record_http(&self, entry: HttpRecord) -> impl Future<Output = Result<(), StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.write(|tx| http_history::record(tx, &entry)))
    }

    /// The requests sent from an app's row, newest first.
    pub fn http_history(
        &self,
        context: &str,
        namespace: &str,
        app: &str,
    ) -> impl Future<Output = Result<Vec<HttpRecord>, StoreError>> + Send + 'static {
        let key = [context, namespace, app].map(str::to_owned);
        thread::call(&self.jobs, move |db| {
            let [context, namespace, app] = &key;
            db.read(|conn| http_history::list(conn, context, namespace, app))
        })
    }

    /// Inserts the binding or replaces the one of the same workload; returns it as stored.
    pub fn save_binding(
        &self,
        binding: AppBinding,
    ) -> impl Future<Output = Result<AppBinding, StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| db.write(|tx| bindings::save(tx, &binding)))
    }

    /// Saves several bindings in one transaction (all or none); returns how many.
    pub fn save_bindings(
        &self,
        list: Vec<AppBinding>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send + 'static {
        thread::call(&self.jobs, move |db| {
            db.write(|tx| {
                for binding in &list {
                    bindings::save(tx, binding)?;
                }
                Ok(list.len())
            })
        })
    }

    /// Deletes the binding of a workload; `false` when there was none.
    pub fn delete_binding(
        &self,
        context: &str,
        namespace: &str,
        kind: &str,
        name: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send + 'static {
        let key = [context, namespace, kind, name].map(str::to_owned);
        thread::call(&self.jobs, move |db| {
            let [context, namespace, kind, name] = &key;
            db.write(|tx| bindings::delete(tx, context, namespace, kind, name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_dead_thread_answers_stopped_instead_of_hanging() {
        let store = in_memory();
        let boom = thread::call(&store.jobs, |_db| -> Result<(), StoreError> {
            panic!("simulated crash on the store thread")
        });
        assert_eq!(boom.await, Err(StoreError::Stopped));
        assert_eq!(store.list_workspaces("c").await, Err(StoreError::Stopped));
        assert_eq!(store.schema_version().await, Err(StoreError::Stopped));
    }

    #[tokio::test]
    async fn in_memory_store_is_migrated_and_writable() {
        let store = in_memory();
        assert_eq!(store.schema_version().await, Ok(LATEST_VERSION));
        store.save_workspace(Workspace::new("c", "w")).await.unwrap();
        assert_eq!(store.list_workspaces("c").await.unwrap().len(), 1);
    }

    #[test]
    fn status_messages_are_one_sentence_only_when_something_is_wrong() {
        let path = PathBuf::from("/data/mosaic.db");
        assert_eq!(StoreStatus::ReadWrite { path: path.clone() }.message(), None);
        let message =
            StoreStatus::ReadOnly { path, reason: "the folder /data is not writable".into() }.message().unwrap();
        assert!(message.contains("not writable") && message.ends_with('.'), "{message}");
    }
}
