//! Where a Deployment's rollout stands, in one word and a reason, from its status and conditions as the
//! deployment controller writes them (the same reading as `kubectl rollout status`).
use k8s_openapi::api::apps::v1::Deployment;
use serde::Serialize;

use super::health::Health;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "lowercase")]
pub enum Rollout {
    /// Every replica runs the current template and is available.
    Complete,
    /// Under way: the reason says what is still awaited (`1 of 3 updated`, `waiting for 2 of 3 to be ready`).
    Progressing(String),
    /// The controller gave up (progress deadline exceeded) or cannot create pods: the condition's words.
    Stuck(String),
}

impl Rollout {
    pub fn word(&self) -> &'static str {
        match self {
            Rollout::Complete => "complete",
            Rollout::Progressing(_) => "progressing",
            Rollout::Stuck(_) => "stuck",
        }
    }

    /// `complete`, `progressing: 1 of 3 updated`, `stuck: ProgressDeadlineExceeded: …`.
    pub fn describe(&self) -> String {
        match self {
            Rollout::Complete => "complete".into(),
            Rollout::Progressing(reason) => format!("progressing: {reason}"),
            Rollout::Stuck(reason) => format!("stuck: {reason}"),
        }
    }

    pub fn health(&self) -> Health {
        match self {
            Rollout::Complete => Health::Ok,
            Rollout::Progressing(_) => Health::Pending,
            Rollout::Stuck(_) => Health::Error,
        }
    }
}

/// The rollout state of a Deployment.
pub fn rollout_state(deployment: &Deployment) -> Rollout {
    let status = deployment.status.clone().unwrap_or_default();
    let conditions = status.conditions.unwrap_or_default();
    let words = |reason: &Option<String>, message: &Option<String>| match (reason, message) {
        (Some(r), Some(m)) if !m.is_empty() => format!("{r}: {m}"),
        (Some(r), _) => r.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => String::new(),
    };
    if let Some(c) = conditions.iter().find(|c| c.type_ == "Progressing" && c.status == "False") {
        return Rollout::Stuck(words(&c.reason, &c.message));
    }
    if let Some(c) = conditions.iter().find(|c| c.type_ == "ReplicaFailure" && c.status == "True") {
        return Rollout::Stuck(words(&c.reason, &c.message));
    }
    let count = |v: Option<i32>| v.unwrap_or(0).max(0);
    let desired = count(Some(deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)));
    let generation = deployment.metadata.generation.unwrap_or(0);
    if status.observed_generation.unwrap_or(0) < generation {
        return Rollout::Progressing("waiting for the controller to see the new spec".into());
    }
    let updated = count(status.updated_replicas);
    let replicas = count(status.replicas);
    let available = count(status.available_replicas);
    if updated < desired {
        return Rollout::Progressing(format!("{updated} of {desired} updated"));
    }
    if replicas > updated {
        return Rollout::Progressing(format!("{} old replicas are pending termination", replicas - updated));
    }
    if available < updated {
        return Rollout::Progressing(format!("waiting for {} of {updated} to be available", updated - available));
    }
    Rollout::Complete
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deployments of the real 1.19 control plane fixture, by name.
    fn fixture(name: &str) -> Deployment {
        let text = include_str!("../../tests/fixtures/real-1.19/deployments-list.json");
        let list: serde_json::Value = serde_json::from_str(text).unwrap();
        let item = list["items"].as_array().unwrap().iter().find(|d| d["metadata"]["name"] == name).unwrap();
        serde_json::from_value(item.clone()).unwrap()
    }

    #[test]
    fn an_available_deployment_is_complete() {
        assert_eq!(rollout_state(&fixture("frontend")), Rollout::Complete);
    }

    #[test]
    fn a_deployment_waiting_for_its_pod_is_progressing() {
        let state = rollout_state(&fixture("orders"));
        assert_eq!(state, Rollout::Progressing("waiting for 1 of 1 to be available".into()));
        assert_eq!(state.health(), Health::Pending);
    }

    #[test]
    fn a_deadline_exceeded_is_stuck_with_the_controllers_words() {
        let mut d = fixture("orders");
        let conditions = d.status.as_mut().unwrap().conditions.as_mut().unwrap();
        let progressing = conditions.iter_mut().find(|c| c.type_ == "Progressing").unwrap();
        progressing.status = "False".into();
        progressing.reason = Some("ProgressDeadlineExceeded".into());
        progressing.message = Some("ReplicaSet \"orders-d88d6dc55\" has timed out progressing.".into());
        let state = rollout_state(&d);
        assert_eq!(state.word(), "stuck");
        assert!(state.describe().contains("ProgressDeadlineExceeded: ReplicaSet"), "{}", state.describe());
    }

    #[test]
    fn a_new_template_not_yet_rolled_out_counts_updated_replicas() {
        let mut d = fixture("frontend");
        let status = d.status.as_mut().unwrap();
        status.updated_replicas = Some(1);
        status.replicas = Some(3);
        assert_eq!(rollout_state(&d), Rollout::Progressing("1 of 2 updated".into()));
        d.metadata.generation = Some(5);
        assert_eq!(rollout_state(&d).word(), "progressing");
    }

    #[test]
    fn old_replicas_still_terminating_keep_it_progressing() {
        let mut d = fixture("frontend");
        d.status.as_mut().unwrap().replicas = Some(3);
        assert_eq!(rollout_state(&d), Rollout::Progressing("1 old replicas are pending termination".into()));
    }
}
