//! The logs pane: the kubectl line it runs, where the stream is, and the lines in view with search matches
//! highlighted. Only the visible lines are formatted.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;
use crate::app::logs::{CAPACITY, LogPane, StreamStatus, command_rows, find_all, masking_rows, wrap_points};

/// The query being typed, for the footer.
pub fn search_input(state: &State) -> Option<&str> {
    let search = state.logs.as_ref()?.search.as_ref()?;
    search.editing.then_some(search.query.as_str())
}

pub fn render(frame: &mut Frame, area: Rect, pane: &LogPane, theme: &Theme) {
    frame.render_widget(Clear, area);
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let mut lines: Vec<Line> =
        command_rows(pane, inner_width).into_iter().map(|row| Line::styled(row, theme.command())).collect();
    lines.push(status_line(pane, theme));
    // Masked values are the rule and say so quietly; values left in clear are a warning.
    let masking = if pane.masking.as_deref().is_some_and(|n| n.contains("not masked")) {
        Style::default().fg(theme.status_warning)
    } else {
        theme.muted()
    };
    lines.extend(masking_rows(pane, inner_width).into_iter().map(|row| Line::styled(row, masking)));
    let head = lines.len();
    let rows = usize::from(area.height.saturating_sub(2)).saturating_sub(head);
    let width = pane.options.wrap.then_some(inner_width);
    let top = pane.view_top(rows, width);
    let mut position = String::new();
    match &pane.status {
        StreamStatus::Refused { message, can_i, hint } => {
            lines.push(Line::styled(message.clone(), Style::default().fg(theme.status_error)));
            if let Some(hint) = hint {
                lines.push(Line::styled(hint.clone(), Style::default().fg(theme.foreground)));
            }
            if let Some(can_i) = can_i {
                lines.push(Line::from(vec![
                    Span::styled("Check your access with: ", Style::default().fg(theme.foreground)),
                    Span::styled(can_i.clone(), theme.command()),
                ]));
            }
        }
        _ if pane.buffer.is_empty() => {
            let empty = match pane.status {
                StreamStatus::Connecting => "",
                StreamStatus::Complete => "(the log is empty)",
                _ => "(no lines yet)",
            };
            lines.push(Line::styled(empty, theme.muted()));
        }
        _ => {
            let mut shown = 0;
            let mut last = top;
            for (number, text) in pane.buffer.lines_from(top) {
                if shown >= rows {
                    break;
                }
                let rendered = styled_rows(pane, number, text, width, theme);
                shown += rendered.len();
                lines.extend(rendered);
                last = number;
            }
            lines.truncate(rows + head);
            let first = pane.buffer.first();
            position = format!(" {}-{} of {} ", top - first + 1, last - first + 1, pane.buffer.len());
        }
    }
    if let Some(search) = pane.search.as_ref().filter(|s| !s.query.is_empty() && !s.editing) {
        let at = search.current.map_or("-".to_string(), |c| (c + 1).to_string());
        position.push_str(&format!("· /{} match {at} of {} ", search.query, search.matches.len()));
    }
    let container = match (pane.container_name(), pane.containers.len()) {
        (Some(name), n) if n > 1 => format!(" · container {name} ({} of {n})", pane.container + 1),
        (Some(name), _) => format!(" · container {name}"),
        (None, _) => String::new(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" Logs · pod {}{container} ", pane.pod), theme.title()))
        .title_bottom(position)
        .style(Style::default().bg(theme.background));
    // Refusals are sentences: they wrap. Log lines are already cut or wrapped row by row.
    let paragraph = Paragraph::new(lines).block(block);
    let paragraph = if matches!(pane.status, StreamStatus::Refused { .. }) {
        paragraph.wrap(Wrap { trim: false })
    } else {
        paragraph
    };
    frame.render_widget(paragraph, area);
}

/// Where the stream is, which options are on, and how many lines the bound dropped.
fn status_line(pane: &LogPane, theme: &Theme) -> Line<'static> {
    let (text, color) = match &pane.status {
        StreamStatus::Connecting => ("◌ connecting…".to_string(), theme.status_pending),
        StreamStatus::Streaming if pane.options.streams_live() => ("● following".to_string(), theme.status_ok),
        StreamStatus::Streaming => ("◌ reading…".to_string(), theme.status_pending),
        StreamStatus::Complete if pane.options.previous => {
            ("■ the previous instance's log, complete".to_string(), theme.status_completed)
        }
        StreamStatus::Complete => ("■ end of the log".to_string(), theme.status_completed),
        StreamStatus::Paused => ("❚❚ not following · f follows again".to_string(), theme.status_warning),
        StreamStatus::Ended => (
            "■ the stream ended: the container stopped, or the server closed it · f resumes".to_string(),
            theme.status_warning,
        ),
        StreamStatus::Lost(reason) => (format!("⚠ stream lost: {reason} · f resumes"), theme.status_error),
        StreamStatus::Refused { .. } => ("✖ no log".to_string(), theme.status_error),
    };
    let mut spans = vec![Span::styled(text, Style::default().fg(color).add_modifier(Modifier::BOLD))];
    let mut flags: Vec<String> = Vec::new();
    if pane.options.previous {
        flags.push("previous instance".into());
    }
    if pane.options.timestamps {
        flags.push("timestamps".into());
    }
    if pane.options.wrap {
        flags.push("wrap".into());
    }
    if pane.top.is_some() && pane.live() {
        flags.push("scrolled: G follows the end".into());
    }
    if pane.buffer.dropped() > 0 {
        flags.push(format!("{} older lines dropped (the last {CAPACITY} are kept)", pane.buffer.dropped()));
    }
    for flag in flags {
        spans.push(Span::styled(format!(" · {flag}"), theme.muted()));
    }
    Line::from(spans)
}

/// One log line as screen rows: its timestamp muted, search matches highlighted (the current one strongest),
/// wrapped at `width` when wrapping.
fn styled_rows(pane: &LogPane, number: u64, text: &str, width: Option<usize>, theme: &Theme) -> Vec<Line<'static>> {
    let base = Style::default().fg(theme.foreground);
    let timestamp_end = if pane.options.timestamps { text.find(' ').unwrap_or(0) } else { 0 };
    let (found, current) = match &pane.search {
        Some(search) if !search.query.is_empty() => {
            (find_all(text, &search.query), search.current_line() == Some(number))
        }
        _ => (Vec::new(), false),
    };
    let matched = if current { theme.selection().add_modifier(Modifier::BOLD) } else { theme.matched() };
    let mut cuts: Vec<usize> = vec![0, timestamp_end, text.len()];
    cuts.extend(found.iter().flat_map(|r| [r.start, r.end]));
    if let Some(width) = width {
        cuts.extend(wrap_points(text, width));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let row_starts = width.map(|w| wrap_points(text, w)).unwrap_or_else(|| vec![0]);
    let mut rows: Vec<Line<'static>> = row_starts.iter().map(|_| Line::default()).collect();
    for pair in cuts.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        if start == end {
            continue;
        }
        let style = if found.iter().any(|r| r.start <= start && end <= r.end) {
            matched
        } else if end <= timestamp_end {
            theme.muted()
        } else {
            base
        };
        let row = row_starts.iter().rposition(|s| *s <= start).unwrap_or(0);
        if let Some(line) = rows.get_mut(row) {
            line.spans.push(Span::styled(text[start..end].to_string(), style));
        }
    }
    rows
}
