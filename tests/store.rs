//! The store against real files: migrations, round trips, and every failure mode (locked, read-only,
//! garbage, newer schema). Each failure must leave the data intact and the handle answering.
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mosaic::store::{
    self, AppBinding, DB_FILE_NAME, LATEST_VERSION, StoreError, StoreHandle, StoreStatus, Workspace, WorkspaceFilters,
};
use rusqlite::Connection;

/// Short, so the locking test waits a fraction of a second rather than two.
const BUSY: Duration = Duration::from_millis(200);

fn open(dir: &Path) -> (StoreHandle, StoreStatus) {
    store::open_with_busy_timeout(dir, BUSY)
}

fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE_NAME)
}

fn web_workspace() -> Workspace {
    let mut ws = Workspace::new("kind-dev", "web");
    ws.filters = WorkspaceFilters {
        namespaces_allow: vec!["shop".into(), "payments".into()],
        namespaces_deny: vec!["kube-system".into()],
        label_selectors_allow: vec!["app in (web,api)".into()],
        label_selectors_deny: vec!["tier=cache".into()],
        name_patterns: vec!["web-*".into()],
    };
    ws
}

/// A database with one saved workspace, written by the store itself and then closed.
async fn seeded_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    store.save_workspace(web_workspace()).await.unwrap();
    store.close().await.unwrap();
    dir
}

fn set_user_version(path: &Path, version: u32) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "user_version", version).unwrap();
}

fn user_version(path: &Path) -> u32 {
    let conn = Connection::open(path).unwrap();
    conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap()
}

#[tokio::test]
async fn a_new_database_is_created_migrated_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("not/yet/there");
    let (store, status) = open(&nested);
    assert_eq!(status, StoreStatus::ReadWrite { path: db_path(&nested) });
    assert_eq!(status.message(), None);
    assert_eq!(store.schema_version().await, Ok(LATEST_VERSION));

    let conn = Connection::open(db_path(&nested)).unwrap();
    let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        tables,
        ["app_bindings", "built_images", "exec_history", "http_history", "recorded_events", "transcript", "workspaces"]
    );
}

#[tokio::test]
async fn workspaces_round_trip_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open(dir.path());

    let saved = store.save_workspace(web_workspace()).await.unwrap();
    assert!(saved.id.is_some() && saved.created_at.is_some() && saved.updated_at.is_some());
    assert_eq!(saved.filters, web_workspace().filters);
    let mut ops = Workspace::new("kind-dev", "ops");
    ops.is_default = true;
    store.save_workspace(ops).await.unwrap();
    store.save_workspace(Workspace::new("prod", "web")).await.unwrap();

    let names = |list: Vec<Workspace>| list.into_iter().map(|w| (w.name, w.is_default)).collect::<Vec<_>>();
    assert_eq!(
        names(store.list_workspaces("kind-dev").await.unwrap()),
        [("ops".to_owned(), true), ("web".to_owned(), false)]
    );

    // Defaults move, one per context.
    store.set_default_workspace("kind-dev", Some("web")).await.unwrap();
    assert_eq!(
        names(store.list_workspaces("kind-dev").await.unwrap()),
        [("ops".to_owned(), false), ("web".to_owned(), true)]
    );
    assert!(matches!(store.set_default_workspace("kind-dev", Some("nope")).await, Err(StoreError::NotFound(_))));
    // The failed request rolled back: "web" is still the default.
    assert!(store.list_workspaces("kind-dev").await.unwrap()[1].is_default);

    // Renames refuse a taken name and keep the id.
    assert!(matches!(store.rename_workspace("kind-dev", "web", "ops").await, Err(StoreError::Conflict(_))));
    let renamed = store.rename_workspace("kind-dev", "web", "frontend").await.unwrap();
    assert_eq!((renamed.id, renamed.name.as_str()), (saved.id, "frontend"));

    // Saving by id updates that row.
    let mut edited = renamed.clone();
    edited.filters.name_patterns = vec!["fe-*".into()];
    let edited = store.save_workspace(edited).await.unwrap();
    assert_eq!((edited.id, edited.created_at), (renamed.id, renamed.created_at));

    assert_eq!(store.delete_workspace("kind-dev", "ops").await, Ok(true));
    assert_eq!(store.delete_workspace("kind-dev", "ops").await, Ok(false));
    store.close().await.unwrap();
    assert!(matches!(
        store.save_workspace(Workspace::new("kind-dev", "late")).await,
        Err(StoreError::Unavailable { .. })
    ));
    // Closing checkpointed the WAL into the database file and removed the side files.
    assert!(!dir.path().join(format!("{DB_FILE_NAME}-wal")).exists());

    let (reopened, status) = open(dir.path());
    assert!(status.is_writable());
    assert_eq!(reopened.list_workspaces("kind-dev").await.unwrap(), vec![edited]);
    assert_eq!(reopened.list_workspaces("prod").await.unwrap().len(), 1);
}

#[tokio::test]
async fn bindings_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open(dir.path());
    let mut web = AppBinding::new("kind-dev", "shop", "Deployment", "web");
    web.repo_path = Some("/home/dev/src/web".into());
    web.image_repo = Some("ghcr.io/acme/web".into());
    web.dockerfile = Some("docker/Dockerfile".into());
    web.build_context = Some(".".into());
    let saved = store.save_binding(web.clone()).await.unwrap();
    assert_eq!(AppBinding { id: None, updated_at: None, ..saved.clone() }, web);
    store.save_binding(AppBinding::new("kind-dev", "shop", "StatefulSet", "db")).await.unwrap();
    store.save_binding(AppBinding::new("prod", "shop", "Deployment", "web")).await.unwrap();

    let listed = store.list_bindings("kind-dev").await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], saved);

    assert_eq!(store.delete_binding("kind-dev", "shop", "Deployment", "web").await, Ok(true));
    assert_eq!(store.delete_binding("kind-dev", "shop", "Deployment", "web").await, Ok(false));
    assert_eq!(store.list_bindings("kind-dev").await.unwrap().len(), 1);
    assert_eq!(store.list_bindings("prod").await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_lock_held_elsewhere_refuses_writes_but_not_reads() {
    let dir = seeded_dir().await;
    let (store, status) = open(dir.path());
    assert!(status.is_writable());

    // Another process (here: another connection) takes the write lock and keeps it.
    let other = Connection::open(db_path(dir.path())).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();

    let started = Instant::now();
    let err = store.save_workspace(Workspace::new("kind-dev", "ops")).await.unwrap_err();
    assert_eq!(err, StoreError::Locked { path: db_path(dir.path()) });
    assert!(err.to_string().contains("locked by another process"), "{err}");
    assert!(started.elapsed() >= BUSY, "it should have waited for the busy timeout");
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap().len(), 1);

    // Once released, writes go through and nothing was lost.
    other.execute_batch("ROLLBACK").unwrap();
    store.save_workspace(Workspace::new("kind-dev", "ops")).await.unwrap();
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap().len(), 2);
}

/// Under root, permissions do not stop writes; then the newer-schema database exercises the same
/// read-only path instead.
#[cfg(unix)]
#[tokio::test]
async fn an_unwritable_folder_opens_read_only() {
    use std::os::unix::fs::PermissionsExt;

    let dir = seeded_dir().await;
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let probe = dir.path().join("probe");
    let permissions_bite = fs::write(&probe, b"x").is_err();
    let _ = fs::remove_file(&probe);
    if !permissions_bite {
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        set_user_version(&db_path(dir.path()), LATEST_VERSION + 1);
    }

    let (store, status) = open(dir.path());
    let reason = match &status {
        StoreStatus::ReadOnly { reason, .. } => reason.clone(),
        other => panic!("expected read-only, got {other:?}"),
    };
    let expected = if permissions_bite { "not writable" } else { "newer mosaic" };
    assert!(reason.contains(expected), "{reason}");
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap()[0].name, "web");
    assert!(matches!(store.save_workspace(Workspace::new("kind-dev", "ops")).await, Err(StoreError::ReadOnly { .. })));
    drop(store);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
}

#[tokio::test]
async fn a_newer_schema_opens_read_only_and_is_left_alone() {
    let dir = seeded_dir().await;
    let path = db_path(dir.path());
    set_user_version(&path, LATEST_VERSION + 5);

    let (store, status) = open(dir.path());
    let StoreStatus::ReadOnly { reason, .. } = &status else {
        panic!("expected read-only, got {status:?}");
    };
    assert!(reason.contains("newer mosaic") && reason.contains("upgrade mosaic"), "{reason}");
    let message = status.message().unwrap();
    assert!(message.contains(&path.display().to_string()), "{message}");

    assert_eq!(store.schema_version().await, Ok(LATEST_VERSION + 5));
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap().len(), 1);
    let err = store.delete_workspace("kind-dev", "web").await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
    drop(store);
    assert_eq!(user_version(&path), LATEST_VERSION + 5);
}

/// Opens a file that is not a usable database and checks that mosaic runs without it and leaves it
/// byte for byte as it was, with no side files created.
async fn assert_unavailable_and_untouched(contents: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    fs::write(&path, contents).unwrap();

    let (store, status) = open(dir.path());
    let StoreStatus::Unavailable { reason, .. } = &status else {
        panic!("expected unavailable, got {status:?}");
    };
    assert!(reason.contains(&path.display().to_string()), "{reason}");
    assert!(reason.contains("move it aside"), "{reason}");
    assert!(status.message().is_some());

    assert_eq!(store.list_workspaces("kind-dev").await, Ok(vec![]));
    assert_eq!(store.list_bindings("kind-dev").await, Ok(vec![]));
    assert_eq!(store.schema_version().await, Ok(0));
    assert!(matches!(
        store.save_workspace(Workspace::new("kind-dev", "web")).await,
        Err(StoreError::Unavailable { .. })
    ));
    drop(store);

    assert_eq!(fs::read(&path).unwrap(), contents);
    let files: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, [DB_FILE_NAME]);
}

#[tokio::test]
async fn a_garbage_file_is_unavailable_and_untouched() {
    assert_unavailable_and_untouched(b"this is not a database, it is someone's notes\n").await;
}

#[tokio::test]
async fn a_corrupt_database_is_unavailable_and_untouched() {
    // A real SQLite header followed by nonsense where the pages should be.
    let mut contents = b"SQLite format 3\0".to_vec();
    contents.extend(std::iter::repeat_n(0xA5u8, 4096 - contents.len()));
    assert_unavailable_and_untouched(&contents).await;
}

#[tokio::test]
async fn a_path_that_cannot_be_a_folder_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    fs::write(&file, b"x").unwrap();
    let (store, status) = open(&file.join("data"));
    assert!(matches!(status, StoreStatus::Unavailable { .. }), "{status:?}");
    assert_eq!(store.list_workspaces("c").await, Ok(vec![]));
    // An app's history says why it is missing rather than claiming nothing was done.
    let history = store.app_history("c", "shop", vec!["deployment/cart".into()]).await;
    assert!(matches!(history, Err(StoreError::Unavailable { .. })), "{history:?}");
}

fn exec_command(app: &str, command: &str) -> store::ExecCommand {
    store::ExecCommand {
        context: "kind-dev".into(),
        namespace: "shop".into(),
        app: app.into(),
        command: command.into(),
        at: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
    }
}

#[tokio::test]
async fn exec_history_round_trips_newest_first_per_app() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open(dir.path());
    for command in ["ls -la", "env | sort", "ls -la"] {
        store.record_exec(exec_command("deployment/storefront", command)).await.unwrap();
    }
    store.record_exec(exec_command("statefulset/redis", "redis-cli ping")).await.unwrap();
    store.close().await.unwrap();
    drop(store);

    // Reopened from the file: what was used last comes first, once.
    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    let history = store.exec_history("kind-dev", "shop", "deployment/storefront").await.unwrap();
    let commands: Vec<&str> = history.iter().map(|e| e.command.as_str()).collect();
    assert_eq!(commands, ["ls -la", "env | sort"]);
    assert_eq!(history[0], exec_command("deployment/storefront", "ls -la"));
    assert_eq!(store.exec_history("kind-dev", "shop", "statefulset/redis").await.unwrap().len(), 1);
    assert_eq!(store.exec_history("other", "shop", "deployment/storefront").await, Ok(vec![]));
}

/// What migration 6 added: the transcript's target columns and their index, so a database can be made older.
/// Migration 7 undone: no compared branch, no built images.
const UNDO_BUILT_IMAGES: &str = "DROP TABLE built_images; ALTER TABLE app_bindings DROP COLUMN compare_branch;";

const UNDO_TRANSCRIPT_TARGET: &str = "DROP INDEX transcript_by_app;
    ALTER TABLE transcript DROP COLUMN app; ALTER TABLE transcript DROP COLUMN target_name;
    ALTER TABLE transcript DROP COLUMN target_kind; ALTER TABLE transcript DROP COLUMN namespace;";

#[tokio::test]
async fn a_version_5_database_gains_the_transcript_target_and_keeps_its_entries() {
    let dir = seeded_dir().await;
    let path = db_path(dir.path());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(UNDO_TRANSCRIPT_TARGET).unwrap();
        conn.execute_batch(UNDO_BUILT_IMAGES).unwrap();
        conn.execute(
            "INSERT INTO transcript (session, at, context, command, summary, ok, outcome)
             VALUES ('old', '2026-11-20T10:00:00Z', 'kind-dev', 'kubectl -n shop rollout restart deployment/cart',
                     'Restart every pod of deployment cart in shop', 1, 'Restarted')",
            [],
        )
        .unwrap();
    }
    set_user_version(&path, 5);
    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    assert_eq!(user_version(&path), LATEST_VERSION);
    let old = store.transcript(Some("old".into())).await.unwrap();
    assert_eq!(old.len(), 1, "the old entry is kept");
    assert_eq!(old[0].target, None);
    // Without a target it is in no app's history; new entries with one are.
    let apps = vec!["deployment/cart".to_string()];
    assert!(store.app_history("kind-dev", "shop", apps.clone()).await.unwrap().is_empty());
    let mut entry = old[0].clone();
    entry.session = "new".into();
    entry.target = Some(store::TranscriptTarget {
        namespace: "shop".into(),
        kind: "deployment".into(),
        name: "cart".into(),
        app: Some("deployment/cart".into()),
    });
    store.append_transcript(entry.clone()).await.unwrap();
    assert_eq!(store.app_history("kind-dev", "shop", apps).await.unwrap(), vec![entry]);
}

#[tokio::test]
async fn a_version_2_database_gains_exec_history_and_keeps_its_data() {
    let dir = seeded_dir().await;
    let path = db_path(dir.path());
    {
        let conn = Connection::open(&path).unwrap();
        // A version 2 database has neither the exec history (3), the event recorder (4) nor the HTTP history (5).
        conn.execute_batch("DROP TABLE exec_history; DROP TABLE recorded_events; DROP TABLE http_history").unwrap();
        conn.execute_batch(UNDO_TRANSCRIPT_TARGET).unwrap();
        conn.execute_batch(UNDO_BUILT_IMAGES).unwrap();
    }
    set_user_version(&path, 2);
    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    assert_eq!(user_version(&path), LATEST_VERSION);
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap().len(), 1);
    store.record_exec(exec_command("pod/debug", "id")).await.unwrap();
    assert_eq!(store.exec_history("kind-dev", "shop", "pod/debug").await.unwrap().len(), 1);
    // The HTTP sender's history round-trips through the store thread.
    let sent = mosaic::store::HttpRecord {
        context: "kind-dev".into(),
        namespace: "shop".into(),
        app: "service/storefront".into(),
        method: "POST".into(),
        url: "http://storefront.shop.svc.cluster.local:80/cart".into(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: "{\"sku\": 7}".into(),
        status: Some(405),
        summary: "405 Method Not Allowed in 2 ms".into(),
        at: jiff::Timestamp::UNIX_EPOCH,
    };
    store.record_http(sent.clone()).await.unwrap();
    assert_eq!(store.http_history("kind-dev", "shop", "service/storefront").await, Ok(vec![sent]));
}

#[tokio::test]
async fn a_version_3_database_gains_the_event_recorder_and_keeps_its_data() {
    let dir = seeded_dir().await;
    let path = db_path(dir.path());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE recorded_events; DROP TABLE http_history").unwrap();
        conn.execute_batch(UNDO_TRANSCRIPT_TARGET).unwrap();
        conn.execute_batch(UNDO_BUILT_IMAGES).unwrap();
    }
    set_user_version(&path, 3);
    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    assert_eq!(user_version(&path), LATEST_VERSION);
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap().len(), 1);
    let event = mosaic::analysis::explain::PodEvent {
        uid: Some("u1".into()),
        object_kind: "Pod".into(),
        object_name: "checkout-1".into(),
        field_path: None,
        reason: "BackOff".into(),
        message: "Back-off restarting failed container".into(),
        warning: true,
        source: "kubelet".into(),
        host: None,
        count: 2,
        first: None,
        last: None,
        recorded: false,
    };
    assert_eq!(store.record_events("kind-dev", vec![("shop".into(), event)]).await, Ok(1));
    let kept = store.recorded_events("kind-dev", "shop", vec!["checkout-1".into()]).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].recorded);
}

#[tokio::test]
async fn a_read_only_database_recalls_commands_but_refuses_new_ones() {
    let dir = seeded_dir().await;
    let path = db_path(dir.path());
    let (store, _) = open(dir.path());
    store.record_exec(exec_command("pod/debug", "id")).await.unwrap();
    store.close().await.unwrap();
    drop(store);
    // A newer mosaic's schema: this one opens it read-only (permissions do not bind when tests run as root).
    set_user_version(&path, LATEST_VERSION + 1);
    let (store, status) = open(dir.path());
    assert!(matches!(status, StoreStatus::ReadOnly { .. }), "{status:?}");
    assert_eq!(store.exec_history("kind-dev", "shop", "pod/debug").await.unwrap().len(), 1);
    let err = store.record_exec(exec_command("pod/debug", "ls")).await.unwrap_err();
    assert!(matches!(err, StoreError::ReadOnly { .. }), "{err:?}");
}

// ---- Two processes ----

/// The other process of the tests below: this same test binary, run for [`child_process`] only.
fn spawn_child(role: &str, dir: &Path) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["store::child_process", "--exact", "--nocapture", "--test-threads=1"])
        .env("MOSAIC_STORE_CHILD", role)
        .env("MOSAIC_STORE_DIR", dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the test binary runs again as a child")
}

/// Does nothing in a normal run. As a child: `writer-X` opens the store and saves 20 bindings one by one;
/// `killed` saves one binding, then starts a big write of its own and waits to be killed in the middle.
#[tokio::test]
async fn child_process() {
    let (Ok(role), Ok(dir)) = (std::env::var("MOSAIC_STORE_CHILD"), std::env::var("MOSAIC_STORE_DIR")) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let (store, status) = store::open_with_busy_timeout(&dir, Duration::from_secs(10));
    assert!(status.is_writable(), "{status:?}");
    if let Some(tag) = role.strip_prefix("writer-") {
        for i in 0..20 {
            store.save_binding(AppBinding::new("kind-dev", "shop", "Deployment", format!("{tag}-{i}"))).await.unwrap();
        }
        store.close().await.unwrap();
        return;
    }
    assert_eq!(role, "killed");
    store.save_binding(AppBinding::new("kind-dev", "shop", "Deployment", "committed")).await.unwrap();
    store.close().await.unwrap();
    let mut conn = Connection::open(db_path(&dir)).unwrap();
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
    let padding = "x".repeat(2000);
    for i in 0..5000 {
        tx.execute(
            "INSERT INTO app_bindings (context, namespace, kind, name, repo_path, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params!["kind-dev", "shop", "Deployment", format!("half-{i}"), padding, "2026-01-01T00:00:00Z"],
        )
        .unwrap();
    }
    fs::write(dir.join("mid-write"), b"").unwrap();
    std::thread::sleep(Duration::from_secs(60));
    tx.commit().unwrap();
}

#[tokio::test]
async fn two_processes_opening_a_new_database_at_once_both_migrate_and_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = spawn_child("writer-a", dir.path());
    let mut b = spawn_child("writer-b", dir.path());
    assert!(a.wait().unwrap().success(), "the first process failed");
    assert!(b.wait().unwrap().success(), "the second process failed");

    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    assert_eq!(store.schema_version().await, Ok(LATEST_VERSION));
    let names: Vec<String> = store.list_bindings("kind-dev").await.unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names.len(), 40, "{names:?}");
    assert!(names.contains(&"a-19".to_string()) && names.contains(&"b-0".to_string()));
}

#[tokio::test]
async fn a_writer_killed_mid_write_leaves_the_last_committed_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_child("killed", dir.path());
    let started = Instant::now();
    while !dir.path().join("mid-write").exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "the child never reached its write");
        assert!(child.try_wait().unwrap().is_none(), "the child ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no rollback, no cleanup.
    child.wait().unwrap();

    let (store, status) = open(dir.path());
    assert!(status.is_writable(), "{status:?}");
    let names: Vec<String> = store.list_bindings("kind-dev").await.unwrap().into_iter().map(|b| b.name).collect();
    assert_eq!(names, ["committed"]);
    // The store writes again at once: the dead writer's lock died with it.
    store.save_binding(AppBinding::new("kind-dev", "shop", "Deployment", "after")).await.unwrap();
    store.close().await.unwrap();
    let conn = Connection::open(db_path(dir.path())).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// The `:ws` editor saves a workspace by id with its new name and filters at once: one write renames and edits,
/// and the other context's workspace of the same name is untouched.
#[tokio::test]
async fn the_editors_save_by_id_renames_and_edits_in_one_write() {
    let store = store::in_memory();
    let saved = store.save_workspace(web_workspace()).await.unwrap();
    store.save_workspace(Workspace::new("prod", "web")).await.unwrap();
    let mut edited = saved.clone();
    edited.name = "storefront".into();
    edited.filters.label_selectors_allow = vec!["app=storefront".into(), "tier=web".into()];
    let stored = store.save_workspace(edited).await.unwrap();
    assert_eq!((stored.id, stored.name.as_str()), (saved.id, "storefront"));
    assert_eq!(store.list_workspaces("kind-dev").await.unwrap(), vec![stored]);
    let prod = store.list_workspaces("prod").await.unwrap();
    assert_eq!(prod.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["web"]);
}
