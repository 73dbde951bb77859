//! Counting and recording requests, so tests and benchmarks can assert what an action or a view cost.
use std::collections::{BTreeMap, VecDeque};

/// How many requests `SimHandle::requests` keeps.
const KEEP: usize = 1000;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub content_type: Option<String>,
    /// The body: JSON as JSON, YAML (apply patches) parsed, anything else as a JSON string; `None` if empty.
    pub body: Option<serde_json::Value>,
    /// The authenticated user, if any.
    pub user: Option<String>,
    /// kubectl's verb (`list`, `watch`, `get`, `create`, `update`, `patch`, `delete`, `deletecollection`).
    pub verb: String,
    /// The resource with its subresource (`pods/log`), or the path for non-resource requests.
    pub resource: String,
}

#[derive(Debug, Default)]
pub struct Recorder {
    counts: BTreeMap<(String, String), u64>,
    total: u64,
    recent: VecDeque<RecordedRequest>,
}

impl Recorder {
    pub fn record(&mut self, request: RecordedRequest) {
        *self.counts.entry((request.verb.clone(), request.resource.clone())).or_default() += 1;
        self.total += 1;
        self.recent.push_back(request);
        while self.recent.len() > KEEP {
            self.recent.pop_front();
        }
    }

    pub fn counts(&self) -> BTreeMap<(String, String), u64> {
        self.counts.clone()
    }

    pub fn count(&self, verb: &str, resource: &str) -> u64 {
        self.counts.get(&(verb.to_string(), resource.to_string())).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recent.iter().cloned().collect()
    }

    pub fn reset(&mut self) {
        *self = Recorder::default();
    }
}

/// A body as the recorder keeps it.
pub fn body_value(content_type: Option<&str>, body: &[u8]) -> Option<serde_json::Value> {
    if body.is_empty() {
        return None;
    }
    if let Ok(json) = serde_json::from_slice(body) {
        return Some(json);
    }
    let text = String::from_utf8_lossy(body).into_owned();
    if content_type.is_some_and(|ct| ct.contains("yaml"))
        && let Ok(value) = serde_yaml::from_str(&text)
    {
        return Some(value);
    }
    Some(serde_json::Value::String(text))
}
