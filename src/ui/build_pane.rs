//! The build → push → roll out pane over the app cards: the commit chooser, then the game plan (every stage
//! with its exact command, and why a stage cannot run), then each stage's progress and the output of the one
//! running, with the elapsed time; at the end what was rolled out, or why it stopped and which pod to look at.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::cut::end as cut;
use super::theme::Theme;
use crate::analysis::Health;
use crate::app::workspaces::build::{BuildPane, Phase, StageStatus};

const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

fn elapsed(pane: &BuildPane, now: jiff::Timestamp) -> Option<String> {
    let started = pane.started?;
    let end = pane.ended.unwrap_or(now);
    let secs = end.as_second().saturating_sub(started.as_second()).max(0);
    Some(format!("{}:{:02}", secs / 60, secs % 60))
}

pub fn render(frame: &mut Frame, area: Rect, pane: &BuildPane, now: jiff::Timestamp, readonly: bool, theme: &Theme) {
    frame.render_widget(Clear, area);
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    let hint = match pane.phase {
        Phase::Choose => " j/k choose · Enter shows the game plan · Esc closes ",
        Phase::Preparing => " Esc closes ",
        Phase::Plan if pane.blocked().is_some() => " cannot run: see the blocked stage · Esc closes ",
        Phase::Plan => " y runs it · Esc closes ",
        Phase::Running => " Esc or Ctrl-c cancels · k/j scroll the output ",
        Phase::Finished if pane.failing_pod.is_some() => " t the failing pod's timeline · Esc closes ",
        Phase::Finished => " t the app's timeline · Esc closes ",
    };
    match pane.phase {
        Phase::Choose => {
            let repo = pane.binding.repo_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
            lines.push(Line::styled(cut(&format!(" Build which commit of {repo}?"), width), theme.base()));
            lines.push(Line::raw(""));
            let label = pane.choices.iter().map(|c| c.label.chars().count()).max().unwrap_or(4).min(30);
            for (i, choice) in pane.choices.iter().enumerate() {
                let text = format!(
                    "{} {:<label$}  {}  {}",
                    if i == pane.selected { "›" } else { " " },
                    cut(&choice.label, label),
                    choice.short,
                    choice.subject
                );
                let style = if i == pane.selected { theme.selection() } else { theme.base() };
                lines.push(Line::styled(cut(&text, width), style));
            }
        }
        Phase::Preparing => {
            lines.push(Line::styled(" Reading the commit and looking for a container tool…", theme.muted()));
        }
        Phase::Plan | Phase::Running | Phase::Finished => {
            plan_lines(pane, now, readonly, width, height, theme, &mut lines)
        }
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(cut(&format!(" {} ", pane.title()), width), theme.title()))
        .title_bottom(Span::styled(hint, theme.muted()))
        .style(theme.base());
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn plan_lines(
    pane: &BuildPane,
    now: jiff::Timestamp,
    readonly: bool,
    width: usize,
    height: usize,
    theme: &Theme,
    lines: &mut Vec<Line<'static>>,
) {
    if let Some(prepared) = &pane.prepared {
        let commit = &prepared.spec.commit;
        let on = prepared.spec.branch.as_deref().map(|b| format!(" on {b}")).unwrap_or_default();
        let tool = match &prepared.tool {
            Some(tool) => format!("built with {} ({})", tool.name, tool.path.display()),
            None => "no container tool on PATH".into(),
        };
        let text = format!(" Commit {}{on}: {} · {tool}", commit.short(), commit.subject);
        lines.push(Line::styled(cut(&text, width), theme.base()));
    }
    let (at, of) = pane.progress();
    let status = match pane.phase {
        Phase::Plan if readonly => " The game plan · read-only mode: nothing runs".to_string(),
        Phase::Plan => " The game plan: y runs every stage in order, stopping at the first failure".to_string(),
        Phase::Running => {
            let spin = SPINNER[(now.as_second().unsigned_abs() % SPINNER.len() as u64) as usize];
            let title = pane.shown_stage().map_or("Starting", |s| s.stage.kind.title());
            let cancel = if pane.cancelling { " · cancelling…" } else { "" };
            format!(" {spin} stage {at} of {of}: {title} · {}{cancel}", elapsed(pane, now).unwrap_or_default())
        }
        _ => match &pane.outcome {
            Some(Ok(text)) => format!(" ✓ Done in {}: {text}", elapsed(pane, now).unwrap_or_default()),
            Some(Err(text)) => format!(" ✗ Stopped at stage {at} of {of}: {text}"),
            None => String::new(),
        },
    };
    let status_style = match (&pane.phase, &pane.outcome) {
        (Phase::Finished, Some(Ok(_))) => theme.status(Health::Ok),
        (Phase::Finished, Some(Err(_))) => theme.error(),
        _ => theme.accent(),
    };
    lines.push(Line::styled(cut(&status, width), status_style));
    lines.push(Line::raw(""));
    for (i, view) in pane.stages.iter().enumerate() {
        let (mark, style) = match (&view.status, &view.stage.blocked) {
            (StageStatus::Done(_), _) => ("✓", theme.status(Health::Ok)),
            (StageStatus::Failed(_), _) => ("✗", theme.error()),
            (StageStatus::Running, _) => ("▶", theme.accent()),
            (StageStatus::Pending, Some(_)) => ("✗", theme.error()),
            (StageStatus::Pending, None) => ("·", theme.muted()),
        };
        let result = match &view.status {
            StageStatus::Done(text) | StageStatus::Failed(text) => format!(" — {text}"),
            _ => String::new(),
        };
        let head = format!(" {mark} {}/{} {}{result}", i + 1, pane.stages.len(), view.stage.kind.title());
        lines.push(Line::styled(cut(&head, width), style));
        // The whole command, wrapped as a shell reads it, so a long `docker build` is read to its end.
        let room = width.saturating_sub(7);
        for (n, part) in crate::action::wrap::wrap_command(&view.stage.command, room, 4).into_iter().enumerate() {
            let lead = if n == 0 { "     $ " } else { "       " };
            lines.push(Line::styled(cut(&format!("{lead}{part}"), width), theme.command()));
        }
        if let Some(why) = &view.stage.blocked {
            lines.push(Line::styled(cut(&format!("     blocked: {why}"), width), theme.error()));
        }
    }
    if let Some(pod) = &pane.failing_pod {
        lines.push(Line::raw(""));
        let text = format!(" Pod {pod} failed: t opens its timeline, or run: mosaic explain pod/{pod}");
        lines.push(Line::styled(cut(&text, width), theme.error()));
    }
    // The output of the stage shown, its end, in what is left.
    if let Some(view) = pane.shown_stage().filter(|v| !v.lines.is_empty()) {
        let room = height.saturating_sub(lines.len() + 1);
        if room > 0 {
            lines.push(Line::styled(
                cut(&format!(" ── output of {} ──", view.stage.kind.title()), width),
                theme.muted(),
            ));
            let end = view.lines.len().saturating_sub(pane.scroll.min(view.lines.len().saturating_sub(room)));
            let start = end.saturating_sub(room.saturating_sub(1));
            for line in &view.lines[start..end] {
                lines.push(Line::styled(cut(&format!("   {line}"), width), theme.base()));
            }
        }
    }
}
