//! Local git repositories, read with git2: what an app's repo looks like now ([`status`]), the repos under a
//! folder ([`discover`]), which repo and image belong to which app ([`matching`]), whether the running
//! workload carries the repo's commit ([`deployed`]), and the build → push → roll out pipeline ([`pipeline`]).
//!
//! Nothing here panics or loops on a missing or broken repo: [`RepoState`] says what is wrong in plain words.
pub mod deployed;
pub mod discover;
pub mod image;
pub mod matching;
pub mod pipeline;
mod repo;
pub mod tool_output;
pub mod worktree;

pub use discover::{FoundRepo, discover};
pub use repo::{BranchInfo, CommitInfo, RepoState, RepoStatus, Upstream, resolve, status};

use crate::store::AppBinding;

/// How many recent commits [`app_commit`] reads for a card.
pub const CARD_COMMITS: usize = 10;

/// What a workspace card shows about an app's code: the state of its bound repo, and whether HEAD (and the
/// chosen branch's tip) is what runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCommit {
    /// `None` when the app has no repo bound.
    pub repo: Option<RepoState>,
    /// `None` when the repo cannot be read or has no commit.
    pub deployed: Option<deployed::Deployed>,
}

/// Reads the bound repo and compares it with what runs. Blocking (git2 reads files): call it from
/// `tokio::task::spawn_blocking`. A missing or broken repo is a state in the answer, never an error.
pub fn app_commit(
    binding: &AppBinding,
    branch: Option<&str>,
    running: &deployed::Running,
    built: &[deployed::Built],
) -> AppCommit {
    let Some(path) = binding.repo_path.as_deref() else { return AppCommit { repo: None, deployed: None } };
    let repo = status(path, CARD_COMMITS);
    let deployed = repo.ready().and_then(|status| {
        let head = status.head.as_ref()?;
        let tip = branch.and_then(|b| resolve(path, b).ok().map(|tip| (b, tip)));
        Some(deployed::compare(
            running,
            Some(head),
            tip.as_ref().map(|(b, tip)| (*b, tip)),
            binding.image_repo.as_deref(),
            built,
        ))
    });
    AppCommit { repo: Some(repo), deployed }
}
