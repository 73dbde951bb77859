//! A container tool's output, read for people: lines without terminal escapes, and the one line that says why
//! docker, podman or nerdctl failed, for the build pane's summary.
//!
//! The last line of the output is often not the reason: docker ends with `View build details: …`, BuildKit
//! prints the failing step's context after its log, logrus tools wrap the reason in `level=fatal msg="…"`.
use std::sync::LazyLock;

use regex::Regex;

/// CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
static ANSI: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]").ok());

/// BuildKit's plain progress prefix: the step number, then the seconds into it (`#12 0.345 `).
static STEP: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"^#\d+ (?:\d+\.\d+ ?)?").ok());

/// logrus's text format, as nerdctl and buildctl print when stderr is not a terminal:
/// `time="…" level=fatal msg="…"`, or `FATA[0003] …` on a terminal.
static LOGRUS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"level=(\w+) msg="((?:[^"\\]|\\.)*)""#).ok());
static LOGRUS_TTY: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(PANI|FATA|ERRO|WARN|INFO|DEBU|TRAC)\[\d+\] ?(.*)$").ok());

/// Words that make a line read as an error, lowercase.
const ERROR_WORDS: [&str; 12] = [
    "error",
    "err!",
    "failed",
    "failure",
    "denied",
    "unauthorized",
    "forbidden",
    "not found",
    "fatal",
    "no such file",
    "cannot",
    "permission",
];

/// Messages that only repeat that an earlier step failed: nerdctl says `unrecognized image format` after
/// buildctl's own error, and a wrapper may add `exit status 1`. The earlier error says more.
static ECHO: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(?:unrecognized image format|(?:error: )?exit (?:status|code):? \d+)$").ok());

/// `line` as a terminal would leave it: after its last carriage return (progress redrawn in place), without
/// escape sequences or other control characters.
pub fn plain(line: &str) -> String {
    let line = line.rsplit('\r').find(|part| !part.trim().is_empty()).unwrap_or("");
    let line = match ANSI.as_ref() {
        Some(ansi) => ansi.replace_all(line, ""),
        None => line.into(),
    };
    line.chars().filter(|c| !c.is_control() || *c == '\t').collect::<String>().replace('\t', "    ")
}

/// What one output line says, without docker's step prefix or logrus's fields; and whether it is an error.
fn read(line: &str) -> (String, bool) {
    let line = plain(line);
    let text = STEP.as_ref().map_or(line.as_str(), |step| step.find(&line).map_or(&line, |m| &line[m.end()..]));
    let text = text.trim();
    if let Some(caps) = LOGRUS.as_ref().and_then(|re| re.captures(text)) {
        let level = caps.get(1).map_or("", |m| m.as_str());
        let msg = caps.get(2).map_or("", |m| m.as_str()).replace("\\\"", "\"").replace("\\\\", "\\");
        return (msg, matches!(level, "error" | "fatal" | "panic"));
    }
    if let Some(caps) = LOGRUS_TTY.as_ref().and_then(|re| re.captures(text)) {
        let level = caps.get(1).map_or("", |m| m.as_str());
        let msg = caps.get(2).map_or("", |m| m.as_str()).trim().to_string();
        return (msg, matches!(level, "PANI" | "FATA" | "ERRO"));
    }
    let lower = text.to_lowercase();
    let error = ERROR_WORDS.iter().any(|word| lower.contains(word));
    (text.to_string(), error)
}

/// The line that says why the tool failed: the last that reads as an error, else the last that says anything;
/// without escapes and step prefixes. `None` for no output at all.
pub fn failure_line(lines: &[String]) -> Option<String> {
    let read: Vec<(String, bool)> = lines.iter().map(|l| read(l)).filter(|(text, _)| !text.is_empty()).collect();
    let echo = |text: &str| ECHO.as_ref().is_some_and(|re| re.is_match(text));
    let errors = || read.iter().rev().filter(|(_, error)| *error);
    errors()
        .find(|(text, _)| !echo(text))
        .or_else(|| errors().next())
        .or_else(|| read.last())
        .map(|(text, _)| text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(String::from).collect()
    }

    /// `docker build` (BuildKit, plain progress as when piped) of a Dockerfile whose `RUN npm ci` fails, on
    /// Docker Desktop, which ends with a link to the build's details.
    const DOCKER_RUN_FAILS: &str = r#"#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 187B done
#1 DONE 0.0s

#2 [internal] load metadata for docker.io/library/node:20-alpine
#2 DONE 0.8s

#5 [3/4] RUN npm ci
#5 0.412 npm ERR! code ENOENT
#5 0.413 npm ERR! syscall open
#5 0.413 npm ERR! path /app/package.json
#5 0.415 npm ERR! enoent This is related to npm not being able to find a file.
#5 0.418
#5 0.418 npm ERR! A complete log of this run can be found in: /root/.npm/_logs/2026-11-22T03_35_00_000Z-debug-0.log
#5 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254
------
 > [3/4] RUN npm ci:
0.415 npm ERR! enoent This is related to npm not being able to find a file.
0.418
0.418 npm ERR! A complete log of this run can be found in: /root/.npm/_logs/2026-11-22T03_35_00_000Z-debug-0.log
------
Dockerfile:4
--------------------
   2 |     WORKDIR /app
   3 |     COPY . .
   4 | >>> RUN npm ci
   5 |     CMD ["node", "server.js"]
--------------------
ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254

View build details: docker-desktop://dashboard/build/default/default/x8t0hmd4y1k2k9zq"#;

    #[test]
    fn a_failing_run_step_is_summed_up_by_buildkits_error_not_the_link_after_it() {
        assert_eq!(
            failure_line(&lines(DOCKER_RUN_FAILS)).as_deref(),
            Some(
                r#"ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254"#
            )
        );
        // Cut before the summary block, the step's own error line, without its `#5 ` prefix.
        let upto = DOCKER_RUN_FAILS.find("------").unwrap_or_default();
        assert_eq!(
            failure_line(&lines(&DOCKER_RUN_FAILS[..upto])).as_deref(),
            Some(r#"ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254"#)
        );
    }

    #[test]
    fn podman_names_the_step_that_failed() {
        let output = r#"STEP 1/4: FROM docker.io/library/node:20-alpine
STEP 2/4: WORKDIR /app
--> Using cache 6a1b2c3d4e5f61718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
--> 6a1b2c3d4e5f
STEP 3/4: COPY . .
--> 7b8c9d0e1f2a
STEP 4/4: RUN npm ci
npm ERR! code ENOENT
npm ERR! syscall open
npm ERR! path /app/package.json
npm ERR! A complete log of this run can be found in: /root/.npm/_logs/2026-11-22T03_35_00_000Z-debug-0.log
Error: building at STEP "RUN npm ci": while running runtime: exit status 254"#;
        assert_eq!(
            failure_line(&lines(output)).as_deref(),
            Some(r#"Error: building at STEP "RUN npm ci": while running runtime: exit status 254"#)
        );
    }

    #[test]
    fn nerdctl_says_why_in_logrus_fields() {
        let run_fails = r#"#8 [3/4] RUN npm ci
#8 0.512 npm ERR! code ENOENT
#8 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254
------
 > [3/4] RUN npm ci:
------
error: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254
time="2026-11-22T03:35:03Z" level=fatal msg="unrecognized image format""#;
        assert_eq!(
            failure_line(&lines(run_fails)).as_deref(),
            Some(
                r#"error: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254"#
            ),
            "nerdctl's own last word only repeats that buildctl failed"
        );
        let push_refused = r#"time="2026-11-22T03:35:00Z" level=info msg="pushing as a reduced-platform image (application/vnd.docker.distribution.manifest.v2+json, sha256:9c2e...)"
manifest-sha256:9c2e: waiting        |--------------------------------------|
elapsed: 0.2 s                                                        total:   0.0 B (0.0 B/s)
time="2026-11-22T03:35:01Z" level=fatal msg="failed to do request: Head \"https://registry.example.com/v2/shop/web/blobs/sha256:5f70\": unauthorized: authentication required""#;
        assert_eq!(
            failure_line(&lines(push_refused)).as_deref(),
            Some(
                r#"failed to do request: Head "https://registry.example.com/v2/shop/web/blobs/sha256:5f70": unauthorized: authentication required"#
            )
        );
        let on_a_terminal = "INFO[0000] pushing as a reduced-platform image\nFATA[0001] failed to resolve: not found";
        assert_eq!(failure_line(&lines(on_a_terminal)).as_deref(), Some("failed to resolve: not found"));
    }

    #[test]
    fn a_refused_push_is_summed_up_by_the_registrys_words() {
        let docker = "The push refers to repository [registry.example.com/shop/web]\n\
                      5f70bf18a086: Preparing\n\
                      a3b5c80a4eba: Preparing\n\
                      5f70bf18a086: Layer already exists\n\
                      denied: requested access to the resource is denied\n";
        assert_eq!(failure_line(&lines(docker)).as_deref(), Some("denied: requested access to the resource is denied"));
        let podman = "Getting image source signatures\n\
                      Copying blob sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef\n\
                      Error: writing blob: initiating layer upload to /v2/shop/web/blobs/uploads/ in registry.example.com: \
                      unauthorized: access to the requested resource is not authorized\n";
        assert!(failure_line(&lines(podman)).is_some_and(|l| l.starts_with("Error: writing blob")));
    }

    #[test]
    fn a_missing_dockerfile_is_named() {
        let docker = "#0 building with \"default\" instance using docker driver\n\n\
                      #1 [internal] load build definition from Dockerfile\n\
                      #1 transferring dockerfile: 2B done\n\
                      #1 DONE 0.0s\n\
                      ERROR: failed to solve: failed to read dockerfile: open /tmp/mosaic-build-3f2a9c1/Dockerfile: \
                      no such file or directory\n";
        assert!(failure_line(&lines(docker)).is_some_and(|l| l.ends_with("Dockerfile: no such file or directory")));
        let podman = "Error: no Containerfile or Dockerfile specified or found in context directory, \
                      /tmp/mosaic-build-3f2a9c1: no such file or directory";
        assert_eq!(failure_line(&lines(podman)).as_deref(), Some(podman));
    }

    #[test]
    fn colours_and_redrawn_progress_are_left_out() {
        let coloured = vec![
            "\x1b[1m\x1b[34mStep 1/2\x1b[0m".to_string(),
            "Pushing 10%\rPushing 55%\r\x1b[31merror\x1b[0m: \x1b]8;;https://x\x07disk full\x1b]8;;\x07".to_string(),
            "  ".to_string(),
        ];
        assert_eq!(failure_line(&coloured).as_deref(), Some("error: disk full"));
        // With no line reading as an error, the last that says anything.
        let quiet = lines("Step 1/2 : FROM scratch\n ---> Running in 3f2a\nKilled\n\n");
        assert_eq!(failure_line(&quiet).as_deref(), Some("Killed"));
        assert_eq!(failure_line(&[]), None);
        assert_eq!(plain("a\tb\x07"), "a    b");
    }
}
