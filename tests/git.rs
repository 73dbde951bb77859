//! git on temporary repositories built with git2 in the test: status (branch, HEAD, upstream, dirty, commits,
//! branches), broken repos as states, discovery under a root, matching apps to repos, "is my commit
//! deployed?" with a SHA in an image tag, and the clean worktree a build uses.
use std::fs;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature};
use mosaic::git::deployed::{self, Answer, Evidence, Running, TemplateContainer};
use mosaic::git::matching::{self, UnboundApp};
use mosaic::git::{self, FoundRepo, RepoState, discover, worktree};

/// A repository with user config, on branch `main`.
fn init(dir: &Path) -> Repository {
    fs::create_dir_all(dir).unwrap();
    let repo = Repository::init(dir).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    repo
}

/// Writes `file` and commits everything on HEAD (or on nothing when `update_head` is false).
fn commit(repo: &Repository, file: &str, text: &str, subject: &str, update_head: bool) -> Oid {
    let workdir = repo.workdir().unwrap();
    fs::write(workdir.join(file), text).unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new(file)).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::new("Ann Dev", "ann@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(update_head.then_some("HEAD"), &sig, &sig, subject, &tree, &parents).unwrap()
}

fn ready(state: RepoState) -> git::RepoStatus {
    match state {
        RepoState::Ready(status) => *status,
        other => panic!("expected a readable repo, got {other:?}"),
    }
}

#[test]
fn status_reads_branch_head_upstream_dirt_commits_and_branches() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(dir.path());
    let base = commit(&repo, "README", "v1", "Start the shop", true);
    // origin/main moves on elsewhere: one commit the local branch lacks.
    let theirs = commit(&repo, "README", "v2 from origin", "Their change", false);
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force())).unwrap();
    let ours = commit(&repo, "cart.rs", "fn main() {}", "Add the cart\n\nWith a body that is not the subject.", true);
    repo.reference("refs/remotes/origin/main", theirs, true, "test").unwrap();
    repo.remote("origin", "git@github.com:acme/shop.git").unwrap();
    let mut config = repo.config().unwrap();
    config.set_str("branch.main.remote", "origin").unwrap();
    config.set_str("branch.main.merge", "refs/heads/main").unwrap();
    repo.branch("feature/search", &repo.find_commit(base).unwrap(), false).unwrap();

    let status = ready(git::status(&dir.path().join("."), 10));
    assert_eq!(status.branch.as_deref(), Some("main"));
    let head = status.head.clone().unwrap();
    assert_eq!(
        (head.sha.as_str(), head.subject.as_str(), head.author.as_str()),
        (ours.to_string().as_str(), "Add the cart", "Ann Dev")
    );
    assert_eq!(head.short(), &ours.to_string()[..7]);
    assert_eq!(head.time.as_second(), 1_700_000_000);
    let upstream = status.upstream.clone().unwrap();
    assert_eq!((upstream.name.as_str(), upstream.ahead, upstream.behind), ("origin/main", 1, 1));
    assert!(!status.dirty(), "a clean tree is not dirty");
    assert_eq!(
        status.commits.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(),
        ["Add the cart", "Start the shop"]
    );
    assert_eq!(status.remote_url.as_deref(), Some("git@github.com:acme/shop.git"));
    let branches: Vec<(&str, bool)> = status.branches.iter().map(|b| (b.name.as_str(), b.is_head)).collect();
    assert_eq!(branches, [("feature/search", false), ("main", true)]);
    assert_eq!(ready(git::status(dir.path(), 1)).commits.len(), 1, "at most N commits");

    // A change and an untracked file make it dirty; ignored files do not.
    fs::write(dir.path().join("cart.rs"), "fn main() { changed() }").unwrap();
    fs::write(dir.path().join("notes.txt"), "todo").unwrap();
    fs::write(dir.path().join(".gitignore"), "*.log\n").unwrap();
    fs::write(dir.path().join("debug.log"), "noise").unwrap();
    let status = ready(git::status(dir.path(), 10));
    assert!(status.dirty());
    assert_eq!(status.changed_files, 3, "cart.rs, notes.txt and .gitignore");

    // A chosen branch's tip, and a detached HEAD.
    assert_eq!(git::resolve(dir.path(), "feature/search").unwrap().sha, base.to_string());
    assert!(git::resolve(dir.path(), "no-such-branch").unwrap_err().contains("names no commit"));
    repo.set_head_detached(base).unwrap();
    let status = ready(git::status(dir.path(), 10));
    assert_eq!((status.branch, status.upstream), (None, None));
    assert_eq!(status.head.unwrap().sha, base.to_string());
}

#[test]
fn missing_plain_and_empty_repos_are_states_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("moved-away");
    let state = git::status(&gone, 10);
    assert_eq!(state, RepoState::Missing { path: gone.clone() });
    assert!(state.problem().unwrap().contains("missing"));

    let plain = dir.path().join("plain");
    fs::create_dir(&plain).unwrap();
    let state = git::status(&plain, 10);
    assert_eq!(state, RepoState::NotARepo { path: plain });
    assert!(state.problem().unwrap().contains("not a git repository"));

    // A repository with no commit yet: readable, on its unborn branch, no HEAD commit.
    let fresh = dir.path().join("fresh");
    init(&fresh);
    let status = ready(git::status(&fresh, 10));
    assert_eq!((status.branch.as_deref(), status.head, status.commits.len()), (Some("main"), None, 0));

    // A repo whose .git is garbage is unreadable, with git's words.
    let broken = dir.path().join("broken");
    fs::create_dir_all(broken.join(".git")).unwrap();
    fs::write(broken.join(".git/HEAD"), "nonsense").unwrap();
    let state = git::status(&broken, 10);
    assert!(matches!(state, RepoState::Unreadable { .. } | RepoState::NotARepo { .. }), "{state:?}");
    assert!(state.problem().is_some());
}

/// `root/` with repos at several depths, and repos that must not be found.
fn tree_of_repos() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let repo_at = |rel: &str, remote: Option<&str>| {
        let repo = init(&root.path().join(rel));
        commit(&repo, "README", rel, "init", true);
        if let Some(url) = remote {
            repo.remote("origin", url).unwrap();
        }
    };
    repo_at("shop/shop-storefront", Some("https://github.com/mosaic-demo/storefront.git"));
    repo_at("shop/cart-service", None);
    repo_at("payments", Some("git@github.com:mosaic-demo/payments-api.git"));
    repo_at("wallet-backend", None);
    // Not apps: inside a repo, dependencies, hidden, and too deep.
    repo_at("shop/cart-service/vendor-lib", None);
    repo_at("node_modules/left-pad", None);
    repo_at(".cache/old-clone", None);
    repo_at("a/b/c/d/e/too-deep", None);
    fs::create_dir_all(root.path().join("target/debug")).unwrap();
    root
}

#[test]
fn discovery_finds_repos_and_skips_vendored_hidden_nested_and_deep_ones() {
    let root = tree_of_repos();
    let found = discover(root.path(), git::discover::DEFAULT_DEPTH);
    let names: Vec<&str> = found.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["payments", "cart-service", "shop-storefront", "wallet-backend"]);
    assert_eq!(found[0].remote_url.as_deref(), Some("git@github.com:mosaic-demo/payments-api.git"));
    assert_eq!(found[1].path, root.path().join("shop/cart-service"));
    assert_eq!(discover(root.path(), 1).len(), 2, "depth 1 sees payments and wallet-backend only");
    assert_eq!(discover(&root.path().join("nope"), 4), Vec::<FoundRepo>::new());
}

fn app(name: &str, images: &[&str]) -> UnboundApp {
    UnboundApp {
        namespace: "shop".into(),
        kind: "Deployment".into(),
        name: name.into(),
        images: images.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn matching_proposes_repos_by_name_image_and_remote() {
    let root = tree_of_repos();
    let repos = discover(root.path(), 4);
    let apps = [
        app("storefront", &["ghcr.io/mosaic-demo/storefront:1.8.2"]),
        app("cart", &["ghcr.io/mosaic-demo/cart:2.4.0"]),
        app("payments", &["envoyproxy/envoy:v1.28", "ghcr.io/mosaic-demo/payments-api:0.9.4"]),
        app("redis", &["redis:6.0.9"]),
        app("web", &["ghcr.io/mosaic-demo/web:1"]),
    ];
    let proposals = matching::propose(&apps, &repos);
    let got: Vec<(&str, PathBuf, Option<&str>)> = proposals
        .iter()
        .map(|p| {
            (p.app.name.as_str(), p.repo_path.strip_prefix(root.path()).unwrap().to_path_buf(), p.image_repo.as_deref())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("storefront", "shop/shop-storefront".into(), Some("ghcr.io/mosaic-demo/storefront")),
            ("cart", "shop/cart-service".into(), Some("ghcr.io/mosaic-demo/cart")),
            ("payments", "payments".into(), Some("ghcr.io/mosaic-demo/payments-api")),
        ],
        "redis and web have no repo; web is not wallet-backend"
    );
    assert!(proposals[0].reason.contains("remote mosaic-demo/storefront"), "{}", proposals[0].reason);
    assert_eq!(proposals[1].score, 100, "{}", proposals[1].reason);
    let binding = proposals[1].binding("sim-admin");
    assert_eq!(
        (binding.context.as_str(), binding.kind.as_str(), binding.name.as_str()),
        ("sim-admin", "Deployment", "cart")
    );
    assert_eq!(binding.repo_path, Some(root.path().join("shop/cart-service")));
}

#[test]
fn a_sha_in_the_image_tag_says_whether_head_runs() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(dir.path());
    let built = commit(&repo, "main.go", "package main", "First cut", true);
    let running = |image: String| Running {
        containers: vec![TemplateContainer { name: "web".into(), image, pull_policy: Some("IfNotPresent".into()) }],
        ..Running::default()
    };
    let head = ready(git::status(dir.path(), 5)).head.unwrap();
    let image = format!("ghcr.io/acme/web:{}", head.short());
    let answer = deployed::compare(&running(image.clone()), Some(&head), None, Some("ghcr.io/acme/web"), &[]);
    assert_eq!(answer.head, Answer::Yes);
    assert_eq!(answer.evidence, Evidence::ImageTag { container: "web".into(), image: image.clone() });

    // A new commit: HEAD no longer runs, while the tag on the first commit does.
    commit(&repo, "main.go", "package main // v2", "Second cut", true);
    repo.tag_lightweight("v1", &repo.find_object(built, None).unwrap(), false).unwrap();
    let head = ready(git::status(dir.path(), 5)).head.unwrap();
    let v1 = git::resolve(dir.path(), "v1").unwrap();
    let answer = deployed::compare(&running(image), Some(&head), Some(("v1", &v1)), None, &[]);
    assert_eq!(answer.head, Answer::No);
    assert_eq!(answer.branch, Some(("v1".into(), Answer::Yes)));
    assert_eq!(answer.headline(), format!("commit deployed: no (running {})", &built.to_string()[..7]));
    // The full SHA in a tag works as well.
    let full =
        deployed::compare(&running(format!("web:sha-{head_sha}", head_sha = head.sha)), Some(&head), None, None, &[]);
    assert_eq!(full.head, Answer::Yes);
}

#[test]
fn a_build_worktree_is_a_clean_detached_checkout_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("web"));
    let first = commit(&repo, "app.txt", "one", "One", true);
    commit(&repo, "app.txt", "two", "Two", true);
    fs::write(dir.path().join("web/app.txt"), "uncommitted").unwrap();
    fs::write(dir.path().join("web/scratch.txt"), "untracked").unwrap();

    let checkout = dir.path().join("build");
    let tree = worktree::add(&dir.path().join("web"), &first.to_string(), &checkout).unwrap();
    assert_eq!(fs::read_to_string(checkout.join("app.txt")).unwrap(), "one");
    assert!(!checkout.join("scratch.txt").exists(), "untracked files stay out of the build");
    let linked = Repository::open(&checkout).unwrap();
    assert!(linked.head_detached().unwrap());
    assert_eq!(linked.head().unwrap().target(), Some(first));
    let branches = |repo: &Repository| repo.branches(None).unwrap().count();
    assert_eq!(branches(&repo), 1, "the temporary branch is gone");
    assert!(
        worktree::add(&dir.path().join("web"), &first.to_string(), &checkout).unwrap_err().contains("already exists")
    );
    assert!(
        worktree::add(&dir.path().join("web"), "nothex", &dir.path().join("b2"))
            .unwrap_err()
            .contains("not a commit SHA")
    );

    drop(tree);
    assert!(!checkout.exists());
    assert!(repo.worktrees().unwrap().is_empty(), "the worktree is pruned");
    // The user's working tree was never touched.
    assert_eq!(fs::read_to_string(dir.path().join("web/app.txt")).unwrap(), "uncommitted");
}

#[test]
fn an_apps_card_reads_its_repo_and_answers_or_says_the_repo_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("web"));
    commit(&repo, "main.go", "package main", "First cut", true);
    let head = ready(git::status(&dir.path().join("web"), 1)).head.unwrap();
    let workload = serde_json::json!({
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": format!("ghcr.io/acme/web:{}", head.short())}]}}}
    });
    let app = UnboundApp::from_workload(&workload);
    assert_eq!(
        app,
        UnboundApp {
            namespace: "shop".into(),
            kind: "Deployment".into(),
            name: "web".into(),
            images: vec![format!("ghcr.io/acme/web:{}", head.short())]
        }
    );
    let running = Running {
        containers: vec![TemplateContainer { name: "web".into(), image: app.images[0].clone(), pull_policy: None }],
        ..Running::default()
    };
    let mut binding = mosaic::store::AppBinding::new("c", "shop", "Deployment", "web");
    assert_eq!(git::app_commit(&binding, None, &running, &[]), git::AppCommit { repo: None, deployed: None });

    binding.repo_path = Some(dir.path().join("web"));
    binding.image_repo = Some("ghcr.io/acme/web".into());
    let card = git::app_commit(&binding, Some("main"), &running, &[]);
    let deployed = card.deployed.unwrap();
    assert_eq!(deployed.headline(), "commit deployed: yes");
    assert_eq!(deployed.branch, Some(("main".into(), Answer::Yes)));

    fs::rename(dir.path().join("web"), dir.path().join("web-moved")).unwrap();
    let card = git::app_commit(&binding, Some("main"), &running, &[]);
    assert!(matches!(card.repo, Some(RepoState::Missing { .. })));
    assert_eq!(card.deployed, None);
}
