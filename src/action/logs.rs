//! `Action::Logs` as kube's request: the one place its fields become `LogParams`, so the snapshot `execute`
//! reads and the stream the UI follows send what the plan shows.
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;

use super::error::{ActionError, Step};
use super::{Action, Outcome};
use crate::cluster::Session;
use crate::cluster::logs::{LogTarget, LogUpdate};

impl Action {
    /// The log request of a `Logs` action (`None` for every other action).
    pub fn log_target(&self) -> Option<LogTarget> {
        let Action::Logs { namespace, pod, container, previous, follow, tail, timestamps } = self else {
            return None;
        };
        let params = LogParams {
            container: container.clone(),
            follow: *follow,
            previous: *previous,
            tail_lines: *tail,
            timestamps: *timestamps,
            ..LogParams::default()
        };
        Some(LogTarget { namespace: namespace.clone(), pod: pod.clone(), params })
    }
}

/// The log as it is now, without following.
pub(super) async fn snapshot(client: &kube::Client, action: &Action) -> Result<Outcome, ActionError> {
    let Some(mut target) = action.log_target() else {
        return Err(ActionError::Invalid("not a log request".into()));
    };
    target.params.follow = false;
    let what = format!("pod {} in {}", target.pod, target.namespace);
    let api: Api<Pod> = Api::namespaced(client.clone(), &target.namespace);
    api.logs(&target.pod, &target.params)
        .await
        .map(Outcome::Text)
        .map_err(|e| ActionError::from_kube(&e, &what, Step::Read))
}

/// Stream the log of a `Logs` action for a session: through the gate first, as every action goes, then
/// `cluster::logs::stream` until it ends or `send` returns false.
pub async fn stream_logs<F>(action: &Action, session: &Session, readonly: bool, mut send: F)
where
    F: FnMut(LogUpdate) -> bool,
{
    let Some(target) = action.log_target() else { return };
    if let Err(err) = super::check(action, session, readonly).await {
        let update = match err {
            ActionError::Forbidden { message, .. } => LogUpdate::Refused { message, forbidden: true },
            other => LogUpdate::Refused { message: other.to_string(), forbidden: false },
        };
        send(update);
        return;
    }
    let api: Api<Pod> = Api::namespaced(session.client.clone(), &target.namespace);
    crate::cluster::logs::stream(&api, &target, send).await;
}
