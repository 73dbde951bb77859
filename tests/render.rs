//! Tier 2: render snapshots of the pod list on a TestBackend, at 80x24 and 120x40, and its forbidden and
//! reconnecting states. Colours carry meaning in the status column, so those are snapshotted too.
use crate::support;

use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;
use mosaic::app::exec::{ExecMsg, ForwardRow};
use mosaic::app::{Data, Msg, State, update};
use mosaic::cluster::{Scope, WatchState, WatchUpdate};
use mosaic::ui::Theme;
use ratatui::buffer::Buffer;
use support::screen::{draw, kind_acme, now, text};

const PODS: &str = include_str!("fixtures/real-1.19/pods-list.json");

fn fixture_pods() -> Vec<Pod> {
    serde_json::from_str::<List<Pod>>(PODS).expect("pods-list.json parses").items
}

fn state(scope: Scope) -> State {
    let info = kind_acme("dev");
    let mut state = State::new(info, scope, now());
    update(&mut state, Msg::Resize(80, 24));
    state
}

fn feed(state: &mut State, scope: &Scope, update_: WatchUpdate<Pod>) {
    let epoch = state.epoch;
    update(state, Msg::Data { epoch, scope: scope.clone(), data: Data::Pods(update_) });
}

fn listed(scope: Scope) -> State {
    let mut s = state(scope.clone());
    feed(&mut s, &scope, WatchUpdate::State(WatchState::Live));
    feed(&mut s, &scope, WatchUpdate::Page { items: fixture_pods(), first: true, last: true });
    s
}

/// The colour of each status cell: the word, then its foreground. This is what tells a user at a glance which
/// pods are broken.
fn status_colours(buffer: &Buffer) -> String {
    let screen = text(buffer);
    let lines: Vec<&str> = screen.lines().collect();
    let Some(header_row) = lines.iter().position(|l| l.contains("STATUS")) else { return String::new() };
    let column = lines[header_row].find("STATUS").expect("status column");
    let col = lines[header_row][..column].chars().count() as u16;
    let mut out = Vec::new();
    let body_end = lines.len().saturating_sub(1);
    for (y, line) in lines.iter().enumerate().take(body_end).skip(header_row + 1) {
        let word: String = line.chars().skip(col as usize).take_while(|c| !c.is_whitespace()).collect();
        if word.is_empty() {
            continue;
        }
        let cell = &buffer[(col, y as u16)];
        out.push(format!("{word}: fg={:?} bg={:?}", cell.fg, cell.bg));
    }
    out.join("\n")
}

#[test]
fn pod_list_80x24() {
    let mut s = listed(Scope::Namespace("acme".into()));
    let buffer = draw(&mut s, 80, 24);
    insta::assert_snapshot!("pod_list_80x24", text(&buffer));
    insta::assert_snapshot!("pod_list_80x24_status_colours", status_colours(&buffer));
}

#[test]
fn pod_list_120x40_all_namespaces() {
    let mut s = listed(Scope::All);
    let buffer = draw(&mut s, 120, 40);
    insta::assert_snapshot!("pod_list_120x40", text(&buffer));
}

#[test]
fn pod_list_filtered_keeps_count_and_filter_in_header() {
    let mut s = listed(Scope::Namespace("acme".into()));
    update(&mut s, Msg::Key(key('/')));
    for c in "front".chars() {
        update(&mut s, Msg::Key(key(c)));
    }
    let screen = text(&draw(&mut s, 80, 24));
    assert!(screen.contains("[2 of 6]"), "{screen}");
    assert!(screen.contains("/front"), "{screen}");
    assert!(!screen.contains("orders-"), "{screen}");
}

#[test]
fn forbidden_cluster_wide_says_who_may_not_do_what() {
    let mut s = state(Scope::All);
    feed(
        &mut s,
        &Scope::All,
        WatchUpdate::State(WatchState::Forbidden {
            message:
                "pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
                    .into(),
        }),
    );
    let buffer = draw(&mut s, 120, 40);
    let screen = text(&buffer);
    assert!(screen.contains("You (user dev) may not list pods in any namespace (cluster-wide)."), "{screen}");
    assert!(screen.contains("kubectl auth can-i list pods -A --context kind-acme"), "{screen}");
    insta::assert_snapshot!("pod_list_forbidden_120x40", screen);
}

#[test]
fn reconnecting_shows_how_old_the_data_is() {
    let scope = Scope::Namespace("acme".into());
    let mut s = listed(scope.clone());
    feed(&mut s, &scope, WatchUpdate::State(WatchState::Reconnecting { error: "Connection refused".into() }));
    // Twelve seconds later the header says so.
    s.now = now().checked_add(jiff::SignedDuration::from_secs(12)).expect("time");
    let screen = text(&draw(&mut s, 80, 24));
    assert!(screen.contains("reconnecting · data 12s old"), "{screen}");
    assert!(screen.contains("orders-"), "the last known pods stay on screen: {screen}");
    insta::assert_snapshot!("pod_list_reconnecting_80x24", screen);
}

#[test]
fn too_small_terminal_says_so() {
    let mut s = listed(Scope::Namespace("acme".into()));
    let screen = text(&draw(&mut s, 50, 12));
    assert!(screen.contains("Terminal too small: 50x12"), "{screen}");
}

#[test]
fn help_lists_bindings_from_the_keymap() {
    let mut s = listed(Scope::Namespace("acme".into()));
    update(&mut s, Msg::Key(key('?')));
    let screen = text(&draw(&mut s, 100, 40));
    for binding in mosaic::app::keymap::KEYMAP.iter().filter(|b| b.context == mosaic::app::keymap::KeyContext::Global) {
        assert!(screen.contains(binding.description), "help misses {:?}:\n{screen}", binding.description);
    }
}

fn key(c: char) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)
}

const DEPLOYMENTS: &str = include_str!("fixtures/real-1.19/deployments-list.json");

fn deployments_state() -> State {
    use k8s_openapi::api::apps::v1::Deployment;
    let scope = Scope::Namespace("acme".into());
    let mut s = state(scope.clone());
    let items = serde_json::from_str::<List<Deployment>>(DEPLOYMENTS).expect("deployments parse").items;
    update(&mut s, Msg::Key(key(':')));
    for c in "deploy".chars() {
        update(&mut s, Msg::Key(key(c)));
    }
    update(&mut s, Msg::Key(enter()));
    let epoch = s.epoch;
    update(
        &mut s,
        Msg::Data {
            epoch,
            scope: scope.clone(),
            data: Data::Deployments(WatchUpdate::Page { items, first: true, last: true }),
        },
    );
    s
}

fn enter() -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Enter, crossterm::event::KeyModifiers::NONE)
}

#[test]
fn game_plan_pane_shows_the_view_and_every_action_of_the_selected_row() {
    let mut s = deployments_state();
    update(&mut s, Msg::Key(key('p')));
    let screen = text(&draw(&mut s, 100, 30));
    insta::assert_snapshot!("game_plan_deployments_100x30", screen);
}

#[test]
fn scale_refused_for_dev_shows_the_reason_and_the_can_i_line() {
    let mut s = deployments_state();
    update(&mut s, Msg::Key(key('s')));
    update(&mut s, Msg::Key(enter()));
    let command = match &s.mode {
        mosaic::app::Mode::Confirm(c) => c.plan.command.clone(),
        other => panic!("expected the confirmation, got {other:?}"),
    };
    update(
        &mut s,
        Msg::Checked {
            command,
            result: Err(mosaic::action::ActionError::Forbidden {
                user: "dev".into(),
                message: "User \"dev\" may not patch deployments/scale in namespace acme".into(),
                can_i: "kubectl auth can-i patch deployments.apps/scale -n acme --context kind-acme".into(),
            }),
        },
    );
    let screen = text(&draw(&mut s, 100, 30));
    assert!(screen.contains("Not allowed: User \"dev\" may not patch deployments/scale"), "{screen}");
    assert!(!screen.contains("y run"), "no way to run a refused action: {screen}");
    insta::assert_snapshot!("confirm_scale_refused_100x30", screen);
}

fn forward_row(id: u64, port: u16, target: &str, served: u64, active: u64, error: Option<&str>) -> ForwardRow {
    ForwardRow {
        id,
        local: format!("127.0.0.1:{port}"),
        local_port: port,
        target: target.into(),
        served,
        active,
        error: error.map(str::to_string),
    }
}

#[test]
fn port_forward_list_shows_each_forward_and_its_connections() {
    let mut s = listed(Scope::Namespace("acme".into()));
    let rows = vec![
        forward_row(1, 8080, "acme/frontend-7d9c8b6f5-x2x4q:8080 (service frontend)", 12, 1, None),
        forward_row(2, 9000, "acme/orders-5c8d7f9b4-k9l2m:9000", 3, 0, Some("error forwarding port 9000: refused")),
    ];
    update(&mut s, Msg::Exec(ExecMsg::Forwards(rows)));
    for c in ":pf".chars() {
        update(&mut s, Msg::Key(key(c)));
    }
    update(&mut s, Msg::Key(enter()));
    update(&mut s, Msg::Key(key('j')));
    let buffer = draw(&mut s, 100, 30);
    let screen = text(&buffer);
    assert!(screen.contains("Ctrl-d stop"), "{screen}");
    // The cursor is on the second forward.
    let row = screen.lines().position(|l| l.contains("127.0.0.1:9000")).expect("second row") as u16;
    assert_eq!(buffer[(2, row)].bg, Theme::default().selection_bg);
    insta::assert_snapshot!("port_forwards_100x30", screen);
}

#[test]
fn exec_output_pane_shows_stdout_stderr_and_the_exit_code() {
    let mut s = listed(Scope::Namespace("acme".into()));
    update(&mut s, Msg::Key(key('x')));
    for c in "cat /etc/hostname; ls /nope".chars() {
        update(&mut s, Msg::Key(key(c)));
    }
    update(&mut s, Msg::Key(enter()));
    let command = match &s.mode {
        mosaic::app::Mode::Confirm(c) => c.plan.command.clone(),
        other => panic!("expected the confirmation, got {other:?}"),
    };
    let output = mosaic::action::ExecOutput {
        stdout: "frontend-7d9c8b6f5-x2x4q\n".into(),
        stderr: "ls: /nope: No such file or directory\n".into(),
        exit: mosaic::action::Exit { code: Some(1), message: None },
        truncated: false,
        timed_out: false,
        masking: None,
    };
    let summary = "Ran cat /etc/hostname; ls /nope in pod frontend in acme: exit code 1".to_string();
    update(
        &mut s,
        Msg::Done { command, dry_run: false, result: Ok(mosaic::action::Outcome::Output { summary, output }) },
    );
    let screen = text(&draw(&mut s, 100, 30));
    insta::assert_snapshot!("exec_output_100x30", screen);
}

/// At 80 columns the help wraps each description between words under itself, and the footer says how to close.
#[test]
fn help_80x24_wraps_descriptions_whole() {
    let mut s = listed(Scope::Namespace("acme".into()));
    update(&mut s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('?'))));
    let screen = text(&draw(&mut s, 80, 24));
    insta::assert_snapshot!("help_80x24", screen);
    assert!(screen.contains("→ logs, service → endpoints → pods"), "the drill-down description goes on: {screen}");
    assert_eq!(screen.lines().last(), Some(" Esc close"));
}

/// The palette's descriptions end in whole words (or `…`) at 80 columns.
#[test]
fn palette_80x24_cuts_descriptions_between_words() {
    let mut s = listed(Scope::Namespace("acme".into()));
    update(&mut s, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(':'))));
    let screen = text(&draw(&mut s, 80, 24));
    insta::assert_snapshot!("palette_80x24", screen);
    assert!(screen.contains(":ns alone lists them"), "{screen}");
}
