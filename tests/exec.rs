//! Exec, shells and port-forwards through the app loop, headless: the same update function and runtime as the
//! binary against the simulated cluster, keys in and state out. Only the terminal is missing, so a shell is
//! refused or handed back here; its terminal-independent pump is tested in `tests/actions.rs`.
use crate::support;

use std::time::Duration;

use crossterm::event::KeyCode;
use mosaic::app::state::{Check, ConfirmState, PromptPurpose};
use mosaic::app::{Effect, Mode};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use support::headless::{Headless, synced};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn open(sim: &SimHandle, user: &str, readonly: bool) -> Headless {
    Headless::open(sim, user, "acme", readonly).await
}

impl Headless {
    /// Put the cursor on the first pod of the frontend Deployment.
    async fn select_frontend_pod(&mut self) -> String {
        self.until("the pod list", synced).await;
        let position = self.state.index.keys.iter().position(|(_, name)| name.starts_with("frontend-"));
        self.state.select(position.expect("a frontend pod"));
        self.state.selected().expect("selected").1.clone()
    }

    fn confirm(&self) -> Option<&ConfirmState> {
        match &self.state.mode {
            Mode::Confirm(c) => Some(c),
            _ => None,
        }
    }

    fn prompt_input(&self) -> Option<&str> {
        match &self.state.mode {
            Mode::Prompt(p) => Some(&p.input),
            _ => None,
        }
    }

    /// Confirm the open dialog once the server says yes.
    async fn run_confirmed(&mut self) {
        self.until("the permission", |s| matches!(&s.mode, Mode::Confirm(c) if c.check != Check::Pending)).await;
        assert_eq!(self.confirm().map(|c| &c.check), Some(&Check::Allowed));
        self.key(KeyCode::Char('y'));
    }
}

async fn sim() -> SimHandle {
    SimServer::start(Scenario::acme(), SimOptions::default()).await.expect("sim starts")
}

#[tokio::test]
async fn exec_shows_its_output_and_remembers_the_command_for_the_app() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", false).await;
    let pod = ui.select_frontend_pod().await;

    ui.key(KeyCode::Char('x'));
    let Mode::Prompt(prompt) = &ui.state.mode else { panic!("a prompt, got {:?}", ui.state.mode) };
    assert!(
        matches!(&prompt.purpose, PromptPurpose::Exec { container, app, .. } if container == "frontend" && app == "deployment/frontend"),
        "{:?}",
        prompt.purpose
    );
    ui.type_text("echo hi; hostname");
    ui.key(KeyCode::Enter);
    let plan = ui.confirm().expect("the confirmation").plan.command.clone();
    assert_eq!(
        plan,
        format!("kubectl --context sim-admin -n acme exec {pod} -c frontend -- sh -c 'echo hi; hostname'")
    );
    ui.run_confirmed().await;
    ui.until("the output pane", |s| s.pane.is_some()).await;
    let pane = ui.state.pane.as_ref().expect("pane");
    assert_eq!(pane.lines, ["hi", pod.as_str(), "── exit code 0 ──"]);
    assert_eq!(pane.plan.as_ref().map(|p| p.command.as_str()), Some(plan.as_str()));
    assert!(matches!(ui.state.mode, Mode::Normal));

    // The transcript carries the output.
    let entries = ui.store.transcript(Some("session-1".into())).await.expect("transcript");
    let entry = entries.last().expect("an entry");
    assert_eq!(entry.command, plan);
    assert_eq!(entry.output.as_deref(), Some(format!("hi\n{pod}\n── exit code 0 ──").as_str()));

    // Next time the prompt starts from the last command of this app; Up and Down walk the history.
    ui.key(KeyCode::Esc);
    ui.key(KeyCode::Char('x'));
    ui.until("the history", |s| matches!(&s.mode, Mode::Prompt(p) if !p.input.is_empty())).await;
    assert_eq!(ui.prompt_input(), Some("echo hi; hostname"));
    assert_eq!(ui.state.exec.history, ["echo hi; hostname"]);
    ui.key(KeyCode::Down);
    assert_eq!(ui.prompt_input(), Some(""), "below the newest is the line being typed");
    ui.key(KeyCode::Up);
    assert_eq!(ui.prompt_input(), Some("echo hi; hostname"));
    ui.key(KeyCode::Esc);
    let history = ui.store.exec_history("sim-admin", "acme", "deployment/frontend").await.expect("history");
    assert_eq!(history.len(), 1);
}

#[tokio::test]
async fn port_forward_runs_in_the_background_until_stopped_from_the_list() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", false).await;
    let pod = ui.select_frontend_pod().await;

    ui.key(KeyCode::Char('F'));
    assert_eq!(ui.prompt_input(), Some("8080:8080"), "prefilled with the container port");
    // Any free local port, so the test never collides with something on 8080.
    for _ in 0.."8080:8080".len() {
        ui.key(KeyCode::Backspace);
    }
    ui.type_text(":8080");
    ui.key(KeyCode::Enter);
    let plan = ui.confirm().expect("the confirmation").plan.command.clone();
    assert_eq!(plan, format!("kubectl --context sim-admin -n acme port-forward pod/{pod} :8080"));
    ui.run_confirmed().await;
    ui.until("the forward", |s| s.exec.forwards.len() == 1 && s.flash.is_some()).await;
    let flash = ui.state.flash.clone().expect("a flash");
    let row = ui.state.exec.forwards[0].clone();
    assert_eq!(flash.text, format!("forwarding {} → acme/{pod}:8080 (:pf lists forwards)", row.local));
    assert!(!flash.error);

    // A real TCP connection to the local port reaches the pod's app.
    let mut tcp = tokio::net::TcpStream::connect(&row.local).await.expect("connects");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("writes");
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut response))
        .await
        .expect("answers")
        .expect("reads");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n") && response.ends_with("\r\n\r\nok\n"), "{response}");
    ui.until("the connection counted", |s| s.exec.forwards.first().is_some_and(|f| f.served == 1 && f.active == 0))
        .await;

    // `:pf` lists it; Ctrl-d stops it and frees the port.
    ui.key(KeyCode::Char(':'));
    ui.type_text("pf");
    ui.key(KeyCode::Enter);
    assert_eq!(ui.state.exec.forwards_open, Some(0));
    ui.ctrl('d');
    ui.until("the forward to stop", |s| s.exec.forwards.is_empty()).await;
    drop(tokio::net::TcpListener::bind(&row.local).await.expect("the port is free again"));
    ui.key(KeyCode::Esc);
    assert_eq!(ui.state.exec.forwards_open, None);
}

#[tokio::test]
async fn a_service_forwards_to_a_ready_pod_and_quitting_stops_every_forward() {
    let sim = sim().await;
    let mut ui = open(&sim, "admin", false).await;
    ui.key(KeyCode::Char(':'));
    ui.type_text("svc");
    ui.key(KeyCode::Enter);
    ui.until("the services", |s| s.index.keys.iter().any(|(_, n)| n == "frontend")).await;
    let position = ui.state.index.keys.iter().position(|(_, n)| n == "frontend").expect("frontend");
    ui.state.select(position);
    ui.key(KeyCode::Char('F'));
    assert_eq!(ui.prompt_input(), Some("8080:80"), "a privileged service port maps to 8000 more");
    for _ in 0.."8080:80".len() {
        ui.key(KeyCode::Backspace);
    }
    ui.type_text(":80");
    ui.key(KeyCode::Enter);
    ui.run_confirmed().await;
    ui.until("the forward", |s| s.exec.forwards.len() == 1).await;
    let row = ui.state.exec.forwards[0].clone();
    assert!(row.target.starts_with("acme/frontend-") && row.target.ends_with(":8080 (service frontend)"), "{row:?}");

    ui.ctrl('c');
    assert!(ui.state.quit);
    ui.until("every forward to stop", |s| s.exec.forwards.is_empty()).await;
    drop(tokio::net::TcpListener::bind(&row.local).await.expect("the port is free again"));
}

#[tokio::test]
async fn a_refused_shell_never_asks_for_the_terminal() {
    let sim = sim().await;
    let mut ui = open(&sim, "dev", false).await;
    ui.select_frontend_pod().await;
    ui.key(KeyCode::Char('S'));
    ui.until("the answer", |s| matches!(&s.mode, Mode::Confirm(c) if c.check != Check::Pending)).await;
    let Some(Check::Refused { can_i, .. }) = ui.confirm().map(|c| c.check.clone()) else {
        panic!("refused: {:?}", ui.state.mode)
    };
    assert_eq!(can_i.as_deref(), Some("kubectl auth can-i create pods/exec -n acme --context sim-dev"));
    ui.key(KeyCode::Char('y'));
    assert!(ui.state.flash.as_ref().is_some_and(|f| f.error), "y is refused: {:?}", ui.state.flash);

    // Read-only mode: refused before anything is asked of the server.
    let mut ro = open(&sim, "admin", true).await;
    ro.select_frontend_pod().await;
    for key in ['S', 'x', 'F'] {
        ro.key(KeyCode::Char(key));
        if key != 'S' {
            ro.type_text(if key == 'x' { "ls" } else { "" });
            ro.key(KeyCode::Enter);
        }
        let check = ro.confirm().map(|c| c.check.clone());
        assert!(matches!(check, Some(Check::Refused { .. })), "{key}: {check:?}");
        ro.key(KeyCode::Char('y'));
        ro.key(KeyCode::Esc);
    }
    let asked = ui.effects.iter().chain(&ro.effects);
    assert!(
        !asked.clone().any(|e| matches!(e, Effect::Exec(mosaic::app::exec::ExecEffect::Shell(_)))),
        "no shell was handed the terminal"
    );
    assert!(!asked.clone().any(|e| matches!(e, Effect::Run { .. })), "nothing ran");
    assert!(sim.exec_sessions().is_empty());
}
