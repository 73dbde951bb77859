//! Logs go to a file in the state dir, never to the screen the UI draws on.
use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Start logging to `<dir>/mosaic.log`. `MOSAIC_LOG` sets the filter (default `info`). Returns the guard that
/// flushes on drop, and the file path; `None` if the directory cannot be written (mosaic runs without logs).
pub fn init(dir: &Path) -> Option<(WorkerGuard, PathBuf)> {
    std::fs::create_dir_all(dir).ok()?;
    let path = dir.join("mosaic.log");
    std::fs::OpenOptions::new().create(true).append(true).open(&path).ok()?;
    let appender = tracing_appender::rolling::never(dir, "mosaic.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("MOSAIC_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,hyper=warn,kube_client=warn,tower=warn,rustls=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(writer).try_init().ok()?;
    Some((guard, path))
}
