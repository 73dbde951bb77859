//! The session transcript: what mosaic did, exported as markdown to read or as a shell script to replay.
//! Secret values and tokens never reach it: everything is redacted before it is stored.
use std::sync::OnceLock;

use regex::Regex;

use crate::store::TranscriptEntry;

/// Patterns of credentials that may appear in commands or exec output.
fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let rules: [(&str, &str); 5] = [
            // Authorization headers and bearer tokens.
            (r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+", "${1}<redacted>"),
            // token=…, --token …, password: …, secret=… (flags, env, YAML).
            (
                r#"(?i)((?:token|password|passwd|secret|api[_-]?key)["']?\s*(?:[=:]|\s)\s*["']?)[^\s"',}]+"#,
                "${1}<redacted>",
            ),
            // JSON Web Tokens (service account tokens, OIDC id tokens).
            (r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}", "<redacted-jwt>"),
            // Private keys.
            (r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", "<redacted-private-key>"),
            // URLs with credentials.
            (r"(://[^/\s:@]+:)[^@\s/]+@", "${1}<redacted>@"),
        ];
        rules.iter().filter_map(|(re, with)| Regex::new(re).ok().map(|r| (r, *with))).collect()
    })
}

/// Replace anything that looks like a credential.
pub fn redact(text: &str) -> String {
    patterns().iter().fold(text.to_string(), |acc, (re, with)| re.replace_all(&acc, *with).into_owned())
}

/// A readable record of the session.
pub fn markdown(entries: &[TranscriptEntry]) -> String {
    let mut out = String::from("# mosaic transcript\n");
    if let Some(first) = entries.first() {
        out.push_str(&format!("\nSession `{}`, context `{}`.\n", first.session, first.context));
    }
    for e in entries {
        let how = match (e.ok, e.dry_run) {
            (true, true) => "dry run",
            (true, false) => "done",
            (false, _) => "failed",
        };
        out.push_str(&format!(
            "\n## {} — {}\n\n**{how}**: {}\n\n```sh\n{}\n```\n",
            e.at, e.summary, e.outcome, e.command
        ));
        if let Some(output) = e.output.as_deref().filter(|o| !o.is_empty()) {
            out.push_str(&format!("\nOutput:\n\n```\n{output}\n```\n"));
        }
    }
    out
}

/// A script that does again what succeeded (dry runs and failures stay as comments).
pub fn shell(entries: &[TranscriptEntry]) -> String {
    let mut out = String::from("#!/bin/sh\n# mosaic transcript: the kubectl equivalent of what mosaic did.\nset -e\n");
    if let Some(first) = entries.first() {
        out.push_str(&format!("# session {}\n", first.session));
    }
    for e in entries {
        let summary = e.summary.replace('\n', " ");
        out.push_str(&format!("\n# {} {summary}\n", e.at));
        if e.ok && !e.dry_run {
            out.push_str(&format!("{}\n", e.command));
        } else {
            let why = if e.dry_run { "dry run" } else { "failed" };
            out.push_str(&format!("# ({why}) {}\n", e.command));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_secrets_are_redacted() {
        let text = "curl -H 'Authorization: Bearer abc.def-123' --token=s3cr3t password: hunter2 \
                    eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZXYifQ.c2lnbmF0dXJlLXBhcnQ https://user:pw@example.invalid/x";
        let out = redact(text);
        for secret in ["abc.def-123", "s3cr3t", "hunter2", "eyJhbGciOiJSUzI1NiJ9", "pw@"] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        assert!(out.contains("Bearer <redacted>") && out.contains("user:<redacted>@"), "{out}");
    }

    #[test]
    fn plain_commands_are_untouched() {
        let line = "kubectl --context prod -n shop scale deployment/web --replicas=3";
        assert_eq!(redact(line), line);
    }

    fn entry(ok: bool, dry_run: bool) -> TranscriptEntry {
        TranscriptEntry {
            session: "s1".into(),
            at: "2026-11-22T05:00:00Z".parse().expect("time"),
            context: "prod".into(),
            command: "kubectl --context prod -n shop rollout restart deployment/web".into(),
            summary: "Restart every pod of deployment web in shop".into(),
            dry_run,
            ok,
            outcome: "Restarted".into(),
            output: None,
            target: None,
        }
    }

    #[test]
    fn the_script_replays_only_what_succeeded() {
        let script = shell(&[entry(true, false), entry(true, true), entry(false, false)]);
        let live: Vec<&str> = script.lines().filter(|l| l.starts_with("kubectl")).collect();
        assert_eq!(live.len(), 1, "{script}");
        assert!(script.contains("# (dry run) kubectl") && script.contains("# (failed) kubectl"), "{script}");
    }

    #[test]
    fn markdown_names_the_session_and_each_step() {
        let md = markdown(&[entry(true, false)]);
        assert!(md.contains("Session `s1`") && md.contains("```sh\nkubectl --context prod"), "{md}");
    }
}
