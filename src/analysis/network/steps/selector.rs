//! Step 2: the selector matches the app's pods, and only them.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Pod;
use serde_json::{Map, Value};

use super::{Ctx, app_identity, cause, common_labels, labels_of, names, pod_name, step};
use crate::analysis::network::labels::{Labels, format_labels};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Step, StepId};

/// Label keys that name an app, preferred when a selector has to be rewritten.
const APP_KEYS: [&str; 3] = ["app.kubernetes.io/name", "app", "k8s-app"];

pub fn selector_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let (ns, svc) = (ctx.ns(), ctx.svc());
    let s = step(
        StepId::Selector,
        "The selector matches the app's pods",
        "A Service sends traffic to the pods whose labels match its selector. One wrong key or value, and it \
         matches no pod (or pods of another app).",
        "https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service",
    );
    if ctx.service.is_none() {
        return s.not_checked(format!("Service `{svc}` does not exist"));
    }
    if ctx.is_external_name() {
        return s.pass("Not applicable: an ExternalName Service selects no pods.");
    }
    let mut s = s.evidence(format!("service/{svc} spec.selector"), or_none(&ctx.selector_text()));
    if ctx.selector.is_empty() {
        s.kubectl = vec![ctx.kubectl(&["get", "endpoints", svc, "-o", "yaml"])];
        return s.warn(
            format!(
                "Service `{svc}` has no selector: its Endpoints are written by hand or by another controller, so \
                 mosaic cannot tell which pods should receive its traffic."
            ),
            None,
        );
    }
    let selector = ctx.selector_text();
    s.kubectl = vec![
        ctx.kubectl(&["get", "pods", "-l", &selector, "--show-labels"]),
        ctx.kubectl(&["get", "pods", "--show-labels"]),
    ];
    let app_pods = ctx.app_pods();
    let pods_in_ns = snap.pods.iter().filter(|p| p.metadata.namespace.as_deref().is_none_or(|n| n == ns)).count();
    s = s.evidence(format!("pods in namespace {ns}"), pods_in_ns.to_string());
    if !app_pods.is_empty() {
        s = s.evidence(
            format!("labels of the app's pods ({})", names(&app_pods)),
            or_none(&format_labels(&common_labels(&app_pods))),
        );
    }

    if ctx.selected.is_empty() {
        return no_match(s, &ctx, &app_pods);
    }
    s = s.evidence(format!("pods matching {selector}"), names(&ctx.selected));
    let intruders = intruders(&ctx.selected, &app_pods, svc);
    if intruders.is_empty() {
        return s.pass(format!(
            "The selector `{selector}` matches {} pod{}: {}.",
            ctx.selected.len(),
            plural(ctx.selected.len()),
            names(&ctx.selected)
        ));
    }
    let intended: Vec<&Pod> = ctx.selected.iter().copied().filter(|p| !intruders.contains(p)).collect();
    let other_apps: BTreeSet<String> = intruders.iter().map(|p| app_identity(p)).collect();
    let other_apps = other_apps.into_iter().collect::<Vec<_>>().join("`, `");
    let summary = format!(
        "The selector `{selector}` also matches {} pod{} of another app (`{other_apps}`): {}.",
        intruders.len(),
        plural(intruders.len()),
        names(&intruders)
    );
    // A label the intended pods share and no intruder has makes the selector specific.
    let distinguishing = common_labels(if intended.is_empty() { &app_pods } else { &intended })
        .into_iter()
        .filter(|(k, v)| intruders.iter().all(|p| labels_of(p).get(k) != Some(v)))
        .min_by_key(|(k, _)| APP_KEYS.iter().position(|a| a == k).unwrap_or(APP_KEYS.len()));
    let (fix, command) = match distinguishing {
        Some((k, v)) => {
            let mut add = Map::new();
            add.insert(k.clone(), Value::from(v.clone()));
            (
                format!("Add `{k}: {v}` to `spec.selector` of Service `{svc}` so only its own pods match."),
                Some(patch_selector(&ctx, add)),
            )
        }
        None => (
            format!(
                "Make `spec.selector` of Service `{svc}` specific to its app, or change the labels of the other \
                 app's pods."
            ),
            None,
        ),
    };
    s.fail(
        summary,
        cause(
            format!(
                "Service `{svc}` selects `{selector}`, which also matches pods of `{other_apps}` ({}): part of the \
                 traffic goes to the wrong app.",
                names(&intruders)
            ),
            fix,
            command,
        ),
    )
}

/// The selector matches nothing: say which label differs from the app's pods.
fn no_match(s: Step, ctx: &Ctx<'_>, app_pods: &[&Pod]) -> Step {
    let (ns, svc, selector) = (ctx.ns(), ctx.svc(), ctx.selector_text());
    let summary = format!("The selector `{selector}` matches none of the pods in namespace `{ns}`.");
    if app_pods.is_empty() {
        return s.fail(
            summary,
            cause(
                format!("Service `{svc}` selects `{selector}`, and no pod in `{ns}` carries these labels, so it has no endpoints."),
                format!("Set `spec.selector` of Service `{svc}` to the labels of the pods that should receive the traffic."),
                Some(ctx.kubectl(&["get", "pods", "--show-labels"])),
            ),
        );
    }
    let pods_labels = common_labels(app_pods);
    let mut differences = Vec::new();
    let mut patch = Map::new();
    for (key, wanted) in &ctx.selector {
        match pods_labels.get(key) {
            Some(have) if have == wanted => {}
            Some(have) => {
                differences.push(format!("`{key}`: the selector wants `{wanted}`, the pods have `{have}`"));
                patch.insert(key.clone(), Value::from(have.clone()));
            }
            None => {
                differences.push(format!("the pods carry no label `{key}` (the selector wants `{key}={wanted}`)"));
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let mut new_selector = ctx.selector.clone();
    for (k, v) in &patch {
        match v.as_str() {
            Some(v) => new_selector.insert(k.clone(), v.to_string()),
            None => new_selector.remove(k),
        };
    }
    // Removing every key would leave no selector at all; select on the app's name label instead.
    if new_selector.is_empty()
        && let Some((k, v)) = app_label(&pods_labels)
    {
        patch.insert(k.clone(), Value::from(v.clone()));
        new_selector.insert(k, v);
    }
    let app = app_pods.first().map(|p| app_identity(p)).unwrap_or_default();
    let differs = if differences.is_empty() { "their labels differ".to_string() } else { differences.join("; ") };
    let command = (!patch.is_empty() && !new_selector.is_empty()).then(|| patch_selector(ctx, patch));
    s.fail(
        format!("{summary} Compared with the pods of `{app}`: {differs}."),
        cause(
            format!(
                "Service `{svc}` selects `{selector}`, but the pods of `{app}` are labelled `{}`, so the Service \
                 matches no pod and has no endpoints.",
                format_labels(&pods_labels)
            ),
            format!("Set `spec.selector` of Service `{svc}` to `{}`.", format_labels(&new_selector)),
            command,
        ),
    )
}

/// Matching pods that do not belong to the app the Service is for: the hint's pods when given, else the app
/// named like the Service, else the app most of the matching pods belong to.
fn intruders<'a>(selected: &[&'a Pod], app_pods: &[&Pod], svc: &str) -> Vec<&'a Pod> {
    let intended: BTreeSet<String> = if !app_pods.is_empty() {
        app_pods.iter().map(|p| app_identity(p)).collect()
    } else if selected.iter().any(|p| app_identity(p) == svc) {
        BTreeSet::from([svc.to_string()])
    } else {
        let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for p in selected {
            *counts.entry(app_identity(p)).or_default() += 1;
        }
        counts.into_iter().max_by_key(|(_, n)| *n).map(|(app, _)| app).into_iter().collect()
    };
    let hinted: BTreeSet<&str> = app_pods.iter().map(|p| pod_name(p)).collect();
    selected.iter().copied().filter(|p| !hinted.contains(pod_name(p)) && !intended.contains(&app_identity(p))).collect()
}

fn app_label(labels: &Labels) -> Option<(String, String)> {
    APP_KEYS.iter().find_map(|k| labels.get(*k).map(|v| (k.to_string(), v.clone())))
}

/// `kubectl patch service` with a strategic merge patch of `spec.selector` (a `null` value removes a key).
fn patch_selector(ctx: &Ctx<'_>, selector: Map<String, Value>) -> String {
    let patch = serde_json::json!({"spec": {"selector": selector}}).to_string();
    ctx.kubectl(&["patch", "service", ctx.svc(), "-p", &patch])
}

fn or_none(text: &str) -> String {
    if text.is_empty() { "(none)".to_string() } else { text.to_string() }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
