//! Histories kept per app (exec commands, HTTP requests): each app keeps only its newest rows, so one busy app
//! neither grows the database nor pushes another app's history out.
use rusqlite::{Connection, params};

use super::error::OpError;

/// Drops the rows of `table` for this app beyond the newest `kept`. `table` is one of the store's own names,
/// never user input: it is part of the SQL text.
pub(crate) fn keep_newest(
    tx: &Connection,
    table: &str,
    (context, namespace, app): (&str, &str, &str),
    kept: usize,
) -> Result<(), OpError> {
    tx.execute(
        &format!(
            "DELETE FROM {table} WHERE context = ?1 AND namespace = ?2 AND app = ?3 AND id NOT IN (
             SELECT id FROM {table} WHERE context = ?1 AND namespace = ?2 AND app = ?3
             ORDER BY id DESC LIMIT ?4)"
        ),
        params![context, namespace, app, kept as i64],
    )?;
    Ok(())
}
