//! Tier 4: the fault list in the real binary, in a pseudo-terminal: `mosaic demo`, `:faults`, open the crashing
//! pod's explanation and read its verdict; Enter on a Service opens the services list.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

/// `mosaic demo` starts its own cluster: give it time on a busy machine.
const START: Duration = Duration::from_secs(15);
const WAIT: Duration = Duration::from_secs(8);

fn view_line(screen: &support::pty::Screen) -> String {
    screen.contents().lines().nth(1).unwrap_or_default().to_string()
}

#[test]
fn demo_fault_list_opens_the_crashing_pods_explanation() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("DEMO CLUSTER", START).unwrap();
    term.wait_for("checkout-", START).unwrap();
    term.text(":faults");
    term.enter();
    let screen = term.wait_for("Faults · shop · ", WAIT).unwrap();
    let screen = if screen.contents().contains("critical  Pod") {
        screen
    } else {
        term.wait_for("critical  Pod", WAIT).unwrap()
    };
    let text = screen.contents();
    assert!(text.contains("Crashing on start: exit code 1, 7 restarts"), "{}", framed(&screen));
    assert!(text.contains("No endpoints: its selector tier=payments matches no pod in shop"), "{}", framed(&screen));
    assert!(!text.contains("storefront"), "healthy objects never appear: {}", framed(&screen));

    // Narrow to checkout: its pod ranks first (pods before the Deployment and the Service), then open it.
    term.text("/checkout");
    term.wait_for("/checkout", WAIT).unwrap();
    term.enter();
    term.enter();
    let screen = term.wait_for("Why? pod checkout-", WAIT).unwrap();
    let screen = if screen.contents().contains("last log line") {
        screen
    } else {
        term.wait_for("last log line", WAIT).unwrap()
    };
    let text = screen.contents();
    assert!(text.contains("Crashing on start: exit code 1, 7 restarts, last log line: FATAL"), "{}", framed(&screen));
    assert!(text.contains("$ kubectl logs checkout-"), "{}", framed(&screen));

    // Esc closes the explanation and returns to the fault list, still filtered.
    term.esc();
    let screen = term.wait_gone("Why? pod", WAIT).unwrap();
    assert!(screen.contents().contains("Faults · shop"), "{}", framed(&screen));
    assert!(screen.contents().contains("/checkout"), "{}", framed(&screen));

    // Esc clears the filter; Enter on the payments-api Service opens the services list.
    term.esc();
    term.wait_gone("/checkout", WAIT).unwrap();
    term.text("/payments-api");
    term.enter();
    term.enter();
    term.wait_until("the services list", WAIT, |s| view_line(s).contains("Services (shop)")).unwrap();
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}
