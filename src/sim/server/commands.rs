//! The programs a simulated container has (busybox-flavoured): files, text filters, identity and processes.
//! The network tools are in `net_tools`.
use jiff::Timestamp;

use super::container::{Node, absolute};
use super::shell::{Output, Shell};

/// Every program on the container's PATH, and where it lives.
const BINARIES: &[(&str, &str)] = &[
    ("ash", "/bin"),
    ("bash", "/bin"),
    ("cat", "/bin"),
    ("curl", "/usr/bin"),
    ("date", "/bin"),
    ("echo", "/bin"),
    ("env", "/usr/bin"),
    ("false", "/bin"),
    ("getent", "/usr/bin"),
    ("grep", "/bin"),
    ("head", "/usr/bin"),
    ("hostname", "/bin"),
    ("id", "/usr/bin"),
    ("ls", "/bin"),
    ("mkdir", "/bin"),
    ("nslookup", "/usr/bin"),
    ("printenv", "/usr/bin"),
    ("printf", "/usr/bin"),
    ("ps", "/bin"),
    ("pwd", "/bin"),
    ("rm", "/bin"),
    ("sh", "/bin"),
    ("sleep", "/bin"),
    ("sort", "/usr/bin"),
    ("tail", "/usr/bin"),
    ("touch", "/bin"),
    ("true", "/bin"),
    ("uname", "/bin"),
    ("wc", "/usr/bin"),
    ("wget", "/usr/bin"),
    ("which", "/usr/bin"),
    ("whoami", "/usr/bin"),
];

/// Whether the container image has this program.
pub fn is_binary(name: &str) -> bool {
    BINARIES.iter().any(|(b, _)| *b == name)
}

/// Whether a command (run without a shell) reads its stdin, so the session must wait for stdin's end.
pub fn reads_stdin(argv: &[String]) -> bool {
    let operands = argv.iter().skip(1).filter(|a| !a.starts_with('-')).count();
    match argv.first().map(|p| super::shell::basename(p)) {
        Some("cat" | "sort" | "wc" | "head" | "tail") => operands == 0,
        Some("grep") => operands <= 1,
        _ => false,
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// `-n 5`, `-n5`, `-5`: a line count for head and tail.
fn line_count(args: &[String]) -> (usize, Vec<String>) {
    let mut count = 10;
    let mut rest = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-n" {
            count = iter.next().and_then(|n| n.parse().ok()).unwrap_or(count);
        } else if let Some(n) = arg.strip_prefix("-n").or_else(|| arg.strip_prefix('-')).and_then(|n| n.parse().ok()) {
            count = n;
        } else {
            rest.push(arg.clone());
        }
    }
    (count, rest)
}

/// Split `-abc` clusters into single flags; `--long` stays whole. Stops at the first operand.
fn flags(args: &[String]) -> (Vec<String>, Vec<String>) {
    let mut flags = Vec::new();
    let mut operands = Vec::new();
    for arg in args {
        if arg.starts_with("--") || !arg.starts_with('-') || arg == "-" {
            if arg.starts_with("--") {
                flags.push(arg.clone());
            } else {
                operands.push(arg.clone());
            }
        } else {
            flags.extend(arg.chars().skip(1).map(|c| format!("-{c}")));
        }
    }
    (flags, operands)
}

/// busybox `echo`: `-n` (no newline), `-e` (backslash escapes).
fn echo(args: &[String]) -> String {
    let (mut newline, mut escapes, mut start) = (true, false, 0);
    for arg in args {
        match arg.as_str() {
            "-n" => newline = false,
            "-e" => escapes = true,
            "-E" => escapes = false,
            _ => break,
        }
        start += 1;
    }
    let mut text = args[start..].join(" ");
    if escapes {
        text = unescape(&text);
    }
    if newline {
        text.push('\n');
    }
    text
}

pub(super) fn unescape(text: &str) -> String {
    text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
}

/// `printf FORMAT ARGS…` with `%s`, `%d`, `%%` and the usual escapes; the format repeats for extra args.
fn printf(args: &[String]) -> String {
    let Some(format) = args.first() else { return String::new() };
    let format = unescape(format);
    let mut values = args[1..].iter();
    let mut out = String::new();
    loop {
        let before = values.len();
        let mut chars = format.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('%', Some('%')) => {
                    chars.next();
                    out.push('%');
                }
                ('%', Some('s' | 'd' | 'i')) => {
                    chars.next();
                    out.push_str(values.next().map(String::as_str).unwrap_or_default());
                }
                (c, _) => out.push(c),
            }
        }
        if values.len() == 0 || values.len() == before {
            return out;
        }
    }
}

impl Shell {
    /// Run a program of the container; `None` when there is no such program.
    pub(super) fn program(&mut self, argv: &[String], stdin: &[u8], out: &mut Output) -> Option<i32> {
        let name = super::shell::basename(argv.first()?);
        if !is_binary(name) {
            return None;
        }
        let args = &argv[1..];
        let code = match name {
            "echo" => {
                out.out(echo(args));
                0
            }
            "printf" => {
                out.out(printf(args));
                0
            }
            "true" | "sleep" => 0,
            "false" => 1,
            "pwd" => {
                out.out(format!("{}\n", self.cwd));
                0
            }
            "cat" => self.cat(args, stdin, out),
            "ls" => self.ls(args, out),
            "mkdir" | "touch" | "rm" => self.change_files(name, args, out),
            "env" => {
                if let Some(first) = args.iter().position(|a| !a.contains('=')) {
                    return Some(self.command(&args[first..], stdin, out).code());
                }
                for (k, v) in &self.vars {
                    out.out(format!("{k}={v}\n"));
                }
                0
            }
            "printenv" => {
                if args.is_empty() {
                    for (k, v) in &self.vars {
                        out.out(format!("{k}={v}\n"));
                    }
                    0
                } else {
                    let mut code = 0;
                    for name in args {
                        match self.var(name) {
                            Some(v) => out.out(format!("{v}\n")),
                            None => code = 1,
                        }
                    }
                    code
                }
            }
            "hostname" => {
                let text =
                    if args.first().is_some_and(|a| a == "-i") { &self.view.source.ip } else { &self.view.hostname };
                out.out(format!("{text}\n"));
                0
            }
            "id" | "whoami" => self.id(name, args, out),
            "uname" => {
                let (flags, _) = flags(args);
                let text = match flags.first().map(String::as_str) {
                    Some("-a") => {
                        format!("Linux {} 6.6.56-sim #1 SMP PREEMPT_DYNAMIC x86_64 Linux", self.view.hostname)
                    }
                    Some("-r") => "6.6.56-sim".into(),
                    Some("-m") => "x86_64".into(),
                    Some("-n") => self.view.hostname.clone(),
                    _ => "Linux".into(),
                };
                out.out(format!("{text}\n"));
                0
            }
            "date" => {
                let now = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
                let format = args.iter().find_map(|a| a.strip_prefix('+')).unwrap_or("%a %b %e %H:%M:%S UTC %Y");
                out.out(format!("{}\n", jiff::fmt::strtime::format(format, &now).unwrap_or_default()));
                0
            }
            "ps" => {
                let pid = self.take_pid();
                let user = &self.view.user;
                out.out("PID   USER     TIME  COMMAND\n");
                out.out(format!("{:>5} {user:<8} {:>5} {}\n", 1, "0:02", self.view.main_command.join(" ")));
                if self.session {
                    out.out(format!("{:>5} {user:<8} {:>5} {}\n", self.pid, "0:00", self.name));
                }
                out.out(format!("{pid:>5} {user:<8} {:>5} ps {}\n", "0:00", args.join(" ")).replace(" \n", "\n"));
                0
            }
            "which" => {
                let mut code = 0;
                for name in args {
                    match BINARIES.iter().find(|(b, _)| b == name) {
                        Some((b, dir)) => out.out(format!("{dir}/{b}\n")),
                        None => code = 1,
                    }
                }
                code
            }
            "grep" | "head" | "tail" | "wc" | "sort" => self.text_filter(name, args, stdin, out),
            "nslookup" => self.nslookup(args, out),
            "getent" => self.getent(args, out),
            "curl" => self.curl(args, out),
            "wget" => self.wget(args, out),
            // The shells are handled by the shell itself.
            _ => return None,
        };
        Some(code)
    }

    fn read_file(&self, path: &str) -> Result<String, String> {
        match self.view.files.get(&absolute(&self.cwd, path)) {
            Some(Node::File(text)) => Ok(text.clone()),
            Some(Node::Dir) => Err("Is a directory".into()),
            None => Err("No such file or directory".into()),
        }
    }

    /// The text a filter reads: its file operands, else stdin.
    pub(super) fn input(&self, name: &str, files: &[String], stdin: &[u8], out: &mut Output) -> (String, i32) {
        if files.is_empty() || files == ["-"] {
            return (String::from_utf8_lossy(stdin).into_owned(), 0);
        }
        let mut text = String::new();
        let mut code = 0;
        for file in files {
            match self.read_file(file) {
                Ok(content) => text.push_str(&content),
                Err(reason) if name == "cat" && reason == "Is a directory" => {
                    out.err_line(format!("cat: read error: {reason}"));
                    code = 1;
                }
                Err(_) if name == "cat" => {
                    out.err_line(format!("cat: can't open '{file}': No such file or directory"));
                    code = 1;
                }
                Err(reason) => {
                    out.err_line(format!("{name}: {file}: {reason}"));
                    code = 1;
                }
            }
        }
        (text, code)
    }

    fn cat(&mut self, args: &[String], stdin: &[u8], out: &mut Output) -> i32 {
        let files: Vec<String> = args.iter().filter(|a| !a.starts_with('-') || *a == "-").cloned().collect();
        let (text, code) = self.input("cat", &files, stdin, out);
        out.out(text);
        code
    }

    fn ls(&mut self, args: &[String], out: &mut Output) -> i32 {
        let (flags, mut paths) = flags(args);
        let long = flags.iter().any(|f| f == "-l");
        let all = flags.iter().any(|f| f == "-a");
        let one_per_line = long || flags.iter().any(|f| f == "-1") || !self.tty;
        if paths.is_empty() {
            paths.push(".".into());
        }
        let mut code = 0;
        let several = paths.len() > 1;
        for (i, path) in paths.iter().enumerate() {
            let full = absolute(&self.cwd, path);
            let names = match self.view.files.get(&full) {
                None => {
                    out.err_line(format!("ls: {path}: No such file or directory"));
                    code = 1;
                    continue;
                }
                Some(Node::File(_)) => vec![(path.clone(), full.clone())],
                Some(Node::Dir) => {
                    let mut names: Vec<(String, String)> =
                        self.view.files.children(&full).into_iter().map(|n| (n.clone(), absolute(&full, &n))).collect();
                    if all {
                        names.insert(0, ("..".into(), absolute(&full, "..")));
                        names.insert(0, (".".into(), full.clone()));
                    }
                    if several {
                        out.out(format!("{}{path}:\n", if i > 0 { "\n" } else { "" }));
                    }
                    names
                }
            };
            if long {
                for (name, full) in &names {
                    let line = match self.view.files.get(full) {
                        Some(Node::File(text)) => {
                            format!("-rw-r--r--    1 root     root     {:>9} Jan  1 00:00 {name}\n", text.len())
                        }
                        _ => format!("drwxr-xr-x    2 root     root     {:>9} Jan  1 00:00 {name}\n", 4096),
                    };
                    out.out(line);
                }
            } else if one_per_line {
                for (name, _) in &names {
                    out.out(format!("{name}\n"));
                }
            } else if !names.is_empty() {
                let joined: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
                out.out(format!("{}\n", joined.join("  ")));
            }
        }
        code
    }

    fn change_files(&mut self, name: &str, args: &[String], out: &mut Output) -> i32 {
        let (_, operands) = flags(args);
        let mut code = 0;
        for operand in operands {
            let full = absolute(&self.cwd, &operand);
            let result = match name {
                "mkdir" => {
                    self.view.files.mkdir_all(&full);
                    Ok(())
                }
                "touch" => self.view.files.write(&full, "", true),
                _ => {
                    if self.view.files.remove(&full) {
                        Ok(())
                    } else {
                        Err("No such file or directory")
                    }
                }
            };
            if let Err(reason) = result {
                out.err_line(format!("{name}: {operand}: {reason}"));
                code = 1;
            }
        }
        code
    }

    fn id(&mut self, name: &str, args: &[String], out: &mut Output) -> i32 {
        let (uid, user) = (self.view.uid, self.view.user.clone());
        let (flags, _) = flags(args);
        let text = if name == "whoami" || (flags.iter().any(|f| f == "-u") && flags.iter().any(|f| f == "-n")) {
            user
        } else if flags.iter().any(|f| f == "-u" || f == "-g") {
            uid.to_string()
        } else {
            format!("uid={uid}({user}) gid={uid}({user}) groups={uid}({user})")
        };
        out.out(format!("{text}\n"));
        0
    }

    fn text_filter(&mut self, name: &str, args: &[String], stdin: &[u8], out: &mut Output) -> i32 {
        match name {
            "grep" => {
                let (flags, operands) = flags(args);
                let Some(pattern) = operands.first() else {
                    out.err_line("Usage: grep [-icnqv] PATTERN [FILE]...");
                    return 2;
                };
                let (text, code) = self.input("grep", &operands[1..], stdin, out);
                let has = |f: &str| flags.iter().any(|x| x == f);
                let (ignore_case, invert) = (has("-i"), has("-v"));
                let matches = |line: &str| {
                    let (line, pattern) = if ignore_case {
                        (line.to_lowercase(), pattern.to_lowercase())
                    } else {
                        (line.to_string(), pattern.clone())
                    };
                    let line = line.trim_end_matches('\n');
                    let hit = match (pattern.strip_prefix('^'), pattern.strip_suffix('$')) {
                        (Some(p), _) if p.ends_with('$') => line == &p[..p.len() - 1],
                        (Some(p), _) => line.starts_with(p),
                        (None, Some(p)) => line.ends_with(p),
                        (None, None) => line.contains(&pattern),
                    };
                    hit != invert
                };
                let hits: Vec<(usize, &str)> =
                    lines(&text).into_iter().enumerate().filter(|(_, l)| matches(l)).collect();
                if has("-c") {
                    out.out(format!("{}\n", hits.len()));
                } else if !has("-q") {
                    for (n, line) in &hits {
                        let prefix = if has("-n") { format!("{}:", n + 1) } else { String::new() };
                        out.out(format!("{prefix}{}\n", line.trim_end_matches('\n')));
                    }
                }
                if code != 0 {
                    2
                } else if hits.is_empty() {
                    1
                } else {
                    0
                }
            }
            "head" | "tail" => {
                let (count, files) = line_count(args);
                let (text, code) = self.input(name, &files, stdin, out);
                let all = lines(&text);
                let picked =
                    if name == "head" { &all[..count.min(all.len())] } else { &all[all.len().saturating_sub(count)..] };
                out.out(picked.concat());
                code
            }
            "wc" => {
                let (flags, files) = flags(args);
                let (text, code) = self.input("wc", &files, stdin, out);
                let (l, w, c) = (text.matches('\n').count(), text.split_whitespace().count(), text.len());
                let only = |f: &str| flags.iter().any(|x| x == f);
                let line = match (only("-l"), only("-w"), only("-c")) {
                    (true, _, _) => l.to_string(),
                    (_, true, _) => w.to_string(),
                    (_, _, true) => c.to_string(),
                    _ => format!("{l:>7} {w:>7} {c:>7}"),
                };
                out.out(format!("{line}\n"));
                code
            }
            _ => {
                let (flags, files) = flags(args);
                let (text, code) = self.input("sort", &files, stdin, out);
                let mut all: Vec<String> = text.lines().map(str::to_string).collect();
                all.sort();
                if flags.iter().any(|f| f == "-u") {
                    all.dedup();
                }
                if flags.iter().any(|f| f == "-r") {
                    all.reverse();
                }
                for line in all {
                    out.out(format!("{line}\n"));
                }
                code
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sim::server::container::ContainerView;
    use crate::sim::server::network::Network;
    use crate::sim::server::registry;
    use crate::sim::server::store::Store;
    use serde_json::{Value, json};

    pub fn world() -> Store {
        let mut store = Store::new();
        let pod = |name: &str, ip: &str, app: &str, ready: bool, mode: &str| {
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "shop", "labels": {"app": app},
                             "annotations": {"sim.mosaic.dev/simulate": mode}},
                "spec": {"nodeName": "node-a", "containers": [{"name": app, "image": format!("ghcr.io/acme/{app}:2.0"),
                         "ports": [{"name": "http", "containerPort": 8080}]}]},
                "status": {"podIP": ip, "containerStatuses": [{"name": app, "ready": ready, "state": {"running": {}}}]},
            })
        };
        store.put(registry::PODS, pod("web-1", "10.244.0.5", "web", true, "healthy"));
        store.put(registry::PODS, pod("inv-1", "10.244.0.6", "inv", false, "notready"));
        for (name, ip, endpoint) in [("web", "10.96.5.5", Some("10.244.0.5")), ("inv", "10.96.5.6", None)] {
            store.put(
                "core/services",
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
                       "spec": {"clusterIP": ip, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
            );
            let addresses: Vec<Value> = endpoint.into_iter().map(|ip| json!({"ip": ip})).collect();
            store.put(
                "core/endpoints",
                json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": "shop"},
                       "subsets": [{"addresses": addresses, "ports": [{"name": "http", "port": 8080}]}]}),
            );
        }
        store
    }

    pub fn shell() -> Shell {
        let store = Arc::new(world());
        let pod = store.get(registry::PODS, "shop", "web-1").cloned().unwrap_or_default();
        let view = ContainerView::build(&store, &pod, "web");
        let net = store.clone();
        Shell::new(view, Arc::new(move || Network::from_store(&net)), false)
    }

    pub fn run(sh: &mut Shell, script: &str) -> (String, String, i32) {
        let (out, flow) = sh.run_script(script, b"");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            flow.code(),
        )
    }

    #[test]
    fn files_and_identity() {
        let mut sh = shell();
        assert_eq!(
            run(&mut sh, "cat /etc/hostname; hostname; id").0,
            "web-1\nweb-1\nuid=1000(app) gid=1000(app) groups=1000(app)\n"
        );
        assert_eq!(run(&mut sh, "cat /nope").1, "cat: can't open '/nope': No such file or directory\n");
        assert_eq!(run(&mut sh, "ls /app").0, "web\n");
        assert_eq!(run(&mut sh, "ls /nope").1, "ls: /nope: No such file or directory\n");
        assert_eq!(run(&mut sh, "mkdir /tmp/d && touch /tmp/d/f && ls /tmp/d && rm /tmp/d/f && ls /tmp/d").0, "f\n");
        let (ps, _, _) = run(&mut sh, "ps");
        assert!(ps.starts_with("PID   USER     TIME  COMMAND\n    1 app       0:02 /app/web\n"), "{ps}");
        let (date, _, _) = run(&mut sh, "date");
        assert!(date.contains(" UTC "), "{date}");
        assert_eq!(run(&mut sh, "echo -n a; echo -e 'b\\tc'; printf '%s=%d\\n' x 1").0, "ab\tc\nx=1\n");
        assert_eq!(run(&mut sh, "printenv HOSTNAME; which curl sh").0, "web-1\n/usr/bin/curl\n/bin/sh\n");
    }

    #[test]
    fn filters() {
        let mut sh = shell();
        assert_eq!(run(&mut sh, "printf 'b\\na\\nc\\n' | sort | head -n 2").0, "a\nb\n");
        assert_eq!(run(&mut sh, "printf 'b\\na\\nc\\n' | tail -1").0, "c\n");
        assert_eq!(run(&mut sh, "printf 'x\\nXy\\n' | grep -i x | wc -l").0, "2\n");
        assert_eq!(run(&mut sh, "echo abc | grep -q z").2, 1);
        assert!(reads_stdin(&["cat".to_string()]));
        assert!(!reads_stdin(&["cat".to_string(), "/etc/hosts".to_string()]));
        assert!(!reads_stdin(&["echo".to_string()]));
    }
}
