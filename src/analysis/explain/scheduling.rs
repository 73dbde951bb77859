//! The scheduler's `FailedScheduling` message, split into its parts.
//!
//! Both wordings are understood: the 1.19 scheduler's (`3 Insufficient cpu`, `1 node(s) had taint {k: v},
//! that the pod didn't tolerate`, `didn't match node selector`) and the newer one's (`had untolerated taint
//! {k: v}`, `didn't match Pod's node affinity/selector`, and the `preemption: …` tail).

/// Why some nodes could not take the pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Misfit {
    /// `Insufficient cpu`, `Insufficient memory`, `Insufficient nvidia.com/gpu`.
    Insufficient { resource: String },
    /// `Too many pods`: the nodes are at their pod limit.
    TooManyPods,
    /// A taint the pod does not tolerate: `{key: value}`.
    Taint { key: String, value: String },
    /// `didn't match node selector`, `didn't match Pod's node affinity/selector`.
    NodeAffinity,
    /// `didn't match pod affinity rules` (or anti-affinity).
    PodAffinity,
    /// `didn't have free ports for the requested pod ports`.
    HostPorts,
    /// `were unschedulable`: cordoned nodes.
    Cordoned,
    /// `pod has unbound immediate PersistentVolumeClaims`.
    UnboundClaims,
    /// `persistentvolumeclaim "data" not found`.
    MissingClaim { claim: String },
    /// `had volume node affinity conflict`: the volume lives where the pod may not.
    VolumeNodeAffinity,
    /// Anything else, as the scheduler wrote it.
    Other { text: String },
}

/// One clause of the message: how many nodes (when it says) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeReason {
    pub nodes: Option<u32>,
    pub misfit: Misfit,
}

/// A parsed `0/N nodes are available: …` message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchedulingFailure {
    /// N: how many nodes the scheduler considered.
    pub total: Option<u32>,
    pub reasons: Vec<NodeReason>,
    /// The newer scheduler's verdict on preemption (`Preemption is not helpful for scheduling`).
    pub preemption_not_helpful: bool,
}

impl SchedulingFailure {
    /// The resources some nodes lack (`cpu`, `memory`…), in message order.
    pub fn insufficient(&self) -> Vec<&str> {
        self.reasons
            .iter()
            .filter_map(|r| match &r.misfit {
                Misfit::Insufficient { resource } => Some(resource.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether any clause is of this shape (ignoring its fields).
    pub fn has(&self, pred: impl Fn(&Misfit) -> bool) -> bool {
        self.reasons.iter().any(|r| pred(&r.misfit))
    }

    /// One plain sentence: "3 nodes lack enough cpu; 1 node has a taint it does not tolerate (k)."
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self.reasons.iter().map(describe).collect();
        if parts.is_empty() {
            return "No node can take the pod.".to_string();
        }
        let mut s = parts.join("; ");
        if let Some(first) = s.get(..1) {
            s = format!("{}{}", first.to_uppercase(), &s[1..]);
        }
        s.push('.');
        s
    }
}

fn describe(reason: &NodeReason) -> String {
    let (nodes, verb_s, verb) = match reason.nodes {
        Some(1) => ("1 node".to_string(), "s", "has"),
        Some(n) => (format!("{n} nodes"), "", "have"),
        None => ("nodes".to_string(), "", "have"),
    };
    match &reason.misfit {
        Misfit::Insufficient { resource } => format!("{nodes} lack{verb_s} enough free {resource}"),
        Misfit::TooManyPods => format!("{nodes} {verb} no room for more pods"),
        Misfit::Taint { key, value } if value.is_empty() => {
            format!("{nodes} {verb} a taint the pod does not tolerate ({key})")
        }
        Misfit::Taint { key, value } => format!("{nodes} {verb} a taint the pod does not tolerate ({key}={value})"),
        Misfit::NodeAffinity => format!("{nodes} {} match the pod's node selector or affinity", don_t(reason.nodes)),
        Misfit::PodAffinity => format!("{nodes} {} satisfy the pod's (anti-)affinity rules", don_t(reason.nodes)),
        Misfit::HostPorts => format!("{nodes} {verb} no free host port the pod needs"),
        Misfit::Cordoned => format!("{nodes} {} cordoned", if reason.nodes == Some(1) { "is" } else { "are" }),
        Misfit::UnboundClaims => "a PersistentVolumeClaim of the pod is not bound yet".to_string(),
        Misfit::MissingClaim { claim } => format!("PersistentVolumeClaim {claim} does not exist"),
        Misfit::VolumeNodeAffinity => format!("{nodes} cannot reach the pod's volume (volume node affinity)"),
        Misfit::Other { text } => match reason.nodes {
            Some(_) => format!("{nodes}: {text}"),
            None => text.clone(),
        },
    }
}

fn don_t(nodes: Option<u32>) -> &'static str {
    if nodes == Some(1) { "does not" } else { "do not" }
}

/// Parses a FailedScheduling message; `None` when it is not of the `0/N nodes are available` shape.
pub fn parse(message: &str) -> Option<SchedulingFailure> {
    let message = message.trim();
    // 1.19 sometimes wraps it: `error while running "VolumeBinding" filter plugin for pod "x": pod has …`.
    if !message.contains("nodes are available") {
        if message.contains("unbound immediate PersistentVolumeClaims") {
            let misfit = Misfit::UnboundClaims;
            return Some(SchedulingFailure {
                total: None,
                reasons: vec![NodeReason { nodes: None, misfit }],
                preemption_not_helpful: false,
            });
        }
        return None;
    }
    let (head, rest) = message.split_once("nodes are available")?;
    let total = head.trim().split_once('/').and_then(|(_, n)| n.trim().parse().ok());
    let rest = rest.trim_start_matches(':').trim();
    let (main, preemption) = match rest.split_once("preemption:") {
        Some((m, p)) => (m, Some(p)),
        None => (rest, None),
    };
    let reasons = clauses(main.trim().trim_end_matches('.')).into_iter().map(parse_clause).collect();
    let preemption_not_helpful = preemption.is_some_and(|p| p.contains("Preemption is not helpful"));
    Some(SchedulingFailure { total, reasons, preemption_not_helpful })
}

/// Splits `1 node(s) had taint {a: b}, that the pod didn't tolerate, 2 Insufficient cpu` into clauses: a
/// clause starts with a count, so a piece that does not belongs to the previous clause.
fn clauses(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in text.split(", ") {
        let starts_with_count = piece.split_once(' ').is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        match out.last_mut() {
            Some(last) if !starts_with_count => {
                last.push_str(", ");
                last.push_str(piece);
            }
            _ => out.push(piece.to_string()),
        }
    }
    out.retain(|c| !c.trim().is_empty());
    out
}

fn parse_clause(clause: String) -> NodeReason {
    let clause = clause.trim();
    let (nodes, text) = match clause.split_once(' ') {
        Some((n, rest)) if n.parse::<u32>().is_ok() => (n.parse().ok(), rest.trim()),
        _ => (None, clause),
    };
    NodeReason { nodes, misfit: classify(text) }
}

fn classify(text: &str) -> Misfit {
    if let Some(resource) = text.strip_prefix("Insufficient ") {
        return Misfit::Insufficient { resource: resource.trim().to_string() };
    }
    if text.contains("Too many pods") {
        return Misfit::TooManyPods;
    }
    if text.contains("taint") {
        let inside = text.split_once('{').and_then(|(_, r)| r.split_once('}')).map(|(t, _)| t);
        let (key, value) = match inside.and_then(|t| t.split_once(':')) {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (inside.unwrap_or("").trim().to_string(), String::new()),
        };
        return Misfit::Taint { key, value };
    }
    if text.contains("volume node affinity") {
        return Misfit::VolumeNodeAffinity;
    }
    if text.contains("pod affinity") || text.contains("anti-affinity") {
        return Misfit::PodAffinity;
    }
    if text.contains("node affinity") || text.contains("node selector") || text.contains("affinity/selector") {
        return Misfit::NodeAffinity;
    }
    if text.contains("free ports") {
        return Misfit::HostPorts;
    }
    if text.contains("were unschedulable") || text.contains("was unschedulable") {
        return Misfit::Cordoned;
    }
    if text.contains("unbound immediate PersistentVolumeClaims") {
        return Misfit::UnboundClaims;
    }
    if let Some(claim) = text
        .strip_prefix("persistentvolumeclaim \"")
        .and_then(|r| r.split_once('"'))
        .filter(|(_, tail)| tail.contains("not found"))
        .map(|(c, _)| c.to_string())
    {
        return Misfit::MissingClaim { claim };
    }
    Misfit::Other { text: text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insufficient(n: u32, resource: &str) -> NodeReason {
        NodeReason { nodes: Some(n), misfit: Misfit::Insufficient { resource: resource.into() } }
    }

    #[test]
    fn the_fixture_message() {
        // tests/fixtures/real-1.19/events-core-v1.json, from the real 1.19 scheduler.
        let f = parse("0/3 nodes are available: 3 Insufficient cpu.").expect("parses");
        assert_eq!(f.total, Some(3));
        assert_eq!(f.reasons, vec![insufficient(3, "cpu")]);
        assert!(!f.preemption_not_helpful);
        assert_eq!(f.summary(), "3 nodes lack enough free cpu.");
    }

    #[test]
    fn old_taint_wording_keeps_its_comma() {
        let f = parse(
            "0/3 nodes are available: 1 node(s) had taint {node.kubernetes.io/unreachable: }, that the pod didn't tolerate, 2 Insufficient cpu, 2 Insufficient memory.",
        )
        .expect("parses");
        assert_eq!(
            f.reasons,
            vec![
                NodeReason {
                    nodes: Some(1),
                    misfit: Misfit::Taint { key: "node.kubernetes.io/unreachable".into(), value: String::new() }
                },
                insufficient(2, "cpu"),
                insufficient(2, "memory"),
            ]
        );
        assert_eq!(f.insufficient(), vec!["cpu", "memory"]);
    }

    #[test]
    fn new_wording_with_preemption() {
        let f = parse(
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..",
        )
        .expect("parses");
        assert_eq!(f.total, Some(4));
        assert_eq!(f.reasons.len(), 2);
        assert!(
            matches!(&f.reasons[0].misfit, Misfit::Taint { key, .. } if key == "node-role.kubernetes.io/control-plane")
        );
        assert_eq!(f.reasons[1], NodeReason { nodes: Some(3), misfit: Misfit::NodeAffinity });
        assert!(f.preemption_not_helpful);
        assert_eq!(
            f.summary(),
            "1 node has a taint the pod does not tolerate (node-role.kubernetes.io/control-plane); 3 nodes do not match the pod's node selector or affinity."
        );
    }

    #[test]
    fn taint_with_value() {
        let f = parse("0/2 nodes are available: 2 node(s) had taint {dedicated: gpu}, that the pod didn't tolerate.")
            .expect("parses");
        assert_eq!(f.reasons[0].misfit, Misfit::Taint { key: "dedicated".into(), value: "gpu".into() });
    }

    #[test]
    fn volumes_selectors_and_the_rest() {
        let f = parse("0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims.").expect("parses");
        assert_eq!(f.reasons[0].misfit, Misfit::UnboundClaims);
        let f = parse("0/3 nodes are available: persistentvolumeclaim \"data\" not found.").expect("parses");
        assert_eq!(f.reasons, vec![NodeReason { nodes: None, misfit: Misfit::MissingClaim { claim: "data".into() } }]);
        let f = parse("0/1 nodes are available: 1 node(s) didn't match node selector.").expect("parses");
        assert_eq!(f.reasons[0].misfit, Misfit::NodeAffinity);
        let f = parse(
            "0/3 nodes are available: 1 node(s) were unschedulable, 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) didn't match pod anti-affinity rules, 1 Too many pods.",
        )
        .expect("parses");
        let kinds: Vec<&Misfit> = f.reasons.iter().map(|r| &r.misfit).collect();
        assert_eq!(kinds, vec![&Misfit::Cordoned, &Misfit::HostPorts, &Misfit::PodAffinity, &Misfit::TooManyPods]);
        let f = parse("0/2 nodes are available: 2 node(s) had volume node affinity conflict.").expect("parses");
        assert_eq!(f.reasons[0].misfit, Misfit::VolumeNodeAffinity);
        let f = parse("0/2 nodes are available: 2 node(s) were out of disk space.").expect("parses");
        assert_eq!(f.reasons[0].misfit, Misfit::Other { text: "node(s) were out of disk space".into() });
    }

    #[test]
    fn wrapped_and_unrelated_messages() {
        let f = parse(
            "error while running \"VolumeBinding\" filter plugin for pod \"db-0\": pod has unbound immediate PersistentVolumeClaims",
        )
        .expect("parses");
        assert_eq!(f.reasons[0].misfit, Misfit::UnboundClaims);
        assert_eq!(parse("no nodes available to schedule pods"), None);
        assert_eq!(parse("Successfully assigned shop/x to node-a"), None);
    }
}
