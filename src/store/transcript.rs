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
    /// What it acted on; `None` for actions on no one app (a node, a list) and for rows older than migration 6.
    #[serde(default)]
    pub target: Option<TranscriptTarget>,
}

/// The object an action acted on, and the app it belongs to: what an app's history is looked up by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptTarget {
    pub namespace: String,
    /// kubectl's lowercase noun: `deployment`, `pod`, `service`.
    pub kind: String,
    pub name: String,
    /// The owning app (`deployment/checkout`) when the target is one of its pods; a workload, a Service or a
    /// bare pod is its own app. `None` when it could not be told.
    pub app: Option<String>,
}

/// How many entries an app's history shows.
pub const HISTORY_LIMIT: usize = 200;

pub(crate) fn append(tx: &Connection, e: &TranscriptEntry) -> Result<(), OpError> {
    let t = e.target.as_ref();
    tx.execute(
        "INSERT INTO transcript (session, at, context, command, summary, dry_run, ok, outcome, output,
                                 namespace, target_kind, target_name, app)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            e.session,
            e.at.to_string(),
            e.context,
            e.command,
            e.summary,
            e.dry_run,
            e.ok,
            e.outcome,
            e.output,
            t.map(|t| &t.namespace),
            t.map(|t| &t.kind),
            t.map(|t| &t.name),
            t.and_then(|t| t.app.as_ref()),
        ],
    )?;
    Ok(())
}

/// The columns every read selects, in the order [`row`] reads them.
const COLUMNS: &str =
    "session, at, context, command, summary, dry_run, ok, outcome, output, namespace, target_kind, target_name, app";

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
            target: match (r.get::<_, Option<String>>(9)?, r.get(10)?, r.get(11)?) {
                (Some(namespace), Some(kind), Some(name)) => {
                    Some(TranscriptTarget { namespace, kind, name, app: r.get(12)? })
                }
                _ => None,
            },
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
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM transcript WHERE session = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([session], row)?.collect::<Result<Vec<_>, _>>()?;
    with_times(rows)
}

/// What mosaic did to an app, newest first, across sessions: the entries whose app is one of `apps` (the
/// workload and its Services) in `namespace` of `context`. One indexed query (`transcript_by_app`).
pub(crate) fn app_history(
    conn: &Connection,
    context: &str,
    namespace: &str,
    apps: &[String],
) -> Result<Vec<TranscriptEntry>, OpError> {
    if apps.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..apps.len()).map(|i| format!("?{}", i + 4)).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM transcript WHERE context = ?1 AND namespace = ?2 AND app IN ({})
         ORDER BY id DESC LIMIT ?3",
        marks.join(", ")
    ))?;
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![&context, &namespace];
    let limit = HISTORY_LIMIT as i64;
    values.push(&limit);
    values.extend(apps.iter().map(|a| a as &dyn rusqlite::ToSql));
    let rows = stmt.query_map(values.as_slice(), row)?.collect::<Result<Vec<_>, _>>()?;
    with_times(rows)
}

fn with_times(rows: Vec<(TranscriptEntry, String)>) -> Result<Vec<TranscriptEntry>, OpError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn entry(command: &str, target: Option<(&str, &str, &str, Option<&str>)>) -> TranscriptEntry {
        TranscriptEntry {
            session: "s1".into(),
            at: "2026-11-22T05:00:00Z".parse().expect("time"),
            context: "sim-admin".into(),
            command: command.into(),
            summary: command.into(),
            dry_run: false,
            ok: true,
            outcome: "done".into(),
            output: None,
            target: target.map(|(namespace, kind, name, app)| TranscriptTarget {
                namespace: namespace.into(),
                kind: kind.into(),
                name: name.into(),
                app: app.map(str::to_string),
            }),
        }
    }

    #[test]
    fn an_apps_history_is_its_own_entries_and_its_services_newest_first() {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        let rows = [
            entry("restart checkout", Some(("shop", "deployment", "checkout", Some("deployment/checkout")))),
            entry("delete a checkout pod", Some(("shop", "pod", "checkout-1", Some("deployment/checkout")))),
            entry("probe the service", Some(("shop", "service", "checkout", Some("service/checkout")))),
            entry("restart cart", Some(("shop", "deployment", "cart", Some("deployment/cart")))),
            entry(
                "restart checkout elsewhere",
                Some(("payments", "deployment", "checkout", Some("deployment/checkout"))),
            ),
            entry("cordon a node", None),
        ];
        for e in &rows {
            append(&conn, e).unwrap();
        }
        let apps = ["deployment/checkout".to_string(), "service/checkout".to_string()];
        let history = app_history(&conn, "sim-admin", "shop", &apps).unwrap();
        let commands: Vec<&str> = history.iter().map(|e| e.command.as_str()).collect();
        assert_eq!(commands, ["probe the service", "delete a checkout pod", "restart checkout"]);
        assert_eq!(history[1], rows[1], "the target round-trips");
        assert!(app_history(&conn, "other", "shop", &apps).unwrap().is_empty());
        assert!(app_history(&conn, "sim-admin", "shop", &[]).unwrap().is_empty());
        // The session transcript still lists everything, targets or not.
        assert_eq!(list(&conn, Some("s1")).unwrap().len(), rows.len());
    }
}
