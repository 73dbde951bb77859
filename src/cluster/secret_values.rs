//! Reading the Secret values a pod can see, so what its containers print can be masked
//! ([`crate::analysis::secret_values`]). Read with the user's own rights, one GET per Secret, kept only in
//! memory by whoever asked; never logged (the values' `Debug` prints none).
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, Secret, Service};
use kube::Api;
use kube::api::ListParams;

use super::Session;
use super::errors::Failure;
use super::rbac::AccessQuery;
use crate::analysis::secret_values::{MASK, SHORT_VALUES_NOTE, SecretValues, referenced_secrets};

/// The values to mask in one pane, and what the pane says about masking (`None`: no Secret to speak of).
#[derive(Debug, Clone, Default)]
pub struct Masking {
    pub values: SecretValues,
    pub note: Option<String>,
}

impl Masking {
    /// The values could not be read: what the container prints is shown as it is, and the note says why.
    pub fn flagged(&self) -> bool {
        self.values.is_empty() && self.note.is_some()
    }

    /// Nothing to mask and nothing to say.
    pub fn none() -> Masking {
        Masking::default()
    }

    fn unmasked(why: String) -> Masking {
        Masking { values: SecretValues::default(), note: Some(format!("Secret values are not masked here: {why}")) }
    }
}

/// For a pod by name: the pod is read first, for its references.
pub async fn for_pod(session: &Session, namespace: &str, pod: &str) -> Masking {
    let api: Api<Pod> = Api::namespaced(session.client.clone(), namespace);
    match api.get(pod).await {
        Ok(object) => for_pods(session, namespace, &[object]).await,
        Err(err) => Masking::unmasked(format!("pod {pod} could not be read ({})", Failure::from_kube(&err).summary())),
    }
}

/// For what the HTTP sender aims at: `pod/NAME`, or `service/NAME` (the pods its selector picks).
pub async fn for_app(session: &Session, namespace: &str, app: &str) -> Masking {
    match app.split_once('/') {
        Some(("pod", name)) => for_pod(session, namespace, name).await,
        Some(("service", name)) => {
            let services: Api<Service> = Api::namespaced(session.client.clone(), namespace);
            let selector = match services.get(name).await {
                Ok(service) => service.spec.and_then(|s| s.selector).unwrap_or_default(),
                Err(err) => {
                    let why = Failure::from_kube(&err).summary();
                    return Masking::unmasked(format!("service {name} could not be read ({why})"));
                }
            };
            if selector.is_empty() {
                return Masking::none();
            }
            let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let pods: Api<Pod> = Api::namespaced(session.client.clone(), namespace);
            match pods.list(&ListParams::default().labels(&labels.join(","))).await {
                Ok(list) => for_pods(session, namespace, &list.items).await,
                Err(err) => {
                    let why = Failure::from_kube(&err).summary();
                    Masking::unmasked(format!("the pods of service {name} could not be listed ({why})"))
                }
            }
        }
        _ => Masking::none(),
    }
}

/// For pods already read: every Secret any of them references, each read once.
pub async fn for_pods(session: &Session, namespace: &str, pods: &[Pod]) -> Masking {
    let mut names: Vec<String> =
        pods.iter().filter_map(|p| serde_json::to_value(p).ok()).flat_map(|p| referenced_secrets(&p)).collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Masking::none();
    }
    let api: Api<Secret> = Api::namespaced(session.client.clone(), namespace);
    let reads = names.iter().map(|name| {
        let api = api.clone();
        async move { (name.clone(), api.get(name).await) }
    });
    let mut values: Vec<Vec<u8>> = Vec::new();
    let mut masked = Vec::new();
    for (name, read) in futures::future::join_all(reads).await {
        match read {
            Ok(secret) => {
                values.extend(secret.data.into_iter().flat_map(BTreeMap::into_values).map(|b| b.0));
                values.extend(secret.string_data.into_iter().flat_map(BTreeMap::into_values).map(String::into_bytes));
                masked.push(name);
            }
            Err(err) => match Failure::from_kube(&err) {
                // Nothing to mask: the pod cannot see it either.
                Failure::NotFound(_) => {}
                Failure::Forbidden(_) => {
                    let query = AccessQuery::new("get", "", "secrets", Some(namespace));
                    let can_i = query.can_i_command(&session.target.context);
                    return Masking::unmasked(format!("you may not get secrets in {namespace} — {can_i}"));
                }
                other => {
                    return Masking::unmasked(format!("Secret {name} could not be read ({})", other.summary()));
                }
            },
        }
    }
    if masked.is_empty() {
        return Masking::none();
    }
    let secrets = if masked.len() == 1 { "Secret" } else { "Secrets" };
    let note = format!("{MASK} masks {secrets} {} ({SHORT_VALUES_NOTE})", masked.join(", "));
    Masking { values: SecretValues::new(values), note: Some(note) }
}
