//! Tier 4: the HTTP sender in the real binary against the served demo: `H` on the storefront Service, a GET
//! of /healthz sent from a probe pod, its status on screen, the probe pod gone, and the request in the history.
use crate::support;

use std::time::Duration;

use mosaic::sim::Scenario;
use support::cluster::Cluster;
use support::pty::{Term, framed};

/// A probe pod is created, run by the simulated kubelet, read and deleted: allow for a busy debug build.
const WAIT: Duration = Duration::from_secs(15);

#[test]
fn a_get_to_a_demo_service_shows_its_status_and_leaves_no_pod() {
    let cluster = Cluster::start(Scenario::demo());
    let kubeconfig = cluster.kubeconfig("admin", "shop").display().to_string();
    let mut term = Term::spawn(&["--kubeconfig", kubeconfig.as_str()], &[], 120, 40);
    term.wait_until("a live pod list", WAIT, |s| s.contents().contains("● live")).unwrap();
    term.text(":svc");
    term.wait_for(":svc", WAIT).unwrap();
    term.enter();
    term.wait_until("the services", WAIT, |s| s.contents().contains("Services (shop)")).unwrap();
    term.text("/storefront");
    term.wait_for("/storefront", WAIT).unwrap();
    term.enter();
    term.wait_until("storefront alone", WAIT, |s| s.contents().contains("[1 of ")).unwrap();

    term.text("H");
    term.wait_for("HTTP sender · service/storefront in shop", WAIT).unwrap();
    term.wait_for("to http://storefront.shop.svc.cluster.local:80", WAIT).unwrap();
    term.text("healthz");
    term.wait_for("/healthz", WAIT).unwrap();
    term.enter();
    let screen = term.wait_for("200 OK in", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("Server: storefront/"), "the answer's headers\n{}", framed(&screen));
    assert!(text.contains("Content-Type: text/plain"), "{}", framed(&screen));

    // Sent once, from a probe pod that is gone now.
    let created: Vec<_> =
        cluster.handle.requests().into_iter().filter(|r| r.verb == "create" && r.resource == "pods").collect();
    assert_eq!(created.len(), 1, "{created:#?}");
    let name = created[0].body.as_ref().and_then(|b| b["metadata"]["name"].as_str()).unwrap_or_default().to_string();
    assert!(name.starts_with("mosaic-probe-"), "{name}");
    assert!(cluster.handle.get("v1", "Pod", Some("shop"), &name).is_none(), "the probe pod {name} is deleted");

    // The request is in the history, and Enter there sends it again.
    term.send("\x12");
    let screen = term.wait_for("History · Enter replays", WAIT).unwrap();
    assert!(screen.contents().contains("GET    /healthz  200 OK in"), "{}", framed(&screen));
    term.enter();
    term.wait_until("a second request", WAIT, |_| {
        cluster.handle.requests().iter().filter(|r| r.verb == "create" && r.resource == "pods").count() == 2
    })
    .unwrap();
    term.wait_for("200 OK in", WAIT).unwrap();
    term.esc();
    term.wait_gone("HTTP sender", WAIT).unwrap();
}
