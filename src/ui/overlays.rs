//! What floats over the list: palette suggestions, the help screen, and the too-small message.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::keymap::sections;
use crate::app::palette::PaletteState;
use crate::app::state::{MIN_HEIGHT, MIN_WIDTH};

/// Up to eight suggestions, just above the footer.
pub fn palette(frame: &mut Frame, above: Rect, p: &PaletteState, theme: &Theme) {
    if p.suggestions.is_empty() {
        return;
    }
    let height = (p.suggestions.len().min(8) as u16 + 2).min(above.height);
    let width = above.width.min(100);
    // The suggestion's column, its text, then the description's room inside the border.
    let room = usize::from(width).saturating_sub(2 + 19 + 1);
    let area = Rect { x: above.x, y: above.y + above.height - height, width, height };
    let lines: Vec<Line> = p
        .suggestions
        .iter()
        .take(8)
        .enumerate()
        .map(|(i, s)| {
            let style = if i == p.selected {
                Style::default().bg(theme.selection_bg).fg(theme.selection_fg)
            } else {
                Style::default().fg(theme.foreground)
            };
            Line::from(vec![
                Span::styled(format!(" {:<18}", s.text), style.add_modifier(Modifier::BOLD)),
                Span::styled(
                    format!(" {}", super::cut::words(&s.description, room)),
                    if i == p.selected { style } else { Style::default().fg(theme.muted) },
                ),
            ])
        })
        .collect();
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(" commands · Tab completes · Enter runs ")
        .style(Style::default().bg(theme.dialog_bg));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Every binding, grouped by where it applies, straight from the keymap table.
/// The keys column of the help: two spaces, then the widest key names (`PageDown Ctrl-f`) and a space.
const KEYS_WIDTH: usize = 18;

pub fn help(frame: &mut Frame, area: Rect, scroll: u16, theme: &Theme) {
    let width = area.width.saturating_sub(4).min(90);
    let height = area.height.saturating_sub(2);
    let rect = Rect { x: area.x + (area.width - width) / 2, y: area.y + 1, width, height };
    let mut lines = Vec::new();
    for (context, bindings) in sections() {
        lines.push(Line::styled(context.title(), Style::default().fg(theme.title).add_modifier(Modifier::BOLD)));
        // Descriptions wrap under themselves, between words: cut at 80 columns they said half a sentence.
        let room = usize::from(width.saturating_sub(2)).saturating_sub(KEYS_WIDTH);
        for b in bindings {
            let keys = b.keys.join(" ");
            for (i, text) in super::cut::wrap_words(b.description, room).into_iter().enumerate() {
                let keys = if i == 0 { format!("  {keys:<w$}", w = KEYS_WIDTH - 2) } else { " ".repeat(KEYS_WIDTH) };
                lines.push(Line::from(vec![
                    Span::styled(keys, Style::default().fg(theme.key_hint).add_modifier(Modifier::BOLD)),
                    Span::styled(text, Style::default().fg(theme.foreground)),
                ]));
            }
        }
        lines.push(Line::raw(""));
    }
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(Style::default().fg(theme.border_focused))
        .title(" help · Esc closes · j/k scroll ")
        .style(Style::default().bg(theme.dialog_bg));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), rect);
}

pub fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "Terminal too small: {}x{}. mosaic needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge the window, or press q to quit.",
        area.width, area.height
    );
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .style(Style::default().fg(theme.status_warning).bg(theme.background)),
        area,
    );
}
