//! Secret values in what containers print, the runtime's side: the values a pod can see are read with the user's
//! rights when its log, exec output, shell or HTTP answer is on its way, and that text is masked before it reaches
//! the state, the transcript or the store. The values live only in memory: in the logs pane's cache until the
//! pane closes, otherwise only while the answer is masked.
use std::sync::Arc;

use tokio::sync::OnceCell;

use crate::action::{Action, ActionError, HttpExchange, Outcome};
use crate::cluster::Session;
use crate::cluster::logs::LogUpdate;
use crate::cluster::secret_values::{self, Masking};

/// The values of the pod whose log is open, read once for the pane's life: a change of container or option
/// restarts the stream, not the reading.
#[derive(Default)]
pub(super) struct LogMasking {
    pod: Option<(String, String)>,
    cell: Arc<OnceCell<Masking>>,
}

impl LogMasking {
    /// The shared cell for this pod's log: the same one while the pane shows this pod.
    pub(super) fn cell(&mut self, namespace: &str, pod: &str) -> Arc<OnceCell<Masking>> {
        let key = (namespace.to_string(), pod.to_string());
        if self.pod.as_ref() != Some(&key) {
            self.pod = Some(key);
            self.cell = Arc::new(OnceCell::new());
        }
        Arc::clone(&self.cell)
    }

    pub(super) fn forget(&mut self) {
        *self = LogMasking::default();
    }
}

/// The log's lines masked; the other reports as they are.
pub(super) fn mask_log(masking: &Masking, update: LogUpdate) -> LogUpdate {
    match update {
        LogUpdate::Lines(lines) if !masking.values.is_empty() => {
            LogUpdate::Lines(lines.into_iter().map(|l| masking.values.mask(&l).into_owned()).collect())
        }
        other => other,
    }
}

/// The pod whose container prints what this action brings back, if any.
fn pod_of(action: &Action) -> Option<(&str, &str)> {
    match action {
        Action::Exec { namespace, pod, .. } | Action::Shell { namespace, pod, .. } => Some((namespace, pod)),
        Action::Logs { namespace, pod, .. } => Some((namespace, pod)),
        _ => None,
    }
}

/// Mask what a one-shot exec printed or a log snapshot read, and hand a shell the values for its screen.
pub(super) async fn mask_outcome(session: &Session, action: &Action, result: &mut Result<Outcome, ActionError>) {
    let Some((namespace, pod)) = pod_of(action) else { return };
    let Ok(outcome) = result else { return };
    if !matches!(outcome, Outcome::Output { .. } | Outcome::Text(_) | Outcome::Shell(_)) {
        return;
    }
    let masking = secret_values::for_pod(session, namespace, pod).await;
    match outcome {
        Outcome::Output { output, .. } => {
            let (stdout, stderr) = (masking.values.mask(&output.stdout), masking.values.mask(&output.stderr));
            // Said only when it matters: something was masked, or nothing could be.
            let masked = stdout != output.stdout || stderr != output.stderr;
            (output.stdout, output.stderr) = (stdout.into_owned(), stderr.into_owned());
            let flagged = masking.flagged();
            output.masking = masking.note.filter(|_| masked || flagged);
        }
        Outcome::Text(text) => *text = masking.values.mask(text).into_owned(),
        Outcome::Shell(shell) => shell.masking = Some(Arc::new(masking)),
        _ => {}
    }
}

/// Mask an HTTP answer's status line, headers and body with the values of the pods of `app`.
pub(super) async fn mask_exchange(session: &Session, namespace: &str, app: &str, exchange: &mut HttpExchange) {
    let masking = secret_values::for_app(session, namespace, app).await;
    let values = &masking.values;
    let before = (exchange.headers.clone(), exchange.body.clone());
    exchange.status_line = values.mask(&exchange.status_line).into_owned();
    for (name, value) in &mut exchange.headers {
        *name = values.mask(name).into_owned();
        *value = values.mask(value).into_owned();
    }
    exchange.body = values.mask(&exchange.body).into_owned();
    exchange.error = exchange.error.as_deref().map(|e| values.mask(e).into_owned());
    let masked = before != (exchange.headers.clone(), exchange.body.clone());
    exchange.masking = masking.note.clone().filter(|_| masked || masking.flagged());
}
