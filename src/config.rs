//! `config.yaml` in the config dir: settings that outlive a session. Every key is optional.
//!
//! ```yaml
//! readonly: false          # refuse every change, everywhere
//! contexts:
//!   prod:
//!     readonly: true       # refuse every change on this context only
//! keys:
//!   quit: ["Ctrl-q"]       # replace the keys of a command (names in docs/KEYBINDINGS.md)
//! recorder:                # events kept after the API server drops them (about an hour)
//!   enabled: true
//!   max_age: 24h           # older events are pruned
//!   max_rows: 50000        # beyond this, the oldest are pruned
//! probe_image: curlimages/curl:8.10.1   # the image of probe pods (network wizard, HTTP sender)
//! ```
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub readonly: bool,
    #[serde(default)]
    pub contexts: BTreeMap<String, ContextConfig>,
    /// Key overrides: a command name (see docs/KEYBINDINGS.md) and the keys it should have instead.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
    /// The image probe pods run (it needs `sh` and `curl`); default [`crate::action::probe::DEFAULT_IMAGE`].
    #[serde(default)]
    pub probe_image: Option<String>,
    #[serde(default)]
    pub recorder: RecorderConfig,
}

/// The event recorder's bounds.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RecorderConfig {
    pub enabled: bool,
    /// A duration such as `24h`, `90m` or `7d`.
    pub max_age: String,
    pub max_rows: u64,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        RecorderConfig { enabled: true, max_age: "24h".into(), max_rows: 50_000 }
    }
}

impl RecorderConfig {
    /// `max_age` as a duration; [`Config::load`] has already refused one that does not parse.
    pub fn max_age(&self) -> jiff::SignedDuration {
        parse_age(&self.max_age).unwrap_or(jiff::SignedDuration::from_hours(24))
    }
}

fn parse_age(text: &str) -> Option<jiff::SignedDuration> {
    let text = text.trim();
    // jiff reads `24h` and `90m`; days are plain 24-hour days here.
    let duration = match text.strip_suffix('d').and_then(|d| d.trim().parse::<i64>().ok()) {
        Some(days) => jiff::SignedDuration::from_hours(days.checked_mul(24)?),
        None => text.parse::<jiff::SignedDuration>().ok()?,
    };
    (duration.is_positive()).then_some(duration)
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContextConfig {
    #[serde(default)]
    pub readonly: bool,
}

impl Config {
    /// Read `<dir>/config.yaml`. A missing file is the defaults; a broken one is an error naming the file, the
    /// line and the column.
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Config> {
        let Some(dir) = dir else { return Ok(Config::default()) };
        let path = dir.join("config.yaml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => anyhow::bail!("could not read {}: {e}", path.display()),
        };
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let config: Config =
            serde_yaml::from_str(&text).map_err(|e| anyhow::anyhow!("{} is not valid: {e}", path.display()))?;
        if parse_age(&config.recorder.max_age).is_none() {
            anyhow::bail!(
                "{} is not valid: recorder.max_age {:?} is not a duration; write it like 24h, 90m or 7d",
                path.display(),
                config.recorder.max_age
            );
        }
        Ok(config)
    }

    /// The image of probe pods.
    pub fn probe_image(&self) -> &str {
        self.probe_image
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .unwrap_or(crate::action::probe::DEFAULT_IMAGE)
    }

    /// Read-only everywhere, or for this context.
    pub fn readonly_for(&self, context: &str) -> bool {
        self.readonly || self.contexts.get(context).is_some_and(|c| c.readonly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_context_readonly() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.yaml"), "contexts:\n  prod:\n    readonly: true\n").expect("write");
        let config = Config::load(Some(dir.path())).expect("loads");
        assert!(config.readonly_for("prod"));
        assert!(!config.readonly_for("dev"));
    }

    #[test]
    fn recorder_bounds_have_defaults_and_read_durations() {
        assert_eq!(RecorderConfig::default().max_age(), jiff::SignedDuration::from_hours(24));
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.yaml"), "recorder: {max_age: 90m, max_rows: 10}\n").expect("write");
        let config = Config::load(Some(dir.path())).expect("loads");
        assert_eq!(config.recorder.max_age(), jiff::SignedDuration::from_mins(90));
        assert_eq!(config.recorder.max_rows, 10);
        assert!(config.recorder.enabled);
        assert_eq!(parse_age("7d"), Some(jiff::SignedDuration::from_hours(168)));
        std::fs::write(dir.path().join("config.yaml"), "recorder: {max_age: forever}\n").expect("write");
        let err = Config::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("recorder.max_age") && err.contains("24h"), "{err}");
    }

    #[test]
    fn a_broken_file_names_itself_and_the_position() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.yaml"), "readonly: [").expect("write");
        let err = Config::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("config.yaml is not valid") && err.contains("line"), "{err}");
    }

    #[test]
    fn the_probe_image_is_configurable() {
        assert_eq!(Config::default().probe_image(), "curlimages/curl");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.yaml"), "probe_image: registry.local/curl:8\n").expect("write");
        assert_eq!(Config::load(Some(dir.path())).expect("loads").probe_image(), "registry.local/curl:8");
    }

    #[test]
    fn missing_file_is_the_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Config::load(Some(dir.path())).expect("loads"), Config::default());
    }
}
