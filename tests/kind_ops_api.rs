//! Tier 3: the node and CronJob keys, and describe/YAML from any list, through the app loop (the same update
//! function and runtime as the binary) against the simulated demo cluster. Each key is checked by the exact
//! requests the server received; a Secret list and its describe are checked for leaked values.
use crate::support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::action::Action;
use mosaic::app::state::Check;
use mosaic::app::{Effect, Mode, Msg, State};
use mosaic::cluster::{Kind, resources};
use mosaic::sim::{Flavour, RecordedRequest, Scenario, SimHandle, SimOptions, SimServer};
use serde_json::{Value, json};
use support::headless::{Headless, synced};
use support::screen::{paint, text};

async fn sim(flavour: Flavour) -> SimHandle {
    let opts = SimOptions { flavour, pod_removal_delay: Duration::from_secs(60), ..SimOptions::default() };
    SimServer::start(Scenario::demo(), opts).await.expect("sim starts")
}

/// mosaic as admin in shop on `sim`, on a 120x40 screen.
async fn open(sim: &SimHandle) -> Headless {
    let mut ui = Headless::open(sim, "admin", "shop", false).await;
    ui.send(Msg::Resize(120, 40));
    ui
}

/// The steps these tests repeat: open a list on one object, run an action key through its confirmation, and
/// read the screen.
trait KindOps {
    async fn select(&mut self, word: &str, name: &str);
    async fn confirm(&mut self, key: char) -> String;
    fn screen(&self) -> String;
}

impl KindOps for Headless {
    /// `:WORD`, wait for the list, then put the cursor on `name`.
    async fn select(&mut self, word: &str, name: &str) {
        self.press(':');
        for c in word.chars() {
            self.press(c);
        }
        self.enter();
        self.until(&format!("the {word} list with {name}"), |s| {
            synced(s) && s.index.keys.iter().any(|(_, n)| n == name)
        })
        .await;
        let position = self.state.index.keys.iter().position(|(_, n)| n == name).expect("listed");
        self.state.select(position);
    }

    /// Press an action key, wait for the server's yes, run it with `y`, and wait for its outcome.
    async fn confirm(&mut self, key: char) -> String {
        self.press(key);
        self.until("the confirmation, allowed", |s| matches!(&s.mode, Mode::Confirm(c) if c.check == Check::Allowed))
            .await;
        let Mode::Confirm(confirm) = &self.state.mode else { unreachable!() };
        let command = confirm.plan.command.clone();
        self.press('y');
        self.until("the outcome", |s| matches!(s.mode, Mode::Normal) && s.flash.is_some()).await;
        let flash = self.state.flash.clone().expect("flash");
        assert!(!flash.error, "{command}: {}", flash.text);
        command
    }

    fn screen(&self) -> String {
        text(&paint(&self.state, 120, 40))
    }
}

/// The requests of these methods since the last reset, without the watches' and access reviews' traffic.
fn changes(sim: &SimHandle) -> Vec<RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| matches!(r.method.as_str(), "PATCH" | "POST" | "PUT" | "DELETE"))
        .filter(|r| !r.path.contains("selfsubjectaccessreviews"))
        .collect()
}

fn shape(r: &RecordedRequest) -> (String, String, Option<Value>) {
    (r.method.clone(), r.path.clone(), r.body.clone())
}

#[tokio::test]
async fn node_keys_cordon_uncordon_and_drain_with_the_exact_requests() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim).await;
    ui.select("no", "node-b").await;

    sim.reset_counts();
    let command = ui.confirm('C').await;
    assert_eq!(command, "kubectl --context sim-admin cordon node-b");
    let sent: Vec<_> = changes(&sim).iter().map(shape).collect();
    assert_eq!(sent, [("PATCH".into(), "/api/v1/nodes/node-b".into(), Some(json!({"spec": {"unschedulable": true}})))]);
    ui.until("node-b shown cordoned", |s| s.screen_has("SchedulingDisabled")).await;

    sim.reset_counts();
    ui.confirm('U').await;
    let sent: Vec<_> = changes(&sim).iter().map(shape).collect();
    assert_eq!(sent, [("PATCH".into(), "/api/v1/nodes/node-b".into(), Some(json!({"spec": {"unschedulable": null}})))]);

    // Drain: the pods of the node are listed first, by field selector, across namespaces.
    sim.reset_counts();
    ui.press('D');
    ui.until("the drain confirmation", |s| matches!(&s.mode, Mode::Confirm(c) if c.check == Check::Allowed)).await;
    let list = sim.requests().into_iter().find(|r| r.method == "GET" && r.path == "/api/v1/pods").expect("pod list");
    assert_eq!(list.query.get("fieldSelector").map(String::as_str), Some("spec.nodeName=node-b"));
    let Mode::Confirm(confirm) = &ui.state.mode else { unreachable!() };
    let Action::Drain { pods, .. } = confirm.action.clone() else { panic!("{:?}", confirm.action) };
    assert!(!pods.is_empty(), "node-b runs pods");
    assert!(confirm.notes.iter().any(|n| n.contains("kube-proxy-") && n.contains("DaemonSet")), "{:?}", confirm.notes);
    for pod in &pods {
        let line = format!("  {}/{}", pod.namespace, pod.name);
        assert!(confirm.notes.contains(&line), "{line} listed in {:?}", confirm.notes);
    }
    let screen = ui.screen();
    assert!(screen.contains("Leaves 1 pod(s) running:"), "{screen}");
    sim.reset_counts();
    ui.press('y');
    ui.until("the drain's outcome", |s| matches!(s.mode, Mode::Normal) && s.flash.is_some()).await;
    let sent = changes(&sim);
    assert_eq!(shape(&sent[0]).1, "/api/v1/nodes/node-b", "cordoned first");
    let evictions: Vec<String> = sent[1..].iter().map(|r| r.path.clone()).collect();
    let wanted: Vec<String> =
        pods.iter().map(|p| format!("/api/v1/namespaces/{}/pods/{}/eviction", p.namespace, p.name)).collect();
    assert_eq!(evictions, wanted, "one eviction per pod shown, in order, and nothing else");
}

#[tokio::test]
async fn cronjob_keys_suspend_resume_and_trigger_with_the_exact_requests() {
    let sim = sim(Flavour::Modern).await;
    let mut ui = open(&sim).await;
    ui.select("cj", "nightly-report").await;
    let path = "/apis/batch/v1/namespaces/shop/cronjobs/nightly-report";

    for (key, suspend) in [('s', true), ('r', false)] {
        ui.until("the row in step", |s| s.screen_has(if suspend { "False" } else { "True" })).await;
        sim.reset_counts();
        ui.confirm(key).await;
        let sent: Vec<_> = changes(&sim).iter().map(shape).collect();
        assert_eq!(sent, [("PATCH".into(), path.into(), Some(json!({"spec": {"suspend": suspend}})))]);
        assert_eq!(sim.get("batch/v1", "CronJob", Some("shop"), "nightly-report").unwrap()["spec"]["suspend"], suspend);
    }

    sim.reset_counts();
    let command = ui.confirm('t').await;
    let job = command
        .split_whitespace()
        .find(|w| w.starts_with("nightly-report-manual-"))
        .expect("the job's name in the line")
        .to_string();
    assert!(command.ends_with(&format!("create job {job} --from=cronjob/nightly-report")), "{command}");
    let sent = changes(&sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].method.as_str(), sent[0].path.as_str()), ("POST", "/apis/batch/v1/namespaces/shop/jobs"));
    let body = sent[0].body.clone().expect("body");
    assert_eq!(body["metadata"]["name"], job.as_str());
    assert_eq!(body["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"], "manual");
    assert_eq!(body["metadata"]["ownerReferences"][0]["name"], "nightly-report");

    ui.select("jobs", &job).await;
}

#[tokio::test]
async fn describe_and_yaml_name_the_served_version_and_discovered_kinds() {
    // A 1.19 server serves CronJobs at batch/v1beta1 only: describe reads them there, as the list does.
    let sim = sim(Flavour::V1_19).await;
    let mut ui = open(&sim).await;
    ui.select("cj", "nightly-report").await;
    // The palette asked what the server serves; that answer names the version.
    ui.until("discovery", |s| !s.kinds.served().is_empty()).await;
    let cronjobs = ui.state.kinds.served().iter().find(|s| s.kind == Kind::CronJob).expect("CronJobs discovered");
    assert_eq!(resources::get(cronjobs.resource).api_version(), "batch/v1beta1", "as kubectl api-resources shows");
    sim.reset_counts();
    ui.press('d');
    ui.until("the describe pane", |s| s.object_pane.as_ref().is_some_and(|p| !p.loading)).await;
    let gets: Vec<String> = sim.requests().into_iter().filter(|r| r.method == "GET").map(|r| r.path).collect();
    assert!(gets.contains(&"/apis/batch/v1beta1/namespaces/shop/cronjobs/nightly-report".to_string()), "{gets:?}");
    let pane = ui.state.object_pane.as_ref().expect("pane");
    assert!(pane.lines.iter().any(|l| l.starts_with("Name:") && l.contains("nightly-report")), "{:?}", pane.lines);
    ui.press('q');
    // Suspend and trigger too.
    sim.reset_counts();
    ui.confirm('s').await;
    let sent: Vec<_> = changes(&sim).iter().map(shape).collect();
    let path = "/apis/batch/v1beta1/namespaces/shop/cronjobs/nightly-report";
    assert_eq!(sent, [("PATCH".into(), path.into(), Some(json!({"spec": {"suspend": true}})))]);
    sim.reset_counts();
    ui.confirm('t').await;
    let sent = changes(&sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let owner = &sent[0].body.as_ref().expect("the job")["metadata"]["ownerReferences"][0];
    assert_eq!((owner["apiVersion"].as_str(), owner["kind"].as_str()), (Some("batch/v1beta1"), Some("CronJob")));

    // A namespaced custom resource and a cluster-scoped discovered kind.
    let sim = self::sim(Flavour::Modern).await;
    let mut ui = open(&sim).await;
    for (word, name, path) in [
        ("certificates", "storefront-tls", "/apis/cert-manager.io/v1/namespaces/shop/certificates/storefront-tls"),
        (
            "crd",
            "certificates.cert-manager.io",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io",
        ),
    ] {
        ui.select(word, name).await;
        for key in ['d', 'y'] {
            sim.reset_counts();
            ui.press(key);
            ui.until("the pane", |s| s.object_pane.as_ref().is_some_and(|p| !p.loading)).await;
            let gets: Vec<String> = sim.requests().into_iter().filter(|r| r.method == "GET").map(|r| r.path).collect();
            assert!(gets.contains(&path.to_string()), "{word} {key}: {gets:?}");
            let pane = ui.state.object_pane.as_ref().expect("pane");
            assert!(pane.lines.iter().any(|l| l.contains(name)), "{word} {key}: {:?}", pane.lines);
            ui.press('q');
        }
    }

    // Ctrl-d deletes a custom resource at its own URL, in the background cascade kubectl uses.
    ui.select("cert", "storefront-tls").await;
    sim.reset_counts();
    ui.send(Msg::Key(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)));
    ui.until("the confirmation, allowed", |s| matches!(&s.mode, Mode::Confirm(c) if c.check == Check::Allowed)).await;
    ui.press('y');
    ui.until("the outcome", |s| matches!(s.mode, Mode::Normal) && s.flash.is_some()).await;
    let sent = changes(&sim);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let path = "/apis/cert-manager.io/v1/namespaces/shop/certificates/storefront-tls";
    assert_eq!((sent[0].method.as_str(), sent[0].path.as_str()), ("DELETE", path));
    assert!(sim.get("cert-manager.io/v1", "Certificate", Some("shop"), "storefront-tls").is_none());
}

#[tokio::test]
async fn a_secret_list_and_its_describe_never_show_a_value_until_one_is_revealed() {
    let sim = sim(Flavour::Modern).await;
    let mut secret = sim.get("v1", "Secret", Some("shop"), "cart-redis").expect("the demo secret");
    secret["data"] = json!({"password": "aHVudGVyMi14eXp6eQ==", "token": "dG9rLTEyMzQ1Njc4OQ=="});
    sim.upsert(secret).expect("values");
    let leaks = ["aHVudGVyMi14eXp6eQ==", "hunter2-xyzzy", "dG9rLTEyMzQ1Njc4OQ==", "tok-123456789"];
    let assert_clean = |text: &str, what: &str| {
        for leak in leaks {
            assert!(!text.contains(leak), "{what} shows {leak}:\n{text}");
        }
    };

    let mut ui = open(&sim).await;
    ui.select("secrets", "cart-redis").await;
    let list = ui.screen();
    assert!(list.contains("cart-redis") && list.contains("Opaque"), "{list}");
    assert_clean(&list, "the list");
    ui.press('p');
    assert_clean(&ui.screen(), "the list with its game plan");
    ui.press('c');
    ui.press('p');

    ui.press('d');
    ui.until("the describe pane", |s| s.object_pane.as_ref().is_some_and(|p| !p.loading)).await;
    let describe = ui.screen();
    assert!(describe.contains("password:  •••••• (13 bytes)"), "{describe}");
    assert_clean(&describe, "describe");
    ui.press('c');
    ui.press('q');
    ui.press('y');
    ui.until("the YAML pane", |s| s.object_pane.as_ref().is_some_and(|p| !p.loading)).await;
    assert_clean(&ui.screen(), "the YAML");

    // Revealing one key shows that value only, decoded.
    ui.press('v');
    ui.enter();
    let revealed = ui.screen();
    assert!(revealed.contains("password (revealed, v hides it): hunter2-xyzzy"), "{revealed}");
    assert!(!revealed.contains("tok-123456789"), "only the chosen key");
    ui.press('v');
    assert_clean(&ui.screen(), "the pane after hiding");
    ui.press('q');

    // Nothing in what was copied, the transcript, or what a log line could print (effects and state as Debug).
    let copied: Vec<&String> = ui
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy(text) => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 2, "{copied:?}");
    assert_clean(&format!("{copied:?}"), "a copy");
    let entries = ui.store.transcript(Some("session-1".into())).await.expect("transcript");
    assert!(!entries.is_empty(), "describe and YAML were recorded");
    assert_clean(&format!("{entries:?}"), "the transcript");
    assert_clean(&format!("{:?}{:?}", ui.effects, ui.state), "a Debug print");
}

trait ScreenHas {
    fn screen_has(&self, text: &str) -> bool;
}

impl ScreenHas for State {
    /// Whether the selected row's cells show `text` (the list as data, without drawing).
    fn screen_has(&self, text: &str) -> bool {
        self.selected()
            .and_then(|k| self.row(k))
            .is_some_and(|row| row.cells.iter().any(|c| c.display(self.now).contains(text)))
    }
}
