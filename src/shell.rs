//! An interactive shell in a container. [`pump`] is the part that does not care what the terminal is: bytes
//! typed go to the shell's stdin, what the shell prints goes out, and terminal sizes go to its tty, until the
//! shell exits. [`terminal`] lends it the real terminal: it suspends the TUI, wires the raw keyboard and the
//! screen to the pump, and gives the terminal back.
pub mod terminal;

use std::time::Duration;

use futures::{SinkExt, Stream, StreamExt};
use kube::api::{AttachedProcess, TerminalSize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::action::Exit;
use crate::analysis::secret_values::StreamMasker;

/// How long to wait for the exit status once the shell's output has ended.
const STATUS_WAIT: Duration = Duration::from_secs(2);
/// How long output that may begin a Secret value waits for the rest before it is shown as it is.
const HOLD_WAIT: Duration = Duration::from_millis(150);

/// Drive an attached tty process until its output ends (the shell exited, or the connection closed): `input`
/// to its stdin, its stdout to `output` (flushed as it comes, so prompts show), every size of `sizes` to its
/// tty (send the current size first). Typing and resizing stop when the output ends; how the shell ended comes
/// from the exit status the server sends.
pub async fn pump(
    process: AttachedProcess,
    input: impl AsyncRead + Unpin,
    output: impl AsyncWrite + Unpin,
    sizes: impl Stream<Item = TerminalSize> + Unpin,
) -> Exit {
    pump_masked(process, input, output, sizes, StreamMasker::default()).await
}

/// [`pump`], with the shell's output masked by `masker` on its way to `output`: the end of a chunk that may
/// begin a Secret value waits for the next chunk, or [`HOLD_WAIT`] when the shell says nothing more.
pub async fn pump_masked(
    mut process: AttachedProcess,
    mut input: impl AsyncRead + Unpin,
    mut output: impl AsyncWrite + Unpin,
    mut sizes: impl Stream<Item = TerminalSize> + Unpin,
    mut masker: StreamMasker,
) -> Exit {
    let Some(mut stdout) = process.stdout() else {
        return Exit { code: None, message: Some("the shell has no output stream".into()) };
    };
    let stdin = process.stdin();
    let resize = process.terminal_size();
    let status = process.take_status();

    let from_shell = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let read = if masker.holding() {
                tokio::time::timeout(HOLD_WAIT, stdout.read(&mut buf)).await.ok()
            } else {
                Some(stdout.read(&mut buf).await)
            };
            let shown = match read {
                // The shell paused on what may begin a value: show it as it is.
                None => masker.flush(),
                Some(Ok(0) | Err(_)) => {
                    let _ = output.write_all(&masker.flush()).await;
                    let _ = output.flush().await;
                    break;
                }
                Some(Ok(n)) => masker.push(&buf[..n]),
            };
            if output.write_all(&shown).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    };
    let to_shell = async {
        let Some(mut stdin) = stdin else { return };
        let mut buf = vec![0u8; 4096];
        loop {
            let n = match input.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if stdin.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
        // The keyboard closed: the shell sees end of input, as with Ctrl-D.
        let _ = stdin.shutdown().await;
    };
    let resizes = async {
        let Some(mut resize) = resize else { return };
        while let Some(size) = sizes.next().await {
            if resize.send(size).await.is_err() {
                return;
            }
        }
    };
    // Typing and resizing go on until the shell's output ends; then they are dropped.
    tokio::select! {
        () = from_shell => {},
        _ = async {
            futures::join!(to_shell, resizes);
            std::future::pending::<()>().await
        } => {},
    }
    let status = match status {
        Some(status) => tokio::time::timeout(STATUS_WAIT, status).await.ok().flatten(),
        None => None,
    };
    process.abort();
    Exit::from_status(status.as_ref())
}
