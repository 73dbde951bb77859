//! Edit any object's YAML in mosaic: Ctrl-S checks the YAML (a parse error names its line and column and puts
//! the cursor there), dry-runs it on the server and shows the diff; `y` applies it as `Action::Edit` (a PUT
//! carrying the resourceVersion the edit started from). A conflict offers to reload: the new version with the
//! user's changes re-applied. Secret values are masked in the text; what is left masked is restored from the
//! server's object before anything is sent.
use crossterm::event::KeyEvent;
use ratatui::widgets::Block;
use ratatui_textarea::{CursorMove, TextArea};
use serde_json::{Map, Value};

use super::keymap::{Command, KeyContext};
use super::msg::Effect;
use super::state::State;
use crate::action::{Action, ActionError, ObjectRef, Outcome, Plan, diff};
use crate::analysis::secret_mask::{self, LAST_APPLIED, Unmasked};

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Reading the object.
    Loading,
    Editing,
    /// The server dry run is running.
    Checking,
    /// The dry run's diff, waiting for `y`.
    Review {
        diff: String,
    },
    Applying,
    /// The object changed on the server since the edit began.
    Conflict {
        message: String,
    },
    /// Reading the object again after a conflict.
    Reloading,
    /// Esc with unsaved changes: discard them?
    Discard,
}

#[derive(Debug)]
pub struct EditorState {
    pub target: ObjectRef,
    pub textarea: TextArea<'static>,
    pub phase: Phase,
    /// The plan of the edit: `kubectl replace -f -`, and `kubectl edit` in its summary.
    pub plan: Plan,
    /// What the editor showed when the object was loaded, to tell whether anything was typed.
    pub loaded: Vec<String>,
    /// The object as the server last sent it (the diff's "nothing changed" reference).
    pub server: Unmasked,
    /// Where masked values are restored from: the server's object, or after a reload the user's rebased edit.
    pub values: Unmasked,
    /// The edit being dry-run or applied.
    pub pending: Option<Action>,
    /// A parse error, a refusal, or a note, for the line under the text; `true` for errors.
    pub message: Option<(String, bool)>,
    /// The read-only or RBAC refusal found when the editor opened: saving is refused with it.
    pub refused: Option<String>,
    pub diff_scroll: usize,
    load_command: String,
}

impl EditorState {
    pub fn changed(&self) -> bool {
        self.textarea.lines() != self.loaded.as_slice()
    }

    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }
}

/// Which keys apply: typing, or a question (diff, conflict, discard) while one is shown.
pub fn key_context(editor: &EditorState) -> KeyContext {
    match editor.phase {
        Phase::Editing => KeyContext::Editor,
        _ => KeyContext::EditorReview,
    }
}

/// `e` on a row or in a pane: load the object and ask whether the user may update it.
pub fn open(state: &mut State, target: ObjectRef, effects: &mut Vec<Effect>) {
    let ctx = state.plan_ctx();
    let edit = Action::Edit { target: target.clone(), object: Unmasked::default() };
    let plan = edit.plan(&ctx);
    if state.context.readonly {
        state.flash(
            format!("mosaic is in read-only mode: it changes nothing, so it does not edit ({})", plan.command),
            true,
        );
        return;
    }
    let load = Action::Yaml { target: target.clone() };
    let load_command = load.plan(&ctx).command;
    effects.push(Effect::Run { action: load, dry_run: false, command: load_command.clone() });
    effects.push(Effect::Check { action: edit, command: plan.command.clone() });
    state.editor = Some(EditorState {
        target,
        textarea: TextArea::default(),
        phase: Phase::Loading,
        plan,
        loaded: Vec::new(),
        server: Unmasked::default(),
        values: Unmasked::default(),
        pending: None,
        message: None,
        refused: None,
        diff_scroll: 0,
        load_command,
    });
}

/// The text the editor shows for an object: YAML without managedFields and the last-applied copy, Secret
/// values masked.
pub fn edit_text(object: &Value) -> String {
    let mut shown = secret_mask::mask(object);
    if let Some(meta) = shown.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.remove(LAST_APPLIED);
            if annotations.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    serde_yaml::to_string(&shown).unwrap_or_else(|e| format!("# cannot be shown as YAML: {e}\n"))
}

/// What the user's text stands for: parsed, masked values and the hidden last-applied copy restored from
/// `values`, kind and name unchanged. Errors say where and what to do.
pub fn parse_edit(text: &str, target: &ObjectRef, values: &Value) -> Result<Value, EditError> {
    let parsed: Value = serde_yaml::from_str(text).map_err(|e| {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        match e.location() {
            Some(at) => EditError::Yaml { line: at.line(), column: at.column(), message },
            None => EditError::Invalid(format!("The YAML does not parse: {message}")),
        }
    })?;
    if !parsed.is_object() {
        return Err(EditError::Invalid(
            "The YAML must be one object (a mapping with apiVersion, kind, metadata)".into(),
        ));
    }
    let mut object = secret_mask::unmask(&parsed, values);
    restore_last_applied(&mut object, values);
    crate::action::check_identity(target, &object).map_err(|e| match e {
        ActionError::Invalid(m) => EditError::Invalid(format!("{m}.")),
        other => EditError::Invalid(other.to_string()),
    })?;
    Ok(object)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// 1-based line and column, as editors count.
    Yaml {
        line: usize,
        column: usize,
        message: String,
    },
    Invalid(String),
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EditError::Yaml { line, column, message } => {
                write!(f, "YAML error at line {line}, column {column}: {message}")
            }
            EditError::Invalid(message) => f.write_str(message),
        }
    }
}

/// The editor hides the last-applied copy; put it back so a replace does not drop it.
fn restore_last_applied(object: &mut Value, values: &Value) {
    let Some(original) = values.pointer("/metadata/annotations").and_then(|a| a.get(LAST_APPLIED)).cloned() else {
        return;
    };
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let annotations = meta.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
    if let Some(map) = annotations.as_object_mut() {
        map.entry(LAST_APPLIED).or_insert(original);
    }
}

/// The merge patch that turns `from` into `to` (RFC 7386): what the user changed, to re-apply on a newer version.
fn merge_diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (key, new) in b {
                match a.get(key) {
                    Some(old) if old == new => {}
                    Some(old) => {
                        out.insert(key.clone(), merge_diff(old, new));
                    }
                    None => {
                        out.insert(key.clone(), new.clone());
                    }
                }
            }
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                out.insert(key.clone(), Value::Null);
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

/// The user's edit of `old` re-applied to `new`: their changes win, the server's other changes stay.
pub fn rebase(old: &Value, edited: &Value, new: &Value) -> Value {
    let mut out = new.clone();
    json_patch::merge(&mut out, &merge_diff(old, edited));
    if let (Some(rv), Some(meta)) = (new.pointer("/metadata/resourceVersion").cloned(), out.get_mut("metadata")) {
        meta["resourceVersion"] = rv;
    }
    out
}

pub fn on_key(state: &mut State, key: KeyEvent, command: Option<Command>, effects: &mut Vec<Effect>) {
    let Some(editor) = state.editor.as_mut() else { return };
    match (&editor.phase, command) {
        (Phase::Editing, Some(Command::Save)) => save(state, effects),
        (Phase::Editing, Some(Command::Cancel)) => {
            if editor.changed() {
                editor.phase = Phase::Discard;
            } else {
                state.editor = None;
            }
        }
        (Phase::Editing, _) => {
            editor.textarea.input(key);
            editor.message = None;
        }
        (Phase::Review { .. }, Some(Command::Confirm)) => {
            let Some(action) = editor.pending.clone() else { return };
            editor.phase = Phase::Applying;
            effects.push(Effect::Run { action, dry_run: false, command: editor.plan.command.clone() });
        }
        (Phase::Discard, Some(Command::Confirm)) => state.editor = None,
        (Phase::Conflict { .. }, Some(Command::Reload)) => {
            editor.phase = Phase::Reloading;
            let action = Action::Yaml { target: editor.target.clone() };
            effects.push(Effect::Run { action, dry_run: false, command: editor.load_command.clone() });
        }
        (Phase::Review { .. } | Phase::Conflict { .. } | Phase::Discard, Some(Command::Cancel)) => {
            editor.phase = Phase::Editing;
            editor.diff_scroll = 0;
        }
        (Phase::Loading, Some(Command::Cancel)) => state.editor = None,
        (_, Some(Command::Down)) => editor.diff_scroll += 1,
        (_, Some(Command::Up)) => editor.diff_scroll = editor.diff_scroll.saturating_sub(1),
        _ => {}
    }
}

/// Ctrl-S: parse, then the server dry run.
fn save(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(editor) = state.editor.as_mut() else { return };
    if let Some(why) = &editor.refused {
        editor.message = Some((why.clone(), true));
        return;
    }
    match parse_edit(&editor.text(), &editor.target, &editor.values.0) {
        Err(err) => {
            if let EditError::Yaml { line, column, .. } = &err {
                let (row, col) = (line.saturating_sub(1), column.saturating_sub(1));
                editor.textarea.move_cursor(CursorMove::Jump(
                    u16::try_from(row).unwrap_or(u16::MAX),
                    u16::try_from(col).unwrap_or(u16::MAX),
                ));
            }
            editor.message = Some((err.to_string(), true));
        }
        Ok(object) if object == editor.server.0 => {
            editor.message = Some(("Nothing changed: there is nothing to apply. Esc closes the editor.".into(), false));
        }
        Ok(object) => {
            let action = Action::Edit { target: editor.target.clone(), object: Unmasked(object) };
            editor.pending = Some(action.clone());
            editor.phase = Phase::Checking;
            editor.message = None;
            effects.push(Effect::Run { action, dry_run: true, command: editor.plan.command.clone() });
        }
    }
}

/// Whether the user may update the object, asked when the editor opened. Returns true when it was the
/// editor's question.
pub fn on_checked(state: &mut State, command: &str, result: &Result<(), ActionError>) -> bool {
    let Some(editor) = state.editor.as_mut().filter(|e| e.plan.command == command) else { return false };
    if let Err(err) = result {
        let why = format!("You cannot save this edit: {err}");
        editor.message = Some((why.clone(), true));
        editor.refused = Some(why);
    }
    true
}

/// The object, a dry run, or the apply came back. Returns the result when it is not the editor's.
pub fn on_done(
    state: &mut State,
    command: &str,
    dry_run: bool,
    result: Result<Outcome, ActionError>,
    effects: &mut Vec<Effect>,
) -> Option<Result<Outcome, ActionError>> {
    let Some(editor) = state.editor.as_mut() else { return Some(result) };
    let loading = matches!(editor.phase, Phase::Loading | Phase::Reloading);
    let mine = match &editor.phase {
        Phase::Loading | Phase::Reloading => command == editor.load_command && !dry_run,
        Phase::Checking => command == editor.plan.command && dry_run,
        Phase::Applying => command == editor.plan.command && !dry_run,
        _ => false,
    };
    if !mine {
        return Some(result);
    }
    match (&editor.phase, result) {
        (_, Ok(Outcome::Object(object))) if loading => {
            let text = match (&editor.phase, &editor.pending) {
                (Phase::Reloading, Some(Action::Edit { object: edited, .. })) => {
                    let rebased = rebase(&editor.values.0, &edited.0, &object);
                    let rv = object.pointer("/metadata/resourceVersion").and_then(Value::as_str).unwrap_or("?");
                    editor.message = Some((
                        format!(
                            "Reloaded resourceVersion {rv} with your changes re-applied. Check them and press \
                             Ctrl-S again."
                        ),
                        false,
                    ));
                    editor.values = Unmasked(rebased.clone());
                    edit_text(&rebased)
                }
                _ => {
                    editor.values = Unmasked(object.clone());
                    edit_text(&object)
                }
            };
            editor.loaded = edit_text(&object).lines().map(str::to_string).collect();
            editor.server = Unmasked(object);
            editor.textarea = TextArea::new(text.lines().map(str::to_string).collect());
            editor.textarea.set_block(Block::default());
            editor.phase = Phase::Editing;
            editor.pending = None;
        }
        (_, Err(err)) if loading => {
            state.editor = None;
            state.flash(format!("Could not load the object to edit: {err}"), true);
        }
        (Phase::Checking, Ok(Outcome::Changed { before: Some(before), after: Some(after), .. })) => {
            let (before, after) = secret_mask::mask_change(&before, &after);
            let diff = diff(&before, &after);
            if diff.is_empty() {
                editor.phase = Phase::Editing;
                editor.message =
                    Some(("The server sees no change (it may drop or default what you changed).".into(), false));
            } else {
                editor.phase = Phase::Review { diff };
                editor.diff_scroll = 0;
            }
        }
        (Phase::Applying, Ok(outcome)) => {
            let summary = match outcome {
                Outcome::Changed { summary, .. } => summary,
                _ => "Applied".into(),
            };
            let target = editor.target.clone();
            state.editor = None;
            state.flash(summary, false);
            // A describe or YAML pane of the same object under the editor shows what was applied.
            if let Some(pane) = state.object_pane.as_ref().filter(|p| p.target == target) {
                let kind = pane.kind;
                super::object_pane::open(state, kind, target, effects);
            }
        }
        (_, Err(ActionError::Conflict(message))) => {
            editor.phase = Phase::Conflict {
                message: format!(
                    "{message}. Nothing was changed. r reloads it with your changes re-applied; n goes back to \
                     your text."
                ),
            };
        }
        (_, Err(err)) => {
            editor.phase = Phase::Editing;
            editor.message = Some((err.to_string(), true));
        }
        (_, Ok(_)) => editor.phase = Phase::Editing,
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target() -> ObjectRef {
        ObjectRef::new("apps/v1", "Deployment", "deployments", Some("shop"), "web")
    }

    fn web() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "10",
                "annotations": {LAST_APPLIED: "{}", "team": "shop"}},
            "spec": {"replicas": 2}})
    }

    #[test]
    fn a_parse_error_names_its_line_and_column() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n   bad: [\n";
        let err = parse_edit(text, &target(), &web()).unwrap_err();
        let EditError::Yaml { line, column, .. } = &err else { panic!("{err:?}") };
        assert_eq!((*line, *column), (5, 7), "{err}");
        assert_eq!(err.to_string(), "YAML error at line 5, column 7: mapping values are not allowed in this context");
    }

    #[test]
    fn the_edit_keeps_the_hidden_annotation_and_the_identity() {
        let text = edit_text(&web());
        assert!(!text.contains(LAST_APPLIED), "{text}");
        let object = parse_edit(&text.replace("replicas: 2", "replicas: 3"), &target(), &web()).unwrap();
        assert_eq!(object["spec"]["replicas"], 3);
        assert_eq!(object["metadata"]["annotations"][LAST_APPLIED], "{}");
        let renamed = text.replace("name: web", "name: other");
        assert!(parse_edit(&renamed, &target(), &web()).unwrap_err().to_string().contains("an edit cannot rename"));
    }

    #[test]
    fn rebase_keeps_the_users_change_and_the_servers_new_version() {
        let old = web();
        let mut edited = web();
        edited["spec"]["replicas"] = json!(5);
        let mut new = web();
        new["metadata"]["resourceVersion"] = json!("11");
        new["metadata"]["labels"] = json!({"by": "someone-else"});
        let out = rebase(&old, &edited, &new);
        assert_eq!(out["spec"]["replicas"], 5);
        assert_eq!(out["metadata"]["resourceVersion"], "11");
        assert_eq!(out["metadata"]["labels"]["by"], "someone-else");
    }
}
