//! Tier 2: describe reads as `kubectl describe` does, for a pod, a Deployment and a Service a real control plane
//! served and for a custom resource: lists of objects (containers, ports, mounts, conditions, tolerations…) are
//! named items or kubectl's one-line forms, never a bare `-`.
use crate::support;

use mosaic::action::{ObjectRef, Outcome};
use mosaic::app::describe::describe_with_events;
use mosaic::app::object_pane::{self, PaneKind};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::Scope;
use serde_json::{Value, json};
use support::screen::{draw, kind_acme, now, text};

const PODS: &str = include_str!("fixtures/real-1.19/pods-list.json");
const DEPLOYMENTS: &str = include_str!("fixtures/real-1.19/deployments-list.json");
const SERVICES: &str = include_str!("fixtures/real-1.19/services-list.json");
const EVENTS: &str = include_str!("fixtures/real-1.19/events-for-one-pod.json");

/// The item called `name` of a fixture list, with the apiVersion and kind a GET of it carries.
fn item(list: &str, name: &str, api_version: &str, kind: &str) -> Value {
    let list: Value = serde_json::from_str(list).expect("the fixture parses");
    let mut object = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["metadata"]["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("{name} in the fixture"));
    object["apiVersion"] = json!(api_version);
    object["kind"] = json!(kind);
    object
}

/// The crash-looping pod, whose events the fixture holds.
fn pod() -> Value {
    item(PODS, "orders-d88d6dc55-rp9zx", "v1", "Pod")
}

fn events() -> Vec<Value> {
    let list: Value = serde_json::from_str(EVENTS).expect("events parse");
    list["items"].as_array().cloned().unwrap_or_default()
}

/// cert-manager's Certificate as the server serves it: spec, status conditions, printer-column fields.
fn certificate() -> Value {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {
            "name": "storefront-tls", "namespace": "acme", "uid": "5b1e1c4e-3f0a-4a39-9d55-0c6f2d8e7a10",
            "resourceVersion": "5120", "generation": 1, "creationTimestamp": "2026-11-08T03:35:00Z"
        },
        "spec": {
            "secretName": "storefront-tls",
            "dnsNames": ["shop.example.com", "www.shop.example.com"],
            "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer", "group": "cert-manager.io"},
            "usages": ["digital signature", "key encipherment"]
        },
        "status": {
            "conditions": [{
                "type": "Ready", "status": "True", "reason": "Ready", "observedGeneration": 1,
                "lastTransitionTime": "2026-11-08T03:36:10Z", "message": "Certificate is up to date and has not expired"
            }],
            "notAfter": "2027-02-06T03:36:09Z",
            "notBefore": "2026-11-08T03:36:09Z",
            "renewalTime": "2027-01-07T03:36:09Z",
            "revision": 1
        }
    })
}

fn described(object: &Value, events: Vec<Value>) -> String {
    let lines = describe_with_events(object, &Ok(events), now());
    let bare: Vec<&String> = lines.iter().filter(|l| l.trim() == "-").collect();
    assert!(bare.is_empty(), "no item is a bare dash:\n{}", lines.join("\n"));
    lines.join("\n")
}

#[test]
fn describe_pod() {
    let text = described(&pod(), events());
    assert!(text.contains("    orders:\n      Image:"), "containers are named:\n{text}");
    assert!(text.contains("        Terminated:\n          Container ID:"), "{text}");
    insta::assert_snapshot!("describe_pod", text);
}

#[test]
fn describe_deployment() {
    let text = described(&item(DEPLOYMENTS, "orders", "apps/v1", "Deployment"), Vec::new());
    assert!(text.contains("  Conditions:\n    Type          Status   Reason"), "{text}");
    insta::assert_snapshot!("describe_deployment", text);
}

#[test]
fn describe_service() {
    let text = described(&item(SERVICES, "frontend", "v1", "Service"), Vec::new());
    assert!(text.contains("  Ports:\n    http  80/TCP → http/TCP"), "{text}");
    insta::assert_snapshot!("describe_service", text);
}

#[test]
fn describe_custom_resource() {
    let text = described(&certificate(), Vec::new());
    assert!(text.contains("  DNS Names:\n    shop.example.com\n    www.shop.example.com"), "{text}");
    insta::assert_snapshot!("describe_certificate", text);
}

/// The pane at 80x24 as `d` opens it on the pod: the command, then the describe text from its top.
#[test]
fn describe_pod_pane_80x24() {
    let mut state = State::new(kind_acme("admin"), Scope::Namespace("acme".into()), now());
    update(&mut state, Msg::Resize(80, 24));
    let target = ObjectRef::new("v1", "Pod", "pods", Some("acme"), "orders-d88d6dc55-rp9zx");
    let mut effects = Vec::new();
    object_pane::open(&mut state, PaneKind::Describe, target, &mut effects);
    let Some(Effect::Run { command, .. }) = effects.into_iter().next() else { panic!("a read") };
    let result = Ok(Outcome::Described { object: pod(), events: Ok(events()) });
    update(&mut state, Msg::Done { command, dry_run: false, result });
    for _ in 0..10 {
        update(&mut state, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('j'))));
    }
    insta::assert_snapshot!("describe_pod_80x24", text(&draw(&mut state, 80, 24)));
}

/// A kubectl line wider than the pane (a CRD's qualified kind at 64 columns) wraps between shell words, and
/// `G` still ends on the describe text's last line.
#[test]
fn a_long_kubectl_line_wraps_and_the_last_page_still_ends_on_the_last_line() {
    let mut state = State::new(kind_acme("admin"), Scope::Namespace("acme".into()), now());
    update(&mut state, Msg::Resize(64, 20));
    let target = ObjectRef::new("cert-manager.io/v1", "Certificate", "certificates", Some("acme"), "storefront-tls");
    let mut effects = Vec::new();
    object_pane::open(&mut state, PaneKind::Describe, target, &mut effects);
    let Some(Effect::Run { command, .. }) = effects.into_iter().next() else { panic!("a read") };
    let result = Ok(Outcome::Described { object: certificate(), events: Ok(Vec::new()) });
    update(&mut state, Msg::Done { command, dry_run: false, result });
    update(&mut state, Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('G'))));
    let screen = text(&draw(&mut state, 64, 20));
    let last = describe_with_events(&certificate(), &Ok(Vec::new()), now()).last().cloned().expect("a last line");
    assert!(screen.contains(last.trim_end()), "G shows the last line {last:?}:\n{screen}");
    assert!(screen.contains(" \\"), "the command wraps:\n{screen}");
    insta::assert_snapshot!("describe_certificate_wrapped_command_64x20", screen);
}
