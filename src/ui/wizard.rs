//! The network wizard pane: the steps as a list with their verdict badges, the selected (or opened) step's
//! details under it, and the diagnosis last. Text wraps to the pane's width; the view follows the selection.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Padding, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::cut::end as cut;
use super::theme::Theme;
use super::wizard_text::{command as command_rows, prose as wrap};
use crate::analysis::Health;
use crate::analysis::network::{Outcome, Step, StepId, Verdict};
use crate::app::wizard::{Chooser, ProbeState, Stage, WizardPane, WizardRun};

/// Where details start, under a step's title.
const INDENT: usize = 1;

pub fn render(frame: &mut Frame, area: Rect, pane: &WizardPane, theme: &Theme) {
    match &pane.stage {
        Stage::ChooseService(chooser) => return chooser_dialog(frame, area, pane, chooser, theme),
        Stage::ChoosePort(chooser) => return chooser_dialog(frame, area, pane, chooser, theme),
        _ => {}
    }
    frame.render_widget(Clear, area);
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let height = usize::from(area.height.saturating_sub(2));
    let (lines, position) = match &pane.stage {
        Stage::Loading => (
            styled(
                wrap(
                    "Reading the Service, its pods, endpoints, NetworkPolicies, Ingresses and cluster DNS…",
                    width.saturating_sub(1),
                    " ",
                    " ",
                ),
                Style::default().fg(theme.status_pending),
            ),
            String::new(),
        ),
        Stage::Failed(why) => {
            let mut lines =
                styled(wrap(why, width.saturating_sub(1), " ", " "), Style::default().fg(theme.status_error));
            lines.push(Line::raw(""));
            lines.push(Line::styled(" r tries again · Esc closes", theme.muted()));
            (lines, String::new())
        }
        Stage::Done(run) => done(run, &pane.namespace, width, height, theme),
        Stage::ChooseService(_) | Stage::ChoosePort(_) => (Vec::new(), String::new()),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" Network wizard · {} ", pane.title()), theme.title()))
        .title_bottom(position)
        .style(Style::default().bg(theme.background).fg(theme.foreground));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The list of steps with their badges, a rule, then the selected item's details from `run.scroll` on; or,
/// zoomed (or when the pane is too short for both), the details alone under the item's title.
fn done(run: &WizardRun, namespace: &str, width: usize, height: usize, theme: &Theme) -> (Vec<Line<'static>>, String) {
    // Text keeps one column off the right border, as the badges do.
    let text = width.saturating_sub(1);
    let details = match run.report.steps.get(run.selected) {
        Some(step) => step_details(step, text, theme),
        None => diagnosis(run, text, theme),
    };
    let probe = probe_lines(run, namespace, text, theme);
    let mut lines: Vec<Line<'static>> = Vec::new();
    let list_fits = height >= run.items() + probe.len() + 6;
    if run.zoomed || !list_fits {
        lines.push(item_header(run, run.selected, width, theme));
        lines.extend(probe);
    } else {
        lines.extend((0..run.items()).map(|item| item_header(run, item, width, theme)));
        lines.extend(probe);
        lines.push(Line::styled("─".repeat(width), theme.border(false)));
    }
    let room = height.saturating_sub(lines.len());
    let top = run.scroll.min(details.len().saturating_sub(room));
    let more = details.len() > top + room;
    lines.extend(details.into_iter().skip(top).take(room));
    let which = if run.is_diagnosis(run.selected) {
        " diagnosis ".to_string()
    } else {
        format!(" step {} of {} ", run.selected + 1, run.report.steps.len())
    };
    let position = if more { format!("{which}· PgDn for more ") } else { which };
    (lines, position)
}

/// Where the active probe stands, under the list: how to run it and what it does, or the pod that runs now
/// with the `kubectl run` line that does the same (cut to a row: the probe's step shows it whole).
fn probe_lines(run: &WizardRun, namespace: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let pending = Style::default().fg(theme.status_pending);
    let (text, style) = match &run.probe {
        ProbeState::NotRun if run.report.steps.iter().any(|s| s.id == StepId::Probe) => return Vec::new(),
        ProbeState::NotRun => {
            (format!("Active probes: not run — press P (creates a one-off pod in {namespace})"), theme.muted())
        }
        ProbeState::Starting { .. } => ("Active probes: reading the Service's ready pods…".to_string(), pending),
        ProbeState::Running { pod, command, .. } => {
            let mut lines = styled(
                wrap(
                    &format!("Active probes: running probe pod {pod} in {namespace}… Esc stops it"),
                    width,
                    " ",
                    "   ",
                ),
                pending,
            );
            lines.push(Line::styled(cut(&format!(" $ {command}"), width), theme.command()));
            return lines;
        }
        ProbeState::Stopped => {
            ("Active probes: stopped, the probe pod is deleted — P runs them again".to_string(), theme.muted())
        }
        ProbeState::Done => return Vec::new(),
    };
    styled(wrap(&text, width, " ", "   "), style)
}

fn item_header(run: &WizardRun, item: usize, width: usize, theme: &Theme) -> Line<'static> {
    let selected = item == run.selected;
    match run.report.steps.get(item) {
        Some(step) => {
            let (badge, health) = step_badge(&step.verdict);
            header(&format!("{}. {}", item + 1, step.title), badge, health, selected, width, theme)
        }
        None => {
            let (badge, health) = outcome_badge(run.report.diagnosis.outcome);
            header("Diagnosis", badge, health, selected, width, theme)
        }
    }
}

/// `▸ 2. The selector matches the app's pods ………… ✗ fail`: the title cut to leave room for the badge.
fn header(title: &str, badge: &str, health: Health, selected: bool, width: usize, theme: &Theme) -> Line<'static> {
    let marker = if selected { "▸ " } else { "  " };
    // One column stays free at the right edge, off the border.
    let width = width.saturating_sub(1);
    let room = width.saturating_sub(badge.width() + 1 + marker.width());
    let title = cut(title, room);
    let gap = width.saturating_sub(marker.width() + title.width() + badge.width());
    let text_style = if selected { theme.selection() } else { Style::default().fg(theme.foreground) };
    Line::from(vec![
        Span::styled(format!("{marker}{title}{}", " ".repeat(gap.max(1))), text_style),
        Span::styled(badge.to_string(), theme.status(health)),
    ])
}

fn step_badge(v: &Verdict) -> (&'static str, Health) {
    match v {
        Verdict::Pass => ("✓ pass", Health::Ok),
        Verdict::Fail => ("✗ fail", Health::Error),
        Verdict::Warn => ("! warn", Health::Warning),
        Verdict::CouldNotCheck(_) => ("? could not check", Health::Pending),
        Verdict::NotChecked(_) => ("- not checked", Health::Unknown),
    }
}

fn outcome_badge(outcome: Outcome) -> (&'static str, Health) {
    match outcome {
        Outcome::TrafficShouldFlow => ("✓ traffic should flow", Health::Ok),
        Outcome::CauseFound => ("✗ cause found", Health::Error),
        Outcome::Undecided => ("? could not decide", Health::Pending),
    }
}

/// What the step found, why it matters, what was read, the fix, the commands and the docs.
fn step_details(step: &Step, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (label, fg, command) = (theme.muted(), Style::default().fg(theme.foreground), theme.command());
    let inner = pad(INDENT + 2);
    let bold = fg.add_modifier(Modifier::BOLD);
    let mut out = styled(wrap(&step.summary, width, &pad(INDENT), &pad(INDENT)), bold);
    if let Verdict::CouldNotCheck(reason) = &step.verdict
        && !step.summary.contains(reason.as_str())
    {
        out.extend(styled(wrap(&format!("Could not check: {reason}"), width, &pad(INDENT), &pad(INDENT)), label));
    }
    out.push(Line::styled(format!("{}Why it matters", pad(INDENT)), label));
    out.extend(styled(wrap(&step.why, width, &inner, &inner), fg));
    if !step.checked.is_empty() {
        out.push(Line::styled(format!("{}What it checked", pad(INDENT)), label));
        for e in &step.checked {
            out.extend(styled(wrap(&format!("{}: {}", e.field, e.value), width, &inner, &pad(INDENT + 4)), fg));
        }
    }
    if let Some(cause) = &step.cause {
        out.push(Line::styled(format!("{}Fix", pad(INDENT)), label));
        out.extend(styled(wrap(&cause.fix, width, &inner, &inner), Style::default().fg(theme.status_warning)));
        if let Some(cmd) = &cause.command {
            out.extend(styled(command_rows(cmd, width, &inner), command));
        }
    }
    if !step.kubectl.is_empty() {
        out.push(Line::styled(format!("{}Check it yourself (c copies)", pad(INDENT)), label));
        for k in &step.kubectl {
            out.extend(styled(command_rows(k, width, &inner), command));
        }
    }
    out.extend(styled(wrap(&format!("Docs: {}", step.doc_url), width, &pad(INDENT), &pad(INDENT)), theme.accent()));
    out
}

fn diagnosis(run: &WizardRun, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let d = &run.report.diagnosis;
    let indent = pad(INDENT);
    let mut out = styled(
        wrap(&d.root_cause, width, &indent, &indent),
        Style::default().fg(theme.foreground).add_modifier(Modifier::BOLD),
    );
    if !d.fix.is_empty() {
        out.extend(styled(
            wrap(&format!("Fix: {}", d.fix), width, &indent, &pad(INDENT + 5)),
            Style::default().fg(theme.status_warning),
        ));
    }
    if let Some(cmd) = &d.command {
        out.extend(styled(command_rows(cmd, width, &indent), theme.command()));
        if run.is_diagnosis(run.selected) {
            out.push(Line::styled(format!("{indent}c copies the command"), theme.muted()));
        }
    }
    for also in &d.also {
        out.extend(styled(wrap(&format!("Also: {also}"), width, &indent, &pad(INDENT + 6)), theme.muted()));
    }
    for url in &d.further_reading {
        out.extend(styled(wrap(&format!("Read: {url}"), width, &indent, &indent), theme.accent()));
    }
    out
}

fn chooser_dialog<T>(frame: &mut Frame, area: Rect, pane: &WizardPane, chooser: &Chooser<T>, theme: &Theme) {
    let longest = chooser.items.iter().map(|(label, _)| label.width() + 4).max().unwrap_or(0);
    // Never `clamp`: it panics when the area is narrower than the minimum.
    let width =
        (longest.max(chooser.prompt.width().min(60)) + 4).max(30).min(usize::from(area.width.saturating_sub(4)));
    // Inside the border, one column of padding on each side.
    let inner = width.saturating_sub(4);
    let mut lines = styled(wrap(&chooser.prompt, inner, "", ""), theme.dialog());
    lines.push(Line::raw(""));
    for (i, (label, _)) in chooser.items.iter().enumerate() {
        let selected = i == chooser.selected;
        let text = format!("{}{}", if selected { "▸ " } else { "  " }, cut(label, inner.saturating_sub(2)));
        let style = if selected { theme.selection() } else { theme.dialog() };
        lines.push(Line::styled(format!("{text}{}", " ".repeat(inner.saturating_sub(text.width()))), style));
    }
    let height = (lines.len() + 2).min(usize::from(area.height));
    let rect = Rect {
        x: area.x + (area.width.saturating_sub(width as u16)) / 2,
        y: area.y + (area.height.saturating_sub(height as u16)) / 2,
        width: width as u16,
        height: height as u16,
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" Network wizard · {} ", pane.title()), theme.title()))
        .padding(Padding::horizontal(1))
        .style(theme.dialog());
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn styled(rows: Vec<String>, style: Style) -> Vec<Line<'static>> {
    rows.into_iter().map(|r| Line::styled(r, style)).collect()
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}
