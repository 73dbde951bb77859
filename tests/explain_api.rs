//! Tier 3: `mosaic explain` against the simulated API server: the app report, the event recorder (an event
//! deleted from the cluster still shows, marked recorded), and the JSON output checked against the schema in
//! `docs/json/explain.md`.
use crate::support;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, Pod};
use kube::api::{Api, DeleteParams, ListParams};
use mosaic::cluster::Session;
use mosaic::explain_cmd::{self, Target};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use serde_json::Value;
use support::session::connect_as;

async fn session() -> (SimHandle, Session, tempfile::TempDir) {
    let sim = SimServer::start(Scenario::acme(), SimOptions::default()).await.expect("sim starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = connect_as(&sim, "admin", "acme", dir.path()).await;
    (sim, session, dir)
}

async fn pod_named(session: &Session, prefix: &str) -> String {
    let api: Api<Pod> = Api::namespaced(session.client.clone(), "acme");
    let list = api.list(&ListParams::default()).await.expect("pods");
    list.items.into_iter().filter_map(|p| p.metadata.name).find(|n| n.starts_with(prefix)).expect("fixture pod")
}

#[tokio::test]
async fn an_event_deleted_from_the_cluster_is_still_shown_marked_recorded() {
    let (_sim, session, _dir) = session().await;
    let store = mosaic::store::in_memory();
    let orders = pod_named(&session, "orders-").await;

    let before = explain_cmd::pod_report(&session, "acme", &orders, Some(&store)).await.expect("report");
    let backoff = before.timeline.iter().find(|e| e.fact.starts_with("Warning BackOff")).expect("a live BackOff entry");
    assert!(!backoff.recorded, "live events are not marked");
    let live_facts = before.timeline.len();

    // The API server drops the event (as it does after its TTL). The simulated kubelet writes a BackOff
    // again when its count moves on (every 20 s, as a real one would): delete until none is left.
    let events: Api<Event> = Api::namespaced(session.client.clone(), "acme");
    let params = ListParams::default().fields(&format!("involvedObject.name={orders}"));
    let backoffs = |list: kube::api::ObjectList<Event>| -> Vec<String> {
        list.items
            .into_iter()
            .filter(|e| e.reason.as_deref() == Some("BackOff"))
            .filter_map(|e| e.metadata.name)
            .collect()
    };
    let mut left = backoffs(events.list(&params).await.expect("events"));
    assert!(!left.is_empty(), "a BackOff event to delete");
    for _ in 0..3 {
        for name in &left {
            events.delete(name, &DeleteParams::default()).await.expect("deletes");
        }
        left = backoffs(events.list(&params).await.expect("events"));
        if left.is_empty() {
            break;
        }
    }
    assert!(left.is_empty(), "the server no longer has it: {left:?}");

    let after = explain_cmd::pod_report(&session, "acme", &orders, Some(&store)).await.expect("report");
    let kept = after.timeline.iter().find(|e| e.fact.starts_with("Warning BackOff")).expect("still in the timeline");
    assert!(kept.recorded, "marked as recorded: {kept:?}");
    assert_eq!(kept.fact, backoff.fact, "the same fact, same count");
    assert_eq!(after.timeline.len(), live_facts, "nothing counted twice");
    assert!(explain_cmd::text(&after).contains("BackOff") && explain_cmd::text(&after).contains("(recorded)"));

    // Without the recorder the event is simply gone.
    let bare = explain_cmd::pod_report(&session, "acme", &orders, None).await.expect("report");
    assert!(bare.timeline.iter().all(|e| !e.fact.starts_with("Warning BackOff")));

    // The pane's document says so too.
    let doc = explain_cmd::document(&session, "acme", &Target::Pod(orders), Some(&store)).await.expect("document");
    assert!(doc.entries.iter().any(|e| e.recorded && e.fact.starts_with("Warning BackOff")));
}

#[tokio::test]
async fn explain_deploy_gives_the_app_verdict_and_its_failing_pod() {
    let (_sim, session, _dir) = session().await;
    let orders = pod_named(&session, "orders-").await;
    let report = explain_cmd::deploy_report(&session, "acme", "orders", None).await.expect("report");
    let headline = &report.app.verdict.headline;
    assert!(
        headline.contains(&format!("pod {orders}: Crashing on start: exit code 1")),
        "the failing pod and its own verdict: {headline}"
    );
    assert!(report.has_problem());
    assert_eq!(report.app.pods.len(), 1);
    assert!(report.app.timeline.iter().any(|e| e.fact.contains("ScalingReplicaSet")), "{:#?}", report.app.timeline);
    let text = explain_cmd::deploy_text(&report);
    assert!(text.starts_with("deployment acme/orders: ") && text.contains("Revisions:"), "{text}");
    assert!(explain_cmd::deploy_markdown(&report).contains("## Timeline"));

    let healthy = explain_cmd::deploy_report(&session, "acme", "frontend", None).await.expect("report");
    assert!(healthy.app.verdict.headline.starts_with("Healthy: 2/2 ready"), "{}", healthy.app.verdict.headline);
    assert!(!healthy.has_problem());

    let err = explain_cmd::deploy_report(&session, "acme", "nope", None).await.err().expect("missing");
    assert_eq!(err.to_string(), "there is no deployment nope in namespace acme");
    for t in ["deploy/x", "deployment/x", "deployments/x"] {
        assert_eq!(explain_cmd::parse_target(t).expect(t), Target::Deployment("x".into()));
    }
}

// ---------------------------------------------------------------- the JSON schema in docs/json/explain.md

/// Each `### Name` section's table: field → type.
fn schema() -> BTreeMap<String, BTreeMap<String, String>> {
    let doc = include_str!("../docs/json/explain.md");
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            current = Some(name.trim().to_string());
            out.insert(name.trim().to_string(), BTreeMap::new());
        } else if let (Some(section), Some(row)) = (&current, line.strip_prefix("| `")) {
            let cells: Vec<&str> = row.split(" | ").collect();
            let field = cells[0].trim_end_matches('`').to_string();
            out.get_mut(section).expect("section").insert(field, cells[1].trim().to_string());
        }
    }
    out
}

fn check(schema: &BTreeMap<String, BTreeMap<String, String>>, ty: &str, value: &Value, path: &str) {
    if let Some(inner) = ty.strip_suffix('?') {
        if !value.is_null() {
            check(schema, inner, value, path);
        }
        return;
    }
    if let Some(item) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let items = value.as_array().unwrap_or_else(|| panic!("{path}: expected an array, got {value}"));
        for (i, v) in items.iter().enumerate() {
            check(schema, item, v, &format!("{path}[{i}]"));
        }
        return;
    }
    match ty {
        "string" => assert!(value.is_string(), "{path}: expected a string, got {value}"),
        "integer" => assert!(value.is_i64() || value.is_u64(), "{path}: expected an integer, got {value}"),
        "boolean" => assert!(value.is_boolean(), "{path}: expected a boolean, got {value}"),
        object => {
            let fields = schema.get(object).unwrap_or_else(|| panic!("{path}: type {object} is not documented"));
            let map = value.as_object().unwrap_or_else(|| panic!("{path}: expected an object, got {value}"));
            for (field, field_ty) in fields {
                let v = map.get(field).unwrap_or_else(|| panic!("{path}.{field}: documented but missing"));
                check(schema, field_ty, v, &format!("{path}.{field}"));
            }
            for field in map.keys() {
                assert!(fields.contains_key(field), "{path}.{field}: printed but not documented in {object}");
            }
        }
    }
}

#[tokio::test]
async fn json_output_matches_the_documented_schema() {
    let schema = schema();
    assert!(schema.len() >= 10 && schema["TimelineEntry"].contains_key("recorded"), "the doc parses: {schema:?}");
    let (_sim, session, _dir) = session().await;
    let store = mosaic::store::in_memory();
    for prefix in ["orders-", "search-", "reports-", "frontend-"] {
        let pod = pod_named(&session, prefix).await;
        let report = explain_cmd::pod_report(&session, "acme", &pod, Some(&store)).await.expect("report");
        let json = serde_json::to_value(&report).expect("serialises");
        check(&schema, "PodReport", &json, &format!("pod/{pod}"));
    }
    for name in ["orders", "frontend", "reports"] {
        let report = explain_cmd::deploy_report(&session, "acme", name, Some(&store)).await.expect("report");
        let json = serde_json::to_value(&report).expect("serialises");
        check(&schema, "DeployReport", &json, &format!("deploy/{name}"));
    }
    // The checker itself fails on a missing and on an undocumented field.
    let pod = pod_named(&session, "orders-").await;
    let report = explain_cmd::pod_report(&session, "acme", &pod, None).await.expect("report");
    let mut json = serde_json::to_value(&report).expect("serialises");
    json["extra"] = Value::Bool(true);
    assert!(std::panic::catch_unwind(|| check(&schema, "PodReport", &json, "x")).is_err());
    json.as_object_mut().expect("object").remove("extra");
    json.as_object_mut().expect("object").remove("timeline");
    assert!(std::panic::catch_unwind(|| check(&schema, "PodReport", &json, "x")).is_err());
}

#[tokio::test]
async fn the_runtime_records_the_events_of_the_namespaces_in_view() {
    use mosaic::app::Effect;
    use mosaic::cluster::{Kind, Scope};
    let (_sim, session, _dir) = session().await;
    let context = session.target.context.clone();
    let store = mosaic::store::in_memory();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = mosaic::runtime::Runtime::new(session.clone(), tx, false)
        .with_readonly(false, mosaic::config::Config::default())
        .with_transcript(store.clone(), "test".into());
    assert!(store.recorded_events(&context, "acme", Vec::new()).await.expect("reads").is_empty());
    // Opening the pod list in acme is enough: no Events view needed.
    runtime.execute(Effect::Watch(Kind::Pod, Scope::Namespace("acme".into())));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    let recorded = loop {
        let got = store.recorded_events(&context, "acme", Vec::new()).await.expect("reads");
        if got.iter().any(|e| e.reason == "BackOff") || std::time::Instant::now() > deadline {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(recorded.iter().any(|e| e.reason == "BackOff"), "acme's events are recorded: {recorded:#?}");
    assert!(recorded.iter().all(|e| e.recorded));
    assert_eq!(store.prune_events(jiff::SignedDuration::from_hours(24 * 365 * 10), 3).await, Ok(recorded.len() - 3));
    assert_eq!(store.recorded_events(&context, "acme", Vec::new()).await.expect("reads").len(), 3);

    // Disabled in config: nothing is recorded.
    let other = mosaic::store::in_memory();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let mut config = mosaic::config::Config::default();
    config.recorder.enabled = false;
    let mut runtime = mosaic::runtime::Runtime::new(session, tx, false)
        .with_readonly(false, config)
        .with_transcript(other.clone(), "test".into());
    runtime.execute(Effect::Watch(Kind::Pod, Scope::Namespace("acme".into())));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(other.recorded_events(&context, "acme", Vec::new()).await.expect("reads").is_empty());
}

#[tokio::test]
async fn explain_sts_and_ds_give_their_verdict_rollout_and_documented_json() {
    use mosaic::action::WorkloadKind;
    let sim = SimServer::start(Scenario::demo(), SimOptions::default()).await.expect("sim starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = connect_as(&sim, "admin", "shop", dir.path()).await;
    let schema = schema();
    assert!(schema.contains_key("WorkloadReport"), "documented");

    let redis =
        explain_cmd::workload_report(&session, WorkloadKind::StatefulSet, "shop", "redis", None).await.expect("report");
    assert_eq!(redis.app.verdict.headline, "Healthy: 1/1 ready");
    assert!(!redis.has_problem());
    assert_eq!(redis.app.pods.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["redis-0"]);
    assert!(redis.app.update_revision.is_some());
    let json = serde_json::to_value(&redis).expect("serialises");
    assert_eq!(json["kind"], "statefulset");
    check(&schema, "WorkloadReport", &json, "sts/redis");
    let text = explain_cmd::workload_text(&redis);
    assert!(text.starts_with("statefulset shop/redis: Healthy: 1/1 ready\n"), "{text}");
    assert!(text.contains("Rollout: RollingUpdate, revision redis-"), "{text}");
    assert!(explain_cmd::workload_markdown(&redis).contains("## Timeline"));
    // Its ControllerRevisions, as the Deployment's ReplicaSets: the demo's older 6.0.8 and the running 6.0.9.
    let revisions: Vec<(i64, bool, &str, i32)> =
        redis.app.revisions.iter().map(|r| (r.revision, r.current, r.images[0].as_str(), r.pods)).collect();
    assert_eq!(revisions, [(2, true, "redis:6.0.9", 1), (1, false, "redis:6.0.8", 0)]);
    assert_eq!(redis.app.pods[0].revision, Some(2));
    assert!(text.contains("\nRevisions:\n- Revision 2 (current): redis-"), "{text}");
    assert!(
        text.contains(
            "14d old, 1/1 pods healthy, redis:6.0.9\n- Revision 1: redis-5f9c8b7d6, 14d old, no pods, redis:6.0.8\n"
        ),
        "{text}"
    );
    assert!(text.contains("  redis-0 (revision 2): Healthy"), "{text}");

    let proxy = explain_cmd::workload_report(&session, WorkloadKind::DaemonSet, "kube-system", "kube-proxy", None)
        .await
        .expect("report");
    assert_eq!(proxy.app.verdict.headline, "Healthy: 3/3 ready");
    assert_eq!(proxy.app.pods.len(), 3);
    assert_eq!(proxy.app.misscheduled, Some(0));
    let json = serde_json::to_value(&proxy).expect("serialises");
    assert_eq!(json["kind"], "daemonset");
    check(&schema, "WorkloadReport", &json, "ds/kube-proxy");

    // The pane's document, as T and t open it.
    let doc = explain_cmd::document(&session, "shop", &Target::StatefulSet("redis".into()), None).await.expect("doc");
    assert_eq!(doc.subject, "statefulset shop/redis");
    assert!(doc.summary.iter().any(|l| l.starts_with("Rollout: RollingUpdate")), "{:?}", doc.summary);
    assert!(doc.summary.iter().any(|l| l.starts_with("Revision 1: redis-5f9c8b7d6")), "{:?}", doc.summary);

    let err = explain_cmd::workload_report(&session, WorkloadKind::DaemonSet, "shop", "nope", None).await.err();
    assert_eq!(err.expect("missing").to_string(), "there is no daemonset nope in namespace shop");
    for (t, want) in [
        ("sts/x", Target::StatefulSet("x".into())),
        ("statefulset/x", Target::StatefulSet("x".into())),
        ("ds/x", Target::DaemonSet("x".into())),
        ("daemonsets/x", Target::DaemonSet("x".into())),
    ] {
        assert_eq!(explain_cmd::parse_target(t).expect(t), want);
    }
    assert!(explain_cmd::parse_target("job/x").expect_err("no").to_string().contains("sts/NAME or ds/NAME"));
}

#[tokio::test]
async fn a_timeline_without_access_to_revisions_still_shows_and_says_why() {
    use mosaic::action::WorkloadKind;
    let scenario = crate::revisions_api::with_statefulset_access(&["get", "list"]);
    let sim = SimServer::start(scenario, SimOptions::default()).await.expect("sim starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = connect_as(&sim, "dev", "shop", dir.path()).await;
    let redis =
        explain_cmd::workload_report(&session, WorkloadKind::StatefulSet, "shop", "redis", None).await.expect("report");
    assert_eq!(redis.app.verdict.headline, "Healthy: 1/1 ready");
    assert!(redis.app.revisions.is_empty());
    let why = redis.app.revisions_unread.as_deref().expect("says why");
    assert!(why.starts_with("Revisions could not be read: "), "{why}");
    assert!(why.ends_with("(kubectl auth can-i list controllerrevisions.apps -n shop)"), "{why}");
    check(&schema(), "WorkloadReport", &serde_json::to_value(&redis).expect("json"), "sts/redis as dev");
    assert!(explain_cmd::workload_text(&redis).contains(&format!("\nRevisions:\n- {why}\n")));
}
