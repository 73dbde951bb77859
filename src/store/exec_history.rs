//! The commands run with exec, per app, newest first: what the exec prompt offers again. These functions run
//! on the store thread.
use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::error::OpError;
use super::per_app::keep_newest;
use super::workspaces::parse_time;

/// How many commands are kept per app.
pub const KEPT_PER_APP: usize = 50;

/// One command run in an app's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCommand {
    pub context: String,
    pub namespace: String,
    /// The pod's owning workload (`deployment/storefront`), else the pod (`pod/debug`).
    pub app: String,
    /// As typed.
    pub command: String,
    pub at: Timestamp,
}

/// Records a command; the same command used again moves to the top. Older ones beyond
/// [`KEPT_PER_APP`] are dropped.
pub(crate) fn record(tx: &Connection, e: &ExecCommand) -> Result<(), OpError> {
    tx.execute(
        "DELETE FROM exec_history WHERE context = ?1 AND namespace = ?2 AND app = ?3 AND command = ?4",
        params![e.context, e.namespace, e.app, e.command],
    )?;
    tx.execute(
        "INSERT INTO exec_history (context, namespace, app, command, at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.context, e.namespace, e.app, e.command, e.at.to_string()],
    )?;
    keep_newest(tx, "exec_history", (&e.context, &e.namespace, &e.app), KEPT_PER_APP)
}

/// The commands of one app, most recently used first.
pub(crate) fn list(conn: &Connection, context: &str, namespace: &str, app: &str) -> Result<Vec<ExecCommand>, OpError> {
    let mut stmt = conn.prepare(
        "SELECT command, at FROM exec_history WHERE context = ?1 AND namespace = ?2 AND app = ?3 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map(params![context, namespace, app], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(command, at)| {
            Ok(ExecCommand {
                context: context.into(),
                namespace: namespace.into(),
                app: app.into(),
                command,
                at: parse_time(&at)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn entry(app: &str, command: &str) -> ExecCommand {
        ExecCommand {
            context: "c".into(),
            namespace: "shop".into(),
            app: app.into(),
            command: command.into(),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn newest_first_without_repeats_and_bounded() {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        for command in ["ls", "env", "ls"] {
            record(&conn, &entry("deployment/web", command)).unwrap();
        }
        record(&conn, &entry("deployment/cart", "redis-cli ping")).unwrap();
        let commands: Vec<String> =
            list(&conn, "c", "shop", "deployment/web").unwrap().into_iter().map(|e| e.command).collect();
        assert_eq!(commands, ["ls", "env"]);
        for n in 0..KEPT_PER_APP + 5 {
            record(&conn, &entry("deployment/web", &format!("echo {n}"))).unwrap();
        }
        let kept = list(&conn, "c", "shop", "deployment/web").unwrap();
        assert_eq!(kept.len(), KEPT_PER_APP);
        assert_eq!(kept[0].command, format!("echo {}", KEPT_PER_APP + 4));
        assert_eq!(list(&conn, "c", "shop", "deployment/cart").unwrap().len(), 1);
    }
}
