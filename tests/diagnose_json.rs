//! `mosaic diagnose` as a script runs it: the real binary against the simulated demo shop. Its exit codes on a
//! healthy, a broken and a half-readable Service, and its JSON checked against the schema in
//! `docs/json/diagnose.md`: every documented field present with its type, and no field left undocumented.
use crate::support;

use std::collections::{BTreeMap, BTreeSet};

use mosaic::sim::Scenario;
use serde_json::Value;
use support::cluster::Cluster;
use support::json_schema::{documented, type_of, values};
use support::pty::Sandbox;

const SCHEMA: &str = include_str!("../docs/json/diagnose.md");

/// `mosaic --kubeconfig … diagnose ARGS` as `user`: (exit code, stdout, stderr).
fn diagnose(cluster: &Cluster, user: &str, args: &[&str]) -> (i32, String, String) {
    let sandbox = Sandbox::new();
    let kubeconfig = cluster.kubeconfig(user, "shop").display().to_string();
    let mut all = vec!["--kubeconfig", kubeconfig.as_str(), "diagnose"];
    all.extend_from_slice(args);
    let out = sandbox.command(&all, &[]).output().expect("mosaic runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The schema's complaints about one document; the paths it showed are added to `seen`.
fn check(doc: &Value, schema: &BTreeMap<String, BTreeSet<String>>, seen: &mut BTreeMap<String, usize>) -> Vec<String> {
    let mut problems = Vec::new();
    let values = values(doc);
    for (path, value) in &values {
        *seen.entry(path.clone()).or_default() += 1;
        match schema.get(path) {
            None => problems.push(format!("`{path}` is not documented")),
            Some(types) if !types.contains(type_of(value)) => {
                let allowed: Vec<&str> = types.iter().map(String::as_str).collect();
                problems.push(format!("`{path}` is {} but documented as {}", type_of(value), allowed.join(" or ")))
            }
            Some(_) => {}
        }
    }
    // Every documented field of every object that is there.
    for path in schema.keys().filter(|p| !p.ends_with("[]")) {
        let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
        let parents: Vec<&Value> = if parent.is_empty() {
            vec![doc]
        } else {
            values.iter().filter(|(p, _)| p == parent).map(|(_, v)| *v).collect()
        };
        for object in parents.iter().filter_map(|v| v.as_object()) {
            if !object.contains_key(key) {
                problems.push(format!("`{path}` is missing"));
            }
        }
    }
    problems
}

#[test]
fn exit_codes_and_json_follow_the_documented_schema() {
    let cluster = Cluster::start(Scenario::demo());
    let schema = documented(SCHEMA);
    assert!(schema.len() > 30, "the schema table parses: {schema:?}");
    let mut seen = BTreeMap::new();
    let runs = [
        ("admin", "svc/storefront", 0, "traffic-should-flow"),
        ("admin", "svc/payments-api", 2, "cause-found"),
        // dev may not read NetworkPolicies, Ingresses, EndpointSlices, namespaces or kube-system.
        ("dev", "svc/storefront", 3, "undecided"),
    ];
    for (user, target, code, outcome) in runs {
        let (status, stdout, stderr) = diagnose(&cluster, user, &[target, "-n", "shop", "-o", "json"]);
        assert_eq!(status, code, "{user} {target}: {stderr}\n{stdout}");
        let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{target}: {e}\n{stdout}"));
        assert_eq!(doc["outcome"], outcome, "{target}");
        assert_eq!(doc["exit_code"], code, "{target}");
        let problems = check(&doc, &schema, &mut seen);
        assert!(problems.is_empty(), "{user} {target}:\n{}", problems.join("\n"));
    }
    let never: Vec<&String> = schema.keys().filter(|p| !seen.contains_key(*p)).collect();
    assert!(never.is_empty(), "documented fields no run showed, so untested: {never:?}");
}

#[test]
fn the_broken_service_gets_its_cause_and_fix_in_every_format() {
    let cluster = Cluster::start(Scenario::demo());
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/payments-api", "-n", "shop"]);
    assert_eq!(status, 2);
    assert!(text.starts_with("service shop/payments-api: Cause found"), "{text}");
    assert!(text.contains("FAIL 2. The selector matches the app's pods"), "{text}");
    assert!(text.contains("Fix: Set `spec.selector` of Service `payments-api` to `app=payments-api`."), "{text}");
    let (status, md, _) = diagnose(&cluster, "admin", &["svc/payments-api", "-n", "shop", "-o", "markdown"]);
    assert_eq!(status, 2);
    assert!(md.contains("```sh\nkubectl --context sim-admin -n shop patch service payments-api"), "{md}");
    // A port the Service does not have is the cause; a port by name is accepted.
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/storefront", "-n", "shop", "--port", "8443"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("has no port `8443`"), "{text}");
    let (status, _, _) = diagnose(&cluster, "admin", &["svc/storefront", "-n", "shop", "--port", "http"]);
    assert_eq!(status, 0);
    // ledger is healthy, but a default-deny policy drops every connection to it.
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/ledger", "-n", "payments"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("FAIL 6. No NetworkPolicy drops the traffic"), "{text}");
    assert!(text.contains("NetworkPolicy payments/default-deny-ingress"), "{text}");
    // A missing Service is a cause too; a bad target is a usage error (exit 1, nothing on stdout).
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/nope", "-n", "shop"]);
    assert_eq!(status, 2);
    assert!(text.contains("There is no Service `nope` in namespace `shop`"), "{text}");
    let (status, stdout, stderr) = diagnose(&cluster, "admin", &["deploy/storefront", "-n", "shop"]);
    assert_eq!((status, stdout.as_str()), (1, ""));
    assert!(stderr.contains("mosaic diagnose takes svc/NAME"), "{stderr}");
}

#[test]
fn from_names_the_traffic_source_and_a_malformed_one_is_refused() {
    let cluster = Cluster::start(Scenario::demo());
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/ledger", "-n", "payments"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("\nTraffic from any pod in namespace `payments` (--from payments)\n"), "the default: {text}");
    let args = ["svc/ledger", "-n", "payments", "--from", "shop/app=checkout", "-o", "json"];
    let (status, stdout, stderr) = diagnose(&cluster, "admin", &args);
    assert_eq!(status, 2, "default-deny-ingress drops it: {stderr}\n{stdout}");
    let doc: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["source"], "shop/app=checkout");
    let policy = doc["steps"].as_array().and_then(|s| s.iter().find(|s| s["id"] == "network-policies")).expect("step");
    assert!(
        policy["checked"].as_array().is_some_and(|c| c
            .iter()
            .any(|e| e["field"] == "source" && e["value"] == "pods labelled `app=checkout` in namespace `shop`")),
        "{policy:#}"
    );
    // storefront lets anyone in on 8080: from any pod anywhere, traffic flows.
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/storefront", "-n", "shop", "--from", "any-pod"]);
    assert_eq!(status, 0, "{text}");
    assert!(text.contains("Traffic from any pod in any namespace (--from any-pod)"), "{text}");
    // A malformed source is a usage error before anything is read: exit 1, the reason, nothing on stdout.
    for (from, said) in [
        ("app=checkout", "--from \"app=checkout\": `app=checkout` names no namespace: write NS/app=checkout"),
        ("shop/app", "--from \"shop/app\": `app` is not LABEL=VALUE (for example app=web)"),
        ("Shop/app=web", "--from \"Shop/app=web\": `Shop` is not a namespace name"),
        ("", "--from \"\": no traffic source given: write NS/LABEL=VALUE[,LABEL=VALUE]"),
    ] {
        let before = cluster.handle.requests().len();
        let (status, stdout, stderr) = diagnose(&cluster, "admin", &["svc/ledger", "-n", "payments", "--from", from]);
        assert_eq!((status, stdout.as_str()), (1, ""), "{from:?}: {stderr}");
        assert!(stderr.contains(said), "{from:?}: {stderr}");
        assert_eq!(cluster.handle.requests().len(), before, "{from:?}: nothing read");
    }
}

/// The probe step of a JSON report.
fn probe_step(doc: &Value) -> &Value {
    let steps = doc["steps"].as_array().expect("steps");
    let probes: Vec<&Value> = steps.iter().filter(|s| s["id"] == "probe").collect();
    assert_eq!(probes.len(), 1, "one probe step, last: {steps:#?}");
    assert_eq!(steps.last(), Some(probes[0]), "the probe runs after the static steps");
    probes[0]
}

#[test]
fn with_probe_the_active_probe_runs_after_the_static_steps_and_its_pod_is_deleted() {
    let cluster = Cluster::start(Scenario::demo());
    let schema = documented(SCHEMA);
    let mut seen = BTreeMap::new();
    let (status, stdout, stderr) =
        diagnose(&cluster, "admin", &["svc/storefront", "-n", "shop", "--probe", "-o", "json"]);
    assert_eq!(status, 0, "{stderr}\n{stdout}");
    let doc: Value = serde_json::from_str(&stdout).expect("json");
    let problems = check(&doc, &schema, &mut seen);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let probe = probe_step(&doc);
    assert_eq!(probe["verdict"], "pass", "{probe:#}");
    let answers: Vec<&str> = probe["checked"].as_array().unwrap().iter().filter_map(|e| e["value"].as_str()).collect();
    assert!(answers.iter().filter(|v| v.starts_with("HTTP 200")).count() >= 2, "the Service and its pods: {answers:?}");
    let run = probe["kubectl"][0].as_str().expect("the kubectl run line");
    assert!(run.starts_with("kubectl --context sim-admin -n shop run mosaic-probe-"), "{run}");
    assert!(doc["diagnosis"]["root_cause"].as_str().unwrap().contains("traffic flows"), "{doc:#}");
    let pod = run.split_whitespace().nth(6).expect("the pod's name");
    assert!(pod.starts_with("mosaic-probe-"), "{run}");
    assert!(cluster.handle.get("v1", "Pod", Some("shop"), pod).is_none(), "the probe pod {pod} is deleted");
    assert!(cluster.handle.requests().iter().any(|r| r.method == "DELETE" && r.path.ends_with(pod)));

    // ledger: the static NetworkPolicy step is the cause, the probe's timeout confirms it.
    let (status, text, _) = diagnose(&cluster, "admin", &["svc/ledger", "-n", "payments", "--probe"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("FAIL 9. Traffic reaches the Service and its pods"), "{text}");
    assert!(text.contains("NetworkPolicy payments/default-deny-ingress"), "the static cause comes first: {text}");

    // dev may not create pods: the probe step says so, in markdown too.
    let (status, md, _) = diagnose(&cluster, "dev", &["svc/storefront", "-n", "shop", "--probe", "-o", "markdown"]);
    assert_eq!(status, 3, "{md}");
    assert!(md.contains("| 9 | Traffic reaches the Service and its pods | could-not-check |"), "{md}");
    assert!(md.contains("may not create pods"), "{md}");
    assert!(md.contains("kubectl auth can-i create pods -n shop --context sim-dev"), "{md}");
}
