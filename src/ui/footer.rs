//! The bottom line: the palette or filter input while typing, else a message, else key hints from the keymap.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::keymap::{KeyContext, hints};
use crate::app::{Mode, State};
use crate::cluster::Kind;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let line = match &state.mode {
        Mode::Palette(p) => input_line(":", &p.input, theme),
        Mode::Filter => input_line("/", &state.view.filter, theme),
        Mode::Help { .. } => hint_line(KeyContext::Help, None, theme),
        // The dialog lists the keys that apply to it (no "run" when the action is refused).
        Mode::Confirm(_) => Line::raw(""),
        Mode::Prompt(p) => input_line("", &p.input, theme),
        Mode::Normal if crate::app::faults::filter_input(state).is_some() => {
            input_line("/", crate::app::faults::filter_input(state).unwrap_or_default(), theme)
        }
        Mode::Normal if crate::app::object_pane::search_input(state).is_some() => {
            input_line("/", crate::app::object_pane::search_input(state).unwrap_or_default(), theme)
        }
        Mode::Normal if state.editor.is_some() && state.flash.is_none() => {
            hint_line(state.editor.as_ref().map_or(KeyContext::Editor, crate::app::editor::key_context), None, theme)
        }
        Mode::Normal if super::logs::search_input(state).is_some() => {
            input_line("/", super::logs::search_input(state).unwrap_or_default(), theme)
        }
        Mode::Normal => match &state.flash {
            Some(flash) => {
                let style = if flash.error {
                    Style::default().fg(theme.error_fg).bg(theme.error_bg).add_modifier(Modifier::BOLD)
                } else {
                    Style::default().fg(theme.accent)
                };
                Line::from(Span::styled(format!(" {}", flash.text), style))
            }
            // A workspace delete asks in its dialog, with its own keys.
            None if let Some(context) = crate::app::workspaces::key_context(state) => match context {
                KeyContext::Confirm => Line::raw(""),
                context => hint_line(context, None, theme),
            },
            None if state.http.is_some() => hint_line(KeyContext::HttpSender, None, theme),
            None if state.pane.is_some() => hint_line(KeyContext::Text, None, theme),
            None if state.object_pane.is_some() => hint_line(KeyContext::Object, None, theme),
            None if state.exec.forwards_open.is_some() => hint_line(KeyContext::Forwards, None, theme),
            None if state.logs.is_some() => hint_line(KeyContext::Logs, None, theme),
            None if state.wizard.pane.is_some() => {
                hint_line(crate::app::wizard::key_context(&state.wizard).unwrap_or(KeyContext::Wizard), None, theme)
            }
            None if state.faults.is_some() => hint_line(KeyContext::Faults, None, theme),
            None => hint_line(KeyContext::List, Some(state.view.kind), theme),
        },
    };
    frame.render_widget(Paragraph::new(line).style(Style::default().bg(theme.background)), area);
}

fn input_line(prompt: &str, text: &str, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {prompt}"), Style::default().fg(theme.accent).add_modifier(Modifier::BOLD)),
        Span::styled(text.to_string(), Style::default().fg(theme.foreground)),
        Span::styled("▏", Style::default().fg(theme.accent)),
    ])
}

fn hint_line(context: KeyContext, kind: Option<Kind>, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for b in hints(context, kind) {
        spans.push(Span::styled(
            b.keys[0].to_string(),
            Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(format!(" {}  ", b.name), Style::default().fg(theme.muted)));
    }
    Line::from(spans)
}
