//! Building a client for a context, and the first call that proves the server is there.
use std::time::Duration;

use kube::Client;

use super::errors::{Failure, kube_root_cause};
use super::kubeconfig::KubeTarget;
use super::rbac::Permissions;

const REACH_TIMEOUT: Duration = Duration::from_secs(8);

/// Why mosaic could not start talking to the server. Each message names the server and the fix.
#[derive(Debug, thiserror::Error)]
pub enum ConnectProblem {
    #[error("Could not set up a client for context {context:?} (from {source_files}): {reason}")]
    Config { context: String, source_files: String, reason: String },
    #[error(
        "Cannot reach the API server {server} (context {context:?}): {reason}\nCheck that the cluster is running \
         and that your network or VPN reaches it, then try: kubectl --context {context} cluster-info"
    )]
    Unreachable { server: String, context: String, reason: String },
    #[error(
        "The API server {server} refused the credentials of context {context:?} (401 Unauthorized).\nYour token \
         or certificate may have expired: log in again, then try: kubectl --context {context} get ns"
    )]
    Unauthorized { server: String, context: String },
}

/// A connected context: the client runs as the kubeconfig's user and nobody else.
#[derive(Clone)]
pub struct Session {
    pub client: Client,
    pub target: KubeTarget,
    pub permissions: Permissions,
    /// `v1.19.0`, as the server reports it.
    pub server_version: String,
}

/// Build the client (exec and OIDC auth plugins run as kube-rs runs them) and ask the server its version.
pub async fn connect(target: KubeTarget) -> Result<Session, ConnectProblem> {
    let config =
        kube::Config::from_custom_kubeconfig(target.kubeconfig.clone(), &target.options()).await.map_err(|e| {
            ConnectProblem::Config {
                context: target.context.clone(),
                source_files: target.source_description(),
                reason: e.to_string(),
            }
        })?;
    let client = Client::try_from(config).map_err(|e| ConnectProblem::Config {
        context: target.context.clone(),
        source_files: target.source_description(),
        reason: kube_root_cause(&e),
    })?;
    let version = match tokio::time::timeout(REACH_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(info)) => info.git_version,
        Ok(Err(err)) => {
            return Err(match Failure::from_kube(&err) {
                Failure::Unauthorized(_) => {
                    ConnectProblem::Unauthorized { server: target.server.clone(), context: target.context.clone() }
                }
                // Some servers hide /version; any answer proves the server is there.
                Failure::Forbidden(_) | Failure::NotFound(_) => {
                    return Ok(Session {
                        client,
                        target,
                        permissions: Permissions::default(),
                        server_version: "unknown".into(),
                    });
                }
                failure => ConnectProblem::Unreachable {
                    server: target.server.clone(),
                    context: target.context.clone(),
                    reason: failure.summary(),
                },
            });
        }
        Err(_) => {
            return Err(ConnectProblem::Unreachable {
                server: target.server.clone(),
                context: target.context.clone(),
                reason: format!("no answer within {} seconds", REACH_TIMEOUT.as_secs()),
            });
        }
    };
    Ok(Session { client, target, permissions: Permissions::default(), server_version: version })
}
