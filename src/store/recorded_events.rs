//! The event recorder's table: events kept after the API server drops them. These functions run on the
//! store thread.
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use super::error::OpError;
use super::workspaces::parse_time;
use crate::analysis::explain::PodEvent;

/// Inserts or refreshes events (by context and uid; events without a uid cannot be told apart and are
/// skipped). Returns how many were written.
pub(crate) fn record(
    tx: &Connection,
    context: &str,
    events: &[(String, PodEvent)],
    now: Timestamp,
) -> Result<usize, OpError> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO recorded_events (context, uid, namespace, object_kind, object_name, field_path, reason, message,
                                      warning, source, host, count, first_at, last_at, seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (context, uid) DO UPDATE SET
             message = excluded.message, count = excluded.count, first_at = excluded.first_at,
             last_at = excluded.last_at, seen = excluded.seen, warning = excluded.warning",
    )?;
    let mut written = 0;
    for (namespace, e) in events {
        let Some(uid) = e.uid.as_deref().filter(|u| !u.is_empty()) else { continue };
        let seen = e.at().unwrap_or(now).as_second();
        stmt.execute(params![
            context,
            uid,
            namespace,
            e.object_kind,
            e.object_name,
            e.field_path,
            e.reason,
            e.message,
            e.warning,
            e.source,
            e.host,
            i64::from(e.count),
            e.first.map(|t| t.to_string()),
            e.last.map(|t| t.to_string()),
            seen,
        ])?;
        written += 1;
    }
    Ok(written)
}

/// The recorded events of a namespace about the named objects (all of the namespace when `names` is
/// empty), oldest first, each marked `recorded`.
pub(crate) fn list(
    conn: &Connection,
    context: &str,
    namespace: &str,
    names: &[String],
) -> Result<Vec<PodEvent>, OpError> {
    let mut stmt = conn.prepare_cached(
        "SELECT uid, object_kind, object_name, field_path, reason, message, warning, source, host, count,
                first_at, last_at
         FROM recorded_events WHERE context = ?1 AND namespace = ?2 ORDER BY seen, uid",
    )?;
    let rows = stmt.query_map(params![context, namespace], |r| {
        Ok((
            PodEvent {
                uid: Some(r.get(0)?),
                object_kind: r.get(1)?,
                object_name: r.get(2)?,
                field_path: r.get(3)?,
                reason: r.get(4)?,
                message: r.get(5)?,
                warning: r.get(6)?,
                source: r.get(7)?,
                host: r.get(8)?,
                count: u32::try_from(r.get::<_, i64>(9)?).unwrap_or(1).max(1),
                first: None,
                last: None,
                recorded: true,
            },
            r.get::<_, Option<String>>(10)?,
            r.get::<_, Option<String>>(11)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut e, first, last) = row?;
        if !names.is_empty() && !names.contains(&e.object_name) {
            continue;
        }
        e.first = first.as_deref().map(parse_time).transpose()?;
        e.last = last.as_deref().map(parse_time).transpose()?;
        out.push(e);
    }
    Ok(out)
}

/// Drops events last seen more than `max_age` ago, then the oldest beyond `max_rows`. Returns how many went.
pub(crate) fn prune(tx: &Connection, max_age: SignedDuration, max_rows: u64, now: Timestamp) -> Result<usize, OpError> {
    let cutoff = now.as_second().saturating_sub(max_age.as_secs());
    let mut gone = tx.execute("DELETE FROM recorded_events WHERE seen < ?1", params![cutoff])?;
    let rows: i64 = tx.query_row("SELECT count(*) FROM recorded_events", [], |r| r.get(0))?;
    let excess = rows.saturating_sub(i64::try_from(max_rows).unwrap_or(i64::MAX));
    if excess > 0 {
        // The newest row that goes: everything seen before it (and ties, by uid) goes too.
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seen, uid FROM recorded_events ORDER BY seen, uid LIMIT 1 OFFSET ?1",
                params![excess - 1],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((seen, uid)) = last {
            gone += tx.execute(
                "DELETE FROM recorded_events WHERE seen < ?1 OR (seen = ?1 AND uid <= ?2)",
                params![seen, uid],
            )?;
        }
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn event(uid: &str, name: &str, last: &str) -> (String, PodEvent) {
        let e = PodEvent {
            uid: Some(uid.into()),
            object_kind: "Pod".into(),
            object_name: name.into(),
            field_path: Some("spec.containers{checkout}".into()),
            reason: "BackOff".into(),
            message: "Back-off restarting failed container".into(),
            warning: true,
            source: "kubelet".into(),
            host: Some("node-a".into()),
            count: 3,
            first: Some(ts("2026-11-22T01:00:00Z")),
            last: Some(ts(last)),
            recorded: false,
        };
        ("shop".into(), e)
    }

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn recorded_events_come_back_marked_and_updated_in_place() {
        let conn = db();
        let now = ts("2026-11-22T04:00:00Z");
        let mut first = event("u1", "checkout-1", "2026-11-22T01:05:00.5Z");
        record(&conn, "sim", std::slice::from_ref(&first), now).unwrap();
        first.1.count = 9;
        let mut no_uid = event("", "checkout-1", "2026-11-22T01:06:00Z");
        no_uid.1.uid = None;
        assert_eq!(
            record(&conn, "sim", &[first.clone(), no_uid, event("u2", "catalog-1", "2026-11-22T01:07:00Z")], now)
                .unwrap(),
            2
        );
        let got = list(&conn, "sim", "shop", &["checkout-1".into()]).unwrap();
        let mut want = first.1.clone();
        want.recorded = true;
        assert_eq!(got, [want], "same uid updated in place, exact times kept");
        assert_eq!(list(&conn, "sim", "shop", &[]).unwrap().len(), 2);
        assert!(list(&conn, "other-context", "shop", &[]).unwrap().is_empty());
        assert!(list(&conn, "sim", "payments", &[]).unwrap().is_empty());
    }

    #[test]
    fn pruning_bounds_age_and_rows() {
        let conn = db();
        let now = ts("2026-11-22T04:00:00Z");
        let events: Vec<_> =
            (0..10).map(|i| event(&format!("u{i}"), "p", &format!("2026-11-22T03:{:02}:00Z", i * 5))).collect();
        record(&conn, "sim", &events, now).unwrap();
        record(&conn, "sim", &[event("old", "p", "2026-11-20T00:00:00Z")], now).unwrap();
        assert_eq!(prune(&conn, SignedDuration::from_hours(24), 100, now).unwrap(), 1, "older than a day");
        assert_eq!(prune(&conn, SignedDuration::from_hours(24), 4, now).unwrap(), 6);
        let kept: Vec<String> = list(&conn, "sim", "shop", &[]).unwrap().into_iter().filter_map(|e| e.uid).collect();
        assert_eq!(kept, ["u6", "u7", "u8", "u9"], "the newest stay");
        assert_eq!(prune(&conn, SignedDuration::from_hours(24), 4, now).unwrap(), 0);
    }
}
