use std::collections::HashSet;

use k8s_openapi::api::core::v1::{Event, Pod, PodCondition};
use serde_json::json;

use super::*;
use crate::analysis::explain::event::PodEvent;
use crate::analysis::explain::fixtures::from_json;

/// The placeholders a template may use; anything else is a typo that would show as `<name>`.
const KNOWN_PLACEHOLDERS: &[&str] =
    &["pod", "ns", "container", "node", "owner", "reason", "code", "signal", "signal_number", "object", "key", "claim"];

fn vars() -> Vars {
    Vars::pod("shop", "checkout-7d9f8c6b5-x2x4z").with("container", "checkout").with("node", "node-b")
}

/// A pod shaped like `pods-list.json` whose first container is in `state`.
fn pod_with_state(state: serde_json::Value) -> Pod {
    from_json(json!({
        "metadata": {"name": "checkout-7d9f8c6b5-x2x4z", "namespace": "shop", "creationTimestamp": "2026-11-22T03:31:05Z"},
        "spec": {"containers": [{"name": "checkout", "image": "ghcr.io/mosaic-demo/checkout:3.1.0"}], "nodeName": "node-b"},
        "status": {"phase": "Running", "containerStatuses": [{
            "name": "checkout", "state": state, "lastState": {}, "ready": false, "restartCount": 0,
            "image": "ghcr.io/mosaic-demo/checkout:3.1.0", "imageID": "", "started": false
        }]}
    }))
}

/// An event shaped like `events-core-v1.json`.
fn core_event(reason: &str, message: &str) -> Event {
    from_json(json!({
        "metadata": {"name": "checkout.18ea40735eb887ab", "namespace": "shop", "uid": "u1", "creationTimestamp": "2026-11-22T03:31:05Z"},
        "involvedObject": {"kind": "Pod", "namespace": "shop", "name": "checkout-7d9f8c6b5-x2x4z", "apiVersion": "v1",
            "fieldPath": "spec.containers{checkout}"},
        "reason": reason, "message": message, "source": {"component": "kubelet", "host": "node-b"},
        "firstTimestamp": "2026-11-22T03:31:06Z", "lastTimestamp": "2026-11-22T03:31:06Z", "count": 1, "type": "Warning"
    }))
}

/// Runs one case through the k8s-openapi object it would arrive in, then through the catalogue.
fn explain_case(subject: Subject, reason: &str, message: &str) -> Explanation {
    let v = vars();
    match subject {
        Subject::Waiting => {
            let pod = pod_with_state(json!({"waiting": {"reason": reason, "message": message}}));
            let w =
                pod.status.and_then(|s| s.container_statuses).and_then(|c| c[0].state.clone()).and_then(|s| s.waiting);
            let w = w.expect("waiting state");
            explain(Subject::Waiting, w.reason.as_deref().unwrap_or(""), w.message.as_deref().unwrap_or(""), &v)
        }
        Subject::Terminated => {
            let pod = pod_with_state(json!({"terminated": {"reason": reason, "message": message, "exitCode": 1,
                "startedAt": "2026-11-22T03:32:00Z", "finishedAt": "2026-11-22T03:32:01Z"}}));
            let t = pod
                .status
                .and_then(|s| s.container_statuses)
                .and_then(|c| c[0].state.clone())
                .and_then(|s| s.terminated);
            let t = t.expect("terminated state");
            explain(Subject::Terminated, t.reason.as_deref().unwrap_or(""), t.message.as_deref().unwrap_or(""), &v)
        }
        Subject::ExitCode => {
            let pod = pod_with_state(
                json!({"terminated": {"reason": "Error", "exitCode": reason.parse::<i32>().expect("code"),
                "startedAt": "2026-11-22T03:32:00Z", "finishedAt": "2026-11-22T03:32:01Z"}}),
            );
            let t = pod
                .status
                .and_then(|s| s.container_statuses)
                .and_then(|c| c[0].state.clone())
                .and_then(|s| s.terminated);
            explain_exit_code(t.expect("terminated state").exit_code, &v)
        }
        Subject::Event => {
            let e = PodEvent::from_core(&core_event(reason, message));
            explain(Subject::Event, &e.reason, &e.message, &v)
        }
        Subject::Condition => {
            let c: PodCondition = from_json(json!({"type": "PodScheduled", "status": "False", "reason": reason,
                "message": message, "lastProbeTime": null, "lastTransitionTime": "2026-11-22T03:31:05Z"}));
            explain(Subject::Condition, c.reason.as_deref().unwrap_or(&c.type_), c.message.as_deref().unwrap_or(""), &v)
        }
        Subject::PodPhase => explain(Subject::PodPhase, reason, message, &v),
    }
}

/// One realistic case per catalogue entry: (subject, reason, message, the entry it must reach).
const CASES: &[(Subject, &str, &str, &str)] = &[
    // Waiting (messages as the kubelet writes them).
    (
        Subject::Waiting,
        "CrashLoopBackOff",
        "back-off 5m0s restarting failed container=orders pod=orders-d88d6dc55-rp9zx_acme(9ae4f7f7)",
        "waiting.crash-loop-back-off",
    ),
    (
        Subject::Waiting,
        "ImagePullBackOff",
        "Back-off pulling image \"ghcr.io/acme/search:does-not-exist\"",
        "waiting.image-pull-back-off",
    ),
    (
        Subject::Waiting,
        "ErrImagePull",
        "rpc error: code = Unknown desc = failed to pull and unpack image \"ghcr.io/acme/search:does-not-exist\": failed to resolve reference \"ghcr.io/acme/search:does-not-exist\": failed to do request: Head \"https://ghcr.io/v2/acme/search/manifests/does-not-exist\": dial tcp: lookup ghcr.io on 10.96.0.10:53: no such host",
        "waiting.err-image-pull.dns",
    ),
    (
        Subject::Waiting,
        "ErrImagePull",
        "rpc error: code = Unknown desc = failed to pull and unpack image \"ghcr.io/acme/private:1\": failed to resolve reference \"ghcr.io/acme/private:1\": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized",
        "waiting.err-image-pull.unauthorized",
    ),
    (
        Subject::Waiting,
        "ErrImagePull",
        "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.999\": failed to resolve reference \"docker.io/library/nginx:1.999\": docker.io/library/nginx:1.999: not found",
        "waiting.err-image-pull.not-found",
    ),
    (
        Subject::Waiting,
        "ErrImagePull",
        "rpc error: code = Unknown desc = failed to pull and unpack image \"10.0.0.5:5000/app:1\": failed to do request: Head \"https://10.0.0.5:5000/v2/app/manifests/1\": dial tcp 10.0.0.5:5000: i/o timeout",
        "waiting.err-image-pull.unreachable",
    ),
    (
        Subject::Waiting,
        "ErrImagePull",
        "rpc error: code = Unknown desc = something new went wrong",
        "waiting.err-image-pull",
    ),
    (
        Subject::Waiting,
        "ErrImageNeverPull",
        "Container image \"app:dev\" is not present with pull policy of Never",
        "waiting.err-image-never-pull",
    ),
    (
        Subject::Waiting,
        "InvalidImageName",
        "Failed to apply default image tag \"Nginx:latest\": couldn't parse image reference \"Nginx:latest\": invalid reference format: repository name must be lowercase",
        "waiting.invalid-image-name",
    ),
    (
        Subject::Waiting,
        "CreateContainerConfigError",
        "couldn't find key REVIEWS_DB in ConfigMap shop/app-config",
        "waiting.create-container-config-error.missing-configmap-key",
    ),
    (
        Subject::Waiting,
        "CreateContainerConfigError",
        "couldn't find key password in Secret shop/cart-redis",
        "waiting.create-container-config-error.missing-secret-key",
    ),
    (
        Subject::Waiting,
        "CreateContainerConfigError",
        "configmap \"app-config\" not found",
        "waiting.create-container-config-error.missing-configmap",
    ),
    (
        Subject::Waiting,
        "CreateContainerConfigError",
        "secret \"cart-redis\" not found",
        "waiting.create-container-config-error.missing-secret",
    ),
    (
        Subject::Waiting,
        "CreateContainerConfigError",
        "container has runAsNonRoot and image will run as root (pod: \"x_shop(1)\", container: app)",
        "waiting.create-container-config-error.run-as-non-root",
    ),
    (
        Subject::Waiting,
        "CreateContainerConfigError",
        "failed to prepare subPath for volumeMount \"data\"",
        "waiting.create-container-config-error",
    ),
    (Subject::Waiting, "CreateContainerError", "context deadline exceeded", "waiting.create-container-error"),
    (
        Subject::Waiting,
        "RunContainerError",
        "failed to create containerd task: OCI runtime create failed: exec: \"/app/server\": stat /app/server: no such file or directory: unknown",
        "waiting.run-container-error.executable",
    ),
    (
        Subject::Waiting,
        "RunContainerError",
        "failed to start container: cgroup setup failed",
        "waiting.run-container-error",
    ),
    (Subject::Waiting, "ContainerCreating", "", "waiting.container-creating"),
    (Subject::Waiting, "PodInitializing", "", "waiting.pod-initializing"),
    (Subject::Waiting, "SomethingNew", "", "waiting.generic"),
    // Terminated.
    (Subject::Terminated, "OOMKilled", "", "terminated.oom-killed"),
    (Subject::Terminated, "Error", "", "terminated.error"),
    (Subject::Terminated, "Completed", "", "terminated.completed"),
    (
        Subject::Terminated,
        "ContainerCannotRun",
        "OCI runtime create failed: exec: \"nope\": executable file not found in $PATH",
        "terminated.container-cannot-run",
    ),
    (Subject::Terminated, "StartError", "failed to create containerd task", "terminated.start-error"),
    (
        Subject::Terminated,
        "DeadlineExceeded",
        "Pod was active on the node longer than the specified deadline",
        "terminated.deadline-exceeded",
    ),
    (
        Subject::Terminated,
        "ContainerStatusUnknown",
        "The container could not be located when the pod was terminated",
        "terminated.container-status-unknown",
    ),
    (Subject::Terminated, "Unknown", "", "terminated.generic"),
    // Exit codes.
    (Subject::ExitCode, "0", "", "exit.0"),
    (Subject::ExitCode, "1", "", "exit.1"),
    (Subject::ExitCode, "2", "", "exit.2"),
    (Subject::ExitCode, "126", "", "exit.126"),
    (Subject::ExitCode, "127", "", "exit.127"),
    (Subject::ExitCode, "137", "", "exit.137"),
    (Subject::ExitCode, "139", "", "exit.139"),
    (Subject::ExitCode, "143", "", "exit.143"),
    (Subject::ExitCode, "134", "", "exit.signal"),
    (Subject::ExitCode, "3", "", "exit.generic"),
    // Events: scheduling (the first from the real 1.19 scheduler, in events-core-v1.json).
    (
        Subject::Event,
        "FailedScheduling",
        "0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims.",
        "event.failed-scheduling.unbound-pvc",
    ),
    (
        Subject::Event,
        "FailedScheduling",
        "0/3 nodes are available: persistentvolumeclaim \"data\" not found.",
        "event.failed-scheduling.missing-pvc",
    ),
    (
        Subject::Event,
        "FailedScheduling",
        "0/3 nodes are available: 3 Insufficient cpu.",
        "event.failed-scheduling.resources",
    ),
    (
        Subject::Event,
        "FailedScheduling",
        "0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..",
        "event.failed-scheduling.taints",
    ),
    (
        Subject::Event,
        "FailedScheduling",
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
        "event.failed-scheduling.affinity",
    ),
    (Subject::Event, "FailedScheduling", "no nodes available to schedule pods", "event.failed-scheduling"),
    (Subject::Event, "Scheduled", "Successfully assigned acme/billing-58d786c4c-5h99d to node-b", "event.scheduled"),
    (Subject::Event, "Preempted", "Preempted by shop/batch-0 on node node-b", "event.preempted"),
    // Events: images and containers (from events-core-v1.json where the fixture has them).
    (Subject::Event, "Pulling", "Pulling image \"ghcr.io/acme/billing:5.1.0\"", "event.pulling"),
    (
        Subject::Event,
        "Pulled",
        "Container image \"ghcr.io/acme/frontend:2.3.1\" already present on machine",
        "event.pulled",
    ),
    (Subject::Event, "Created", "Created container billing", "event.created"),
    (Subject::Event, "Started", "Started container billing", "event.started"),
    (
        Subject::Event,
        "Failed",
        "Failed to pull image \"ghcr.io/acme/search:does-not-exist\": rpc error: code = Unknown desc = failed to pull and unpack image \"ghcr.io/acme/search:does-not-exist\": failed to resolve reference \"ghcr.io/acme/search:does-not-exist\": failed to do request: Head \"https://ghcr.io/v2/acme/search/manifests/does-not-exist\": dial tcp: lookup ghcr.io on 10.96.0.10:53: no such host",
        "event.failed.pull.dns",
    ),
    (
        Subject::Event,
        "Failed",
        "Failed to pull image \"registry.acme.io/app:1\": rpc error: code = Unknown desc = failed to pull and unpack image \"registry.acme.io/app:1\": failed to resolve reference \"registry.acme.io/app:1\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed",
        "event.failed.pull.unauthorized",
    ),
    (
        Subject::Event,
        "Failed",
        "Failed to pull image \"nginx:1.999\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:1.999\": failed to resolve reference \"docker.io/library/nginx:1.999\": docker.io/library/nginx:1.999: not found",
        "event.failed.pull.not-found",
    ),
    (
        Subject::Event,
        "Failed",
        "Failed to pull image \"10.0.0.5:5000/app:1\": rpc error: code = Unknown desc = dial tcp 10.0.0.5:5000: connect: connection refused",
        "event.failed.pull.unreachable",
    ),
    (
        Subject::Event,
        "Failed",
        "Failed to pull image \"app:1\": rpc error: code = Unknown desc = unexpected EOF",
        "event.failed.pull",
    ),
    (Subject::Event, "Failed", "Error: ImagePullBackOff", "event.failed.image-pull-status"),
    (Subject::Event, "Failed", "Error: configmap \"app-config\" not found", "event.failed.missing-configmap"),
    (Subject::Event, "Failed", "Error: secret \"cart-redis\" not found", "event.failed.missing-secret"),
    (Subject::Event, "Failed", "Error: failed to start container \"app\": something", "event.failed"),
    (
        Subject::Event,
        "InspectFailed",
        "Failed to apply default image tag \"Nginx\": couldn't parse image reference",
        "event.inspect-failed",
    ),
    (Subject::Event, "BackOff", "Back-off pulling image \"ghcr.io/acme/search:does-not-exist\"", "event.back-off.pull"),
    (Subject::Event, "BackOff", "Back-off restarting failed container", "event.back-off.restart"),
    (Subject::Event, "Killing", "Container web failed liveness probe, will be restarted", "event.killing.liveness"),
    (Subject::Event, "Killing", "Container web failed startup probe, will be restarted", "event.killing.startup"),
    (Subject::Event, "Killing", "Stopping container web", "event.killing"),
    // Events: probes.
    (
        Subject::Event,
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        "event.unhealthy.readiness",
    ),
    (
        Subject::Event,
        "Unhealthy",
        "Liveness probe failed: Get \"http://10.244.1.7:8080/healthz\": context deadline exceeded",
        "event.unhealthy.liveness",
    ),
    (
        Subject::Event,
        "Unhealthy",
        "Startup probe failed: dial tcp 10.244.1.7:8080: connect: connection refused",
        "event.unhealthy.startup",
    ),
    (Subject::Event, "Unhealthy", "Probe errored: rpc error", "event.unhealthy"),
    // Events: volumes.
    (
        Subject::Event,
        "FailedMount",
        "MountVolume.SetUp failed for volume \"templates\" : configmap \"mailer-templates\" not found",
        "event.failed-mount.configmap",
    ),
    (
        Subject::Event,
        "FailedMount",
        "MountVolume.SetUp failed for volume \"tls\" : secret \"shop-tls\" not found",
        "event.failed-mount.secret",
    ),
    (
        Subject::Event,
        "FailedMount",
        "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition",
        "event.failed-mount",
    ),
    (
        Subject::Event,
        "FailedAttachVolume",
        "Multi-Attach error for volume \"pvc-1\" Volume is already exclusively attached to one node and can't be attached to another",
        "event.failed-attach-volume.multi-attach",
    ),
    (
        Subject::Event,
        "FailedAttachVolume",
        "AttachVolume.Attach failed for volume \"pvc-1\" : rpc error: code = Internal",
        "event.failed-attach-volume",
    ),
    // Events: nodes and eviction.
    (
        Subject::Event,
        "Evicted",
        "The node was low on resource: memory. Container mailer was using 1200Mi, which exceeds its request of 128Mi.",
        "event.evicted.memory",
    ),
    (
        Subject::Event,
        "Evicted",
        "The node was low on resource: ephemeral-storage. Container app was using 12Gi, which exceeds its request of 0.",
        "event.evicted.disk",
    ),
    (Subject::Event, "Evicted", "The node was low on resource: pids.", "event.evicted.pids"),
    (Subject::Event, "Evicted", "Pod was evicted", "event.evicted"),
    (Subject::Event, "NodeNotReady", "Node is not ready", "event.node-not-ready"),
    (
        Subject::Event,
        "OOMKilling",
        "Memory cgroup out of memory: Killed process 4242 (mailer) total-vm:393216kB, anon-rss:131072kB",
        "event.oom-killing",
    ),
    (
        Subject::Event,
        "FailedCreatePodSandBox",
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox",
        "event.failed-create-pod-sandbox",
    ),
    // Events: owners.
    (
        Subject::Event,
        "FailedCreate",
        "Error creating: pods \"checkout-7d9f8c6b5-abcde\" is forbidden: exceeded quota: compute, requested: limits.memory=256Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi",
        "event.failed-create.quota",
    ),
    (
        Subject::Event,
        "FailedCreate",
        "Error creating: pods \"web-1\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false",
        "event.failed-create.pod-security",
    ),
    (
        Subject::Event,
        "FailedCreate",
        "Error creating: admission webhook \"validate.kyverno.svc\" denied the request: image tag latest is not allowed",
        "event.failed-create.admission",
    ),
    (Subject::Event, "FailedCreate", "Error creating: Internal error occurred", "event.failed-create"),
    (Subject::Event, "SuccessfulCreate", "Created pod: orders-d88d6dc55-rp9zx", "event.successful-create"),
    (
        Subject::Event,
        "SuccessfulCreate",
        "create Claim data-redis-0 Pod redis-0 in StatefulSet redis success",
        "event.successful-create.claim",
    ),
    (Subject::Event, "SuccessfulDelete", "Deleted pod: orders-d88d6dc55-rp9zx", "event.successful-delete"),
    (Subject::Event, "ScalingReplicaSet", "Scaled up replica set orders-d88d6dc55 to 1", "event.scaling-replica-set"),
    (
        Subject::Event,
        "ProgressDeadlineExceeded",
        "Deployment \"checkout\" has timed out progressing.",
        "event.progress-deadline-exceeded",
    ),
    (Subject::Event, "DeadlineExceeded", "Job was active longer than specified deadline", "event.deadline-exceeded"),
    (
        Subject::Event,
        "BackoffLimitExceeded",
        "Job has reached the specified backoff limit",
        "event.backoff-limit-exceeded",
    ),
    (Subject::Event, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", "event.generic"),
    // Conditions (keyed by reason when there is one).
    (
        Subject::Condition,
        "Unschedulable",
        "0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims.",
        "condition.unschedulable.unbound-pvc",
    ),
    (Subject::Condition, "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu.", "condition.unschedulable"),
    (
        Subject::Condition,
        "SchedulingGated",
        "Scheduling is blocked due to non-empty scheduling gates",
        "condition.scheduling-gated",
    ),
    (
        Subject::Condition,
        "ContainersNotInitialized",
        "containers with incomplete status: [wait-for-elasticsearch]",
        "condition.containers-not-initialized",
    ),
    (
        Subject::Condition,
        "ContainersNotReady",
        "containers with unready status: [orders]",
        "condition.containers-not-ready",
    ),
    (Subject::Condition, "PodCompleted", "", "condition.pod-completed"),
    (Subject::Condition, "PodScheduled", "", "condition.pod-scheduled"),
    (Subject::Condition, "Initialized", "", "condition.initialized"),
    (Subject::Condition, "ContainersReady", "", "condition.containers-ready"),
    (Subject::Condition, "Ready", "", "condition.ready"),
    (Subject::Condition, "DisruptionTarget", "", "condition.disruption-target"),
    (
        Subject::Condition,
        "ProgressDeadlineExceeded",
        "ReplicaSet \"checkout-7d9f8c6b5\" has timed out progressing.",
        "condition.progress-deadline-exceeded",
    ),
    (
        Subject::Condition,
        "NewReplicaSetCreated",
        "Created new replica set \"checkout-7d9f8c6b5\"",
        "condition.deployment.new-replica-set-created",
    ),
    (
        Subject::Condition,
        "FoundNewReplicaSet",
        "Found new replica set \"checkout-7d9f8c6b5\"",
        "condition.deployment.found-new-replica-set",
    ),
    (
        Subject::Condition,
        "ReplicaSetUpdated",
        "ReplicaSet \"orders-d88d6dc55\" is progressing.",
        "condition.deployment.replica-set-updated",
    ),
    (
        Subject::Condition,
        "NewReplicaSetAvailable",
        "ReplicaSet \"frontend-58484bb74c\" has successfully progressed.",
        "condition.deployment.new-replica-set-available",
    ),
    (
        Subject::Condition,
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
        "condition.deployment.minimum-replicas-available",
    ),
    (
        Subject::Condition,
        "MinimumReplicasUnavailable",
        "Deployment does not have minimum availability.",
        "condition.deployment.minimum-replicas-unavailable",
    ),
    (Subject::Condition, "DeploymentPaused", "Deployment is paused", "condition.deployment.paused"),
    (Subject::Condition, "DeploymentResumed", "Deployment is resumed", "condition.deployment.resumed"),
    (
        Subject::Condition,
        "FailedCreate",
        "pods \"checkout-7d9f8c6b5-x\" is forbidden: exceeded quota: shop-quota",
        "condition.deployment.replica-failure",
    ),
    (Subject::Condition, "PodReadyToStartContainers", "", "condition.generic"),
    // The pod as a whole.
    (Subject::PodPhase, "Terminating", "finalizers: example.com/block-deletion", "pod.terminating.finalizers"),
    (Subject::PodPhase, "Terminating", "node not ready", "pod.terminating.node"),
    (Subject::PodPhase, "Terminating", "", "pod.terminating"),
    (Subject::PodPhase, "Init:Running", "", "pod.init-running"),
    (Subject::PodPhase, "Init:Failed", "", "pod.init-failed"),
    (Subject::PodPhase, "Evicted", "The node was low on resource: memory.", "pod.evicted"),
    (Subject::PodPhase, "NodeLost", "", "pod.node-lost"),
    (Subject::PodPhase, "Pending", "", "pod.pending"),
    (Subject::PodPhase, "Running", "", "pod.running"),
    (Subject::PodPhase, "Succeeded", "", "pod.succeeded"),
    (Subject::PodPhase, "Failed", "", "pod.failed"),
    (Subject::PodPhase, "Hibernating", "", "pod.generic"),
];

#[test]
fn every_case_reaches_its_entry() {
    for (subject, reason, message, id) in CASES {
        let e = explain_case(*subject, reason, message);
        assert_eq!(e.id, *id, "{subject:?} {reason} {message:?}");
        assert_eq!(e.known, !id.ends_with(".generic"), "{id}");
        assert!(!e.meaning.contains("<") || e.meaning.contains("<reason>"), "{id}: unfilled meaning {}", e.meaning);
    }
}

#[test]
fn every_entry_has_a_case() {
    let covered: HashSet<&str> = CASES.iter().map(|c| c.3).collect();
    let missing: Vec<&str> = CATALOGUE.iter().map(|e| e.id).filter(|id| !covered.contains(id)).collect();
    assert!(missing.is_empty(), "catalogue entries without a test case: {missing:?}");
}

#[test]
fn the_table_is_well_formed() {
    let mut ids = HashSet::new();
    for (i, e) in CATALOGUE.iter().enumerate() {
        assert!(ids.insert(e.id), "duplicate id {}", e.id);
        assert!(e.docs.starts_with("https://kubernetes.io/docs/"), "{}: {}", e.id, e.docs);
        assert!(e.kubectl.starts_with("kubectl "), "{}: {}", e.id, e.kubectl);
        assert!(e.meaning.ends_with('.'), "{}: a meaning is one sentence", e.id);
        if let Pattern::Regex(re) = e.pattern {
            assert!(COMPILED[i].is_some(), "{}: regex {re} does not compile", e.id);
        }
        for text in [e.title, e.meaning, e.next_step, e.kubectl] {
            for p in placeholders(text) {
                assert!(KNOWN_PLACEHOLDERS.contains(&p.as_str()), "{}: unknown placeholder {{{p}}}", e.id);
            }
        }
        // A catch-all (Pattern::Any) hides every later entry of the same subject and reason.
        let shadowed = CATALOGUE[..i].iter().any(|earlier| {
            earlier.subject == e.subject && earlier.reason == e.reason && earlier.pattern == Pattern::Any
        });
        assert!(!shadowed, "{} can never match: an earlier catch-all has its reason", e.id);
    }
    for subject in [
        Subject::Waiting,
        Subject::Terminated,
        Subject::Event,
        Subject::ExitCode,
        Subject::Condition,
        Subject::PodPhase,
    ] {
        assert_eq!(generic(subject).subject, subject, "{subject:?} has a generic entry");
    }
}

#[test]
fn captures_fill_placeholders_and_values_are_quoted() {
    let e = explain(Subject::Waiting, "CreateContainerConfigError", "configmap \"app-config\" not found", &vars());
    assert_eq!(
        e.meaning,
        "The container's environment refers to ConfigMap app-config, which does not exist in namespace shop."
    );
    assert_eq!(e.kubectl, "kubectl get configmap app-config -n shop");

    let odd = Vars::pod("my ns", "pod;rm -rf /").with("container", "app").with("context", "kind-dev cluster");
    let e = explain(Subject::Waiting, "CrashLoopBackOff", "", &odd);
    assert_eq!(e.kubectl, "kubectl --context 'kind-dev cluster' logs 'pod;rm -rf /' -n 'my ns' -c app --previous");

    let e = explain(Subject::Event, "Evicted", "The node was low on resource: memory.", &Vars::pod("shop", "x"));
    assert_eq!(e.kubectl, "kubectl describe node <node>", "an unknown value stays visible, never guessed");

    // jsonpath braces are not placeholders.
    let e = explain(Subject::Waiting, "InvalidImageName", "", &vars());
    assert_eq!(e.kubectl, "kubectl get pod checkout-7d9f8c6b5-x2x4z -n shop -o 'jsonpath={.spec.containers[*].image}'");
}

#[test]
fn exit_codes_name_their_signal() {
    let e = explain_exit_code(130, &vars());
    assert_eq!(e.id, "exit.signal");
    assert_eq!(e.title, "Exit code 130: SIGINT");
    assert!(e.meaning.contains("signal 2 (SIGINT)"), "{}", e.meaning);
    assert_eq!(explain_exit_code(134, &vars()).title, "Exit code 134: SIGABRT");
    assert_eq!(explain_exit_code(137, &vars()).id, "exit.137");
    assert_eq!(explain_exit_code(139, &vars()).id, "exit.139");
    assert_eq!(signal_name(9), Some("SIGKILL"));
    assert_eq!(signal_name(15), Some("SIGTERM"));
    assert_eq!(signal_name(0), None);
    assert_eq!(signal_name(40), None);
    let rt = explain_exit_code(128 + 40, &vars());
    assert_eq!(rt.title, "Exit code 168: an unnamed signal");
    let odd = explain_exit_code(-1, &vars());
    assert_eq!((odd.id, odd.known), ("exit.generic", false));
    assert_eq!(odd.title, "Exit code -1");
}

#[test]
fn exit_137_is_not_confused_with_oom() {
    let oom = explain(Subject::Terminated, "OOMKilled", "", &vars());
    let kill = explain_exit_code(137, &vars());
    assert!(oom.meaning.contains("memory"));
    assert!(kill.meaning.contains("without the reason OOMKilled"), "{}", kill.meaning);
    assert_ne!(oom.docs, "");
}

#[test]
fn unknown_reasons_state_the_fact_and_claim_nothing() {
    for subject in [Subject::Waiting, Subject::Terminated, Subject::Event, Subject::Condition, Subject::PodPhase] {
        let e = explain(subject, "FluxCapacitorOverload", "1.21 gigawatts", &vars());
        assert!(!e.known, "{subject:?}");
        assert!(e.id.ends_with(".generic"), "{subject:?}: {}", e.id);
        assert!(e.meaning.contains("FluxCapacitorOverload") || e.title.contains("FluxCapacitorOverload"), "{e:?}");
        assert!(!e.next_step.is_empty() && e.kubectl.starts_with("kubectl "), "{e:?}");
    }
    // A known reason with a message no pattern expects still gets its reason's catch-all.
    let e = explain(Subject::Event, "FailedMount", "brand new failure", &vars());
    assert_eq!(e.id, "event.failed-mount");
}

#[test]
fn contains_patterns_ignore_case() {
    let e =
        explain(Subject::Event, "Unhealthy", "readiness probe failed: HTTP probe failed with statuscode: 500", &vars());
    assert_eq!(e.id, "event.unhealthy.readiness");
}
