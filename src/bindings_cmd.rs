//! `mosaic bindings export|import`: an app's bindings to its repo and image, shared as YAML per context.
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::cli::{BindingsCommand, GlobalArgs};
use crate::cluster::{ConnectOptions, kubeconfig};
use crate::store::bindings_file;
use crate::{paths, store};

pub async fn run(global: &GlobalArgs, command: BindingsCommand) -> anyhow::Result<()> {
    let (store, status) = store::open(&paths::data_dir(global.data_dir.as_ref()));
    if let Some(message) = status.message() {
        eprintln!("mosaic: {message}");
    }
    let home = home();
    let result = match command {
        BindingsCommand::Export { output } => {
            let context = context(global)?;
            let bindings = store.list_bindings(&context).await?;
            let yaml = bindings_file::to_yaml(&context, &bindings, home.as_deref()).map_err(anyhow::Error::msg)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, yaml).with_context(|| format!("could not write {}", path.display()))?;
                    eprintln!("Exported {} binding(s) of context {context} to {}.", bindings.len(), path.display());
                }
                None => print!("{yaml}"),
            }
            Ok(())
        }
        BindingsCommand::Import { file } => {
            let yaml = std::fs::read_to_string(&file).with_context(|| format!("could not read {}", file.display()))?;
            let bindings = bindings_file::from_yaml(&yaml, global.context.as_deref(), home.as_deref())
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let context = bindings.first().map(|b| b.context.clone()).unwrap_or_default();
            let count = store.save_bindings(bindings).await?;
            println!("Imported {count} binding(s) into context {context}.");
            Ok(())
        }
    };
    let _ = store.close().await;
    result
}

/// `--context`, else the kubeconfig's current context.
fn context(global: &GlobalArgs) -> anyhow::Result<String> {
    if let Some(context) = &global.context {
        return Ok(context.clone());
    }
    let options = ConnectOptions { kubeconfig: global.kubeconfig.clone(), context: None, namespace: None };
    let target = kubeconfig::resolve(&options)
        .map_err(|e| anyhow::anyhow!("{e}; pass --context to say whose bindings to export"))?;
    Ok(target.context)
}

fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()).filter(|p| p != Path::new(""))
}
