//! Sessions on a simulated cluster served on the test's own tokio runtime, made as the binary makes them: from a
//! kubeconfig file.
use std::path::{Path, PathBuf};

use mosaic::cluster::{ConnectOptions, Session, connect, kubeconfig};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};

/// A session in the current context of the kubeconfig at `path`.
pub async fn connect_with(path: PathBuf) -> Session {
    let target =
        kubeconfig::resolve(&ConnectOptions { kubeconfig: Some(path), ..Default::default() }).expect("context");
    connect(target).await.expect("connects")
}

/// A session on `sim` as `user`, its context opening `namespace`; the kubeconfig is written in `dir`.
pub async fn connect_as(sim: &SimHandle, user: &str, namespace: &str, dir: &Path) -> Session {
    let path = dir.join(format!("kubeconfig-{user}"));
    sim.write_kubeconfig(&path, user, namespace).expect("kubeconfig");
    connect_with(path).await
}

/// A simulated cluster and one session on it; the kubeconfig's directory lives as long.
pub struct SimSession {
    pub sim: SimHandle,
    pub session: Session,
    _dir: tempfile::TempDir,
}

impl SimSession {
    /// `scenario` served with `options`, a session as `user` in `namespace`, and the request log emptied.
    pub async fn start(scenario: Scenario, options: SimOptions, user: &str, namespace: &str) -> SimSession {
        let sim = SimServer::start(scenario, options).await.expect("sim starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let session = connect_as(&sim, user, namespace, dir.path()).await;
        sim.reset_counts();
        SimSession { sim, session, _dir: dir }
    }
}
