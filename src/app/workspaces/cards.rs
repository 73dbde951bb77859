//! The workspace view's cards: one per app, built from the watches' caches, the bindings and the repos read.
//! Built in `update` when something they read changed, never while drawing.
use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};

use super::filter::Filter;
use crate::analysis::Health;
use crate::analysis::rollout::{Rollout, rollout_state};
use crate::analysis::summary::deployment_summary;
use crate::cluster::Scope;
use crate::git::RepoState;
use crate::git::deployed::{Deployed, Running, compare};
use crate::store::AppBinding;

/// One app as its card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCard {
    pub namespace: String,
    /// `Deployment` (StatefulSet and DaemonSet once mosaic watches them).
    pub kind: &'static str,
    pub name: String,
    pub ready: u32,
    pub desired: u32,
    pub rollout: Rollout,
    /// The app's pods, by name, with their health (from the pod list's rows).
    pub pods: Vec<(String, Health)>,
    /// `container=image` per container of the pod template.
    pub images: Vec<(String, String)>,
    /// The Services selecting the app's pods, by name.
    pub services: Vec<String>,
    /// The app's pod selector (`matchLabels`), to list its pods.
    pub selector: BTreeMap<String, String>,
    pub binding: Option<AppBinding>,
    /// The bound repo as last read; `None` while it is being read (or when unbound).
    pub repo: Option<RepoState>,
    /// Whether the repo's HEAD runs; `None` without a readable repo.
    pub deployed: Option<Deployed>,
}

impl AppCard {
    /// `web.shop.svc.cluster.local`
    pub fn dns(&self, service: &str) -> String {
        format!("{service}.{}.svc.cluster.local", self.namespace)
    }

    pub fn health(&self) -> Health {
        match (&self.rollout, self.ready >= self.desired) {
            (Rollout::Stuck(_), _) => Health::Error,
            (_, false) if self.ready == 0 && self.desired > 0 => Health::Error,
            (Rollout::Progressing(_), _) | (_, false) => Health::Warning,
            (Rollout::Complete, true) => Health::Ok,
        }
    }
}

/// What the cards are built from, apart from the caches.
pub struct Inputs<'a> {
    pub filter: &'a Filter,
    pub scopes: &'a [Scope],
    pub bindings: &'a [AppBinding],
    pub repos: &'a BTreeMap<PathBuf, RepoState>,
}

/// The cards of every Deployment in the scopes that the workspace's filter lets through, by namespace and name.
pub fn build(
    deployments: &crate::app::cache::ObjectCache<Deployment>,
    pods: &crate::app::cache::ObjectCache<Pod>,
    services: &crate::app::cache::ObjectCache<Service>,
    inputs: &Inputs,
) -> Vec<AppCard> {
    let mut cards = Vec::new();
    let services: Vec<Service> = services.entries(inputs.scopes).filter_map(|(_, e)| e.object()).collect();
    // Pods by namespace, read back once for all cards.
    let mut pods_by_ns: BTreeMap<String, Vec<(Pod, Health)>> = BTreeMap::new();
    for ((ns, _), entry) in pods.entries(inputs.scopes) {
        if let Some(pod) = entry.object() {
            pods_by_ns.entry(ns.clone()).or_default().push((pod, entry.row.health));
        }
    }
    for ((namespace, name), entry) in deployments.entries(inputs.scopes) {
        let Some(deployment) = entry.object() else { continue };
        let labels = deployment.metadata.labels.clone().unwrap_or_default();
        if !inputs.filter.matches(namespace, name, &labels) {
            continue;
        }
        cards.push(card(namespace, name, &deployment, &pods_by_ns, &services, inputs));
    }
    cards.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    cards.dedup_by(|a, b| a.namespace == b.namespace && a.name == b.name);
    cards
}

fn card(
    namespace: &str,
    name: &str,
    deployment: &Deployment,
    pods_by_ns: &BTreeMap<String, Vec<(Pod, Health)>>,
    services: &[Service],
    inputs: &Inputs,
) -> AppCard {
    let summary = deployment_summary(deployment);
    let spec = deployment.spec.clone().unwrap_or_default();
    let selector = spec.selector.match_labels.clone().unwrap_or_default();
    let template_labels = spec.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
    let app_pods: Vec<&(Pod, Health)> = pods_by_ns
        .get(namespace)
        .map(|pods| {
            pods.iter()
                .filter(|(pod, _)| {
                    let labels = pod.metadata.labels.clone().unwrap_or_default();
                    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
                })
                .collect()
        })
        .unwrap_or_default();
    let images = spec
        .template
        .spec
        .as_ref()
        .map(|s| s.containers.iter().map(|c| (c.name.clone(), c.image.clone().unwrap_or_default())).collect())
        .unwrap_or_default();
    let services = services
        .iter()
        .filter(|svc| svc.metadata.namespace.as_deref() == Some(namespace))
        .filter(|svc| {
            let selects = svc.spec.as_ref().and_then(|s| s.selector.as_ref());
            selects.is_some_and(|sel| !sel.is_empty() && sel.iter().all(|(k, v)| template_labels.get(k) == Some(v)))
        })
        .filter_map(|svc| svc.metadata.name.clone())
        .collect();
    let binding =
        inputs.bindings.iter().find(|b| b.namespace == namespace && b.kind == "Deployment" && b.name == name).cloned();
    let repo = binding.as_ref().and_then(|b| b.repo_path.as_ref()).and_then(|p| inputs.repos.get(p)).cloned();
    let deployed = repo.as_ref().and_then(RepoState::ready).map(|status| {
        let pods: Vec<Pod> = app_pods.iter().map(|(p, _)| p.clone()).collect();
        let running = Running::new(deployment.metadata.annotations.as_ref(), &spec.template, &pods);
        let image_repo = binding.as_ref().and_then(|b| b.image_repo.as_deref());
        compare(&running, status.head.as_ref(), None, image_repo, None)
    });
    AppCard {
        namespace: namespace.to_string(),
        kind: "Deployment",
        name: name.to_string(),
        ready: summary.ready_replicas,
        desired: summary.desired,
        rollout: rollout_state(deployment),
        pods: app_pods.iter().map(|(p, h)| (p.metadata.name.clone().unwrap_or_default(), *h)).collect(),
        images,
        services,
        selector,
        binding,
        repo,
        deployed,
    }
}
