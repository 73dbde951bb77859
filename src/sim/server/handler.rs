//! The entry point of every request: read it, authenticate, count and record it, route it.
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;

use crate::sim::types::SimUser;

use super::Shared;
use super::api;
use super::connect;
use super::discovery;
use super::rbac;
use super::recorder::{self, RecordedRequest};
use super::routes::{self, Route};
use super::status::{ApiError, json_response, text_response};

/// Bodies larger than this are refused (a real server's limit is 3 MiB per object; lists are not posted).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A request, read in full.
pub struct ApiRequest<'a> {
    pub method: Method,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub user: &'a SimUser,
}

impl ApiRequest<'_> {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query.get(key).map(String::as_str)
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.param(key), Some("true" | "1"))
    }

    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn dry_run(&self) -> bool {
        self.param("dryRun") == Some("All")
    }

    /// The field manager: the query's, else the user agent's first word, as a real server derives it.
    pub fn manager(&self) -> String {
        if let Some(manager) = self.param("fieldManager").filter(|m| !m.is_empty()) {
            return manager.to_string();
        }
        self.header(header::USER_AGENT)
            .and_then(|ua| ua.split('/').next())
            .filter(|m| !m.is_empty())
            .unwrap_or("unknown")
            .to_string()
    }
}

fn parse_query(uri: &http::Uri) -> BTreeMap<String, String> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0.into_iter().collect())
        .unwrap_or_default()
}

pub async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let (mut parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => return ApiError::bad_request(format!("reading the request body: {e}")).into_response(),
    };
    let query = parse_query(&parts.uri);
    let path = parts.uri.path().to_string();
    let route = routes::parse(shared.opts.flavour, &path);
    let authorization = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let user = rbac::authenticate(&shared.users, authorization).cloned();
    let watch_param = matches!(query.get("watch").map(String::as_str), Some("true" | "1"));
    let (verb, resource) = match &route {
        Route::Resource(target) => (target.verb(&parts.method, watch_param).to_string(), target.resource_label()),
        _ => (parts.method.as_str().to_lowercase(), path.clone()),
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    shared.recorder().record(RecordedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        query: query.clone(),
        body: recorder::body_value(content_type.as_deref(), &body),
        content_type,
        user: user.as_ref().map(|u| u.name.clone()),
        verb,
        resource,
    });
    let flavour = shared.opts.flavour;
    match route {
        Route::Version => return json_response(StatusCode::OK, &discovery::version(flavour)),
        Route::Health => return text_response(StatusCode::OK, "ok".into()),
        _ => {}
    }
    let Some(user) = user.as_ref() else { return ApiError::unauthorized().into_response() };
    let found = |body: Option<serde_json::Value>| match body {
        Some(body) => json_response(StatusCode::OK, &body),
        None => ApiError::no_route().into_response(),
    };
    match route {
        Route::Version | Route::Health | Route::NotFound => ApiError::no_route().into_response(),
        Route::OpenApiV2 => discovery::openapi_v2(),
        Route::CoreVersions => json_response(StatusCode::OK, &discovery::core_versions(shared.addr)),
        Route::GroupList => json_response(StatusCode::OK, &discovery::group_list(flavour)),
        Route::Group(group) => found(discovery::group(flavour, &group)),
        Route::ResourceList { group, version } => found(discovery::resource_list(flavour, &group, &version)),
        Route::Resource(target) if connect::is_connect(&target) => {
            let upgrade = parts.extensions.remove::<OnUpgrade>();
            let request = ApiRequest { method: parts.method, query, headers: parts.headers, body, user };
            connect::serve(shared, &target, &request, &parts.uri, upgrade)
        }
        Route::Resource(target) => {
            let request = ApiRequest { method: parts.method, query, headers: parts.headers, body, user };
            api::serve(shared, &target, &request).unwrap_or_else(ApiError::into_response)
        }
    }
}
