//! Every change mosaic makes to a cluster, as one enum with two faces over the same fields:
//! [`Action::plan`], the kubectl command that does the same thing (what the user sees, copies and confirms),
//! and [`Action::execute`], the API request that really runs. A test per variant pins both, so the shown
//! command cannot drift from what runs. Read-only mode and RBAC are enforced by [`run`], never only in the UI.
mod commit;
mod diff;
mod error;
mod exec;
mod execute;
mod forward;
mod gate;
pub mod http_send;
mod logs;
mod ops;
mod plan;
pub mod probe;
mod rollback;
mod rollback_revisions;
pub mod rollout;
mod targets;
pub mod wrap;

use crate::cluster::rbac::AccessQuery;

pub use commit::CommitAnnotation;
pub use diff::diff;
pub use error::ActionError;
pub use exec::{EXEC_TIMEOUT, ExecOutput, Exit, MAX_OUTPUT, SHELL_COMMAND, ShellSession, command_argv, command_words};
pub use forward::{ForwardStats, ForwardTarget, Forwarding};
pub use gate::{check, run};
pub use http_send::{HttpExchange, HttpSend};
pub use logs::stream_logs;
pub use ops::{DrainPod, check_identity, drain_candidates, drain_for, job_name_for};
pub use plan::{script_line, shell_line};
pub use probe::{ProbePod, run_probe, send_http};
pub use targets::{ActionTarget, ObjectRef, PodController, ScaleKind, WorkloadKind};

/// What plans render explicitly, so a copied command acts on the same cluster whatever the shell's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCtx {
    /// The kubeconfig context (`--context`).
    pub context: String,
    /// The session's namespace: rendered for cluster-scoped targets, which carry none of their own.
    pub namespace: String,
}

/// How careful the user should be. The text says why, in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Danger {
    Safe,
    Caution(String),
    Dangerous(String),
}

/// The face of an action the user sees before it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `["kubectl", "--context", "prod", "-n", "shop", "scale", "deployment/web", "--replicas=3"]`
    pub argv: Vec<String>,
    /// `argv` shell-quoted: safe to paste into a POSIX shell.
    pub command: String,
    /// `Scale deployment web in shop to 3 replicas (now 2)`
    pub summary: String,
    pub danger: Danger,
    /// Whether it changes the cluster (refused in read-only mode).
    pub mutating: bool,
    /// The permission the main request of `execute` needs.
    pub permission: AccessQuery,
}

/// Every change to the cluster, and every read an action view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `kubectl scale`: a merge patch of the `scale` subresource.
    Scale {
        kind: ScaleKind,
        namespace: String,
        name: String,
        replicas: i32,
        /// The replicas the user saw, for the summary and danger.
        current: Option<i32>,
        /// Only scale if the object still has this resourceVersion (`kubectl scale --resource-version`);
        /// otherwise the server answers 409 and nothing changes.
        resource_version: Option<String>,
    },
    /// `kubectl rollout restart`: stamps `kubectl.kubernetes.io/restartedAt` on the pod template.
    RolloutRestart { kind: WorkloadKind, namespace: String, name: String },
    /// `kubectl set image`: a strategic-merge patch of one container's image.
    SetImage { kind: WorkloadKind, namespace: String, name: String, container: String, image: String },
    /// `kubectl rollout undo`: puts back the pod template of an older revision: a Deployment's ReplicaSet, or a
    /// StatefulSet's or DaemonSet's ControllerRevision.
    Rollback {
        kind: WorkloadKind,
        namespace: String,
        name: String,
        /// `None` is the previous revision.
        to_revision: Option<i64>,
    },
    /// `kubectl annotate --overwrite`: the `mosaic.dev/commit-*` annotations of the commit the workload runs.
    AnnotateCommit { kind: WorkloadKind, namespace: String, name: String, commit: CommitAnnotation },
    /// `kubectl patch`: `imagePullPolicy: Always` on `containers` (none: the policy is left alone) and a restart
    /// stamp, in one strategic merge patch, so the pods are replaced and every node pulls the image again.
    ForcePull {
        kind: WorkloadKind,
        namespace: String,
        name: String,
        containers: Vec<String>,
        /// The `kubectl.kubernetes.io/restartedAt` value, fixed when the action is made so the plan shows
        /// the exact patch that is sent.
        restarted_at: String,
    },
    /// `kubectl delete pod`.
    DeletePod {
        namespace: String,
        name: String,
        /// Seconds; `Some(0)` is a forced deletion (`--grace-period=0 --force`), as kubectl requires.
        grace_period: Option<u32>,
        /// The pod's controller as the caller last saw it (decides the danger); `None` means a bare pod.
        controller: Option<PodController>,
    },
    /// `kubectl replace -f -` of YAML edited in mosaic (what `kubectl edit` does): a PUT of the whole object
    /// carrying the resourceVersion the user started from, so a change made meanwhile is refused (409), never
    /// overwritten. `object` may hold Secret values; its `Debug` masks them.
    Edit { target: ObjectRef, object: crate::analysis::secret_mask::Unmasked },
    /// `kubectl delete TYPE NAME`: any object, in the background cascade kubectl uses.
    Delete { target: ObjectRef },
    /// `kubectl cordon NODE` (or `uncordon`): a merge patch of `spec.unschedulable`.
    Cordon { node: String, unschedulable: bool },
    /// `kubectl drain NODE`: cordon it, then evict each of `pods` through the Eviction subresource (so
    /// PodDisruptionBudgets are honoured). [`drain_candidates`] leaves out DaemonSet and mirror pods.
    Drain { node: String, pods: Vec<DrainPod> },
    /// `kubectl patch cronjob NAME --type=merge -p '{"spec":{"suspend":true}}'` (false resumes it).
    SuspendCronJob { namespace: String, name: String, suspend: bool },
    /// `kubectl create job JOB --from=cronjob/NAME`: a Job from the CronJob's template, owned by it and
    /// annotated `cronjob.kubernetes.io/instantiate: manual`.
    TriggerCronJob { namespace: String, cronjob: String, job: String },
    /// `kubectl describe`: read-only; `execute` returns the object and its events for the UI to render.
    Describe { target: ObjectRef },
    /// `kubectl get -o yaml`: read-only; `execute` returns the object.
    Yaml { target: ObjectRef },
    /// `kubectl get pods -n shop` (or `-A`): what a list view shows; read-only; `execute` returns the list.
    List {
        kind: crate::cluster::Kind,
        /// `None`: every namespace (or a cluster-scoped kind).
        namespace: Option<String>,
        /// `-l` and `--field-selector` of a drilled-down list.
        selector: crate::app::drill::ListSelector,
    },
    /// `kubectl logs`: read-only. The UI streams it (`cluster::logs`); `execute` reads a snapshot, never
    /// following, whatever `follow` says.
    Logs {
        namespace: String,
        pod: String,
        /// `None`: the pod's only container, as the server picks it.
        container: Option<String>,
        /// The last terminated instance of the container (`--previous`).
        previous: bool,
        follow: bool,
        /// `--tail`: only the last lines; `None` is the whole log.
        tail: Option<i64>,
        timestamps: bool,
    },
    /// `kubectl exec POD -c CONTAINER -- COMMAND`: runs to its end; `execute` returns its output.
    Exec { namespace: String, pod: String, container: String, command: Vec<String> },
    /// `kubectl exec -it POD -c CONTAINER -- sh`: `execute` opens the connection and returns it
    /// ([`Outcome::Shell`]) for the terminal loop to hand the terminal to.
    Shell { namespace: String, pod: String, container: String },
    /// `kubectl port-forward pod/POD LOCAL:REMOTE` (or `service/NAME`): `execute` binds 127.0.0.1:LOCAL (0: any
    /// free port) and returns the running forward ([`Outcome::Forwarding`]).
    PortForward { namespace: String, target: ForwardTarget, local: u16, remote: u16 },
    /// The network wizard's active probe: a one-off pod (`kubectl run --rm`) in the Service's namespace curls
    /// each target and is deleted; `execute` returns the results ([`Outcome::Probe`]).
    Probe { service: String, pod: ProbePod, targets: Vec<crate::analysis::network::ProbeTarget> },
    /// The HTTP sender: one request sent with curl from a one-off pod; `execute` returns the answer
    /// ([`Outcome::Http`]).
    SendHttp { pod: ProbePod, request: HttpSend },
}

impl Action {
    /// A probe of `service` in `namespace` from a new pod running `image`.
    pub fn probe(
        namespace: &str,
        service: &str,
        image: &str,
        targets: Vec<crate::analysis::network::ProbeTarget>,
    ) -> Action {
        Action::Probe { service: service.into(), pod: ProbePod::for_targets(namespace, image, &targets), targets }
    }

    /// `request` sent from a new pod running `image` in `namespace`.
    pub fn send_http(namespace: &str, image: &str, request: HttpSend) -> Action {
        Action::SendHttp { pod: request.pod(namespace, image), request }
    }
}

/// How `execute` sends its requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    /// Server-side dry run (`dryRun=All`): validated and admitted, not stored; the would-be object comes back.
    pub dry_run: bool,
    /// `fieldManager` on every mutating request.
    pub field_manager: &'static str,
}

impl Action {
    /// A force pull stamped now.
    pub fn force_pull(kind: WorkloadKind, namespace: &str, name: &str, containers: Vec<String>) -> Action {
        Self::force_pull_at(kind, namespace, name, containers, jiff::Timestamp::now())
    }

    /// A force pull stamped `at`: the game plan shows it at the state's clock, so the line does not change
    /// between two frames of one second.
    pub fn force_pull_at(
        kind: WorkloadKind,
        namespace: &str,
        name: &str,
        containers: Vec<String>,
        at: jiff::Timestamp,
    ) -> Action {
        Action::ForcePull {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
            containers,
            restarted_at: at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }
    }
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions { dry_run: false, field_manager: FIELD_MANAGER }
    }
}

/// The field manager mosaic's changes are recorded under.
pub const FIELD_MANAGER: &str = "mosaic";

/// What an executed action produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The object before and after (after a dry run: what it would become), without `managedFields`.
    Changed {
        summary: String,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    },
    /// A read: the object as served, without `managedFields`.
    Object(serde_json::Value),
    /// A describe: the object, and its events (or why they could not be listed: describe still works).
    Described {
        object: serde_json::Value,
        events: Result<Vec<serde_json::Value>, String>,
    },
    /// A read whose answer is text, not an object: a log.
    Text(String),
    Deleted {
        summary: String,
    },
    /// A one-shot command ran: what it printed and how it ended.
    Output {
        summary: String,
        output: ExecOutput,
    },
    /// An interactive shell is connected, waiting for the terminal.
    Shell(ShellSession),
    /// A port-forward is listening.
    Forwarding(Forwarding),
    /// A probe ran (or stopped on the way, which the results say).
    Probe(crate::analysis::network::ProbeResults),
    /// An HTTP request was sent from a probe pod.
    Http(HttpExchange),
}
