//! The explanation catalogue: what each status reason, event reason and exit code means, in plain words,
//! what to check next, the kubectl line for that check, and where Kubernetes documents it.
//!
//! It is data: [`CATALOGUE`] is one table a reviewer can read top to bottom. An entry is keyed by its
//! [`Subject`], a reason, and an optional [`Pattern`] on the message. Lookup takes the first entry whose
//! subject, reason and pattern all match, so specific patterns come before the catch-all of the same
//! reason. A reason the table does not know falls back to the subject's generic entry (reason `*`), which
//! states the raw fact and a generic next step and claims nothing it cannot know.
//!
//! Texts may hold placeholders (`{pod}`, `{ns}`, `{container}`, `{node}`, `{reason}`, `{code}`…) filled from
//! [`Vars`]; a regex pattern's named groups become placeholders too (`(?P<object>…)` fills `{object}`).
//! In kubectl lines every value is shell-quoted with shlex; a value that is not known stays `<name>`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

/// What an entry explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Subject {
    /// `state.waiting.reason` of a container.
    Waiting,
    /// `state.terminated.reason` (or `lastState`) of a container.
    Terminated,
    /// The reason of an event (on the pod, its node, or its owner).
    Event,
    /// A container's exit code (`reason` is the number; `128+n` is any signal without its own entry).
    ExitCode,
    /// A pod condition: keyed by its `reason` when it has one, else by its `type`.
    Condition,
    /// The pod as a whole: its phase or status reason, and states mosaic derives (`Terminating`,
    /// `Init:Running`…).
    PodPhase,
}

/// What an entry requires of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Any message, or none.
    Any,
    /// The message contains this text, ignoring case.
    Contains(&'static str),
    /// The message matches this regex, ignoring case; named groups become placeholders.
    Regex(&'static str),
}

/// How bad the explained fact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Normal life of a pod.
    Info,
    /// Worth a look; may pass by itself.
    Warning,
    /// Broken until someone acts.
    Error,
}

/// One row of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// A stable id (`waiting.crash-loop-back-off`), for tests, JSON output and reviewers.
    pub id: &'static str,
    pub subject: Subject,
    /// The reason as Kubernetes spells it; `*` for the subject's generic entry.
    pub reason: &'static str,
    pub pattern: Pattern,
    pub severity: Severity,
    /// A few words: "Crash loop".
    pub title: &'static str,
    /// What it means, in one plain sentence.
    pub meaning: &'static str,
    /// What to check next.
    pub next_step: &'static str,
    /// The kubectl line for that check.
    pub kubectl: &'static str,
    /// The Kubernetes documentation page about it.
    pub docs: &'static str,
}

/// An entry applied to one fact: placeholders filled, kubectl values quoted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explanation {
    /// The catalogue entry's id.
    pub id: &'static str,
    /// `false` when the generic entry stood in for a reason the catalogue does not know.
    pub known: bool,
    pub severity: Severity,
    pub title: String,
    pub meaning: String,
    pub next_step: String,
    pub kubectl: String,
    pub docs: &'static str,
}

/// Values for the placeholders: `pod`, `ns`, `container`, `node`, `context`…
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    values: BTreeMap<String, String>,
}

impl Vars {
    pub fn new() -> Vars {
        Vars::default()
    }

    /// The usual pair: a pod in a namespace.
    pub fn pod(namespace: &str, pod: &str) -> Vars {
        Vars::new().with("ns", namespace).with("pod", pod)
    }

    /// Sets a placeholder; an empty value counts as unknown.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Vars {
        self.set(key, value);
        self
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            self.values.remove(key);
        } else {
            self.values.insert(key.to_string(), value);
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}

// Documentation pages, named once.
const DOCS_DEBUG_PODS: &str = "https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/";
const DOCS_POD_FAILURE: &str = "https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/";
const DOCS_RESTARTS: &str = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts";
const DOCS_CONTAINER_STATES: &str =
    "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-states";
const DOCS_POD_CONDITIONS: &str = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions";
const DOCS_POD_PHASE: &str = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase";
const DOCS_POD_TERMINATION: &str = "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination";
const DOCS_IMAGES: &str = "https://kubernetes.io/docs/concepts/containers/images/";
const DOCS_PRIVATE_REGISTRY: &str =
    "https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/";
const DOCS_CONFIGMAP: &str = "https://kubernetes.io/docs/concepts/configuration/configmap/";
const DOCS_SECRET: &str = "https://kubernetes.io/docs/concepts/configuration/secret/";
const DOCS_RESOURCES: &str = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/";
const DOCS_MEMORY_LIMIT: &str =
    "https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-containers-memory-limit";
const DOCS_SCHEDULER: &str = "https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/";
const DOCS_TAINTS: &str = "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/";
const DOCS_ASSIGN_NODE: &str = "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/";
const DOCS_PV: &str = "https://kubernetes.io/docs/concepts/storage/persistent-volumes/";
const DOCS_VOLUMES: &str = "https://kubernetes.io/docs/concepts/storage/volumes/";
const DOCS_PROBES: &str =
    "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/";
const DOCS_EVICTION: &str = "https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/";
const DOCS_PREEMPTION: &str = "https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/";
const DOCS_NODES: &str = "https://kubernetes.io/docs/concepts/architecture/nodes/#condition";
const DOCS_INIT: &str = "https://kubernetes.io/docs/concepts/workloads/pods/init-containers/";
const DOCS_FINALIZERS: &str = "https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/";
const DOCS_QUOTA: &str = "https://kubernetes.io/docs/concepts/policy/resource-quotas/";
const DOCS_ADMISSION: &str =
    "https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/";
const DOCS_POD_SECURITY: &str = "https://kubernetes.io/docs/concepts/security/pod-security-admission/";
const DOCS_REPLICASET: &str = "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/";
const DOCS_DEPLOYMENT: &str = "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/";
const DOCS_DEPLOYMENT_FAILED: &str =
    "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment";
const DOCS_JOB: &str = "https://kubernetes.io/docs/concepts/workloads/controllers/job/#job-termination-and-cleanup";

// kubectl lines used by several entries.
const KUBECTL_DESCRIBE_POD: &str = "kubectl describe pod {pod} -n {ns}";
const KUBECTL_POD_EVENTS: &str = "kubectl get events -n {ns} --field-selector involvedObject.name={pod}";
const KUBECTL_PREVIOUS_LOGS: &str = "kubectl logs {pod} -n {ns} -c {container} --previous";
const KUBECTL_LOGS: &str = "kubectl logs {pod} -n {ns} -c {container}";
const KUBECTL_DESCRIBE_NODE: &str = "kubectl describe node {node}";
const KUBECTL_NODE_CAPACITY: &str = "kubectl get nodes -o custom-columns=NAME:.metadata.name,CPU:.status.allocatable.cpu,MEMORY:.status.allocatable.memory";
const KUBECTL_NODE_TAINTS: &str = "kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints";
const KUBECTL_IMAGES: &str = "kubectl get pod {pod} -n {ns} -o 'jsonpath={.spec.containers[*].image}'";
const KUBECTL_PULL_SECRETS: &str = "kubectl get pod {pod} -n {ns} -o 'jsonpath={.spec.imagePullSecrets}'";
const KUBECTL_COMMAND: &str = "kubectl get pod {pod} -n {ns} -o 'jsonpath={.spec.containers[*].command}'";

// Meanings shared by the waiting state and the event that report the same pull failure.
const PULL_DNS: &str = "The node cannot resolve the registry's host name, so the image cannot be downloaded.";
const PULL_DNS_NEXT: &str =
    "Check the registry host in the image reference for a typo, and whether nodes can resolve it.";
const PULL_NOT_FOUND: &str = "The registry answered, but it has no image with this name or tag.";
const PULL_NOT_FOUND_NEXT: &str = "Check the image name and tag against what was pushed to the registry.";
const PULL_UNAUTHORIZED: &str = "The registry refused to serve the image without valid credentials.";
const PULL_UNAUTHORIZED_NEXT: &str =
    "Check that the pod (or its service account) has an imagePullSecret with credentials for this registry.";
const PULL_UNREACHABLE: &str = "The node resolved the registry but could not reach it in time.";
const PULL_UNREACHABLE_NEXT: &str = "Check the node's network path to the registry (proxy, firewall, registry outage).";
const PULL_OTHER: &str = "The node failed to download the image; the message says why.";
const PULL_OTHER_NEXT: &str = "Read the pull error in the pod's events.";

// Regexes that classify a pull error, shared by the waiting state and the event.
const RE_PULL_DNS: &str = r"no such host|server misbehaving|Temporary failure in name resolution";
const RE_PULL_NOT_FOUND: &str = r"not found|manifest unknown|repository does not exist|code = NotFound";
const RE_PULL_UNAUTHORIZED: &str =
    r"unauthorized|authentication required|authorization failed|access denied|denied:|403 Forbidden|401 Unauthorized";
const RE_PULL_UNREACHABLE: &str = r"i/o timeout|connection refused|context deadline exceeded|TLS handshake timeout";

/// Every explanation mosaic knows. Order matters within a reason: specific patterns first.
pub static CATALOGUE: &[Entry] = &[
    // ------------------------------------------------------------------ container waiting
    Entry {
        id: "waiting.crash-loop-back-off",
        subject: Subject::Waiting,
        reason: "CrashLoopBackOff",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Crash loop",
        meaning: "The container keeps exiting, and the kubelet waits longer before each restart (up to 5 minutes).",
        next_step: "Read the logs of the previous, crashed run and its exit code.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_RESTARTS,
    },
    Entry {
        id: "waiting.image-pull-back-off",
        subject: Subject::Waiting,
        reason: "ImagePullBackOff",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Image pull back-off",
        meaning: "Pulling the image failed, and the kubelet waits longer before each new attempt.",
        next_step: "Find the pull error in the pod's events: it says whether the name, the registry or the credentials are wrong.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.err-image-pull.dns",
        subject: Subject::Waiting,
        reason: "ErrImagePull",
        pattern: Pattern::Regex(RE_PULL_DNS),
        severity: Severity::Error,
        title: "Registry does not resolve",
        meaning: PULL_DNS,
        next_step: PULL_DNS_NEXT,
        kubectl: KUBECTL_IMAGES,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.err-image-pull.unauthorized",
        subject: Subject::Waiting,
        reason: "ErrImagePull",
        pattern: Pattern::Regex(RE_PULL_UNAUTHORIZED),
        severity: Severity::Error,
        title: "Registry refused the credentials",
        meaning: PULL_UNAUTHORIZED,
        next_step: PULL_UNAUTHORIZED_NEXT,
        kubectl: KUBECTL_PULL_SECRETS,
        docs: DOCS_PRIVATE_REGISTRY,
    },
    Entry {
        id: "waiting.err-image-pull.not-found",
        subject: Subject::Waiting,
        reason: "ErrImagePull",
        pattern: Pattern::Regex(RE_PULL_NOT_FOUND),
        severity: Severity::Error,
        title: "Image not found",
        meaning: PULL_NOT_FOUND,
        next_step: PULL_NOT_FOUND_NEXT,
        kubectl: KUBECTL_IMAGES,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.err-image-pull.unreachable",
        subject: Subject::Waiting,
        reason: "ErrImagePull",
        pattern: Pattern::Regex(RE_PULL_UNREACHABLE),
        severity: Severity::Error,
        title: "Registry unreachable",
        meaning: PULL_UNREACHABLE,
        next_step: PULL_UNREACHABLE_NEXT,
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.err-image-pull",
        subject: Subject::Waiting,
        reason: "ErrImagePull",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Image pull failed",
        meaning: PULL_OTHER,
        next_step: PULL_OTHER_NEXT,
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.err-image-never-pull",
        subject: Subject::Waiting,
        reason: "ErrImageNeverPull",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Image not on the node",
        meaning: "The pull policy is Never and the image is not already on the node.",
        next_step: "Pre-load the image on the node, or change imagePullPolicy.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.invalid-image-name",
        subject: Subject::Waiting,
        reason: "InvalidImageName",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Invalid image name",
        meaning: "The image reference is not a valid name, so the kubelet does not even try to pull it.",
        next_step: "Fix the image field: look for stray spaces, upper-case letters, or a doubled tag.",
        kubectl: KUBECTL_IMAGES,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "waiting.create-container-config-error.missing-configmap-key",
        subject: Subject::Waiting,
        reason: "CreateContainerConfigError",
        pattern: Pattern::Regex(r"couldn't find key (?P<key>\S+) in ConfigMap (?:[^/\s]+/)?(?P<object>[^\s/]+)"),
        severity: Severity::Error,
        title: "Missing ConfigMap key",
        meaning: "The container reads key {key} from ConfigMap {object}, which exists but has no such key.",
        next_step: "Add the key to the ConfigMap, or fix the key name in the pod's env.",
        kubectl: "kubectl describe configmap {object} -n {ns}",
        docs: DOCS_CONFIGMAP,
    },
    Entry {
        id: "waiting.create-container-config-error.missing-secret-key",
        subject: Subject::Waiting,
        reason: "CreateContainerConfigError",
        pattern: Pattern::Regex(r"couldn't find key (?P<key>\S+) in Secret (?:[^/\s]+/)?(?P<object>[^\s/]+)"),
        severity: Severity::Error,
        title: "Missing Secret key",
        meaning: "The container reads key {key} from Secret {object}, which exists but has no such key.",
        next_step: "Add the key to the Secret, or fix the key name in the pod's env.",
        kubectl: "kubectl describe secret {object} -n {ns}",
        docs: DOCS_SECRET,
    },
    Entry {
        id: "waiting.create-container-config-error.missing-configmap",
        subject: Subject::Waiting,
        reason: "CreateContainerConfigError",
        pattern: Pattern::Regex(r#"configmaps? "(?P<object>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Missing ConfigMap",
        meaning: "The container's environment refers to ConfigMap {object}, which does not exist in namespace {ns}.",
        next_step: "Create the ConfigMap, or fix its name in the pod template (or mark the reference optional).",
        kubectl: "kubectl get configmap {object} -n {ns}",
        docs: DOCS_CONFIGMAP,
    },
    Entry {
        id: "waiting.create-container-config-error.missing-secret",
        subject: Subject::Waiting,
        reason: "CreateContainerConfigError",
        pattern: Pattern::Regex(r#"secrets? "(?P<object>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Missing Secret",
        meaning: "The container's environment refers to Secret {object}, which does not exist in namespace {ns}.",
        next_step: "Create the Secret, or fix its name in the pod template (or mark the reference optional).",
        kubectl: "kubectl get secret {object} -n {ns}",
        docs: DOCS_SECRET,
    },
    Entry {
        id: "waiting.create-container-config-error.run-as-non-root",
        subject: Subject::Waiting,
        reason: "CreateContainerConfigError",
        pattern: Pattern::Contains("runAsNonRoot"),
        severity: Severity::Error,
        title: "Image runs as root",
        meaning: "The pod demands runAsNonRoot, but the image would run as root, so the kubelet refuses to start it.",
        next_step: "Set a non-zero runAsUser in the securityContext, or use an image with a non-root USER.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_SECURITY,
    },
    Entry {
        id: "waiting.create-container-config-error",
        subject: Subject::Waiting,
        reason: "CreateContainerConfigError",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Container configuration error",
        meaning: "The kubelet could not assemble the container's configuration (environment, volumes, security settings).",
        next_step: "Read the message: it usually names the missing ConfigMap, Secret or key.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "waiting.create-container-error",
        subject: Subject::Waiting,
        reason: "CreateContainerError",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Container could not be created",
        meaning: "The container runtime failed to create the container.",
        next_step: "Read the runtime's message in the pod's events; a missing command or a name conflict are common.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "waiting.run-container-error.executable",
        subject: Subject::Waiting,
        reason: "RunContainerError",
        pattern: Pattern::Regex(r"executable file not found|no such file or directory|permission denied"),
        severity: Severity::Error,
        title: "Command cannot be executed",
        meaning: "The container's command does not exist in the image or cannot be executed.",
        next_step: "Check the command and args against what the image contains.",
        kubectl: KUBECTL_COMMAND,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "waiting.run-container-error",
        subject: Subject::Waiting,
        reason: "RunContainerError",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Container could not start",
        meaning: "The container was created but the runtime failed to start it.",
        next_step: "Read the runtime's message in the pod's events.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "waiting.container-creating",
        subject: Subject::Waiting,
        reason: "ContainerCreating",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Creating the container",
        meaning: "The kubelet is still preparing the container: pulling the image, mounting volumes, setting up the network.",
        next_step: "If it lasts more than a minute or two, look for FailedMount or FailedCreatePodSandBox events.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_CONTAINER_STATES,
    },
    Entry {
        id: "waiting.pod-initializing",
        subject: Subject::Waiting,
        reason: "PodInitializing",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Waiting for init containers",
        meaning: "The container waits until every init container has finished successfully.",
        next_step: "Look at the init containers: which one is still running or failing, and its logs.",
        kubectl: "kubectl get pod {pod} -n {ns} -o 'jsonpath={.status.initContainerStatuses}'",
        docs: DOCS_INIT,
    },
    Entry {
        id: "waiting.generic",
        subject: Subject::Waiting,
        reason: "*",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Waiting: {reason}",
        meaning: "The container is not running; the kubelet reports the reason {reason}.",
        next_step: "Read the full message in the pod's description and events.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_CONTAINER_STATES,
    },
    // ------------------------------------------------------------------ container terminated
    Entry {
        id: "terminated.oom-killed",
        subject: Subject::Terminated,
        reason: "OOMKilled",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Out of memory",
        meaning: "The kernel killed the container because it used more memory than its limit allows.",
        next_step: "Compare the container's memory use with its limit; raise the limit or make the app use less.",
        kubectl: "kubectl get pod {pod} -n {ns} -o 'jsonpath={.spec.containers[*].resources}'",
        docs: DOCS_MEMORY_LIMIT,
    },
    Entry {
        id: "terminated.error",
        subject: Subject::Terminated,
        reason: "Error",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exited with an error",
        meaning: "The container's process exited with a non-zero exit code.",
        next_step: "Read the last lines the container logged before it exited.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "terminated.completed",
        subject: Subject::Terminated,
        reason: "Completed",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Completed",
        meaning: "The container's process finished with exit code 0.",
        next_step: "Nothing to fix, unless the container was meant to keep running (then check its command).",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_CONTAINER_STATES,
    },
    Entry {
        id: "terminated.container-cannot-run",
        subject: Subject::Terminated,
        reason: "ContainerCannotRun",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Container cannot run",
        meaning: "The runtime created the container but could not run its command.",
        next_step: "Check the command and args against what the image contains.",
        kubectl: KUBECTL_COMMAND,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "terminated.start-error",
        subject: Subject::Terminated,
        reason: "StartError",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Start error",
        meaning: "The runtime failed to start the container's process.",
        next_step: "Read the message: a missing executable or a failed mount are common.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "terminated.deadline-exceeded",
        subject: Subject::Terminated,
        reason: "DeadlineExceeded",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Deadline exceeded",
        meaning: "The pod ran longer than its activeDeadlineSeconds, so Kubernetes stopped it.",
        next_step: "Check activeDeadlineSeconds on the pod or its Job, and why the work took so long.",
        kubectl: "kubectl get pod {pod} -n {ns} -o 'jsonpath={.spec.activeDeadlineSeconds}'",
        docs: DOCS_JOB,
    },
    Entry {
        id: "terminated.container-status-unknown",
        subject: Subject::Terminated,
        reason: "ContainerStatusUnknown",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Container status unknown",
        meaning: "The kubelet lost track of the container (often after the node restarted), so its end is unknown.",
        next_step: "Check the node's recent history.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_CONTAINER_STATES,
    },
    Entry {
        id: "terminated.generic",
        subject: Subject::Terminated,
        reason: "*",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Terminated: {reason}",
        meaning: "The container stopped; the kubelet reports the reason {reason}.",
        next_step: "Read the container's last logs and the pod's events.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_CONTAINER_STATES,
    },
    // ------------------------------------------------------------------ exit codes
    Entry {
        id: "exit.0",
        subject: Subject::ExitCode,
        reason: "0",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Exit code 0",
        meaning: "The process finished successfully.",
        next_step: "If it should have kept running, check why its main loop returned.",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.1",
        subject: Subject::ExitCode,
        reason: "1",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code 1",
        meaning: "The application reported a general error and exited; the cause is in its own output.",
        next_step: "Read the last lines of the crashed run's logs.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.2",
        subject: Subject::ExitCode,
        reason: "2",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code 2",
        meaning: "The process exited with code 2, which shells and many tools use for a misused command or bad arguments.",
        next_step: "Check the command and args, then the logs of the crashed run.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.126",
        subject: Subject::ExitCode,
        reason: "126",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code 126: not executable",
        meaning: "The command was found but could not be executed (missing execute permission, or not a program).",
        next_step: "Check the command's path and permissions in the image.",
        kubectl: KUBECTL_COMMAND,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.127",
        subject: Subject::ExitCode,
        reason: "127",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code 127: command not found",
        meaning: "The command does not exist in the image (or a program it starts does not).",
        next_step: "Check the command and args against what the image contains.",
        kubectl: KUBECTL_COMMAND,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.137",
        subject: Subject::ExitCode,
        reason: "137",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code 137: SIGKILL",
        meaning: "The process was killed with SIGKILL; without the reason OOMKilled this was not reported as the memory limit, so a failed liveness probe, a grace period that ran out, or a manual kill are likely.",
        next_step: "Look for Unhealthy and Killing events around the time it stopped.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.139",
        subject: Subject::ExitCode,
        reason: "139",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code 139: segmentation fault",
        meaning: "The process crashed on an invalid memory access (SIGSEGV), a bug in the program or a native library.",
        next_step: "Read the crashed run's logs, and check that the image is built for the node's architecture.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.143",
        subject: Subject::ExitCode,
        reason: "143",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Exit code 143: SIGTERM",
        meaning: "The process stopped on SIGTERM, the polite stop Kubernetes sends on deletion, rollout, eviction or a failed liveness probe.",
        next_step: "Find who stopped it in the pod's events (Killing, Unhealthy, Evicted).",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_POD_TERMINATION,
    },
    Entry {
        id: "exit.signal",
        subject: Subject::ExitCode,
        reason: "128+n",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code {code}: {signal}",
        meaning: "The process was ended by signal {signal_number} ({signal}); exit codes above 128 are 128 plus the signal number.",
        next_step: "Find what sent the signal: the pod's events, then the crashed run's logs.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    Entry {
        id: "exit.generic",
        subject: Subject::ExitCode,
        reason: "*",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Exit code {code}",
        meaning: "The process exited with code {code}; what that number means is up to the application.",
        next_step: "Read the crashed run's logs and the application's documentation for this code.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_FAILURE,
    },
    // ------------------------------------------------------------------ events: scheduling
    Entry {
        id: "event.failed-scheduling.unbound-pvc",
        subject: Subject::Event,
        reason: "FailedScheduling",
        pattern: Pattern::Contains("unbound immediate PersistentVolumeClaims"),
        severity: Severity::Error,
        title: "Waiting for a volume claim",
        meaning: "The pod uses a PersistentVolumeClaim that is not bound to a volume yet, so no node can take it.",
        next_step: "Check the claim's status and events: a missing StorageClass or provisioner is common.",
        kubectl: "kubectl get pvc -n {ns}",
        docs: DOCS_PV,
    },
    Entry {
        id: "event.failed-scheduling.missing-pvc",
        subject: Subject::Event,
        reason: "FailedScheduling",
        pattern: Pattern::Regex(r#"persistentvolumeclaim "(?P<claim>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Missing volume claim",
        meaning: "The pod uses PersistentVolumeClaim {claim}, which does not exist.",
        next_step: "Create the claim, or fix its name in the pod's volumes.",
        kubectl: "kubectl get pvc -n {ns}",
        docs: DOCS_PV,
    },
    Entry {
        id: "event.failed-scheduling.resources",
        subject: Subject::Event,
        reason: "FailedScheduling",
        pattern: Pattern::Regex(r"Insufficient \S+|Too many pods"),
        severity: Severity::Error,
        title: "Not enough room on any node",
        meaning: "The scheduler found no node with enough free resources for what the pod requests.",
        next_step: "Compare the pod's requests with the nodes' allocatable resources; lower the requests or add capacity.",
        kubectl: KUBECTL_NODE_CAPACITY,
        docs: DOCS_RESOURCES,
    },
    Entry {
        id: "event.failed-scheduling.taints",
        subject: Subject::Event,
        reason: "FailedScheduling",
        pattern: Pattern::Regex(r"taint"),
        severity: Severity::Error,
        title: "Nodes are tainted",
        meaning: "Nodes carry taints the pod does not tolerate, so the scheduler may not place it there.",
        next_step: "List the nodes' taints; add a toleration to the pod, or remove the taint if it is stale.",
        kubectl: KUBECTL_NODE_TAINTS,
        docs: DOCS_TAINTS,
    },
    Entry {
        id: "event.failed-scheduling.affinity",
        subject: Subject::Event,
        reason: "FailedScheduling",
        pattern: Pattern::Regex(r"affinity|selector"),
        severity: Severity::Error,
        title: "No node matches",
        meaning: "The pod's node selector or affinity rules exclude the nodes that would otherwise fit.",
        next_step: "Compare the pod's nodeSelector and affinity with the nodes' labels.",
        kubectl: "kubectl get nodes --show-labels",
        docs: DOCS_ASSIGN_NODE,
    },
    Entry {
        id: "event.failed-scheduling",
        subject: Subject::Event,
        reason: "FailedScheduling",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Cannot be scheduled",
        meaning: "The scheduler found no node for the pod; the message lists each node's reason.",
        next_step: "Read the scheduler's message and the nodes' state.",
        kubectl: "kubectl get nodes",
        docs: DOCS_SCHEDULER,
    },
    Entry {
        id: "event.scheduled",
        subject: Subject::Event,
        reason: "Scheduled",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Scheduled",
        meaning: "The scheduler placed the pod on a node.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_SCHEDULER,
    },
    Entry {
        id: "event.preempted",
        subject: Subject::Event,
        reason: "Preempted",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Preempted",
        meaning: "The scheduler removed this pod to make room for a pod of higher priority.",
        next_step: "Check the priority classes in use, and whether the cluster has room for both.",
        kubectl: "kubectl get priorityclasses",
        docs: DOCS_PREEMPTION,
    },
    // ------------------------------------------------------------------ events: images and containers
    Entry {
        id: "event.pulling",
        subject: Subject::Event,
        reason: "Pulling",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Pulling the image",
        meaning: "The kubelet started downloading the image.",
        next_step: "Nothing to do, unless it never finishes.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.pulled",
        subject: Subject::Event,
        reason: "Pulled",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Image ready",
        meaning: "The image is on the node, downloaded now or already present.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.created",
        subject: Subject::Event,
        reason: "Created",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Container created",
        meaning: "The runtime created the container.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_CONTAINER_STATES,
    },
    Entry {
        id: "event.started",
        subject: Subject::Event,
        reason: "Started",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Container started",
        meaning: "The container's process started.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_CONTAINER_STATES,
    },
    Entry {
        id: "event.failed.pull.dns",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(
            r"Failed to pull image[\s\S]*(?:no such host|server misbehaving|Temporary failure in name resolution)",
        ),
        severity: Severity::Error,
        title: "Registry does not resolve",
        meaning: PULL_DNS,
        next_step: PULL_DNS_NEXT,
        kubectl: KUBECTL_IMAGES,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.failed.pull.unauthorized",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(
            r"Failed to pull image[\s\S]*(?:unauthorized|authentication required|authorization failed|access denied|denied:|403 Forbidden|401 Unauthorized)",
        ),
        severity: Severity::Error,
        title: "Registry refused the credentials",
        meaning: PULL_UNAUTHORIZED,
        next_step: PULL_UNAUTHORIZED_NEXT,
        kubectl: KUBECTL_PULL_SECRETS,
        docs: DOCS_PRIVATE_REGISTRY,
    },
    Entry {
        id: "event.failed.pull.not-found",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(
            r"Failed to pull image[\s\S]*(?:not found|manifest unknown|repository does not exist|code = NotFound)",
        ),
        severity: Severity::Error,
        title: "Image not found",
        meaning: PULL_NOT_FOUND,
        next_step: PULL_NOT_FOUND_NEXT,
        kubectl: KUBECTL_IMAGES,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.failed.pull.unreachable",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(
            r"Failed to pull image[\s\S]*(?:i/o timeout|connection refused|context deadline exceeded|TLS handshake timeout)",
        ),
        severity: Severity::Error,
        title: "Registry unreachable",
        meaning: PULL_UNREACHABLE,
        next_step: PULL_UNREACHABLE_NEXT,
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.failed.pull",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Contains("Failed to pull image"),
        severity: Severity::Error,
        title: "Image pull failed",
        meaning: PULL_OTHER,
        next_step: PULL_OTHER_NEXT,
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.failed.image-pull-status",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(r"^Error: (?:ErrImagePull|ImagePullBackOff)"),
        severity: Severity::Error,
        title: "Image pull failed",
        meaning: "The kubelet marks the container as unable to get its image; the pull error event next to it says why.",
        next_step: PULL_OTHER_NEXT,
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.failed.missing-configmap",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(r#"configmaps? "(?P<object>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Missing ConfigMap",
        meaning: "The container refers to ConfigMap {object}, which does not exist in namespace {ns}.",
        next_step: "Create the ConfigMap, or fix its name in the pod template.",
        kubectl: "kubectl get configmap {object} -n {ns}",
        docs: DOCS_CONFIGMAP,
    },
    Entry {
        id: "event.failed.missing-secret",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Regex(r#"secrets? "(?P<object>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Missing Secret",
        meaning: "The container refers to Secret {object}, which does not exist in namespace {ns}.",
        next_step: "Create the Secret, or fix its name in the pod template.",
        kubectl: "kubectl get secret {object} -n {ns}",
        docs: DOCS_SECRET,
    },
    Entry {
        id: "event.failed",
        subject: Subject::Event,
        reason: "Failed",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Failed",
        meaning: "The kubelet failed a step of starting the container; the message says which.",
        next_step: "Read the message and the pod's other events.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_DEBUG_PODS,
    },
    Entry {
        id: "event.inspect-failed",
        subject: Subject::Event,
        reason: "InspectFailed",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Invalid image",
        meaning: "The kubelet could not inspect the image reference, usually because the name is invalid.",
        next_step: "Fix the image field.",
        kubectl: KUBECTL_IMAGES,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.back-off.pull",
        subject: Subject::Event,
        reason: "BackOff",
        pattern: Pattern::Contains("pulling image"),
        severity: Severity::Warning,
        title: "Waiting before pulling again",
        meaning: "An earlier pull failed, so the kubelet waits longer before each new attempt.",
        next_step: "Find the pull error in the pod's events.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_IMAGES,
    },
    Entry {
        id: "event.back-off.restart",
        subject: Subject::Event,
        reason: "BackOff",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Waiting before restarting",
        meaning: "The container exited, and the kubelet waits longer before each restart (a crash loop).",
        next_step: "Read the logs of the crashed run.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_RESTARTS,
    },
    Entry {
        id: "event.killing.liveness",
        subject: Subject::Event,
        reason: "Killing",
        pattern: Pattern::Contains("failed liveness probe"),
        severity: Severity::Warning,
        title: "Restarted by its liveness probe",
        meaning: "The liveness probe failed often enough that the kubelet is restarting the container.",
        next_step: "Check the probe's target and timing against how long the app takes to answer.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_PROBES,
    },
    Entry {
        id: "event.killing.startup",
        subject: Subject::Event,
        reason: "Killing",
        pattern: Pattern::Contains("failed startup probe"),
        severity: Severity::Warning,
        title: "Restarted by its startup probe",
        meaning: "The app did not pass its startup probe in time, so the kubelet is restarting the container.",
        next_step: "Give the app more time (failureThreshold x periodSeconds), or find why it starts slowly.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_PROBES,
    },
    Entry {
        id: "event.killing",
        subject: Subject::Event,
        reason: "Killing",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Stopping the container",
        meaning: "The kubelet is stopping the container (the pod is deleted, replaced, or its spec changed).",
        next_step: "Nothing to do if the pod is being replaced; otherwise find who deleted it.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_POD_TERMINATION,
    },
    // ------------------------------------------------------------------ events: probes
    Entry {
        id: "event.unhealthy.readiness",
        subject: Subject::Event,
        reason: "Unhealthy",
        pattern: Pattern::Contains("Readiness probe failed"),
        severity: Severity::Warning,
        title: "Readiness probe fails",
        meaning: "The readiness check fails, so the pod is taken out of its Services and receives no traffic; it is not restarted.",
        next_step: "Find why the app answers the probe that way, from its logs or by calling the probe's target.",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_PROBES,
    },
    Entry {
        id: "event.unhealthy.liveness",
        subject: Subject::Event,
        reason: "Unhealthy",
        pattern: Pattern::Contains("Liveness probe failed"),
        severity: Severity::Error,
        title: "Liveness probe fails",
        meaning: "The liveness check fails; after failureThreshold failures in a row the kubelet restarts the container.",
        next_step: "Check the probe's target and timeouts, and the app's logs before each restart.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_PROBES,
    },
    Entry {
        id: "event.unhealthy.startup",
        subject: Subject::Event,
        reason: "Unhealthy",
        pattern: Pattern::Contains("Startup probe failed"),
        severity: Severity::Warning,
        title: "Startup probe fails",
        meaning: "The app has not passed its startup check yet; if it keeps failing, the kubelet restarts the container.",
        next_step: "Check how long the app needs to start against failureThreshold x periodSeconds.",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_PROBES,
    },
    Entry {
        id: "event.unhealthy",
        subject: Subject::Event,
        reason: "Unhealthy",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Probe fails",
        meaning: "A health check of the container fails.",
        next_step: "Read which probe failed and why in the message.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_PROBES,
    },
    // ------------------------------------------------------------------ events: volumes
    Entry {
        id: "event.failed-mount.configmap",
        subject: Subject::Event,
        reason: "FailedMount",
        pattern: Pattern::Regex(r#"configmaps? "(?P<object>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Volume's ConfigMap is missing",
        meaning: "A volume of the pod comes from ConfigMap {object}, which does not exist, so the pod cannot start.",
        next_step: "Create the ConfigMap, or fix its name in the pod's volumes.",
        kubectl: "kubectl get configmap {object} -n {ns}",
        docs: DOCS_CONFIGMAP,
    },
    Entry {
        id: "event.failed-mount.secret",
        subject: Subject::Event,
        reason: "FailedMount",
        pattern: Pattern::Regex(r#"secrets? "(?P<object>[^"]+)" not found"#),
        severity: Severity::Error,
        title: "Volume's Secret is missing",
        meaning: "A volume of the pod comes from Secret {object}, which does not exist, so the pod cannot start.",
        next_step: "Create the Secret, or fix its name in the pod's volumes.",
        kubectl: "kubectl get secret {object} -n {ns}",
        docs: DOCS_SECRET,
    },
    Entry {
        id: "event.failed-mount",
        subject: Subject::Event,
        reason: "FailedMount",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Volume cannot be mounted",
        meaning: "The kubelet cannot mount one of the pod's volumes, so its containers cannot start.",
        next_step: "Read which volume and why in the message; for a claim, check the PersistentVolumeClaim.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_VOLUMES,
    },
    Entry {
        id: "event.failed-attach-volume.multi-attach",
        subject: Subject::Event,
        reason: "FailedAttachVolume",
        pattern: Pattern::Contains("Multi-Attach error"),
        severity: Severity::Error,
        title: "Volume attached elsewhere",
        meaning: "The volume is ReadWriteOnce and still attached to another node, often by the pod this one replaces.",
        next_step: "Find the other pod using the claim; wait for it to go, or delete it if it is stuck.",
        kubectl: "kubectl get volumeattachments",
        docs: DOCS_PV,
    },
    Entry {
        id: "event.failed-attach-volume",
        subject: Subject::Event,
        reason: "FailedAttachVolume",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Volume cannot be attached",
        meaning: "The volume could not be attached to the pod's node.",
        next_step: "Read the storage driver's message, and check the claim and the volume.",
        kubectl: "kubectl get pvc -n {ns}",
        docs: DOCS_PV,
    },
    // ------------------------------------------------------------------ events: nodes and eviction
    Entry {
        id: "event.evicted.memory",
        subject: Subject::Event,
        reason: "Evicted",
        pattern: Pattern::Regex(r"low on resource: memory"),
        severity: Severity::Error,
        title: "Evicted: node out of memory",
        meaning: "The node ran low on memory, and the kubelet evicted this pod to protect the node.",
        next_step: "Set memory requests close to real use, so the scheduler does not overcommit the node.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_EVICTION,
    },
    Entry {
        id: "event.evicted.disk",
        subject: Subject::Event,
        reason: "Evicted",
        pattern: Pattern::Regex(r"low on resource: (?:ephemeral-storage|nodefs|imagefs)|ephemeral local storage"),
        severity: Severity::Error,
        title: "Evicted: node out of disk",
        meaning: "The node ran low on disk (or the pod wrote more local storage than allowed), and the kubelet evicted it.",
        next_step: "Find what the pod writes to its filesystem or emptyDir volumes; set ephemeral-storage requests and limits.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_EVICTION,
    },
    Entry {
        id: "event.evicted.pids",
        subject: Subject::Event,
        reason: "Evicted",
        pattern: Pattern::Regex(r"low on resource: pids"),
        severity: Severity::Error,
        title: "Evicted: node out of process ids",
        meaning: "The node ran out of process ids, and the kubelet evicted this pod.",
        next_step: "Look for a container that starts processes without reaping them.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_EVICTION,
    },
    Entry {
        id: "event.evicted",
        subject: Subject::Event,
        reason: "Evicted",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Evicted",
        meaning: "The pod was evicted from its node; the message says which resource ran low.",
        next_step: "Check the node's conditions and the pod's resource requests.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_EVICTION,
    },
    Entry {
        id: "event.node-not-ready",
        subject: Subject::Event,
        reason: "NodeNotReady",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Node not ready",
        meaning: "The pod's node stopped reporting as Ready, so the pod's real state is unknown and it may be evicted.",
        next_step: "Check the node's conditions and its kubelet.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_NODES,
    },
    Entry {
        id: "event.oom-killing",
        subject: Subject::Event,
        reason: "OOMKilling",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Kernel killed a process for memory",
        meaning: "The node's kernel killed a process that went over its memory cgroup limit.",
        next_step: "Match the process to a container, and compare its memory use with its limit.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_MEMORY_LIMIT,
    },
    Entry {
        id: "event.failed-create-pod-sandbox",
        subject: Subject::Event,
        reason: "FailedCreatePodSandBox",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Pod sandbox cannot be created",
        meaning: "The node could not set up the pod's sandbox, usually its network (the CNI plugin).",
        next_step: "Check the network plugin's pods on that node.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_DEBUG_PODS,
    },
    // ------------------------------------------------------------------ events: owners
    Entry {
        id: "event.failed-create.quota",
        subject: Subject::Event,
        reason: "FailedCreate",
        pattern: Pattern::Regex(r"exceeded quota"),
        severity: Severity::Error,
        title: "Quota exceeded",
        meaning: "A ResourceQuota in the namespace refuses new pods, so the controller cannot create them.",
        next_step: "Compare the quota's used and hard limits; free some room or raise the quota.",
        kubectl: "kubectl describe resourcequota -n {ns}",
        docs: DOCS_QUOTA,
    },
    Entry {
        id: "event.failed-create.pod-security",
        subject: Subject::Event,
        reason: "FailedCreate",
        pattern: Pattern::Regex(r"violates PodSecurity"),
        severity: Severity::Error,
        title: "Refused by Pod Security",
        meaning: "The namespace's Pod Security level forbids the pod's settings, so no pod is created.",
        next_step: "Change the pod's securityContext to fit the level, as the message lists.",
        kubectl: "kubectl get namespace {ns} --show-labels",
        docs: DOCS_POD_SECURITY,
    },
    Entry {
        id: "event.failed-create.admission",
        subject: Subject::Event,
        reason: "FailedCreate",
        pattern: Pattern::Regex(r"admission webhook|denied the request|is forbidden"),
        severity: Severity::Error,
        title: "Refused by admission",
        meaning: "An admission controller or webhook refused the new pod, so the controller cannot create it.",
        next_step: "Read the refusal in the message, and the policy or webhook that sent it.",
        kubectl: "kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations",
        docs: DOCS_ADMISSION,
    },
    Entry {
        id: "event.failed-create",
        subject: Subject::Event,
        reason: "FailedCreate",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Cannot create pods",
        meaning: "The controller failed to create a pod; the message says why.",
        next_step: "Read the controller's message.",
        kubectl: "kubectl describe replicaset {owner} -n {ns}",
        docs: DOCS_REPLICASET,
    },
    Entry {
        id: "event.successful-create.claim",
        subject: Subject::Event,
        reason: "SuccessfulCreate",
        pattern: Pattern::Contains("create Claim"),
        severity: Severity::Info,
        title: "Volume claim created",
        meaning: "The StatefulSet made this pod's PersistentVolumeClaim from its volumeClaimTemplates; the claim \
                  and its data stay when the pod, or the StatefulSet, is deleted.",
        next_step: "Nothing to do; if the pod stays Pending, check that the claim is Bound.",
        kubectl: "kubectl get pvc -n {ns}",
        docs: DOCS_PV,
    },
    Entry {
        id: "event.successful-create",
        subject: Subject::Event,
        reason: "SuccessfulCreate",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Pod created",
        meaning: "The controller created a pod.",
        next_step: "Nothing to do.",
        kubectl: "kubectl describe replicaset {owner} -n {ns}",
        docs: DOCS_REPLICASET,
    },
    Entry {
        id: "event.successful-delete",
        subject: Subject::Event,
        reason: "SuccessfulDelete",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Pod deleted",
        meaning: "The controller deleted a pod (scaled down or replaced).",
        next_step: "Nothing to do.",
        kubectl: "kubectl describe replicaset {owner} -n {ns}",
        docs: DOCS_REPLICASET,
    },
    Entry {
        id: "event.scaling-replica-set",
        subject: Subject::Event,
        reason: "ScalingReplicaSet",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Scaled",
        meaning: "The Deployment changed how many pods one of its ReplicaSets should run (a rollout or a scale).",
        next_step: "Follow the rollout if one is in progress.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "event.progress-deadline-exceeded",
        subject: Subject::Event,
        reason: "ProgressDeadlineExceeded",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Rollout stalled",
        meaning: "The Deployment made no progress within its progressDeadlineSeconds: new pods do not become ready.",
        next_step: "Find why the new ReplicaSet's pods fail to start or to become ready.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT_FAILED,
    },
    Entry {
        id: "event.deadline-exceeded",
        subject: Subject::Event,
        reason: "DeadlineExceeded",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Deadline exceeded",
        meaning: "The Job ran longer than its activeDeadlineSeconds, so its pods were stopped.",
        next_step: "Check the Job's deadline against how long the work takes.",
        kubectl: "kubectl describe job {owner} -n {ns}",
        docs: DOCS_JOB,
    },
    Entry {
        id: "event.backoff-limit-exceeded",
        subject: Subject::Event,
        reason: "BackoffLimitExceeded",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Job gave up",
        meaning: "The Job's pods failed more times than its backoffLimit allows, so it stopped retrying.",
        next_step: "Read the logs of a failed pod of the Job.",
        kubectl: "kubectl describe job {owner} -n {ns}",
        docs: DOCS_JOB,
    },
    Entry {
        id: "event.generic",
        subject: Subject::Event,
        reason: "*",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "{reason}",
        meaning: "Kubernetes recorded the event {reason}; mosaic has no explanation for this reason yet.",
        next_step: "Read the event's message and the object's other events.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_DEBUG_PODS,
    },
    // ------------------------------------------------------------------ pod conditions
    Entry {
        id: "condition.unschedulable.unbound-pvc",
        subject: Subject::Condition,
        reason: "Unschedulable",
        pattern: Pattern::Contains("unbound immediate PersistentVolumeClaims"),
        severity: Severity::Error,
        title: "Pending on an unbound claim",
        meaning: "The pod waits for a PersistentVolumeClaim to be bound to a volume before it can be scheduled.",
        next_step: "Check the claim's status and events: a missing StorageClass or provisioner is common.",
        kubectl: "kubectl get pvc -n {ns}",
        docs: DOCS_PV,
    },
    Entry {
        id: "condition.unschedulable",
        subject: Subject::Condition,
        reason: "Unschedulable",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Not scheduled",
        meaning: "The scheduler has not found a node for the pod.",
        next_step: "Read the scheduler's message: it lists why each node was rejected.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_SCHEDULER,
    },
    Entry {
        id: "condition.scheduling-gated",
        subject: Subject::Condition,
        reason: "SchedulingGated",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Scheduling gated",
        meaning: "The pod has scheduling gates; the scheduler ignores it until something removes them.",
        next_step: "Find the controller that should remove the gates.",
        kubectl: "kubectl get pod {pod} -n {ns} -o 'jsonpath={.spec.schedulingGates}'",
        docs: DOCS_SCHEDULER,
    },
    Entry {
        id: "condition.containers-not-initialized",
        subject: Subject::Condition,
        reason: "ContainersNotInitialized",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Init containers not finished",
        meaning: "At least one init container has not completed, so the app containers have not started.",
        next_step: "Read the logs of the init container that is still running or failing.",
        kubectl: "kubectl logs {pod} -n {ns} -c {container}",
        docs: DOCS_INIT,
    },
    Entry {
        id: "condition.containers-not-ready",
        subject: Subject::Condition,
        reason: "ContainersNotReady",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Not ready",
        meaning: "At least one container is not ready, so the pod receives no traffic from Services.",
        next_step: "Find which container is not ready and why: its state, its readiness probe.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.pod-completed",
        subject: Subject::Condition,
        reason: "PodCompleted",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Completed",
        meaning: "All containers finished, so the pod is no longer ready.",
        next_step: "Nothing to do for a Job's pod.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.pod-scheduled",
        subject: Subject::Condition,
        reason: "PodScheduled",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Scheduled",
        meaning: "The pod was assigned to a node.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.initialized",
        subject: Subject::Condition,
        reason: "Initialized",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Initialized",
        meaning: "Every init container finished successfully (or there are none).",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.containers-ready",
        subject: Subject::Condition,
        reason: "ContainersReady",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Containers ready",
        meaning: "Every container of the pod is ready.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.ready",
        subject: Subject::Condition,
        reason: "Ready",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Ready",
        meaning: "The pod is ready and Services send it traffic.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.disruption-target",
        subject: Subject::Condition,
        reason: "DisruptionTarget",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "About to be disrupted",
        meaning: "Kubernetes decided to stop the pod (preemption, eviction, or a node being drained).",
        next_step: "Read the condition's reason and the pod's events.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_POD_CONDITIONS,
    },
    Entry {
        id: "condition.progress-deadline-exceeded",
        subject: Subject::Condition,
        reason: "ProgressDeadlineExceeded",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Rollout stalled",
        meaning: "The Deployment made no progress within its progressDeadlineSeconds: new pods do not become ready.",
        next_step: "Find why the new ReplicaSet's pods fail to start or to become ready.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT_FAILED,
    },
    // Deployment conditions (`{owner}` is the Deployment).
    Entry {
        id: "condition.deployment.new-replica-set-created",
        subject: Subject::Condition,
        reason: "NewReplicaSetCreated",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Rollout started",
        meaning: "The Deployment created a new ReplicaSet for a changed pod template: a rollout begins.",
        next_step: "Follow the rollout.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.found-new-replica-set",
        subject: Subject::Condition,
        reason: "FoundNewReplicaSet",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Rollout resumed",
        meaning: "The Deployment found the ReplicaSet of its current pod template and moves pods to it.",
        next_step: "Follow the rollout.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.replica-set-updated",
        subject: Subject::Condition,
        reason: "ReplicaSetUpdated",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Rolling out",
        meaning: "A rollout is in progress: the Deployment is moving pods to its newest ReplicaSet.",
        next_step: "Follow the rollout until every new pod is ready.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.new-replica-set-available",
        subject: Subject::Condition,
        reason: "NewReplicaSetAvailable",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Rollout complete",
        meaning: "The rollout finished: every pod runs the newest ReplicaSet and is available.",
        next_step: "Nothing to do.",
        kubectl: "kubectl get deployment {owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.minimum-replicas-available",
        subject: Subject::Condition,
        reason: "MinimumReplicasAvailable",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Available",
        meaning: "Enough of the Deployment's pods are available to serve, as its strategy requires.",
        next_step: "Nothing to do.",
        kubectl: "kubectl get deployment {owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.minimum-replicas-unavailable",
        subject: Subject::Condition,
        reason: "MinimumReplicasUnavailable",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Not enough pods available",
        meaning: "Fewer pods are available than the Deployment requires, so the app may not serve all its traffic.",
        next_step: "Find why its pods are not ready: the failing pods below say.",
        kubectl: "kubectl get pods -n {ns} -o wide",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.paused",
        subject: Subject::Condition,
        reason: "DeploymentPaused",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Rollout paused",
        meaning: "Someone paused the Deployment: changes to its pod template do not roll out until it is resumed.",
        next_step: "Resume the rollout when ready.",
        kubectl: "kubectl rollout resume deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.resumed",
        subject: Subject::Condition,
        reason: "DeploymentResumed",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Rollout resumed",
        meaning: "The Deployment was resumed: pending changes to its pod template roll out again.",
        next_step: "Follow the rollout.",
        kubectl: "kubectl rollout status deployment/{owner} -n {ns}",
        docs: DOCS_DEPLOYMENT,
    },
    Entry {
        id: "condition.deployment.replica-failure",
        subject: Subject::Condition,
        reason: "FailedCreate",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Cannot create pods",
        meaning: "The ReplicaSet could not create a pod (ReplicaFailure); the message says why, often a quota or an admission refusal.",
        next_step: "Read the ReplicaSet's FailedCreate events.",
        kubectl: "kubectl describe replicaset -n {ns} -l app={owner}",
        docs: DOCS_REPLICASET,
    },
    Entry {
        id: "condition.generic",
        subject: Subject::Condition,
        reason: "*",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Condition {reason}",
        meaning: "A condition of the pod changed: {reason}.",
        next_step: "Read the condition's message in the pod's description.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_CONDITIONS,
    },
    // ------------------------------------------------------------------ the pod as a whole
    Entry {
        id: "pod.terminating.finalizers",
        subject: Subject::PodPhase,
        reason: "Terminating",
        pattern: Pattern::Regex(r"finalizers: \S"),
        severity: Severity::Error,
        title: "Stuck terminating: finalizers",
        meaning: "The pod was deleted, but finalizers still hold it, and it stays until their controllers remove them.",
        next_step: "Find the controller that owns each finalizer; remove a finalizer by hand only if that controller is gone.",
        kubectl: "kubectl get pod {pod} -n {ns} -o 'jsonpath={.metadata.finalizers}'",
        docs: DOCS_FINALIZERS,
    },
    Entry {
        id: "pod.terminating.node",
        subject: Subject::PodPhase,
        reason: "Terminating",
        pattern: Pattern::Contains("node not ready"),
        severity: Severity::Error,
        title: "Stuck terminating: node not ready",
        meaning: "The pod was deleted, but its node does not answer, so nothing can confirm its containers stopped.",
        next_step: "Bring the node back, or delete the Node object if the machine is gone for good.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_POD_TERMINATION,
    },
    Entry {
        id: "pod.terminating",
        subject: Subject::PodPhase,
        reason: "Terminating",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Terminating",
        meaning: "The pod was deleted and is shutting down within its grace period.",
        next_step: "If it lasts past the grace period, check its finalizers and its node.",
        kubectl: "kubectl get pod {pod} -n {ns} -o 'jsonpath={.metadata.deletionTimestamp} {.metadata.finalizers}'",
        docs: DOCS_POD_TERMINATION,
    },
    Entry {
        id: "pod.init-running",
        subject: Subject::PodPhase,
        reason: "Init:Running",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "Initializing",
        meaning: "An init container is still running; the app containers start only after every init container succeeds.",
        next_step: "Read the init container's logs to see what it waits for.",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_INIT,
    },
    Entry {
        id: "pod.init-failed",
        subject: Subject::PodPhase,
        reason: "Init:Failed",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Init container failed",
        meaning: "An init container exited with an error, so the app containers do not start.",
        next_step: "Read the failed init container's logs.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_INIT,
    },
    Entry {
        id: "pod.evicted",
        subject: Subject::PodPhase,
        reason: "Evicted",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Evicted",
        meaning: "The kubelet evicted the pod from its node; it will not run again (its controller makes a new one).",
        next_step: "Read which resource ran low in the pod's status message, and check the node.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_EVICTION,
    },
    Entry {
        id: "pod.node-lost",
        subject: Subject::PodPhase,
        reason: "NodeLost",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Node lost",
        meaning: "The pod's node stopped reporting, so its state is unknown.",
        next_step: "Check the node.",
        kubectl: KUBECTL_DESCRIBE_NODE,
        docs: DOCS_NODES,
    },
    Entry {
        id: "pod.pending",
        subject: Subject::PodPhase,
        reason: "Pending",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Pending",
        meaning: "The pod is accepted but not all its containers run yet: it is being scheduled, pulling images, or initializing.",
        next_step: "Read the pod's events to see which step it is on.",
        kubectl: KUBECTL_POD_EVENTS,
        docs: DOCS_POD_PHASE,
    },
    Entry {
        id: "pod.running",
        subject: Subject::PodPhase,
        reason: "Running",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Running",
        meaning: "The pod is on a node and at least one container runs.",
        next_step: "Nothing to do if it is ready.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_POD_PHASE,
    },
    Entry {
        id: "pod.succeeded",
        subject: Subject::PodPhase,
        reason: "Succeeded",
        pattern: Pattern::Any,
        severity: Severity::Info,
        title: "Completed",
        meaning: "Every container finished with exit code 0 and will not restart.",
        next_step: "Nothing to do.",
        kubectl: KUBECTL_LOGS,
        docs: DOCS_POD_PHASE,
    },
    Entry {
        id: "pod.failed",
        subject: Subject::PodPhase,
        reason: "Failed",
        pattern: Pattern::Any,
        severity: Severity::Error,
        title: "Failed",
        meaning: "Every container stopped and at least one failed; the pod will not restart.",
        next_step: "Read the failed container's exit code and logs.",
        kubectl: KUBECTL_PREVIOUS_LOGS,
        docs: DOCS_POD_PHASE,
    },
    Entry {
        id: "pod.generic",
        subject: Subject::PodPhase,
        reason: "*",
        pattern: Pattern::Any,
        severity: Severity::Warning,
        title: "{reason}",
        meaning: "The pod reports {reason}; mosaic has no explanation for this state yet.",
        next_step: "Read the pod's description and events.",
        kubectl: KUBECTL_DESCRIBE_POD,
        docs: DOCS_DEBUG_PODS,
    },
];

/// Each entry's compiled regex, in [`CATALOGUE`] order (`None` for other patterns or an invalid regex,
/// which the tests forbid).
static COMPILED: LazyLock<Vec<Option<Regex>>> = LazyLock::new(|| {
    CATALOGUE
        .iter()
        .map(|e| match e.pattern {
            Pattern::Regex(re) => RegexBuilder::new(re).case_insensitive(true).build().ok(),
            _ => None,
        })
        .collect()
});

/// The entry for a fact, and the placeholders its pattern captured; the subject's generic entry when no
/// entry knows the reason.
pub fn lookup(subject: Subject, reason: &str, message: &str) -> (&'static Entry, Vars) {
    for (i, entry) in CATALOGUE.iter().enumerate() {
        if entry.subject != subject || entry.reason != reason {
            continue;
        }
        if let Some(captures) = pattern_matches(i, entry, message) {
            return (entry, captures);
        }
    }
    (generic(subject), Vars::new())
}

/// The generic entry of a subject (reason `*`).
pub fn generic(subject: Subject) -> &'static Entry {
    CATALOGUE.iter().find(|e| e.subject == subject && e.reason == "*").unwrap_or(&FALLBACK)
}

/// Only reached if the table lost a generic entry, which a test forbids.
static FALLBACK: Entry = Entry {
    id: "generic",
    subject: Subject::PodPhase,
    reason: "*",
    pattern: Pattern::Any,
    severity: Severity::Warning,
    title: "{reason}",
    meaning: "Kubernetes reports {reason}.",
    next_step: "Read the pod's description and events.",
    kubectl: KUBECTL_DESCRIBE_POD,
    docs: DOCS_DEBUG_PODS,
};

fn pattern_matches(index: usize, entry: &Entry, message: &str) -> Option<Vars> {
    match entry.pattern {
        Pattern::Any => Some(Vars::new()),
        Pattern::Contains(needle) => message.to_lowercase().contains(&needle.to_lowercase()).then(Vars::new),
        Pattern::Regex(_) => {
            let re = COMPILED.get(index)?.as_ref()?;
            let caps = re.captures(message)?;
            let mut vars = Vars::new();
            for name in re.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    vars.set(name, m.as_str());
                }
            }
            Some(vars)
        }
    }
}

/// Explains one fact: a reason (and its message) of the given subject, with placeholders from `vars`.
pub fn explain(subject: Subject, reason: &str, message: &str, vars: &Vars) -> Explanation {
    let (entry, captured) = lookup(subject, reason, message);
    let mut all = vars.clone().with("reason", reason);
    for (k, v) in captured.values {
        // What the caller knows wins over what the message suggests.
        if all.get(&k).is_none() {
            all.set(&k, v);
        }
    }
    render(entry, &all)
}

/// Explains a container's exit code: its own entry, `128+n` with the signal's name, or the generic one.
pub fn explain_exit_code(code: i32, vars: &Vars) -> Explanation {
    let key = code.to_string();
    let (mut entry, _) = lookup(Subject::ExitCode, &key, "");
    let mut all = vars.clone().with("code", key.as_str()).with("reason", key.as_str());
    if entry.reason == "*"
        && let Some(number) = code.checked_sub(128).filter(|n| (1..=64).contains(n))
    {
        entry = CATALOGUE.iter().find(|e| e.subject == Subject::ExitCode && e.reason == "128+n").unwrap_or(entry);
        all.set("signal_number", number.to_string());
        all.set("signal", signal_name(number).unwrap_or("an unnamed signal"));
    }
    let mut explanation = render(entry, &all);
    explanation.known = entry.reason != "*";
    explanation
}

/// The Linux name of a signal number (`9` → `SIGKILL`).
pub fn signal_name(number: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(number).ok().and_then(|n| n.checked_sub(1)).and_then(|i| NAMES.get(i)).copied()
}

fn render(entry: &'static Entry, vars: &Vars) -> Explanation {
    Explanation {
        id: entry.id,
        known: entry.reason != "*",
        severity: entry.severity,
        title: fill_text(entry.title, vars),
        meaning: fill_text(entry.meaning, vars),
        next_step: fill_text(entry.next_step, vars),
        kubectl: fill_command(entry.kubectl, vars),
        docs: entry.docs,
    }
}

/// Fills `{name}` placeholders with plain values; unknown ones read `<name>`.
pub fn fill_text(template: &str, vars: &Vars) -> String {
    fill(template, |name| vars.get(name).map_or_else(|| format!("<{name}>"), str::to_string))
}

/// Fills a kubectl template: each value is shell-quoted; a known `context` is passed as `--context`.
pub fn fill_command(template: &str, vars: &Vars) -> String {
    let quote = |value: &str| shlex::try_quote(value).map(|q| q.into_owned()).ok();
    let line = fill(template, |name| vars.get(name).and_then(quote).unwrap_or_else(|| format!("<{name}>")));
    match (vars.get("context").and_then(quote), line.strip_prefix("kubectl ")) {
        (Some(context), Some(rest)) => format!("kubectl --context {context} {rest}"),
        _ => line,
    }
}

/// Replaces each `{name}` (lower-case letters and `_`) with `value(name)`; other braces (jsonpath) stay.
fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    static PLACEHOLDER: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\{([a-z_]+)\}").ok());
    match PLACEHOLDER.as_ref() {
        Some(re) => re.replace_all(template, |c: &regex::Captures<'_>| value(&c[1])).into_owned(),
        None => template.to_string(),
    }
}

/// The placeholders a template uses, for tests and reviewers.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('}') else { break };
        let name = &rest[..end];
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            out.push(name.to_string());
        }
        rest = &rest[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests;
