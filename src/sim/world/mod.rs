//! The simulated cluster's world: scenarios (what the cluster holds) and the simulated controllers
//! (what a kube-controller-manager, a scheduler and kubelets would make of it).
mod cluster;
mod daemonsets;
mod defaults;
mod deployments;
mod endpoints;
mod events;
mod gc;
mod generated;
mod ids;
mod image;
mod jobs;
mod json;
mod kube_time;
mod managed_fields;
mod objects;
mod pod_status;
mod pods;
mod quantity;
mod replicasets;
mod revisions;
mod scenario;
mod scheduler;
mod selectors;
mod services;
mod simulate;
mod statefulsets;
mod volumes;
mod workload_common;

use std::path::Path;

use jiff::Timestamp;
use serde_json::Value;

use crate::sim::types::{Change, LogSpec, SimUser};
use objects::ObjectSet;

/// The demo shop, as shipped in the binary.
pub const DEMO_YAML: &str = include_str!("../../../assets/demo/shop.yaml");
const ACME_YAML: &str = include_str!("../../../tests/fixtures/real-1.19/acme-scenario-manifests.yaml");

/// What a simulated cluster starts with: its objects, who may use it, and what its containers log.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// Full objects (with apiVersion and kind), as the API server would store them.
    pub objects: Vec<Value>,
    pub users: Vec<SimUser>,
    pub logs: Vec<LogSpec>,
}

impl Scenario {
    /// Parses a multi-document YAML scenario; relative times are resolved against now.
    pub fn from_yaml(text: &str) -> anyhow::Result<Scenario> {
        scenario::parse(text, Timestamp::now())
    }

    /// Like [`Scenario::from_yaml`], with relative times resolved against `now` (for reproducible tests).
    pub fn from_yaml_at(text: &str, now: Timestamp) -> anyhow::Result<Scenario> {
        scenario::parse(text, now)
    }

    pub fn from_file(path: &Path) -> anyhow::Result<Scenario> {
        scenario::from_file(path)
    }

    /// The built-in demo: a small online shop with healthy and broken apps (`assets/demo/shop.yaml`).
    pub fn demo() -> Scenario {
        Self::demo_at(Timestamp::now())
    }

    /// The demo with its relative times resolved against `now`.
    pub fn demo_at(now: Timestamp) -> Scenario {
        Self::builtin(DEMO_YAML, "demo", now)
    }

    /// The fixture namespace `acme` (`tests/fixtures/real-1.19/acme-scenario-manifests.yaml`).
    pub fn acme() -> Scenario {
        Self::builtin(ACME_YAML, "acme", Timestamp::now())
    }

    /// The benchmark cluster: `namespaces` namespaces (`bench-00`…), `pods` pods in ten-pod Deployments
    /// with a Service each (~3% crash-looping, ~2% pending), and exactly `events` events; already
    /// materialised, with the `managedFields` and `last-applied-configuration` real objects carry.
    pub fn generated(namespaces: usize, pods: usize, events: usize) -> Scenario {
        generated::build(namespaces, pods, events, Timestamp::now())
    }

    fn builtin(text: &str, what: &str, now: Timestamp) -> Scenario {
        scenario::parse(text, now).unwrap_or_else(|e| {
            // The built-in scenarios are tested; this only guards against shipping a broken one.
            tracing::error!("built-in {what} scenario is invalid: {e:#}");
            Scenario { users: scenario::default_users("default"), ..Scenario::default() }
        })
    }
}

/// Idempotent and pure: given every stored object (full JSON with apiVersion and kind), return what the
/// simulated controllers would change. Empty when the world is settled.
pub fn reconcile(objects: &[Value], now: Timestamp) -> Vec<Change> {
    let mut world = ObjectSet::new(objects);
    // Controllers run in dependency order so one pass settles what the previous writes imply.
    cluster::run(&mut world, now);
    services::run(&mut world);
    gc::run(&mut world, now);
    jobs::run_cron(&mut world, now);
    deployments::run(&mut world, now);
    replicasets::run(&mut world, now);
    statefulsets::run(&mut world, now);
    daemonsets::run(&mut world, now);
    jobs::run(&mut world, now);
    volumes::run(&mut world, now);
    scheduler::run(&mut world, now);
    pod_status::run(&mut world, now);
    replicasets::status(&mut world);
    deployments::status(&mut world, now);
    statefulsets::status(&mut world);
    daemonsets::status(&mut world);
    jobs::status(&mut world);
    jobs::cron_status(&mut world);
    endpoints::run(&mut world);
    events::fill_versions(&mut world);
    world.into_changes()
}
