//! The YAML file `mosaic bindings export|import` writes and reads, so a team can share its bindings. Paths
//! under the home folder are written as `~/…` and read back under the reader's own home.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::AppBinding;

/// The file: one context's bindings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingsFile {
    /// The kubeconfig context they were exported from.
    pub context: String,
    #[serde(default)]
    pub bindings: Vec<Entry>,
}

/// One binding as the file spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Entry {
    pub namespace: String,
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_context: Option<String>,
    /// The branch compared with what runs, besides HEAD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_branch: Option<String>,
}

/// The YAML of `bindings` (all of `context`), with `home` written as `~`.
pub fn to_yaml(context: &str, bindings: &[AppBinding], home: Option<&Path>) -> Result<String, String> {
    let text = |p: &Option<PathBuf>| p.as_deref().map(|p| tilde(p, home));
    let file = BindingsFile {
        context: context.to_string(),
        bindings: bindings
            .iter()
            .map(|b| Entry {
                namespace: b.namespace.clone(),
                kind: b.kind.clone(),
                name: b.name.clone(),
                repo: text(&b.repo_path),
                image: b.image_repo.clone(),
                dockerfile: b.dockerfile.as_ref().map(|p| p.display().to_string()),
                build_context: b.build_context.as_ref().map(|p| p.display().to_string()),
                compare_branch: b.compare_branch.clone(),
            })
            .collect(),
    };
    let yaml = serde_yaml::to_string(&file).map_err(|e| format!("could not write the bindings as YAML: {e}"))?;
    Ok(format!("# mosaic app bindings: import with `mosaic bindings import FILE`\n{yaml}"))
}

/// The bindings in `yaml`, for `context` when given (else the file's), with `~` read as `home`.
pub fn from_yaml(yaml: &str, context: Option<&str>, home: Option<&Path>) -> Result<Vec<AppBinding>, String> {
    let file: BindingsFile = serde_yaml::from_str(yaml).map_err(|e| format!("not a mosaic bindings file: {e}"))?;
    let context = context.unwrap_or(&file.context);
    file.bindings
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            if e.kind.trim().is_empty() || e.name.trim().is_empty() {
                return Err(format!("binding {} has no kind or name", i + 1));
            }
            if !matches!(e.kind.as_str(), "Deployment" | "StatefulSet" | "DaemonSet") {
                return Err(format!(
                    "binding {} ({}) has kind {:?}: it must be Deployment, StatefulSet or DaemonSet",
                    i + 1,
                    e.name,
                    e.kind
                ));
            }
            let mut binding = AppBinding::new(context, e.namespace, e.kind, e.name);
            binding.repo_path = e.repo.map(|p| untilde(&p, home));
            binding.image_repo = e.image;
            binding.dockerfile = e.dockerfile.map(PathBuf::from);
            binding.build_context = e.build_context.map(PathBuf::from);
            binding.compare_branch = e.compare_branch;
            Ok(binding)
        })
        .collect()
}

fn tilde(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) if rest.as_os_str().is_empty() => "~".into(),
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

fn untilde(text: &str, home: Option<&Path>) -> PathBuf {
    match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if text == "~" && home.is_some() => home.map(Path::to_path_buf).unwrap_or_default(),
        _ => PathBuf::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> AppBinding {
        let mut b = AppBinding::new("kind-dev", "shop", "Deployment", "web");
        b.repo_path = Some("/home/ann/src/web".into());
        b.image_repo = Some("ghcr.io/acme/web".into());
        b.dockerfile = Some("docker/Dockerfile".into());
        b.build_context = Some(".".into());
        b.compare_branch = Some("release".into());
        b
    }

    #[test]
    fn round_trips_with_home_relative_paths() {
        let mut db = AppBinding::new("kind-dev", "shop", "StatefulSet", "db");
        db.repo_path = Some("/srv/db".into());
        let yaml = to_yaml("kind-dev", &[web(), db.clone()], Some(Path::new("/home/ann"))).unwrap();
        assert!(yaml.contains("repo: ~/src/web") && yaml.contains("buildContext: ."), "{yaml}");
        assert!(yaml.contains("compareBranch: release"), "{yaml}");
        assert!(!yaml.contains("id:") && !yaml.contains("updated"), "{yaml}");
        // Read back by someone else, into another context.
        let read = from_yaml(&yaml, Some("prod"), Some(Path::new("/home/bob"))).unwrap();
        assert_eq!(read[0].repo_path.as_deref(), Some(Path::new("/home/bob/src/web")));
        assert_eq!(read[0].context, "prod");
        assert_eq!(read[1], AppBinding { context: "prod".into(), ..db });
        // And by the same person, into the file's context: exactly what was exported.
        assert_eq!(from_yaml(&yaml, None, Some(Path::new("/home/ann"))).unwrap()[0], web());
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(
            from_yaml("context: c\nbindings:\n- {namespace: a, kind: Pod, name: x}\n", None, None)
                .unwrap_err()
                .contains("must be Deployment")
        );
        assert!(
            from_yaml("context: c\nbindigns: []\n", None, None).unwrap_err().contains("not a mosaic bindings file")
        );
        assert!(from_yaml("- just a list", None, None).is_err());
    }
}
