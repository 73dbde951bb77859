//! The game plan pane's lines: the view's kubectl and each action's on the selected row, each wrapped to the
//! terminal's width (` \` and an indent), so a long command is read whole. Computed here, not while drawing,
//! because the list's page size depends on how tall the pane is.
use crate::action::wrap::wrap_command;

use super::State;
use super::actions::selected_actions;

/// ` view    `: the key column before each command.
pub const LABEL_WIDTH: usize = 9;
/// Continuation lines of a wrapped command start this far in.
const INDENT: usize = 4;
/// Rows the list keeps under an open pane (its header and a few rows), however long the plans.
const LIST_ROWS: u16 = 6;

/// What a line of the pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// Part of a command; `key` only on its first line, `why` (it is refused) only on its last, when it fits.
    Command { key: Option<&'static str>, text: String, mutating: bool, refused: bool, why: Option<String> },
    /// Why an action is refused, below its command when the command's last line has no room for it.
    Refused(String),
    /// The lines that did not fit.
    More(usize),
}

/// Every line of the pane at `width` columns, before it is fitted to a height.
pub fn lines(state: &State, width: u16) -> Vec<Text> {
    let ctx = state.plan_ctx();
    let room = usize::from(width).saturating_sub(LABEL_WIDTH).max(10);
    let mut rows = vec![("view", state.view_action().plan(&ctx), None)];
    for (key, action) in selected_actions(state) {
        let plan = action.plan(&ctx);
        // Shown, never hidden: an action the user may not take is dimmed, with why.
        let refused = if state.context.readonly && plan.mutating {
            Some("✗ read-only mode".to_string())
        } else if state.access.get(&plan.permission) == Some(&Some(false)) {
            Some(format!("✗ not allowed: {}", plan.permission.can_i_command(&ctx.context)))
        } else {
            None
        };
        rows.push((key, plan, refused));
    }
    let mut out = Vec::new();
    for (key, plan, refused) in rows {
        let wrapped = wrap_command(&plan.command, room, INDENT);
        let last_len = wrapped.last().map_or(0, |l| l.chars().count());
        for (i, text) in wrapped.into_iter().enumerate() {
            let key = (i == 0).then_some(key);
            out.push(Text::Command { key, text, mutating: plan.mutating, refused: refused.is_some(), why: None });
        }
        match (refused, out.last_mut()) {
            (Some(reason), Some(Text::Command { why, .. })) if last_len + 2 + reason.chars().count() <= room => {
                *why = Some(reason)
            }
            (Some(reason), _) => out.push(Text::Refused(reason)),
            (None, _) => {}
        }
    }
    out
}

/// The lines that fit in `rows`: the last one says how many more there are when they do not all fit.
pub fn fit(mut lines: Vec<Text>, rows: usize) -> Vec<Text> {
    if lines.len() > rows {
        let shown = rows.saturating_sub(1);
        let more = lines.len() - shown;
        lines.truncate(shown);
        lines.push(Text::More(more));
    }
    lines
}

/// Rows the pane takes out of a body of `body` rows at the state's width: its border and its lines, up to
/// what leaves the list [`LIST_ROWS`] (or half the body, when that is more). 0 when the pane is hidden.
pub fn height(state: &State, body: u16) -> u16 {
    if !state.show_plan {
        return 0;
    }
    let want = 1 + lines(state, state.width).len() as u16;
    want.min(body.saturating_sub(LIST_ROWS).max(body / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_do_not_fit_are_counted() {
        let line = |t: &str| Text::Command { key: None, text: t.into(), mutating: false, refused: false, why: None };
        let fitted = fit(vec![line("a"), line("b"), line("c"), line("d")], 3);
        assert_eq!(fitted, [line("a"), line("b"), Text::More(2)]);
        assert_eq!(fit(vec![line("a")], 3), [line("a")]);
    }
}
