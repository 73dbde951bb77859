//! The HTTP sender over the list: the form (method, path, headers, body) on the left, the answer (status,
//! headers, body) or the history on the right.
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::http::{Answer, Field, HttpSender};

pub fn render(frame: &mut Frame, area: Rect, sender: &HttpSender, theme: &Theme) {
    frame.render_widget(Clear, area);
    let outer = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(format!(" HTTP sender · {} in {} ", sender.app, sender.namespace))
        .style(Style::default().bg(theme.background));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    // The address gets the whole width: a Service's DNS name is long.
    let [url, columns] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" to ", Style::default().fg(theme.muted)),
            Span::styled(sender.base_url.clone(), Style::default().fg(theme.foreground)),
        ])),
        url,
    );
    let [form, answer] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(columns);
    render_form(frame, form, sender, theme);
    match sender.history_open {
        Some(selected) => render_history(frame, answer, sender, selected, theme),
        None => render_answer(frame, answer, sender, theme),
    }
}

fn render_form(frame: &mut Frame, area: Rect, sender: &HttpSender, theme: &Theme) {
    let [top, headers, body] =
        Layout::vertical([Constraint::Length(3), Constraint::Percentage(40), Constraint::Min(3)]).areas(area);
    let [method, path] = Layout::horizontal([Constraint::Length(10), Constraint::Min(8)]).areas(top);
    field(frame, method, sender, Field::Method, "Method", theme);
    field(frame, path, sender, Field::Path, "Path", theme);
    field(frame, headers, sender, Field::Headers, "Headers (Name: value)", theme);
    field(frame, body, sender, Field::Body, "Body", theme);
}

fn field(frame: &mut Frame, area: Rect, sender: &HttpSender, which: Field, title: &str, theme: &Theme) {
    let focused = sender.focus == which && sender.history_open.is_none();
    let mut text = sender.field(which).clone();
    let border = if focused { theme.border_focused } else { theme.border };
    text.set_block(
        Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Rounded)
            .border_style(Style::default().fg(border))
            .title(format!(" {title} ")),
    );
    text.set_style(Style::default().fg(theme.foreground));
    text.set_cursor_line_style(Style::default());
    let cursor = if focused { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
    text.set_cursor_style(cursor);
    frame.render_widget(&text, area);
}

fn answer_block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border))
        .title(title)
}

fn render_answer(frame: &mut Frame, area: Rect, sender: &HttpSender, theme: &Theme) {
    let muted = Style::default().fg(theme.muted);
    let mut lines: Vec<Line> = Vec::new();
    match &sender.answer {
        None => {
            let request = sender.request();
            lines.push(Line::styled(format!("Ctrl-s sends {} {}", request.method, request.url), muted));
            lines.push(Line::styled(
                format!("with curl, from a one-off pod in {}; mosaic deletes it when done.", sender.namespace),
                muted,
            ));
        }
        Some(Answer::Sending) => {
            lines.push(Line::styled("Sending from a probe pod…", Style::default().fg(theme.status_pending)));
            lines.push(Line::styled("(the first run may wait for its image to be pulled)", muted));
        }
        Some(Answer::Failed(message)) => {
            lines.push(Line::styled("Not sent", Style::default().fg(theme.status_error).add_modifier(Modifier::BOLD)));
            lines.extend(message.lines().map(|l| Line::raw(l.to_string())));
        }
        Some(Answer::Got(exchange)) => {
            let colour = match exchange.status {
                Some(code) if code < 400 => theme.status_ok,
                Some(code) if code < 500 => theme.status_warning,
                _ => theme.status_error,
            };
            lines.push(Line::styled(exchange.summary(), Style::default().fg(colour).add_modifier(Modifier::BOLD)));
            if let Some(note) = &exchange.masking {
                let warn = note.contains("not masked");
                lines.push(Line::styled(
                    note.clone(),
                    if warn { Style::default().fg(theme.status_warning) } else { muted },
                ));
            }
            for (name, value) in &exchange.headers {
                lines.push(Line::from(vec![
                    Span::styled(format!("{name}: "), Style::default().fg(theme.accent)),
                    Span::raw(value.clone()),
                ]));
            }
            if exchange.status.is_some() {
                lines.push(Line::raw(""));
            }
            lines.extend(exchange.body.lines().map(|l| Line::raw(l.to_string())));
            if exchange.truncated {
                lines.push(Line::styled("… (body cut at 64 KiB)", muted));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(answer_block(" Answer ", theme)), area);
}

fn render_history(frame: &mut Frame, area: Rect, sender: &HttpSender, selected: usize, theme: &Theme) {
    let rows = area.height.saturating_sub(2) as usize;
    let first = selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = sender
        .history
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(i, r)| {
            let path = r.url.strip_prefix(&sender.base_url).unwrap_or(&r.url);
            let text = format!("{:<6} {path}  {}", r.method, r.summary);
            if i == selected {
                Line::styled(text, Style::default().fg(theme.selection_fg).bg(theme.selection_bg))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(answer_block(" History · Enter replays ", theme)), area);
}
