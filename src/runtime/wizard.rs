//! The runtime's side of the network wizard: one-shot reads, answered as `Msg::Wizard` with the run's id.
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, ListParams};

use super::Runtime;
use crate::app::Msg;
use crate::app::wizard::{WizardEffect, WizardMsg};
use crate::cluster::Failure;

impl Runtime {
    pub(super) fn wizard(&self, effect: WizardEffect) {
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
            WizardEffect::Run { id, namespace, service, port, app_selector } => {
                tokio::spawn(async move {
                    let result =
                        crate::diagnose_cmd::report(&session, &namespace, &service, port, app_selector.as_ref())
                            .await
                            .map_err(|e| format!("{e:#}"));
                    let _ = tx.send(Msg::Wizard(WizardMsg::Report { id, result: Box::new(result) }));
                });
            }
        }
    }
}
