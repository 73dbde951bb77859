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
pub mod worktree;

pub use discover::{FoundRepo, discover};
pub use repo::{BranchInfo, CommitInfo, RepoState, RepoStatus, Upstream, resolve, status};
