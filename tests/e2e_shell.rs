//! Tier 4 for the interactive shell: the real binary in a pseudo-terminal lends the terminal to a shell in a pod
//! (`S`), and takes it back when the shell exits. Keys typed in the shell go to the shell, never to the UI.
use crate::support;

use std::time::Duration;

use mosaic::sim::Scenario;
use support::cluster::Cluster;
use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(8);

#[test]
fn a_shell_owns_the_terminal_until_it_exits_then_the_ui_comes_back() {
    let cluster = Cluster::start(Scenario::demo());
    let kubeconfig = cluster.kubeconfig("admin", "shop").display().to_string();
    let mut term = Term::spawn(&["--kubeconfig", kubeconfig.as_str()], &[], 120, 40);
    term.wait_for("storefront-", WAIT).expect("the pod list");
    term.text("/storefront");
    term.enter();
    term.text("S");
    term.wait_for("y run", WAIT).expect("the confirmation, allowed");
    term.text("y");

    let screen = term.wait_for("/app $ ", WAIT).expect("the shell's prompt");
    assert!(!screen.alternate_screen(), "the shell runs on the normal screen\n{}", framed(&screen));
    assert!(screen.contents().contains("mosaic: shell in storefront-"), "{}", framed(&screen));
    assert_eq!(term.cooked_mode(), Some(false), "raw mode: every key goes to the shell");
    // `q` and Ctrl-C belong to the shell now: neither quits mosaic.
    term.text("q");
    term.ctrl_c();
    term.text("echo hi\r");
    term.wait_for("\nhi\n", WAIT).expect("the shell's answer");
    term.resize(100, 32);
    term.text("echo after\r");
    term.wait_for("\nafter\n", WAIT).expect("the shell's answer after a resize");
    term.text("exit\r");

    let screen = term.wait_for("Back from the shell in storefront-", WAIT).expect("the UI again");
    assert!(screen.alternate_screen(), "the UI is back on the alternate screen");
    assert!(screen.contents().contains("storefront-"), "the list is redrawn\n{}", framed(&screen));
    assert_eq!(term.cooked_mode(), Some(false), "raw mode for the UI again");
    let session = cluster.handle.exec_sessions().pop().expect("the shell's session");
    assert_eq!((session.command.as_slice(), session.tty, session.exit_code), (&["sh".to_string()][..], true, Some(0)));
    assert_eq!(session.terminal_size.map(|s| (s.width, s.height)), Some((100, 32)), "the resize reached the tty");

    // The keyboard is the UI's again.
    term.text("q");
    let status = term.wait_exit(WAIT).expect("mosaic exits");
    assert!(status.success(), "{status:?}");
    let shown = term.screen().contents();
    assert!(shown.contains("ended (exit code 0); back to mosaic"), "{shown}");
}
