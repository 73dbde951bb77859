//! `pods/exec` and `pods/portforward` on the simulated API server, driven by kube-rs exactly as mosaic will
//! use them (and by a raw `v4.channel.k8s.io` client where the kubelet's own answer matters).
use std::time::Duration;

use futures::SinkExt;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, AttachedProcess, TerminalSize};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(5);

/// A namespace with a healthy pod behind a Service, a pod that never gets ready, and one whose image
/// cannot be pulled; `admin` may do anything, `dev` may only read pods and services.
const SCENARIO: &str = r#"
apiVersion: sim.mosaic.dev/v1
kind: SimScenario
metadata: {name: exec}
users:
- name: admin
  token: admin-token
  rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
- name: dev
  token: dev-token
  groups: [devs]
  rules:
  - {apiGroups: [""], resources: [pods, pods/log, services], verbs: [get, list, watch], namespaces: [acme]}
---
apiVersion: v1
kind: Namespace
metadata: {name: acme}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: acme, labels: {app: web}}
spec:
  containers:
  - name: web
    image: ghcr.io/acme/web:1.8.2
    ports: [{name: http, containerPort: 8080}]
    env: [{name: GREETING, value: hello from web}]
---
apiVersion: v1
kind: Pod
metadata:
  name: inventory-1
  namespace: acme
  labels: {app: inventory}
  annotations: {sim.mosaic.dev/simulate: notready}
spec:
  containers:
  - name: inventory
    image: ghcr.io/acme/inventory:1.3.0
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata:
  name: catalog-1
  namespace: acme
  labels: {app: catalog}
  annotations: {sim.mosaic.dev/simulate: imagepull}
spec:
  containers: [{name: catalog, image: registry.example.invalid/nope:1}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: acme}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
"#;

async fn start() -> SimHandle {
    let scenario = Scenario::from_yaml(SCENARIO).expect("the scenario parses");
    SimServer::start(scenario, SimOptions::default()).await.expect("the simulated server starts")
}

async fn pods(sim: &SimHandle, user: &str) -> Api<Pod> {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig(user, "acme")).expect("kubeconfig parses");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.expect("config");
    Api::namespaced(Client::try_from(config).expect("client"), "acme")
}

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

async fn read_all(reader: Option<impl AsyncRead + Unpin>) -> String {
    let mut text = String::new();
    if let Some(mut reader) = reader {
        reader.read_to_string(&mut text).await.expect("reads");
    }
    text
}

/// Run a command to its end: (stdout, stderr, status).
async fn run(pods: &Api<Pod>, pod: &str, command: &[&str]) -> (String, String, Status) {
    let mut process = within("exec", pods.exec(pod, command.to_vec(), &AttachParams::default().stderr(true)))
        .await
        .expect("the exec connects");
    finish(&mut process).await
}

async fn finish(process: &mut AttachedProcess) -> (String, String, Status) {
    let status = process.take_status().expect("a status channel");
    let (stdout, stderr, status) = within("the command's end", async {
        tokio::join!(read_all(process.stdout()), read_all(process.stderr()), status)
    })
    .await;
    (stdout, stderr, status.expect("a status"))
}

fn exit_code(status: &Status) -> Option<String> {
    let causes = status.details.as_ref()?.causes.as_ref()?;
    causes.iter().find(|c| c.reason.as_deref() == Some("ExitCode")).and_then(|c| c.message.clone())
}

#[tokio::test]
async fn one_shot_commands_stream_stdout_and_stderr() {
    let sim = start().await;
    let pods = pods(&sim, "admin").await;
    let (stdout, stderr, status) = run(&pods, "web-1", &["sh", "-c", "echo $GREETING; echo oops >&2; hostname"]).await;
    assert_eq!((stdout.as_str(), stderr.as_str()), ("hello from web\nweb-1\n", "oops\n"));
    assert_eq!(status.status.as_deref(), Some("Success"));
    let (stdout, _, _) = run(&pods, "web-1", &["cat", "/etc/resolv.conf"]).await;
    assert!(
        stdout.starts_with("search acme.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\n"),
        "{stdout}"
    );
    // The Service resolves and answers, through its endpoints, from the pod's simulated app.
    let (stdout, _, _) =
        run(&pods, "web-1", &["sh", "-c", "nslookup web >/dev/null && curl -s http://web/healthz"]).await;
    assert_eq!(stdout, "ok\n");
    assert_eq!(sim.count("create", "pods/exec"), 3);
    let session = sim.exec_sessions().pop().expect("recorded");
    assert_eq!(
        (session.container.as_str(), session.protocol.as_str(), session.exit_code),
        ("web", "v5.channel.k8s.io", Some(0))
    );
}

#[tokio::test]
async fn failing_commands_report_their_exit_code() {
    let sim = start().await;
    let pods = pods(&sim, "admin").await;
    let (_, stderr, status) = run(&pods, "web-1", &["sh", "-c", "echo failing >&2; exit 3"]).await;
    assert_eq!(stderr, "failing\n");
    assert_eq!((status.status.as_deref(), status.reason.as_deref()), (Some("Failure"), Some("NonZeroExitCode")));
    assert_eq!(exit_code(&status).as_deref(), Some("3"));
    assert_eq!(
        status.message.as_deref(),
        Some("command terminated with non-zero exit code: command terminated with exit code 3")
    );
    let (_, stderr, status) = run(&pods, "web-1", &["sh", "-c", "nosuchtool --help"]).await;
    assert_eq!((stderr.as_str(), exit_code(&status).as_deref()), ("sh: nosuchtool: not found\n", Some("127")));
    let (_, stderr, status) = run(&pods, "web-1", &["curl", "-sS", "http://web:81/"]).await;
    assert!(stderr.starts_with("curl: (28)"), "a port the Service does not define: {stderr}");
    assert_eq!(exit_code(&status).as_deref(), Some("28"));
    // A program the image does not have: the runtime refuses to start it.
    let (_, _, status) = run(&pods, "web-1", &["ip", "addr"]).await;
    assert_eq!((status.reason.as_deref(), status.code), (Some("InternalError"), Some(500)));
    let message = status.message.unwrap_or_default();
    assert!(message.contains("exec: \"ip\": executable file not found in $PATH"), "{message}");
}

#[tokio::test]
async fn exec_into_a_container_that_is_not_running_is_refused() {
    let sim = start().await;
    let pods = pods(&sim, "admin").await;
    // The API server's own check, before the upgrade.
    let params = AttachParams::default().container("nope");
    let err = within("exec", pods.exec("web-1", vec!["ls"], &params)).await.err().expect("refused");
    let kube::Error::Api(status) = err else { panic!("an API error: {err:?}") };
    assert_eq!((status.code, status.message.as_str()), (400, "container nope is not valid for pod web-1"));
    // The kubelet's: through the stream translator (v5) it comes on the error channel.
    let (_, _, status) = run(&pods, "catalog-1", &["ls"]).await;
    assert_eq!(status.code, Some(500));
    assert_eq!(
        status.message.as_deref(),
        Some("Internal error occurred: unable to upgrade connection: container not found (\"catalog\")")
    );
    // Straight from the kubelet (v4), before the upgrade.
    let request = http::Request::builder()
        .uri(format!("ws://{}/api/v1/namespaces/acme/pods/catalog-1/exec?command=ls&stdout=true", sim.addr()))
        .header("Host", sim.addr().to_string())
        .header("Authorization", "Bearer admin-token")
        .header("Sec-WebSocket-Protocol", "v4.channel.k8s.io")
        .header("Sec-WebSocket-Key", tokio_tungstenite::tungstenite::handshake::client::generate_key())
        .header("Sec-WebSocket-Version", "13")
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .body(())
        .expect("request");
    let tcp = tokio::net::TcpStream::connect(sim.addr()).await.expect("connect");
    match within("v4 exec", tokio_tungstenite::client_async(request, tcp)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).into_owned();
            assert_eq!((response.status().as_u16(), body.as_str()), (500, "container not found (\"catalog\")"));
        }
        other => panic!("the kubelet refuses before the upgrade: {:?}", other.map(|(_, r)| r.status())),
    }
}

#[tokio::test]
async fn dev_may_not_exec_or_forward() {
    let sim = start().await;
    let pods = pods(&sim, "dev").await;
    let err = within("exec", pods.exec("web-1", vec!["ls"], &AttachParams::default())).await.err().expect("forbidden");
    let kube::Error::Api(status) = err else { panic!("an API error: {err:?}") };
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "pods \"web-1\" is forbidden: User \"dev\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"acme\""
    );
    let err = within("port-forward", pods.portforward("web-1", &[8080])).await.err().expect("forbidden");
    let kube::Error::Api(status) = err else { panic!("an API error: {err:?}") };
    assert_eq!(status.code, 403);
    assert!(status.message.contains("cannot create resource \"pods/portforward\""), "{}", status.message);
    assert_eq!((sim.count("create", "pods/exec"), sim.count("create", "pods/portforward")), (1, 1));
    assert!(sim.exec_sessions().is_empty());
}

/// Read from a terminal until `want` shows up; returns everything read.
async fn read_until(reader: &mut (impl AsyncRead + Unpin), seen: &mut String, want: &str) {
    let mut buf = [0u8; 1024];
    within(&format!("{want:?} on the terminal (so far {seen:?})"), async {
        while !seen.contains(want) {
            let n = reader.read(&mut buf).await.expect("reads");
            assert!(n > 0, "the terminal closed before {want:?}; it showed {seen:?}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
    .await;
}

#[tokio::test]
async fn an_interactive_shell_echoes_runs_and_exits() {
    let sim = start().await;
    let pods = pods(&sim, "admin").await;
    let mut shell =
        within("exec", pods.exec("web-1", vec!["sh"], &AttachParams::interactive_tty())).await.expect("connects");
    let mut stdin = shell.stdin().expect("stdin");
    let mut stdout = shell.stdout().expect("stdout");
    let mut resize = shell.terminal_size().expect("a tty can resize");
    let mut seen = String::new();
    read_until(&mut stdout, &mut seen, "/app $ ").await;
    resize.send(TerminalSize { width: 120, height: 40 }).await.expect("resize");
    stdin.write_all(b"echo hi\n").await.expect("types");
    // The terminal echoes the line, the shell answers, and prompts again.
    read_until(&mut stdout, &mut seen, "echo hi\r\nhi\r\n/app $ ").await;
    stdin.write_all(b"cd /etc; pwd\r").await.expect("types");
    read_until(&mut stdout, &mut seen, "/etc\r\n/etc $ ").await;
    let status = shell.take_status().expect("status channel");
    stdin.write_all(b"exit\n").await.expect("types");
    let status = within("the shell's end", status).await.expect("a status");
    assert_eq!(status.status.as_deref(), Some("Success"));
    let mut rest = String::new();
    within("the stream's end", stdout.read_to_string(&mut rest)).await.expect("reads to the end");
    let session = sim.exec_sessions().pop().expect("recorded");
    assert_eq!((session.tty, session.stdin, session.exit_code), (true, true, Some(0)));
    assert_eq!(session.terminal_size.map(|s| (s.width, s.height)), Some((120, 40)));
}

/// One HTTP request through a forwarded port: the whole response.
async fn fetch(pods: &Api<Pod>, pod: &str, port: u16, path: &str) -> String {
    let mut forwarder = within("port-forward", pods.portforward(pod, &[port])).await.expect("forwards");
    let mut stream = forwarder.take_stream(port).expect("a stream for the port");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = String::new();
    within("the response", stream.read_to_string(&mut response)).await.expect("reads");
    drop(stream);
    // Like a kubelet, the server closes the WebSocket once the app has hung up; kube-rs's join then reports
    // that it could not send its own close frame, which is harmless.
    let _ = within("the forwarder's end", forwarder.join()).await;
    response
}

#[tokio::test]
async fn port_forward_reaches_the_simulated_app() {
    let sim = start().await;
    let pods = pods(&sim, "admin").await;
    let healthy = fetch(&pods, "web-1", 8080, "/healthz").await;
    assert!(healthy.starts_with("HTTP/1.1 200 OK\r\n") && healthy.ends_with("\r\n\r\nok\n"), "{healthy}");
    let not_ready = fetch(&pods, "inventory-1", 8080, "/healthz").await;
    assert!(not_ready.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{not_ready}");
    let home = fetch(&pods, "web-1", 8080, "/").await;
    let body = home.split("\r\n\r\n").nth(1).unwrap_or_default();
    let page: serde_json::Value = serde_json::from_str(body).expect("a JSON page");
    assert_eq!(
        (page["app"].as_str(), page["pod"].as_str(), page["version"].as_str()),
        (Some("web"), Some("web-1"), Some("1.8.2"))
    );
    assert!(fetch(&pods, "web-1", 8080, "/nope").await.starts_with("HTTP/1.1 404 Not Found\r\n"));
    assert_eq!(sim.count("create", "pods/portforward"), 4);
}

#[tokio::test]
async fn port_forward_to_an_unexposed_port_reports_the_error() {
    let sim = start().await;
    let pods = pods(&sim, "admin").await;
    let mut forwarder = within("port-forward", pods.portforward("web-1", &[9999])).await.expect("forwards");
    let error = forwarder.take_error(9999).expect("an error channel");
    let message = within("the error", error).await.expect("an error message");
    assert!(message.starts_with("error forwarding port 9999 to pod "), "{message}");
    assert!(message.contains("dial tcp4 127.0.0.1:9999: connect: connection refused"), "{message}");
    let _ = within("the forwarder's end", forwarder.join()).await;
}

#[tokio::test]
async fn an_old_server_execs_through_the_kubelet_with_v4() {
    let scenario = Scenario::from_yaml(SCENARIO).expect("the scenario parses");
    let options = SimOptions { flavour: mosaic::sim::Flavour::V1_19, ..SimOptions::default() };
    let sim = SimServer::start(scenario, options).await.expect("the simulated server starts");
    let pods = pods(&sim, "admin").await;
    let (stdout, _, status) = run(&pods, "web-1", &["sh", "-c", "echo v4; exit 2"]).await;
    assert_eq!(stdout, "v4\n");
    assert_eq!(
        status.message.as_deref(),
        Some(
            "command terminated with non-zero exit code: error executing command [sh -c echo v4; exit 2], exit code 2"
        )
    );
    // The kubelet refuses before the upgrade, in plain text.
    let err =
        within("exec", pods.exec("catalog-1", vec!["ls"], &AttachParams::default())).await.err().expect("refused");
    let kube::Error::Api(status) = err else { panic!("an API error: {err:?}") };
    assert_eq!((status.code, status.message.as_str()), (500, "container not found (\"catalog\")"));
    assert_eq!(sim.exec_sessions().pop().map(|s| s.protocol), Some("v4.channel.k8s.io".to_string()));
}
