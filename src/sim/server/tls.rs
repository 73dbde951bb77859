//! TLS for kubectl: client-go only sends credentials over TLS, so the server also speaks HTTPS on its port
//! (the first byte of a connection tells which) and the kubeconfig points at `https://`.
//!
//! The certificates are a throwaway test CA and a leaf for `127.0.0.1` / `localhost`, valid until 2126. They
//! protect nothing: the simulated cluster only listens on 127.0.0.1 and holds no real data.
use std::sync::Arc;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// The CA the kubeconfig trusts (`certificate-authority-data`).
pub const CA_PEM: &str = "\
-----BEGIN CERTIFICATE-----
MIIBhzCCAS2gAwIBAgIUBqOqG2v+lla8gxsg10JZvfG71kcwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNbW9zYWljLXNpbS1jYTAgFw0yNjExMjIwNDE4MDJaGA8yMTI2
MTAyOTA0MTgwMlowGDEWMBQGA1UEAwwNbW9zYWljLXNpbS1jYTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABIFYmML54imHZ9AAfyYhm2qsuCW2VCmUEyF8y5xD02HC
q8swPlGbjmKQxhxpyf2LVzDqBDNGWgY+tqe8Zb8kxU+jUzBRMB0GA1UdDgQWBBT9
1OsyAxr6RGEX03s6pF+SQrI9MDAfBgNVHSMEGDAWgBT91OsyAxr6RGEX03s6pF+S
QrI9MDAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDtuHIDP2x8
zj6YUi4jusHEMdwqdBouQUTzyrSlQMxAJAIgdczcoh/4vB3naWmTvOE4a46rUFfS
VaPCDFqPPMwMm3I=
-----END CERTIFICATE-----
";

const LEAF_PEM: &str = "\
-----BEGIN CERTIFICATE-----
MIIBxDCCAWqgAwIBAgIUf9dL8mm1UCz9JIEsiFZbQApJ6bYwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNbW9zYWljLXNpbS1jYTAgFw0yNjExMjIwNDE4MDJaGA8yMTI2
MTAyOTA0MTgwMlowFTETMBEGA1UEAwwKbW9zYWljLXNpbTBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABAusTnQkiZuTFQjd+lE5DrYrfzY4kmxmpktJr82ZT/2w7fij
e56oqB5zPM0SAyUOhsJvgeLYSsO2bNRuH+gQn9GjgZIwgY8wDAYDVR0TAQH/BAIw
ADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwGgYDVR0RBBMw
EYcEfwAAAYIJbG9jYWxob3N0MB0GA1UdDgQWBBTm+otSbvk7Y6hQkXb3TFjnmaca
tjAfBgNVHSMEGDAWgBT91OsyAxr6RGEX03s6pF+SQrI9MDAKBggqhkjOPQQDAgNI
ADBFAiAHTd2pTDpUbKpzDD0jx7qhfYxM1ZHsPbK1uMp8Pox4XQIhAKhWwTTlNYKr
ND+OCll6+1XGyid8lAbezGkxjXZli37T
-----END CERTIFICATE-----
";

const LEAF_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQglrhFQKg27Hc4foOX
uXDe2WovlcQl6C3/F2tzZctv5yuhRANCAAQLrE50JImbkxUI3fpROQ62K382OJJs
ZqZLSa/NmU/9sO34o3ueqKgeczzNEgMlDobCb4Hi2ErDtmzUbh/oEJ/R
-----END PRIVATE KEY-----
";

/// The first byte of a TLS ClientHello (a handshake record).
pub const TLS_HANDSHAKE: u8 = 0x16;

pub fn acceptor() -> anyhow::Result<TlsAcceptor> {
    let chain = vec![
        CertificateDer::from_pem_slice(LEAF_PEM.as_bytes()).context("the simulated server's certificate")?,
        CertificateDer::from_pem_slice(CA_PEM.as_bytes()).context("the simulated server's CA")?,
    ];
    let key = PrivateKeyDer::from_pem_slice(LEAF_KEY_PEM.as_bytes()).context("the simulated server's key")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the simulated server's TLS configuration")?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_certificates_load() {
        assert!(acceptor().is_ok());
    }
}
