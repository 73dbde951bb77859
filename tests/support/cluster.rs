//! The simulated cluster, served in-process on its own tokio runtime so a test thread can block on the terminal
//! while the server keeps answering.
use std::path::PathBuf;

use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};

pub struct Cluster {
    pub handle: SimHandle,
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Serve `scenario` on 127.0.0.1, any free port.
    pub fn start(scenario: Scenario) -> Cluster {
        Cluster::start_with(scenario, SimOptions::default())
    }

    pub fn start_with(scenario: Scenario, options: SimOptions) -> Cluster {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the simulated cluster");
        let handle = rt.block_on(SimServer::start(scenario, options)).expect("the simulated cluster starts");
        let dir = tempfile::Builder::new().prefix("mosaic-sim-").tempdir().expect("a temporary directory");
        Cluster { handle, rt, dir }
    }

    /// A kubeconfig for `user` whose context opens `namespace`.
    pub fn kubeconfig(&self, user: &str, namespace: &str) -> PathBuf {
        let path = self.dir.path().join(format!("kubeconfig-{user}-{namespace}.yaml"));
        self.handle.write_kubeconfig(&path, user, namespace).expect("write the kubeconfig");
        path
    }

    /// Create or replace an object as the API would. Runs inside the cluster's runtime, which the timers of
    /// graceful pod deletions need.
    pub fn upsert(&self, object: serde_json::Value) -> serde_json::Value {
        let _inside = self.rt.enter();
        self.handle.upsert(object).expect("the simulated cluster stores the object")
    }

    /// Delete an object; a pod goes Terminating, then away after the removal delay.
    pub fn delete(&self, api_version: &str, kind: &str, namespace: Option<&str>, name: &str) {
        let _inside = self.rt.enter();
        self.handle.delete(api_version, kind, namespace, name).expect("the simulated cluster deletes the object");
    }

    /// Refuse connections and cut every open watch.
    pub fn stop(&self) {
        self.rt.block_on(self.handle.stop());
    }

    /// Listen again on the same port, with the same objects.
    pub fn restart(&self) {
        self.rt.block_on(self.handle.restart()).expect("the simulated cluster restarts");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.rt.block_on(self.handle.stop());
    }
}
