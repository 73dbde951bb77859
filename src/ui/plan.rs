//! The game plan pane: the kubectl for what the view shows, and for each action on the selected row, wrapped
//! to the pane's width (the lines come from `app::plan_pane`).
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::app::State;
use crate::app::plan_pane::{self, LABEL_WIDTH, Text};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let label = |text: &str| {
        Span::styled(
            format!(" {text:<w$}", w = LABEL_WIDTH - 1),
            Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD),
        )
    };
    let rows = usize::from(area.height.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::new();
    for text in plan_pane::fit(plan_pane::lines(state, area.width), rows) {
        match text {
            Text::Command { key, text, mutating, refused, why } => {
                let style = match (refused, mutating) {
                    (true, _) => Style::default().fg(theme.muted).add_modifier(Modifier::CROSSED_OUT),
                    (false, true) => Style::default().fg(theme.foreground),
                    (false, false) => Style::default().fg(theme.command_fg),
                };
                let mut spans = vec![label(key.unwrap_or_default()), Span::styled(text, style)];
                spans.extend(why.map(|why| Span::styled(format!("  {why}"), Style::default().fg(theme.status_error))));
                lines.push(Line::from(spans));
            }
            Text::Refused(why) => {
                let why = Span::styled(format!("    {why}"), Style::default().fg(theme.status_error));
                lines.push(Line::from(vec![label(""), why]));
            }
            Text::More(n) => {
                let text = format!("… {n} more lines: a taller terminal shows them");
                lines.push(Line::from(vec![label(""), Span::styled(text, Style::default().fg(theme.muted))]));
            }
        }
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(Style::default().fg(theme.border))
        .title(Span::styled(" game plan · c copies the view's line · p hides ", Style::default().fg(theme.muted)));
    frame.render_widget(Paragraph::new(lines).block(block).style(Style::default().bg(theme.background)), area);
}
