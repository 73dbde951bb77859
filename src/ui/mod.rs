//! The ui layer: pure rendering of the app state. `render(frame, state, theme)` reads and never changes.
pub mod app_history;
pub mod build_pane;
pub(crate) mod cut;
pub mod dialogs;
pub mod editor;
pub mod faults;
pub mod footer;
pub mod forwards;
pub mod header;
pub mod http;
pub mod list;
pub mod logs;
pub mod object_pane;
pub mod overlays;
pub mod pane;
pub mod plan;
pub mod theme;
pub mod timeline;
pub mod wizard;
pub mod wizard_text;
pub mod workspaces;
pub mod yaml;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use crate::app::{Mode, State};
pub use theme::Theme;

pub fn render(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(Style::default().bg(theme.background).fg(theme.foreground)), area);
    if state.too_small() || area.width < crate::app::state::MIN_WIDTH || area.height < crate::app::state::MIN_HEIGHT {
        overlays::too_small(frame, area, theme);
        return;
    }
    let header = Rect { height: 2, ..area };
    let footer = Rect { y: area.y + area.height - 1, height: 1, ..area };
    let mut body = Rect { y: area.y + 2, height: area.height - 3, ..area };
    header::render(frame, header, state, theme);

    // A standing notice line: fallback namespaces, a read-only database, theme warnings.
    if let Some(notice) = state.notice() {
        let line = Rect { height: 1, ..body };
        frame.render_widget(
            Paragraph::new(Line::raw(format!(" {notice}"))).style(Style::default().fg(theme.status_warning)),
            line,
        );
        body.y += 1;
        body.height -= 1;
    }
    let full_body = body;
    let plan_height = crate::app::plan_pane::height(state, body.height);
    if plan_height > 0 {
        let pane = Rect { y: body.y + body.height - plan_height, height: plan_height, ..body };
        body.height -= plan_height;
        plan::render(frame, pane, state, theme);
    }
    list::render(frame, body, state, theme);
    app_history::render(frame, body, state, theme);
    if let Some(pane) = &state.logs {
        logs::render(frame, body, pane, theme);
    }
    if let Some(selected) = state.exec.forwards_open {
        forwards::render(frame, body, &state.exec.forwards, selected, theme);
    }
    if let Some(view) = &state.faults {
        faults::render(frame, full_body, state, view, theme);
    }
    if let Some(wizard) = &state.wizard.pane {
        wizard::render(frame, body, wizard, theme);
    }
    if let Some(pane) = &state.timeline {
        timeline::render(frame, body, pane, theme);
    }
    if let Some(pane) = &state.object_pane {
        object_pane::render(frame, body, pane, theme);
    }
    if let Some(pane) = &state.pane {
        pane::render(frame, body, pane, theme);
    }
    workspaces::render(frame, body, state, theme);
    if let Some(sender) = &state.http {
        http::render(frame, body, sender, theme);
    }
    if let Some(editor) = &state.editor {
        editor::render(frame, body, editor, theme);
    }
    footer::render(frame, footer, state, theme);
    match &state.mode {
        Mode::Palette(p) => overlays::palette(frame, body, p, theme),
        Mode::Help { scroll } => overlays::help(frame, area, *scroll, theme),
        Mode::Confirm(c) => dialogs::confirm(frame, area, c, state.context.readonly, theme),
        Mode::Prompt(p) => dialogs::prompt(frame, area, p, theme),
        _ => {}
    }
}
