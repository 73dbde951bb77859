//! The timeline pane: the verdict in its severity's colour, the summary, then the entries. Every entry shows
//! its time, the raw fact and its meaning; the selected one also shows what to check next, the kubectl line
//! for it and the documentation link. Long lines wrap to the pane's width. The view scrolls as little as
//! needed to keep the selected entry in sight.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::pane::pane_block;
use super::theme::Theme;
use crate::action::wrap::wrap_command;
use crate::analysis::Health;
use crate::analysis::explain::Severity;
use crate::app::timeline::TimelinePane;
use crate::explain_cmd::document::{DocEntry, Document};

/// Width of the time column (`~11-22 03:31:11`) plus the marker and spaces around it.
const TIME_WIDTH: usize = 15;

pub fn render(frame: &mut Frame, area: Rect, pane: &TimelinePane, theme: &Theme) {
    frame.render_widget(Clear, area);
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let (lines, position) = match &pane.document {
        None => (vec![Line::styled("Loading…", Style::default().fg(theme.status_pending))], String::new()),
        Some(Err(why)) => {
            let mut lines = Vec::new();
            push_wrapped(
                &mut lines,
                &format!("Could not explain it: {why}"),
                width,
                "",
                Style::default().fg(theme.status_error),
            );
            (lines, String::new())
        }
        Some(Ok(doc)) => {
            // The verdict stays on top; the rest scrolls under it.
            let mut top = verdict_lines(doc, width, theme);
            top.truncate(height / 2);
            top.push(Line::styled("─".repeat(width), theme.muted()));
            let (lines, starts) = document_lines(doc, pane.selected, width, theme);
            let offset = scroll_offset(&starts, pane.selected, height.saturating_sub(top.len()));
            top.extend(lines.into_iter().skip(offset));
            let position = if doc.entries.is_empty() {
                String::new()
            } else {
                format!(" entry {} of {} · c copies its kubectl ", pane.selected + 1, doc.entries.len())
            };
            (top, position)
        }
    };
    let block =
        pane_block(&pane.title(), position, theme).style(Style::default().bg(theme.background).fg(theme.foreground));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The smallest offset that shows the whole selected entry (its end first, then its start).
/// Views start at an entry's first line, or inside the summary above the entries, so no entry shows cut in half
/// at the top. `starts` holds each
/// entry's first line, then the end of the last one.
fn scroll_offset(starts: &[usize], selected: usize, height: usize) -> usize {
    let (Some(&start), Some(&end)) = (starts.get(selected), starts.get(selected + 1)) else { return 0 };
    let least = end.saturating_sub(height);
    if least == 0 {
        return 0;
    }
    // The summary above the first entry (counts, rollout, revisions) gives up only the lines it must.
    if starts.first().is_some_and(|&first| least <= first) {
        return least;
    }
    starts.iter().copied().find(|&s| s >= least).unwrap_or(start).min(start)
}

fn severity_style(s: Severity, theme: &Theme) -> Style {
    match s {
        Severity::Info => Style::default().fg(theme.foreground),
        Severity::Warning => theme.status(Health::Warning),
        Severity::Error => theme.status(Health::Error),
    }
}

fn verdict_lines(doc: &Document, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    push_wrapped(&mut lines, &doc.headline, width, "", theme.status(doc.severity).add_modifier(Modifier::BOLD));
    if let Some(detail) = &doc.detail {
        push_wrapped(&mut lines, detail, width, "", Style::default().fg(theme.foreground));
    }
    lines
}

/// The lines under the verdict at this width, and where each entry starts (then where the last ends).
fn document_lines(doc: &Document, selected: usize, width: usize, theme: &Theme) -> (Vec<Line<'static>>, Vec<usize>) {
    let mut lines = Vec::new();
    for s in &doc.summary {
        push_wrapped(&mut lines, s, width, "  ", theme.muted());
    }
    lines.push(Line::raw(""));
    if doc.entries.is_empty() {
        lines.push(Line::styled("No events or state changes known.", theme.muted()));
    }
    let mut starts = Vec::new();
    for (i, e) in doc.entries.iter().enumerate() {
        starts.push(lines.len());
        entry_lines(&mut lines, e, i == selected, width, theme);
    }
    starts.push(lines.len());
    (lines, starts)
}

fn entry_lines(lines: &mut Vec<Line<'static>>, e: &DocEntry, selected: bool, width: usize, theme: &Theme) {
    // Narrow panes give the text the room under the time column too.
    let indent = if width >= 100 { " ".repeat(TIME_WIDTH + 3) } else { " ".repeat(4) };
    let marker = if selected { "▸" } else { " " };
    let fact_style = severity_style(e.severity, theme);
    let mut fact = e.fact.clone();
    if e.recorded {
        fact.push_str(" [recorded]");
    }
    let first_width = width.saturating_sub(TIME_WIDTH + 3).max(10);
    let (first, rest) = split_first_line(&fact, first_width);
    let when_style = if selected { theme.selection() } else { theme.muted() };
    lines.push(Line::from(vec![
        Span::styled(format!("{marker}{:>width$} ", e.when, width = TIME_WIDTH), when_style),
        Span::raw(" "),
        Span::styled(first, fact_style),
    ]));
    if !rest.is_empty() {
        push_wrapped(lines, &rest, width, &indent, fact_style);
    }
    if !e.meaning.is_empty() {
        push_wrapped(lines, &e.meaning, width, &indent, Style::default().fg(theme.foreground));
    }
    if selected {
        push_wrapped(lines, &format!("Next: {}", e.next_step), width, &indent, theme.accent());
        if !e.kubectl.is_empty() {
            // Broken between shell words with ` \`, so the rows pasted are the same command.
            let inner = width.saturating_sub(indent.width()).max(10);
            for row in wrap_command(&format!("$ {}", e.kubectl), inner, 4) {
                lines.push(Line::from(vec![Span::raw(indent.clone()), Span::styled(row, theme.command())]));
            }
        }
        push_wrapped(lines, &format!("Docs: {}", e.docs), width, &indent, theme.muted());
    }
}

fn push_wrapped(lines: &mut Vec<Line<'static>>, text: &str, width: usize, indent: &str, style: Style) {
    let inner = width.saturating_sub(indent.width()).max(10);
    for part in wrap(text, inner) {
        lines.push(Line::from(vec![Span::raw(indent.to_string()), Span::styled(part, style)]));
    }
}

/// The first line of `text` wrapped at `width`, and the rest of it.
fn split_first_line(text: &str, width: usize) -> (String, String) {
    let first = wrap(text, width).into_iter().next().unwrap_or_default();
    let rest = text.trim_start().get(first.len()..).unwrap_or_default().trim_start().to_string();
    (first, rest)
}

/// Word-wraps `text` to `width` columns; a word longer than a line is cut where the line ends.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let sep = usize::from(!line.is_empty());
        if line.width() + sep + word.width() <= width {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        let mut rest = word;
        if word.width() > width && !line.is_empty() && line.width() + 2 < width {
            // Too long for any line (a URL): start it here rather than leave this line short.
            let cut = split_at_width(rest, width - line.width() - 1);
            line.push(' ');
            line.push_str(&rest[..cut]);
            rest = &rest[cut..];
        }
        if !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        while rest.width() > width {
            let cut = split_at_width(rest, width);
            out.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        line.push_str(rest);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The byte index where `s` reaches `width` columns (at least one character).
fn split_at_width(s: &str, width: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            return i.max(c.len_utf8());
        }
        used += w;
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_on_words_and_cuts_long_ones() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("https://kubernetes.io/docs", 10), ["https://ku", "bernetes.i", "o/docs"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("Docs: https://k8s.io/docs", 12), ["Docs: https:", "//k8s.io/doc", "s"]);
        assert_eq!(split_first_line("aa bb cc", 5), ("aa bb".to_string(), "cc".to_string()));
        assert!(wrap("Rolling out: 2 of 3 new pods ready", 12).iter().all(|l| l.width() <= 12));
    }

    #[test]
    fn a_long_kubectl_line_breaks_between_shell_words_with_continuations() {
        let entry = DocEntry {
            when: "now".into(),
            severity: crate::analysis::explain::Severity::Error,
            recorded: false,
            fact: "Container checkout waiting: CrashLoopBackOff".into(),
            meaning: String::new(),
            next_step: "Read the logs of the previous run.".into(),
            kubectl: "kubectl logs checkout-6f974dcfdd-494xr -n shop -c checkout --previous --timestamps".into(),
            docs: "https://kubernetes.io/docs/".into(),
        };
        let mut lines = Vec::new();
        entry_lines(&mut lines, &entry, true, 60, &Theme::default());
        let rows: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let command: Vec<&str> = rows.iter().map(|r| r.trim()).skip_while(|r| !r.starts_with("$ ")).collect();
        assert!(command[0].ends_with(" \\"), "{rows:#?}");
        let joined: Vec<&str> = command[..command.len() - 1].iter().map(|r| r.trim_end_matches(" \\")).collect();
        assert_eq!(joined.join(" "), format!("$ {}", entry.kubectl), "{rows:#?}");
        assert!(rows.iter().all(|r| r.width() <= 60), "{rows:#?}");
    }

    #[test]
    fn scrolls_only_as_much_as_the_selection_needs() {
        let starts = [0, 3, 5, 12, 16, 40];
        assert_eq!(scroll_offset(&starts, 1, 10), 0);
        assert_eq!(scroll_offset(&starts, 3, 10), 12, "6 would cut an entry: start at the next one");
        assert_eq!(scroll_offset(&[0, 3, 6, 9, 12, 16], 4, 10), 6);
        assert_eq!(scroll_offset(&starts, 4, 10), 16, "a tall entry shows from its start");
        // Six summary lines, then entries: the summary scrolls line by line until the first entry's start.
        let starts = [6, 11, 19];
        assert_eq!(scroll_offset(&starts, 1, 18), 1, "one summary line gives way");
        assert_eq!(scroll_offset(&starts, 1, 12), 11, "past the summary, entries scroll whole");
    }
}
