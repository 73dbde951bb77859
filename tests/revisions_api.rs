//! Tier 3: StatefulSet and DaemonSet revisions on the simulated cluster: the ControllerRevisions its
//! controllers keep, and `kubectl rollout undo` of both kinds (the exact strategic merge patch, the no-op, a
//! missing revision, read-only mode and RBAC).
use crate::support;

use std::time::Duration;

use k8s_openapi::api::apps::v1::ControllerRevision;
use kube::api::{Api, ListParams};
use mosaic::action::{self, Action, ActionError, ExecOptions, Outcome, PlanCtx, WorkloadKind};
use mosaic::sim::types::SimRule;
use mosaic::sim::{Scenario, SimHandle, SimOptions};
use serde_json::Value;
use support::plans::{query, shown};
use support::session::SimSession;

async fn demo(user: &str) -> SimSession {
    demo_with(Scenario::demo(), user).await
}

async fn demo_with(scenario: Scenario, user: &str) -> SimSession {
    let opts = SimOptions { pod_removal_delay: Duration::from_secs(60), ..SimOptions::default() };
    SimSession::start(scenario, opts, user, "shop").await
}

fn ctx() -> PlanCtx {
    PlanCtx { context: "sim-admin".into(), namespace: "shop".into() }
}

fn undo(kind: WorkloadKind, namespace: &str, name: &str, to_revision: Option<i64>) -> Action {
    Action::Rollback { kind, namespace: namespace.into(), name: name.into(), to_revision }
}

/// The workload's ControllerRevisions as the API serves them, oldest first.
async fn revisions(c: &SimSession, namespace: &str, owner: &str) -> Vec<Value> {
    let api: Api<ControllerRevision> = Api::namespaced(c.session.client.clone(), namespace);
    let mut out: Vec<Value> = api
        .list(&ListParams::default())
        .await
        .expect("lists controllerrevisions")
        .items
        .into_iter()
        .filter(|r| r.metadata.owner_references.iter().flatten().any(|o| o.name == owner))
        .map(|r| serde_json::to_value(r).expect("json"))
        .collect();
    out.sort_by_key(|r| r["revision"].as_i64());
    out
}

fn image(revision: &Value) -> &str {
    revision["data"]["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap_or_default()
}

fn workload(sim: &SimHandle, kind: &str, namespace: &str, name: &str) -> Value {
    sim.get("apps/v1", kind, Some(namespace), name).expect("workload exists")
}

fn mutating(sim: &SimHandle) -> Vec<mosaic::sim::RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.method != "GET").collect()
}

#[tokio::test]
async fn the_demo_workloads_keep_their_revisions_like_a_control_plane() {
    let c = demo("admin").await;
    let sts = workload(&c.sim, "StatefulSet", "shop", "redis");
    let redis = revisions(&c, "shop", "redis").await;
    assert_eq!(
        redis.iter().map(|r| (r["revision"].as_i64(), image(r))).collect::<Vec<_>>(),
        [(Some(1), "redis:6.0.8"), (Some(2), "redis:6.0.9")]
    );
    let current = &redis[1];
    let name = current["metadata"]["name"].as_str().expect("name");
    let hash = current["metadata"]["labels"]["controller.kubernetes.io/hash"].as_str().expect("hash label");
    assert_eq!(name, format!("redis-{hash}"));
    assert_eq!(current["metadata"]["labels"]["app"], "redis");
    let owner = &current["metadata"]["ownerReferences"][0];
    assert_eq!(
        (owner["kind"].as_str(), owner["uid"].as_str(), owner["controller"].as_bool()),
        (Some("StatefulSet"), sts["metadata"]["uid"].as_str(), Some(true))
    );
    assert_eq!(current["data"]["spec"]["template"]["$patch"], "replace");
    // A StatefulSet's pods and status name the revision in full.
    assert_eq!(sts["status"]["updateRevision"], name);
    let pod = c.sim.get("v1", "Pod", Some("shop"), "redis-0").expect("redis-0");
    assert_eq!(pod["metadata"]["labels"]["controller-revision-hash"], name);

    // A DaemonSet's pods carry the hash part.
    let proxy = revisions(&c, "kube-system", "kube-proxy").await;
    assert_eq!(
        proxy.iter().map(image).collect::<Vec<_>>(),
        ["k8s.gcr.io/kube-proxy:v1.18.8", "k8s.gcr.io/kube-proxy:v1.19.0"]
    );
    let hash = proxy[1]["metadata"]["labels"]["controller-revision-hash"].as_str().expect("hash").to_string();
    let api: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(c.session.client.clone(), "kube-system");
    let pods = api.list(&ListParams::default().labels("k8s-app=kube-proxy")).await.expect("pods").items;
    assert!(!pods.is_empty());
    for pod in pods {
        assert_eq!(pod.metadata.labels.unwrap_or_default().get("controller-revision-hash"), Some(&hash));
    }
}

#[tokio::test]
async fn rolling_back_a_statefulset_sends_the_revision_data_as_a_strategic_merge_patch() {
    let c = demo("admin").await;
    let before = revisions(&c, "shop", "redis").await;
    let old_name = before[0]["metadata"]["name"].as_str().expect("name").to_string();
    c.sim.reset_counts();

    let action = undo(WorkloadKind::StatefulSet, "shop", "redis", None);
    insta::assert_snapshot!("rollback_statefulset", shown(&action.plan(&ctx())));
    let outcome = action::run(&action, &c.session, false, &ExecOptions::default()).await.expect("rolls back");
    let Outcome::Changed { summary, .. } = outcome else { panic!("expected a change") };
    assert_eq!(summary, "Rolled back statefulset redis in shop to revision 1");

    let sent = c.sim.requests();
    let list = sent.iter().find(|r| r.resource == "controllerrevisions").expect("listed the revisions");
    assert_eq!(list.path, "/apis/apps/v1/namespaces/shop/controllerrevisions");
    assert_eq!(list.query.get("labelSelector").map(String::as_str), Some("app=redis"));
    let patches: Vec<_> = sent.iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patches.len(), 1, "{patches:#?}");
    assert_eq!(patches[0].path, "/apis/apps/v1/namespaces/shop/statefulsets/redis");
    assert_eq!(patches[0].query, query(&[("fieldManager", "mosaic")]));
    assert_eq!(patches[0].content_type.as_deref(), Some("application/strategic-merge-patch+json"));
    assert_eq!(patches[0].body.as_ref(), Some(&before[0]["data"]), "exactly the revision's data");

    let sts = workload(&c.sim, "StatefulSet", "shop", "redis");
    assert_eq!(sts["spec"]["template"]["spec"]["containers"][0]["image"], "redis:6.0.8");
    // The controller finds the old revision by its data and makes it the newest: revision 1 comes back as 3.
    let after = revisions(&c, "shop", "redis").await;
    assert_eq!(
        after.iter().map(|r| (r["revision"].as_i64(), image(r))).collect::<Vec<_>>(),
        [(Some(2), "redis:6.0.9"), (Some(3), "redis:6.0.8")]
    );
    assert_eq!(after[1]["metadata"]["name"], old_name.as_str());
    assert_eq!(sts["status"]["updateRevision"], old_name.as_str());

    // Undoing to the revision it now runs changes nothing, as kubectl says.
    c.sim.reset_counts();
    let again = undo(WorkloadKind::StatefulSet, "shop", "redis", Some(3));
    let Outcome::Changed { summary, .. } = again.execute(&c.session.client, &ExecOptions::default()).await.expect("ok")
    else {
        panic!("expected the skipped outcome")
    };
    assert!(summary.starts_with("Skipped rollback of statefulset redis in shop"), "{summary}");
    assert!(mutating(&c.sim).is_empty());
}

#[tokio::test]
async fn rolling_back_a_daemonset_and_a_dry_run() {
    let c = demo("admin").await;
    let before = revisions(&c, "kube-system", "kube-proxy").await;
    let action = undo(WorkloadKind::DaemonSet, "kube-system", "kube-proxy", Some(1));
    insta::assert_snapshot!("rollback_daemonset", shown(&action.plan(&ctx())));

    let dry = ExecOptions { dry_run: true, ..ExecOptions::default() };
    let Outcome::Changed { summary, .. } = action.execute(&c.session.client, &dry).await.expect("dry run") else {
        panic!("expected a change")
    };
    assert!(summary.starts_with("Would roll back daemonset kube-proxy in kube-system to revision 1"), "{summary}");
    let ds = workload(&c.sim, "DaemonSet", "kube-system", "kube-proxy");
    assert_eq!(ds["spec"]["template"]["spec"]["containers"][0]["image"], "k8s.gcr.io/kube-proxy:v1.19.0");
    c.sim.reset_counts();

    action.execute(&c.session.client, &ExecOptions::default()).await.expect("rolls back");
    let patch = mutating(&c.sim).into_iter().find(|r| r.method == "PATCH").expect("a patch");
    assert_eq!(patch.path, "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy");
    assert_eq!(patch.body.as_ref(), Some(&before[0]["data"]));
    let ds = workload(&c.sim, "DaemonSet", "kube-system", "kube-proxy");
    assert_eq!(ds["spec"]["template"]["spec"]["containers"][0]["image"], "k8s.gcr.io/kube-proxy:v1.18.8");
}

#[tokio::test]
async fn undoing_to_the_current_revision_changes_nothing() {
    let c = demo("admin").await;
    let action = undo(WorkloadKind::StatefulSet, "shop", "redis", Some(2));
    let Outcome::Changed { summary, before, after } =
        action.execute(&c.session.client, &ExecOptions::default()).await.expect("a no-op")
    else {
        panic!("expected the skipped outcome")
    };
    assert_eq!(
        summary,
        "Skipped rollback of statefulset redis in shop: the current template already matches revision 2; nothing \
         was changed"
    );
    assert_eq!(before, after);
    assert!(mutating(&c.sim).is_empty(), "nothing was sent");
}

#[tokio::test]
async fn a_missing_revision_is_not_found_and_nothing_is_sent() {
    let c = demo("admin").await;
    let err = undo(WorkloadKind::StatefulSet, "shop", "redis", Some(7))
        .execute(&c.session.client, &ExecOptions::default())
        .await
        .expect_err("no revision 7");
    assert_eq!(
        err.to_string(),
        "statefulset redis in shop has no revision 7 in its history (revisions kept: 1, 2). Nothing was changed."
    );
    assert!(mutating(&c.sim).is_empty());
}

#[tokio::test]
async fn read_only_mode_and_rbac_refuse_before_any_change() {
    let c = demo("admin").await;
    let action = undo(WorkloadKind::StatefulSet, "shop", "redis", None);
    let err = action::run(&action, &c.session, true, &ExecOptions::default()).await.expect_err("read-only");
    assert!(matches!(&err, ActionError::ReadOnly { plan } if plan.contains("rollout undo statefulset/redis")));
    assert_eq!(c.sim.requests(), Vec::new());

    // dev may read deployments in shop, not patch a StatefulSet.
    let c = demo("dev").await;
    let err = action::run(&action, &c.session, false, &ExecOptions::default()).await.expect_err("forbidden");
    let ActionError::Forbidden { can_i, .. } = &err else { panic!("expected Forbidden, got {err:?}") };
    assert_eq!(can_i, "kubectl auth can-i patch statefulsets.apps -n shop --context sim-dev");

    // Allowed to patch it but not to list its revisions: refused on the second permission.
    let c = demo_with(with_statefulset_access(&["get", "list", "patch"]), "dev").await;
    let err = action::run(&action, &c.session, false, &ExecOptions::default()).await.expect_err("forbidden");
    let ActionError::Forbidden { message, can_i, .. } = &err else { panic!("expected Forbidden, got {err:?}") };
    assert_eq!(message, "User \"dev\" may not list controllerrevisions.apps in namespace \"shop\"");
    assert_eq!(can_i, "kubectl auth can-i list controllerrevisions.apps -n shop --context sim-dev");
    assert!(mutating(&c.sim).iter().all(|r| r.method != "PATCH"));
}

/// The demo, with `dev` also allowed `verbs` on StatefulSets in `shop` (never on ControllerRevisions).
pub(crate) fn with_statefulset_access(verbs: &[&str]) -> Scenario {
    let mut scenario = Scenario::demo();
    let dev = scenario.users.iter_mut().find(|u| u.name == "dev").expect("the demo has dev");
    dev.rules.push(SimRule {
        api_groups: vec!["apps".into()],
        resources: vec!["statefulsets".into()],
        verbs: verbs.iter().map(|v| v.to_string()).collect(),
        namespaces: Some(vec!["shop".into()]),
        source: Some("RoleBinding \"devs-sts/shop\" of Role \"dev-sts\" to Group \"devs\"".into()),
    });
    scenario
}
