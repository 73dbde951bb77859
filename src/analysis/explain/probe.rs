//! Probes in words: what a probe checks (`:8080/healthz`) and how it failed (`HTTP 503`), from the
//! container's spec and the kubelet's `Unhealthy` message.

use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    Readiness,
    Liveness,
    Startup,
}

impl ProbeKind {
    /// From the start of the kubelet's message: `Readiness probe failed: …`.
    pub fn from_message(message: &str) -> Option<ProbeKind> {
        let lower = message.trim_start().to_lowercase();
        if lower.starts_with("readiness probe") {
            Some(ProbeKind::Readiness)
        } else if lower.starts_with("liveness probe") {
            Some(ProbeKind::Liveness)
        } else if lower.starts_with("startup probe") {
            Some(ProbeKind::Startup)
        } else {
            None
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            ProbeKind::Readiness => "readiness",
            ProbeKind::Liveness => "liveness",
            ProbeKind::Startup => "startup",
        }
    }

    /// The container's probe of this kind.
    pub fn of(self, container: &Container) -> Option<&Probe> {
        match self {
            ProbeKind::Readiness => container.readiness_probe.as_ref(),
            ProbeKind::Liveness => container.liveness_probe.as_ref(),
            ProbeKind::Startup => container.startup_probe.as_ref(),
        }
    }
}

/// What the probe checks: `:8080/healthz`, `TCP :8443`, `command cat /tmp/ready`, `gRPC :9090`.
pub fn target(probe: &Probe, container: &Container) -> Option<String> {
    if let Some(http) = &probe.http_get {
        let port = port_number(&http.port, container);
        let path = http.path.as_deref().unwrap_or("/");
        let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
        return Some(format!(":{port}{path}"));
    }
    if let Some(tcp) = &probe.tcp_socket {
        return Some(format!("TCP :{}", port_number(&tcp.port, container)));
    }
    if let Some(grpc) = &probe.grpc {
        return Some(format!("gRPC :{}", grpc.port));
    }
    if let Some(command) = probe.exec.as_ref().and_then(|e| e.command.as_ref()) {
        return Some(format!("command `{}`", command.join(" ")));
    }
    None
}

/// A named port resolved through the container's ports, as the kubelet does; else the name itself.
fn port_number(port: &IntOrString, container: &Container) -> String {
    match port {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(name) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map_or_else(|| name.clone(), |p| p.container_port.to_string()),
    }
}

/// How the probe failed, from the kubelet's message: `HTTP 503`, `connection refused`, `timed out`.
pub fn failure(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    if let Some((_, rest)) = lower.split_once("statuscode: ") {
        let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !code.is_empty() {
            return Some(format!("HTTP {code}"));
        }
    }
    if lower.contains("connection refused") {
        return Some("connection refused".to_string());
    }
    if lower.contains("timeout") || lower.contains("deadline exceeded") || lower.contains("timed out") {
        return Some("timed out".to_string());
    }
    if lower.contains("no route to host") {
        return Some("no route to host".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container(value: serde_json::Value) -> Container {
        serde_json::from_value(value).expect("a container")
    }

    #[test]
    fn targets_read_like_the_spec() {
        let c = container(json!({
            "name": "web", "ports": [{"name": "http", "containerPort": 8080}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
            "livenessProbe": {"tcpSocket": {"port": 8443}},
            "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}}
        }));
        let t = |k: ProbeKind| k.of(&c).and_then(|p| target(p, &c));
        assert_eq!(t(ProbeKind::Readiness).as_deref(), Some(":8080/healthz"));
        assert_eq!(t(ProbeKind::Liveness).as_deref(), Some("TCP :8443"));
        assert_eq!(t(ProbeKind::Startup).as_deref(), Some("command `cat /tmp/ready`"));
        let g = container(json!({"name": "g", "readinessProbe": {"grpc": {"port": 9090}}}));
        assert_eq!(ProbeKind::Readiness.of(&g).and_then(|p| target(p, &g)).as_deref(), Some("gRPC :9090"));
    }

    #[test]
    fn failures_from_kubelet_messages() {
        assert_eq!(
            failure("Readiness probe failed: HTTP probe failed with statuscode: 503").as_deref(),
            Some("HTTP 503")
        );
        assert_eq!(
            failure("Readiness probe failed: dial tcp 10.244.1.7:8443: connect: connection refused").as_deref(),
            Some("connection refused")
        );
        assert_eq!(
            failure("Liveness probe failed: Get \"http://10.0.0.1:8080/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)").as_deref(),
            Some("timed out")
        );
        assert_eq!(failure("Liveness probe failed: OCI runtime exec failed"), None);
        assert_eq!(ProbeKind::from_message("Startup probe failed: x"), Some(ProbeKind::Startup));
        assert_eq!(ProbeKind::from_message("Back-off"), None);
    }
}
