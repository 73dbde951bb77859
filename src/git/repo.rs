//! The state of one working tree: branch, HEAD, upstream, dirty files, recent commits and branches.
use std::path::{Path, PathBuf};

use git2::{BranchType, ErrorCode, Repository, StatusOptions};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One commit as people read it in a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    /// The full 40-hex SHA.
    pub sha: String,
    pub subject: String,
    pub author: String,
    pub time: Timestamp,
}

impl CommitInfo {
    /// The 7-hex short SHA git prints, used to tag images.
    pub fn short(&self) -> &str {
        &self.sha[..self.sha.len().min(7)]
    }

    fn of(commit: &git2::Commit) -> CommitInfo {
        CommitInfo {
            sha: commit.id().to_string(),
            subject: commit.summary().ok().flatten().unwrap_or("").to_string(),
            author: commit.author().name().unwrap_or("").to_string(),
            time: Timestamp::from_second(commit.time().seconds()).unwrap_or(Timestamp::UNIX_EPOCH),
        }
    }
}

/// How the current branch stands against the branch it tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `origin/main`
    pub name: String,
    pub ahead: usize,
    pub behind: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchInfo {
    pub name: String,
    /// The tip's full SHA.
    pub sha: String,
    /// Checked out in this working tree.
    pub is_head: bool,
}

/// A readable repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoStatus {
    /// The working tree's top folder.
    pub path: PathBuf,
    /// `None` when HEAD is detached.
    pub branch: Option<String>,
    /// `None` in a repository without commits yet.
    pub head: Option<CommitInfo>,
    pub upstream: Option<Upstream>,
    /// Files changed, staged or untracked (ignored files do not count).
    pub changed_files: usize,
    /// The newest first, at most the number asked for.
    pub commits: Vec<CommitInfo>,
    /// Local branches by name.
    pub branches: Vec<BranchInfo>,
    /// `origin`'s URL, else the first remote's.
    pub remote_url: Option<String>,
}

impl RepoStatus {
    pub fn dirty(&self) -> bool {
        self.changed_files > 0
    }
}

/// What reading a bound repo gave. Every failure is a state to show, not an error to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepoState {
    Ready(Box<RepoStatus>),
    /// Nothing at that path any more (moved or deleted).
    Missing {
        path: PathBuf,
    },
    /// The folder exists but is not inside a git repository.
    NotARepo {
        path: PathBuf,
    },
    /// git could not read it (permissions, corruption); `reason` is git's words.
    Unreadable {
        path: PathBuf,
        reason: String,
    },
}

impl RepoState {
    pub fn ready(&self) -> Option<&RepoStatus> {
        match self {
            RepoState::Ready(status) => Some(status),
            _ => None,
        }
    }

    /// The sentence a card shows when the repo cannot be read, with what to do; `None` when it can.
    pub fn problem(&self) -> Option<String> {
        match self {
            RepoState::Ready(_) => None,
            RepoState::Missing { path } => {
                Some(format!("repo {} is missing (moved or deleted?): bind the app to its new path", path.display()))
            }
            RepoState::NotARepo { path } => {
                Some(format!("{} is not a git repository: bind the app to the repo's folder", path.display()))
            }
            RepoState::Unreadable { path, reason } => {
                Some(format!("cannot read repo {}: {reason}; check its permissions", path.display()))
            }
        }
    }
}

/// Reads the repository at (or above) `path`, with the last `commits` commits of HEAD. Blocking: git2 reads
/// files, and a large tree takes a moment to diff, so the UI calls it from `spawn_blocking`.
pub fn status(path: &Path, commits: usize) -> RepoState {
    let repo = match open(path) {
        Ok(repo) => repo,
        Err(state) => return state,
    };
    read(&repo, commits).unwrap_or_else(|e| RepoState::Unreadable { path: path.to_path_buf(), reason: words(&e) })
}

/// The commit a branch, tag or SHA names in the repository at `path` (a chosen branch's tip).
pub fn resolve(path: &Path, rev: &str) -> Result<CommitInfo, String> {
    let repo = open(path).map_err(|state| state.problem().unwrap_or_default())?;
    let object = repo
        .revparse_single(rev)
        .map_err(|e| format!("{rev:?} names no commit in {}: {}", path.display(), words(&e)))?;
    let commit = object.peel_to_commit().map_err(|e| format!("{rev:?} is not a commit: {}", words(&e)))?;
    Ok(CommitInfo::of(&commit))
}

pub(crate) fn open(path: &Path) -> Result<Repository, RepoState> {
    if !path.exists() {
        return Err(RepoState::Missing { path: path.to_path_buf() });
    }
    Repository::discover(path).map_err(|e| match e.code() {
        ErrorCode::NotFound => RepoState::NotARepo { path: path.to_path_buf() },
        _ => RepoState::Unreadable { path: path.to_path_buf(), reason: words(&e) },
    })
}

fn read(repo: &Repository, commits: usize) -> Result<RepoState, git2::Error> {
    let path = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
    let (branch, head) = match repo.head() {
        Ok(head) => {
            let branch = if head.is_branch() { head.shorthand().ok().map(str::to_string) } else { None };
            (branch, Some(head.peel_to_commit()?))
        }
        // A new repository: HEAD names a branch with no commit yet.
        Err(e) if e.code() == ErrorCode::UnbornBranch => {
            let branch =
                repo.find_reference("HEAD").ok().and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string));
            (branch.map(|b| b.trim_start_matches("refs/heads/").to_string()), None)
        }
        Err(e) => return Err(e),
    };
    let upstream = match (&branch, &head) {
        (Some(name), Some(head)) => upstream(repo, name, head.id()),
        _ => None,
    };
    let changed_files = if repo.is_bare() {
        0
    } else {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true).include_ignored(false).recurse_untracked_dirs(true);
        repo.statuses(Some(&mut opts))?.len()
    };
    let mut log = Vec::new();
    if let Some(head) = &head {
        let mut walk = repo.revwalk()?;
        walk.push(head.id())?;
        for oid in walk.take(commits) {
            log.push(CommitInfo::of(&repo.find_commit(oid?)?));
        }
    }
    let mut branches = Vec::new();
    for item in repo.branches(Some(BranchType::Local))? {
        let (b, _) = item?;
        let (Some(name), Some(target)) = (b.name()?.map(str::to_string), b.get().target()) else { continue };
        branches.push(BranchInfo { name, sha: target.to_string(), is_head: b.is_head() });
    }
    branches.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(RepoState::Ready(Box::new(RepoStatus {
        path,
        branch,
        head: head.as_ref().map(CommitInfo::of),
        upstream,
        changed_files,
        commits: log,
        branches,
        remote_url: remote_url(repo),
    })))
}

fn upstream(repo: &Repository, branch: &str, head: git2::Oid) -> Option<Upstream> {
    let local = repo.find_branch(branch, BranchType::Local).ok()?;
    let up = local.upstream().ok()?;
    let name = up.name().ok()??.to_string();
    let (ahead, behind) = repo.graph_ahead_behind(head, up.get().target()?).ok()?;
    Some(Upstream { name, ahead, behind })
}

/// `origin`'s URL, else the first remote's that has one.
pub(crate) fn remote_url(repo: &Repository) -> Option<String> {
    if let Some(url) = repo.find_remote("origin").ok().and_then(|r| r.url().ok().map(str::to_string)) {
        return Some(url);
    }
    let names = repo.remotes().ok()?;
    names.iter().flatten().find_map(|name| repo.find_remote(name?).ok()?.url().ok().map(str::to_string))
}

/// git's message without its class and code noise.
pub(crate) fn words(e: &git2::Error) -> String {
    e.message().trim_end_matches('.').to_string()
}
