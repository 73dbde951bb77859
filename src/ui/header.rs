//! The two header lines: where you are (context, user, namespace, server), and what the view shows and how
//! fresh it is.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::analysis::age::human_age;
use crate::app::State;
use crate::cluster::{Scope, WatchState};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let base = Style::default().bg(theme.header_bg).fg(theme.header_fg);
    let dim = base.fg(theme.muted);
    let ctx = &state.context;
    let scope = match &state.scope {
        Scope::All => "all".to_string(),
        Scope::Namespace(ns) => ns.clone(),
    };
    let mut left = vec![Span::styled(" mosaic ", base.fg(theme.accent).add_modifier(Modifier::BOLD))];
    if ctx.demo {
        left.push(Span::styled(
            " DEMO CLUSTER ",
            Style::default().bg(theme.demo_badge_bg).fg(theme.demo_badge_fg).add_modifier(Modifier::BOLD),
        ));
        left.push(Span::styled(" ", base));
    }
    if ctx.readonly {
        left.push(Span::styled(
            " READ-ONLY ",
            Style::default().bg(theme.status_warning).fg(theme.background).add_modifier(Modifier::BOLD),
        ));
        left.push(Span::styled(" ", base));
    }
    for (label, value) in [("ctx", ctx.context.as_str()), ("user", ctx.user.as_str()), ("ns", scope.as_str())] {
        left.push(Span::styled(format!("{label} "), dim));
        left.push(Span::styled(format!("{value}  "), base.add_modifier(Modifier::BOLD)));
    }
    left.push(Span::styled(ctx.server_version.clone(), dim));
    if let Some(target) = &state.switching {
        left.push(Span::styled(format!("  switching to {target}…"), base.fg(theme.status_pending)));
    }
    let top = Rect { height: 1, ..area };
    frame.render_widget(Paragraph::new(Line::from(left)).style(base), top);

    if area.height < 2 {
        return;
    }
    let second = Rect { y: area.y + 1, height: 1, ..area };
    let view = &state.view;
    let shown = state.index.keys.len();
    let total = state.total_in_view();
    let where_ = match state.scopes_for(view.kind).as_slice() {
        [Scope::All] if view.kind.namespaced() => " (all namespaces)".to_string(),
        [Scope::All] => String::new(),
        [Scope::Namespace(ns)] => format!(" ({ns})"),
        many => format!(" ({} namespaces)", many.len()),
    };
    let count = match (view.filter.is_empty(), view.drill.is_some() || view.app.is_some()) {
        (true, false) => format!(" [{total}]"),
        // A drilled list counts what it shows, not the whole cache it filters.
        (true, true) => format!(" [{shown}]"),
        _ => format!(" [{shown} of {total}]"),
    };
    let title = match (super::workspaces::header_title(state), &view.app) {
        (Some(title), _) => title,
        (None, Some(app)) => format!(" {} of app {}{where_} · Tab next list · T timeline", view.kind.title(), app.name),
        (None, None) => format!(" {}{}{where_}", view.kind.title(), drill_words(view.drill.as_ref())),
    };
    let count = if super::workspaces::header_title(state).is_some() { String::new() } else { count };
    let mut line = vec![
        Span::styled(title, Style::default().fg(theme.title).add_modifier(Modifier::BOLD)),
        Span::styled(count, Style::default().fg(theme.muted)),
    ];
    if !view.filter.is_empty() {
        line.push(Span::styled(format!("  /{}", view.filter), Style::default().fg(theme.match_fg)));
    }
    let (status, style) = freshness(state, theme);
    let used: usize = line.iter().map(|s| s.width()).sum();
    let mut pad = (second.width as usize).saturating_sub(used + status.chars().count() + 1);
    // The first-run workspace offer, where there is room for it.
    if let Some(offer) = crate::app::workspaces::offer(state).filter(|o| o.chars().count() + 6 <= pad) {
        let before = (pad - offer.chars().count()) / 2;
        line.push(Span::raw(" ".repeat(before)));
        line.push(Span::styled(offer.clone(), Style::default().fg(theme.accent)));
        pad -= before + offer.chars().count();
    }
    line.push(Span::raw(" ".repeat(pad)));
    line.push(Span::styled(status, style));
    frame.render_widget(Paragraph::new(Line::from(line)).style(Style::default().bg(theme.background)), second);
}

/// "● live", "listing…", "⟳ reconnecting · data 12s old", "✗ forbidden".
fn freshness(state: &State, theme: &Theme) -> (String, Style) {
    let states = state.view_states();
    let reconnecting = states.iter().find_map(|(_, s)| match s {
        WatchState::Reconnecting { error } => Some(error.clone()),
        _ => None,
    });
    if let Some(error) = reconnecting {
        let age = state
            .view_disconnected_since()
            .map(|since| format!(" · data {} old", human_age(since, state.now)))
            .unwrap_or_default();
        let error = if error.is_empty() { String::new() } else { format!(" ({error})") };
        let text: String = format!("⟳ reconnecting{age}{error}").chars().take(60).collect();
        return (text, Style::default().fg(theme.status_warning).add_modifier(Modifier::BOLD));
    }
    if states.iter().all(|(_, s)| matches!(s, WatchState::Forbidden { .. })) && !states.is_empty() {
        return ("✗ forbidden".into(), Style::default().fg(theme.status_error));
    }
    if states.iter().all(|(_, s)| matches!(s, WatchState::Unavailable { .. })) && !states.is_empty() {
        return ("not served".into(), Style::default().fg(theme.muted));
    }
    if !state.view_synced() {
        return ("listing…".into(), Style::default().fg(theme.status_pending));
    }
    ("● live".into(), Style::default().fg(theme.status_ok))
}

/// " of deployment web (-l app=web)": what a drilled-down list is limited to.
fn drill_words(drill: Option<&crate::app::drill::Drill>) -> String {
    let Some(drill) = drill else { return String::new() };
    let sel = drill.selector();
    let by: Vec<String> = sel
        .labels
        .map(|l| format!("-l {l}"))
        .into_iter()
        .chain(sel.fields.map(|f| format!("--field-selector {f}")))
        .collect();
    if by.is_empty() { format!(" {}", drill.what) } else { format!(" {} ({})", drill.what, by.join(" ")) }
}
