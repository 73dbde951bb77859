//! The describe and YAML pane: the kubectl line, the text (YAML highlighted), search matches, and for a Secret
//! the key chooser or the one revealed value.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::pane::pane_block;
use super::theme::Theme;
use super::yaml;
use crate::app::logs::find_all;
use crate::app::object_pane::{ObjectPane, PaneKind, Reveal, command_rows};

pub fn render(frame: &mut Frame, area: Rect, pane: &ObjectPane, theme: &Theme) {
    frame.render_widget(Clear, area);
    let command = Style::default().fg(theme.command_fg);
    let mut lines: Vec<Line> =
        command_rows(&pane.plan.command, area.width).into_iter().map(|row| Line::styled(row, command)).collect();
    lines.push(Line::raw(""));
    match &pane.reveal {
        Some(Reveal::Choosing { keys, selected }) => {
            lines.push(Line::styled(
                "Reveal which key? j/k choose, Enter shows it decoded, Esc cancels",
                Style::default().fg(theme.status_warning).add_modifier(Modifier::BOLD),
            ));
            for (i, key) in keys.iter().enumerate() {
                let style = if i == *selected { theme.selection() } else { Style::default().fg(theme.foreground) };
                lines.push(Line::styled(format!("  {key}"), style));
            }
            lines.push(Line::raw(""));
        }
        Some(Reveal::Shown { key, value }) => {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{key} (revealed, v hides it): "),
                    Style::default().fg(theme.status_warning).add_modifier(Modifier::BOLD),
                ),
                Span::styled(value.clone(), Style::default().fg(theme.foreground)),
            ]));
            lines.push(Line::raw(""));
        }
        None => {}
    }
    let body = area.height.saturating_sub(2 + lines.len() as u16) as usize;
    if pane.loading {
        lines.push(Line::styled("Loading…", Style::default().fg(theme.status_pending)));
    }
    let styled: Vec<Line<'static>> = match pane.kind {
        PaneKind::Yaml => yaml::highlight(&pane.lines, theme),
        PaneKind::Describe => {
            pane.lines.iter().map(|l| Line::styled(l.clone(), Style::default().fg(theme.foreground))).collect()
        }
    };
    let query = pane.search.as_ref().map(|s| s.query.as_str()).unwrap_or_default();
    let current = pane.current_match();
    for (number, line) in styled.into_iter().enumerate().skip(pane.scroll).take(body) {
        let style = if current == Some(number) { theme.selection() } else { theme.matched() };
        let ranges = find_all(&pane.lines[number], query);
        lines.push(yaml::overlay(line, &ranges, style));
    }
    let mut parts = Vec::new();
    if pane.lines.len() > body {
        parts.push(format!(
            "{}-{} of {}",
            pane.scroll + 1,
            (pane.scroll + body).min(pane.lines.len()),
            pane.lines.len()
        ));
    }
    if let Some(search) = pane.search.as_ref().filter(|s| !s.query.is_empty()) {
        let at = search.current.map_or("-".to_string(), |c| (c + 1).to_string());
        parts.push(format!("/{} match {at} of {}", search.query, search.matches.len()));
    }
    if pane.secret.is_some() && pane.reveal.is_none() {
        parts.push("values masked: v reveals one".into());
    }
    let position = if parts.is_empty() { String::new() } else { format!(" {} ", parts.join(" · ")) };
    let block = pane_block(&pane.title, position, theme);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
