//! A clean checkout of one commit in a temporary linked worktree, as `git worktree add --detach DIR SHA` makes,
//! so a build never sees the user's uncommitted changes. Removed (and pruned from the repo) when dropped.
use std::path::{Path, PathBuf};

use git2::{BranchType, Oid, Repository, WorktreeAddOptions, WorktreePruneOptions};

use super::repo::{open, words};

/// A detached worktree at one commit.
#[derive(Debug)]
pub struct BuildTree {
    /// The checkout: the build context and Dockerfile are found under it.
    pub path: PathBuf,
    repo_path: PathBuf,
    name: String,
}

/// Where [`add`] puts the checkout of `sha`: `<temp>/mosaic-build-<short>-<pid>-<n>`, new for every call so
/// two builds of one commit do not collide.
pub fn default_dir(sha: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let short = &sha[..sha.len().min(7)];
    std::env::temp_dir().join(format!("mosaic-build-{short}-{}-{n}", std::process::id()))
}

/// Checks out `sha` of the repo at `repo_path` into `dir` (which must not exist yet), detached.
///
/// libgit2 adds worktrees on a branch only, so this adds it on a throwaway branch, detaches its HEAD at the
/// commit and deletes the branch: the same end state as `git worktree add --detach`.
pub fn add(repo_path: &Path, sha: &str, dir: &Path) -> Result<BuildTree, String> {
    let repo = open(repo_path).map_err(|state| state.problem().unwrap_or_default())?;
    let oid = Oid::from_str(sha).map_err(|e| format!("{sha:?} is not a commit SHA: {}", words(&e)))?;
    let commit =
        repo.find_commit(oid).map_err(|e| format!("commit {sha} is not in {}: {}", repo_path.display(), words(&e)))?;
    if dir.exists() {
        return Err(format!("{} already exists; remove it or pick another folder", dir.display()));
    }
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "mosaic-build".into());
    let fail = |what: &str, e: git2::Error| format!("could not {what} in {}: {}", repo_path.display(), words(&e));
    let branch = repo.branch(&name, &commit, true).map_err(|e| fail("create a temporary branch", e))?;
    let mut opts = WorktreeAddOptions::new();
    opts.reference(Some(branch.get()));
    let added = repo.worktree(&name, dir, Some(&opts));
    let detached = added
        .as_ref()
        .ok()
        .map(|wt| Repository::open_from_worktree(wt).and_then(|wt_repo| wt_repo.set_head_detached(oid)));
    // The branch goes whatever happened; it was only a way in.
    let _ = repo.find_branch(&name, BranchType::Local).and_then(|mut b| b.delete());
    let tree = BuildTree { path: dir.to_path_buf(), repo_path: repo_path.to_path_buf(), name };
    added.map_err(|e| fail("add a worktree", e))?;
    detached.unwrap_or(Ok(())).map_err(|e| fail("detach the worktree", e))?;
    Ok(tree)
}

impl BuildTree {
    /// The repository the worktree belongs to.
    pub fn repo_path(&self) -> &Path {
        &self.repo_path
    }
}

impl Drop for BuildTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        if let Ok(repo) = Repository::discover(&self.repo_path)
            && let Ok(wt) = repo.find_worktree(&self.name)
        {
            let _ = wt.prune(Some(WorktreePruneOptions::new().valid(true).working_tree(true)));
        }
    }
}
