//! The table of resources the simulated server serves. Discovery, routing, RBAC and storage are all built
//! from it, so adding a row is all it takes to serve a new kind.
use super::Flavour;

/// Which flavours of the server offer a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Both,
    OnlyV1_19,
    OnlyModern,
}

/// A subresource such as `pods/log` or `deployments/scale`.
#[derive(Debug, PartialEq)]
pub struct Subresource {
    pub name: &'static str,
    /// `None` is the parent's kind.
    pub kind: Option<&'static str>,
    pub verbs: &'static [&'static str],
    /// The group and version of the subresource's type when it is not the parent's (scale, eviction).
    pub group_version: Option<(&'static str, &'static str)>,
}

/// One served resource (group, version, plural) and how it is stored.
#[derive(Debug, PartialEq)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub subresources: &'static [Subresource],
    /// The storage table: two rows share one table when they are two views of the same objects
    /// (core and events.k8s.io events; v1beta1 and v1 EndpointSlices).
    pub storage: &'static str,
    /// Whether the server maintains `metadata.generation` for this kind.
    pub generation: bool,
    pub served: Served,
    /// A custom resource's `additionalPrinterColumns` (empty for built-in kinds).
    pub printer: &'static [PrinterColumn],
}

/// One `additionalPrinterColumns` entry of a CustomResourceDefinition version.
#[derive(Debug, PartialEq)]
pub struct PrinterColumn {
    pub name: &'static str,
    /// `string`, `integer`, `date`…
    pub kind: &'static str,
    pub json_path: &'static str,
    pub priority: u8,
}

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `deployments.apps`, or `pods` for the core group: how errors name the resource.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.to_string() } else { format!("{}.{}", self.plural, self.group) }
    }

    pub fn subresource(&self, name: &str) -> Option<&'static Subresource> {
        self.subresources.iter().find(|s| s.name == name)
    }

    pub fn has_status(&self) -> bool {
        self.subresource("status").is_some()
    }

    pub fn serves(&self, flavour: Flavour) -> bool {
        match self.served {
            Served::Both => true,
            Served::OnlyV1_19 => flavour == Flavour::V1_19,
            Served::OnlyModern => flavour == Flavour::Modern,
        }
    }

    pub fn is_pods(&self) -> bool {
        self.storage == PODS
    }

    pub fn is_namespaces(&self) -> bool {
        self.storage == NAMESPACES
    }
}

pub const PODS: &str = "core/pods";
pub const NAMESPACES: &str = "core/namespaces";
pub const EVENTS: &str = "core/events";
pub const ENDPOINT_SLICES: &str = "discovery.k8s.io/endpointslices";

const ALL: &[&str] = &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const NO_DELETECOLLECTION: &[&str] = &["create", "delete", "get", "list", "patch", "update", "watch"];
const CREATE: &[&str] = &["create"];
const GET_PATCH_UPDATE: &[&str] = &["get", "patch", "update"];

const STATUS: Subresource = Subresource { name: "status", kind: None, verbs: GET_PATCH_UPDATE, group_version: None };
const SCALE: Subresource = Subresource {
    name: "scale",
    kind: Some("Scale"),
    verbs: GET_PATCH_UPDATE,
    group_version: Some(("autoscaling", "v1")),
};
pub const WITH_STATUS: &[Subresource] = &[STATUS];
const WITH_SCALE_STATUS: &[Subresource] = &[SCALE, STATUS];
const POD_SUBRESOURCES: &[Subresource] = &[
    // The eviction version depends on the flavour; discovery fills it in.
    Subresource { name: "eviction", kind: Some("Eviction"), verbs: CREATE, group_version: Some(("policy", "v1")) },
    Subresource { name: "exec", kind: Some("PodExecOptions"), verbs: &["create", "get"], group_version: None },
    Subresource { name: "log", kind: None, verbs: &["get"], group_version: None },
    STATUS,
];

/// A compact way to write a row; the defaults are those of most rows.
const fn row(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    storage: &'static str,
) -> Resource {
    Resource {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced: true,
        verbs: ALL,
        short_names: &[],
        categories: &[],
        subresources: &[],
        storage,
        generation: false,
        served: Served::Both,
        printer: &[],
    }
}

const ALL_CATEGORY: &[&str] = &["all"];

pub static RESOURCES: &[Resource] = &[
    // core v1
    Resource { short_names: &["cm"], ..row("", "v1", "configmaps", "configmap", "ConfigMap", "core/configmaps") },
    Resource { short_names: &["ep"], ..row("", "v1", "endpoints", "endpoints", "Endpoints", "core/endpoints") },
    Resource { short_names: &["ev"], ..row("", "v1", "events", "event", "Event", EVENTS) },
    Resource {
        short_names: &["limits"],
        ..row("", "v1", "limitranges", "limitrange", "LimitRange", "core/limitranges")
    },
    Resource {
        namespaced: false,
        verbs: NO_DELETECOLLECTION,
        short_names: &["ns"],
        subresources: WITH_STATUS,
        ..row("", "v1", "namespaces", "namespace", "Namespace", NAMESPACES)
    },
    Resource {
        namespaced: false,
        short_names: &["no"],
        subresources: WITH_STATUS,
        ..row("", "v1", "nodes", "node", "Node", "core/nodes")
    },
    Resource {
        short_names: &["pvc"],
        subresources: WITH_STATUS,
        ..row(
            "",
            "v1",
            "persistentvolumeclaims",
            "persistentvolumeclaim",
            "PersistentVolumeClaim",
            "core/persistentvolumeclaims",
        )
    },
    Resource {
        namespaced: false,
        short_names: &["pv"],
        subresources: WITH_STATUS,
        ..row("", "v1", "persistentvolumes", "persistentvolume", "PersistentVolume", "core/persistentvolumes")
    },
    Resource {
        short_names: &["po"],
        categories: ALL_CATEGORY,
        subresources: POD_SUBRESOURCES,
        ..row("", "v1", "pods", "pod", "Pod", PODS)
    },
    row("", "v1", "podtemplates", "podtemplate", "PodTemplate", "core/podtemplates"),
    Resource {
        short_names: &["rc"],
        categories: ALL_CATEGORY,
        subresources: WITH_SCALE_STATUS,
        generation: true,
        ..row(
            "",
            "v1",
            "replicationcontrollers",
            "replicationcontroller",
            "ReplicationController",
            "core/replicationcontrollers",
        )
    },
    Resource {
        short_names: &["quota"],
        subresources: WITH_STATUS,
        ..row("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", "core/resourcequotas")
    },
    row("", "v1", "secrets", "secret", "Secret", "core/secrets"),
    Resource {
        short_names: &["sa"],
        ..row("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", "core/serviceaccounts")
    },
    Resource {
        verbs: NO_DELETECOLLECTION,
        short_names: &["svc"],
        categories: ALL_CATEGORY,
        subresources: WITH_STATUS,
        ..row("", "v1", "services", "service", "Service", "core/services")
    },
    // apps/v1
    row("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", "apps/controllerrevisions"),
    Resource {
        short_names: &["ds"],
        categories: ALL_CATEGORY,
        subresources: WITH_STATUS,
        generation: true,
        ..row("apps", "v1", "daemonsets", "daemonset", "DaemonSet", "apps/daemonsets")
    },
    Resource {
        short_names: &["deploy"],
        categories: ALL_CATEGORY,
        subresources: WITH_SCALE_STATUS,
        generation: true,
        ..row("apps", "v1", "deployments", "deployment", "Deployment", "apps/deployments")
    },
    Resource {
        short_names: &["rs"],
        categories: ALL_CATEGORY,
        subresources: WITH_SCALE_STATUS,
        generation: true,
        ..row("apps", "v1", "replicasets", "replicaset", "ReplicaSet", "apps/replicasets")
    },
    Resource {
        short_names: &["sts"],
        categories: ALL_CATEGORY,
        subresources: WITH_SCALE_STATUS,
        generation: true,
        ..row("apps", "v1", "statefulsets", "statefulset", "StatefulSet", "apps/statefulsets")
    },
    // events.k8s.io/v1: the same stored events as core v1, converted on the way in and out
    Resource { short_names: &["ev"], ..row("events.k8s.io", "v1", "events", "event", "Event", EVENTS) },
    // authorization.k8s.io/v1: answered from the user's rules, never stored
    Resource {
        namespaced: false,
        verbs: CREATE,
        ..row(
            "authorization.k8s.io",
            "v1",
            "selfsubjectaccessreviews",
            "selfsubjectaccessreview",
            "SelfSubjectAccessReview",
            "authorization/ssar",
        )
    },
    Resource {
        namespaced: false,
        verbs: CREATE,
        ..row(
            "authorization.k8s.io",
            "v1",
            "selfsubjectrulesreviews",
            "selfsubjectrulesreview",
            "SelfSubjectRulesReview",
            "authorization/ssrr",
        )
    },
    // autoscaling/v1
    Resource {
        short_names: &["hpa"],
        categories: ALL_CATEGORY,
        subresources: WITH_STATUS,
        generation: true,
        ..row(
            "autoscaling",
            "v1",
            "horizontalpodautoscalers",
            "horizontalpodautoscaler",
            "HorizontalPodAutoscaler",
            "autoscaling/horizontalpodautoscalers",
        )
    },
    // batch
    Resource {
        categories: ALL_CATEGORY,
        subresources: WITH_STATUS,
        generation: true,
        ..row("batch", "v1", "jobs", "job", "Job", "batch/jobs")
    },
    Resource {
        short_names: &["cj"],
        categories: ALL_CATEGORY,
        subresources: WITH_STATUS,
        generation: true,
        served: Served::OnlyModern,
        ..row("batch", "v1", "cronjobs", "cronjob", "CronJob", "batch/cronjobs")
    },
    Resource {
        short_names: &["cj"],
        categories: ALL_CATEGORY,
        subresources: WITH_STATUS,
        generation: true,
        served: Served::OnlyV1_19,
        ..row("batch", "v1beta1", "cronjobs", "cronjob", "CronJob", "batch/cronjobs")
    },
    // networking.k8s.io/v1
    Resource {
        namespaced: false,
        generation: true,
        ..row(
            "networking.k8s.io",
            "v1",
            "ingressclasses",
            "ingressclass",
            "IngressClass",
            "networking.k8s.io/ingressclasses",
        )
    },
    Resource {
        short_names: &["ing"],
        subresources: WITH_STATUS,
        generation: true,
        ..row("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", "networking.k8s.io/ingresses")
    },
    Resource {
        short_names: &["netpol"],
        generation: true,
        ..row(
            "networking.k8s.io",
            "v1",
            "networkpolicies",
            "networkpolicy",
            "NetworkPolicy",
            "networking.k8s.io/networkpolicies",
        )
    },
    // policy
    Resource {
        short_names: &["pdb"],
        subresources: WITH_STATUS,
        generation: true,
        served: Served::OnlyModern,
        ..row(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "poddisruptionbudget",
            "PodDisruptionBudget",
            "policy/poddisruptionbudgets",
        )
    },
    Resource {
        short_names: &["pdb"],
        subresources: WITH_STATUS,
        generation: true,
        served: Served::OnlyV1_19,
        ..row(
            "policy",
            "v1beta1",
            "poddisruptionbudgets",
            "poddisruptionbudget",
            "PodDisruptionBudget",
            "policy/poddisruptionbudgets",
        )
    },
    // rbac.authorization.k8s.io/v1
    Resource {
        namespaced: false,
        ..row(
            "rbac.authorization.k8s.io",
            "v1",
            "clusterrolebindings",
            "clusterrolebinding",
            "ClusterRoleBinding",
            "rbac/clusterrolebindings",
        )
    },
    Resource {
        namespaced: false,
        ..row("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", "rbac/clusterroles")
    },
    row("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", "rbac/rolebindings"),
    row("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", "rbac/roles"),
    // storage.k8s.io/v1
    Resource {
        namespaced: false,
        short_names: &["sc"],
        ..row("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", "storage.k8s.io/storageclasses")
    },
    // apiextensions.k8s.io/v1
    Resource {
        namespaced: false,
        short_names: &["crd", "crds"],
        categories: &["api-extensions"],
        subresources: WITH_STATUS,
        generation: true,
        ..row(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "customresourcedefinition",
            "CustomResourceDefinition",
            "apiextensions/customresourcedefinitions",
        )
    },
    // scheduling.k8s.io/v1
    Resource {
        namespaced: false,
        short_names: &["pc"],
        ..row(
            "scheduling.k8s.io",
            "v1",
            "priorityclasses",
            "priorityclass",
            "PriorityClass",
            "scheduling/priorityclasses",
        )
    },
    // coordination.k8s.io/v1
    row("coordination.k8s.io", "v1", "leases", "lease", "Lease", "coordination/leases"),
    // discovery.k8s.io: v1beta1 on 1.19, v1 on current servers; one table either way
    Resource {
        generation: true,
        served: Served::OnlyV1_19,
        ..row("discovery.k8s.io", "v1beta1", "endpointslices", "endpointslice", "EndpointSlice", ENDPOINT_SLICES)
    },
    Resource {
        generation: true,
        served: Served::OnlyModern,
        ..row("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", ENDPOINT_SLICES)
    },
];

/// The order groups appear in `/apis`, as a real server lists them.
const GROUP_ORDER: &[&str] = &[
    "apps",
    "events.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
];

/// The resources one flavour serves: the built-in table, then the custom resources learned from CRDs.
pub fn served(flavour: Flavour) -> impl Iterator<Item = &'static Resource> {
    RESOURCES.iter().filter(move |r| r.serves(flavour)).chain(super::crds::learned())
}

/// The named groups with the versions served for each, in discovery order.
pub fn groups(flavour: Flavour) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut order: Vec<&'static str> = GROUP_ORDER.to_vec();
    for res in super::crds::learned() {
        if !order.contains(&res.group) {
            order.push(res.group);
        }
    }
    order
        .iter()
        .filter_map(|group| {
            let mut versions: Vec<&'static str> = Vec::new();
            for r in served(flavour).filter(|r| r.group == *group) {
                if !versions.contains(&r.version) {
                    versions.push(r.version);
                }
            }
            (!versions.is_empty()).then_some((*group, versions))
        })
        .collect()
}

/// The row behind a request path: group, version and plural.
pub fn find(flavour: Flavour, group: &str, version: &str, plural: &str) -> Option<&'static Resource> {
    served(flavour).find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The row an object belongs to, from its `apiVersion` and `kind`. The version may be one the flavour does
/// not serve (a v1beta1 EndpointSlice on a current server): the storage table is what matters.
pub fn for_object(api_version: &str, kind: &str) -> Option<&'static Resource> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let same_kind = |r: &&Resource| r.group == group && r.kind == kind;
    let all = || RESOURCES.iter().chain(super::crds::learned());
    all().find(|r| same_kind(r) && r.version == version).or_else(|| all().find(same_kind))
}

/// The row of a storage table, whatever the flavour (the first one, for tables two rows share).
pub fn by_storage(storage: &str) -> Option<&'static Resource> {
    RESOURCES.iter().chain(super::crds::learned()).find(|r| r.storage == storage)
}

/// The row that serves a storage table on this flavour, preferring the core group (events).
pub fn for_storage(flavour: Flavour, storage: &str) -> Option<&'static Resource> {
    // (custom resources are found through `served` like the built-in ones)
    served(flavour).find(|r| r.storage == storage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flavour_serves_each_storage_table_once_per_group() {
        for flavour in [Flavour::V1_19, Flavour::Modern] {
            let mut seen = std::collections::BTreeSet::new();
            for r in served(flavour) {
                assert!(seen.insert((r.group, r.plural)), "{} {} twice", r.group, r.plural);
            }
        }
    }

    #[test]
    fn flavours_differ_in_endpointslices_and_cronjobs() {
        assert!(find(Flavour::V1_19, "discovery.k8s.io", "v1beta1", "endpointslices").is_some());
        assert!(find(Flavour::V1_19, "discovery.k8s.io", "v1", "endpointslices").is_none());
        assert!(find(Flavour::Modern, "discovery.k8s.io", "v1", "endpointslices").is_some());
        assert!(find(Flavour::Modern, "batch", "v1beta1", "cronjobs").is_none());
        assert!(find(Flavour::V1_19, "batch", "v1beta1", "cronjobs").is_some());
    }

    #[test]
    fn objects_find_their_table_whatever_the_version() {
        let slice = for_object("discovery.k8s.io/v1beta1", "EndpointSlice").map(|r| r.storage);
        assert_eq!(slice, Some(ENDPOINT_SLICES));
        assert_eq!(for_object("v1", "Pod").map(|r| r.storage), Some(PODS));
        assert_eq!(for_object("events.k8s.io/v1", "Event").map(|r| r.group), Some("events.k8s.io"));
        assert!(for_object("example.com/v1", "Widget").is_none());
    }
}
