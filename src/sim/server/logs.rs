//! `pods/log`: lines from the scenario's `LogSpec`s and from `append_log`, with the options kubectl uses,
//! `follow` streaming, and the errors a real kubelet and API server give.
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use futures::StreamExt;
use http::{Response, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::sim::types::LogSpec;

use super::Shared;
use super::meta;
use super::registry;
use super::status::ApiError;

/// How often a followed log repeats a `periodic` line.
const PERIODIC_EVERY: Duration = Duration::from_secs(2);

/// (namespace, pod, container)
pub type LogKey = (String, String, String);

/// A line and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub at: Timestamp,
    pub text: String,
}

pub struct LogBook {
    specs: Vec<LogSpec>,
    appended: HashMap<LogKey, Vec<LogLine>>,
    tx: broadcast::Sender<Arc<(LogKey, LogLine)>>,
}

impl LogBook {
    pub fn new(specs: Vec<LogSpec>) -> Self {
        let (tx, _) = broadcast::channel(1024);
        LogBook { specs, appended: HashMap::new(), tx }
    }

    pub fn append(&mut self, key: LogKey, text: &str) {
        let line = LogLine { at: Timestamp::now(), text: text.to_string() };
        self.appended.entry(key.clone()).or_default().push(line.clone());
        let _ = self.tx.send(Arc::new((key, line)));
    }

    fn specs_for<'a>(&'a self, key: &'a LogKey, previous: bool) -> impl Iterator<Item = &'a LogSpec> + 'a {
        self.specs.iter().filter(move |s| {
            s.namespace == key.0
                && key.1.starts_with(&s.pod_prefix)
                && s.container.as_ref().is_none_or(|c| *c == key.2)
                && s.previous == previous
        })
    }

    /// Whether anything can answer for this container (a kubelet, in real life).
    fn has_source(&self, key: &LogKey) -> bool {
        self.specs_for(key, false).next().is_some()
            || self.specs_for(key, true).next().is_some()
            || self.appended.contains_key(key)
    }
}

/// The query options of a log request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogOptions {
    pub container: Option<String>,
    pub previous: bool,
    pub follow: bool,
    pub timestamps: bool,
    pub tail_lines: Option<usize>,
    pub since_seconds: Option<i64>,
    pub limit_bytes: Option<usize>,
}

/// The kubelet's checks: a container that never ran has no logs yet.
fn kubelet_check(pod: &Value, pod_name: &str, container: &str, previous: bool) -> Result<(), ApiError> {
    let status = ["containerStatuses", "initContainerStatuses"]
        .iter()
        .filter_map(|f| pod.pointer(&format!("/status/{f}")).and_then(Value::as_array))
        .flatten()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(container));
    let Some(status) = status else {
        return Err(ApiError::bad_request(format!(
            "container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating"
        )));
    };
    let last_terminated = status.pointer("/lastState/terminated").is_some();
    let state = status.get("state");
    let waiting = state.and_then(|s| s.get("waiting"));
    if previous {
        if !last_terminated {
            return Err(ApiError::bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            )));
        }
        return Ok(());
    }
    if state.and_then(|s| s.get("running")).is_some()
        || state.and_then(|s| s.get("terminated")).is_some()
        || last_terminated
    {
        return Ok(());
    }
    let message = match waiting.and_then(|w| w.get("reason")).and_then(Value::as_str) {
        Some("ErrImagePull") => "image can't be pulled".to_string(),
        Some("ImagePullBackOff") => "trying and failing to pull image".to_string(),
        Some(reason) => reason.to_string(),
        None => {
            return Err(ApiError::bad_request(format!(
                "container \"{container}\" in pod \"{pod_name}\" is waiting to start - no logs yet"
            )));
        }
    };
    Err(ApiError::bad_request(format!(
        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {message}"
    )))
}

/// When the container's lines start: its start time, else the pod's creation, else now.
fn started_at(pod: &Value, container: &str) -> Timestamp {
    let status = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .and_then(|all| all.iter().find(|s| s.get("name").and_then(Value::as_str) == Some(container)));
    let candidates = [
        status.and_then(|s| s.pointer("/state/running/startedAt")),
        status.and_then(|s| s.pointer("/lastState/terminated/startedAt")),
        status.and_then(|s| s.pointer("/state/terminated/startedAt")),
        pod.pointer("/status/startTime"),
        pod.pointer("/metadata/creationTimestamp"),
    ];
    candidates
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find_map(|s| s.parse().ok())
        .unwrap_or_else(Timestamp::now)
}

fn render(line: &LogLine, timestamps: bool) -> String {
    if timestamps { format!("{} {}\n", line.at, line.text) } else { format!("{}\n", line.text) }
}

/// Serve a log request.
pub fn serve(
    shared: Arc<Shared>,
    namespace: &str,
    pod_name: &str,
    opts: LogOptions,
) -> Result<Response<Body>, ApiError> {
    let pods = registry::for_storage(shared.opts.flavour, registry::PODS)
        .ok_or_else(|| ApiError::internal("pods are not served"))?;
    let pod = shared
        .store()
        .get(registry::PODS, namespace, pod_name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(pods, pod_name))?;
    let container = crate::sim::server::exec::pick_container(&pod, pod_name, opts.container.as_deref())?;
    if meta::str_at(&pod, &["spec", "nodeName"]).is_none_or(str::is_empty) {
        // No node, no kubelet to ask: a real server answers with an empty log.
        return Ok(text_stream(futures::stream::empty::<Bytes>().boxed()));
    }
    let key: LogKey = (namespace.to_string(), pod_name.to_string(), container.clone());
    let (mut lines, live) = {
        let book = shared.logs();
        if !book.has_source(&key) {
            return Err(ApiError::internal(format!(
                "Get \"https://localhost:10250/containerLogs/{namespace}/{pod_name}/{container}\": dial tcp 127.0.0.1:10250: connect: connection refused"
            )));
        }
        kubelet_check(&pod, pod_name, &container, opts.previous)?;
        let start = started_at(&pod, &container);
        let mut lines: Vec<LogLine> = book
            .specs_for(&key, opts.previous)
            .flat_map(|spec| spec.lines.iter())
            .enumerate()
            .map(|(i, text)| LogLine {
                at: start.checked_add(SignedDuration::from_millis(i as i64 * 137)).unwrap_or(start),
                text: text.clone(),
            })
            .collect();
        if !opts.previous {
            lines.extend(book.appended.get(&key).into_iter().flatten().cloned());
        }
        let periodic: Vec<String> = book.specs_for(&key, false).flat_map(|s| s.periodic.iter().cloned()).collect();
        (lines, (book.tx.subscribe(), periodic))
    };
    if let Some(since) = opts.since_seconds {
        let cutoff = Timestamp::now().checked_sub(SignedDuration::from_secs(since)).unwrap_or(Timestamp::MIN);
        lines.retain(|l| l.at >= cutoff);
    }
    if let Some(tail) = opts.tail_lines {
        let skip = lines.len().saturating_sub(tail);
        lines.drain(..skip);
    }
    let mut text: String = lines.iter().map(|l| render(l, opts.timestamps)).collect();
    if let Some(limit) = opts.limit_bytes {
        let mut cut = limit.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    if !opts.follow || opts.previous {
        let mut response = Response::new(Body::from(text));
        response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
        return Ok(response);
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let token = shared.watch_token();
    let (mut appended, periodic) = live;
    tokio::spawn(async move {
        if tx.send(Bytes::from(text)).await.is_err() {
            return;
        }
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + PERIODIC_EVERY, PERIODIC_EVERY);
        let mut next_periodic = periodic.iter().cycle();
        loop {
            let line = tokio::select! {
                biased;
                _ = token.cancelled() => return,
                received = appended.recv() => match received {
                    Ok(entry) if entry.0 == key => entry.1.clone(),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = ticker.tick(), if !periodic.is_empty() => {
                    // The container goes away with its pod.
                    if shared.store().get(registry::PODS, &key.0, &key.1).is_none() {
                        return;
                    }
                    let text = next_periodic.next().cloned().unwrap_or_default();
                    LogLine { at: Timestamp::now(), text }
                }
            };
            if tx.send(Bytes::from(render(&line, opts.timestamps))).await.is_err() {
                return;
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) }).boxed();
    Ok(text_stream(stream))
}

fn text_stream(stream: futures::stream::BoxStream<'static, Bytes>) -> Response<Body> {
    let mut response = Response::new(Body::from_stream(stream.map(Ok::<Bytes, Infallible>)));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(state: Value) -> Value {
        json!({"spec": {"nodeName": "node-a", "containers": [{"name": "app"}]},
               "status": {"containerStatuses": [{"name": "app", "state": state, "lastState": {}}]}})
    }

    #[test]
    fn containers_are_picked_and_checked() {
        let two = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "init"}]}});
        assert_eq!(crate::sim::server::exec::pick_container(&two, "p", Some("b")), Ok("b".into()));
        let err = crate::sim::server::exec::pick_container(&two, "p", None).expect_err("ambiguous");
        assert_eq!(
            err.message,
            "a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]"
        );
        let err = crate::sim::server::exec::pick_container(&two, "p", Some("zzz")).expect_err("unknown");
        assert_eq!(err.message, "container zzz is not valid for pod p");
    }

    #[test]
    fn waiting_containers_have_no_logs_yet() {
        let creating = pod(json!({"waiting": {"reason": "ContainerCreating"}}));
        let err = kubelet_check(&creating, "web-1", "app", false).expect_err("waiting");
        assert_eq!(
            (err.code, err.message.as_str()),
            (400, "container \"app\" in pod \"web-1\" is waiting to start: ContainerCreating")
        );
        let pulling = pod(json!({"waiting": {"reason": "ImagePullBackOff"}}));
        let err = kubelet_check(&pulling, "web-1", "app", false).expect_err("waiting");
        assert!(err.message.ends_with("trying and failing to pull image"));
        assert!(kubelet_check(&pod(json!({"running": {}})), "web-1", "app", false).is_ok());
        let err = kubelet_check(&pod(json!({"running": {}})), "web-1", "app", true).expect_err("no previous");
        assert_eq!(err.message, "previous terminated container \"app\" in pod \"web-1\" not found");
    }
}
