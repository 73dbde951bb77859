//! The simulated app behind every container port: a tiny HTTP/1.1 server. It answers `GET /` with a JSON
//! page naming the app and the pod, the health paths with `ok` (or 503 when the pod is not ready), anything
//! else with Go's `404 page not found`, and closes the connection after each response.
use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimePrinter;
use serde_json::json;

/// Paths a readiness or health check asks; a pod that is not ready answers them with 503.
const READINESS_PATHS: &[&str] = &["/healthz", "/health", "/ready", "/readyz"];
/// Liveness paths: the process is up, whatever its readiness.
const LIVENESS_PATHS: &[&str] = &["/livez", "/live"];
/// Requests larger than this are not HTTP as the simulated apps know it.
const MAX_REQUEST: usize = 64 * 1024;

/// The app one container runs.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// The app's name: the pod's `app` label, else the container's name.
    pub name: String,
    /// The image tag.
    pub version: String,
    pub pod: String,
    pub namespace: String,
    pub port: u16,
    /// Whether the app reports itself healthy (the pod is ready, its simulate mode is not `notready`).
    pub ready: bool,
}

/// A parsed request line and the headers that matter.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// Not a whole request yet: read more.
    Incomplete,
    Complete(HttpRequest),
    /// Bytes the app cannot make sense of: it closes the connection.
    NotHttp,
}

/// Parse what a client has sent so far.
pub fn parse_request(buf: &[u8]) -> Parsed {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        let first_line_ok = buf.iter().take(16).all(|b| b.is_ascii_graphic() || *b == b' ' || *b == b'\r');
        return if buf.len() > MAX_REQUEST || !first_line_ok { Parsed::NotHttp } else { Parsed::Incomplete };
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(target), Some(version))
            if version.starts_with("HTTP/1.") && method.chars().all(|c| c.is_ascii_uppercase()) =>
        {
            let path = target.split(['?', '#']).next().unwrap_or("/");
            Parsed::Complete(HttpRequest { method: method.to_string(), path: path.to_string() })
        }
        _ => Parsed::NotHttp,
    }
}

/// A response, before it is written out.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub server: String,
    pub date: Timestamp,
}

impl HttpResponse {
    pub fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            404 => "Not Found",
            405 => "Method Not Allowed",
            503 => "Service Unavailable",
            _ => "",
        }
    }

    /// `HTTP/1.1 200 OK`
    pub fn status_line(&self) -> String {
        format!("HTTP/1.1 {} {}", self.status, self.reason())
    }

    /// The status line and headers, each ending in CRLF, then the empty line.
    pub fn head(&self) -> String {
        let date = DateTimePrinter::new().timestamp_to_rfc9110_string(&self.date).unwrap_or_default();
        format!(
            "{}\r\nContent-Type: {}\r\nContent-Length: {}\r\nDate: {date}\r\nServer: {}\r\nConnection: close\r\n\r\n",
            self.status_line(),
            self.content_type,
            self.body.len(),
            self.server,
        )
    }

    /// The bytes on the wire; a HEAD response carries no body.
    pub fn to_bytes(&self, head_only: bool) -> Vec<u8> {
        let mut bytes = self.head().into_bytes();
        if !head_only {
            bytes.extend_from_slice(self.body.as_bytes());
        }
        bytes
    }
}

impl App {
    pub fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let reply = |status: u16, content_type: &'static str, body: String| HttpResponse {
            status,
            content_type,
            body,
            server: format!("{}/{}", self.name, self.version),
            date: Timestamp::now(),
        };
        let text = "text/plain; charset=utf-8";
        if !matches!(request.method.as_str(), "GET" | "HEAD") {
            return reply(405, text, "method not allowed\n".into());
        }
        let path = request.path.as_str();
        if READINESS_PATHS.contains(&path) {
            return if self.ready { reply(200, text, "ok\n".into()) } else { reply(503, text, "not ready\n".into()) };
        }
        if LIVENESS_PATHS.contains(&path) {
            return reply(200, text, "ok\n".into());
        }
        if path == "/" {
            let page = json!({
                "app": self.name,
                "version": self.version,
                "pod": self.pod,
                "namespace": self.namespace,
                "port": self.port,
                "ready": self.ready,
            });
            return reply(200, "application/json", format!("{page}\n"));
        }
        reply(404, text, "404 page not found\n".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(ready: bool) -> App {
        App {
            name: "web".into(),
            version: "1.2.0".into(),
            pod: "web-1".into(),
            namespace: "acme".into(),
            port: 8080,
            ready,
        }
    }

    fn get(path: &str) -> HttpRequest {
        HttpRequest { method: "GET".into(), path: path.into() }
    }

    #[test]
    fn requests_parse_once_whole() {
        assert_eq!(parse_request(b"GET /healthz HTTP/1.1\r\nHost: x"), Parsed::Incomplete);
        assert_eq!(
            parse_request(b"GET /healthz?verbose=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Parsed::Complete(get("/healthz"))
        );
        assert_eq!(parse_request(b"\x16\x03\x01\x02\x00"), Parsed::NotHttp);
        assert_eq!(parse_request(b"hello there\r\n\r\n"), Parsed::NotHttp);
    }

    #[test]
    fn health_follows_readiness() {
        assert_eq!(
            (app(true).handle(&get("/healthz")).status, app(true).handle(&get("/healthz")).body),
            (200, "ok\n".into())
        );
        assert_eq!(app(false).handle(&get("/healthz")).status, 503);
        assert_eq!(app(false).handle(&get("/livez")).status, 200);
        assert_eq!(app(true).handle(&get("/nope")).body, "404 page not found\n");
        let home = app(true).handle(&get("/"));
        let page: serde_json::Value = serde_json::from_str(&home.body).expect("json");
        assert_eq!((page["app"].as_str(), page["pod"].as_str()), (Some("web"), Some("web-1")));
        let wire = String::from_utf8(home.to_bytes(false)).expect("utf8");
        assert!(wire.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"), "{wire}");
        assert!(wire.contains("\r\nConnection: close\r\n\r\n{"), "{wire}");
    }
}
