//! `pods/portforward` over a WebSocket, as the kubelet serves it (the API server proxies kube-rs's
//! `v4.channel.k8s.io` request there): per port a data channel and an error channel, each opened with the
//! port in two little-endian bytes. Behind each port is the simulated app of the container that declares
//! it; a port nothing listens on gets containerd's "connection refused" on its error channel.
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use axum::body::Body;
use http::{Response, Uri};
use hyper::upgrade::OnUpgrade;
use tokio_util::sync::CancellationToken;

use super::Shared;
use super::app_http::{self, App, Parsed};
use super::channels::{self, ChannelSocket, Inbound, V4};
use super::exec::{KubeletRefusal, refusal_response, require_node};
use super::handler::ApiRequest;
use super::meta;
use super::network::{DialError, PodNet};
use super::registry;
use super::routes::Target;
use super::status::ApiError;

/// The ports of `?ports=8080,9090` (and repeated `ports=`), as the API server converts them.
fn ports(uri: &Uri) -> Result<Vec<u16>, KubeletRefusal> {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri).map(|q| q.0).unwrap_or_default();
    let values: Vec<&str> = pairs.iter().filter(|(k, _)| k == "ports").map(|(_, v)| v.as_str()).collect();
    let refuse = |text: String| KubeletRefusal { code: 400, text };
    if values.is_empty() {
        return Err(refuse("query parameter \"port\" is required".into()));
    }
    let mut out = Vec::new();
    for value in values {
        for p in value.split(',') {
            let port: u16 =
                p.trim().parse().map_err(|e| refuse(format!("unable to parse \"{value}\" as a port: {e}")))?;
            if port == 0 {
                return Err(refuse(format!("port \"{value}\" must be > 0")));
            }
            out.push(port);
        }
    }
    Ok(out)
}

/// A stable 64-hex-digit id, the way container runtimes name sandboxes.
fn hex_id(seed: &str, salt: &str) -> String {
    (0..4u8)
        .map(|i| {
            let mut hasher = DefaultHasher::new();
            (seed, salt, i).hash(&mut hasher);
            format!("{:016x}", hasher.finish())
        })
        .collect()
}

/// containerd's words for a port nothing listens on.
fn refused_message(port: u16, sandbox: &str) -> String {
    let netns = hex_id(sandbox, "netns");
    let netns = format!("{}-{}-{}-{}-{}", &netns[..8], &netns[8..12], &netns[12..16], &netns[16..20], &netns[20..32]);
    format!(
        "error forwarding port {port} to pod {sandbox}, uid : failed to execute portforward in network namespace \"/var/run/netns/cni-{netns}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
    )
}

/// Serve `GET …/pods/NAME/portforward` (authorization done).
pub fn serve(
    shared: Arc<Shared>,
    target: &Target,
    req: &ApiRequest,
    uri: &Uri,
    upgrade: Option<OnUpgrade>,
) -> Result<Response<Body>, ApiError> {
    let namespace = target.namespace.clone().unwrap_or_default();
    let pod_name = target.name.clone().unwrap_or_default();
    let pod = shared
        .store()
        .get(registry::PODS, &namespace, &pod_name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(target.res, &pod_name))?;
    require_node(&pod, &pod_name)?;
    if !channels::is_websocket_upgrade(&req.method, &req.headers) {
        return Err(ApiError::bad_request("Upgrade request required"));
    }
    // The kubelet's checks, answered before the upgrade.
    let ports = match ports(uri) {
        Ok(ports) => ports,
        Err(refusal) => return Ok(refusal_response(&refusal)),
    };
    if meta::str_at(&pod, &["status", "podIP"]).is_none_or(str::is_empty) {
        let refusal = KubeletRefusal { code: 500, text: format!("pod not found (\"{pod_name}_{namespace}\")") };
        return Ok(refusal_response(&refusal));
    }
    let protocol = channels::negotiate(&req.headers, &[V4, ""])?;
    let upgrade = upgrade.ok_or_else(|| ApiError::internal("the connection cannot be upgraded"))?;
    let response = channels::switching_protocols(&req.headers, protocol)?;
    let sandbox = hex_id(meta::uid(&pod).unwrap_or(&pod_name), "sandbox");
    let pod = PodNet::from_pod(&pod);
    let token = shared.watch_token();
    tokio::spawn(async move {
        let Some(socket) = ChannelSocket::accept(upgrade, protocol).await else { return };
        forward(socket, pod, ports, sandbox, token).await;
    });
    Ok(response)
}

/// One forwarded port: the app behind it and what the client has sent so far.
struct Stream {
    port: u16,
    app: Result<App, DialError>,
    request: Vec<u8>,
    done: bool,
}

async fn forward(mut socket: ChannelSocket, pod: PodNet, ports: Vec<u16>, sandbox: String, token: CancellationToken) {
    let mut streams: Vec<Stream> =
        ports.iter().map(|&port| Stream { port, app: pod.dial(port), request: Vec::new(), done: false }).collect();
    for (i, stream) in streams.iter_mut().enumerate() {
        let Ok(data) = u8::try_from(2 * i) else { return };
        let prefix = stream.port.to_le_bytes();
        if socket.send(data, &prefix).await.is_err() || socket.send(data + 1, &prefix).await.is_err() {
            return;
        }
        // The runtime dials the port as soon as the stream pair exists.
        if stream.app.is_err() {
            stream.done = true;
            if socket.send(data + 1, refused_message(stream.port, &sandbox).as_bytes()).await.is_err() {
                return;
            }
        }
    }
    while streams.iter().any(|s| !s.done) {
        let message = tokio::select! {
            _ = token.cancelled() => return,
            message = socket.recv() => message,
        };
        let (channel, bytes) = match message {
            None => return,
            Some(Inbound::Data(channel, bytes)) if channel % 2 == 0 => (channel, bytes),
            Some(_) => continue,
        };
        let Some(stream) = streams.get_mut(usize::from(channel / 2)).filter(|s| !s.done) else { continue };
        stream.request.extend_from_slice(&bytes);
        let reply = match (&stream.app, app_http::parse_request(&stream.request)) {
            (_, Parsed::Incomplete) => continue,
            (Ok(app), Parsed::Complete(request)) => app.handle(&request).to_bytes(request.method == "HEAD"),
            // Not HTTP: the app hangs up without a word.
            _ => Vec::new(),
        };
        stream.done = true;
        if !reply.is_empty() && socket.send(channel, &reply).await.is_err() {
            return;
        }
    }
    socket.finish().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_like_the_api_server() {
        let uri = |q: &str| format!("/api/v1/namespaces/a/pods/p/portforward?{q}").parse::<Uri>().expect("uri");
        assert_eq!(ports(&uri("&ports=80%2C1234")), Ok(vec![80, 1234]));
        assert_eq!(ports(&uri("ports=80&ports=81")), Ok(vec![80, 81]));
        assert_eq!(ports(&uri("")).map_err(|r| r.text), Err("query parameter \"port\" is required".into()));
        assert!(ports(&uri("ports=x")).is_err());
        assert!(ports(&uri("ports=0")).is_err());
    }

    #[test]
    fn refusals_read_like_containerds() {
        let sandbox = hex_id("uid-1", "sandbox");
        assert_eq!(sandbox.len(), 64);
        assert_eq!(sandbox, hex_id("uid-1", "sandbox"), "stable");
        let message = refused_message(9999, &sandbox);
        assert!(message.starts_with(&format!("error forwarding port 9999 to pod {sandbox}, uid : ")));
        assert!(message.contains("dial tcp4 127.0.0.1:9999: connect: connection refused"));
    }
}
