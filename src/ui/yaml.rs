//! YAML syntax colours from the theme: keys, strings, numbers and booleans, comments; and search matches laid
//! over any styled line.
use std::ops::Range;

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::theme::Theme;

/// Every line styled. Block scalars (`key: |`) are followed so their text is coloured as a string.
pub fn highlight(lines: &[String], theme: &Theme) -> Vec<Line<'static>> {
    let mut block: Option<usize> = None;
    lines.iter().map(|line| Line::from(line_spans(line, theme, &mut block))).collect()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn line_spans(line: &str, theme: &Theme, block: &mut Option<usize>) -> Vec<Span<'static>> {
    let string = Style::default().fg(theme.status_ok);
    let indent = indent_of(line);
    if let Some(parent) = *block {
        if line.trim().is_empty() || indent > parent {
            return vec![Span::styled(line.to_string(), string)];
        }
        *block = None;
    }
    let muted = Style::default().fg(theme.muted);
    let mut spans = vec![Span::raw(line[..indent].to_string())];
    let mut rest = &line[indent..];
    if rest.starts_with('#') {
        spans.push(Span::styled(rest.to_string(), muted));
        return spans;
    }
    // List items: `- `, possibly nested (`- - a`).
    while let Some(after) = rest.strip_prefix("- ").or_else(|| (rest == "-").then_some("")) {
        spans.push(Span::styled(rest[..rest.len() - after.len()].to_string(), muted));
        rest = after;
    }
    if let Some(colon) = key_end(rest) {
        let key_style = Style::default().fg(theme.accent).add_modifier(Modifier::BOLD);
        spans.push(Span::styled(rest[..colon].to_string(), key_style));
        let after = &rest[colon + 1..];
        spans.push(Span::styled(":".to_string(), muted));
        let value = after.trim_start();
        spans.push(Span::raw(after[..after.len() - value.len()].to_string()));
        if value.starts_with('|') || value.starts_with('>') {
            *block = Some(indent);
        }
        spans.extend(value_spans(value, theme));
    } else {
        spans.extend(value_spans(rest, theme));
    }
    spans
}

/// Where a mapping key ends: the first `:` followed by a space or the end, outside quotes.
fn key_end(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') if i == 0 => quote = Some(c),
            (None, '#') if i == 0 => return None,
            (None, ':') if text[i + 1..].is_empty() || text[i + 1..].starts_with(' ') => return Some(i),
            _ => {}
        }
    }
    None
}

fn value_spans(value: &str, theme: &Theme) -> Vec<Span<'static>> {
    if value.is_empty() {
        return Vec::new();
    }
    // A trailing comment: ` #` outside quotes.
    let (scalar, comment) = match comment_start(value) {
        Some(at) => (&value[..at], Some(&value[at..])),
        None => (value, None),
    };
    let trimmed = scalar.trim_end();
    let style = if trimmed.starts_with(['"', '\'']) || trimmed.starts_with('|') || trimmed.starts_with('>') {
        Style::default().fg(theme.status_ok)
    } else if is_number(trimmed) {
        Style::default().fg(theme.status_warning)
    } else if matches!(trimmed, "true" | "false" | "null" | "~" | "{}" | "[]") {
        Style::default().fg(theme.status_pending)
    } else {
        Style::default().fg(theme.status_ok)
    };
    let mut spans = vec![Span::styled(scalar.to_string(), style)];
    if let Some(comment) = comment {
        spans.push(Span::styled(comment.to_string(), Style::default().fg(theme.muted)));
    }
    spans
}

fn comment_start(value: &str) -> Option<usize> {
    if value.starts_with('#') {
        return Some(0);
    }
    let mut quote: Option<char> = None;
    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') if i == 0 => quote = Some(c),
            (None, '#') if i > 0 && bytes[i - 1] == b' ' => return Some(i - 1),
            _ => {}
        }
    }
    None
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty()
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
}

/// The line with `ranges` (byte offsets into its text) restyled, keeping the colours around them.
pub fn overlay(line: Line<'static>, ranges: &[Range<usize>], style: Style) -> Line<'static> {
    if ranges.is_empty() {
        return line;
    }
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut at = 0usize;
    for span in line.spans {
        let text = span.content.to_string();
        let (start, end) = (at, at + text.len());
        let mut cuts = vec![0, text.len()];
        for r in ranges {
            for edge in [r.start, r.end] {
                if edge > start && edge < end && text.is_char_boundary(edge - start) {
                    cuts.push(edge - start);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let piece = &text[pair[0]..pair[1]];
            let inside = ranges.iter().any(|r| r.start <= start + pair[0] && start + pair[1] <= r.end);
            out.push(Span::styled(piece.to_string(), if inside { span.style.patch(style) } else { span.style }));
        }
        at = end;
    }
    Line::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(String, Option<ratatui::style::Color>)> {
        let theme = Theme::default();
        let mut block = None;
        line_spans(line, &theme, &mut block)
            .into_iter()
            .filter(|s| !s.content.trim().is_empty())
            .map(|s| (s.content.to_string(), s.style.fg))
            .collect()
    }

    #[test]
    fn keys_strings_numbers_and_comments() {
        let theme = Theme::default();
        assert_eq!(
            kinds("  replicas: 3 # more soon"),
            [
                ("replicas".to_string(), Some(theme.accent)),
                (":".to_string(), Some(theme.muted)),
                ("3".to_string(), Some(theme.status_warning)),
                (" # more soon".to_string(), Some(theme.muted)),
            ]
        );
        assert_eq!(kinds("- image: 'web:1.2'")[1], ("image".to_string(), Some(theme.accent)));
        assert_eq!(kinds("- image: 'web:1.2'")[3], ("'web:1.2'".to_string(), Some(theme.status_ok)));
        assert_eq!(kinds("# a comment"), [("# a comment".to_string(), Some(theme.muted))]);
        assert_eq!(kinds("paused: false")[2].1, Some(theme.status_pending));
    }

    #[test]
    fn block_scalars_are_strings_to_their_end() {
        let theme = Theme::default();
        let lines: Vec<String> =
            ["data:", "  script: |", "    echo a: b", "    # not a comment", "  next: 1"].map(String::from).to_vec();
        let styled = highlight(&lines, &theme);
        assert!(styled[2].spans.iter().all(|s| s.style.fg == Some(theme.status_ok)));
        assert!(styled[3].spans.iter().all(|s| s.style.fg == Some(theme.status_ok)));
        assert!(styled[4].spans.iter().any(|s| s.content == "next" && s.style.fg == Some(theme.accent)));
    }

    #[test]
    fn overlay_splits_spans_at_matches() {
        let line = Line::from(vec![Span::raw("image: "), Span::raw("web:1.2")]);
        let out = overlay(line, &[Range { start: 5, end: 10 }], Style::default().add_modifier(Modifier::REVERSED));
        let texts: Vec<&str> = out.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(
            texts,
            ["image", ": ", "", "web", ":1.2"].iter().copied().filter(|t| !t.is_empty()).collect::<Vec<_>>()
        );
    }
}
