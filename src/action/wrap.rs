//! A shell command wrapped to a width the way people write long commands: broken between shell words, each
//! line but the last ending in ` \`, the next ones indented. Pasted, the wrapped text runs the same argv as
//! the one line, since a shell reads an unquoted `\`-newline as nothing.

/// `command` as lines of at most `width` characters (continuation lines begin with `indent` spaces). A word
/// wider than a line alone is the only thing ever broken inside, and without ` \`, which would change it.
pub fn wrap_command(command: &str, width: usize, indent: usize) -> Vec<String> {
    if command.chars().count() <= width {
        return vec![command.to_string()];
    }
    let indent = " ".repeat(indent.min(width / 2));
    let mut units: std::collections::VecDeque<String> = units(shell_words_raw(command)).into();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    while let Some(unit) = units.pop_front() {
        let last = units.is_empty();
        // Room for the ` \` that ends the line unless this is the command's last word.
        let room = if last { width } else { width.saturating_sub(2) };
        let start = line.is_empty() || line == indent;
        let candidate = if start { format!("{line}{unit}") } else { format!("{line} {unit}") };
        if candidate.chars().count() <= room {
            line = candidate;
            continue;
        }
        // A flag and its value too wide for a line of their own are placed as two words.
        if indent.len() + unit.chars().count() > room
            && let Some((flag, value)) = unit.split_once(' ')
        {
            units.push_front(value.to_string());
            units.push_front(flag.to_string());
            continue;
        }
        if !start {
            lines.push(format!("{line} \\"));
            line = indent.clone();
        }
        // A word too wide for any line: broken where the line ends, marked by nothing (it is one word).
        let mut rest: &str = &unit;
        while line.chars().count() + rest.chars().count() > room {
            let take = room.saturating_sub(line.chars().count()).max(1);
            let cut = rest.char_indices().nth(take).map_or(rest.len(), |(at, _)| at);
            lines.push(format!("{line}{}", &rest[..cut]));
            rest = &rest[cut..];
            line = indent.clone();
        }
        line.push_str(rest);
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

/// Words kept on one line where they can be: a flag and its value (`-n shop`, `--context prod`, `-- sh`).
fn units(words: Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut words = words.into_iter().peekable();
    while let Some(word) = words.next() {
        let flag = word.starts_with('-') && !word.contains('=');
        match words.peek() {
            Some(value) if flag && !value.starts_with('-') => {
                out.push(format!("{word} {}", words.next().unwrap_or_default()))
            }
            _ => out.push(word.to_string()),
        }
    }
    out
}

/// The words of a command line as written, quotes kept: `a 'b c' "d\"e" f\ g` → `a`, `'b c'`, `"d\"e"`, `f\ g`.
fn shell_words_raw(command: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut quote, mut escaped) = (None::<usize>, None::<char>, false);
    for (at, c) in command.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('"'), '\\') | (None, '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    words.push(&command[s..at]);
                }
                continue;
            }
            _ => {}
        }
        start.get_or_insert(at);
    }
    if let Some(s) = start {
        words.push(&command[s..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a shell reads from the wrapped lines: ` \`-newline removed.
    fn joined(lines: &[String]) -> String {
        lines.join("\n").replace(" \\\n", " ")
    }

    #[test]
    fn a_short_command_is_one_line() {
        assert_eq!(wrap_command("kubectl get pods", 20, 4), ["kubectl get pods"]);
    }

    #[test]
    fn long_commands_break_between_words_never_inside_quotes() {
        let command = "kubectl --context sim-admin -n shop run probe --image=busybox:1.36 -- sh -c 'wget -qO- http://web:80/ && echo ok'";
        let lines = wrap_command(command, 48, 4);
        assert!(lines.iter().all(|l| l.chars().count() <= 48), "{lines:#?}");
        assert!(lines[..lines.len() - 1].iter().all(|l| l.ends_with(" \\")), "{lines:#?}");
        assert!(lines[1..].iter().all(|l| l.starts_with("    ") && !l.starts_with("     ")), "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("'wget -qO- http://web:80/ && echo ok'")), "{lines:#?}");
        let argv = shell_words::split(&joined(&lines)).expect("parses");
        assert_eq!(argv, shell_words::split(command).expect("parses"));
    }

    #[test]
    fn a_flag_stays_with_its_value() {
        let lines = wrap_command("kubectl -n acme get pod orders-d88d6dc55-rp9zx -o yaml", 40, 4);
        assert_eq!(lines, ["kubectl -n acme get pod \\", "    orders-d88d6dc55-rp9zx -o yaml"]);
    }

    #[test]
    fn raw_words_keep_their_quotes() {
        let words = shell_words_raw(r#"a  'b c' "d\"e f" g\ h 'i'"j k""#);
        assert_eq!(words, ["a", "'b c'", r#""d\"e f""#, r"g\ h", r#"'i'"j k""#]);
    }

    #[test]
    fn a_word_wider_than_the_line_is_the_only_thing_broken_inside() {
        let lines = wrap_command("kubectl describe pod aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 16, 2);
        assert_eq!(lines, ["kubectl \\", "  describe pod \\", "  aaaaaaaaaaaaaa", "  aaaaaaaaaaaaaa", "  aa"]);
    }
}
