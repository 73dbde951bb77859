//! Finding the git repositories under a folder (`~/src`), for matching them to apps.
use std::path::{Path, PathBuf};

/// How deep under the root discovery looks by default: `~/src/org/team/repo` is three levels.
pub const DEFAULT_DEPTH: usize = 4;

/// Folders that hold dependencies or build output, never an app's own repo.
const SKIPPED: [&str; 8] = ["node_modules", "vendor", "target", "dist", "build", "venv", "__pycache__", "Pods"];

/// A repository found under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRepo {
    /// The working tree's top folder.
    pub path: PathBuf,
    /// The folder's name.
    pub name: String,
    /// `origin`'s URL, else the first remote's.
    pub remote_url: Option<String>,
}

/// The repositories at most `max_depth` folders below `root` (the root itself is depth 0), sorted by path.
/// Hidden folders, dependency and build folders are skipped, symlinks are not followed, and a repo's own
/// subfolders are not searched (submodules and vendored copies are not apps). Unreadable folders are skipped.
pub fn discover(root: &Path, max_depth: usize) -> Vec<FoundRepo> {
    let mut found = Vec::new();
    walk(root, 0, max_depth, &mut found);
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn walk(dir: &Path, depth: usize, max_depth: usize, found: &mut Vec<FoundRepo>) {
    // A `.git` folder, or a `.git` file in a linked worktree.
    if dir.join(".git").exists() {
        if let Ok(repo) = git2::Repository::open(dir) {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            found.push(FoundRepo { path: dir.to_path_buf(), name, remote_url: super::repo::remote_url(&repo) });
        }
        return;
    }
    if depth >= max_depth {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut children: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && !SKIPPED.contains(&name.as_ref())
        })
        .map(|e| e.path())
        .collect();
    children.sort();
    for child in children {
        walk(&child, depth + 1, max_depth, found);
    }
}
