//! Lending the real terminal to a shell: the TUI leaves the alternate screen, the key-reading thread stops
//! reading, the raw keyboard goes to the shell and its output to the screen; when the shell exits the TUI
//! takes the terminal back.
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::{Stream, StreamExt, stream};
use kube::api::TerminalSize;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use tokio::io::{AsyncWriteExt, DuplexStream};

use crate::action::{Exit, ShellSession};

/// How long the key-reading thread may take to notice it should stop reading.
const PAUSE_WAIT: Duration = Duration::from_millis(500);
/// How often the keyboard thread looks whether the shell has ended.
const KEYBOARD_TICK: Duration = Duration::from_millis(50);

/// Tells the TUI's key-reading thread to leave the keyboard alone while a shell owns it.
#[derive(Debug, Default)]
pub struct InputGate {
    paused: AtomicBool,
    /// The reading thread has seen the pause and is not inside a read.
    idle: AtomicBool,
}

impl InputGate {
    pub fn new() -> Arc<InputGate> {
        Arc::new(InputGate::default())
    }

    /// For the key-reading thread, before each read: `true` while a shell owns the keyboard (do not read).
    pub fn holds(&self) -> bool {
        let paused = self.paused.load(Ordering::Acquire);
        self.idle.store(paused, Ordering::Release);
        paused
    }

    /// Ask the reading thread to stop, and wait (briefly) until it is out of its read.
    async fn pause(&self) {
        self.paused.store(true, Ordering::Release);
        let deadline = tokio::time::Instant::now() + PAUSE_WAIT;
        while !self.idle.load(Ordering::Acquire) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn resume(&self) {
        self.idle.store(false, Ordering::Release);
        self.paused.store(false, Ordering::Release);
    }
}

/// Run the shell on the real terminal until it exits, then give the terminal back to the TUI (the caller
/// redraws everything). Errors say why the shell could not run; the TUI is back either way.
pub async fn run(session: &ShellSession, gate: &InputGate) -> Result<Exit, String> {
    let process = session.take().ok_or_else(|| "this shell connection was already used".to_string())?;
    gate.pause().await;
    ratatui::restore();
    let result = on_plain_terminal(process, session).await;
    let back = reenter_tui();
    gate.resume();
    back?;
    result
}

async fn on_plain_terminal(process: kube::api::AttachedProcess, session: &ShellSession) -> Result<Exit, String> {
    let mut screen = std::io::stdout();
    let _ = write!(
        screen,
        "\r\nmosaic: shell in {} (container {}); exit or Ctrl-D to return\r\n",
        session.pod, session.container
    );
    let masker = match &session.masking {
        Some(masking) => {
            if let Some(note) = &masking.note {
                let _ = write!(screen, "mosaic: {note}\r\n");
            }
            crate::analysis::secret_values::StreamMasker::new(masking.values.clone())
        }
        None => Default::default(),
    };
    let _ = screen.flush();
    let keyboard = Keyboard::open().map_err(|e| format!("could not read the keyboard: {e}"))?;
    crossterm::terminal::enable_raw_mode().map_err(|e| format!("could not set the terminal to raw mode: {e}"))?;
    let exit = super::pump_masked(process, keyboard.input, tokio::io::stdout(), sizes(), masker).await;
    // The TUI reads the keyboard next: this thread must be gone first, or it could take the TUI's input.
    keyboard.stop.store(true, Ordering::Release);
    let _ = tokio::task::spawn_blocking(move || keyboard.thread.join()).await;
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = write!(screen, "\r\nmosaic: the shell in {} ended ({}); back to mosaic\r\n", session.pod, exit.describe());
    let _ = screen.flush();
    Ok(exit)
}

/// Raw mode and the alternate screen again, as `ratatui::try_init` left them.
fn reenter_tui() -> Result<(), String> {
    crossterm::terminal::enable_raw_mode().map_err(|e| format!("could not restore raw mode: {e}"))?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen)
        .map_err(|e| format!("could not restore the screen: {e}"))
}

/// The terminal size now, then again on every SIGWINCH.
fn sizes() -> impl Stream<Item = TerminalSize> + Unpin {
    let now = || crossterm::terminal::size().ok().map(|(width, height)| TerminalSize { width, height });
    let changes = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
    let later = stream::unfold(changes, move |changes| async move {
        let mut changes = changes?;
        changes.recv().await?;
        Some((now(), Some(changes)))
    });
    Box::pin(stream::iter(now()).chain(later.filter_map(futures::future::ready)))
}

/// The keyboard's raw bytes, read on a thread of its own that polls, so it stops reading the moment the shell
/// ends: a blocking read would swallow the next key meant for the TUI.
struct Keyboard {
    input: DuplexStream,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Keyboard {
    fn open() -> std::io::Result<Keyboard> {
        // The terminal crossterm reads: stdin when it is one, else the controlling terminal.
        let tty = if std::io::stdin().is_terminal() {
            File::from(std::io::stdin().as_fd().try_clone_to_owned()?)
        } else {
            File::open("/dev/tty")?
        };
        let (mut writer, input) = tokio::io::duplex(16 * 1024);
        let stop = Arc::new(AtomicBool::new(false));
        let runtime = tokio::runtime::Handle::current();
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("mosaic-shell-keys".into()).spawn(move || {
            let mut tty = tty;
            let mut buf = [0u8; 1024];
            let tick = Timespec::try_from(KEYBOARD_TICK).unwrap_or(Timespec { tv_sec: 0, tv_nsec: 50_000_000 });
            while !flag.load(Ordering::Acquire) {
                let mut fds = [PollFd::new(&tty, PollFlags::IN)];
                match poll(&mut fds, Some(&tick)) {
                    Ok(0) => continue,
                    Ok(_) => {}
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(_) => break,
                }
                // Stopped while waiting: what is there now is the TUI's.
                if flag.load(Ordering::Acquire) {
                    break;
                }
                let n = match tty.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if runtime.block_on(writer.write_all(&buf[..n])).is_err() {
                    break;
                }
            }
        })?;
        Ok(Keyboard { input, stop, thread })
    }
}
