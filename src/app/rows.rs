//! The columns of each typed list, and one object's row. Rows are computed when an object arrives; only the
//! time-relative cells (ages, "3m ago") are formatted when drawn.
use jiff::Timestamp;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Service};
use kube::ResourceExt;

use crate::analysis::Health;
use crate::analysis::age::human_age;
use crate::analysis::pod_status::pod_summary;
use crate::analysis::summary::{deployment_summary, event_summary, namespace_summary, service_summary};

/// One cell. Time-relative cells keep their instant and are formatted at draw time.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Text coloured by the row's health (a status column).
    Status(String),
    Age(Option<Timestamp>),
    /// A restart count, with kubectl's `(3m ago)` suffix.
    Restarts(u32, Option<Timestamp>),
}

impl Cell {
    pub fn display(&self, now: Timestamp) -> String {
        match self {
            Cell::Text(t) | Cell::Status(t) => t.clone(),
            Cell::Age(Some(at)) => human_age(*at, now),
            Cell::Age(None) => "<unknown>".into(),
            Cell::Restarts(n, Some(at)) if *n > 0 => format!("{n} ({} ago)", human_age(*at, now)),
            Cell::Restarts(n, _) => n.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Cells for the columns after NAMESPACE and NAME (which come from the key).
    pub cells: Vec<Cell>,
    pub health: Health,
    /// What list filters match against, lower-cased: namespace/name plus the status.
    pub search: String,
    /// For lists sorted by time rather than name (events: last seen).
    pub sort_time: Option<Timestamp>,
}

/// A column after NAMESPACE and NAME: its title and the width it wants (the last column takes the rest).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: u16,
}

pub(crate) const fn col(title: &'static str, width: u16) -> Column {
    Column { title, width }
}

/// A typed kind that has a list view.
pub trait Rowable {
    /// The columns of `cells`, in order.
    fn columns() -> &'static [Column];
    fn row(&self, now: Timestamp) -> Row;
}

pub(crate) fn search_text<K: ResourceExt>(obj: &K, extra: &str) -> String {
    format!("{}/{} {}", obj.namespace().unwrap_or_default(), obj.name_any(), extra).to_lowercase()
}

pub(crate) fn created<K: ResourceExt>(obj: &K) -> Option<Timestamp> {
    obj.meta().creation_timestamp.as_ref().map(|t| t.0)
}

impl Rowable for Pod {
    fn columns() -> &'static [Column] {
        const C: [Column; 5] =
            [col("READY", 7), col("STATUS", 26), col("RESTARTS", 14), col("AGE", 7), col("NODE", 16)];
        &C
    }
    fn row(&self, now: Timestamp) -> Row {
        let s = pod_summary(self, now);
        Row {
            search: search_text(self, &s.status),
            cells: vec![
                Cell::Text(s.ready_display()),
                Cell::Status(s.status.clone()),
                Cell::Restarts(s.restarts, s.last_restart),
                Cell::Age(created(self)),
                Cell::Text(s.node.clone().unwrap_or_else(|| "<none>".into())),
            ],
            health: s.health,
            sort_time: None,
        }
    }
}

impl Rowable for Deployment {
    fn columns() -> &'static [Column] {
        const C: [Column; 4] = [col("READY", 8), col("UP-TO-DATE", 11), col("AVAILABLE", 10), col("AGE", 7)];
        &C
    }
    fn row(&self, _now: Timestamp) -> Row {
        let s = deployment_summary(self);
        Row {
            search: search_text(self, ""),
            cells: vec![
                Cell::Status(s.ready.clone()),
                Cell::Text(s.up_to_date.to_string()),
                Cell::Text(s.available.to_string()),
                Cell::Age(created(self)),
            ],
            health: s.health,
            sort_time: None,
        }
    }
}

impl Rowable for Service {
    fn columns() -> &'static [Column] {
        const C: [Column; 5] =
            [col("TYPE", 13), col("CLUSTER-IP", 16), col("EXTERNAL-IP", 14), col("PORT(S)", 22), col("AGE", 7)];
        &C
    }
    fn row(&self, _now: Timestamp) -> Row {
        let s = service_summary(self);
        Row {
            search: search_text(self, &s.type_),
            cells: vec![
                Cell::Text(s.type_.clone()),
                Cell::Text(s.cluster_ip.clone()),
                Cell::Text(s.external_ip.clone()),
                Cell::Text(s.ports.clone()),
                Cell::Age(created(self)),
            ],
            health: s.health,
            sort_time: None,
        }
    }
}

impl Rowable for Event {
    fn columns() -> &'static [Column] {
        const C: [Column; 5] =
            [col("LAST SEEN", 10), col("TYPE", 8), col("REASON", 18), col("OBJECT", 34), col("MESSAGE", 40)];
        &C
    }
    fn row(&self, now: Timestamp) -> Row {
        let s = event_summary(self, now);
        let count = if s.count > 1 { format!(" (x{})", s.count) } else { String::new() };
        Row {
            search: format!("{} {} {} {}", self.namespace().unwrap_or_default(), s.reason, s.object, s.message)
                .to_lowercase(),
            cells: vec![
                Cell::Age(s.last_seen_at),
                Cell::Status(s.type_.clone()),
                Cell::Text(s.reason.clone()),
                Cell::Text(s.object.clone()),
                Cell::Text(format!("{}{count}", s.message)),
            ],
            health: s.health,
            sort_time: s.last_seen_at,
        }
    }
}

impl Rowable for Namespace {
    fn columns() -> &'static [Column] {
        const C: [Column; 2] = [col("STATUS", 12), col("AGE", 7)];
        &C
    }
    fn row(&self, _now: Timestamp) -> Row {
        let s = namespace_summary(self);
        Row {
            search: search_text(self, &s.status),
            cells: vec![Cell::Status(s.status.clone()), Cell::Age(created(self))],
            health: s.health,
            sort_time: None,
        }
    }
}
