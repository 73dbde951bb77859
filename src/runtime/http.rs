//! The runtime's side of the HTTP sender: sends the request from a probe pod through the gate, records it in
//! the transcript and the app's history, and answers with the exchange and the refreshed history.
use super::Runtime;
use crate::action::Action;
use crate::app::Msg;
use crate::app::http::{HttpEffect, HttpMsg};
use crate::store::HttpRecord;

impl Runtime {
    pub(super) fn http_effect(&mut self, effect: HttpEffect) {
        let store = self.transcript.clone();
        let Some(session) = self.session() else { return };
        let tx = self.tx.clone();
        match effect {
            HttpEffect::LoadHistory { context, namespace, app } => {
                let Some((store, _)) = store else { return };
                tokio::spawn(async move {
                    let history = store.http_history(&context, &namespace, &app).await.unwrap_or_default();
                    let _ = tx.send(Msg::Http(HttpMsg::History(history)));
                });
            }
            HttpEffect::Send { namespace, app, request } => {
                let readonly = self.readonly_for(&session.target.context);
                let action = Action::send_http(&namespace, self.config.probe_image(), request.clone());
                tokio::spawn(async move {
                    let mut result = crate::action::send_http(&action, &session, readonly).await;
                    if let Ok(exchange) = &mut result {
                        super::masking::mask_exchange(&session, &namespace, &app, exchange).await;
                    }
                    let context = session.target.context.clone();
                    if let Some((store, id)) = &store {
                        let outcome = result.clone().map(crate::action::Outcome::Http);
                        let ctx = crate::action::PlanCtx {
                            context: session.target.context.clone(),
                            namespace: session.target.namespace.clone(),
                        };
                        let command = action.plan(&ctx).command;
                        let mut entry = super::transcript_entry(id, &session, &action, &command, false, &outcome);
                        // The request belongs to the app of the row it was sent from.
                        entry.target = super::history::resolve_ref(&session, &namespace, &app).await;
                        if let Err(e) = store.append_transcript(entry).await {
                            tracing::warn!("could not record the request in the transcript: {e}");
                        }
                        let record = HttpRecord {
                            context: context.clone(),
                            namespace: namespace.clone(),
                            app: app.clone(),
                            method: request.method.clone(),
                            url: request.url.clone(),
                            headers: request.headers.clone(),
                            body: request.body.clone(),
                            status: result.as_ref().ok().and_then(|e| e.status),
                            summary: match &result {
                                Ok(exchange) => exchange.summary(),
                                Err(e) => e.to_string(),
                            },
                            at: jiff::Timestamp::now(),
                        };
                        if let Err(e) = store.record_http(record).await {
                            tracing::warn!("could not record the request in the history: {e}");
                        }
                    }
                    // The history first: once the answer shows, Ctrl-r must already list this request.
                    if let Some((store, _)) = store {
                        let history = store.http_history(&context, &namespace, &app).await.unwrap_or_default();
                        let _ = tx.send(Msg::Http(HttpMsg::History(history)));
                    }
                    let _ = tx.send(Msg::Http(HttpMsg::Answer(result.map_err(|e| e.to_string()))));
                });
            }
        }
    }
}
