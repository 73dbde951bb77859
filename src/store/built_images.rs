//! The images mosaic built and pushed for an app: which commit each digest was built from, so a pod's
//! `imageID` still says which commit runs after mosaic restarts. These functions run on the store thread.
use jiff::Timestamp;
use rusqlite::{Connection, Row, params};

use super::error::OpError;
use super::workspaces::parse_time;

/// One pushed image of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    pub context: String,
    pub namespace: String,
    /// The workload kind, e.g. `Deployment`.
    pub kind: String,
    pub name: String,
    /// The commit it was built from (full SHA).
    pub sha: String,
    /// `registry/repo:tag` as pushed.
    pub image: String,
    /// `sha256:…`, as the registry answered the push.
    pub digest: String,
    pub built_at: Timestamp,
}

/// Images kept per app: the newest; older ones rarely run again.
pub const BUILT_KEPT_PER_APP: usize = 20;

pub(crate) fn record(tx: &Connection, image: &BuiltImage) -> Result<(), OpError> {
    tx.execute(
        "INSERT INTO built_images (context, namespace, kind, name, sha, image, digest, built_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (context, namespace, kind, name, digest) DO UPDATE SET
             sha = excluded.sha, image = excluded.image, built_at = excluded.built_at",
        params![
            image.context,
            image.namespace,
            image.kind,
            image.name,
            image.sha,
            image.image,
            image.digest,
            image.built_at.to_string()
        ],
    )?;
    tx.execute(
        "DELETE FROM built_images WHERE context = ?1 AND namespace = ?2 AND kind = ?3 AND name = ?4
           AND digest NOT IN (SELECT digest FROM built_images
                              WHERE context = ?1 AND namespace = ?2 AND kind = ?3 AND name = ?4
                              ORDER BY built_at DESC LIMIT ?5)",
        params![image.context, image.namespace, image.kind, image.name, BUILT_KEPT_PER_APP as i64],
    )?;
    Ok(())
}

/// Every app's built images in `context`, newest first.
pub(crate) fn list(conn: &Connection, context: &str) -> Result<Vec<BuiltImage>, OpError> {
    let mut stmt = conn.prepare_cached(
        "SELECT context, namespace, kind, name, sha, image, digest, built_at FROM built_images
         WHERE context = ?1 ORDER BY built_at DESC, digest",
    )?;
    let rows = stmt.query_map([context], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        let (image, at) = row?;
        out.push(BuiltImage { built_at: parse_time(&at)?, ..image });
    }
    Ok(out)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<(BuiltImage, String)> {
    Ok((
        BuiltImage {
            context: r.get(0)?,
            namespace: r.get(1)?,
            kind: r.get(2)?,
            name: r.get(3)?,
            sha: r.get(4)?,
            image: r.get(5)?,
            digest: r.get(6)?,
            built_at: Timestamp::UNIX_EPOCH,
        },
        r.get(7)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(digest: &str, at: i64) -> BuiltImage {
        BuiltImage {
            context: "kind-dev".into(),
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            sha: format!("{digest}0000000000000000000000000000000000000")[..40].to_string(),
            image: format!("ghcr.io/acme/web:{digest}"),
            digest: format!("sha256:{digest}"),
            built_at: Timestamp::from_second(at).unwrap(),
        }
    }

    #[test]
    fn newest_first_bounded_per_app_and_a_digest_pushed_again_is_one_row() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        for i in 0..(BUILT_KEPT_PER_APP as i64 + 5) {
            record(&conn, &built(&format!("{i:03}"), 1_800_000_000 + i)).unwrap();
        }
        record(&conn, &built("003", 1_900_000_000)).unwrap();
        let listed = list(&conn, "kind-dev").unwrap();
        assert_eq!(listed.len(), BUILT_KEPT_PER_APP);
        assert_eq!(listed[0].digest, "sha256:003", "pushed again, it is the newest");
        assert!(listed.iter().all(|b| b.digest != "sha256:000"), "the oldest went");
        assert!(list(&conn, "prod").unwrap().is_empty());
    }
}
