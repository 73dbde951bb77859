//! The terminal loop: keys and watch updates in, `update`, effects out, one frame per batch of messages.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::app::{Msg, State, update};
use crate::runtime::Runtime;
use crate::ui::{self, Theme};

/// How many queued messages are folded into one frame at most, so a burst of watch events cannot starve input.
const BATCH: usize = 4096;

/// Restores the terminal when dropped, whatever the exit path (return, error, or unwinding).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Read keys and resizes on a thread of its own: crossterm's read blocks.
fn spawn_input(tx: UnboundedSender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(100)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => break,
            }
            let msg = match event::read() {
                Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => Msg::Key(key),
                Ok(TermEvent::Resize(w, h)) => Msg::Resize(w, h),
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
}

pub fn channel() -> (UnboundedSender<Msg>, UnboundedReceiver<Msg>) {
    unbounded_channel()
}

/// Run the UI until the user quits. The terminal is restored on every way out.
pub async fn run(
    mut state: State,
    mut runtime: Runtime,
    theme: Theme,
    tx: UnboundedSender<Msg>,
    mut rx: UnboundedReceiver<Msg>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    let size = terminal.size()?;
    state.width = size.width;
    state.height = size.height;
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), Arc::clone(&stop));
    let ticker = {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(1));
            loop {
                interval.tick().await;
                if tx.send(Msg::Tick).is_err() {
                    break;
                }
            }
        })
    };
    let signals = tokio::spawn(quit_on_signal(tx.clone()));

    for effect in update(&mut state, Msg::Tick) {
        runtime.execute(effect);
    }
    terminal.draw(|f| ui::render(f, &state, &theme))?;
    while !state.quit {
        let Some(first) = rx.recv().await else { break };
        let mut next = Some(first);
        let mut handled = 0;
        while let Some(msg) = next.take() {
            if matches!(msg, Msg::Switched(Ok(_))) {
                runtime.switched();
            }
            for effect in update(&mut state, msg) {
                runtime.execute(effect);
            }
            handled += 1;
            if handled < BATCH && !state.quit {
                next = rx.try_recv().ok();
            }
        }
        if !state.quit {
            // A resize can slip past the input thread (before its first poll); the terminal knows its size.
            if let Ok(size) = terminal.size()
                && (size.width, size.height) != (state.width, state.height)
            {
                for effect in update(&mut state, Msg::Resize(size.width, size.height)) {
                    runtime.execute(effect);
                }
            }
            terminal.draw(|f| ui::render(f, &state, &theme))?;
        }
    }
    stop.store(true, Ordering::Relaxed);
    ticker.abort();
    signals.abort();
    runtime.stop_all();
    Ok(())
}

/// SIGTERM and SIGHUP quit cleanly, restoring the terminal (Ctrl-C arrives as a key in raw mode).
async fn quit_on_signal(tx: UnboundedSender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
        return;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = hup.recv() => {},
    }
    let quit =
        crossterm::event::KeyEvent::new(crossterm::event::KeyCode::Char('c'), crossterm::event::KeyModifiers::CONTROL);
    let _ = tx.send(Msg::Key(quit));
}
