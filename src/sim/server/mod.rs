//! The simulated Kubernetes API server: a real HTTP/1.1 server on 127.0.0.1 speaking Kubernetes REST in the
//! dialect of the real v1.19 fixtures, so that kube-rs clients and kubectl work against it unchanged.
//!
//! State lives in one [`store::Store`] behind a mutex; every write is followed by the simulated controllers
//! (`world::reconcile`) until the world settles, and fans out to open watches through a broadcast channel.
mod api;
mod app_http;
mod channels;
mod columns;
mod commands;
mod connect;
mod container;
mod convert;
mod crds;
mod discovery;
mod exec;
mod handler;
mod kubeconfig;
mod logs;
mod meta;
mod net_tools;
mod network;
mod ops;
mod patch;
mod portforward;
mod probes;
mod proto;
mod rbac;
mod recorder;
mod registry;
mod routes;
mod selectors;
mod shell;
mod shell_syntax;
mod status;
mod store;
mod table;
mod tls;
mod tty;
mod watch;
mod world_link;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::{Context, bail};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

use crate::sim::types::{SimRule, SimUser};

pub use exec::{ExecSession, TerminalSize};
pub use recorder::RecordedRequest;
pub use world_link::Scenario;

/// What discovery offers and how objects look: a v1.19 server (as the fixtures) or a current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavour {
    /// Kubernetes v1.19: `discovery.k8s.io/v1beta1`, `batch/v1beta1` CronJobs, `selfLink` on objects.
    V1_19,
    /// Kubernetes v1.33: `discovery.k8s.io/v1`, `batch/v1` CronJobs.
    #[default]
    Modern,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// 0 picks any free port.
    pub port: u16,
    pub flavour: Flavour,
    /// How long a gracefully deleted pod stays Terminating.
    pub pod_removal_delay: Duration,
    /// How often watches that allow bookmarks get one.
    pub bookmark_interval: Duration,
    /// How long a probe pod of mosaic's (`app.kubernetes.io/managed-by=mosaic`) runs before its command's
    /// output is its log and it ends.
    pub probe_delay: Duration,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            port: 0,
            flavour: Flavour::Modern,
            pod_removal_delay: Duration::from_secs(1),
            bookmark_interval: Duration::from_secs(5),
            probe_delay: Duration::from_millis(300),
        }
    }
}

/// Starts the simulated cluster.
pub struct SimServer;

impl SimServer {
    /// Load the scenario, let the controllers settle it, and listen on 127.0.0.1.
    pub async fn start(scenario: Scenario, opts: SimOptions) -> anyhow::Result<SimHandle> {
        let listener = TcpListener::bind(("127.0.0.1", opts.port))
            .await
            .with_context(|| format!("binding the simulated API server to 127.0.0.1:{}", opts.port))?;
        let addr = listener.local_addr().context("reading the simulated API server's address")?;
        let mut store = store::Store::new();
        for obj in scenario.objects {
            let label = format!(
                "{} {}",
                obj.get("kind").and_then(|k| k.as_str()).unwrap_or("object"),
                meta::name(&obj).unwrap_or("(unnamed)")
            );
            if let Err(e) = ops::upsert(&mut store, obj, ops::Origin::Controller) {
                bail!("loading {label} into the simulated cluster: {}", e.message);
            }
        }
        ops::settle(&mut store);
        let users = if scenario.users.is_empty() { vec![default_admin()] } else { scenario.users };
        let server = CancellationToken::new();
        let shared = Arc::new(Shared {
            tls: tls::acceptor()?,
            watches: Mutex::new(CancellationToken::new()),
            store: Mutex::new(store),
            logs: Mutex::new(logs::LogBook::new(scenario.logs)),
            recorder: Mutex::new(recorder::Recorder::default()),
            exec: Mutex::new(exec::ExecBook::default()),
            probes: Mutex::new(std::collections::HashSet::new()),
            users,
            addr,
            opts,
            life: tokio::sync::Mutex::new(Life { server: server.clone(), accept: None }),
        });
        let pending = std::mem::take(&mut shared.store().pending_removals);
        shared.schedule_removals(pending);
        let accept = tokio::spawn(accept_loop(shared.clone(), listener, server));
        shared.life.lock().await.accept = Some(accept);
        Ok(SimHandle { shared })
    }
}

/// The user a scenario without users gets: allowed everything.
fn default_admin() -> SimUser {
    let all = vec!["*".to_string()];
    SimUser {
        name: "admin".into(),
        token: "admin-token".into(),
        groups: vec!["system:masters".into()],
        rules: vec![SimRule {
            api_groups: all.clone(),
            resources: all.clone(),
            verbs: all,
            namespaces: None,
            source: Some(
                "ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" to User \"admin\"".into(),
            ),
        }],
    }
}

struct Life {
    server: CancellationToken,
    accept: Option<JoinHandle<()>>,
}

/// Everything the connections share.
pub(crate) struct Shared {
    opts: SimOptions,
    addr: SocketAddr,
    users: Vec<SimUser>,
    tls: tokio_rustls::TlsAcceptor,
    store: Mutex<store::Store>,
    logs: Mutex<logs::LogBook>,
    recorder: Mutex<recorder::Recorder>,
    exec: Mutex<exec::ExecBook>,
    /// The uids of the probe pods whose run has started.
    probes: Mutex<std::collections::HashSet<String>>,
    /// Cancelled to end every open watch, followed log and exec or port-forward session (on `stop` and
    /// `drop_watches`), then replaced.
    watches: Mutex<CancellationToken>,
    life: tokio::sync::Mutex<Life>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep serving it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, store::Store> {
        lock(&self.store)
    }

    fn logs(&self) -> MutexGuard<'_, logs::LogBook> {
        lock(&self.logs)
    }

    fn recorder(&self) -> MutexGuard<'_, recorder::Recorder> {
        lock(&self.recorder)
    }

    fn watch_token(&self) -> CancellationToken {
        lock(&self.watches).clone()
    }

    /// End every open watch and followed log; later ones get a fresh token.
    fn end_watches(&self) {
        let mut watches = lock(&self.watches);
        watches.cancel();
        *watches = CancellationToken::new();
    }

    /// Run a write under the store lock; if it changed anything, let the controllers settle the world, then
    /// start the timers of graceful pod deletions.
    fn write<T>(self: &Arc<Self>, f: impl FnOnce(&mut store::Store) -> T) -> T {
        let (out, pending) = {
            let mut store = self.store();
            let before = store.resource_version();
            let out = f(&mut store);
            if store.resource_version() != before {
                ops::settle(&mut store);
            }
            (out, std::mem::take(&mut store.pending_removals))
        };
        self.schedule_removals(pending);
        self.schedule_probes();
        out
    }

    fn schedule_removals(self: &Arc<Self>, pending: Vec<store::PendingRemoval>) {
        if pending.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no tokio runtime: terminating pods stay until deleted with gracePeriodSeconds=0");
            return;
        };
        for removal in pending {
            let shared = self.clone();
            let delay = self.opts.pod_removal_delay;
            runtime.spawn(async move {
                tokio::time::sleep(delay).await;
                shared.write(|store| ops::grace_period_over(store, &removal));
            });
        }
    }
}

async fn accept_loop(shared: Arc<Shared>, listener: TcpListener, token: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(shared.clone(), stream));
                }
                Err(e) => {
                    tracing::debug!(error = %e, "accepting a connection to the simulated API server");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Cut every open connection at once: a stopped server does not wait for watches to finish.
    connections.shutdown().await;
}

/// Serve one connection, over TLS when it starts with a TLS handshake (kubectl), else in the clear.
async fn serve_connection(shared: Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut first = [0u8; 1];
    let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == tls::TLS_HANDSHAKE);
    if is_tls {
        match shared.tls.accept(stream).await {
            Ok(stream) => serve_http(shared, TokioIo::new(stream)).await,
            Err(e) => tracing::debug!(error = %e, "TLS handshake with the simulated API server failed"),
        }
    } else {
        serve_http(shared, TokioIo::new(stream)).await;
    }
}

async fn serve_http<I>(shared: Arc<Shared>, io: I)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(handler::handle(shared, req).await) }
    });
    // Upgrades carry exec and port-forward sessions.
    if let Err(e) = http1::Builder::new().serve_connection(io, service).with_upgrades().await {
        tracing::debug!(error = %e, "simulated API server connection ended");
    }
}

/// A running simulated cluster. Cheap to clone; every clone controls the same server.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle").field("addr", &self.shared.addr).finish()
    }
}

impl SimHandle {
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `https://127.0.0.1:PORT`: the same server over TLS (the certificate is for 127.0.0.1 and localhost).
    pub fn https_url(&self) -> String {
        format!("https://{}", self.shared.addr)
    }

    /// The PEM of the CA that signed the server's certificate.
    pub fn ca_pem(&self) -> &'static str {
        tls::CA_PEM
    }

    /// A kubeconfig (YAML) whose current context is `sim-<user>` in `namespace`. Its server is
    /// `https://127.0.0.1:PORT` with the simulated CA, because kubectl sends tokens only over TLS; the same
    /// port answers plain HTTP at [`SimHandle::url`].
    pub fn kubeconfig(&self, user: &str, namespace: &str) -> String {
        kubeconfig::render(&self.https_url(), &self.shared.users, user, namespace).unwrap_or_default()
    }

    pub fn write_kubeconfig(&self, path: &Path, user: &str, namespace: &str) -> anyhow::Result<()> {
        let yaml = kubeconfig::render(&self.https_url(), &self.shared.users, user, namespace)?;
        std::fs::write(path, yaml).with_context(|| format!("writing the kubeconfig {}", path.display()))
    }

    /// Requests served, by (verb, resource), e.g. `("list", "pods")`, `("get", "pods/log")`.
    pub fn counts(&self) -> BTreeMap<(String, String), u64> {
        self.shared.recorder().counts()
    }

    pub fn count(&self, verb: &str, resource: &str) -> u64 {
        self.shared.recorder().count(verb, resource)
    }

    pub fn total_requests(&self) -> u64 {
        self.shared.recorder().total()
    }

    pub fn reset_counts(&self) {
        self.shared.recorder().reset();
    }

    /// The last 1000 requests, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder().requests()
    }

    /// The exec sessions served (the last 200), oldest first: command, terminal size, exit code.
    pub fn exec_sessions(&self) -> Vec<ExecSession> {
        lock(&self.shared.exec).sessions()
    }

    /// Refuse new connections and cut every open one (watches included) at once.
    pub async fn stop(&self) {
        let accept = {
            let mut life = self.shared.life.lock().await;
            life.server.cancel();
            life.accept.take()
        };
        self.shared.end_watches();
        if let Some(accept) = accept
            && let Err(e) = accept.await
        {
            tracing::debug!(error = %e, "the simulated API server's accept loop ended badly");
        }
    }

    /// Listen again on the same port, with the same state.
    pub async fn restart(&self) -> anyhow::Result<()> {
        self.stop().await;
        let listener = bind_again(self.shared.addr).await?;
        let mut life = self.shared.life.lock().await;
        let server = CancellationToken::new();
        life.server = server.clone();
        life.accept = Some(tokio::spawn(accept_loop(self.shared.clone(), listener, server)));
        Ok(())
    }

    /// End every open watch stream (and followed log), as a network blip would; the server keeps running.
    pub fn drop_watches(&self) {
        self.shared.end_watches();
    }

    /// Forget history: watches and continue tokens from an older resourceVersion now get 410 Expired.
    pub fn compact(&self) {
        self.shared.store().compact();
    }

    /// Write an object as the API would (resourceVersion, uid, events), then let the controllers settle.
    pub fn upsert(&self, obj: serde_json::Value) -> anyhow::Result<serde_json::Value> {
        self.shared
            .write(|store| ops::upsert(store, obj, ops::Origin::Api).map(|(written, _)| written))
            .map_err(|e| anyhow::anyhow!(e.message))
    }

    /// Delete an object (pods gracefully), then let the controllers settle.
    pub fn delete(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> anyhow::Result<()> {
        let found = self
            .shared
            .write(|store| ops::delete_object(store, api_version, kind, namespace, name))
            .map_err(|e| anyhow::anyhow!(e.message))?;
        if !found && self.get(api_version, kind, namespace, name).is_none() {
            bail!("{kind} {name} not found");
        }
        Ok(())
    }

    /// The stored object, with its apiVersion and kind.
    pub fn get(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Option<serde_json::Value> {
        let res = registry::for_object(api_version, kind)?;
        let ns = if res.namespaced { namespace.unwrap_or_default() } else { "" };
        let stored = self.shared.store().get(res.storage, ns, name).cloned()?;
        Some(convert::to_served(res, &stored, self.shared.opts.flavour))
    }

    /// Add a line to a container's log (followers see it at once).
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, line: &str) {
        self.shared.logs().append((namespace.to_string(), pod.to_string(), container.to_string()), line);
    }
}

/// Bind the same address again; a just-closed listener can take a moment to release it.
async fn bind_again(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    let mut last_error = None;
    for _ in 0..50 {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    Err(anyhow::anyhow!("rebinding the simulated API server to {addr}: {last_error:?}"))
}

/// A real v1.19 API server response from `tests/fixtures/real-1.19/`, for the unit tests of the dialect.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/real-1.19/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {path} is not JSON: {e}"))
}
