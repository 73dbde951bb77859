//! A small form of one-line text inputs (ratatui-textarea), for the workspace editor, the bind screen and the
//! match screen's root folder. Tab and Up/Down move between fields, Enter saves, Esc cancels.
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

/// What saving the form does.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    /// Create (no id) or update a workspace; a changed name renames it.
    Workspace { id: Option<i64>, is_default: bool },
    /// Bind a workload; `match_row` when the form edits a proposal of the match screen.
    Bind { namespace: String, kind: String, name: String, match_row: Option<usize> },
    /// The folder to look for repositories under.
    MatchRoot,
    /// Which containers of an app get `imagePullPolicy: Always` (`containers`: the ones it has).
    ForcePull { namespace: String, kind: String, name: String, containers: Vec<String> },
    /// Replicas of a StatefulSet card (a Deployment's uses the list's prompt).
    Scale { namespace: String, kind: String, name: String, current: Option<i32> },
    /// `CONTAINER=IMAGE` of a StatefulSet or DaemonSet card.
    SetImage { namespace: String, kind: String, name: String },
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    /// Shown under the input while it is focused.
    pub hint: &'static str,
    pub input: TextArea<'static>,
}

impl Field {
    pub fn new(label: &'static str, hint: &'static str, value: &str) -> Field {
        let mut input = TextArea::new(vec![value.to_string()]);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        Field { label, hint, input }
    }

    /// Grey text shown while the input is empty: an example of what goes there.
    pub fn placeholder(mut self, text: &str) -> Field {
        self.input.set_placeholder_text(text);
        self
    }

    /// The text typed, trimmed (inputs are one line).
    pub fn value(&self) -> String {
        self.input.lines().join(" ").trim().to_string()
    }

    /// A comma-separated list, each item trimmed, empty items dropped.
    pub fn list(&self) -> Vec<String> {
        split_list(&self.value())
    }
}

/// `a, b,,c` → `[a, b, c]`. Label selectors hold commas, so their lists are separated by `;` instead.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `app=web,tier!=cache; team=pay` → two selectors.
pub fn split_selectors(text: &str) -> Vec<String> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last save was refused, shown until the next key.
    pub error: Option<String>,
    pub purpose: FormPurpose,
}

impl Form {
    pub fn new(title: impl Into<String>, purpose: FormPurpose, fields: Vec<Field>) -> Form {
        Form { title: title.into(), fields, focus: 0, error: None, purpose }
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub fn previous(&mut self) {
        self.focus = (self.focus + self.fields.len().max(1) - 1) % self.fields.len().max(1);
    }

    /// A key for the focused input. Enter never reaches it: inputs are one line.
    pub fn type_key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Enter {
            return;
        }
        self.error = None;
        if let Some(field) = self.fields.get_mut(self.focus) {
            field.input.input(key);
        }
    }

    pub fn value(&self, index: usize) -> String {
        self.fields.get(index).map(Field::value).unwrap_or_default()
    }

    pub fn field(&self, index: usize) -> Option<&Field> {
        self.fields.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    #[test]
    fn typing_goes_to_the_focused_field_and_enter_adds_no_line() {
        let mut form = Form::new("t", FormPurpose::MatchRoot, vec![Field::new("a", "", "x"), Field::new("b", "", "")]);
        form.type_key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
        form.type_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        form.next();
        form.type_key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE));
        assert_eq!((form.value(0), form.value(1)), ("xy".to_string(), "z".to_string()));
        form.next();
        assert_eq!(form.focus, 0, "wraps around");
        form.previous();
        assert_eq!(form.focus, 1);
    }

    #[test]
    fn lists_split_on_commas_and_selectors_on_semicolons() {
        assert_eq!(split_list(" shop, payments,, "), ["shop", "payments"]);
        assert_eq!(split_selectors("app=web,tier!=cache; team=pay ;"), ["app=web,tier!=cache", "team=pay"]);
    }
}
