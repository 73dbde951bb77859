//! Every kind the server serves, found through discovery (`/api/v1`, `/apis/G/V`): plural, singular, short
//! names, kind, scope and verbs, as `kubectl api-resources` lists them.
//!
//! A discovered resource is interned once for the process and named by a small `Copy` id, so `Kind::Other(id)`
//! stays `Copy` and its names are `&'static str` like the typed kinds'. The table only grows by the distinct
//! resources the servers mosaic talks to serve (a few hundred at most).
use std::sync::{Mutex, OnceLock};

use super::errors::Failure;
use super::kinds::Kind;

/// One discovered resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub group: &'static str,
    /// The group's preferred version.
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub verbs: &'static [&'static str],
}

impl Resource {
    /// Only kinds that can be listed and watched get a live list.
    pub fn listable(&self) -> bool {
        self.verbs.contains(&"list") && self.verbs.contains(&"watch")
    }

    /// `netpol`, `certificates.cert-manager.io`: how `:` names it.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() { self.plural.to_string() } else { format!("{}.{}", self.plural, self.group) }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_string() } else { format!("{}/{}", self.group, self.version) }
    }
}

/// The id of an interned resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceId(u32);

fn table() -> &'static Mutex<Vec<&'static Resource>> {
    static TABLE: OnceLock<Mutex<Vec<&'static Resource>>> = OnceLock::new();
    TABLE.get_or_init(Default::default)
}

/// The placeholder for an id no table holds (cannot happen: ids only come from `intern`).
static UNKNOWN: Resource = Resource {
    group: "",
    version: "v1",
    plural: "unknown",
    singular: "unknown",
    kind: "Unknown",
    namespaced: true,
    short_names: &[],
    verbs: &[],
};

pub fn get(id: ResourceId) -> &'static Resource {
    table().lock().ok().and_then(|t| t.get(id.0 as usize).copied()).unwrap_or(&UNKNOWN)
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_all(items: &[String]) -> &'static [&'static str] {
    Box::leak(items.iter().map(|s| leak(s)).collect::<Vec<_>>().into_boxed_slice())
}

/// The id of this resource, interning it the first time it is seen.
#[allow(clippy::too_many_arguments)]
pub fn intern(
    group: &str,
    version: &str,
    plural: &str,
    singular: &str,
    kind: &str,
    namespaced: bool,
    short_names: &[String],
    verbs: &[String],
) -> ResourceId {
    let Ok(mut t) = table().lock() else { return ResourceId(u32::MAX) };
    let same = |r: &&Resource| {
        r.group == group
            && r.version == version
            && r.plural == plural
            && r.kind == kind
            && r.namespaced == namespaced
            && r.short_names.iter().eq(short_names.iter())
            && r.verbs.iter().eq(verbs.iter())
    };
    if let Some(pos) = t.iter().position(same) {
        return ResourceId(pos as u32);
    }
    let resource = Resource {
        group: leak(group),
        version: leak(version),
        plural: leak(plural),
        singular: leak(singular),
        kind: leak(kind),
        namespaced,
        short_names: leak_all(short_names),
        verbs: leak_all(verbs),
    };
    t.push(Box::leak(Box::new(resource)));
    ResourceId((t.len() - 1) as u32)
}

/// The column titles of a Table, interned: list views name their columns with `&'static str`.
pub fn intern_title(title: &str) -> &'static str {
    static TITLES: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    let Ok(mut titles) = TITLES.get_or_init(Default::default).lock() else { return "?" };
    if let Some(t) = titles.iter().find(|t| **t == title) {
        return t;
    }
    let t = leak(title);
    titles.push(t);
    t
}

/// One entry of what the server serves: the kind mosaic lists it as, and its names.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub kind: Kind,
    pub resource: ResourceId,
}

/// Ask the server for everything it serves: the core group, then each group at its preferred version.
/// Subresources (`pods/log`) are left out. Typed kinds keep their typed view.
pub async fn discover(client: &kube::Client) -> Result<Vec<Served>, Failure> {
    let mut lists = Vec::new();
    let core = client.list_core_api_resources("v1").await.map_err(|e| Failure::from_kube(&e))?;
    lists.push((String::new(), "v1".to_string(), core));
    let groups = client.list_api_groups().await.map_err(|e| Failure::from_kube(&e))?;
    let wanted: Vec<(String, String)> = groups
        .groups
        .iter()
        .filter_map(|g| {
            let version = g.preferred_version.as_ref().or(g.versions.first())?;
            Some((g.name.clone(), version.group_version.clone()))
        })
        .collect();
    let answers = futures::future::join_all(wanted.iter().map(|(_, gv)| client.list_api_group_resources(gv))).await;
    for ((group, gv), answer) in wanted.into_iter().zip(answers) {
        // A group whose list fails (an aggregated API that is down) is left out, as kubectl does with a warning.
        let Ok(list) = answer else { continue };
        let version = gv.rsplit('/').next().unwrap_or("v1").to_string();
        lists.push((group, version, list));
    }
    // A typed kind not yet at its group's preferred version (CronJobs at batch/v1beta1 while Jobs are batch/v1,
    // on 1.19) is found at the older version it is served at, and listed from there as kubectl does.
    for kind in Kind::TYPED.into_iter().filter(|k| k.versions().len() > 1) {
        let listed =
            lists.iter().any(|(g, _, l)| g == kind.group() && l.resources.iter().any(|r| r.name == kind.plural()));
        if listed {
            continue;
        }
        if let Some((version, list)) = served_at(client, kind).await {
            let only = list.resources.into_iter().filter(|r| r.name == kind.plural()).collect();
            lists.push((
                kind.group().to_string(),
                version.to_string(),
                k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList { resources: only, ..list },
            ));
        }
    }
    let mut served = Vec::new();
    for (group, version, list) in lists {
        for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
            let short = r.short_names.clone().unwrap_or_default();
            let id = intern(&group, &version, &r.name, &r.singular_name, &r.kind, r.namespaced, &short, &r.verbs);
            let kind = Kind::typed(&group, &r.name).unwrap_or(Kind::Other(id));
            // The same kind served by two groups (events) is listed once per group; the typed one wins its own.
            served.push(Served { kind, resource: id });
        }
    }
    Ok(served)
}

/// The version this server serves a typed kind at, among those it may have (newest first): the first whose group
/// version lists the resource. The group's versions alone cannot say: batch/v1 exists on 1.19 for Jobs while its
/// CronJobs are only batch/v1beta1.
pub async fn served_version(client: &kube::Client, kind: Kind) -> Option<&'static str> {
    served_at(client, kind).await.map(|(version, _)| version)
}

async fn served_at(
    client: &kube::Client,
    kind: Kind,
) -> Option<(&'static str, k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList)> {
    for version in kind.versions() {
        let gv = if kind.group().is_empty() { version.to_string() } else { format!("{}/{version}", kind.group()) };
        if let Ok(list) = client.list_api_group_resources(&gv).await
            && list.resources.iter().any(|r| r.name == kind.plural())
        {
            return Some((version, list));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_one_id_per_resource() {
        let verbs = ["list".to_string(), "watch".to_string()];
        let a = intern("example.com", "v1", "widgets", "widget", "Widget", true, &["wd".into()], &verbs);
        let b = intern("example.com", "v1", "widgets", "widget", "Widget", true, &["wd".into()], &verbs);
        assert_eq!(a, b);
        assert_eq!(get(a).qualified(), "widgets.example.com");
        assert!(get(a).listable());
        assert_eq!(Kind::Other(a).kubectl_type(), "widgets.example.com");
        assert_eq!(Kind::Other(a).title(), "Widgets (example.com)");
    }
}
