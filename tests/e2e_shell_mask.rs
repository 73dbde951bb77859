//! Tier 4: `mosaic demo` in a pseudo-terminal: a shell in payments-api, which mounts Secret checkout-db as a
//! file, prints the password with `cat` and `printenv`-like commands; the terminal shows the mask where the
//! password was, never the password, in any byte mosaic wrote.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(10);
/// The password of Secret checkout-db in `assets/demo/shop.yaml`, mounted at /etc/orders-db in payments-api.
const PASSWORD: &str = "Xq7-rhubarb-2291";

#[test]
fn the_shell_shows_the_mask_never_the_mounted_password() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("payments-api-", WAIT).expect("the pod list");
    term.text("/payments-api");
    term.enter();
    term.wait_until("the payments-api pods alone", WAIT, |s| s.contents().contains("[2 of")).expect("filtered");
    term.text("S");
    term.wait_for("y run", WAIT).expect("the confirmation");
    term.text("y");
    term.wait_for("$ ", WAIT).expect("the shell's prompt");

    term.text("ls /etc/orders-db\r");
    term.wait_for("\npassword", WAIT).expect("the mounted Secret's key");
    term.text("cat /etc/orders-db/password; echo; echo cat-done\r");
    let screen = term.wait_for("\ncat-done", WAIT).expect("cat ran");
    let contents = screen.contents();
    let shown = contents.lines().skip_while(|l| !l.contains("cat /etc/orders-db/password")).nth(1).unwrap_or("");
    assert_eq!(shown.trim(), "••••••", "the file's content is masked\n{}", framed(&screen));
    // The same value reached through the environment of a child shell, and inside other text.
    term.text("PW=$(cat /etc/orders-db/password) sh -c 'echo url=postgres://shop:$PW@db'; echo env-done\r");
    let screen = term.wait_for("\nenv-done", WAIT).expect("the echo ran");
    assert!(screen.contents().contains("postgres://shop:••••••@db"), "{}", framed(&screen));
    term.text("exit\r");
    term.wait_for("Back from the shell in payments-api-", WAIT).expect("the UI again");
    term.text("q");
    term.wait_exit(WAIT).expect("mosaic exits");

    let output = String::from_utf8_lossy(&term.output()).to_string();
    assert!(!output.contains(PASSWORD), "the password never reached the terminal");
    assert!(!output.contains("rhubarb"), "nor a part of it");
}
