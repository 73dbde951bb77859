//! Tier 3: build → push → roll out against the simulated cluster, with a fake `docker` on a private PATH that
//! records its argv and working folder. Every stage's command is checked, then the Deployment as patched
//! (image and commit annotations), the rollout, and the stops: no tool, read-only, a failed build, cancel.
//! Also both faces of the commit actions (AnnotateCommit, ForcePull).
use crate::support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::{Repository, Signature};
use mosaic::action::{self, Action, CommitAnnotation, ExecOptions, PlanCtx, WorkloadKind};
use mosaic::cluster::Session;
use mosaic::git::pipeline::{self, BuildSpec, Event, Pipeline, StageKind};
use mosaic::git::{self, CommitInfo};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use serde_json::{Value, json};
use support::session::connect_as;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const DIGEST: &str = "sha256:9d0c2b6f1e3a4b5c6d7e8f90112233445566778899aabbccddeeff0011223344";

struct Setup {
    sim: SimHandle,
    session: Session,
    dir: tempfile::TempDir,
    repo: PathBuf,
    commit: CommitInfo,
}

impl Setup {
    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }
    fn argv_log(&self) -> PathBuf {
        self.dir.path().join("docker-argv.log")
    }
    fn recorded(&self) -> Vec<Vec<String>> {
        let text = fs::read_to_string(self.argv_log()).unwrap_or_default();
        text.split("\n--\n").filter(|s| !s.trim().is_empty()).map(|s| s.lines().map(str::to_string).collect()).collect()
    }

    /// A fake `docker`: records `cwd`, then each argument on its own line; `build` checks the Dockerfile
    /// it was given exists and prints like docker; `push` prints a digest. `extra` runs first.
    fn fake_docker(&self, extra: &str) {
        fs::create_dir_all(self.bin()).unwrap();
        let script = format!(
            "#!/bin/sh\n{extra}\n{{ echo \"cwd=$(pwd)\"; for a in \"$@\"; do echo \"$a\"; done; echo --; }} >> '{log}'\n\
             case \"$1\" in\n\
             build) test -f \"$5\" || {{ echo \"no Dockerfile at $5\" >&2; exit 1; }}\n\
                    echo 'Step 1/2 : FROM scratch'; echo \"dockerfile: $(cat \"$5\")\"; echo 'Successfully tagged' \"$3\" ;;\n\
             push) echo \"The push refers to repository\"; echo \"${{2##*:}}: digest: {DIGEST} size: 528\" ;;\n\
             esac\n",
            log = self.argv_log().display()
        );
        let path = self.bin().join("docker");
        fs::write(&path, script).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn pipeline(&self, with_tool: bool) -> Pipeline {
        let mut binding = mosaic::store::AppBinding::new("sim-admin", "acme", "Deployment", "frontend");
        binding.repo_path = Some(self.repo.clone());
        binding.image_repo = Some("registry.local:5000/acme/frontend".into());
        binding.dockerfile = Some("docker/Dockerfile".into());
        let mut spec = BuildSpec::from_binding(
            &binding,
            WorkloadKind::Deployment,
            "frontend",
            self.commit.clone(),
            Some("main".into()),
        )
        .unwrap();
        spec.worktree_dir = self.dir.path().join("checkout");
        let tool = if with_tool { pipeline::detect_tool(Some(self.bin().as_os_str())) } else { None };
        let ctx = PlanCtx { context: "sim-admin".into(), namespace: "acme".into() };
        Pipeline { spec, tool, ctx, rollout_timeout: Duration::from_secs(30) }
    }

    fn deployment(&self) -> Value {
        self.sim.get("apps/v1", "Deployment", Some("acme"), "frontend").expect("frontend exists")
    }
}

async fn setup() -> Setup {
    let sim = SimServer::start(Scenario::acme(), SimOptions::default()).await.expect("sim starts");
    let dir = tempfile::tempdir().unwrap();
    let session = connect_as(&sim, "admin", "acme", dir.path()).await;

    let repo_path = dir.path().join("src/frontend");
    fs::create_dir_all(repo_path.join("docker")).unwrap();
    let repo = Repository::init(&repo_path).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    fs::write(repo_path.join("docker/Dockerfile"), "FROM scratch\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("docker/Dockerfile")).unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("Ann Dev", "ann@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "Serve the new front page", &tree, &[]).unwrap();
    // Uncommitted work must not reach the build.
    fs::write(repo_path.join("docker/Dockerfile"), "FROM broken\n").unwrap();
    let commit = git::status(&repo_path, 1).ready().unwrap().head.clone().unwrap();
    sim.reset_counts();
    Setup { sim, session, dir, repo: repo_path, commit }
}

async fn run(
    setup: &Setup,
    p: &Pipeline,
    readonly: bool,
    cancel: &CancellationToken,
) -> (Result<pipeline::Delivered, pipeline::Stopped>, Vec<Event>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result = p.run(&setup.session, readonly, &tx, cancel).await;
    drop(tx);
    let mut events = Vec::new();
    while let Some(e) = rx.recv().await {
        events.push(e);
    }
    (result, events)
}

/// Changes sent to the cluster (permission questions are POSTs too, but change nothing).
fn mutating_requests(sim: &SimHandle) -> usize {
    sim.requests().iter().filter(|r| r.method != "GET" && !r.path.contains("selfsubjectaccessreviews")).count()
}

#[tokio::test]
async fn the_pipeline_builds_pushes_sets_the_image_annotates_and_watches_the_rollout() {
    let s = setup().await;
    s.fake_docker("");
    let p = s.pipeline(true);
    let short = s.commit.short().to_string();
    let image = format!("registry.local:5000/acme/frontend:{short}");
    let checkout = s.dir.path().join("checkout");
    let (repo, co) = (s.repo.display().to_string(), checkout.display().to_string());

    // The game plan: the full sequence, exactly.
    let commands: Vec<String> = p.stages().iter().map(|st| st.command.clone()).collect();
    assert_eq!(
        commands,
        [
            format!("git -C {repo} worktree add --detach {co} {}", s.commit.sha),
            format!("docker build -t {image} -f {co}/docker/Dockerfile {co}"),
            format!("docker push {image}"),
            format!("kubectl --context sim-admin -n acme set image deployment/frontend frontend={image}"),
            format!(
                "kubectl --context sim-admin -n acme annotate deployment/frontend --overwrite mosaic.dev/commit-sha={} \
                 mosaic.dev/commit-branch=main 'mosaic.dev/commit-message=Serve the new front page' mosaic.dev/commit-time={}",
                s.commit.sha,
                s.commit.time.strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
            "kubectl --context sim-admin -n acme rollout status deployment/frontend".to_string(),
        ]
    );
    assert!(p.stages().iter().all(|st| st.blocked.is_none()));

    let (result, events) = run(&s, &p, false, &CancellationToken::new()).await;
    let delivered = result.expect("the pipeline succeeds");
    assert_eq!(delivered.image, image);
    assert_eq!(delivered.digest.as_deref(), Some(DIGEST));
    assert_eq!(delivered.rollout, "deployment \"frontend\" successfully rolled out");

    // The tool ran twice, in the clean checkout, with the planned arguments.
    let recorded = s.recorded();
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    let stages = p.stages();
    for (run, kind) in recorded.iter().zip([StageKind::Build, StageKind::Push]) {
        assert_eq!(run[0], format!("cwd={co}"));
        let planned = &stages.iter().find(|st| st.kind == kind).unwrap().argv[1..];
        assert_eq!(&run[1..], planned);
    }

    // Stages in order, each started and finished, with the tool's output streamed.
    let finished: Vec<StageKind> = events
        .iter()
        .filter_map(|e| match e {
            Event::Finished(kind, Ok(_)) => Some(*kind),
            _ => None,
        })
        .collect();
    assert_eq!(
        finished,
        [
            StageKind::Checkout,
            StageKind::Build,
            StageKind::Push,
            StageKind::SetImage,
            StageKind::Annotate,
            StageKind::RolloutStatus
        ]
    );
    assert!(events.contains(&Event::Line(StageKind::Build, "Step 1/2 : FROM scratch".into())));
    // The committed Dockerfile was built, not the uncommitted edit.
    assert!(events.contains(&Event::Line(StageKind::Build, "dockerfile: FROM scratch".into())), "{events:#?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Line(StageKind::RolloutStatus, l) if l.contains("successfully rolled out")))
    );

    // The Deployment as patched, and its pods rolled.
    let d = s.deployment();
    assert_eq!(d.pointer("/spec/template/spec/containers/0/image"), Some(&json!(image)));
    let annotations = d.pointer("/metadata/annotations").unwrap();
    assert_eq!(annotations["mosaic.dev/commit-sha"], json!(s.commit.sha));
    assert_eq!(annotations["mosaic.dev/commit-branch"], json!("main"));
    assert_eq!(annotations["mosaic.dev/commit-message"], json!("Serve the new front page"));
    assert_eq!(annotations["mosaic.dev/commit-time"], json!(s.commit.time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()));
    assert_eq!(d.pointer("/status/updatedReplicas"), d.pointer("/spec/replicas"));

    // The checkout is gone and the repo has no worktree left.
    assert!(!checkout.exists());
    assert!(Repository::open(&s.repo).unwrap().worktrees().unwrap().is_empty());

    // And now the commit reads as deployed, from the image tag.
    let running = mosaic::git::deployed::Running {
        containers: vec![mosaic::git::deployed::TemplateContainer {
            name: "frontend".into(),
            image: image.clone(),
            pull_policy: None,
        }],
        annotations: serde_json::from_value(annotations.clone()).unwrap(),
        image_ids: vec![],
    };
    let answer =
        mosaic::git::deployed::compare(&running, Some(&s.commit), None, Some("registry.local:5000/acme/frontend"), &[]);
    assert_eq!(answer.headline(), "commit deployed: yes");
}

#[tokio::test]
async fn without_a_container_tool_the_plan_shows_and_nothing_runs() {
    let s = setup().await;
    let p = s.pipeline(false);
    let build = &p.stages()[1];
    assert!(build.command.starts_with("docker build -t registry.local:5000/acme/frontend:"), "{}", build.command);
    assert!(build.blocked.as_deref().unwrap().contains("no container tool on PATH: install docker, podman, nerdctl"));
    let (result, events) = run(&s, &p, false, &CancellationToken::new()).await;
    let stopped = result.unwrap_err();
    assert_eq!(stopped.stage, StageKind::Build);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(mutating_requests(&s.sim), 0);
    assert!(!s.dir.path().join("checkout").exists());
}

#[tokio::test]
async fn read_only_mode_stops_before_building() {
    let s = setup().await;
    s.fake_docker("");
    let (result, _) = run(&s, &s.pipeline(true), true, &CancellationToken::new()).await;
    let stopped = result.unwrap_err();
    assert_eq!(stopped.stage, StageKind::SetImage);
    assert!(stopped.message.contains("read-only mode"), "{}", stopped.message);
    assert!(s.recorded().is_empty(), "nothing was built");
    assert_eq!(mutating_requests(&s.sim), 0);
}

#[tokio::test]
async fn a_failed_build_stops_with_its_last_lines_and_changes_nothing() {
    let s = setup().await;
    s.fake_docker(
        "[ \"$1\" = build ] && { echo 'Step 1/2 : FROM scratch'; echo 'failed to solve: no space left' >&2; exit 3; }",
    );
    let (result, _) = run(&s, &s.pipeline(true), false, &CancellationToken::new()).await;
    let stopped = result.unwrap_err();
    assert_eq!(stopped.stage, StageKind::Build);
    assert!(
        stopped.message.contains("exited with code 3") && stopped.message.contains("no space left"),
        "{}",
        stopped.message
    );
    assert_eq!(mutating_requests(&s.sim), 0);
    assert!(!s.dir.path().join("checkout").exists(), "the checkout is removed on failure too");
    assert_eq!(
        s.deployment().pointer("/spec/template/spec/containers/0/image"),
        Some(&json!("ghcr.io/acme/frontend:2.3.1"))
    );
}

/// The stop names the line that says why, not what docker printed after it (a link, a blank line), and
/// without BuildKit's `#5 0.41` prefixes or colour codes, in the pane's lines too. BuildKit writes to stderr.
#[tokio::test]
async fn a_failed_build_is_summed_up_by_its_last_error_line() {
    let s = setup().await;
    s.fake_docker(
        r#"[ "$1" = build ] && {
  exec >&2
  echo '#5 [3/4] RUN npm ci'
  echo '#5 0.412 npm ERR! code ENOENT'
  echo '#5 ERROR: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254'
  echo '   4 | >>> RUN npm ci'
  printf '\033[31mERROR\033[0m: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254\n'
  echo ''
  echo 'View build details: docker-desktop://dashboard/build/default/default/x8t0hmd4y1k2k9zq'
  exit 1
}"#,
    );
    let (result, events) = run(&s, &s.pipeline(true), false, &CancellationToken::new()).await;
    let stopped = result.unwrap_err();
    assert_eq!(stopped.stage, StageKind::Build);
    assert_eq!(
        stopped.message,
        r#"docker exited with code 1: ERROR: failed to solve: process "/bin/sh -c npm ci" did not complete successfully: exit code: 254"#
    );
    let shown: Vec<&String> =
        events.iter().filter_map(|e| if let Event::Line(StageKind::Build, l) = e { Some(l) } else { None }).collect();
    assert!(shown.iter().all(|l| !l.contains('\x1b')), "no escape reaches the pane: {shown:?}");
}

#[tokio::test]
async fn cancel_stops_a_running_build() {
    let s = setup().await;
    s.fake_docker("[ \"$1\" = build ] && { echo 'Step 1/2 : FROM scratch'; exec sleep 30; }");
    let p = s.pipeline(true);
    let cancel = CancellationToken::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let (result, ()) = tokio::join!(p.run(&s.session, false, &tx, &cancel), async {
        // Cancel once the build has printed its first line.
        while let Some(e) = rx.recv().await {
            if matches!(e, Event::Line(StageKind::Build, _)) {
                cancel.cancel();
                break;
            }
        }
    });
    let stopped = result.unwrap_err();
    assert_eq!(stopped.stage, StageKind::Build);
    assert!(stopped.message.contains("cancelled"), "{}", stopped.message);
    assert!(started.elapsed() < Duration::from_secs(10), "the sleeping build was killed");
    assert_eq!(mutating_requests(&s.sim), 0);
}

#[tokio::test]
async fn annotate_commit_and_force_pull_show_and_send_the_same_patch() {
    let s = setup().await;
    let ctx = PlanCtx { context: "sim-admin".into(), namespace: "acme".into() };
    let annotate = Action::AnnotateCommit {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        commit: CommitAnnotation {
            sha: "3f2a9c1d0e0f00112233445566778899aabbccdd".into(),
            branch: None,
            message: "Fix the cart".into(),
            time: "2026-11-22T06:00:00Z".into(),
        },
    };
    let plan = annotate.plan(&ctx);
    assert_eq!(
        plan.command,
        "kubectl --context sim-admin -n acme annotate deployment/frontend --overwrite \
         mosaic.dev/commit-sha=3f2a9c1d0e0f00112233445566778899aabbccdd mosaic.dev/commit-branch- \
         'mosaic.dev/commit-message=Fix the cart' mosaic.dev/commit-time=2026-11-22T06:00:00Z"
    );
    assert_eq!(plan.summary, "Annotate deployment frontend in acme with commit 3f2a9c1: Fix the cart");
    action::run(&annotate, &s.session, false, &ExecOptions::default()).await.expect("annotates");
    let patch = s.sim.requests().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(patch.content_type.as_deref(), Some("application/merge-patch+json"));
    assert_eq!(
        patch.body,
        Some(json!({"metadata": {"annotations": {
            "mosaic.dev/commit-sha": "3f2a9c1d0e0f00112233445566778899aabbccdd",
            "mosaic.dev/commit-branch": null,
            "mosaic.dev/commit-message": "Fix the cart",
            "mosaic.dev/commit-time": "2026-11-22T06:00:00Z"
        }}}))
    );
    let annotations = s.deployment().pointer("/metadata/annotations").cloned().unwrap();
    assert_eq!(annotations["mosaic.dev/commit-sha"], json!("3f2a9c1d0e0f00112233445566778899aabbccdd"));

    s.sim.reset_counts();
    let force = Action::ForcePull {
        kind: WorkloadKind::Deployment,
        namespace: "acme".into(),
        name: "frontend".into(),
        containers: vec!["frontend".into()],
        restarted_at: "2026-11-22T07:00:00Z".into(),
    };
    let plan = force.plan(&ctx);
    let body = json!({"spec": {"template": {
        "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-22T07:00:00Z"}},
        "spec": {"containers": [{"imagePullPolicy": "Always", "name": "frontend"}]}
    }}});
    assert_eq!(plan.command, format!("kubectl --context sim-admin -n acme patch deployment/frontend -p '{body}'"));
    assert!(plan.summary.contains("imagePullPolicy Always on container frontend"), "{}", plan.summary);
    // The shown line parses back to the argv that is planned.
    assert_eq!(shlex::split(&plan.command).unwrap(), plan.argv);
    action::run(&force, &s.session, false, &ExecOptions::default()).await.expect("force pulls");
    let patch = s.sim.requests().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(patch.content_type.as_deref(), Some("application/strategic-merge-patch+json"));
    assert_eq!(patch.body, Some(body));
    let d = s.deployment();
    assert_eq!(d.pointer("/spec/template/spec/containers/0/imagePullPolicy"), Some(&json!("Always")));

    // Then the rollout is watched to its end.
    let done = action::rollout::watch(
        &s.session.client,
        action::rollout::Watched { kind: WorkloadKind::Deployment, namespace: "acme", name: "frontend", image: None },
        Duration::from_secs(30),
        &CancellationToken::new(),
        |_| {},
    )
    .await
    .expect("rolls out");
    assert_eq!(done, "deployment \"frontend\" successfully rolled out");

    let missing = Action::force_pull(WorkloadKind::Deployment, "acme", "frontend", vec!["nope".into()]);
    let err = action::run(&missing, &s.session, false, &ExecOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("no container named \"nope\""), "{err}");
}

#[tokio::test]
async fn a_rollout_whose_new_pods_crash_fails_and_names_the_pod_to_explain() {
    let s = setup().await;
    // A new image whose pods crash (the simulated kubelet reads the template's annotation).
    let patch = json!({"spec": {"template": {
        "metadata": {"annotations": {"sim.mosaic.dev/simulate": "crashloop"}},
        "spec": {"containers": [{"name": "frontend", "image": "ghcr.io/acme/frontend:2.4.0-broken"}]}
    }}});
    let api: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(s.session.client.clone(), "acme");
    api.patch("frontend", &kube::api::PatchParams::default(), &kube::api::Patch::Strategic(&patch)).await.unwrap();

    let mut lines = Vec::new();
    let err = action::rollout::watch(
        &s.session.client,
        action::rollout::Watched {
            kind: WorkloadKind::Deployment,
            namespace: "acme",
            name: "frontend",
            image: Some("ghcr.io/acme/frontend:2.4.0-broken"),
        },
        Duration::from_secs(30),
        &CancellationToken::new(),
        |line| lines.push(line),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("the rollout of deployment frontend in acme is stuck: pod frontend-"), "{err}");
    assert!(err.contains("CrashLoopBackOff") && err.contains("mosaic explain pod/frontend-"), "{err}");
    assert!(lines.iter().all(|l| l.starts_with("Waiting for deployment")), "{lines:?}");
}
