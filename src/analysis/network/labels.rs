//! Label selectors as the API server evaluates them, with a third answer for labels we do not know.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

pub type Labels = BTreeMap<String, String>;

/// Whether something matches when part of what it is matched against may be unknown (a source described
/// only as "any pod in namespace `shop`" has no labels to test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    Yes,
    No,
    /// Depends on labels or a namespace we do not know.
    Unknown,
}

impl Match {
    pub fn from_bool(b: bool) -> Match {
        if b { Match::Yes } else { Match::No }
    }

    /// Both must hold: `No` wins, then `Unknown`.
    pub fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Yes, Match::Yes) => Match::Yes,
            _ => Match::Unknown,
        }
    }
}

/// True when the selector selects everything (`{}`): no `matchLabels` and no `matchExpressions`.
pub fn selects_everything(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

/// `metav1.LabelSelectorAsSelector(selector).Matches(labels)`: every `matchLabels` pair and every
/// expression must hold. An unknown operator selects nothing, as the API server's conversion fails on it.
/// `None` labels (not known) match only when the selector selects everything.
pub fn selector_matches(selector: &LabelSelector, labels: Option<&Labels>) -> Match {
    if selects_everything(selector) {
        return Match::Yes;
    }
    let Some(labels) = labels else { return Match::Unknown };
    let pairs = selector.match_labels.iter().flatten().all(|(k, v)| labels.get(k) == Some(v));
    let expressions = selector.match_expressions.iter().flatten().all(|req| {
        let values = req.values.as_deref().unwrap_or_default();
        let value = labels.get(&req.key);
        match req.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    Match::from_bool(pairs && expressions)
}

/// A Service's map selector: every pair present with the same value. The caller treats an empty map as
/// "no selector" (the Service's Endpoints are managed by hand), not as "everything".
pub fn map_selector_matches(selector: &Labels, labels: &Labels) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// `a=b,c=d`, for evidence and kubectl `-l`.
pub fn format_labels(labels: &Labels) -> String {
    labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

/// A `LabelSelector` as `kubectl get -l` takes it: `a=b,c in (x,y),!d`.
pub fn format_selector(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for req in selector.match_expressions.iter().flatten() {
        let values = req.values.as_deref().unwrap_or_default().join(",");
        parts.push(match req.operator.as_str() {
            "In" => format!("{} in ({values})", req.key),
            "NotIn" => format!("{} notin ({values})", req.key),
            "Exists" => req.key.clone(),
            "DoesNotExist" => format!("!{}", req.key),
            other => format!("{} {other} ({values})", req.key),
        });
    }
    if parts.is_empty() { "(all pods)".to_string() } else { parts.join(",") }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn empty_selector_matches_everything_even_unknown_labels() {
        assert_eq!(selector_matches(&LabelSelector::default(), None), Match::Yes);
        assert_eq!(selector_matches(&LabelSelector::default(), Some(&labels(&[]))), Match::Yes);
    }

    #[test]
    fn match_labels_and_expressions_all_hold() {
        let sel = LabelSelector {
            match_labels: Some(labels(&[("app", "web")])),
            match_expressions: Some(vec![expr("tier", "In", &["a", "b"]), expr("canary", "DoesNotExist", &[])]),
        };
        assert_eq!(selector_matches(&sel, Some(&labels(&[("app", "web"), ("tier", "b")]))), Match::Yes);
        assert_eq!(selector_matches(&sel, Some(&labels(&[("app", "web"), ("tier", "c")]))), Match::No);
        assert_eq!(selector_matches(&sel, Some(&labels(&[("app", "web"), ("tier", "a"), ("canary", "1")]))), Match::No);
        assert_eq!(selector_matches(&sel, None), Match::Unknown);
        assert_eq!(format_selector(&sel), "app=web,tier in (a,b),!canary");
    }

    #[test]
    fn not_in_matches_a_missing_key_and_unknown_operators_match_nothing() {
        let not_in =
            LabelSelector { match_expressions: Some(vec![expr("env", "NotIn", &["prod"])]), ..Default::default() };
        assert_eq!(selector_matches(&not_in, Some(&labels(&[]))), Match::Yes);
        assert_eq!(selector_matches(&not_in, Some(&labels(&[("env", "prod")]))), Match::No);
        let bogus = LabelSelector { match_expressions: Some(vec![expr("env", "Like", &["p"])]), ..Default::default() };
        assert_eq!(selector_matches(&bogus, Some(&labels(&[("env", "p")]))), Match::No);
    }
}
