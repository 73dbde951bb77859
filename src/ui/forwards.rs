//! The `:pf` list: every running port-forward, where it listens, where it goes, and how many connections it
//! served.
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::pane::pane_block;
use super::theme::Theme;
use crate::app::exec::ForwardRow;

/// Width of the local-address column: `127.0.0.1:65535` and a gap.
const LOCAL_WIDTH: usize = 17;
/// Width of the connections column: `12345 (12 open)` and a gap.
const SERVED_WIDTH: usize = 17;

pub fn render(frame: &mut Frame, area: Rect, rows: &[ForwardRow], selected: usize, theme: &Theme) {
    frame.render_widget(Clear, area);
    let inner_width = area.width.saturating_sub(2) as usize;
    let mut lines = vec![Line::styled(
        pad(&format!(" {:<LOCAL_WIDTH$}{:<SERVED_WIDTH$}TARGET", "LOCAL", "CONNECTIONS"), inner_width),
        Style::default().fg(theme.header_fg).bg(theme.header_bg).add_modifier(Modifier::BOLD),
    )];
    if rows.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            " No port-forwards. F on a pod or a service starts one.",
            Style::default().fg(theme.muted),
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        let served =
            if row.active > 0 { format!("{} ({} open)", row.served, row.active) } else { row.served.to_string() };
        let text = pad(&format!(" {:<LOCAL_WIDTH$}{served:<SERVED_WIDTH$}{}", row.local, row.target), inner_width);
        let style = if i == selected {
            Style::default().fg(theme.selection_fg).bg(theme.selection_bg)
        } else {
            Style::default().fg(theme.foreground)
        };
        lines.push(Line::styled(text, style));
        if let Some(error) = &row.error {
            lines.push(Line::from(Span::styled(
                format!(" {:width$}last error: {error}", "", width = LOCAL_WIDTH + SERVED_WIDTH),
                Style::default().fg(theme.status_error),
            )));
        }
    }
    let block = pane_block(
        &format!("Port-forwards ({})", rows.len()),
        " Ctrl-d stop  Esc close: forwards keep running until stopped or mosaic quits ",
        theme,
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The text padded to the width, so a highlighted row spans the pane.
fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}
