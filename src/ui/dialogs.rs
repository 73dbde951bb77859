//! The confirmation of an action, showing its plan, danger, permission and dry-run diff; and the one-line
//! input that comes before some actions.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::action::Danger;
use crate::action::wrap::wrap_command;
use crate::app::state::{Check, ConfirmState, DryRun, PromptState};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2));
    let height = height.min(area.height.saturating_sub(2));
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

fn block<'a>(title: String, theme: &Theme, danger: bool) -> Block<'a> {
    let colour = if danger { theme.status_error } else { theme.border_focused };
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(colour))
        .title(Span::styled(title, Style::default().fg(colour).add_modifier(Modifier::BOLD)))
        .style(Style::default().bg(theme.dialog_bg).fg(theme.foreground))
}

pub fn confirm(frame: &mut Frame, area: Rect, c: &ConfirmState, readonly: bool, theme: &Theme) {
    let dangerous = matches!(c.plan.danger, Danger::Dangerous(_));
    let inner = (96u16.min(area.width.saturating_sub(2))).saturating_sub(2).max(1) as usize;
    let mut lines = vec![
        Line::styled(c.plan.summary.clone(), Style::default().add_modifier(Modifier::BOLD)),
        Line::raw(""),
        Line::styled("The game plan: the same with kubectl", Style::default().fg(theme.muted)),
    ];
    // Broken between shell words with ` \`, so the rows pasted are the same command.
    for row in wrap_command(&c.plan.command, inner.saturating_sub(2).max(20), 4) {
        lines.push(Line::styled(format!("  {row}"), Style::default().fg(theme.command_fg)));
    }
    lines.push(Line::raw(""));
    if !c.notes.is_empty() {
        lines.extend(c.notes.iter().map(|n| Line::raw(n.clone())));
        lines.push(Line::raw(""));
    }
    match &c.plan.danger {
        Danger::Safe => {}
        Danger::Caution(why) => {
            lines.push(Line::styled(format!("Careful: {why}."), Style::default().fg(theme.status_warning)))
        }
        Danger::Dangerous(why) => lines.push(Line::styled(
            format!("Dangerous: {why}."),
            Style::default().fg(theme.status_error).add_modifier(Modifier::BOLD),
        )),
    }
    match &c.check {
        Check::Pending => {
            lines.push(Line::styled("Asking the server whether you may…", Style::default().fg(theme.status_pending)))
        }
        Check::Allowed => lines.push(Line::styled("You may do this.", Style::default().fg(theme.status_ok))),
        Check::Refused { reason, can_i } => {
            lines.push(Line::styled(format!("Not allowed: {reason}"), Style::default().fg(theme.status_error)));
            if let Some(can_i) = can_i {
                lines
                    .push(Line::styled(format!("  Check it yourself: {can_i}"), Style::default().fg(theme.command_fg)));
            }
        }
    }
    if readonly && c.plan.mutating {
        lines.push(Line::styled("Read-only mode: nothing will be changed.", Style::default().fg(theme.muted)));
    }
    match &c.dry_run {
        None => {}
        Some(DryRun::Running) => {
            lines.push(Line::styled("Dry run on the server…", Style::default().fg(theme.status_pending)))
        }
        Some(DryRun::Failed(why)) => {
            lines.push(Line::styled(format!("Dry run failed: {why}"), Style::default().fg(theme.status_error)))
        }
        Some(DryRun::Diff(diff)) if diff.is_empty() => lines.push(Line::raw("Dry run: nothing would change.")),
        Some(DryRun::Diff(diff)) => {
            lines.push(Line::styled("Dry run: what would change", Style::default().fg(theme.muted)));
            for l in diff.lines().take(14) {
                let style = match l.chars().next() {
                    Some('+') => Style::default().fg(theme.status_ok),
                    Some('-') => Style::default().fg(theme.status_error),
                    _ => Style::default().fg(theme.muted),
                };
                lines.push(Line::styled(format!("  {l}"), style));
            }
        }
    }
    if c.running {
        lines.push(Line::styled("Running…", Style::default().fg(theme.status_pending)));
    }
    lines.push(Line::raw(""));
    let keys = match c.check {
        Check::Allowed if !c.running && !c.action.has_dry_run() => "y run   c copy   n cancel",
        Check::Allowed if !c.running => "y run   D dry run   c copy   n cancel",
        _ => "c copy   n cancel",
    };
    lines.push(Line::styled(keys, Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD)));
    let wrapped: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let rect = centered(area, 96, wrapped as u16 + 2);
    frame.render_widget(Clear, rect);
    let title = if c.plan.mutating { " confirm " } else { " run " };
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(title.into(), theme, dangerous)),
        rect,
    );
}

pub fn prompt(frame: &mut Frame, area: Rect, p: &PromptState, theme: &Theme) {
    let lines = vec![
        Line::styled(p.hint.clone(), Style::default().fg(theme.muted)),
        Line::raw(""),
        Line::from(vec![
            Span::styled("> ", Style::default().fg(theme.accent).add_modifier(Modifier::BOLD)),
            Span::styled(p.input.clone(), Style::default().fg(theme.foreground).add_modifier(Modifier::BOLD)),
            Span::styled("▏", Style::default().fg(theme.accent)),
        ]),
    ];
    let rect = centered(area, 80, 7);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(format!(" {} ", p.title), theme, false)),
        rect,
    );
}
