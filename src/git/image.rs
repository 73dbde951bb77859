//! Container image references as written in a pod template: `ghcr.io/acme/web:main-3f2a9c1@sha256:…`.

/// An image reference split into its parts (no registry defaulting: what is written is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Everything before the tag and digest: `ghcr.io/acme/web`.
    pub repo: String,
    pub tag: Option<String>,
    /// `sha256:…`
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        // A colon after the last slash is a tag; before it, a registry port.
        let (repo, tag) = match rest.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t.to_string())),
            _ => (rest, None),
        };
        ImageRef { repo: repo.to_string(), tag, digest }
    }

    /// The last path segment of the repository: `web`.
    pub fn name(&self) -> &str {
        self.repo.rsplit('/').next().unwrap_or(&self.repo)
    }

    /// The commit SHA (7 to 40 hex) the tag carries, if any: `3f2a9c1`, `main-3f2a9c1`, `sha-3f2a…`.
    pub fn tag_sha(&self) -> Option<String> {
        self.tag.as_deref().and_then(sha_in_tag)
    }

    /// [`Self::tag_sha`], or else a part of 7 to 40 digits only that one of the `known` full SHAs starts
    /// with: one short SHA in 27 or so has no letter, and a tag equal to HEAD's short SHA is not a date.
    pub fn tag_sha_among(&self, known: &[&str]) -> Option<String> {
        self.tag_sha().or_else(|| {
            self.tag.as_deref()?.split(['-', '_', '.']).find_map(|part| {
                let digits = part.len() >= 7 && part.len() <= 40 && part.chars().all(|c| c.is_ascii_digit());
                (digits && known.iter().any(|sha| same_commit(part, sha))).then(|| part.to_string())
            })
        })
    }

    /// A tag that may point at another image tomorrow: none, `latest`, a branch name… Pinned by digest, a
    /// SHA or a version number (`1.2.3`, `v2`) is not.
    pub fn is_mutable(&self) -> bool {
        if self.digest.is_some() {
            return false;
        }
        match self.tag.as_deref() {
            None => true,
            Some(tag) => sha_in_tag(tag).is_none() && !looks_like_version(tag),
        }
    }
}

/// The SHA in a tag: a part (split on `-`, `_`, `.`) of 7 to 40 hex digits with at least one letter, or all
/// 40 (so dates such as `20240101` are not taken for commits).
pub fn sha_in_tag(tag: &str) -> Option<String> {
    tag.split(['-', '_', '.']).find_map(|part| {
        let hex = part.len() >= 7 && part.len() <= 40 && part.chars().all(|c| c.is_ascii_hexdigit());
        let lettered = part.chars().any(|c| c.is_ascii_alphabetic()) || part.len() == 40;
        (hex && lettered).then(|| part.to_ascii_lowercase())
    })
}

/// Whether a running SHA (full or short) and a commit's full SHA name the same commit.
pub fn same_commit(running: &str, full: &str) -> bool {
    let (running, full) = (running.to_ascii_lowercase(), full.to_ascii_lowercase());
    running.len() >= 7 && (full.starts_with(&running) || running.starts_with(&full))
}

fn looks_like_version(tag: &str) -> bool {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    tag.chars().next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_registry_ports_tags_and_digests() {
        let r = ImageRef::parse("localhost:5000/shop/web:main-3f2a9c1@sha256:abc");
        assert_eq!(r.repo, "localhost:5000/shop/web");
        assert_eq!(r.tag.as_deref(), Some("main-3f2a9c1"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        assert_eq!(r.name(), "web");
        let r = ImageRef::parse("localhost:5000/web");
        assert_eq!((r.repo.as_str(), r.tag), ("localhost:5000/web", None));
        assert_eq!(ImageRef::parse("redis").name(), "redis");
    }

    #[test]
    fn finds_shas_in_tags_but_not_versions_or_dates() {
        assert_eq!(sha_in_tag("3f2a9c1"), Some("3f2a9c1".into()));
        assert_eq!(sha_in_tag("main-3F2A9C1"), Some("3f2a9c1".into()));
        assert_eq!(
            sha_in_tag("sha-0123456789abcdef0123456789abcdef01234567"),
            Some("0123456789abcdef0123456789abcdef01234567".into())
        );
        assert_eq!(sha_in_tag("1.8.2"), None);
        assert_eq!(sha_in_tag("20240101"), None);
        assert_eq!(sha_in_tag("latest"), None);
        assert_eq!(sha_in_tag("deadbe"), None, "six hex digits are too few");
    }

    #[test]
    fn an_all_digit_short_sha_counts_when_it_names_a_known_commit() {
        let head = "1919189e2f0c4d6a8b1c3e5f7a9b0c2d4e6f8a0b";
        let image = ImageRef::parse("ghcr.io/acme/web:1919189");
        assert_eq!(image.tag_sha(), None, "alone, seven digits could be a build number");
        assert_eq!(image.tag_sha_among(&[head]), Some("1919189".into()));
        assert_eq!(ImageRef::parse("web:20240101").tag_sha_among(&[head]), None, "a date names no known commit");
        assert_eq!(ImageRef::parse("web:main-3f2a9c1").tag_sha_among(&[]), Some("3f2a9c1".into()));
    }

    #[test]
    fn mutable_tags_are_latest_missing_or_branch_names() {
        assert!(ImageRef::parse("web").is_mutable());
        assert!(ImageRef::parse("web:latest").is_mutable());
        assert!(ImageRef::parse("web:main").is_mutable());
        assert!(!ImageRef::parse("web:1.8.2").is_mutable());
        assert!(!ImageRef::parse("web:v2").is_mutable());
        assert!(!ImageRef::parse("web:main-3f2a9c1").is_mutable());
        assert!(!ImageRef::parse("web:latest@sha256:abc").is_mutable());
    }

    #[test]
    fn short_and_full_shas_name_the_same_commit() {
        let full = "3f2a9c1d0e0f00112233445566778899aabbccdd";
        assert!(same_commit("3f2a9c1", full));
        assert!(same_commit(full, full));
        assert!(!same_commit("3f2a9c2", full));
        assert!(!same_commit("3f2", full), "too short to say");
    }
}
