//! Tier 4 for an app's history and the timeline of every kind of app: the real binary in a pseudo-terminal on
//! `mosaic demo`. The user restarts cart from its card, opens it, Tabs to its history and reads the restart,
//! done; then opens redis, a StatefulSet, and reads its verdict with `T`.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn a_restart_shows_in_the_apps_history_and_t_explains_a_statefulset() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("W makes one of namespace shop", WAIT).expect("the first-run offer");
    term.text("W");
    term.wait_for("▸ cart ", WAIT).expect("the offered workspace, opened on cart");

    term.text("r");
    term.wait_for("You may do this", WAIT).expect("the restart's confirmation, allowed");
    term.text("y");
    term.wait_for("Restarted deployment cart", WAIT).expect("the restart's outcome");

    term.enter();
    term.wait_for("Pods of app cart (shop)", WAIT).expect("the app's pods");
    term.text("\t");
    term.wait_for("ReplicaSets of app cart", WAIT).expect("its revisions");
    term.text("\t");
    term.wait_for("Services of app cart", WAIT).expect("its Services");
    term.text("\t");
    term.wait_for("History of deployment cart in shop", WAIT).expect("its history");
    let screen = term.wait_for("✓ done", WAIT).expect("its entries");
    let shown = framed(&screen);
    let text = screen.contents();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.contains("✓ done")).unwrap_or_else(|| panic!("a done entry\n{shown}"));
    assert!(lines[at].contains("Restart every pod of deployment cart in shop"), "what it was\n{shown}");
    assert!(
        lines[at..(at + 4).min(lines.len())].iter().any(|l| l.contains("rollout restart deployment/cart")),
        "its kubectl line\n{shown}"
    );
    assert!(lines[at].contains("ago"), "when\n{shown}");

    // Enter shows it whole.
    term.enter();
    let screen = term.wait_for("Outcome", WAIT).expect("the entry, whole");
    assert!(screen.contents().contains("Restarted deployment cart in shop"), "{}", framed(&screen));

    // Back to the cards, then redis, a StatefulSet: T gives its verdict.
    term.esc();
    term.wait_gone("Outcome", WAIT).expect("back to the list");
    term.esc();
    term.wait_gone("History of deployment cart", WAIT).expect("the history closes");
    term.esc();
    term.wait_for("▸ cart ", WAIT).expect("back to the cards");
    for _ in 0..12 {
        if term.screen().contents().contains("▸ redis ") {
            break;
        }
        term.text("j");
        std::thread::sleep(Duration::from_millis(50));
    }
    term.wait_for("▸ redis ", WAIT).expect("redis selected");
    term.enter();
    term.wait_for("Pods of app redis (shop)", WAIT).expect("redis's pods");
    term.text("T");
    let screen = term.wait_for("Why? statefulset redis", WAIT).expect("the app timeline");
    let screen = if screen.contents().contains("Healthy: 1/1 ready") {
        screen
    } else {
        term.wait_for("Healthy: 1/1 ready", WAIT).expect("its verdict")
    };
    assert!(screen.contents().contains("Rollout: RollingUpdate, revision redis-"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("Why? statefulset redis", WAIT).expect("the timeline closes");
    term.text("q");
    term.wait_exit(WAIT).expect("mosaic quits");
}
