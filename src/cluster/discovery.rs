//! Which API versions the server offers, so kinds that moved between versions (EndpointSlice
//! `discovery.k8s.io/v1beta1` → `v1`, CronJob `batch/v1beta1` → `v1`) are read at the version this server has,
//! or hidden quietly where it has none. One request (`/apis`), made once per context when first needed.
use std::collections::BTreeMap;

use super::errors::Failure;

/// The group versions the server serves, best first within each group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    groups: BTreeMap<String, Vec<String>>,
}

impl Catalog {
    pub async fn fetch(client: &kube::Client) -> Result<Catalog, Failure> {
        let list = client.list_api_groups().await.map_err(|e| Failure::from_kube(&e))?;
        let mut groups = BTreeMap::new();
        for group in list.groups {
            let mut versions: Vec<String> = Vec::new();
            if let Some(preferred) = &group.preferred_version {
                versions.push(preferred.version.clone());
            }
            for v in group.versions {
                if !versions.contains(&v.version) {
                    versions.push(v.version);
                }
            }
            groups.insert(group.name, versions);
        }
        // The core group is always served at v1.
        groups.insert(String::new(), vec!["v1".into()]);
        Ok(Catalog { groups })
    }

    pub fn serves(&self, group: &str, version: &str) -> bool {
        self.groups.get(group).is_some_and(|v| v.iter().any(|x| x == version))
    }

    /// The first of `candidates` (newest first) that the server serves, e.g. `["v1", "v1beta1"]`.
    pub fn pick<'a>(&self, group: &str, candidates: &[&'a str]) -> Option<&'a str> {
        candidates.iter().copied().find(|v| self.serves(group, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(json: &str) -> Catalog {
        let list: k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroupList =
            serde_json::from_str(json).expect("group list");
        let mut groups = BTreeMap::new();
        for g in list.groups {
            groups.insert(g.name, g.versions.into_iter().map(|v| v.version).collect());
        }
        Catalog { groups }
    }

    #[test]
    fn an_old_server_offers_only_the_beta_versions() {
        let c = catalog(include_str!("../../tests/fixtures/real-1.19/discovery-apis.json"));
        assert_eq!(c.pick("discovery.k8s.io", &["v1", "v1beta1"]), Some("v1beta1"));
        assert_eq!(c.pick("batch", &["v1", "v1beta1"]), Some("v1"), "batch/v1 exists (for Jobs)");
        assert!(c.serves("batch", "v1beta1"), "CronJobs live in batch/v1beta1 on 1.19");
        assert_eq!(c.pick("flowcontrol.apiserver.k8s.io", &["v1"]), None, "absent: hidden quietly");
    }
}
