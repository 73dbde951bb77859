//! Cutting text to a column. Names are cut in the middle, since the end of a generated name
//! (`-5676797f77-x2k4p`) is what tells two replicas apart; other text at its end, or between words.

/// `text` in at most `width` characters: whole when it fits, else its start, `…` and its end.
pub fn middle(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    // The last `-segment` whole when it takes at most half (`-x2k4p`), so the start keeps more of the name.
    let last = text.chars().rev().position(|c| c == '-').map(|at| at + 1);
    let tail = last.filter(|&n| n <= keep / 2).unwrap_or(keep.div_ceil(2));
    let head: String = text.chars().take(keep - tail).collect();
    let end: String = text.chars().skip(len - tail).collect();
    if width == 0 { String::new() } else { format!("{head}…{end}") }
}

/// `text` in at most `width` columns: whole when it fits, else its start and `…`.
pub fn end(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// `text` in at most `width` characters: whole when it fits, else the words that fit and `…`.
pub fn words(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let first = wrap_words(text, width.saturating_sub(1)).into_iter().next().unwrap_or_default();
    format!("{}…", first.trim_end_matches([',', ';', ':', ' ']))
}

/// `text` in lines of at most `width` characters, broken between words; a word longer than a line is cut.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let used = line.chars().count();
        if used > 0 && used + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let rest: String = line.chars().skip(width).collect();
            lines.push(line.chars().take(width).collect());
            line = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_name_keeps_its_end_so_replicas_stay_apart() {
        assert_eq!(middle("inventory-5676797f77-x2k4p", 22), "inventory-56767…-x2k4p");
        assert_eq!(middle("payments/charge-worker-queue", 15), "payments…-queue");
        assert_ne!(middle("inventory-5676797f77-x2k4p", 22), middle("inventory-5676797f77-q8zrt", 22));
        assert_eq!(middle("redis-0", 22), "redis-0");
        assert_eq!(middle("abcdef", 1), "…");
        assert_eq!(middle("abcdef", 0), "");
    }

    #[test]
    fn words_wrap_whole() {
        assert_eq!(words("Switch namespace: :ns NAME, :ns all", 24), "Switch namespace: :ns…");
        assert_eq!(words("short", 24), "short");
        assert_eq!(
            wrap_words("Copy the game plan's command (OSC 52)", 16),
            ["Copy the game", "plan's command", "(OSC 52)"]
        );
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), [""]);
    }
}
