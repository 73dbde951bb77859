//! A real terminal for end-to-end tests: the binary runs in a pseudo-terminal of a given size, and its output is
//! parsed into a screen (vt100) that tests wait on. Every process gets its own HOME and mosaic directories, and no
//! KUBECONFIG from the outside.
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

pub const ENTER: &str = "\r";
pub const ESC: &str = "\x1b";
pub const CTRL_C: &str = "\x03";

/// The parsed terminal: `contents()`, `cell(row, col)` with colours, `alternate_screen()`…
pub type Screen = vt100::Screen;

/// Private directories for one process: HOME and mosaic's data, state and config dirs.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new().prefix("mosaic-e2e-").tempdir().expect("a temporary directory");
        for sub in ["home", "data", "state", "config"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("sandbox directories");
        }
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the sandbox, for kubeconfigs and the like.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The whole environment of a process under test: nothing is inherited but PATH.
    pub fn env(&self) -> Vec<(String, String)> {
        let dir = |sub: &str| self.dir.path().join(sub).display().to_string();
        let mut env = vec![
            ("HOME".to_string(), dir("home")),
            ("MOSAIC_DATA_DIR".to_string(), dir("data")),
            ("MOSAIC_STATE_DIR".to_string(), dir("state")),
            ("MOSAIC_CONFIG_DIR".to_string(), dir("config")),
            ("TERM".to_string(), "xterm-256color".to_string()),
            ("LANG".to_string(), "C.UTF-8".to_string()),
        ];
        if let Ok(path) = std::env::var("PATH") {
            env.push(("PATH".to_string(), path));
        }
        env
    }

    /// A plain (non-terminal) command for the mosaic binary in this sandbox, for `--help` and error exits.
    pub fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mosaic"));
        cmd.args(args).env_clear().envs(self.env());
        cmd.envs(extra_env.iter().copied());
        cmd.stdin(std::process::Stdio::null());
        cmd
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new()
    }
}

/// What the reader thread has seen: the parsed screen, every raw byte, and whether the terminal closed.
struct Output {
    parser: vt100::Parser,
    raw: Vec<u8>,
    closed: bool,
}

/// ratatui ends every frame by hiding the cursor (mosaic never places one), after the whole diff.
const FRAME_END: &[u8] = b"\x1b[?25l";

impl Output {
    /// Whether the screen can be judged now: not in the middle of a frame. Outside the alternate screen (plain
    /// output such as error messages) every moment counts.
    fn settled(&self) -> bool {
        self.closed || !self.parser.screen().alternate_screen() || self.raw.ends_with(FRAME_END)
    }
}

type Shared = Arc<(Mutex<Output>, Condvar)>;

/// A wait that did not come true. Its Debug (what `unwrap`/`expect` print) shows the whole screen.
pub struct WaitError {
    what: String,
    waited: Duration,
    screen: String,
    exited: Option<String>,
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "gave up after {:.1}s waiting for {}", self.waited.as_secs_f64(), self.what)?;
        if let Some(exited) = &self.exited {
            writeln!(f, "the process had exited: {exited}")?;
        }
        write!(f, "{}", self.screen)
    }
}

impl std::fmt::Debug for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for WaitError {}

/// The screen with a ruler and row numbers, so a failure shows exactly what was on it.
pub fn framed(screen: &Screen) -> String {
    let (rows, cols) = screen.size();
    let mut out = format!("--- screen {cols}x{rows} ---\n");
    for (i, row) in screen.rows(0, cols.get()).enumerate() {
        out.push_str(&format!("{:>3}|{}\n", i + 1, row.trim_end()));
    }
    out.push_str(&"-".repeat(usize::from(cols.get()).min(120)));
    out.push('\n');
    out
}

/// The binary under test, running in a pseudo-terminal.
pub struct Term {
    sandbox: Sandbox,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    shared: Shared,
    exit: Option<ExitStatus>,
    started: Instant,
}

impl Term {
    /// Run `mosaic ARGS` (the binary cargo built for this test) in a `cols`x`rows` terminal.
    pub fn spawn(args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Term {
        Term::spawn_program(Path::new(env!("CARGO_BIN_EXE_mosaic")), args, env, cols, rows)
    }

    /// Run any program in a fresh sandbox; `env` comes on top of the sandbox's environment.
    pub fn spawn_program(program: &Path, args: &[&str], env: &[(&str, &str)], cols: u16, rows: u16) -> Term {
        let sandbox = Sandbox::new();
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env_clear();
        for (key, value) in sandbox.env() {
            cmd.env(key, value);
        }
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.cwd(sandbox.path());
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
        // Only the child holds the terminal's slave side now, so reads end when it exits.
        drop(pair.slave);
        let reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let shared: Shared = Arc::new((
            Mutex::new(Output {
                parser: vt100::Parser::new(nonzero(rows), nonzero(cols), 0),
                raw: Vec::new(),
                closed: false,
            }),
            Condvar::new(),
        ));
        spawn_reader(reader, Arc::clone(&shared));
        Term { sandbox, master: pair.master, writer, child, shared, exit: None, started }
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// When the process was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Write raw bytes to the terminal, as typing would.
    pub fn send(&mut self, keys: impl AsRef<[u8]>) {
        self.writer.write_all(keys.as_ref()).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    /// Type plain text.
    pub fn text(&mut self, text: &str) {
        self.send(text);
    }

    pub fn enter(&mut self) {
        self.send(ENTER);
    }

    /// A lone Esc. Sent on its own so the terminal parser does not read it as Alt plus the next key.
    pub fn esc(&mut self) {
        self.send(ESC);
    }

    pub fn ctrl_c(&mut self) {
        self.send(CTRL_C);
    }

    /// Resize the terminal (the child gets SIGWINCH) and the parsed screen with it.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.master.resize(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).expect("resize the pty");
        self.lock().parser.screen_mut().set_size(nonzero(rows), nonzero(cols));
    }

    fn lock(&self) -> MutexGuard<'_, Output> {
        self.shared.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn screen(&self) -> Screen {
        self.lock().parser.screen().clone()
    }

    /// The screen as text, one line per row, trailing blanks trimmed.
    pub fn screen_text(&self) -> String {
        self.lock().parser.screen().contents()
    }

    /// Every byte the process wrote to the terminal so far.
    pub fn output(&self) -> Vec<u8> {
        self.lock().raw.clone()
    }

    /// Wait until `text` is on the screen.
    pub fn wait_for(&mut self, text: &str, timeout: Duration) -> Result<Screen, WaitError> {
        self.wait_until(&format!("{text:?} on screen"), timeout, |s| s.contents().contains(text))
    }

    /// Wait until `text` is no longer on the screen.
    pub fn wait_gone(&mut self, text: &str, timeout: Duration) -> Result<Screen, WaitError> {
        self.wait_until(&format!("{text:?} to leave the screen"), timeout, |s| !s.contents().contains(text))
    }

    /// Wait until the screen satisfies `ready`. The check runs whenever a frame is complete (a frame reaches the
    /// terminal in several writes, and a half-drawn screen must not pass or fail a test), so there is no polling
    /// delay: this is what the benchmark times first frames with.
    pub fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        mut ready: impl FnMut(&Screen) -> bool,
    ) -> Result<Screen, WaitError> {
        let deadline = Instant::now() + timeout;
        let (lock, changed) = &*self.shared;
        let mut out = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if out.settled() && ready(out.parser.screen()) {
                return Ok(out.parser.screen().clone());
            }
            let now = Instant::now();
            if out.closed || now >= deadline {
                let screen = framed(out.parser.screen());
                drop(out);
                let exited = self.try_exit().map(|s| format!("{s:?}"));
                return Err(WaitError { what: what.to_string(), waited: timeout, screen, exited });
            }
            out = changed.wait_timeout(out, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    fn try_exit(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            self.exit = self.child.try_wait().ok().flatten();
        }
        self.exit.clone()
    }

    /// Wait for the process to exit, then for the terminal to deliver its last bytes.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, WaitError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.try_exit() {
                // The exit can overtake the output: wait (briefly) for the terminal to close.
                let _ = self.wait_until("the terminal to close", Duration::from_secs(2), |_| false);
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(WaitError {
                    what: "the process to exit".into(),
                    waited: timeout,
                    screen: framed(&self.screen()),
                    exited: None,
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the terminal is back in canonical (cooked) mode with echo, i.e. raw mode was left.
    pub fn cooked_mode(&self) -> Option<bool> {
        let termios = self.master.get_termios()?;
        // ICANON and ECHO from <termios.h> on Linux.
        const ICANON: u32 = 0o000002;
        const ECHO: u32 = 0o000010;
        let flags = termios.local_flags.bits();
        Some(flags & ICANON != 0 && flags & ECHO != 0)
    }

    /// Peak resident memory of the process (`VmHWM`), in KiB. Linux only.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid()?, "VmHWM:")
    }

    pub fn rss_kib(&self) -> Option<u64> {
        proc_status_kib(self.pid()?, "VmRSS:")
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if self.try_exit().is_some() {
            return;
        }
        let _ = self.child.kill();
        let deadline = Instant::now() + Duration::from_secs(2);
        while self.try_exit().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn spawn_reader(mut reader: Box<dyn Read + Send>, shared: Shared) {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).unwrap_or(0);
            let (lock, changed) = &*shared;
            let mut out = lock.lock().unwrap_or_else(|p| p.into_inner());
            if n == 0 {
                // EOF, or EIO once the child has gone: the terminal is closed.
                out.closed = true;
                changed.notify_all();
                return;
            }
            out.parser.process(&buf[..n]);
            out.raw.extend_from_slice(&buf[..n]);
            changed.notify_all();
        }
    });
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN)
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
