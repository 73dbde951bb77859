//! Build → push → roll out, for an app bound to a repo and an image repository: check the chosen commit out
//! clean in a temporary worktree, build it with the local container tool (docker, podman or nerdctl, found
//! on PATH) tagged with its short SHA, push it, set the workload's image, annotate the commit, and watch the
//! rollout until the new pods are Ready or one fails.
//!
//! [`Pipeline::stages`] is the game plan: every stage's exact command, shown before anything runs, even when
//! a stage cannot run (no container tool, no image repository bound). [`Pipeline::run`] streams each stage's
//! output as [`Event`]s and stops at the first failure or when cancelled.
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use super::repo::CommitInfo;
use super::worktree;
use crate::action::{self, Action, CommitAnnotation, ExecOptions, PlanCtx, WorkloadKind, rollout};
use crate::cluster::Session;
use crate::store::AppBinding;

/// The container tools mosaic builds with, in the order it prefers them.
pub const TOOLS: [&str; 3] = ["docker", "podman", "nerdctl"];

/// How long the rollout is watched before mosaic stops waiting (the rollout itself goes on).
pub const ROLLOUT_TIMEOUT: Duration = Duration::from_secs(300);

/// A container tool found on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerTool {
    /// `docker`, `podman` or `nerdctl`: what the game plan shows.
    pub name: &'static str,
    /// The executable that runs.
    pub path: PathBuf,
}

/// The first of [`TOOLS`] that is an executable file in one of `path_var`'s folders (a `PATH` value).
pub fn detect_tool(path_var: Option<&OsStr>) -> Option<ContainerTool> {
    let dirs: Vec<PathBuf> = path_var.map(|p| std::env::split_paths(p).collect()).unwrap_or_default();
    TOOLS.iter().find_map(|name| {
        dirs.iter().map(|dir| dir.join(name)).find(|path| is_executable(path)).map(|path| ContainerTool { name, path })
    })
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// What to build and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    pub repo_path: PathBuf,
    /// Where `repo_path` is inside its repository (empty at the top): an app in a monorepo's subfolder
    /// builds from the same subfolder of the checkout.
    pub subdir: PathBuf,
    /// `registry/repo`, without tag; `None` blocks the build until one is bound.
    pub image_repo: Option<String>,
    /// Relative to the repo's top folder (or absolute); default `Dockerfile` in the build context.
    pub dockerfile: Option<PathBuf>,
    /// Relative to the repo's top folder (or absolute); default the top folder.
    pub build_context: Option<PathBuf>,
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
    /// The container whose image is set.
    pub container: String,
    pub commit: CommitInfo,
    /// The branch the commit was chosen from, for the annotation.
    pub branch: Option<String>,
    /// Where the clean checkout goes (must not exist yet).
    pub worktree_dir: PathBuf,
}

impl BuildSpec {
    /// From an app's binding; `None` when the binding has no repo.
    pub fn from_binding(
        binding: &AppBinding,
        kind: WorkloadKind,
        container: &str,
        commit: CommitInfo,
        branch: Option<String>,
    ) -> Option<BuildSpec> {
        let repo_path = binding.repo_path.clone()?;
        Some(BuildSpec {
            subdir: subdir_in_repo(&repo_path),
            repo_path,
            image_repo: binding.image_repo.clone().filter(|r| !r.trim().is_empty()),
            dockerfile: binding.dockerfile.clone(),
            build_context: binding.build_context.clone(),
            kind,
            namespace: binding.namespace.clone(),
            name: binding.name.clone(),
            container: container.to_string(),
            worktree_dir: worktree::default_dir(&commit.sha),
            commit,
            branch,
        })
    }

    /// `registry/repo:3f2a9c1`
    pub fn image(&self) -> Option<String> {
        self.image_repo.as_ref().map(|repo| format!("{repo}:{}", self.commit.short()))
    }

    /// A path of the bound folder, as found in the clean checkout.
    fn in_tree(&self, path: &Path) -> PathBuf {
        let base = joined(&self.worktree_dir, &self.subdir);
        match path.strip_prefix(&self.repo_path) {
            Ok(inside) => joined(&base, inside),
            Err(_) if path.is_absolute() => path.to_path_buf(),
            Err(_) => joined(&base, path),
        }
    }

    fn context_dir(&self) -> PathBuf {
        self.in_tree(self.build_context.as_deref().unwrap_or(Path::new("")))
    }
}

/// `a/b`, or `a` itself when `b` is empty (`join("")` would add a trailing slash to the shown command).
fn joined(a: &Path, b: &Path) -> PathBuf {
    if b.as_os_str().is_empty() { a.to_path_buf() } else { a.join(b) }
}

impl BuildSpec {
    fn dockerfile_path(&self) -> PathBuf {
        match &self.dockerfile {
            Some(file) => self.in_tree(file),
            None => self.context_dir().join("Dockerfile"),
        }
    }
}

/// `services/web` when `path` is that folder of its repository; empty at the top or outside any repository.
fn subdir_in_repo(path: &Path) -> PathBuf {
    let top = git2::Repository::discover(path).ok().and_then(|r| r.workdir().map(Path::to_path_buf));
    let (Some(top), Ok(path)) = (top, path.canonicalize()) else { return PathBuf::new() };
    let top = top.canonicalize().unwrap_or(top);
    path.strip_prefix(&top).map(Path::to_path_buf).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StageKind {
    Checkout,
    Build,
    Push,
    SetImage,
    Annotate,
    RolloutStatus,
}

impl StageKind {
    pub fn title(self) -> &'static str {
        match self {
            StageKind::Checkout => "Check out the commit",
            StageKind::Build => "Build the image",
            StageKind::Push => "Push the image",
            StageKind::SetImage => "Set the image",
            StageKind::Annotate => "Annotate the commit",
            StageKind::RolloutStatus => "Watch the rollout",
        }
    }
}

/// One line of the game plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub kind: StageKind,
    pub argv: Vec<String>,
    /// `argv` shell-quoted.
    pub command: String,
    /// Why this stage cannot run, and what to do.
    pub blocked: Option<String>,
}

/// What a stage run reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Started(StageKind),
    /// One line of the stage's output (stdout and stderr alike).
    Line(StageKind, String),
    /// The stage's one-line result, or why it failed.
    Finished(StageKind, Result<String, String>),
}

/// What a finished pipeline built and rolled out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub image: String,
    /// The pushed image's digest (`sha256:…`) when the tool printed it.
    pub digest: Option<String>,
    /// The rollout's last status line.
    pub rollout: String,
}

/// Why the pipeline stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub stage: StageKind,
    pub message: String,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.stage.title(), self.message)
    }
}

/// A build → push → roll out of one commit of one app.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub spec: BuildSpec,
    pub tool: Option<ContainerTool>,
    pub ctx: PlanCtx,
    pub rollout_timeout: Duration,
}

impl Pipeline {
    /// With the container tool found on this process's PATH.
    pub fn new(spec: BuildSpec, ctx: PlanCtx) -> Pipeline {
        let tool = detect_tool(std::env::var_os("PATH").as_deref());
        Pipeline { spec, tool, ctx, rollout_timeout: ROLLOUT_TIMEOUT }
    }

    fn tool_name(&self) -> &'static str {
        self.tool.as_ref().map_or("docker", |t| t.name)
    }

    /// `REPO:SHORTSHA`, or a placeholder the game plan shows while no image repository is bound.
    fn image_or_placeholder(&self) -> String {
        self.spec.image().unwrap_or_else(|| format!("IMAGE_REPO:{}", self.spec.commit.short()))
    }

    pub fn set_image_action(&self) -> Action {
        Action::SetImage {
            kind: self.spec.kind,
            namespace: self.spec.namespace.clone(),
            name: self.spec.name.clone(),
            container: self.spec.container.clone(),
            image: self.image_or_placeholder(),
        }
    }

    pub fn annotate_action(&self) -> Action {
        Action::AnnotateCommit {
            kind: self.spec.kind,
            namespace: self.spec.namespace.clone(),
            name: self.spec.name.clone(),
            commit: CommitAnnotation::from_commit(&self.spec.commit, self.spec.branch.as_deref()),
        }
    }

    /// The game plan: every stage with its exact command.
    pub fn stages(&self) -> Vec<Stage> {
        let spec = &self.spec;
        let image = self.image_or_placeholder();
        let no_tool = self.tool.is_none().then(|| {
            format!("no container tool on PATH: install {} (mosaic looks for them in that order)", TOOLS.join(", "))
        });
        let no_repo = spec.image_repo.is_none().then(|| {
            format!("{} {} has no image repository bound: bind one (registry/repo) first", spec.kind.noun(), spec.name)
        });
        let path = |p: &Path| p.display().to_string();
        let tool = self.tool_name().to_string();
        let stage = |kind, argv: Vec<String>, blocked: Option<String>| {
            let command = action::shell_line(&argv);
            Stage { kind, argv, command, blocked }
        };
        let set_image = self.set_image_action().plan(&self.ctx).argv;
        let annotate = self.annotate_action().plan(&self.ctx).argv;
        vec![
            stage(
                StageKind::Checkout,
                vec![
                    "git".into(),
                    "-C".into(),
                    path(&spec.repo_path),
                    "worktree".into(),
                    "add".into(),
                    "--detach".into(),
                    path(&spec.worktree_dir),
                    spec.commit.sha.clone(),
                ],
                None,
            ),
            stage(
                StageKind::Build,
                vec![
                    tool.clone(),
                    "build".into(),
                    "-t".into(),
                    image.clone(),
                    "-f".into(),
                    path(&spec.dockerfile_path()),
                    path(&spec.context_dir()),
                ],
                no_tool.clone().or(no_repo.clone()),
            ),
            stage(StageKind::Push, vec![tool, "push".into(), image], no_tool.or(no_repo.clone())),
            stage(StageKind::SetImage, set_image, no_repo),
            stage(StageKind::Annotate, annotate, None),
            stage(
                StageKind::RolloutStatus,
                rollout::status_argv(&self.ctx, spec.kind, &spec.namespace, &spec.name),
                None,
            ),
        ]
    }

    /// Runs the stages in order, streaming their output to `events`; stops at the first failure, a refusal
    /// by read-only mode or RBAC (checked before anything is built), or `cancel`.
    pub async fn run(
        &self,
        session: &Session,
        readonly: bool,
        events: &UnboundedSender<Event>,
        cancel: &CancellationToken,
    ) -> Result<Delivered, Stopped> {
        let stages = self.stages();
        let stop = |stage: StageKind, message: String| {
            let _ = events.send(Event::Finished(stage, Err(message.clone())));
            Err(Stopped { stage, message })
        };
        if let Some(stage) = stages.iter().find(|s| s.blocked.is_some()) {
            return stop(stage.kind, stage.blocked.clone().unwrap_or_default());
        }
        // Refused changes are found before minutes of building, not after.
        for (kind, action) in
            [(StageKind::SetImage, self.set_image_action()), (StageKind::Annotate, self.annotate_action())]
        {
            if let Err(e) = action::check(&action, session, readonly).await {
                return stop(kind, e.to_string());
            }
        }
        let image = self.image_or_placeholder();
        let tool = self.tool.clone().map(|t| t.path).unwrap_or_default();

        // Checkout.
        let _ = events.send(Event::Started(StageKind::Checkout));
        let (repo, sha, dir) =
            (self.spec.repo_path.clone(), self.spec.commit.sha.clone(), self.spec.worktree_dir.clone());
        let tree = match tokio::task::spawn_blocking(move || worktree::add(&repo, &sha, &dir)).await {
            Ok(Ok(tree)) => tree,
            Ok(Err(message)) => return stop(StageKind::Checkout, message),
            Err(e) => return stop(StageKind::Checkout, format!("the checkout stopped unexpectedly: {e}")),
        };
        let _ = events.send(Event::Finished(
            StageKind::Checkout,
            Ok(format!("{} checked out clean in {}", self.spec.commit.short(), tree.path.display())),
        ));

        // Build and push, in the checkout; the checkout goes as soon as the image is pushed.
        self.tool_stage(&stages, StageKind::Build, &tool, &tree.path, events, cancel).await?;
        let _ = events.send(Event::Finished(StageKind::Build, Ok(format!("built {image}"))));
        let lines = self.tool_stage(&stages, StageKind::Push, &tool, &tree.path, events, cancel).await?;
        drop(tree);
        let digest = pushed_digest(&lines);
        let pushed = match &digest {
            Some(digest) => format!("pushed {image} ({digest})"),
            None => format!("pushed {image}"),
        };
        let _ = events.send(Event::Finished(StageKind::Push, Ok(pushed)));
        self.roll_out(session, readonly, events, cancel, image, digest).await
    }

    /// Runs the container tool with the stage's planned arguments in the checkout.
    async fn tool_stage(
        &self,
        stages: &[Stage],
        kind: StageKind,
        tool: &Path,
        dir: &Path,
        events: &UnboundedSender<Event>,
        cancel: &CancellationToken,
    ) -> Result<Vec<String>, Stopped> {
        let fail = |message: String| {
            let _ = events.send(Event::Finished(kind, Err(message.clone())));
            Stopped { stage: kind, message }
        };
        if cancel.is_cancelled() {
            return Err(fail("cancelled before it started".into()));
        }
        let args = stages.iter().find(|s| s.kind == kind).map(|s| s.argv[1..].to_vec()).unwrap_or_default();
        let _ = events.send(Event::Started(kind));
        run_process(tool, &args, dir, kind, events, cancel).await.map_err(fail)
    }

    async fn roll_out(
        &self,
        session: &Session,
        readonly: bool,
        events: &UnboundedSender<Event>,
        cancel: &CancellationToken,
        image: String,
        digest: Option<String>,
    ) -> Result<Delivered, Stopped> {
        let stop = |stage: StageKind, message: String| {
            let _ = events.send(Event::Finished(stage, Err(message.clone())));
            Err(Stopped { stage, message })
        };
        for (kind, action) in
            [(StageKind::SetImage, self.set_image_action()), (StageKind::Annotate, self.annotate_action())]
        {
            let _ = events.send(Event::Started(kind));
            match action::run(&action, session, readonly, &ExecOptions::default()).await {
                Ok(outcome) => {
                    let summary = match outcome {
                        action::Outcome::Changed { summary, .. } => summary,
                        _ => action.plan(&self.ctx).summary,
                    };
                    let _ = events.send(Event::Finished(kind, Ok(summary)));
                }
                Err(e) => return stop(kind, e.to_string()),
            }
        }
        let kind = StageKind::RolloutStatus;
        let _ = events.send(Event::Started(kind));
        let spec = &self.spec;
        let watched = rollout::watch(
            &session.client,
            rollout::Watched { kind: spec.kind, namespace: &spec.namespace, name: &spec.name, image: Some(&image) },
            self.rollout_timeout,
            cancel,
            |line| {
                let _ = events.send(Event::Line(kind, line));
            },
        )
        .await;
        match watched {
            Ok(last) => {
                let _ = events.send(Event::Finished(kind, Ok(last.clone())));
                Ok(Delivered { image, digest, rollout: last })
            }
            Err(e) => stop(kind, e.to_string()),
        }
    }
}

/// Runs `program args…` in `dir`, sending every output line as it comes; kills it on cancel. Returns the
/// lines, or what went wrong with the last lines of output.
async fn run_process(
    program: &Path,
    args: &[String],
    dir: &Path,
    stage: StageKind,
    events: &UnboundedSender<Event>,
    cancel: &CancellationToken,
) -> Result<Vec<String>, String> {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", program.display()))?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(out).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(err).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = tx.send(line);
            }
        });
    }
    drop(tx);
    let mut seen = Vec::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => {
                let _ = child.kill().await;
                return Err("cancelled: the process was stopped".into());
            }
            line = rx.recv() => match line {
                Some(line) => {
                    // Colour codes and redrawn progress would garble the pane.
                    let line = super::tool_output::plain(&line);
                    let _ = events.send(Event::Line(stage, line.clone()));
                    seen.push(line);
                }
                None => break,
            }
        }
    }
    let status = tokio::select! {
        _ = cancel.cancelled() => {
            let _ = child.kill().await;
            return Err("cancelled: the process was stopped".into());
        }
        status = child.wait() => status.map_err(|e| format!("lost the process: {e}"))?,
    };
    if status.success() {
        return Ok(seen);
    }
    let how = status.code().map_or("was killed".to_string(), |c| format!("exited with code {c}"));
    // `docker`, not its path: the summary is one line of the pane, and the game plan shows the path.
    let name = program.file_name().map_or_else(|| program.display().to_string(), |n| n.to_string_lossy().into());
    Err(match super::tool_output::failure_line(&seen) {
        Some(why) => format!("{name} {how}: {why}"),
        None => format!("{name} {how}"),
    })
}

/// The digest docker, podman and nerdctl print after a push (`latest: digest: sha256:… size: 528`,
/// `Writing manifest…`/`sha256:…`).
fn pushed_digest(lines: &[String]) -> Option<String> {
    lines.iter().rev().find_map(|line| {
        let at = line.find("sha256:")?;
        let hex: String = line[at + 7..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        (hex.len() == 64).then(|| format!("sha256:{hex}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_in_a_monorepo_folder_builds_from_that_folder_of_the_checkout() {
        let dir = tempfile::tempdir().unwrap();
        git2::Repository::init(dir.path()).unwrap();
        let web = dir.path().join("services/web");
        std::fs::create_dir_all(&web).unwrap();
        let mut binding = AppBinding::new("c", "shop", "Deployment", "web");
        binding.repo_path = Some(web.clone());
        binding.image_repo = Some("r/web".into());
        let commit = CommitInfo {
            sha: "3f2a9c1".repeat(6)[..40].to_string(),
            subject: "s".into(),
            author: "a".into(),
            time: jiff::Timestamp::UNIX_EPOCH,
        };
        let mut spec = BuildSpec::from_binding(&binding, WorkloadKind::Deployment, "web", commit, None).unwrap();
        assert_eq!(spec.subdir, Path::new("services/web"));
        spec.worktree_dir = PathBuf::from("/tmp/co");
        assert_eq!(spec.context_dir().to_str(), Some("/tmp/co/services/web"));
        assert_eq!(spec.dockerfile_path(), Path::new("/tmp/co/services/web/Dockerfile"));
        spec.dockerfile = Some(web.join("build/Dockerfile"));
        spec.build_context = Some("..".into());
        assert_eq!(spec.dockerfile_path(), Path::new("/tmp/co/services/web/build/Dockerfile"));
        assert_eq!(spec.context_dir(), Path::new("/tmp/co/services/web/.."));
    }

    #[test]
    fn push_digests_are_read_from_the_tools_output() {
        let hex = "a".repeat(64);
        let lines = vec![
            "The push refers to repository [r/web]".to_string(),
            format!("3f2a9c1: digest: sha256:{hex} size: 528"),
        ];
        assert_eq!(pushed_digest(&lines), Some(format!("sha256:{hex}")));
        assert_eq!(pushed_digest(&["sha256:abc".to_string()]), None);
    }

    #[test]
    fn tools_are_found_in_order_and_only_when_executable() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect_tool(Some(dir.path().as_os_str())), None);
        let write = |name: &str, mode: u32| {
            let path = dir.path().join(name);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            path
        };
        write("docker", 0o644);
        let nerdctl = write("nerdctl", 0o755);
        assert_eq!(detect_tool(Some(dir.path().as_os_str())), Some(ContainerTool { name: "nerdctl", path: nerdctl }));
        let podman = write("podman", 0o755);
        assert_eq!(detect_tool(Some(dir.path().as_os_str())).map(|t| t.path), Some(podman));
        assert_eq!(detect_tool(None), None);
    }
}
