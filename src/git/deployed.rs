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
/// `image_repo` (the binding's) picks the app's own containers; without it every container counts. `built` are
/// the images mosaic pushed for the app, newest first.
pub fn compare(
    running: &Running,
    head: Option<&CommitInfo>,
    branch: Option<(&str, &CommitInfo)>,
    image_repo: Option<&str>,
    built: &[Built],
) -> Deployed {
    let containers = own_containers(running, image_repo);
    let mut notes = Vec::new();

    let known: Vec<&str> = head.into_iter().chain(branch.map(|(_, tip)| tip)).map(|c| c.sha.as_str()).collect();
    let from_tag = containers.iter().find_map(|c| {
        let sha = ImageRef::parse(&c.image).tag_sha_among(&known)?;
        Some((sha, Evidence::ImageTag { container: c.name.clone(), image: c.image.clone() }))
    });
    let annotated = running.annotations.get(COMMIT_SHA).filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_string());
    let from_annotation = annotated
        .clone()
        .map(|sha| (sha, Evidence::Annotation { branch: running.annotations.get(COMMIT_BRANCH).cloned() }));
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let ids: Vec<&String> =
        running.image_ids.iter().filter(|(name, _)| names.contains(&name.as_str())).map(|(_, id)| id).collect();
    // The build every running container has, else one some have (a rollout under way), else the newest.
    let matching = |b: &Built| ids.iter().filter(|id| id.ends_with(&b.digest)).count();
    let from_digest = (!ids.is_empty())
        .then(|| {
            built
                .iter()
                .find(|b| matching(b) == ids.len())
                .or_else(|| built.iter().find(|b| matching(b) > 0))
                .or_else(|| built.first())
        })
        .flatten()
        .map(|b| {
            let (matching, total) = (matching(b), ids.len());
            let evidence = Evidence::ImageDigest { digest: b.digest.clone(), matching, total };
            (matching, total, b.sha.clone(), evidence)
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

/// The app's containers whose image pull policy is not `Always`: those a force pull offers to change.
pub fn not_always(running: &Running, image_repo: Option<&str>) -> Vec<String> {
    own_containers(running, image_repo)
        .into_iter()
        .filter(|c| effective_policy(c, &ImageRef::parse(&c.image)) != "Always")
        .map(|c| c.name.clone())
        .collect()
}

/// The containers running the bound image repository; all of them when none does or none is bound.
fn own_containers<'a>(running: &'a Running, image_repo: Option<&str>) -> Vec<&'a TemplateContainer> {
    let own: Vec<_> = running.containers.iter().filter(|c| is_own(c, image_repo)).collect();
    if own.is_empty() { running.containers.iter().collect() } else { own }
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

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Pod;

    use super::*;

    const HEAD: &str = "3f2a9c1d0e0f00112233445566778899aabbccdd";
    const OLDER: &str = "1b2c3d4e5f60718293a4b5c6d7e8f90011223344";

    fn fixture<T: serde::de::DeserializeOwned>(file: &str) -> Vec<T> {
        let path = format!("{}/tests/fixtures/real-1.19/{file}", env!("CARGO_MANIFEST_DIR"));
        let list: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        serde_json::from_value(list["items"].clone()).unwrap()
    }

    /// The real `billing` Deployment and its pod (image `ghcr.io/acme/billing:5.1.0`, IfNotPresent).
    fn billing() -> (Deployment, Vec<Pod>) {
        let deployment = fixture::<Deployment>("deployments-list.json")
            .into_iter()
            .find(|d| d.metadata.name.as_deref() == Some("billing"))
            .unwrap();
        let pods = fixture::<Pod>("pods-list.json")
            .into_iter()
            .filter(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with("billing-")))
            .collect();
        (deployment, pods)
    }

    fn running(image: Option<&str>, annotations: &[(&str, &str)]) -> Running {
        let (mut deployment, pods) = billing();
        let template = &mut deployment.spec.as_mut().unwrap().template;
        if let Some(image) = image {
            template.spec.as_mut().unwrap().containers[0].image = Some(image.to_string());
        }
        let notes = deployment.metadata.annotations.get_or_insert_default();
        notes.extend(annotations.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Running::new(deployment.metadata.annotations.as_ref(), &deployment.spec.unwrap().template, &pods)
    }

    fn commit(sha: &str) -> CommitInfo {
        CommitInfo {
            sha: sha.into(),
            subject: "Fix the cart".into(),
            author: "Ann".into(),
            time: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_fixture_reads_as_expected() {
        let r = running(None, &[]);
        assert_eq!(r.containers[0].image, "ghcr.io/acme/billing:5.1.0");
        assert_eq!(r.containers[0].pull_policy.as_deref(), Some("IfNotPresent"));
        assert!(r.image_ids.iter().all(|(_, id)| id.starts_with("ghcr.io/acme/billing@sha256:")), "{:?}", r.image_ids);
        assert!(!r.image_ids.is_empty());
    }

    #[test]
    fn a_short_sha_in_the_tag_answers_first() {
        let r = running(Some("ghcr.io/acme/billing:main-3f2a9c1"), &[(COMMIT_SHA, OLDER)]);
        let d = compare(&r, Some(&commit(HEAD)), Some(("release", &commit(OLDER))), Some("ghcr.io/acme/billing"), &[]);
        assert_eq!(d.head, Answer::Yes);
        assert_eq!(d.branch, Some(("release".into(), Answer::No)));
        assert_eq!(d.running_sha.as_deref(), Some("3f2a9c1"));
        assert!(matches!(&d.evidence, Evidence::ImageTag { container, .. } if container == "billing"));
        assert!(d.notes[0].contains("annotation says 1b2c3d4"), "{:?}", d.notes);
        assert_eq!(d.headline(), "commit deployed: yes");
        assert!(d.stale.is_empty(), "a SHA tag is immutable");
    }

    #[test]
    fn a_short_sha_of_digits_only_answers_when_it_is_heads() {
        let head = "1919189e2f0c4d6a8b1c3e5f7a9b0c2d4e6f8a0b";
        let r = running(Some("ghcr.io/acme/billing:1919189"), &[]);
        let d = compare(&r, Some(&commit(head)), None, Some("ghcr.io/acme/billing"), &[]);
        assert_eq!((d.head, d.running_sha.as_deref()), (Answer::Yes, Some("1919189")));
        let d = compare(&r, Some(&commit(HEAD)), None, Some("ghcr.io/acme/billing"), &[]);
        assert_eq!(d.head, Answer::Unknown, "seven digits that name no known commit may be a build number");
    }

    #[test]
    fn the_annotation_answers_when_the_tag_has_no_sha() {
        let r = running(None, &[(COMMIT_SHA, OLDER), (COMMIT_BRANCH, "main")]);
        let d = compare(&r, Some(&commit(HEAD)), None, None, &[]);
        assert_eq!(d.head, Answer::No);
        assert_eq!(d.evidence, Evidence::Annotation { branch: Some("main".into()) });
        assert_eq!(d.headline(), "commit deployed: no (running 1b2c3d4)");
        assert!(d.evidence.words().contains("mosaic.dev/commit-sha (branch main)"));
    }

    #[test]
    fn the_digest_answers_last_and_only_for_the_built_commit() {
        let r = running(None, &[]);
        let digest = r.image_ids[0].1.split('@').nth(1).unwrap().to_string();
        let built = Built { digest: digest.clone(), sha: HEAD.into() };
        let d = compare(&r, Some(&commit(HEAD)), None, None, std::slice::from_ref(&built));
        assert_eq!((d.head, d.running_sha.as_deref()), (Answer::Yes, Some(HEAD)));
        assert!(matches!(d.evidence, Evidence::ImageDigest { matching, total, .. } if matching == total));

        let other = Built { digest: format!("sha256:{}", "0".repeat(64)), sha: HEAD.into() };
        let d = compare(&r, Some(&commit(HEAD)), Some(("old", &commit(OLDER))), None, &[other]);
        assert_eq!(d.head, Answer::No, "the pods do not run what was built from HEAD");
        assert_eq!(d.branch, Some(("old".into(), Answer::Unknown)));
    }

    #[test]
    fn an_older_build_that_runs_names_its_commit() {
        let r = running(None, &[]);
        let digest = r.image_ids[0].1.split('@').nth(1).unwrap().to_string();
        let newest = Built { digest: format!("sha256:{}", "0".repeat(64)), sha: HEAD.into() };
        let rolled_back = Built { digest, sha: OLDER.into() };
        let d = compare(&r, Some(&commit(HEAD)), Some(("release", &commit(OLDER))), None, &[newest, rolled_back]);
        assert_eq!((d.head, d.running_sha.as_deref()), (Answer::No, Some(OLDER)));
        assert_eq!(d.branch, Some(("release".into(), Answer::Yes)));
        assert!(d.evidence.words().contains("digest"), "{}", d.evidence.words());
    }

    #[test]
    fn without_evidence_the_answer_is_unknown_and_says_why() {
        let d = compare(&running(None, &[]), Some(&commit(HEAD)), None, None, &[]);
        assert_eq!((d.head, &d.evidence), (Answer::Unknown, &Evidence::Nothing));
        assert!(d.evidence.words().contains("no image tag carries a commit SHA"));
        assert_eq!(compare(&running(None, &[]), None, None, None, &[]).head, Answer::Unknown);
    }

    #[test]
    fn a_mutable_tag_pulled_if_not_present_may_be_stale() {
        let d = compare(
            &running(Some("ghcr.io/acme/billing:main"), &[(COMMIT_SHA, HEAD)]),
            Some(&commit(HEAD)),
            None,
            None,
            &[],
        );
        assert_eq!(d.head, Answer::Yes);
        assert_eq!(d.stale.len(), 1);
        assert!(d.stale[0].contains("IfNotPresent") && d.stale[0].contains("may be stale"), "{}", d.stale[0]);
        assert_eq!(d.headline(), "commit deployed: yes · may be stale");
        // A version tag is not flagged; neither is :latest pulled Always.
        assert!(compare(&running(None, &[]), None, None, None, &[]).stale.is_empty());
        let mut r = running(Some("ghcr.io/acme/billing:latest"), &[]);
        r.containers[0].pull_policy = Some("Always".into());
        assert!(compare(&r, None, None, None, &[]).stale.is_empty());
        r.containers[0].pull_policy = None;
        assert!(compare(&r, None, None, None, &[]).stale.is_empty(), "the server defaults :latest to Always");
    }

    #[test]
    fn the_bound_image_repo_picks_the_apps_own_container() {
        let mut r = running(Some("ghcr.io/acme/billing:1.0"), &[]);
        r.containers
            .insert(0, TemplateContainer { name: "proxy".into(), image: "envoy:abcdef1".into(), pull_policy: None });
        let d = compare(&r, Some(&commit(HEAD)), None, Some("ghcr.io/acme/billing"), &[]);
        assert_eq!(d.evidence, Evidence::Nothing, "the sidecar's tag is not the app's commit");
        let d = compare(&r, Some(&commit(HEAD)), None, None, &[]);
        assert!(matches!(d.evidence, Evidence::ImageTag { .. }));
    }

    #[test]
    fn force_pull_offers_the_own_containers_not_pulled_always() {
        let mut r = running(None, &[]);
        assert_eq!(not_always(&r, Some("ghcr.io/acme/billing")), ["billing"]);
        r.containers[0].pull_policy = Some("Always".into());
        assert!(not_always(&r, None).is_empty());
        r.containers.push(TemplateContainer { name: "proxy".into(), image: "envoy:v1".into(), pull_policy: None });
        assert_eq!(not_always(&r, None), ["proxy"]);
        assert!(not_always(&r, Some("ghcr.io/acme/billing")).is_empty(), "the sidecar is not the app's");
    }
}
