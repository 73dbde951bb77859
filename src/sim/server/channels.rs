//! The WebSocket side of `pods/exec` and `pods/portforward`: the upgrade handshake, subprotocol negotiation
//! as `wsstream` does it (the client's order wins), and the Kubernetes channel framing, where the first byte
//! of every binary message names the stream.
use std::time::Duration;

use axum::body::{Body, Bytes};
use futures::{SinkExt, StreamExt};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, frame::coding::CloseCode};
use tokio_tungstenite::tungstenite::{self, Message};

use super::status::ApiError;

/// Remote command protocol v5: v4 plus the close signal. The API server's stream translator speaks it.
pub const V5: &str = "v5.channel.k8s.io";
/// Remote command protocol v4 (status JSON on channel 3), and the kubelet's binary port-forward protocol.
pub const V4: &str = "v4.channel.k8s.io";
/// v5's "I am done writing to this channel": `[255, channel]`.
const CLOSE_SIGNAL: u8 = 255;
/// How long a finished session waits for the client to answer the close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Whether the request asks for a WebSocket (the only upgrade the simulated cluster speaks; SPDY is not).
pub fn is_websocket_upgrade(method: &Method, headers: &HeaderMap) -> bool {
    *method == Method::GET
        && has_token(headers, header::UPGRADE, "websocket")
        && has_token(headers, header::CONNECTION, "upgrade")
        && headers.contains_key(header::SEC_WEBSOCKET_KEY)
}

fn tokens(headers: &HeaderMap, name: header::HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn has_token(headers: &HeaderMap, name: header::HeaderName, want: &str) -> bool {
    tokens(headers, name).iter().any(|t| t.eq_ignore_ascii_case(want))
}

/// The subprotocol to answer with: the first the client offers that the server speaks; `""` stands for a
/// client that offers none.
pub fn negotiate(headers: &HeaderMap, supported: &[&'static str]) -> Result<&'static str, ApiError> {
    let offered = tokens(headers, header::SEC_WEBSOCKET_PROTOCOL);
    let wanted = if offered.is_empty() { vec![String::new()] } else { offered.clone() };
    wanted.iter().find_map(|w| supported.iter().find(|s| **s == w.as_str()).copied()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "requested protocol(s) are not supported: {offered:?}; supports {:?}",
            supported.iter().filter(|s| !s.is_empty()).collect::<Vec<_>>()
        ))
    })
}

/// The `101 Switching Protocols` answer to a WebSocket upgrade.
pub fn switching_protocols(headers: &HeaderMap, protocol: &str) -> Result<Response<Body>, ApiError> {
    let key =
        headers.get(header::SEC_WEBSOCKET_KEY).ok_or_else(|| ApiError::bad_request("missing Sec-WebSocket-Key"))?;
    let accept = HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
        .map_err(|e| ApiError::internal(format!("Sec-WebSocket-Accept: {e}")))?;
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let out = response.headers_mut();
    out.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    out.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    out.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    if !protocol.is_empty() {
        let value =
            HeaderValue::from_str(protocol).map_err(|e| ApiError::internal(format!("Sec-WebSocket-Protocol: {e}")))?;
        out.insert(header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    Ok(response)
}

/// A message the client sent on a channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Data(u8, Bytes),
    /// v5: the client will not write to this channel any more (stdin's EOF).
    Closed(u8),
}

/// An upgraded connection that speaks the channel protocol.
pub struct ChannelSocket {
    ws: WebSocketStream<TokioIo<Upgraded>>,
    close_signals: bool,
}

impl ChannelSocket {
    /// Wait for hyper to hand over the upgraded connection (after the 101 has gone out).
    pub async fn accept(upgrade: OnUpgrade, protocol: &str) -> Option<ChannelSocket> {
        match upgrade.await {
            Ok(upgraded) => {
                let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
                Some(ChannelSocket { ws, close_signals: protocol == V5 })
            }
            Err(e) => {
                tracing::debug!(error = %e, "a WebSocket upgrade to the simulated API server failed");
                None
            }
        }
    }

    /// Send bytes on a channel; an empty `data` is the one-byte "channel open" message.
    pub async fn send(&mut self, channel: u8, data: &[u8]) -> Result<(), tungstenite::Error> {
        let mut frame = Vec::with_capacity(data.len() + 1);
        frame.push(channel);
        frame.extend_from_slice(data);
        self.ws.send(Message::binary(frame)).await
    }

    /// The next channel message; `None` once the client has closed the connection (or it broke).
    /// Cancel-safe, so it can sit in a `select!`.
    pub async fn recv(&mut self) -> Option<Inbound> {
        while let Some(message) = self.ws.next().await {
            match message {
                Ok(Message::Binary(bytes)) if bytes.is_empty() => {}
                Ok(Message::Binary(bytes)) if self.close_signals && bytes[0] == CLOSE_SIGNAL => {
                    if let Some(channel) = bytes.get(1) {
                        return Some(Inbound::Closed(*channel));
                    }
                }
                Ok(Message::Binary(bytes)) => return Some(Inbound::Data(bytes[0], bytes.slice(1..))),
                Ok(Message::Close(_)) => return None,
                // Pings are answered by tungstenite itself; text frames belong to the base64 protocols.
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "reading a channel WebSocket");
                    return None;
                }
            }
        }
        None
    }

    /// End the session as the API server does: a close frame, then wait a little for the client to close.
    pub async fn finish(mut self) {
        let frame = CloseFrame { code: CloseCode::Normal, reason: "".into() };
        if self.ws.send(Message::Close(Some(frame))).await.is_err() {
            return;
        }
        let drain = async { while self.ws.next().await.is_some_and(|m| m.is_ok()) {} };
        let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                header::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        map
    }

    #[test]
    fn the_clients_order_wins() {
        let kube_rs = headers(&[("Sec-WebSocket-Protocol", "v5.channel.k8s.io, v4.channel.k8s.io")]);
        assert_eq!(negotiate(&kube_rs, &[V5, V4]), Ok(V5));
        assert_eq!(negotiate(&kube_rs, &[V4, ""]), Ok(V4));
        let none = headers(&[]);
        assert_eq!(negotiate(&none, &[V4, ""]), Ok(""));
        assert!(negotiate(&none, &[V5, V4]).is_err());
        let base64 = headers(&[("Sec-WebSocket-Protocol", "base64.channel.k8s.io")]);
        let err = negotiate(&base64, &[V5, V4]).expect_err("unsupported");
        assert_eq!(err.code, 400);
    }

    #[test]
    fn upgrades_are_recognised_and_answered() {
        let req = headers(&[
            ("Upgrade", "websocket"),
            ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ]);
        assert!(is_websocket_upgrade(&Method::GET, &req));
        assert!(!is_websocket_upgrade(&Method::POST, &req));
        assert!(!is_websocket_upgrade(&Method::GET, &headers(&[("Upgrade", "SPDY/3.1")])));
        let response = switching_protocols(&req, V5).expect("101");
        assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
        // The example of RFC 6455, section 1.3.
        assert_eq!(response.headers()[header::SEC_WEBSOCKET_ACCEPT], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(response.headers()[header::SEC_WEBSOCKET_PROTOCOL], V5);
    }
}
