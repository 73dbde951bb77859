//! The `:faults` list: severity (in the theme's status colours), kind, namespace/name and verdict, ranked;
//! what could not be checked; and, with `p`, the kubectl that lists what was checked.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::analysis::faults::Fault;
use crate::analysis::faults::{Report, Severity};
use crate::app::State;
use crate::app::faults::{FaultsView, PLAN_LINES, SELECTED_LINES};
use crate::faults_cmd::{counts, object, plan_lines};

const SEVERITY_WIDTH: usize = 10;
const GAP: usize = 2;

/// Pad or cut to exactly `width` characters; cut text ends in an ellipsis.
fn fit(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        format!("{text:<width$}")
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn title(view: &FaultsView) -> String {
    let scope = view.namespace.clone().unwrap_or_else(|| "all namespaces".into());
    let state = match (&view.report, view.loading) {
        (None, true) => "checking…".to_string(),
        (Some(r), true) => format!("{} · checking again…", counts(r)),
        (Some(r), false) if r.checked.is_empty() => "nothing could be checked".to_string(),
        (Some(r), false) => counts(r),
        (None, false) => "not checked".to_string(),
    };
    let filter = if view.filter.is_empty() { String::new() } else { format!(" · /{}", view.filter) };
    format!(" Faults · {scope} · {state}{filter} ")
}

/// The name, with its namespace when the list spans several.
fn label(view: &FaultsView, f: &Fault) -> String {
    if view.namespace.is_some() { f.name.clone() } else { object(f) }
}

/// The selected fault's whole verdict, wrapped on up to `SELECTED_LINES` lines: the columns cut it.
fn selected_lines(view: &FaultsView, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(f) = view.selected_fault() else { return Vec::new() };
    let colour = match f.severity {
        Severity::Critical => theme.status_error,
        Severity::Warning => theme.status_warning,
    };
    let text = format!("{} {}: {}", f.kind.short(), label(view, f), f.verdict);
    let room = width.saturating_sub(4).max(1);
    let wrapped = crate::faults_cmd::wrap(&text, room);
    let mut out = Vec::new();
    for (i, chunk) in wrapped.iter().take(SELECTED_LINES).enumerate() {
        let mut line = fit(chunk, room).trim_end().to_string();
        if i + 1 == SELECTED_LINES && wrapped.len() > SELECTED_LINES {
            line = fit(&line, room.saturating_sub(1)).trim_end().to_string() + "…";
        }
        let lead = if i == 0 { " ▸ " } else { "   " };
        out.push(Line::from(vec![
            Span::styled(lead, Style::default().fg(colour).add_modifier(Modifier::BOLD)),
            Span::styled(line, Style::default().fg(theme.foreground)),
        ]));
    }
    out
}

/// "Could not check: nodes (forbidden), cronjobs (not served)", or nothing.
fn unchecked_line(report: &Report) -> Option<String> {
    if report.unchecked.is_empty() {
        return None;
    }
    let (forbidden, other): (Vec<_>, Vec<_>) = report.unchecked.iter().partition(|u| u.can_i.is_some());
    let mut parts = Vec::new();
    if !forbidden.is_empty() {
        let names: Vec<&str> = forbidden.iter().map(|u| u.resource.as_str()).collect();
        parts.push(format!("{} (forbidden for you)", names.join(", ")));
    }
    parts.extend(other.iter().map(|u| format!("{} ({})", u.resource, u.reason)));
    Some(format!(" Could not check: {}", parts.join("; ")))
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, view: &FaultsView, theme: &Theme) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(Span::styled(title(view), Style::default().fg(theme.title).add_modifier(Modifier::BOLD)))
        .style(Style::default().bg(theme.background));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let rows = view.rows();
    let kind_width = rows.iter().map(|f| f.kind.short().len()).max().unwrap_or(4).max(4);
    let object_width = rows
        .iter()
        .map(|f| label(view, f).chars().count())
        .max()
        .unwrap_or(4)
        .max(14)
        .min(width.saturating_sub(20) * 2 / 5);
    let verdict_width = width.saturating_sub(2 + SEVERITY_WIDTH + kind_width + object_width + 2 * GAP);

    let mut bottom: Vec<Line> = Vec::new();
    if !rows.is_empty() {
        let mut selected = selected_lines(view, width, theme);
        selected.resize(SELECTED_LINES, Line::raw(""));
        bottom.extend(selected);
    }
    if let Some(line) = view.report.as_ref().and_then(unchecked_line) {
        bottom.push(Line::styled(fit(&line, width), Style::default().fg(theme.status_warning)));
    }
    if view.show_plan {
        let context = &state.context.context;
        let label = |text: &str| {
            Span::styled(format!(" {text:<6}"), Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD))
        };
        bottom.push(Line::styled(
            fit(" ── game plan · the kubectl that lists what was checked · p hides ", width),
            Style::default().fg(theme.muted),
        ));
        for line in plan_lines(context, view.namespace.as_deref()) {
            bottom.push(Line::from(vec![label("list"), Span::styled(line, Style::default().fg(theme.command_fg))]));
        }
        let next = view.selected_fault().map(|f| f.kubectl.clone()).unwrap_or_default();
        bottom.push(Line::from(vec![label("next"), Span::styled(next, Style::default().fg(theme.command_fg))]));
        debug_assert_eq!(PLAN_LINES, 4);
    }

    let mut lines = vec![Line::styled(
        fit(
            &format!(
                " {:<SEVERITY_WIDTH$}{:<kw$}{GAPS}{:<ow$}{GAPS}VERDICT",
                "SEVERITY",
                "KIND",
                if view.namespace.is_some() { "NAME" } else { "NAMESPACE/NAME" },
                kw = kind_width,
                ow = object_width,
                GAPS = "  "
            ),
            width,
        ),
        Style::default().fg(theme.header_fg).bg(theme.header_bg).add_modifier(Modifier::BOLD),
    )];
    let room = (inner.height as usize).saturating_sub(1 + bottom.len());
    match (&view.report, &view.error) {
        (_, Some(error)) if view.report.is_none() || !view.loading => {
            lines.push(Line::styled(
                fit(&format!(" Could not check: {error}"), width),
                Style::default().fg(theme.status_error),
            ));
            lines.push(Line::styled(" r tries again.", Style::default().fg(theme.muted)));
        }
        (None, _) => {
            lines.push(Line::styled(
                " Listing pods, workloads, services, ingresses, claims, nodes and events (one list per kind)…",
                Style::default().fg(theme.status_pending),
            ));
        }
        (Some(report), _) if rows.is_empty() => {
            let text = if report.checked.is_empty() {
                " Nothing could be checked: every list was refused. :ns NAME picks a namespace you may read."
                    .to_string()
            } else if report.faults.is_empty() {
                format!(
                    " No fault found. Checked {}.",
                    if report.checked.is_empty() { "nothing".into() } else { report.checked.join(", ") }
                )
            } else {
                format!(" No fault matches /{}. Esc clears the filter.", view.filter)
            };
            lines.push(Line::styled(fit(&text, width), Style::default().fg(theme.status_ok)));
        }
        (Some(_), _) => {
            for (i, f) in rows.iter().enumerate().skip(view.offset).take(room) {
                let colour = match f.severity {
                    Severity::Critical => theme.status_error,
                    Severity::Warning => theme.status_warning,
                };
                let selected = i == view.selected;
                let base = if selected {
                    Style::default().fg(theme.selection_fg).bg(theme.selection_bg)
                } else {
                    Style::default().fg(theme.foreground)
                };
                let severity_style = if selected { base.add_modifier(Modifier::BOLD) } else { base.fg(colour) };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {}", fit(f.severity.label(), SEVERITY_WIDTH)), severity_style),
                    Span::styled(fit(f.kind.short(), kind_width + GAP), base),
                    Span::styled(fit(&super::cut::middle(&label(view, f), object_width), object_width), base),
                    Span::styled(" ".repeat(GAP), base),
                    Span::styled(fit(&f.verdict, verdict_width), base),
                ]));
            }
        }
    }
    let list = Rect { height: inner.height.saturating_sub(bottom.len() as u16), ..inner };
    frame.render_widget(Paragraph::new(lines), list);
    if !bottom.is_empty() {
        let y = inner.y + inner.height.saturating_sub(bottom.len() as u16);
        let rest = Rect { y, height: inner.height.min(bottom.len() as u16), ..inner };
        frame.render_widget(Paragraph::new(bottom), rest);
    }
}
