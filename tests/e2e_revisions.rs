//! Tier 4: rolling back a StatefulSet from its card in `mosaic demo`, the real binary in a pseudo-terminal.
//! The user selects redis in `:apps`, presses `u`, reads the game plan (`kubectl rollout undo statefulset/redis`),
//! confirms, and reads in its timeline (`t`) that revision 1 (redis:6.0.8) came back as revision 3.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn u_rolls_a_statefulset_back_and_its_timeline_lists_the_revisions() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("W makes one of namespace shop", WAIT).expect("mosaic is up");
    term.text(":apps");
    term.enter();
    term.wait_for("All apps (14)", WAIT).expect("the apps view");
    for _ in 0..16 {
        if term.screen().contents().contains("▸ redis ") {
            break;
        }
        term.text("j");
        std::thread::sleep(Duration::from_millis(50));
    }
    term.wait_for("▸ redis ", WAIT).expect("redis selected");
    term.text("t");
    let screen = term.wait_for("Revision 1: redis-", WAIT).expect("the revisions before");
    assert!(screen.contents().contains("Revision 2 (current): redis-"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("Why? statefulset redis", WAIT).expect("the timeline closes");

    term.text("u");
    term.wait_for("rollout undo statefulset/redis", WAIT).expect("the game plan");
    // `y` runs only once the server has said the user may (before that the confirmation offers c and n).
    let screen = term.wait_for("You may do this", WAIT).expect("RBAC answered");
    assert!(
        screen.contents().contains("Roll statefulset redis in shop back to the previous revision"),
        "{}",
        framed(&screen)
    );
    term.text("y");
    term.wait_for("Rolled back statefulset redis in shop to revision 1", WAIT).expect("the outcome");
    term.wait_for("StatefulSet · image redis:6.0.8", WAIT).expect("the card shows the old image");

    term.text("t");
    let screen = term.wait_for("Revision 3 (current): redis-", WAIT).expect("revision 1 is now 3");
    let text = screen.contents();
    let current = text.lines().find(|l| l.contains("Revision 3 (current)")).unwrap_or_default();
    assert!(current.contains("redis:6.0.8"), "{}", framed(&screen));
    assert!(text.contains("Revision 2: redis-"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("Why? statefulset redis", WAIT).expect("the timeline closes");
    // q leaves the apps view for the list it was opened from, then quits.
    term.text("q");
    term.wait_for("Pods (shop)", WAIT).expect("back to the pods");
    term.text("q");
    term.wait_exit(WAIT).expect("mosaic quits");
}

/// The `:sts` list offers the same: `u` plans `kubectl rollout undo statefulset/redis`, `U` asks for a
/// revision, and `r` plans the restart.
#[test]
fn the_statefulset_list_restarts_and_rolls_back_too() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("W makes one of namespace shop", WAIT).expect("mosaic is up");
    term.text(":sts");
    term.enter();
    term.wait_for("StatefulSets (shop) [1]", WAIT).expect("the statefulsets");
    term.text("u");
    let screen = term.wait_for("rollout undo statefulset/redis", WAIT).expect("the rollback plan");
    assert!(screen.contents().contains("one at a time, from the highest ordinal down"), "{}", framed(&screen));
    term.esc();
    term.wait_gone("rollout undo statefulset/redis", WAIT).expect("cancelled");
    term.text("U");
    term.wait_for("Roll back statefulset redis", WAIT).expect("the revision prompt");
    term.text("1");
    term.enter();
    term.wait_for("rollout undo statefulset/redis --to-revision=1", WAIT).expect("the plan names the revision");
    term.esc();
    term.wait_gone("--to-revision=1", WAIT).expect("cancelled");
    term.text("r");
    term.wait_for("rollout restart statefulset/redis", WAIT).expect("the restart plan");
    term.esc();
    term.wait_gone("rollout restart statefulset/redis", WAIT).expect("cancelled");
    term.text("q");
    term.wait_exit(WAIT).expect("mosaic quits");
}
