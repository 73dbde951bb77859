//! API and connection errors in plain words: what happened, and what to do.
use std::error::Error as _;

/// The broad class of a failed call, which decides how mosaic reacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 403: the user may not do this. Never retried.
    Forbidden(String),
    /// 404: the kind or object does not exist on this server.
    NotFound(String),
    /// 410: the resourceVersion is too old; relist.
    Expired(String),
    /// 401: the credentials were refused.
    Unauthorized(String),
    /// Any other answer from the server (conflict, invalid, 5xx).
    Api { code: u16, message: String },
    /// No answer: connection refused, DNS, TLS, timeout, a dropped stream.
    Connection(String),
}

impl Failure {
    pub fn from_kube(err: &kube::Error) -> Failure {
        match err {
            kube::Error::Api(status) => {
                let message = status.message.clone();
                match status.code {
                    403 => Failure::Forbidden(message),
                    404 => Failure::NotFound(message),
                    410 => Failure::Expired(message),
                    401 => Failure::Unauthorized(if message.is_empty() { "Unauthorized".into() } else { message }),
                    code => Failure::Api { code, message },
                }
            }
            other => Failure::Connection(root_cause(other)),
        }
    }

    pub fn from_status(status: &kube::core::Status) -> Failure {
        Failure::from_kube(&kube::Error::Api(Box::new(status.clone())))
    }

    /// One line for the header or a list's empty state.
    pub fn summary(&self) -> String {
        match self {
            Failure::Forbidden(m) | Failure::NotFound(m) | Failure::Expired(m) => m.clone(),
            Failure::Unauthorized(m) => format!("the server refused your credentials ({m})"),
            Failure::Api { code, message } => format!("the server answered {code}: {message}"),
            Failure::Connection(m) => m.clone(),
        }
    }
}

/// The innermost cause of an error chain, which is usually the one a person can act on
/// ("Connection refused (os error 111)" rather than "client error (Connect)").
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = last.source() {
        last = next;
    }
    let text = last.to_string();
    if text.is_empty() { err.to_string() } else { text }
}

/// The same for a kube error, which is not always `'static`-sourced through `dyn Error`.
pub fn kube_root_cause(err: &kube::Error) -> String {
    match err.source() {
        Some(_) => root_cause(err),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(kube::core::Status { code, message: message.into(), ..Default::default() }))
    }

    #[test]
    fn classifies_by_code() {
        assert!(matches!(Failure::from_kube(&status(403, "no")), Failure::Forbidden(_)));
        assert!(matches!(Failure::from_kube(&status(404, "no")), Failure::NotFound(_)));
        assert!(matches!(Failure::from_kube(&status(410, "old")), Failure::Expired(_)));
        assert!(matches!(Failure::from_kube(&status(401, "")), Failure::Unauthorized(_)));
        assert_eq!(
            Failure::from_kube(&status(409, "conflict")),
            Failure::Api { code: 409, message: "conflict".into() }
        );
    }
}
