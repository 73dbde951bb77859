//! How the wizard pane lays out its three kinds of text, so that what it shows can be read and copied:
//!
//! - prose wraps between words; a word longer than a row (a URL) gets a row of its own, whole, and is cut
//!   with `…` only when it is longer than the pane;
//! - a one-line command breaks between its shell words with ` \` at the end of each row, so the rows pasted
//!   into a shell are the same command; only a word wider than a row is broken (`c` copies it whole);
//! - a multi-line command (a heredoc with a NetworkPolicy) is a preformatted block: its own lines, their
//!   indentation kept, exactly the text `c` copies.
use unicode_width::UnicodeWidthStr;

use super::cut::end as cut;
use crate::action::wrap::wrap_command;

/// Word-wrapped to `width` columns: the first row starts with `first`, the others with `rest`.
pub fn prose(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut row = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if row.width() + usize::from(!empty) + word.width() <= width {
            if !empty {
                row.push(' ');
            }
            row.push_str(word);
            empty = false;
            continue;
        }
        if !empty {
            rows.push(std::mem::replace(&mut row, rest.to_string()));
        }
        // Alone on its row now: whole when it fits, else cut.
        let room = width.saturating_sub(row.width());
        row.push_str(&cut(word, room));
        empty = false;
    }
    rows.push(row);
    rows
}

/// `$ command`, laid out to `width` columns under `indent`: a heredoc as its own lines, a one-line command
/// broken between shell words with ` \` continuations (as the game plan pane does).
pub fn command(cmd: &str, width: usize, indent: &str) -> Vec<String> {
    if cmd.contains('\n') {
        return preformatted(cmd, width, indent);
    }
    wrap_command(&format!("$ {cmd}"), width.saturating_sub(indent.width()), 4)
        .into_iter()
        .map(|row| format!("{indent}{row}"))
        .collect()
}

/// The command's lines as they are, the first after `$ `, the others under it; a line wider than the pane is
/// cut with `…`.
fn preformatted(cmd: &str, width: usize, indent: &str) -> Vec<String> {
    cmd.lines()
        .enumerate()
        .map(|(i, line)| {
            let prefix = if i == 0 { format!("{indent}$ ") } else { format!("{indent}  ") };
            let room = width.saturating_sub(prefix.width());
            format!("{prefix}{}", cut(line, room))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_breaks_between_words_and_indents_continuations() {
        let rows = prose("the quick brown fox jumps over the lazy dog", 16, "  ", "    ");
        assert_eq!(rows, ["  the quick", "    brown fox", "    jumps over", "    the lazy dog"]);
        assert_eq!(prose("", 10, "  ", ""), ["  "]);
    }

    #[test]
    fn a_url_gets_a_row_of_its_own_whole_and_is_cut_only_when_longer_than_the_pane() {
        let url = "https://kubernetes.io/docs/concepts/services-networking/network-policies/";
        let rows = prose(&format!("Docs: {url}"), 78, " ", " ");
        assert_eq!(rows, [" Docs:".to_string(), format!(" {url}")]);
        let rows = prose(&format!("Docs: {url}"), 40, " ", " ");
        assert_eq!(rows, [" Docs:", " https://kubernetes.io/docs/concepts/se…"]);
        assert!(rows.iter().all(|r| r.width() <= 40), "{rows:?}");
    }

    #[test]
    fn a_command_breaks_between_shell_words_with_continuations() {
        let cmd = r#"kubectl --context sim-admin -n shop patch service payments-api -p '{"spec":{"selector":{"app":"payments-api","tier":null}}}'"#;
        let rows = command(cmd, 77, "   ");
        assert_eq!(
            rows,
            [
                "   $ kubectl --context sim-admin -n shop patch service payments-api \\",
                r#"       -p '{"spec":{"selector":{"app":"payments-api","tier":null}}}'"#,
            ]
        );
        // A flag stays with its value; the rows, continuations joined as a shell joins them, are the command.
        let joined = rows.iter().map(|r| r.trim().trim_start_matches("$ ").trim_end_matches(" \\")).collect::<Vec<_>>();
        assert_eq!(joined.join(" "), cmd);
        // A single word longer than the row is broken where the row ends, without ` \` (it is one word).
        let rows = command("curl http://a-very-long-service-name.namespace.svc.cluster.local:8080/", 30, "");
        assert_eq!(
            rows,
            ["$ curl \\", "    http://a-very-long-service", "    -name.namespace.svc.cluste", "    r.local:8080/"]
        );
    }

    #[test]
    fn a_heredoc_is_a_preformatted_block() {
        let cmd = "kubectl apply -f - <<'EOF'\nspec:\n  podSelector:\n    matchLabels: {}\nEOF";
        assert_eq!(
            command(cmd, 40, " "),
            [" $ kubectl apply -f - <<'EOF'", "   spec:", "     podSelector:", "       matchLabels: {}", "   EOF"]
        );
    }
}
