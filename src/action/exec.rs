//! `kubectl exec`, both ways: a one-shot command whose output is collected, and an interactive shell whose
//! connection is handed to the terminal loop. Both go through `pods/exec` over a WebSocket.
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::error::{ActionError, Step};
use super::plan::shell_line;
use super::{ExecOptions, Outcome};

/// What an interactive shell runs: `sh`, which every image with a shell has.
pub const SHELL_COMMAND: &[&str] = &["sh"];

/// How long a one-shot command may run before mosaic stops reading and shows what it has.
pub const EXEC_TIMEOUT: Duration = Duration::from_secs(30);

/// How much of each stream a one-shot command keeps; the rest is read and dropped.
pub const MAX_OUTPUT: usize = 256 * 1024;

/// Characters that only a shell understands: a line with any of them runs as `sh -c LINE`.
const SHELL_SYNTAX: &[char] =
    &['|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', ']', '~', '#', '{', '}', '\n', '\\', '!'];

/// The argv for a typed command line: the words themselves when the line is plain (`ls -la /app`, quotes
/// allowed), else `sh -c LINE` so pipes, variables and globs work as the user meant.
pub fn command_argv(line: &str) -> Vec<String> {
    let line = line.trim();
    let shell = || vec!["sh".to_string(), "-c".to_string(), line.to_string()];
    if line.contains(SHELL_SYNTAX) {
        return shell();
    }
    match shlex::split(line) {
        // `FOO=1 cmd` is an assignment only a shell makes.
        Some(words) if words.first().is_some_and(|w| !w.contains('=')) => words,
        _ => shell(),
    }
}

/// The command as the user would type it: the script of `sh -c SCRIPT`, else the quoted argv.
pub fn command_words(command: &[String]) -> String {
    match command {
        [sh, c, script] if sh == "sh" && c == "-c" => script.clone(),
        argv => shell_line(argv),
    }
}

/// How a remote command ended, from the status the server sends on the error channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exit {
    /// `None` when the command never started or the status did not arrive.
    pub code: Option<i32>,
    /// The server's words when it did not end with an exit code (an executable that is not there).
    pub message: Option<String>,
}

impl Exit {
    /// `Success`, `NonZeroExitCode` with its `ExitCode` cause, or a failure to start.
    pub fn from_status(status: Option<&Status>) -> Exit {
        let Some(status) = status else {
            return Exit {
                code: None,
                message: Some("the connection closed before the command's exit status arrived".into()),
            };
        };
        if status.status.as_deref() == Some("Success") {
            return Exit { code: Some(0), message: None };
        }
        let from_cause = status
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .and_then(|causes| causes.iter().find(|c| c.reason.as_deref() == Some("ExitCode")))
            .and_then(|c| c.message.as_deref()?.trim().parse().ok());
        // Old kubelets (v4) say it only in words: `…, exit code 2`.
        let from_words =
            || status.message.as_deref()?.rsplit_once("exit code ").and_then(|(_, n)| n.trim().parse().ok());
        match (status.reason.as_deref(), from_cause.or_else(from_words)) {
            (Some("NonZeroExitCode"), Some(code)) => Exit { code: Some(code), message: None },
            _ => Exit { code: None, message: Some(status.message.clone().unwrap_or_else(|| "unknown failure".into())) },
        }
    }

    /// `exit code 3`, or why there is none.
    pub fn describe(&self) -> String {
        match (&self.code, &self.message) {
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(message)) => format!("did not run: {message}"),
            (None, None) => "no exit code".into(),
        }
    }
}

/// What a one-shot command printed and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: String,
    pub stderr: String,
    pub exit: Exit,
    /// More than [`MAX_OUTPUT`] bytes came on a stream; the rest was dropped.
    pub truncated: bool,
    /// Still running after [`EXEC_TIMEOUT`]; mosaic stopped waiting.
    pub timed_out: bool,
    /// What was done about Secret values in the output (masked, or why not), shown under it.
    pub masking: Option<String>,
}

impl ExecOutput {
    /// The output as lines to show or record: stdout, then stderr under a rule, then how it ended.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.stdout.lines().map(str::to_string).collect();
        if !self.stderr.is_empty() {
            lines.push("── stderr ──".into());
            lines.extend(self.stderr.lines().map(str::to_string));
        }
        if self.truncated {
            lines.push(format!("── output cut at {} KiB per stream ──", MAX_OUTPUT / 1024));
        }
        if self.timed_out {
            lines.push(format!(
                "── still running after {} s: mosaic stopped waiting (use S for a shell) ──",
                EXEC_TIMEOUT.as_secs()
            ));
        } else {
            lines.push(format!("── {} ──", self.exit.describe()));
        }
        lines.extend(self.masking.iter().map(|note| format!("── {note} ──")));
        lines
    }
}

impl super::Action {
    /// Whether a server dry run exists for it: changes made through the API have one; a command, a shell or a
    /// forward runs for real or not at all.
    pub fn has_dry_run(&self) -> bool {
        !matches!(self, super::Action::Exec { .. } | super::Action::Shell { .. } | super::Action::PortForward { .. })
    }
}

/// The connection of an interactive shell, opened by `execute` and driven by whoever owns the terminal. It is
/// taken once; clones share it, so it can travel inside `Outcome`, `Msg` and `Effect` values.
#[derive(Clone)]
pub struct ShellSession {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    /// The Secret values to mask on the shell's screen (the runtime reads them once the shell is open).
    pub masking: Option<Arc<crate::cluster::secret_values::Masking>>,
    process: Arc<Mutex<Option<AttachedProcess>>>,
}

impl ShellSession {
    /// The attached process, the first time only.
    pub fn take(&self) -> Option<AttachedProcess> {
        self.process.lock().ok()?.take()
    }

    /// `Opened a shell in pod web-1 (container web) in acme`
    pub fn summary(&self) -> String {
        format!("Opened a shell in pod {} (container {}) in {}", self.pod, self.container, self.namespace)
    }
}

impl PartialEq for ShellSession {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.process, &other.process)
    }
}

impl fmt::Debug for ShellSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShellSession")
            .field("namespace", &self.namespace)
            .field("pod", &self.pod)
            .field("container", &self.container)
            .finish_non_exhaustive()
    }
}

fn refuse_dry_run(what: &str, opts: &ExecOptions) -> Result<(), ActionError> {
    if opts.dry_run {
        return Err(ActionError::Invalid(format!(
            "There is no dry run for {what}: it would run for real, so mosaic ran nothing"
        )));
    }
    Ok(())
}

/// Run `command` in the container to its end (or [`EXEC_TIMEOUT`]) and collect its output.
pub(crate) async fn run_once(
    client: &kube::Client,
    opts: &ExecOptions,
    namespace: &str,
    pod: &str,
    container: &str,
    command: &[String],
) -> Result<Outcome, ActionError> {
    refuse_dry_run("exec", opts)?;
    let what = format!("pod {pod} in {namespace}");
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = AttachParams::default().container(container).stdout(true).stderr(true);
    // Nothing ran when the connection is refused: a read, in the error's terms.
    let mut process =
        api.exec(pod, command.to_vec(), &params).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Read))?;
    let status = process.take_status();
    let (stdout, stderr) = (process.stdout(), process.stderr());
    let (mut out, mut err) = (Capped::default(), Capped::default());
    let finished = tokio::time::timeout(EXEC_TIMEOUT, async {
        // Both streams at once: kube's pipes are small, and a full one would stall the other.
        let (_, _, status) = tokio::join!(out.fill(stdout), err.fill(stderr), async {
            match status {
                Some(status) => status.await,
                None => None,
            }
        });
        status
    })
    .await;
    let (exit, timed_out) = match finished {
        Ok(status) => (Exit::from_status(status.as_ref()), false),
        Err(_) => (Exit::default(), true),
    };
    process.abort();
    let output = ExecOutput {
        stdout: String::from_utf8_lossy(&out.bytes).into_owned(),
        stderr: String::from_utf8_lossy(&err.bytes).into_owned(),
        exit,
        truncated: out.truncated || err.truncated,
        timed_out,
        masking: None,
    };
    let ended = if timed_out { "still running, stopped waiting".to_string() } else { output.exit.describe() };
    let summary = format!("Ran {} in {what} (container {container}): {ended}", command_words(command));
    Ok(Outcome::Output { summary, output })
}

/// Open an interactive shell (`stdin` and a tty) for the terminal loop to drive.
pub(crate) async fn open_shell(
    client: &kube::Client,
    opts: &ExecOptions,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Result<Outcome, ActionError> {
    refuse_dry_run("a shell", opts)?;
    let what = format!("pod {pod} in {namespace}");
    let api: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut params = AttachParams::interactive_tty().container(container);
    // Room for a paste and a screenful, so typing never waits on output being drawn.
    params.max_stdin_buf_size = Some(64 * 1024);
    params.max_stdout_buf_size = Some(64 * 1024);
    let process = api
        .exec(pod, SHELL_COMMAND.iter().map(|s| s.to_string()), &params)
        .await
        .map_err(|e| ActionError::from_kube(&e, &what, Step::Read))?;
    Ok(Outcome::Shell(ShellSession {
        namespace: namespace.into(),
        pod: pod.into(),
        container: container.into(),
        masking: None,
        process: Arc::new(Mutex::new(Some(process))),
    }))
}

/// One output stream, kept up to [`MAX_OUTPUT`] bytes and drained to its end.
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
    truncated: bool,
}

impl Capped {
    async fn fill(&mut self, reader: Option<impl AsyncRead + Unpin>) {
        let Some(mut reader) = reader else { return };
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(self.bytes.len());
                    self.bytes.extend_from_slice(&buf[..n.min(room)]);
                    self.truncated |= n > room;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{StatusCause, StatusDetails};

    #[test]
    fn plain_lines_run_as_argv_and_the_rest_through_sh() {
        assert_eq!(command_argv("ls -la /app"), ["ls", "-la", "/app"]);
        assert_eq!(command_argv("  echo 'a b'  "), ["echo", "a b"]);
        assert_eq!(command_argv("echo $HOME"), ["sh", "-c", "echo $HOME"]);
        assert_eq!(command_argv("ps | grep web"), ["sh", "-c", "ps | grep web"]);
        assert_eq!(command_argv("FOO=1 env"), ["sh", "-c", "FOO=1 env"]);
        assert_eq!(command_argv("echo 'unclosed"), ["sh", "-c", "echo 'unclosed"]);
        assert_eq!(command_words(&command_argv("ps | grep web")), "ps | grep web");
        assert_eq!(command_words(&command_argv("echo 'a b'")), "echo 'a b'");
    }

    fn status(status: &str, reason: Option<&str>, message: &str, code: Option<&str>) -> Status {
        Status {
            status: Some(status.into()),
            reason: reason.map(str::to_string),
            message: Some(message.into()),
            details: code.map(|c| StatusDetails {
                causes: Some(vec![StatusCause {
                    reason: Some("ExitCode".into()),
                    message: Some(c.into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn exit_codes_come_from_the_status() {
        assert_eq!(Exit::from_status(Some(&status("Success", None, "", None))).code, Some(0));
        let failed = status("Failure", Some("NonZeroExitCode"), "command terminated…", Some("3"));
        assert_eq!(Exit::from_status(Some(&failed)), Exit { code: Some(3), message: None });
        let v4 = status("Failure", Some("NonZeroExitCode"), "error executing command [sh], exit code 2", None);
        assert_eq!(Exit::from_status(Some(&v4)).code, Some(2));
        let missing = status("Failure", Some("InternalError"), "exec: \"ip\": executable file not found", None);
        let exit = Exit::from_status(Some(&missing));
        assert_eq!(exit.code, None);
        assert!(exit.describe().starts_with("did not run: exec: \"ip\""), "{}", exit.describe());
        assert_eq!(Exit::from_status(None).code, None);
    }
}
