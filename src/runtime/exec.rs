//! The runtime's side of exec and port-forwards: the exec history in the store, and the running forwards,
//! which the runtime owns (the state only sees rows) and stops on exit.
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use super::Runtime;
use crate::action::{ForwardTarget, Forwarding};
use crate::app::Msg;
use crate::app::exec::{ExecEffect, ExecMsg, ForwardRow};

/// The running port-forwards. Clones share them.
#[derive(Clone, Default)]
pub(super) struct Forwards {
    live: Arc<Mutex<Vec<Forwarding>>>,
}

impl Forwards {
    /// Keep a forward that just started, and report its changes (connections, errors, its end) to the loop.
    pub(super) fn adopt(&self, forward: Forwarding, tx: UnboundedSender<Msg>) {
        let (id, mut changes) = (forward.id, forward.changes());
        if let Ok(mut live) = self.live.lock() {
            live.push(forward);
        }
        let forwards = self.clone();
        let _ = tx.send(Msg::Exec(ExecMsg::Forwards(forwards.rows())));
        tokio::spawn(async move {
            // Fails once the listener and every connection are gone: the port is free again.
            while changes.changed().await.is_ok() {
                let _ = tx.send(Msg::Exec(ExecMsg::Forwards(forwards.rows())));
            }
            if let Ok(mut live) = forwards.live.lock() {
                live.retain(|f| f.id != id);
            }
            let _ = tx.send(Msg::Exec(ExecMsg::Forwards(forwards.rows())));
        });
    }

    fn rows(&self) -> Vec<ForwardRow> {
        let Ok(live) = self.live.lock() else { return Vec::new() };
        live.iter().map(row).collect()
    }

    fn stop(&self, id: u64) {
        if let Ok(live) = self.live.lock() {
            live.iter().filter(|f| f.id == id).for_each(Forwarding::stop);
        }
    }

    pub(super) fn stop_all(&self) {
        if let Ok(live) = self.live.lock() {
            live.iter().for_each(Forwarding::stop);
        }
    }
}

fn row(forward: &Forwarding) -> ForwardRow {
    let stats = forward.stats();
    let via = match &forward.target {
        ForwardTarget::Service(name) => format!(" (service {name})"),
        ForwardTarget::Pod(_) => String::new(),
    };
    ForwardRow {
        id: forward.id,
        local: forward.local.to_string(),
        local_port: forward.local.port(),
        target: format!("{}/{}:{}{via}", forward.namespace, forward.pod, forward.remote),
        served: stats.served,
        active: stats.active,
        error: stats.last_error,
    }
}

impl Runtime {
    pub(super) fn exec_effect(&mut self, effect: ExecEffect) {
        let store = self.transcript.as_ref().map(|(store, _)| store.clone());
        match effect {
            ExecEffect::LoadHistory { context, namespace, app } => {
                let Some(store) = store else { return };
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let commands = match store.exec_history(&context, &namespace, &app).await {
                        Ok(entries) => entries.into_iter().map(|e| e.command).collect(),
                        Err(e) => {
                            tracing::warn!("could not read the exec history of {app}: {e}");
                            Vec::new()
                        }
                    };
                    let _ = tx.send(Msg::Exec(ExecMsg::History { namespace, app, commands }));
                });
            }
            ExecEffect::Remember { context, namespace, app, command } => {
                let Some(store) = store else { return };
                let entry = crate::store::ExecCommand { context, namespace, app, command, at: jiff::Timestamp::now() };
                tokio::spawn(async move {
                    if let Err(e) = store.record_exec(entry).await {
                        tracing::warn!("could not remember the exec command: {e}");
                    }
                });
            }
            // Only the terminal loop can lend the terminal; without one (headless) the shell is closed.
            ExecEffect::Shell(session) => {
                drop(session.take());
                let result = Err("there is no terminal to run it on".to_string());
                let _ = self.tx.send(Msg::Exec(ExecMsg::ShellEnded { pod: session.pod, result }));
            }
            ExecEffect::StopForward(id) => self.forwards.stop(id),
        }
    }
}

/// Every forward stops with the runtime that started it.
impl Drop for Runtime {
    fn drop(&mut self) {
        self.forwards.stop_all();
    }
}
