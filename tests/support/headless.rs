//! The app loop without a terminal: the binary's update function and runtime against a simulated cluster, keys
//! in and state out, every action recorded in an in-memory store's transcript.
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use mosaic::app::{Effect, Msg, State, update};
use mosaic::cluster::{Scope, WatchState};
use mosaic::runtime::Runtime;
use mosaic::sim::SimHandle;
use mosaic::store::StoreHandle;
use tokio::sync::mpsc::UnboundedReceiver;

use super::session::connect_as;

/// The list on screen is read and every watch behind it is live.
pub fn synced(state: &State) -> bool {
    state.view_synced() && state.view_states().iter().all(|(_, w)| *w == WatchState::Live)
}

pub struct Headless {
    pub state: State,
    pub runtime: Runtime,
    pub rx: UnboundedReceiver<Msg>,
    pub store: StoreHandle,
    /// Every effect the loop asked for, to check what never reaches the runtime.
    pub effects: Vec<Effect>,
    _dir: tempfile::TempDir,
}

impl Headless {
    /// mosaic on `sim` as `user` in `namespace`, read-only or not, after its first tick.
    pub async fn open(sim: &SimHandle, user: &str, namespace: &str, readonly: bool) -> Headless {
        let dir = tempfile::tempdir().expect("tempdir");
        let session = connect_as(sim, user, namespace, dir.path()).await;
        let store = mosaic::store::in_memory();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let runtime = Runtime::new(session.clone(), tx, false)
            .with_readonly(readonly, Default::default())
            .with_transcript(store.clone(), "session-1".into());
        let info = runtime.info(&session);
        let scope = Scope::Namespace(info.namespace.clone());
        let state = State::new(info, scope, jiff::Timestamp::now());
        let mut ui = Headless { state, runtime, rx, store, effects: Vec::new(), _dir: dir };
        ui.send(Msg::Tick);
        ui
    }

    pub fn send(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            self.effects.push(effect.clone());
            // The clipboard is the terminal's: the effect is checked, not written to the test's stdout.
            if !matches!(effect, Effect::Copy(_)) {
                self.runtime.execute(effect);
            }
        }
    }

    pub fn key(&mut self, code: KeyCode) {
        self.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// A printable key.
    pub fn press(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }

    pub fn enter(&mut self) {
        self.key(KeyCode::Enter);
    }

    pub fn ctrl(&mut self, c: char) {
        self.send(Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    }

    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Feed the runtime's messages into the loop until `done` holds; after 10 s fail with what the state shows.
    pub async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.state) {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => panic!(
                    "timed out waiting for {what}; mode {:?}, flash {:?}, editor {:?}, view {:?} {:?} {:?}",
                    self.state.mode,
                    self.state.flash,
                    self.state.editor.as_ref().map(|e| (&e.phase, &e.message)),
                    self.state.view.kind,
                    self.state.view_states(),
                    self.state.index.keys
                ),
            }
        }
    }
}
