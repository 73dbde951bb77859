//! Where the traffic comes from, as the user writes it (`mosaic diagnose --from`, `f` in the wizard):
//! `NS/LABEL=VALUE[,LABEL=VALUE]` for pods with those labels, `NS` for any pod of a namespace, `any-pod` for
//! any pod of any namespace. The NetworkPolicy step evaluates the traffic from this source.

use super::labels::{Labels, format_labels};
use super::policy::Peer;

/// The forms `--from` takes, for error messages and hints.
pub const SOURCE_FORMS: &str = "NS/LABEL=VALUE[,LABEL=VALUE] (pods with these labels), NS (any pod in it) or any-pod";

/// `shop/app=web,tier=front`, `shop` or `any-pod`, read into the source the policy evaluator takes.
pub fn parse_source(text: &str) -> Result<Peer, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("no traffic source given: write {SOURCE_FORMS}"));
    }
    if text == "any-pod" {
        return Ok(Peer::AnyPod);
    }
    let Some((namespace, labels)) = text.split_once('/') else {
        if text.contains('=') {
            return Err(format!("`{text}` names no namespace: write NS/{text}"));
        }
        check_namespace(text)?;
        return Ok(Peer::AnyPodIn { namespace: text.to_string() });
    };
    check_namespace(namespace)?;
    if labels.trim().is_empty() {
        return Err(format!(
            "nothing after `{namespace}/`: give LABEL=VALUE, or write `{namespace}` for any pod in it"
        ));
    }
    let mut parsed = Labels::new();
    for pair in labels.split(',') {
        let pair = pair.trim();
        if pair.is_empty() {
            return Err(format!("`{labels}` has an empty label between commas"));
        }
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("`{pair}` is not LABEL=VALUE (for example app=web)"));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.ends_with('!') || value.starts_with('=') {
            return Err(format!("`{pair}`: only LABEL=VALUE is understood (no `!=` or `==`)"));
        }
        check_label_key(key)?;
        check_label_value(key, value)?;
        if parsed.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("label `{key}` is given twice"));
        }
    }
    Ok(Peer::Pod { namespace: namespace.to_string(), labels: parsed })
}

/// The source in the form [`parse_source`] reads: what `--from` would say.
pub fn source_flag(peer: &Peer) -> String {
    match peer {
        Peer::Pod { namespace, labels } if labels.is_empty() => namespace.clone(),
        Peer::Pod { namespace, labels } => format!("{namespace}/{}", format_labels(labels)),
        Peer::AnyPodIn { namespace } => namespace.clone(),
        Peer::AnyPod => "any-pod".to_string(),
        Peer::Ip { ip } => ip.clone(),
    }
}

/// A namespace name: a DNS label (RFC 1123).
fn check_namespace(ns: &str) -> Result<(), String> {
    let ok = (1..=63).contains(&ns.len())
        && ns.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !ns.starts_with('-')
        && !ns.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!("`{ns}` is not a namespace name (lowercase letters, digits and `-`, at most 63)"))
    }
}

/// `[prefix/]name`: the prefix a DNS subdomain, the name up to 63 letters, digits, `-`, `_`, `.`, alphanumeric
/// at both ends.
fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        (1..=253).contains(&p.len())
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            })
    });
    if prefix_ok && !name.is_empty() && label_text(name) {
        Ok(())
    } else {
        Err(format!("`{key}` is not a label key (letters, digits, `-`, `_`, `.`, an optional `prefix/`)"))
    }
}

fn check_label_value(key: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || label_text(value) {
        Ok(())
    } else {
        Err(format!("`{value}` is not a value for label `{key}` (letters, digits, `-`, `_`, `.`, at most 63)"))
    }
}

fn label_text(s: &str) -> bool {
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    s.len() <= 63
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && alnum(s.chars().next())
        && alnum(s.chars().last())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_three_forms_are_read() {
        assert_eq!(
            parse_source("shop/app=checkout"),
            Ok(Peer::Pod { namespace: "shop".into(), labels: labels(&[("app", "checkout")]) })
        );
        assert_eq!(
            parse_source(" shop/app.kubernetes.io/name=web, tier=front "),
            Ok(Peer::Pod {
                namespace: "shop".into(),
                labels: labels(&[("app.kubernetes.io/name", "web"), ("tier", "front")])
            })
        );
        assert_eq!(parse_source("payments"), Ok(Peer::AnyPodIn { namespace: "payments".into() }));
        assert_eq!(parse_source("any-pod"), Ok(Peer::AnyPod));
        // An empty value is a value.
        assert_eq!(
            parse_source("shop/canary="),
            Ok(Peer::Pod { namespace: "shop".into(), labels: labels(&[("canary", "")]) })
        );
    }

    #[test]
    fn what_is_read_is_written_back_the_same() {
        for text in ["shop/app=checkout,tier=web", "payments", "any-pod", "shop/app.kubernetes.io/name=web"] {
            assert_eq!(source_flag(&parse_source(text).expect(text)), text);
        }
    }

    #[test]
    fn malformed_sources_say_what_is_wrong_and_how_to_write_it() {
        for (text, said) in [
            ("", "no traffic source given: write NS/LABEL=VALUE"),
            ("app=web", "`app=web` names no namespace: write NS/app=web"),
            ("Shop/app=web", "`Shop` is not a namespace name"),
            ("shop/", "nothing after `shop/`: give LABEL=VALUE, or write `shop` for any pod in it"),
            ("shop/app", "`app` is not LABEL=VALUE (for example app=web)"),
            ("shop/app!=web", "`app!=web`: only LABEL=VALUE is understood"),
            ("shop/app==web", "`app==web`: only LABEL=VALUE is understood"),
            ("shop/app=web,app=api", "label `app` is given twice"),
            ("shop/-app=web", "`-app` is not a label key"),
            ("shop/app=we b", "`we b` is not a value for label `app`"),
            ("shop/app=web,", "`app=web,` has an empty label between commas"),
            ("a_b", "`a_b` is not a namespace name"),
        ] {
            let err = parse_source(text).expect_err(text);
            assert!(err.starts_with(said), "{text:?}: {err}");
        }
    }
}
