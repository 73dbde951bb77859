//! The kinds mosaic lists, and how each is named to the API server and to kubectl.
//!
//! Kinds with a typed view are variants; every other kind the server serves (CRDs included) is `Other`, found
//! through discovery and listed with the server's own Table columns.
use std::fmt;

use super::resources::{self, ResourceId};

/// A kind mosaic can list. `Copy`: views, watches and keys carry it everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pod,
    Deployment,
    Service,
    Event,
    Namespace,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    Endpoints,
    EndpointSlice,
    Ingress,
    NetworkPolicy,
    ConfigMap,
    Secret,
    PersistentVolume,
    PersistentVolumeClaim,
    StorageClass,
    Node,
    ServiceAccount,
    Role,
    RoleBinding,
    ClusterRole,
    ClusterRoleBinding,
    /// The containers of one pod (a drill-down view, not an API kind).
    Container,
    /// The kinds the server serves, as `kubectl api-resources` lists them (not an API kind).
    ApiResources,
    /// A kind found through discovery, listed with the server's Table columns.
    Other(ResourceId),
}

/// How a typed kind is named: (kind, plural, group, candidate versions newest first, namespaced, short names).
struct Names {
    kind: &'static str,
    plural: &'static str,
    group: &'static str,
    versions: &'static [&'static str],
    namespaced: bool,
    short: &'static [&'static str],
}

const fn n(
    kind: &'static str,
    plural: &'static str,
    group: &'static str,
    versions: &'static [&'static str],
    namespaced: bool,
    short: &'static [&'static str],
) -> Names {
    Names { kind, plural, group, versions, namespaced, short }
}

const V1: &[&str] = &["v1"];

impl Kind {
    /// The kinds with a typed list view (the API kinds; `Container` and `ApiResources` are views of their own).
    pub const TYPED: [Kind; 25] = [
        Kind::Pod,
        Kind::Deployment,
        Kind::Service,
        Kind::Event,
        Kind::Namespace,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Job,
        Kind::CronJob,
        Kind::Endpoints,
        Kind::EndpointSlice,
        Kind::Ingress,
        Kind::NetworkPolicy,
        Kind::ConfigMap,
        Kind::Secret,
        Kind::PersistentVolume,
        Kind::PersistentVolumeClaim,
        Kind::StorageClass,
        Kind::Node,
        Kind::ServiceAccount,
        Kind::Role,
        Kind::RoleBinding,
        Kind::ClusterRole,
        Kind::ClusterRoleBinding,
    ];
    /// Every kind the keymap is checked against.
    pub const ALL: [Kind; 27] = {
        let mut all = [Kind::Pod; 27];
        let mut i = 0;
        while i < 25 {
            all[i] = Kind::TYPED[i];
            i += 1;
        }
        all[25] = Kind::Container;
        all[26] = Kind::ApiResources;
        all
    };

    fn names(self) -> Option<Names> {
        Some(match self {
            Kind::Pod => n("Pod", "pods", "", V1, true, &["po"]),
            Kind::Deployment => n("Deployment", "deployments", "apps", V1, true, &["deploy"]),
            Kind::Service => n("Service", "services", "", V1, true, &["svc"]),
            Kind::Event => n("Event", "events", "", V1, true, &["ev"]),
            Kind::Namespace => n("Namespace", "namespaces", "", V1, false, &["ns"]),
            Kind::ReplicaSet => n("ReplicaSet", "replicasets", "apps", V1, true, &["rs"]),
            Kind::StatefulSet => n("StatefulSet", "statefulsets", "apps", V1, true, &["sts"]),
            Kind::DaemonSet => n("DaemonSet", "daemonsets", "apps", V1, true, &["ds"]),
            Kind::Job => n("Job", "jobs", "batch", V1, true, &[]),
            Kind::CronJob => n("CronJob", "cronjobs", "batch", &["v1", "v1beta1"], true, &["cj"]),
            Kind::Endpoints => n("Endpoints", "endpoints", "", V1, true, &["ep"]),
            Kind::EndpointSlice => {
                n("EndpointSlice", "endpointslices", "discovery.k8s.io", &["v1", "v1beta1"], true, &[])
            }
            Kind::Ingress => n("Ingress", "ingresses", "networking.k8s.io", &["v1", "v1beta1"], true, &["ing"]),
            Kind::NetworkPolicy => n("NetworkPolicy", "networkpolicies", "networking.k8s.io", V1, true, &["netpol"]),
            Kind::ConfigMap => n("ConfigMap", "configmaps", "", V1, true, &["cm"]),
            Kind::Secret => n("Secret", "secrets", "", V1, true, &[]),
            Kind::PersistentVolume => n("PersistentVolume", "persistentvolumes", "", V1, false, &["pv"]),
            Kind::PersistentVolumeClaim => n("PersistentVolumeClaim", "persistentvolumeclaims", "", V1, true, &["pvc"]),
            Kind::StorageClass => n("StorageClass", "storageclasses", "storage.k8s.io", V1, false, &["sc"]),
            Kind::Node => n("Node", "nodes", "", V1, false, &["no"]),
            Kind::ServiceAccount => n("ServiceAccount", "serviceaccounts", "", V1, true, &["sa"]),
            Kind::Role => n("Role", "roles", "rbac.authorization.k8s.io", V1, true, &[]),
            Kind::RoleBinding => n("RoleBinding", "rolebindings", "rbac.authorization.k8s.io", V1, true, &[]),
            Kind::ClusterRole => n("ClusterRole", "clusterroles", "rbac.authorization.k8s.io", V1, false, &[]),
            Kind::ClusterRoleBinding => {
                n("ClusterRoleBinding", "clusterrolebindings", "rbac.authorization.k8s.io", V1, false, &[])
            }
            Kind::Container | Kind::ApiResources | Kind::Other(_) => return None,
        })
    }

    /// The resource name, as in RBAC rules, URLs and `kubectl auth can-i`.
    pub fn plural(self) -> &'static str {
        match (self, self.names()) {
            (_, Some(names)) => names.plural,
            (Kind::Container, _) => "containers",
            (Kind::Other(id), _) => resources::get(id).plural,
            _ => "api-resources",
        }
    }

    /// The API group ("" is core).
    pub fn group(self) -> &'static str {
        match (self, self.names()) {
            (_, Some(names)) => names.group,
            (Kind::Other(id), _) => resources::get(id).group,
            _ => "",
        }
    }

    /// The kind's name: `NetworkPolicy`.
    pub fn kind_name(self) -> &'static str {
        match (self, self.names()) {
            (_, Some(names)) => names.kind,
            (Kind::Other(id), _) => resources::get(id).kind,
            (Kind::Container, _) => "Container",
            _ => "APIResource",
        }
    }

    /// The versions a typed kind may be served at, newest first (the Catalog picks the one the server has).
    pub fn versions(self) -> &'static [&'static str] {
        match (self, self.names()) {
            (_, Some(names)) => names.versions,
            (Kind::Other(id), _) => std::slice::from_ref(&resources::get(id).version),
            _ => V1,
        }
    }

    pub fn short_names(self) -> &'static [&'static str] {
        match (self, self.names()) {
            (_, Some(names)) => names.short,
            (Kind::Other(id), _) => resources::get(id).short_names,
            _ => &[],
        }
    }

    pub fn namespaced(self) -> bool {
        match (self, self.names()) {
            (_, Some(names)) => names.namespaced,
            (Kind::Other(id), _) => resources::get(id).namespaced,
            (Kind::Container, _) => true,
            _ => false,
        }
    }

    /// Whether the kind comes from the API (a watch), rather than being a view mosaic builds itself.
    pub fn watched(self) -> bool {
        !matches!(self, Kind::Container | Kind::ApiResources)
    }

    /// How kubectl is told the type: `pods`, or `certificates.cert-manager.io` outside the built-in groups, so
    /// the line never depends on how the user's kubectl resolves names.
    pub fn kubectl_type(self) -> String {
        match self {
            Kind::Other(id) if !resources::get(id).group.is_empty() => {
                format!("{}.{}", self.plural(), self.group())
            }
            _ => self.plural().to_string(),
        }
    }

    /// The title of its list view.
    pub fn title(self) -> String {
        match self {
            Kind::Endpoints => "Endpoints".into(),
            Kind::ApiResources => "API resources".into(),
            Kind::Container => "Containers".into(),
            Kind::Other(id) => {
                let r = resources::get(id);
                if r.group.is_empty() { plural_of(r.kind) } else { format!("{} ({})", plural_of(r.kind), r.group) }
            }
            kind => plural_of(kind.kind_name()),
        }
    }

    /// The typed kind with this group and plural, if mosaic has a typed view of it.
    pub fn typed(group: &str, plural: &str) -> Option<Kind> {
        Kind::TYPED.into_iter().find(|k| k.group() == group && k.plural() == plural)
    }
}

/// `NetworkPolicy` → `NetworkPolicies`, `Ingress` → `Ingresses`, `Node` → `Nodes`.
fn plural_of(kind: &str) -> String {
    if let Some(stem) = kind.strip_suffix('y') {
        format!("{stem}ies")
    } else if kind.ends_with('s') {
        format!("{kind}es")
    } else {
        format!("{kind}s")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_kinds_are_named_like_kubectl() {
        assert_eq!(Kind::NetworkPolicy.title(), "NetworkPolicies");
        assert_eq!(Kind::Ingress.title(), "Ingresses");
        assert_eq!(Kind::PersistentVolumeClaim.short_names(), ["pvc"]);
        assert_eq!(Kind::typed("apps", "replicasets"), Some(Kind::ReplicaSet));
        assert_eq!(Kind::typed("", "replicasets"), None);
        assert!(!Kind::Node.namespaced());
        assert_eq!(Kind::ALL.len(), 27);
    }
}
