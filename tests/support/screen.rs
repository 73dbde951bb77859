//! Render tests' screen: a state drawn on a TestBackend with the default theme, and read back as text.
use mosaic::app::{ContextInfo, Msg, State, update};
use mosaic::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// The clock of the render tests' states: ages on screen are counted from it, so snapshots do not drift.
pub fn now() -> jiff::Timestamp {
    "2026-11-22T03:35:00Z".parse().expect("timestamp")
}

/// The context of the fixtures taken from a real control plane: kind-acme, v1.19, namespace acme, as `user`.
pub fn kind_acme(user: &str) -> ContextInfo {
    ContextInfo {
        context: "kind-acme".into(),
        user: user.into(),
        server: "https://127.0.0.1:6443".into(),
        server_version: "v1.19.0".into(),
        namespace: "acme".into(),
        contexts: vec!["kind-acme".into()],
        demo: false,
        readonly: false,
    }
}

/// A state on the demo cluster's shop namespace as sim-admin, at [`now`]: what the demo's panes render on.
pub fn demo_shop() -> State {
    let info = ContextInfo {
        context: "sim-admin".into(),
        user: "admin".into(),
        server: "https://127.0.0.1:6443".into(),
        server_version: "v1.33.0".into(),
        namespace: "shop".into(),
        contexts: vec!["sim-admin".into()],
        demo: true,
        readonly: false,
    };
    State::new(info, mosaic::cluster::Scope::Namespace("shop".into()), now())
}

/// `state` told the terminal is `width`x`height`, then drawn at that size.
pub fn draw(state: &mut State, width: u16, height: u16) -> Buffer {
    update(state, Msg::Resize(width, height));
    paint(state, width, height)
}

/// `state` drawn as it is at `width`x`height`, without telling it the size.
pub fn paint(state: &State, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| ui::render(f, state, &Theme::default())).expect("draw");
    terminal.backend().buffer().clone()
}

/// The screen's text, one line a row, trailing blanks cut.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
