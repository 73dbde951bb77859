//! The schema, as numbered migrations. `PRAGMA user_version` records the last one applied; migration N
//! is `MIGRATIONS[N - 1]`. Never edit a published migration: append a new one.
use rusqlite::{Connection, TransactionBehavior};

/// Migration 1: workspaces and app bindings. Timestamps are RFC 3339 text in UTC.
const MIGRATION_1: &str = "
CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    context     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    filters     TEXT    NOT NULL DEFAULT '{}',
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (context, name)
);
-- At most one default workspace per context, enforced by the database itself.
CREATE UNIQUE INDEX workspaces_one_default_per_context ON workspaces (context) WHERE is_default = 1;

CREATE TABLE app_bindings (
    id            INTEGER PRIMARY KEY,
    context       TEXT NOT NULL,
    namespace     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    repo_path     TEXT,
    image_repo    TEXT,
    dockerfile    TEXT,
    build_context TEXT,
    updated_at    TEXT NOT NULL,
    UNIQUE (context, namespace, kind, name)
);
";

/// Migration 2: the transcript of every action taken, per session (`mosaic transcript export`).
const MIGRATION_2: &str = "
CREATE TABLE transcript (
    id        INTEGER PRIMARY KEY,
    session   TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    context   TEXT    NOT NULL,
    command   TEXT    NOT NULL,
    summary   TEXT    NOT NULL,
    dry_run   INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    ok        INTEGER NOT NULL CHECK (ok IN (0, 1)),
    outcome   TEXT    NOT NULL,
    output    TEXT
);
CREATE INDEX transcript_by_session ON transcript (session, id);
";

/// Migration 3: the commands run with exec, per app (`x` on a pod; Up/Down walk them). The same command run
/// again is moved to the top: the store deletes the old row and inserts a new one, so `id` orders by use.
const MIGRATION_3: &str = "
CREATE TABLE exec_history (
    id        INTEGER PRIMARY KEY,
    context   TEXT NOT NULL,
    namespace TEXT NOT NULL,
    app       TEXT NOT NULL,
    command   TEXT NOT NULL,
    at        TEXT NOT NULL,
    UNIQUE (context, namespace, app, command)
);
CREATE INDEX exec_history_by_app ON exec_history (context, namespace, app, id);
";

/// Migration 4: the event recorder. Events of the namespaces in view, kept after the API server drops them
/// (about an hour), so timelines still show what happened. One row per (context, event uid), updated as the
/// event repeats; `seen` (unix seconds of its last occurrence) bounds the table by age and by rows.
const MIGRATION_4: &str = "
CREATE TABLE recorded_events (
    context      TEXT    NOT NULL,
    uid          TEXT    NOT NULL,
    namespace    TEXT    NOT NULL,
    object_kind  TEXT    NOT NULL,
    object_name  TEXT    NOT NULL,
    field_path   TEXT,
    reason       TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    warning      INTEGER NOT NULL CHECK (warning IN (0, 1)),
    source       TEXT    NOT NULL,
    host         TEXT,
    count        INTEGER NOT NULL,
    first_at     TEXT,
    last_at      TEXT,
    seen         INTEGER NOT NULL,
    PRIMARY KEY (context, uid)
);
CREATE INDEX recorded_events_by_object ON recorded_events (context, namespace, object_name);
CREATE INDEX recorded_events_by_seen ON recorded_events (seen);
";

/// Migration 5: the HTTP requests sent with the HTTP sender, per app, newest last by `id`; replayable.
/// `headers` is a JSON array of [name, value] pairs.
const MIGRATION_5: &str = "
CREATE TABLE http_history (
    id        INTEGER PRIMARY KEY,
    context   TEXT    NOT NULL,
    namespace TEXT    NOT NULL,
    app       TEXT    NOT NULL,
    method    TEXT    NOT NULL,
    url       TEXT    NOT NULL,
    headers   TEXT    NOT NULL DEFAULT '[]',
    body      TEXT    NOT NULL DEFAULT '',
    status    INTEGER,
    summary   TEXT    NOT NULL,
    at        TEXT    NOT NULL
);
CREATE INDEX http_history_by_app ON http_history (context, namespace, app, id);
";

/// Migration 6: what each transcript entry acted on, so an app's history is one indexed query. `target_kind` is
/// kubectl's lowercase noun (`pod`), `app` the owning workload (`deployment/checkout`; a Service or a bare pod
/// is its own app). Rows written before stay without a target and are in no app's history.
const MIGRATION_6: &str = "
ALTER TABLE transcript ADD COLUMN namespace TEXT;
ALTER TABLE transcript ADD COLUMN target_kind TEXT;
ALTER TABLE transcript ADD COLUMN target_name TEXT;
ALTER TABLE transcript ADD COLUMN app TEXT;
CREATE INDEX transcript_by_app ON transcript (context, namespace, app, id);
";

/// Migration 7: the branch a binding compares with what runs, and the images mosaic built and pushed, so the
/// pods' image digests still say which commit runs after mosaic restarts.
const MIGRATION_7: &str = "
ALTER TABLE app_bindings ADD COLUMN compare_branch TEXT;
CREATE TABLE built_images (
    context   TEXT NOT NULL,
    namespace TEXT NOT NULL,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    sha       TEXT NOT NULL,
    image     TEXT NOT NULL,
    digest    TEXT NOT NULL,
    built_at  TEXT NOT NULL,
    PRIMARY KEY (context, namespace, kind, name, digest)
);
";

const MIGRATIONS: &[&str] =
    &[MIGRATION_1, MIGRATION_2, MIGRATION_3, MIGRATION_4, MIGRATION_5, MIGRATION_6, MIGRATION_7];

/// The schema version this build writes and understands.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

/// The schema version recorded in the database (0 for a new, empty one).
pub(crate) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Applies every migration newer than the database's version, each in its own transaction together with
/// its `user_version` bump, so a failure leaves the database at the last complete version.
/// The caller has already refused databases newer than [`LATEST_VERSION`].
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current = version(conn)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let target = index as u32 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read under the write lock: another mosaic may have migrated in the meantime.
        if version(&tx)? >= target {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", target)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
        stmt.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn migrates_an_empty_database_to_the_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(version(&conn).unwrap(), 0);
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST_VERSION);
        assert_eq!(
            tables(&conn),
            [
                "app_bindings",
                "built_images",
                "exec_history",
                "http_history",
                "recorded_events",
                "transcript",
                "workspaces"
            ]
        );
    }

    #[test]
    fn a_version_6_binding_gains_a_compare_branch_and_keeps_its_paths() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (index, sql) in MIGRATIONS.iter().take(6).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", index as u32 + 1).unwrap();
        }
        conn.execute(
            "INSERT INTO app_bindings (context, namespace, kind, name, repo_path, updated_at)
             VALUES ('c', 'shop', 'Deployment', 'web', '/src/web', '2026-11-22T05:00:00Z')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST_VERSION);
        let row: (String, Option<String>) = conn
            .query_row("SELECT repo_path, compare_branch FROM app_bindings WHERE name = 'web'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(row, ("/src/web".to_string(), None));
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.execute("INSERT INTO workspaces (context, name, created_at, updated_at) VALUES ('c', 'w', 't', 't')", [])
            .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST_VERSION);
        let rows: i64 = conn.query_row("SELECT count(*) FROM workspaces", [], |row| row.get(0)).unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_version_5_transcript_gains_its_target_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (index, sql) in MIGRATIONS.iter().take(5).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", index as u32 + 1).unwrap();
        }
        conn.execute(
            "INSERT INTO transcript (session, at, context, command, summary, ok, outcome)
             VALUES ('s', '2026-11-22T05:00:00Z', 'c', 'kubectl scale', 'Scale', 1, 'Scaled')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST_VERSION);
        let old: (String, Option<String>) =
            conn.query_row("SELECT command, app FROM transcript", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(old, ("kubectl scale".to_string(), None), "the old row is kept, without a target");
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM transcript WHERE context = 'c' AND namespace = 'n' AND app = 'a'
                 ORDER BY id DESC",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("transcript_by_app"), "the history is an indexed query: {plan}");
    }

    #[test]
    fn only_one_default_workspace_per_context() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let insert = "INSERT INTO workspaces (context, name, is_default, created_at, updated_at)
                      VALUES (?1, ?2, 1, 't', 't')";
        conn.execute(insert, ["c", "a"]).unwrap();
        conn.execute(insert, ["other", "a"]).unwrap();
        assert!(conn.execute(insert, ["c", "b"]).is_err());
    }
}
