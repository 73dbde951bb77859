//! Where mosaic keeps things: data (the database), config (themes, settings) and state (logs).
use std::path::PathBuf;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "mosaic", "mosaic")
}

fn from_env(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// `--data-dir`, `MOSAIC_DATA_DIR` (clap fills both into `explicit`), else the platform data dir.
pub fn data_dir(explicit: Option<&PathBuf>) -> PathBuf {
    explicit
        .cloned()
        .or_else(|| project().map(|p| p.data_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".mosaic"))
}

pub fn config_dir() -> Option<PathBuf> {
    from_env("MOSAIC_CONFIG_DIR").or_else(|| project().map(|p| p.config_dir().to_path_buf()))
}

/// Logs and demo kubeconfigs.
pub fn state_dir() -> PathBuf {
    from_env("MOSAIC_STATE_DIR")
        .or_else(|| project().map(|p| p.state_dir().unwrap_or(p.data_local_dir()).to_path_buf()))
        .unwrap_or_else(|| std::env::temp_dir().join("mosaic"))
}
