//! Container image references, normalised as containerd reports them.
use super::ids;

pub(crate) struct ImageRef {
    /// `docker.io`, `ghcr.io`, `registry.example.invalid`...
    pub registry: String,
    /// `library/nginx`, `acme/billing`...
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub(crate) fn parse(image: &str) -> ImageRef {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        let (name, tag) = match rest.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n, Some(t.to_string())),
            _ => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), path.to_string())
            }
            Some(_) => ("docker.io".to_string(), name.to_string()),
            None => ("docker.io".to_string(), format!("library/{name}")),
        };
        ImageRef { registry, repository, tag, digest }
    }

    /// `ghcr.io/acme/billing`, `docker.io/library/nginx`.
    pub(crate) fn repo_path(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The fully qualified reference containerd pulls: `docker.io/library/nginx:latest`.
    pub(crate) fn normalized(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => format!("{}@{d}", self.repo_path()),
            (None, Some(t)) => format!("{}:{t}", self.repo_path()),
            (None, None) => format!("{}:latest", self.repo_path()),
        }
    }

    /// The host that serves the registry API (Docker Hub answers on `registry-1.docker.io`).
    pub(crate) fn api_host(&self) -> &str {
        if self.registry == "docker.io" { "registry-1.docker.io" } else { &self.registry }
    }

    pub(crate) fn manifest_url(&self) -> String {
        let reference = self.digest.clone().or_else(|| self.tag.clone()).unwrap_or_else(|| "latest".to_string());
        format!("https://{}/v2/{}/manifests/{reference}", self.api_host(), self.repository)
    }

    /// Registries that cannot resolve: reserved test domains.
    pub(crate) fn unresolvable(&self) -> bool {
        let host = self.registry.split(':').next().unwrap_or("");
        [".invalid", ".test", ".example", ".local"].iter().any(|tld| host.ends_with(tld))
    }
}

/// `status.containerStatuses[].imageID`: `ghcr.io/acme/billing@sha256:<64 hex, stable for the image>`.
pub(crate) fn image_id(image: &str) -> String {
    let r = ImageRef::parse(image);
    format!("{}@sha256:{}", r.repo_path(), ids::hex(&format!("image:{image}"), 64))
}

/// What the kubelet reports as `containerStatuses[].image`: the spec's reference as written for
/// fully-qualified names, or the normalised one for Docker Hub short names.
pub(crate) fn status_image(image: &str) -> String {
    let r = ImageRef::parse(image);
    if image.starts_with(&r.registry) { image.to_string() } else { r.normalized() }
}

/// `IfNotPresent`, except for `:latest` or untagged images, as the API server defaults it.
pub(crate) fn default_pull_policy(image: &str) -> &'static str {
    let r = ImageRef::parse(image);
    match (&r.digest, r.tag.as_deref()) {
        (None, None | Some("latest")) => "Always",
        _ => "IfNotPresent",
    }
}

/// The error containerd returns for a failed pull, as the kubelet puts it in events and statuses.
pub(crate) fn pull_error(image: &str) -> String {
    let r = ImageRef::parse(image);
    let full = r.normalized();
    if r.unresolvable() {
        format!(
            "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": failed to do request: Head \"{}\": dial tcp: lookup {}: no such host",
            r.manifest_url(),
            r.api_host()
        )
    } else {
        format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_normalise_like_containerd() {
        assert_eq!(ImageRef::parse("nginx").normalized(), "docker.io/library/nginx:latest");
        assert_eq!(ImageRef::parse("bitnami/redis:6").normalized(), "docker.io/bitnami/redis:6");
        assert_eq!(ImageRef::parse("localhost:5000/app:1").registry, "localhost:5000");
        assert!(image_id("ghcr.io/acme/billing:5.1.0").starts_with("ghcr.io/acme/billing@sha256:"));
        assert_eq!(default_pull_policy("nginx"), "Always");
        assert_eq!(default_pull_policy("nginx:1.19"), "IfNotPresent");
        let e = pull_error("registry.example.invalid/nope:1");
        assert!(e.contains("failed to resolve reference \"registry.example.invalid/nope:1\""), "{e}");
        assert!(e.contains("dial tcp: lookup registry.example.invalid: no such host"), "{e}");
        assert!(e.contains("Head \"https://registry.example.invalid/v2/nope/manifests/1\""));
    }
}
