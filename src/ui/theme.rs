//! Colours, from the built-in theme files in `themes/` (embedded in the binary) and optional user files in
//! `<config dir>/themes/<name>.yaml`. A user file overrides single keys of the built-in of the same name, or
//! defines a new theme on top of `inherits:` (dark by default). Mistakes in a user file never stop mosaic:
//! they become warnings naming the file, the key and the value.
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use serde_yaml::Value;

use crate::analysis::Health;

const BUILTINS: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    ("high-contrast", include_str!("../../themes/high-contrast.yaml")),
];

/// The theme used when nothing else is asked for, and the base of user themes without `inherits:`.
pub const DEFAULT_THEME: &str = "dark";

/// The names of the themes built into the binary.
pub fn builtin_names() -> &'static [&'static str] {
    &["dark", "light", "high-contrast"]
}

/// Declares the colour keys once: the struct fields, the list of key names and the lookup by name all
/// come from this list, so they cannot drift apart.
macro_rules! theme_colors {
    ($($(#[$doc:meta])* $key:ident),* $(,)?) => {
        /// Every colour mosaic draws with. Build it with [`load`]; `Theme::default()` is the built-in dark theme.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Theme {
            $($(#[$doc])* pub $key: Color,)*
            /// Emphasise statuses, titles, key hints and the selection with bold (the high-contrast theme).
            pub bold: bool,
        }

        /// The colour keys of a theme file, in the order of the struct. `bold` (true/false) and
        /// `inherits` (a built-in name) are also accepted.
        pub const COLOR_KEYS: &[&str] = &[$(stringify!($key)),*];

        impl Theme {
            /// The colour of a key by its name in the theme file.
            pub fn color(&self, key: &str) -> Option<Color> {
                match key {
                    $(stringify!($key) => Some(self.$key),)*
                    _ => None,
                }
            }

            fn color_mut(&mut self, key: &str) -> Option<&mut Color> {
                match key {
                    $(stringify!($key) => Some(&mut self.$key),)*
                    _ => None,
                }
            }

            /// The terminal's own colours everywhere: the starting point before a built-in file is applied.
            fn blank() -> Self {
                Self { $($key: Color::Reset,)* bold: false }
            }
        }
    };
}

theme_colors! {
    /// Behind everything.
    background,
    /// Ordinary text.
    foreground,
    /// Secondary text: ages, hints, things that do not need attention.
    muted,
    /// Highlights that are not statuses: links, the active tab.
    accent,
    border,
    /// The border of the pane that has the keyboard.
    border_focused,
    /// Pane titles.
    title,
    /// Table header row.
    header_bg,
    header_fg,
    /// The selected row.
    selection_bg,
    selection_fg,
    status_ok,
    status_warning,
    status_error,
    status_pending,
    status_completed,
    /// The badge that says the cluster is the demo cluster.
    demo_badge_bg,
    demo_badge_fg,
    /// Keys in the footer and the help screen.
    key_hint,
    /// Error banners.
    error_bg,
    error_fg,
    /// Behind dialogs and pop-ups.
    dialog_bg,
    /// The `:` command line.
    command_fg,
    /// The characters a filter or fuzzy search matched.
    match_fg,
}

impl Default for Theme {
    fn default() -> Self {
        builtin(DEFAULT_THEME).unwrap_or_else(Self::blank)
    }
}

impl Theme {
    fn emphasis(&self) -> Modifier {
        if self.bold { Modifier::BOLD } else { Modifier::empty() }
    }

    /// Ordinary text on the background.
    pub fn base(&self) -> Style {
        Style::new().fg(self.foreground).bg(self.background)
    }

    pub fn muted(&self) -> Style {
        Style::new().fg(self.muted)
    }

    pub fn accent(&self) -> Style {
        Style::new().fg(self.accent).add_modifier(self.emphasis())
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            Style::new().fg(self.border_focused).add_modifier(self.emphasis())
        } else {
            Style::new().fg(self.border)
        }
    }

    pub fn title(&self) -> Style {
        Style::new().fg(self.title).add_modifier(Modifier::BOLD)
    }

    pub fn header(&self) -> Style {
        Style::new().fg(self.header_fg).bg(self.header_bg).add_modifier(Modifier::BOLD)
    }

    pub fn selection(&self) -> Style {
        Style::new().fg(self.selection_fg).bg(self.selection_bg).add_modifier(self.emphasis())
    }

    /// The colour of a health verdict. Errors are always bold so they stand out without colour too.
    pub fn status(&self, health: Health) -> Style {
        let color = match health {
            Health::Ok => self.status_ok,
            Health::Completed => self.status_completed,
            Health::Unknown => self.muted,
            Health::Pending => self.status_pending,
            Health::Warning => self.status_warning,
            Health::Error => self.status_error,
        };
        let style = Style::new().fg(color).add_modifier(self.emphasis());
        if health == Health::Error { style.add_modifier(Modifier::BOLD) } else { style }
    }

    pub fn demo_badge(&self) -> Style {
        Style::new().fg(self.demo_badge_fg).bg(self.demo_badge_bg).add_modifier(Modifier::BOLD)
    }

    pub fn key_hint(&self) -> Style {
        Style::new().fg(self.key_hint).add_modifier(self.emphasis())
    }

    pub fn error(&self) -> Style {
        Style::new().fg(self.error_fg).bg(self.error_bg).add_modifier(Modifier::BOLD)
    }

    /// Text inside dialogs and pop-ups.
    pub fn dialog(&self) -> Style {
        Style::new().fg(self.foreground).bg(self.dialog_bg)
    }

    pub fn command(&self) -> Style {
        Style::new().fg(self.command_fg)
    }

    /// Matched characters: bold in every theme, so a match shows even where colours are alike.
    pub fn matched(&self) -> Style {
        Style::new().fg(self.match_fg).add_modifier(Modifier::BOLD)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme {name:?}; available themes: {}", available.join(", "))]
    Unknown { name: String, available: Vec<String> },
    #[error(
        "{name:?} is not a theme name: use letters, digits, '-' and '_' (the file is <config dir>/themes/<name>.yaml)"
    )]
    InvalidName { name: String },
    #[error("cannot read the theme file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("the theme file {} is not valid: {message}", path.display())]
    Parse { path: PathBuf, message: String },
}

/// Loads the theme `name`: a built-in, a built-in with the user's overrides, or a user theme. Returns the
/// theme and the warnings to show (unknown keys, bad colours, a broken override file).
pub fn load(name: &str, config_dir: Option<&Path>) -> Result<(Theme, Vec<String>), ThemeError> {
    if !is_valid_name(name) {
        return Err(ThemeError::InvalidName { name: name.to_owned() });
    }
    let builtin_theme = builtin(name);
    let user_path = config_dir.map(|dir| user_theme_path(dir, name));
    let user_file = match &user_path {
        Some(path) => read_user_file(path)?,
        None => None,
    };
    let mut warnings = Vec::new();
    let Some((path, text)) = user_file else {
        return match builtin_theme {
            Some(theme) => Ok((theme, warnings)),
            None => Err(ThemeError::Unknown { name: name.to_owned(), available: available_names(config_dir) }),
        };
    };
    let source = path.display().to_string();
    let entries = match parse_entries(&text) {
        Ok(entries) => entries,
        Err(message) => {
            return match builtin_theme {
                // A broken override must not cost the user their theme: warn and use the built-in.
                Some(theme) => {
                    warnings
                        .push(format!("{source}: not a valid theme file ({message}); using the built-in {name} theme"));
                    Ok((theme, warnings))
                }
                None => Err(ThemeError::Parse { path, message }),
            };
        }
    };
    let base = match entries.iter().find(|(key, _)| key == "inherits") {
        Some((_, value)) => inherited_base(value, &source, &mut warnings),
        None => builtin_theme.or_else(|| builtin(DEFAULT_THEME)),
    };
    let mut theme = base.unwrap_or_else(Theme::blank);
    apply(&mut theme, &entries, &source, &mut warnings);
    Ok((theme, warnings))
}

/// A built-in theme by name. The built-in files are checked by tests to parse without warnings.
pub fn builtin(name: &str) -> Option<Theme> {
    let (_, text) = BUILTINS.iter().find(|(builtin, _)| *builtin == name)?;
    let mut theme = Theme::blank();
    let entries = parse_entries(text).ok()?;
    let mut warnings = Vec::new();
    apply(&mut theme, &entries, &format!("built-in theme {name}"), &mut warnings);
    if !warnings.is_empty() {
        tracing::warn!(?warnings, "built-in theme {name} has problems");
    }
    Some(theme)
}

/// Built-in names followed by the user's own theme files, without duplicates.
pub fn available_names(config_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = builtin_names().iter().map(|n| (*n).to_owned()).collect();
    let mut user: Vec<String> = config_dir
        .and_then(|dir| std::fs::read_dir(dir.join("themes")).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_stem()?.to_str()?;
            (path.extension()? == "yaml" && is_valid_name(stem)).then(|| stem.to_owned())
        })
        .filter(|name| !names.contains(name))
        .collect();
    user.sort();
    names.append(&mut user);
    names
}

/// Where the user's file for theme `name` lives.
pub fn user_theme_path(config_dir: &Path, name: &str) -> PathBuf {
    config_dir.join("themes").join(format!("{name}.yaml"))
}

/// Names become file names, so keep them to a safe alphabet (no `/`, no `..`).
fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The file's text, or `None` when there is no such file.
fn read_user_file(path: &Path) -> Result<Option<(PathBuf, String)>, ThemeError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some((path.to_path_buf(), text))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ThemeError::Read { path: path.to_path_buf(), source }),
    }
}

/// The top-level mapping of a theme file, keys as text. An empty file is an empty theme.
fn parse_entries(text: &str) -> Result<Vec<(String, Value)>, String> {
    let value: Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    let mapping = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Mapping(mapping) => mapping,
        other => {
            return Err(format!("expected `key: value` lines, found {}", describe(&other)));
        }
    };
    Ok(mapping
        .into_iter()
        .map(|(key, value)| {
            let key = match key {
                Value::String(key) => key,
                other => describe(&other),
            };
            (key, value)
        })
        .collect())
}

fn inherited_base(value: &Value, source: &str, warnings: &mut Vec<String>) -> Option<Theme> {
    let parent = value.as_str().and_then(builtin);
    if parent.is_none() {
        warnings.push(format!(
            "{source}: inherits: {} is not a built-in theme ({}); using {DEFAULT_THEME}",
            describe(value),
            builtin_names().join(", ")
        ));
    }
    parent.or_else(|| builtin(DEFAULT_THEME))
}

/// Sets every key of `entries` on `theme`; anything it cannot use becomes a warning and is skipped.
fn apply(theme: &mut Theme, entries: &[(String, Value)], source: &str, warnings: &mut Vec<String>) {
    for (key, value) in entries {
        match key.as_str() {
            "inherits" => {}
            "bold" => match value.as_bool() {
                Some(bold) => theme.bold = bold,
                None => warnings.push(format!("{source}: bold: {} is not true or false; ignored", describe(value))),
            },
            _ => match theme.color_mut(key) {
                Some(slot) => match parse_color(value) {
                    Ok(color) => *slot = color,
                    Err(why) => warnings.push(format!("{source}: {key}: {why}; ignored")),
                },
                None => warnings.push(format!(
                    "{source}: unknown key {key:?} (value {}) ignored; known keys: {}, bold, inherits",
                    describe(value),
                    COLOR_KEYS.join(", ")
                )),
            },
        }
    }
}

/// A colour name, `#rrggbb`, or a palette index 0..255.
fn parse_color(value: &Value) -> Result<Color, Why> {
    match value {
        Value::String(text) => text.trim().parse().map_err(|_| Why::BadColor(text.clone())),
        Value::Number(n) => n
            .as_u64()
            .and_then(|i| u8::try_from(i).ok())
            .map(Color::Indexed)
            .ok_or_else(|| Why::BadColor(n.to_string())),
        Value::Null => Err(Why::Empty),
        other => Err(Why::BadColor(describe(other))),
    }
}

enum Why {
    BadColor(String),
    Empty,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadColor(value) => {
                write!(f, "{value:?} is not a colour (use a name such as lightblue, \"#rrggbb\" or an index 0..255)")
            }
            Self::Empty => {
                write!(f, "no value (a #rrggbb colour must be quoted: YAML reads an unquoted # as a comment)")
            }
        }
    }
}

/// A short rendering of a YAML value for messages.
fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => format!("{text:?}"),
        Value::Null => "nothing".to_owned(),
        other => {
            serde_yaml::to_string(other).map(|text| text.trim().to_owned()).unwrap_or_else(|_| "a value".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_accepted_form() {
        let yaml = |text: &str| serde_yaml::from_str::<Value>(text).unwrap();
        assert_eq!(parse_color(&yaml("lightblue")).ok(), Some(Color::LightBlue));
        assert_eq!(parse_color(&yaml("Dark Gray")).ok(), Some(Color::DarkGray));
        assert_eq!(parse_color(&yaml("'#ff8800'")).ok(), Some(Color::Rgb(255, 136, 0)));
        assert_eq!(parse_color(&yaml("208")).ok(), Some(Color::Indexed(208)));
        assert_eq!(parse_color(&yaml("'42'")).ok(), Some(Color::Indexed(42)));
        assert!(parse_color(&yaml("256")).is_err());
        assert!(parse_color(&yaml("-1")).is_err());
        assert!(parse_color(&yaml("'#ff88'")).is_err());
        assert!(matches!(parse_color(&yaml("~")), Err(Why::Empty)));
    }

    #[test]
    fn status_colours_follow_health() {
        let theme = Theme::default();
        assert_eq!(theme.status(Health::Ok).fg, Some(theme.status_ok));
        assert_eq!(theme.status(Health::Completed).fg, Some(theme.status_completed));
        assert_eq!(theme.status(Health::Unknown).fg, Some(theme.muted));
        assert_eq!(theme.status(Health::Pending).fg, Some(theme.status_pending));
        assert_eq!(theme.status(Health::Warning).fg, Some(theme.status_warning));
        assert_eq!(theme.status(Health::Error).fg, Some(theme.status_error));
        assert!(theme.status(Health::Error).add_modifier.contains(Modifier::BOLD));
        assert!(!theme.status(Health::Ok).add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn high_contrast_is_bold_everywhere_it_matters() {
        let theme = builtin("high-contrast").unwrap();
        assert!(theme.bold);
        for style in [theme.status(Health::Ok), theme.selection(), theme.key_hint(), theme.border(true)] {
            assert!(style.add_modifier.contains(Modifier::BOLD), "{style:?}");
        }
    }

    #[test]
    fn names_that_are_paths_are_refused() {
        for name in ["", "../dark", "a/b", "a b", "x.yaml"] {
            assert!(matches!(load(name, None), Err(ThemeError::InvalidName { .. })), "{name:?}");
        }
    }
}
