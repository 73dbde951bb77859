//! Opening `mosaic.db`, and every way that can go wrong. The rules: never panic, never reset, never
//! touch a file that is not a healthy mosaic database. When writing is impossible, open read-only;
//! when even reading is impossible, run without a database and say why.
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::StoreStatus;
use super::schema::{self, LATEST_VERSION};
use super::thread::{Backend, Db};

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Opens (creating and migrating when needed) the database at `path` inside `dir`.
pub(crate) fn open(dir: &Path, path: PathBuf, busy_timeout: Duration) -> (Db, StoreStatus) {
    let outcome = decide(dir, &path, busy_timeout);
    let status = match &outcome {
        Backend::Writable(_) => StoreStatus::ReadWrite { path: path.clone() },
        Backend::ReadOnly { reason, .. } => StoreStatus::ReadOnly { path: path.clone(), reason: reason.clone() },
        Backend::Unavailable { reason } => StoreStatus::Unavailable { path: path.clone(), reason: reason.clone() },
    };
    match &status {
        StoreStatus::ReadWrite { .. } => tracing::info!(path = %path.display(), "store opened"),
        other => tracing::warn!(path = %path.display(), status = ?other, "store not writable"),
    }
    (Db { path, backend: outcome }, status)
}

/// An in-memory database, always writable: for tests.
pub(crate) fn open_in_memory() -> (Db, StoreStatus) {
    let path = PathBuf::from(":memory:");
    let backend = match Connection::open_in_memory().and_then(|mut conn| {
        configure(&conn, Duration::ZERO)?;
        schema::migrate(&mut conn)?;
        Ok(conn)
    }) {
        Ok(conn) => Backend::Writable(conn),
        Err(e) => Backend::Unavailable { reason: format!("an in-memory database could not be created ({e})") },
    };
    let status = match &backend {
        Backend::Unavailable { reason } => StoreStatus::Unavailable { path: path.clone(), reason: reason.clone() },
        _ => StoreStatus::ReadWrite { path: path.clone() },
    };
    (Db { path, backend }, status)
}

fn decide(dir: &Path, path: &Path, busy_timeout: Duration) -> Backend {
    if let Err(e) = fs::create_dir_all(dir) {
        return unavailable(format!(
            "the folder {} cannot be created ({e}); pass --data-dir or set MOSAIC_DATA_DIR to a writable folder",
            dir.display()
        ));
    }
    let exists = match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return unavailable(format!(
                "{} is a folder, not a database; move it aside to start fresh",
                path.display()
            ));
        }
        Ok(meta) => {
            if meta.len() > 0 {
                match has_sqlite_header(path) {
                    Ok(true) => {}
                    Ok(false) => return not_a_database(path),
                    Err(e) => return cannot_open(path, &e),
                }
            }
            true
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return cannot_open(path, &e),
    };

    if let Err(e) = probe_dir_writable(dir) {
        let reason =
            format!("the folder {} is not writable ({e}); fix its permissions or pass --data-dir", dir.display());
        return if exists { open_read_only(path, reason, busy_timeout) } else { unavailable(reason) };
    }
    if exists && let Err(e) = fs::OpenOptions::new().write(true).open(path) {
        // Opening for writing without writing changes nothing in the file.
        let reason = format!("{} is not writable ({e}); fix its permissions", path.display());
        return open_read_only(path, reason, busy_timeout);
    }
    open_read_write(path, busy_timeout)
}

fn open_read_write(path: &Path, busy_timeout: Duration) -> Backend {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = match Connection::open_with_flags(path, flags) {
        Ok(conn) => conn,
        Err(e) => return cannot_open(path, &e),
    };
    // Only reads until we know the file is a database this build understands.
    let version = match configure(&conn, busy_timeout).and_then(|()| check_readable(&conn)) {
        Ok(version) => version,
        Err(e) => return unreadable(path, &e),
    };
    if version > LATEST_VERSION {
        drop(conn);
        return open_read_only(path, newer_schema(path, version), busy_timeout);
    }
    if let Err(e) = prepare(&mut conn, busy_timeout) {
        let reason = if is_busy(&e) {
            format!(
                "{} was locked by another process (another mosaic?) while mosaic prepared it; quit the other one and restart mosaic",
                path.display()
            )
        } else {
            format!("{} could not be upgraded to this version of mosaic ({e})", path.display())
        };
        // The failed migration rolled back, so what was there before is intact and still readable.
        return Backend::ReadOnly { conn, reason };
    }
    Backend::Writable(conn)
}

/// WAL mode and the migrations. SQLite answers some lock conflicts here with SQLITE_BUSY at once, without
/// its busy handler (switching the journal mode of a file another mosaic is creating, a read lock that must
/// become a write lock), so a second mosaic starting at the same moment tries again until the busy timeout
/// instead of falling back to read-only. A failed attempt rolled back: nothing is half-done.
fn prepare(conn: &mut Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    let deadline = Instant::now() + busy_timeout;
    loop {
        match enable_wal(conn).and_then(|()| schema::migrate(conn)) {
            Err(e) if is_busy(&e) && Instant::now() < deadline => std::thread::sleep(Duration::from_millis(25)),
            done => return done,
        }
    }
}

/// Opens without ever writing. A WAL database in a folder we cannot write may lack its shared-memory
/// file; SQLite then cannot open it normally, and `immutable=1` (no locking, no side files) is the
/// fallback: nobody else can write there either.
fn open_read_only(path: &Path, reason: String, busy_timeout: Duration) -> Backend {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let attempt = |target: &str| -> rusqlite::Result<(Connection, u32)> {
        let conn = Connection::open_with_flags(target, flags)?;
        configure(&conn, busy_timeout)?;
        let version = check_readable(&conn)?;
        Ok((conn, version))
    };
    let Some(plain) = path.to_str() else {
        return unavailable(format!(
            "the path {} is not valid UTF-8; pass --data-dir with another folder",
            path.display()
        ));
    };
    let opened = match attempt(plain) {
        // SQLite answers CANTOPEN or READONLY (CANTINIT) when it cannot create the shared-memory file.
        Err(e) if matches!(e.sqlite_error_code(), Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)) => {
            attempt(&immutable_uri(path))
        }
        other => other,
    };
    match opened {
        Ok((conn, _version)) => Backend::ReadOnly { conn, reason },
        Err(e) => unreadable(path, &e),
    }
}

fn configure(conn: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", true)
}

/// Reads the version and the schema, which is where a damaged file first shows.
fn check_readable(conn: &Connection) -> rusqlite::Result<u32> {
    let version = schema::version(conn)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))?;
    Ok(version)
}

fn enable_wal(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "SQLite refused WAL mode; continuing with this journal mode");
        }
    }
    Ok(())
}

fn has_sqlite_header(path: &Path) -> io::Result<bool> {
    let mut header = [0u8; 16];
    let mut file = fs::File::open(path)?;
    match file.read_exact(&mut header) {
        Ok(()) => Ok(&header == SQLITE_HEADER),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// Creates and removes a uniquely named file: the only reliable test (permissions, ACLs, read-only
/// mounts, root) of whether SQLite will be able to create its journal files next to the database.
fn probe_dir_writable(dir: &Path) -> io::Result<()> {
    let probe = dir.join(format!(".mosaic-write-test-{}", std::process::id()));
    fs::OpenOptions::new().write(true).create_new(true).open(&probe)?;
    fs::remove_file(&probe)
}

/// `file:` URI for `path` with `immutable=1`, percent-encoding what URIs reserve.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(err.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

fn unavailable(reason: String) -> Backend {
    Backend::Unavailable { reason }
}

fn not_a_database(path: &Path) -> Backend {
    unavailable(format!(
        "{} is not a SQLite database or is corrupt; it was left untouched, move it aside to start fresh",
        path.display()
    ))
}

fn cannot_open(path: &Path, err: &dyn std::fmt::Display) -> Backend {
    unavailable(format!(
        "{} cannot be opened ({err}); check its permissions, or move it aside to start fresh",
        path.display()
    ))
}

/// Sorts a failure to read an opened database into corrupt, locked or other.
fn unreadable(path: &Path, err: &rusqlite::Error) -> Backend {
    match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => not_a_database(path),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => unavailable(format!(
            "{} is locked by another process (another mosaic?); quit the other one and restart mosaic",
            path.display()
        )),
        _ => cannot_open(path, err),
    }
}

fn newer_schema(path: &Path, version: u32) -> String {
    format!(
        "{} was written by a newer mosaic (schema {version}, this build knows {LATEST_VERSION}); upgrade mosaic to save changes",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_uri_escapes_reserved_characters() {
        assert_eq!(immutable_uri(Path::new("/home/a b/x?#%.db")), "file:/home/a%20b/x%3F%23%25.db?immutable=1");
    }

    #[test]
    fn header_check_rejects_short_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short");
        fs::write(&short, b"SQLite").unwrap();
        assert!(!has_sqlite_header(&short).unwrap());
        let real = dir.path().join("real.db");
        Connection::open(&real).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(has_sqlite_header(&real).unwrap());
    }
}
