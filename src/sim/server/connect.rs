//! The connect subresources of pods (`exec`, `portforward`): authorized as `create` on the subresource,
//! whether the client upgrades a GET (WebSocket) or POSTs (SPDY), then handed to their endpoints.
use std::sync::Arc;

use axum::body::Body;
use http::{Response, Uri};
use hyper::upgrade::OnUpgrade;

use super::Shared;
use super::exec;
use super::handler::ApiRequest;
use super::portforward;
use super::rbac;
use super::routes::Target;
use super::status::ApiError;

/// Whether the request is for a connect subresource the simulated cluster serves.
pub fn is_connect(target: &Target) -> bool {
    target.res.is_pods()
        && target.name.is_some()
        && matches!(target.subresource.as_deref(), Some("exec" | "portforward"))
}

pub fn serve(
    shared: Arc<Shared>,
    target: &Target,
    req: &ApiRequest,
    uri: &Uri,
    upgrade: Option<OnUpgrade>,
) -> Response<Body> {
    let subresource = target.subresource.as_deref().unwrap_or_default();
    let namespace = target.namespace.as_deref();
    let attrs = rbac::Attributes {
        verb: "create",
        group: target.res.group,
        resource: target.res.plural,
        subresource: Some(subresource),
        namespace,
    };
    let result = if !rbac::allowed(req.user, &attrs) {
        Err(ApiError::forbidden(
            &req.user.name,
            "create",
            target.res,
            Some(subresource),
            namespace,
            target.name.as_deref(),
        ))
    } else if subresource == "exec" {
        exec::serve(shared, target, req, uri, upgrade)
    } else {
        portforward::serve(shared, target, req, uri, upgrade)
    };
    result.unwrap_or_else(ApiError::into_response)
}
