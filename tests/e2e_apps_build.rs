//! Tier 4 for the app actions and build → push → roll out: the real binary in a pseudo-terminal on the demo
//! shop, with a fake `docker` on its PATH. The user binds an app to a git repository made here, annotates it
//! with HEAD (the card then says the commit is deployed), and builds HEAD from the card: the pane shows each
//! stage finishing, and the Deployment runs the image tagged with HEAD's short SHA.
use crate::support;

use std::path::Path;
use std::time::Duration;

use mosaic::sim::Scenario;
use serde_json::json;
use support::cluster::Cluster;
use support::pty::{Term, framed};

const WAIT: Duration = Duration::from_secs(15);

/// A repository with one commit; returns its HEAD.
fn repo(dir: &Path) -> String {
    support::workspaces::one_commit_repo(dir, "Dockerfile", "FROM scratch\n")
}

fn fake_docker(bin: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let script = "#!/bin/sh\ncase \"$1\" in\n build) echo 'Step 1/1 : FROM scratch'; echo \"Successfully tagged $3\" ;;\n \
                  push) echo \"latest: digest: sha256:9d0c2b6f1e3a4b5c6d7e8f90112233445566778899aabbccddeeff0011223344 size: 528\" ;;\nesac\n";
    let path = bin.join("docker");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn annotate_then_build_push_and_roll_out_from_a_card() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let repo_dir = dir.path().join("web");
    std::fs::create_dir(&repo_dir).expect("mkdir");
    let head = repo(&repo_dir);
    let bin = dir.path().join("bin");
    fake_docker(&bin);
    let path_var = format!("{}:/usr/bin:/bin", bin.display());

    let cluster = Cluster::start(Scenario::demo());
    cluster.upsert(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "ghcr.io/acme/web:1.0"}]}
            }
        }
    }));
    let kubeconfig = cluster.kubeconfig("admin", "shop").display().to_string();
    let mut term = Term::spawn(&["--kubeconfig", kubeconfig.as_str()], &[("PATH", path_var.as_str())], 160, 40);

    term.wait_for("W makes one of namespace shop", WAIT).expect("the first-run offer");
    term.text(":ws");
    term.enter();
    term.wait_for("n creates one", WAIT).expect("the workspace manager");
    term.text("n");
    term.wait_for("New workspace", WAIT).expect("the editor");
    term.text("web\tshop\t\t\t\tweb");
    term.enter();
    term.wait_for("▸ web ", WAIT).expect("the web card");

    // Bind it (the image repository is proposed from the running image).
    term.text("b");
    term.wait_for("Bind Deployment", WAIT).expect("the bind screen");
    term.text(&repo_dir.display().to_string());
    term.enter();
    term.wait_for(&format!("{} · commit deployed:", &head[..7]), WAIT).expect("the repo read");

    // Annotate with HEAD: asked first, then the card says the commit runs, from the annotation.
    term.text("a");
    term.wait_for("Annotate deployment web in shop with commit", WAIT).expect("the confirm");
    term.wait_for("You may do this", WAIT).expect("RBAC answered");
    term.text("y");
    term.wait_for("Annotated deployment web in shop", WAIT).expect("the confirm closes on its answer");
    let screen = term.wait_for("commit deployed: yes", WAIT).expect("deployed by annotation");
    assert!(screen.contents().contains("annotation mosaic.dev/commit-sha"), "{}", framed(&screen));

    // Build → push → roll out HEAD.
    term.text("B");
    term.wait_for("Build which commit of", WAIT).expect("the chooser");
    term.enter();
    let screen = term.wait_for("y runs it", WAIT).expect("the game plan");
    let image = format!("ghcr.io/acme/web:{}", &head[..7]);
    assert!(screen.contents().contains(&format!("$ docker push {image}")), "{}", framed(&screen));
    term.text("y");
    term.wait_for("✓ 6/6 Watch the rollout", WAIT).unwrap_or_else(|e| panic!("{e:?}"));
    // The pipeline's end comes after its last stage (and after the pushed digest is stored).
    let screen = term.wait_for("✓ Done in", WAIT).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(screen.contents().contains("✓ 2/6 Build the image"), "{}", framed(&screen));
    let d = cluster.handle.get("apps/v1", "Deployment", Some("shop"), "web").expect("web");
    assert_eq!(d.pointer("/spec/template/spec/containers/0/image"), Some(&json!(image)));
    term.esc();
    term.wait_for(&format!("image {image}"), WAIT).expect("the card shows the new image");
}
