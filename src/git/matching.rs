//! Matching apps to repos en masse: for each unbound app, the repo under the root whose folder name or
//! remote URL best resembles the app's name or its image's name, and the image repository to bind.
//!
//! The score is a plain, explainable token comparison (not fuzzy subsequence matching, which happily pairs
//! `web` with `wallet-backend`): equal names score 100, shared words score by their share, and a name
//! contained in the other scores by how much of it it covers.
use std::path::PathBuf;

use super::discover::FoundRepo;
use super::image::ImageRef;
use crate::store::AppBinding;

/// Proposals below this score are not made: the user binds those apps by hand.
pub const THRESHOLD: u32 = 60;

/// Words that say nothing about which app a name is (`cart-service` is `cart`).
const NOISE: [&str; 9] = ["deployment", "deploy", "svc", "service", "k8s", "docker", "image", "git", "repo"];

/// A workload without a binding, as the cluster shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnboundApp {
    pub namespace: String,
    /// `Deployment`, `StatefulSet`, `DaemonSet`.
    pub kind: String,
    pub name: String,
    /// Its containers' images, in template order.
    pub images: Vec<String>,
}

impl UnboundApp {
    /// From a workload as served (a Deployment, StatefulSet or DaemonSet as JSON).
    pub fn from_workload(workload: &serde_json::Value) -> UnboundApp {
        let text = |path: &str| workload.pointer(path).and_then(serde_json::Value::as_str).unwrap_or("").to_string();
        let images = workload
            .pointer("/spec/template/spec/containers")
            .and_then(serde_json::Value::as_array)
            .map(|cs| cs.iter().filter_map(|c| c.get("image")?.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        UnboundApp { namespace: text("/metadata/namespace"), kind: text("/kind"), name: text("/metadata/name"), images }
    }
}

/// A proposed binding the user accepts or edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub app: UnboundApp,
    pub repo_path: PathBuf,
    /// The image repository without tag, from the container whose image matches best.
    pub image_repo: Option<String>,
    /// 0 to 100.
    pub score: u32,
    /// Why: `app name cart matches repo folder cart-service`.
    pub reason: String,
}

impl Proposal {
    /// The binding this proposal makes in `context` (Dockerfile and build context left to their defaults).
    pub fn binding(&self, context: &str) -> AppBinding {
        let mut binding = AppBinding::new(context, &self.app.namespace, &self.app.kind, &self.app.name);
        binding.repo_path = Some(self.repo_path.clone());
        binding.image_repo = self.image_repo.clone();
        binding
    }
}

/// One proposal per app that some repo matches at [`THRESHOLD`] or more, in the apps' order. Ties go to
/// the repo with the shorter path, then the first by path, so the answer does not depend on disk order.
pub fn propose(apps: &[UnboundApp], repos: &[FoundRepo]) -> Vec<Proposal> {
    apps.iter().filter_map(|app| propose_one(app, repos)).collect()
}

fn propose_one(app: &UnboundApp, repos: &[FoundRepo]) -> Option<Proposal> {
    let mut best: Option<(u32, &FoundRepo, String)> = None;
    for repo in repos {
        let (score, reason) = repo_score(app, repo);
        let better = match &best {
            None => true,
            Some((s, r, _)) => {
                score > *s
                    || (score == *s && (repo.path.as_os_str().len(), &repo.path) < (r.path.as_os_str().len(), &r.path))
            }
        };
        if better {
            best = Some((score, repo, reason));
        }
    }
    let (score, repo, reason) = best.filter(|(score, _, _)| *score >= THRESHOLD)?;
    Some(Proposal {
        app: app.clone(),
        repo_path: repo.path.clone(),
        image_repo: best_image(app, repo).map(|image| ImageRef::parse(&image).repo),
        score,
        reason,
    })
}

/// The best score between the app's names and the repo's, and the words saying which pair gave it.
fn repo_score(app: &UnboundApp, repo: &FoundRepo) -> (u32, String) {
    let mut app_keys = vec![(format!("app name {}", app.name), app.name.clone())];
    for image in &app.images {
        let name = ImageRef::parse(image).name().to_string();
        app_keys.push((format!("image {name}"), name));
    }
    let mut repo_keys = vec![(format!("repo folder {}", repo.name), repo.name.clone())];
    if let Some(remote) = repo.remote_url.as_deref().and_then(remote_path) {
        let name = remote.rsplit('/').next().unwrap_or(&remote).to_string();
        repo_keys.push((format!("remote {remote}"), name));
        // Same owner and name in the image and the remote (`ghcr.io/acme/web`, `github.com/acme/web`).
        for image in &app.images {
            let image_repo = ImageRef::parse(image).repo;
            if owner_and_name(&image_repo)
                .is_some_and(|o| o.eq_ignore_ascii_case(&owner_and_name(&remote).unwrap_or_default()))
            {
                return (100, format!("image {image_repo} matches remote {remote}"));
            }
        }
    }
    let mut best = (0, String::new());
    for (app_words, app_key) in &app_keys {
        for (repo_words, repo_key) in &repo_keys {
            let score = name_score(app_key, repo_key);
            if score > best.0 {
                best = (score, format!("{app_words} matches {repo_words}"));
            }
        }
    }
    best
}

/// The image whose name matches the repo best (the first on a tie), for the binding's image repository.
fn best_image(app: &UnboundApp, repo: &FoundRepo) -> Option<String> {
    let mut best: Option<(u32, &String)> = None;
    for image in &app.images {
        let score = name_score(ImageRef::parse(image).name(), &repo.name);
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, image));
        }
    }
    best.map(|(_, image)| image.clone())
}

/// How alike two names are, 0 to 100.
pub fn name_score(a: &str, b: &str) -> u32 {
    let (ta, tb) = (tokens(a), tokens(b));
    let (ca, cb) = (ta.concat(), tb.concat());
    if ca.is_empty() || cb.is_empty() {
        return 0;
    }
    if ca == cb {
        return 100;
    }
    let common = ta.iter().filter(|t| tb.contains(t)).count();
    let dice = (2 * common * 85 / (ta.len() + tb.len())) as u32;
    let (short, long) = if ca.len() <= cb.len() { (&ca, &cb) } else { (&cb, &ca) };
    let contained =
        if short.len() >= 3 && long.contains(short.as_str()) { 50 + (40 * short.len() / long.len()) as u32 } else { 0 };
    dice.max(contained)
}

/// Lowercase words without the noise ones.
fn tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|t| !NOISE.contains(&t.as_str()))
        .collect()
}

/// `acme/web` from `git@github.com:acme/web.git`, `https://github.com/acme/web`, `ssh://git@host/acme/web.git`.
fn remote_path(url: &str) -> Option<String> {
    let url = url.trim_end_matches('/').trim_end_matches(".git");
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?.1.to_string(),
        // scp-like `user@host:path`; a local path has no colon.
        None => match url.split_once(':') {
            Some((_, path)) => path.to_string(),
            None => url.to_string(),
        },
    };
    let path = path.trim_start_matches('/').to_string();
    (!path.is_empty()).then_some(path)
}

/// The last two path segments: `acme/web`.
fn owner_and_name(path: &str) -> Option<String> {
    let mut parts = path.rsplit('/');
    let name = parts.next()?;
    let owner = parts.next()?;
    Some(format!("{owner}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_score_by_equality_shared_words_and_containment() {
        assert_eq!(name_score("cart", "cart-service"), 100);
        assert_eq!(name_score("Payments_API", "payments-api"), 100);
        assert!(name_score("shop-frontend", "frontend") >= THRESHOLD);
        assert!(name_score("storefront", "shop-storefront") >= THRESHOLD);
        assert!(name_score("web", "wallet-backend") < THRESHOLD);
        assert!(name_score("web", "webshop-legacy-monolith") < THRESHOLD);
        assert_eq!(name_score("", "web"), 0);
        assert_eq!(name_score("service", "svc"), 0, "noise alone says nothing");
    }

    #[test]
    fn remote_urls_give_their_path() {
        assert_eq!(remote_path("git@github.com:acme/web.git").as_deref(), Some("acme/web"));
        assert_eq!(remote_path("https://github.com/acme/web/").as_deref(), Some("acme/web"));
        assert_eq!(remote_path("ssh://git@git.example.com:2222/team/acme/web.git").as_deref(), Some("team/acme/web"));
        assert_eq!(remote_path("/srv/git/web.git").as_deref(), Some("srv/git/web"));
    }
}
