//! The simulated shell: runs scripts (`sh -c`, lines typed at a terminal, lines read from stdin) and single
//! commands in a simulated container, busybox-flavoured. It is deterministic: the same cluster and the same
//! input give the same output (`date` aside).
use std::sync::Arc;

use super::container::{ContainerView, Node, absolute};
use super::network::Network;
use super::shell_syntax::{self, Command, Joiner, Part, Redirect, Script, Target, Word};

/// A fresh snapshot of the cluster network, taken when a command line needs one.
pub type NetworkSource = Arc<dyn Fn() -> Network + Send + Sync>;

/// How deep `$(…)` and `sh -c` may nest before the shell gives up (a runaway script, not a real limit).
const MAX_DEPTH: u32 = 16;
/// The PID the first exec'd process gets (PID 1 is the container's main process).
const FIRST_EXEC_PID: u32 = 7;

/// What a command wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn out(&mut self, text: impl AsRef<str>) {
        self.stdout.extend_from_slice(text.as_ref().as_bytes());
    }

    /// A line on stderr.
    pub fn err_line(&mut self, text: impl AsRef<str>) {
        self.stderr.extend_from_slice(text.as_ref().as_bytes());
        self.stderr.push(b'\n');
    }

    fn append(&mut self, other: Output) {
        self.stdout.extend(other.stdout);
        self.stderr.extend(other.stderr);
    }
}

/// How a command ended: with a status, or by ending the shell (`exit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Status(i32),
    Exit(i32),
}

impl Flow {
    pub fn code(self) -> i32 {
        match self {
            Flow::Status(c) | Flow::Exit(c) => c,
        }
    }
}

/// The names a shell answers to.
pub fn is_shell(program: &str) -> bool {
    matches!(basename(program), "sh" | "ash" | "bash")
}

pub fn basename(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Where a stream of a command goes.
#[derive(Debug, Clone, PartialEq)]
enum Sink {
    Stdout,
    Stderr,
    Null,
    File(String),
}

/// One shell process in a container.
pub struct Shell {
    pub(super) view: ContainerView,
    pub(super) vars: Vec<(String, String)>,
    pub(super) cwd: String,
    pub(super) last_status: i32,
    /// `sh` or `bash`: how errors name the shell.
    pub(super) name: String,
    pub(super) pid: u32,
    next_pid: u32,
    pub(super) tty: bool,
    /// A shell reading commands from a terminal or stdin: it shows up in `ps`.
    pub(super) session: bool,
    network: NetworkSource,
    snapshot: Option<Network>,
    depth: u32,
}

impl Shell {
    pub fn new(view: ContainerView, network: NetworkSource, tty: bool) -> Shell {
        let vars = view.env.clone();
        let cwd = view.workdir.clone();
        Shell {
            view,
            vars,
            cwd,
            last_status: 0,
            name: "sh".into(),
            pid: FIRST_EXEC_PID,
            next_pid: FIRST_EXEC_PID + 1,
            tty,
            session: false,
            network,
            snapshot: None,
            depth: 0,
        }
    }

    /// `bash` or `sh`, from the program that was run.
    pub fn set_name(&mut self, program: &str) {
        self.name = if basename(program) == "bash" { "bash".into() } else { "sh".into() };
    }

    /// This shell reads commands from a terminal or from stdin (as opposed to `sh -c`).
    pub fn start_session(&mut self) {
        self.session = true;
    }

    /// busybox's `\w \$ `: `/app $ `, or `# ` for root.
    pub fn prompt(&self) -> String {
        let sigil = if self.view.uid == 0 { '#' } else { '$' };
        format!("{} {sigil} ", self.cwd)
    }

    pub fn last_status(&self) -> i32 {
        self.last_status
    }

    pub(super) fn take_pid(&mut self) -> u32 {
        let pid = self.next_pid;
        self.next_pid += 1;
        pid
    }

    /// Run a function with the network as of now (one snapshot per command line).
    pub(super) fn with_network<T>(&mut self, f: impl FnOnce(&Network, &ContainerView) -> T) -> T {
        let network = self.snapshot.take().unwrap_or_else(|| (self.network)());
        let out = f(&network, &self.view);
        self.snapshot = Some(network);
        out
    }

    pub(super) fn var(&self, name: &str) -> Option<&str> {
        self.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn set_var(&mut self, name: &str, value: String) {
        match self.vars.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.vars.push((name.to_string(), value)),
        }
    }

    /// Run a script (one or more lines); the flow says whether it ended the shell.
    pub fn run_script(&mut self, text: &str, stdin: &[u8]) -> (Output, Flow) {
        if self.depth == 0 {
            self.snapshot = None;
        }
        let mut out = Output::default();
        let script = match shell_syntax::parse(text) {
            Ok(script) => script,
            Err(message) => {
                out.err_line(format!("{}: {message}", self.name));
                self.last_status = 2;
                return (out, Flow::Status(2));
            }
        };
        let flow = self.run_list(&script, stdin, &mut out);
        (out, flow)
    }

    /// Run a program the way the container runtime does for `kubectl exec -- ARGV`: no shell in between.
    /// `Err` carries the program the runtime could not find.
    pub fn run_argv(&mut self, argv: &[String], stdin: &[u8]) -> Result<(Output, i32), String> {
        let Some(program) = argv.first() else { return Err(String::new()) };
        if !super::commands::is_binary(basename(program)) {
            return Err(program.clone());
        }
        self.snapshot = None;
        let mut out = Output::default();
        let flow = self.command(argv, stdin, &mut out);
        Ok((out, flow.code()))
    }

    fn run_list(&mut self, script: &Script, stdin: &[u8], out: &mut Output) -> Flow {
        for (joiner, pipeline) in script {
            let skip = match joiner {
                Joiner::Always => false,
                Joiner::IfSucceeded => self.last_status != 0,
                Joiner::IfFailed => self.last_status == 0,
            };
            if skip {
                continue;
            }
            match self.run_pipeline(pipeline, stdin, out) {
                Flow::Exit(code) => {
                    self.last_status = code;
                    return Flow::Exit(code);
                }
                Flow::Status(code) => self.last_status = code,
            }
        }
        Flow::Status(self.last_status)
    }

    fn run_pipeline(&mut self, pipeline: &[Command], stdin: &[u8], out: &mut Output) -> Flow {
        let mut input = stdin.to_vec();
        let mut flow = Flow::Status(0);
        for (i, command) in pipeline.iter().enumerate() {
            let mut own = Output::default();
            flow = self.run_command(command, &input, &mut own);
            out.stderr.extend(own.stderr);
            if i + 1 == pipeline.len() {
                out.stdout.extend(own.stdout);
            } else {
                input = own.stdout;
            }
        }
        // Each part of a real pipeline is a subshell: `exit` there only ends that part.
        match flow {
            Flow::Exit(code) if pipeline.len() > 1 => Flow::Status(code),
            other => other,
        }
    }

    fn run_command(&mut self, command: &Command, stdin: &[u8], out: &mut Output) -> Flow {
        let mut assignments = Vec::new();
        let mut argv = Vec::new();
        for word in &command.words {
            if argv.is_empty()
                && let Some((name, value)) = self.assignment(word)
            {
                assignments.push((name, value));
                continue;
            }
            argv.extend(self.expand(word));
        }
        let mut stdin = stdin.to_vec();
        let (mut stdout_to, mut stderr_to) = (Sink::Stdout, Sink::Stderr);
        for Redirect { fd, append, target } in &command.redirects {
            let sink = match target {
                Target::Fd(1) => stdout_to.clone(),
                Target::Fd(2) => stderr_to.clone(),
                Target::Fd(_) => Sink::Null,
                Target::File(word) => {
                    let path = self.expand(word).join(" ");
                    if path == "/dev/null" {
                        Sink::Null
                    } else if *fd == 0 {
                        match self.view.files.get(&absolute(&self.cwd, &path)) {
                            Some(Node::File(text)) => {
                                stdin = text.clone().into_bytes();
                                continue;
                            }
                            _ => {
                                out.err_line(format!("{}: can't open '{path}': no such file", self.name));
                                return Flow::Status(1);
                            }
                        }
                    } else {
                        let full = absolute(&self.cwd, &path);
                        // Opening the file truncates it (or creates it), before the command runs.
                        if let Err(reason) = self.view.files.write(&full, "", *append) {
                            out.err_line(format!("{}: can't create {path}: {reason}", self.name));
                            return Flow::Status(1);
                        }
                        Sink::File(full)
                    }
                }
            };
            match fd {
                1 => stdout_to = sink,
                2 => stderr_to = sink,
                _ => {}
            }
        }
        if argv.is_empty() {
            for (name, value) in assignments {
                self.set_var(&name, value);
            }
            return Flow::Status(0);
        }
        let saved: Vec<(String, Option<String>)> =
            assignments.iter().map(|(name, _)| (name.clone(), self.var(name).map(str::to_string))).collect();
        for (name, value) in assignments {
            self.set_var(&name, value);
        }
        let mut own = Output::default();
        let flow = self.command(&argv, &stdin, &mut own);
        for (name, value) in saved {
            match value {
                Some(value) => self.set_var(&name, value),
                None => self.vars.retain(|(k, _)| *k != name),
            }
        }
        self.deliver(own.stdout, &stdout_to, out);
        self.deliver(own.stderr, &stderr_to, out);
        flow
    }

    fn deliver(&mut self, bytes: Vec<u8>, sink: &Sink, out: &mut Output) {
        match sink {
            Sink::Stdout => out.stdout.extend(bytes),
            Sink::Stderr => out.stderr.extend(bytes),
            Sink::Null => {}
            Sink::File(path) => {
                // The file was opened (and truncated) already: everything from here on appends.
                let _ = self.view.files.write(path, &String::from_utf8_lossy(&bytes), true);
            }
        }
    }

    /// `NAME=value` before the command name.
    fn assignment(&mut self, word: &Word) -> Option<(String, String)> {
        let Some(Part::Text(first)) = word.first() else { return None };
        let (name, rest) = first.split_once('=')?;
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return None;
        }
        let mut value_word = vec![Part::Quoted(rest.to_string())];
        value_word.extend(word[1..].iter().map(|p| match p {
            Part::Var { name, .. } => Part::Var { name: name.clone(), quoted: true },
            Part::Subst { script, .. } => Part::Subst { script: script.clone(), quoted: true },
            other => other.clone(),
        }));
        Some((name.to_string(), self.expand(&value_word).join(" ")))
    }

    /// A word's fields: variables and substitutions expanded, unquoted results split on whitespace.
    pub(super) fn expand(&mut self, word: &Word) -> Vec<String> {
        let mut fields = Vec::new();
        let mut current = String::new();
        let mut has = false;
        for (i, part) in word.iter().enumerate() {
            let (value, quoted) = match part {
                Part::Text(text) if i == 0 && (text == "~" || text.starts_with("~/")) => {
                    let home = self.var("HOME").unwrap_or("/").to_string();
                    (format!("{home}{}", &text[1..]), true)
                }
                Part::Text(text) | Part::Quoted(text) => (text.clone(), true),
                Part::Var { name, quoted } => (self.special_or_var(name), *quoted),
                Part::Subst { script, quoted } => (self.substitute(script), *quoted),
            };
            if quoted {
                current.push_str(&value);
                has = true;
                continue;
            }
            for (n, piece) in value.split_whitespace().enumerate() {
                if n > 0 {
                    fields.push(std::mem::take(&mut current));
                }
                current.push_str(piece);
                has = true;
            }
        }
        if has {
            fields.push(current);
        }
        fields
    }

    fn special_or_var(&self, name: &str) -> String {
        match name {
            "?" => self.last_status.to_string(),
            "$" => self.pid.to_string(),
            "#" => "0".into(),
            "0" => self.name.clone(),
            n if n.chars().all(|c| c.is_ascii_digit()) => String::new(),
            n => self.var(n).unwrap_or_default().to_string(),
        }
    }

    /// `$(…)`: the script's stdout without trailing newlines; its stderr is lost, as a terminal would show
    /// it (rarely) anyway.
    fn substitute(&mut self, script: &str) -> String {
        if self.depth >= MAX_DEPTH {
            return String::new();
        }
        let (vars, cwd) = (self.vars.clone(), self.cwd.clone());
        self.depth += 1;
        let (out, _) = self.run_script(script, b"");
        self.depth -= 1;
        (self.vars, self.cwd) = (vars, cwd);
        String::from_utf8_lossy(&out.stdout).trim_end_matches('\n').to_string()
    }

    /// A command after expansion: a shell builtin, a nested shell, a program, or "not found".
    pub(super) fn command(&mut self, argv: &[String], stdin: &[u8], out: &mut Output) -> Flow {
        let Some(program) = argv.first() else { return Flow::Status(0) };
        let args = &argv[1..];
        match program.as_str() {
            "exit" => {
                return match args.first().map(|a| a.parse::<i32>()) {
                    None => Flow::Exit(self.last_status),
                    Some(Ok(code)) => Flow::Exit(code & 0xff),
                    Some(Err(_)) => {
                        out.err_line(format!("{}: exit: Illegal number: {}", self.name, args[0]));
                        Flow::Exit(2)
                    }
                };
            }
            "cd" => return Flow::Status(self.cd(args, out)),
            "export" | "unset" | "set" | ":" => return Flow::Status(self.variables(program, args, out)),
            "exec" if !args.is_empty() => {
                let flow = self.command(args, stdin, out);
                return Flow::Exit(flow.code());
            }
            _ => {}
        }
        if is_shell(program) {
            return Flow::Status(self.nested_shell(program, args, stdin, out));
        }
        if let Some(code) = self.program(argv, stdin, out) {
            return Flow::Status(code);
        }
        if self.name == "bash" {
            out.err_line(format!("bash: {program}: command not found"));
        } else {
            out.err_line(format!("{}: {program}: not found", self.name));
        }
        Flow::Status(127)
    }

    fn cd(&mut self, args: &[String], out: &mut Output) -> i32 {
        let target = match args.first().map(String::as_str) {
            None | Some("~") => self.var("HOME").unwrap_or("/").to_string(),
            Some("-") => self.var("OLDPWD").unwrap_or(&self.cwd).to_string(),
            Some(dir) => dir.to_string(),
        };
        let full = absolute(&self.cwd, &target);
        match self.view.files.get(&full) {
            Some(Node::Dir) => {
                let old = std::mem::replace(&mut self.cwd, full.clone());
                self.set_var("OLDPWD", old);
                self.set_var("PWD", full);
                0
            }
            Some(Node::File(_)) => {
                out.err_line(format!("{}: cd: can't cd to {target}: Not a directory", self.name));
                2
            }
            None => {
                out.err_line(format!("{}: cd: can't cd to {target}: No such file or directory", self.name));
                2
            }
        }
    }

    fn variables(&mut self, builtin: &str, args: &[String], out: &mut Output) -> i32 {
        match builtin {
            "export" if args.is_empty() || args == ["-p"] => {
                for (k, v) in &self.vars {
                    out.out(format!("export {k}='{v}'\n"));
                }
            }
            "set" if args.is_empty() => {
                for (k, v) in &self.vars {
                    out.out(format!("{k}='{v}'\n"));
                }
            }
            "export" => {
                for arg in args {
                    if let Some((k, v)) = arg.split_once('=') {
                        self.set_var(k, v.to_string());
                    }
                }
            }
            "unset" => self.vars.retain(|(k, _)| !args.contains(k)),
            _ => {}
        }
        0
    }

    /// `sh -c SCRIPT`, `sh FILE` or a bare `sh` inside the shell: a child shell; its variables, directory
    /// and `exit` stay its own.
    fn nested_shell(&mut self, program: &str, args: &[String], stdin: &[u8], out: &mut Output) -> i32 {
        if self.depth >= MAX_DEPTH {
            out.err_line(format!("{}: too many nested shells", self.name));
            return 2;
        }
        let script = match args.first().map(String::as_str) {
            Some("-c") => match args.get(1) {
                Some(script) => script.clone(),
                None => {
                    out.err_line(format!("{}: -c requires an argument", basename(program)));
                    return 2;
                }
            },
            Some(file) => match self.view.files.get(&absolute(&self.cwd, file)) {
                Some(Node::File(text)) => text.clone(),
                _ => {
                    out.err_line(format!("{}: can't open '{file}': No such file or directory", basename(program)));
                    return 2;
                }
            },
            None => String::from_utf8_lossy(stdin).into_owned(),
        };
        let (vars, cwd, name, status) = (self.vars.clone(), self.cwd.clone(), self.name.clone(), self.last_status);
        self.set_name(program);
        self.depth += 1;
        let (child, flow) = self.run_script(&script, stdin);
        self.depth -= 1;
        (self.vars, self.cwd, self.name, self.last_status) = (vars, cwd, name, status);
        out.append(child);
        flow.code()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::sim::server::store::Store;
    use serde_json::json;

    /// A shell in pod `web-1` (namespace `shop`, IP 10.244.0.5) with no cluster around it.
    pub fn shell() -> Shell {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"nodeName": "node-a", "containers": [{"name": "web", "image": "ghcr.io/acme/web:1.0",
                     "env": [{"name": "GREETING", "value": "hello world"}]}]},
            "status": {"podIP": "10.244.0.5"},
        });
        let view = ContainerView::build(&Store::new(), &pod, "web");
        Shell::new(view, Arc::new(Network::default), false)
    }

    fn run(shell: &mut Shell, script: &str) -> (String, String, Flow) {
        let (out, flow) = shell.run_script(script, b"");
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), flow)
    }

    #[test]
    fn lists_and_status() {
        let mut sh = shell();
        assert_eq!(
            run(&mut sh, "echo a; echo b && false || echo c"),
            ("a\nb\nc\n".into(), String::new(), Flow::Status(0))
        );
        assert_eq!(run(&mut sh, "false; echo $?").0, "1\n");
        assert_eq!(run(&mut sh, "nope && echo x"), (String::new(), "sh: nope: not found\n".into(), Flow::Status(127)));
        assert_eq!(run(&mut sh, "echo before; exit 3; echo after"), ("before\n".into(), String::new(), Flow::Exit(3)));
        assert_eq!(run(&mut sh, "sh -c 'exit 4'; echo $?").0, "4\n", "a child shell's exit is its own");
    }

    #[test]
    fn variables_and_substitution() {
        let mut sh = shell();
        assert_eq!(run(&mut sh, "echo $GREETING \"$HOSTNAME\"").0, "hello world web-1\n");
        assert_eq!(run(&mut sh, "X=1; export Y=2; echo $X$Y ${X}").0, "12 1\n");
        assert_eq!(run(&mut sh, "echo \"host: $(hostname)\"").0, "host: web-1\n");
        assert_eq!(run(&mut sh, "for").1, "sh: for: not found\n");
    }

    #[test]
    fn redirections_and_pipes() {
        let mut sh = shell();
        assert_eq!(run(&mut sh, "echo hi > /tmp/x; echo more >> /tmp/x; cat /tmp/x").0, "hi\nmore\n");
        assert_eq!(run(&mut sh, "nope 2>/dev/null; echo $?").0, "127\n");
        assert_eq!(run(&mut sh, "nope 2>&1 | wc -l").0, "1\n");
        assert_eq!(run(&mut sh, "echo x > /nope/y").1, "sh: can't create /nope/y: nonexistent directory\n");
        assert_eq!(run(&mut sh, "env | grep GREETING").0, "GREETING=hello world\n");
    }

    #[test]
    fn cd_moves_the_prompt() {
        let mut sh = shell();
        assert_eq!(sh.prompt(), "/app $ ");
        assert_eq!(run(&mut sh, "cd /etc && pwd").0, "/etc\n");
        assert_eq!(sh.prompt(), "/etc $ ");
        assert_eq!(run(&mut sh, "cd /nope").1, "sh: cd: can't cd to /nope: No such file or directory\n");
    }

    #[test]
    fn argv_runs_without_a_shell() {
        let mut sh = shell();
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (out, code) = sh.run_argv(&argv(&["echo", "$HOME"]), b"").expect("echo exists");
        assert_eq!((out.stdout, code), (b"$HOME\n".to_vec(), 0), "no expansion without a shell");
        assert_eq!(sh.run_argv(&argv(&["ip", "a"]), b"").map(|r| r.1), Err("ip".into()));
        assert_eq!(
            sh.run_argv(&argv(&["cd", "/"]), b"").map(|r| r.1),
            Err("cd".into()),
            "cd is a builtin, not a binary"
        );
        let (out, code) = sh.run_argv(&argv(&["sh", "-c", "echo $HOSTNAME; exit 3"]), b"").expect("sh exists");
        assert_eq!((String::from_utf8_lossy(&out.stdout).into_owned(), code), ("web-1\n".into(), 3));
    }
}
