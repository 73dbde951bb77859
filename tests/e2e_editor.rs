//! Tier 4: the YAML editor in the real binary, in a pseudo-terminal, on `mosaic demo`: edit a deployment's
//! replicas, see the server's dry-run diff, apply it, and see the list change.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn edit_a_deployments_replicas_in_the_demo_and_see_it_applied() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("storefront", WAIT).unwrap();
    term.text(":deploy");
    term.enter();
    term.wait_for("Deployments (shop)", WAIT).unwrap();
    term.text("/storefront");
    term.enter();
    term.wait_for("3/3", WAIT).unwrap();
    term.text("e");
    let screen = term.wait_for("Edit deployment storefront in shop", WAIT).unwrap();
    let screen =
        if screen.contents().contains("replicas: 3") { screen } else { term.wait_for("replicas: 3", WAIT).unwrap() };
    // The gutter numbers the lines: walk the cursor down to the replicas line, as a user would.
    let number: usize = screen
        .contents()
        .lines()
        .find(|l| l.contains("   replicas: 3"))
        .and_then(|l| l.trim_start_matches('│').split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or_else(|| panic!("the replicas line\n{}", framed(&screen)));
    for _ in 1..number {
        term.send("\x1b[B");
    }
    term.send("\x1b[F");
    term.send("\x7f");
    term.text("5");
    term.wait_for("(changed)", WAIT).unwrap();
    term.send("\x13"); // Ctrl-S
    let screen = term.wait_for("Apply this edit?", WAIT).unwrap();
    let text = screen.contents();
    assert!(
        text.contains("-  replicas: 3") && text.contains("+  replicas: 5"),
        "the dry-run diff\n{}",
        framed(&screen)
    );
    assert!(text.contains("kubectl --context sim-admin -n shop replace -f -"), "the plan\n{}", framed(&screen));
    term.text("y");
    term.wait_for("Replaced deployment storefront in shop with the edited YAML", WAIT).unwrap();
    term.wait_for("5/5", WAIT).unwrap();
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}
