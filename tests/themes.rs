//! Theme files: the built-ins are complete and clean, user files override exactly what they say, and
//! mistakes become warnings that name the file, the key and the value.
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use mosaic::ui::theme::{self, COLOR_KEYS, Theme, ThemeError};
use ratatui::style::Color;

fn builtin_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes").join(format!("{name}.yaml"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A config dir with `themes/<name>.yaml` holding `text`.
fn config_with(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("themes")).unwrap();
    fs::write(theme::user_theme_path(dir.path(), name), text).unwrap();
    dir
}

/// The keys whose colours differ between two themes.
fn differing_keys(a: &Theme, b: &Theme) -> Vec<&'static str> {
    COLOR_KEYS.iter().copied().filter(|key| a.color(key) != b.color(key)).collect()
}

#[test]
fn every_builtin_sets_every_key_without_warnings() {
    let expected: BTreeSet<String> = COLOR_KEYS.iter().map(|k| (*k).to_owned()).chain(["bold".to_owned()]).collect();
    for name in theme::builtin_names() {
        let text = builtin_file(name);
        let mapping: serde_yaml::Mapping = serde_yaml::from_str(&text).unwrap();
        let keys: BTreeSet<String> = mapping.keys().map(|k| k.as_str().unwrap().to_owned()).collect();
        assert_eq!(keys, expected, "keys of the built-in {name}");

        // Loaded as a user theme, the same text goes through the warning checks.
        let config = config_with("copy", &text);
        let (copy, warnings) = theme::load("copy", Some(config.path())).unwrap();
        assert_eq!(warnings, Vec::<String>::new(), "{name}");
        let (builtin, warnings) = theme::load(name, None).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(copy, builtin, "{name}: the embedded file and the one on disk differ");
    }
}

#[test]
fn builtins_are_distinct_and_pairs_are_readable() {
    let themes: Vec<Theme> = theme::builtin_names().iter().map(|n| theme::load(n, None).unwrap().0).collect();
    assert_ne!(themes[0], themes[1]);
    assert_ne!(themes[1], themes[2]);
    for t in &themes {
        for (fg, bg) in [
            (t.header_fg, t.header_bg),
            (t.selection_fg, t.selection_bg),
            (t.demo_badge_fg, t.demo_badge_bg),
            (t.error_fg, t.error_bg),
        ] {
            assert_ne!(fg, bg);
            assert_ne!(bg, Color::Reset, "a filled badge or bar needs its own background");
        }
    }
    assert_eq!(Theme::default(), themes[0], "the default theme is dark");
}

#[test]
fn a_partial_override_changes_exactly_one_key() {
    let config = config_with("light", "# only this\naccent: \"#ff0000\"\n");
    let (theme, warnings) = theme::load("light", Some(config.path())).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let (builtin, _) = theme::load("light", None).unwrap();
    assert_eq!(differing_keys(&theme, &builtin), ["accent"]);
    assert_eq!(theme.accent, Color::Rgb(255, 0, 0));
    assert_eq!(theme.bold, builtin.bold);
}

#[test]
fn a_new_theme_inherits_dark_unless_told_otherwise() {
    let config = config_with("mine", "selection_bg: 22\n");
    let (mine, warnings) = theme::load("mine", Some(config.path())).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let dark = theme::load("dark", None).unwrap().0;
    assert_eq!(differing_keys(&mine, &dark), ["selection_bg"]);
    assert_eq!(mine.selection_bg, Color::Indexed(22));

    let config = config_with("mine", "inherits: high-contrast\nmuted: gray\n");
    let (mine, _) = theme::load("mine", Some(config.path())).unwrap();
    let high_contrast = theme::load("high-contrast", None).unwrap().0;
    assert_eq!(differing_keys(&mine, &high_contrast), ["muted"]);
    assert!(mine.bold);
}

#[test]
fn a_bad_colour_warns_with_file_key_and_value_and_the_theme_still_loads() {
    let config = config_with("dark", "accent: purplish\nborder: 300\ntitle: #ff0000\nstatus_ok: green\n");
    let (theme, warnings) = theme::load("dark", Some(config.path())).unwrap();
    let file = theme::user_theme_path(config.path(), "dark").display().to_string();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    for (warning, key, value) in
        [(&warnings[0], "accent", "purplish"), (&warnings[1], "border", "300"), (&warnings[2], "title", "quoted")]
    {
        assert!(warning.contains(&file) && warning.contains(key) && warning.contains(value), "{warning}");
    }
    let dark = theme::load("dark", None).unwrap().0;
    assert_eq!(differing_keys(&theme, &dark), ["status_ok"]);
}

#[test]
fn unknown_keys_and_bad_inherits_warn() {
    let config = config_with("mine", "inherits: solarized\nbackgroud: black\nbold: maybe\n");
    let (theme, warnings) = theme::load("mine", Some(config.path())).unwrap();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings[0].contains("inherits") && warnings[0].contains("solarized"));
    assert!(warnings[1].contains("backgroud") && warnings[1].contains("black"));
    assert!(warnings[2].contains("bold") && warnings[2].contains("maybe"));
    assert!(warnings.iter().all(|w| w.contains("mine.yaml")));
    assert_eq!(theme, theme::load("dark", None).unwrap().0);
}

#[test]
fn an_unknown_name_errors_with_the_available_themes() {
    let config = config_with("ocean", "accent: blue\n");
    let err = theme::load("neon", Some(config.path())).unwrap_err();
    let ThemeError::Unknown { available, .. } = &err else {
        panic!("expected unknown, got {err:?}");
    };
    assert_eq!(available, &["dark", "light", "high-contrast", "ocean"]);
    let message = err.to_string();
    assert!(message.contains("neon") && message.contains("high-contrast, ocean"), "{message}");
    assert!(matches!(theme::load("neon", None), Err(ThemeError::Unknown { .. })));
}

#[test]
fn a_broken_file_falls_back_for_builtins_and_errors_for_new_themes() {
    let config = config_with("dark", "accent: [unclosed\n");
    let (theme, warnings) = theme::load("dark", Some(config.path())).unwrap();
    assert_eq!(theme, theme::load("dark", None).unwrap().0);
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("dark.yaml"), "{}", warnings[0]);

    let config = config_with("mine", "- a list\n- not a map\n");
    assert!(matches!(theme::load("mine", Some(config.path())), Err(ThemeError::Parse { .. })));
}
