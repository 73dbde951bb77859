//! The kinds mosaic watches with typed objects, and how each is named to the API server and to kubectl.
use std::fmt;

/// A kind with a typed view. Issue-by-issue this grows; any other kind goes through discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Pod,
    Deployment,
    Service,
    Event,
    Namespace,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Pod, Kind::Deployment, Kind::Service, Kind::Event, Kind::Namespace];

    /// The resource name, as in RBAC rules, URLs and `kubectl auth can-i`.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Pod => "pods",
            Kind::Deployment => "deployments",
            Kind::Service => "services",
            Kind::Event => "events",
            Kind::Namespace => "namespaces",
        }
    }

    /// The API group ("" is core).
    pub fn group(self) -> &'static str {
        match self {
            Kind::Deployment => "apps",
            _ => "",
        }
    }

    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Namespace)
    }

    /// The title of its list view.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Pod => "Pods",
            Kind::Deployment => "Deployments",
            Kind::Service => "Services",
            Kind::Event => "Events",
            Kind::Namespace => "Namespaces",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}
