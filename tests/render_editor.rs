//! Tier 2: the YAML view (highlighted, searched), describe with events, the editor, and a Secret in each of
//! them: no value on screen unless one key was revealed.
use crate::support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::action::{Action, ObjectRef, Outcome};
use mosaic::app::object_pane::{self, PaneKind};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::Scope;
use mosaic::ui::Theme;
use ratatui::buffer::Buffer;
use serde_json::{Value, json};
use support::screen::{draw, kind_acme, now, paint, text};

const DEPLOYMENTS: &str = include_str!("fixtures/real-1.19/deployments-list.json");
const EVENTS: &str = include_str!("fixtures/real-1.19/events-for-one-pod.json");

fn state() -> State {
    let info = kind_acme("admin");
    let mut state = State::new(info, Scope::Namespace("acme".into()), now());
    update(&mut state, Msg::Resize(100, 30));
    state
}

fn deployment() -> Value {
    let list: Value = serde_json::from_str(DEPLOYMENTS).expect("deployments-list.json parses");
    let mut d = list["items"][0].clone();
    d["apiVersion"] = json!("apps/v1");
    d["kind"] = json!("Deployment");
    d
}

/// Shaped like a Secret as a real control plane serves it, with kubectl apply's annotation.
fn secret() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": "cart-redis", "namespace": "acme", "uid": "8d0c7c84-1f7e-4d7a-9a49-3d5f0b1c2e11",
            "resourceVersion": "4711", "creationTimestamp": "2026-11-20T03:35:00Z",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                "{\"apiVersion\":\"v1\",\"data\":{\"password\":\"aHVudGVyMi14eXp6eQ==\"},\"kind\":\"Secret\"}"}
        },
        "data": {"password": "aHVudGVyMi14eXp6eQ==", "username": "YWRtaW4tcXdlcnR5"}
    })
}

/// What must never be on screen: the values, encoded and decoded.
const SECRETS: [&str; 4] = ["aHVudGVyMi14eXp6eQ==", "hunter2-xyzzy", "YWRtaW4tcXdlcnR5", "admin-qwerty"];

fn target_of(object: &Value) -> ObjectRef {
    let plural = if object["kind"] == "Secret" { "secrets" } else { "deployments" };
    ObjectRef::new(
        object["apiVersion"].as_str().unwrap_or_default(),
        object["kind"].as_str().unwrap_or_default(),
        plural,
        object["metadata"]["namespace"].as_str(),
        object["metadata"]["name"].as_str().unwrap_or_default(),
    )
}

/// Open a pane the way `d`/`y` does, then answer its read as the runtime would.
fn open_pane(state: &mut State, kind: PaneKind, object: &Value, events: Vec<Value>) {
    let mut effects = Vec::new();
    object_pane::open(state, kind, target_of(object), &mut effects);
    let Some(Effect::Run { command, .. }) = effects.into_iter().next() else { panic!("a read") };
    let result = match kind {
        PaneKind::Describe => Ok(Outcome::Described { object: object.clone(), events: Ok(events) }),
        PaneKind::Yaml => Ok(Outcome::Object(object.clone())),
    };
    update(state, Msg::Done { command, dry_run: false, result });
}

/// Open the editor on an object, answered as the runtime would.
fn open_editor(state: &mut State, object: &Value) {
    let mut effects = Vec::new();
    mosaic::app::editor::open(state, target_of(object), &mut effects);
    for effect in effects {
        match effect {
            Effect::Run { command, .. } => {
                update(state, Msg::Done { command, dry_run: false, result: Ok(Outcome::Object(object.clone())) });
            }
            Effect::Check { command, .. } => {
                update(state, Msg::Checked { command, result: Ok(()) });
            }
            _ => {}
        }
    }
}

/// Rows of the screen as runs of one foreground colour: `apiVersion«LightCyan» :«Indexed(246)»…`.
fn colour_runs(buffer: &Buffer, rows: std::ops::Range<u16>) -> String {
    let mut out = Vec::new();
    for y in rows {
        let mut line = String::new();
        let mut run = String::new();
        let mut colour = None;
        for x in 1..buffer.area.width - 1 {
            let cell = &buffer[(x, y)];
            if Some(cell.fg) != colour && !run.trim().is_empty() {
                line.push_str(&format!("{}«{:?}» ", run.trim(), colour.expect("a colour")));
                run.clear();
            }
            if Some(cell.fg) != colour {
                run.clear();
            }
            colour = Some(cell.fg);
            run.push_str(cell.symbol());
        }
        if !run.trim().is_empty() {
            line.push_str(&format!("{}«{:?}»", run.trim(), colour.expect("a colour")));
        }
        out.push(line.trim_end().to_string());
    }
    out.join("\n")
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(state: &mut State, text: &str) {
    for c in text.chars() {
        update(state, key(KeyCode::Char(c)));
    }
}

#[test]
fn yaml_view_is_highlighted_without_managed_fields() {
    let mut state = state();
    let mut object = deployment();
    object["metadata"]["managedFields"] = json!([{"manager": "kubectl", "operation": "Update"}]);
    open_pane(&mut state, PaneKind::Yaml, &object, Vec::new());
    let buffer = paint(&state, 100, 30);
    let screen = text(&buffer);
    assert!(!screen.contains("managedFields"), "{screen}");
    insta::assert_snapshot!("yaml_view_100x30", screen);
    insta::assert_snapshot!("yaml_view_colours", colour_runs(&buffer, 5..14));
}

#[test]
fn yaml_search_highlights_matches_and_n_moves_between_them() {
    let mut state = state();
    open_pane(&mut state, PaneKind::Yaml, &deployment(), Vec::new());
    update(&mut state, key(KeyCode::Char('/')));
    chars(&mut state, "image");
    let typing = text(&paint(&state, 100, 30));
    assert!(typing.lines().last().unwrap_or_default().starts_with(" /image"), "the footer shows the search: {typing}");
    update(&mut state, key(KeyCode::Enter));
    let pane = state.object_pane.as_ref().expect("pane");
    let search = pane.search.as_ref().expect("search");
    assert!(search.matches.len() >= 2, "{search:?}");
    let first = pane.current_match().expect("a current match");
    update(&mut state, key(KeyCode::Char('n')));
    let second = state.object_pane.as_ref().and_then(|p| p.current_match()).expect("next");
    assert!(second > first, "n moves down: {first} -> {second}");
    update(&mut state, key(KeyCode::Char('N')));
    assert_eq!(state.object_pane.as_ref().and_then(|p| p.current_match()), Some(first), "N moves back");
    let buffer = paint(&state, 100, 30);
    let screen = text(&buffer);
    insta::assert_snapshot!("yaml_search_100x30", screen);
    // The current match is drawn in the selection colours.
    let theme = Theme::default();
    let highlighted = (0..30u16)
        .flat_map(|y| (0..100u16).map(move |x| (x, y)))
        .filter(|&(x, y)| buffer[(x, y)].bg == theme.selection_bg)
        .map(|(x, y)| buffer[(x, y)].symbol().to_string())
        .collect::<String>();
    assert_eq!(highlighted, "image", "only the current match is in the selection colours");
}

#[test]
fn describe_shows_fields_and_events_like_kubectl() {
    let mut state = state();
    let events: Value = serde_json::from_str(EVENTS).expect("events fixture");
    let events = events["items"].as_array().cloned().unwrap_or_default();
    open_pane(&mut state, PaneKind::Describe, &deployment(), events);
    let lines = &state.object_pane.as_ref().expect("pane").lines;
    let events_at = lines.iter().position(|l| l.starts_with("Events:")).expect("an Events section");
    assert!(lines[events_at + 1].trim_start().starts_with("Type"), "{:?}", &lines[events_at..]);
    assert!(lines[events_at + 2].trim_start().starts_with("----"), "{:?}", &lines[events_at..]);
    update(&mut state, key(KeyCode::Char('G')));
    let screen = text(&paint(&state, 100, 30));
    assert!(screen.contains("Back-off restarting failed container"), "G shows the last line:\n{screen}");
    insta::assert_snapshot!("describe_with_events_100x30", screen);
}

#[test]
fn editor_shows_the_yaml_with_line_numbers_and_the_plan() {
    let mut state = state();
    open_editor(&mut state, &deployment());
    insta::assert_snapshot!("editor_100x30", text(&paint(&state, 100, 30)));
    // A parse error is shown with its position, and the cursor is moved there.
    let editor = state.editor.as_mut().expect("editor");
    editor.textarea = ratatui_textarea::TextArea::new(vec![
        "apiVersion: apps/v1".into(),
        "kind: Deployment".into(),
        "metadata:".into(),
        "  name: x".into(),
        "   bad: [".into(),
    ]);
    update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    let editor = state.editor.as_ref().expect("editor");
    let at = editor.textarea.cursor();
    assert_eq!((at.0, at.1), (4, 6), "the cursor is on the error");
    insta::assert_snapshot!("editor_yaml_error_100x30", text(&paint(&state, 100, 30)));
}

/// At 80 columns the footer drops the hints that do not fit, whole, and keeps each pane's way out and `? help`.
#[test]
fn yaml_and_editor_at_80x24_keep_their_way_out_in_the_footer() {
    let mut state = state();
    open_pane(&mut state, PaneKind::Yaml, &deployment(), Vec::new());
    let yaml = text(&draw(&mut state, 80, 24));
    let footer = yaml.lines().last().unwrap_or_default();
    assert!(footer.contains("Esc close") && footer.contains("? help"), "{footer}");
    insta::assert_snapshot!("yaml_view_80x24", yaml);
    update(&mut state, key(KeyCode::Esc));
    open_editor(&mut state, &deployment());
    let editor = text(&draw(&mut state, 80, 24));
    let footer = editor.lines().last().unwrap_or_default();
    assert!(footer.contains("Esc close") && footer.contains("Ctrl-s save"), "{footer}");
    insta::assert_snapshot!("editor_80x24", editor);
}

#[test]
fn a_secret_is_masked_in_yaml_describe_and_the_editor_until_one_key_is_revealed() {
    let mut state = state();
    let screens = |state: &State| [text(&paint(state, 100, 30)), text(&paint(state, 160, 50))];
    let assert_masked = |screens: &[String], what: &str| {
        for screen in screens {
            for value in SECRETS {
                assert!(!screen.contains(value), "{what} shows {value}:\n{screen}");
            }
        }
    };
    open_pane(&mut state, PaneKind::Yaml, &secret(), Vec::new());
    let yaml = screens(&state);
    assert_masked(&yaml, "the YAML");
    assert!(yaml[0].contains("password: •••••• (13 bytes)"), "{}", yaml[0]);
    assert!(!yaml[0].contains("last-applied"), "{}", yaml[0]);
    insta::assert_snapshot!("secret_yaml_masked", &yaml[0]);

    // Copy copies the kubectl line, never the text.
    let effects = update(&mut state, key(KeyCode::Char('c')));
    assert_eq!(effects, [Effect::Copy("kubectl --context kind-acme -n acme get secret cart-redis -o yaml".into())]);

    // Reveal: choose the key from the list, see it decoded; v hides it again.
    update(&mut state, key(KeyCode::Char('v')));
    let choosing = text(&paint(&state, 100, 30));
    assert!(choosing.contains("Reveal which key?") && choosing.contains("username"), "{choosing}");
    assert_masked(&[choosing], "the key chooser");
    update(&mut state, key(KeyCode::Char('j')));
    update(&mut state, key(KeyCode::Enter));
    let revealed = text(&paint(&state, 100, 30));
    assert!(revealed.contains("username (revealed, v hides it): admin-qwerty"), "{revealed}");
    assert!(!revealed.contains("hunter2-xyzzy"), "only the chosen key is revealed");
    assert!(!format!("{state:?}").contains("admin-qwerty"), "the state's Debug never prints a value");
    update(&mut state, key(KeyCode::Char('v')));
    assert_masked(&screens(&state), "the pane after hiding");
    update(&mut state, key(KeyCode::Esc));
    assert!(state.object_pane.is_none());

    open_pane(&mut state, PaneKind::Describe, &secret(), Vec::new());
    let describe = screens(&state);
    assert_masked(&describe, "describe");
    assert!(describe[0].contains("password:  •••••• (13 bytes)"), "{}", describe[0]);
    update(&mut state, key(KeyCode::Esc));

    open_editor(&mut state, &secret());
    let editor = screens(&state);
    assert_masked(&editor, "the editor");
    assert!(editor[0].contains("username: •••••• (12 bytes)"), "{}", editor[0]);
    // Save with a new label: the edit sent carries the real values back, never shown.
    let edited: Vec<String> = state
        .editor
        .as_ref()
        .expect("editor")
        .textarea
        .lines()
        .iter()
        .map(|l| l.replace("  name: cart-redis", "  labels:\n    team: cart\n  name: cart-redis"))
        .flat_map(|l| l.lines().map(str::to_string).collect::<Vec<_>>())
        .collect();
    state.editor.as_mut().expect("editor").textarea = ratatui_textarea::TextArea::new(edited);
    let effects = update(&mut state, Msg::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    let [Effect::Run { action: Action::Edit { object, .. }, dry_run: true, .. }] = effects.as_slice() else {
        panic!("a dry run of the edit, got {effects:?}")
    };
    assert_eq!(object.0["data"], secret()["data"], "masked values are restored from the server's object");
    assert_eq!(object.0["metadata"]["labels"]["team"], "cart");
    assert_eq!(
        object.0["metadata"]["annotations"],
        secret()["metadata"]["annotations"],
        "the hidden last-applied copy is kept"
    );
    assert_masked(&[format!("{effects:?}")], "the effect's Debug (what a log line would print)");
}
