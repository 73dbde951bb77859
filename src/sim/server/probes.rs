//! The kubelet's part for mosaic's probe pods, which no simulated controller can play: the command of a pod
//! labelled `app.kubernetes.io/managed-by=mosaic` runs through the simulated shell once the pod is Running
//! (so its curl reaches the simulated apps, and NetworkPolicies drop what they would), its output becomes the
//! pod's log, and the pod ends Succeeded or Failed with its container's exit code.
use std::sync::Arc;

use serde_json::{Value, json};

use super::container::ContainerView;
use super::network::Network;
use super::shell::{self, Shell};
use super::store::Store;
use super::{Shared, lock, meta, ops, registry};

const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "mosaic");

/// (namespace, name, uid) of the probe pods that are Running and have not run their command yet.
fn due(store: &Store) -> Vec<(String, String, String)> {
    store
        .list(registry::PODS, None)
        .filter(|(_, pod)| {
            meta::labels(pod).and_then(|l| l.get(MANAGED_BY.0)).and_then(Value::as_str) == Some(MANAGED_BY.1)
                && meta::str_at(pod, &["status", "phase"]) == Some("Running")
                && !meta::is_terminating(pod)
        })
        .filter_map(|((ns, name), pod)| Some((ns.clone(), name.clone(), meta::uid(pod)?.to_string())))
        .collect()
}

impl Shared {
    /// Start the run of every probe pod that has just become Running, after the configured delay.
    pub(super) fn schedule_probes(self: &Arc<Self>) {
        let due = due(&self.store());
        if due.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let mut started = lock(&self.probes);
        for (namespace, name, uid) in due {
            if !started.insert(uid.clone()) {
                continue;
            }
            let shared = self.clone();
            let delay = self.opts.probe_delay;
            runtime.spawn(async move {
                tokio::time::sleep(delay).await;
                shared.run_probe(&namespace, &name, &uid);
            });
        }
    }

    /// Run the pod's command, keep its output as the log, and finish the pod.
    fn run_probe(self: &Arc<Self>, namespace: &str, name: &str, uid: &str) {
        let Some(pod) = self.store().get(registry::PODS, namespace, name).cloned() else { return };
        if meta::uid(&pod) != Some(uid) || meta::is_terminating(&pod) {
            return;
        }
        let container = pod.pointer("/spec/containers/0").cloned().unwrap_or_default();
        let container_name = container.get("name").and_then(Value::as_str).unwrap_or("probe").to_string();
        let argv: Vec<String> = ["command", "args"]
            .iter()
            .filter_map(|f| container.get(*f).and_then(Value::as_array))
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let view = ContainerView::build(&self.store(), &pod, &container_name);
        let network_of = self.clone();
        let network: shell::NetworkSource = Arc::new(move || Network::from_store(&network_of.store()));
        let mut shell = Shell::new(view, network, false);
        let (text, code) = match shell.run_argv(&argv, b"") {
            Ok((out, code)) => {
                let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
                text.push_str(&String::from_utf8_lossy(&out.stderr));
                (text, code)
            }
            Err(program) => (format!("exec {program}: no such file or directory\n"), 127),
        };
        {
            let mut logs = self.logs();
            let key = (namespace.to_string(), name.to_string(), container_name.clone());
            for line in text.lines() {
                logs.append(key.clone(), line);
            }
            if text.is_empty() {
                // The kubelet has a (empty) log for a container that ran.
                logs.append(key, "");
            }
        }
        self.write(|store| {
            let Some(mut pod) = store.get(registry::PODS, namespace, name).cloned() else { return };
            if meta::uid(&pod) != Some(uid) || meta::is_terminating(&pod) {
                return;
            }
            finish(&mut pod, &container_name, code);
            if let Err(e) = ops::upsert(store, pod, ops::Origin::Controller) {
                tracing::warn!(error = %e.message, "the simulated kubelet could not finish a probe pod");
            }
        });
    }
}

/// The status a kubelet writes when the only container of a `restartPolicy: Never` pod exits; the pod is
/// then left alone by the simulated kubelet (`simulate: static`).
fn finish(pod: &mut Value, container: &str, code: i32) {
    let now = meta::now();
    let started = pod.pointer("/status/startTime").cloned().unwrap_or_else(|| json!(now));
    let image = pod.pointer("/spec/containers/0/image").cloned().unwrap_or_default();
    let reason = if code == 0 { "Completed" } else { "Error" };
    let not_ready = |kind: &str| {
        json!({"type": kind, "status": "False", "lastProbeTime": null, "lastTransitionTime": now,
               "reason": "PodCompleted"})
    };
    let metadata = meta::metadata_mut(pod);
    let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
    if let Some(map) = annotations.as_object_mut() {
        map.insert("sim.mosaic.dev/simulate".into(), json!("static"));
    }
    let old = pod.get("status").cloned().unwrap_or_default();
    let mut conditions: Vec<Value> = old
        .get("conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| !matches!(c.get("type").and_then(Value::as_str), Some("Ready" | "ContainersReady")))
        .cloned()
        .collect();
    conditions.push(not_ready("Ready"));
    conditions.push(not_ready("ContainersReady"));
    let mut new = old.clone();
    new["phase"] = json!(if code == 0 { "Succeeded" } else { "Failed" });
    new["conditions"] = json!(conditions);
    new["containerStatuses"] = json!([{
        "name": container,
        "image": image,
        "imageID": old.pointer("/containerStatuses/0/imageID").cloned().unwrap_or_default(),
        "containerID": old.pointer("/containerStatuses/0/containerID").cloned().unwrap_or_default(),
        "ready": false,
        "started": false,
        "restartCount": 0,
        "state": {"terminated": {"exitCode": code, "reason": reason, "startedAt": started, "finishedAt": now}},
        "lastState": {},
    }]);
    pod["status"] = new;
}
