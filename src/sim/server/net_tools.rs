//! The network tools of a simulated container: `nslookup` and `getent hosts` against cluster DNS, and `curl`
//! and `wget` against the simulated apps, with the messages and exit codes the real tools give.
use super::app_http::{HttpRequest, HttpResponse};
use super::commands::unescape;
use super::container::{ContainerView, absolute};
use super::network::{DNS_SERVER, DialError, Network};
use super::shell::{Output, Shell};

/// A URL as curl and wget read it: scheme, host, port, path.
#[derive(Debug, Clone, PartialEq)]
struct Url {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Option<Url> {
    let (default_port, rest) = match url.split_once("://") {
        Some(("http", rest)) => (80, rest),
        Some(("https", rest)) => (443, rest),
        Some(_) => return None,
        None => (80, url),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()?),
        None => (authority, default_port),
    };
    (!host.is_empty()).then(|| Url { host: host.to_string(), port, path })
}

/// Where a request to `host` goes: its first address, or `None` when DNS has no answer.
fn resolve_host(network: &Network, view: &ContainerView, host: &str) -> Option<String> {
    if host == "localhost" {
        return Some("127.0.0.1".into());
    }
    if host == view.hostname {
        return Some(view.source.ip.clone());
    }
    network.resolve(host, &view.namespace).and_then(|r| r.ips.first().cloned())
}

/// The outcome of one HTTP exchange.
enum Fetch {
    Unresolved,
    Failed(String, DialError),
    Done(String, HttpResponse),
}

fn fetch(network: &Network, view: &ContainerView, url: &Url, method: &str) -> Fetch {
    let Some(ip) = resolve_host(network, view, &url.host) else { return Fetch::Unresolved };
    match network.connect(&view.source, &ip, url.port) {
        Err(e) => Fetch::Failed(ip, e),
        Ok(app) => {
            let request = HttpRequest { method: method.to_string(), path: url.path.clone() };
            Fetch::Done(ip, app.handle(&request))
        }
    }
}

/// curl's options.
#[derive(Debug, Default)]
struct CurlOptions {
    silent: bool,
    show_error: bool,
    include: bool,
    head: bool,
    fail: bool,
    verbose: bool,
    output: Option<String>,
    write_out: Option<String>,
    method: Option<String>,
    timeout: Option<f64>,
    connect_timeout: Option<f64>,
    /// A body was given (`-d`, `--data-binary`…): curl then sends POST unless told otherwise.
    data: bool,
    url: Option<String>,
}

fn curl_options(args: &[String]) -> Result<CurlOptions, String> {
    let mut o = CurlOptions::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value =
            |name: &str| iter.next().cloned().ok_or_else(|| format!("curl: option {name}: requires parameter"));
        match arg.as_str() {
            "--silent" => o.silent = true,
            "--show-error" => o.show_error = true,
            "--include" => o.include = true,
            "--head" => o.head = true,
            "--fail" => o.fail = true,
            "--verbose" => o.verbose = true,
            "--location" | "--insecure" => {}
            "--output" => o.output = Some(value(arg)?),
            "--write-out" => o.write_out = Some(value(arg)?),
            "--request" => o.method = Some(value(arg)?),
            "--max-time" => o.timeout = value(arg)?.parse().ok(),
            "--connect-timeout" => o.connect_timeout = value(arg)?.parse().ok(),
            "--data" | "--data-binary" | "--data-raw" => {
                value(arg)?;
                o.data = true;
            }
            "--header" | "--user-agent" => {
                value(arg)?;
            }
            flag if flag.starts_with('-') && !flag.starts_with("--") && flag.len() > 1 => {
                let letters: Vec<char> = flag.chars().skip(1).collect();
                for (i, letter) in letters.iter().enumerate() {
                    let attached: String = letters[i + 1..].iter().collect();
                    let takes_value = matches!(letter, 'o' | 'w' | 'X' | 'H' | 'm' | 'd' | 'A');
                    if takes_value {
                        let v = if attached.is_empty() { value(&format!("-{letter}"))? } else { attached };
                        match letter {
                            'o' => o.output = Some(v),
                            'w' => o.write_out = Some(v),
                            'X' => o.method = Some(v),
                            'm' => o.timeout = v.parse().ok(),
                            'd' => o.data = true,
                            _ => {}
                        }
                        break;
                    }
                    match letter {
                        's' => o.silent = true,
                        'S' => o.show_error = true,
                        'i' => o.include = true,
                        'I' => o.head = true,
                        'f' => o.fail = true,
                        'v' => o.verbose = true,
                        'L' | 'k' => {}
                        other => return Err(format!("curl: option -{other}: is unknown")),
                    }
                }
            }
            url => o.url = Some(url.to_string()),
        }
    }
    Ok(o)
}

/// What `--write-out` variables expand to for one transfer.
struct Transfer<'a> {
    url: &'a Url,
    ip: &'a str,
    /// 0 when no response came.
    status: u16,
    seconds: f64,
    exit: i32,
    error: &'a str,
}

fn write_out(format: &str, t: &Transfer<'_>) -> String {
    let code = format!("{:03}", t.status);
    unescape(format)
        .replace("%{http_code}", &code)
        .replace("%{response_code}", &code)
        .replace("%{remote_ip}", t.ip)
        .replace("%{remote_port}", &t.url.port.to_string())
        .replace("%{url_effective}", &format!("http://{}:{}{}", t.url.host, t.url.port, t.url.path))
        .replace("%{time_total}", &format!("{:.6}", t.seconds))
        .replace("%{exitcode}", &t.exit.to_string())
        .replace("%{errormsg}", t.error)
}

/// What a successful transfer takes, as the simulated network reports it.
const TRANSFER_SECONDS: f64 = 0.002134;

impl Shell {
    /// busybox `nslookup NAME`.
    pub(super) fn nslookup(&mut self, args: &[String], out: &mut Output) -> i32 {
        let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
            out.err_line("Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]");
            return 1;
        };
        out.out(format!("Server:\t\t{DNS_SERVER}\nAddress:\t{DNS_SERVER}:53\n\n"));
        let answer = self.with_network(|net, view| net.resolve(name, &view.namespace));
        match answer {
            Some(found) if found.fqdn != *name || found.ips != [name.clone()] => {
                for ip in &found.ips {
                    out.out(format!("Name:\t{}\nAddress: {ip}\n", found.fqdn));
                }
                out.out("\n");
                0
            }
            _ => {
                let namespace = &self.view.namespace;
                let shown =
                    if name.contains('.') { name.clone() } else { format!("{name}.{namespace}.svc.cluster.local") };
                out.out(format!("** server can't find {shown}: NXDOMAIN\n\n"));
                1
            }
        }
    }

    /// `getent hosts NAME` (glibc's format, exit 2 when the key is not found) and `getent passwd`.
    pub(super) fn getent(&mut self, args: &[String], out: &mut Output) -> i32 {
        match (args.first().map(String::as_str), args.get(1)) {
            (Some("hosts" | "ahosts"), Some(name)) => {
                let answer = self.with_network(|net, view| {
                    if *name == view.hostname || name == "localhost" {
                        let ip = if name == "localhost" { "127.0.0.1".to_string() } else { view.source.ip.clone() };
                        return Some((ip, name.clone()));
                    }
                    net.resolve(name, &view.namespace)
                        .and_then(|r| r.ips.first().map(|ip| (ip.clone(), r.fqdn.clone())))
                });
                match answer {
                    Some((ip, fqdn)) => {
                        out.out(format!("{ip:<15} {fqdn}\n"));
                        0
                    }
                    None => 2,
                }
            }
            (Some("passwd"), _) => {
                let (text, _) = self.input("getent", &["/etc/passwd".to_string()], b"", out);
                out.out(text);
                0
            }
            _ => {
                out.err_line("Usage: getent [hosts|passwd] KEY");
                1
            }
        }
    }

    pub(super) fn curl(&mut self, args: &[String], out: &mut Output) -> i32 {
        let options = match curl_options(args) {
            Ok(o) => o,
            Err(message) => {
                out.err_line(format!("{message}\ncurl: try 'curl --help' for more information"));
                return 2;
            }
        };
        let show_errors = !options.silent || options.show_error;
        let fail = |out: &mut Output, code: i32, message: String, transfer: Option<(&Url, f64)>| {
            if show_errors {
                out.err_line(format!("curl: ({code}) {message}"));
            }
            // curl writes `--write-out` for a failed transfer too, with status 000.
            if let (Some(format), Some((url, seconds))) = (&options.write_out, transfer) {
                let t = Transfer { url, ip: "", status: 0, seconds, exit: code, error: &message };
                out.out(write_out(format, &t));
            }
            code
        };
        let Some(url) = options.url.as_deref().and_then(parse_url) else {
            return match options.url {
                Some(url) => fail(out, 3, format!("URL rejected: Bad hostname or unsupported protocol: {url}"), None),
                None => {
                    out.err_line("curl: no URL specified\ncurl: try 'curl --help' for more information");
                    2
                }
            };
        };
        let implied = if options.head {
            "HEAD"
        } else if options.data {
            "POST"
        } else {
            "GET"
        };
        let method = options.method.clone().unwrap_or_else(|| implied.to_string());
        let result = self.with_network(|net, view| fetch(net, view, &url, &method));
        let (ip, response) = match result {
            Fetch::Unresolved => {
                return fail(out, 6, format!("Could not resolve host: {}", url.host), Some((&url, 0.001)));
            }
            Fetch::Failed(_, DialError::Refused) => {
                return fail(
                    out,
                    7,
                    format!("Failed to connect to {} port {} after 0 ms: Connection refused", url.host, url.port),
                    Some((&url, 0.0005)),
                );
            }
            Fetch::Failed(_, DialError::TimedOut) => {
                let (message, seconds) = match options.connect_timeout.or(options.timeout) {
                    Some(seconds) => {
                        let ms = (seconds * 1000.0) as u64 + 1;
                        (format!("Connection timed out after {ms} milliseconds"), ms as f64 / 1000.0)
                    }
                    None => (
                        format!(
                            "Failed to connect to {} port {} after 130326 ms: Connection timed out",
                            url.host, url.port
                        ),
                        130.326,
                    ),
                };
                return fail(out, 28, message, Some((&url, seconds)));
            }
            Fetch::Done(ip, response) => (ip, response),
        };
        if options.verbose {
            let head: String = response.head().lines().map(|l| format!("< {l}\n")).collect();
            out.stderr.extend(
                format!(
                    "*   Trying {ip}:{port}...\n* Connected to {host} ({ip}) port {port}\n> {method} {path} HTTP/1.1\n> Host: {host}\n> User-Agent: curl/8.9.1\n> Accept: */*\n>\n{head}",
                    port = url.port,
                    host = url.host,
                    path = url.path,
                )
                .into_bytes(),
            );
        }
        if options.fail && response.status >= 400 {
            return fail(out, 22, format!("The requested URL returned error: {}", response.status), None);
        }
        let mut body = String::new();
        if options.include || options.head {
            body.push_str(&response.head());
        }
        if method != "HEAD" {
            body.push_str(&response.body);
        }
        match options.output.as_deref() {
            None | Some("-") => out.out(&body),
            Some("/dev/null") => {}
            Some(path) => {
                let full = absolute(&self.cwd, path);
                if let Err(reason) = self.view.files.write(&full, &body, false) {
                    return fail(out, 23, format!("Failure writing output to destination: {reason}"), None);
                }
            }
        }
        if let Some(format) = &options.write_out {
            let t =
                Transfer { url: &url, ip: &ip, status: response.status, seconds: TRANSFER_SECONDS, exit: 0, error: "" };
            out.out(write_out(format, &t));
        }
        0
    }

    /// busybox `wget`.
    pub(super) fn wget(&mut self, args: &[String], out: &mut Output) -> i32 {
        let (mut quiet, mut spider, mut output, mut url) = (false, false, None::<String>, None::<String>);
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "-q" | "--quiet" => quiet = true,
                "--spider" => spider = true,
                "-O" => output = iter.next().cloned(),
                "-qO" | "-qO-" => {
                    quiet = true;
                    output = if arg == "-qO-" { Some("-".into()) } else { iter.next().cloned() };
                }
                "-T" | "-U" | "--header" => {
                    iter.next();
                }
                a if a.starts_with("-O") => output = Some(a[2..].to_string()),
                a if a.starts_with('-') => {}
                a => url = Some(a.to_string()),
            }
        }
        let Some(url) = url.as_deref().and_then(parse_url) else {
            out.err_line("BusyBox v1.36.1 (2024-06-10 07:11:47 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...");
            return 1;
        };
        let result = self.with_network(|net, view| fetch(net, view, &url, "GET"));
        let (ip, response) = match result {
            Fetch::Unresolved => {
                out.err_line(format!("wget: bad address '{}'", url.host));
                return 1;
            }
            Fetch::Failed(ip, DialError::Refused) => {
                if !quiet {
                    out.err_line(format!("Connecting to {}:{} ({ip}:{})", url.host, url.port, url.port));
                }
                out.err_line(format!("wget: can't connect to remote host ({ip}): Connection refused"));
                return 1;
            }
            Fetch::Failed(ip, DialError::TimedOut) => {
                if !quiet {
                    out.err_line(format!("Connecting to {}:{} ({ip}:{})", url.host, url.port, url.port));
                }
                out.err_line("wget: download timed out");
                return 1;
            }
            Fetch::Done(ip, response) => (ip, response),
        };
        if !quiet {
            out.err_line(format!("Connecting to {}:{} ({ip}:{})", url.host, url.port, url.port));
        }
        if response.status >= 400 {
            out.err_line(format!("wget: server returned error: {}", response.status_line()));
            return 1;
        }
        if spider {
            if !quiet {
                out.err_line("remote file exists");
            }
            return 0;
        }
        let target = output.unwrap_or_else(|| {
            let last = url.path.rsplit('/').next().unwrap_or_default();
            if last.is_empty() { "index.html".into() } else { last.to_string() }
        });
        if target == "-" {
            if !quiet {
                out.err_line("writing to stdout");
            }
            out.out(&response.body);
            if !quiet {
                out.err_line("written to stdout");
            }
            return 0;
        }
        if !quiet {
            out.err_line(format!("saving to '{target}'"));
        }
        if let Err(reason) = self.view.files.write(&absolute(&self.cwd, &target), &response.body, false) {
            out.err_line(format!("wget: can't open '{target}': {reason}"));
            return 1;
        }
        if !quiet {
            out.err_line(format!("'{target}' saved"));
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::server::commands::tests::{run, shell};

    #[test]
    fn dns_answers_from_services() {
        let mut sh = shell();
        let (out, _, code) = run(&mut sh, "nslookup web");
        assert_eq!(
            (out.as_str(), code),
            (
                "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.shop.svc.cluster.local\nAddress: 10.96.5.5\n\n",
                0
            )
        );
        let (out, _, code) = run(&mut sh, "nslookup elasticsearch");
        assert!(out.contains("** server can't find elasticsearch.shop.svc.cluster.local: NXDOMAIN"), "{out}");
        assert_eq!(code, 1);
        assert_eq!(
            run(&mut sh, "getent hosts web"),
            ("10.96.5.5       web.shop.svc.cluster.local\n".into(), String::new(), 0)
        );
        assert_eq!(run(&mut sh, "getent hosts nope").2, 2);
    }

    #[test]
    fn curl_talks_to_the_apps() {
        let mut sh = shell();
        assert_eq!(run(&mut sh, "curl -s http://web/healthz"), ("ok\n".into(), String::new(), 0));
        let (out, _, _) = run(&mut sh, "curl -s web");
        assert!(out.contains("\"pod\":\"web-1\""), "{out}");
        assert_eq!(run(&mut sh, "curl -s -o /dev/null -w '%{http_code}' 10.244.0.6:8080/healthz").0, "503");
        assert_eq!(
            run(&mut sh, "curl http://inv"),
            (String::new(), "curl: (7) Failed to connect to inv port 80 after 0 ms: Connection refused\n".into(), 7)
        );
        assert_eq!(run(&mut sh, "curl -s nope").2, 6);
        assert_eq!(run(&mut sh, "curl -sS nope").1, "curl: (6) Could not resolve host: nope\n");
        assert_eq!(run(&mut sh, "curl -f -s localhost:8080/missing").2, 22);
        assert_eq!(run(&mut sh, "curl -s localhost:9999").2, 7, "a port no container exposes");
        // `--write-out` comes for a failed transfer too, with status 000, curl's exit code and its words.
        assert_eq!(
            run(&mut sh, "curl -s -o /dev/null --connect-timeout 5 -w '%{http_code} %{exitcode} %{errormsg}' inv"),
            ("000 7 Failed to connect to inv port 80 after 0 ms: Connection refused".into(), String::new(), 7)
        );
        // The HTTP sender's line: the trailer after the response, whatever happened.
        let (out, err, _) = run(&mut sh, r#"curl -sS -i -w "\\nmosaic-http\\t%{http_code}\\t%{exitcode}\\n" inv"#);
        assert_eq!(
            (out.as_str(), err.as_str()),
            ("\nmosaic-http\t000\t7\n", "curl: (7) Failed to connect to inv port 80 after 0 ms: Connection refused\n")
        );
        assert_eq!(
            run(&mut sh, "curl -s -o /dev/null -w '%{http_code} %{exitcode} %{time_total}' web/healthz").0,
            "200 0 0.002134"
        );
        let (out, _, _) = run(&mut sh, "curl -si web/nope");
        assert!(out.starts_with("HTTP/1.1 404 Not Found\r\n") && out.ends_with("404 page not found\n"), "{out}");
    }

    #[test]
    fn wget_reports_like_busybox() {
        let mut sh = shell();
        assert_eq!(run(&mut sh, "wget -qO- web/healthz"), ("ok\n".into(), String::new(), 0));
        let (_, err, code) = run(&mut sh, "wget -q -O- 10.244.0.6:8080/healthz");
        assert_eq!((err.as_str(), code), ("wget: server returned error: HTTP/1.1 503 Service Unavailable\n", 1));
        assert_eq!(run(&mut sh, "wget -q nope").1, "wget: bad address 'nope'\n");
    }
}
