//! The transcript: every action mosaic took for the user, with its kubectl line, when, and how it ended.
//! Entries are redacted before they are stored. These functions run on the store thread.
use jiff::Timestamp;
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use super::error::OpError;
use super::workspaces::parse_time;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// The session it was taken in: `mosaic` started once.
    pub session: String,
    pub at: Timestamp,
    pub context: String,
    /// The plan's kubectl line.
    pub command: String,
    pub summary: String,
    pub dry_run: bool,
    pub ok: bool,
    /// What happened, in words (the outcome's summary, or the error).
    pub outcome: String,
    /// Output of an exec, if any.
    pub output: Option<String>,
}

pub(crate) fn append(tx: &Connection, e: &TranscriptEntry) -> Result<(), OpError> {
    tx.execute(
        "INSERT INTO transcript (session, at, context, command, summary, dry_run, ok, outcome, output)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![e.session, e.at.to_string(), e.context, e.command, e.summary, e.dry_run, e.ok, e.outcome, e.output],
    )?;
    Ok(())
}

fn row(r: &Row<'_>) -> rusqlite::Result<(TranscriptEntry, String)> {
    let at: String = r.get(1)?;
    Ok((
        TranscriptEntry {
            session: r.get(0)?,
            at: Timestamp::UNIX_EPOCH,
            context: r.get(2)?,
            command: r.get(3)?,
            summary: r.get(4)?,
            dry_run: r.get(5)?,
            ok: r.get(6)?,
            outcome: r.get(7)?,
            output: r.get(8)?,
        },
        at,
    ))
}

/// The entries of one session (`None`: the latest session), oldest first.
pub(crate) fn list(conn: &Connection, session: Option<&str>) -> Result<Vec<TranscriptEntry>, OpError> {
    let session = match session {
        Some(s) => s.to_string(),
        None => match conn.query_row("SELECT session FROM transcript ORDER BY id DESC LIMIT 1", [], |r| r.get(0)) {
            Ok(s) => s,
            Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        },
    };
    let mut stmt = conn.prepare(
        "SELECT session, at, context, command, summary, dry_run, ok, outcome, output
         FROM transcript WHERE session = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([session], row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(mut e, at)| {
            Ok({
                e.at = parse_time(&at)?;
                e
            })
        })
        .collect()
}

/// Every session with its entry count and first time, newest first.
pub(crate) fn sessions(conn: &Connection) -> Result<Vec<(String, usize, String)>, OpError> {
    let mut stmt =
        conn.prepare("SELECT session, COUNT(*), MIN(at) FROM transcript GROUP BY session ORDER BY MAX(id) DESC")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize, r.get(2)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
