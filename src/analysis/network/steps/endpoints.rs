//! Step 4: the Endpoints and EndpointSlices list ready addresses.

use super::readiness::is_ready;
use super::{Ctx, cause, step, target_port};
use crate::analysis::network::policy::{PortRef, named_port};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Step, StepId, Verdict};

/// The label that ties an EndpointSlice to its Service.
const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Addresses, as `ip (pod)`.
#[derive(Default)]
struct Addresses {
    ready: Vec<String>,
    not_ready: Vec<String>,
}

pub fn endpoints_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let (ns, svc) = (ctx.ns(), ctx.svc());
    let mut s = step(
        StepId::Endpoints,
        "The endpoints list ready addresses",
        "kube-proxy (and cluster DNS, for a headless Service) send traffic only to the ready addresses in the \
         Service's EndpointSlices and Endpoints. If they list none, connections are refused or time out.",
        "https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/",
    )
    .commands(vec![
        ctx.kubectl(&["get", "endpoints", svc, "-o", "wide"]),
        ctx.kubectl(&["get", "endpointslices", "-l", &format!("{SERVICE_NAME_LABEL}={svc}")]),
    ]);
    if ctx.service.is_none() {
        return s.not_checked(format!("Service `{svc}` does not exist"));
    }
    if ctx.is_external_name() {
        return s.pass("Not applicable: an ExternalName Service has no endpoints.");
    }
    let from_endpoints = snap.endpoints.as_ref().map(|list| {
        list.iter()
            .find(|e| {
                e.metadata.name.as_deref() == Some(svc) && e.metadata.namespace.as_deref().is_none_or(|n| n == ns)
            })
            .map(|e| {
                let mut a = Addresses::default();
                for subset in e.subsets.iter().flatten() {
                    a.ready.extend(subset.addresses.iter().flatten().map(|x| address(&x.ip, x.target_ref.as_ref())));
                    a.not_ready.extend(
                        subset.not_ready_addresses.iter().flatten().map(|x| address(&x.ip, x.target_ref.as_ref())),
                    );
                }
                a
            })
    });
    let from_slices = snap.endpoint_slices.as_ref().map(|list| {
        let mine: Vec<_> = list
            .iter()
            .filter(|e| e.metadata.namespace.as_deref().is_none_or(|n| n == ns))
            .filter(|e| {
                e.metadata.labels.as_ref().and_then(|l| l.get(SERVICE_NAME_LABEL)).map(String::as_str) == Some(svc)
            })
            .collect();
        (!mine.is_empty()).then(|| {
            let mut a = Addresses::default();
            for slice in mine {
                for ep in &slice.endpoints {
                    // An unset `ready` is to be read as ready (discovery.k8s.io/v1 EndpointConditions).
                    let ready = ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
                    let list = if ready { &mut a.ready } else { &mut a.not_ready };
                    list.extend(ep.addresses.iter().map(|ip| address(ip, ep.target_ref.as_ref())));
                }
            }
            a
        })
    });
    for (what, found) in [("endpoints", &from_endpoints), ("endpointslices", &from_slices)] {
        let value = match found {
            None => "could not read".to_string(),
            Some(None) => "none".to_string(),
            Some(Some(a)) => format!("ready: {} · not ready: {}", list(&a.ready), list(&a.not_ready)),
        };
        s = s.evidence(format!("{what} of {svc}"), value);
    }
    if ctx.publishes_not_ready() {
        s = s.evidence(format!("service/{svc} spec.publishNotReadyAddresses"), "true");
    }
    // EndpointSlices are what kube-proxy reads since 1.19; a server without them has only Endpoints.
    let addresses = match (from_slices, from_endpoints) {
        (Some(Some(a)), _) | (_, Some(Some(a))) => a,
        (None, None) => {
            return s.could_not_check(format!("cannot read Endpoints or EndpointSlices in namespace `{ns}`"));
        }
        _ => {
            return s.fail(
                format!("Service `{svc}` has no Endpoints object."),
                cause(
                    if ctx.selector.is_empty() {
                        format!(
                            "Service `{svc}` has no selector and nobody wrote its Endpoints, so it has no addresses."
                        )
                    } else {
                        format!("Service `{svc}` has no Endpoints object, so it has no addresses.")
                    },
                    if ctx.selector.is_empty() {
                        format!("Write an Endpoints object named `{svc}`, or give the Service a `spec.selector`.")
                    } else {
                        "Check that the endpoints controller (kube-controller-manager) is running.".to_string()
                    },
                    None,
                ),
            );
        }
    };
    let n = addresses.ready.len();
    if n > 0 && addresses.not_ready.is_empty() {
        let published =
            if ctx.publishes_not_ready() { " (`publishNotReadyAddresses` publishes not-ready pods too)" } else { "" };
        return s.pass(format!(
            "{n} ready address{}: {}{published}.",
            if n == 1 { "" } else { "es" },
            list(&addresses.ready)
        ));
    }
    if n > 0 {
        return s.warn(
            format!("{n} ready, {} not ready: {}.", addresses.not_ready.len(), list(&addresses.not_ready)),
            None,
        );
    }
    let why = empty_reason(&ctx, &addresses);
    let (fix, command) = fix_for_empty(&ctx, &addresses);
    s.fail(
        format!(
            "Service `{svc}` has no ready address{}.",
            if addresses.not_ready.is_empty() { "" } else { " (only not-ready ones)" }
        ),
        cause(format!("Service `{svc}` has no ready endpoints: {why}."), fix, command),
    )
}

/// Why the list is empty, from what the earlier steps know.
fn empty_reason(ctx: &Ctx<'_>, addresses: &Addresses) -> String {
    if ctx.selector.is_empty() {
        return "it has no selector and its hand-written Endpoints list no address".to_string();
    }
    if ctx.selected.is_empty() {
        return format!("its selector `{}` matches no pod", ctx.selector_text());
    }
    if !addresses.not_ready.is_empty() {
        return format!("its pods are listed as not ready ({})", list(&addresses.not_ready));
    }
    if let Some(name) = missing_named_port(ctx) {
        return format!(
            "the endpoints controller skips pods that declare no container port named `{name}` (the Service's targetPort)"
        );
    }
    if ctx.selected.iter().any(|p| is_ready(p)) {
        return "its pods are Ready, so the endpoints controller has not caught up (or is not running)".to_string();
    }
    "its pods are not Ready".to_string()
}

/// The fix for empty endpoints, and its command. A named targetPort the pods lack is what empties them, so the
/// ports step's fix (the exact field and its patch) is the fix here too.
fn fix_for_empty(ctx: &Ctx<'_>, addresses: &Addresses) -> (String, Option<String>) {
    if ctx.selected.is_empty() {
        return (format!("Fix `spec.selector` of Service `{}` (see the selector step).", ctx.svc()), None);
    }
    if addresses.not_ready.is_empty() && missing_named_port(ctx).is_some() {
        let ports = super::ports_step(ctx.snap, ctx.question);
        if let (Verdict::Fail, Some(c)) = (&ports.verdict, ports.cause) {
            return (c.fix, c.command);
        }
        return (format!("Fix `spec.ports[].targetPort` of Service `{}` (see the ports step).", ctx.svc()), None);
    }
    if ctx.selected.iter().any(|p| is_ready(p)) {
        return (
            "Check again in a moment: the endpoints controller may not have caught up. If they stay empty, check \
             that kube-controller-manager runs."
                .to_string(),
            None,
        );
    }
    ("Make the pods Ready (see the readiness step).".to_string(), None)
}

/// A named targetPort that none of the selected pods declares.
fn missing_named_port(ctx: &Ctx<'_>) -> Option<String> {
    let ports = ctx.chosen_ports().ok()?;
    ports.iter().find_map(|p| match target_port(p) {
        PortRef::Name(name)
            if ctx
                .selected
                .iter()
                .all(|pod| named_port(pod, &name, p.protocol.as_deref().unwrap_or("TCP")).is_none()) =>
        {
            Some(name)
        }
        _ => None,
    })
}

fn address(ip: &str, target: Option<&k8s_openapi::api::core::v1::ObjectReference>) -> String {
    match target.and_then(|t| t.name.as_deref()) {
        Some(name) => format!("{ip} ({name})"),
        None => ip.to_string(),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "none".to_string() } else { items.join(", ") }
}
