//! Watch streams: replay from a resourceVersion (or synthetic ADDED for everything), then live events from
//! the broadcast channel, bookmarks, timeouts; a too-old resourceVersion answers one ERROR event with 410.
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use futures::StreamExt;
use http::{Response, StatusCode, header};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::Shared;
use super::convert;
use super::meta;
use super::registry::Resource;
use super::selectors::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::store::{EventType, WatchEvent};
use super::table::{self, IncludeObject};

pub struct WatchRequest {
    pub res: &'static Resource,
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    /// `None` for an absent or "0" resourceVersion: start with the current state.
    pub resource_version: Option<u64>,
    pub bookmarks: bool,
    pub send_initial_events: bool,
    pub timeout: Option<Duration>,
    /// Events carry one-row Tables (kubectl `get -w`) instead of objects.
    pub table: Option<IncludeObject>,
}

impl WatchRequest {
    fn selected(&self, obj: &Value) -> bool {
        self.labels.matches(meta::labels(obj)) && self.fields.matches(obj)
    }

    /// How this watch sees an event, if at all.
    fn view<'e>(&self, event: &'e WatchEvent) -> Option<(&'static str, &'e Value)> {
        if event.storage != self.res.storage || self.namespace.as_ref().is_some_and(|ns| *ns != event.namespace) {
            return None;
        }
        let now = self.selected(&event.object);
        let kind = match event.kind {
            EventType::Added | EventType::Deleted => now.then_some(event.kind),
            EventType::Modified => {
                let before = event.previous.as_deref().is_none_or(|p| self.selected(p));
                match (now, before) {
                    (true, true) => Some(EventType::Modified),
                    (true, false) => Some(EventType::Added),
                    (false, true) => Some(EventType::Deleted),
                    (false, false) => None,
                }
            }
        }?;
        Some((kind.as_str(), &event.object))
    }

    fn line(&self, kind: &str, obj: &Value, shared: &Shared) -> Bytes {
        let object = convert::to_served(self.res, obj, shared.opts.flavour);
        match self.table {
            Some(include) => {
                let rv = meta::resource_version(&object).unwrap_or_default().to_string();
                let table =
                    table::table(self.res, &[object], json!({"resourceVersion": rv}), include, jiff::Timestamp::now());
                event_line(kind, &table)
            }
            None => event_line(kind, &object),
        }
    }

    fn bookmark(&self, rv: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        event_line(
            "BOOKMARK",
            &json!({"kind": self.res.kind, "apiVersion": self.res.api_version(), "metadata": metadata}),
        )
    }
}

fn event_line(kind: &str, object: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

fn streaming_response(rx: mpsc::Receiver<Bytes>) -> Response<Body> {
    let stream = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
        .map(Ok::<Bytes, Infallible>);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

/// Start a watch: what to replay is decided under the store lock, the rest streams from a task.
pub fn start(shared: Arc<Shared>, req: WatchRequest) -> Response<Body> {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let token = shared.watch_token();
    let (initial, live, start_rv) = {
        let store = shared.store();
        let live = store.subscribe();
        let rv = store.resource_version();
        match req.resource_version {
            None => {
                let objects: Vec<Value> = store
                    .list(req.res.storage, req.namespace.as_deref())
                    .filter(|(_, obj)| req.selected(obj))
                    .map(|(_, obj)| obj.clone())
                    .collect();
                (Initial::Current(objects), live, rv)
            }
            Some(from) => match store.history_since(req.res.storage, from) {
                Ok(events) => (Initial::Replay(events), live, rv),
                Err(floor) => {
                    let status = ApiError::expired(format!("too old resource version: {from} ({floor})")).to_status();
                    // One ERROR event, then the end of the stream, as a real server does.
                    let _ = tx.try_send(event_line("ERROR", &status));
                    return streaming_response(rx);
                }
            },
        }
    };
    tokio::spawn(async move {
        let feed = Feed { tx, shared, req };
        feed.run(initial, live, start_rv, token).await;
    });
    streaming_response(rx)
}

enum Initial {
    Current(Vec<Value>),
    Replay(Vec<Arc<WatchEvent>>),
}

struct Feed {
    tx: mpsc::Sender<Bytes>,
    shared: Arc<Shared>,
    req: WatchRequest,
}

impl Feed {
    /// Send a line; `false` once the client has gone.
    async fn send(&self, line: Bytes) -> bool {
        self.tx.send(line).await.is_ok()
    }

    async fn send_event(&self, event: &WatchEvent) -> bool {
        match self.req.view(event) {
            Some((kind, obj)) => self.send(self.req.line(kind, obj, &self.shared)).await,
            None => true,
        }
    }

    async fn run(
        self,
        initial: Initial,
        mut live: broadcast::Receiver<Arc<WatchEvent>>,
        start_rv: u64,
        token: tokio_util::sync::CancellationToken,
    ) {
        let mut last_rv = start_rv;
        match initial {
            Initial::Current(objects) => {
                for obj in &objects {
                    if !self.send(self.req.line("ADDED", obj, &self.shared)).await {
                        return;
                    }
                }
                if self.req.send_initial_events && !self.send(self.req.bookmark(start_rv, true)).await {
                    return;
                }
            }
            Initial::Replay(events) => {
                for event in &events {
                    if !self.send_event(event).await {
                        return;
                    }
                }
            }
        }
        let deadline = self.req.timeout.map(|t| tokio::time::Instant::now() + t);
        let period = self.shared.opts.bookmark_interval.max(Duration::from_millis(10));
        let mut bookmarks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            let until_deadline = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            let alive = tokio::select! {
                biased;
                _ = token.cancelled() => false,
                _ = until_deadline => false,
                received = live.recv() => match received {
                    Ok(event) if event.rv > last_rv => {
                        last_rv = event.rv;
                        self.send_event(&event).await
                    }
                    Ok(_) => true,
                    // A lagging watcher is cut off; the client re-watches from its last resourceVersion.
                    Err(_) => false,
                },
                _ = bookmarks.tick(), if self.req.bookmarks => {
                    // Everything up to `rv` was broadcast under the lock, so drain it before promising `rv`.
                    let rv = self.shared.store().resource_version();
                    let mut ok = true;
                    while ok {
                        match live.try_recv() {
                            Ok(event) if event.rv > last_rv => {
                                last_rv = event.rv;
                                ok = self.send_event(&event).await;
                            }
                            Ok(_) => {}
                            Err(broadcast::error::TryRecvError::Empty) => break,
                            Err(_) => ok = false,
                        }
                    }
                    ok && self.send(self.req.bookmark(rv.max(last_rv), false)).await
                }
            };
            if !alive {
                return;
            }
        }
    }
}
