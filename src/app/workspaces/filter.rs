//! Which apps a workspace shows: its namespace lists, label selectors (kubectl syntax) and name globs.
//! Pure; the editor parses the user's text with the same functions, so a bad selector is refused on save.
use std::collections::BTreeMap;

use crate::analysis::selector::split_requirements;
use crate::store::WorkspaceFilters;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
        }
    }
}

/// A parsed label selector: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// Parses `app=web,tier!=cache,env in (prod,staging),!legacy`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut out = Vec::new();
        for part in split_requirements(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            out.push(requirement(part).ok_or_else(|| {
                format!("{part:?} is not a label selector (try app=web, tier!=cache, env in (a,b), !legacy)")
            })?);
        }
        if out.is_empty() {
            return Err(format!("{text:?} is an empty label selector"));
        }
        Ok(Selector(out))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| r.matches(labels))
    }
}

fn requirement(part: &str) -> Option<Requirement> {
    let valid_key = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if let Some(key) = part.strip_prefix('!') {
        return valid_key(key.trim()).then(|| Requirement::NotExists(key.trim().to_string()));
    }
    for (op, not) in [(" notin ", true), (" in ", false)] {
        if let Some((key, values)) = part.split_once(op) {
            let values = values.trim().strip_prefix('(')?.strip_suffix(')')?;
            let values: Vec<String> =
                values.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
            let key = key.trim().to_string();
            if !valid_key(&key) || values.is_empty() {
                return None;
            }
            return Some(if not { Requirement::NotIn(key, values) } else { Requirement::In(key, values) });
        }
    }
    if let Some((key, value)) = part.split_once("!=") {
        let key = key.trim();
        return valid_key(key).then(|| Requirement::NotEquals(key.to_string(), value.trim().to_string()));
    }
    if let Some((key, value)) = part.split_once("==").or_else(|| part.split_once('=')) {
        let key = key.trim();
        return valid_key(key).then(|| Requirement::Equals(key.to_string(), value.trim().to_string()));
    }
    valid_key(part).then(|| Requirement::Exists(part.to_string()))
}

/// `*` matches any run of characters, `?` one character; everything else matches itself.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A workspace's filters, parsed once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    namespaces_allow: Vec<String>,
    namespaces_deny: Vec<String>,
    labels_allow: Vec<Selector>,
    labels_deny: Vec<Selector>,
    names: Vec<String>,
}

impl Filter {
    /// Parses the stored filters; a selector that does not parse is an error naming it.
    pub fn new(filters: &WorkspaceFilters) -> Result<Filter, String> {
        let selectors = |texts: &[String]| texts.iter().map(|t| Selector::parse(t)).collect::<Result<Vec<_>, _>>();
        Ok(Filter {
            namespaces_allow: filters.namespaces_allow.clone(),
            namespaces_deny: filters.namespaces_deny.clone(),
            labels_allow: selectors(&filters.label_selectors_allow)?,
            labels_deny: selectors(&filters.label_selectors_deny)?,
            names: filters.name_patterns.clone(),
        })
    }

    /// Whether an app with this namespace, name and labels is in the workspace. An allow list that is
    /// empty allows everything; any one allowed selector or pattern is enough; any denied one hides it.
    pub fn matches(&self, namespace: &str, name: &str, labels: &BTreeMap<String, String>) -> bool {
        (self.namespaces_allow.is_empty() || self.namespaces_allow.iter().any(|n| n == namespace))
            && !self.namespaces_deny.iter().any(|n| n == namespace)
            && (self.labels_allow.is_empty() || self.labels_allow.iter().any(|s| s.matches(labels)))
            && !self.labels_deny.iter().any(|s| s.matches(labels))
            && (self.names.is_empty() || self.names.iter().any(|p| glob_matches(p, name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn selectors_follow_kubectl_syntax() {
        let web = labels(&[("app", "web"), ("env", "prod")]);
        let matches = |s: &str| Selector::parse(s).unwrap().matches(&web);
        assert!(matches("app=web"));
        assert!(matches("app==web,env"));
        assert!(matches("env in (prod, staging)"));
        assert!(matches("tier!=cache"));
        assert!(matches("!legacy"));
        assert!(!matches("env notin (prod)"));
        assert!(!matches("app=web,tier"));
        assert!(Selector::parse("app in prod").is_err());
        assert!(Selector::parse(" , ").is_err());
        assert!(Selector::parse("a b=c").is_err());
    }

    #[test]
    fn globs_match_stars_and_question_marks() {
        assert!(glob_matches("api-*", "api-gateway"));
        assert!(glob_matches("*-api", "payments-api"));
        assert!(glob_matches("c?rt", "cart"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("api-*", "gateway-api"));
        assert!(!glob_matches("cart", "carts"));
        assert!(glob_matches("*a*b*", "xxaxxbxx"));
    }

    #[test]
    fn allow_lists_narrow_and_deny_lists_hide() {
        let filters = WorkspaceFilters {
            namespaces_allow: vec!["shop".into(), "payments".into()],
            namespaces_deny: vec!["payments".into()],
            label_selectors_allow: vec![],
            label_selectors_deny: vec!["tier=cache".into()],
            name_patterns: vec!["c*".into()],
        };
        let f = Filter::new(&filters).unwrap();
        let none = labels(&[]);
        assert!(f.matches("shop", "cart", &none));
        assert!(!f.matches("shop", "storefront", &none), "name pattern");
        assert!(!f.matches("payments", "cart", &none), "denied namespace");
        assert!(!f.matches("kube-system", "coredns", &none), "not allowed");
        assert!(!f.matches("shop", "cache", &labels(&[("tier", "cache")])), "denied labels");
        assert!(Filter::new(&WorkspaceFilters::default()).unwrap().matches("any", "thing", &none));
    }

    #[test]
    fn a_bad_stored_selector_is_an_error_not_a_silent_match() {
        let filters = WorkspaceFilters { label_selectors_allow: vec!["app in web".into()], ..Default::default() };
        assert!(Filter::new(&filters).unwrap_err().contains("app in web"));
    }
}
