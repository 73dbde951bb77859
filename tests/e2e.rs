//! Tier 4: the real binary in a pseudo-terminal against the simulated cluster, keys in and screen out.
//!
//! Each test serves its own simulated cluster in-process (port 0) and runs the binary cargo built, so tests run
//! in parallel. Every wait re-reads the parsed screen after each complete frame, never a fixed sleep; a failed
//! wait prints the whole screen.
use crate::support;

use std::time::Duration;

use mosaic::sim::Scenario;
use support::cluster::Cluster;
use support::pty::{Sandbox, Screen, Term, framed};

/// Long enough for a debug build on a busy 2-core machine, short enough to fail fast.
const WAIT: Duration = Duration::from_secs(8);
/// A wide terminal, so error messages with long temp paths are not wrapped.
const WIDE: (u16, u16) = (220, 30);

/// The demo shop's namespace, and pods the scenario breaks in known ways (see assets/demo/README.md).
const SHOP: &str = "shop";
const HEALTHY: &str = "storefront";
const CRASHING: &str = "checkout";

/// The shop, served; mosaic started on it as `user` in a 120x40 terminal.
fn open_shop(user: &str, extra_args: &[&str]) -> (Cluster, Term) {
    let cluster = Cluster::start(Scenario::demo());
    let term = open(&cluster, user, extra_args, (120, 40));
    (cluster, term)
}

fn open(cluster: &Cluster, user: &str, extra_args: &[&str], (cols, rows): (u16, u16)) -> Term {
    let kubeconfig = cluster.kubeconfig(user, SHOP).display().to_string();
    let mut args = vec!["--kubeconfig", kubeconfig.as_str()];
    args.extend_from_slice(extra_args);
    Term::spawn(&args, &[], cols, rows)
}

/// The second header line, e.g. ` Pods (shop) [14]                ● live`.
fn view_line(screen: &Screen) -> String {
    screen.contents().lines().nth(1).unwrap_or_default().to_string()
}

/// `[N]` or `[N of M]` in the view line, as (shown, total).
fn counts(screen: &Screen) -> Option<(usize, usize)> {
    let line = view_line(screen);
    let inner = line.split_once('[')?.1.split_once(']')?.0.to_string();
    match inner.split_once(" of ") {
        Some((shown, total)) => Some((shown.trim().parse().ok()?, total.trim().parse().ok()?)),
        None => {
            let n = inner.trim().parse().ok()?;
            Some((n, n))
        }
    }
}

/// Where `text` starts on the screen, as (row, column).
fn find(screen: &Screen, text: &str) -> Option<(u16, u16)> {
    let (_, cols) = screen.size();
    screen.rows(0, cols.get()).enumerate().find_map(|(row, line)| {
        let byte = line.find(text)?;
        Some((row as u16, line[..byte].chars().count() as u16))
    })
}

/// The rows between the column titles and the footer.
fn list_rows(screen: &Screen) -> Vec<String> {
    let (rows, cols) = screen.size();
    let all: Vec<String> = screen.rows(0, cols.get()).collect();
    all[3.min(all.len())..usize::from(rows.get()).saturating_sub(1)].to_vec()
}

/// A kubeconfig with one context, `gone`, whose cluster is `server`.
fn kubeconfig_for(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster: {{server: \"{server}\"}}\n\
         users:\n- name: someone\n  user: {{token: abc}}\ncontexts:\n- name: gone\n  context: {{cluster: gone, user: \
         someone, namespace: default}}\n"
    )
}

/// A port on 127.0.0.1 that was free a moment ago and is closed now.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    listener.local_addr().expect("local address").port()
}

/// Run mosaic in a terminal until it exits on its own, and check the error exit contract: status 1, the message
/// on the normal screen (not swallowed by the alternate screen), no panic and no backtrace.
fn expect_error_exit(args: &[&str]) -> String {
    let mut term = Term::spawn(args, &[("RUST_BACKTRACE", "1")], WIDE.0, WIDE.1);
    let status = term.wait_exit(Duration::from_secs(15)).expect("mosaic exits on its own");
    let screen = term.screen();
    let shown = framed(&screen);
    assert_eq!(status.exit_code(), 1, "exit status {status:?}\n{shown}");
    assert!(!screen.alternate_screen(), "the message must be on the normal screen\n{shown}");
    let all = String::from_utf8_lossy(&term.output()).into_owned();
    assert!(!all.contains("panicked") && !all.contains("stack backtrace"), "a panic or backtrace:\n{all}");
    let text = screen.contents();
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert!((1..=12).contains(&lines), "one short message, not {lines} lines\n{shown}");
    text
}

#[test]
fn pod_list_shows_real_statuses_in_colour() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    let statuses = ["Running", "CrashLoopBackOff", "ImagePullBackOff", "Pending"];
    let screen = term
        .wait_until("every status and a live list", WAIT, |s| {
            view_line(s).contains("● live") && statuses.iter().all(|status| s.contents().contains(status))
        })
        .unwrap();
    let shown = framed(&screen);
    let text = screen.contents();
    assert!(view_line(&screen).contains("Pods (shop)"), "the view names the namespace\n{shown}");
    for column in ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] {
        assert!(text.contains(column), "column {column}\n{shown}");
    }
    let crash_row = text.lines().find(|l| l.contains(CRASHING)).unwrap_or_default();
    assert!(crash_row.contains("CrashLoopBackOff"), "{CRASHING} crash-loops\n{shown}");
    // Statuses carry meaning in colour: a crash loop is not drawn like a running pod.
    let colour = |status: &str| {
        let (row, col) = find(&screen, status).unwrap_or_else(|| panic!("{status} on screen\n{shown}"));
        screen.cell(row, col).map(|c| c.fgcolor())
    };
    assert_ne!(colour("CrashLoopBackOff"), colour("Running"), "status colours\n{shown}");
}

#[test]
fn palette_filter_and_help() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    term.wait_until("a live pod list", WAIT, |s| view_line(s).contains("● live") && s.contents().contains(HEALTHY))
        .unwrap();
    term.text(":pods");
    term.wait_for(":pods", WAIT).unwrap();
    term.enter();
    let screen = term.wait_until("the palette to close", WAIT, |s| !s.contents().contains(":pods")).unwrap();
    let (_, total) = counts(&screen).unwrap_or_else(|| panic!("a count in the header\n{}", framed(&screen)));
    assert!(total > 2, "the shop has pods\n{}", framed(&screen));

    term.text("/");
    term.text(CRASHING);
    // Keys arrive one by one: wait for the whole filter, not the first letter's frame.
    let screen = term
        .wait_until("the filtered count", WAIT, |s| {
            view_line(s).contains(&format!("/{CRASHING}")) && counts(s).is_some_and(|(shown, all)| shown < all)
        })
        .unwrap();
    let shown_text = framed(&screen);
    let (shown, all) = counts(&screen).unwrap_or_default();
    assert_eq!(all, total, "the total stays\n{shown_text}");
    assert!(view_line(&screen).contains(&format!("[{shown} of {total}]")), "[N of M]\n{shown_text}");
    assert!(shown >= 1, "{CRASHING} matches\n{shown_text}");
    let text = screen.contents();
    let listed = list_rows(&screen).iter().filter(|l| l.contains(CRASHING)).count();
    assert_eq!(listed, shown, "exactly the matching rows are listed\n{shown_text}");
    assert!(!text.contains(HEALTHY), "{HEALTHY} is filtered out\n{shown_text}");
    // Enter keeps the filter; Esc in the list clears it.
    term.enter();
    term.wait_for(&format!("/{CRASHING}"), WAIT).unwrap();
    term.esc();
    let screen = term.wait_until("the filter to clear", WAIT, |s| counts(s) == Some((total, total))).unwrap();
    assert!(screen.contents().contains(HEALTHY), "every pod is back\n{}", framed(&screen));

    term.text("?");
    let screen = term.wait_for("Open the command palette", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("help") && text.contains("Lists") && text.contains("Move down"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("Open the command palette", WAIT).unwrap();
}

#[test]
fn palette_switches_views() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    term.wait_for(HEALTHY, WAIT).unwrap();
    for (command, title, column) in [
        (":deploy", "Deployments (shop)", "UP-TO-DATE"),
        (":svc", "Services (shop)", "CLUSTER-IP"),
        (":events", "Events (shop)", "REASON"),
        (":pods", "Pods (shop)", "RESTARTS"),
    ] {
        term.text(command);
        term.enter();
        let screen = term
            .wait_until(&format!("{title} listed"), WAIT, |s| {
                view_line(s).contains(title) && s.contents().contains(column) && counts(s).is_some_and(|c| c.1 > 0)
            })
            .unwrap();
        if command == ":deploy" {
            assert!(screen.contents().contains(HEALTHY), "{HEALTHY} deployment\n{}", framed(&screen));
        }
    }
}

fn bare_pod(name: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": SHOP, "labels": {"app": "e2e"}},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.25"}]}
    })
}

#[test]
fn watch_shows_new_and_deleted_pods_without_a_key() {
    let (cluster, mut term) = open_shop("admin", &[]);
    term.wait_until("a live pod list", WAIT, |s| view_line(s).contains("● live")).unwrap();
    let name = "e2e-arrives-live";
    assert!(!term.screen_text().contains(name));
    cluster.upsert(bare_pod(name));
    term.wait_for(name, WAIT).unwrap();
    cluster.delete("v1", "Pod", Some(SHOP), name);
    // A graceful delete: Terminating first, then gone.
    term.wait_until("the pod to terminate", WAIT, |s| {
        s.contents().lines().any(|l| l.contains(name) && l.contains("Terminating"))
    })
    .unwrap();
    term.wait_gone(name, WAIT).unwrap();
}

#[test]
fn forbidden_cluster_wide_list_falls_back_and_explains() {
    let (_cluster, mut term) = open_shop("dev", &["-A"]);
    // The notice line under the header says the cluster-wide list is forbidden and which namespace is shown.
    let notice = |s: &Screen| s.contents().lines().nth(2).unwrap_or_default().to_string();
    let screen = term
        .wait_until("the fallback notice", WAIT, |s| {
            let line = notice(s);
            line.contains("forbidden") && line.contains("showing shop")
        })
        .unwrap();
    let screen = term
        .wait_until("shop's pods", WAIT, |s| view_line(s).contains("Pods (shop)") && s.contents().contains(HEALTHY))
        .unwrap_or(screen);
    let text = screen.contents();
    assert!(view_line(&screen).contains("Pods (shop)"), "the fallback namespace is shown\n{}", framed(&screen));
    assert!(text.contains(HEALTHY) && !text.contains("coredns"), "only shop's pods\n{}", framed(&screen));
    // A namespace dev may not read: the screen says who may not do what, and how to check.
    term.text(":ns kube-system");
    term.enter();
    let screen = term.wait_for("kubectl auth can-i list pods -n kube-system --context sim-dev", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("You (user dev) may not list pods in namespace kube-system"), "{}", framed(&screen));
    assert!(text.contains("forbidden"), "the server's words\n{}", framed(&screen));
}

#[test]
fn lost_server_shows_reconnecting_then_live_again() {
    let (cluster, mut term) = open_shop("admin", &[]);
    term.wait_until("a live pod list", WAIT, |s| view_line(s).contains("● live")).unwrap();
    cluster.stop();
    let screen = term.wait_for("reconnecting", WAIT).unwrap();
    assert!(screen.contents().contains(HEALTHY), "the last data stays on screen\n{}", framed(&screen));
    cluster.restart();
    term.wait_until("live again", Duration::from_secs(20), |s| {
        view_line(s).contains("● live") && !s.contents().contains("reconnecting")
    })
    .unwrap();
    // And the watch really is back: a new pod shows up.
    cluster.upsert(bare_pod("e2e-after-restart"));
    term.wait_for("e2e-after-restart", WAIT).unwrap();
}

#[test]
fn small_terminal_says_so_and_recovers_on_resize() {
    let cluster = Cluster::start(Scenario::demo());
    let mut term = open(&cluster, "admin", &[], (50, 12));
    let screen = term.wait_for("Terminal too small", WAIT).unwrap();
    assert!(screen.contents().contains("50x12"), "{}", framed(&screen));
    term.resize(100, 30);
    term.wait_for(HEALTHY, WAIT).unwrap();
    term.wait_gone("Terminal too small", WAIT).unwrap();
}

#[test]
fn q_quits_with_status_0_and_restores_the_terminal() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    let screen = term.wait_for(HEALTHY, WAIT).unwrap();
    assert!(screen.alternate_screen(), "the UI runs on the alternate screen");
    assert_eq!(term.cooked_mode(), Some(false), "raw mode while running");
    term.text("q");
    let status = term.wait_exit(WAIT).unwrap();
    assert!(status.success(), "{status:?}\n{}", framed(&term.screen()));
    let screen = term.screen();
    assert!(!screen.alternate_screen(), "left the alternate screen\n{}", framed(&screen));
    assert_eq!(term.cooked_mode(), Some(true), "raw mode is off again");
    // ratatui::restore leaves the alternate screen last (`ESC [ ? 1049 l`); only showing the cursor may follow.
    let output = term.output();
    let tail = String::from_utf8_lossy(&output[output.len().saturating_sub(64)..]).into_owned();
    let rest = tail.rsplit_once("\x1b[?1049l").map(|(_, rest)| rest.to_string());
    assert!(
        rest.as_deref().is_some_and(|r| r.replace("\x1b[?25h", "").is_empty()),
        "the output ends by leaving the alternate screen: {tail:?}"
    );
}

#[test]
fn demo_serve_prints_a_kubeconfig_another_mosaic_can_use() {
    let mut server = Term::spawn(&["demo", "--serve"], &[], 220, 30);
    let screen = server.wait_for("kubeconfig: ", Duration::from_secs(10)).unwrap();
    let path = screen
        .contents()
        .lines()
        .find_map(|l| l.trim().strip_prefix("kubeconfig: ").map(str::to_string))
        .unwrap_or_else(|| panic!("a kubeconfig path\n{}", framed(&screen)));
    assert!(std::path::Path::new(&path).is_file(), "{path} exists");
    let mut client = Term::spawn(&["--kubeconfig", &path], &[], 120, 40);
    client.wait_for("CrashLoopBackOff", WAIT).unwrap();
    // As a user would: the palette, a filter, the help.
    client.text(":pods");
    client.enter();
    client.text("/store");
    client
        .wait_until("only storefront pods", WAIT, |s| {
            view_line(s).contains("/store") && counts(s).is_some_and(|(shown, total)| shown == 3 && total > shown)
        })
        .unwrap();
    client.enter();
    client.text("?");
    client.wait_for("Open the command palette", WAIT).unwrap();
    client.esc();
    client.wait_gone("Open the command palette", WAIT).unwrap();
    client.text("q");
    assert!(client.wait_exit(WAIT).unwrap().success());
    server.ctrl_c();
    let status = server.wait_exit(WAIT).unwrap();
    assert!(status.success(), "Ctrl-C stops the server cleanly: {status:?}\n{}", framed(&server.screen()));
}

#[test]
fn demo_opens_the_ui_on_the_demo_cluster() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    let screen = term.wait_for("DEMO CLUSTER", Duration::from_secs(10)).unwrap();
    assert!(screen.contents().lines().next().unwrap_or_default().contains("DEMO CLUSTER"), "in the header");
    term.wait_for(HEALTHY, WAIT).unwrap();
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}

#[test]
fn missing_kubeconfig_file_exits_1_with_the_path_and_a_fix() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("no-such-kubeconfig.yaml");
    let text = expect_error_exit(&["--kubeconfig", &path.display().to_string()]);
    assert!(text.contains(&path.display().to_string()), "names the file:\n{text}");
    assert!(text.contains("--kubeconfig") && text.contains("mosaic demo"), "says how to fix it:\n{text}");
}

#[test]
fn unknown_context_exits_1_naming_the_context_and_the_choices() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("kubeconfig.yaml");
    std::fs::write(&path, kubeconfig_for("http://127.0.0.1:1")).expect("write kubeconfig");
    let text = expect_error_exit(&["--kubeconfig", &path.display().to_string(), "--context", "prod-eu"]);
    assert!(text.contains("prod-eu"), "names the context:\n{text}");
    assert!(text.contains(&path.display().to_string()), "names the file:\n{text}");
    assert!(text.contains("Contexts: gone") && text.contains("kubectl config get-contexts"), "a fix:\n{text}");
}

#[test]
fn unreachable_server_exits_1_naming_the_server_and_a_fix() {
    let sandbox = Sandbox::new();
    let path = sandbox.file("kubeconfig.yaml");
    let server = format!("http://127.0.0.1:{}", closed_port());
    std::fs::write(&path, kubeconfig_for(&server)).expect("write kubeconfig");
    let text = expect_error_exit(&["--kubeconfig", &path.display().to_string()]);
    assert!(text.contains(&server), "names the server:\n{text}");
    assert!(text.contains("kubectl --context gone cluster-info"), "says what to try:\n{text}");
}

#[test]
fn version_and_help() {
    let sandbox = Sandbox::new();
    let out = sandbox.command(&["--version"], &[]).output().expect("run mosaic --version");
    assert!(out.status.success());
    let version = String::from_utf8_lossy(&out.stdout);
    assert_eq!(version.trim(), format!("mosaic {}", env!("CARGO_PKG_VERSION")));

    let out = sandbox.command(&["--help"], &[]).output().expect("run mosaic --help");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in ["Examples:", "mosaic demo --serve", "--kubeconfig", "--context", "-A, --all-namespaces"] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

/// Narrow the list to one name and keep the filter, so the cursor is on it.
fn select(term: &mut Term, name: &str) {
    term.text(&format!("/{name}"));
    term.enter();
    term.wait_until(&format!("only {name} rows"), WAIT, |s| {
        let rows = list_rows(s);
        let listed: Vec<&String> = rows.iter().filter(|r| !r.trim().is_empty()).collect();
        !listed.is_empty() && listed.iter().all(|r| r.contains(name))
    })
    .unwrap();
}

#[test]
fn scale_a_deployment_and_see_the_replica_count_change() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    term.wait_for(HEALTHY, WAIT).unwrap();
    term.text(":deploy");
    term.enter();
    term.wait_until("deployments", WAIT, |s| view_line(s).contains("Deployments (shop)")).unwrap();
    select(&mut term, HEALTHY);
    term.wait_for("3/3", WAIT).unwrap();
    term.text("s");
    term.wait_for("Replicas (now 3)", WAIT).unwrap();
    term.send("\x7f");
    term.text("5");
    term.enter();
    let screen = term.wait_for("You may do this.", WAIT).unwrap();
    assert!(
        screen.contents().contains("kubectl --context sim-admin -n shop scale deployment/storefront --replicas=5"),
        "the confirmation shows the plan\n{}",
        framed(&screen)
    );
    term.text("y");
    term.wait_for("Scaled deployment storefront in shop to 5 replicas", WAIT).unwrap();
    term.wait_for("5/5", WAIT).unwrap();
}

#[test]
fn copy_the_game_plan_with_osc_52() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    term.wait_until("a live pod list", WAIT, |s| view_line(s).contains("● live")).unwrap();
    term.text("p");
    let screen = term.wait_for("game plan", WAIT).unwrap();
    let line = "kubectl --context sim-admin -n shop get pods";
    assert!(screen.contents().contains(line), "the pane shows the view's kubectl\n{}", framed(&screen));
    term.text("c");
    term.wait_for(&format!("Copied {} characters (OSC 52)", line.len()), WAIT).unwrap();
    use base64::Engine;
    let expected = format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(line));
    let output = String::from_utf8_lossy(&term.output()).to_string();
    assert!(output.contains(&expected), "the terminal was asked to set its clipboard to the plan");
}

#[test]
fn open_the_logs_of_a_pod() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    term.wait_for(HEALTHY, WAIT).unwrap();
    select(&mut term, HEALTHY);
    term.text("l");
    let screen = term
        .wait_until("the log pane with lines", WAIT, |s| {
            s.contents().contains("kubectl --context sim-admin -n shop logs storefront-")
                && s.contents().contains("--tail=500 -f")
        })
        .unwrap();
    assert!(screen.contents().lines().count() > 5, "{}", framed(&screen));
    term.esc();
    term.wait_until("the list again", WAIT, |s| view_line(s).contains("Pods (shop)")).unwrap();
}

#[test]
fn explain_a_crashing_pod_from_the_list() {
    let (_cluster, mut term) = open_shop("admin", &[]);
    term.wait_for(CRASHING, WAIT).unwrap();
    select(&mut term, CRASHING);
    term.text("t");
    let screen = term.wait_for("Crashing on start: exit code 1", WAIT).unwrap();
    assert!(screen.contents().contains("$ kubectl logs"), "the selected entry's check{}", framed(&screen));
    term.esc();
    term.wait_until("the list again", WAIT, |s| view_line(s).contains("Pods (shop)")).unwrap();
}

#[test]
fn explain_the_checkout_app_in_the_demo() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for(HEALTHY, Duration::from_secs(10)).unwrap();
    term.text(":deploy");
    term.enter();
    term.wait_until("deployments", WAIT, |s| view_line(s).contains("Deployments (shop)")).unwrap();
    select(&mut term, CRASHING);
    term.text("t");
    let screen = term.wait_for("Why? deployment checkout", WAIT).unwrap();
    let screen = if screen.contents().contains("made no progress") {
        screen
    } else {
        term.wait_for("made no progress", WAIT).unwrap()
    };
    let verdict = screen.contents().lines().nth(3).unwrap_or_default().to_string();
    assert!(
        verdict.contains("Stuck: revision 1 made no progress in 600s; pod checkout-")
            && verdict.contains("Crashing on start: exit code 1"),
        "the app verdict on top names the failing pod and why{}",
        framed(&screen)
    );
    assert!(screen.contents().contains("Revision 1, current: checkout-"), "{}", framed(&screen));
    // Up to the rollout's condition: its kubectl shows under it.
    term.text("k");
    term.wait_for("$ kubectl rollout status deployment/checkout -n shop", WAIT).unwrap();
    term.esc();
    term.wait_until("the pane closed", WAIT, |s| !s.contents().contains("Why? deployment")).unwrap();
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}
