//! `mosaic demo`: the built-in simulated cluster, served on 127.0.0.1, with a kubeconfig written for it.
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::DemoArgs;
use crate::sim::{Flavour, Scenario, SimHandle, SimOptions, SimServer};

pub struct Demo {
    pub handle: SimHandle,
    pub kubeconfig: PathBuf,
    pub context: String,
    pub namespace: String,
}

/// Start the simulated cluster and write `<state>/demo/kubeconfig` pointing at it.
pub async fn start(args: &DemoArgs, state_dir: &std::path::Path) -> anyhow::Result<Demo> {
    let scenario = match &args.scenario {
        Some(path) => {
            Scenario::from_file(path).with_context(|| format!("could not load the scenario {}", path.display()))?
        }
        None => Scenario::demo(),
    };
    if !scenario.users.iter().any(|u| u.name == args.user) {
        let names: Vec<&str> = scenario.users.iter().map(|u| u.name.as_str()).collect();
        anyhow::bail!("the demo has no user {:?}; choose one of: {}", args.user, names.join(", "));
    }
    let namespace = main_namespace(&scenario);
    let options = SimOptions {
        port: args.port,
        flavour: if args.old_server { Flavour::V1_19 } else { Flavour::Modern },
        ..SimOptions::default()
    };
    let handle = SimServer::start(scenario, options)
        .await
        .with_context(|| format!("could not start the simulated cluster on 127.0.0.1:{}", args.port))?;
    let dir = state_dir.join("demo");
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let kubeconfig = dir.join(format!("kubeconfig-{}", handle.addr().port()));
    handle
        .write_kubeconfig(&kubeconfig, &args.user, &namespace)
        .with_context(|| format!("could not write {}", kubeconfig.display()))?;
    Ok(Demo { handle, kubeconfig, context: format!("sim-{}", args.user), namespace })
}

/// The namespace the demo opens on: the one most objects live in, system namespaces aside.
fn main_namespace(scenario: &Scenario) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for ns in scenario.objects.iter().filter_map(|o| o.pointer("/metadata/namespace").and_then(|n| n.as_str())) {
        if !ns.starts_with("kube-") && ns != "default" {
            *counts.entry(ns).or_default() += 1;
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(ns, _)| ns.to_string()).unwrap_or_else(|| "default".into())
}
