//! The workspace screens: the `:ws` manager, the workspace view's app cards, the match screen, and the forms
//! (workspace editor, bind screen) over them.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::cut::end as cut;
use super::theme::Theme;
use crate::app::State;
use crate::app::workspaces::{AppCard, Form, MatchRow, Screen};
use crate::git::RepoState;
use crate::git::deployed::Answer;
use crate::store::Workspace;

/// Lines per app card.
pub const CARD_LINES: usize = 3;
/// Pods shown in a card's strip before `+N`.
const STRIP: usize = 12;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(screen) = &state.ws.screen else { return };
    if crate::app::workspaces::covered(state) {
        return;
    }
    frame.render_widget(Clear, area);
    match screen {
        Screen::Manager { selected, deleting } => {
            manager(frame, area, state, *selected, theme);
            if *deleting && let Some(ws) = state.ws.workspaces.iter().flatten().nth(*selected) {
                delete_dialog(frame, area, ws, theme);
            }
        }
        Screen::Apps { selected } => apps(frame, area, state, *selected, theme),
        Screen::Matches { root, rows, selected, loading } => {
            matches(frame, area, root, rows, *selected, *loading, theme)
        }
    }
    if let Some(form) = &state.ws.form {
        form_dialog(frame, area, form, theme);
    }
    if let Some(pane) = &state.ws.build {
        super::build_pane::render(frame, area, pane, state.now, state.context.readonly, theme);
    }
}

/// The header's view line while a workspace screen is open.
pub fn header_title(state: &State) -> Option<String> {
    if let Some(history) = &state.ws.history {
        let count = match &history.entries {
            Some(Ok(entries)) if entries.len() == 1 => " · 1 entry".to_string(),
            Some(Ok(entries)) => format!(" · {} entries", entries.len()),
            _ => String::new(),
        };
        return Some(format!(" History of app {} ({}){count} · Tab pods", history.name, history.namespace));
    }
    Some(match state.ws.screen.as_ref()? {
        Screen::Manager { .. } => " Workspaces".to_string(),
        Screen::Apps { .. } => match &state.ws.open {
            Some(ws) => format!(" Apps of workspace {} [{}]", ws.name, state.ws.cards.len()),
            None => format!(" Apps [{}]", state.ws.cards.len()),
        },
        Screen::Matches { .. } => " Matching apps to repos".to_string(),
    })
}

fn frame_block(title: String, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()))
        .style(theme.base())
}

fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}

/// One line summing up a workspace's filters.
pub fn filters_summary(ws: &Workspace) -> String {
    let f = &ws.filters;
    let mut parts = Vec::new();
    if !f.namespaces_allow.is_empty() {
        parts.push(format!("namespaces {}", f.namespaces_allow.join(", ")));
    }
    if !f.namespaces_deny.is_empty() {
        parts.push(format!("not in {}", f.namespaces_deny.join(", ")));
    }
    if !f.label_selectors_allow.is_empty() {
        parts.push(format!("labels {}", f.label_selectors_allow.join(" or ")));
    }
    if !f.label_selectors_deny.is_empty() {
        parts.push(format!("not labels {}", f.label_selectors_deny.join(" or ")));
    }
    if !f.name_patterns.is_empty() {
        parts.push(format!("names {}", f.name_patterns.join(", ")));
    }
    if parts.is_empty() { "every app".into() } else { parts.join("; ") }
}

fn manager(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let width = area.width.saturating_sub(2) as usize;
    let list = state.ws.workspaces.as_deref().unwrap_or_default();
    let name_width = list.iter().map(|w| w.name.chars().count()).max().unwrap_or(0).clamp(4, 24) + 2;
    let mut lines =
        vec![Line::styled(pad(&format!(" {:<name_width$}{:<9}FILTERS", "NAME", "DEFAULT"), width), theme.header())];
    if state.ws.workspaces.is_none() {
        lines.push(Line::styled(" Reading the saved workspaces…", theme.muted()));
    } else if list.is_empty() {
        lines.push(Line::raw(""));
        // Two lines: one would be cut at 80 columns.
        let none = format!(" No workspace in context {} yet.", state.context.context);
        lines.push(Line::styled(cut(&none, width), theme.muted()));
        lines.push(Line::styled(" n creates one: a named filter over apps.", theme.muted()));
    }
    for (i, ws) in list.iter().enumerate() {
        let default = if ws.is_default { "★" } else { "" };
        let text = format!(" {:<name_width$}{default:<9}{}", cut(&ws.name, name_width - 2), filters_summary(ws));
        let style = if i == selected { theme.selection() } else { theme.base() };
        lines.push(Line::styled(pad(&cut(&text, width), width), style));
    }
    let title = format!(" Workspaces of {} ({}) ", state.context.context, list.len());
    frame.render_widget(Paragraph::new(lines).block(frame_block(title, theme)), area);
}

fn delete_dialog(frame: &mut Frame, area: Rect, ws: &Workspace, theme: &Theme) {
    let rect = centered(area, 64, 6);
    frame.render_widget(Clear, rect);
    let lines = vec![
        Line::raw(format!(" Delete workspace {}?", ws.name)),
        Line::styled(" Its apps and their bindings stay; only the filter goes.", theme.muted()),
        Line::raw(""),
        Line::from(vec![
            Span::styled(" y", theme.key_hint()),
            Span::styled(" delete   ", theme.muted()),
            Span::styled("n", theme.key_hint()),
            Span::styled(" keep it", theme.muted()),
        ]),
    ];
    let block = frame_block(" Delete workspace ".into(), theme).border_style(Style::default().fg(theme.status_error));
    frame.render_widget(Paragraph::new(lines).block(block.style(theme.dialog())), rect);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2));
    let height = height.min(area.height.saturating_sub(2));
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

fn apps(frame: &mut Frame, area: Rect, state: &State, selected: usize, theme: &Theme) {
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(2) as usize;
    let cards = &state.ws.cards;
    let mut lines = Vec::new();
    if let Some(error) = &state.ws.filter_error {
        lines.push(Line::styled(cut(&format!(" {error}"), width), theme.error()));
    }
    if cards.is_empty() {
        let synced = state.deployments.scopes.values().any(|s| s.synced);
        let text = match (&state.ws.open, synced) {
            (_, false) => " Loading apps…".to_string(),
            (Some(ws), true) => format!(" No app matches workspace {}: w, then e, edits its filters.", ws.name),
            (None, true) => " No Deployment, StatefulSet or DaemonSet here.".to_string(),
        };
        lines.push(Line::styled(text, theme.muted()));
    }
    // Scroll by whole cards so the selected one is always shown.
    let fit = (height.saturating_sub(lines.len()) / CARD_LINES).max(1);
    let first = selected.saturating_sub(fit - 1);
    let layout = CardLayout::new(cards, width);
    for (i, card) in cards.iter().enumerate().skip(first).take(fit) {
        lines.extend(card_lines(card, i == selected, &layout, theme));
    }
    let title = match &state.ws.open {
        Some(ws) => format!(
            " Workspace {}{} · {} apps · {} ",
            ws.name,
            if ws.is_default { " (default)" } else { "" },
            cards.len(),
            filters_summary(ws)
        ),
        None => format!(" All apps ({}) · :ws makes a workspace ", cards.len()),
    };
    frame.render_widget(Paragraph::new(lines).block(frame_block(cut(&title, width), theme)), area);
}

/// Column widths of the cards' first line, fitted to the names shown and the screen.
struct CardLayout {
    width: usize,
    name: usize,
    namespace: usize,
    strip: usize,
}

impl CardLayout {
    fn new(cards: &[AppCard], width: usize) -> CardLayout {
        let widest = |f: fn(&AppCard) -> usize| cards.iter().map(f).max().unwrap_or(0);
        CardLayout {
            width,
            name: widest(|c| c.name.chars().count()).clamp(6, 22),
            namespace: widest(|c| c.namespace.chars().count()).clamp(4, 14),
            strip: if width < 100 { 6 } else { STRIP },
        }
    }
}

fn card_lines(card: &AppCard, selected: bool, layout: &CardLayout, theme: &Theme) -> Vec<Line<'static>> {
    let (width, strip_width) = (layout.width, layout.strip);
    let marker = if selected { "▸" } else { " " };
    let name_style = if selected { theme.selection() } else { theme.accent() };
    let mut first = vec![
        Span::styled(format!("{marker} {:<w$}", cut(&card.name, layout.name), w = layout.name), name_style),
        Span::styled(format!("  {:<w$}", cut(&card.namespace, layout.namespace), w = layout.namespace), theme.muted()),
        Span::styled(format!("{:>5} ready ", format!("{}/{}", card.ready, card.desired)), theme.status(card.health())),
        Span::styled(format!("{:<12}", card.rollout.word()), theme.status(card.rollout.health())),
    ];
    for (_, health) in card.pods.iter().take(strip_width) {
        first.push(Span::styled("■", theme.status(*health)));
    }
    let strip = if card.pods.len() > strip_width {
        format!("+{}", card.pods.len() - strip_width)
    } else if card.pods.is_empty() {
        "no pods".to_string()
    } else {
        String::new()
    };
    // Pad the strip to one width, so the Service column lines up.
    let used = card.pods.len().min(strip_width) + strip.chars().count();
    first.push(Span::styled(format!("{strip}{}", " ".repeat(strip_width.saturating_sub(used))), theme.muted()));
    // The longest in-cluster name that fits (`web.shop.svc.cluster.local`, `web.shop.svc`, `web.shop`, `web`):
    // a DNS name cut anywhere else reads as a wrong one.
    let room = width.saturating_sub(first.iter().map(Span::width).sum::<usize>() + 2);
    let service = match card.services.as_slice() {
        [] => "no Service".to_string(),
        [one, rest @ ..] => {
            let more = if rest.is_empty() { String::new() } else { format!(" +{}", rest.len()) };
            let ns = &card.namespace;
            let names = [card.dns(one), format!("{one}.{ns}.svc"), format!("{one}.{ns}"), one.clone()];
            let fits = names.iter().map(|n| format!("svc {n}{more}")).find(|t| t.chars().count() <= room);
            fits.unwrap_or_else(|| cut(&format!("svc {one}{more}"), room))
        }
    };
    first.push(Span::styled(format!("  {service}"), theme.base()));

    let images: Vec<String> = card.images.iter().map(|(_, image)| image.clone()).collect();
    let mut second = format!("    image {}", images.join(", "));
    if card.rollout.word() != "complete" {
        second = format!("    {} · {}", card.rollout.describe(), second.trim_start());
    }
    // Deployments are the rule; another kind says so first.
    if card.kind != "Deployment" {
        second = format!("    {} · {}", card.kind, second.trim_start());
    }
    let second_style = if card.rollout.word() == "stuck" { theme.status(card.rollout.health()) } else { theme.muted() };

    vec![Line::from(first), Line::styled(cut(&second, width), second_style), repo_line(card, width, theme)]
}

/// The card's third line: the bound repo, its branch and HEAD, and whether that commit runs.
fn repo_line(card: &AppCard, width: usize, theme: &Theme) -> Line<'static> {
    let Some(binding) = &card.binding else {
        return Line::styled("    not bound: b binds it to its git repo and image repository", theme.muted());
    };
    let Some(path) = &binding.repo_path else {
        let image = binding.image_repo.clone().unwrap_or_default();
        return Line::styled(cut(&format!("    image repo {image} · no git repo bound (b)"), width), theme.muted());
    };
    let path = path.display().to_string();
    let (text, place) = match &card.repo {
        None => return Line::styled(cut(&format!("    repo {path} · reading…"), width), theme.muted()),
        Some(state @ (RepoState::Missing { .. } | RepoState::NotARepo { .. } | RepoState::Unreadable { .. })) => {
            let problem = state.problem().unwrap_or_default();
            return Line::styled(cut(&format!("    {problem}"), width), theme.status(crate::analysis::Health::Warning));
        }
        Some(RepoState::Ready(status)) => {
            let branch = status.branch.clone().unwrap_or_else(|| "detached".into());
            let head = status.head.as_ref().map(|h| h.short().to_string()).unwrap_or_else(|| "no commit".into());
            let dirty = if status.dirty() { format!(", {} changed", status.changed_files) } else { String::new() };
            (format!("    {branch} {head}{dirty}"), format!(" · repo {path}"))
        }
    };
    // The answer comes before the path, so a long path cannot push it off a narrow screen.
    let mut spans = vec![Span::styled(text, theme.base())];
    if let Some(deployed) = &card.deployed {
        let health = |answer: &Answer| match answer {
            Answer::Yes => crate::analysis::Health::Ok,
            Answer::No => crate::analysis::Health::Warning,
            Answer::Unknown => crate::analysis::Health::Unknown,
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(deployed.headline(), theme.status(health(&deployed.head))));
        if let Some((branch, answer)) = &deployed.branch {
            spans.push(Span::raw(format!(" · {branch}: ")));
            spans.push(Span::styled(answer.word(), theme.status(health(answer))));
        }
        spans.push(Span::styled(place, theme.base()));
        spans.push(Span::styled(format!(" · {}", deployed.evidence.words()), theme.muted()));
    } else {
        spans.push(Span::styled(place, theme.base()));
    }
    Line::from(spans)
}

fn matches(
    frame: &mut Frame,
    area: Rect,
    root: &str,
    rows: &[MatchRow],
    selected: usize,
    loading: bool,
    theme: &Theme,
) {
    let width = area.width.saturating_sub(2) as usize;
    let height = area.height.saturating_sub(3) as usize;
    let app_width =
        rows.iter().map(|r| r.app.namespace.len() + r.app.name.len() + 1).max().unwrap_or(3).clamp(3, 28) + 2;
    let mut lines =
        vec![Line::styled(pad(&format!("     {:<app_width$}PROPOSED BINDING", "APP"), width), theme.header())];
    if loading {
        lines.push(Line::styled(format!(" Looking for git repositories under {root}…"), theme.muted()));
    }
    let first = selected.saturating_sub(height.saturating_sub(1));
    for (i, row) in rows.iter().enumerate().skip(first).take(height) {
        let mark = match (&row.binding, row.accepted) {
            (Some(_), true) => "[x]",
            (Some(_), false) => "[ ]",
            (None, _) => " - ",
        };
        let app = format!("{}/{}", row.app.namespace, row.app.name);
        let proposal = match &row.binding {
            Some(b) => {
                let repo = b.repo_path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "no repo".into());
                let image = b.image_repo.clone().unwrap_or_else(|| "no image repo".into());
                let why = row.reason.as_deref().map(|r| format!(" · {r}")).unwrap_or_default();
                format!("{repo} · {image}{why}")
            }
            None if loading => String::new(),
            None => "no repo matched: e binds it by hand".into(),
        };
        let text = format!(" {mark} {:<app_width$}{proposal}", cut(&app, app_width - 2));
        let style = if i == selected {
            theme.selection()
        } else if row.binding.is_none() {
            theme.muted()
        } else {
            theme.base()
        };
        lines.push(Line::styled(pad(&cut(&text, width), width), style));
    }
    let accepted = rows.iter().filter(|r| r.accepted && r.binding.is_some()).count();
    let title = format!(" Match apps to repos under {root} · {accepted} of {} accepted ", rows.len());
    let block = frame_block(cut(&title, width), theme)
        .title_bottom(Span::styled(" a accept  s skip  e edit  Enter save accepted  Esc close ", theme.muted()));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A form over the screen: one label, input and (when focused) hint per field, then the error if any.
fn form_dialog(frame: &mut Frame, area: Rect, form: &Form, theme: &Theme) {
    let height = (form.fields.len() * 2 + 3) as u16;
    let rect = centered(area, 90, height);
    frame.render_widget(Clear, rect);
    let block = frame_block(format!(" {} ", form.title), theme)
        .style(theme.dialog())
        .title_bottom(Span::styled(" Tab next field  Enter save  Esc cancel ", theme.muted()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let label_width = form.fields.iter().map(|f| f.label.len()).max().unwrap_or(0) as u16 + 3;
    for (i, field) in form.fields.iter().enumerate() {
        let y = inner.y + (i * 2) as u16;
        if y + 1 >= inner.y + inner.height {
            break;
        }
        let focused = i == form.focus;
        let label_style = if focused { theme.accent() } else { theme.base() };
        let label = Rect { x: inner.x, y, width: label_width.min(inner.width), height: 1 };
        frame.render_widget(Paragraph::new(Span::styled(format!(" {}", field.label), label_style)), label);
        let input = Rect { x: inner.x + label.width, y, width: inner.width.saturating_sub(label.width + 1), height: 1 };
        let mut textarea = field.input.clone();
        textarea.set_cursor_line_style(Style::default());
        let underline = Style::default().add_modifier(Modifier::UNDERLINED);
        textarea.set_style(if focused { theme.base().patch(underline) } else { theme.muted().patch(underline) });
        if !focused {
            textarea.set_cursor_style(Style::default());
        }
        frame.render_widget(&textarea, input);
        if focused {
            let hint = Rect { x: input.x, y: y + 1, width: input.width, height: 1 };
            frame.render_widget(
                Paragraph::new(Span::styled(cut(field.hint, input.width as usize), theme.muted())),
                hint,
            );
        }
    }
    if let Some(error) = &form.error {
        let y = inner.y + inner.height.saturating_sub(1);
        let line = Rect { x: inner.x, y, width: inner.width, height: 1 };
        frame.render_widget(
            Paragraph::new(Span::styled(cut(&format!(" {error}"), inner.width as usize), theme.error())),
            line,
        );
    }
}
