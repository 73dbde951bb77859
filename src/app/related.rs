//! `R`: the objects related to the selected one, as a tree: its owners, what it owns, what selects it (Services,
//! NetworkPolicies), what it mounts or is mounted by (ConfigMaps, Secrets, PVCs), and Ingresses routing to a
//! Service. Built from the caches, and rebuilt as they fill: opening it starts the watches it reads.
use serde_json::Value;

use super::cache::ObjectKey;
use super::msg::Effect;
use super::state::{State, TextPane};
use crate::cluster::{Kind, Scope};

/// The kinds the tree reads.
const READS: [Kind; 9] = [
    Kind::Pod,
    Kind::Service,
    Kind::ReplicaSet,
    Kind::Deployment,
    Kind::Job,
    Kind::Ingress,
    Kind::NetworkPolicy,
    Kind::PersistentVolumeClaim,
    Kind::StatefulSet,
];

const TITLE: &str = "Related objects";

/// Open the tree of the selected object.
pub fn open(state: &mut State, effects: &mut Vec<Effect>) {
    let kind = state.view.kind;
    let Some(key) = state.selected().cloned() else { return };
    if !kind.watched() {
        return;
    }
    for read in READS {
        for scope in state.scopes_for(read) {
            if state.requested.insert((read, scope.clone())) {
                begin(state, read, &scope);
                effects.push(Effect::Watch(read, scope));
            }
        }
    }
    state.related = Some((kind, key));
    state.pane = Some(TextPane {
        title: TITLE.into(),
        plan: None,
        lines: Vec::new(),
        scroll: 0,
        loading: true,
        selectable: false,
    });
    refresh(state);
}

fn begin(state: &mut State, kind: Kind, scope: &Scope) {
    match kind {
        Kind::Pod => state.pods.begin(scope),
        Kind::Service => state.services.begin(scope),
        Kind::Deployment => state.deployments.begin(scope),
        other => state.dynamic.entry(other).or_default().begin(scope),
    }
}

/// Rebuild the pane while it is open (data arrived); forget the object once the pane is closed.
pub fn refresh(state: &mut State) {
    let Some((kind, key)) = state.related.clone() else { return };
    let open = state.pane.as_ref().is_some_and(|p| p.title.starts_with(TITLE));
    if !open {
        state.related = None;
        return;
    }
    let lines = tree(state, kind, &key);
    let scroll = state.pane.as_ref().map_or(0, |p| p.scroll);
    state.pane = Some(TextPane {
        title: format!("{TITLE} of {} {}", kind.kind_name().to_lowercase(), key.1),
        plan: None,
        lines,
        scroll,
        loading: false,
        selectable: false,
    });
}

/// Objects of `kind` in `ns` with their JSON.
fn objects(state: &State, kind: Kind, ns: &str) -> Vec<(ObjectKey, Value)> {
    let scopes = state.scopes_for(kind);
    with_cache!(state, kind, c => c
        .entries(&scopes)
        .filter(|(k, _)| !kind.namespaced() || k.0 == ns)
        .filter_map(|(k, e)| Some((k.clone(), serde_json::to_value(e.object()?).ok()?)))
        .collect())
}

fn labels(v: &Value, pointer: &str) -> Vec<(String, String)> {
    v.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

/// Whether a selector (all of `wanted`) picks an object with `have`; an empty selector picks everything only
/// when `empty_selects_all` (NetworkPolicies), never for Services.
fn selects(wanted: &[(String, String)], have: &[(String, String)], empty_selects_all: bool) -> bool {
    if wanted.is_empty() {
        return empty_selects_all;
    }
    wanted.iter().all(|w| have.contains(w))
}

/// What a pod mounts: (kind, name) of its ConfigMap, Secret and PVC volumes.
fn mounts(pod: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for v in pod.pointer("/spec/volumes").and_then(Value::as_array).into_iter().flatten() {
        let name = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        if let Some(n) = name("/configMap/name") {
            out.push(("ConfigMap", n));
        }
        if let Some(n) = name("/secret/secretName") {
            out.push(("Secret", n));
        }
        if let Some(n) = name("/persistentVolumeClaim/claimName") {
            out.push(("PersistentVolumeClaim", n));
        }
    }
    out
}

fn tree(state: &State, kind: Kind, key: &ObjectKey) -> Vec<String> {
    let (ns, name) = (key.0.as_str(), key.1.as_str());
    let me = objects(state, kind, ns).into_iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or_default();
    let my_labels = labels(&me, "/metadata/labels");
    let mut lines =
        vec![format!("{} {name}{}", kind.kind_name(), if ns.is_empty() { String::new() } else { format!(" in {ns}") })];
    let mut section = |title: &str, items: Vec<String>| {
        if !items.is_empty() {
            lines.push(String::new());
            lines.push(format!("{title}:"));
            lines.extend(items.into_iter().map(|i| format!("  {i}")));
        }
    };

    // Owners, and their owners (a pod's ReplicaSet's Deployment).
    let mut owners = Vec::new();
    let mut current = me.clone();
    for depth in 0..3 {
        let Some(owner) = current.pointer("/metadata/ownerReferences/0").cloned() else { break };
        let (okind, oname) = (owner["kind"].as_str().unwrap_or_default(), owner["name"].as_str().unwrap_or_default());
        owners.push(format!("{}└ {okind} {oname}", "  ".repeat(depth)));
        let Some(next) = Kind::TYPED.into_iter().find(|k| k.kind_name() == okind) else { break };
        match objects(state, next, ns).into_iter().find(|(k, _)| k.1 == oname) {
            Some((_, v)) => current = v,
            None => break,
        }
    }
    section("Owned by", owners);

    // What it owns, among the kinds read.
    let mut owned = Vec::new();
    for read in READS {
        for (k, v) in objects(state, read, ns) {
            let refs = v.pointer("/metadata/ownerReferences").and_then(Value::as_array).cloned().unwrap_or_default();
            if refs.iter().any(|r| r["kind"] == kind.kind_name() && r["name"] == name) {
                owned.push(format!("{} {}", read.kind_name(), k.1));
            }
        }
    }
    section("Owns", owned);

    match kind {
        Kind::Pod => {
            let services = objects(state, Kind::Service, ns)
                .into_iter()
                .filter(|(_, s)| selects(&labels(s, "/spec/selector"), &my_labels, false))
                .map(|(k, _)| format!("Service {}", k.1));
            let policies = objects(state, Kind::NetworkPolicy, ns)
                .into_iter()
                .filter(|(_, p)| selects(&labels(p, "/spec/podSelector/matchLabels"), &my_labels, true))
                .map(|(k, _)| format!("NetworkPolicy {}", k.1));
            section("Selected by", services.chain(policies).collect());
            section("Mounts", mounts(&me).into_iter().map(|(k, n)| format!("{k} {n}")).collect());
        }
        Kind::Service => {
            let selector = labels(&me, "/spec/selector");
            let pods = objects(state, Kind::Pod, ns)
                .into_iter()
                .filter(|(_, p)| selects(&selector, &labels(p, "/metadata/labels"), false))
                .map(|(k, _)| format!("Pod {}", k.1))
                .collect();
            section("Selects", pods);
            let ingresses = objects(state, Kind::Ingress, ns)
                .into_iter()
                .filter(|(_, i)| i.to_string().contains(&format!("\"service\":{{\"name\":\"{name}\"")))
                .map(|(k, _)| format!("Ingress {}", k.1))
                .collect();
            section("Routed to by", ingresses);
        }
        Kind::ConfigMap | Kind::Secret | Kind::PersistentVolumeClaim => {
            let pods = objects(state, Kind::Pod, ns)
                .into_iter()
                .filter(|(_, p)| mounts(p).iter().any(|(k, n)| *k == kind.kind_name() && n == name))
                .map(|(k, _)| format!("Pod {}", k.1))
                .collect();
            section("Mounted by", pods);
        }
        _ => {}
    }
    if lines.len() == 1 {
        lines.push(String::new());
        lines.push("Nothing related found in what is loaded (yet).".into());
    }
    lines
}
