//! The logs pane, every tier: both faces of `Action::Logs` (its kubectl lines and the exact request `execute`
//! sends), render snapshots of the pane, and the app loop headless against the simulated demo cluster —
//! following live lines, the previous instance of a crash-looping pod, containers that have not started, RBAC,
//! and a stream that ends.
use crate::support;

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::action::{self, Action, ActionError, ExecOptions, Outcome, PlanCtx};
use mosaic::app::logs::{LogPane, StreamStatus};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::logs::LogUpdate;
use mosaic::cluster::{Scope, Session};
use mosaic::runtime::{Runtime, context_info};
use mosaic::sim::{RecordedRequest, Scenario, SimHandle, SimOptions, SimServer};
use mosaic::ui::Theme;
use ratatui::buffer::Buffer;
use support::headless::synced;
use support::plans::{query, shown};
use support::screen::{paint, text};
use support::session::connect_as;
use tokio::sync::mpsc::UnboundedReceiver;

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn special(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn logs(namespace: &str, pod: &str, container: Option<&str>) -> Action {
    Action::Logs {
        namespace: namespace.into(),
        pod: pod.into(),
        container: container.map(str::to_string),
        previous: false,
        follow: true,
        tail: Some(500),
        timestamps: false,
    }
}

async fn session(sim: &SimHandle, user: &str, namespace: &str, dir: &tempfile::TempDir) -> Session {
    connect_as(sim, user, namespace, dir.path()).await
}

async fn demo() -> SimHandle {
    SimServer::start(Scenario::demo(), SimOptions::default()).await.expect("sim starts")
}

// ---- Both faces of Action::Logs ----

#[test]
fn plans_render_kubectl_logs_with_every_option() {
    let ctx = PlanCtx { context: "sim-admin".into(), namespace: "shop".into() };
    let variants = [
        logs("shop", "storefront-7664bcb878-25n79", Some("storefront")),
        Action::Logs {
            namespace: "shop".into(),
            pod: "checkout-648c6c6dc8-68ffl".into(),
            container: Some("checkout".into()),
            previous: true,
            follow: false,
            tail: Some(500),
            timestamps: true,
        },
        Action::Logs {
            namespace: "kube-system".into(),
            pod: "coredns-775d4fd869-55z9m".into(),
            container: None,
            previous: false,
            follow: false,
            tail: None,
            timestamps: false,
        },
        logs("my ns", "web-1", Some("side car")),
    ];
    let text: Vec<String> = variants.iter().map(|a| shown(&a.plan(&ctx))).collect();
    insta::assert_snapshot!("logs_plans", text.join("\n\n"));
}

fn log_requests(sim: &SimHandle) -> Vec<RecordedRequest> {
    sim.requests().into_iter().filter(|r| r.resource == "pods/log").collect()
}

#[tokio::test]
async fn execute_reads_a_snapshot_with_the_same_options() {
    let sim = demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let admin = session(&sim, "admin", "shop", &dir).await;
    let pod = pod_named(&admin, "shop", "storefront-").await;
    sim.reset_counts();

    let action = Action::Logs {
        namespace: "shop".into(),
        pod: pod.clone(),
        container: Some("storefront".into()),
        previous: false,
        // A snapshot never follows, whatever the plan says.
        follow: true,
        tail: Some(2),
        timestamps: true,
    };
    let Outcome::Text(text) = action.execute(&admin.client, &ExecOptions::default()).await.expect("reads") else {
        panic!("expected text")
    };
    let sent = log_requests(&sim);
    assert_eq!(sent.len(), 1, "{sent:#?}");
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].path, format!("/api/v1/namespaces/shop/pods/{pod}/log"));
    assert_eq!(sent[0].query, query(&[("container", "storefront"), ("tailLines", "2"), ("timestamps", "true")]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].ends_with(r#"{"level":"warn","msg":"GET /recommendations","status":503,"duration_ms":2,"error":"recommendations: no endpoints available"}"#), "{text}");
    assert!(lines[0].split(' ').next().is_some_and(|t| t.parse::<jiff::Timestamp>().is_ok()), "timestamped: {text}");

    // The previous instance of the crash-looping checkout.
    let checkout = pod_named(&admin, "shop", "checkout-").await;
    sim.reset_counts();
    let previous = Action::Logs {
        namespace: "shop".into(),
        pod: checkout.clone(),
        container: None,
        previous: true,
        follow: false,
        tail: None,
        timestamps: false,
    };
    let Outcome::Text(text) = previous.execute(&admin.client, &ExecOptions::default()).await.expect("reads") else {
        panic!("expected text")
    };
    assert_eq!(log_requests(&sim)[0].query, query(&[("previous", "true")]));
    assert!(text.ends_with("FATAL: could not connect to database postgres:5432: connection refused\n"), "{text}");
}

#[tokio::test]
async fn dev_may_not_read_logs_outside_their_namespace() {
    let sim = demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let admin = session(&sim, "admin", "shop", &dir).await;
    let ledger = pod_named(&admin, "payments", "ledger-").await;
    let dev = session(&sim, "dev", "shop", &dir).await;
    sim.reset_counts();
    let action = logs("payments", &ledger, Some("ledger"));
    let err = action::run(&action, &dev, false, &ExecOptions::default()).await.expect_err("dev may not");
    let ActionError::Forbidden { user, can_i, .. } = &err else { panic!("expected Forbidden, got {err:?}") };
    assert_eq!(user, "dev");
    assert_eq!(can_i, "kubectl auth can-i get pods/log -n payments --context sim-dev");
    assert!(log_requests(&sim).is_empty(), "refused before the request");
    // The server enforces it too.
    let err = action.execute(&dev.client, &ExecOptions::default()).await.expect_err("403");
    assert!(matches!(&err, ActionError::Forbidden { user, .. } if user == "dev"), "{err:?}");
    // In their own namespace they may.
    let storefront = pod_named(&admin, "shop", "storefront-").await;
    let ok = action::run(&logs("shop", &storefront, None), &dev, false, &ExecOptions::default()).await;
    assert!(matches!(ok, Ok(Outcome::Text(_))), "{ok:?}");
}

async fn pod_named(session: &Session, namespace: &str, prefix: &str) -> String {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::{Api, ListParams};
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), namespace);
    let list = pods.list(&ListParams::default()).await.expect("pods list");
    let mut names: Vec<String> = list.items.into_iter().filter_map(|p| p.metadata.name).collect();
    names.sort();
    names.into_iter().find(|n| n.starts_with(prefix)).unwrap_or_else(|| panic!("no pod {prefix}* in {namespace}"))
}

// ---- Render snapshots ----

fn render_state() -> State {
    support::screen::demo_shop()
}

/// A pane on checkout's log with a few lines, searched for "database".
fn searched_pane(width: u16, height: u16) -> State {
    let mut s = render_state();
    update(&mut s, Msg::Resize(width, height));
    let mut effects = Vec::new();
    mosaic::app::logs::open(
        &mut s,
        "shop".into(),
        "checkout-648c6c6dc8-68ffl".into(),
        vec!["checkout".into(), "migrate".into()],
        0,
        &mut effects,
    );
    let stream = s.logs.as_ref().map(|p| p.stream).expect("open");
    update(&mut s, Msg::Logs { stream, update: LogUpdate::Opened });
    let lines = [
        "checkout 3.1.0 starting (pid 1)",
        "reading configuration from environment",
        "DATABASE_URL=postgres://checkout@postgres:5432/orders",
        "connecting to database postgres:5432 (attempt 1/3)",
        "connecting to database postgres:5432 (attempt 2/3)",
        "connecting to database postgres:5432 (attempt 3/3)",
        "FATAL: could not connect to database postgres:5432: connection refused; a long line that goes on past the edge of a narrow terminal",
    ];
    update(&mut s, Msg::Logs { stream, update: LogUpdate::Lines(lines.iter().map(|l| l.to_string()).collect()) });
    update(&mut s, key('/'));
    for c in "database".chars() {
        update(&mut s, key(c));
    }
    update(&mut s, special(KeyCode::Enter));
    s
}

/// The highlighted runs of each row: the text in the theme's match colour, and the current match (selection
/// background). This is what shows the user where the matches are.
fn highlights(buffer: &Buffer) -> String {
    let theme = Theme::default();
    let mut out = Vec::new();
    for y in 0..buffer.area.height {
        let mut run: Option<(String, &str)> = None;
        for x in 0..buffer.area.width {
            let cell = &buffer[(x, y)];
            let kind = if cell.bg == theme.selection_bg {
                Some("current")
            } else if cell.fg == theme.match_fg {
                Some("match")
            } else {
                None
            };
            match (&mut run, kind) {
                (Some((text, k)), Some(now)) if *k == now => text.push_str(cell.symbol()),
                (_, now) => {
                    if let Some((text, k)) = run.take() {
                        out.push(format!("row {y}: {k} {text:?}"));
                    }
                    run = now.map(|k| (cell.symbol().to_string(), k));
                }
            }
        }
        if let Some((text, k)) = run {
            out.push(format!("row {y}: {k} {text:?}"));
        }
    }
    out.join("\n")
}

#[test]
fn logs_pane_80x24_with_a_search() {
    let s = searched_pane(80, 24);
    let buffer = paint(&s, 80, 24);
    insta::assert_snapshot!("logs_pane_80x24", text(&buffer));
    insta::assert_snapshot!("logs_pane_80x24_highlights", highlights(&buffer));
}

#[test]
fn logs_pane_120x40_wrapped_with_a_search() {
    let mut s = searched_pane(120, 40);
    update(&mut s, key('w'));
    update(&mut s, key('n'));
    let buffer = paint(&s, 120, 40);
    insta::assert_snapshot!("logs_pane_120x40_wrapped", text(&buffer));
    insta::assert_snapshot!("logs_pane_120x40_wrapped_highlights", highlights(&buffer));
}

#[test]
fn the_pane_says_how_many_lines_the_bound_dropped() {
    let mut s = searched_pane(120, 40);
    let stream = s.logs.as_ref().map(|p| p.stream).expect("open");
    let flood: Vec<String> = (0..mosaic::app::logs::CAPACITY + 93).map(|i| format!("request {i} ok")).collect();
    update(&mut s, Msg::Logs { stream, update: LogUpdate::Lines(flood) });
    let pane = s.logs.as_ref().expect("open");
    assert_eq!(pane.buffer.len(), mosaic::app::logs::CAPACITY);
    let screen = text(&paint(&s, 120, 40));
    assert!(screen.contains("● following · 100 older lines dropped (the last 10000 are kept)"), "{screen}");
    assert!(screen.contains(&format!("request {} ok", mosaic::app::logs::CAPACITY + 92)), "the newest line is in view");
}

// ---- The app loop, headless, against the demo cluster ----

struct Headless {
    state: State,
    runtime: Runtime,
    rx: UnboundedReceiver<Msg>,
    _dir: tempfile::TempDir,
}

async fn open_ui(sim: &SimHandle, user: &str) -> Headless {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session(sim, user, "shop", &dir).await;
    let info = context_info(&session, true);
    let scope = Scope::Namespace(info.namespace.clone());
    let mut state = State::new(info, scope, jiff::Timestamp::now());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(session, tx, true);
    for effect in update(&mut state, Msg::Tick) {
        runtime.execute(effect);
    }
    let mut ui = Headless { state, runtime, rx, _dir: dir };
    ui.until(10, "the pod list", synced).await;
    ui
}

impl Headless {
    fn send(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            self.runtime.execute(effect);
        }
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.runtime.execute(effect);
        }
    }

    async fn until(&mut self, secs: u64, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => panic!("timed out waiting for {what}; the pane: {:#?}", self.state.logs.as_ref().map(brief)),
            }
        }
    }

    /// Put the cursor on the pod whose name starts with `prefix`.
    fn select(&mut self, prefix: &str) -> String {
        let at = self.state.index.keys.iter().position(|(_, n)| n.starts_with(prefix));
        let at = at.unwrap_or_else(|| panic!("no pod {prefix}* listed: {:?}", self.state.index.keys));
        self.state.select(at);
        self.state.index.keys[at].1.clone()
    }

    fn pane(&self) -> &LogPane {
        self.state.logs.as_ref().expect("the logs pane is open")
    }
}

fn brief(pane: &LogPane) -> String {
    let lines: Vec<&str> = pane.buffer.lines_from(0).map(|(_, l)| l).collect();
    format!("{} · {:?} · {:?}", pane.plan.command, pane.status, lines)
}

fn has_line(state: &State, wanted: &str) -> bool {
    state.logs.as_ref().is_some_and(|p| p.buffer.lines_from(0).any(|(_, l)| l == wanted))
}

#[tokio::test]
async fn l_follows_a_pod_and_new_lines_arrive_live() {
    let sim = demo().await;
    let mut ui = open_ui(&sim, "admin").await;
    let pod = ui.select("storefront-");
    ui.send(key('l'));
    assert_eq!(
        ui.pane().plan.command,
        format!("kubectl --context sim-admin -n shop logs {pod} -c storefront --tail=500 -f")
    );
    ui.until(10, "the storefront's lines", |s| has_line(s, r#"{"level":"info","msg":"listening","addr":":8080"}"#))
        .await;
    assert_eq!(ui.pane().status, StreamStatus::Streaming);
    let sent = log_requests(&sim);
    let query = &sent.last().expect("a log request").query;
    assert_eq!(query, &self::query(&[("container", "storefront"), ("follow", "true"), ("tailLines", "500")]));

    sim.append_log("shop", &pod, "storefront", "hello from the test");
    ui.until(5, "the appended line", |s| has_line(s, "hello from the test")).await;

    // The server ends the stream (a network blip): the pane says so, and f resumes.
    sim.drop_watches();
    ui.until(5, "the stream to end", |s| {
        s.logs.as_ref().is_some_and(|p| matches!(p.status, StreamStatus::Ended | StreamStatus::Lost(_)))
    })
    .await;
    ui.send(key('f'));
    ui.until(10, "the stream again", |s| {
        s.logs.as_ref().is_some_and(|p| p.status == StreamStatus::Streaming && !p.buffer.is_empty())
    })
    .await;
    assert!(has_line(&ui.state, "hello from the test"), "the tail includes the appended line");

    // Esc closes the pane and stops the stream: later lines go nowhere.
    ui.send(special(KeyCode::Esc));
    assert!(ui.state.logs.is_none());
}

#[tokio::test]
async fn p_shows_the_previous_instance_of_a_crash_looping_pod() {
    let sim = demo().await;
    let mut ui = open_ui(&sim, "admin").await;
    let pod = ui.select("mailer-");
    ui.send(key('l'));
    ui.until(10, "the mailer's lines", |s| has_line(s, "mailer: batch 2/40 queued")).await;
    assert!(!has_line(&ui.state, "mailer: heap in use 127Mi of 128Mi"), "that was the previous instance");
    ui.send(key('p'));
    assert_eq!(
        ui.pane().plan.command,
        format!("kubectl --context sim-admin -n shop logs {pod} -c mailer --previous --tail=500")
    );
    ui.until(10, "the previous instance's log", |s| {
        s.logs.as_ref().is_some_and(|p| p.status == StreamStatus::Complete)
    })
    .await;
    assert!(has_line(&ui.state, "mailer: heap in use 127Mi of 128Mi"), "{}", brief(ui.pane()));
    ui.send(special(KeyCode::Esc));

    let checkout = ui.select("checkout-");
    ui.send(key('l'));
    ui.send(key('p'));
    ui.until(10, "checkout's previous instance", |s| {
        has_line(s, "FATAL: could not connect to database postgres:5432: connection refused")
            && s.logs.as_ref().is_some_and(|p| p.status == StreamStatus::Complete)
    })
    .await;
    let last = log_requests(&sim).into_iter().last().expect("a log request");
    assert_eq!(last.path, format!("/api/v1/namespaces/shop/pods/{checkout}/log"));
    assert_eq!(last.query, query(&[("container", "checkout"), ("previous", "true"), ("tailLines", "500")]));

    // A container that never restarted has no previous instance.
    ui.send(special(KeyCode::Esc));
    ui.select("cart-");
    ui.send(key('l'));
    ui.send(key('p'));
    ui.until(10, "the refusal", refused).await;
    let StreamStatus::Refused { message, hint, .. } = &ui.pane().status else { unreachable!() };
    assert!(message.starts_with("previous terminated container \"cart\" in pod"), "{message}");
    assert!(hint.as_deref().is_some_and(|h| h.contains("no previous instance")), "{hint:?}");
}

#[tokio::test]
async fn containers_that_have_not_started_say_so() {
    let sim = demo().await;
    let mut ui = open_ui(&sim, "admin").await;
    // A pod whose volume's ConfigMap is missing stays in ContainerCreating.
    sim.upsert(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "zz-creating", "namespace": "shop"},
        "spec": {
            "containers": [{"name": "app", "image": "busybox:1.36", "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"}]}],
            "volumes": [{"name": "cfg", "configMap": {"name": "no-such-config"}}]
        }
    }))
    .expect("create");
    // Something the simulated kubelet could answer with, once the container runs.
    sim.append_log("shop", "zz-creating", "app", "never shown");
    ui.until(10, "the new pod", |s| s.index.keys.iter().any(|(_, n)| n == "zz-creating")).await;
    ui.select("zz-creating");
    ui.send(key('l'));
    ui.until(10, "the refusal", refused).await;
    let StreamStatus::Refused { message, can_i, hint } = &ui.pane().status else { unreachable!() };
    assert_eq!(message, "container \"app\" in pod \"zz-creating\" is waiting to start: ContainerCreating");
    assert_eq!(can_i, &None);
    assert_eq!(hint.as_deref(), Some("There are no logs until it starts."));
    let screen = text(&paint(&ui.state, 120, 30));
    assert!(screen.contains("is waiting to start: ContainerCreating"), "{screen}");
    assert!(screen.contains("✖ no log"), "{screen}");

    // An init container still running: Tab goes from the waiting main container to it.
    ui.send(special(KeyCode::Esc));
    let pod = ui.select("search-indexer-");
    ui.send(key('l'));
    ui.until(10, "the refusal", refused).await;
    let StreamStatus::Refused { message, hint, .. } = &ui.pane().status else { unreachable!() };
    // The simulated kubelet has no log for the main container, as a real API server without a reachable kubelet.
    assert!(message.contains(&format!("could not reach the kubelet of pod {pod}'s node")), "{message}");
    assert!(hint.as_deref().is_some_and(|h| h.contains("Tab shows another container")), "{hint:?}");
    ui.send(special(KeyCode::Tab));
    assert_eq!(ui.pane().container_name(), Some("wait-for-elasticsearch"));
    ui.until(10, "the init container's lines", |s| has_line(s, "waiting for elasticsearch")).await;
}

fn refused(state: &State) -> bool {
    state.logs.as_ref().is_some_and(|p| matches!(p.status, StreamStatus::Refused { .. }))
}

#[tokio::test]
async fn dev_is_refused_with_the_can_i_line() {
    let sim = demo().await;
    let mut ui = open_ui(&sim, "dev").await;
    // dev may read logs in shop (the demo's dev-read Role)…
    ui.select("cart-");
    ui.send(key('l'));
    ui.until(10, "the cart's lines", |s| has_line(s, "INFO  redis connection ready")).await;
    ui.send(special(KeyCode::Esc));
    // …but not in payments, which dev cannot even list: open the ledger's log as the app would.
    let admin_dir = tempfile::tempdir().expect("tempdir");
    let admin = session(&sim, "admin", "shop", &admin_dir).await;
    let ledger = pod_named(&admin, "payments", "ledger-").await;
    sim.reset_counts();
    let mut effects = Vec::new();
    mosaic::app::logs::open(&mut ui.state, "payments".into(), ledger, vec!["ledger".into()], 0, &mut effects);
    ui.run(effects);
    ui.until(10, "the refusal", refused).await;
    let StreamStatus::Refused { message, can_i, .. } = &ui.pane().status else { unreachable!() };
    assert_eq!(message, "User \"dev\" may not get pods/log in namespace \"payments\"");
    assert_eq!(can_i.as_deref(), Some("kubectl auth can-i get pods/log -n payments --context sim-dev"));
    assert!(log_requests(&sim).is_empty(), "refused before any log request");
    let screen = text(&paint(&ui.state, 120, 30));
    assert!(screen.contains("Check your access with: kubectl auth can-i get pods/log -n payments"), "{screen}");
}
