//! The mosaic binary: parse flags, connect as the user, run the UI; or serve the demo cluster.
use std::process::ExitCode;

use clap::Parser;

use mosaic::app::State;
use mosaic::cli::{Cli, Command, DemoArgs, GlobalArgs, TranscriptCommand};
use mosaic::cluster::{ConnectOptions, Scope, Session, connect, kubeconfig};
use mosaic::config::Config;
use mosaic::runtime::Runtime;
use mosaic::{demo, logging, paths, store, tui, ui};

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    let log = logging::init(&paths::state_dir());
    install_panic_message(log.as_ref().map(|(_, path)| path.clone()));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("Could not start mosaic's runtime: {e}")),
    };
    let mut problem = false;
    let mut exit_code: Option<u8> = None;
    let result = runtime.block_on(async {
        match cli.command {
            Some(Command::Explain { target, output }) => {
                run_explain(&cli.global, &target, &output).await.map(|found| problem = found)
            }
            Some(Command::Diagnose { target, port, from, probe, output }) => {
                run_diagnose(&cli.global, &target, port.as_deref(), from.as_deref(), probe, &output)
                    .await
                    .map(|code| exit_code = Some(code))
            }
            Some(Command::Faults { output }) => run_faults(&cli.global, &output).await.map(|found| problem = found),
            Some(Command::Demo(args)) => run_demo(&cli.global, &args).await,
            Some(Command::Transcript(command)) => run_transcript(&cli.global, command).await,
            Some(Command::Bindings(command)) => mosaic::bindings_cmd::run(&cli.global, command).await,
            None => run(&cli.global, None).await,
        }
    });
    // Watches and the demo server may still hold tasks; do not wait for them.
    runtime.shutdown_background();
    match result {
        Ok(()) if let Some(code) = exit_code => ExitCode::from(code),
        Ok(()) if problem => ExitCode::from(2),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("{e:#}")),
    }
}

/// A bug should still leave a usable terminal and a message that says where the details are. The terminal is
/// restored by ratatui's hook, which runs before this one.
fn install_panic_message(log: Option<std::path::PathBuf>) {
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!("panic: {info}");
        let where_ = log.as_ref().map(|p| format!(" Details are in {}.", p.display())).unwrap_or_default();
        eprintln!("mosaic hit a bug and stopped: {info}.{where_} Please report it.");
    }));
}

/// A session in the context and namespace the global flags name, from their kubeconfig.
async fn connect_global(global: &GlobalArgs) -> anyhow::Result<Session> {
    let options = ConnectOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
        namespace: global.namespace.clone(),
    };
    Ok(connect(kubeconfig::resolve(&options)?).await?)
}

/// One clear message, no backtrace, exit code 1.
fn fail(message: &str) -> ExitCode {
    eprintln!("mosaic: {message}");
    ExitCode::from(1)
}

/// Prints the report; true when the pod or app has a problem.
async fn run_explain(global: &GlobalArgs, target: &str, output: &str) -> anyhow::Result<bool> {
    use mosaic::action::WorkloadKind;
    use mosaic::explain_cmd::{self as explain, Target};
    let target = explain::parse_target(target)?;
    let session = connect_global(global).await?;
    let namespace = session.target.namespace.clone();
    // The recorder's events join the live ones; without a usable store the timeline is the live one.
    let config = Config::load(paths::config_dir().as_deref()).unwrap_or_default();
    let store = config.recorder.enabled.then(|| store::open(&paths::data_dir(global.data_dir.as_ref())).0);
    let kind = if matches!(target, Target::DaemonSet(_)) { WorkloadKind::DaemonSet } else { WorkloadKind::StatefulSet };
    let problem = match target {
        Target::Pod(name) => {
            let report = explain::pod_report(&session, &namespace, &name, store.as_ref()).await?;
            match output {
                "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                "markdown" | "md" => print!("{}", explain::markdown(&report)),
                _ => print!("{}", explain::text(&report)),
            }
            report.diagnosis.has_problem()
        }
        Target::Deployment(name) => {
            let report = explain::deploy_report(&session, &namespace, &name, store.as_ref()).await?;
            match output {
                "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                "markdown" | "md" => print!("{}", explain::deploy_markdown(&report)),
                _ => print!("{}", explain::deploy_text(&report)),
            }
            report.has_problem()
        }
        Target::StatefulSet(name) | Target::DaemonSet(name) => {
            let report = explain::workload_report(&session, kind, &namespace, &name, store.as_ref()).await?;
            match output {
                "json" => println!("{}", serde_json::to_string_pretty(&report)?),
                "markdown" | "md" => print!("{}", explain::workload_markdown(&report)),
                _ => print!("{}", explain::workload_text(&report)),
            }
            report.has_problem()
        }
    };
    if let Some(store) = store {
        let _ = store.close().await;
    }
    Ok(problem)
}

/// Prints the network diagnosis; the exit code is the outcome's (0, 2 or 3).
async fn run_diagnose(
    global: &GlobalArgs,
    target: &str,
    port: Option<&str>,
    from: Option<&str>,
    probe: bool,
    output: &str,
) -> anyhow::Result<u8> {
    use mosaic::diagnose_cmd;
    let name = diagnose_cmd::parse_target(target)?;
    let port = port.map(diagnose_cmd::parse_port).transpose()?;
    let source = from.map(diagnose_cmd::parse_from).transpose()?;
    let session = connect_global(global).await?;
    let namespace = session.target.namespace.clone();
    let mut report = diagnose_cmd::report(&session, &namespace, &name, port, None, source).await?;
    if probe {
        let config = Config::load(paths::config_dir().as_deref()).unwrap_or_default();
        let readonly = global.readonly || config.readonly_for(&session.target.context);
        // Ctrl-C stops the probe; its pod is deleted before mosaic exits.
        tokio::select! {
            () = diagnose_cmd::probe(&session, &mut report, config.probe_image(), readonly) => {}
            _ = tokio::signal::ctrl_c() => {
                mosaic::action::probe::delete_running().await;
                anyhow::bail!("interrupted: the probe pod was deleted; no diagnosis printed");
            }
        }
    }
    match output {
        "json" => println!("{}", serde_json::to_string_pretty(&diagnose_cmd::json(&report))?),
        "markdown" | "md" => print!("{}", diagnose_cmd::markdown(&report)),
        _ => print!("{}", diagnose_cmd::text(&report)),
    }
    Ok(u8::try_from(report.exit_code()).unwrap_or(1))
}

/// Prints the fault list; true when there is a fault.
async fn run_faults(global: &GlobalArgs, output: &str) -> anyhow::Result<bool> {
    let session = connect_global(global).await?;
    let namespace = (!global.all_namespaces).then(|| session.target.namespace.clone());
    let report = mosaic::faults_cmd::fetch(&session, namespace.as_deref()).await?;
    match output {
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        "markdown" | "md" => print!("{}", mosaic::faults_cmd::markdown(&report)),
        _ => print!("{}", mosaic::faults_cmd::text(&report)),
    }
    if report.checked.is_empty() {
        let scope = namespace.map_or("-A".to_string(), |ns| format!("-n {ns}"));
        anyhow::bail!(
            "nothing could be checked with {scope} (see \"Could not check\" above); try a namespace you may read"
        );
    }
    Ok(report.has_faults())
}

async fn run_transcript(global: &GlobalArgs, command: TranscriptCommand) -> anyhow::Result<()> {
    let (store, status) = store::open(&paths::data_dir(global.data_dir.as_ref()));
    if let Some(message) = status.message() {
        eprintln!("mosaic: {message}");
    }
    match command {
        TranscriptCommand::List => {
            let sessions = store.transcript_sessions().await?;
            if sessions.is_empty() {
                println!("No actions recorded yet.");
            }
            for (id, count, first) in sessions {
                println!("{id}  {count} action(s) since {first}");
            }
        }
        TranscriptCommand::Export { format, session, output } => {
            let entries = store.transcript(session.clone()).await?;
            if entries.is_empty() {
                anyhow::bail!(
                    "no transcript for {}; see mosaic transcript list",
                    session.map_or("the latest session".to_string(), |s| format!("session {s}"))
                );
            }
            let text = match format.as_str() {
                "sh" | "shell" => mosaic::transcript::shell(&entries),
                _ => mosaic::transcript::markdown(&entries),
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    let _ = store.close().await;
    Ok(())
}

async fn run_demo(global: &GlobalArgs, args: &DemoArgs) -> anyhow::Result<()> {
    let demo = demo::start(args, &paths::state_dir()).await?;
    if args.serve {
        println!("mosaic demo cluster serving at {}", demo.handle.url());
        println!("kubeconfig: {}", demo.kubeconfig.display());
        println!();
        println!("  export KUBECONFIG={}", demo.kubeconfig.display());
        println!("  kubectl get pods -n {}", demo.namespace);
        println!("  mosaic --kubeconfig {}", demo.kubeconfig.display());
        println!();
        println!("Users: contexts sim-admin (everything) and sim-dev (reads only {}). Ctrl-C stops.", demo.namespace);
        tokio::signal::ctrl_c().await?;
        demo.handle.stop().await;
        return Ok(());
    }
    let mut global = global.clone();
    global.kubeconfig = Some(demo.kubeconfig.clone());
    global.context = global.context.or(Some(demo.context.clone()));
    let outcome = run(&global, Some(&demo)).await;
    demo.handle.stop().await;
    outcome
}

async fn run(global: &GlobalArgs, demo: Option<&demo::Demo>) -> anyhow::Result<()> {
    let config_dir = paths::config_dir();
    let (theme, warnings) = ui::theme::load(&global.theme, config_dir.as_deref())?;
    let config = Config::load(config_dir.as_deref())?;
    let key_warnings = mosaic::app::keymap::install(&config.keys);
    let session = connect_global(global).await?;
    tracing::info!(context = %session.target.context, server = %session.target.server, "connected");

    // Probe pods a crashed run left behind: best effort, in the background.
    let (client, namespace) = (session.client.clone(), session.target.namespace.clone());
    tokio::spawn(async move {
        mosaic::action::probe::delete_leftovers(&client, &namespace, jiff::Timestamp::now()).await;
    });
    let (store, store_status) = store::open(&paths::data_dir(global.data_dir.as_ref()));
    let (tx, rx) = tui::channel();
    let session_id = format!("{}-{}", jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ"), std::process::id());
    let runtime = Runtime::new(session.clone(), tx.clone(), demo.is_some())
        .with_readonly(global.readonly, config)
        .with_transcript(store.clone(), session_id);
    let info = runtime.info(&session);
    let scope = if global.all_namespaces { Scope::All } else { Scope::Namespace(info.namespace.clone()) };
    let mut state = State::new(info, scope, jiff::Timestamp::now());
    state.notices.extend(store_status.message());
    state.notices.extend(warnings);
    state.notices.extend(key_warnings);

    let outcome = tui::run(state, runtime, theme, tx, rx).await;
    // Probes still running (quit or Ctrl-C during one) are deleted before mosaic exits.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), mosaic::action::probe::delete_running()).await;
    let _ = store.close().await;
    outcome
}

/// One malloc arena for the whole process, set before any thread starts. glibc gives every thread that
/// allocates its own arena and keeps what is freed in each: listing 5,000 pods with the event recorder on left
/// 106 MB resident for a 46 MB heap, and one arena keeps it at 74 MB (`cargo bench --bench pods`). mosaic's
/// threads allocate little at a time, so sharing one arena costs no measurable time.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
