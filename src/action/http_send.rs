//! The HTTP sender: one request (method, URL, headers, body) sent with curl from a probe pod, and the answer
//! read back from the pod's log: status, headers, body and timing.
use super::probe::ProbePod;
use crate::analysis::network::probe::{CONNECT_TIMEOUT, MAX_TIME};

/// The line curl prints after the response, so the response's end is known whatever it holds.
const TRAILER: &str = "mosaic-http";
/// Bodies longer than this are cut in the answer (the pod's log keeps them whole).
pub const MAX_BODY: usize = 64 * 1024;

/// A request to send.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HttpSend {
    /// `GET`, `POST`…
    pub method: String,
    /// `http://storefront.shop.svc.cluster.local:80/healthz`
    pub url: String,
    /// `Name: value` pairs, in order.
    pub headers: Vec<(String, String)>,
    /// Sent as is (`--data-binary`); empty sends none.
    pub body: String,
}

impl HttpSend {
    /// The curl argv the probe pod runs: headers in the output (`-i`), errors in words (`-sS`), the method
    /// only when it is not what curl would pick, and a trailer line with the timing and curl's exit code.
    pub fn curl_argv(&self) -> Vec<String> {
        let mut argv: Vec<String> = ["curl", "-sS", "-i", "--connect-timeout"].iter().map(|s| s.to_string()).collect();
        argv.extend([CONNECT_TIMEOUT.to_string(), "--max-time".into(), MAX_TIME.to_string()]);
        let method = self.method.trim().to_ascii_uppercase();
        let implied = if self.body.is_empty() { "GET" } else { "POST" };
        if !method.is_empty() && method != implied {
            argv.extend(["-X".into(), method]);
        }
        for (name, value) in &self.headers {
            argv.extend(["-H".into(), format!("{}: {}", name.trim(), value.trim())]);
        }
        if !self.body.is_empty() {
            argv.extend(["--data-binary".into(), self.body.clone()]);
        }
        argv.extend([
            "-w".into(),
            format!("\\n{TRAILER}\\t%{{http_code}}\\t%{{time_total}}\\t%{{exitcode}}\\t%{{errormsg}}\\n"),
            self.url.clone(),
        ]);
        argv
    }

    /// The probe pod that sends it.
    pub fn pod(&self, namespace: &str, image: &str) -> ProbePod {
        let mut pod = ProbePod::for_targets(namespace, image, &[]);
        pod.command = vec!["sh".into(), "-c".into(), super::plan::script_line(&self.curl_argv())];
        pod
    }

    /// Headers typed one per line as `Name: value`; lines without a colon are skipped.
    pub fn parse_headers(text: &str) -> Vec<(String, String)> {
        text.lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
            .filter(|(name, _)| !name.is_empty())
            .collect()
    }
}

/// The answer, as the pod saw it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct HttpExchange {
    /// `None` when no answer came.
    pub status: Option<u16>,
    /// `HTTP/1.1 200 OK`
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Cut at [`MAX_BODY`].
    pub truncated: bool,
    pub seconds: Option<f64>,
    /// curl's exit code and its words when it failed.
    pub exit: i32,
    pub error: Option<String>,
    /// What was done about Secret values in the answer (masked, or why not).
    #[serde(skip)]
    pub masking: Option<String>,
}

impl HttpExchange {
    /// Reads the pod's log: the response (`-i`: status line, headers, empty line, body), then the trailer.
    pub fn parse(log: &str) -> HttpExchange {
        let (response, trailer) = match log.rfind(&format!("\n{TRAILER}\t")) {
            Some(i) => (&log[..i], &log[i + 1..]),
            None => (log, ""),
        };
        // Only the trailer's own line: curl's error on stderr may follow it in the log.
        let mut fields = trailer.lines().next().unwrap_or_default().splitn(5, '\t').skip(1);
        let code: u16 = fields.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let seconds = fields.next().and_then(|t| t.parse().ok());
        let exit = fields.next().and_then(|e| e.parse().ok()).unwrap_or(if trailer.is_empty() { -1 } else { 0 });
        let error = fields.next().map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
        let mut exchange = HttpExchange { seconds, exit, error, ..HttpExchange::default() };
        if code == 0 {
            if trailer.is_empty() {
                exchange.error = Some("the probe pod printed no answer".into());
            }
            return exchange;
        }
        exchange.status = Some(code);
        let (head, body) = split_head(response);
        let mut lines = head.lines().map(|l| l.trim_end_matches('\r'));
        exchange.status_line = lines.next().unwrap_or_default().to_string();
        exchange.headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
            .collect();
        exchange.truncated = body.len() > MAX_BODY;
        let mut end = body.len().min(MAX_BODY);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        exchange.body = body[..end].to_string();
        exchange
    }

    /// `200 OK in 3 ms` or why there is no answer.
    pub fn summary(&self) -> String {
        let time = self.seconds.map(|s| format!(" in {} ms", (s * 1000.0).round() as u64)).unwrap_or_default();
        match self.status {
            Some(_) => {
                let words = self.status_line.split_once(' ').map_or(self.status_line.as_str(), |(_, rest)| rest);
                format!("{words}{time}")
            }
            None => format!(
                "no answer (curl exit {}: {})",
                self.exit,
                self.error.as_deref().unwrap_or("the request did not complete")
            ),
        }
    }
}

/// The response head and body, split at the first empty line (CRLF or LF).
fn split_head(response: &str) -> (&str, &str) {
    match (response.find("\r\n\r\n"), response.find("\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (&response[..lf], &response[lf + 2..]),
        (Some(crlf), _) => (&response[..crlf], &response[crlf + 4..]),
        (None, Some(lf)) => (&response[..lf], &response[lf + 2..]),
        (None, None) => (response, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str) -> HttpSend {
        HttpSend { method: "GET".into(), url: url.into(), headers: vec![], body: String::new() }
    }

    #[test]
    fn the_curl_argv_is_exact() {
        assert_eq!(
            get("http://web.shop.svc.cluster.local:80/healthz").curl_argv(),
            [
                "curl",
                "-sS",
                "-i",
                "--connect-timeout",
                "5",
                "--max-time",
                "10",
                "-w",
                "\\nmosaic-http\\t%{http_code}\\t%{time_total}\\t%{exitcode}\\t%{errormsg}\\n",
                "http://web.shop.svc.cluster.local:80/healthz",
            ]
        );
        let post = HttpSend {
            method: "put".into(),
            url: "http://10.0.0.1:8080/items/1".into(),
            headers: HttpSend::parse_headers("Content-Type: application/json\nnot a header\nX-Trace :  abc \n"),
            body: "{\"n\": 1}".into(),
        };
        let argv = post.curl_argv();
        assert_eq!(
            argv[7..15],
            ["-X", "PUT", "-H", "Content-Type: application/json", "-H", "X-Trace: abc", "--data-binary", "{\"n\": 1}"]
        );
        let with_body = HttpSend { method: "POST".into(), body: "x".into(), ..get("http://a/") };
        assert!(!with_body.curl_argv().contains(&"-X".to_string()), "POST is implied by a body");
    }

    #[test]
    fn the_answer_is_read_from_the_log() {
        let log = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"app\":\"x\"}\n\
                   \nmosaic-http\t200\t0.003\t0\t\n";
        let exchange = HttpExchange::parse(log);
        assert_eq!(exchange.status, Some(200));
        assert_eq!(exchange.status_line, "HTTP/1.1 200 OK");
        assert_eq!(exchange.headers[0], ("Content-Type".to_string(), "application/json".to_string()));
        assert_eq!(exchange.body, "{\"app\":\"x\"}\n");
        assert_eq!(exchange.summary(), "200 OK in 3 ms");
        let failed = HttpExchange::parse(
            "\nmosaic-http\t000\t0.001\t7\tFailed to connect to x port 80\ncurl: (7) Failed to connect to x port 80\n",
        );
        assert_eq!((failed.status, failed.exit), (None, 7));
        assert_eq!(failed.summary(), "no answer (curl exit 7: Failed to connect to x port 80)");
        assert_eq!(HttpExchange::parse("").error.as_deref(), Some("the probe pod printed no answer"));
    }
    /// The sender's script keeps the user's words: a JSON body and a header survive `sh -c` and the copied line.
    #[test]
    fn the_senders_line_splits_back_into_its_curl() {
        let request = HttpSend {
            method: "POST".into(),
            url: "http://web.shop.svc.cluster.local:80/items".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: r#"{"name": "it's $5"}"#.into(),
        };
        let action = super::super::Action::send_http("shop", "curlimages/curl", request.clone());
        let ctx = super::super::PlanCtx { context: "sim-admin".into(), namespace: "shop".into() };
        let plan = action.plan(&ctx);
        let words = shell_words::split(&plan.command).expect("the line splits");
        assert_eq!(words, plan.argv);
        let script = words.last().expect("the script");
        assert_eq!(shell_words::split(script).expect("the script splits"), request.curl_argv());
        let plain = request.pod("shop", "curlimages/curl").command;
        assert!(plain[2].contains(r#"-H "Content-Type: application/json""#), "{}", plain[2]);
    }
}
