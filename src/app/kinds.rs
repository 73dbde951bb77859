//! Kinds beyond the built-in views: what discovery found, how `:WORD` names a kind, and the server's Table
//! columns of discovered kinds.
use std::collections::HashMap;

use super::rows::{Column, col};
use crate::cluster::Kind;
use crate::cluster::resources::{self, Served};
use crate::cluster::table_watch::ColumnDef;

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Discovery {
    #[default]
    NotAsked,
    Asked,
    Found(Vec<Served>),
    Failed(String),
}

#[derive(Debug, Default)]
pub struct KindsState {
    pub discovery: Discovery,
    /// A `:WORD` typed before discovery answered; resolved when it does.
    pub pending: Option<String>,
    /// The server's Table columns of each discovered kind, as it sent them.
    pub table_defs: HashMap<Kind, Vec<ColumnDef>>,
    columns: HashMap<Kind, &'static [Column]>,
}

/// What a `:WORD` names.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Kind(Kind),
    /// Not known yet: discovery has not answered.
    Wait,
    /// No such kind; the closest name, if any is close.
    Unknown {
        closest: Option<String>,
    },
}

impl KindsState {
    pub fn columns(&self, kind: Kind) -> &'static [Column] {
        self.columns.get(&kind).copied().unwrap_or(&[])
    }

    /// Keep a discovered kind's columns (those kubectl shows by default, after NAME).
    pub fn set_table_columns(&mut self, kind: Kind, defs: Vec<ColumnDef>) {
        if self.table_defs.get(&kind) == Some(&defs) {
            return;
        }
        let shown: Vec<Column> = defs
            .iter()
            .filter(|c| c.priority == 0 && c.format != "name" && c.name != "Name")
            .map(|c| {
                let title = resources::intern_title(&c.name.to_uppercase());
                col(title, (title.len() as u16 + 2).max(7))
            })
            .collect();
        // Interned for the process like titles: one slice per distinct column set the server sends.
        self.columns.insert(kind, Box::leak(shown.into_boxed_slice()));
        self.table_defs.insert(kind, defs);
    }

    pub fn served(&self) -> &[Served] {
        match &self.discovery {
            Discovery::Found(served) => served,
            _ => &[],
        }
    }

    /// Resolve `po`, `deploy`, `netpol`, `pvc`, `crd`, `certificates.cert-manager.io`, `Certificate`…
    pub fn resolve(&self, word: &str) -> Resolved {
        let word = word.trim().to_lowercase();
        if word == "api-resources" {
            return Resolved::Kind(Kind::ApiResources);
        }
        for kind in Kind::TYPED {
            if names_of_typed(kind).contains(&word) {
                return Resolved::Kind(kind);
            }
        }
        let served = self.served();
        if let Some(found) = served.iter().find(|s| names_of(s).contains(&word)) {
            return Resolved::Kind(found.kind);
        }
        if matches!(self.discovery, Discovery::NotAsked | Discovery::Asked) {
            return Resolved::Wait;
        }
        let mut best: Option<(usize, String)> = None;
        let candidates = Kind::TYPED
            .iter()
            .flat_map(|k| std::iter::once(k.plural()).chain(k.short_names().iter().copied()))
            .map(str::to_string)
            .chain(served.iter().map(|s| resources::get(s.resource).qualified()));
        for name in candidates {
            let d = distance(&word, &name).min(distance(&word, name.split('.').next().unwrap_or("")));
            if d <= 3 && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
                best = Some((d, name));
            }
        }
        Resolved::Unknown { closest: best.map(|(_, n)| n) }
    }

    /// Every listable kind for the palette: (what to type, what it is).
    pub fn suggestions(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = vec![("api-resources".into(), "Every kind the server serves".into())];
        for s in self.served() {
            let r = resources::get(s.resource);
            if !r.listable() || matches!(s.kind, Kind::Pod | Kind::Deployment | Kind::Service | Kind::Event) {
                continue;
            }
            // The shortest name that says which kind: a short name, else the plural when no other group has it.
            let plural_taken =
                self.served().iter().filter(|o| resources::get(o.resource).plural == r.plural).count() > 1;
            let word = match s.kind {
                Kind::Other(_) if !r.short_names.is_empty() => r.short_names[0].to_string(),
                Kind::Other(_) if !plural_taken => r.plural.to_string(),
                Kind::Other(_) => r.qualified(),
                kind => kind.short_names().first().map_or(kind.plural().to_string(), |s| s.to_string()),
            };
            if !out.iter().any(|(w, _)| *w == word) {
                out.push((word, format!("{} ({})", r.kind, r.api_version())));
            }
        }
        if out.len() == 1 {
            // Before discovery answers: the typed kinds.
            for kind in Kind::TYPED.into_iter().skip(5) {
                let word = kind.short_names().first().map_or(kind.plural().to_string(), |s| s.to_string());
                out.push((word, kind.title()));
            }
        }
        out
    }
}

fn names_of_typed(kind: Kind) -> Vec<String> {
    let mut names = vec![kind.plural().to_string(), kind.kind_name().to_lowercase()];
    names.extend(kind.short_names().iter().map(|s| s.to_string()));
    if !kind.group().is_empty() {
        names.push(format!("{}.{}", kind.plural(), kind.group()));
    }
    names
}

fn names_of(s: &Served) -> Vec<String> {
    let r = resources::get(s.resource);
    if !r.listable() {
        return Vec::new();
    }
    let mut names = vec![r.plural.to_string(), r.singular.to_string(), r.kind.to_lowercase(), r.qualified()];
    names.extend(r.short_names.iter().map(|s| s.to_string()));
    names
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn found(served: Vec<Served>) -> KindsState {
        KindsState { discovery: Discovery::Found(served), ..Default::default() }
    }

    /// certificates.cert-manager.io as discovery finds it.
    pub(crate) fn certificates() -> Served {
        let verbs: Vec<String> = ["get", "list", "watch"].iter().map(|s| s.to_string()).collect();
        let id = resources::intern(
            "cert-manager.io",
            "v1",
            "certificates",
            "certificate",
            "Certificate",
            true,
            &["cert".into(), "certs".into()],
            &verbs,
        );
        Served { kind: Kind::Other(id), resource: id }
    }

    #[test]
    fn typed_kinds_resolve_by_plural_singular_short_and_kind_name() {
        let k = KindsState::default();
        assert_eq!(k.resolve("po"), Resolved::Kind(Kind::Pod));
        assert_eq!(k.resolve("deploy"), Resolved::Kind(Kind::Deployment));
        assert_eq!(k.resolve("netpol"), Resolved::Kind(Kind::NetworkPolicy));
        assert_eq!(k.resolve("pvc"), Resolved::Kind(Kind::PersistentVolumeClaim));
        assert_eq!(k.resolve("PersistentVolume"), Resolved::Kind(Kind::PersistentVolume));
        assert_eq!(k.resolve("cronjobs.batch"), Resolved::Kind(Kind::CronJob));
        assert_eq!(k.resolve("api-resources"), Resolved::Kind(Kind::ApiResources));
        assert_eq!(k.resolve("crd"), Resolved::Wait, "CRDs are known only through discovery");
    }

    #[test]
    fn discovered_kinds_resolve_by_every_name_and_unknown_words_suggest_the_closest() {
        let cert = certificates();
        let k = found(vec![cert.clone()]);
        for word in ["certificates.cert-manager.io", "certificates", "certificate", "cert", "Certificate"] {
            assert_eq!(k.resolve(word), Resolved::Kind(cert.kind), "{word}");
        }
        assert_eq!(
            k.resolve("certificats"),
            Resolved::Unknown { closest: Some("certificates.cert-manager.io".into()) }
        );
        assert_eq!(k.resolve("netpols"), Resolved::Unknown { closest: Some("netpol".into()) });
        assert_eq!(k.resolve("zzzzzzzzzz"), Resolved::Unknown { closest: None });
        assert!(
            k.suggestions().iter().any(|(w, d)| w == "cert" && d.contains("Certificate")),
            "the short name is offered"
        );
    }
}
