//! Authentication (bearer tokens) and authorization against each user's `SimRule`s, plus the answers to
//! SelfSubjectAccessReview and SelfSubjectRulesReview from the same rules.
use serde_json::{Map, Value, json};

use crate::sim::types::{SimRule, SimUser};

use super::meta;

/// What a request asks to do, in RBAC terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

pub fn authenticate<'u>(users: &'u [SimUser], authorization: Option<&str>) -> Option<&'u SimUser> {
    let token = authorization?.strip_prefix("Bearer ")?.trim();
    users.iter().find(|u| !token.is_empty() && u.token == token)
}

fn matches_any(list: &[String], want: &str) -> bool {
    list.iter().any(|item| item == "*" || item == want)
}

fn resource_matches(rule: &SimRule, resource: &str, subresource: Option<&str>) -> bool {
    let full = match subresource {
        Some(sub) => format!("{resource}/{sub}"),
        None => resource.to_string(),
    };
    rule.resources.iter().any(|r| {
        r == "*"
            || *r == full
            || subresource.is_some_and(|sub| *r == format!("*/{sub}"))
            || (subresource.is_some() && *r == format!("{resource}/*"))
    })
}

fn namespace_matches(rule: &SimRule, namespace: Option<&str>) -> bool {
    match (&rule.namespaces, namespace) {
        (None, _) => true,
        (Some(list), Some(ns)) => list.iter().any(|n| n == ns),
        (Some(_), None) => false,
    }
}

/// Every user may ask what they may do, as with Kubernetes' `system:basic-user`.
fn is_self_review(attrs: &Attributes) -> bool {
    attrs.verb == "create"
        && attrs.group == "authorization.k8s.io"
        && matches!(attrs.resource, "selfsubjectaccessreviews" | "selfsubjectrulesreviews")
}

/// The rule that allows the request, if any.
pub fn allowing_rule<'u>(user: &'u SimUser, attrs: &Attributes) -> Option<&'u SimRule> {
    user.rules.iter().find(|rule| {
        matches_any(&rule.verbs, attrs.verb)
            && matches_any(&rule.api_groups, attrs.group)
            && resource_matches(rule, attrs.resource, attrs.subresource)
            && namespace_matches(rule, attrs.namespace)
    })
}

pub fn allowed(user: &SimUser, attrs: &Attributes) -> bool {
    is_self_review(attrs) || allowing_rule(user, attrs).is_some()
}

/// The SelfSubjectAccessReview answer: the request echoed with managedFields, and a status naming the rule.
pub fn access_review(user: &SimUser, request: &Value, manager: &str) -> Value {
    let spec = request.get("spec").cloned().unwrap_or_else(|| json!({}));
    let status = if let Some(ra) = spec.get("resourceAttributes") {
        let field = |k: &str| ra.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
        let attrs = Attributes {
            verb: field("verb").unwrap_or_default(),
            group: field("group").unwrap_or_default(),
            resource: field("resource").unwrap_or_default(),
            subresource: field("subresource"),
            namespace: field("namespace"),
        };
        match allowing_rule(user, &attrs) {
            Some(rule) => json!({"allowed": true, "reason": format!("RBAC: allowed by {}", source(rule))}),
            None if is_self_review(&attrs) => {
                json!({"allowed": true, "reason": "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\""})
            }
            None => json!({"allowed": false}),
        }
    } else {
        // Non-resource URLs (discovery, /version, health) are open to every authenticated user.
        json!({"allowed": true, "reason": "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\""})
    };
    json!({
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null, "managedFields": [managed_entry(&spec, manager)]},
        "spec": spec,
        "status": status,
    })
}

fn source(rule: &SimRule) -> String {
    rule.source.clone().unwrap_or_else(|| "a simulated RBAC rule".to_string())
}

/// The managedFields entry a real server writes for the review's spec.
fn managed_entry(spec: &Value, manager: &str) -> Value {
    let mut fields = Map::new();
    if let Some(Value::Object(attrs)) = spec.get("resourceAttributes").or_else(|| spec.get("nonResourceAttributes")) {
        let mut inner = Map::new();
        inner.insert(".".into(), json!({}));
        for key in attrs.keys() {
            inner.insert(format!("f:{key}"), json!({}));
        }
        let which =
            if spec.get("resourceAttributes").is_some() { "f:resourceAttributes" } else { "f:nonResourceAttributes" };
        fields.insert(which.into(), Value::Object(inner));
    }
    json!({
        "manager": manager,
        "operation": "Update",
        "apiVersion": "authorization.k8s.io/v1",
        "time": meta::now(),
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": fields},
    })
}

/// The SelfSubjectRulesReview answer for one namespace, as `ssrr-dev-acme.json`.
pub fn rules_review(user: &SimUser, namespace: &str) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let grants_reviews = user.rules.iter().any(|r| {
        matches_any(&r.verbs, "create")
            && matches_any(&r.api_groups, "authorization.k8s.io")
            && resource_matches(r, "selfsubjectaccessreviews", None)
    });
    if !grants_reviews {
        rules.push(json!({
            "verbs": ["create"],
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        }));
    }
    for rule in user.rules.iter().filter(|r| namespace_matches(r, Some(namespace))) {
        rules.push(json!({"verbs": rule.verbs, "apiGroups": rule.api_groups, "resources": rule.resources}));
    }
    json!({
        "kind": "SelfSubjectRulesReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "spec": {},
        "status": {
            "resourceRules": rules,
            "nonResourceRules": [
                {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]},
                {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]},
            ],
            "incomplete": false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], namespaces: Option<&[&str]>, source: &str) -> SimRule {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        SimRule {
            api_groups: strings(groups),
            resources: strings(resources),
            verbs: strings(verbs),
            namespaces: namespaces.map(strings),
            source: Some(source.to_string()),
        }
    }

    /// The fixture's user `dev`: read pods, events, services, endpoints, deployments, replicasets in acme.
    fn dev() -> SimUser {
        let source = "RoleBinding \"devs-read/acme\" of Role \"dev-read\" to Group \"devs\"";
        SimUser {
            name: "dev".into(),
            token: "dev-token".into(),
            groups: vec!["devs".into()],
            rules: vec![
                rule(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &["create"],
                    None,
                    "basic",
                ),
                rule(
                    &[""],
                    &["pods", "events", "services", "endpoints"],
                    &["get", "list", "watch"],
                    Some(&["acme"]),
                    source,
                ),
                rule(&["apps"], &["deployments", "replicasets"], &["get", "list", "watch"], Some(&["acme"]), source),
            ],
        }
    }

    use crate::sim::server::fixture;

    fn attrs<'a>(verb: &'a str, group: &'a str, resource: &'a str, namespace: Option<&'a str>) -> Attributes<'a> {
        Attributes { verb, group, resource, subresource: None, namespace }
    }

    #[test]
    fn namespaced_grants_do_not_reach_the_cluster_scope() {
        let dev = dev();
        assert!(allowed(&dev, &attrs("list", "", "pods", Some("acme"))));
        assert!(!allowed(&dev, &attrs("list", "", "pods", None)));
        assert!(!allowed(&dev, &attrs("list", "", "pods", Some("other"))));
        assert!(!allowed(&dev, &attrs("list", "", "secrets", Some("acme"))));
        let log = Attributes { subresource: Some("log"), ..attrs("get", "", "pods", Some("acme")) };
        assert!(!allowed(&dev, &log), "pods/log is not pods");
        assert!(allowed(&dev, &attrs("create", "authorization.k8s.io", "selfsubjectaccessreviews", None)));
    }

    #[test]
    fn access_reviews_match_the_fixtures() {
        let dev = dev();
        for name in [
            "ssar-dev-list-pods.json",
            "ssar-dev-create-pods.json",
            "ssar-dev-list-secrets.json",
            "ssar-dev-patch-deployments.json",
        ] {
            let expected = fixture(name);
            let request = json!({"spec": expected["spec"].clone()});
            let mut answer = access_review(&dev, &request, "curl");
            answer["metadata"]["managedFields"][0]["time"] = expected["metadata"]["managedFields"][0]["time"].clone();
            assert_eq!(answer, expected, "{name}");
        }
    }

    #[test]
    fn rules_review_matches_the_fixture() {
        assert_eq!(rules_review(&dev(), "acme"), fixture("ssrr-dev-acme.json"));
    }

    #[test]
    fn tokens_authenticate() {
        let users = vec![dev()];
        assert_eq!(authenticate(&users, Some("Bearer dev-token")).map(|u| u.name.as_str()), Some("dev"));
        assert!(authenticate(&users, Some("Bearer nope")).is_none());
        assert!(authenticate(&users, None).is_none());
    }
}
