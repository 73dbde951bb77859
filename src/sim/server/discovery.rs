//! `/version`, `/api`, `/api/v1`, `/apis`, `/apis/{group}` and `/apis/{group}/{version}`, generated from the
//! registry in the shape of the real server's `discovery-*.json`.
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;

use base64::Engine;
use serde_json::{Map, Value, json};

use super::Flavour;
use super::registry::{self, Resource};

pub fn version(flavour: Flavour) -> Value {
    match flavour {
        Flavour::V1_19 => json!({
            "major": "1",
            "minor": "19",
            "gitVersion": "v1.19.0",
            "gitCommit": "e19964183377d0ec2052d1f1fa930c4d7575bd50",
            "gitTreeState": "clean",
            "buildDate": "2020-08-26T14:23:04Z",
            "goVersion": "go1.15",
            "compiler": "gc",
            "platform": "linux/amd64",
        }),
        Flavour::Modern => json!({
            "major": "1",
            "minor": "33",
            "emulationMajor": "1",
            "emulationMinor": "33",
            "minCompatibilityMajor": "1",
            "minCompatibilityMinor": "32",
            "gitVersion": "v1.33.1",
            "gitCommit": "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
            "gitTreeState": "clean",
            "buildDate": "2025-05-15T08:19:08Z",
            "goVersion": "go1.24.2",
            "compiler": "gc",
            "platform": "linux/amd64",
        }),
    }
}

/// An OpenAPI v2 document with no definitions, in the protobuf form kubectl asks for (`swagger: "2.0"` and
/// nothing else). kubectl skips validating kinds its schema does not describe, so `kubectl apply` works.
pub fn openapi_v2() -> http::Response<axum::body::Body> {
    const EMPTY_SWAGGER: &[u8] = b"\x0a\x032.0";
    let mut response = http::Response::new(axum::body::Body::from(EMPTY_SWAGGER));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/com.github.proto-openapi.spec.v2.v1.0+protobuf"),
    );
    response
}

pub fn core_versions(addr: SocketAddr) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr.to_string()}],
    })
}

fn group_json(group: &str, versions: &[&str]) -> Value {
    let versions: Vec<Value> =
        versions.iter().map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v})).collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": versions, "preferredVersion": preferred})
}

pub fn group_list(flavour: Flavour) -> Value {
    let groups: Vec<Value> = registry::groups(flavour).iter().map(|(g, vs)| group_json(g, vs)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(flavour: Flavour, name: &str) -> Option<Value> {
    let (group, versions) = registry::groups(flavour).into_iter().find(|(g, _)| *g == name)?;
    let mut body = group_json(group, &versions);
    if let Value::Object(map) = &mut body {
        map.insert("kind".into(), json!("APIGroup"));
        map.insert("apiVersion".into(), json!("v1"));
    }
    Some(body)
}

/// A stable stand-in for the real hash of the storage version.
fn storage_version_hash(res: &Resource) -> String {
    let mut hasher = DefaultHasher::new();
    (res.group, res.kind, res.storage).hash(&mut hasher);
    base64::engine::general_purpose::STANDARD.encode(hasher.finish().to_be_bytes())
}

fn resource_json(flavour: Flavour, res: &Resource) -> Value {
    let mut entry = Map::new();
    entry.insert("name".into(), json!(res.plural));
    let singular = if flavour == Flavour::V1_19 { "" } else { res.singular };
    entry.insert("singularName".into(), json!(singular));
    entry.insert("namespaced".into(), json!(res.namespaced));
    entry.insert("kind".into(), json!(res.kind));
    entry.insert("verbs".into(), json!(res.verbs));
    if !res.short_names.is_empty() {
        entry.insert("shortNames".into(), json!(res.short_names));
    }
    if !res.categories.is_empty() {
        entry.insert("categories".into(), json!(res.categories));
    }
    if res.verbs.contains(&"list") {
        entry.insert("storageVersionHash".into(), json!(storage_version_hash(res)));
    }
    Value::Object(entry)
}

fn subresource_json(flavour: Flavour, res: &Resource, sub: &registry::Subresource) -> Value {
    let mut entry = Map::new();
    entry.insert("name".into(), json!(format!("{}/{}", res.plural, sub.name)));
    let singular = if flavour == Flavour::V1_19 { "" } else { res.singular };
    entry.insert("singularName".into(), json!(singular));
    entry.insert("namespaced".into(), json!(res.namespaced));
    if let Some((group, version)) = sub.group_version {
        // Eviction is policy/v1beta1 on 1.19 and policy/v1 on current servers.
        let version = if sub.name == "eviction" && flavour == Flavour::V1_19 { "v1beta1" } else { version };
        entry.insert("group".into(), json!(group));
        entry.insert("version".into(), json!(version));
    }
    entry.insert("kind".into(), json!(sub.kind.unwrap_or(res.kind)));
    entry.insert("verbs".into(), json!(sub.verbs));
    Value::Object(entry)
}

/// The APIResourceList of one group version, or `None` when nothing is served there.
pub fn resource_list(flavour: Flavour, group: &str, version: &str) -> Option<Value> {
    let mut entries: Vec<(String, Value)> = Vec::new();
    for res in registry::served(flavour).filter(|r| r.group == group && r.version == version) {
        entries.push((res.plural.to_string(), resource_json(flavour, res)));
        for sub in res.subresources {
            entries.push((format!("{}/{}", res.plural, sub.name), subresource_json(flavour, res, sub)));
        }
    }
    if entries.is_empty() {
        return None;
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let resources: Vec<Value> = entries.into_iter().map(|(_, v)| v).collect();
    let group_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    // The core list has no apiVersion; the named groups' lists do (as the fixtures show).
    Some(if group.is_empty() {
        json!({"kind": "APIResourceList", "groupVersion": group_version, "resources": resources})
    } else {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::sim::server::fixture;

    /// Entries of the fixture list that we serve must be served identically (but for the hash).
    fn assert_subset_of_fixture(ours: &Value, fixture: &Value) {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(map) = v.as_object_mut() {
                map.remove("storageVersionHash");
            }
            v
        };
        let theirs = fixture["resources"].as_array().cloned().unwrap_or_default();
        for entry in ours["resources"].as_array().cloned().unwrap_or_default() {
            let name = &entry["name"];
            let Some(real) = theirs.iter().find(|r| &r["name"] == name) else { continue };
            assert_eq!(strip(&entry), strip(real), "{name}");
        }
    }

    #[test]
    fn apps_v1_matches_the_real_server() {
        let ours = resource_list(Flavour::V1_19, "apps", "v1").expect("apps/v1");
        let real = fixture("discovery-apps-v1.json");
        assert_eq!(ours["kind"], real["kind"]);
        assert_eq!(ours["apiVersion"], real["apiVersion"]);
        assert_subset_of_fixture(&ours, &real);
        let names: Vec<_> = ours["resources"].as_array().into_iter().flatten().map(|r| r["name"].clone()).collect();
        let real_names: Vec<_> =
            real["resources"].as_array().into_iter().flatten().map(|r| r["name"].clone()).collect();
        assert_eq!(names, real_names);
    }

    #[test]
    fn core_v1_matches_the_real_server() {
        let ours = resource_list(Flavour::V1_19, "", "v1").expect("v1");
        let real = fixture("discovery-api-v1.json");
        assert!(ours.get("apiVersion").is_none());
        assert_subset_of_fixture(&ours, &real);
        let served: Vec<_> =
            ours["resources"].as_array().into_iter().flatten().filter_map(|r| r["name"].as_str()).collect();
        for must in
            ["pods", "pods/log", "pods/status", "pods/exec", "pods/eviction", "services", "events", "namespaces"]
        {
            assert!(served.contains(&must), "{must}");
        }
    }

    #[test]
    fn flavours_offer_different_versions() {
        let old = group_list(Flavour::V1_19).to_string();
        assert!(old.contains("discovery.k8s.io/v1beta1") && old.contains("batch/v1beta1"));
        let new = group_list(Flavour::Modern).to_string();
        assert!(new.contains("discovery.k8s.io/v1\"") && !new.contains("v1beta1"));
        assert_eq!(group(Flavour::Modern, "apps").map(|g| g["preferredVersion"]["version"].clone()), Some(json!("v1")));
        assert_eq!(version(Flavour::V1_19)["gitVersion"], "v1.19.0");
    }
}
