//! Probe pods: a one-off pod in the target namespace that runs curl against Services and pods, prints one
//! line per target, and is deleted when done — on success, on failure, when its future is dropped (cancel),
//! and, for leftovers of a crashed run, on the next start ([`delete_leftovers`]).
//!
//! The network wizard's probe ([`Action::Probe`](super::Action::Probe)) and the HTTP sender
//! ([`Action::SendHttp`](super::Action::SendHttp)) both run here; they differ only in the script.
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{DeleteParams, ListParams, LogParams, PostParams};
use serde_json::{Value, json};

use super::error::{ActionError, Step};
use super::plan::script_line;
use crate::analysis::network::probe::{ProbeOutcome, ProbeResults, ProbeStage, ProbeTarget, curl_argv, parse_log};

/// Every pod mosaic creates carries this label; leftovers are found by it.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "mosaic");
/// The run id of one probe, also a label.
pub const RUN_LABEL: &str = "mosaic.dev/probe";
/// The image a probe runs unless `probe_image:` in config.yaml says otherwise.
pub const DEFAULT_IMAGE: &str = "curlimages/curl";
/// The probe's only container.
pub const CONTAINER: &str = "probe";
/// How long a probe pod may take to be scheduled and pull its image: a pull is slow, not a failure.
pub const START_TIMEOUT: Duration = Duration::from_secs(180);
/// How often the pod is looked at while it runs.
const POLL: Duration = Duration::from_millis(200);
/// Extra time a leftover is given past its deadline before it is taken for abandoned.
const LEFTOVER_GRACE_SECONDS: i64 = 60;

/// What a probe pod runs, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbePod {
    pub namespace: String,
    /// `mosaic-probe-k3x9z`
    pub name: String,
    pub image: String,
    /// The container's command: `sh -c SCRIPT`.
    pub command: Vec<String>,
    /// `activeDeadlineSeconds`: the pull allowance plus the time every request may take.
    pub deadline_seconds: i64,
}

impl ProbePod {
    /// A pod curling each target in turn, one [`curl_argv`] line each; the script always ends with 0 so a
    /// failed target does not look like a failed probe.
    pub fn for_targets(namespace: &str, image: &str, targets: &[ProbeTarget]) -> ProbePod {
        let mut lines: Vec<String> =
            targets.iter().enumerate().map(|(i, t)| script_line(&curl_argv(i, &t.url))).collect();
        lines.push("true".into());
        let per_target = i64::from(crate::analysis::network::probe::MAX_TIME) + 1;
        ProbePod {
            namespace: namespace.into(),
            name: new_name(),
            image: image.into(),
            command: vec!["sh".into(), "-c".into(), lines.join("; ")],
            deadline_seconds: START_TIMEOUT.as_secs() as i64 + per_target * targets.len() as i64 + 30,
        }
    }

    /// The run id, also in the pod's name.
    pub fn run_id(&self) -> &str {
        self.name.rsplit('-').next().unwrap_or(&self.name)
    }

    /// The pod as created: labelled, bounded by a deadline, never restarted, with no token and few rights.
    pub fn manifest(&self) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": {
                    MANAGED_BY.0: MANAGED_BY.1,
                    "app.kubernetes.io/name": "mosaic-probe",
                    RUN_LABEL: self.run_id(),
                },
            },
            "spec": {
                "restartPolicy": "Never",
                "activeDeadlineSeconds": self.deadline_seconds,
                "terminationGracePeriodSeconds": 0,
                "automountServiceAccountToken": false,
                "containers": [{
                    "name": CONTAINER,
                    "image": self.image,
                    "command": self.command,
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}},
                }],
            },
        })
    }

    /// `kubectl run NAME --rm -i --restart=Never --image=… --labels=… --command -- sh -c SCRIPT` without the
    /// global flags: what the probe does, by hand.
    pub fn kubectl_run(&self) -> Vec<String> {
        let mut argv = vec![
            "run".to_string(),
            self.name.clone(),
            "--rm".into(),
            "-i".into(),
            "--restart=Never".into(),
            format!("--image={}", self.image),
            format!("--labels={}={},{RUN_LABEL}={}", MANAGED_BY.0, MANAGED_BY.1, self.run_id()),
            "--command".into(),
            "--".into(),
        ];
        argv.extend(self.command.iter().cloned());
        argv
    }
}

/// `mosaic-probe-` and five random lowercase letters and digits, as pod names allow.
fn new_name() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    let id: String = (0..5).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("mosaic-probe-{id}")
}

/// A probe pod this process created and has not deleted yet, with the client of its cluster.
struct Tracked {
    id: u64,
    namespace: String,
    name: String,
    client: kube::Client,
}

/// The probe pods this process has created and not yet deleted: deleted on exit by [`delete_running`].
static RUNNING: Mutex<Vec<Tracked>> = Mutex::new(Vec::new());
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn running() -> std::sync::MutexGuard<'static, Vec<Tracked>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The probe pods still running, as (namespace, name).
pub fn running_probes() -> Vec<(String, String)> {
    running().iter().map(|t| (t.namespace.clone(), t.name.clone())).collect()
}

/// Deletes every probe pod this process still runs, each in its own cluster (on exit or Ctrl-C); returns
/// how many were deleted.
pub async fn delete_running() -> usize {
    let tracked: Vec<(u64, kube::Client, String, String)> =
        running().iter().map(|t| (t.id, t.client.clone(), t.namespace.clone(), t.name.clone())).collect();
    let mut deleted = 0;
    for (id, client, namespace, name) in tracked {
        if delete_pod(&client, &namespace, &name).await {
            deleted += 1;
        }
        untrack(id);
    }
    deleted
}

fn untrack(id: u64) {
    running().retain(|t| t.id != id);
}

/// Tracks the pod from before its create until it is deleted; when dropped before that (a cancelled probe),
/// deletes it.
struct Cleanup {
    id: u64,
    client: kube::Client,
    namespace: String,
    name: String,
    done: bool,
}

impl Cleanup {
    fn track(client: &kube::Client, pod: &ProbePod) -> Cleanup {
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        running().push(Tracked {
            id,
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
            client: client.clone(),
        });
        Cleanup { id, client: client.clone(), namespace: pod.namespace.clone(), name: pod.name.clone(), done: false }
    }

    /// The pod is gone (or never was): stop tracking it.
    fn finish(mut self) {
        self.done = true;
        untrack(self.id);
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let (id, client, namespace, name) = (self.id, self.client.clone(), self.namespace.clone(), self.name.clone());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    delete_pod(&client, &namespace, &name).await;
                    untrack(id);
                });
            }
            Err(_) => tracing::warn!(pod = %name, %namespace, "probe pod left behind: no runtime to delete it"),
        }
    }
}

/// Deletes a probe pod at once; whether it was there to delete.
async fn delete_pod(client: &kube::Client, namespace: &str, name: &str) -> bool {
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = DeleteParams { grace_period_seconds: Some(0), ..DeleteParams::default() };
    match api.delete(name, &params).await {
        Ok(_) => true,
        Err(kube::Error::Api(status)) if status.code == 404 => false,
        Err(e) => {
            tracing::warn!(error = %e, pod = %name, %namespace, "could not delete the probe pod");
            false
        }
    }
}

/// How a probe pod ended: its log, or where it stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum PodRun {
    Log(String),
    Stopped { stage: ProbeStage, reason: String },
}

/// Create the pod, wait for it to finish, read its log, delete it. Refusals of the create (403, 422) are
/// errors; everything after the pod exists is a [`PodRun`], and the pod is deleted whatever happens.
pub async fn run_pod(client: &kube::Client, pod: &ProbePod) -> Result<PodRun, ActionError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &pod.namespace);
    let manifest: Pod = serde_json::from_value(pod.manifest()).map_err(|e| ActionError::Invalid(e.to_string()))?;
    let what = format!("probe pod {} in {}", pod.name, pod.namespace);
    // Tracked before the create, so a cancel or an exit while the create is in flight still deletes the pod.
    let cleanup = Cleanup::track(client, pod);
    if let Err(e) = api.create(&PostParams::default(), &manifest).await {
        cleanup.finish();
        return Err(ActionError::from_kube(&e, &what, Step::Write));
    }
    let result = wait_and_read(&api, pod).await;
    delete_pod(client, &pod.namespace, &pod.name).await;
    cleanup.finish();
    Ok(result)
}

async fn wait_and_read(api: &Api<Pod>, pod: &ProbePod) -> PodRun {
    let started = tokio::time::Instant::now();
    let run_limit = Duration::from_secs(pod.deadline_seconds.max(1) as u64);
    loop {
        let current = match api.get(&pod.name).await {
            Ok(p) => serde_json::to_value(p).unwrap_or(Value::Null),
            Err(e) => {
                return PodRun::Stopped {
                    stage: ProbeStage::Running,
                    reason: format!(
                        "the probe pod could not be read ({})",
                        crate::cluster::errors::kube_root_cause(&e)
                    ),
                };
            }
        };
        match current.pointer("/status/phase").and_then(Value::as_str).unwrap_or("Pending") {
            "Succeeded" | "Failed" => return read_log(api, pod, &current).await,
            "Pending" => {
                if let Some(stopped) = pending_problem(&current, &pod.image) {
                    return stopped;
                }
                if started.elapsed() > START_TIMEOUT {
                    let scheduled = current.pointer("/spec/nodeName").and_then(Value::as_str).is_some();
                    let (stage, what) = if scheduled {
                        (ProbeStage::ImagePull, format!("the image {} was still being pulled", pod.image))
                    } else {
                        (ProbeStage::Scheduling, "no node had taken the pod".to_string())
                    };
                    return PodRun::Stopped {
                        stage,
                        reason: format!(
                            "after {}s {what}; this says nothing about the network",
                            START_TIMEOUT.as_secs()
                        ),
                    };
                }
            }
            _ => {
                if started.elapsed() > run_limit {
                    return PodRun::Stopped {
                        stage: ProbeStage::Running,
                        reason: format!("the probe did not finish within {}s", pod.deadline_seconds),
                    };
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A pending pod that will not start: an image that cannot be pulled, or no node for it.
fn pending_problem(pod: &Value, image: &str) -> Option<PodRun> {
    let waiting = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find_map(|s| s.pointer("/state/waiting"));
    if let Some(waiting) = waiting {
        let reason = waiting.get("reason").and_then(Value::as_str).unwrap_or_default();
        if matches!(reason, "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" | "ErrImageNeverPull") {
            let message = waiting.get("message").and_then(Value::as_str).unwrap_or(reason);
            return Some(PodRun::Stopped {
                stage: ProbeStage::ImagePull,
                reason: format!(
                    "the probe image {image} could not be pulled ({reason}: {message}); set another with \
                     `probe_image:` in config.yaml. This is not a connection failure"
                ),
            });
        }
    }
    None
}

async fn read_log(api: &Api<Pod>, pod: &ProbePod, current: &Value) -> PodRun {
    if current.pointer("/status/reason").and_then(Value::as_str) == Some("DeadlineExceeded") {
        return PodRun::Stopped {
            stage: ProbeStage::Running,
            reason: format!("the probe pod reached its deadline ({}s) before it finished", pod.deadline_seconds),
        };
    }
    let params = LogParams { container: Some(CONTAINER.into()), ..LogParams::default() };
    match api.logs(&pod.name, &params).await {
        Ok(log) => PodRun::Log(log),
        Err(e) => PodRun::Stopped {
            stage: ProbeStage::Logs,
            reason: format!("the probe's log could not be read ({})", crate::cluster::errors::kube_root_cause(&e)),
        },
    }
}

/// A probe's outcome from how its pod ended.
pub fn probe_outcome(run: PodRun, targets: &[ProbeTarget]) -> ProbeOutcome {
    match run {
        PodRun::Log(log) => ProbeOutcome::Completed { targets: parse_log(&log, targets) },
        PodRun::Stopped { stage, reason } => ProbeOutcome::CouldNotRun { stage, reason },
    }
}

/// Deletes probe pods a crashed run left behind: labelled `managed-by=mosaic`, older than their deadline.
/// Looks across the cluster, else in `namespace` when the cluster-wide list is refused. Best effort: returns
/// how many were deleted, and logs what it could not do.
pub async fn delete_leftovers(client: &kube::Client, namespace: &str, now: jiff::Timestamp) -> usize {
    let params = ListParams::default().labels(&format!("{}={},{RUN_LABEL}", MANAGED_BY.0, MANAGED_BY.1));
    let all: Api<Pod> = Api::all(client.clone());
    let pods = match all.list(&params).await {
        Ok(list) => list.items,
        Err(_) => match Api::<Pod>::namespaced(client.clone(), namespace).list(&params).await {
            Ok(list) => list.items,
            Err(e) => {
                tracing::info!(error = %e, %namespace, "could not look for leftover probe pods");
                return 0;
            }
        },
    };
    let mut deleted = 0;
    for pod in pods {
        let (Some(ns), Some(name)) = (pod.metadata.namespace.as_deref(), pod.metadata.name.as_deref()) else {
            continue;
        };
        let deadline = pod.spec.as_ref().and_then(|s| s.active_deadline_seconds).unwrap_or(0);
        let created = pod.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let abandoned = created.is_some_and(|c| now.as_second() - c.as_second() > deadline + LEFTOVER_GRACE_SECONDS)
            && !running().iter().any(|t| t.namespace == ns && t.name == name);
        if abandoned && delete_pod(client, ns, name).await {
            tracing::info!(pod = %name, namespace = %ns, "deleted a probe pod left behind by an earlier run");
            deleted += 1;
        }
    }
    deleted
}

/// `execute` of [`Action::Probe`](super::Action::Probe): the results without the context, which
/// [`run_probe`] fills in.
pub(super) async fn execute_probe(
    client: &kube::Client,
    opts: &super::ExecOptions,
    service: &str,
    pod: &ProbePod,
    targets: &[ProbeTarget],
) -> Result<super::Outcome, ActionError> {
    refuse_dry_run(opts)?;
    let run = run_pod(client, pod).await?;
    Ok(super::Outcome::Probe(ProbeResults {
        context: None,
        namespace: pod.namespace.clone(),
        service: service.into(),
        pod: pod.name.clone(),
        image: pod.image.clone(),
        command: super::plan::shell_line(&[["kubectl".to_string()].as_slice(), &pod.kubectl_run()].concat()),
        targets: targets.to_vec(),
        outcome: probe_outcome(run, targets),
    }))
}

/// `execute` of [`Action::SendHttp`](super::Action::SendHttp).
pub(super) async fn execute_send(
    client: &kube::Client,
    opts: &super::ExecOptions,
    pod: &ProbePod,
) -> Result<super::Outcome, ActionError> {
    refuse_dry_run(opts)?;
    match run_pod(client, pod).await? {
        PodRun::Log(log) => Ok(super::Outcome::Http(super::HttpExchange::parse(&log))),
        PodRun::Stopped { stage, reason } => {
            Err(ActionError::Connection(format!("The request was not sent ({}): {reason}", stage.words())))
        }
    }
}

/// A probe has nothing to show for a server dry run: the pod would never run.
fn refuse_dry_run(opts: &super::ExecOptions) -> Result<(), ActionError> {
    if opts.dry_run {
        return Err(ActionError::Invalid("A probe cannot run as a dry run: its pod must really run".into()));
    }
    Ok(())
}

/// Run a probe for a session through the gate, and always come back with results: a refusal (read-only
/// mode, RBAC) or a failed create is a could-not-check that names the missing permission.
pub async fn run_probe(action: &super::Action, session: &crate::cluster::Session, readonly: bool) -> ProbeResults {
    let ctx = super::gate::plan_ctx(session);
    let plan = action.plan(&ctx);
    let super::Action::Probe { service, pod, targets } = action else {
        return ProbeResults {
            context: Some(ctx.context),
            namespace: ctx.namespace,
            service: String::new(),
            pod: String::new(),
            image: String::new(),
            command: plan.command,
            targets: Vec::new(),
            outcome: ProbeOutcome::CouldNotRun { stage: ProbeStage::Create, reason: "not a probe".into() },
        };
    };
    let outcome = match super::run(action, session, readonly, &super::ExecOptions::default()).await {
        Ok(super::Outcome::Probe(results)) => results.outcome,
        Ok(_) => ProbeOutcome::CouldNotRun { stage: ProbeStage::Create, reason: "the probe returned nothing".into() },
        Err(err) => {
            let stage = match &err {
                ActionError::Forbidden { .. } | ActionError::ReadOnly { .. } => ProbeStage::Permission,
                _ => ProbeStage::Create,
            };
            ProbeOutcome::CouldNotRun { stage, reason: err.to_string() }
        }
    };
    ProbeResults {
        context: Some(ctx.context),
        namespace: pod.namespace.clone(),
        service: service.clone(),
        pod: pod.name.clone(),
        image: pod.image.clone(),
        command: plan.command,
        targets: targets.clone(),
        outcome,
    }
}

/// Send a request for a session through the gate.
pub async fn send_http(
    action: &super::Action,
    session: &crate::cluster::Session,
    readonly: bool,
) -> Result<super::HttpExchange, ActionError> {
    match super::run(action, session, readonly, &super::ExecOptions::default()).await? {
        super::Outcome::Http(exchange) => Ok(exchange),
        _ => Err(ActionError::Invalid("not an HTTP request".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_that_cannot_be_pulled_is_an_image_pull_stage_not_a_connection_failure() {
        let pod = json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "probe",
            "state": {"waiting": {"reason": "ImagePullBackOff",
                                  "message": "Back-off pulling image \"curlimages/curl\""}}}]}});
        let Some(PodRun::Stopped { stage, reason }) = pending_problem(&pod, "curlimages/curl") else {
            panic!("an image pull problem")
        };
        assert_eq!(stage, ProbeStage::ImagePull);
        assert!(reason.contains("could not be pulled") && reason.contains("probe_image:"), "{reason}");
        assert!(reason.contains("not a connection failure"), "{reason}");
        let creating = json!({"status": {"phase": "Pending", "containerStatuses": [{"name": "probe",
            "state": {"waiting": {"reason": "ContainerCreating"}}}]}});
        assert_eq!(pending_problem(&creating, "curlimages/curl"), None, "a pull in progress is waited for");
    }

    #[test]
    fn the_pod_and_its_kubectl_line_agree() {
        let targets =
            [ProbeTarget { label: "service web".into(), url: "http://web.shop.svc.cluster.local:80/".into() }];
        let pod = ProbePod::for_targets("shop", "curlimages/curl:8.10.1", &targets);
        assert!(pod.name.starts_with("mosaic-probe-") && pod.name.len() == "mosaic-probe-".len() + 5);
        let manifest = pod.manifest();
        assert_eq!(manifest["metadata"]["labels"][RUN_LABEL], json!(pod.run_id()));
        assert_eq!(manifest["spec"]["activeDeadlineSeconds"], json!(180 + 11 + 30));
        let argv = pod.kubectl_run();
        assert_eq!(
            argv[..5],
            ["run".to_string(), pod.name.clone(), "--rm".into(), "-i".into(), "--restart=Never".into()]
        );
        assert_eq!(argv[5], "--image=curlimages/curl:8.10.1");
        assert_eq!(argv[6], format!("--labels=app.kubernetes.io/managed-by=mosaic,mosaic.dev/probe={}", pod.run_id()));
        assert_eq!(argv[7..], [["--command".to_string(), "--".into()].as_slice(), &pod.command].concat());
    }
    /// The plan's line splits back, as a shell splits it, into the argv the pod really runs, and reads as
    /// typed: the script in single quotes, curl's format in double quotes, no backslash doubled.
    #[test]
    fn the_copied_probe_line_is_readable_and_runs_what_the_pod_runs() {
        let targets = [
            ProbeTarget { label: "service web".into(), url: "http://web.shop.svc.cluster.local:80/".into() },
            ProbeTarget { label: "pod web-7d9f".into(), url: "http://10.244.0.7:8080/".into() },
        ];
        let action = super::super::Action::probe("shop", "web", "curlimages/curl", targets.to_vec());
        let super::super::Action::Probe { pod, .. } = &action else { panic!("a probe") };
        let ctx = super::super::PlanCtx { context: "sim-admin".into(), namespace: "shop".into() };
        let plan = action.plan(&ctx);
        let line = &plan.command;
        assert!(line.contains("--command -- sh -c 'curl -s -o /dev/null --connect-timeout 5"), "{line}");
        assert!(line.contains(r#" -w "mosaic-probe\t0\t%{http_code}\t"#), "{line}");
        assert!(line.ends_with("http://10.244.0.7:8080/; true'"), "{line}");
        assert!(!line.contains(r"\\") && !line.contains(r#"\""#), "nothing escaped twice: {line}");

        let words = shell_words::split(line).expect("the line splits");
        assert_eq!(words, plan.argv);
        let container = &pod.manifest()["spec"]["containers"][0];
        let command: Vec<String> = serde_json::from_value(container["command"].clone()).expect("a command");
        let dashes = words.iter().position(|w| w == "--").expect("--");
        assert_eq!(words[dashes + 1..], command, "the line runs what the pod runs");
        assert_eq!(words[..dashes].iter().filter(|w| w.starts_with("--image=")).count(), 1);

        // And `sh -c` runs curl with the probe's own arguments, the format's `\t` left for curl.
        let script = &command[2];
        let run: Vec<Vec<String>> =
            script.split("; ").map(|c| shell_words::split(c).expect("a command of the script")).collect();
        assert_eq!(run, [curl_argv(0, &targets[0].url), curl_argv(1, &targets[1].url), vec!["true".to_string()]]);
    }
}
