//! "Is my commit deployed?": what commit a workload runs, from the best evidence there is, compared with
//! the repo's HEAD and a chosen branch's tip. Evidence, in order of trust:
//! 1. an image tag that carries a commit SHA (`web:main-3f2a9c1`): it names what the pods were built from;
//! 2. the `mosaic.dev/commit-*` annotations mosaic writes on the workload when it rolls out a commit;
//! 3. the running pods' `imageID` digests, against the digest of an image mosaic built from a known commit.
//!
//! Pure: the caller reads the workload, its pods and the repo; [`compare`] only decides.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use serde::Serialize;

use super::image::{ImageRef, same_commit};
use super::repo::CommitInfo;

/// The annotations mosaic writes on a workload when it rolls out a commit.
pub const COMMIT_SHA: &str = "mosaic.dev/commit-sha";
pub const COMMIT_BRANCH: &str = "mosaic.dev/commit-branch";
pub const COMMIT_MESSAGE: &str = "mosaic.dev/commit-message";
pub const COMMIT_TIME: &str = "mosaic.dev/commit-time";

/// A container of the workload's pod template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateContainer {
    pub name: String,
    pub image: String,
    /// As stored (the API server fills it in); `None` is read as the server's default.
    pub pull_policy: Option<String>,
}

/// What runs, as read from the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Running {
    pub containers: Vec<TemplateContainer>,
    /// The workload's own annotations (`metadata.annotations`).
    pub annotations: BTreeMap<String, String>,
    /// `(container name, imageID)` of every running container of the workload's pods.
    pub image_ids: Vec<(String, String)>,
}

impl Running {
    /// From a workload's annotations, its pod template and its pods (deleted pods are skipped).
    pub fn new(annotations: Option<&BTreeMap<String, String>>, template: &PodTemplateSpec, pods: &[Pod]) -> Running {
        let containers = template
            .spec
            .as_ref()
            .map(|spec| {
                spec.containers
                    .iter()
                    .map(|c| TemplateContainer {
                        name: c.name.clone(),
                        image: c.image.clone().unwrap_or_default(),
                        pull_policy: c.image_pull_policy.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let image_ids = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter_map(|p| p.status.as_ref()?.container_statuses.as_ref())
            .flatten()
            .filter(|s| !s.image_id.is_empty())
            .map(|s| (s.name.clone(), s.image_id.clone()))
            .collect();
        Running { containers, annotations: annotations.cloned().unwrap_or_default(), image_ids }
    }
}

/// An image mosaic built and pushed: its digest and the commit it was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// `sha256:…`
    pub digest: String,
    pub sha: String,
}

/// What the answer rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Evidence {
    /// Container `container` runs `image`, whose tag carries the SHA.
    ImageTag { container: String, image: String },
    /// The `mosaic.dev/commit-sha` annotation (and the branch it names, if any).
    Annotation { branch: Option<String> },
    /// `matching` of `total` running containers have the digest mosaic built.
    ImageDigest { digest: String, matching: usize, total: usize },
    /// None of the above.
    Nothing,
}

impl Evidence {
    pub fn words(&self) -> String {
        match self {
            Evidence::ImageTag { container, image } => format!("image tag of container {container}: {image}"),
            Evidence::Annotation { branch: Some(branch) } => {
                format!("annotation {COMMIT_SHA} (branch {branch})")
            }
            Evidence::Annotation { branch: None } => format!("annotation {COMMIT_SHA}"),
            Evidence::ImageDigest { digest, matching, total } => {
                format!("{matching} of {total} running containers have the built digest {}", short_digest(digest))
            }
            Evidence::Nothing => format!(
                "no image tag carries a commit SHA, no {COMMIT_SHA} annotation, and no built image digest is known"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Answer {
    Yes,
    No,
    /// The evidence cannot tell.
    Unknown,
}

impl Answer {
    pub fn word(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
            Answer::Unknown => "unknown",
        }
    }
}

/// The answer for HEAD and the chosen branch, the commit that runs, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployed {
    /// The SHA that runs (full or short, as the evidence gives it).
    pub running_sha: Option<String>,
    pub evidence: Evidence,
    pub head: Answer,
    /// The chosen branch and whether its tip runs.
    pub branch: Option<(String, Answer)>,
    /// "may be stale" warnings: a mutable tag pulled only if not present.
    pub stale: Vec<String>,
    /// Evidence that disagrees with the one the answer rests on, or a rollout under way.
    pub notes: Vec<String>,
}

impl Deployed {
    /// `commit deployed: yes · image tag of container web: ghcr.io/acme/web:3f2a9c1`
    pub fn headline(&self) -> String {
        let mut line = format!("commit deployed: {}", self.head.word());
        if self.head == Answer::No
            && let Some(sha) = &self.running_sha
        {
            line.push_str(&format!(" (running {})", &sha[..sha.len().min(7)]));
        }
        if !self.stale.is_empty() {
            line.push_str(" · may be stale");
        }
        line
    }
}

/// Which commit runs, from the first evidence that says, and how it compares with `head` and `branch`.
/// `image_repo` (the binding's) picks the app's own containers; without it every container counts.
pub fn compare(
    running: &Running,
    head: Option<&CommitInfo>,
    branch: Option<(&str, &CommitInfo)>,
    image_repo: Option<&str>,
    built: Option<&Built>,
) -> Deployed {
    let containers: Vec<&TemplateContainer> = {
        let own: Vec<_> = running.containers.iter().filter(|c| is_own(c, image_repo)).collect();
        if own.is_empty() { running.containers.iter().collect() } else { own }
    };
    let mut notes = Vec::new();

    let from_tag = containers.iter().find_map(|c| {
        let sha = ImageRef::parse(&c.image).tag_sha()?;
        Some((sha, Evidence::ImageTag { container: c.name.clone(), image: c.image.clone() }))
    });
    let annotated = running.annotations.get(COMMIT_SHA).filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_string());
    let from_annotation = annotated
        .clone()
        .map(|sha| (sha, Evidence::Annotation { branch: running.annotations.get(COMMIT_BRANCH).cloned() }));
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let from_digest = built.and_then(|built| {
        let ids: Vec<&String> =
            running.image_ids.iter().filter(|(name, _)| names.contains(&name.as_str())).map(|(_, id)| id).collect();
        if ids.is_empty() {
            return None;
        }
        let matching = ids.iter().filter(|id| id.ends_with(&built.digest)).count();
        let evidence = Evidence::ImageDigest { digest: built.digest.clone(), matching, total: ids.len() };
        Some((matching, ids.len(), built.sha.clone(), evidence))
    });

    let (running_sha, evidence, digest_mismatch) = if let Some((sha, evidence)) = from_tag {
        if let Some(annotated) = annotated.as_deref().filter(|a| !same_commit(a, &sha) && !same_commit(&sha, a)) {
            notes.push(format!(
                "the {COMMIT_SHA} annotation says {} but the image tag says {}; the tag is what runs",
                short(annotated),
                short(&sha)
            ));
        }
        (Some(sha), evidence, None)
    } else if let Some((sha, evidence)) = from_annotation {
        (Some(sha), evidence, None)
    } else if let Some((matching, total, sha, evidence)) = from_digest {
        if matching == total {
            (Some(sha), evidence, None)
        } else {
            if matching > 0 {
                notes.push(format!("{matching} of {total} running containers have the new image: rolling out?"));
            }
            (None, evidence, Some(sha))
        }
    } else {
        (None, Evidence::Nothing, None)
    };

    let answer = |commit: &CommitInfo| match (&running_sha, &digest_mismatch) {
        (Some(sha), _) => {
            if same_commit(sha, &commit.sha) {
                Answer::Yes
            } else {
                Answer::No
            }
        }
        // The pods do not (all) run the image built from this very commit.
        (None, Some(built_sha)) if same_commit(built_sha, &commit.sha) => Answer::No,
        _ => Answer::Unknown,
    };
    let stale = containers
        .iter()
        .filter(|c| {
            let image = ImageRef::parse(&c.image);
            image.is_mutable() && effective_policy(c, &image) == "IfNotPresent"
        })
        .map(|c| {
            format!(
                "container {} runs {} with imagePullPolicy IfNotPresent: a node that has pulled that tag before \
                 keeps its old image, so it may be stale (force pull sets Always and restarts)",
                c.name, c.image
            )
        })
        .collect();
    Deployed {
        head: head.map_or(Answer::Unknown, answer),
        branch: branch.map(|(name, tip)| (name.to_string(), answer(tip))),
        running_sha,
        evidence,
        stale,
        notes,
    }
}

/// The container's image is the bound image repository (by full repo, or by name when either lacks a registry).
fn is_own(container: &TemplateContainer, image_repo: Option<&str>) -> bool {
    let Some(bound) = image_repo else { return true };
    let image = ImageRef::parse(&container.image);
    let bound = ImageRef::parse(bound);
    image.repo == bound.repo
        || image.repo.ends_with(&format!("/{}", bound.repo))
        || bound.repo.ends_with(&format!("/{}", image.repo))
}

/// The stored policy, else the API server's default: `Always` for `:latest` or no tag, else `IfNotPresent`.
fn effective_policy<'a>(container: &'a TemplateContainer, image: &ImageRef) -> &'a str {
    match container.pull_policy.as_deref() {
        Some(policy) => policy,
        None if image.digest.is_none() && matches!(image.tag.as_deref(), None | Some("latest")) => "Always",
        None => "IfNotPresent",
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(7)]
}

fn short_digest(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}
