//! The terminal side of an interactive session: a minimal line discipline (echo, backspace, Ctrl-C, Ctrl-D,
//! Ctrl-U, Enter as CR, LF or CRLF; arrow keys and other escape sequences are swallowed), and the output
//! translation a terminal applies (`\n` becomes `\r\n`).

/// What typing produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Bytes to echo back to the terminal.
    Echo(Vec<u8>),
    /// Enter was pressed: the line to run.
    Line(String),
    /// Ctrl-C: the line is dropped.
    Interrupt,
    /// Ctrl-D on an empty line.
    EndOfFile,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
enum Escape {
    #[default]
    None,
    /// After ESC.
    Started,
    /// Inside `ESC [ …` or `ESC O …`, until the final byte.
    Sequence,
}

/// The longest line a terminal takes; further typing is ignored, as a full line buffer would.
const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Default)]
pub struct LineEditor {
    line: Vec<u8>,
    after_cr: bool,
    escape: Escape,
}

impl LineEditor {
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut echo = Vec::new();
        let flush = |events: &mut Vec<Event>, echo: &mut Vec<u8>| {
            if !echo.is_empty() {
                events.push(Event::Echo(std::mem::take(echo)));
            }
        };
        for &b in bytes {
            match self.escape {
                Escape::Started => {
                    self.escape = if matches!(b, b'[' | b'O') { Escape::Sequence } else { Escape::None };
                    continue;
                }
                Escape::Sequence => {
                    if (0x40..=0x7e).contains(&b) {
                        self.escape = Escape::None;
                    }
                    continue;
                }
                Escape::None => {}
            }
            let after_cr = std::mem::take(&mut self.after_cr);
            match b {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    echo.extend_from_slice(b"\r\n");
                    flush(&mut events, &mut echo);
                    events.push(Event::Line(String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned()));
                }
                0x7f | 0x08 => {
                    if self.pop_char() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x15 => {
                    while self.pop_char() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x03 => {
                    self.line.clear();
                    flush(&mut events, &mut echo);
                    events.push(Event::Interrupt);
                }
                0x04 if self.line.is_empty() => {
                    flush(&mut events, &mut echo);
                    events.push(Event::EndOfFile);
                }
                0x1b => self.escape = Escape::Started,
                b if b < 0x20 || self.line.len() >= MAX_LINE => {}
                b => {
                    self.line.push(b);
                    echo.push(b);
                }
            }
        }
        flush(&mut events, &mut echo);
        events
    }

    /// Remove the last character (all of its UTF-8 bytes); false when the line is empty.
    fn pop_char(&mut self) -> bool {
        while let Some(b) = self.line.pop() {
            if b & 0xc0 != 0x80 {
                return true;
            }
        }
        false
    }
}

/// What a terminal shows for a program's output: every lone `\n` becomes `\r\n`.
pub fn to_terminal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    let mut previous = 0u8;
    for &b in bytes {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_echoes_and_enter_gives_the_line() {
        let mut editor = LineEditor::default();
        assert_eq!(
            editor.feed(b"echo hi\r\n"),
            vec![Event::Echo(b"echo hi\r\n".to_vec()), Event::Line("echo hi".into())]
        );
        assert_eq!(editor.feed(b"ls\n"), vec![Event::Echo(b"ls\r\n".to_vec()), Event::Line("ls".into())]);
    }

    #[test]
    fn editing_keys() {
        let mut editor = LineEditor::default();
        let events = editor.feed("lx\u{7f}s é\u{7f}\x1b[A\r".as_bytes());
        assert_eq!(events.last(), Some(&Event::Line("ls ".into())));
        assert_eq!(editor.feed(b"abc\x03"), vec![Event::Echo(b"abc".to_vec()), Event::Interrupt]);
        assert_eq!(editor.feed(b"\x04"), vec![Event::EndOfFile]);
        assert_eq!(editor.feed(b"x\x04"), vec![Event::Echo(b"x".to_vec())], "Ctrl-D only ends an empty line");
    }

    #[test]
    fn output_gets_carriage_returns() {
        assert_eq!(to_terminal(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n".to_vec());
    }
}
