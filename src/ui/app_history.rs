//! An app's history pane: what mosaic did to the app, newest first. Each entry shows when ("3m ago"), whether
//! it worked (a mark, a word and its colour: done, dry run, failed), what it was, its outcome and its kubectl
//! line (the selected one's whole, the others' cut to a line); Enter shows the selected one whole (command,
//! outcome, output), wrapped to the pane.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::cut::end as cut;
use super::pane::pane_block;
use super::theme::Theme;
use super::timeline::wrap;
use crate::analysis::Health;
use crate::analysis::age::human_age;
use crate::app::State;
use crate::app::workspaces::history::HistoryPane;
use crate::store::TranscriptEntry;

/// `12m ago ` and the mark's column: where an entry's second and third lines start.
const INDENT: &str = "          ";

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(pane) = &state.ws.history else { return };
    frame.render_widget(Clear, area);
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let (lines, bottom) = match &pane.entries {
        None => (vec![Line::styled("Loading…", Style::default().fg(theme.status_pending))], String::new()),
        Some(Err(why)) => {
            let mut lines = Vec::new();
            for part in wrap(why, width) {
                lines.push(Line::styled(part, theme.status(Health::Error)));
            }
            lines.push(Line::raw(""));
            lines.extend(
                wrap("The cluster is untouched; only the history cannot be shown.", width).into_iter().map(Line::raw),
            );
            (lines, String::new())
        }
        Some(Ok(entries)) if entries.is_empty() => {
            (wrap(&pane.empty_text(), width).into_iter().map(Line::raw).collect(), String::new())
        }
        Some(Ok(entries)) => match pane.selected_entry().filter(|_| pane.open) {
            Some(entry) => {
                let lines = entry_lines(entry, state, width, theme);
                let bottom = format!(
                    " entry {} of {} · Esc back to the list · c copies its kubectl ",
                    pane.selected + 1,
                    entries.len()
                );
                (lines.into_iter().skip(pane.scroll).collect(), bottom)
            }
            None => {
                let bottom = format!(
                    " {} of {} · Enter shows it whole · c copies its kubectl ",
                    pane.selected + 1,
                    entries.len()
                );
                (list_lines(pane, entries, state, width, height, theme), bottom)
            }
        },
    };
    let block =
        pane_block(&pane.title(), bottom, theme).style(Style::default().bg(theme.background).fg(theme.foreground));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The mark, word and colour of an entry's result.
fn result(entry: &TranscriptEntry, theme: &Theme) -> (&'static str, Style) {
    match (entry.ok, entry.dry_run) {
        (true, false) => ("✓ done   ", theme.status(Health::Ok)),
        (true, true) => ("✓ dry run", theme.status(Health::Pending)),
        (false, _) => ("✗ failed ", theme.status(Health::Error)),
    }
}

fn ago(entry: &TranscriptEntry, state: &State) -> String {
    format!("{} ago", human_age(entry.at, state.now))
}

fn list_lines(
    pane: &HistoryPane,
    entries: &[TranscriptEntry],
    state: &State,
    width: usize,
    height: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let rest = width.saturating_sub(INDENT.len());
    let mut lines = Vec::new();
    let mut selected = (0, 0);
    for (i, entry) in entries.iter().enumerate() {
        let start = lines.len();
        let (word, style) = result(entry, theme);
        let when = format!("{:<9} ", cut(&ago(entry, state), 9));
        let what = cut(&entry.summary, width.saturating_sub(when.width() + word.width() + 1));
        let chosen = i == pane.selected;
        let what_style = if chosen { theme.selection() } else { Style::default().fg(theme.foreground) };
        let padding = if chosen { width.saturating_sub(when.width() + word.width() + 1 + what.width()) } else { 0 };
        lines.push(Line::from(vec![
            Span::styled(when, theme.muted()),
            Span::styled(word, style),
            Span::raw(" "),
            Span::styled(format!("{what}{}", " ".repeat(padding)), what_style),
        ]));
        // The selected entry's outcome and kubectl line are shown whole; the others are cut to one line each.
        let outcome = entry.outcome.replace('\n', " ");
        let command = format!("$ {}", entry.command);
        let (outcome, command) = if chosen {
            (wrap(&outcome, rest), wrap(&command, rest))
        } else {
            (vec![cut(&outcome, rest)], vec![cut(&command, rest)])
        };
        lines.extend(outcome.into_iter().map(|part| Line::from(vec![Span::raw(INDENT), Span::raw(part)])));
        lines.extend(
            command.into_iter().map(|part| Line::from(vec![Span::raw(INDENT), Span::styled(part, theme.command())])),
        );
        lines.push(Line::raw(""));
        if chosen {
            selected = (start, lines.len());
        }
    }
    // Scroll as little as needed to show the whole selected entry, its start first.
    let offset = selected.1.saturating_sub(height).min(selected.0);
    lines.into_iter().skip(offset).collect()
}

/// The selected entry whole: every field, wrapped.
fn entry_lines(entry: &TranscriptEntry, state: &State, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let label = |name: &str| Span::styled(format!("{name:<9}"), theme.muted());
    for part in wrap(&entry.summary, width) {
        lines.push(Line::styled(part, theme.title()));
    }
    lines.push(Line::raw(""));
    let (word, style) = result(entry, theme);
    lines.push(Line::from(vec![label("Result"), Span::styled(word.trim_end().to_string(), style)]));
    let when = format!("{} ({})", entry.at.strftime("%Y-%m-%d %H:%M:%S UTC"), ago(entry, state));
    lines.push(Line::from(vec![label("When"), Span::raw(when)]));
    if let Some(t) = &entry.target {
        let of = t.app.as_ref().filter(|a| **a != format!("{}/{}", t.kind, t.name)).map(|a| format!(" of {a}"));
        lines.push(Line::from(vec![
            label("Target"),
            Span::raw(format!("{} {}{}", t.kind, t.name, of.unwrap_or_default())),
        ]));
    }
    let rest = width.saturating_sub(9);
    for (i, part) in wrap(&entry.outcome, rest).into_iter().enumerate() {
        lines.push(Line::from(vec![label(if i == 0 { "Outcome" } else { "" }), Span::raw(part)]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("kubectl", theme.muted()));
    for part in wrap(&format!("$ {}", entry.command), width) {
        lines.push(Line::styled(part, theme.command()));
    }
    if let Some(output) = entry.output.as_deref().filter(|o| !o.is_empty()) {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Output", theme.muted()));
        for line in output.lines() {
            lines.push(Line::raw(cut(line, width)));
        }
    }
    lines
}
