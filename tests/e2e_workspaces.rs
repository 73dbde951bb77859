//! Tier 4 for workspaces: the real binary in a pseudo-terminal, on the demo shop. The user makes a workspace
//! with `:ws`, binds two apps to a git repository made here with git2, and reads on their cards whether the
//! repo's HEAD is what runs: one app's image tag carries HEAD's short SHA, the other's an older commit's.
use crate::support;

use std::path::Path;
use std::time::Duration;

use mosaic::sim::Scenario;
use serde_json::json;
use support::cluster::Cluster;
use support::pty::{Screen, Term, framed};

const WAIT: Duration = Duration::from_secs(10);

/// A repository with one commit; returns its HEAD.
fn repo(dir: &Path) -> String {
    support::workspaces::one_commit_repo(dir, "main.go", "package main\n")
}

/// A Deployment of one container running `image` in the shop.
fn deployment(name: &str, image: &str) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]}
            }
        }
    })
}

/// The card line of `app` and the two below it.
fn card(screen: &Screen, app: &str) -> String {
    let text = screen.contents();
    let lines: Vec<&str> = text.lines().collect();
    // A card starts `│▸ NAME ` or `│  NAME `.
    let starts = |l: &&str| l.chars().skip(3).collect::<String>().starts_with(&format!("{app} "));
    let at = lines.iter().position(starts).unwrap_or(lines.len());
    lines[at.min(lines.len())..(at + 3).min(lines.len())].join("\n")
}

fn bind(term: &mut Term, path: &str) {
    term.text("b");
    term.wait_for("Bind Deployment", WAIT).expect("the bind screen");
    term.text(path);
    term.enter();
    term.wait_gone("Bind Deployment", WAIT).expect("the bind screen closes on save");
}

#[test]
fn a_workspace_and_two_bound_apps_say_whether_heads_commit_is_deployed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let repo_dir = dir.path().join("webshop");
    std::fs::create_dir(&repo_dir).expect("mkdir");
    let head = repo(&repo_dir);
    let path = repo_dir.display().to_string();

    let cluster = Cluster::start(Scenario::demo());
    cluster.upsert(deployment("web", &format!("ghcr.io/acme/web:{}", &head[..7])));
    cluster.upsert(deployment("web-old", "ghcr.io/acme/web:0123abc"));
    let kubeconfig = cluster.kubeconfig("admin", "shop").display().to_string();
    let mut term = Term::spawn(&["--kubeconfig", kubeconfig.as_str()], &[], 160, 40);

    // A new context: mosaic offers a workspace, but the user makes their own.
    term.wait_for("W makes one of namespace shop", WAIT).expect("the first-run offer");
    term.text(":ws");
    term.enter();
    term.wait_for("n creates one", WAIT).expect("the empty workspace manager");
    term.text("n");
    term.wait_for("New workspace", WAIT).expect("the editor");
    term.text("web apps\tshop\t\t\t\tweb*");
    term.enter();
    term.wait_for("Apps of workspace web apps [2]", WAIT).expect("the new workspace's view");
    let screen = term.wait_for("▸ web ", WAIT).expect("the first card selected");
    let shown = framed(&screen);
    assert!(screen.contents().contains("names web*"), "the filters are in the title\n{shown}");
    assert!(!screen.contents().contains("storefront"), "the name pattern hides the other apps\n{shown}");

    // Bind both apps to the repo; the cards read it with git and compare its HEAD with the image tags.
    bind(&mut term, &path);
    term.text("j");
    bind(&mut term, &path);
    let screen = term
        .wait_until("both answers", WAIT, |s| {
            card(s, "web").contains("commit deployed: yes") && card(s, "web-old").contains("commit deployed: no")
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
    let shown = framed(&screen);
    let web = card(&screen, "web");
    assert!(web.contains(&format!("{} · commit deployed: yes", &head[..7])), "branch and HEAD\n{shown}");
    assert!(web.contains(&format!("repo {path}")), "the bound path\n{shown}");
    assert!(card(&screen, "web-old").contains("commit deployed: no (running 0123abc)"), "{shown}");
    assert!(web.contains("svc") || web.contains("no Service"), "the service column\n{shown}");

    // Enter opens the app: its pods only; Esc comes back to the cards.
    term.text("k");
    term.enter();
    term.wait_for("Pods of app web (shop)", WAIT).expect("the app's pods");
    term.esc();
    term.wait_for("Apps of workspace web apps", WAIT).expect("back to the cards");
    term.text("q");
    term.text("q");
    term.wait_exit(WAIT).expect("mosaic quits");
}

#[test]
fn a_missing_repo_is_flagged_on_the_card_not_retried() {
    let cluster = Cluster::start(Scenario::demo());
    let kubeconfig = cluster.kubeconfig("admin", "shop").display().to_string();
    let mut term = Term::spawn(&["--kubeconfig", kubeconfig.as_str()], &[], 160, 40);
    term.wait_for("W makes one of namespace shop", WAIT).expect("the first-run offer");
    term.text("W");
    term.wait_for("▸ cart ", WAIT).expect("the offered workspace, opened");
    bind(&mut term, "/nowhere/cart");
    let screen = term.wait_for("repo /nowhere/cart is missing", WAIT).expect("the card flags it");
    let shown = framed(&screen);
    assert!(screen.contents().contains("does not exist yet"), "the footer says so once\n{shown}");
}
