//! The kubeconfig that points kubectl and kube-rs at the simulated cluster.
use base64::Engine;
use serde_json::json;

use crate::sim::types::SimUser;

use super::tls;

pub const CLUSTER: &str = "mosaic-sim";

/// One cluster (`url`, trusting the simulated CA), one user entry per scenario user (token auth), one context
/// `sim-<user>` per user in `namespace`, and `sim-<user>` as the current context. A user the scenario does
/// not know gets an entry with a token the server refuses, so that 401 can be exercised.
pub fn render(url: &str, users: &[SimUser], user: &str, namespace: &str) -> anyhow::Result<String> {
    let mut entries: Vec<(String, String)> = users.iter().map(|u| (u.name.clone(), u.token.clone())).collect();
    if !users.iter().any(|u| u.name == user) {
        entries.push((user.to_string(), format!("not-a-token-for-{user}")));
    }
    let user_entries: Vec<_> =
        entries.iter().map(|(name, token)| json!({"name": name, "user": {"token": token}})).collect();
    let contexts: Vec<_> = entries
        .iter()
        .map(|(name, _)| {
            json!({"name": format!("sim-{name}"), "context": {"cluster": CLUSTER, "user": name, "namespace": namespace}})
        })
        .collect();
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CLUSTER, "cluster": {
            "server": url,
            "certificate-authority-data": base64::engine::general_purpose::STANDARD.encode(tls::CA_PEM),
        }}],
        "users": user_entries,
        "contexts": contexts,
        "current-context": format!("sim-{user}"),
        "preferences": {},
    });
    Ok(serde_yaml::to_string(&config)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_names_every_user() {
        let users = vec![
            SimUser { name: "admin".into(), token: "admin-token".into(), groups: vec![], rules: vec![] },
            SimUser { name: "dev".into(), token: "dev-token".into(), groups: vec![], rules: vec![] },
        ];
        let yaml = render("https://127.0.0.1:1234", &users, "dev", "acme").expect("yaml");
        let parsed: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("parses");
        assert_eq!(parsed["current-context"].as_str(), Some("sim-dev"));
        assert_eq!(parsed["clusters"][0]["cluster"]["server"].as_str(), Some("https://127.0.0.1:1234"));
        assert!(parsed["clusters"][0]["cluster"]["certificate-authority-data"].as_str().is_some());
        assert_eq!(parsed["users"][1]["user"]["token"].as_str(), Some("dev-token"));
        assert_eq!(parsed["contexts"][0]["context"]["namespace"].as_str(), Some("acme"));
    }
}
