//! A read-only text pane over the list: describe, YAML, an error, or text to copy by hand.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::app::state::TextPane;

pub fn render(frame: &mut Frame, area: Rect, pane: &TextPane, theme: &Theme) {
    frame.render_widget(Clear, area);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(plan) = &pane.plan {
        lines.push(Line::styled(format!("$ {}", plan.command), Style::default().fg(theme.command_fg)));
        lines.push(Line::raw(""));
    }
    let body = area.height.saturating_sub(2 + lines.len() as u16) as usize;
    if pane.loading {
        lines.push(Line::styled("Loading…", Style::default().fg(theme.status_pending)));
    }
    let text_style = if pane.selectable {
        Style::default().fg(theme.selection_fg).bg(theme.selection_bg).add_modifier(Modifier::BOLD)
    } else {
        Style::default().fg(theme.foreground)
    };
    for (i, l) in pane.lines.iter().skip(pane.scroll).take(body).enumerate() {
        let last = pane.selectable && pane.scroll + i + 1 == pane.lines.len();
        lines.push(Line::styled(l.clone(), if last { text_style } else { Style::default().fg(theme.foreground) }));
    }
    let position = if pane.lines.len() > body {
        format!(" {}-{} of {} ", pane.scroll + 1, (pane.scroll + body).min(pane.lines.len()), pane.lines.len())
    } else {
        String::new()
    };
    let block = pane_block(&pane.title, position, theme);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The frame of a pane over the list: rounded and focused, `title` on top, `bottom` (where it is, its keys) below.
pub(crate) fn pane_block<'a>(title: &str, bottom: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(format!(" {title} "))
        .title_bottom(bottom)
        .style(Style::default().bg(theme.background))
}
