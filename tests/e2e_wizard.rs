//! Tier 4 for the network wizard: `mosaic demo` in a pseudo-terminal, `:svc`, the broken Service, `w`, and the
//! diagnosis read off the screen.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

/// Long enough for a debug build on a busy 2-core machine, short enough to fail fast.
const WAIT: Duration = Duration::from_secs(10);

#[test]
fn the_wizard_names_the_broken_services_cause_in_mosaic_demo() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("DEMO CLUSTER", WAIT).unwrap();
    term.text(":svc");
    term.enter();
    term.wait_for("payments-api", WAIT).unwrap();
    // Narrow the list to the broken Service, so the cursor is on it.
    term.text("/payments-api");
    term.enter();
    term.wait_until("only payments-api", WAIT, |s| s.contents().contains("Services (shop) [1 of 8]")).unwrap();
    term.text("w");
    // It opens on the step the cause comes from.
    let screen = term.wait_for("▸ 2. The selector matches the app's pods", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("Network wizard · svc/payments-api :443 in shop"), "{}", framed(&screen));
    assert!(text.contains("✗ fail") && text.contains("✓ pass"), "{}", framed(&screen));
    assert!(text.contains("The selector `tier=payments` matches none of the pods"), "{}", framed(&screen));
    assert!(text.contains("$ kubectl --context sim-admin -n shop get pods -l tier=payments --show-labels"));
    // The diagnosis is the last item.
    term.text("G");
    let screen = term.wait_for("▸ Diagnosis", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("✗ cause found"), "{}", framed(&screen));
    assert!(
        text.contains("Service `payments-api` selects `tier=payments`, but the pods of `payments-api` are labelled"),
        "{}",
        framed(&screen)
    );
    assert!(text.contains("Fix: Set `spec.selector` of Service `payments-api` to `app=payments-api`."));
    assert!(text.contains("kubectl --context sim-admin -n shop patch service payments-api"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("Network wizard", WAIT).unwrap();
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}

#[test]
fn p_runs_the_active_probe_on_storefront_in_mosaic_demo() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("DEMO CLUSTER", WAIT).unwrap();
    term.text(":svc");
    term.enter();
    term.wait_for("storefront", WAIT).unwrap();
    term.text("/storefront");
    term.enter();
    term.wait_until("only storefront", WAIT, |s| s.contents().contains("Services (shop) [1 of 8]")).unwrap();
    term.text("w");
    let screen = term.wait_for("Active probes: not run — press P (creates a one-off pod in shop)", WAIT).unwrap();
    assert!(screen.contents().contains("✓ traffic should flow"), "{}", framed(&screen));
    term.text("P");
    // The probe step joins the list, after the static steps.
    let screen = term.wait_for("9. Traffic reaches the Service and its pods", WAIT).unwrap();
    assert!(!screen.contents().contains("Active probes: not run"), "{}", framed(&screen));
    term.text("G");
    term.text("k");
    let screen = term.wait_for("▸ 9. Traffic reaches the Service and its pods", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("answered over HTTP: traffic reaches Service `storefront`"), "{}", framed(&screen));
    assert!(text.contains("HTTP 200"), "{}", framed(&screen));
    assert!(text.contains("$ kubectl --context sim-admin -n shop run mosaic-probe-"), "{}", framed(&screen));
    term.text("G");
    let screen = term.wait_for("▸ Diagnosis", WAIT).unwrap();
    assert!(screen.contents().contains("traffic flows"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("Network wizard", WAIT).unwrap();
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}
