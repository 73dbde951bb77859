//! The bottom line: the palette or filter input while typing, else a message, else key hints from the keymap.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use unicode_width::UnicodeWidthStr;

use crate::app::keymap::{Binding, KeyContext, hint_rank, hints};
use crate::app::update::key_context;
use crate::app::{Mode, State};
use crate::cluster::Kind;

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let width = usize::from(area.width);
    let line = match &state.mode {
        Mode::Palette(p) => input_line(":", &p.input, theme),
        Mode::Filter => input_line("/", &state.view.filter, theme),
        // The dialog shows what is typed; the footer says why Enter refused it.
        Mode::Prompt(_) if state.flash.as_ref().is_some_and(|f| f.error) => {
            let text = state.flash.as_ref().map(|f| f.text.clone()).unwrap_or_default();
            let style = Style::default().fg(theme.error_fg).bg(theme.error_bg).add_modifier(Modifier::BOLD);
            Line::from(Span::styled(format!(" {text}"), style))
        }
        Mode::Prompt(p) => input_line("", &p.input, theme),
        // The dialog lists the keys that apply to it (no "run" when the action is refused).
        Mode::Confirm(_) => Line::raw(""),
        Mode::Help { .. } => hint_line(KeyContext::Help, None, width, theme),
        Mode::Normal => match (search_input(state), &state.flash) {
            (Some(text), _) => input_line("/", text, theme),
            (None, Some(flash)) => {
                let style = if flash.error {
                    Style::default().fg(theme.error_fg).bg(theme.error_bg).add_modifier(Modifier::BOLD)
                } else {
                    Style::default().fg(theme.accent)
                };
                Line::from(Span::styled(format!(" {}", flash.text), style))
            }
            // The keys are hinted for the context they are read in. A workspace delete asks in its dialog.
            (None, None) => match key_context(state) {
                KeyContext::Confirm => Line::raw(""),
                context => hint_line(context, Some(state.view.kind), width, theme),
            },
        },
    };
    frame.render_widget(Paragraph::new(line).style(Style::default().bg(theme.background)), area);
}

/// What is typed into a search or filter of the open pane, which the footer shows as it is typed.
fn search_input(state: &State) -> Option<&str> {
    crate::app::faults::filter_input(state)
        .or_else(|| crate::app::object_pane::search_input(state))
        .or_else(|| super::logs::search_input(state))
}

fn input_line(prompt: &str, text: &str, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {prompt}"), Style::default().fg(theme.accent).add_modifier(Modifier::BOLD)),
        Span::styled(text.to_string(), Style::default().fg(theme.foreground)),
        Span::styled("▏", Style::default().fg(theme.accent)),
    ])
}

fn hint_line(context: KeyContext, kind: Option<Kind>, width: usize, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    for (i, b) in fit(&hints(context, kind), width).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(
            b.keys[0].to_string(),
            Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::styled(format!(" {}", b.name), Style::default().fg(theme.muted)));
    }
    Line::from(spans)
}

/// `Esc close`: its columns in the footer.
fn hint_width(b: &Binding) -> usize {
    b.keys[0].width() + 1 + b.name.width()
}

/// The hints that fit in `width` columns after the leading space, each whole or not at all: taken by
/// [`hint_rank`] (the way out and `?` help first), shown in table order. `?` help lists what is left out.
pub fn fit(hints: &[&'static Binding], width: usize) -> Vec<&'static Binding> {
    let mut order: Vec<usize> = (0..hints.len()).collect();
    order.sort_by_key(|&i| (hint_rank(hints[i]), i));
    let mut keep = vec![false; hints.len()];
    let mut used = 1;
    for i in order {
        let needed = hint_width(hints[i]) + if used > 1 { 2 } else { 0 };
        if used + needed <= width {
            used += needed;
            keep[i] = true;
        }
    }
    hints.iter().zip(keep).filter(|(_, kept)| *kept).map(|(b, _)| *b).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::{Command, sections};

    fn shown(hints: &[&Binding]) -> String {
        let words: Vec<String> = hints.iter().map(|b| format!("{} {}", b.keys[0], b.name)).collect();
        format!(" {}", words.join("  "))
    }

    #[test]
    fn the_workspace_view_keeps_its_way_out_and_help_at_80_columns() {
        let all = hints(KeyContext::Apps, None);
        assert!(shown(&all).width() > 80, "the test needs a line that does not fit: {}", shown(&all));
        let line = shown(&fit(&all, 80));
        assert!(line.width() <= 80, "{line}");
        assert!(line.ends_with("Esc close"), "{line}");
        assert!(line.contains("? help") && line.contains("Enter open") && line.contains("B build"), "{line}");
        assert!(!line.contains("/ filter"), "the workspace view does not filter: {line}");
    }

    #[test]
    fn every_context_keeps_its_way_out_and_help_whole_at_80_and_40_columns() {
        for (context, _) in sections() {
            for kind in Kind::ALL {
                let all = hints(context, Some(kind));
                for width in [80, 40] {
                    let kept = fit(&all, width);
                    let line = shown(&kept);
                    assert!(line.width() <= width, "{context:?} {kind} at {width}: {line}");
                    for b in &all {
                        let must = matches!(b.command, Command::Back | Command::Cancel | Command::Quit | Command::Help);
                        if must {
                            assert!(kept.iter().any(|k| k.name == b.name), "{context:?} {kind} at {width}: {line}");
                        }
                    }
                    // Table order is kept: what is shown is a subsequence of the whole list.
                    let mut rest = all.iter();
                    assert!(kept.iter().all(|k| rest.any(|b| std::ptr::eq(*b, *k))), "{context:?}: {line}");
                }
            }
        }
    }

    #[test]
    fn a_pane_that_ignores_filter_and_quit_does_not_hint_them() {
        for context in [KeyContext::Wizard, KeyContext::Forwards, KeyContext::Workspaces, KeyContext::Build] {
            let line = shown(&hints(context, None));
            assert!(!line.contains("/ filter") && !line.contains("q quit"), "{context:?}: {line}");
        }
        let list = shown(&hints(KeyContext::List, Some(Kind::Pod)));
        assert!(list.contains("/ filter") && list.contains("q quit"), "{list}");
    }

    #[test]
    fn nothing_fits_in_no_room() {
        assert!(fit(&hints(KeyContext::List, Some(Kind::Pod)), 0).is_empty());
        assert!(fit(&hints(KeyContext::List, Some(Kind::Pod)), 5).is_empty());
    }
}
