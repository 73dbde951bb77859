//! Carries out the loop's effects: starts watches, resolves namespace fallbacks, switches contexts. Background
//! work reports back only through `Msg`s; it never touches the state or the terminal.
mod exec;
pub mod history;
mod http;
mod kinds;
mod masking;
mod recorder;
mod wizard;
pub mod workspaces;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Service};
use kube::api::{Api, ListParams};
use kube::{Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;
use tracing::info;

use crate::action::{Action, ExecOptions};
use crate::app::{ContextInfo, Data, Effect, Msg};
use crate::cluster::rbac::AccessQuery;
use crate::cluster::watch::{self, WatchUpdate};
use crate::cluster::{Failure, Kind, Scope, Session, connect};

pub struct Runtime {
    session: Arc<Mutex<Session>>,
    tx: UnboundedSender<Msg>,
    watches: HashMap<(Kind, Scope), AbortHandle>,
    /// Running log streams by id: stopping one aborts its task.
    log_streams: HashMap<u64, AbortHandle>,
    /// The Secret values of the pod whose log is open, to mask its lines.
    log_masking: masking::LogMasking,
    epoch: u64,
    demo: bool,
    /// `--readonly` for every context, and the config's per-context choice.
    readonly_flag: bool,
    config: crate::config::Config,
    clipboard: crate::clipboard::Method,
    /// Where the transcript goes, and this session's id in it.
    transcript: Option<(crate::store::StoreHandle, String)>,
    /// Records the events of the namespaces in view, for timelines (`None` when disabled in config).
    recorder: Option<recorder::Recorder>,
    /// Running port-forwards; each stops on `Quit` or when the runtime is dropped.
    forwards: exec::Forwards,
    /// The network wizard's running probe: aborted on Esc, a context switch or quit (its pod is deleted).
    wizard_probe: Option<AbortHandle>,
}

pub fn context_info(session: &Session, demo: bool) -> ContextInfo {
    let t = &session.target;
    ContextInfo {
        context: t.context.clone(),
        user: t.user.clone(),
        server: t.server.clone(),
        server_version: session.server_version.clone(),
        namespace: t.namespace.clone(),
        contexts: t.contexts.clone(),
        demo,
        readonly: false,
    }
}

impl Runtime {
    pub fn new(session: Session, tx: UnboundedSender<Msg>, demo: bool) -> Self {
        Runtime {
            session: Arc::new(Mutex::new(session)),
            tx,
            watches: HashMap::new(),
            log_streams: HashMap::new(),
            log_masking: masking::LogMasking::default(),
            epoch: 1,
            demo,
            readonly_flag: false,
            config: crate::config::Config::default(),
            clipboard: crate::clipboard::Method::from_env(),
            transcript: None,
            recorder: None,
            forwards: exec::Forwards::default(),
            wizard_probe: None,
        }
    }

    /// Record every action of this session in the store's transcript.
    pub fn with_transcript(mut self, store: crate::store::StoreHandle, session: String) -> Self {
        if self.config.recorder.enabled {
            self.recorder = Some(recorder::Recorder::new(store.clone(), self.config.recorder.clone()));
        }
        self.transcript = Some((store, session));
        self
    }

    /// Read-only mode is enforced here, at the executor, whatever the UI shows.
    pub fn with_readonly(mut self, flag: bool, config: crate::config::Config) -> Self {
        self.readonly_flag = flag;
        self.config = config;
        self
    }

    fn readonly_for(&self, context: &str) -> bool {
        self.readonly_flag || self.config.readonly_for(context)
    }

    /// What the header shows for this session, read-only included.
    pub fn info(&self, session: &Session) -> ContextInfo {
        let mut info = context_info(session, self.demo);
        info.readonly = self.readonly_for(&session.target.context);
        info
    }

    fn session(&self) -> Option<Session> {
        self.session.lock().ok().map(|s| s.clone())
    }

    pub fn execute(&mut self, effect: Effect) {
        match effect {
            Effect::Watch(kind, scope) => self.watch(kind, scope),
            Effect::ResolveFallback(kind) => self.resolve_fallback(kind),
            Effect::Discover => {
                if let Some(session) = self.session() {
                    kinds::discover(session, self.tx.clone(), self.epoch);
                }
            }
            Effect::SwitchContext(name) => self.switch(name),
            Effect::Check { action, command } => self.check(action, command),
            Effect::Run { action, dry_run, command } => self.run(action, dry_run, command),
            Effect::Explain { namespace, target } => {
                let Some(session) = self.session() else { return };
                let tx = self.tx.clone();
                let store = self.recorder.as_ref().map(|r| r.store().clone());
                tokio::spawn(async move {
                    let result = crate::explain_cmd::document(&session, &namespace, &target, store.as_ref())
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Explained { target, result });
                });
            }
            Effect::Faults { epoch, namespace } => {
                let Some(session) = self.session() else { return };
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result =
                        crate::faults_cmd::fetch(&session, namespace.as_deref()).await.map_err(|e| format!("{e:#}"));
                    let _ = tx.send(Msg::Faults { epoch, result });
                });
            }
            Effect::Access(query) => {
                let Some(session) = self.session() else { return };
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let allowed = session.permissions.can_i(&session.client, &query).await.ok().map(|a| a.allowed);
                    let _ = tx.send(Msg::Access { query, allowed });
                });
            }
            Effect::Copy(text) => {
                // Synchronous, on the loop's thread, between two frames: OSC 52 is written to the terminal.
                let result = crate::clipboard::copy(&text, self.clipboard);
                let _ = self.tx.send(Msg::Copied { text, result });
            }
            Effect::StreamLogs { stream, action } => self.stream_logs(stream, action),
            Effect::StopLogs(stream) => {
                if let Some(handle) = self.log_streams.remove(&stream) {
                    handle.abort();
                }
            }
            Effect::LogsClosed => self.log_masking.forget(),
            Effect::Exec(effect) => self.exec_effect(effect),
            Effect::Wizard(effect) => self.wizard(effect),
            Effect::Ws(effect) => self.ws_effect(effect),
            Effect::Http(effect) => self.http_effect(effect),
            Effect::Quit => {
                self.stop_all();
                self.forwards.stop_all();
            }
        }
    }

    /// The loop saw a completed context switch: everything of the old context stops.
    pub fn switched(&mut self) {
        self.stop_all();
        self.epoch += 1;
    }

    pub fn stop_all(&mut self) {
        for (_, handle) in self.watches.drain() {
            handle.abort();
        }
        for (_, handle) in self.log_streams.drain() {
            handle.abort();
        }
        self.log_masking.forget();
        if let Some(recorder) = &mut self.recorder {
            recorder.stop();
        }
        self.stop_probe();
    }

    fn stream_logs(&mut self, stream: u64, action: Action) {
        let Some(session) = self.session() else { return };
        let (tx, readonly) = (self.tx.clone(), self.readonly_for(&session.target.context));
        self.log_streams.retain(|_, handle| !handle.is_finished());
        let Action::Logs { namespace, pod, .. } = &action else { return };
        let values = self.log_masking.cell(namespace, pod);
        let task = tokio::spawn(async move {
            let send = |update| tx.send(Msg::Logs { stream, update }).is_ok();
            // The values first: no line reaches the pane unmasked.
            let Action::Logs { namespace, pod, .. } = &action else { return };
            let masking = values.get_or_init(|| crate::cluster::secret_values::for_pod(&session, namespace, pod)).await;
            if let Some(note) = &masking.note
                && !send(crate::cluster::logs::LogUpdate::Masking(note.clone()))
            {
                return;
            }
            let masked = |update| send(masking::mask_log(masking, update));
            crate::action::stream_logs(&action, &session, readonly, masked).await;
        });
        self.log_streams.insert(stream, task.abort_handle());
    }

    fn watch(&mut self, kind: Kind, scope: Scope) {
        if self.watches.contains_key(&(kind, scope.clone())) {
            return;
        }
        let Some(session) = self.session() else { return };
        let client = session.client.clone();
        let handle = match kind {
            Kind::Pod => spawn_watch(scoped::<Pod>(client, &scope), &scope, self.tx.clone(), self.epoch, Data::Pods),
            Kind::Deployment => spawn_watch(
                scoped::<Deployment>(client, &scope),
                &scope,
                self.tx.clone(),
                self.epoch,
                Data::Deployments,
            ),
            Kind::Service => {
                spawn_watch(scoped::<Service>(client, &scope), &scope, self.tx.clone(), self.epoch, Data::Services)
            }
            Kind::Event => {
                spawn_watch(scoped::<Event>(client, &scope), &scope, self.tx.clone(), self.epoch, Data::Events)
            }
            Kind::Namespace => {
                spawn_watch(Api::<Namespace>::all(client), &scope, self.tx.clone(), self.epoch, Data::Namespaces)
            }
            other => kinds::spawn(&session, other, &scope, self.tx.clone(), self.epoch),
        };
        info!("watching {kind} in {scope}");
        if kind.namespaced()
            && let Some(recorder) = &mut self.recorder
        {
            recorder.watch(&session, &scope);
        }
        self.watches.insert((kind, scope), handle);
    }

    fn resolve_fallback(&mut self, kind: Kind) {
        let Some(session) = self.session() else { return };
        let tx = self.tx.clone();
        let epoch = self.epoch;
        tokio::spawn(async move {
            let (namespaces, how) = fallback_namespaces(&session, kind).await;
            let _ = tx.send(Msg::Fallback { epoch, kind, namespaces, how });
        });
    }

    fn check(&self, action: Action, command: String) {
        let Some(session) = self.session() else { return };
        let (tx, readonly) = (self.tx.clone(), self.readonly_for(&session.target.context));
        tokio::spawn(async move {
            let result = crate::action::check(&action, &session, readonly).await;
            let _ = tx.send(Msg::Checked { command, result });
        });
    }

    fn run(&self, action: Action, dry_run: bool, command: String) {
        let Some(session) = self.session() else { return };
        let (tx, readonly) = (self.tx.clone(), self.readonly_for(&session.target.context));
        let transcript = self.transcript.clone().filter(|_| !matches!(action, Action::List { .. }));
        let forwards = self.forwards.clone();
        tokio::spawn(async move {
            // Read before running: a deleted pod can no longer say which app it belonged to.
            let target = match (&transcript, action.target()) {
                (Some(_), Some(target)) => Some(history::resolve(&session, target).await),
                _ => None,
            };
            let opts = ExecOptions { dry_run, ..ExecOptions::default() };
            let mut result = crate::action::run(&action, &session, readonly, &opts).await;
            // Before anything keeps or shows it: what the container printed, with Secret values masked.
            masking::mask_outcome(&session, &action, &mut result).await;
            // A forward that started is the runtime's to keep and stop.
            if let Ok(crate::action::Outcome::Forwarding(forward)) = &result {
                forwards.adopt(forward.clone(), tx.clone());
            }
            if let Some((store, id)) = transcript {
                let mut entry = transcript_entry(&id, &session, &action, &command, dry_run, &result);
                entry.target = target;
                if let Err(e) = store.append_transcript(entry).await {
                    tracing::warn!("could not record the action in the transcript: {e}");
                }
            }
            let _ = tx.send(Msg::Done { command, dry_run, result });
        });
    }

    fn switch(&mut self, name: String) {
        let Some(session) = self.session() else { return };
        let shared = Arc::clone(&self.session);
        let tx = self.tx.clone();
        let demo = self.demo;
        let (flag, config) = (self.readonly_flag, self.config.clone());
        tokio::spawn(async move {
            let result = match session.target.switch(&name) {
                Err(problem) => Err(problem.to_string()),
                Ok(target) => match connect(target).await {
                    Ok(new) => {
                        let mut info = context_info(&new, demo);
                        info.readonly = flag || config.readonly_for(&new.target.context);
                        if let Ok(mut s) = shared.lock() {
                            *s = new;
                        }
                        Ok(info)
                    }
                    Err(problem) => Err(problem.to_string().replace('\n', " ")),
                },
            };
            let _ = tx.send(Msg::Switched(result));
        });
    }
}

/// The API of a namespaced kind, across the cluster or in one namespace.
fn scoped<K>(client: kube::Client, scope: &Scope) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match scope {
        Scope::All => Api::all(client),
        Scope::Namespace(ns) => Api::namespaced(client, ns),
    }
}

fn spawn_watch<K>(
    api: Api<K>,
    scope: &Scope,
    tx: UnboundedSender<Msg>,
    epoch: u64,
    wrap: fn(WatchUpdate<K>) -> Data,
) -> AbortHandle
where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + std::fmt::Debug + Send + Sync + 'static,
{
    let label = format!("{} in {scope}", K::plural(&()));
    let scope = scope.clone();
    tokio::spawn(async move {
        watch::run(api, label, move |update| {
            tx.send(Msg::Data { epoch, scope: scope.clone(), data: wrap(update) }).is_ok()
        })
        .await;
    })
    .abort_handle()
}

/// The namespaces this user may list `kind` in: those of the namespace list that a SelfSubjectAccessReview
/// allows, or — when namespaces cannot be listed either — the context's own namespace.
async fn fallback_namespaces(session: &Session, kind: Kind) -> (Vec<String>, String) {
    let client = &session.client;
    let own = session.target.namespace.clone();
    let api: Api<Namespace> = Api::all(client.clone());
    let names: Vec<String> = match api.list(&ListParams::default()).await {
        Ok(list) => list.items.iter().map(|n| n.name_any()).collect(),
        Err(err) => {
            let why = match Failure::from_kube(&err) {
                Failure::Forbidden(_) => "you may not list namespaces",
                _ => "namespaces could not be listed",
            };
            return (vec![own], format!("your context's namespace ({why})"));
        }
    };
    let checks = names.iter().map(|ns| {
        let query = AccessQuery::new("list", kind.group(), kind.plural(), Some(ns));
        async move { (ns.clone(), session.permissions.can_i(client, &query).await) }
    });
    let answers = futures::future::join_all(checks).await;
    let allowed: Vec<String> =
        answers.into_iter().filter_map(|(ns, answer)| matches!(answer, Ok(a) if a.allowed).then_some(ns)).collect();
    if allowed.is_empty() {
        return (vec![own], "your context's namespace (no namespace allows it)".into());
    }
    (allowed, "the namespaces you may list".into())
}

/// One transcript line, redacted: what ran, when, and how it ended.
fn transcript_entry(
    session_id: &str,
    session: &Session,
    action: &Action,
    command: &str,
    dry_run: bool,
    result: &Result<crate::action::Outcome, crate::action::ActionError>,
) -> crate::store::TranscriptEntry {
    use crate::action::Outcome;
    use crate::transcript::redact;
    let summary = action
        .plan(&crate::action::PlanCtx {
            context: session.target.context.clone(),
            namespace: session.target.namespace.clone(),
        })
        .summary;
    let outcome = match result {
        Ok(Outcome::Changed { summary, .. } | Outcome::Deleted { summary }) => summary.clone(),
        Ok(Outcome::Object(_) | Outcome::Text(_) | Outcome::Described { .. }) => "shown".into(),
        Ok(Outcome::Output { summary, .. }) => summary.clone(),
        Ok(Outcome::Shell(shell)) => shell.summary(),
        Ok(Outcome::Forwarding(forward)) => format!("forwarding {}", forward.label()),
        Ok(Outcome::Probe(results)) => crate::analysis::network::probe_step(results).summary,
        Ok(Outcome::Http(exchange)) => exchange.summary(),
        Err(e) => e.to_string(),
    };
    crate::store::TranscriptEntry {
        session: session_id.to_string(),
        at: jiff::Timestamp::now(),
        context: session.target.context.clone(),
        command: redact(command),
        summary: redact(&summary),
        dry_run,
        ok: result.is_ok(),
        outcome: redact(&outcome),
        // What a one-shot exec printed, redacted like the rest.
        output: match result {
            Ok(Outcome::Output { output, .. }) => Some(redact(&output.lines().join("\n"))),
            _ => None,
        },
        // Without reading a pod, only what is its own app; callers that can tell a pod's owner fill it in.
        target: action.target().map(|t| crate::store::TranscriptTarget {
            app: t.own_app(),
            namespace: t.namespace,
            kind: t.kind,
            name: t.name,
        }),
    }
}
