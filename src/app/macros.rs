//! Small macros for the app layer.

/// Run an expression against the cache of a kind, whatever its object type.
macro_rules! with_cache {
    ($state:expr, $kind:expr, $c:ident => $body:expr) => {
        match $kind {
            $crate::cluster::Kind::Pod => {
                let $c = &$state.pods;
                $body
            }
            $crate::cluster::Kind::Deployment => {
                let $c = &$state.deployments;
                $body
            }
            $crate::cluster::Kind::Service => {
                let $c = &$state.services;
                $body
            }
            $crate::cluster::Kind::Event => {
                let $c = &$state.events;
                $body
            }
            $crate::cluster::Kind::Namespace => {
                let $c = &$state.namespaces;
                $body
            }
            other => {
                let $c = $state.dynamic(other);
                $body
            }
        }
    };
}
