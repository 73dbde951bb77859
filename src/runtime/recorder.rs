//! The event recorder: while mosaic runs, the events of every namespace in view are written to the store,
//! so timelines still show them after the API server has dropped them (about an hour by default). Its own
//! watch per scope, apart from the Events view's, so it records whatever view is open. Pruned periodically
//! to the configured age and row bounds.
use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Event;
use kube::api::Api;
use tokio::task::AbortHandle;
use tracing::{info, warn};

use crate::analysis::explain::PodEvent;
use crate::cluster::watch::{self, WatchUpdate};
use crate::cluster::{Scope, Session};
use crate::config::RecorderConfig;
use crate::store::StoreHandle;

/// How often old events are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(300);

pub struct Recorder {
    store: StoreHandle,
    config: RecorderConfig,
    watches: HashMap<Scope, AbortHandle>,
    pruner: Option<AbortHandle>,
}

impl Recorder {
    pub fn new(store: StoreHandle, config: RecorderConfig) -> Recorder {
        Recorder { store, config, watches: HashMap::new(), pruner: None }
    }

    pub fn store(&self) -> &StoreHandle {
        &self.store
    }

    /// Records the events of `scope` from now on (once per scope), and starts the pruner on first use.
    pub fn watch(&mut self, session: &Session, scope: &Scope) {
        if self.watches.contains_key(scope) {
            return;
        }
        if self.pruner.is_none() {
            self.pruner = Some(spawn_pruner(self.store.clone(), &self.config));
        }
        let api: Api<Event> = match scope {
            Scope::All => Api::all(session.client.clone()),
            Scope::Namespace(ns) => Api::namespaced(session.client.clone(), ns),
        };
        let (store, context) = (self.store.clone(), session.target.context.clone());
        let label = format!("recorded events in {scope}");
        let handle = tokio::spawn(async move {
            watch::run(api, label, move |update| {
                let items: Vec<Event> = match update {
                    WatchUpdate::Page { items, .. } => items,
                    WatchUpdate::Applied(e) => vec![e],
                    // A deleted event is exactly what the recorder is for: keep it.
                    WatchUpdate::Deleted(_) | WatchUpdate::State(_) => Vec::new(),
                };
                if !items.is_empty() {
                    let events = items
                        .iter()
                        .map(|e| (e.metadata.namespace.clone().unwrap_or_default(), PodEvent::from_core(e)));
                    let write = store.record_events(&context, events.collect());
                    tokio::spawn(async move {
                        if let Err(e) = write.await {
                            warn!("event recorder: {e}");
                        }
                    });
                }
                true
            })
            .await;
        });
        info!("recording events in {scope}");
        self.watches.insert(scope.clone(), handle.abort_handle());
    }

    /// Stops recording (the context changed, or mosaic quits); the next `watch` starts again.
    pub fn stop(&mut self) {
        for (_, handle) in self.watches.drain() {
            handle.abort();
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop();
        if let Some(p) = self.pruner.take() {
            p.abort();
        }
    }
}

fn spawn_pruner(store: StoreHandle, config: &RecorderConfig) -> AbortHandle {
    let (max_age, max_rows) = (config.max_age(), config.max_rows);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            match store.prune_events(max_age, max_rows).await {
                Ok(0) => {}
                Ok(n) => info!("event recorder pruned {n} old events"),
                Err(e) => warn!("event recorder could not prune: {e}"),
            }
        }
    })
    .abort_handle()
}
