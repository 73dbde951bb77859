//! The YAML editor through the app loop, headless: the same update function and runtime as the binary against
//! the simulated demo cluster. An edit round trip (a parse error with its position, a dry-run diff, the exact
//! PUT), a conflict and its reload, and a Secret edited without a value ever reaching the screen or SQLite.
use crate::support;

use std::collections::BTreeMap;

use crossterm::event::KeyCode;
use mosaic::action::ObjectRef;
use mosaic::app::editor::Phase;
use mosaic::sim::{RecordedRequest, Scenario, SimHandle, SimOptions, SimServer};
use ratatui_textarea::TextArea;
use serde_json::{Value, json};
use support::headless::{Headless, synced};

async fn open(sim: &SimHandle, user: &str) -> Headless {
    Headless::open(sim, user, "shop", false).await
}

impl Headless {
    fn phase(&self) -> Option<&Phase> {
        self.state.editor.as_ref().map(|e| &e.phase)
    }

    async fn until_phase(&mut self, what: &str, wanted: fn(&Phase) -> bool) {
        self.until(what, |s| s.editor.as_ref().is_some_and(|e| wanted(&e.phase))).await;
    }

    /// `:deploy`, then the cursor on `name`.
    async fn select_deployment(&mut self, name: &str) {
        self.key(KeyCode::Char(':'));
        self.type_text("deploy");
        self.key(KeyCode::Enter);
        self.until("the deployment list", synced).await;
        let position = self.state.index.keys.iter().position(|(_, n)| n == name).expect("the deployment is listed");
        self.state.select(position);
    }

    /// `e` on the deployment `name`: the YAML the editor loaded.
    async fn edit_deployment(&mut self, name: &str) -> String {
        self.select_deployment(name).await;
        self.key(KeyCode::Char('e'));
        self.until_phase("the YAML to edit", |p| *p == Phase::Editing).await;
        self.text()
    }

    fn text(&self) -> String {
        self.state.editor.as_ref().expect("editor").text()
    }

    fn set_text(&mut self, text: &str) {
        let editor = self.state.editor.as_mut().expect("editor");
        editor.textarea = TextArea::new(text.lines().map(str::to_string).collect());
    }
}

async fn sim() -> SimHandle {
    SimServer::start(Scenario::demo(), SimOptions::default()).await.expect("sim starts")
}

fn puts(sim: &SimHandle) -> Vec<RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.method == "PUT").collect()
}

#[tokio::test]
async fn edit_round_trip_rejects_bad_yaml_then_applies_the_change_with_the_exact_request() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin").await;
    let loaded = ui.edit_deployment("cart").await;
    assert!(loaded.contains("  replicas: 2"), "{loaded}");
    assert!(!loaded.contains("managedFields"), "{loaded}");

    // Invalid YAML: the message names the line and column, the cursor goes there, nothing is sent.
    sim.reset_counts();
    ui.set_text(&loaded.replacen("  replicas: 2", "  replicas: 2\n   oops: [1", 1));
    ui.ctrl('s');
    let editor = ui.state.editor.as_ref().expect("editor");
    let (message, error) = editor.message.clone().expect("a message");
    let line = loaded.lines().position(|l| l == "  replicas: 2").expect("replicas line") + 2;
    assert!(error && message.starts_with(&format!("YAML error at line {line}, column 8:")), "{message}");
    let cursor = editor.textarea.cursor();
    assert_eq!((cursor.0, cursor.1), (line - 1, 7));
    assert_eq!(editor.phase, Phase::Editing);
    assert!(puts(&sim).is_empty(), "nothing was sent for invalid YAML");

    // A valid change: dry run, diff, then `y` sends the PUT.
    ui.set_text(&loaded.replacen("  replicas: 2", "  replicas: 3", 1));
    ui.ctrl('s');
    ui.until_phase("the dry-run diff", |p| matches!(p, Phase::Review { .. })).await;
    let Some(Phase::Review { diff }) = ui.phase() else { unreachable!() };
    assert!(diff.contains("-  replicas: 2\n+  replicas: 3\n"), "{diff}");
    let dry = puts(&sim);
    assert_eq!(dry.len(), 1);
    assert_eq!(dry[0].query.get("dryRun").map(String::as_str), Some("All"));
    let mut expected: Value = ui.state.editor.as_ref().expect("editor").server.0.clone();
    expected["spec"]["replicas"] = json!(3);
    sim.reset_counts();
    ui.key(KeyCode::Char('y'));
    ui.until("the editor to close", |s| s.editor.is_none()).await;
    let sent = puts(&sim);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(
        (sent[0].method.as_str(), sent[0].path.as_str()),
        ("PUT", "/apis/apps/v1/namespaces/shop/deployments/cart")
    );
    assert_eq!(sent[0].query, BTreeMap::from([("fieldManager".to_string(), "mosaic".to_string())]));
    assert_eq!(sent[0].body, Some(expected), "the body is the edited object, resourceVersion included");
    let stored = sim.get("apps/v1", "Deployment", Some("shop"), "cart").expect("cart");
    assert_eq!(stored["spec"]["replicas"], 3);
    assert_eq!(
        ui.state.flash.as_ref().map(|f| f.text.as_str()),
        Some("Replaced deployment cart in shop with the edited YAML")
    );
    let entries = ui.store.transcript(Some("session-1".into())).await.expect("transcript");
    let edit = entries.iter().rfind(|e| !e.dry_run).expect("the edit is in the transcript");
    assert_eq!(edit.command, "kubectl --context sim-admin -n shop replace -f -");
}

#[tokio::test]
async fn a_conflict_offers_a_reload_that_keeps_the_users_change() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin").await;
    let loaded = ui.edit_deployment("cart").await;

    // Someone else changes the deployment meanwhile.
    let mut theirs = sim.get("apps/v1", "Deployment", Some("shop"), "cart").expect("cart");
    theirs["metadata"]["labels"]["changed-by"] = json!("someone-else");
    sim.upsert(theirs).expect("their change");

    ui.set_text(&loaded.replacen("  replicas: 2", "  replicas: 4", 1));
    ui.ctrl('s');
    ui.until_phase("the conflict", |p| matches!(p, Phase::Conflict { .. })).await;
    let Some(Phase::Conflict { message }) = ui.phase() else { unreachable!() };
    assert!(message.contains("changed since you looked") && message.contains("r reloads"), "{message}");
    assert_eq!(sim.get("apps/v1", "Deployment", Some("shop"), "cart").expect("cart")["spec"]["replicas"], 2);

    ui.key(KeyCode::Char('r'));
    ui.until_phase("the reload", |p| *p == Phase::Editing).await;
    let text = ui.text();
    assert!(text.contains("  replicas: 4"), "the user's change is kept: {text}");
    assert!(text.contains("changed-by: someone-else"), "the server's change is there too: {text}");
    let (message, _) = ui.state.editor.as_ref().and_then(|e| e.message.clone()).expect("a note");
    assert!(message.starts_with("Reloaded resourceVersion"), "{message}");

    ui.ctrl('s');
    ui.until_phase("the dry-run diff", |p| matches!(p, Phase::Review { .. })).await;
    ui.key(KeyCode::Char('y'));
    ui.until("the editor to close", |s| s.editor.is_none()).await;
    let stored = sim.get("apps/v1", "Deployment", Some("shop"), "cart").expect("cart");
    assert_eq!(stored["spec"]["replicas"], 4);
    assert_eq!(stored["metadata"]["labels"]["changed-by"], "someone-else");
}

#[tokio::test]
async fn editing_a_secret_never_shows_or_stores_a_value_and_keeps_the_data() {
    let sim = sim().await;
    let mut secret = sim.get("v1", "Secret", Some("shop"), "cart-redis").expect("the demo secret");
    // Distinctive values, so a leak cannot hide among ordinary words.
    secret["data"] = json!({"password": "aHVudGVyMi14eXp6eQ==", "token": "dG9rLTEyMzQ1Njc4OQ=="});
    sim.upsert(secret).expect("values");
    let leaks = ["aHVudGVyMi14eXp6eQ==", "hunter2-xyzzy", "dG9rLTEyMzQ1Njc4OQ==", "tok-123456789"];

    let mut ui = open(&sim, "admin").await;
    let target = ObjectRef::new("v1", "Secret", "secrets", Some("shop"), "cart-redis");
    let mut effects = Vec::new();
    mosaic::app::editor::open(&mut ui.state, target, &mut effects);
    for effect in effects {
        ui.runtime.execute(effect);
    }
    ui.until_phase("the secret's YAML", |p| *p == Phase::Editing).await;
    let text = ui.text();
    for leak in leaks {
        assert!(!text.contains(leak), "the editor shows {leak}: {text}");
    }
    ui.set_text(&text.replace("  name: cart-redis", "  labels:\n    rotated: soon\n  name: cart-redis"));
    ui.ctrl('s');
    ui.until_phase("the dry-run diff", |p| matches!(p, Phase::Review { .. })).await;
    let Some(Phase::Review { diff }) = ui.phase() else { unreachable!() };
    assert!(diff.contains("+    rotated: soon"), "{diff}");
    for leak in leaks {
        assert!(!diff.contains(leak), "the diff shows {leak}: {diff}");
    }
    ui.key(KeyCode::Char('y'));
    ui.until("the editor to close", |s| s.editor.is_none()).await;

    let stored = sim.get("v1", "Secret", Some("shop"), "cart-redis").expect("secret");
    assert_eq!(stored["data"]["password"], "aHVudGVyMi14eXp6eQ==", "masking never corrupts the data");
    assert_eq!(stored["data"]["token"], "dG9rLTEyMzQ1Njc4OQ==");
    assert_eq!(stored["metadata"]["labels"]["rotated"], "soon");

    // Nothing in SQLite, and nothing a log line could print (effects and state as Debug).
    let entries = ui.store.transcript(Some("session-1".into())).await.expect("transcript");
    assert!(!entries.is_empty(), "the edit was recorded");
    let stored_text = format!("{entries:?}");
    let debug = format!("{:?}{:?}", ui.effects, ui.state);
    for leak in leaks {
        assert!(!stored_text.contains(leak), "the transcript holds {leak}: {stored_text}");
        assert!(!debug.contains(leak), "a Debug print holds {leak}");
    }
}

#[tokio::test]
async fn edit_is_refused_for_dev_with_the_can_i_line() {
    let sim = sim().await;
    let mut ui = open(&sim, "dev").await;
    let target = ObjectRef::new("v1", "Service", "services", Some("shop"), "cart");
    let mut effects = Vec::new();
    mosaic::app::editor::open(&mut ui.state, target, &mut effects);
    for effect in effects {
        ui.runtime.execute(effect);
    }
    ui.until("the refusal", |s| s.editor.as_ref().is_some_and(|e| e.refused.is_some() && e.phase == Phase::Editing))
        .await;
    ui.ctrl('s');
    let (message, error) = ui.state.editor.as_ref().and_then(|e| e.message.clone()).expect("message");
    assert!(error, "{message}");
    assert!(message.contains("kubectl auth can-i update services -n shop --context sim-dev"), "{message}");
    assert!(puts(&sim).is_empty());
}
