//! `mosaic demo` (being wired to the simulated cluster).
use std::path::PathBuf;

use crate::cli::DemoArgs;

pub struct Handle;
impl Handle {
    pub fn url(&self) -> String {
        String::new()
    }
    pub async fn stop(&self) {}
}

pub struct Demo {
    pub handle: Handle,
    pub kubeconfig: PathBuf,
    pub context: String,
    pub namespace: String,
}

pub async fn start(_args: &DemoArgs, _state_dir: &std::path::Path) -> anyhow::Result<Demo> {
    anyhow::bail!("the demo cluster is not wired yet")
}
