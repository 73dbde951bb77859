//! Tier 4: node and CronJob operations in the real binary, in a pseudo-terminal, on `mosaic demo`: cordon a node
//! and see it SchedulingDisabled, uncordon it; drain one and read the pods the confirmation names; trigger a Job
//! from a CronJob and see it in `:jobs`.
use crate::support;

use std::time::Duration;

use support::pty::{Screen, Term, framed};

const WAIT: Duration = Duration::from_secs(10);

fn command(term: &mut Term, text: &str) {
    term.text(text);
    term.enter();
}

fn row(screen: &Screen, name: &str) -> String {
    screen.contents().lines().find(|l| l.starts_with(name)).unwrap_or_default().to_string()
}

#[test]
fn cordon_a_node_and_trigger_a_cronjob_in_the_demo() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("storefront", WAIT).unwrap();

    command(&mut term, ":no");
    term.wait_for("Nodes [3]", WAIT).unwrap();
    term.text("/node-b");
    term.enter();
    term.wait_for("Nodes [1 of 3]", WAIT).unwrap();
    term.text("C");
    let screen = term.wait_for("You may do this.", WAIT).unwrap();
    assert!(screen.contents().contains("kubectl --context sim-admin cordon node-b"), "{}", framed(&screen));
    term.text("y");
    term.wait_for("Cordoned node node-b", WAIT).unwrap();
    term.wait_until("node-b cordoned", WAIT, |s| row(s, "node-b").contains("SchedulingDisabled")).unwrap();
    term.text("U");
    term.wait_for("You may do this.", WAIT).unwrap();
    term.text("y");
    term.wait_for("Uncordoned node node-b", WAIT).unwrap();
    term.wait_until("node-b schedulable", WAIT, |s| {
        row(s, "node-b").contains("Ready") && !row(s, "node-b").contains("SchedulingDisabled")
    })
    .unwrap();

    // Drain: the confirmation names the pods it evicts and the DaemonSet pod it leaves; n changes nothing.
    term.text("D");
    let screen = term.wait_for("You may do this.", WAIT).unwrap();
    let text = screen.contents();
    assert!(text.contains("Drain node node-b: cordon it, then evict"), "{}", framed(&screen));
    assert!(text.contains("Evicts ") && text.contains("  shop/"), "{}", framed(&screen));
    assert!(text.contains("kube-system/kube-proxy-") && text.contains("a DaemonSet pod"), "{}", framed(&screen));
    term.text("n");
    term.wait_gone("You may do this.", WAIT).unwrap();
    assert!(!row(&term.screen(), "node-b").contains("SchedulingDisabled"), "cancelled: nothing changed");

    command(&mut term, ":cj");
    term.wait_for("nightly-report", WAIT).unwrap();
    term.text("t");
    let screen = term.wait_for("You may do this.", WAIT).unwrap();
    let job = screen
        .contents()
        .split_whitespace()
        .find(|w| w.starts_with("nightly-report-manual-"))
        .unwrap_or_else(|| panic!("the job's name\n{}", framed(&screen)))
        .to_string();
    term.text("y");
    term.wait_for(&format!("Started job {job} from cronjob nightly-report in shop"), WAIT).unwrap();
    command(&mut term, ":jobs");
    let screen = term.wait_until("the job listed", WAIT, |s| row(s, &job).starts_with(&job)).unwrap();
    assert!(screen.contents().contains("Jobs (shop)"), "{}", framed(&screen));
    term.text("q");
    assert!(term.wait_exit(WAIT).unwrap().success());
}
