//! The game plan pane: the kubectl for what the view shows, and for each action on the selected row.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::State;
use crate::app::actions::selected_actions;

/// Lines the pane takes: a border, the view's line, and the actions of the selected row.
pub fn height(state: &State) -> u16 {
    if !state.show_plan {
        return 0;
    }
    2 + selected_actions(state).len() as u16 + 1
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let ctx = state.plan_ctx();
    let view = state.view_action().plan(&ctx);
    let label = |text: &str| {
        Span::styled(format!(" {text:<8}"), Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD))
    };
    let mut lines =
        vec![Line::from(vec![label("view"), Span::styled(view.command, Style::default().fg(theme.command_fg))])];
    for (key, action) in selected_actions(state) {
        let plan = action.plan(&ctx);
        // Shown, never hidden: an action the user may not take is dimmed, with why.
        let refused = if state.context.readonly && plan.mutating {
            Some("  ✗ read-only mode".to_string())
        } else if state.access.get(&plan.permission) == Some(&Some(false)) {
            Some(format!("  ✗ not allowed: {}", plan.permission.can_i_command(&ctx.context)))
        } else {
            None
        };
        let style = match (&refused, plan.mutating) {
            (Some(_), _) => Style::default().fg(theme.muted).add_modifier(Modifier::CROSSED_OUT),
            (None, true) => Style::default().fg(theme.foreground),
            (None, false) => Style::default().fg(theme.command_fg),
        };
        let mut spans = vec![label(key), Span::styled(plan.command, style)];
        if let Some(why) = refused {
            spans.push(Span::styled(why, Style::default().fg(theme.status_error)));
        }
        lines.push(Line::from(spans));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(Style::default().fg(theme.border))
        .title(Span::styled(" game plan · c copies the view's line · p hides ", Style::default().fg(theme.muted)));
    frame.render_widget(Paragraph::new(lines).block(block).style(Style::default().bg(theme.background)), area);
}
