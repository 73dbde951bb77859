//! Step 1: the Service exists; its type and ports.

use super::{Ctx, cause, describe_service_port, service_type, step};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Step, StepId};

pub fn service_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let (ns, svc) = (ctx.ns(), ctx.svc());
    let mut s = step(
        StepId::Service,
        "The Service exists",
        "Clients reach an app through its Service's name and port. If the Service is missing, or its type or \
         ports are not what the client expects, nothing behind it matters.",
        "https://kubernetes.io/docs/concepts/services-networking/service/",
    )
    .commands(vec![
        ctx.kubectl(&["get", "service", svc, "-o", "wide"]),
        ctx.kubectl(&["get", "service", svc, "-o", "yaml"]),
    ]);

    let Some(service) = ctx.service else {
        return s.evidence(format!("service/{svc}"), "not found").fail(
            format!("Service `{svc}` does not exist in namespace `{ns}`."),
            cause(
                format!("There is no Service `{svc}` in namespace `{ns}`, so its name does not resolve."),
                format!("Create Service `{svc}`, or have the client use the name of a Service that exists."),
                Some(ctx.kubectl(&["get", "services"])),
            ),
        );
    };
    let spec = service.spec.clone().unwrap_or_default();
    let type_ = service_type(ctx.service).to_string();
    let field = |f: &str| format!("service/{svc} {f}");
    s = s.evidence(field("spec.type"), &type_);
    if let Some(ip) = &spec.cluster_ip {
        s = s.evidence(field("spec.clusterIP"), ip);
    }
    for (i, port) in spec.ports.iter().flatten().enumerate() {
        s = s.evidence(field(&format!("spec.ports[{i}]")), describe_service_port(port));
    }
    if type_ == "ExternalName" {
        let target = spec.external_name.clone().unwrap_or_default();
        return s.evidence(field("spec.externalName"), &target).pass(format!(
            "Service `{svc}` is an ExternalName Service: DNS answers with a CNAME to `{target}`. It has no pods, \
             endpoints or port mapping; the client connects to `{target}` itself."
        ));
    }
    let ports = match ctx.chosen_ports() {
        Ok(ports) => ports,
        Err(reason) => {
            return s.fail(
                format!("{reason}."),
                cause(
                    format!("{reason}, so connections to that port are refused."),
                    format!("Have the client use one of the Service's ports, or add the port to `spec.ports` of Service `{svc}`."),
                    None,
                ),
            );
        }
    };
    let list: Vec<String> = ports.iter().map(|p| describe_service_port(p)).collect();
    if ctx.is_headless() {
        return s.pass(format!(
            "Service `{svc}` is headless (`clusterIP: None`): its name resolves straight to the ready pods' IPs, \
             and clients connect to the pods' ports themselves{}.",
            if list.is_empty() { String::new() } else { format!(" (declared: {})", list.join(", ")) }
        ));
    }
    if list.is_empty() {
        return s.fail(
            format!("Service `{svc}` has no ports."),
            cause(
                format!("Service `{svc}` declares no ports, so it accepts no connections."),
                format!("Add the app's port to `spec.ports` of Service `{svc}`."),
                None,
            ),
        );
    }
    s.pass(format!("Service `{svc}` exists: {type_}, {}.", list.join(", ")))
}
