//! The one gate every action passes: read-only mode, then RBAC, then the request.
use super::{Action, ActionError, ExecOptions, Outcome, PlanCtx};
use crate::cluster::Session;
use crate::cluster::errors::Failure;
use crate::cluster::rbac::AccessQuery;

/// Run an action for a session: refused in read-only mode when it changes anything, and refused before any
/// request when the server says the user may not.
pub async fn run(
    action: &Action,
    session: &Session,
    readonly: bool,
    opts: &ExecOptions,
) -> Result<Outcome, ActionError> {
    check(action, session, readonly).await?;
    action.execute(&session.client, opts).await.map_err(|err| with_identity(err, action, session))
}

/// May this action run at all? Read-only refusal, or the server's answer with the `kubectl auth can-i` line.
pub async fn check(action: &Action, session: &Session, readonly: bool) -> Result<(), ActionError> {
    let ctx = plan_ctx(session);
    let plan = action.plan(&ctx);
    if readonly && plan.mutating {
        return Err(ActionError::ReadOnly { plan: plan.command });
    }
    let mut needed = vec![plan.permission];
    needed.extend(also_needed(action));
    for query in needed {
        match session.permissions.can_i(&session.client, &query).await {
            Ok(access) if access.allowed => {}
            Ok(access) => {
                let user = session.target.user.clone();
                let mut message = format!("User {user:?} may not {}", permission_words(&query));
                if !access.reason.is_empty() {
                    message.push_str(&format!(" ({})", access.reason));
                }
                return Err(ActionError::Forbidden { user, message, can_i: query.can_i_command(&ctx.context) });
            }
            Err(Failure::Connection(cause)) => {
                return Err(ActionError::Connection(format!(
                    "Could not ask the API server whether you may do this ({cause}). Nothing was changed; check \
                     the connection and try again"
                )));
            }
            // The review itself is refused or not served: the API server still enforces RBAC on the request.
            Err(_) => {}
        }
    }
    Ok(())
}

pub(crate) fn plan_ctx(session: &Session) -> PlanCtx {
    PlanCtx { context: session.target.context.clone(), namespace: session.target.namespace.clone() }
}

/// Permissions beyond the plan's main one that `execute` cannot do without.
fn also_needed(action: &Action) -> Vec<AccessQuery> {
    match action {
        // The revisions to pick from: a Deployment's ReplicaSets, the others' ControllerRevisions.
        Action::Rollback { kind: super::WorkloadKind::Deployment, namespace, .. } => {
            vec![AccessQuery::new("list", "apps", "replicasets", Some(namespace))]
        }
        Action::Rollback { namespace, .. } => {
            vec![AccessQuery::new("list", "apps", "controllerrevisions", Some(namespace))]
        }
        // A Service is forwarded to one of its ready pods, found by reading it and listing them.
        Action::PortForward { namespace, target: super::ForwardTarget::Service(_), .. } => vec![
            AccessQuery::new("get", "", "services", Some(namespace)),
            AccessQuery::new("list", "", "pods", Some(namespace)),
        ],
        // A probe waits for its pod, reads its log and deletes it.
        Action::Probe { pod, .. } | Action::SendHttp { pod, .. } => vec![
            AccessQuery::new("get", "", "pods/log", Some(&pod.namespace)),
            AccessQuery::new("delete", "", "pods", Some(&pod.namespace)),
        ],
        _ => super::ops::also_needed(action),
    }
}

/// `patch deployments.apps/scale in namespace "acme"`
fn permission_words(query: &AccessQuery) -> String {
    let mut resource = query.resource.clone();
    if !query.group.is_empty() {
        resource = format!("{resource}.{}", query.group);
    }
    if let Some(sub) = &query.subresource {
        resource = format!("{resource}/{sub}");
    }
    match &query.namespace {
        Some(ns) => format!("{} {resource} in namespace {ns:?}", query.verb),
        None => format!("{} {resource} across the cluster", query.verb),
    }
}

/// A 403 from the request itself gets the user and the can-i line of exactly what was refused.
fn with_identity(err: ActionError, action: &Action, session: &Session) -> ActionError {
    let refused = err.refused_query();
    match err {
        ActionError::Forbidden { user, message, can_i } => {
            let ctx = plan_ctx(session);
            let query = refused.unwrap_or_else(|| action.plan(&ctx).permission);
            ActionError::Forbidden {
                user: if user.is_empty() { session.target.user.clone() } else { user },
                message,
                can_i: if can_i.is_empty() { query.can_i_command(&ctx.context) } else { can_i },
            }
        }
        other => other,
    }
}
