//! What the watches have told us, per kind and scope. Each object carries its display row, computed once when it
//! arrives, so drawing a frame never recomputes 5,000 statuses.
//!
//! Objects are kept as their (stripped) JSON, not as typed structs: a typed `Pod` takes about 15 KB of memory
//! where its JSON takes under 3 KB, and only the few objects someone acts on are ever read back.
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use kube::{Resource, ResourceExt};

use super::rows::{Row, Rowable};
use crate::cluster::{Scope, WatchState, WatchUpdate};

/// (namespace, name): the order lists are shown in.
pub type ObjectKey = (String, String);

#[derive(Debug)]
pub struct Entry<K> {
    json: Arc<[u8]>,
    pub row: Row,
    /// What drill-down views filter on, kept beside the row so filtering never reads the JSON back.
    pub facts: Facts,
    kind: PhantomData<fn() -> K>,
}

/// An object's labels and owners, packed in one allocation (a few thousand pods each carry one): lines of
/// `l<TAB>key<TAB>value` and `o<TAB>kind<TAB>name`. Tabs and newlines cannot occur in label keys, values, kinds
/// or names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts(Box<str>);

impl Facts {
    fn of(meta: &kube::core::ObjectMeta) -> Facts {
        let mut text = String::new();
        for (k, v) in meta.labels.iter().flatten() {
            text.push_str(&format!("l\t{k}\t{v}\n"));
        }
        for o in meta.owner_references.iter().flatten() {
            text.push_str(&format!("o\t{}\t{}\n", o.kind, o.name));
        }
        Facts(text.into_boxed_str())
    }

    fn entries(&self, tag: &'static str) -> impl Iterator<Item = (&str, &str)> {
        self.0.lines().filter_map(move |line| {
            let mut parts = line.splitn(3, '\t');
            (parts.next() == Some(tag)).then_some(())?;
            Some((parts.next()?, parts.next().unwrap_or_default()))
        })
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.entries("l").find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// (kind, name) of each owner reference.
    pub fn owners(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries("o")
    }
}

impl<K> Clone for Entry<K> {
    fn clone(&self) -> Self {
        Entry { json: Arc::clone(&self.json), row: self.row.clone(), facts: self.facts.clone(), kind: PhantomData }
    }
}

impl<K: Resource + Serialize + DeserializeOwned> Entry<K> {
    fn new(object: &K, row: Row) -> Self {
        let json: Arc<[u8]> = serde_json::to_vec(object).unwrap_or_default().into();
        Entry { json, row, facts: Facts::of(object.meta()), kind: PhantomData }
    }

    /// The object, read back from its JSON (for the few objects an action or a detail view needs).
    pub fn object(&self) -> Option<K> {
        serde_json::from_slice(&self.json).ok()
    }

    /// The object's labels, read from its JSON without the rest (to list one app's pods).
    pub fn labels(&self) -> BTreeMap<String, String> {
        #[derive(serde::Deserialize, Default)]
        struct Meta {
            #[serde(default)]
            labels: BTreeMap<String, String>,
        }
        #[derive(serde::Deserialize)]
        struct Object {
            #[serde(default)]
            metadata: Meta,
        }
        serde_json::from_slice::<Object>(&self.json).map(|o| o.metadata.labels).unwrap_or_default()
    }

    /// Bytes held for the object itself.
    pub fn size(&self) -> usize {
        self.json.len()
    }
}

/// The objects of one watch (one kind in one scope).
#[derive(Debug)]
pub struct ScopeCache<K> {
    pub objects: BTreeMap<ObjectKey, Entry<K>>,
    /// During a relist over data already shown: the new listing, swapped in when complete so the list never
    /// flashes empty.
    incoming: Option<BTreeMap<ObjectKey, Entry<K>>>,
    pub state: WatchState,
    /// True once a full list has arrived.
    pub synced: bool,
    /// When data last arrived, for "data 12s old" while reconnecting.
    pub last_update: Option<jiff::Timestamp>,
    /// When the connection was lost: the data is known good up to then.
    pub disconnected_since: Option<jiff::Timestamp>,
}

impl<K> Default for ScopeCache<K> {
    fn default() -> Self {
        ScopeCache {
            objects: BTreeMap::new(),
            incoming: None,
            state: WatchState::Listing,
            synced: false,
            last_update: None,
            disconnected_since: None,
        }
    }
}

/// All scopes of one kind.
#[derive(Debug)]
pub struct ObjectCache<K> {
    pub scopes: BTreeMap<Scope, ScopeCache<K>>,
    /// Bumped on every change, so views know when to rebuild their row index.
    pub generation: u64,
}

impl<K> Default for ObjectCache<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> ObjectCache<K> {
    pub const fn new() -> Self {
        ObjectCache { scopes: BTreeMap::new(), generation: 0 }
    }
}

fn key_of<K: Resource>(obj: &K) -> ObjectKey {
    (obj.namespace().unwrap_or_default(), obj.name_any())
}

impl<K: Resource + Rowable + Serialize + DeserializeOwned> ObjectCache<K> {
    pub fn apply(&mut self, scope: &Scope, update: WatchUpdate<K>, now: jiff::Timestamp) {
        self.apply_with(scope, update, now, K::row);
    }
}

impl<K: Resource + Serialize + DeserializeOwned> ObjectCache<K> {
    /// Make room for a watch that is starting.
    pub fn begin(&mut self, scope: &Scope) {
        self.scopes.entry(scope.clone()).or_default();
        self.generation += 1;
    }

    pub fn clear(&mut self) {
        self.scopes.clear();
        self.generation += 1;
    }

    /// Apply a watch update, computing each arriving object's row with `row`.
    pub fn apply_with(
        &mut self,
        scope: &Scope,
        update: WatchUpdate<K>,
        now: jiff::Timestamp,
        row: impl Fn(&K, jiff::Timestamp) -> Row,
    ) {
        let cache = self.scopes.entry(scope.clone()).or_default();
        self.generation += 1;
        match update {
            WatchUpdate::State(state) => {
                if matches!(state, WatchState::Forbidden { .. } | WatchState::Unavailable { .. }) {
                    cache.objects.clear();
                    cache.incoming = None;
                }
                match state {
                    WatchState::Reconnecting { .. } => {
                        cache.disconnected_since.get_or_insert(now);
                    }
                    _ => cache.disconnected_since = None,
                }
                cache.state = state;
                return;
            }
            WatchUpdate::Page { items, first, last } => {
                if first {
                    // The first listing paints page by page; a relist builds aside and swaps at the end.
                    cache.incoming = if cache.synced { Some(BTreeMap::new()) } else { None };
                    if !cache.synced {
                        cache.objects.clear();
                    }
                }
                let target = cache.incoming.as_mut().unwrap_or(&mut cache.objects);
                for obj in items {
                    let row = row(&obj, now);
                    target.insert(key_of(&obj), Entry::new(&obj, row));
                }
                if last {
                    if let Some(fresh) = cache.incoming.take() {
                        cache.objects = fresh;
                    }
                    cache.synced = true;
                    cache.state = WatchState::Live;
                }
            }
            WatchUpdate::Applied(obj) => {
                let entry = Entry::new(&obj, row(&obj, now));
                let key = key_of(&obj);
                if let Some(incoming) = cache.incoming.as_mut() {
                    incoming.insert(key.clone(), entry.clone());
                }
                cache.objects.insert(key, entry);
            }
            WatchUpdate::Deleted(obj) => {
                let key = key_of(&obj);
                if let Some(incoming) = cache.incoming.as_mut() {
                    incoming.remove(&key);
                }
                cache.objects.remove(&key);
            }
        }
        cache.last_update = Some(now);
        if matches!(cache.state, WatchState::Reconnecting { .. } | WatchState::Listing) && cache.synced {
            cache.state = WatchState::Live;
            cache.disconnected_since = None;
        }
    }

    pub fn scope(&self, scope: &Scope) -> Option<&ScopeCache<K>> {
        self.scopes.get(scope)
    }

    /// Every object in the given scopes, in (namespace, name) order within each scope.
    pub fn entries<'a>(&'a self, scopes: &'a [Scope]) -> impl Iterator<Item = (&'a ObjectKey, &'a Entry<K>)> + 'a {
        scopes.iter().filter_map(|s| self.scopes.get(s)).flat_map(|c| c.objects.iter())
    }

    pub fn get(&self, scopes: &[Scope], key: &ObjectKey) -> Option<&Entry<K>> {
        scopes.iter().filter_map(|s| self.scopes.get(s)).find_map(|c| c.objects.get(key))
    }

    pub fn len(&self, scopes: &[Scope]) -> usize {
        scopes.iter().filter_map(|s| self.scopes.get(s)).map(|c| c.objects.len()).sum()
    }

    pub fn is_empty(&self, scopes: &[Scope]) -> bool {
        self.len(scopes) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;

    fn pod(ns: &str, name: &str) -> Pod {
        serde_json::from_value(serde_json::json!({"metadata": {"name": name, "namespace": ns}})).expect("pod")
    }

    fn names(cache: &ObjectCache<Pod>, scope: &Scope) -> Vec<String> {
        cache.entries(std::slice::from_ref(scope)).map(|((_, name), _)| name.clone()).collect()
    }

    #[test]
    fn first_list_paints_page_by_page_and_relist_swaps_at_the_end() {
        let now = jiff::Timestamp::now();
        let scope = Scope::Namespace("shop".into());
        let mut cache = ObjectCache::<Pod>::default();
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "a")], first: true, last: false }, now);
        assert_eq!(names(&cache, &scope), ["a"], "the first page shows before the list is complete");
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "b")], first: false, last: true }, now);
        assert_eq!(names(&cache, &scope), ["a", "b"]);
        // A relist (after 410) that no longer has "a": the old data stays until the relist completes.
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "c")], first: true, last: false }, now);
        assert_eq!(names(&cache, &scope), ["a", "b"]);
        cache.apply(&scope, WatchUpdate::Page { items: vec![pod("shop", "b")], first: false, last: true }, now);
        assert_eq!(names(&cache, &scope), ["b", "c"]);
    }

    #[test]
    fn watch_events_apply_and_delete() {
        let now = jiff::Timestamp::now();
        let scope = Scope::All;
        let mut cache = ObjectCache::<Pod>::default();
        cache.apply(&scope, WatchUpdate::Page { items: vec![], first: true, last: true }, now);
        cache.apply(&scope, WatchUpdate::Applied(pod("a", "x")), now);
        cache.apply(&scope, WatchUpdate::Applied(pod("b", "x")), now);
        assert_eq!(cache.len(std::slice::from_ref(&scope)), 2);
        cache.apply(&scope, WatchUpdate::Deleted(pod("a", "x")), now);
        assert_eq!(cache.len(std::slice::from_ref(&scope)), 1);
    }

    #[test]
    fn objects_are_kept_as_json_and_read_back_whole() {
        let now = jiff::Timestamp::now();
        let scope = Scope::All;
        let mut cache = ObjectCache::<Pod>::default();
        let mut p = pod("shop", "web");
        p.metadata.labels = Some([("app".to_string(), "web".to_string())].into());
        cache.apply(&scope, WatchUpdate::Applied(p.clone()), now);
        let entry = cache.get(std::slice::from_ref(&scope), &("shop".into(), "web".into())).expect("stored");
        assert_eq!(entry.object(), Some(p));
    }

    #[test]
    fn facts_keep_labels_and_owners_for_drill_down() {
        let p: Pod = serde_json::from_value(serde_json::json!({"metadata": {"name": "web-1", "namespace": "shop",
            "labels": {"app": "web", "pod-template-hash": "7d9f"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9f", "uid": "u"}]}}))
        .expect("pod");
        let facts = Facts::of(&p.metadata);
        assert_eq!(facts.label("app"), Some("web"));
        assert_eq!(facts.label("pod-template-hash"), Some("7d9f"));
        assert_eq!(facts.label("missing"), None);
        assert_eq!(facts.owners().collect::<Vec<_>>(), [("ReplicaSet", "web-7d9f")]);
    }

    #[test]
    fn forbidden_clears_and_records_the_reason() {
        let now = jiff::Timestamp::now();
        let scope = Scope::All;
        let mut cache = ObjectCache::<Pod>::default();
        cache.apply(&scope, WatchUpdate::State(WatchState::Forbidden { message: "no".into() }), now);
        assert!(matches!(cache.scope(&scope).map(|s| &s.state), Some(WatchState::Forbidden { .. })));
    }
}
