use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::api::networking::v1::NetworkPolicy;

use super::*;

fn yaml<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_yaml::from_str(text).expect("test object")
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn namespaces() -> Vec<Namespace> {
    vec![
        yaml("metadata: {name: shop, labels: {team: storefront, kubernetes.io/metadata.name: shop}}"),
        yaml("metadata: {name: payments, labels: {team: payments, kubernetes.io/metadata.name: payments}}"),
        yaml("metadata: {name: ops, labels: {team: ops, kubernetes.io/metadata.name: ops}}"),
    ]
}

/// A ledger pod in `payments` with an `http` port 8080 and a `metrics` port 9090.
fn ledger() -> Vec<Pod> {
    vec![yaml(
        r#"
metadata: {name: ledger-1, namespace: payments, labels: {app: ledger}}
spec:
  containers:
  - name: ledger
    image: ledger:1
    ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]
status: {podIP: 10.244.1.7}
"#,
    )]
}

fn shop_pod() -> Peer {
    Peer::Pod { namespace: "shop".into(), labels: labels(&[("app", "payments-api")]) }
}

fn policy(text: &str) -> NetworkPolicy {
    yaml(text)
}

fn check(policies: &[NetworkPolicy], source: &Peer, port: PortRef) -> Decision {
    let pods = ledger();
    evaluate(policies, &namespaces(), source, Destination { pods: &pods, port: &port, protocol: "TCP" })
}

const DEFAULT_DENY: &str = "
metadata: {name: default-deny-ingress, namespace: payments}
spec: {podSelector: {}, policyTypes: [Ingress]}
";

#[test]
fn no_policy_allows_everything() {
    let d = check(&[], &shop_pod(), PortRef::Number(8080));
    assert_eq!(d.verdict, Verdict::Allowed);
    assert!(d.pods[0].ingress.isolated_by.is_empty());
    assert!(d.pods[0].ingress.explanation.contains("No NetworkPolicy selects"), "{}", d.pods[0].ingress.explanation);
}

#[test]
fn default_deny_names_the_policy_and_the_change() {
    let d = check(&[policy(DEFAULT_DENY)], &shop_pod(), PortRef::Number(8080));
    assert_eq!(d.verdict, Verdict::Denied);
    let ingress = &d.pods[0].ingress;
    assert_eq!(ingress.verdict, Verdict::Denied);
    assert_eq!(
        ingress.isolated_by,
        vec![PolicyRef { namespace: "payments".into(), name: "default-deny-ingress".into() }]
    );
    assert!(ingress.explanation.contains("default deny"), "{}", ingress.explanation);
    let change = ingress.change.as_deref().unwrap_or_default();
    assert!(change.contains("add an ingress rule"), "{change}");
    assert!(change.contains("namespace `shop`"), "{change}");
    assert!(change.contains("8080/TCP"), "{change}");
    // Egress from shop is not restricted.
    assert_eq!(d.pods[0].egress.verdict, Verdict::Allowed);
}

#[test]
fn default_deny_does_not_touch_other_namespaces_or_other_directions() {
    let deny = policy(DEFAULT_DENY);
    let mut other = deny.clone();
    other.metadata.namespace = Some("shop".into());
    assert_eq!(check(std::slice::from_ref(&other), &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
    // An Egress-only policy does not isolate for ingress.
    let egress_only =
        policy("metadata: {name: e, namespace: payments}\nspec: {podSelector: {}, policyTypes: [Egress]}");
    assert_eq!(check(&[egress_only], &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
}

#[test]
fn allow_all_rule_overrides_default_deny() {
    let allow_all = policy("metadata: {name: allow-all, namespace: payments}\nspec: {podSelector: {}, ingress: [{}]}");
    let d = check(&[policy(DEFAULT_DENY), allow_all], &Peer::AnyPod, PortRef::Number(8080));
    assert_eq!(d.verdict, Verdict::Allowed);
    let allowed_by = d.pods[0].ingress.allowed_by.as_ref().map(ToString::to_string).unwrap_or_default();
    assert_eq!(allowed_by, "`spec.ingress[0]` of NetworkPolicy payments/allow-all");
    // Policies are additive: both isolate.
    assert_eq!(d.pods[0].ingress.isolated_by.len(), 2);
}

const ONLY_OPS: &str = "
metadata: {name: only-ops, namespace: payments}
spec:
  podSelector: {matchLabels: {app: ledger}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: ops}}}]
";

#[test]
fn a_policy_allowing_only_one_namespace() {
    let only_ops = policy(ONLY_OPS);
    let from_ops = Peer::Pod { namespace: "ops".into(), labels: labels(&[("app", "tool")]) };
    assert_eq!(check(std::slice::from_ref(&only_ops), &from_ops, PortRef::Number(8080)).verdict, Verdict::Allowed);
    let d = check(std::slice::from_ref(&only_ops), &shop_pod(), PortRef::Number(8080));
    assert_eq!(d.verdict, Verdict::Denied);
    let change = d.pods[0].ingress.change.clone().unwrap_or_default();
    assert_eq!(
        change,
        "add a `from` peer matching namespace `shop` (a `namespaceSelector`) and pods labelled `app=payments-api` \
         (a `podSelector` in the same peer) to rule `spec.ingress[0]` of NetworkPolicy payments/only-ops"
    );
    // Even its own namespace is shut out: a namespaceSelector is not "the policy's namespace".
    let from_payments = Peer::Pod { namespace: "payments".into(), labels: labels(&[("app", "ledger")]) };
    assert_eq!(check(&[only_ops], &from_payments, PortRef::Number(8080)).verdict, Verdict::Denied);
}

#[test]
fn unknown_source_labels_or_namespaces_give_depends_not_a_guess() {
    let only_ops = policy(ONLY_OPS);
    // Any pod of any namespace: some are in ops, some are not.
    assert_eq!(check(std::slice::from_ref(&only_ops), &Peer::AnyPod, PortRef::Number(8080)).verdict, Verdict::Depends);
    // A namespace we cannot read the labels of.
    let unknown_ns = Peer::Pod { namespace: "elsewhere".into(), labels: Labels::new() };
    assert_eq!(check(std::slice::from_ref(&only_ops), &unknown_ns, PortRef::Number(8080)).verdict, Verdict::Depends);
    // Any pod of shop is known not to be in ops.
    let any_in_shop = Peer::AnyPodIn { namespace: "shop".into() };
    assert_eq!(check(&[only_ops], &any_in_shop, PortRef::Number(8080)).verdict, Verdict::Denied);
}

#[test]
fn namespace_selector_and_pod_selector_in_one_peer_mean_both() {
    let both = policy(
        "
metadata: {name: shop-api-only, namespace: payments}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: storefront}}
      podSelector: {matchLabels: {app: payments-api}}
",
    );
    assert_eq!(check(std::slice::from_ref(&both), &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
    let other_app = Peer::Pod { namespace: "shop".into(), labels: labels(&[("app", "cart")]) };
    assert_eq!(check(std::slice::from_ref(&both), &other_app, PortRef::Number(8080)).verdict, Verdict::Denied);
    // The same labels in another namespace do not match either.
    let ops_api = Peer::Pod { namespace: "ops".into(), labels: labels(&[("app", "payments-api")]) };
    assert_eq!(check(std::slice::from_ref(&both), &ops_api, PortRef::Number(8080)).verdict, Verdict::Denied);
    // Two peers instead of one: either is enough (OR).
    let either = policy(
        "
metadata: {name: either, namespace: payments}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: storefront}}
    - podSelector: {matchLabels: {app: payments-api}}
",
    );
    assert_eq!(check(&[either], &other_app, PortRef::Number(8080)).verdict, Verdict::Allowed);
}

#[test]
fn pod_selector_alone_means_the_policy_namespace() {
    let same_ns = policy(
        "
metadata: {name: from-api, namespace: payments}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {matchLabels: {app: payments-api}}}]}]
",
    );
    // payments-api lives in shop, not payments.
    assert_eq!(check(std::slice::from_ref(&same_ns), &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Denied);
    let local = Peer::Pod { namespace: "payments".into(), labels: labels(&[("app", "payments-api")]) };
    assert_eq!(check(&[same_ns], &local, PortRef::Number(8080)).verdict, Verdict::Allowed);
}

#[test]
fn ports_by_number_by_name_and_by_range() {
    let by = |ports: &str| {
        policy(&format!(
            "metadata: {{name: p, namespace: payments}}\nspec: {{podSelector: {{}}, ingress: [{{ports: {ports}}}]}}"
        ))
    };
    let number = by("[{port: 8080}]");
    assert_eq!(check(std::slice::from_ref(&number), &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
    let d = check(std::slice::from_ref(&number), &shop_pod(), PortRef::Number(9090));
    assert_eq!(d.verdict, Verdict::Denied);
    assert_eq!(
        d.pods[0].ingress.change.as_deref(),
        Some("allow port 9090/TCP in rule `spec.ingress[0]` of NetworkPolicy payments/p")
    );

    // A named policy port is resolved against the destination pod; the traffic may name its port too.
    let named = by("[{port: http}]");
    assert_eq!(check(std::slice::from_ref(&named), &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
    assert_eq!(
        check(std::slice::from_ref(&named), &shop_pod(), PortRef::Name("http".into())).verdict,
        Verdict::Allowed
    );
    assert_eq!(check(std::slice::from_ref(&named), &shop_pod(), PortRef::Number(9090)).verdict, Verdict::Denied);
    // A name the pod does not declare matches nothing.
    assert_eq!(check(&[by("[{port: grpc}]")], &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Denied);

    let range = by("[{port: 8000, endPort: 8100}]");
    assert_eq!(check(std::slice::from_ref(&range), &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
    assert_eq!(
        check(std::slice::from_ref(&range), &shop_pod(), PortRef::Name("metrics".into())).verdict,
        Verdict::Denied
    );

    // The protocol defaults to TCP and must match.
    let udp = by("[{port: 8080, protocol: UDP}]");
    assert_eq!(check(&[udp], &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Denied);
    // A rule without ports allows every port, with a port but no protocol allows that port on TCP.
    let no_port = by("[{protocol: TCP}]");
    assert_eq!(check(&[no_port], &shop_pod(), PortRef::Number(9090)).verdict, Verdict::Allowed);
}

const SHOP_EGRESS: &str = "
metadata: {name: api-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: payments-api}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {team: payments}}, podSelector: {matchLabels: {app: ledger}}}]
    ports: [{port: http}]
";

#[test]
fn egress_of_the_source_is_checked_too() {
    let egress = policy(SHOP_EGRESS);
    let d = check(std::slice::from_ref(&egress), &shop_pod(), PortRef::Number(8080));
    assert_eq!(d.verdict, Verdict::Allowed, "{d:#?}");
    assert!(d.pods[0].egress.allowed_by.is_some());
    // The named egress port is the destination pod's `http`, so 9090 is not allowed.
    let d = check(std::slice::from_ref(&egress), &shop_pod(), PortRef::Number(9090));
    assert_eq!(d.verdict, Verdict::Denied);
    assert_eq!(d.pods[0].ingress.verdict, Verdict::Allowed);
    assert_eq!(d.pods[0].egress.verdict, Verdict::Denied);
    assert_eq!(d.pods[0].egress.isolated_by[0].name, "api-egress");
    assert!(d.pods[0].egress.change.as_deref().unwrap_or_default().starts_with("allow port 9090/TCP"));

    // Both directions must allow: ingress denied while egress allows is denied.
    let d = check(&[egress, policy(DEFAULT_DENY)], &shop_pod(), PortRef::Number(8080));
    assert_eq!((d.pods[0].ingress.verdict, d.pods[0].egress.verdict), (Verdict::Denied, Verdict::Allowed));
    assert_eq!(d.verdict, Verdict::Denied);
}

#[test]
fn egress_default_deny_and_policy_types_defaulting() {
    // No policyTypes but an egress section: the API defaults to [Ingress, Egress].
    let implied = policy(
        "
metadata: {name: implied, namespace: shop}
spec:
  podSelector: {}
  ingress: [{}]
  egress: [{to: [{ipBlock: {cidr: 192.168.0.0/16}}]}]
",
    );
    assert_eq!(policy_types(&implied), vec!["Ingress", "Egress"]);
    let d = check(std::slice::from_ref(&implied), &shop_pod(), PortRef::Number(8080));
    assert_eq!(d.verdict, Verdict::Denied);
    assert!(d.pods[0].egress.change.as_deref().unwrap_or_default().contains("`to` peer matching namespace `payments`"));
    // Without an egress section, it is ingress only.
    let ingress_only = policy("metadata: {name: i, namespace: shop}\nspec: {podSelector: {}}");
    assert_eq!(policy_types(&ingress_only), vec!["Ingress"]);

    let deny_egress =
        policy("metadata: {name: deny-egress, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress]}");
    let d =
        check(std::slice::from_ref(&deny_egress), &Peer::AnyPodIn { namespace: "shop".into() }, PortRef::Number(8080));
    assert_eq!(d.pods[0].egress.verdict, Verdict::Denied);
    assert!(d.pods[0].egress.explanation.contains("default deny"), "{}", d.pods[0].egress.explanation);
    // An outside address has no egress policy.
    assert_eq!(
        check(&[deny_egress], &Peer::Ip { ip: "1.2.3.4".into() }, PortRef::Number(8080)).verdict,
        Verdict::Allowed
    );
}

#[test]
fn ip_block_with_except() {
    let lb = policy(
        "
metadata: {name: from-lb, namespace: payments}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.5.0/24]}}]}]
",
    );
    let ip = |ip: &str| Peer::Ip { ip: ip.into() };
    assert_eq!(check(std::slice::from_ref(&lb), &ip("10.1.2.3"), PortRef::Number(8080)).verdict, Verdict::Allowed);
    assert_eq!(check(std::slice::from_ref(&lb), &ip("10.0.5.9"), PortRef::Number(8080)).verdict, Verdict::Denied);
    assert_eq!(check(std::slice::from_ref(&lb), &ip("192.168.1.1"), PortRef::Number(8080)).verdict, Verdict::Denied);
    // For a pod, whether an ipBlock applies is up to the network plugin.
    assert_eq!(check(&[lb], &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Depends);
    // Pod selectors never match an outside address.
    let shop_only = policy(
        "metadata: {name: s, namespace: payments}\nspec: {podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}",
    );
    assert_eq!(check(&[shop_only], &ip("10.1.2.3"), PortRef::Number(8080)).verdict, Verdict::Denied);
}

#[test]
fn cidrs() {
    assert!(cidr_contains("10.0.0.0/8", "10.255.0.1"));
    assert!(!cidr_contains("10.0.0.0/8", "11.0.0.1"));
    assert!(cidr_contains("0.0.0.0/0", "8.8.8.8"));
    assert!(cidr_contains("10.0.5.7", "10.0.5.7"));
    assert!(cidr_contains("fd00::/64", "fd00::1"));
    assert!(!cidr_contains("fd00::/64", "10.0.0.1"));
    assert!(!cidr_contains("10.0.0.0/40", "10.0.0.1"));
    assert!(!cidr_contains("nonsense", "10.0.0.1"));
}

#[test]
fn a_policy_selecting_other_pods_does_not_isolate() {
    let other = policy(
        "metadata: {name: web-only, namespace: payments}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}",
    );
    assert_eq!(check(&[other], &shop_pod(), PortRef::Number(8080)).verdict, Verdict::Allowed);
}

#[test]
fn no_destination_pods_cannot_be_decided() {
    let port = PortRef::Number(80);
    let d = evaluate(&[], &[], &Peer::AnyPod, Destination { pods: &[], port: &port, protocol: "TCP" });
    assert_eq!(d.verdict, Verdict::Depends);
    assert!(d.pods.is_empty());
}
