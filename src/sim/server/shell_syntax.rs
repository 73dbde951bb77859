//! The simulated shell's syntax: words with quoting and `$VAR`, `${VAR}`, `$?`, `$(…)` and backquotes
//! (expanded later, when the command runs, so `false; echo $?` sees the right status), the operators `;`,
//! `&&`, `||`, `|`, `&` (run in the foreground here), redirections, and comments.

/// A piece of a word, before expansion.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Unquoted text.
    Text(String),
    /// Quoted text: kept as one field even when empty.
    Quoted(String),
    Var {
        name: String,
        quoted: bool,
    },
    Subst {
        script: String,
        quoted: bool,
    },
}

pub type Word = Vec<Part>;

/// Where a redirection sends a stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    File(Word),
    /// `2>&1`
    Fd(u8),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Redirect {
    /// 0 for `<`, 1 for `>`, 2 for `2>`.
    pub fd: u8,
    pub append: bool,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(Word),
    Redirect(Redirect),
    Semi,
    And,
    Or,
    Pipe,
}

/// One command: its words (assignments first) and redirections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Command {
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

/// How a pipeline joins the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joiner {
    Always,
    IfSucceeded,
    IfFailed,
}

pub type Pipeline = Vec<Command>;

/// A parsed script: pipelines and how each joins the previous one.
pub type Script = Vec<(Joiner, Pipeline)>;

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    tokens: Vec<Token>,
    word: Word,
    in_word: bool,
}

fn push_text(word: &mut Word, c: char, quoted: bool) {
    match (word.last_mut(), quoted) {
        (Some(Part::Text(s)), false) | (Some(Part::Quoted(s)), true) => s.push(c),
        _ => word.push(if quoted { Part::Quoted(c.to_string()) } else { Part::Text(c.to_string()) }),
    }
}

impl Lexer<'_> {
    fn end_word(&mut self) {
        if self.in_word {
            self.tokens.push(Token::Word(std::mem::take(&mut self.word)));
            self.in_word = false;
        }
    }

    fn text(&mut self, c: char, quoted: bool) {
        self.in_word = true;
        push_text(&mut self.word, c, quoted);
    }

    /// After a `$`: a variable, a command substitution, or a plain dollar sign.
    fn dollar(&mut self, quoted: bool) -> Result<(), String> {
        self.in_word = true;
        match self.chars.peek().copied() {
            Some('(') => {
                self.chars.next();
                let script = self.until_close_paren()?;
                self.word.push(Part::Subst { script, quoted });
            }
            Some('{') => {
                self.chars.next();
                let mut name = String::new();
                loop {
                    match self.chars.next() {
                        Some('}') => break,
                        Some(c) => name.push(c),
                        None => return Err("syntax error: missing '}'".into()),
                    }
                }
                self.word.push(Part::Var { name, quoted });
            }
            Some(c @ ('?' | '$' | '#' | '0'..='9')) => {
                self.chars.next();
                self.word.push(Part::Var { name: c.to_string(), quoted });
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let mut name = String::new();
                while let Some(&c) = self.chars.peek().filter(|c| c.is_ascii_alphanumeric() || **c == '_') {
                    name.push(c);
                    self.chars.next();
                }
                self.word.push(Part::Var { name, quoted });
            }
            _ => push_text(&mut self.word, '$', quoted),
        }
        Ok(())
    }

    fn until_close_paren(&mut self) -> Result<String, String> {
        let (mut depth, mut script, mut quote) = (1, String::new(), None);
        for c in self.chars.by_ref() {
            match (quote, c) {
                (None, '\'' | '"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(script);
                    }
                }
                _ => {}
            }
            script.push(c);
        }
        Err("syntax error: unterminated $(".into())
    }

    fn double_quoted(&mut self) -> Result<(), String> {
        self.in_word = true;
        if !matches!(self.word.last(), Some(Part::Quoted(_))) {
            self.word.push(Part::Quoted(String::new()));
        }
        loop {
            match self.chars.next() {
                None => return Err("syntax error: unterminated quoted string".into()),
                Some('"') => return Ok(()),
                Some('\\') => match self.chars.next() {
                    Some(c @ ('"' | '\\' | '$' | '`')) => push_text(&mut self.word, c, true),
                    Some('\n') => {}
                    Some(c) => {
                        push_text(&mut self.word, '\\', true);
                        push_text(&mut self.word, c, true);
                    }
                    None => return Err("syntax error: unterminated quoted string".into()),
                },
                Some('$') => self.dollar(true)?,
                Some('`') => self.backquote(true)?,
                Some(c) => push_text(&mut self.word, c, true),
            }
        }
    }

    fn backquote(&mut self, quoted: bool) -> Result<(), String> {
        self.in_word = true;
        let mut script = String::new();
        loop {
            match self.chars.next() {
                Some('`') => break,
                Some(c) => script.push(c),
                None => return Err("syntax error: unterminated `".into()),
            }
        }
        self.word.push(Part::Subst { script, quoted });
        Ok(())
    }

    /// `>`, `>>`, `<`, `>&2`, with an optional file descriptor already in the word (`2>`).
    fn redirect(&mut self, first: char) -> Result<(), String> {
        let fd = match (first, self.word.as_slice()) {
            ('<', _) => 0,
            (_, [Part::Text(digits)]) if self.in_word && digits.len() == 1 && digits.as_bytes()[0].is_ascii_digit() => {
                let fd = digits.as_bytes()[0] - b'0';
                self.word.clear();
                self.in_word = false;
                fd
            }
            _ => {
                self.end_word();
                1
            }
        };
        let append = first == '>' && self.chars.next_if_eq(&'>').is_some();
        if self.chars.next_if_eq(&'&').is_some() {
            let target = self.chars.next().and_then(|c| c.to_digit(10)).ok_or("syntax error: bad fd number")?;
            self.tokens.push(Token::Redirect(Redirect { fd, append, target: Target::Fd(target as u8) }));
            return Ok(());
        }
        let word = self.target_word()?;
        self.tokens.push(Token::Redirect(Redirect { fd, append, target: Target::File(word) }));
        Ok(())
    }

    /// The word after a redirection operator (the current word is empty there).
    fn target_word(&mut self) -> Result<Word, String> {
        while self.chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        while let Some(&c) = self.chars.peek() {
            if matches!(c, ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '<' | '>') {
                break;
            }
            self.chars.next();
            self.char(c)?;
        }
        if !self.in_word {
            return Err("syntax error: unexpected newline".into());
        }
        self.in_word = false;
        Ok(std::mem::take(&mut self.word))
    }

    /// A character that is part of a word.
    fn char(&mut self, c: char) -> Result<(), String> {
        match c {
            '\'' => {
                self.in_word = true;
                if !matches!(self.word.last(), Some(Part::Quoted(_))) {
                    self.word.push(Part::Quoted(String::new()));
                }
                loop {
                    match self.chars.next() {
                        Some('\'') => break,
                        Some(c) => push_text(&mut self.word, c, true),
                        None => return Err("syntax error: unterminated quoted string".into()),
                    }
                }
            }
            '"' => self.double_quoted()?,
            '\\' => match self.chars.next() {
                Some('\n') | None => {}
                Some(c) => {
                    self.in_word = true;
                    push_text(&mut self.word, c, true);
                }
            },
            '$' => self.dollar(false)?,
            '`' => self.backquote(false)?,
            c => self.text(c, false),
        }
        Ok(())
    }

    fn run(mut self) -> Result<Vec<Token>, String> {
        while let Some(c) = self.chars.next() {
            match c {
                ' ' | '\t' | '\r' => self.end_word(),
                '\n' | ';' => {
                    self.end_word();
                    self.tokens.push(Token::Semi);
                }
                '#' if !self.in_word => while self.chars.next_if(|c| *c != '\n').is_some() {},
                '&' => {
                    self.end_word();
                    if self.chars.next_if_eq(&'&').is_some() {
                        self.tokens.push(Token::And);
                    } else if self.chars.next_if_eq(&'>').is_some() {
                        // `&>file`: both streams to the file.
                        self.chars.next_if_eq(&'>');
                        let word = self.target_word()?;
                        self.tokens.push(Token::Redirect(Redirect {
                            fd: 1,
                            append: false,
                            target: Target::File(word),
                        }));
                        self.tokens.push(Token::Redirect(Redirect { fd: 2, append: false, target: Target::Fd(1) }));
                    } else {
                        // Background jobs run in the foreground: the simulated commands return at once.
                        self.tokens.push(Token::Semi);
                    }
                }
                '|' => {
                    self.end_word();
                    self.tokens.push(if self.chars.next_if_eq(&'|').is_some() { Token::Or } else { Token::Pipe });
                }
                '>' | '<' => self.redirect(c)?,
                c => self.char(c)?,
            }
        }
        self.end_word();
        Ok(self.tokens)
    }
}

fn operator_name(token: &Token) -> &'static str {
    match token {
        Token::Semi => ";",
        Token::And => "&&",
        Token::Or => "||",
        Token::Pipe => "|",
        Token::Word(_) | Token::Redirect(_) => "word",
    }
}

/// Parse a script; the error is the shell's message (`syntax error: …`).
pub fn parse(text: &str) -> Result<Script, String> {
    let tokens =
        Lexer { chars: text.chars().peekable(), tokens: Vec::new(), word: Vec::new(), in_word: false }.run()?;
    let mut script: Script = Vec::new();
    let mut pipeline: Pipeline = Vec::new();
    let mut command = Command::default();
    let mut joiner = Joiner::Always;
    for token in tokens {
        match token {
            Token::Word(word) => command.words.push(word),
            Token::Redirect(redirect) => command.redirects.push(redirect),
            Token::Pipe | Token::And | Token::Or | Token::Semi => {
                let empty_command = command.words.is_empty() && command.redirects.is_empty();
                if empty_command {
                    // `;` after nothing is fine (`a;;` is not, but that is rare enough to allow); the others are not.
                    if token != Token::Semi || !pipeline.is_empty() {
                        return Err(format!("syntax error: unexpected \"{}\"", operator_name(&token)));
                    }
                    continue;
                }
                pipeline.push(std::mem::take(&mut command));
                if token == Token::Pipe {
                    continue;
                }
                script.push((joiner, std::mem::take(&mut pipeline)));
                joiner = match token {
                    Token::And => Joiner::IfSucceeded,
                    Token::Or => Joiner::IfFailed,
                    _ => Joiner::Always,
                };
            }
        }
    }
    if command.words.is_empty() && command.redirects.is_empty() {
        if !pipeline.is_empty() || joiner != Joiner::Always {
            return Err("syntax error: unexpected end of file".into());
        }
    } else {
        pipeline.push(command);
        script.push((joiner, pipeline));
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Word {
        vec![Part::Text(s.into())]
    }

    fn words(script: &Script) -> Vec<Vec<Word>> {
        script.iter().flat_map(|(_, p)| p.iter().map(|c| c.words.clone())).collect()
    }

    #[test]
    fn operators_split_pipelines() {
        let script = parse("echo a; false && echo b || echo c | wc -l").expect("parses");
        let joiners: Vec<Joiner> = script.iter().map(|(j, _)| *j).collect();
        assert_eq!(joiners, vec![Joiner::Always, Joiner::Always, Joiner::IfSucceeded, Joiner::IfFailed]);
        assert_eq!(script[3].1.len(), 2, "a pipe joins two commands");
        assert_eq!(words(&script)[0], vec![text("echo"), text("a")]);
    }

    #[test]
    fn quotes_and_variables() {
        let script = parse(r#"echo 'a b' "x $HOME ${USER}y" \$z $(hostname) '' "#).expect("parses");
        let w = &words(&script)[0];
        assert_eq!(w[1], vec![Part::Quoted("a b".into())]);
        assert_eq!(
            w[2],
            vec![
                Part::Quoted("x ".into()),
                Part::Var { name: "HOME".into(), quoted: true },
                Part::Quoted(" ".into()),
                Part::Var { name: "USER".into(), quoted: true },
                Part::Quoted("y".into()),
            ]
        );
        assert_eq!(w[3], vec![Part::Quoted("$".into()), Part::Text("z".into())]);
        assert_eq!(w[4], vec![Part::Subst { script: "hostname".into(), quoted: false }]);
        assert_eq!(w[5], vec![Part::Quoted(String::new())]);
    }

    #[test]
    fn redirections() {
        let script = parse("curl -s x >/dev/null 2>&1; cat < in >> out").expect("parses");
        let first = &script[0].1[0];
        assert_eq!(first.words.len(), 3);
        assert_eq!(
            first.redirects,
            vec![
                Redirect { fd: 1, append: false, target: Target::File(text("/dev/null")) },
                Redirect { fd: 2, append: false, target: Target::Fd(1) },
            ]
        );
        let second = &script[1].1[0];
        assert_eq!(second.redirects[0], Redirect { fd: 0, append: false, target: Target::File(text("in")) });
        assert_eq!(second.redirects[1], Redirect { fd: 1, append: true, target: Target::File(text("out")) });
    }

    #[test]
    fn syntax_errors_and_comments() {
        assert!(parse("echo 'open").is_err());
        assert_eq!(parse("&& ls"), Err("syntax error: unexpected \"&&\"".into()));
        assert!(parse("ls |").is_err());
        assert_eq!(parse("  # nothing here").map(|s| s.len()), Ok(0));
        assert_eq!(parse("echo a # b").map(|s| words(&s)[0].len()), Ok(2));
        assert_eq!(parse("").map(|s| s.len()), Ok(0));
    }
}
