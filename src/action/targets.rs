//! What an action points at: workload kinds, any object by reference, and a pod's controller.
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::discovery::ApiResource;

use crate::cluster::Kind;

/// Workloads with a `scale` subresource that mosaic scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScaleKind {
    Deployment,
    StatefulSet,
}

/// Workloads with a pod template that mosaic restarts or re-images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl From<ScaleKind> for WorkloadKind {
    fn from(kind: ScaleKind) -> Self {
        match kind {
            ScaleKind::Deployment => WorkloadKind::Deployment,
            ScaleKind::StatefulSet => WorkloadKind::StatefulSet,
        }
    }
}

impl WorkloadKind {
    /// As kubectl and people say it: `deployment`.
    pub fn noun(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::DaemonSet => "daemonset",
        }
    }

    /// The resource in URLs and RBAC rules: `deployments`.
    pub fn plural(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "deployments",
            WorkloadKind::StatefulSet => "statefulsets",
            WorkloadKind::DaemonSet => "daemonsets",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
        }
    }

    pub(crate) fn api_resource(self) -> ApiResource {
        api_resource("apps", "v1", self.kind(), self.plural())
    }
}

/// Any object, named the way the API server routes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    /// `Deployment`
    pub kind: String,
    /// `deployments`
    pub plural: String,
    /// `None` for cluster-scoped objects (nodes, namespaces).
    pub namespace: Option<String>,
    pub name: String,
}

/// Groups whose kinds kubectl resolves by their bare name without ambiguity.
const BARE_NAME_GROUPS: [&str; 3] = ["", "apps", "batch"];

impl ObjectRef {
    /// An object of one of the kinds mosaic watches.
    pub fn of(kind: Kind, namespace: Option<&str>, name: &str) -> ObjectRef {
        let version = kind.versions().first().copied().unwrap_or("v1");
        let kind_name = kind.kind_name();
        ObjectRef {
            group: kind.group().into(),
            version: version.into(),
            kind: kind_name.into(),
            plural: kind.plural().into(),
            namespace: if kind.namespaced() { namespace.map(str::to_string) } else { None },
            name: name.into(),
        }
    }

    /// Any object, from its `apiVersion` (`apps/v1`, `v1`), kind and plural, as discovery names them.
    pub fn new(api_version: &str, kind: &str, plural: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        ObjectRef {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespace: namespace.map(str::to_string),
            name: name.into(),
        }
    }

    /// `deployment web in shop`, `node worker-1`.
    pub fn words(&self) -> String {
        let kind = self.kind.to_lowercase();
        match &self.namespace {
            Some(ns) => format!("{kind} {} in {ns}", self.name),
            None => format!("{kind} {}", self.name),
        }
    }

    /// How kubectl is told the type: `deployment`, or `ingress.networking.k8s.io` outside the core groups,
    /// so the line never depends on how the user's kubectl resolves short names.
    pub fn kubectl_type(&self) -> String {
        let kind = self.kind.to_lowercase();
        if BARE_NAME_GROUPS.contains(&self.group.as_str()) { kind } else { format!("{kind}.{}", self.group) }
    }

    pub(crate) fn api_resource(&self) -> ApiResource {
        api_resource(&self.group, &self.version, &self.kind, &self.plural)
    }
}

/// The controller that owns a pod (its `ownerReferences` entry with `controller: true`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PodController {
    /// `ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job`, or a custom kind.
    pub kind: String,
    pub name: String,
}

impl PodController {
    /// The controller among a pod's owner references, if it has one.
    pub fn from_owners(owners: &[OwnerReference]) -> Option<PodController> {
        owners
            .iter()
            .find(|o| o.controller == Some(true))
            .map(|o| PodController { kind: o.kind.clone(), name: o.name.clone() })
    }
}

fn api_resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: if group.is_empty() { version.into() } else { format!("{group}/{version}") },
        kind: kind.into(),
        plural: plural.into(),
    }
}

/// The one namespaced object an action acts on, as the transcript records it for the app's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionTarget {
    pub namespace: String,
    /// kubectl's lowercase noun: `deployment`, `pod`, `service`, `cronjob`.
    pub kind: String,
    pub name: String,
}

impl ActionTarget {
    fn new(namespace: &str, kind: &str, name: &str) -> Option<ActionTarget> {
        Some(ActionTarget { namespace: namespace.into(), kind: kind.into(), name: name.into() })
    }

    /// The app it is part of when it is not a pod: the object itself (`deployment/checkout`, `service/checkout`).
    /// A pod's app is its owner, which only the pod itself can tell.
    pub fn own_app(&self) -> Option<String> {
        (self.kind != "pod").then(|| format!("{}/{}", self.kind, self.name))
    }
}

impl super::Action {
    /// What it acts on, for the app's history. Reads (describe, YAML, lists, logs) act on nothing; nodes belong to
    /// no app; the HTTP sender's request names only a URL (its caller knows the row it was sent from).
    pub fn target(&self) -> Option<ActionTarget> {
        use super::Action as A;
        match self {
            A::Scale { kind, namespace, name, .. } => {
                ActionTarget::new(namespace, WorkloadKind::from(*kind).noun(), name)
            }
            A::RolloutRestart { kind, namespace, name }
            | A::SetImage { kind, namespace, name, .. }
            | A::AnnotateCommit { kind, namespace, name, .. }
            | A::ForcePull { kind, namespace, name, .. } => ActionTarget::new(namespace, kind.noun(), name),
            A::Rollback { kind, namespace, name, .. } => ActionTarget::new(namespace, kind.noun(), name),
            A::DeletePod { namespace, name, .. } => ActionTarget::new(namespace, "pod", name),
            A::Edit { target, .. } | A::Delete { target } => {
                ActionTarget::new(target.namespace.as_deref()?, &target.kind.to_lowercase(), &target.name)
            }
            A::SuspendCronJob { namespace, name, .. } => ActionTarget::new(namespace, "cronjob", name),
            A::TriggerCronJob { namespace, cronjob, .. } => ActionTarget::new(namespace, "cronjob", cronjob),
            A::Exec { namespace, pod, .. } | A::Shell { namespace, pod, .. } => {
                ActionTarget::new(namespace, "pod", pod)
            }
            A::PortForward { namespace, target: super::ForwardTarget::Pod(pod), .. } => {
                ActionTarget::new(namespace, "pod", pod)
            }
            A::PortForward { namespace, target: super::ForwardTarget::Service(service), .. } => {
                ActionTarget::new(namespace, "service", service)
            }
            A::Probe { service, pod, .. } => ActionTarget::new(&pod.namespace, "service", service),
            A::Cordon { .. }
            | A::Drain { .. }
            | A::Describe { .. }
            | A::Yaml { .. }
            | A::List { .. }
            | A::Logs { .. }
            | A::SendHttp { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Action, ForwardTarget};
    use super::*;

    #[test]
    fn an_action_names_what_it_acts_on_and_reads_name_nothing() {
        let restart =
            Action::RolloutRestart { kind: WorkloadKind::StatefulSet, namespace: "shop".into(), name: "redis".into() };
        let target = restart.target().expect("a target");
        assert_eq!((target.kind.as_str(), target.name.as_str()), ("statefulset", "redis"));
        assert_eq!(target.own_app().as_deref(), Some("statefulset/redis"));

        let delete =
            Action::DeletePod { namespace: "shop".into(), name: "cart-1".into(), grace_period: None, controller: None };
        let target = delete.target().expect("a target");
        assert_eq!(target.kind, "pod");
        assert_eq!(target.own_app(), None, "a pod's app is its owner, read from the pod");

        let forward = Action::PortForward {
            namespace: "shop".into(),
            target: ForwardTarget::Service("cart".into()),
            local: 0,
            remote: 80,
        };
        assert_eq!(forward.target().and_then(|t| t.own_app()).as_deref(), Some("service/cart"));
        let edit = Action::Delete { target: ObjectRef::of(Kind::Deployment, Some("shop"), "cart") };
        assert_eq!(edit.target().and_then(|t| t.own_app()).as_deref(), Some("deployment/cart"));

        assert_eq!(Action::Cordon { node: "n1".into(), unschedulable: true }.target(), None, "nodes are no app's");
        assert_eq!(Action::Yaml { target: ObjectRef::of(Kind::Deployment, Some("shop"), "cart") }.target(), None);
    }
}
