//! A container's log as a stream of lines: `Api::<Pod>::log_stream`, read line by line, cleaned for the
//! terminal, and reported in batches (whatever has already arrived goes in one message, so the first screen of a
//! tail is one update, and a quiet follow sends each line as it comes).
use std::io;

use futures::io::{AsyncBufRead, AsyncBufReadExt};
use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::errors::Failure;

/// The longest line kept, in bytes: the rest is cut, so one runaway line cannot take the memory.
pub const MAX_LINE_BYTES: usize = 4096;
/// The most lines in one batch.
const BATCH_LINES: usize = 1024;

/// Which log to read, with kube's parameters (container, previous, follow, tailLines, timestamps).
#[derive(Debug, Clone)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    pub params: LogParams,
}

/// What a log stream reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogUpdate {
    /// The server accepted the request; lines follow.
    Opened,
    /// Lines in order, without their newline, cleaned of terminal escapes and control characters.
    Lines(Vec<String>),
    /// The server closed the stream: a snapshot was read to its end, or a followed container stopped.
    Ended,
    /// The stream broke after it had opened; the words say why.
    Lost(String),
    /// The server (or the permission check before it) would not open the log. `forbidden` when it was RBAC.
    Refused { message: String, forbidden: bool },
    /// What is done about Secret values in this log: which are masked, or why they cannot be.
    Masking(String),
}

/// Read the log until it ends, breaks, or `send` returns false (nobody listens any more).
pub async fn stream<F>(api: &Api<Pod>, target: &LogTarget, mut send: F)
where
    F: FnMut(LogUpdate) -> bool,
{
    let reader = match api.log_stream(&target.pod, &target.params).await {
        Ok(reader) => reader,
        Err(err) => {
            let failure = Failure::from_kube(&err);
            let forbidden = matches!(failure, Failure::Forbidden(_));
            send(LogUpdate::Refused { message: refused_words(&failure, target), forbidden });
            return;
        }
    };
    if !send(LogUpdate::Opened) {
        return;
    }
    let batches = lines(Box::pin(reader)).ready_chunks(BATCH_LINES);
    futures::pin_mut!(batches);
    while let Some(batch) = batches.next().await {
        let mut good = Vec::with_capacity(batch.len());
        let mut broke = None;
        for item in batch {
            match item {
                Ok(line) => good.push(line),
                Err(err) => {
                    broke = Some(err);
                    break;
                }
            }
        }
        if !good.is_empty() && !send(LogUpdate::Lines(good)) {
            return;
        }
        if let Some(err) = broke {
            send(LogUpdate::Lost(format!("the connection to the API server broke ({err})")));
            return;
        }
    }
    send(LogUpdate::Ended);
}

/// Why the server would not open the log, in words. Its own message is kept: it is precise
/// (`container "x" in pod "y" is waiting to start: ContainerCreating`).
fn refused_words(failure: &Failure, target: &LogTarget) -> String {
    let pod = &target.pod;
    match failure {
        // The kubelet's and API server's checks: a container not started, no previous instance, no such container.
        Failure::Api { code: 400, message } => message.clone(),
        Failure::NotFound(message) => format!("Pod {pod} was not found in {} ({message})", target.namespace),
        Failure::Api { code: 500, message } if message.contains(":10250") => {
            format!("The API server could not reach the kubelet of pod {pod}'s node to read its log: {message}")
        }
        Failure::Connection(cause) => format!("Could not reach the API server to read the log ({cause})"),
        other => other.summary(),
    }
}

/// The lines of a log body, each cut to [`MAX_LINE_BYTES`] and cleaned.
fn lines<R>(reader: R) -> impl Stream<Item = io::Result<String>>
where
    R: AsyncBufRead + Unpin,
{
    futures::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        match next_line(&mut reader).await {
            Ok(Some(line)) => Some((Ok(line), Some(reader))),
            Ok(None) => None,
            Err(err) => Some((Err(err), None)),
        }
    })
}

/// One line, reading no more than [`MAX_LINE_BYTES`] of it into memory; `None` at the end of the body.
async fn next_line<R>(reader: &mut R) -> io::Result<Option<String>>
where
    R: AsyncBufRead + Unpin,
{
    let mut kept = Vec::new();
    let mut cut = 0usize;
    let mut read_any = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(read_any.then(|| clean(&kept, cut)));
        }
        read_any = true;
        // The line's bytes in this chunk, without its newline; and how much of the chunk they use up.
        let (content, used, done) = match available.iter().position(|b| *b == b'\n') {
            Some(newline) => (newline, newline + 1, true),
            None => (available.len(), available.len(), false),
        };
        let take = content.min(MAX_LINE_BYTES.saturating_sub(kept.len()));
        kept.extend_from_slice(&available[..take]);
        cut += content - take;
        reader.consume_unpin(used);
        if done {
            return Ok(Some(clean(&kept, cut)));
        }
    }
}

fn clean(bytes: &[u8], cut: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut line = sanitize(text.trim_end_matches('\r'));
    if cut > 0 {
        line.push_str(&format!(" … ({cut} more bytes cut)"));
    }
    line
}

/// A log line as plain text a terminal cell can hold: colour and other escape sequences removed, tabs expanded
/// to the next multiple of eight columns, other control characters dropped.
pub fn sanitize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut column = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates up to a final byte in @..~ (`ESC [ 31 m`).
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC (titles, hyperlinks): up to BEL or `ESC \`.
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                // Any other escape is two characters long.
                _ => {}
            },
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_removed_and_tabs_expanded() {
        assert_eq!(sanitize("\u{1b}[31mERROR\u{1b}[0m boom"), "ERROR boom");
        assert_eq!(sanitize("\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{1b}\\ done"), "link done");
        assert_eq!(sanitize("a\tb"), "a       b");
        assert_eq!(sanitize("12345678\tx"), "12345678        x");
        assert_eq!(sanitize("bell\u{7} and\u{8} back"), "bell and back");
        assert_eq!(sanitize("été 字"), "été 字");
    }

    async fn read_all(body: &[u8]) -> Vec<String> {
        let reader = futures::io::BufReader::with_capacity(7, body);
        lines(reader).map(|l| l.expect("reads")).collect().await
    }

    #[tokio::test]
    async fn lines_are_split_cleaned_and_cut() {
        assert_eq!(read_all(b"one\r\ntwo\n\nlast without newline").await, ["one", "two", "", "last without newline"]);
        assert!(read_all(b"").await.is_empty());
        let long = format!("{}\nnext\n", "x".repeat(MAX_LINE_BYTES + 100));
        let got = read_all(long.as_bytes()).await;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], format!("{} … (100 more bytes cut)", "x".repeat(MAX_LINE_BYTES)));
        assert_eq!(got[1], "next");
        assert_eq!(read_all(b"caf\xc3\xa9 \xff!\n").await, ["café \u{fffd}!"]);
    }
}
