//! App bindings: which git repository and image build belong to a workload. These functions run on the
//! store thread.
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, Row, params};
use serde::{Deserialize, Serialize};

use super::error::{OpError, StoreError};
use super::workspaces::parse_time;

/// Links a workload (context, namespace, kind, name) to where its code and image come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppBinding {
    /// Set by the store. Saving matches rows by (context, namespace, kind, name), not by id.
    pub id: Option<i64>,
    pub context: String,
    pub namespace: String,
    /// The workload kind, e.g. `Deployment`.
    pub kind: String,
    pub name: String,
    /// The git working tree of the app.
    pub repo_path: Option<PathBuf>,
    /// The image repository without a tag, e.g. `registry.example.com/shop/web`.
    pub image_repo: Option<String>,
    /// The Dockerfile, relative to `repo_path` or absolute.
    pub dockerfile: Option<PathBuf>,
    /// The build context directory, relative to `repo_path` or absolute.
    pub build_context: Option<PathBuf>,
    /// A branch whose tip is compared with what runs, besides HEAD (`release`).
    pub compare_branch: Option<String>,
    /// Set by the store; ignored on save.
    pub updated_at: Option<Timestamp>,
}

impl AppBinding {
    /// A new, unsaved binding with nothing linked yet.
    pub fn new(
        context: impl Into<String>,
        namespace: impl Into<String>,
        kind: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            id: None,
            context: context.into(),
            namespace: namespace.into(),
            kind: kind.into(),
            name: name.into(),
            repo_path: None,
            image_repo: None,
            dockerfile: None,
            build_context: None,
            compare_branch: None,
            updated_at: None,
        }
    }
}

const COLUMNS: &str =
    "id, context, namespace, kind, name, repo_path, image_repo, dockerfile, build_context, updated_at, compare_branch";

pub(crate) fn list(conn: &Connection, context: &str) -> Result<Vec<AppBinding>, OpError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM app_bindings WHERE context = ?1 ORDER BY namespace, kind, name"
    ))?;
    let rows = stmt.query_map([context], RawBinding::from_row)?;
    let mut out = Vec::new();
    for raw in rows {
        out.push(raw?.into_binding()?);
    }
    Ok(out)
}

/// Inserts the binding or replaces the one for the same workload.
pub(crate) fn save(conn: &Connection, binding: &AppBinding) -> Result<AppBinding, OpError> {
    if binding.kind.trim().is_empty() || binding.name.trim().is_empty() {
        return Err(StoreError::Invalid("an app binding needs the workload's kind and name".into()).into());
    }
    let id: i64 = conn.query_row(
        "INSERT INTO app_bindings
                 (context, namespace, kind, name, repo_path, image_repo, dockerfile, build_context, updated_at,
                  compare_branch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (context, namespace, kind, name) DO UPDATE SET
                 repo_path = excluded.repo_path, image_repo = excluded.image_repo,
                 dockerfile = excluded.dockerfile, build_context = excluded.build_context,
                 updated_at = excluded.updated_at, compare_branch = excluded.compare_branch
         RETURNING id",
        params![
            binding.context,
            binding.namespace,
            binding.kind,
            binding.name,
            path_text(binding.repo_path.as_deref())?,
            binding.image_repo,
            path_text(binding.dockerfile.as_deref())?,
            path_text(binding.build_context.as_deref())?,
            Timestamp::now().to_string(),
            binding.compare_branch.as_deref().map(str::trim).filter(|b| !b.is_empty()),
        ],
        |row| row.get(0),
    )?;
    Ok(conn
        .query_row(&format!("SELECT {COLUMNS} FROM app_bindings WHERE id = ?1"), [id], RawBinding::from_row)?
        .into_binding()?)
}

pub(crate) fn delete(
    conn: &Connection,
    context: &str,
    namespace: &str,
    kind: &str,
    name: &str,
) -> Result<bool, OpError> {
    let deleted = conn.execute(
        "DELETE FROM app_bindings WHERE context = ?1 AND namespace = ?2 AND kind = ?3 AND name = ?4",
        [context, namespace, kind, name],
    )?;
    Ok(deleted > 0)
}

/// Paths are stored as text; a path that is not UTF-8 is refused rather than stored mangled.
fn path_text(path: Option<&Path>) -> Result<Option<&str>, StoreError> {
    path.map(|p| {
        p.to_str().ok_or_else(|| {
            StoreError::Invalid(format!("the path {} is not valid UTF-8 and cannot be saved", p.display()))
        })
    })
    .transpose()
}

struct RawBinding {
    binding: AppBinding,
    updated_at: String,
}

impl RawBinding {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        let path = |i: usize| row.get::<_, Option<String>>(i).map(|p| p.map(PathBuf::from));
        Ok(Self {
            binding: AppBinding {
                id: Some(row.get(0)?),
                context: row.get(1)?,
                namespace: row.get(2)?,
                kind: row.get(3)?,
                name: row.get(4)?,
                repo_path: path(5)?,
                image_repo: row.get(6)?,
                dockerfile: path(7)?,
                build_context: path(8)?,
                compare_branch: row.get(10)?,
                updated_at: None,
            },
            updated_at: row.get(9)?,
        })
    }

    fn into_binding(self) -> Result<AppBinding, StoreError> {
        Ok(AppBinding { updated_at: Some(parse_time(&self.updated_at)?), ..self.binding })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    #[test]
    fn saving_the_same_workload_replaces_its_binding() {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        let mut binding = AppBinding::new("kind", "shop", "Deployment", "web");
        binding.repo_path = Some("/src/web".into());
        let first = save(&conn, &binding).unwrap();
        binding.repo_path = None;
        binding.image_repo = Some("ghcr.io/acme/web".into());
        let second = save(&conn, &binding).unwrap();
        assert_eq!(first.id, second.id);
        assert_eq!(second.repo_path, None);
        assert_eq!(list(&conn, "kind").unwrap(), vec![second]);
    }

    #[cfg(unix)]
    #[test]
    fn a_path_that_is_not_utf8_is_refused() {
        use std::os::unix::ffi::OsStrExt;
        let bad = Path::new(std::ffi::OsStr::from_bytes(b"/src/\xff"));
        assert!(matches!(path_text(Some(bad)), Err(StoreError::Invalid(_))));
    }
}
