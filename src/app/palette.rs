//! The `:` command palette: what can be typed, what it means, and suggestions as you type.
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::cluster::Kind;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaletteState {
    pub input: String,
    pub suggestions: Vec<Suggestion>,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// What Tab puts in the input.
    pub text: String,
    pub description: String,
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteCommand {
    View(Kind),
    /// `:ns NAME`; `:ns all` or `:ns -A` for every namespace; `:ns` alone lists namespaces.
    Namespace(Option<String>),
    /// `:ctx NAME`; `:ctx` alone lists the contexts in the palette.
    Context(Option<String>),
    Help,
    /// `:pf`: the running port-forwards.
    Forwards,
    /// `:faults`: everything with a problem, ranked.
    Faults,
    /// `:ws` alone: the workspace manager; `:ws NAME`: that workspace's apps.
    Workspaces(Option<String>),
    /// `:apps`: the default workspace's apps (every app when there is no workspace).
    Apps,
    Quit,
}

/// The commands, their aliases and what they do. Suggestions and parsing both read this table.
pub const COMMANDS: &[(&[&str], &str)] = &[
    (&["pods", "po", "pod"], "Pods, with their real status"),
    (&["deploy", "deployments", "deployment"], "Deployments"),
    (&["svc", "services", "service"], "Services"),
    (&["events", "ev", "event"], "Events, newest first"),
    (&["ns", "namespace", "namespaces"], "Switch namespace: :ns NAME, :ns all; :ns alone lists them"),
    (&["ctx", "context", "contexts"], "Switch context: :ctx NAME"),
    (&["faults", "fault", "problems"], "Everything with a problem here, ranked, each with its verdict"),
    (&["pf", "port-forwards", "forwards"], "Running port-forwards: stop one with Ctrl-d"),
    (&["apps", "app"], "The apps of the default workspace: replicas, rollout, pods, repo"),
    (&["ws", "workspaces"], "Manage workspaces; :ws NAME opens one"),
    (&["help"], "Show the key bindings"),
    (&["q", "quit", "q!"], "Quit mosaic"),
];

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PaletteError {
    #[error("Type a command: pods, deploy, svc, events, ns NAME, ctx NAME, q")]
    Empty,
    #[error("Unknown command :{0}. Try :pods, :deploy, :svc, :netpol, :api-resources, :ns NAME, :ctx NAME or :q")]
    Unknown(String),
}

pub fn parse(input: &str) -> Result<PaletteCommand, PaletteError> {
    let mut words = input.trim().trim_start_matches(':').split_whitespace();
    let Some(head) = words.next() else { return Err(PaletteError::Empty) };
    let arg = words.next().map(str::to_string);
    let Some((aliases, _)) = COMMANDS.iter().find(|(aliases, _)| aliases.contains(&head)) else {
        return Err(PaletteError::Unknown(head.to_string()));
    };
    Ok(match aliases[0] {
        "pods" => PaletteCommand::View(Kind::Pod),
        "deploy" => PaletteCommand::View(Kind::Deployment),
        "svc" => PaletteCommand::View(Kind::Service),
        "events" => PaletteCommand::View(Kind::Event),
        "ns" => PaletteCommand::Namespace(arg),
        "ctx" => PaletteCommand::Context(arg),
        "help" => PaletteCommand::Help,
        "pf" => PaletteCommand::Forwards,
        "faults" => PaletteCommand::Faults,
        "ws" => PaletteCommand::Workspaces(arg),
        "apps" => PaletteCommand::Apps,
        _ => PaletteCommand::Quit,
    })
}

/// Fuzzy suggestions for the input: commands first; after `ns ` or `ctx `, the known names.
pub fn suggest(input: &str, namespaces: &[String], contexts: &[String], kinds: &[(String, String)]) -> Vec<Suggestion> {
    let input = input.trim_start_matches(':');
    let (head, rest) = match input.split_once(' ') {
        Some((h, r)) => (h, Some(r.trim())),
        None => (input, None),
    };
    let mut matcher = Matcher::new(Config::DEFAULT);
    if let Some(arg) = rest {
        let (names, prefix): (Vec<String>, &str) = match head {
            "ns" | "namespace" | "namespaces" => {
                let mut all = vec!["all".to_string()];
                all.extend(namespaces.iter().cloned());
                (all, "ns")
            }
            "ctx" | "context" | "contexts" => (contexts.to_vec(), "ctx"),
            _ => return Vec::new(),
        };
        return ranked(&mut matcher, arg, names.iter().map(|n| (n.as_str(), n.as_str())))
            .into_iter()
            .map(|(name, _)| Suggestion {
                text: format!("{prefix} {name}"),
                description: if prefix == "ns" { "namespace".into() } else { "context".into() },
            })
            .collect();
    }
    let rows = COMMANDS
        .iter()
        .map(|(aliases, description)| (aliases[0], *description))
        .chain(kinds.iter().map(|(word, description)| (word.as_str(), description.as_str())));
    ranked(&mut matcher, head, rows)
        .into_iter()
        .map(|(text, description)| Suggestion { text: text.to_string(), description: description.to_string() })
        .collect()
}

fn ranked<'a>(
    matcher: &mut Matcher,
    needle: &str,
    items: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    let items: Vec<(&str, &str)> = items.collect();
    if needle.is_empty() {
        return items;
    }
    let pattern = Pattern::parse(needle, CaseMatching::Ignore, Normalization::Smart);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, (&str, &str))> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, item)| pattern.score(Utf32Str::new(item.0, &mut buf), matcher).map(|score| (score, i, item)))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_views_aliases_and_arguments() {
        assert_eq!(parse(":pods"), Ok(PaletteCommand::View(Kind::Pod)));
        assert_eq!(parse("po"), Ok(PaletteCommand::View(Kind::Pod)));
        assert_eq!(parse("deployments"), Ok(PaletteCommand::View(Kind::Deployment)));
        assert_eq!(parse("svc"), Ok(PaletteCommand::View(Kind::Service)));
        assert_eq!(parse("events"), Ok(PaletteCommand::View(Kind::Event)));
        assert_eq!(parse("ns shop"), Ok(PaletteCommand::Namespace(Some("shop".into()))));
        assert_eq!(parse("ns"), Ok(PaletteCommand::Namespace(None)));
        assert_eq!(parse("ctx prod"), Ok(PaletteCommand::Context(Some("prod".into()))));
        assert_eq!(parse("q"), Ok(PaletteCommand::Quit));
        assert_eq!(parse(":faults"), Ok(PaletteCommand::Faults));
        assert_eq!(parse("  "), Err(PaletteError::Empty));
        assert_eq!(parse("frobnicate"), Err(PaletteError::Unknown("frobnicate".into())));
    }

    #[test]
    fn suggests_commands_and_names_fuzzily() {
        let s = suggest("dep", &[], &[], &[]);
        assert_eq!(s.first().map(|s| s.text.as_str()), Some("deploy"));
        let s = suggest("ns sh", &["kube-system".into(), "shop".into()], &[], &[]);
        assert_eq!(s.first().map(|s| s.text.as_str()), Some("ns shop"));
        let s = suggest("ctx ", &[], &["a".into(), "b".into()], &[]);
        assert_eq!(s.len(), 2);
        let kinds = [("netpol".to_string(), "NetworkPolicies".to_string())];
        let s = suggest("netp", &[], &[], &kinds);
        assert_eq!(s.first().map(|s| s.text.as_str()), Some("netpol"), "kinds are suggested after the commands");
    }
}
