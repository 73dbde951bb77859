//! Tier 3: both faces of every `Action` against the simulated cluster. For each variant, a snapshot of its
//! kubectl line and the exact request `execute` sends, and the change seen afterwards; then the gate
//! (read-only mode, RBAC), the error mapping, and a property test that the shell line parses back to argv.
use crate::support;

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use mosaic::action::{
    self, Action, ActionError, Danger, ExecOptions, ObjectRef, Outcome, PlanCtx, PodController, ScaleKind, WorkloadKind,
};
use mosaic::cluster::{Kind, Session};
use mosaic::sim::{RecordedRequest, Scenario, SimHandle, SimOptions};
use serde_json::{Value, json};
use support::plans::{query, shown};
use support::session::SimSession;

/// A simulated cluster and a session as `user`; pods stay Terminating for a minute so deletions can be seen.
async fn cluster(scenario: Scenario, user: &str, namespace: &str) -> SimSession {
    let opts = SimOptions { pod_removal_delay: Duration::from_secs(60), ..SimOptions::default() };
    SimSession::start(scenario, opts, user, namespace).await
}

async fn acme(user: &str) -> SimSession {
    cluster(Scenario::acme(), user, "acme").await
}

fn ctx(namespace: &str) -> PlanCtx {
    PlanCtx { context: "sim-admin".into(), namespace: namespace.into() }
}

fn opts() -> ExecOptions {
    ExecOptions::default()
}

/// The one request with this method since the last reset.
fn the_one(sim: &SimHandle, method: &str) -> RecordedRequest {
    let sent: Vec<RecordedRequest> = sim.requests().into_iter().filter(|r| r.method == method).collect();
    assert_eq!(sent.len(), 1, "expected one {method}, got {sent:#?}");
    sent.into_iter().next().expect("one request")
}

fn mutating(sim: &SimHandle) -> Vec<RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.method != "GET").collect()
}

/// Method, path, query, content type and body, exactly.
fn assert_request(
    request: &RecordedRequest,
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    content_type: Option<&str>,
    body: Option<Value>,
) {
    assert_eq!(request.method, method);
    assert_eq!(request.path, path);
    assert_eq!(request.query, query(params), "query of {method} {path}");
    assert_eq!(request.content_type.as_deref(), content_type, "content type of {method} {path}");
    assert_eq!(request.body, body, "body of {method} {path}");
}

fn deployment(sim: &SimHandle, namespace: &str, name: &str) -> Value {
    sim.get("apps/v1", "Deployment", Some(namespace), name).expect("deployment exists")
}

async fn pod_of(session: &Session, namespace: &str, app: &str) -> Pod {
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), namespace);
    let list = pods.list(&ListParams::default().labels(&format!("app={app}"))).await.expect("pods list");
    list.items.into_iter().next().expect("the app has a pod")
}

// ---- Scale ----

#[tokio::test]
async fn scale_patches_the_scale_subresource() {
    let c = acme("admin").await;
    let action = Action::Scale {
        kind: ScaleKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        replicas: 3,
        current: Some(2),
        resource_version: None,
    };
    insta::assert_snapshot!("scale_deployment", shown(&action.plan(&ctx("acme"))));

    let outcome = action.execute(&c.session.client, &opts()).await.expect("scales");
    assert_request(
        &the_one(&c.sim, "PATCH"),
        "PATCH",
        "/apis/apps/v1/namespaces/acme/deployments/frontend/scale",
        &[("fieldManager", "mosaic")],
        Some("application/merge-patch+json"),
        Some(json!({"spec": {"replicas": 3}})),
    );
    assert_eq!(deployment(&c.sim, "acme", "frontend")["spec"]["replicas"], 3);
    let Outcome::Changed { summary, before, after } = outcome else { panic!("expected a change") };
    assert_eq!(summary, "Scaled deployment frontend in acme to 3 replicas (was 2)");
    assert_eq!(before.expect("before")["spec"]["replicas"], 2);
    assert_eq!(after.expect("after")["spec"]["replicas"], 3);
}

#[tokio::test]
async fn scale_to_zero_is_dangerous_and_a_dry_run_changes_nothing() {
    let c = cluster(Scenario::demo(), "admin", "shop").await;
    let action = Action::Scale {
        kind: ScaleKind::StatefulSet,
        namespace: "shop".into(),
        name: "redis".into(),
        replicas: 0,
        current: Some(1),
        resource_version: None,
    };
    let plan = action.plan(&ctx("shop"));
    assert_eq!(plan.danger, Danger::Dangerous("no pod will serve traffic".into()));
    insta::assert_snapshot!("scale_statefulset_to_zero", shown(&plan));

    let dry = ExecOptions { dry_run: true, ..opts() };
    let outcome = action.execute(&c.session.client, &dry).await.expect("dry run");
    assert_request(
        &the_one(&c.sim, "PATCH"),
        "PATCH",
        "/apis/apps/v1/namespaces/shop/statefulsets/redis/scale",
        &[("dryRun", "All"), ("fieldManager", "mosaic")],
        Some("application/merge-patch+json"),
        Some(json!({"spec": {"replicas": 0}})),
    );
    let stored = c.sim.get("apps/v1", "StatefulSet", Some("shop"), "redis").expect("statefulset");
    assert_eq!(stored["spec"]["replicas"], 1, "a dry run stores nothing");
    let Outcome::Changed { summary, before, after } = outcome else { panic!("expected a change") };
    assert!(summary.starts_with("Would scale statefulset redis in shop to 0 replicas (was 1)"), "{summary}");
    let (before, after) = (before.expect("before"), after.expect("after"));
    assert_eq!(after["spec"]["replicas"], 0, "the would-be object comes back");
    assert!(action::diff(&before, &after).contains("-  replicas: 1\n+  replicas: 0\n"));
}

#[tokio::test]
async fn a_stale_resource_version_is_a_conflict() {
    let c = acme("admin").await;
    let action = Action::Scale {
        kind: ScaleKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        replicas: 5,
        current: Some(2),
        resource_version: Some("1".into()),
    };
    insta::assert_snapshot!("scale_with_precondition", shown(&action.plan(&ctx("acme"))));
    let err = action.execute(&c.session.client, &opts()).await.expect_err("stale");
    assert!(matches!(err, ActionError::Conflict(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("deployment frontend in acme changed since you looked"), "{text}");
    assert!(text.ends_with("Nothing was changed; look at it again and retry."), "{text}");
    let patch = the_one(&c.sim, "PATCH");
    assert_eq!(patch.body, Some(json!({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 5}})));
    assert_eq!(deployment(&c.sim, "acme", "frontend")["spec"]["replicas"], 2);
}

#[tokio::test]
async fn a_missing_object_is_not_found() {
    let c = acme("admin").await;
    let scale = Action::Scale {
        kind: ScaleKind::Deployment,
        namespace: "acme".into(),
        name: "nope".into(),
        replicas: 1,
        current: None,
        resource_version: None,
    };
    let err = scale.execute(&c.session.client, &opts()).await.expect_err("missing");
    assert!(matches!(err, ActionError::NotFound(_)), "{err:?}");
    assert!(err.to_string().starts_with("deployment nope in acme was not found"), "{err}");
    let delete =
        Action::DeletePod { namespace: "acme".into(), name: "nope".into(), grace_period: None, controller: None };
    let err = delete.execute(&c.session.client, &opts()).await.expect_err("missing");
    assert_eq!(err.to_string(), "pod nope in acme was not found (pods \"nope\" not found). Nothing was changed.");
    assert!(c.sim.requests().iter().all(|r| r.method != "PATCH"));
}

// ---- Rollout restart ----

/// Restarts `kind/name`, checks the strategic-merge patch, and returns the stamped time.
async fn restart(c: &SimSession, kind: WorkloadKind, namespace: &str, name: &str) -> String {
    let action = Action::RolloutRestart { kind, namespace: namespace.into(), name: name.into() };
    action.execute(&c.session.client, &opts()).await.expect("restarts");
    let patch = the_one(&c.sim, "PATCH");
    let stamp = patch
        .body
        .as_ref()
        .and_then(|b| b.pointer("/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"))
        .and_then(Value::as_str)
        .expect("restartedAt in the patch")
        .to_string();
    let at: jiff::Timestamp = stamp.parse().expect("RFC 3339");
    assert!(stamp.ends_with('Z') && !stamp.contains('.'), "whole seconds in UTC like the fixture: {stamp}");
    assert!((jiff::Timestamp::now() - at).get_seconds().abs() < 60, "stamped now: {stamp}");
    assert_request(
        &patch,
        "PATCH",
        &format!("/apis/apps/v1/namespaces/{namespace}/{}/{name}", kind.plural()),
        &[("fieldManager", "mosaic")],
        Some("application/strategic-merge-patch+json"),
        Some(
            json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": stamp}}}}}),
        ),
    );
    stamp
}

#[tokio::test]
async fn rollout_restart_stamps_the_pod_template() {
    let c = acme("admin").await;
    let action =
        Action::RolloutRestart { kind: WorkloadKind::Deployment, namespace: "acme".into(), name: "frontend".into() };
    insta::assert_snapshot!("rollout_restart_deployment", shown(&action.plan(&ctx("acme"))));
    let stamp = restart(&c, WorkloadKind::Deployment, "acme", "frontend").await;
    let stored = deployment(&c.sim, "acme", "frontend");
    assert_eq!(stored["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"], stamp);
}

#[tokio::test]
async fn rollout_restart_of_statefulsets_and_daemonsets() {
    let c = cluster(Scenario::demo(), "admin", "shop").await;
    for (kind, namespace, name, object_kind) in [
        (WorkloadKind::StatefulSet, "shop", "redis", "StatefulSet"),
        (WorkloadKind::DaemonSet, "kube-system", "kube-proxy", "DaemonSet"),
    ] {
        let action = Action::RolloutRestart { kind, namespace: namespace.into(), name: name.into() };
        insta::assert_snapshot!(format!("rollout_restart_{}", kind.noun()), shown(&action.plan(&ctx("shop"))));
        let stamp = restart(&c, kind, namespace, name).await;
        let stored = c.sim.get("apps/v1", object_kind, Some(namespace), name).expect("workload");
        assert_eq!(stored["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"], stamp);
        c.sim.reset_counts();
    }
}

// ---- Set image ----

fn set_frontend_image(image: &str) -> Action {
    Action::SetImage {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        container: "frontend".into(),
        image: image.into(),
    }
}

#[tokio::test]
async fn set_image_patches_the_container_by_name() {
    let c = acme("admin").await;
    let action = set_frontend_image("ghcr.io/acme/frontend:2.4.0");
    insta::assert_snapshot!("set_image", shown(&action.plan(&ctx("acme"))));
    let outcome = action.execute(&c.session.client, &opts()).await.expect("sets the image");
    assert_request(
        &the_one(&c.sim, "PATCH"),
        "PATCH",
        "/apis/apps/v1/namespaces/acme/deployments/frontend",
        &[("fieldManager", "mosaic")],
        Some("application/strategic-merge-patch+json"),
        Some(json!({"spec": {"template": {"spec": {"containers": [
            {"image": "ghcr.io/acme/frontend:2.4.0", "name": "frontend"}
        ]}}}})),
    );
    let stored = deployment(&c.sim, "acme", "frontend");
    assert_eq!(stored["spec"]["template"]["spec"]["containers"][0]["image"], "ghcr.io/acme/frontend:2.4.0");
    assert_eq!(stored["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"], 8080, "merged");
    let Outcome::Changed { summary, .. } = outcome else { panic!("expected a change") };
    assert_eq!(
        summary,
        "Set the image of container frontend of deployment frontend in acme to ghcr.io/acme/frontend:2.4.0 \
         (was ghcr.io/acme/frontend:2.3.1)"
    );
}

#[tokio::test]
async fn set_image_of_an_unknown_container_sends_nothing() {
    let c = acme("admin").await;
    let action = Action::SetImage {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        container: "sidecar".into(),
        image: "envoy:1".into(),
    };
    let err = action.execute(&c.session.client, &opts()).await.expect_err("no such container");
    assert_eq!(
        err,
        ActionError::NotFound(
            "deployment frontend in acme has no container named \"sidecar\" (it has: frontend)".into()
        )
    );
    assert!(mutating(&c.sim).is_empty());
}

// ---- Rollback ----

#[tokio::test]
async fn rollback_restores_the_previous_template() {
    let c = acme("admin").await;
    let original = deployment(&c.sim, "acme", "frontend")["spec"]["template"].clone();
    set_frontend_image("ghcr.io/acme/frontend:2.4.0").execute(&c.session.client, &opts()).await.expect("revision 2");
    assert_eq!(
        deployment(&c.sim, "acme", "frontend")["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    c.sim.reset_counts();

    let action = Action::Rollback {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        to_revision: None,
    };
    insta::assert_snapshot!("rollback_previous", shown(&action.plan(&ctx("acme"))));
    let outcome = action.execute(&c.session.client, &opts()).await.expect("rolls back");

    let lists: Vec<RecordedRequest> = c.sim.requests().into_iter().filter(|r| r.verb == "list").collect();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].path, "/apis/apps/v1/namespaces/acme/replicasets");
    assert_eq!(lists[0].query.get("labelSelector").map(String::as_str), Some("app=frontend"));
    assert_request(
        &the_one(&c.sim, "PATCH"),
        "PATCH",
        "/apis/apps/v1/namespaces/acme/deployments/frontend",
        &[("fieldManager", "mosaic")],
        Some("application/json-patch+json"),
        Some(json!([
            {"op": "replace", "path": "/spec/template", "value": original},
            {"op": "replace", "path": "/metadata/annotations", "value": {"deployment.kubernetes.io/revision": "2"}},
        ])),
    );
    let stored = deployment(&c.sim, "acme", "frontend");
    assert_eq!(stored["spec"]["template"], original);
    assert_eq!(
        stored["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3",
        "revision 1 comes back as 3"
    );
    let Outcome::Changed { summary, .. } = outcome else { panic!("expected a change") };
    assert_eq!(summary, "Rolled back deployment frontend in acme to revision 1");
}

#[tokio::test]
async fn rollback_to_a_missing_revision_is_not_found() {
    let c = acme("admin").await;
    let action = Action::Rollback {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        to_revision: Some(7),
    };
    insta::assert_snapshot!("rollback_to_revision", shown(&action.plan(&ctx("acme"))));
    let err = action.execute(&c.session.client, &opts()).await.expect_err("no revision 7");
    assert_eq!(
        err.to_string(),
        "deployment frontend in acme has no revision 7 in its history (revisions kept: 1). Nothing was changed."
    );
    let previous = Action::Rollback {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        to_revision: None,
    };
    let err = previous.execute(&c.session.client, &opts()).await.expect_err("no history");
    assert!(matches!(&err, ActionError::NotFound(m) if m.contains("no previous revision")), "{err:?}");
    assert!(mutating(&c.sim).is_empty());
}

// ---- Delete pod ----

#[tokio::test]
async fn delete_pod_sends_the_grace_period() {
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await;
    let name = pod.metadata.name.clone().expect("pod name");
    let controller = PodController::from_owners(pod.metadata.owner_references.as_deref().unwrap_or_default());
    assert_eq!(controller.as_ref().map(|c| c.kind.as_str()), Some("ReplicaSet"));
    let action = Action::DeletePod { namespace: "acme".into(), name: name.clone(), grace_period: Some(5), controller };
    let plan = action.plan(&ctx("acme"));
    assert!(matches!(&plan.danger, Danger::Caution(why) if why.starts_with("its controller will replace it")));
    // The pod name is random; the snapshot shows it as NAME.
    insta::assert_snapshot!("delete_pod_of_a_replicaset", shown(&plan).replace(&name, "NAME"));

    let outcome = action.execute(&c.session.client, &opts()).await.expect("deletes");
    assert_request(
        &the_one(&c.sim, "DELETE"),
        "DELETE",
        &format!("/api/v1/namespaces/acme/pods/{name}"),
        &[],
        Some("application/json"),
        Some(json!({"gracePeriodSeconds": 5, "propagationPolicy": "Background"})),
    );
    let stored = c.sim.get("v1", "Pod", Some("acme"), &name).expect("terminating pod");
    assert!(stored["metadata"]["deletionTimestamp"].is_string(), "terminating: {:#}", stored["metadata"]);
    assert_eq!(stored["metadata"]["deletionGracePeriodSeconds"], 5);
    assert_eq!(outcome, Outcome::Deleted { summary: format!("Deleted pod {name} in acme: it stops within 5s") });
}

#[tokio::test]
async fn force_deleting_a_bare_pod_is_dangerous_and_immediate() {
    let c = acme("admin").await;
    let mut bare = serde_json::to_value(pod_of(&c.session, "acme", "frontend").await).expect("pod json");
    bare["metadata"] = json!({"name": "debug-shell", "namespace": "acme"});
    bare.as_object_mut().expect("object").remove("status");
    c.sim.upsert(bare).expect("bare pod");
    c.sim.reset_counts();

    let action = Action::DeletePod {
        namespace: "acme".into(),
        name: "debug-shell".into(),
        grace_period: Some(0),
        controller: None,
    };
    let plan = action.plan(&ctx("acme"));
    assert!(matches!(&plan.danger, Danger::Dangerous(why) if why.ends_with("nothing will recreate it")));
    insta::assert_snapshot!("force_delete_bare_pod", shown(&plan));
    let unforced = Action::DeletePod {
        namespace: "acme".into(),
        name: "debug-shell".into(),
        grace_period: None,
        controller: None,
    };
    assert_eq!(unforced.plan(&ctx("acme")).danger, Danger::Dangerous("nothing will recreate it".into()));

    action.execute(&c.session.client, &opts()).await.expect("deletes");
    assert_request(
        &the_one(&c.sim, "DELETE"),
        "DELETE",
        "/api/v1/namespaces/acme/pods/debug-shell",
        &[],
        Some("application/json"),
        Some(json!({"gracePeriodSeconds": 0, "propagationPolicy": "Background"})),
    );
    assert!(c.sim.get("v1", "Pod", Some("acme"), "debug-shell").is_none(), "gone at once");
}

// ---- Reads ----

#[tokio::test]
async fn describe_and_yaml_read_the_object() {
    let c = acme("admin").await;
    let describe = Action::Describe { target: ObjectRef::of(Kind::Deployment, Some("acme"), "frontend") };
    insta::assert_snapshot!("describe_deployment", shown(&describe.plan(&ctx("acme"))));
    let Outcome::Described { object, events } = describe.execute(&c.session.client, &opts()).await.expect("reads")
    else {
        panic!("expected an object and its events")
    };
    let gets: Vec<RecordedRequest> = c.sim.requests().into_iter().filter(|r| r.method == "GET").collect();
    assert_eq!(gets.len(), 2, "the object, then its events: {gets:#?}");
    assert_request(&gets[0], "GET", "/apis/apps/v1/namespaces/acme/deployments/frontend", &[], None, None);
    let uid = object["metadata"]["uid"].as_str().expect("uid");
    let selector = format!(
        "involvedObject.name=frontend,involvedObject.kind=Deployment,involvedObject.namespace=acme,\
         involvedObject.uid={uid}"
    );
    assert_request(&gets[1], "GET", "/api/v1/namespaces/acme/events", &[("fieldSelector", &selector)], None, None);
    assert!(events.is_ok(), "{events:?}");
    let stored = deployment(&c.sim, "acme", "frontend");
    assert_eq!(object["spec"], stored["spec"]);
    assert_eq!(object["metadata"]["uid"], stored["metadata"]["uid"]);
    assert!(object["metadata"].get("managedFields").is_none());
    c.sim.reset_counts();

    // Cluster-scoped: no namespace of its own, so the session's is rendered (kubectl ignores it).
    let yaml = Action::Yaml { target: ObjectRef::of(Kind::Namespace, Some("ignored"), "acme") };
    insta::assert_snapshot!("yaml_namespace", shown(&yaml.plan(&ctx("acme"))));
    let Outcome::Object(object) = yaml.execute(&c.session.client, &opts()).await.expect("reads") else {
        panic!("expected an object")
    };
    assert_request(&the_one(&c.sim, "GET"), "GET", "/api/v1/namespaces/acme", &[], None, None);
    assert_eq!(object["kind"], "Namespace");
    assert!(mutating(&c.sim).is_empty());
}

// ---- The gate ----

fn every_mutating_action(pod: &str) -> Vec<Action> {
    vec![
        Action::Scale {
            kind: ScaleKind::Deployment,
            namespace: "acme".into(),
            name: "frontend".into(),
            replicas: 0,
            current: Some(2),
            resource_version: None,
        },
        Action::RolloutRestart { kind: WorkloadKind::Deployment, namespace: "acme".into(), name: "frontend".into() },
        set_frontend_image("ghcr.io/acme/frontend:9"),
        Action::Rollback {
            kind: WorkloadKind::Deployment,
            namespace: "acme".into(),
            name: "frontend".into(),
            to_revision: None,
        },
        Action::DeletePod { namespace: "acme".into(), name: pod.into(), grace_period: Some(0), controller: None },
    ]
}

#[tokio::test]
async fn read_only_mode_refuses_every_change_before_any_request() {
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    c.sim.reset_counts();
    let before = deployment(&c.sim, "acme", "frontend");
    for action in every_mutating_action(&pod) {
        let plan = action.plan(&PlanCtx { context: "sim-admin".into(), namespace: "acme".into() });
        assert!(plan.mutating, "{action:?}");
        let err = action::run(&action, &c.session, true, &opts()).await.expect_err("read-only");
        assert_eq!(err, ActionError::ReadOnly { plan: plan.command.clone() });
        assert!(err.to_string().contains(&plan.command));
        assert_eq!(action::check(&action, &c.session, true).await, Err(err));
    }
    assert_eq!(c.sim.requests(), Vec::new(), "nothing was sent");
    assert_eq!(deployment(&c.sim, "acme", "frontend")["spec"], before["spec"]);
    assert!(c.sim.get("v1", "Pod", Some("acme"), &pod).is_some());

    // Reading is what read-only mode is for.
    let yaml = Action::Yaml { target: ObjectRef::of(Kind::Deployment, Some("acme"), "frontend") };
    assert!(matches!(action::run(&yaml, &c.session, true, &opts()).await, Ok(Outcome::Object(_))));
}

#[tokio::test]
async fn rbac_refuses_scale_for_dev_before_any_patch() {
    let c = acme("dev").await;
    let action = Action::Scale {
        kind: ScaleKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        replicas: 3,
        current: Some(2),
        resource_version: None,
    };
    let err = action::run(&action, &c.session, false, &opts()).await.expect_err("dev may not scale");
    let ActionError::Forbidden { user, message, can_i } = &err else { panic!("expected Forbidden, got {err:?}") };
    assert_eq!(user, "dev");
    assert_eq!(can_i, "kubectl auth can-i patch deployments.apps/scale -n acme --context sim-dev");
    assert_eq!(message, "User \"dev\" may not patch deployments.apps/scale in namespace \"acme\"");
    assert_eq!(
        err.to_string(),
        "User \"dev\" may not patch deployments.apps/scale in namespace \"acme\". Nothing was changed. Check your \
         access with: kubectl auth can-i patch deployments.apps/scale -n acme --context sim-dev"
    );
    let sent = c.sim.requests();
    assert!(sent.iter().any(|r| r.resource == "selfsubjectaccessreviews"), "asked the server: {sent:#?}");
    assert!(sent.iter().all(|r| r.method != "PATCH"), "no PATCH was sent: {sent:#?}");
    assert_eq!(deployment(&c.sim, "acme", "frontend")["spec"]["replicas"], 2);

    // The server enforces it too: `execute` alone gets a 403 naming the user.
    let err = action.execute(&c.session.client, &opts()).await.expect_err("403");
    assert!(matches!(&err, ActionError::Forbidden { user, .. } if user == "dev"), "{err:?}");
}

#[tokio::test]
async fn run_passes_the_gate_for_admin() {
    let c = acme("admin").await;
    let action = Action::Scale {
        kind: ScaleKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        replicas: 1,
        current: Some(2),
        resource_version: None,
    };
    assert_eq!(action::check(&action, &c.session, false).await, Ok(()));
    let outcome = action::run(&action, &c.session, false, &opts()).await.expect("runs");
    assert!(matches!(outcome, Outcome::Changed { .. }));
    assert_eq!(deployment(&c.sim, "acme", "frontend")["spec"]["replicas"], 1);
    let patch = the_one(&c.sim, "PATCH");
    assert_eq!(patch.user.as_deref(), Some("admin"));
    assert_eq!(patch.query.get("fieldManager").map(String::as_str), Some("mosaic"));
}

// ---- Exec, shell, port-forward ----

/// The requests to a pod's `exec` or `portforward` subresource since the last reset.
fn connects(sim: &SimHandle, subresource: &str) -> Vec<RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.path.ends_with(&format!("/{subresource}"))).collect()
}

const AWKWARD_LINE: &str = r#"echo "it's $HOSTNAME" | grep -v 'x y'; echo oops >&2; exit 3"#;

#[tokio::test]
async fn exec_runs_a_command_and_returns_its_output_and_exit_code() {
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    c.sim.reset_counts();
    let exec = |command: Vec<String>| Action::Exec {
        namespace: "acme".into(),
        pod: pod.clone(),
        container: "frontend".into(),
        command,
    };
    let shell_form = exec(action::command_argv(AWKWARD_LINE));
    insta::assert_snapshot!("exec_sh_c", shown(&shell_form.plan(&ctx("acme"))).replace(&pod, "POD"));
    let argv_form = exec(action::command_argv("ls -la '/app/my dir'"));
    insta::assert_snapshot!("exec_argv", shown(&argv_form.plan(&ctx("acme"))).replace(&pod, "POD"));

    let command = action::command_argv("echo \"it's\"; hostname; echo oops >&2; exit 3");
    let outcome = exec(command.clone()).execute(&c.session.client, &opts()).await.expect("runs");
    let Outcome::Output { summary, output } = outcome else { panic!("expected output, got {outcome:?}") };
    assert_eq!(output.stdout, format!("it's\n{pod}\n"));
    assert_eq!(output.stderr, "oops\n");
    assert_eq!(output.exit, action::Exit { code: Some(3), message: None });
    assert!(!output.truncated && !output.timed_out);
    assert_eq!(output.lines().last().map(String::as_str), Some("── exit code 3 ──"));
    assert!(summary.ends_with("(container frontend): exit code 3"), "{summary}");

    let sent = connects(&c.sim, "exec");
    assert_eq!(sent.len(), 1, "{sent:#?}");
    // The recorder keeps the last of repeated `command=`; the session has them all.
    let script = command[2].as_str();
    assert_request(
        &sent[0],
        "GET",
        &format!("/api/v1/namespaces/acme/pods/{pod}/exec"),
        &[("command", script), ("container", "frontend"), ("stdout", "true"), ("stderr", "true")],
        None,
        None,
    );
    let session = c.sim.exec_sessions().pop().expect("an exec session");
    assert_eq!(session.command, command);
    assert_eq!((session.container.as_str(), session.tty, session.stdin), ("frontend", false, false));
    assert_eq!(session.exit_code, Some(3));

    // A program the image does not have never starts: no exit code, the runtime's words.
    let missing = exec(vec!["ip".into(), "addr".into()]).execute(&c.session.client, &opts()).await.expect("answers");
    let Outcome::Output { output, .. } = missing else { panic!("expected output") };
    assert_eq!(output.exit.code, None);
    assert!(output.exit.describe().contains("executable file not found"), "{:?}", output.exit);

    // There is no dry run of a command: nothing runs.
    c.sim.reset_counts();
    let dry = ExecOptions { dry_run: true, ..opts() };
    let err = exec(command).execute(&c.session.client, &dry).await.expect_err("no dry run");
    assert!(matches!(err, ActionError::Invalid(_)), "{err:?}");
    assert!(connects(&c.sim, "exec").is_empty());
}

#[tokio::test]
async fn a_shell_is_pumped_between_two_byte_streams() {
    use futures::SinkExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    c.sim.reset_counts();
    let shell = Action::Shell { namespace: "acme".into(), pod: pod.clone(), container: "frontend".into() };
    insta::assert_snapshot!("shell", shown(&shell.plan(&ctx("acme"))).replace(&pod, "POD"));
    let Outcome::Shell(session) = shell.execute(&c.session.client, &opts()).await.expect("connects") else {
        panic!("expected a shell")
    };
    assert_eq!((session.pod.as_str(), session.container.as_str()), (pod.as_str(), "frontend"));
    let process = session.take().expect("the connection");
    assert!(session.take().is_none(), "taken once");

    let (mut keyboard, input) = tokio::io::duplex(4096);
    let (output, mut screen) = tokio::io::duplex(64 * 1024);
    let (mut sizes, size_stream) = futures::channel::mpsc::unbounded();
    sizes.send(kube::api::TerminalSize { width: 100, height: 30 }).await.expect("first size");
    let pump = tokio::spawn(mosaic::shell::pump(process, input, output, size_stream));

    let mut seen = String::new();
    let mut read_until = async |want: &str, seen: &mut String| {
        let mut buf = [0u8; 1024];
        let found = tokio::time::timeout(Duration::from_secs(5), async {
            while !seen.contains(want) {
                let n = screen.read(&mut buf).await.expect("reads");
                assert!(n > 0, "the screen closed before {want:?}: {seen:?}");
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
        .await;
        assert!(found.is_ok(), "no {want:?} on the screen: {seen:?}");
    };
    read_until("/app $ ", &mut seen).await;
    keyboard.write_all(b"echo hi\n").await.expect("types");
    read_until("echo hi\r\nhi\r\n", &mut seen).await;
    // A resize (SIGWINCH on a real terminal) reaches the tty before the next line does.
    sizes.send(kube::api::TerminalSize { width: 120, height: 40 }).await.expect("resize");
    keyboard.write_all(b"echo after\n").await.expect("types");
    read_until("after\r\n", &mut seen).await;
    keyboard.write_all(b"exit\n").await.expect("types");
    let exit = tokio::time::timeout(Duration::from_secs(5), pump).await.expect("the shell ends").expect("joins");
    assert_eq!(exit, action::Exit { code: Some(0), message: None });
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), screen.read_to_end(&mut rest)).await.expect("ends").expect("reads");

    let sent = connects(&c.sim, "exec");
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_request(
        &sent[0],
        "GET",
        &format!("/api/v1/namespaces/acme/pods/{pod}/exec"),
        &[("command", "sh"), ("container", "frontend"), ("stdin", "true"), ("stdout", "true"), ("tty", "true")],
        None,
        None,
    );
    let recorded = c.sim.exec_sessions().pop().expect("an exec session");
    assert_eq!(recorded.command, ["sh"]);
    assert_eq!((recorded.tty, recorded.stdin, recorded.exit_code), (true, true, Some(0)));
    assert_eq!(recorded.terminal_size.map(|s| (s.width, s.height)), Some((120, 40)));
}

/// `GET /healthz` over a real TCP connection: the whole response.
async fn get_healthz(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connects to the forward");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("writes");
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut response))
        .await
        .expect("a response in time")
        .expect("reads");
    response
}

/// The port can be bound again. The kernel may take a moment to let the last connection's socket go, so this
/// tries for two seconds, and a failure shows the sockets that still hold the port.
async fn assert_port_frees(port: u16) {
    let mut last = None;
    for _ in 0..20 {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(_) => return,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sockets = std::process::Command::new("ss").arg("-tan").output();
    let holders = sockets.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let holders: Vec<&str> = holders.lines().filter(|l| l.contains(&format!(":{port} "))).collect();
    panic!("port {port} is still in use after the forward stopped: {last:?}\n{}", holders.join("\n"));
}

#[tokio::test]
async fn port_forward_listens_locally_and_bridges_each_connection() {
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    let to_pod = Action::PortForward {
        namespace: "acme".into(),
        target: action::ForwardTarget::Pod(pod.clone()),
        local: 18080,
        remote: 8080,
    };
    insta::assert_snapshot!("port_forward_pod", shown(&to_pod.plan(&ctx("acme"))).replace(&pod, "POD"));
    let to_service = Action::PortForward {
        namespace: "acme".into(),
        target: action::ForwardTarget::Service("frontend".into()),
        local: 0,
        remote: 80,
    };
    insta::assert_snapshot!("port_forward_service_any_port", shown(&to_service.plan(&ctx("acme"))));

    // Through the Service: a ready pod, on the targetPort (`http` → 8080).
    c.sim.reset_counts();
    let Outcome::Forwarding(forward) = to_service.execute(&c.session.client, &opts()).await.expect("forwards") else {
        panic!("expected a forward")
    };
    assert_eq!((forward.remote, forward.local.ip().to_string().as_str()), (8080, "127.0.0.1"));
    assert!(forward.pod.starts_with("frontend-"), "{}", forward.pod);
    assert_ne!(forward.local.port(), 0, "a free port was picked");
    let response = get_healthz(forward.local).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n") && response.ends_with("\r\n\r\nok\n"), "{response}");
    let sent = connects(&c.sim, "portforward");
    assert_eq!(sent.len(), 1, "one WebSocket per local connection: {sent:#?}");
    assert_request(
        &sent[0],
        "GET",
        &format!("/api/v1/namespaces/acme/pods/{}/portforward", forward.pod),
        &[("ports", "8080")],
        None,
        None,
    );
    let reads: Vec<String> = c.sim.requests().iter().map(|r| format!("{} {}", r.verb, r.resource)).collect();
    assert_eq!(reads[..2], ["get services", "list pods"], "{reads:?}");
    assert_eq!(forward.stats().served, 1);

    // Stopping frees the port.
    let port = forward.local.port();
    let mut changes = forward.changes();
    forward.stop();
    tokio::time::timeout(Duration::from_secs(5), async { while changes.changed().await.is_ok() {} })
        .await
        .expect("the forward ends");
    assert_port_frees(port).await;
}

#[tokio::test]
async fn port_forward_to_a_busy_local_port_names_the_port() {
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    let busy = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("binds");
    let port = busy.local_addr().expect("address").port();
    let action = Action::PortForward {
        namespace: "acme".into(),
        target: action::ForwardTarget::Pod(pod),
        local: port,
        remote: 8080,
    };
    let err = action.execute(&c.session.client, &opts()).await.expect_err("the port is taken");
    assert!(matches!(err, ActionError::Invalid(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with(&format!("Local port {port} is already in use on 127.0.0.1")), "{text}");
    assert!(text.contains(":8080 for any free port"), "{text}");
}

#[tokio::test]
async fn a_port_nothing_listens_on_reports_the_servers_error() {
    use tokio::io::AsyncReadExt;
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    let action = Action::PortForward {
        namespace: "acme".into(),
        target: action::ForwardTarget::Pod(pod),
        local: 0,
        remote: 9999,
    };
    let Outcome::Forwarding(forward) = action.execute(&c.session.client, &opts()).await.expect("listens") else {
        panic!("expected a forward")
    };
    let mut tcp = tokio::net::TcpStream::connect(forward.local).await.expect("connects");
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut rest)).await.expect("closed").expect("reads");
    assert!(rest.is_empty());
    let mut changes = forward.changes();
    let stats = tokio::time::timeout(Duration::from_secs(5), changes.wait_for(|s| s.last_error.is_some()))
        .await
        .expect("an error in time")
        .expect("still running")
        .clone();
    let error = stats.last_error.unwrap_or_default();
    assert!(error.starts_with("error forwarding port 9999 to pod "), "{error}");
    assert!(error.contains("connect: connection refused"), "{error}");
    assert_eq!((stats.served, stats.active), (1, 0));
}

fn exec_shell_forward(pod: &str) -> Vec<Action> {
    vec![
        Action::Exec {
            namespace: "acme".into(),
            pod: pod.into(),
            container: "frontend".into(),
            command: vec!["ls".into()],
        },
        Action::Shell { namespace: "acme".into(), pod: pod.into(), container: "frontend".into() },
        Action::PortForward {
            namespace: "acme".into(),
            target: action::ForwardTarget::Pod(pod.into()),
            local: 0,
            remote: 8080,
        },
    ]
}

#[tokio::test]
async fn read_only_mode_refuses_exec_shells_and_forwards() {
    let c = acme("admin").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    c.sim.reset_counts();
    for action in exec_shell_forward(&pod) {
        let plan = action.plan(&ctx("acme"));
        assert!(plan.mutating, "{action:?}");
        let err = action::run(&action, &c.session, true, &opts()).await.expect_err("read-only");
        assert_eq!(err, ActionError::ReadOnly { plan: plan.command });
    }
    assert_eq!(c.sim.requests(), Vec::new(), "nothing was sent");
    assert!(c.sim.exec_sessions().is_empty());
}

#[tokio::test]
async fn dev_may_not_exec_or_forward_and_gets_the_can_i_line() {
    let c = acme("dev").await;
    let pod = pod_of(&c.session, "acme", "frontend").await.metadata.name.expect("pod name");
    c.sim.reset_counts();
    for action in exec_shell_forward(&pod) {
        let err = action::run(&action, &c.session, false, &opts()).await.expect_err("dev may not");
        let ActionError::Forbidden { user, can_i, .. } = &err else { panic!("expected Forbidden, got {err:?}") };
        let subresource = if matches!(action, Action::PortForward { .. }) { "portforward" } else { "exec" };
        assert_eq!(user, "dev");
        assert_eq!(can_i, &format!("kubectl auth can-i create pods/{subresource} -n acme --context sim-dev"));
        assert!(
            err.to_string().starts_with(&format!(
                "User \"dev\" may not create pods/{subresource} in namespace \"acme\". Nothing was changed."
            )),
            "{err}"
        );
    }
    assert!(connects(&c.sim, "exec").is_empty() && connects(&c.sim, "portforward").is_empty());
    assert!(c.sim.exec_sessions().is_empty());
}

// ---- Shell quoting ----

mod quoting {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::process::Command;

    use proptest::prelude::*;

    use super::*;

    /// Words mixing what a shell treats specially with plain text and any other character (but NUL, which
    /// no argv can hold): a `$` or a quote inside otherwise plain text is the case a quoter gets wrong.
    fn awkward() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '\'', '"', '$', '`', '\\', '\n', '\t', ' ', '!', '*', '?', '[', '~', '#', ';', '&', '|', '<', '>', '(',
            '{', '=', '%', '^', 'é', '字', '🚀', '\u{a0}',
        ])
        .prop_map(String::from);
        let plain = "[a-zA-Z0-9_./:@,+=-]{1,4}";
        let any_char = any::<char>().prop_filter("argv cannot hold NUL", |c| *c != '\0').prop_map(String::from);
        prop::collection::vec(prop_oneof![3 => plain, 2 => special, 1 => any_char], 0..5)
            .prop_map(|parts| parts.concat())
    }

    fn actions() -> impl Strategy<Value = Action> {
        let s = awkward;
        prop_oneof![
            (s(), s(), s(), s()).prop_map(|(namespace, name, container, image)| Action::SetImage {
                kind: WorkloadKind::Deployment,
                namespace,
                name,
                container,
                image,
            }),
            (s(), s(), any::<i32>(), prop::option::of(s())).prop_map(|(namespace, name, replicas, rv)| {
                Action::Scale {
                    kind: ScaleKind::StatefulSet,
                    namespace,
                    name,
                    replicas,
                    current: None,
                    resource_version: rv,
                }
            }),
            (s(), s(), prop::option::of(any::<u32>())).prop_map(|(namespace, name, grace_period)| {
                Action::DeletePod { namespace, name, grace_period, controller: None }
            }),
            (s(), s()).prop_map(|(namespace, name)| Action::Yaml {
                target: ObjectRef::of(Kind::Pod, Some(&namespace), &name)
            }),
            (s(), s(), s(), s()).prop_map(|(namespace, pod, container, line)| Action::Exec {
                namespace,
                pod,
                container,
                command: action::command_argv(&line),
            }),
            (s(), s(), prop::option::of(s()), any::<bool>(), prop::option::of(any::<i64>())).prop_map(
                |(namespace, pod, container, previous, tail)| Action::Logs {
                    namespace,
                    pod,
                    container,
                    previous,
                    follow: !previous,
                    tail,
                    timestamps: previous,
                }
            ),
        ]
    }

    /// A `kubectl` that prints its arguments NUL-separated.
    fn fake_kubectl(dir: &Path) {
        let path = dir.join("kubectl");
        std::fs::write(&path, "#!/bin/sh\nfor arg in \"$@\"; do printf '%s\\0' \"$arg\"; done\n").expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// A probe's or the HTTP sender's script line (double quotes where they keep a word literal) runs with
    /// exactly its argv under `sh -c`, and so does the `sh -c '…'` line that carries it.
    #[test]
    fn a_script_line_runs_with_exactly_argv_even_nested() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_kubectl(dir.path());
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
        let config = ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() };
        proptest!(config, |(words in prop::collection::vec(awkward(), 0..4))| {
            let argv: Vec<String> = std::iter::once("kubectl".to_string()).chain(words).collect();
            let script = action::script_line(&argv);
            let nested = action::shell_line(&["sh".to_string(), "-c".to_string(), script.clone()]);
            for line in [&script, &nested] {
                let output = Command::new("sh").arg("-c").arg(line).env("PATH", &path).output().expect("sh runs");
                prop_assert!(output.status.success(), "sh failed on {:?}: {}", line, String::from_utf8_lossy(&output.stderr));
                let mut args: Vec<String> =
                    output.stdout.split(|b| *b == 0).map(|arg| String::from_utf8_lossy(arg).into_owned()).collect();
                prop_assert_eq!(args.pop(), Some(String::new()), "every argument ends with NUL");
                prop_assert_eq!(&args[..], &argv[1..], "line: {}", line);
            }
        });
    }

    #[test]
    fn the_shell_line_runs_with_exactly_argv() {
        let dir = tempfile::tempdir().expect("tempdir");
        fake_kubectl(dir.path());
        let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap_or_default());
        let config = ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() };
        proptest!(config, |(action in actions(), context in awkward(), namespace in awkward())| {
            let plan = action.plan(&PlanCtx { context, namespace });
            let output = Command::new("sh").arg("-c").arg(&plan.command).env("PATH", &path).output().expect("sh runs");
            prop_assert!(output.status.success(), "sh failed on {:?}: {}", plan.command, String::from_utf8_lossy(&output.stderr));
            let mut args: Vec<String> = output
                .stdout
                .split(|b| *b == 0)
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            prop_assert_eq!(args.pop(), Some(String::new()), "every argument ends with NUL");
            prop_assert_eq!(&args[..], &plan.argv[1..], "command: {}", plan.command);
        });
    }
}
