//! Tier 4: `mosaic demo` in a pseudo-terminal: checkout logs its database password at start, and the logs pane
//! shows the mask where the password was, never the password, in the current and the previous instance.
use crate::support;

use std::time::Duration;

use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(10);
/// The password of Secret checkout-db in `assets/demo/shop.yaml`.
const PASSWORD: &str = "Xq7-rhubarb-2291";

#[test]
fn the_demo_checkout_log_shows_the_mask_never_the_password() {
    let mut term = Term::spawn(&["demo"], &[], 120, 40);
    term.wait_for("checkout-", WAIT).unwrap();
    term.text("/checkout");
    term.enter();
    term.wait_until("the checkout pod alone", WAIT, |s| s.contents().contains("[1 of")).unwrap();
    term.text("l");
    let screen = term.wait_for("connecting to postgres://shop:••••••@postgres:5432/orders", WAIT).unwrap();
    assert!(screen.contents().contains("•••••• masks Secrets checkout-db"), "the note says what{}", framed(&screen));
    // The previous instance printed it too.
    term.text("p");
    let screen = term.wait_for("the previous instance's log, complete", WAIT).unwrap();
    assert!(screen.contents().contains("postgres://shop:••••••@postgres"), "{}", framed(&screen));
    term.esc();
    term.wait_until("the list again", WAIT, |s| !s.contents().contains("Logs · pod")).unwrap();
    let output = String::from_utf8_lossy(&term.output()).to_string();
    assert!(!output.contains(PASSWORD), "the password never reached the terminal");
    assert!(!output.contains("rhubarb"), "nor a part of it");
}
