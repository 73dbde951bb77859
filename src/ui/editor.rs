//! The YAML editor: the kubectl line, the text with line numbers, a message line, and over it the dry-run
//! diff, a conflict, or the question before discarding changes.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::editor::{EditorState, Phase};

pub fn render(frame: &mut Frame, area: Rect, editor: &EditorState, theme: &Theme) {
    frame.render_widget(Clear, area);
    let title = if editor.changed() {
        format!(" Edit {} (changed) ", editor.target.words())
    } else {
        format!(" Edit {} ", editor.target.words())
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(title)
        .style(Style::default().bg(theme.background));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 {
        return;
    }
    let command = Rect { height: 1, ..inner };
    let text = Rect { y: inner.y + 1, height: inner.height - 2, ..inner };
    let message = Rect { y: inner.y + inner.height - 1, height: 1, ..inner };
    frame.render_widget(
        Paragraph::new(Line::styled(format!("$ {}", editor.plan.command), Style::default().fg(theme.command_fg))),
        command,
    );
    if editor.phase == Phase::Loading {
        frame.render_widget(Paragraph::new(Line::styled("Loading…", Style::default().fg(theme.status_pending))), text);
    } else {
        let mut area = editor.textarea.clone();
        area.set_style(Style::default().fg(theme.foreground).bg(theme.background));
        area.set_line_number_style(Style::default().fg(theme.muted));
        area.set_cursor_line_style(Style::default());
        area.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
        frame.render_widget(&area, text);
    }
    let (line, style) = match (&editor.message, &editor.phase) {
        (Some((text, true)), _) => (text.clone(), Style::default().fg(theme.error_fg).bg(theme.error_bg)),
        (Some((text, false)), _) => (text.clone(), Style::default().fg(theme.accent)),
        (None, Phase::Checking) => {
            ("Dry-running your change on the server…".into(), Style::default().fg(theme.status_pending))
        }
        (None, Phase::Applying) => ("Applying…".into(), Style::default().fg(theme.status_pending)),
        (None, Phase::Reloading) => ("Reloading…".into(), Style::default().fg(theme.status_pending)),
        // Whole words at any width: the long sentence where it fits, else the short one.
        (None, _) => (
            [
                "Ctrl-S checks the YAML and shows the server's dry-run diff before anything is applied",
                "Ctrl-S checks the YAML and shows the dry-run diff before applying",
            ]
            .into_iter()
            .find(|text| text.len() <= usize::from(message.width))
            .unwrap_or("Ctrl-S checks and diffs first")
            .into(),
            Style::default().fg(theme.muted),
        ),
    };
    frame.render_widget(Paragraph::new(Line::styled(line, style)), message);
    match &editor.phase {
        Phase::Review { diff } => review(frame, area, editor, diff, theme),
        Phase::Conflict { message } => question(
            frame,
            area,
            " Changed on the server ",
            vec![
                Line::styled(message.clone(), Style::default().fg(theme.status_warning)),
                Line::raw(""),
                Line::styled(
                    "r reload with your changes re-applied · n back to your text",
                    Style::default().fg(theme.key_hint),
                ),
            ],
            theme,
        ),
        Phase::Discard => question(
            frame,
            area,
            " Discard your changes? ",
            vec![
                Line::raw("You changed the YAML and did not apply it."),
                Line::raw(""),
                Line::styled("y discard them and close · n keep editing", Style::default().fg(theme.key_hint)),
            ],
            theme,
        ),
        _ => {}
    }
}

fn review(frame: &mut Frame, area: Rect, editor: &EditorState, diff: &str, theme: &Theme) {
    let mut rect = inset(area, 2, 1);
    rect.height = rect.height.min(diff.lines().count().saturating_sub(editor.diff_scroll) as u16 + 8);
    let mut lines = vec![
        Line::styled(editor.plan.summary.clone(), Style::default().add_modifier(Modifier::BOLD)),
        Line::styled(format!("  {}", editor.plan.command), Style::default().fg(theme.command_fg)),
        Line::styled(
            "The server's dry run (nothing changed yet) says it would change:",
            Style::default().fg(theme.muted),
        ),
        Line::raw(""),
    ];
    let body = rect.height.saturating_sub(4 + lines.len() as u16) as usize;
    for l in diff.lines().skip(editor.diff_scroll).take(body) {
        let style = if l.starts_with("+++") || l.starts_with("---") {
            Style::default().fg(theme.muted)
        } else if l.starts_with('+') {
            Style::default().fg(theme.status_ok)
        } else if l.starts_with('-') {
            Style::default().fg(theme.status_error)
        } else if l.starts_with("@@") {
            Style::default().fg(theme.accent)
        } else {
            Style::default().fg(theme.foreground)
        };
        lines.push(Line::styled(l.to_string(), style));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("y apply · n back to editing · j/k scroll", Style::default().fg(theme.key_hint)));
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(" Apply this edit? ")
        .style(Style::default().bg(theme.dialog_bg));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn question(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'static>>, theme: &Theme) {
    let width = area.width.saturating_sub(8).min(72);
    let rect =
        Rect { x: area.x + (area.width - width) / 2, y: area.y + area.height / 3, width, height: 7.min(area.height) };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.status_warning))
        .title(title.to_string())
        .style(Style::default().bg(theme.dialog_bg));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block), rect);
}

fn inset(area: Rect, x: u16, y: u16) -> Rect {
    Rect {
        x: area.x + x.min(area.width / 4),
        y: area.y + y.min(area.height / 4),
        width: area.width.saturating_sub(2 * x.min(area.width / 4)),
        height: area.height.saturating_sub(2 * y.min(area.height / 4)),
    }
}
