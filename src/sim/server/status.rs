//! `Status` bodies and the error type every handler returns, shaped exactly like a real API server's.
use axum::body::Body;
use http::{Response, StatusCode, header};
use serde_json::{Map, Value, json};

use super::registry::Resource;

/// An API error: rendered as a `Status` object with the matching HTTP code.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: Option<&'static str>,
    pub message: String,
    /// `None` leaves `details` out; `Some` of an empty map writes `"details": {}`.
    pub details: Option<Map<String, Value>>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError { code, reason: Some(reason), message: message.into(), details: None }
    }

    fn with_details(mut self, res: &Resource, name: Option<&str>) -> Self {
        self.details = Some(details(res, name));
        self
    }

    pub fn to_status(&self) -> Value {
        let mut status = Map::new();
        status.insert("kind".into(), json!("Status"));
        status.insert("apiVersion".into(), json!("v1"));
        status.insert("metadata".into(), json!({}));
        status.insert("status".into(), json!("Failure"));
        status.insert("message".into(), json!(self.message));
        if let Some(reason) = self.reason {
            status.insert("reason".into(), json!(reason));
        }
        if let Some(details) = &self.details {
            status.insert("details".into(), Value::Object(details.clone()));
        }
        status.insert("code".into(), json!(self.code));
        Value::Object(status)
    }

    pub fn into_response(self) -> Response<Body> {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        json_response(code, &self.to_status())
    }

    /// The 404 of a path the server does not serve at all.
    pub fn no_route() -> Self {
        ApiError {
            code: 404,
            reason: Some("NotFound"),
            message: "the server could not find the requested resource".into(),
            details: Some(Map::new()),
        }
    }

    pub fn not_found(res: &Resource, name: &str) -> Self {
        ApiError::new(404, "NotFound", format!("{} \"{name}\" not found", res.qualified()))
            .with_details(res, Some(name))
    }

    pub fn namespace_not_found(namespace: &str) -> Self {
        let mut details = Map::new();
        details.insert("name".into(), json!(namespace));
        details.insert("kind".into(), json!("namespaces"));
        ApiError {
            details: Some(details),
            ..ApiError::new(404, "NotFound", format!("namespaces \"{namespace}\" not found"))
        }
    }

    pub fn already_exists(res: &Resource, name: &str) -> Self {
        ApiError::new(409, "AlreadyExists", format!("{} \"{name}\" already exists", res.qualified()))
            .with_details(res, Some(name))
    }

    pub fn conflict(res: &Resource, name: &str) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                res.qualified()
            ),
        )
        .with_details(res, Some(name))
    }

    pub fn precondition_failed(res: &Resource, name: &str, message: String) -> Self {
        ApiError::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {} \"{name}\": {message}", res.qualified()),
        )
        .with_details(res, Some(name))
    }

    pub fn forbidden(
        user: &str,
        verb: &str,
        res: &Resource,
        subresource: Option<&str>,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Self {
        let subject = match name {
            Some(name) => format!("{} \"{name}\"", res.qualified()),
            None => res.qualified(),
        };
        let resource = match subresource {
            Some(sub) => format!("{}/{sub}", res.plural),
            None => res.plural.to_string(),
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_string(),
        };
        ApiError::new(
            403,
            "Forbidden",
            format!(
                "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{}\" {scope}",
                res.group
            ),
        )
        .with_details(res, name)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn invalid(res: &Resource, name: &str, message: impl Into<String>) -> Self {
        let mut details = details(res, Some(name));
        details.insert("kind".into(), json!(res.kind));
        ApiError {
            details: Some(details),
            ..ApiError::new(422, "Invalid", format!("{} \"{name}\" is invalid: {}", res.kind, message.into()))
        }
    }

    pub fn expired(message: impl Into<String>) -> Self {
        ApiError::new(410, "Expired", message)
    }

    pub fn method_not_allowed() -> Self {
        ApiError::new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
    }

    /// A body in a format the server does not read; `accepted` lists the media types it does.
    pub fn unsupported_media_type(content_type: &str, accepted: &str) -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format ({content_type:?}) - accepted media types include: {accepted}"
            ),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { reason: None, ..ApiError::new(500, "InternalError", message) }
    }
}

/// `details` as a real server writes it: name, group (not for core), kind (the plural).
fn details(res: &Resource, name: Option<&str>) -> Map<String, Value> {
    let mut details = Map::new();
    if let Some(name) = name {
        details.insert("name".into(), json!(name));
    }
    if !res.group.is_empty() {
        details.insert("group".into(), json!(res.group));
    }
    details.insert("kind".into(), json!(res.plural));
    details
}

/// The `Status` a successful delete answers with when the object is gone at once.
pub fn delete_success(res: &Resource, name: &str, uid: Option<&str>) -> Value {
    let mut details = details(res, Some(name));
    if let Some(uid) = uid {
        details.insert("uid".into(), json!(uid));
    }
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

pub fn json_response(code: StatusCode, body: &Value) -> Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = code;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    response
}

pub fn text_response(code: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = code;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::server::{Flavour, registry};

    use crate::sim::server::fixture;

    #[test]
    fn forbidden_bodies_match_the_real_server() {
        let pods = registry::find(Flavour::V1_19, "", "v1", "pods").expect("pods");
        let secrets = registry::find(Flavour::V1_19, "", "v1", "secrets").expect("secrets");
        assert_eq!(
            ApiError::forbidden("dev", "list", pods, None, None, None).to_status(),
            fixture("error-403-forbidden-list-all-pods.json")
        );
        assert_eq!(
            ApiError::forbidden("dev", "list", secrets, None, Some("acme"), None).to_status(),
            fixture("error-403-forbidden-secrets.json")
        );
    }

    #[test]
    fn not_found_matches_the_real_server() {
        let pods = registry::find(Flavour::V1_19, "", "v1", "pods").expect("pods");
        assert_eq!(ApiError::not_found(pods, "no-such-pod").to_status(), fixture("error-404-not-found.json"));
    }

    #[test]
    fn named_forbidden_in_a_group_names_the_group() {
        let deployments = registry::find(Flavour::Modern, "apps", "v1", "deployments").expect("deployments");
        let status = ApiError::forbidden("dev", "patch", deployments, None, Some("acme"), Some("web")).to_status();
        assert_eq!(
            status["message"],
            "deployments.apps \"web\" is forbidden: User \"dev\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"acme\""
        );
        assert_eq!(status["details"], json!({"name": "web", "group": "apps", "kind": "deployments"}));
    }
}
