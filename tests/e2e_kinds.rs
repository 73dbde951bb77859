//! Tier 4: browsing kinds in the real binary against the demo cluster: `:netpol`, `:pvc`, a CRD, and drilling
//! from a deployment down to a container's logs.
use crate::support;

use std::time::Duration;

use mosaic::sim::Scenario;
use support::cluster::Cluster;
use support::pty::{Screen, Term};

const WAIT: Duration = Duration::from_secs(8);

fn open_shop() -> (Cluster, Term) {
    let cluster = Cluster::start(Scenario::demo());
    let kubeconfig = cluster.kubeconfig("admin", "shop").display().to_string();
    let term = Term::spawn(&["--kubeconfig", kubeconfig.as_str()], &[], 120, 40);
    (cluster, term)
}

fn view_line(screen: &Screen) -> String {
    screen.contents().lines().nth(1).unwrap_or_default().to_string()
}

fn command(term: &mut Term, text: &str) {
    term.text(text);
    term.enter();
}

#[test]
fn netpol_pvc_and_a_crd_open_their_lists() {
    let (_cluster, mut term) = open_shop();
    term.wait_for("storefront", WAIT).unwrap();
    command(&mut term, ":netpol");
    let screen = term
        .wait_until("network policies", WAIT, |s| {
            view_line(s).contains("NetworkPolicies (shop) [1]") && s.contents().contains("storefront-from-anywhere")
        })
        .unwrap();
    assert!(screen.contents().contains("POD-SELECTOR") && screen.contents().contains("app=storefront"));

    command(&mut term, ":pvc");
    let screen = term
        .wait_until("claims", WAIT, |s| {
            view_line(s).contains("PersistentVolumeClaims (shop)") && s.contents().contains("uploads")
        })
        .unwrap();
    let uploads = screen.contents().lines().find(|l| l.starts_with("uploads")).unwrap_or_default().to_string();
    assert!(uploads.contains("Bound") && uploads.contains("standard"), "{uploads}");

    command(&mut term, ":certificates.cert-manager.io");
    let screen = term
        .wait_until("certificates", WAIT, |s| {
            view_line(s).contains("Certificates (cert-manager.io)") && s.contents().contains("storefront-tls")
        })
        .unwrap();
    assert!(screen.contents().contains("READY") && screen.contents().contains("SECRET"), "printer columns");

    command(&mut term, ":netpols");
    term.wait_for("Did you mean :netpol?", WAIT).unwrap();
}

#[test]
fn enter_drills_from_a_deployment_to_a_containers_logs() {
    let (_cluster, mut term) = open_shop();
    term.wait_for("storefront", WAIT).unwrap();
    command(&mut term, ":deploy");
    term.wait_until("deployments", WAIT, |s| {
        view_line(s).contains("Deployments (shop)") && s.contents().contains("cart")
    })
    .unwrap();
    command(&mut term, "/cart");
    term.wait_until("only cart", WAIT, |s| view_line(s).contains("[1 of")).unwrap();
    term.enter();
    term.wait_until("replicasets of cart", WAIT, |s| {
        view_line(s).contains("ReplicaSets of deployment cart (-l app=cart)") && s.contents().contains("DESIRED")
    })
    .unwrap();
    term.enter();
    term.wait_until("pods of the replicaset", WAIT, |s| {
        view_line(s).contains("Pods of replicaset cart-") && s.contents().contains("Running")
    })
    .unwrap();
    term.enter();
    term.wait_until("containers", WAIT, |s| {
        view_line(s).contains("Containers of pod cart-") && s.contents().contains("ghcr.io/mosaic-demo/cart")
    })
    .unwrap();
    term.enter();
    let screen = term.wait_for("redis connection ready", WAIT).unwrap();
    assert!(screen.contents().contains("container cart"), "the logs of the chosen container");
    term.esc();
    term.wait_gone("redis connection ready", WAIT).unwrap();
    term.esc();
    term.wait_until("back to the pods", WAIT, |s| view_line(s).contains("Pods of replicaset")).unwrap();
}
