//! The runtime's side of an app's history: which app each recorded action belongs to (a pod's owner is read
//! from the pod, before the action can delete it), the stages of a build recorded as they end, and the history
//! read back for the app view.
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use tokio::sync::mpsc::UnboundedSender;

use crate::action::ActionTarget;
use crate::app::Msg;
use crate::app::workspaces::WsMsg;
use crate::cluster::Session;
use crate::git::pipeline::{Event, Stage};
use crate::store::{StoreError, StoreHandle, TranscriptEntry, TranscriptTarget};

/// The target as the transcript keeps it. A pod's app is its owning workload, read from the pod; when the pod
/// cannot be read the entry keeps its target but belongs to no app.
pub async fn resolve(session: &Session, target: ActionTarget) -> TranscriptTarget {
    let app = match target.own_app() {
        Some(app) => Some(app),
        None => Api::<Pod>::namespaced(session.client.clone(), &target.namespace)
            .get(&target.name)
            .await
            .ok()
            .map(|pod| crate::app::exec::app_of(&pod)),
    };
    TranscriptTarget { namespace: target.namespace, kind: target.kind, name: target.name, app }
}

/// `service/checkout` or `pod/web-1` (the row the HTTP sender was opened on) as a transcript target.
pub async fn resolve_ref(session: &Session, namespace: &str, reference: &str) -> Option<TranscriptTarget> {
    let (kind, name) = reference.split_once('/')?;
    Some(resolve(session, ActionTarget { namespace: namespace.into(), kind: kind.into(), name: name.into() }).await)
}

/// Reads an app's history and sends it to the app view; a store that cannot answer says so in the pane.
pub fn load(
    store: Option<StoreHandle>,
    context: String,
    namespace: String,
    apps: Vec<String>,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let result = match store {
            Some(store) => store.app_history(&context, &namespace, apps.clone()).await.map_err(|e| match e {
                StoreError::Unavailable { reason } => {
                    format!("mosaic keeps no history while it runs without saved state: {reason}")
                }
                other => format!("Could not read the history: {other}"),
            }),
            None => Err("mosaic runs without saved state here, so it keeps no history".to_string()),
        };
        let _ = tx.send(Msg::Ws(WsMsg::History { namespace, apps, result }));
    });
}

/// Records each stage of a build → push → roll out as it ends, with the stage's own command, in the app's history.
pub struct StageRecorder {
    pub store: StoreHandle,
    pub session_id: String,
    pub context: String,
    pub stages: Vec<Stage>,
    pub target: TranscriptTarget,
}

impl StageRecorder {
    pub async fn on_event(&self, event: &Event) {
        let Event::Finished(kind, result) = event else { return };
        let Some(stage) = self.stages.iter().find(|s| s.kind == *kind) else { return };
        let app = self.target.app.clone().unwrap_or_default();
        let outcome = match result {
            Ok(text) | Err(text) => text.clone(),
        };
        let entry = TranscriptEntry {
            session: self.session_id.clone(),
            at: jiff::Timestamp::now(),
            context: self.context.clone(),
            command: crate::transcript::redact(&stage.command),
            summary: format!("{} of {app} (build → push → roll out)", kind.title()),
            dry_run: false,
            ok: result.is_ok(),
            outcome: crate::transcript::redact(&outcome),
            output: None,
            target: Some(self.target.clone()),
        };
        if let Err(e) = self.store.append_transcript(entry).await {
            tracing::warn!("could not record the build stage in the transcript: {e}");
        }
    }
}
