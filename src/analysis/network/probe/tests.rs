//! The probe's targets on the real 1.19 fixtures (namespace `acme`), its log format, and its wizard step.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Pod, Service};
use serde_json::Value;

use super::*;

const SERVICES: &str = include_str!("../../../../tests/fixtures/real-1.19/services-list.json");
const PODS: &str = include_str!("../../../../tests/fixtures/real-1.19/pods-list.json");

fn typed<T: serde::de::DeserializeOwned>(list: &str) -> Vec<T> {
    let list: Value = serde_json::from_str(list).expect("fixture list");
    list["items"].as_array().expect("items").iter().map(|v| serde_json::from_value(v.clone()).expect("item")).collect()
}

fn acme(service: &str) -> NetSnapshot {
    let mut snap = NetSnapshot::new("acme", service, Timestamp::UNIX_EPOCH);
    snap.service = typed::<Service>(SERVICES).into_iter().find(|s| s.metadata.name.as_deref() == Some(service));
    snap.pods = typed::<Pod>(PODS);
    snap
}

fn urls(targets: &[ProbeTarget]) -> Vec<(&str, &str)> {
    targets.iter().map(|t| (t.label.as_str(), t.url.as_str())).collect()
}

#[test]
fn targets_are_the_service_name_then_each_ready_pod_on_the_target_port() {
    let targets = probe_targets(&acme("frontend"), &Question::default()).expect("targets");
    assert_eq!(
        urls(&targets),
        vec![
            ("service frontend", "http://frontend.acme.svc.cluster.local:80/"),
            // targetPort `http` is the containers' port 8080.
            ("pod frontend-58484bb74c-cgvbf", "http://10.244.0.12:8080/"),
            ("pod frontend-58484bb74c-kf2bm", "http://10.244.1.14:8080/"),
        ]
    );
    // orders' only pod is not ready: only the Service is asked.
    let targets = probe_targets(&acme("orders"), &Question::default()).expect("targets");
    assert_eq!(urls(&targets), vec![("service orders", "http://orders.acme.svc.cluster.local:80/")]);
    let question = Question { port: Some(PortRef::Number(81)), ..Question::default() };
    assert_eq!(probe_targets(&acme("frontend"), &question).unwrap_err(), "Service `frontend` has no TCP port to probe");
    assert_eq!(
        probe_targets(&acme("nope"), &Question::default()).unwrap_err(),
        "Service `nope` does not exist in `acme`"
    );
}

#[test]
fn the_curl_line_always_prints_one_parseable_line() {
    assert_eq!(
        curl_argv(1, "http://10.244.0.12:8080/"),
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "--connect-timeout",
            "5",
            "--max-time",
            "10",
            "-w",
            "mosaic-probe\\t1\\t%{http_code}\\t%{time_total}\\t%{exitcode}\\t%{errormsg}\\n",
            "http://10.244.0.12:8080/",
        ]
    );
}

fn targets() -> Vec<ProbeTarget> {
    vec![
        ProbeTarget { label: "service web".into(), url: "http://web.shop.svc.cluster.local:80/".into() },
        ProbeTarget { label: "pod web-1".into(), url: "http://10.244.0.5:8080/".into() },
        ProbeTarget { label: "pod web-2".into(), url: "http://10.244.0.6:8080/".into() },
    ]
}

#[test]
fn the_log_is_read_line_by_line() {
    let log = "some noise\n\
               mosaic-probe\t0\t200\t0.002134\t0\t\n\
               mosaic-probe\t1\t000\t5.001\t28\tConnection timed out after 5001 milliseconds\n\
               mosaic-probe\t9\t200\t0.1\t0\t\n\
               mosaic-probe\tx\n";
    let results = parse_log(log, &targets());
    assert_eq!(results.len(), 2, "{results:#?}");
    assert_eq!((results[0].status, results[0].exit, results[0].error.as_deref()), (Some(200), 0, None));
    assert_eq!(results[0].describe(), "HTTP 200 in 2 ms");
    assert_eq!((results[1].status, results[1].exit), (None, 28));
    assert_eq!(
        results[1].describe(),
        "timed out: packets were dropped (curl exit 28: Connection timed out after 5001 milliseconds)"
    );
}

fn results(outcome: ProbeOutcome) -> ProbeResults {
    ProbeResults {
        context: Some("sim-admin".into()),
        namespace: "shop".into(),
        service: "web".into(),
        pod: "mosaic-probe-abc12".into(),
        image: "curlimages/curl".into(),
        command: "kubectl --context sim-admin -n shop run mosaic-probe-abc12 …".into(),
        targets: targets(),
        outcome,
    }
}

fn answered(index: usize, status: Option<u16>, exit: i32) -> TargetResult {
    TargetResult {
        target: targets()[index].clone(),
        status,
        seconds: Some(0.004),
        exit,
        error: (exit != 0).then(|| "Failed to connect".to_string()),
    }
}

#[test]
fn every_target_answering_passes_with_the_codes_as_evidence() {
    let step =
        probe_step(&results(ProbeOutcome::Completed { targets: (0..3).map(|i| answered(i, Some(200), 0)).collect() }));
    assert_eq!(step.id, StepId::Probe);
    assert_eq!(step.verdict, Verdict::Pass);
    assert_eq!(step.summary, "All 3 targets answered over HTTP: traffic reaches Service `web`.");
    assert_eq!(step.checked[1], Evidence::new("service web http://web.shop.svc.cluster.local:80/", "HTTP 200 in 4 ms"));
    assert_eq!(step.kubectl[1], "kubectl --context sim-admin -n shop logs mosaic-probe-abc12");
}

#[test]
fn a_dropped_service_fails_and_blames_a_policy() {
    let step = probe_step(&results(ProbeOutcome::Completed {
        targets: vec![answered(0, None, 28), answered(1, None, 28), answered(2, None, 28)],
    }));
    assert_eq!(step.verdict, Verdict::Fail);
    let cause = step.cause.expect("a cause");
    assert!(cause.root_cause.contains("NetworkPolicy"), "{}", cause.root_cause);
}

#[test]
fn a_refusing_service_whose_pods_answer_blames_the_service() {
    let step = probe_step(&results(ProbeOutcome::Completed {
        targets: vec![answered(0, None, 7), answered(1, Some(200), 0), answered(2, Some(200), 0)],
    }));
    assert_eq!(step.verdict, Verdict::Fail);
    assert_eq!(
        step.cause.expect("cause").root_cause,
        "The pods answer directly, but Service `web` does not (connection refused)."
    );
    let step = probe_step(&results(ProbeOutcome::Completed { targets: vec![answered(0, None, 7)] }));
    assert!(step.cause.expect("cause").root_cause.contains("no ready endpoint"));
}

#[test]
fn server_errors_and_silent_pods_warn() {
    let step = probe_step(&results(ProbeOutcome::Completed { targets: vec![answered(0, Some(503), 0)] }));
    assert_eq!(step.verdict, Verdict::Warn);
    assert_eq!(step.checked[2].value, "no result: the probe stopped before it");
    let step = probe_step(&results(ProbeOutcome::Completed {
        targets: vec![answered(0, Some(200), 0), answered(1, Some(200), 0), answered(2, None, 7)],
    }));
    assert_eq!(step.verdict, Verdict::Warn);
    assert_eq!(step.summary, "The Service answers, but not every pod does: web-2.");
}

#[test]
fn a_probe_that_could_not_run_says_where_it_stopped() {
    let reason = "User \"dev\" may not create pods in namespace \"shop\"";
    let step = probe_step(&results(ProbeOutcome::CouldNotRun { stage: ProbeStage::Permission, reason: reason.into() }));
    assert_eq!(step.verdict, Verdict::CouldNotCheck(reason.into()));
    assert_eq!(step.checked[1], Evidence::new("stopped at", "permission"));
    let step = probe_step(&results(ProbeOutcome::CouldNotRun {
        stage: ProbeStage::ImagePull,
        reason: "the image could not be pulled".into(),
    }));
    assert_eq!(step.checked[1].value, "image pull");
    let step = probe_step(&results(ProbeOutcome::Completed { targets: vec![] }));
    assert!(matches!(step.verdict, Verdict::CouldNotCheck(_)));
}
