//! Copying a command for the user: OSC 52 by default (it works over ssh and inside tmux), the system clipboard
//! as a fallback, and when neither can, the caller shows the text to select by hand.
use std::io::Write;

use base64::Engine;

/// How to copy, from `MOSAIC_CLIPBOARD` (`osc52`, `system`, `none`); OSC 52 unless the terminal cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Osc52,
    System,
    None,
}

impl Method {
    pub fn from_env() -> Method {
        match std::env::var("MOSAIC_CLIPBOARD").as_deref() {
            Ok("system") => Method::System,
            Ok("none") => Method::None,
            Ok("osc52") => Method::Osc52,
            // The Linux console and dumb terminals ignore OSC 52.
            _ if matches!(std::env::var("TERM").as_deref(), Ok("linux") | Ok("dumb")) => Method::System,
            _ => Method::Osc52,
        }
    }
}

/// The OSC 52 sequence that asks the terminal to set its clipboard; inside tmux also wrapped for passthrough,
/// so it reaches the outer terminal whether tmux takes it itself (`set-clipboard on`) or passes it on.
pub fn osc52_sequence(text: &str, in_tmux: bool) -> String {
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let plain = format!("\x1b]52;c;{payload}\x07");
    if in_tmux { format!("{plain}\x1bPtmux;\x1b\x1b]52;c;{payload}\x07\x1b\\") } else { plain }
}

/// Copy `text`; on success, the way it went.
pub fn copy(text: &str, method: Method) -> Result<&'static str, String> {
    match method {
        Method::Osc52 => {
            let sequence = osc52_sequence(text, std::env::var_os("TMUX").is_some());
            let mut out = std::io::stdout();
            out.write_all(sequence.as_bytes()).and_then(|_| out.flush()).map_err(|e| e.to_string())?;
            Ok("OSC 52")
        }
        Method::System => {
            let mut clipboard = arboard::Clipboard::new().map_err(|e| format!("no system clipboard: {e}"))?;
            clipboard.set_text(text.to_string()).map_err(|e| format!("the system clipboard refused: {e}"))?;
            Ok("system clipboard")
        }
        Method::None => Err("copying is turned off (MOSAIC_CLIPBOARD=none)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_carries_the_text_base64() {
        assert_eq!(osc52_sequence("kubectl get pods", false), "\x1b]52;c;a3ViZWN0bCBnZXQgcG9kcw==\x07");
        assert!(osc52_sequence("x", true).contains("\x1bPtmux;"));
    }
}
