//! "May I?" answered by the server (SelfSubjectAccessReview), cached per context.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use kube::Api;
use kube::api::PostParams;

use super::errors::Failure;

/// One permission question, in RBAC's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccessQuery {
    pub verb: String,
    pub group: String,
    /// The resource, e.g. `pods`; with `subresource` for `pods/log`.
    pub resource: String,
    pub subresource: Option<String>,
    pub namespace: Option<String>,
    /// A cluster-scoped kind (nodes, namespaces): no namespace flag at all in the can-i line.
    pub cluster_scoped: bool,
}

impl AccessQuery {
    pub fn new(verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        let (resource, subresource) = match resource.split_once('/') {
            Some((r, s)) => (r.to_string(), Some(s.to_string())),
            None => (resource.to_string(), None),
        };
        AccessQuery {
            verb: verb.into(),
            group: group.into(),
            resource,
            subresource,
            namespace: namespace.map(str::to_string),
            cluster_scoped: false,
        }
    }

    pub fn cluster_scoped(mut self) -> Self {
        self.cluster_scoped = true;
        self.namespace = None;
        self
    }

    /// `kubectl auth can-i list pods -n shop`, which the user can run to check for themselves.
    pub fn can_i_command(&self, context: &str) -> String {
        let mut resource = self.resource.clone();
        if !self.group.is_empty() {
            resource = format!("{resource}.{}", self.group);
        }
        if let Some(sub) = &self.subresource {
            resource = format!("{resource}/{sub}");
        }
        let mut args = vec!["kubectl", "auth", "can-i", &self.verb, &resource];
        let scope;
        match &self.namespace {
            Some(ns) => {
                scope = ns.clone();
                args.extend(["-n", &scope]);
            }
            None if self.cluster_scoped => {}
            None => args.push("-A"),
        }
        args.extend(["--context", context]);
        shlex::try_join(args).unwrap_or_default()
    }
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub allowed: bool,
    /// The server's reason, e.g. `RBAC: allowed by RoleBinding …`; often empty when denied.
    pub reason: String,
}

/// Cached answers for one context. Clone shares the cache.
#[derive(Clone, Default)]
pub struct Permissions {
    cache: Arc<Mutex<HashMap<AccessQuery, Access>>>,
}

impl Permissions {
    pub fn cached(&self, query: &AccessQuery) -> Option<Access> {
        self.cache.lock().ok()?.get(query).cloned()
    }

    /// Ask the server unless the answer is cached. Errors (the review itself failed) are not cached.
    pub async fn can_i(&self, client: &kube::Client, query: &AccessQuery) -> Result<Access, Failure> {
        if let Some(hit) = self.cached(query) {
            return Ok(hit);
        }
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(query.verb.clone()),
                    group: Some(query.group.clone()),
                    resource: Some(query.resource.clone()),
                    subresource: query.subresource.clone(),
                    namespace: query.namespace.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
        let answer = api.create(&PostParams::default(), &review).await.map_err(|e| Failure::from_kube(&e))?;
        let status = answer.status.unwrap_or_default();
        let access = Access { allowed: status.allowed, reason: status.reason.unwrap_or_default() };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(query.clone(), access.clone());
        }
        Ok(access)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_i_line_names_group_subresource_and_scope() {
        let q = AccessQuery::new("list", "", "pods", Some("shop"));
        assert_eq!(q.can_i_command("prod"), "kubectl auth can-i list pods -n shop --context prod");
        let q = AccessQuery::new("patch", "apps", "deployments/scale", Some("shop"));
        assert_eq!(q.can_i_command("prod"), "kubectl auth can-i patch deployments.apps/scale -n shop --context prod");
        let q = AccessQuery::new("list", "", "pods", None);
        assert_eq!(q.can_i_command("my ctx"), "kubectl auth can-i list pods -A --context 'my ctx'");
        let q = AccessQuery::new("list", "", "namespaces", None).cluster_scoped();
        assert_eq!(q.can_i_command("c"), "kubectl auth can-i list namespaces --context c");
    }
}
