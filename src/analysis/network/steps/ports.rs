//! Step 5: the ports line up: Service port → targetPort (number or name) → a containerPort of the pods, and
//! the readiness probe checks the port that receives the traffic.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, Pod, Probe, ServicePort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::readiness::describe_probe;
use super::{Ctx, NO_MATCH, cause, describe_service_port, pod_name, protocol, step, target_port};
use crate::analysis::network::policy::{PortRef, named_port};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Cause, Step, StepId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Warn,
    Fail,
}

/// One problem, with the pods it was seen on and the cause it implies.
struct Problem {
    level: Level,
    pods: Vec<String>,
    cause: Cause,
}

pub fn ports_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let svc = ctx.svc();
    let mut s = step(
        StepId::Ports,
        "The ports line up",
        "The Service forwards its port to the targetPort on each pod, by number or by the name of a container \
         port. If the pods do not listen there, connections are refused even though everything looks healthy.",
        "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
    )
    .commands(vec![ctx.kubectl(&["get", "service", svc, "-o", "jsonpath={.spec.ports}"])]);
    if ctx.service.is_none() {
        return s.not_checked(format!("Service `{svc}` does not exist"));
    }
    if ctx.is_external_name() {
        return s.pass("Not applicable: an ExternalName Service forwards no ports.");
    }
    let ports = match ctx.chosen_ports() {
        Ok(ports) => ports,
        Err(reason) => return s.not_checked(format!("{reason} (see the Service step)")),
    };
    if ports.is_empty() {
        return s.pass("Not applicable: the Service declares no ports (clients choose the pods' ports themselves).");
    }
    // The ports are judged on the pods that would receive the traffic: with none matched, or none Ready, an
    // earlier step is the cause, and a targetPort to change here would be a guess.
    if !ctx.selector.is_empty() && ctx.selected.is_empty() {
        return s.not_checked(NO_MATCH);
    }
    if ctx.none_ready() {
        return s.not_checked("no pod is Ready (see the readiness step)");
    }
    let (pods, whose) =
        if !ctx.selected.is_empty() { (ctx.selected.clone(), "selected") } else { (ctx.app_pods(), "the app's") };
    let Some(first) = pods.first() else {
        return s.could_not_check("no pods to compare the ports with");
    };
    s.kubectl.push(ctx.kubectl(&["get", "pod", pod_name(first), "-o", "jsonpath={.spec.containers[*].ports}"]));

    let mut problems: BTreeMap<String, Problem> = BTreeMap::new();
    let mut resolved: Vec<String> = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let index = spec_index(&ctx, port).unwrap_or(i);
        for pod in &pods {
            match check_port(&ctx, index, port, pod) {
                Ok(line) => {
                    if !resolved.contains(&line) {
                        resolved.push(line);
                    }
                }
                Err((key, level, cause)) => problems
                    .entry(key)
                    .or_insert(Problem { level, pods: Vec::new(), cause })
                    .pods
                    .push(pod_name(pod).to_string()),
            }
            for (key, text) in probe_problems(pod, port) {
                problems
                    .entry(key)
                    .or_insert(Problem {
                        level: Level::Warn,
                        pods: Vec::new(),
                        cause: cause(
                            text,
                            "Point the probe at the port that serves the traffic, or declare the port.",
                            None,
                        ),
                    })
                    .pods
                    .push(pod_name(pod).to_string());
            }
        }
    }
    for line in &resolved {
        s = s.evidence(format!("service/{svc} → {whose} pods"), line);
    }
    for problem in problems.values() {
        s = s.evidence(format!("pods {}", problem.pods.join(", ")), &problem.cause.root_cause);
    }
    let worst = problems.values().filter(|p| p.level == Level::Fail).chain(problems.values()).next();
    match worst {
        None => s.pass(format!("Every port reaches a declared container port: {}.", resolved.join("; "))),
        Some(p) if p.level == Level::Fail => s.fail(p.cause.root_cause.clone(), p.cause.clone()),
        Some(p) => s.warn(p.cause.root_cause.clone(), Some(p.cause.clone())),
    }
}

/// The index of `port` in `spec.ports`, for the field path.
fn spec_index(ctx: &Ctx<'_>, port: &ServicePort) -> Option<usize> {
    ctx.service?.spec.as_ref()?.ports.as_ref()?.iter().position(|p| p == port)
}

type PortProblem = (String, Level, Cause);

/// `80/TCP → http → 8080 (container web)`, or what is wrong.
fn check_port(ctx: &Ctx<'_>, index: usize, port: &ServicePort, pod: &Pod) -> Result<String, PortProblem> {
    let svc = ctx.svc();
    let proto = protocol(port.protocol.as_deref());
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
    let declared = declared_ports(containers, proto);
    let field = format!("spec.ports[{index}].targetPort");
    match target_port(port) {
        PortRef::Name(name) => match named_port(pod, &name, proto) {
            Some(number) => Ok(format!("{} → `{name}` → {number}/{proto}", describe_short(port))),
            None => {
                let suggestion = suggested_target(port, containers, proto);
                let command = suggestion.as_ref().map(|t| patch_target(ctx, port, t));
                let fix = match &suggestion {
                    Some(t) => format!(
                        "Set `{field}` of Service `{svc}` to `{}` (what the pods declare), or name the container port `{name}`.",
                        show(t)
                    ),
                    None => format!(
                        "Set `{field}` of Service `{svc}` to a port the pods listen on, or name that container port `{name}`."
                    ),
                };
                Err((
                    format!("named:{name}:{proto}"),
                    Level::Fail,
                    cause(
                        format!(
                            "Service `{svc}` sends port {} to the named targetPort `{name}`, but no container of its \
                             pods declares a port named `{name}` (they declare {}).",
                            port.port,
                            list(&declared)
                        ),
                        fix,
                        command,
                    ),
                ))
            }
        },
        PortRef::Number(n) => {
            if containers
                .iter()
                .flat_map(|c| c.ports.iter().flatten())
                .any(|p| p.container_port == n && protocol(p.protocol.as_deref()) == proto)
            {
                return Ok(format!("{} → {n}/{proto}", describe_short(port)));
            }
            let used_by_probe = containers.iter().any(|c| probes(c).any(|(_, probe)| probe_port(c, probe) == Some(n)));
            if used_by_probe {
                return Err((
                    format!("undeclared:{n}"),
                    Level::Warn,
                    cause(
                        format!(
                            "Port {n} receives the Service's traffic and a probe checks it, but no container declares it as a `containerPort`."
                        ),
                        format!(
                            "Declare `containerPort: {n}` in the pod template, so tools and named ports can find it."
                        ),
                        None,
                    ),
                ));
            }
            if declared.is_empty() {
                return Err((
                    format!("nodeclared:{n}"),
                    Level::Warn,
                    cause(
                        format!(
                            "The pods declare no container ports, so it cannot be told whether anything listens on port {n}."
                        ),
                        format!("Declare `containerPort: {n}` in the pod template (and check the app listens there)."),
                        None,
                    ),
                ));
            }
            let suggestion = suggested_target(port, containers, proto);
            let command = suggestion.as_ref().map(|t| patch_target(ctx, port, t));
            let fix = match &suggestion {
                Some(t) => format!("Set `{field}` of Service `{svc}` to `{}`.", show(t)),
                None => {
                    format!("Set `{field}` of Service `{svc}` to the port the app listens on ({}).", list(&declared))
                }
            };
            Err((
                format!("number:{n}:{proto}"),
                Level::Fail,
                cause(
                    format!(
                        "Service `{svc}` sends port {} to targetPort {n}, but its pods listen on {}: no container \
                         exposes {n}/{proto}.",
                        port.port,
                        list(&declared)
                    ),
                    fix,
                    command,
                ),
            ))
        }
    }
}

/// Probe problems of one pod, keyed so that the same problem on several pods is reported once.
fn probe_problems(pod: &Pod, port: &ServicePort) -> Vec<(String, String)> {
    let proto = protocol(port.protocol.as_deref());
    let containers = pod.spec.as_ref().map(|s| s.containers.as_slice()).unwrap_or_default();
    let target = match target_port(port) {
        PortRef::Number(n) => Some(n),
        PortRef::Name(name) => named_port(pod, &name, proto),
    };
    let mut out = Vec::new();
    for c in containers {
        for (kind, probe) in probes(c) {
            let Some(port_value) = probe_port_value(probe) else { continue };
            match probe_port(c, probe) {
                None => out.push((
                    format!("probe-name:{}:{kind}", c.name),
                    format!(
                        "The {kind} probe of container `{}` ({}) names a port the container does not declare, so it always fails.",
                        c.name,
                        describe_probe(probe)
                    ),
                )),
                Some(n) if kind == "readiness" && target.is_some_and(|t| t != n) && is_serving_container(c, target) => {
                    out.push((
                        format!("probe-port:{}:{n}", c.name),
                        format!(
                            "The readiness probe of container `{}` checks port {n} ({}), but the Service's traffic goes to port {}: a pod can be Ready while that port does not answer.",
                            c.name,
                            describe_probe(probe),
                            target.unwrap_or_default()
                        ),
                    ))
                }
                Some(n) if !c.ports.iter().flatten().any(|p| p.container_port == n) && matches!(port_value, IntOrString::Int(_)) && !declared_ports(containers, proto).is_empty() => {
                    out.push((
                        format!("probe-undeclared:{}:{n}", c.name),
                        format!("The {kind} probe of container `{}` uses port {n}, which the container does not declare as a `containerPort`.", c.name),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    out
}

/// The container that serves the target port (or, when nothing declares it, any container).
fn is_serving_container(c: &Container, target: Option<i32>) -> bool {
    let declares = |n: i32| c.ports.iter().flatten().any(|p| p.container_port == n);
    target.is_some_and(declares) || c.ports.as_ref().is_none_or(Vec::is_empty)
}

fn probes(c: &Container) -> impl Iterator<Item = (&'static str, &Probe)> {
    [
        ("readiness", c.readiness_probe.as_ref()),
        ("liveness", c.liveness_probe.as_ref()),
        ("startup", c.startup_probe.as_ref()),
    ]
    .into_iter()
    .filter_map(|(kind, p)| Some((kind, p?)))
}

fn probe_port_value(probe: &Probe) -> Option<IntOrString> {
    if let Some(http) = &probe.http_get {
        return Some(http.port.clone());
    }
    if let Some(tcp) = &probe.tcp_socket {
        return Some(tcp.port.clone());
    }
    probe.grpc.as_ref().map(|g| IntOrString::Int(g.port))
}

/// The number a probe connects to; a named probe port is resolved against the container's own ports, as the
/// kubelet does.
fn probe_port(c: &Container, probe: &Probe) -> Option<i32> {
    match probe_port_value(probe)? {
        IntOrString::Int(n) => Some(n),
        IntOrString::String(name) => {
            c.ports.iter().flatten().find(|p| p.name.as_deref() == Some(name.as_str())).map(|p| p.container_port)
        }
    }
}

/// `8080/TCP (http)` for each declared port of the protocol.
fn declared_ports(containers: &[Container], proto: &str) -> Vec<String> {
    containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter(|p| protocol(p.protocol.as_deref()) == proto)
        .map(|p| match &p.name {
            Some(name) => format!("{}/{proto} ({name})", p.container_port),
            None => format!("{}/{proto}", p.container_port),
        })
        .collect()
}

/// The container port the Service most likely meant: the one named like the Service port, else the only one.
fn suggested_target(port: &ServicePort, containers: &[Container], proto: &str) -> Option<IntOrString> {
    let ports: Vec<_> = containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter(|p| protocol(p.protocol.as_deref()) == proto)
        .collect();
    let chosen = ports.iter().find(|p| p.name.is_some() && p.name == port.name).or(if ports.len() == 1 {
        ports.first()
    } else {
        None
    })?;
    Some(IntOrString::Int(chosen.container_port))
}

/// A strategic merge patch of one Service port (merged by its `port` key).
fn patch_target(ctx: &Ctx<'_>, port: &ServicePort, target: &IntOrString) -> String {
    let mut entry = serde_json::json!({"port": port.port, "targetPort": target});
    if let Some(p) = &port.protocol {
        entry["protocol"] = serde_json::Value::from(p.clone());
    }
    let patch = serde_json::json!({"spec": {"ports": [entry]}}).to_string();
    ctx.kubectl(&["patch", "service", ctx.svc(), "-p", &patch])
}

fn show(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn describe_short(port: &ServicePort) -> String {
    describe_service_port(port).split(" → ").next().unwrap_or_default().to_string()
}

fn list(items: &[String]) -> String {
    if items.is_empty() { "no ports".to_string() } else { items.join(", ") }
}
