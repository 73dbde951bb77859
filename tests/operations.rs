//! Tier 3: the operations on kinds against the simulated demo cluster — edit (replace), delete, cordon and
//! uncordon, drain, suspend/resume and trigger a CronJob. For each, the kubectl line and the exact requests;
//! then read-only refusal and RBAC refusal for the dev user with the can-i line.
use crate::support;

use std::time::Duration;

use mosaic::action::{self, Action, ActionError, ExecOptions, ObjectRef, Outcome, PlanCtx};
use mosaic::analysis::secret_mask::Unmasked;
use mosaic::sim::{RecordedRequest, Scenario, SimHandle, SimOptions};
use serde_json::{Value, json};
use support::plans::{query, shown};
use support::session::SimSession as Cluster;

async fn demo(user: &str) -> Cluster {
    let opts = SimOptions { pod_removal_delay: Duration::from_secs(60), ..SimOptions::default() };
    Cluster::start(Scenario::demo(), opts, user, "shop").await
}

fn ctx() -> PlanCtx {
    PlanCtx { context: "sim-admin".into(), namespace: "shop".into() }
}

fn opts(dry_run: bool) -> ExecOptions {
    ExecOptions { dry_run, ..ExecOptions::default() }
}

fn sent(sim: &SimHandle, method: &str) -> Vec<RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.method == method).collect()
}

fn assert_request(request: &RecordedRequest, method: &str, path: &str, params: &[(&str, &str)], body: Option<Value>) {
    assert_eq!((request.method.as_str(), request.path.as_str()), (method, path));
    assert_eq!(request.query, query(params), "query of {method} {path}");
    assert_eq!(request.body, body, "body of {method} {path}");
}

fn cart() -> ObjectRef {
    ObjectRef::new("apps/v1", "Deployment", "deployments", Some("shop"), "cart")
}

async fn read(c: &Cluster, target: &ObjectRef) -> Value {
    match (Action::Yaml { target: target.clone() }).execute(&c.session.client, &opts(false)).await {
        Ok(Outcome::Object(object)) => object,
        other => panic!("expected the object, got {other:?}"),
    }
}

// ---- Edit ----

#[tokio::test]
async fn edit_replaces_the_object_with_its_resource_version() {
    let c = demo("admin").await;
    let mut object = read(&c, &cart()).await;
    object["spec"]["replicas"] = json!(4);
    object["metadata"]["labels"]["edited"] = json!("yes");
    let action = Action::Edit { target: cart(), object: Unmasked(object.clone()) };
    insta::assert_snapshot!("edit_deployment", shown(&action.plan(&ctx())));
    c.sim.reset_counts();

    // The dry run sends the same PUT with dryRun=All and changes nothing.
    let Outcome::Changed { before: Some(before), after: Some(after), .. } =
        action.execute(&c.session.client, &opts(true)).await.expect("dry run")
    else {
        panic!("expected a change")
    };
    assert_eq!((before["spec"]["replicas"].clone(), after["spec"]["replicas"].clone()), (json!(2), json!(4)));
    let put = sent(&c.sim, "PUT");
    assert_eq!(put.len(), 1, "{put:#?}");
    assert_request(
        &put[0],
        "PUT",
        "/apis/apps/v1/namespaces/shop/deployments/cart",
        &[("dryRun", "All"), ("fieldManager", "mosaic")],
        Some(object.clone()),
    );
    assert_eq!(put[0].content_type.as_deref(), Some("application/json"));
    let stored = c.sim.get("apps/v1", "Deployment", Some("shop"), "cart").expect("cart");
    assert_eq!(stored["spec"]["replicas"], 2, "a dry run changes nothing");
    c.sim.reset_counts();

    let outcome = action.execute(&c.session.client, &opts(false)).await.expect("applies");
    assert_request(
        &sent(&c.sim, "PUT")[0],
        "PUT",
        "/apis/apps/v1/namespaces/shop/deployments/cart",
        &[("fieldManager", "mosaic")],
        Some(object.clone()),
    );
    let stored = c.sim.get("apps/v1", "Deployment", Some("shop"), "cart").expect("cart");
    assert_eq!(
        (stored["spec"]["replicas"].clone(), stored["metadata"]["labels"]["edited"].clone()),
        (json!(4), json!("yes"))
    );
    let Outcome::Changed { summary, .. } = outcome else { panic!("{outcome:?}") };
    assert_eq!(summary, "Replaced deployment cart in shop with the edited YAML");

    // The same text again carries a resourceVersion that is no longer current: a conflict, nothing written.
    let err = action.execute(&c.session.client, &opts(false)).await.expect_err("stale");
    assert!(
        matches!(&err, ActionError::Conflict(m) if m.contains("deployment cart in shop changed since you looked")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_edit_that_renames_or_drops_the_resource_version_sends_nothing() {
    let c = demo("admin").await;
    let mut object = read(&c, &cart()).await;
    object["metadata"].as_object_mut().expect("metadata").remove("resourceVersion");
    c.sim.reset_counts();
    let err = (Action::Edit { target: cart(), object: Unmasked(object) })
        .execute(&c.session.client, &opts(false))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("metadata.resourceVersion must stay"), "{err}");
    assert!(c.sim.requests().is_empty(), "nothing was sent");
}

// ---- Delete ----

#[tokio::test]
async fn delete_any_object_in_the_background() {
    let c = demo("admin").await;
    let target = ObjectRef::new("v1", "Service", "services", Some("shop"), "cart");
    let action = Action::Delete { target };
    insta::assert_snapshot!("delete_service", shown(&action.plan(&ctx())));
    let outcome = action.execute(&c.session.client, &opts(false)).await.expect("deletes");
    assert_request(
        &sent(&c.sim, "DELETE")[0],
        "DELETE",
        "/api/v1/namespaces/shop/services/cart",
        &[],
        Some(json!({"propagationPolicy": "Background"})),
    );
    assert!(c.sim.get("v1", "Service", Some("shop"), "cart").is_none());
    assert_eq!(outcome, Outcome::Deleted { summary: "Deleted service cart in shop".into() });
    let err = action.execute(&c.session.client, &opts(false)).await.expect_err("gone");
    assert!(matches!(err, ActionError::NotFound(_)), "{err:?}");
}

// ---- Nodes ----

#[tokio::test]
async fn cordon_and_uncordon_patch_unschedulable() {
    let c = demo("admin").await;
    let cordon = Action::Cordon { node: "node-b".into(), unschedulable: true };
    insta::assert_snapshot!("cordon_node", shown(&cordon.plan(&ctx())));
    cordon.execute(&c.session.client, &opts(false)).await.expect("cordons");
    let patch = &sent(&c.sim, "PATCH")[0];
    assert_request(
        patch,
        "PATCH",
        "/api/v1/nodes/node-b",
        &[("fieldManager", "mosaic")],
        Some(json!({"spec": {"unschedulable": true}})),
    );
    assert_eq!(patch.content_type.as_deref(), Some("application/merge-patch+json"));
    assert_eq!(c.sim.get("v1", "Node", None, "node-b").expect("node")["spec"]["unschedulable"], true);
    c.sim.reset_counts();

    let uncordon = Action::Cordon { node: "node-b".into(), unschedulable: false };
    assert_eq!(uncordon.plan(&ctx()).command, "kubectl --context sim-admin uncordon node-b");
    uncordon.execute(&c.session.client, &opts(false)).await.expect("uncordons");
    assert_request(
        &sent(&c.sim, "PATCH")[0],
        "PATCH",
        "/api/v1/nodes/node-b",
        &[("fieldManager", "mosaic")],
        Some(json!({"spec": {"unschedulable": null}})),
    );
    let node = c.sim.get("v1", "Node", None, "node-b").expect("node");
    assert!(node["spec"].get("unschedulable").is_none_or(|u| u == false), "{:#}", node["spec"]);
}

#[tokio::test]
async fn drain_cordons_then_evicts_all_but_daemonset_pods() {
    let c = demo("admin").await;
    let node = "node-a";
    let (action, skipped) = action::drain_for(&c.session.client, node).await.expect("lists the node's pods");
    let list = &sent(&c.sim, "GET")[0];
    assert_eq!(list.path, "/api/v1/pods");
    assert_eq!(list.query.get("fieldSelector").map(String::as_str), Some("spec.nodeName=node-a"));
    let Action::Drain { pods, .. } = &action else { panic!("{action:?}") };
    assert!(!pods.is_empty(), "node-a runs pods");
    assert!(
        skipped.iter().any(|(p, why)| p.name.starts_with("kube-proxy-") && why.contains("DaemonSet")),
        "{skipped:?}"
    );
    assert!(pods.iter().all(|p| !p.name.starts_with("kube-proxy-")), "{pods:?}");
    let plan = action.plan(&ctx());
    assert!(
        plan.command.starts_with("kubectl --context sim-admin drain node-a --ignore-daemonsets"),
        "{}",
        plan.command
    );
    assert_eq!(plan.summary, format!("Drain node node-a: cordon it, then evict {} pod(s)", pods.len()));
    c.sim.reset_counts();

    action.execute(&c.session.client, &opts(false)).await.expect("drains");
    let patch = &sent(&c.sim, "PATCH")[0];
    assert_eq!(
        (patch.path.as_str(), patch.body.clone()),
        ("/api/v1/nodes/node-a", Some(json!({"spec": {"unschedulable": true}})))
    );
    let evictions = sent(&c.sim, "POST");
    assert_eq!(evictions.len(), pods.len());
    let first = &pods[0];
    assert_request(
        &evictions[0],
        "POST",
        &format!("/api/v1/namespaces/{}/pods/{}/eviction", first.namespace, first.name),
        &[],
        Some(json!({"apiVersion": "policy/v1", "kind": "Eviction",
            "metadata": {"name": first.name, "namespace": first.namespace}})),
    );
    assert_eq!(evictions[0].resource, "pods/eviction");
    let evicted = c.sim.get("v1", "Pod", Some(&first.namespace), &first.name);
    assert!(evicted.as_ref().is_none_or(|p| p["metadata"]["deletionTimestamp"].is_string()), "evicted: {evicted:?}");
    for (p, _) in &skipped {
        assert!(c.sim.get("v1", "Pod", Some(&p.namespace), &p.name).is_some(), "{} stays", p.name);
    }
}

// ---- CronJobs ----

#[tokio::test]
async fn suspend_and_resume_a_cronjob() {
    let c = demo("admin").await;
    for suspend in [true, false] {
        c.sim.reset_counts();
        let action = Action::SuspendCronJob { namespace: "shop".into(), name: "nightly-report".into(), suspend };
        if suspend {
            insta::assert_snapshot!("suspend_cronjob", shown(&action.plan(&ctx())));
        }
        action.execute(&c.session.client, &opts(false)).await.expect("patches");
        assert_request(
            &sent(&c.sim, "PATCH")[0],
            "PATCH",
            "/apis/batch/v1/namespaces/shop/cronjobs/nightly-report",
            &[("fieldManager", "mosaic")],
            Some(json!({"spec": {"suspend": suspend}})),
        );
        let stored = c.sim.get("batch/v1", "CronJob", Some("shop"), "nightly-report").expect("cronjob");
        assert_eq!(stored["spec"]["suspend"], suspend);
    }
}

#[tokio::test]
async fn trigger_creates_a_job_from_the_template() {
    let c = demo("admin").await;
    let cron = c.sim.get("batch/v1", "CronJob", Some("shop"), "nightly-report").expect("cronjob");
    let job = "nightly-report-manual-1";
    let action = Action::TriggerCronJob { namespace: "shop".into(), cronjob: "nightly-report".into(), job: job.into() };
    insta::assert_snapshot!("trigger_cronjob", shown(&action.plan(&ctx())));
    action.execute(&c.session.client, &opts(false)).await.expect("creates");
    let post = &sent(&c.sim, "POST")[0];
    assert_request(
        post,
        "POST",
        "/apis/batch/v1/namespaces/shop/jobs",
        &[("fieldManager", "mosaic")],
        post.body.clone(),
    );
    let body = post.body.clone().expect("a Job");
    assert_eq!(body["metadata"]["name"], job);
    assert_eq!(body["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"], "manual");
    assert_eq!(
        body["metadata"]["ownerReferences"],
        json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-report",
            "uid": cron["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}])
    );
    assert_eq!(body["spec"], cron["spec"]["jobTemplate"]["spec"]);
    assert!(c.sim.get("batch/v1", "Job", Some("shop"), job).is_some(), "the job exists");
}

// ---- The gate ----

fn every_operation() -> Vec<Action> {
    vec![
        Action::Edit { target: cart(), object: Unmasked(json!({})) },
        Action::Delete { target: cart() },
        Action::Cordon { node: "node-a".into(), unschedulable: true },
        Action::Drain { node: "node-a".into(), pods: Vec::new() },
        Action::SuspendCronJob { namespace: "shop".into(), name: "nightly-report".into(), suspend: true },
        Action::TriggerCronJob { namespace: "shop".into(), cronjob: "nightly-report".into(), job: "x".into() },
    ]
}

#[tokio::test]
async fn read_only_mode_refuses_every_operation_before_any_request() {
    let c = demo("admin").await;
    for action in every_operation() {
        let plan = action.plan(&ctx());
        assert!(plan.mutating, "{action:?}");
        let err = action::run(&action, &c.session, true, &opts(false)).await.expect_err("read-only");
        assert_eq!(err, ActionError::ReadOnly { plan: plan.command.clone() });
    }
    assert_eq!(c.sim.requests(), Vec::new(), "nothing was sent");
}

#[tokio::test]
async fn dev_is_refused_each_operation_with_the_can_i_line() {
    let c = demo("dev").await;
    let expected = [
        "kubectl auth can-i update deployments.apps -n shop --context sim-dev",
        "kubectl auth can-i delete deployments.apps -n shop --context sim-dev",
        "kubectl auth can-i patch nodes --context sim-dev",
        "kubectl auth can-i create pods/eviction -A --context sim-dev",
        "kubectl auth can-i patch cronjobs.batch -n shop --context sim-dev",
        "kubectl auth can-i create jobs.batch -n shop --context sim-dev",
    ];
    for (action, can_i_line) in every_operation().into_iter().zip(expected) {
        let err = action::run(&action, &c.session, false, &opts(false)).await.expect_err("dev may not");
        let ActionError::Forbidden { user, can_i, .. } = &err else { panic!("expected Forbidden, got {err:?}") };
        assert_eq!((user.as_str(), can_i.as_str()), ("dev", can_i_line), "{action:?}");
    }
    let writes: Vec<RecordedRequest> = c
        .sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.resource != "selfsubjectaccessreviews")
        .collect();
    assert!(writes.is_empty(), "nothing but access reviews was sent: {writes:#?}");
}
