//! The list of the current view. Only the visible rows are formatted; column widths come from what those rows
//! hold, the way kubectl's tabwriter sizes them.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::theme::Theme;
use crate::app::State;
use crate::app::rows::Cell;
use crate::cluster::rbac::AccessQuery;
use crate::cluster::{Kind, Scope, WatchState};

const GAP: usize = 2;
/// The flexible column (NAME, or MESSAGE for events) never shrinks below this.
const MIN_FLEX: usize = 16;

struct Col {
    title: &'static str,
    cells: Vec<(String, bool)>,
    width: usize,
    flex: bool,
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if state.index.keys.is_empty() {
        render_empty(frame, area, state, theme);
        return;
    }
    let view = &state.view;
    let kind = view.kind;
    let rows_area = area.height.saturating_sub(1) as usize;
    let visible: Vec<_> = state.index.keys.iter().skip(view.offset).take(rows_area).collect();
    let multi_ns = kind.namespaced() && !matches!(state.scopes_for(kind).as_slice(), [Scope::Namespace(_)]);

    let mut cols: Vec<Col> = Vec::new();
    if multi_ns {
        cols.push(Col {
            title: "NAMESPACE",
            cells: visible.iter().map(|k| (k.0.clone(), false)).collect(),
            width: 0,
            flex: false,
        });
    }
    if kind != Kind::Event {
        cols.push(Col {
            title: "NAME",
            cells: visible.iter().map(|k| (k.1.clone(), false)).collect(),
            width: 0,
            flex: true,
        });
    }
    let rows: Vec<_> = visible.iter().map(|k| state.row(k)).collect();
    for (i, column) in state.columns().iter().enumerate() {
        let cells = rows
            .iter()
            .map(|row| match row.and_then(|r| r.cells.get(i)) {
                Some(cell) => (cell.display(state.now), matches!(cell, Cell::Status(_))),
                None => (String::new(), false),
            })
            .collect();
        let flex = kind == Kind::Event && i + 1 == state.columns().len();
        cols.push(Col { title: column.title, cells, width: 0, flex });
    }
    fit(&mut cols, area.width as usize);

    let header: Vec<Span> = cols
        .iter()
        .map(|c| {
            Span::styled(pad(c.title, c.width + GAP), Style::default().fg(theme.muted).add_modifier(Modifier::BOLD))
        })
        .collect();
    let mut lines = vec![Line::from(header)];
    for (r, row) in rows.iter().enumerate() {
        let selected = view.offset + r == view.selected;
        let health_style = row.map(|row| theme.status(row.health)).unwrap_or_default();
        let base = if selected {
            Style::default().bg(theme.selection_bg).fg(theme.selection_fg).add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(theme.foreground)
        };
        let spans: Vec<Span> = cols
            .iter()
            .map(|c| {
                let (text, is_status) = &c.cells[r];
                let style = if *is_status && !selected { base.patch(health_style) } else { base };
                let text = if c.title == "NAME" { pad_name(text, c.width + GAP) } else { pad(text, c.width + GAP) };
                Span::styled(text, style)
            })
            .collect();
        let mut line = Line::from(spans);
        if selected {
            line = line.style(base);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).style(Style::default().bg(theme.background)), area);
}

/// Columns that give way first when the flexible column would otherwise be cut.
const OPTIONAL: &[&str] = &["NODE", "EXTERNAL-IP", "UP-TO-DATE", "VOLUME"];
/// Columns that are never dropped.
const KEPT: &[&str] = &["STATUS", "NAMESPACE", "READY", "NAME"];

/// Size columns to their content, drop columns that do not fit (optional ones first, then from the right),
/// and give the flexible one the rest.
fn fit(cols: &mut Vec<Col>, total: usize) {
    for c in cols.iter_mut() {
        let content = c.cells.iter().map(|(t, _)| t.chars().count()).max().unwrap_or(0);
        c.width = content.max(c.title.len()).min(if c.flex { 200 } else { 40 });
    }
    let sum = |cols: &Vec<Col>, flex_min: bool| -> usize {
        cols.iter().map(|c| if c.flex && flex_min { MIN_FLEX.min(c.width) } else { c.width } + GAP).sum()
    };
    // Rather drop the node than cut the pod's name.
    while sum(cols, false) > total {
        let Some(pos) = cols.iter().rposition(|c| OPTIONAL.contains(&c.title)) else { break };
        cols.remove(pos);
    }
    while sum(cols, true) > total {
        let Some(pos) = cols.iter().rposition(|c| !c.flex && !KEPT.contains(&c.title)) else { break };
        cols.remove(pos);
    }
    let fixed: usize = cols.iter().filter(|c| !c.flex).map(|c| c.width + GAP).sum();
    if let Some(flex) = cols.iter_mut().find(|c| c.flex) {
        let room = total.saturating_sub(fixed + GAP);
        flex.width = flex.width.min(room).max(MIN_FLEX.min(room));
    }
}

/// Pad or cut to exactly `width` characters (cut text ends in an ellipsis).
fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len + GAP <= width {
        format!("{text:<width$}")
    } else {
        let keep = width.saturating_sub(GAP + 1);
        let cut: String = text.chars().take(keep).collect();
        format!("{cut}…{}", " ".repeat(width.saturating_sub(keep + 1)))
    }
}

/// Pad or cut a name to exactly `width` characters, cutting in the middle (see [`super::cut`]).
fn pad_name(text: &str, width: usize) -> String {
    format!("{:<width$}", super::cut::middle(text, width.saturating_sub(GAP)))
}

/// Loading, forbidden, not served, or nothing there: say which, and what to do.
fn render_empty(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let kind = state.view.kind;
    let plural = kind.plural();
    let mut lines: Vec<Line> = vec![Line::raw("")];
    let states = state.view_states();
    let forbidden: Vec<(Scope, String)> = states
        .iter()
        .filter_map(|(scope, s)| match s {
            WatchState::Forbidden { message } => Some((scope.clone(), message.clone())),
            _ => None,
        })
        .collect();
    let fallback_pending =
        state.scope == Scope::All && state.fallback_requested.contains(&kind) && !state.fallback.contains_key(&kind);
    if let Some((scope, message)) = forbidden.first() {
        let user = state.user_from(message);
        let where_ = match scope {
            Scope::All if !kind.namespaced() => String::new(),
            Scope::All => " in any namespace (cluster-wide)".to_string(),
            Scope::Namespace(ns) => format!(" in namespace {ns}"),
        };
        let mut query = AccessQuery::new("list", kind.group(), plural, scope.namespace());
        if !kind.namespaced() {
            query = query.cluster_scoped();
        }
        lines.push(Line::styled(
            format!("  You (user {user}) may not list {plural}{where_}."),
            Style::default().fg(theme.status_error).add_modifier(Modifier::BOLD),
        ));
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("  The server said: {message}"), Style::default().fg(theme.foreground)));
        lines.push(Line::raw(""));
        lines.push(Line::styled("  Check it yourself:", Style::default().fg(theme.muted)));
        lines.push(Line::styled(
            format!("    {}", query.can_i_command(&state.context.context)),
            Style::default().fg(theme.command_fg),
        ));
        lines.push(Line::raw(""));
        let hint = if fallback_pending {
            "  Looking for namespaces you may list…".to_string()
        } else {
            "  Ask your cluster admin for access, or pick another namespace with :ns NAME. The rest of mosaic keeps working.".to_string()
        };
        lines.push(Line::styled(hint, Style::default().fg(theme.muted)));
    } else if let Some((_, WatchState::Unavailable { message })) =
        states.iter().find(|(_, s)| matches!(s, WatchState::Unavailable { .. }))
    {
        lines.push(Line::styled(
            format!("  This server does not serve {plural}."),
            Style::default().fg(theme.status_warning),
        ));
        lines.push(Line::styled(format!("  {message}"), Style::default().fg(theme.muted)));
    } else if !state.view_synced() {
        let where_ = state.scopes_for(kind).first().map(|s| s.to_string()).unwrap_or_default();
        lines.push(Line::styled(format!("  Listing {plural} in {where_}…"), Style::default().fg(theme.status_pending)));
    } else if !state.view.filter.is_empty() {
        lines.push(Line::styled(
            format!("  No {plural} match /{}. Esc clears the filter.", state.view.filter),
            Style::default().fg(theme.muted),
        ));
    } else {
        let where_ = state.scopes_for(kind).first().map(|s| s.to_string()).unwrap_or_default();
        lines.push(Line::styled(format!("  No {plural} in {where_}."), Style::default().fg(theme.muted)));
        if kind.namespaced() {
            lines.push(Line::styled(
                "  Pick another namespace with :ns NAME, or all of them with :ns all.",
                Style::default().fg(theme.muted),
            ));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).style(Style::default().bg(theme.background)),
        area,
    );
}
