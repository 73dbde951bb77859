//! The `sim.mosaic.dev/*` annotations that tell the simulated kubelet how a pod behaves.
use jiff::Timestamp;
use serde_json::Value;

use super::{json, kube_time, pods};

pub(crate) const PREFIX: &str = "sim.mosaic.dev/";
/// The annotation prefix of the fixture scenario (`acme-scenario-manifests.yaml`), read as an alias.
const FIXTURE_PREFIX: &str = "k8s-real.example/";

pub(crate) const SIMULATE: &str = "sim.mosaic.dev/simulate";
pub(crate) const STARTED: &str = "sim.mosaic.dev/started";

/// A `sim.mosaic.dev/<name>` annotation (or its fixture alias).
pub(crate) fn annotation<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    let annotations = json::object_at(obj, &["metadata", "annotations"])?;
    let find = |prefix: &str| {
        annotations.iter().find(|(k, _)| k.strip_prefix(prefix) == Some(name)).and_then(|(_, v)| v.as_str())
    };
    find(PREFIX).or_else(|| find(FIXTURE_PREFIX))
}

/// How a pod behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Healthy,
    CrashLoop,
    ImagePull,
    ErrImagePull,
    Unschedulable,
    OomKilled,
    NotReady,
    ConfigMissing,
    Init,
    Completed,
    Terminating,
    /// The pod's status is left exactly as written (for scenarios that carry their own statuses).
    Static,
}

impl Mode {
    pub(crate) fn parse(s: &str) -> Option<Mode> {
        Some(match s {
            "healthy" | "" => Mode::Healthy,
            "crashloop" => Mode::CrashLoop,
            "imagepull" => Mode::ImagePull,
            "errimagepull" => Mode::ErrImagePull,
            "unschedulable" => Mode::Unschedulable,
            "oomkilled" => Mode::OomKilled,
            "notready" => Mode::NotReady,
            "configmissing" => Mode::ConfigMissing,
            "init" => Mode::Init,
            "completed" => Mode::Completed,
            "terminating" => Mode::Terminating,
            "static" => Mode::Static,
            _ => return None,
        })
    }

    /// Every mode a scenario may name, for error messages.
    pub(crate) const NAMES: &'static str = "healthy, crashloop, imagepull, errimagepull, unschedulable, oomkilled, notready, configmissing, init, completed, terminating, static";
}

/// The pod's mode: its annotation, else `completed` for Job pods, else `healthy`. A container that
/// completes under `restartPolicy: Always` is restarted, so there `completed` is a crash loop (exit 0).
pub(crate) fn mode_of(pod: &Value) -> Mode {
    let mode = annotation(pod, "simulate").and_then(Mode::parse).unwrap_or_else(|| {
        match pods::controller_of(pod).and_then(|r| json::str_at(r, &["kind"])) {
            Some("Job") => Mode::Completed,
            _ => Mode::Healthy,
        }
    });
    let restarts_always = json::str_at(pod, &["spec", "restartPolicy"]).is_none_or(|p| p == "Always");
    if mode == Mode::Completed && restarts_always { Mode::CrashLoop } else { mode }
}

pub(crate) fn restarts(pod: &Value, default: i64) -> i64 {
    annotation(pod, "restarts").and_then(|s| s.parse().ok()).unwrap_or(default).max(0)
}

pub(crate) fn exit_code(pod: &Value, default: i64) -> i64 {
    annotation(pod, "exit-code").and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// `sim.mosaic.dev/started`: when the current containers started (absolute once the scenario is loaded).
pub(crate) fn started(pod: &Value) -> Option<Timestamp> {
    annotation(pod, "started").and_then(kube_time::parse)
}

/// `sim.mosaic.dev/container`: the one container a failure applies to (default: all of them).
pub(crate) fn target_container(pod: &Value) -> Option<&str> {
    annotation(pod, "container")
}
