//! Why an action did not do what it said, in plain words: what happened, whether anything changed, what to do.
use std::fmt;

use crate::cluster::errors::kube_root_cause;
use crate::cluster::rbac::AccessQuery;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// Read-only mode refused a mutating action; `plan` is its kubectl command.
    ReadOnly {
        plan: String,
    },
    /// RBAC said no (from a SelfSubjectAccessReview or a 403). `can_i` is the line to check it with.
    Forbidden {
        user: String,
        message: String,
        can_i: String,
    },
    /// The object changed since the caller looked (409).
    Conflict(String),
    NotFound(String),
    /// The server (or mosaic, before sending) rejected the request as invalid.
    Invalid(String),
    /// No usable answer from the server; the message says whether the change may have been applied.
    Connection(String),
    /// Any other answer; the message says whether the change may have been applied.
    Api {
        code: u16,
        message: String,
    },
}

impl std::error::Error for ActionError {}

impl fmt::Display for ActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActionError::ReadOnly { plan } => write!(
                f,
                "mosaic is in read-only mode, so it did not run: {plan}\nNothing was changed; run the command \
                 yourself if you mean it, or start mosaic without read-only mode."
            ),
            ActionError::Forbidden { message, can_i, .. } => {
                write!(f, "{} Nothing was changed.", sentence(message))?;
                if !can_i.is_empty() {
                    write!(f, " Check your access with: {can_i}")?;
                }
                Ok(())
            }
            ActionError::Conflict(message) => {
                write!(f, "{} Nothing was changed; look at it again and retry.", sentence(message))
            }
            ActionError::NotFound(message) => write!(f, "{} Nothing was changed.", sentence(message)),
            ActionError::Invalid(message) => write!(f, "{} Nothing was changed.", sentence(message)),
            ActionError::Connection(message) => f.write_str(&sentence(message)),
            ActionError::Api { code, message } => write!(f, "The API server answered {code}: {}", sentence(message)),
        }
    }
}

/// Where in an action a request failed: before the change (nothing happened) or the change itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Read,
    Write,
}

impl ActionError {
    /// Classify a failed request; `what` names the object in words ("deployment web in shop").
    pub(crate) fn from_kube(err: &kube::Error, what: &str, step: Step) -> ActionError {
        let unsure = format!("the change may or may not have been applied, so look at {what} before retrying");
        match err {
            kube::Error::Api(status) => {
                let message = status.message.clone();
                match status.code {
                    403 => ActionError::Forbidden {
                        user: refused_user(&message).unwrap_or_default(),
                        message,
                        can_i: String::new(),
                    },
                    404 => ActionError::NotFound(format!("{what} was not found ({message})")),
                    409 => ActionError::Conflict(format!("{what} changed since you looked ({message})")),
                    400 | 422 => ActionError::Invalid(format!("The server refused the request: {message}")),
                    code if code >= 500 && step == Step::Write => {
                        ActionError::Api { code, message: format!("{message}; {unsure}") }
                    }
                    code => ActionError::Api { code, message: format!("{message}; nothing was changed") },
                }
            }
            kube::Error::SerdeError(e) if step == Step::Write => ActionError::Connection(format!(
                "The server's answer could not be read ({e}); the change was probably applied, so look at {what} \
                 before retrying"
            )),
            other => {
                let cause = kube_root_cause(other);
                ActionError::Connection(match step {
                    Step::Read => format!(
                        "Could not get an answer from the API server ({cause}). Nothing was changed; check the \
                         connection and try again"
                    ),
                    Step::Write => format!("The request failed without an answer ({cause}); {unsure}"),
                })
            }
        }
    }

    /// The permission a 403 message names, so the can-i line checks exactly what the server refused.
    pub(crate) fn refused_query(&self) -> Option<AccessQuery> {
        match self {
            ActionError::Forbidden { message, .. } => refused_query(message),
            _ => None,
        }
    }
}

/// Ends a message with a full stop unless it already ends a sentence.
fn sentence(message: &str) -> String {
    let trimmed = message.trim_end();
    if trimmed.ends_with(['.', '!', '?']) { trimmed.to_string() } else { format!("{trimmed}.") }
}

/// `… User "dev" cannot …` → `dev`.
fn refused_user(message: &str) -> Option<String> {
    let rest = message.split_once("User \"")?.1;
    Some(rest.split_once('"')?.0.to_string())
}

/// Parses the API server's 403 wording:
/// `… User "dev" cannot patch resource "deployments/scale" in API group "apps" in the namespace "acme"`.
fn refused_query(message: &str) -> Option<AccessQuery> {
    let rest = message.split_once("\" cannot ")?.1;
    let (verb, rest) = rest.split_once(" resource \"")?;
    let (resource, rest) = rest.split_once('"')?;
    let group = rest.split_once("in API group \"").and_then(|(_, g)| g.split_once('"')).map(|(g, _)| g)?;
    let namespace = rest.split_once("in the namespace \"").and_then(|(_, ns)| ns.split_once('"')).map(|(ns, _)| ns);
    Some(AccessQuery::new(verb, group, resource, namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_refused_permission_from_a_403() {
        let message = "deployments.apps \"web\" is forbidden: User \"dev\" cannot patch resource \
                       \"deployments/scale\" in API group \"apps\" in the namespace \"acme\"";
        assert_eq!(refused_user(message).as_deref(), Some("dev"));
        assert_eq!(refused_query(message), Some(AccessQuery::new("patch", "apps", "deployments/scale", Some("acme"))));
        let cluster = "nodes is forbidden: User \"dev\" cannot list resource \"nodes\" in API group \"\" at the \
                       cluster scope";
        assert_eq!(refused_query(cluster), Some(AccessQuery::new("list", "", "nodes", None)));
        assert_eq!(refused_query("something else"), None);
    }

    #[test]
    fn messages_say_what_changed() {
        let err = ActionError::NotFound("pod web in shop was not found".into());
        assert_eq!(err.to_string(), "pod web in shop was not found. Nothing was changed.");
        let err = ActionError::Forbidden { user: "dev".into(), message: "no.".into(), can_i: "kubectl auth".into() };
        assert_eq!(err.to_string(), "no. Nothing was changed. Check your access with: kubectl auth");
        let status = kube::core::Status { code: 503, message: "etcd is down".into(), ..Default::default() };
        let err = ActionError::from_kube(&kube::Error::Api(Box::new(status)), "pod web in shop", Step::Write);
        assert!(err.to_string().contains("may or may not have been applied"), "{err}");
    }
}
