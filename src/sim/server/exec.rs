//! `pods/exec` over a WebSocket, as kube-rs and kubectl speak it.
//!
//! The API server's checks come first (pod, container, node, a WebSocket upgrade), as Status errors before
//! the upgrade. Then the kubelet's: a client speaking `v5.channel.k8s.io` talks to the API server's stream
//! translator, which upgrades first and reports a refused exec as an InternalError Status on the error
//! channel; a `v4.channel.k8s.io` client is proxied to the kubelet, whose refusal is a plain-text answer
//! before the upgrade. Then the simulated shell runs: one command, a script from stdin, or an interactive
//! terminal session, and the exit status goes out on channel 3.
use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::Body;
use http::{Response, StatusCode, Uri};
use hyper::upgrade::OnUpgrade;
use rand::Rng;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::channels::{self, ChannelSocket, Inbound, V4, V5};
use super::commands;
use super::container::ContainerView;
use super::handler::ApiRequest;
use super::meta;
use super::network::Network;
use super::registry;
use super::routes::Target;
use super::shell::{self, Flow, Output, Shell};
use super::status::{ApiError, text_response};
use super::tty::{self, Event, LineEditor};
use super::{Flavour, Shared, lock};

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
/// How many sessions `SimHandle::exec_sessions` keeps.
const KEEP: usize = 200;
/// How much stdin a command may be handed at once (more is dropped, as a full pipe would stall).
const MAX_STDIN: usize = 8 * 1024 * 1024;

/// A terminal size, as clients send it on the resize channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TerminalSize {
    pub width: u16,
    pub height: u16,
}

/// One exec session, as tests see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecSession {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub command: Vec<String>,
    pub tty: bool,
    pub stdin: bool,
    /// The subprotocol it spoke.
    pub protocol: String,
    /// The last size the client's terminal reported.
    pub terminal_size: Option<TerminalSize>,
    /// `None` while it runs (or when the client left before it ended).
    pub exit_code: Option<i32>,
}

/// The sessions the server has seen, oldest first.
#[derive(Debug, Default)]
pub struct ExecBook {
    next: u64,
    sessions: VecDeque<(u64, ExecSession)>,
}

impl ExecBook {
    fn start(&mut self, session: ExecSession) -> u64 {
        self.next += 1;
        self.sessions.push_back((self.next, session));
        while self.sessions.len() > KEEP {
            self.sessions.pop_front();
        }
        self.next
    }

    fn update(&mut self, id: u64, change: impl FnOnce(&mut ExecSession)) {
        if let Some((_, session)) = self.sessions.iter_mut().find(|(i, _)| *i == id) {
            change(session);
        }
    }

    pub fn sessions(&self) -> Vec<ExecSession> {
        self.sessions.iter().map(|(_, s)| s.clone()).collect()
    }
}

/// The query of an exec request.
#[derive(Debug, Clone, Default, PartialEq)]
struct ExecOptions {
    command: Vec<String>,
    container: Option<String>,
    stdin: bool,
    stdout: bool,
    stderr: bool,
    tty: bool,
}

fn options(uri: &Uri) -> ExecOptions {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default();
    let flag = |key: &str| pairs.iter().any(|(k, v)| k == key && matches!(v.as_str(), "true" | "1"));
    ExecOptions {
        command: pairs.iter().filter(|(k, _)| k == "command").map(|(_, v)| v.clone()).collect(),
        container: pairs.iter().find(|(k, v)| k == "container" && !v.is_empty()).map(|(_, v)| v.clone()),
        stdin: flag("stdin"),
        stdout: flag("stdout"),
        stderr: flag("stderr"),
        tty: flag("tty"),
    }
}

fn container_names(pod: &Value, field: &str) -> Vec<String> {
    pod.pointer(&format!("/spec/{field}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The API server's choice of container (`streamLocation`).
pub fn pick_container(pod: &Value, pod_name: &str, wanted: Option<&str>) -> Result<String, ApiError> {
    let (containers, init) = (container_names(pod, "containers"), container_names(pod, "initContainers"));
    let ephemeral = container_names(pod, "ephemeralContainers");
    match wanted {
        Some(name) if containers.iter().chain(&init).chain(&ephemeral).any(|c| c == name) => Ok(name.to_string()),
        Some(name) => Err(ApiError::bad_request(format!("container {name} is not valid for pod {pod_name}"))),
        None if containers.len() == 1 => Ok(containers[0].clone()),
        None if containers.is_empty() => {
            Err(ApiError::bad_request(format!("a container name must be specified for pod {pod_name}")))
        }
        None => {
            let mut message = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            );
            if !init.is_empty() {
                message.push_str(&format!(" or one of the init containers: [{}]", init.join(" ")));
            }
            Err(ApiError::bad_request(message))
        }
    }
}

/// The API server's last check: the pod must be on a node.
pub fn require_node(pod: &Value, pod_name: &str) -> Result<(), ApiError> {
    if meta::str_at(pod, &["spec", "nodeName"]).is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(format!("pod {pod_name} does not have a host assigned")));
    }
    Ok(())
}

/// The kubelet's "no" (an HTTP code and a plain-text body).
#[derive(Debug, Clone, PartialEq)]
pub struct KubeletRefusal {
    pub code: u16,
    pub text: String,
}

/// The kubelet only execs into a running container.
fn kubelet_check(pod: &Value, container: &str, opts: &ExecOptions) -> Result<(), KubeletRefusal> {
    if !opts.stdin && !opts.stdout && !opts.stderr {
        return Err(KubeletRefusal { code: 400, text: "you must specify at least 1 of stdin, stdout, stderr".into() });
    }
    let running = ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"]
        .iter()
        .filter_map(|f| pod.pointer(&format!("/status/{f}")).and_then(Value::as_array))
        .flatten()
        .find(|s| s.get("name").and_then(Value::as_str) == Some(container))
        .is_some_and(|s| s.pointer("/state/running").is_some());
    if !running {
        return Err(KubeletRefusal { code: 500, text: format!("container not found (\"{container}\")") });
    }
    Ok(())
}

/// The answer to a refused kubelet request, passed through before the upgrade.
pub fn refusal_response(refusal: &KubeletRefusal) -> Response<Body> {
    text_response(StatusCode::from_u16(refusal.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), refusal.text.clone())
}

fn success() -> Value {
    json!({"metadata": {}, "status": "Success"})
}

fn internal_error(message: &str) -> Value {
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("Internal error occurred: {message}"),
        "reason": "InternalError",
        "details": {"causes": [{"message": message}]},
        "code": 500,
    })
}

fn exit_status(code: i32, protocol: &str, command: &[String]) -> Value {
    // The translator (v5) re-wraps client-go's error; the kubelet (v4) passes the runtime's.
    let cause = if protocol == V5 {
        format!("command terminated with exit code {code}")
    } else {
        format!("error executing command [{}], exit code {code}", command.join(" "))
    };
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("command terminated with non-zero exit code: {cause}"),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

/// What containerd says when the program is not in the image.
fn not_found_status(program: &str, protocol: &str) -> Value {
    let exec_id: String = (0..32).map(|_| format!("{:02x}", rand::rng().random::<u8>())).collect();
    let kubelet = format!(
        "error executing command in container: failed to exec in container: failed to start exec \"{exec_id}\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"{program}\": executable file not found in $PATH: unknown"
    );
    if protocol == V5 {
        internal_error(&format!("Internal error occurred: {kubelet}"))
    } else {
        internal_error(&kubelet)
    }
}

/// Serve `GET …/pods/NAME/exec` (authorization done).
pub fn serve(
    shared: Arc<Shared>,
    target: &Target,
    req: &ApiRequest,
    uri: &Uri,
    upgrade: Option<OnUpgrade>,
) -> Result<Response<Body>, ApiError> {
    let namespace = target.namespace.clone().unwrap_or_default();
    let pod_name = target.name.clone().unwrap_or_default();
    let opts = options(uri);
    let (pod, view) = {
        let store = shared.store();
        let pod = store
            .get(registry::PODS, &namespace, &pod_name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(target.res, &pod_name))?;
        let container = pick_container(&pod, &pod_name, opts.container.as_deref())?;
        require_node(&pod, &pod_name)?;
        let view = ContainerView::build(&store, &pod, &container);
        (pod, view)
    };
    if !channels::is_websocket_upgrade(&req.method, &req.headers) {
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    // Before 1.30 there was no stream translator: every client reached the kubelet, which speaks up to v4.
    let supported: &[&'static str] = if shared.opts.flavour == Flavour::V1_19 { &[V4] } else { &[V5, V4] };
    let protocol = channels::negotiate(&req.headers, supported)?;
    let refused = kubelet_check(&pod, &view.container, &opts).err();
    if protocol == V4
        && let Some(refusal) = &refused
    {
        return Ok(refusal_response(refusal));
    }
    let upgrade = upgrade.ok_or_else(|| ApiError::internal("the connection cannot be upgraded"))?;
    let response = channels::switching_protocols(&req.headers, protocol)?;
    let id = lock(&shared.exec).start(ExecSession {
        namespace,
        pod: pod_name,
        container: view.container.clone(),
        command: opts.command.clone(),
        tty: opts.tty,
        stdin: opts.stdin,
        protocol: protocol.to_string(),
        terminal_size: None,
        exit_code: None,
    });
    let network_of = shared.clone();
    let network: shell::NetworkSource = Arc::new(move || Network::from_store(&network_of.store()));
    let shell = Shell::new(view, network, opts.tty);
    let token = shared.watch_token();
    tokio::spawn(async move {
        let Some(socket) = ChannelSocket::accept(upgrade, protocol).await else { return };
        let session = Session { socket, opts, protocol, shared, id, token };
        session.run(shell, refused).await;
    });
    Ok(response)
}

/// How the session ended.
enum End {
    Status(Value, Option<i32>),
    /// The client went away (or the server stopped): nobody to tell.
    Gone,
}

struct Session {
    socket: ChannelSocket,
    opts: ExecOptions,
    protocol: &'static str,
    shared: Arc<Shared>,
    id: u64,
    token: CancellationToken,
}

impl Session {
    async fn run(mut self, shell: Shell, refused: Option<KubeletRefusal>) {
        // "Send an empty message to the lowest writable channel to notify the client the connection is
        // established" (the API server's websocket.go).
        let first = if self.opts.stdout {
            STDOUT
        } else if self.opts.stderr {
            STDERR
        } else {
            ERROR
        };
        if self.socket.send(first, &[]).await.is_err() {
            return;
        }
        let end = match refused {
            Some(refusal) => {
                End::Status(internal_error(&format!("unable to upgrade connection: {}", refusal.text)), None)
            }
            None => self.run_shell(shell).await,
        };
        let End::Status(status, code) = end else { return };
        if self.socket.send(ERROR, status.to_string().as_bytes()).await.is_ok() {
            lock(&self.shared.exec).update(self.id, |s| s.exit_code = code);
            self.socket.finish().await;
        }
    }

    fn status_for(&self, code: i32) -> End {
        let status = if code == 0 { success() } else { exit_status(code, self.protocol, &self.opts.command) };
        End::Status(status, Some(code))
    }

    async fn run_shell(&mut self, mut shell: Shell) -> End {
        let argv = self.opts.command.clone();
        let Some(program) = argv.first() else { return End::Status(not_found_status("", self.protocol), None) };
        let reads_commands = shell::is_shell(program) && argv[1..].iter().all(|a| a.starts_with('-') && a != "-c");
        if reads_commands && commands::is_binary(shell::basename(program)) {
            shell.set_name(program);
            shell.start_session();
            return match (self.opts.tty, self.opts.stdin) {
                (true, true) => self.terminal(shell).await,
                (false, true) => self.script_from_stdin(shell).await,
                // A shell with nothing to read ends at once.
                (_, false) => self.status_for(0),
            };
        }
        let stdin = if self.opts.stdin && commands::reads_stdin(&argv) {
            match self.read_stdin_to_end().await {
                Some(bytes) => bytes,
                None => return End::Gone,
            }
        } else {
            Vec::new()
        };
        match shell.run_argv(&argv, &stdin) {
            Err(missing) => End::Status(not_found_status(&missing, self.protocol), None),
            Ok((output, code)) => {
                if self.send_output(output).await.is_err() {
                    return End::Gone;
                }
                self.status_for(code)
            }
        }
    }

    /// Send a command's output on stdout and stderr (merged and with CRLF under a terminal).
    async fn send_output(&mut self, output: Output) -> Result<(), ()> {
        let Output { mut stdout, stderr } = output;
        if self.opts.tty {
            stdout.extend(stderr);
            stdout = tty::to_terminal(&stdout);
        } else if self.opts.stderr && !stderr.is_empty() {
            self.socket.send(STDERR, &stderr).await.map_err(|_| ())?;
        }
        if self.opts.stdout && !stdout.is_empty() {
            self.socket.send(STDOUT, &stdout).await.map_err(|_| ())?;
        }
        Ok(())
    }

    fn resize(&self, bytes: &[u8]) {
        // Clients may send several sizes in one message; the last one counts.
        let sizes = serde_json::Deserializer::from_slice(bytes).into_iter::<TerminalSize>();
        if let Some(size) = sizes.filter_map(Result::ok).last() {
            lock(&self.shared.exec).update(self.id, |s| s.terminal_size = Some(size));
        }
    }

    /// The next message that matters: stdin data, stdin's end (`None` inside), or the client leaving
    /// (`Err`). Resizes are recorded on the way.
    async fn next_stdin(&mut self) -> Result<Option<Vec<u8>>, ()> {
        loop {
            let message = tokio::select! {
                _ = self.token.cancelled() => return Err(()),
                message = self.socket.recv() => message,
            };
            match message {
                None => return Err(()),
                Some(Inbound::Closed(STDIN)) => return Ok(None),
                Some(Inbound::Data(STDIN, bytes)) => return Ok(Some(bytes.to_vec())),
                Some(Inbound::Data(RESIZE, bytes)) => self.resize(&bytes),
                Some(_) => {}
            }
        }
    }

    async fn read_stdin_to_end(&mut self) -> Option<Vec<u8>> {
        let mut all = Vec::new();
        loop {
            match self.next_stdin().await {
                Ok(Some(bytes)) => all.extend(bytes.into_iter().take(MAX_STDIN.saturating_sub(all.len()))),
                Ok(None) => return Some(all),
                Err(()) => return None,
            }
        }
    }

    /// `kubectl exec -it POD -- sh`: a prompt, echo, line editing, and the shell behind it.
    async fn terminal(&mut self, mut shell: Shell) -> End {
        let mut editor = LineEditor::default();
        if self.socket.send(STDOUT, shell.prompt().as_bytes()).await.is_err() {
            return End::Gone;
        }
        loop {
            let bytes = match self.next_stdin().await {
                Ok(Some(bytes)) => bytes,
                Ok(None) => return self.status_for(shell.last_status()),
                Err(()) => return End::Gone,
            };
            for event in editor.feed(&bytes) {
                let reply = match event {
                    Event::Echo(echo) => echo,
                    Event::Interrupt => format!("^C\r\n{}", shell.prompt()).into_bytes(),
                    Event::EndOfFile => return self.status_for(shell.last_status()),
                    Event::Line(line) => {
                        let (output, flow) = shell.run_script(&line, b"");
                        let mut text = output.stdout;
                        text.extend(output.stderr);
                        let mut reply = tty::to_terminal(&text);
                        if let Flow::Exit(code) = flow {
                            if self.socket.send(STDOUT, &reply).await.is_err() {
                                return End::Gone;
                            }
                            return self.status_for(code);
                        }
                        reply.extend(shell.prompt().into_bytes());
                        reply
                    }
                };
                if !reply.is_empty() && self.socket.send(STDOUT, &reply).await.is_err() {
                    return End::Gone;
                }
            }
        }
    }

    /// `echo 'ls' | kubectl exec -i POD -- sh`: run each line as it arrives, no prompt, no echo.
    async fn script_from_stdin(&mut self, mut shell: Shell) -> End {
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let (chunk, at_end) = match self.next_stdin().await {
                Ok(Some(bytes)) => (bytes, false),
                Ok(None) => (b"\n".to_vec(), true),
                Err(()) => return End::Gone,
            };
            pending.extend(chunk.into_iter().take(MAX_STDIN.saturating_sub(pending.len())));
            while let Some(newline) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=newline).collect();
                let (output, flow) = shell.run_script(&String::from_utf8_lossy(&line), b"");
                if self.send_output(output).await.is_err() {
                    return End::Gone;
                }
                if let Flow::Exit(code) = flow {
                    return self.status_for(code);
                }
            }
            if at_end {
                return self.status_for(shell.last_status());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_keep_every_command_word() {
        let uri: Uri = "/api/v1/namespaces/a/pods/p/exec?&stdout=true&stderr=true&container=web&command=sh&command=-c&command=echo%20hi"
            .parse()
            .expect("uri");
        let opts = options(&uri);
        assert_eq!(opts.command, vec!["sh", "-c", "echo hi"]);
        assert_eq!((opts.container.as_deref(), opts.stdout, opts.stdin, opts.tty), (Some("web"), true, false, false));
    }

    #[test]
    fn statuses_are_shaped_like_the_servers() {
        let argv = vec!["sh".to_string(), "-c".to_string(), "exit 3".to_string()];
        let v5 = exit_status(3, V5, &argv);
        assert_eq!(v5["message"], "command terminated with non-zero exit code: command terminated with exit code 3");
        assert_eq!(v5["details"]["causes"][0], json!({"reason": "ExitCode", "message": "3"}));
        let v4 = exit_status(3, V4, &argv);
        assert_eq!(
            v4["message"],
            "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3"
        );
        let missing = not_found_status("ip", V5);
        let message = missing["message"].as_str().unwrap_or_default();
        assert!(
            message
                .starts_with("Internal error occurred: Internal error occurred: error executing command in container")
        );
        assert!(message.ends_with("exec: \"ip\": executable file not found in $PATH: unknown"));
        assert_eq!(missing["code"], 500);
    }

    #[test]
    fn containers_are_picked_like_the_api_server() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(pick_container(&pod, "p", Some("b")), Ok("b".into()));
        assert_eq!(
            pick_container(&pod, "p", None).map_err(|e| e.message),
            Err("a container name must be specified for pod p, choose one of: [a b]".into())
        );
        assert_eq!(
            pick_container(&pod, "p", Some("x")).map_err(|e| e.message),
            Err("container x is not valid for pod p".into())
        );
    }
}
