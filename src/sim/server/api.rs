//! Resource requests: RBAC, then list, watch, get, create, update, patch, delete and the subresources.
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use base64::Engine;
use http::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

use super::convert;
use super::handler::ApiRequest;
use super::logs;
use super::meta;
use super::ops::{self, DeleteOptions, Deleted, WriteMode};
use super::patch::{self, PatchType};
use super::proto;
use super::rbac;
use super::registry::{self, Resource};
use super::routes::Target;
use super::selectors::{FieldSelector, LabelSelector};
use super::status::{self, ApiError, json_response};
use super::store::Store;
use super::table::{self, IncludeObject};
use super::watch::{self, WatchRequest};
use super::{Flavour, Shared};

type Reply = Result<Response<Body>, ApiError>;

pub fn serve(shared: Arc<Shared>, target: &Target, req: &ApiRequest) -> Reply {
    let res = target.res;
    let verb = target.verb(&req.method, req.flag("watch"));
    // As in Kubernetes, a namespace object is authorized within itself, so a RoleBinding can grant it.
    let rbac_namespace = if res.is_namespaces() { target.name.as_deref() } else { target.namespace.as_deref() };
    let attrs = rbac::Attributes {
        verb,
        group: res.group,
        resource: res.plural,
        subresource: target.subresource.as_deref(),
        namespace: rbac_namespace,
    };
    if !rbac::allowed(req.user, &attrs) {
        return Err(ApiError::forbidden(
            &req.user.name,
            verb,
            res,
            target.subresource.as_deref(),
            rbac_namespace,
            target.name.as_deref(),
        ));
    }
    let ns = target.namespace.as_deref();
    let Some(name) = target.name.as_deref() else {
        if !res.verbs.contains(&verb) {
            return Err(ApiError::method_not_allowed());
        }
        return match verb {
            "list" => list(&shared, res, ns, req),
            "watch" => watch(shared, res, ns, req),
            "create" if res.plural == "selfsubjectaccessreviews" => access_review(req),
            "create" if res.plural == "selfsubjectrulesreviews" => rules_review(req),
            "create" => create(&shared, res, ns, req),
            "deletecollection" => delete_collection(&shared, res, ns, req),
            _ => Err(ApiError::method_not_allowed()),
        };
    };
    match target.subresource.as_deref() {
        None => {
            if !res.verbs.contains(&verb) && verb != "watch" {
                return Err(ApiError::method_not_allowed());
            }
            match verb {
                "get" => get(&shared, res, ns, name, req),
                "watch" => {
                    let mut by_name = req.query.clone();
                    by_name.insert("fieldSelector".into(), format!("metadata.name={name}"));
                    let named = ApiRequest {
                        query: by_name,
                        method: req.method.clone(),
                        headers: req.headers.clone(),
                        body: req.body.clone(),
                        user: req.user,
                    };
                    watch(shared, res, ns, &named)
                }
                "update" => update(&shared, res, ns, name, req, WriteMode::Main),
                "patch" => patch(&shared, res, ns, name, req, WriteMode::Main),
                "delete" => delete(&shared, res, ns, name, req),
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        Some("status") if res.has_status() => match req.method {
            Method::GET => get(&shared, res, ns, name, req),
            Method::PUT => update(&shared, res, ns, name, req, WriteMode::Status),
            Method::PATCH => patch(&shared, res, ns, name, req, WriteMode::Status),
            _ => Err(ApiError::method_not_allowed()),
        },
        Some("scale") if res.subresource("scale").is_some() => scale(&shared, res, ns, name, req),
        Some("log") if res.is_pods() && req.method == Method::GET => log(shared, ns, name, req),
        Some("eviction") if res.is_pods() && req.method == Method::POST => evict(&shared, res, ns, name, req),
        Some("exec") if res.is_pods() => Err(ApiError::bad_request("exec is not supported by the simulated cluster")),
        _ => Err(ApiError::no_route()),
    }
}

fn flavour(shared: &Shared) -> Flavour {
    shared.opts.flavour
}

/// A served item as lists carry it: without kind and apiVersion.
fn list_item(mut served: Value) -> Value {
    if let Value::Object(map) = &mut served {
        map.remove("kind");
        map.remove("apiVersion");
    }
    served
}

fn created(obj: &Value) -> Response<Body> {
    json_response(StatusCode::CREATED, obj)
}

fn ok(obj: &Value) -> Response<Body> {
    json_response(StatusCode::OK, obj)
}

fn selectors(res: &Resource, req: &ApiRequest) -> Result<(LabelSelector, FieldSelector), ApiError> {
    Ok((
        LabelSelector::parse(req.param("labelSelector").unwrap_or_default())?,
        FieldSelector::parse(req.param("fieldSelector").unwrap_or_default(), res)?,
    ))
}

fn list_metadata(res: &Resource, ns: Option<&str>, flavour: Flavour, rv: u64) -> Value {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if flavour == Flavour::V1_19 {
        metadata["selfLink"] = json!(convert::self_link(res, ns, None));
    }
    metadata
}

// ---- list and paging ----

/// The opaque continue token: base64 of JSON, as a real server's (`pods-list-page1.json`).
#[derive(Debug, Clone, PartialEq)]
struct ContinueToken {
    rv: u64,
    /// The last key served: (namespace, name); the next page starts after it.
    after: (String, String),
}

fn encode_continue(rv: u64, last: &(String, String), cluster_wide: bool) -> String {
    let key = if cluster_wide && !last.0.is_empty() { format!("{}/{}", last.0, last.1) } else { last.1.clone() };
    // A struct, not a map, to keep the real server's field order (the token is compared byte for byte).
    #[derive(serde::Serialize)]
    struct Body {
        v: &'static str,
        rv: u64,
        start: String,
    }
    let body = Body { v: "meta.k8s.io/v1", rv, start: format!("{key}\u{0}") };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap_or_default())
}

fn decode_continue(token: &str, namespace: Option<&str>) -> Result<ContinueToken, ApiError> {
    let invalid = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).map_err(|_| invalid())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    let rv = body.get("rv").and_then(Value::as_u64).ok_or_else(invalid)?;
    let start = body.get("start").and_then(Value::as_str).ok_or_else(invalid)?;
    let key = start.strip_suffix('\u{0}').unwrap_or(start);
    let after = match (namespace, key.split_once('/')) {
        (Some(ns), _) => (ns.to_string(), key.to_string()),
        (None, Some((ns, name))) => (ns.to_string(), name.to_string()),
        (None, None) => (String::new(), key.to_string()),
    };
    Ok(ContinueToken { rv, after })
}

fn list(shared: &Shared, res: &'static Resource, ns: Option<&str>, req: &ApiRequest) -> Reply {
    let (labels, fields) = selectors(res, req)?;
    let limit = req.param("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0);
    let token = match req.param("continue").filter(|c| !c.is_empty()) {
        Some(t) => Some(decode_continue(t, ns)?),
        None => None,
    };
    let flavour = flavour(shared);
    let store = shared.store();
    if let Some(token) = &token
        && token.rv < store.floor()
    {
        return Err(ApiError::expired(
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        ));
    }
    let rv = token.as_ref().map_or(store.resource_version(), |t| t.rv);
    let matching: Vec<(&(String, String), &Value)> = store
        .list(res.storage, ns)
        .filter(|(key, _)| token.as_ref().is_none_or(|t| *key > &t.after))
        .filter(|(_, obj)| labels.matches(meta::labels(obj)) && fields.matches(obj))
        .collect();
    let take = limit.unwrap_or(matching.len()).min(matching.len());
    let remaining = matching.len() - take;
    let mut metadata = list_metadata(res, ns, flavour, rv);
    if remaining > 0
        && let Some((last, _)) = matching.get(take.saturating_sub(1))
    {
        metadata["continue"] = json!(encode_continue(rv, last, ns.is_none()));
        // A real server can only count what is left when nothing filters the list.
        if labels.is_empty() && fields.is_empty() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    let served: Vec<Value> = matching[..take].iter().map(|(_, obj)| convert::to_served(res, obj, flavour)).collect();
    drop(store);
    if table::wants_table(req.header(header::ACCEPT)) {
        let include = IncludeObject::from_query(req.param("includeObject"));
        return Ok(ok(&table::table(res, &served, metadata, include, jiff::Timestamp::now())));
    }
    let items: Vec<Value> = served.into_iter().map(list_item).collect();
    Ok(ok(&json!({
        "kind": format!("{}List", res.kind),
        "apiVersion": res.api_version(),
        "metadata": metadata,
        "items": items,
    })))
}

fn watch(shared: Arc<Shared>, res: &'static Resource, ns: Option<&str>, req: &ApiRequest) -> Reply {
    let (labels, fields) = selectors(res, req)?;
    let resource_version = match req.param("resourceVersion").filter(|rv| !rv.is_empty() && *rv != "0") {
        Some(rv) => Some(rv.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!("resourceVersion: Invalid value: \"{rv}\": must be a valid resource version"))
        })?),
        None => None,
    };
    let timeout =
        req.param("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()).filter(|t| *t > 0).map(Duration::from_secs);
    let request = WatchRequest {
        res,
        namespace: ns.map(str::to_string),
        labels,
        fields,
        resource_version,
        bookmarks: req.flag("allowWatchBookmarks"),
        send_initial_events: req.flag("sendInitialEvents"),
        timeout,
        table: table::wants_table(req.header(header::ACCEPT))
            .then(|| IncludeObject::from_query(req.param("includeObject"))),
    };
    Ok(watch::start(shared, request))
}

// ---- single objects ----

fn stored(store: &Store, res: &Resource, ns: Option<&str>, name: &str) -> Result<Value, ApiError> {
    let ns = if res.namespaced { ns.unwrap_or_default() } else { "" };
    store.get(res.storage, ns, name).cloned().ok_or_else(|| ApiError::not_found(res, name))
}

fn get(shared: &Shared, res: &'static Resource, ns: Option<&str>, name: &str, req: &ApiRequest) -> Reply {
    let obj = stored(&shared.store(), res, ns, name)?;
    let served = convert::to_served(res, &obj, flavour(shared));
    if table::wants_table(req.header(header::ACCEPT)) {
        let rv = meta::resource_version(&served).unwrap_or_default().to_string();
        let include = IncludeObject::from_query(req.param("includeObject"));
        let metadata = json!({"resourceVersion": rv});
        return Ok(ok(&table::table(res, &[served], metadata, include, jiff::Timestamp::now())));
    }
    Ok(ok(&served))
}

/// The request body as an object: JSON, YAML when the client says so, or the few protobuf kinds kubectl
/// sends that way.
fn body_object(req: &ApiRequest) -> Result<Value, ApiError> {
    let content_type = req.header(header::CONTENT_TYPE).unwrap_or_default();
    if content_type.starts_with(proto::CONTENT_TYPE) {
        return proto::decode(&req.body)
            .ok_or_else(|| ApiError::unsupported_media_type(content_type, "application/json, application/yaml"));
    }
    let is_yaml = content_type.contains("yaml");
    let parsed: Result<Value, String> = if is_yaml {
        std::str::from_utf8(&req.body)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_yaml::from_str(text).map_err(|e| e.to_string()))
    } else {
        serde_json::from_slice(&req.body).map_err(|e| e.to_string())
    };
    let value = parsed.map_err(|e| ApiError::bad_request(format!("error decoding the request body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("the body of the request must be an object"));
    }
    Ok(value)
}

/// The body must be of the kind and version the path serves (when it says).
fn check_type(res: &Resource, body: &Value) -> Result<(), ApiError> {
    let expected = res.api_version();
    if let Some(api_version) = body.get("apiVersion").and_then(Value::as_str).filter(|v| *v != expected) {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({expected})"
        )));
    }
    if let Some(kind) = body.get("kind").and_then(Value::as_str).filter(|k| *k != res.kind) {
        return Err(ApiError::bad_request(format!(
            "the kind in the data ({kind}) does not match the expected kind ({})",
            res.kind
        )));
    }
    Ok(())
}

fn create(shared: &Arc<Shared>, res: &'static Resource, ns: Option<&str>, req: &ApiRequest) -> Reply {
    let body = body_object(req)?;
    check_type(res, &body)?;
    let dry_run = req.dry_run();
    let written = shared.write(|store| ops::create(store, res, ns, body, dry_run))?;
    Ok(created(&convert::to_served(res, &written, flavour(shared))))
}

fn update(
    shared: &Arc<Shared>,
    res: &'static Resource,
    ns: Option<&str>,
    name: &str,
    req: &ApiRequest,
    mode: WriteMode,
) -> Reply {
    let body = body_object(req)?;
    check_type(res, &body)?;
    let dry_run = req.dry_run();
    let written = shared.write(|store| ops::update(store, res, ns, name, body, mode, dry_run))?;
    Ok(ok(&convert::to_served(res, &written, flavour(shared))))
}

/// Record who changed what, as a real server's field manager does (simplified: the patch's own fields).
fn record_manager(obj: &mut Value, manager: &str, apply: bool, api_version: &str, patch_body: &Value) {
    if !patch_body.is_object() {
        return;
    }
    let operation = if apply { "Apply" } else { "Update" };
    let entry = json!({
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": meta::now(),
        "fieldsType": "FieldsV1",
        "fieldsV1": patch::fields_v1(patch_body),
    });
    let metadata = meta::metadata_mut(obj);
    let fields = metadata.entry("managedFields").or_insert_with(|| json!([]));
    if let Value::Array(entries) = fields {
        entries.retain(|e| {
            !(e.get("manager").and_then(Value::as_str) == Some(manager)
                && e.get("operation").and_then(Value::as_str) == Some(operation))
        });
        entries.push(entry);
    }
}

fn patch_type(req: &ApiRequest) -> Result<PatchType, ApiError> {
    let content_type = req.header(header::CONTENT_TYPE).unwrap_or_default();
    let kind =
        PatchType::from_content_type(content_type).ok_or_else(|| {
        ApiError::unsupported_media_type(
            content_type,
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
        )
    })?;
    if kind == PatchType::Apply && req.param("fieldManager").is_none_or(str::is_empty) {
        return Err(ApiError::new(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
        ));
    }
    Ok(kind)
}

fn patch(
    shared: &Arc<Shared>,
    res: &'static Resource,
    ns: Option<&str>,
    name: &str,
    req: &ApiRequest,
    mode: WriteMode,
) -> Reply {
    let kind = patch_type(req)?;
    let patch_body = patch::parse_body(kind, &req.body)?;
    let dry_run = req.dry_run();
    let manager = req.manager();
    let flavour = flavour(shared);
    let outcome = shared.write(|store| -> Result<(Value, bool), ApiError> {
        let current = match stored(store, res, ns, name) {
            Ok(current) => current,
            // Server-side apply creates what does not exist yet.
            Err(e) if e.code == 404 && kind == PatchType::Apply && mode == WriteMode::Main => {
                let mut body = patch_body.clone();
                meta::metadata_mut(&mut body).insert("name".into(), json!(name));
                record_manager(&mut body, &manager, true, &res.api_version(), &patch_body);
                return ops::create(store, res, ns, body, dry_run).map(|obj| (obj, true));
            }
            Err(e) => return Err(e),
        };
        let served = convert::to_served(res, &current, flavour);
        let mut patched = patch::apply(kind, &served, &patch_body)?;
        if let Some(wanted) = patch_body.pointer("/metadata/resourceVersion").and_then(Value::as_str)
            && Some(wanted) != meta::resource_version(&current)
        {
            return Err(ApiError::conflict(res, name));
        }
        // A patch is applied to the latest version: only an explicit resourceVersion is a precondition.
        if let Some(rv) = meta::resource_version(&current) {
            meta::metadata_mut(&mut patched).insert("resourceVersion".into(), json!(rv));
        }
        if mode == WriteMode::Main {
            record_manager(&mut patched, &manager, kind == PatchType::Apply, &res.api_version(), &patch_body);
        }
        ops::update(store, res, ns, name, patched, mode, dry_run).map(|obj| (obj, false))
    })?;
    let (obj, was_created) = outcome;
    let served = convert::to_served(res, &obj, flavour);
    Ok(if was_created { created(&served) } else { ok(&served) })
}

// ---- delete ----

fn delete_options(req: &ApiRequest) -> Result<DeleteOptions, ApiError> {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&req.body)
            .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?
    };
    let grace = req
        .param("gracePeriodSeconds")
        .and_then(|g| g.parse::<i64>().ok())
        .or_else(|| body.get("gracePeriodSeconds").and_then(Value::as_i64));
    let propagation = req
        .param("propagationPolicy")
        .map(str::to_string)
        .or_else(|| body.get("propagationPolicy").and_then(Value::as_str).map(str::to_string));
    let orphan =
        propagation.as_deref() == Some("Orphan") || body.get("orphanDependents").and_then(Value::as_bool) == Some(true);
    let dry_run =
        req.dry_run() || body.get("dryRun").and_then(Value::as_array).is_some_and(|d| d.iter().any(|v| v == "All"));
    let precondition =
        |field: &str| body.pointer(&format!("/preconditions/{field}")).and_then(Value::as_str).map(str::to_string);
    Ok(DeleteOptions {
        grace_seconds: grace,
        orphan,
        precondition_uid: precondition("uid"),
        precondition_rv: precondition("resourceVersion"),
        dry_run,
    })
}

/// Pods and services answer a delete with the object; other kinds with a Status (as real registries do).
fn returns_deleted_object(res: &Resource) -> bool {
    matches!(res.storage, registry::PODS | "core/services")
}

fn delete(shared: &Arc<Shared>, res: &'static Resource, ns: Option<&str>, name: &str, req: &ApiRequest) -> Reply {
    let opts = delete_options(req)?;
    let outcome = shared.write(|store| ops::delete(store, res, ns, name, &opts))?;
    let flavour = flavour(shared);
    Ok(match outcome {
        Deleted::Pending(obj) => ok(&convert::to_served(res, &obj, flavour)),
        Deleted::Gone(obj) if returns_deleted_object(res) => ok(&convert::to_served(res, &obj, flavour)),
        Deleted::Gone(obj) => ok(&status::delete_success(res, name, meta::uid(&obj))),
    })
}

fn delete_collection(shared: &Arc<Shared>, res: &'static Resource, ns: Option<&str>, req: &ApiRequest) -> Reply {
    let (labels, fields) = selectors(res, req)?;
    let opts = delete_options(req)?;
    let flavour = flavour(shared);
    let deleted = shared.write(|store| {
        let names: Vec<(String, String)> = store
            .list(res.storage, ns)
            .filter(|(_, obj)| labels.matches(meta::labels(obj)) && fields.matches(obj))
            .map(|(key, _)| key.clone())
            .collect();
        names
            .iter()
            .filter_map(|(object_ns, name)| {
                let namespace = (!object_ns.is_empty()).then_some(object_ns.as_str());
                match ops::delete(store, res, namespace, name, &opts).ok()? {
                    Deleted::Gone(obj) | Deleted::Pending(obj) => Some(obj),
                }
            })
            .collect::<Vec<Value>>()
    });
    let rv = shared.store().resource_version();
    let items: Vec<Value> = deleted.iter().map(|obj| list_item(convert::to_served(res, obj, flavour))).collect();
    Ok(ok(&json!({
        "kind": format!("{}List", res.kind),
        "apiVersion": res.api_version(),
        "metadata": list_metadata(res, ns, flavour, rv),
        "items": items,
    })))
}

// ---- subresources ----

/// The autoscaling/v1 Scale of a workload, as `deployment-scale.json`.
fn scale_of(res: &Resource, obj: &Value, flavour: Flavour) -> Value {
    let mut metadata = json!({});
    for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
        if let Some(v) = meta::metadata(obj).and_then(|m| m.get(key)) {
            metadata[key] = v.clone();
        }
    }
    if flavour == Flavour::V1_19 {
        metadata["selfLink"] =
            json!(format!("{}/scale", convert::self_link(res, meta::namespace(obj), meta::name(obj))));
    }
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1)},
        "status": {
            "replicas": obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0),
            "selector": crate::analysis::selector::selector_string(obj.pointer("/spec/selector")),
        },
    })
}

fn scale(shared: &Arc<Shared>, res: &'static Resource, ns: Option<&str>, name: &str, req: &ApiRequest) -> Reply {
    let flavour = flavour(shared);
    if req.method == Method::GET {
        let obj = stored(&shared.store(), res, ns, name)?;
        return Ok(ok(&scale_of(res, &obj, flavour)));
    }
    let incoming = match req.method {
        Method::PUT => Some(body_object(req)?),
        Method::PATCH => None,
        _ => return Err(ApiError::method_not_allowed()),
    };
    let patch = match incoming {
        Some(_) => None,
        None => {
            let kind = patch_type(req)?;
            Some((kind, patch::parse_body(kind, &req.body)?))
        }
    };
    let dry_run = req.dry_run();
    let written = shared.write(|store| {
        let current = stored(store, res, ns, name)?;
        let current_scale = scale_of(res, &current, flavour);
        let wanted = match (&incoming, &patch) {
            (Some(body), _) => body.clone(),
            (None, Some((kind, body))) => patch::apply(*kind, &current_scale, body)?,
            (None, None) => current_scale,
        };
        if let Some(rv) = meta::resource_version(&wanted)
            && Some(rv) != meta::resource_version(&current)
        {
            return Err(ApiError::conflict(res, name));
        }
        let replicas = wanted
            .pointer("/spec/replicas")
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError::invalid(res, name, "spec.replicas: Required value"))?;
        if replicas < 0 {
            return Err(ApiError::invalid(
                res,
                name,
                format!("spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"),
            ));
        }
        let mut parent = current;
        parent["spec"]["replicas"] = json!(replicas);
        ops::update(store, res, ns, name, parent, WriteMode::Main, dry_run)
    })?;
    Ok(ok(&scale_of(res, &written, flavour)))
}

fn log(shared: Arc<Shared>, ns: Option<&str>, name: &str, req: &ApiRequest) -> Reply {
    let number = |key: &str| req.param(key).and_then(|v| v.parse::<i64>().ok());
    let opts = logs::LogOptions {
        container: req.param("container").filter(|c| !c.is_empty()).map(str::to_string),
        previous: req.flag("previous"),
        follow: req.flag("follow"),
        timestamps: req.flag("timestamps"),
        tail_lines: number("tailLines").and_then(|n| usize::try_from(n).ok()),
        since_seconds: number("sinceSeconds"),
        limit_bytes: number("limitBytes").and_then(|n| usize::try_from(n).ok()),
    };
    logs::serve(shared, ns.unwrap_or_default(), name, opts)
}

fn evict(shared: &Arc<Shared>, res: &'static Resource, ns: Option<&str>, name: &str, req: &ApiRequest) -> Reply {
    let body: Value = if req.body.is_empty() { json!({}) } else { body_object(req)? };
    let opts = DeleteOptions {
        grace_seconds: body.pointer("/deleteOptions/gracePeriodSeconds").and_then(Value::as_i64),
        dry_run: req.dry_run(),
        ..DeleteOptions::default()
    };
    shared.write(|store| ops::delete(store, res, ns, name, &opts))?;
    Ok(created(&json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})))
}

// ---- authorization reviews ----

fn access_review(req: &ApiRequest) -> Reply {
    let body = body_object(req)?;
    Ok(created(&rbac::access_review(req.user, &body, &req.manager())))
}

fn rules_review(req: &ApiRequest) -> Reply {
    let body = body_object(req)?;
    let namespace = body.pointer("/spec/namespace").and_then(Value::as_str).unwrap_or_default();
    Ok(created(&rbac::rules_review(req.user, namespace)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_look_like_the_real_servers() {
        let token = encode_continue(137015, &("acme".into(), "frontend-58484bb74c-cgvbf".into()), false);
        assert_eq!(
            token,
            "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTM3MDE1LCJzdGFydCI6ImZyb250ZW5kLTU4NDg0YmI3NGMtY2d2YmZcdTAwMDAifQ"
        );
        let decoded = decode_continue(&token, Some("acme")).expect("decodes");
        assert_eq!(decoded, ContinueToken { rv: 137015, after: ("acme".into(), "frontend-58484bb74c-cgvbf".into()) });
        let wide = encode_continue(5, &("a".into(), "b".into()), true);
        assert_eq!(decode_continue(&wide, None).map(|t| t.after), Ok(("a".into(), "b".into())));
        assert!(decode_continue("!!!", None).is_err());
    }

    #[test]
    fn scale_selectors_are_strings() {
        let selector = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}]});
        assert_eq!(crate::analysis::selector::selector_string(Some(&selector)), "app=web,tier in (a,b)");
        assert_eq!(crate::analysis::selector::selector_string(Some(&json!({"app": "rc"}))), "app=rc");
    }
}
