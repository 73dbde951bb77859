//! Secret values in what containers print: the logs pane, exec output and the HTTP sender's answer, against the
//! simulated demo cluster (whose checkout logs its database password from Secret `checkout-db`), and the pane as
//! it renders the mask and its note.
use crate::support;

use base64::Engine;
use crossterm::event::KeyCode;
use mosaic::app::http::Answer;
use mosaic::app::state::Check;
use mosaic::app::{Mode, Msg, State, update};
use mosaic::cluster::logs::LogUpdate;
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use serde_json::json;
use support::headless::{Headless, synced};
use support::screen::{paint, text};

/// The password checkout prints at start (`assets/demo/shop.yaml`), and its base64 form.
const PASSWORD: &str = "Xq7-rhubarb-2291";
const PASSWORD_B64: &str = "WHE3LXJodWJhcmItMjI5MQ==";

async fn demo() -> SimHandle {
    SimServer::start(Scenario::demo(), SimOptions::default()).await.expect("sim starts")
}

fn log_text(state: &State) -> String {
    let Some(pane) = &state.logs else { return String::new() };
    pane.buffer.lines_from(0).map(|(_, l)| l).collect::<Vec<_>>().join("\n")
}

fn secret_reads(sim: &SimHandle, name: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.resource == "secrets" && r.path.ends_with(&format!("/{name}")))
        .count()
}

impl Headless {
    /// Put the cursor on the first pod whose name starts with `prefix`; its name.
    async fn select_pod(&mut self, prefix: &str) -> String {
        self.until("the pod list", synced).await;
        let position = self.state.index.keys.iter().position(|(_, name)| name.starts_with(prefix));
        self.state.select(position.unwrap_or_else(|| panic!("a pod {prefix}…")));
        self.state.selected().expect("selected").1.clone()
    }

    async fn open_logs(&mut self) {
        self.press('l');
        self.until("the masked start of the log", |s| log_text(s).contains("connecting to postgres")).await;
    }
}

#[tokio::test]
async fn the_log_is_masked_as_it_streams_and_its_secrets_are_read_once_per_pane() {
    let sim = demo().await;
    let mut ui = Headless::open(&sim, "admin", "shop", false).await;
    ui.select_pod("checkout-").await;
    ui.open_logs().await;
    let log = log_text(&ui.state);
    assert!(log.contains("connecting to postgres://shop:••••••@postgres:5432/orders"), "{log}");
    assert!(!log.contains(PASSWORD), "{log}");
    let note = ui.state.logs.as_ref().and_then(|p| p.masking.clone()).expect("the note");
    assert!(note.starts_with("•••••• masks Secrets checkout-db"), "{note}");
    assert!(note.contains("not values under 6 bytes or common words"), "{note}");
    assert_eq!(secret_reads(&sim, "checkout-db"), 1);

    // Options restart the stream, not the reading: the values are cached for the pane's life.
    ui.press('t');
    ui.until("the log again, with timestamps", |s| log_text(s).contains("connecting to postgres")).await;
    assert!(!log_text(&ui.state).contains(PASSWORD));
    ui.press('p');
    ui.until("the previous instance", |s| log_text(s).contains("connecting to postgres")).await;
    assert!(!log_text(&ui.state).contains(PASSWORD));
    assert_eq!(secret_reads(&sim, "checkout-db"), 1, "one GET per Secret while the pane is open");

    // Search and copy work on the masked text: the value is not there to find.
    ui.press('/');
    ui.type_text("rhubarb");
    ui.enter();
    assert_eq!(ui.state.logs.as_ref().and_then(|p| p.search.as_ref()).map(|s| s.matches.len()), Some(0));
    assert!(!format!("{:?}", ui.state).contains(PASSWORD), "the state never holds the value");

    // A pane opened again reads them again: a rotated password is masked too.
    ui.key(KeyCode::Esc);
    assert!(ui.state.logs.is_none());
    ui.open_logs().await;
    assert_eq!(secret_reads(&sim, "checkout-db"), 2);
}

#[tokio::test]
async fn a_user_who_may_not_get_secrets_is_told_and_the_log_is_shown_unmasked() {
    let sim = demo().await;
    let mut ui = Headless::open(&sim, "dev", "shop", false).await;
    ui.select_pod("checkout-").await;
    ui.press('l');
    ui.until("the log", |s| log_text(s).contains("connecting to postgres")).await;
    let note = ui.state.logs.as_ref().and_then(|p| p.masking.clone()).expect("the note");
    let context = ui.state.context.context.clone();
    assert_eq!(
        note,
        format!(
            "Secret values are not masked here: you may not get secrets in shop — kubectl auth can-i get secrets \
             -n shop --context {context}"
        )
    );
    assert!(log_text(&ui.state).contains(PASSWORD), "flagged, not hidden: the user may read the log");
    let screen = text(&paint(&ui.state, 120, 40));
    assert!(screen.contains("Secret values are not masked here"), "{screen}");
}

/// The masking test of `render_editor.rs` for what containers print: no Secret value in the rendered buffer,
/// the transcript or the state (whose `Debug` a log line would print) from exec output and an HTTP answer.
#[tokio::test]
async fn no_secret_value_appears_in_exec_output_or_an_http_answer_nor_in_the_transcript() {
    let sim = demo().await;
    let mut ui = Headless::open(&sim, "admin", "shop", false).await;
    let pod = ui.select_pod("cart-").await;
    // cart reads Secret cart-redis: give it a real password, and a value the app's answer carries (its pod name).
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    let password = "Hunter-2291-cart";
    sim.upsert(json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "cart-redis", "namespace": "shop"},
        "data": {"password": b64(password), "instance": b64(&pod)}
    }))
    .expect("the Secret is updated");
    // The pod's name is everywhere else on screen (the list, the game plan): it is looked for in the outputs only.
    let values = [password.to_string(), b64(password)];
    let assert_clean = |what: &str, text: &str| {
        for value in &values {
            assert!(!text.contains(value.as_str()), "{what} shows {value}:\n{text}");
        }
    };

    // Exec: `env` prints REDIS_PASSWORD, and HOSTNAME (the pod's name).
    ui.press('x');
    ui.until("the exec prompt", |s| matches!(&s.mode, Mode::Prompt(_))).await;
    if let Mode::Prompt(prompt) = &mut ui.state.mode {
        prompt.input.clear();
    }
    ui.type_text("env");
    ui.enter();
    ui.until("the permission", |s| matches!(&s.mode, Mode::Confirm(c) if c.check != Check::Pending)).await;
    ui.press('y');
    ui.until("the output pane", |s| s.pane.is_some()).await;
    let lines = ui.state.pane.as_ref().map(|p| p.lines.join("\n")).unwrap_or_default();
    assert!(lines.contains("REDIS_PASSWORD=••••••"), "{lines}");
    assert!(lines.contains("HOSTNAME=••••••"), "{lines}");
    assert!(lines.contains("── •••••• masks Secret"), "the note is under the output: {lines}");
    assert_clean("the exec output", &lines);
    assert!(!lines.contains(&pod), "{lines}");
    assert_clean("the screen", &text(&paint(&ui.state, 120, 40)));
    let entries = ui.store.transcript(Some("session-1".into())).await.expect("transcript");
    let exec = entries.last().and_then(|e| e.output.clone()).expect("the exec output is recorded");
    // The transcript's own redaction also hides what follows `PASSWORD=`; the pod's name is masked by value.
    assert!(exec.contains("HOSTNAME=••••••") && !exec.contains(&pod), "{exec}");
    assert_clean("the transcript", &exec);
    ui.key(KeyCode::Esc);

    // HTTP: the app's answer names its pod, which is now a Secret value.
    ui.press('H');
    assert!(ui.state.http.is_some(), "the sender opens");
    ui.enter();
    ui.until("the answer", |s| s.http.as_ref().is_some_and(|h| matches!(h.answer, Some(Answer::Got(_))))).await;
    let Some(Answer::Got(exchange)) = ui.state.http.as_ref().and_then(|h| h.answer.clone()) else { unreachable!() };
    assert!(exchange.body.contains("\"pod\":\"••••••\""), "{}", exchange.body);
    assert!(!format!("{exchange:?}").contains(&pod), "{exchange:?}");
    assert!(exchange.masking.as_deref().is_some_and(|n| n.contains("masks Secrets cart-redis")), "{exchange:?}");
    let screen = text(&paint(&ui.state, 120, 40));
    assert!(screen.contains("masks Secrets cart-redis"), "{screen}");
    assert_clean("the answer on screen", &screen);
    let entries = ui.store.transcript(Some("session-1".into())).await.expect("transcript");
    assert_clean("the transcript", &format!("{entries:?}"));
    assert_clean("the state", &format!("{:?}", ui.state));
}

fn render_state() -> State {
    support::screen::demo_shop()
}

#[test]
fn the_logs_pane_shows_the_mask_and_its_note() {
    let mut s = render_state();
    update(&mut s, Msg::Resize(80, 24));
    let mut effects = Vec::new();
    let pod = "checkout-648c6c6dc8-68ffl";
    mosaic::app::logs::open(&mut s, "shop".into(), pod.into(), vec!["checkout".into()], 0, &mut effects);
    let stream = s.logs.as_ref().map(|p| p.stream).expect("open");
    let note = "•••••• masks Secret checkout-db (not values under 6 bytes or common words)";
    update(&mut s, Msg::Logs { stream, update: LogUpdate::Masking(note.into()) });
    // As the runtime sends them: already masked.
    let lines = [
        "checkout 3.1.0 starting (pid 1)",
        "reading configuration from environment",
        "connecting to postgres://shop:••••••@postgres:5432/orders",
        "FATAL: could not connect to database postgres:5432: connection refused",
    ];
    update(&mut s, Msg::Logs { stream, update: LogUpdate::Lines(lines.iter().map(|l| l.to_string()).collect()) });
    let screen = text(&paint(&s, 80, 24));
    assert!(screen.contains(note), "{screen}");
    assert!(!screen.contains(PASSWORD) && !screen.contains(PASSWORD_B64));
    insta::assert_snapshot!("logs_pane_masked_80x24", screen);

    // A user who may not read the Secrets: the warning takes the rows it needs, and the lines stay in view.
    let flagged = "Secret values are not masked here: you may not get secrets in shop — kubectl auth can-i get \
                   secrets -n shop --context sim-dev";
    update(&mut s, Msg::Logs { stream, update: LogUpdate::Masking(flagged.into()) });
    insta::assert_snapshot!("logs_pane_unmasked_note_80x24", text(&paint(&s, 80, 24)));
}
