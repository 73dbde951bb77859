//! Cutting names to a column: in the middle, since the end of a generated name (`-5676797f77-x2k4p`) is what
//! tells two replicas apart.

/// `text` in at most `width` characters: whole when it fits, else its start, `…` and its end.
pub fn middle(text: &str, width: usize) -> String {
    let len = text.chars().count();
    if len <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    let tail = keep.div_ceil(2);
    let head: String = text.chars().take(keep - tail).collect();
    let end: String = text.chars().skip(len - tail).collect();
    if width == 0 { String::new() } else { format!("{head}…{end}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_name_keeps_its_end_so_replicas_stay_apart() {
        assert_eq!(middle("inventory-5676797f77-x2k4p", 22), "inventory-…97f77-x2k4p");
        assert_ne!(middle("inventory-5676797f77-x2k4p", 22), middle("inventory-5676797f77-q8zrt", 22));
        assert_eq!(middle("redis-0", 22), "redis-0");
        assert_eq!(middle("abcdef", 1), "…");
        assert_eq!(middle("abcdef", 0), "");
    }
}
