//! Tier 3: the fault list's fetcher against the simulated demo cluster (one LIST per kind; forbidden kinds are
//! "could not check", not errors), and `mosaic faults -o json` checked against the schema in
//! `docs/json/faults.md`, both ways: every documented field is there with its type, and nothing else is.
use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use mosaic::analysis::faults::{FaultKind, Report, Severity};
use mosaic::sim::Scenario;
use serde_json::Value;
use support::cluster::Cluster;
use support::json_schema::{documented, type_of, values};
use support::session::connect_with;

fn fetch(cluster: &Cluster, user: &str, namespace: Option<&str>) -> Report {
    let path = cluster.kubeconfig(user, "shop");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let session = connect_with(path).await;
        mosaic::faults_cmd::fetch(&session, namespace).await.expect("the fault list")
    })
}

fn verdict<'a>(report: &'a Report, kind: FaultKind, prefix: &str) -> &'a str {
    report
        .faults
        .iter()
        .find(|f| f.kind == kind && f.name.starts_with(prefix))
        .map(|f| f.verdict.as_str())
        .unwrap_or_else(|| panic!("no {kind:?} {prefix} in {:#?}", report.faults))
}

#[test]
fn the_fetcher_lists_each_kind_once_and_finds_what_the_demo_breaks() {
    let cluster = Cluster::start(Scenario::demo());
    cluster.handle.reset_counts();
    let report = fetch(&cluster, "admin", Some("shop"));
    for resource in ["pods", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "services"] {
        assert_eq!(cluster.handle.count("list", resource), 1, "{resource}: {:?}", cluster.handle.counts());
    }
    for resource in ["endpoints", "ingresses", "persistentvolumeclaims", "events", "nodes"] {
        assert_eq!(cluster.handle.count("list", resource), 1, "{resource}: {:?}", cluster.handle.counts());
    }
    assert_eq!(cluster.handle.count("get", "pods/log"), 0, "the list reads no logs");
    assert!(report.unchecked.is_empty(), "{:?}", report.unchecked);
    assert_eq!(report.namespace.as_deref(), Some("shop"));

    assert_eq!(verdict(&report, FaultKind::Pod, "checkout-"), "Crashing on start: exit code 1, 7 restarts");
    assert_eq!(
        verdict(&report, FaultKind::Pod, "catalog-"),
        "Cannot pull image registry.example.invalid/nope:1: the registry does not resolve"
    );
    assert_eq!(
        verdict(&report, FaultKind::Service, "payments-api"),
        "No endpoints: its selector tier=payments matches no pod in shop"
    );
    assert_eq!(
        verdict(&report, FaultKind::Ingress, "search"),
        "Backend missing: shop.example.com/search → Service search, which does not exist in shop"
    );
    assert_eq!(
        verdict(&report, FaultKind::PersistentVolumeClaim, "exports"),
        "Pending for 2d: storageclass.storage.k8s.io \"fast-ssd\" not found"
    );
    assert!(verdict(&report, FaultKind::Deployment, "checkout").contains("pod checkout-"));
    for healthy in ["storefront", "cart", "redis", "nightly-report", "uploads"] {
        assert!(!report.faults.iter().any(|f| f.name.starts_with(healthy)), "{healthy} is healthy");
    }
    assert!(!report.faults.iter().any(|f| f.namespace.as_deref() == Some("payments")), "only shop was asked");
    let first_warning = report.faults.iter().position(|f| f.severity == Severity::Warning).expect("warnings");
    assert!(report.faults[first_warning..].iter().all(|f| f.severity == Severity::Warning), "critical first");
}

#[test]
fn kinds_the_user_may_not_list_are_reported_not_fatal() {
    let cluster = Cluster::start(Scenario::demo());
    let report = fetch(&cluster, "dev", Some("shop"));
    let unchecked: BTreeMap<&str, &Option<String>> =
        report.unchecked.iter().map(|u| (u.resource.as_str(), &u.can_i)).collect();
    for resource in ["statefulsets", "daemonsets", "jobs", "cronjobs", "ingresses", "persistentvolumeclaims", "nodes"] {
        assert!(unchecked.contains_key(resource), "{resource} is forbidden to dev: {:?}", report.unchecked);
    }
    assert_eq!(
        unchecked["nodes"].as_deref(),
        Some("kubectl auth can-i list nodes --context sim-dev"),
        "nodes are cluster-scoped: no namespace in the can-i line"
    );
    assert_eq!(unchecked["jobs"].as_deref(), Some("kubectl auth can-i list jobs.batch -n shop --context sim-dev"));
    let nodes = report.unchecked.iter().find(|u| u.resource == "nodes").expect("nodes");
    assert!(
        nodes.reason.contains("forbidden") && nodes.reason.contains("\"dev\""),
        "the server's words: {}",
        nodes.reason
    );
    assert!(report.checked.contains(&"pods".to_string()) && report.checked.contains(&"services".to_string()));
    assert_eq!(verdict(&report, FaultKind::Pod, "checkout-"), "Crashing on start: exit code 1, 7 restarts");
    assert!(!report.faults.iter().any(|f| f.kind == FaultKind::Ingress), "ingresses were not read, so not judged");
}

/// `mosaic faults ARGS` against the cluster as `user`: exit code and standard output.
fn run(cluster: &Cluster, user: &str, args: &[&str]) -> (i32, String, String) {
    let kubeconfig = cluster.kubeconfig(user, "shop");
    let data = tempfile::tempdir().expect("data dir");
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("faults")
        .args(args)
        .env("MOSAIC_DATA_DIR", data.path())
        .env("XDG_STATE_HOME", data.path())
        .output()
        .expect("mosaic runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn mosaic_faults_json_matches_its_documented_schema_and_exit_codes() {
    let cluster = Cluster::start(Scenario::demo());
    let schema = documented(include_str!("../docs/json/faults.md"));
    assert!(schema.len() >= 15, "the schema table parses: {schema:?}");
    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // admin in shop: faults, nothing unchecked; dev in shop: forbidden kinds; admin in kube-system: no fault.
    for (user, args, code) in [
        ("admin", vec!["-o", "json"], 2),
        ("dev", vec!["-o", "json"], 2),
        ("admin", vec!["-n", "kube-system", "-o", "json"], 0),
        ("admin", vec!["-A", "-o", "json"], 2),
    ] {
        let (status, stdout, stderr) = run(&cluster, user, &args);
        assert_eq!(status, code, "{user} {args:?}: {stderr}\n{stdout}");
        let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        for (path, value) in values(&json) {
            seen.entry(path).or_default().insert(type_of(value).to_string());
        }
        if args.contains(&"-A") {
            assert_eq!(json["namespace"], Value::Null);
            let namespaces: BTreeSet<&str> =
                json["faults"].as_array().into_iter().flatten().filter_map(|f| f["namespace"].as_str()).collect();
            assert!(namespaces.contains("shop"), "{namespaces:?}");
        }
    }
    for (field, types) in &seen {
        let allowed = schema.get(field).unwrap_or_else(|| panic!("`{field}` is not documented in docs/json/faults.md"));
        assert!(types.is_subset(allowed), "`{field}` is {types:?}, documented as {allowed:?}");
    }
    for (field, allowed) in &schema {
        let types = seen.get(field).unwrap_or_else(|| panic!("documented `{field}` never appears in the output"));
        let nullable = allowed.contains("null");
        assert!(
            !nullable || types.len() == 2 || field.ends_with("namespace") || field.ends_with("canI"),
            "`{field}`: both forms of a nullable field should be exercised, saw {types:?}"
        );
    }
}

#[test]
fn mosaic_faults_text_and_markdown() {
    let cluster = Cluster::start(Scenario::demo());
    let (status, text, _) = run(&cluster, "admin", &[]);
    assert_eq!(status, 2);
    assert!(text.starts_with("Faults in namespace shop (context sim-admin): "), "{text}");
    let line = text.lines().find(|l| l.contains("shop/checkout-") && l.starts_with("CRITICAL")).expect("checkout");
    assert!(line.contains("Pod") && line.ends_with("Crashing on start: exit code 1, 7 restarts"), "{line}");
    let (_, markdown, _) = run(&cluster, "admin", &["-o", "markdown"]);
    assert!(markdown.contains("| severity | kind | object | verdict | next check |"), "{markdown}");
    assert!(markdown.contains("| critical | Ingress | shop/search |"), "{markdown}");
    // Nothing readable at all is a failure (exit 1), not "no fault".
    let (status, text, stderr) = run(&cluster, "dev", &["-A"]);
    assert_eq!(status, 1, "{text}{stderr}");
    assert!(text.contains("Could not check:") && stderr.contains("nothing could be checked with -A"), "{stderr}");
}
