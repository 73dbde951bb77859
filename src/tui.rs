//! The terminal loop: keys and watch updates in, `update`, effects out, one frame per batch of messages.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{self, Event as TermEvent, KeyEventKind};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::action::ShellSession;
use crate::app::exec::{ExecEffect, ExecMsg};
use crate::app::{Effect, Msg, State, update};
use crate::runtime::Runtime;
use crate::shell::terminal::InputGate;
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

/// Read keys and resizes on a thread of its own: crossterm's read blocks. While a shell owns the terminal the
/// gate holds the thread, so no key meant for the shell is read here.
fn spawn_input(tx: UnboundedSender<Msg>, stop: Arc<AtomicBool>, gate: Arc<InputGate>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if gate.holds() {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
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
    let gate = InputGate::new();
    spawn_input(tx.clone(), Arc::clone(&stop), Arc::clone(&gate));
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
        let mut shells = Vec::new();
        while let Some(msg) = next.take() {
            if matches!(msg, Msg::Switched(Ok(_))) {
                runtime.switched();
            }
            for effect in update(&mut state, msg) {
                match effect {
                    // Only this loop can lend the terminal; the shell runs once the batch is folded in.
                    Effect::Exec(ExecEffect::Shell(session)) => shells.push(session),
                    effect => runtime.execute(effect),
                }
            }
            handled += 1;
            if handled < BATCH && !state.quit {
                next = rx.try_recv().ok();
            }
        }
        for session in shells {
            run_shell(&mut terminal, &session, &gate, &tx).await?;
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

/// Lend the terminal to a shell until it exits, then take it back and redraw everything.
async fn run_shell(
    terminal: &mut ratatui::DefaultTerminal,
    session: &ShellSession,
    gate: &InputGate,
    tx: &UnboundedSender<Msg>,
) -> anyhow::Result<()> {
    let result = crate::shell::terminal::run(session, gate).await;
    // A blank frame over a cleared screen, so the next frame paints every cell. Not `Terminal::clear`: it asks
    // the terminal where the cursor is, and a key typed at that moment can swallow the answer.
    crossterm::execute!(std::io::stdout(), crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
    terminal.draw(|f| f.render_widget(ratatui::widgets::Clear, f.area()))?;
    let _ = tx.send(Msg::Exec(ExecMsg::ShellEnded { pod: session.pod.clone(), result }));
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
