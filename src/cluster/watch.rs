//! One list-then-watch loop per kind and scope.
//!
//! Why not `kube::runtime::watcher`: it hides bookmarks and successful re-watches, so after a dropped
//! connection the UI could not tell "reconnecting" from "live" until some object happened to change. This loop
//! uses kube's `Api::list`/`Api::watch` with the same semantics (paged initial list, resume from the last
//! resourceVersion, 410 Gone → relist, bookmarks) and reports every state change.
use std::fmt::Debug;
use std::time::Duration;

use std::future::Future;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, ListParams, ObjectList, WatchEvent, WatchParams};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tracing::{debug, info, warn};

use super::errors::Failure;

/// The rest of a list comes in pages of this many objects.
pub const PAGE_SIZE: u32 = 500;
/// The first page is small so it arrives, parses and paints at once; the rest fills in behind it.
pub const FIRST_PAGE_SIZE: u32 = 100;
/// Servers end a watch after this; the loop re-watches from the last resourceVersion, without a LIST.
const WATCH_TIMEOUT_SECS: u32 = 290;
const BACKOFF_START: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(15);

/// Where a watch is, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    /// The initial list is under way.
    Listing,
    /// Listed, and the watch is open.
    Live,
    /// The connection was lost; retrying with backoff. The data shown is as of the last event.
    Reconnecting { error: String },
    /// 403: this user may not list or watch this kind here. The loop has stopped.
    Forbidden { message: String },
    /// 404: the server does not serve this kind. The loop has stopped.
    Unavailable { message: String },
}

/// What a watch loop reports. Objects arrive with managedFields and last-applied annotations stripped.
#[derive(Debug, Clone)]
pub enum WatchUpdate<K> {
    State(WatchState),
    /// One page of a (re)list. `first` starts a new listing; `last` completes it, and any object not listed since
    /// `first` is gone.
    Page {
        items: Vec<K>,
        first: bool,
        last: bool,
    },
    Applied(K),
    Deleted(K),
}

/// Remove what no view shows, before it is stored: managedFields are often half of an object's size.
pub fn strip<K: Resource>(obj: &mut K) {
    let meta = obj.meta_mut();
    meta.managed_fields = None;
    if let Some(annotations) = meta.annotations.as_mut() {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        if annotations.is_empty() {
            meta.annotations = None;
        }
    }
}

/// Where a watch loop lists and watches: a typed `Api`, or the server's Table representation of any kind
/// (`table_watch`).
pub trait Source<K: Clone>: Send + Sync {
    fn list(&self, params: &ListParams) -> impl Future<Output = kube::Result<ObjectList<K>>> + Send;
    fn watch(
        &self,
        params: &WatchParams,
        rv: &str,
    ) -> impl Future<Output = kube::Result<BoxStream<'static, kube::Result<WatchEvent<K>>>>> + Send;
}

impl<K> Source<K> for Api<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
{
    async fn list(&self, params: &ListParams) -> kube::Result<ObjectList<K>> {
        Api::list(self, params).await
    }
    async fn watch(
        &self,
        params: &WatchParams,
        rv: &str,
    ) -> kube::Result<BoxStream<'static, kube::Result<WatchEvent<K>>>> {
        Ok(Api::watch(self, params, rv).await?.boxed())
    }
}

struct Backoff(Duration);

impl Backoff {
    fn new() -> Self {
        Backoff(BACKOFF_START)
    }
    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
    }
    fn reset(&mut self) {
        self.0 = BACKOFF_START;
    }
}

enum Listed {
    At(String),
    Stop,
}

/// Run until the receiver is gone, or the kind is forbidden or missing. `send` returns false when nobody
/// listens any more.
pub async fn run<K, S, F>(api: S, label: String, send: F)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    S: Source<K>,
    F: Fn(WatchUpdate<K>) -> bool + Send,
{
    let mut backoff = Backoff::new();
    'relist: loop {
        let rv = match list_all(&api, &label, &send, &mut backoff).await {
            Listed::At(rv) => rv,
            Listed::Stop => return,
        };
        let mut rv = rv;
        let mut live = true;
        loop {
            let params = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
            let stream = match api.watch(&params, &rv).await {
                Ok(stream) => stream,
                Err(err) => match Failure::from_kube(&err) {
                    Failure::Forbidden(message) => {
                        send(WatchUpdate::State(WatchState::Forbidden { message }));
                        return;
                    }
                    Failure::Expired(_) => continue 'relist,
                    failure => {
                        debug!(%label, "watch failed to start: {}", failure.summary());
                        if !send(WatchUpdate::State(WatchState::Reconnecting { error: failure.summary() })) {
                            return;
                        }
                        live = false;
                        backoff.wait().await;
                        continue;
                    }
                },
            };
            // The server answered: the watch is open.
            backoff.reset();
            if !live {
                info!(%label, "watch re-established at resourceVersion {rv}");
                if !send(WatchUpdate::State(WatchState::Live)) {
                    return;
                }
                live = true;
            }
            let mut stream = std::pin::pin!(stream.into_stream());
            while let Some(item) = stream.next().await {
                let delivered = match item {
                    Ok(WatchEvent::Added(mut obj)) | Ok(WatchEvent::Modified(mut obj)) => {
                        rv = obj.resource_version().unwrap_or_else(|| rv.clone());
                        strip(&mut obj);
                        send(WatchUpdate::Applied(obj))
                    }
                    Ok(WatchEvent::Deleted(mut obj)) => {
                        rv = obj.resource_version().unwrap_or_else(|| rv.clone());
                        strip(&mut obj);
                        send(WatchUpdate::Deleted(obj))
                    }
                    Ok(WatchEvent::Bookmark(mark)) => {
                        rv = mark.metadata.resource_version;
                        true
                    }
                    Ok(WatchEvent::Error(status)) => match Failure::from_status(&status) {
                        Failure::Expired(message) => {
                            info!(%label, "watch expired ({message}); relisting");
                            continue 'relist;
                        }
                        Failure::Forbidden(message) => {
                            send(WatchUpdate::State(WatchState::Forbidden { message }));
                            return;
                        }
                        failure => {
                            warn!(%label, "watch error event: {}", failure.summary());
                            true
                        }
                    },
                    Err(err) => {
                        let failure = Failure::from_kube(&err);
                        debug!(%label, "watch stream broke: {}", failure.summary());
                        live = false;
                        if !send(WatchUpdate::State(WatchState::Reconnecting { error: failure.summary() })) {
                            return;
                        }
                        backoff.wait().await;
                        break;
                    }
                };
                if !delivered {
                    return;
                }
            }
            // A stream that ends cleanly is the server's timeout: re-watch from where we are, at once.
        }
    }
}

/// The paged initial list. Each page is sent as it arrives.
async fn list_all<K, S, F>(api: &S, label: &str, send: &F, backoff: &mut Backoff) -> Listed
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    S: Source<K>,
    F: Fn(WatchUpdate<K>) -> bool + Send,
{
    'restart: loop {
        let mut continue_token: Option<String> = None;
        let mut first = true;
        loop {
            let mut params = ListParams::default().limit(if first { FIRST_PAGE_SIZE } else { PAGE_SIZE });
            params.continue_token = continue_token.clone();
            match api.list(&params).await {
                Ok(list) => {
                    backoff.reset();
                    continue_token = list.metadata.continue_.filter(|c| !c.is_empty());
                    let last = continue_token.is_none();
                    let mut items = list.items;
                    items.iter_mut().for_each(strip);
                    if first && !send(WatchUpdate::State(WatchState::Live)) {
                        return Listed::Stop;
                    }
                    if !send(WatchUpdate::Page { items, first, last }) {
                        return Listed::Stop;
                    }
                    first = false;
                    if last {
                        let rv = list.metadata.resource_version.unwrap_or_default();
                        return Listed::At(rv);
                    }
                }
                Err(err) => match Failure::from_kube(&err) {
                    Failure::Forbidden(message) => {
                        send(WatchUpdate::State(WatchState::Forbidden { message }));
                        return Listed::Stop;
                    }
                    Failure::NotFound(message) => {
                        info!(%label, "not served by this server: {message}");
                        send(WatchUpdate::State(WatchState::Unavailable { message }));
                        return Listed::Stop;
                    }
                    // A continue token that expired: start the list again.
                    Failure::Expired(_) => continue 'restart,
                    failure => {
                        debug!(%label, "list failed: {}", failure.summary());
                        if !send(WatchUpdate::State(WatchState::Reconnecting { error: failure.summary() })) {
                            return Listed::Stop;
                        }
                        backoff.wait().await;
                        continue 'restart;
                    }
                },
            }
        }
    }
}
