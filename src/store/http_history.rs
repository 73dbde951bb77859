//! The requests sent with the HTTP sender, per app, newest first: what the sender lists and replays. These
//! functions run on the store thread.
use jiff::Timestamp;
use rusqlite::{Connection, params};

use super::error::OpError;
use super::per_app::keep_newest;
use super::workspaces::parse_time;

/// How many requests are kept per app.
pub const HTTP_KEPT_PER_APP: usize = 100;

/// One request sent, and how it was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRecord {
    pub context: String,
    pub namespace: String,
    /// The Service or pod it was sent from the row of (`service/storefront`, `pod/web-1`).
    pub app: String,
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// `None` when no answer came.
    pub status: Option<u16>,
    /// `200 OK in 3 ms`, or why there was no answer.
    pub summary: String,
    pub at: Timestamp,
}

/// Records a request; requests beyond [`HTTP_KEPT_PER_APP`] for the app are dropped, oldest first.
pub(crate) fn record(tx: &Connection, r: &HttpRecord) -> Result<(), OpError> {
    let headers = serde_json::to_string(&r.headers).unwrap_or_else(|_| "[]".into());
    tx.execute(
        "INSERT INTO http_history (context, namespace, app, method, url, headers, body, status, summary, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![r.context, r.namespace, r.app, r.method, r.url, headers, r.body, r.status, r.summary, r.at.to_string()],
    )?;
    keep_newest(tx, "http_history", (&r.context, &r.namespace, &r.app), HTTP_KEPT_PER_APP)
}

/// The requests of one app, newest first.
pub(crate) fn list(conn: &Connection, context: &str, namespace: &str, app: &str) -> Result<Vec<HttpRecord>, OpError> {
    let mut stmt = conn.prepare(
        "SELECT method, url, headers, body, status, summary, at FROM http_history
         WHERE context = ?1 AND namespace = ?2 AND app = ?3 ORDER BY id DESC",
    )?;
    type Row = (String, String, String, String, Option<u16>, String, String);
    let rows = stmt
        .query_map(params![context, namespace, app], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?
        .collect::<Result<Vec<Row>, _>>()?;
    rows.into_iter()
        .map(|(method, url, headers, body, status, summary, at)| {
            Ok(HttpRecord {
                context: context.into(),
                namespace: namespace.into(),
                app: app.into(),
                method,
                url,
                // A row this version cannot read loses its headers, not the whole history.
                headers: serde_json::from_str(&headers).unwrap_or_default(),
                body,
                status,
                summary,
                at: parse_time(&at)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn record_of(app: &str, method: &str, status: Option<u16>) -> HttpRecord {
        HttpRecord {
            context: "sim-admin".into(),
            namespace: "shop".into(),
            app: app.into(),
            method: method.into(),
            url: "http://storefront.shop.svc.cluster.local:80/healthz".into(),
            headers: vec![("Accept".into(), "text/plain".into())],
            body: if method == "POST" { "{\"n\":1}".into() } else { String::new() },
            status,
            summary: "200 OK in 2 ms".into(),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn requests_round_trip_newest_first_per_app() {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        record(&conn, &record_of("service/storefront", "GET", Some(200))).unwrap();
        record(&conn, &record_of("service/storefront", "POST", None)).unwrap();
        record(&conn, &record_of("service/cart", "GET", Some(200))).unwrap();
        let listed = list(&conn, "sim-admin", "shop", "service/storefront").unwrap();
        assert_eq!(
            listed,
            vec![record_of("service/storefront", "POST", None), record_of("service/storefront", "GET", Some(200))]
        );
        assert!(list(&conn, "other", "shop", "service/storefront").unwrap().is_empty());
        for _ in 0..HTTP_KEPT_PER_APP + 5 {
            record(&conn, &record_of("service/cart", "GET", Some(200))).unwrap();
        }
        assert_eq!(list(&conn, "sim-admin", "shop", "service/cart").unwrap().len(), HTTP_KEPT_PER_APP);
    }
}
