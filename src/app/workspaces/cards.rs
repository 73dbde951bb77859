//! The workspace view's cards: one per app, built from the watches' caches, the bindings and the repos read.
//! Built in `update` when something they read changed, never while drawing.
use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec, Service};
use kube::api::DynamicObject;

use super::filter::Filter;
use crate::action::WorkloadKind;
use crate::action::rollout::{Progress, progress};
use crate::analysis::Health;
use crate::analysis::rollout::{Rollout, rollout_state};
use crate::analysis::summary::deployment_summary;
use crate::cluster::Scope;
use crate::git::RepoState;
use crate::git::deployed::{Answer, Built, Deployed, Running, compare};
use crate::git::{CommitInfo, RepoStatus};
use crate::store::AppBinding;

/// One app as its card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppCard {
    pub namespace: String,
    /// `Deployment`, `StatefulSet` or `DaemonSet`.
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
    /// The images mosaic built for the context's apps, newest first.
    pub built: &'a [crate::store::BuiltImage],
}

/// The caches the cards are built from.
pub struct Caches<'a> {
    pub deployments: &'a crate::app::cache::ObjectCache<Deployment>,
    pub statefulsets: &'a crate::app::cache::ObjectCache<DynamicObject>,
    pub daemonsets: &'a crate::app::cache::ObjectCache<DynamicObject>,
    pub pods: &'a crate::app::cache::ObjectCache<Pod>,
    pub services: &'a crate::app::cache::ObjectCache<Service>,
}

/// What a card reads of a workload, whatever its kind.
struct Workload {
    kind: &'static str,
    namespace: String,
    name: String,
    labels: BTreeMap<String, String>,
    annotations: Option<BTreeMap<String, String>>,
    selector: BTreeMap<String, String>,
    template: PodTemplateSpec,
    ready: u32,
    desired: u32,
    rollout: Rollout,
}

fn count(v: Option<i32>) -> u32 {
    u32::try_from(v.unwrap_or(0)).unwrap_or(0)
}

fn of_deployment(namespace: &str, name: &str, d: &Deployment) -> Workload {
    let summary = deployment_summary(d);
    let spec = d.spec.clone().unwrap_or_default();
    Workload {
        kind: "Deployment",
        namespace: namespace.into(),
        name: name.into(),
        labels: d.metadata.labels.clone().unwrap_or_default(),
        annotations: d.metadata.annotations.clone(),
        selector: spec.selector.match_labels.clone().unwrap_or_default(),
        template: spec.template,
        ready: summary.ready_replicas,
        desired: summary.desired,
        rollout: rollout_state(d),
    }
}

/// A StatefulSet or DaemonSet from the dynamic cache: its rollout state as `kubectl rollout status` reads it.
fn of_dynamic(kind: WorkloadKind, namespace: &str, name: &str, obj: &DynamicObject) -> Option<Workload> {
    let json = serde_json::to_value(obj).ok()?;
    let rollout = match progress(kind, &json) {
        Progress::Done(_) => Rollout::Complete,
        Progress::Waiting(text) => Rollout::Progressing(text.trim_end_matches('.').to_string()),
        Progress::Failed(text) => Rollout::Stuck(text),
    };
    let (kind_name, selector, template, ready, desired) = match kind {
        WorkloadKind::StatefulSet => {
            let set: StatefulSet = serde_json::from_value(json).ok()?;
            let spec = set.spec.unwrap_or_default();
            let status = set.status.unwrap_or_default();
            let desired = count(Some(spec.replicas.unwrap_or(1)));
            ("StatefulSet", spec.selector.match_labels, spec.template, count(status.ready_replicas), desired)
        }
        _ => {
            let set: DaemonSet = serde_json::from_value(json).ok()?;
            let spec = set.spec.unwrap_or_default();
            let status = set.status.unwrap_or_default();
            let desired = count(Some(status.desired_number_scheduled));
            ("DaemonSet", spec.selector.match_labels, spec.template, count(Some(status.number_ready)), desired)
        }
    };
    Some(Workload {
        kind: kind_name,
        namespace: namespace.into(),
        name: name.into(),
        labels: obj.metadata.labels.clone().unwrap_or_default(),
        annotations: obj.metadata.annotations.clone(),
        selector: selector.unwrap_or_default(),
        template,
        ready,
        desired,
        rollout,
    })
}

/// The cards of every Deployment, StatefulSet and DaemonSet in the scopes that the workspace's filter lets
/// through, by namespace and name.
pub fn build(caches: &Caches, inputs: &Inputs) -> Vec<AppCard> {
    let mut cards = Vec::new();
    let services: Vec<Service> = caches.services.entries(inputs.scopes).filter_map(|(_, e)| e.object()).collect();
    // Pods by namespace, read back once for all cards.
    let mut pods_by_ns: BTreeMap<String, Vec<(Pod, Health)>> = BTreeMap::new();
    for ((ns, _), entry) in caches.pods.entries(inputs.scopes) {
        if let Some(pod) = entry.object() {
            pods_by_ns.entry(ns.clone()).or_default().push((pod, entry.row.health));
        }
    }
    let mut workloads: Vec<Workload> = caches
        .deployments
        .entries(inputs.scopes)
        .filter_map(|((ns, name), entry)| Some(of_deployment(ns, name, &entry.object()?)))
        .collect();
    for (kind, cache) in
        [(WorkloadKind::StatefulSet, caches.statefulsets), (WorkloadKind::DaemonSet, caches.daemonsets)]
    {
        workloads.extend(
            cache.entries(inputs.scopes).filter_map(|((ns, name), entry)| of_dynamic(kind, ns, name, &entry.object()?)),
        );
    }
    for workload in workloads {
        if inputs.filter.matches(&workload.namespace, &workload.name, &workload.labels) {
            cards.push(card(workload, &pods_by_ns, &services, inputs));
        }
    }
    cards.sort_by(|a, b| (&a.namespace, &a.name, a.kind).cmp(&(&b.namespace, &b.name, b.kind)));
    cards.dedup_by(|a, b| a.namespace == b.namespace && a.name == b.name && a.kind == b.kind);
    cards
}

fn card(
    w: Workload,
    pods_by_ns: &BTreeMap<String, Vec<(Pod, Health)>>,
    services: &[Service],
    inputs: &Inputs,
) -> AppCard {
    let namespace = w.namespace.as_str();
    let selector = w.selector;
    let template_labels = w.template.metadata.as_ref().and_then(|m| m.labels.clone()).unwrap_or_default();
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
    let images = w
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
        inputs.bindings.iter().find(|b| b.namespace == namespace && b.kind == w.kind && b.name == w.name).cloned();
    let repo = binding.as_ref().and_then(|b| b.repo_path.as_ref()).and_then(|p| inputs.repos.get(p)).cloned();
    let deployed = repo.as_ref().and_then(RepoState::ready).map(|status| {
        let pods: Vec<Pod> = app_pods.iter().map(|(p, _)| p.clone()).collect();
        let running = Running::new(w.annotations.as_ref(), &w.template, &pods);
        let image_repo = binding.as_ref().and_then(|b| b.image_repo.as_deref());
        let built: Vec<Built> = inputs
            .built
            .iter()
            .filter(|b| b.namespace == w.namespace && b.kind == w.kind && b.name == w.name)
            .map(|b| Built { digest: b.digest.clone(), sha: b.sha.clone() })
            .collect();
        let branch = binding.as_ref().and_then(|b| b.compare_branch.as_deref()).map(|name| {
            (name, status.branches.iter().find(|b| b.name == name).map(|tip| branch_tip(status, &tip.sha)))
        });
        let mut deployed = compare(
            &running,
            status.head.as_ref(),
            branch.as_ref().and_then(|(name, tip)| Some((*name, tip.as_ref()?))),
            image_repo,
            &built,
        );
        // A branch the repo does not have is still named, with an answer that says so.
        if let Some((name, None)) = branch {
            deployed.branch = Some((name.to_string(), Answer::Unknown));
            deployed.notes.push(format!("the repo has no local branch {name}"));
        }
        deployed
    });
    AppCard {
        namespace: w.namespace.clone(),
        kind: w.kind,
        name: w.name,
        ready: w.ready,
        desired: w.desired,
        rollout: w.rollout,
        pods: app_pods.iter().map(|(p, h)| (p.metadata.name.clone().unwrap_or_default(), *h)).collect(),
        images,
        services,
        selector,
        binding,
        repo,
        deployed,
    }
}

/// The compared branch's tip as a commit: from the commits read when it is one of them, else its SHA alone
/// (the comparison needs only the SHA).
fn branch_tip(status: &RepoStatus, sha: &str) -> CommitInfo {
    status.commits.iter().find(|c| c.sha == sha).cloned().unwrap_or_else(|| CommitInfo {
        sha: sha.to_string(),
        subject: String::new(),
        author: String::new(),
        time: jiff::Timestamp::UNIX_EPOCH,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::cache::ObjectCache;
    use crate::cluster::{Kind, WatchUpdate};
    use serde_json::json;

    fn now() -> jiff::Timestamp {
        "2026-11-22T03:35:00Z".parse().unwrap()
    }

    fn dynamic(kind: Kind, objects: Vec<serde_json::Value>) -> ObjectCache<DynamicObject> {
        let mut cache = ObjectCache::default();
        let items = objects.into_iter().map(|o| serde_json::from_value(o).unwrap()).collect();
        let update = WatchUpdate::Page { items, first: true, last: true };
        cache.apply_with(&Scope::All, update, now(), |o, now| crate::app::kind_rows::row(kind, o, now));
        cache
    }

    /// Shaped like what a 1.19 control plane serves for a StatefulSet mid-rollout and a settled DaemonSet.
    fn statefulset() -> serde_json::Value {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "redis", "namespace": "shop", "generation": 2, "labels": {"app": "redis"}},
            "spec": {
                "replicas": 3, "serviceName": "redis",
                "selector": {"matchLabels": {"app": "redis"}},
                "template": {"metadata": {"labels": {"app": "redis"}},
                             "spec": {"containers": [{"name": "redis", "image": "redis:6.0.9"}]}}
            },
            "status": {"observedGeneration": 2, "replicas": 3, "readyReplicas": 2, "currentReplicas": 2,
                       "updatedReplicas": 1, "currentRevision": "redis-5d8", "updateRevision": "redis-7f9"}
        })
    }

    fn daemonset() -> serde_json::Value {
        json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system", "generation": 1},
            "spec": {
                "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}},
                             "spec": {"containers": [{"name": "kube-proxy", "image": "k8s.gcr.io/kube-proxy:v1.19.0"}]}}
            },
            "status": {"observedGeneration": 1, "currentNumberScheduled": 3, "desiredNumberScheduled": 3,
                       "numberAvailable": 3, "numberMisscheduled": 0, "numberReady": 3, "updatedNumberScheduled": 3}
        })
    }

    #[test]
    fn statefulsets_and_daemonsets_get_cards_with_their_rollout_state() {
        let (deployments, pods, services) = (ObjectCache::default(), ObjectCache::default(), ObjectCache::default());
        let statefulsets = dynamic(Kind::StatefulSet, vec![statefulset()]);
        let daemonsets = dynamic(Kind::DaemonSet, vec![daemonset()]);
        let caches = Caches {
            deployments: &deployments,
            statefulsets: &statefulsets,
            daemonsets: &daemonsets,
            pods: &pods,
            services: &services,
        };
        let mut binding = AppBinding::new("ctx", "shop", "StatefulSet", "redis");
        binding.image_repo = Some("redis".into());
        let (filter, repos) = (Filter::default(), BTreeMap::new());
        let bindings = [binding];
        let inputs = Inputs { filter: &filter, scopes: &[Scope::All], bindings: &bindings, repos: &repos, built: &[] };
        let cards = build(&caches, &inputs);
        let names: Vec<(&str, &str)> = cards.iter().map(|c| (c.kind, c.name.as_str())).collect();
        assert_eq!(names, [("DaemonSet", "kube-proxy"), ("StatefulSet", "redis")]);
        let (proxy, redis) = (&cards[0], &cards[1]);
        assert_eq!((proxy.ready, proxy.desired, proxy.rollout.clone()), (3, 3, Rollout::Complete));
        assert_eq!((redis.ready, redis.desired), (2, 3));
        assert_eq!(redis.rollout, Rollout::Progressing("Waiting for 3 pods to be ready".into()));
        assert_eq!(redis.images, [("redis".to_string(), "redis:6.0.9".to_string())]);
        assert_eq!(redis.selector.get("app").map(String::as_str), Some("redis"));
        assert!(redis.binding.is_some(), "bound by kind StatefulSet");
        assert!(proxy.binding.is_none());
    }

    #[test]
    fn a_card_compares_the_chosen_branch_and_reads_the_digest_of_an_image_mosaic_built() {
        const HEAD: &str = "3f2a9c1d4e5f60718293a4b5c6d7e8f901234567";
        const RELEASE: &str = "1b2c3d4e5f60718293a4b5c6d7e8f90123456789";
        let digest = format!("sha256:{}", "ab".repeat(32));
        let (deployments, services) = (ObjectCache::default(), ObjectCache::default());
        let statefulsets = dynamic(Kind::StatefulSet, vec![statefulset()]);
        let daemonsets = ObjectCache::default();
        let mut pods = ObjectCache::default();
        let pod: Pod = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "redis-0", "namespace": "shop", "labels": {"app": "redis"}},
            "spec": {"containers": [{"name": "redis", "image": "redis:6.0.9"}]},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "redis", "image": "redis:6.0.9", "imageID": format!("docker.io/library/redis@{digest}"),
                "ready": true, "restartCount": 0, "state": {"running": {}}}]}
        }))
        .unwrap();
        pods.apply(&Scope::All, WatchUpdate::Page { items: vec![pod], first: true, last: true }, now());
        let caches = Caches {
            deployments: &deployments,
            statefulsets: &statefulsets,
            daemonsets: &daemonsets,
            pods: &pods,
            services: &services,
        };
        let path = PathBuf::from("/src/redis");
        let mut binding = AppBinding::new("ctx", "shop", "StatefulSet", "redis");
        binding.repo_path = Some(path.clone());
        binding.compare_branch = Some("release".into());
        let commit = |sha: &str| CommitInfo {
            sha: sha.into(),
            subject: "s".into(),
            author: "a".into(),
            time: jiff::Timestamp::UNIX_EPOCH,
        };
        let status = RepoStatus {
            path: path.clone(),
            branch: Some("main".into()),
            head: Some(commit(HEAD)),
            upstream: None,
            changed_files: 0,
            commits: vec![commit(HEAD)],
            branches: vec![
                crate::git::BranchInfo { name: "main".into(), sha: HEAD.into(), is_head: true },
                crate::git::BranchInfo { name: "release".into(), sha: RELEASE.into(), is_head: false },
            ],
            remote_url: None,
        };
        let repos = BTreeMap::from([(path, RepoState::Ready(Box::new(status)))]);
        let built = |sha: &str, digest: &str, name: &str| crate::store::BuiltImage {
            context: "ctx".into(),
            namespace: "shop".into(),
            kind: "StatefulSet".into(),
            name: name.into(),
            sha: sha.into(),
            image: format!("ghcr.io/acme/redis:{}", &sha[..7]),
            digest: digest.into(),
            built_at: jiff::Timestamp::UNIX_EPOCH,
        };
        // The newest build (HEAD) is not what runs; the release build is, and another app's build is ignored.
        let images = [
            built(HEAD, &format!("sha256:{}", "cd".repeat(32)), "redis"),
            built(HEAD, &digest, "other"),
            built(RELEASE, &digest, "redis"),
        ];
        let (filter, bindings) = (Filter::default(), [binding]);
        let inputs =
            Inputs { filter: &filter, scopes: &[Scope::All], bindings: &bindings, repos: &repos, built: &images };
        let card = build(&caches, &inputs).into_iter().find(|c| c.name == "redis").unwrap();
        let deployed = card.deployed.expect("compared");
        assert_eq!(deployed.head, Answer::No);
        assert_eq!(deployed.branch, Some(("release".into(), Answer::Yes)));
        assert_eq!(deployed.running_sha.as_deref(), Some(RELEASE));
        assert!(deployed.evidence.words().contains("digest"), "{}", deployed.evidence.words());

        // A branch the repo lacks is named, unknown, with a note.
        let mut bindings = bindings;
        bindings[0].compare_branch = Some("nope".into());
        let inputs =
            Inputs { filter: &filter, scopes: &[Scope::All], bindings: &bindings, repos: &repos, built: &images };
        let card = build(&caches, &inputs).into_iter().find(|c| c.name == "redis").unwrap();
        let deployed = card.deployed.expect("compared");
        assert_eq!(deployed.branch, Some(("nope".into(), Answer::Unknown)));
        assert!(deployed.notes.iter().any(|n| n.contains("no local branch nope")), "{:?}", deployed.notes);
    }
}
