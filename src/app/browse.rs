//! Browsing any kind: `:WORD` resolution with discovery, the data of dynamic kinds, the `:api-resources` list,
//! and drilling down (Enter) and up (`o`, Esc).
use kube::api::DynamicObject;
use serde_json::{Value, json};

use super::drill::{self, Drill};
use super::kinds::{Discovery, Resolved};
use super::msg::Effect;
use super::state::{ListView, State};
use crate::cluster::resources::{self, Served};
use crate::cluster::table_watch::ColumnDef;
use crate::cluster::{Kind, Scope, WatchUpdate};

/// Ask for discovery once per context.
pub fn ensure_discovery(state: &mut State, effects: &mut Vec<Effect>) {
    if state.kinds.discovery == Discovery::NotAsked {
        state.kinds.discovery = Discovery::Asked;
        effects.push(Effect::Discover);
    }
}

/// `:WORD` that is not a palette command: open the kind it names, wait for discovery, or say it is unknown.
pub fn open_kind(state: &mut State, word: &str, effects: &mut Vec<Effect>) {
    match state.kinds.resolve(word) {
        Resolved::Kind(kind) => {
            if kind == Kind::ApiResources {
                ensure_discovery(state, effects);
            }
            state.close_overlays();
            state.ws.screen = None;
            show(state, kind, None);
        }
        Resolved::Wait => {
            state.kinds.pending = Some(word.to_string());
            ensure_discovery(state, effects);
            state.flash(looking_up(word), false);
        }
        Resolved::Unknown { closest: Some(name) } => state.flash(
            format!("No kind named {word} on this server. Did you mean :{name}? (:api-resources lists them)"),
            true,
        ),
        Resolved::Unknown { closest: None } => {
            state.flash(format!("No kind named {word} on this server. :api-resources lists the kinds it serves"), true)
        }
    }
}

fn looking_up(word: &str) -> String {
    format!("Looking up :{word} in what the server serves…")
}

/// Open a list of `kind`, remembering the current view for Esc.
pub fn show(state: &mut State, kind: Kind, drill: Option<Drill>) {
    if state.view.kind == kind && state.view.drill == drill {
        return;
    }
    let mut view = ListView::new(kind);
    view.drill = drill;
    let previous = std::mem::replace(&mut state.view, view);
    state.back.push(previous);
    if state.back.len() > 20 {
        state.back.remove(0);
    }
}

pub fn on_discovered(state: &mut State, result: Result<Vec<Served>, String>, effects: &mut Vec<Effect>) {
    match result {
        Ok(served) => {
            let now = state.now;
            let items: Vec<DynamicObject> = served.iter().filter_map(api_resource_row).collect();
            let cache = state.dynamic.entry(Kind::ApiResources).or_default();
            cache.apply_with(&Scope::All, WatchUpdate::Page { items, first: true, last: true }, now, |o, now| {
                super::kind_rows::row(Kind::ApiResources, o, now)
            });
            state.kinds.discovery = Discovery::Found(served);
        }
        Err(message) => {
            state.flash(format!("Could not ask the server what it serves: {message}"), true);
            state.kinds.discovery = Discovery::Failed(message);
        }
    }
    if let Some(word) = state.kinds.pending.take() {
        // The lookup is over: its "Looking up" line goes, and what the answer opens or says takes its place.
        if state.flash.as_ref().is_some_and(|f| f.text == looking_up(&word)) {
            state.flash = None;
        }
        open_kind(state, &word, effects);
    }
}

/// One row of `:api-resources`, named by its plural as kubectl shows it; the group rides in the key's namespace
/// (never shown: the kind is cluster-wide), which sorts core first and lets Enter name `plural.group`.
fn api_resource_row(s: &Served) -> Option<DynamicObject> {
    let r = resources::get(s.resource);
    let object = json!({"apiVersion": "v1", "kind": "APIResource", "metadata": {"name": r.plural, "namespace": r.group},
        "short": r.short_names.join(","), "version": r.api_version(), "namespaced": r.namespaced.to_string(),
        "kindName": r.kind});
    let obj: DynamicObject = serde_json::from_value(object).ok()?;
    Some(obj)
}

pub fn on_dynamic(state: &mut State, scope: &Scope, kind: Kind, update: WatchUpdate<DynamicObject>) {
    let now = state.now;
    let defs = state.kinds.table_defs.get(&kind).cloned().unwrap_or_default();
    let cache = state.dynamic.entry(kind).or_default();
    match kind {
        Kind::Other(_) => cache.apply_with(scope, update, now, |o, _| super::kind_rows::table_row(o, &defs)),
        _ => cache.apply_with(scope, update, now, |o, now| super::kind_rows::row(kind, o, now)),
    }
}

pub fn on_columns(state: &mut State, kind: Kind, defs: Vec<ColumnDef>) {
    state.kinds.set_table_columns(kind, defs);
}

/// The selected object of the current view, as JSON.
fn selected_json(state: &State) -> Option<Value> {
    let key = state.selected()?.clone();
    let kind = state.view.kind;
    let scopes = state.scopes_for(kind);
    with_cache!(state, kind, c => c.get(&scopes, &key).and_then(|e| e.object()).and_then(|o| serde_json::to_value(o).ok()))
}

/// Enter: drill into what the selected object owns or selects. Returns false when the kind has nowhere to go.
pub fn drill_down(state: &mut State, effects: &mut Vec<Effect>) -> bool {
    let Some(key) = state.selected().cloned() else { return false };
    match state.view.kind {
        Kind::ApiResources => {
            let qualified = if key.0.is_empty() { key.1 } else { format!("{}.{}", key.1, key.0) };
            open_kind(state, &qualified, effects);
            return true;
        }
        Kind::Container => {
            let Some(pod) = state.view.drill.as_ref().and_then(|d| d.pod.clone()) else { return false };
            let containers: Vec<String> = state.index.keys.iter().map(|k| k.1.clone()).collect();
            let index = state.view.selected.min(containers.len().saturating_sub(1));
            super::logs::open(state, key.0, pod, containers, index, effects);
            return true;
        }
        _ => {}
    }
    let Some(mut obj) = selected_json(state) else { return false };
    if state.view.kind == Kind::Endpoints {
        // Endpoints lead to the pods their Service selects.
        let service = state.services.get(&state.scopes_for(Kind::Service), &key).and_then(|e| e.object());
        let selector = service.and_then(|s| s.spec).and_then(|s| s.selector).unwrap_or_default();
        obj["spec"] = json!({"selector": selector});
        ensure_watch_of(state, Kind::Service, effects);
    }
    let Some(target) = drill::target(state.view.kind, &key, &obj) else { return false };
    if target.kind == Kind::Container {
        show(state, Kind::Container, Some(target.drill));
        refresh_containers(state);
        return true;
    }
    show(state, target.kind, Some(target.drill));
    true
}

/// Keep the service cache fed: endpoints look their Service up on Enter.
fn ensure_watch_of(state: &mut State, kind: Kind, effects: &mut Vec<Effect>) {
    for scope in state.scopes_for(kind) {
        if state.requested.insert((kind, scope.clone())) {
            state.services.begin(&scope);
            effects.push(Effect::Watch(kind, scope));
        }
    }
}

/// `o`: jump to the selected object's owner (a pod's ReplicaSet, a ReplicaSet's Deployment, a Job's CronJob),
/// or a container's pod.
pub fn jump_to_owner(state: &mut State) {
    let Some(key) = state.selected().cloned() else { return };
    let kind = state.view.kind;
    let owner = if kind == Kind::Container {
        state.view.drill.as_ref().and_then(|d| d.pod.clone()).map(|pod| (Kind::Pod, pod))
    } else {
        let scopes = state.scopes_for(kind);
        let owners: Option<Vec<(String, String)>> = with_cache!(state, kind, c => c
            .get(&scopes, &key)
            .map(|e| e.facts.owners().map(|(k, n)| (k.to_string(), n.to_string())).collect()));
        owners
            .unwrap_or_default()
            .into_iter()
            .find_map(|(k, name)| Kind::TYPED.into_iter().find(|t| t.kind_name() == k).map(|t| (t, name)))
    };
    let Some((owner_kind, name)) = owner else {
        state.flash(format!("{} {} has no owner", kind.kind_name(), key.1), false);
        return;
    };
    show(state, owner_kind, None);
    let ns = if owner_kind.namespaced() { key.0 } else { String::new() };
    state.view.selected_key = Some((ns, name));
}

/// Rebuild the container view from its pod (on drilling, and whenever the pod changes).
pub fn refresh_containers(state: &mut State) {
    if state.view.kind != Kind::Container {
        return;
    }
    let Some(drill) = state.view.drill.clone() else { return };
    let (Some(ns), Some(pod)) = (drill.namespace.clone(), drill.pod.clone()) else { return };
    let key = (ns, pod);
    let pod = state.pods.get(&state.scopes_for(Kind::Pod), &key).and_then(|e| e.object());
    let Some(pod) = pod.and_then(|p| serde_json::to_value(p).ok()) else { return };
    let items: Vec<DynamicObject> =
        drill::containers(&pod).into_iter().filter_map(|c| serde_json::from_value(c).ok()).collect();
    let now = state.now;
    let scopes = state.scopes_for(Kind::Container);
    let cache = state.dynamic.entry(Kind::Container).or_default();
    for scope in scopes {
        let update = WatchUpdate::Page { items: items.clone(), first: true, last: true };
        cache.scopes.remove(&scope);
        cache.apply_with(&scope, update, now, |o, now| super::kind_rows::row(Kind::Container, o, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ContextInfo;
    use crate::app::kinds::tests::certificates;

    #[test]
    fn the_looking_up_line_goes_when_discovery_answers() {
        let info = ContextInfo { context: "sim-admin".into(), namespace: "shop".into(), ..ContextInfo::default() };
        let mut state = State::new(info, Scope::Namespace("shop".into()), jiff::Timestamp::UNIX_EPOCH);
        let mut effects = Vec::new();
        open_kind(&mut state, "certificates", &mut effects);
        assert_eq!(
            state.flash.as_ref().map(|f| f.text.as_str()),
            Some("Looking up :certificates in what the server serves…")
        );

        on_discovered(&mut state, Ok(vec![certificates()]), &mut effects);
        assert_eq!(state.view.kind, certificates().kind, "the list opens");
        assert!(state.flash.is_none(), "the lookup line is gone: {:?}", state.flash.map(|f| f.text));

        // A word the server does not serve replaces it with the answer.
        state.kinds = Default::default();
        open_kind(&mut state, "certificats", &mut effects);
        on_discovered(&mut state, Ok(vec![certificates()]), &mut effects);
        let flash = state.flash.map(|f| f.text).unwrap_or_default();
        assert!(flash.starts_with("No kind named certificats on this server. Did you mean"), "{flash}");
    }
}
