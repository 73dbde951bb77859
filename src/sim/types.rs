//! Types shared by the simulated API server (`server`) and the scenarios it serves (`world`).
use serde::{Deserialize, Serialize};

/// A user of the simulated cluster: a bearer token, a name, groups, and what RBAC grants them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SimUser {
    pub name: String,
    pub token: String,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub rules: Vec<SimRule>,
}

/// One RBAC grant, shaped like a Kubernetes PolicyRule plus the namespaces it is bound in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SimRule {
    /// API groups ("" is core, "*" is any).
    pub api_groups: Vec<String>,
    /// Resources, with subresources written `pods/log`; "*" is any.
    pub resources: Vec<String>,
    /// Verbs; "*" is any.
    pub verbs: Vec<String>,
    /// Namespaces the grant is bound in (a RoleBinding); `None` is cluster-wide (a ClusterRoleBinding).
    #[serde(default)]
    pub namespaces: Option<Vec<String>>,
    /// How the grant is named in SelfSubjectAccessReview reasons, e.g.
    /// `RoleBinding "devs-read/acme" of Role "dev-read" to Group "devs"`.
    #[serde(default)]
    pub source: Option<String>,
}

/// Log lines for the containers of pods whose name starts with `pod_prefix`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogSpec {
    pub namespace: String,
    pub pod_prefix: String,
    /// `None` matches every container of the pod.
    #[serde(default)]
    pub container: Option<String>,
    /// Lines of the previous (terminated) instance, served for `previous=true`.
    #[serde(default)]
    pub previous: bool,
    pub lines: Vec<String>,
    /// Lines repeated, one every two seconds, while a client follows the log.
    #[serde(default)]
    pub periodic: Vec<String>,
}

/// A change the simulated controllers want applied to the stored objects.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Create the object, or replace the stored one with the same apiVersion, kind, namespace and name.
    Upsert(serde_json::Value),
    Delete {
        api_version: String,
        kind: String,
        namespace: Option<String>,
        name: String,
    },
}
