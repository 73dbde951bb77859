//! Build → push → roll out from an app card (`B`): choose HEAD or a branch of the bound repo, read the full
//! game plan (`Pipeline::stages`), confirm with `y`, then follow each stage's output with its progress; Esc
//! cancels through the pipeline's token (the pipeline removes its checkout). A failed rollout names the pod to
//! look at: `t` opens its timeline.
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use super::card_actions::{selected_card, workload_kind};
use super::{AppCard, WsEffect};
use crate::action::{PlanCtx, WorkloadKind};
use crate::app::keymap::Command;
use crate::app::msg::Effect;
use crate::app::state::State;
use crate::explain_cmd::Target;
use crate::git::pipeline::{BuildSpec, ContainerTool, Delivered, Event, Stage, StageKind, Stopped};
use crate::store::AppBinding;

/// Lines kept per stage: a long build keeps its end.
const MAX_LINES: usize = 2000;

/// The cancel token of a running build. Effects compare by their other fields: two tokens are always equal.
#[derive(Debug, Clone, Default)]
pub struct BuildToken(pub CancellationToken);

impl PartialEq for BuildToken {
    fn eq(&self, _: &BuildToken) -> bool {
        true
    }
}

/// One line of the commit chooser.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// `HEAD (main)` or the branch's name.
    pub label: String,
    /// What git resolves: `HEAD` or the branch.
    pub rev: String,
    /// The branch the annotation records.
    pub branch: Option<String>,
    pub short: String,
    pub subject: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Choose,
    /// The runtime resolves the commit and looks for a container tool.
    Preparing,
    /// The game plan, waiting for `y`.
    Plan,
    Running,
    Finished,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StageStatus {
    Pending,
    Running,
    Done(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageView {
    pub stage: Stage,
    pub status: StageStatus,
    pub lines: Vec<String>,
}

/// What the runtime found for the chosen commit: everything [`crate::git::pipeline::Pipeline`] is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub spec: BuildSpec,
    pub tool: Option<ContainerTool>,
    pub ctx: PlanCtx,
}

impl Prepared {
    pub fn pipeline(&self) -> crate::git::pipeline::Pipeline {
        crate::git::pipeline::Pipeline {
            spec: self.spec.clone(),
            tool: self.tool.clone(),
            ctx: self.ctx.clone(),
            rollout_timeout: crate::git::pipeline::ROLLOUT_TIMEOUT,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BuildPane {
    /// Tells this build's messages from an earlier one's.
    pub id: u64,
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
    pub container: String,
    pub binding: AppBinding,
    pub phase: Phase,
    pub choices: Vec<Choice>,
    pub selected: usize,
    pub prepared: Option<Prepared>,
    pub stages: Vec<StageView>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    /// How it ended: what was delivered, or why it stopped.
    pub outcome: Option<Result<String, String>>,
    pub token: BuildToken,
    pub cancelling: bool,
    /// The pod a failed rollout names (`mosaic explain pod/NAME`).
    pub failing_pod: Option<String>,
    /// Lines scrolled up from the end of the output.
    pub scroll: usize,
    /// Only the rollout is watched (after a force pull): no build, no chooser.
    pub watch_only: bool,
    /// Work to hand the runtime after this update (an action's answer cannot push effects).
    pub pending: Option<WsEffect>,
}

impl BuildPane {
    pub fn title(&self) -> String {
        if self.watch_only {
            return format!("Force pull {} {}/{}: watching the rollout", self.kind.noun(), self.namespace, self.name);
        }
        format!("Build → push → roll out {} {}/{}", self.kind.noun(), self.namespace, self.name)
    }

    /// The stage running now (or the last that ran), 1-based, and how many there are.
    pub fn progress(&self) -> (usize, usize) {
        let at = self.stages.iter().rposition(|s| s.status != StageStatus::Pending).map_or(0, |i| i + 1);
        (at, self.stages.len())
    }

    /// The stage whose output the pane shows: the running or failed one, else the last that ran.
    pub fn shown_stage(&self) -> Option<&StageView> {
        self.stages
            .iter()
            .find(|s| matches!(s.status, StageStatus::Running | StageStatus::Failed(_)))
            .or_else(|| self.stages.iter().rev().find(|s| s.status != StageStatus::Pending))
    }

    pub fn blocked(&self) -> Option<&Stage> {
        self.stages.iter().map(|s| &s.stage).find(|s| s.blocked.is_some())
    }

    fn stage_mut(&mut self, kind: StageKind) -> Option<&mut StageView> {
        self.stages.iter_mut().find(|s| s.stage.kind == kind)
    }

    /// Feeds one pipeline event to the pane.
    pub fn on_event(&mut self, event: Event) {
        match event {
            Event::Started(kind) => {
                if let Some(stage) = self.stage_mut(kind) {
                    stage.status = StageStatus::Running;
                }
            }
            Event::Line(kind, line) => {
                if let Some(stage) = self.stage_mut(kind) {
                    stage.lines.push(line);
                    if stage.lines.len() > MAX_LINES {
                        stage.lines.drain(..stage.lines.len() - MAX_LINES);
                    }
                }
            }
            Event::Finished(kind, result) => {
                if let Err(message) = &result {
                    self.failing_pod = failing_pod(message).or(self.failing_pod.take());
                }
                if let Some(stage) = self.stage_mut(kind) {
                    stage.status = match result {
                        Ok(text) => StageStatus::Done(text),
                        Err(text) => StageStatus::Failed(text),
                    };
                }
            }
        }
    }

    /// The pipeline returned.
    pub fn on_done(&mut self, result: Result<Delivered, Stopped>, now: Timestamp) {
        self.phase = Phase::Finished;
        self.ended = Some(now);
        self.outcome = Some(match result {
            Ok(d) if d.image.is_empty() => Ok(d.rollout),
            Ok(d) => Ok(format!("{} rolled out: {}", d.image, d.rollout)),
            Err(stopped) => {
                // A stop before any stage started (blocked, refused) is still shown on its stage.
                if let Some(stage) = self.stage_mut(stopped.stage)
                    && !matches!(stage.status, StageStatus::Failed(_))
                {
                    stage.status = StageStatus::Failed(stopped.message.clone());
                }
                self.failing_pod = failing_pod(&stopped.message).or(self.failing_pod.take());
                Err(stopped.to_string())
            }
        });
    }
}

/// `pod web-7d…` from a rollout failure's `mosaic explain pod/NAME`.
pub fn failing_pod(message: &str) -> Option<String> {
    let at = message.find("explain pod/")? + "explain pod/".len();
    let name: String =
        message[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '.').collect();
    let name = name.trim_end_matches('.').to_string();
    (!name.is_empty()).then_some(name)
}

/// The chooser's lines: HEAD first, then every local branch.
pub fn choices(card: &AppCard) -> Result<Vec<Choice>, String> {
    let binding = card.binding.as_ref().filter(|b| b.repo_path.is_some()).ok_or_else(|| {
        format!("{} has no git repo bound: b binds it (repo path and image repository), then B builds it", card.name)
    })?;
    let repo = card.repo.as_ref().ok_or_else(|| {
        format!("The repo of {} is still being read ({}); try again in a moment", card.name, path(binding))
    })?;
    if let Some(problem) = repo.problem() {
        return Err(problem);
    }
    let status = repo.ready().ok_or("the repo cannot be read")?;
    let head =
        status.head.as_ref().ok_or_else(|| format!("{} has no commit yet: commit, then build", path(binding)))?;
    let mut out = vec![Choice {
        label: match &status.branch {
            Some(b) => format!("HEAD ({b})"),
            None => "HEAD (detached)".into(),
        },
        rev: "HEAD".into(),
        branch: status.branch.clone(),
        short: head.short().to_string(),
        subject: head.subject.clone(),
    }];
    for branch in status.branches.iter().filter(|b| !b.is_head) {
        let subject =
            status.commits.iter().find(|c| c.sha == branch.sha).map(|c| c.subject.clone()).unwrap_or_default();
        out.push(Choice {
            label: branch.name.clone(),
            rev: branch.name.clone(),
            branch: Some(branch.name.clone()),
            short: branch.sha.chars().take(7).collect(),
            subject,
        });
    }
    Ok(out)
}

fn path(binding: &AppBinding) -> String {
    binding.repo_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
}

/// The container whose image the build replaces: the one running the bound image repository, else the first.
fn container(card: &AppCard) -> String {
    let repo = card.binding.as_ref().and_then(|b| b.image_repo.clone());
    let of_repo = |image: &str| crate::git::image::ImageRef::parse(image).repo;
    card.images
        .iter()
        .find(|(_, image)| repo.as_deref().is_some_and(|r| of_repo(image) == r))
        .or(card.images.first())
        .map(|(c, _)| c.clone())
        .unwrap_or_default()
}

/// `B` on a card.
pub fn open(state: &mut State) {
    let Some(card) = selected_card(state).cloned() else { return };
    match choices(&card) {
        Ok(choices) => {
            state.ws.build_seq += 1;
            state.ws.build = Some(BuildPane {
                id: state.ws.build_seq,
                namespace: card.namespace.clone(),
                kind: workload_kind(&card),
                name: card.name.clone(),
                container: container(&card),
                binding: card.binding.clone().unwrap_or_else(|| AppBinding::new("", "", "", "")),
                phase: Phase::Choose,
                choices,
                selected: 0,
                prepared: None,
                stages: Vec::new(),
                started: None,
                ended: None,
                outcome: None,
                token: BuildToken::default(),
                cancelling: false,
                failing_pod: None,
                scroll: 0,
                watch_only: false,
                pending: None,
            });
        }
        Err(e) => state.flash(e, true),
    }
}

pub fn on_command(state: &mut State, command: Option<Command>, effects: &mut Vec<Effect>) {
    let Some(command) = command else { return };
    let context = state.context.context.clone();
    let readonly = state.context.readonly;
    let now = state.now;
    let Some(pane) = &mut state.ws.build else { return };
    match (pane.phase, command) {
        (Phase::Choose, Command::Down) => pane.selected = (pane.selected + 1).min(pane.choices.len().saturating_sub(1)),
        (Phase::Choose, Command::Up) => pane.selected = pane.selected.saturating_sub(1),
        (Phase::Choose, Command::Submit | Command::Confirm) => {
            let Some(choice) = pane.choices.get(pane.selected).cloned() else { return };
            pane.phase = Phase::Preparing;
            effects.push(Effect::Ws(WsEffect::PrepareBuild {
                id: pane.id,
                binding: Box::new(pane.binding.clone()),
                kind: pane.kind,
                container: pane.container.clone(),
                rev: choice.rev,
                branch: choice.branch,
                ctx: PlanCtx { context, namespace: pane.namespace.clone() },
            }));
        }
        (Phase::Plan, Command::Confirm | Command::Submit) => {
            if let Some(stage) = pane.blocked() {
                let why = format!("{} cannot run: {}", stage.kind.title(), stage.blocked.clone().unwrap_or_default());
                state.flash(why, true);
                return;
            }
            let Some(prepared) = pane.prepared.clone() else { return };
            if readonly {
                state.flash("mosaic is in read-only mode: it would build, but could not set the image", true);
                return;
            }
            pane.phase = Phase::Running;
            pane.started = Some(now);
            pane.token = BuildToken::default();
            effects.push(Effect::Ws(WsEffect::RunBuild {
                id: pane.id,
                prepared: Box::new(prepared),
                token: pane.token.clone(),
            }));
        }
        (Phase::Running, Command::Cancel) if !pane.cancelling => {
            pane.cancelling = true;
            effects.push(Effect::Ws(WsEffect::CancelBuild(pane.token.clone())));
            state.flash("Cancelling the build; its checkout is removed", false);
        }
        (Phase::Running, Command::Cancel) => {}
        (Phase::Running | Phase::Finished | Phase::Plan, Command::Up) => pane.scroll += 1,
        (Phase::Running | Phase::Finished | Phase::Plan, Command::Down) => pane.scroll = pane.scroll.saturating_sub(1),
        (_, Command::Explain) => {
            let namespace = pane.namespace.clone();
            let target = match (&pane.failing_pod, pane.kind) {
                (Some(pod), _) => Target::Pod(pod.clone()),
                (None, kind) => Target::workload(kind, &pane.name),
            };
            crate::app::timeline::open(state, namespace, target, effects);
        }
        (Phase::Running, Command::Back) => state.flash("The build is running: Esc cancels it first", true),
        (_, Command::Cancel | Command::Back) => state.ws.build = None,
        _ => {}
    }
}

/// The runtime's answer to `PrepareBuild`.
pub fn on_prepared(state: &mut State, id: u64, result: Result<Prepared, String>) {
    let Some(pane) = state.ws.build.as_mut().filter(|p| p.id == id) else { return };
    match result {
        Ok(prepared) => {
            pane.stages = prepared
                .pipeline()
                .stages()
                .into_iter()
                .map(|stage| StageView { stage, status: StageStatus::Pending, lines: Vec::new() })
                .collect();
            pane.prepared = Some(prepared);
            pane.phase = Phase::Plan;
        }
        Err(e) => {
            pane.phase = Phase::Choose;
            state.flash(e, true);
        }
    }
}

pub fn on_event(state: &mut State, id: u64, event: Event) {
    if let Some(pane) = state.ws.build.as_mut().filter(|p| p.id == id) {
        pane.on_event(event);
    }
}

pub fn on_done(state: &mut State, id: u64, result: Result<Delivered, Stopped>, effects: &mut Vec<Effect>) {
    let summary = match &result {
        Ok(d) => (format!("Rolled out {}: {}", d.image, d.rollout), false),
        Err(stopped) => (format!("The build stopped: {stopped}"), true),
    };
    let now = state.now;
    match state.ws.build.as_mut().filter(|p| p.id == id) {
        Some(pane) => pane.on_done(result, now),
        // The pane was closed: still say how it ended.
        None => state.flash(summary.0, summary.1),
    }
    // The card's "commit deployed" follows what now runs.
    super::read_repos(state, true, effects);
}

/// A force pull ran from a card: watch its rollout to completion in the pane.
pub fn after_action(state: &mut State, action: &crate::action::Action) {
    let crate::action::Action::ForcePull { kind, namespace, name, .. } = action else { return };
    if state.ws.screen.is_none() {
        return;
    }
    let ctx = PlanCtx { context: state.context.context.clone(), namespace: namespace.clone() };
    let argv = crate::action::rollout::status_argv(&ctx, *kind, namespace, name);
    let stage =
        Stage { kind: StageKind::RolloutStatus, command: crate::action::shell_line(&argv), argv, blocked: None };
    state.ws.build_seq += 1;
    let id = state.ws.build_seq;
    let token = BuildToken::default();
    let pending = WsEffect::WatchRollout {
        id,
        kind: *kind,
        namespace: namespace.clone(),
        name: name.clone(),
        token: token.clone(),
    };
    state.ws.build = Some(BuildPane {
        id,
        namespace: namespace.clone(),
        kind: *kind,
        name: name.clone(),
        container: String::new(),
        binding: AppBinding::new("", "", "", ""),
        phase: Phase::Running,
        choices: Vec::new(),
        selected: 0,
        prepared: None,
        stages: vec![StageView { stage, status: StageStatus::Pending, lines: Vec::new() }],
        started: Some(state.now),
        ended: None,
        outcome: None,
        token,
        cancelling: false,
        failing_pod: None,
        scroll: 0,
        watch_only: true,
        pending: Some(pending),
    });
}

/// Called after every update: hand over the pane's pending work.
pub fn take_pending(state: &mut State, effects: &mut Vec<Effect>) {
    if let Some(effect) = state.ws.build.as_mut().and_then(|p| p.pending.take()) {
        effects.push(Effect::Ws(effect));
    }
}
