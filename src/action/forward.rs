//! `kubectl port-forward`: a listener on 127.0.0.1, and each accepted connection bridged to the pod through its
//! own `pods/portforward` WebSocket. `execute` checks the target, binds the port and starts the listener; the
//! [`Forwarding`] it returns stops it.
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::Api;
use kube::api::ListParams;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::error::{ActionError, Step};
use super::{ExecOptions, Outcome};
use crate::cluster::errors::kube_root_cause;

/// What the user asked to forward to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardTarget {
    Pod(String),
    /// A Service: one of its ready pods, on the service port's `targetPort`.
    Service(String),
}

impl ForwardTarget {
    /// `pod/web-1`, `service/web`: how kubectl names it.
    pub fn kubectl_ref(&self) -> String {
        match self {
            ForwardTarget::Pod(name) => format!("pod/{name}"),
            ForwardTarget::Service(name) => format!("service/{name}"),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ForwardTarget::Pod(name) | ForwardTarget::Service(name) => name,
        }
    }
}

/// How a forward is doing, as its listener and connections report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardStats {
    /// Connections accepted so far.
    pub served: u64,
    /// Connections open now.
    pub active: u64,
    /// The last connection's failure, in the server's words.
    pub last_error: Option<String>,
}

/// A running forward. Clones share it; it stops when [`Forwarding::stop`] is called or the last clone is dropped.
#[derive(Clone)]
pub struct Forwarding {
    /// Unique in this process.
    pub id: u64,
    /// Where it listens: `127.0.0.1:8080`.
    pub local: SocketAddr,
    pub namespace: String,
    /// The pod the connections go to (for a Service, the ready pod picked).
    pub pod: String,
    /// The pod's port.
    pub remote: u16,
    pub target: ForwardTarget,
    stats: watch::Receiver<ForwardStats>,
    cancel: CancellationToken,
    _last_one_stops_it: Arc<DropGuard>,
}

impl Forwarding {
    /// `127.0.0.1:8080 → shop/storefront-7d9c8b6f5-x2x4q:8080`
    pub fn label(&self) -> String {
        format!("{} → {}/{}:{}", self.local, self.namespace, self.pod, self.remote)
    }

    pub fn stats(&self) -> ForwardStats {
        self.stats.borrow().clone()
    }

    /// Changes to the stats; `changed()` fails once the listener and every connection have ended.
    pub fn changes(&self) -> watch::Receiver<ForwardStats> {
        self.stats.clone()
    }

    /// Close the listener and every open connection.
    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

impl PartialEq for Forwarding {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl fmt::Debug for Forwarding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forwarding").field("id", &self.id).field("label", &self.label()).finish_non_exhaustive()
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Check the target, bind `127.0.0.1:local` (0: any free port) and start forwarding to `remote`.
pub(crate) async fn start(
    client: &kube::Client,
    opts: &ExecOptions,
    namespace: &str,
    target: &ForwardTarget,
    local: u16,
    remote: u16,
) -> Result<Outcome, ActionError> {
    if opts.dry_run {
        return Err(ActionError::Invalid("There is no dry run for a port-forward: mosaic opened nothing".into()));
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let (pod, port) = match target {
        ForwardTarget::Pod(name) => {
            let what = format!("pod {name} in {namespace}");
            let pod = pods.get(name).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Read))?;
            let phase = pod.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_else(|| "Unknown".into());
            if phase != "Running" {
                return Err(ActionError::Invalid(format!(
                    "{what} is not running (phase {phase}), so nothing can be forwarded to it"
                )));
            }
            (name.clone(), remote)
        }
        ForwardTarget::Service(name) => service_backend(client, &pods, namespace, name, remote).await?,
    };
    let listener = bind(local, remote).await?;
    let local = listener.local_addr().map_err(|e| ActionError::Invalid(format!("The local port is unusable: {e}")))?;
    let cancel = CancellationToken::new();
    let (stats_tx, stats) = watch::channel(ForwardStats::default());
    let listen = Listen { listener, pods, pod: pod.clone(), port, stats: Arc::new(stats_tx), cancel: cancel.clone() };
    tokio::spawn(listen.serve());
    Ok(Outcome::Forwarding(Forwarding {
        id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        local,
        namespace: namespace.into(),
        pod,
        remote: port,
        target: target.clone(),
        stats,
        _last_one_stops_it: Arc::new(cancel.clone().drop_guard()),
        cancel,
    }))
}

/// `127.0.0.1:local`, or why not in words that name the port.
async fn bind(local: u16, remote: u16) -> Result<TcpListener, ActionError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, local)).await.map_err(|e| {
        ActionError::Invalid(match e.kind() {
            // Two lines: panes do not wrap, and the second says what to do.
            std::io::ErrorKind::AddrInUse => format!(
                "Local port {local} is already in use on 127.0.0.1 (by another program or forward).\nPick another, \
                 for example {}:{remote}, or :{remote} for any free port",
                local.saturating_add(1).max(1024)
            ),
            std::io::ErrorKind::PermissionDenied => format!(
                "Local port {local} needs administrator rights on this machine.\nPick one above 1023, for example \
                 {}:{remote}",
                local.saturating_add(8000)
            ),
            _ => format!("Could not listen on 127.0.0.1:{local}: {e}"),
        })
    })
}

/// The ready pod behind a Service and the pod port its service port `port` leads to.
async fn service_backend(
    client: &kube::Client,
    pods: &Api<Pod>,
    namespace: &str,
    name: &str,
    port: u16,
) -> Result<(String, u16), ActionError> {
    let what = format!("service {name} in {namespace}");
    let services: Api<Service> = Api::namespaced(client.clone(), namespace);
    let service = services.get(name).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Read))?;
    let spec = service.spec.unwrap_or_default();
    let ports = spec.ports.unwrap_or_default();
    let Some(service_port) = ports.iter().find(|p| p.port == i32::from(port)) else {
        let have: Vec<String> = ports.iter().map(|p| p.port.to_string()).collect();
        return Err(ActionError::NotFound(format!("{what} has no port {port} (its ports: {})", have.join(", "))));
    };
    let selector = spec.selector.unwrap_or_default();
    if selector.is_empty() {
        return Err(ActionError::Invalid(format!("{what} has no selector, so it has no pods to forward to")));
    }
    let labels: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let list = pods
        .list(&ListParams::default().labels(&labels.join(",")))
        .await
        .map_err(|e| ActionError::from_kube(&e, &format!("the pods of {what}"), Step::Read))?;
    let mut ready: Vec<Pod> = list.items.into_iter().filter(is_ready).collect();
    ready.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    let Some(pod) = ready.into_iter().next() else {
        return Err(ActionError::NotFound(format!("{what} has no ready pod to forward to")));
    };
    let pod_name = pod.metadata.name.clone().unwrap_or_default();
    let target = match &service_port.target_port {
        None => port,
        Some(IntOrString::Int(n)) => u16::try_from(*n).unwrap_or(port),
        Some(IntOrString::String(port_name)) => named_port(&pod, port_name).ok_or_else(|| {
            ActionError::Invalid(format!("pod {pod_name} of {what} has no container port named {port_name:?}"))
        })?,
    };
    Ok((pod_name, target))
}

fn is_ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    pod.metadata.deletion_timestamp.is_none()
        && status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn named_port(pod: &Pod, name: &str) -> Option<u16> {
    pod.spec
        .as_ref()?
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .find_map(|p| (p.name.as_deref() == Some(name)).then(|| u16::try_from(p.container_port).ok()).flatten())
}

/// The listener's side: accept, and bridge each connection until stopped.
struct Listen {
    listener: TcpListener,
    pods: Api<Pod>,
    pod: String,
    port: u16,
    /// Shared with every connection, so receivers learn the forward ended only when all of them have.
    stats: Arc<watch::Sender<ForwardStats>>,
    cancel: CancellationToken,
}

impl Listen {
    async fn serve(self) {
        let Listen { listener, pods, pod, port, stats, cancel } = self;
        loop {
            let accepted = tokio::select! {
                _ = cancel.cancelled() => break,
                accepted = listener.accept() => accepted,
            };
            let socket = match accepted {
                Ok((socket, _)) => socket,
                Err(e) => {
                    stats.send_modify(|s| s.last_error = Some(format!("accepting a connection failed: {e}")));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            stats.send_modify(|s| {
                s.served += 1;
                s.active += 1;
            });
            let (pods, pod, stats, cancel) = (pods.clone(), pod.clone(), Arc::clone(&stats), cancel.clone());
            tokio::spawn(async move {
                let result = tokio::select! {
                    _ = cancel.cancelled() => Ok(()),
                    result = bridge(&pods, &pod, port, socket) => result,
                };
                stats.send_modify(|s| {
                    s.active = s.active.saturating_sub(1);
                    if let Err(e) = result {
                        s.last_error = Some(e);
                    }
                });
            });
        }
        // The port is free once this returns.
        drop(listener);
    }
}

/// One local connection through its own port-forward stream. As kubectl does, the connection ends when the pod's
/// side does (or on a local error, or the server's error channel); the local side closing only half-closes.
async fn bridge(pods: &Api<Pod>, pod: &str, port: u16, mut socket: TcpStream) -> Result<(), String> {
    let mut forwarder = pods.portforward(pod, &[port]).await.map_err(|e| match e {
        kube::Error::Api(status) => status.message.clone(),
        other => kube_root_cause(&other),
    })?;
    let upstream = forwarder.take_stream(port).ok_or("the API server opened no stream for the port")?;
    let error = forwarder.take_error(port);
    let (mut pod_read, mut pod_write) = tokio::io::split(upstream);
    let (mut local_read, mut local_write) = socket.split();
    let from_pod = async {
        let _ = tokio::io::copy(&mut pod_read, &mut local_write).await;
        let _ = local_write.shutdown().await;
    };
    let to_pod = async {
        if tokio::io::copy(&mut local_read, &mut pod_write).await.is_ok() {
            // The client is done sending; its answer may still be coming.
            let _ = pod_write.shutdown().await;
            std::future::pending::<()>().await;
        }
    };
    let server_error = async {
        match error {
            Some(error) => match error.await {
                Some(message) => message,
                // No error will come: the stream's own end decides.
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    };
    // The server sends its error before it closes the stream: look at the error first.
    let outcome = tokio::select! {
        biased;
        message = server_error => Err(message.trim().to_string()),
        () = from_pod => Ok(()),
        () = to_pod => Ok(()),
    };
    forwarder.abort();
    outcome
}
