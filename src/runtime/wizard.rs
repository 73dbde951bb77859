//! The runtime's side of the network wizard: one-shot reads, answered as `Msg::Wizard` with the run's id, and
//! the active probe, whose task is kept so Esc (or a context switch, or quitting) can abort it: dropping the
//! probe's future deletes its pod.
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

use super::Runtime;
use crate::action::{Action, Outcome, PlanCtx};
use crate::analysis::network::{ProbeOutcome, ProbeStage, probe_step};
use crate::app::Msg;
use crate::app::wizard::{WizardEffect, WizardMsg};
use crate::cluster::Failure;
use crate::diagnose_cmd;

impl Runtime {
    pub(super) fn wizard(&mut self, effect: WizardEffect) {
        if effect == WizardEffect::CancelProbe {
            self.stop_probe();
            return;
        }
        let Some(session) = self.session() else { return };
        let tx = self.tx.clone();
        match effect {
            WizardEffect::FindServices { id, namespace } => {
                tokio::spawn(async move {
                    let api: Api<Service> = Api::namespaced(session.client.clone(), &namespace);
                    let result = api
                        .list(&ListParams::default())
                        .await
                        .map(|l| l.items)
                        .map_err(|e| Failure::from_kube(&e).summary());
                    let _ = tx.send(Msg::Wizard(WizardMsg::Services { id, result }));
                });
            }
            WizardEffect::Run { id, namespace, service, port, app_selector, source } => {
                tokio::spawn(async move {
                    let selector = app_selector.as_ref();
                    let result = diagnose_cmd::report(&session, &namespace, &service, port, selector, source)
                        .await
                        .map_err(|e| format!("{e:#}"));
                    let _ = tx.send(Msg::Wizard(WizardMsg::Report { id, result: Box::new(result) }));
                });
            }
            WizardEffect::Probe { id, namespace, service, port } => {
                let readonly = self.readonly_for(&session.target.context);
                let image = self.config.probe_image().to_string();
                let transcript = self.transcript.clone();
                let task = tokio::spawn(async move {
                    let step = match diagnose_cmd::probe_action(&session, &namespace, &service, port, &image).await {
                        Err(step) => step,
                        Ok(action) => {
                            let ctx = PlanCtx {
                                context: session.target.context.clone(),
                                namespace: session.target.namespace.clone(),
                            };
                            let command = action.plan(&ctx).command;
                            let pod = match &action {
                                Action::Probe { pod, .. } => pod.name.clone(),
                                _ => String::new(),
                            };
                            let started = WizardMsg::ProbeStarted { id, pod, command: command.clone() };
                            let _ = tx.send(Msg::Wizard(started));
                            let results = crate::action::run_probe(&action, &session, readonly).await;
                            let refused = matches!(
                                &results.outcome,
                                ProbeOutcome::CouldNotRun { stage: ProbeStage::Permission, .. }
                            );
                            if let (Some((store, session_id)), false) = (&transcript, refused) {
                                let outcome = Ok(Outcome::Probe(results.clone()));
                                let entry =
                                    super::transcript_entry(session_id, &session, &action, &command, false, &outcome);
                                if let Err(e) = store.append_transcript(entry).await {
                                    tracing::warn!("could not record the probe in the transcript: {e}");
                                }
                            }
                            probe_step(&results)
                        }
                    };
                    let _ = tx.send(Msg::Wizard(WizardMsg::Probe { id, step: Box::new(step) }));
                });
                self.stop_probe();
                self.wizard_probe = Some(task.abort_handle());
            }
            WizardEffect::CancelProbe => {}
        }
    }

    /// Abort the running probe, if any: its future is dropped, which deletes its pod.
    pub(super) fn stop_probe(&mut self) {
        if let Some(task) = self.wizard_probe.take() {
            task.abort();
        }
    }
}
