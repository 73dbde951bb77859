//! Request paths: discovery, or a resource (collection, object, subresource) in a namespace or cluster-wide.
use super::Flavour;
use super::registry::{self, Resource};

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Version,
    Health,
    /// `/openapi/v2`: an empty schema, so that kubectl's client-side validation has nothing to object to.
    OpenApiV2,
    CoreVersions,
    GroupList,
    Group(String),
    ResourceList {
        group: String,
        version: String,
    },
    Resource(Target),
    NotFound,
}

/// A resource request, resolved against the registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub res: &'static Resource,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The legacy `/watch/` path prefix.
    pub watch_path: bool,
}

impl Target {
    /// The verb kubectl and RBAC would name for this request.
    pub fn verb(&self, method: &http::Method, watch_param: bool) -> &'static str {
        // Connecting to a pod is `create` on the subresource, be it a WebSocket GET or a SPDY POST.
        if self.name.is_some()
            && self.res.is_pods()
            && matches!(self.subresource.as_deref(), Some("exec" | "portforward" | "attach"))
        {
            return "create";
        }
        match *method {
            http::Method::GET if self.name.is_none() && (watch_param || self.watch_path) => "watch",
            http::Method::GET if self.name.is_none() => "list",
            http::Method::GET if self.watch_path => "watch",
            http::Method::GET | http::Method::HEAD => "get",
            http::Method::POST => "create",
            http::Method::PUT => "update",
            http::Method::PATCH => "patch",
            http::Method::DELETE if self.name.is_none() => "deletecollection",
            http::Method::DELETE => "delete",
            _ => "unknown",
        }
    }

    /// `pods`, or `pods/log` with a subresource: how requests are counted.
    pub fn resource_label(&self) -> String {
        match &self.subresource {
            Some(sub) => format!("{}/{sub}", self.res.plural),
            None => self.res.plural.to_string(),
        }
    }
}

pub fn parse(flavour: Flavour, path: &str) -> Route {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["version"] => Route::Version,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["api", "v1"] => Route::ResourceList { group: String::new(), version: "v1".into() },
        ["api", "v1", rest @ ..] => resource_route(flavour, "", "v1", rest),
        ["apis"] => Route::GroupList,
        ["apis", group] => Route::Group((*group).to_string()),
        ["apis", group, version] => {
            Route::ResourceList { group: (*group).to_string(), version: (*version).to_string() }
        }
        ["apis", group, version, rest @ ..] => resource_route(flavour, group, version, rest),
        _ => Route::NotFound,
    }
}

fn resource_route(flavour: Flavour, group: &str, version: &str, rest: &[&str]) -> Route {
    let (watch_path, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let find = |plural: &str| registry::find(flavour, group, version, plural);
    let target = |res: &'static Resource, namespace: Option<&str>, name: Option<&str>, sub: Option<&str>| {
        Route::Resource(Target {
            res,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
            subresource: sub.map(str::to_string),
            watch_path,
        })
    };
    // `namespaces/{ns}/{plural}…` is a namespaced resource; `namespaces/{name}/status` is the namespace's own.
    if let ["namespaces", ns, plural, tail @ ..] = rest
        && let Some(res) = find(plural).filter(|r| r.namespaced)
    {
        return match tail {
            [] => target(res, Some(ns), None, None),
            [name] => target(res, Some(ns), Some(name), None),
            [name, sub] => target(res, Some(ns), Some(name), Some(sub)),
            _ => Route::NotFound,
        };
    }
    let Some((plural, tail)) = rest.split_first() else { return Route::NotFound };
    let Some(res) = find(plural) else { return Route::NotFound };
    match tail {
        [] => target(res, None, None, None),
        // A namespaced kind has no named objects at the cluster scope.
        [name] if !res.namespaced => target(res, None, Some(name), None),
        [name, sub] if !res.namespaced => target(res, None, Some(name), Some(sub)),
        _ => Route::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Target {
        match parse(Flavour::Modern, path) {
            Route::Resource(t) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths_resolve_to_targets() {
        let t = target("/api/v1/namespaces/acme/pods");
        assert_eq!((t.res.plural, t.namespace.as_deref(), t.name.as_deref()), ("pods", Some("acme"), None));
        let t = target("/api/v1/namespaces/acme/pods/web-1/log");
        assert_eq!((t.name.as_deref(), t.subresource.as_deref()), (Some("web-1"), Some("log")));
        assert_eq!(t.resource_label(), "pods/log");
        let t = target("/api/v1/pods");
        assert_eq!((t.res.plural, t.namespace), ("pods", None));
        let t = target("/api/v1/namespaces/acme");
        assert_eq!((t.res.plural, t.name.as_deref()), ("namespaces", Some("acme")));
        let t = target("/api/v1/namespaces/acme/status");
        assert_eq!((t.res.plural, t.subresource.as_deref()), ("namespaces", Some("status")));
        let t = target("/apis/apps/v1/namespaces/acme/deployments/web/scale");
        assert_eq!((t.res.kind, t.subresource.as_deref()), ("Deployment", Some("scale")));
        let t = target("/api/v1/watch/namespaces/acme/pods");
        assert!(t.watch_path);
        assert_eq!(t.verb(&http::Method::GET, false), "watch");
        let t = target("/api/v1/namespaces/acme/pods/web-1/exec");
        assert_eq!((t.verb(&http::Method::GET, false), t.resource_label().as_str()), ("create", "pods/exec"));
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in [
            "/api/v1/widgets",
            "/apis/example.com/v1/widgets",
            "/api/v1/pods/x",
            "/nope",
            "/apis/discovery.k8s.io/v1beta1/endpointslices",
        ] {
            assert_eq!(parse(Flavour::Modern, path), Route::NotFound, "{path}");
        }
        assert_eq!(parse(Flavour::Modern, "/version"), Route::Version);
        assert_eq!(parse(Flavour::Modern, "/apis/apps"), Route::Group("apps".into()));
    }
}
