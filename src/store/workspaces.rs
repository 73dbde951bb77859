//! Workspaces: a named set of filters per kube context. These functions run on the store thread.
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::error::{OpError, StoreError, is_constraint};

/// What a workspace shows, stored as JSON so new filter kinds need no migration.
/// Unknown fields are ignored and missing ones default to empty, so older and newer builds read each
/// other's rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceFilters {
    /// Namespaces to show; empty means all.
    pub namespaces_allow: Vec<String>,
    /// Namespaces to hide, applied after `namespaces_allow`.
    pub namespaces_deny: Vec<String>,
    /// Label selectors (kubectl syntax, e.g. `app=web,tier!=cache`) an object must match; empty means all.
    pub label_selectors_allow: Vec<String>,
    /// Label selectors whose matches are hidden.
    pub label_selectors_deny: Vec<String>,
    /// Name patterns (globs such as `api-*`) an object's name must match; empty means all.
    pub name_patterns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// `None` until saved; with `Some`, `save_workspace` updates that row (which may rename it).
    pub id: Option<i64>,
    /// The kube context the workspace belongs to.
    pub context: String,
    pub name: String,
    /// The workspace opened first in this context; at most one per context.
    pub is_default: bool,
    pub filters: WorkspaceFilters,
    /// Set by the store; ignored on save.
    pub created_at: Option<Timestamp>,
    /// Set by the store; ignored on save.
    pub updated_at: Option<Timestamp>,
}

impl Workspace {
    /// A new, unsaved workspace with no filters.
    pub fn new(context: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: None,
            context: context.into(),
            name: name.into(),
            is_default: false,
            filters: WorkspaceFilters::default(),
            created_at: None,
            updated_at: None,
        }
    }
}

const COLUMNS: &str = "id, context, name, is_default, filters, created_at, updated_at";

pub(crate) fn list(conn: &Connection, context: &str) -> Result<Vec<Workspace>, OpError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM workspaces WHERE context = ?1 ORDER BY name"))?;
    let rows = stmt.query_map([context], RawWorkspace::from_row)?;
    let mut out = Vec::new();
    for raw in rows {
        out.push(raw?.into_workspace()?);
    }
    Ok(out)
}

/// Inserts `ws`, or updates it: by id when it has one, else by (context, name).
pub(crate) fn save(conn: &Connection, ws: &Workspace) -> Result<Workspace, OpError> {
    let name = valid_name(&ws.name)?;
    let filters = serde_json::to_string(&ws.filters)
        .map_err(|e| StoreError::Invalid(format!("the filters of workspace {name:?} cannot be stored: {e}")))?;
    let now = Timestamp::now().to_string();
    if ws.is_default {
        conn.execute("UPDATE workspaces SET is_default = 0 WHERE context = ?1 AND is_default = 1", [&ws.context])?;
    }
    let id = match ws.id {
        Some(id) => {
            let changed = conn
                .execute(
                    "UPDATE workspaces SET context = ?2, name = ?3, is_default = ?4, filters = ?5, updated_at = ?6
                     WHERE id = ?1",
                    params![id, ws.context, name, ws.is_default, filters, now],
                )
                .map_err(|e| name_taken(e, &ws.context, name))?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("workspace {name:?} no longer exists")).into());
            }
            id
        }
        None => conn.query_row(
            "INSERT INTO workspaces (context, name, is_default, filters, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (context, name) DO UPDATE SET
                 is_default = excluded.is_default, filters = excluded.filters, updated_at = excluded.updated_at
             RETURNING id",
            params![ws.context, name, ws.is_default, filters, now],
            |row| row.get(0),
        )?,
    };
    get(conn, id)
}

pub(crate) fn delete(conn: &Connection, context: &str, name: &str) -> Result<bool, OpError> {
    let deleted = conn.execute("DELETE FROM workspaces WHERE context = ?1 AND name = ?2", [context, name])?;
    Ok(deleted > 0)
}

pub(crate) fn rename(conn: &Connection, context: &str, from: &str, to: &str) -> Result<Workspace, OpError> {
    let to = valid_name(to)?;
    let now = Timestamp::now().to_string();
    let id: Option<i64> = conn
        .query_row(
            "UPDATE workspaces SET name = ?3, updated_at = ?4 WHERE context = ?1 AND name = ?2 RETURNING id",
            params![context, from, to, now],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| name_taken(e, context, to))?;
    match id {
        Some(id) => get(conn, id),
        None => Err(not_found(context, from)),
    }
}

/// Makes `name` the default workspace of `context`, or clears the default with `None`.
pub(crate) fn set_default(conn: &Connection, context: &str, name: Option<&str>) -> Result<(), OpError> {
    conn.execute("UPDATE workspaces SET is_default = 0 WHERE context = ?1 AND is_default = 1", [context])?;
    if let Some(name) = name {
        let changed =
            conn.execute("UPDATE workspaces SET is_default = 1 WHERE context = ?1 AND name = ?2", [context, name])?;
        if changed == 0 {
            // The caller's transaction rolls back, so the old default stays.
            return Err(not_found(context, name));
        }
    }
    Ok(())
}

fn get(conn: &Connection, id: i64) -> Result<Workspace, OpError> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM workspaces WHERE id = ?1"), [id], RawWorkspace::from_row)?
        .into_workspace()
}

fn valid_name(name: &str) -> Result<&str, StoreError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(StoreError::Invalid("a workspace needs a name".into()));
    }
    Ok(trimmed)
}

fn not_found(context: &str, name: &str) -> OpError {
    StoreError::NotFound(format!("there is no workspace {name:?} in context {context:?}")).into()
}

fn name_taken(err: rusqlite::Error, context: &str, name: &str) -> OpError {
    if is_constraint(&err) {
        StoreError::Conflict(format!(
            "a workspace named {name:?} already exists in context {context:?}; pick another name"
        ))
        .into()
    } else {
        err.into()
    }
}

/// A row as stored, before the JSON and timestamps are parsed (which can fail with a clear message).
struct RawWorkspace {
    id: i64,
    context: String,
    name: String,
    is_default: bool,
    filters: String,
    created_at: String,
    updated_at: String,
}

impl RawWorkspace {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            context: row.get(1)?,
            name: row.get(2)?,
            is_default: row.get(3)?,
            filters: row.get(4)?,
            created_at: row.get(5)?,
            updated_at: row.get(6)?,
        })
    }

    fn into_workspace(self) -> Result<Workspace, OpError> {
        let filters = serde_json::from_str(&self.filters).map_err(|e| {
            StoreError::Invalid(format!("the stored filters of workspace {:?} are unreadable: {e}", self.name))
        })?;
        Ok(Workspace {
            id: Some(self.id),
            created_at: Some(parse_time(&self.created_at)?),
            updated_at: Some(parse_time(&self.updated_at)?),
            context: self.context,
            name: self.name,
            is_default: self.is_default,
            filters,
        })
    }
}

/// Parses a stored RFC 3339 timestamp.
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, StoreError> {
    text.parse().map_err(|e| StoreError::Invalid(format!("stored time {text:?} is unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        conn
    }

    #[test]
    fn saving_by_name_twice_updates_the_same_row() {
        let conn = db();
        let mut ws = Workspace::new("kind", "web");
        let first = save(&conn, &ws).unwrap();
        ws.filters.namespaces_allow = vec!["shop".into()];
        let second = save(&conn, &ws).unwrap();
        assert_eq!(first.id, second.id);
        assert_eq!(first.created_at, second.created_at);
        assert_eq!(list(&conn, "kind").unwrap(), vec![second]);
    }

    #[test]
    fn names_are_trimmed_and_must_not_be_empty() {
        let conn = db();
        assert_eq!(save(&conn, &Workspace::new("c", "  web ")).unwrap().name, "web");
        assert!(matches!(save(&conn, &Workspace::new("c", "  ")), Err(OpError::Store(StoreError::Invalid(_)))));
    }

    #[test]
    fn unreadable_filters_are_reported_not_hidden() {
        let conn = db();
        save(&conn, &Workspace::new("c", "w")).unwrap();
        conn.execute("UPDATE workspaces SET filters = 'not json'", []).unwrap();
        let err = list(&conn, "c").unwrap_err().into_store_error("x".as_ref());
        assert!(err.to_string().contains("\"w\""), "{err}");
    }
}
