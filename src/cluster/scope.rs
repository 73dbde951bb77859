//! Where a list or watch looks: the whole cluster, or one namespace.
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    All,
    Namespace(String),
}

impl Scope {
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Namespace(ns) => Some(ns),
        }
    }

    /// The kubectl flag for this scope: `-A` or `-n NS`.
    pub fn kubectl_args(&self) -> Vec<String> {
        match self {
            Scope::All => vec!["-A".into()],
            Scope::Namespace(ns) => vec!["-n".into(), ns.clone()],
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => write!(f, "all namespaces"),
            Scope::Namespace(ns) => write!(f, "namespace {ns}"),
        }
    }
}
