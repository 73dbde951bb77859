//! Step 8: the Ingresses that route to the Service, and backends that point to a missing Service or port.

use k8s_openapi::api::networking::v1::{Ingress, IngressBackend};

use super::{Ctx, cause, step};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Cause, Step, StepId};

/// One backend of an Ingress that names the Service.
struct Route<'a> {
    ingress: &'a str,
    /// `spec.rules[0].http.paths[1].backend` or `spec.defaultBackend`.
    field: String,
    /// `shop.example.com/` or `(default backend)`.
    location: String,
    backend: &'a IngressBackend,
}

pub fn ingress_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let (ns, svc) = (ctx.ns(), ctx.svc());
    let mut s = step(
        StepId::Ingress,
        "Ingresses route to the Service",
        "Traffic from outside the cluster usually enters through an Ingress, which names a Service and a port. A \
         backend that names a missing Service or port answers 503 (or 404) at the edge.",
        "https://kubernetes.io/docs/concepts/services-networking/ingress/",
    )
    .commands(vec![ctx.kubectl(&["get", "ingress"])]);
    let Some(ingresses) = &snap.ingresses else {
        return s.could_not_check(format!("cannot list Ingresses in namespace `{ns}`"));
    };
    let routes: Vec<Route<'_>> = ingresses
        .iter()
        .filter(|i| i.metadata.namespace.as_deref().is_none_or(|n| n == ns))
        .flat_map(routes_of)
        .filter(|r| r.backend.service.as_ref().is_some_and(|b| b.name == svc))
        .collect();
    if routes.is_empty() {
        return s.pass(format!("No Ingress in `{ns}` routes to Service `{svc}`."));
    }
    let mut first_problem: Option<(String, Cause)> = None;
    for route in &routes {
        let port = route.backend.service.as_ref().and_then(|b| b.port.as_ref());
        let port_text = match port {
            Some(p) => p.name.clone().or(p.number.map(|n| n.to_string())).unwrap_or_default(),
            None => "?".to_string(),
        };
        s = s.evidence(
            format!("ingress/{} {}", route.ingress, route.field),
            format!("{} → {svc}:{port_text}", route.location),
        );
        let cmd = ctx.kubectl(&["describe", "ingress", route.ingress]);
        if !s.kubectl.contains(&cmd) {
            s.kubectl.push(cmd);
        }
        if first_problem.is_some() {
            continue;
        }
        let Some(service) = ctx.service else {
            first_problem = Some((
                format!(
                    "Ingress `{}` routes {} to Service `{svc}`, which does not exist.",
                    route.ingress, route.location
                ),
                cause(
                    format!(
                        "Ingress `{}` routes {} to Service `{svc}`, which does not exist in `{ns}`.",
                        route.ingress, route.location
                    ),
                    format!(
                        "Create Service `{svc}`, or set `{}.service.name` of Ingress `{}` to an existing Service.",
                        route.field, route.ingress
                    ),
                    None,
                ),
            ));
            continue;
        };
        let ports = service.spec.as_ref().and_then(|s| s.ports.clone()).unwrap_or_default();
        let found = match port {
            Some(p) => match (&p.name, p.number) {
                (Some(name), _) => ports.iter().any(|sp| sp.name.as_deref() == Some(name.as_str())),
                (None, Some(n)) => ports.iter().any(|sp| sp.port == n),
                (None, None) => false,
            },
            None => false,
        };
        if !found && service.spec.as_ref().and_then(|s| s.type_.as_deref()) != Some("ExternalName") {
            let have: Vec<String> = ports
                .iter()
                .map(|p| match &p.name {
                    Some(n) => format!("{} ({n})", p.port),
                    None => p.port.to_string(),
                })
                .collect();
            let only = ports.first().filter(|_| ports.len() == 1);
            let command = only.map(|only| {
                let path = format!("/{}/service/port", route.field.replace(['.', '[', ']'], "/").replace("//", "/"));
                let patch =
                    serde_json::json!([{"op": "replace", "path": path, "value": {"number": only.port}}]).to_string();
                ctx.kubectl(&["patch", "ingress", route.ingress, "--type=json", "-p", &patch])
            });
            first_problem = Some((
                format!(
                    "Ingress `{}` routes {} to port `{port_text}` of Service `{svc}`, which has no such port.",
                    route.ingress, route.location
                ),
                cause(
                    format!(
                        "Ingress `{}` routes {} to port `{port_text}` of Service `{svc}`, but the Service's ports are {}.",
                        route.ingress,
                        route.location,
                        if have.is_empty() { "none".to_string() } else { have.join(", ") }
                    ),
                    format!(
                        "Set `{}.service.port` of Ingress `{}` to a port of the Service.",
                        route.field, route.ingress
                    ),
                    command,
                ),
            ));
        }
    }
    match first_problem {
        Some((summary, c)) => s.fail(summary, c),
        None => {
            let list: Vec<String> = routes.iter().map(|r| format!("{} ({})", r.location, r.ingress)).collect();
            s.pass(format!("Routed from {}.", list.join(", ")))
        }
    }
}

fn routes_of(ingress: &Ingress) -> Vec<Route<'_>> {
    let name = ingress.metadata.name.as_deref().unwrap_or_default();
    let Some(spec) = ingress.spec.as_ref() else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(backend) = &spec.default_backend {
        out.push(Route {
            ingress: name,
            field: "spec.defaultBackend".into(),
            location: "(default backend)".into(),
            backend,
        });
    }
    for (i, rule) in spec.rules.iter().flatten().enumerate() {
        let host = rule.host.as_deref().unwrap_or("*");
        for (j, path) in rule.http.iter().flat_map(|h| h.paths.iter()).enumerate() {
            out.push(Route {
                ingress: name,
                field: format!("spec.rules[{i}].http.paths[{j}].backend"),
                location: format!("{host}{}", path.path.as_deref().unwrap_or("/")),
                backend: &path.backend,
            });
        }
    }
    out
}
