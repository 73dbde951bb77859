//! Writes as the API server performs them: create, update, delete (graceful for pods, held by finalizers),
//! garbage collection of dependents, and applying the simulated controllers' changes until the world settles.
use std::collections::HashSet;

use serde_json::{Value, json};

use crate::sim::types::Change;

use super::convert;
use super::meta;
use super::registry::{self, Resource};
use super::status::ApiError;
use super::store::{PendingRemoval, Store};
use super::world_link;

/// How many reconcile rounds a write may trigger before the server stops asking (a controller that never
/// settles must not hang the server).
const MAX_RECONCILE_ROUNDS: usize = 10;
/// A pod's grace period when neither the request nor the pod names one.
const DEFAULT_GRACE_SECONDS: i64 = 30;

/// Which part of an object an update may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// The main resource: `.status` is kept when the kind has a status subresource.
    Main,
    /// The status subresource: only `.status` changes.
    Status,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeleteOptions {
    pub grace_seconds: Option<i64>,
    pub orphan: bool,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
    pub dry_run: bool,
}

/// What a delete did.
#[derive(Debug, Clone, PartialEq)]
pub enum Deleted {
    /// Removed at once; the object's last state.
    Gone(Value),
    /// Marked with a deletionTimestamp: a pod in its grace period, or an object held by finalizers.
    Pending(Value),
}

fn ns_key(res: &Resource, namespace: Option<&str>) -> String {
    if res.namespaced { namespace.unwrap_or_default().to_string() } else { String::new() }
}

/// Fill what the server owns on create: name from generateName, uid, timestamps, generation.
fn prepare_create(store: &Store, res: &Resource, mut obj: Value) -> Result<Value, ApiError> {
    let namespace = meta::namespace(&obj).map(str::to_string);
    let key_ns = ns_key(res, namespace.as_deref());
    if meta::name(&obj).is_none() {
        let Some(prefix) = meta::meta_str(&obj, "generateName").map(str::to_string) else {
            return Err(ApiError::invalid(res, "", "metadata.name: Required value: name or generateName is required"));
        };
        let name = (0..32)
            .map(|_| format!("{prefix}{}", meta::random_suffix()))
            .find(|candidate| store.get(res.storage, &key_ns, candidate).is_none())
            .ok_or_else(|| ApiError::internal("could not generate a unique name"))?;
        meta::metadata_mut(&mut obj).insert("name".into(), json!(name));
    }
    let metadata = meta::metadata_mut(&mut obj);
    metadata.remove("resourceVersion");
    metadata.remove("deletionTimestamp");
    metadata.remove("deletionGracePeriodSeconds");
    metadata.insert("uid".into(), json!(meta::new_uid()));
    metadata.insert("creationTimestamp".into(), json!(meta::now()));
    if res.generation {
        metadata.insert("generation".into(), json!(1));
    } else {
        metadata.remove("generation");
    }
    if res.is_namespaces() && obj.pointer("/status/phase").is_none() {
        obj["status"] = json!({"phase": "Active"});
    }
    Ok(obj)
}

/// Create through the API: the namespace must exist and the name must be free.
pub fn create(
    store: &mut Store,
    res: &'static Resource,
    namespace: Option<&str>,
    obj: Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let mut obj = convert::to_storage(res, obj);
    if res.namespaced {
        let ns = namespace.unwrap_or_default();
        match meta::namespace(&obj) {
            Some(given) if given != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => {
                meta::metadata_mut(&mut obj).insert("namespace".into(), json!(ns));
            }
        }
        if !store.namespace_exists(ns) {
            return Err(ApiError::namespace_not_found(ns));
        }
    } else {
        meta::metadata_mut(&mut obj).remove("namespace");
    }
    let obj = prepare_create(store, res, obj)?;
    let name = meta::name(&obj).unwrap_or_default().to_string();
    if store.get(res.storage, &ns_key(res, namespace), &name).is_some() {
        return Err(ApiError::already_exists(res, &name));
    }
    if dry_run {
        return Ok(obj);
    }
    Ok(store.put(res.storage, obj))
}

/// The object an update writes, from the stored one and the incoming one.
fn merged_update(res: &Resource, stored: &Value, incoming: Value, mode: WriteMode) -> Value {
    let mut new = match mode {
        WriteMode::Status => {
            let mut new = stored.clone();
            match incoming.get("status") {
                Some(status) => new["status"] = status.clone(),
                None => {
                    if let Some(map) = new.as_object_mut() {
                        map.remove("status");
                    }
                }
            }
            new
        }
        WriteMode::Main => {
            let mut new = incoming;
            if res.has_status() {
                match stored.get("status") {
                    Some(status) => new["status"] = status.clone(),
                    None => {
                        if let Some(map) = new.as_object_mut() {
                            map.remove("status");
                        }
                    }
                }
            }
            new
        }
    };
    if let (Value::Object(map), Some(kind), Some(api_version)) =
        (&mut new, stored.get("kind"), stored.get("apiVersion"))
    {
        map.insert("kind".into(), kind.clone());
        map.insert("apiVersion".into(), api_version.clone());
    }
    keep_server_fields(res, stored, &mut new);
    new
}

/// Fields only the server writes survive any update; generation counts spec changes.
fn keep_server_fields(res: &Resource, stored: &Value, new: &mut Value) {
    let spec_changed = stored.get("spec") != new.get("spec");
    let stored_meta = meta::metadata(stored).cloned().unwrap_or_default();
    let metadata = meta::metadata_mut(new);
    for key in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
        match stored_meta.get(key) {
            Some(v) => metadata.insert(key.into(), v.clone()),
            None => metadata.remove(key),
        };
    }
    if res.generation {
        let generation = stored_meta.get("generation").and_then(Value::as_i64).unwrap_or(1);
        metadata.insert("generation".into(), json!(if spec_changed { generation + 1 } else { generation }));
    }
    if !metadata.contains_key("managedFields")
        && let Some(mf) = stored_meta.get("managedFields")
    {
        metadata.insert("managedFields".into(), mf.clone());
    }
}

/// Update (PUT, or the last step of a PATCH): a stale resourceVersion is a 409 Conflict.
pub fn update(
    store: &mut Store,
    res: &'static Resource,
    namespace: Option<&str>,
    name: &str,
    incoming: Value,
    mode: WriteMode,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let incoming = convert::to_storage(res, incoming);
    if let Some(given) = meta::name(&incoming).filter(|n| *n != name) {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    let ns = ns_key(res, namespace);
    let stored = store.get(res.storage, &ns, name).cloned().ok_or_else(|| ApiError::not_found(res, name))?;
    if let Some(rv) = meta::resource_version(&incoming)
        && Some(rv) != meta::resource_version(&stored)
    {
        return Err(ApiError::conflict(res, name));
    }
    let new = merged_update(res, &stored, incoming, mode);
    if meta::same_content(&new, &stored) || dry_run {
        return Ok(if dry_run { new } else { stored });
    }
    let written = store.put(res.storage, new);
    finish_if_released(store, res, &written);
    Ok(written)
}

/// An object marked for deletion goes once nothing holds it: no finalizers, and for pods a grace period over.
fn finish_if_released(store: &mut Store, res: &'static Resource, obj: &Value) {
    let released = meta::is_terminating(obj)
        && !meta::has_finalizers(obj)
        && (!res.is_pods() || meta::uid(obj).is_some_and(|uid| store.grace_over.contains(uid)));
    if released {
        let ns = meta::namespace(obj).unwrap_or_default().to_string();
        let name = meta::name(obj).unwrap_or_default().to_string();
        remove_now(store, res, &ns, &name, false);
    }
}

/// Delete through the API.
pub fn delete(
    store: &mut Store,
    res: &'static Resource,
    namespace: Option<&str>,
    name: &str,
    opts: &DeleteOptions,
) -> Result<Deleted, ApiError> {
    let ns = ns_key(res, namespace);
    let stored = store.get(res.storage, &ns, name).cloned().ok_or_else(|| ApiError::not_found(res, name))?;
    let uid = meta::uid(&stored).unwrap_or_default();
    if let Some(want) = opts.precondition_uid.as_deref().filter(|want| *want != uid) {
        return Err(ApiError::precondition_failed(
            res,
            name,
            format!("Precondition failed: UID in precondition: {want}, UID in object meta: {uid}"),
        ));
    }
    let rv = meta::resource_version(&stored).unwrap_or_default();
    if let Some(want) = opts.precondition_rv.as_deref().filter(|want| *want != rv) {
        return Err(ApiError::precondition_failed(
            res,
            name,
            format!(
                "Precondition failed: ResourceVersion in precondition: {want}, ResourceVersion in object meta: {rv}"
            ),
        ));
    }
    let force = opts.grace_seconds == Some(0);
    let grace = if res.is_pods() && !force {
        opts.grace_seconds
            .or_else(|| stored.pointer("/spec/terminationGracePeriodSeconds").and_then(Value::as_i64))
            .unwrap_or(DEFAULT_GRACE_SECONDS)
    } else {
        0
    };
    let held = meta::has_finalizers(&stored);
    if meta::is_terminating(&stored) && (!force || held) {
        return Ok(Deleted::Pending(stored));
    }
    if held || grace > 0 {
        let mut marked = stored.clone();
        let when = jiff::Timestamp::now()
            .checked_add(jiff::SignedDuration::from_secs(grace))
            .unwrap_or_else(|_| jiff::Timestamp::now());
        let metadata = meta::metadata_mut(&mut marked);
        metadata.insert("deletionTimestamp".into(), json!(meta::timestamp(when)));
        metadata.insert("deletionGracePeriodSeconds".into(), json!(grace));
        if opts.dry_run {
            return Ok(Deleted::Pending(marked));
        }
        let written = store.put(res.storage, marked);
        if grace > 0 {
            store.pending_removals.push(PendingRemoval {
                storage: res.storage,
                namespace: ns,
                name: name.to_string(),
                uid: uid.to_string(),
            });
        }
        return Ok(Deleted::Pending(written));
    }
    if opts.dry_run {
        return Ok(Deleted::Gone(stored));
    }
    let gone = remove_now(store, res, &ns, name, opts.orphan).unwrap_or(stored);
    Ok(Deleted::Gone(gone))
}

/// Remove an object at once. A namespace takes its contents with it; `orphan` keeps dependents, dropping
/// their owner reference, where otherwise the garbage collector would delete them on the next settle.
pub fn remove_now(
    store: &mut Store,
    res: &'static Resource,
    namespace: &str,
    name: &str,
    orphan: bool,
) -> Option<Value> {
    if res.is_namespaces() {
        let contents: Vec<(&'static str, String)> = store
            .entries()
            .filter(|(_, (ns, _), _)| ns == name)
            .map(|(storage, (_, object), _)| (storage, object.clone()))
            .collect();
        for (storage, object) in contents {
            store.remove(storage, name, &object);
        }
    }
    let gone = store.remove(res.storage, namespace, name)?;
    if let Some(uid) = meta::uid(&gone) {
        store.grace_over.remove(uid);
        if orphan {
            drop_owner_reference(store, uid);
        }
    }
    Some(gone)
}

fn drop_owner_reference(store: &mut Store, owner_uid: &str) {
    let dependents: Vec<(&'static str, Value)> = store
        .entries()
        .filter(|(_, _, obj)| meta::owner_uids(obj).contains(&owner_uid))
        .map(|(storage, _, obj)| (storage, obj.clone()))
        .collect();
    for (storage, mut obj) in dependents {
        if let Some(refs) = obj.pointer_mut("/metadata/ownerReferences").and_then(Value::as_array_mut) {
            refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(owner_uid));
        }
        store.put(storage, obj);
    }
}

/// A pod's grace period has passed: remove it unless finalizers still hold it.
pub fn grace_period_over(store: &mut Store, pending: &PendingRemoval) {
    let Some(obj) = store.get(pending.storage, &pending.namespace, &pending.name) else { return };
    if meta::uid(obj) != Some(pending.uid.as_str()) || !meta::is_terminating(obj) {
        return;
    }
    let held = meta::has_finalizers(obj);
    store.grace_over.insert(pending.uid.clone());
    if !held && let Some(res) = registry::by_storage(pending.storage) {
        remove_now(store, res, &pending.namespace, &pending.name, false);
    }
}

/// Who writes through [`upsert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A client (or a test): a spec change bumps the generation, as an API update does.
    Api,
    /// The simulated controllers: they own the generations they write (defaulting a spec does not bump it;
    /// scaling a ReplicaSet does, and the controller says so).
    Controller,
}

/// Write an object as the controllers (or a test) want it: created, or replaced keeping what the server owns.
/// Returns the stored object and whether anything changed.
pub fn upsert(store: &mut Store, obj: Value, origin: Origin) -> Result<(Value, bool), ApiError> {
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    let res = registry::for_object(api_version, kind).ok_or_else(|| {
        ApiError::bad_request(format!("no kind \"{kind}\" is registered for version \"{api_version}\""))
    })?;
    let obj = convert::to_storage(res, obj);
    let name = meta::name(&obj).ok_or_else(|| ApiError::invalid(res, "", "metadata.name: Required value"))?.to_string();
    let ns = ns_key(res, meta::namespace(&obj));
    match store.get(res.storage, &ns, &name).cloned() {
        Some(stored) => {
            let mut new = obj;
            let stored_meta = meta::metadata(&stored).cloned().unwrap_or_default();
            let spec_changed = stored.get("spec") != new.get("spec");
            let metadata = meta::metadata_mut(&mut new);
            // Immutable once stored, whatever the writer says (a deletion, once started, cannot be undone).
            for key in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"] {
                if let Some(v) = stored_meta.get(key) {
                    metadata.insert(key.into(), v.clone());
                }
            }
            if res.generation {
                let stored_generation = stored_meta.get("generation").and_then(Value::as_i64).unwrap_or(1);
                let generation = match (origin, metadata.get("generation").and_then(Value::as_i64)) {
                    (Origin::Controller, Some(given)) => given,
                    (Origin::Controller, None) => stored_generation,
                    (Origin::Api, _) if spec_changed => stored_generation + 1,
                    (Origin::Api, _) => stored_generation,
                };
                metadata.insert("generation".into(), json!(generation));
            }
            if meta::same_content(&new, &stored) {
                return Ok((stored, false));
            }
            let written = store.put(res.storage, new);
            finish_if_released(store, res, &written);
            Ok((written, true))
        }
        None => {
            let mut new = obj;
            let metadata = meta::metadata_mut(&mut new);
            metadata.entry("uid").or_insert_with(|| json!(meta::new_uid()));
            metadata.entry("creationTimestamp").or_insert_with(|| json!(meta::now()));
            if res.generation {
                metadata.entry("generation").or_insert(json!(1));
            }
            if !res.namespaced {
                metadata.remove("namespace");
            }
            Ok((store.put(res.storage, new), true))
        }
    }
}

/// Delete as the controllers (or a test) want it: pods gracefully, the rest at once.
pub fn delete_object(
    store: &mut Store,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Result<bool, ApiError> {
    let res = registry::for_object(api_version, kind).ok_or_else(|| {
        ApiError::bad_request(format!("no kind \"{kind}\" is registered for version \"{api_version}\""))
    })?;
    let Some(stored) = store.get(res.storage, &ns_key(res, namespace), name) else { return Ok(false) };
    if meta::is_terminating(stored) {
        return Ok(false);
    }
    delete(store, res, namespace, name, &DeleteOptions::default())?;
    Ok(true)
}

fn apply_change(store: &mut Store, change: Change) -> bool {
    let result = match change {
        Change::Upsert(obj) => upsert(store, obj, Origin::Controller).map(|(_, changed)| changed),
        Change::Delete { api_version, kind, namespace, name } => {
            delete_object(store, &api_version, &kind, namespace.as_deref(), &name)
        }
    };
    result.unwrap_or_else(|e| {
        tracing::warn!(error = %e.message, "the simulated controllers asked for a change the server refused");
        false
    })
}

/// Delete objects whose owners are all gone, as the garbage collector does (pods gracefully). Only scans
/// when something was removed since the last scan.
fn collect_garbage(store: &mut Store) -> bool {
    let mut changed = false;
    while std::mem::take(&mut store.removed_since_gc) {
        let uids: HashSet<&str> = store.objects().iter().filter_map(meta::uid).collect();
        let orphans: Vec<(&'static str, String, String)> = store
            .entries()
            .filter(|(_, _, obj)| {
                let owners = meta::owner_uids(obj);
                !owners.is_empty() && !meta::is_terminating(obj) && owners.iter().all(|uid| !uids.contains(*uid))
            })
            .map(|(storage, (ns, name), _)| (storage, ns.clone(), name.clone()))
            .collect();
        for (storage, ns, name) in orphans {
            let Some(res) = registry::by_storage(storage) else { continue };
            let namespace = (!ns.is_empty()).then_some(ns.as_str());
            if delete(store, res, namespace, &name, &DeleteOptions::default()).is_ok() {
                changed = true;
            }
        }
    }
    changed
}

/// Let the simulated controllers and the garbage collector act until nothing changes (or the round cap).
/// The controllers go first: they repair owner references the collector would otherwise take for orphans.
pub fn settle(store: &mut Store) {
    for _ in 0..MAX_RECONCILE_ROUNDS {
        let mut changed = false;
        for change in world_link::reconcile(store.objects(), jiff::Timestamp::now()) {
            changed |= apply_change(store, change);
        }
        changed |= collect_garbage(store);
        if !changed {
            return;
        }
    }
    tracing::debug!("the simulated controllers did not settle in {MAX_RECONCILE_ROUNDS} rounds");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::server::Flavour;

    fn res(group: &str, version: &str, plural: &str) -> &'static Resource {
        registry::find(Flavour::Modern, group, version, plural).expect("served")
    }

    fn store_with_namespace() -> Store {
        let mut store = Store::new();
        let namespaces = res("", "v1", "namespaces");
        create(&mut store, namespaces, None, json!({"metadata": {"name": "acme"}}), false).expect("namespace");
        store
    }

    #[test]
    fn create_fills_server_fields_and_refuses_duplicates() {
        let mut store = store_with_namespace();
        let deployments = res("apps", "v1", "deployments");
        let obj = json!({"metadata": {"generateName": "web-"}, "spec": {"replicas": 1}});
        let created = create(&mut store, deployments, Some("acme"), obj, false).expect("create");
        let name = meta::name(&created).expect("name").to_string();
        assert!(name.starts_with("web-") && name.len() == 9, "{name}");
        assert_eq!(created["metadata"]["generation"], 1);
        assert_eq!(created["kind"], "Deployment");
        assert!(meta::uid(&created).is_some());
        let again = json!({"metadata": {"name": name}});
        assert_eq!(create(&mut store, deployments, Some("acme"), again, false).map_err(|e| e.code), Err(409));
        let elsewhere = json!({"metadata": {"name": "x"}});
        let err = create(&mut store, deployments, Some("nowhere"), elsewhere, false).expect_err("no namespace");
        assert_eq!((err.code, err.message.as_str()), (404, "namespaces \"nowhere\" not found"));
    }

    #[test]
    fn updates_check_resource_version_and_count_generations() {
        let mut store = store_with_namespace();
        let deployments = res("apps", "v1", "deployments");
        let created = create(
            &mut store,
            deployments,
            Some("acme"),
            json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}}),
            false,
        )
        .expect("create");
        let mut changed = created.clone();
        changed["spec"]["replicas"] = json!(3);
        changed["status"] = json!({"replicas": 99});
        let updated = update(&mut store, deployments, Some("acme"), "web", changed.clone(), WriteMode::Main, false)
            .expect("update");
        assert_eq!(updated["metadata"]["generation"], 2);
        assert!(updated.get("status").is_none(), "status only changes through the subresource");
        let err =
            update(&mut store, deployments, Some("acme"), "web", changed, WriteMode::Main, false).expect_err("stale");
        assert_eq!(err.code, 409);
        assert!(err.message.starts_with("Operation cannot be fulfilled on deployments.apps \"web\""));
    }

    #[test]
    fn pods_delete_gracefully_and_finalizers_hold_objects() {
        let mut store = store_with_namespace();
        let pods = res("", "v1", "pods");
        create(&mut store, pods, Some("acme"), json!({"metadata": {"name": "p"}}), false).expect("pod");
        let outcome = delete(&mut store, pods, Some("acme"), "p", &DeleteOptions::default()).expect("delete");
        assert!(matches!(outcome, Deleted::Pending(ref p) if meta::is_terminating(p)));
        assert_eq!(store.pending_removals.len(), 1);
        let pending = store.pending_removals.remove(0);
        grace_period_over(&mut store, &pending);
        assert!(store.get("core/pods", "acme", "p").is_none());

        let cms = res("", "v1", "configmaps");
        create(&mut store, cms, Some("acme"), json!({"metadata": {"name": "c", "finalizers": ["x"]}}), false)
            .expect("cm");
        let outcome = delete(&mut store, cms, Some("acme"), "c", &DeleteOptions::default()).expect("delete");
        let Deleted::Pending(held) = outcome else { panic!("finalizers hold the object") };
        let mut released = held.clone();
        released["metadata"]["finalizers"] = json!([]);
        update(&mut store, cms, Some("acme"), "c", released, WriteMode::Main, false).expect("update");
        assert!(store.get("core/configmaps", "acme", "c").is_none());
    }

    #[test]
    fn garbage_collection_follows_owner_references() {
        let mut store = store_with_namespace();
        let rs = res("apps", "v1", "replicasets");
        let owner = create(&mut store, rs, Some("acme"), json!({"metadata": {"name": "web-1"}}), false).expect("rs");
        let uid = meta::uid(&owner).expect("uid").to_string();
        let pods = res("", "v1", "pods");
        let pod = json!({"metadata": {"name": "web-1-abcde", "ownerReferences": [{"uid": uid, "kind": "ReplicaSet", "name": "web-1"}]}});
        create(&mut store, pods, Some("acme"), pod, false).expect("pod");
        delete(&mut store, rs, Some("acme"), "web-1", &DeleteOptions::default()).expect("delete");
        settle(&mut store);
        let pod = store.get("core/pods", "acme", "web-1-abcde").expect("still terminating");
        assert!(meta::is_terminating(pod));
    }

    #[test]
    fn upserts_that_change_nothing_write_nothing() {
        let mut store = store_with_namespace();
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "acme"}, "data": {"a": "1"}});
        let (first, changed) = upsert(&mut store, obj.clone(), Origin::Api).expect("upsert");
        assert!(changed);
        let rv = store.resource_version();
        let (second, changed) = upsert(&mut store, obj.clone(), Origin::Api).expect("upsert");
        assert!(!changed);
        assert_eq!(store.resource_version(), rv);
        assert_eq!(meta::uid(&first), meta::uid(&second));
        let mut other_uid = obj;
        other_uid["metadata"]["uid"] = json!("not-the-stored-uid");
        let (third, changed) = upsert(&mut store, other_uid, Origin::Controller).expect("upsert");
        assert!(!changed, "uids are immutable");
        assert_eq!(meta::uid(&third), meta::uid(&first));
    }
}
