//! Which cluster, user and namespace mosaic talks to: kubeconfig files, contexts and flags, resolved the way
//! kubectl resolves them (`--kubeconfig`, then every file in `KUBECONFIG` merged, then `~/.kube/config`).
use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// A resolved context: everything needed to build a client and to explain what mosaic is connected to.
#[derive(Debug, Clone)]
pub struct KubeTarget {
    pub kubeconfig: Kubeconfig,
    /// The files the kubeconfig came from, for messages.
    pub sources: Vec<PathBuf>,
    pub context: String,
    pub cluster: String,
    pub server: String,
    /// The kubeconfig user entry's name (the server may know the user by another name).
    pub user: String,
    pub namespace: String,
    /// Every context name in the merged kubeconfig, for `:ctx`.
    pub contexts: Vec<String>,
}

/// Why mosaic could not find a usable context. Each message says what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigProblem {
    #[error(
        "No kubeconfig found at {path}.\nPoint mosaic at one with --kubeconfig FILE or the KUBECONFIG variable, \
         or try the built-in demo cluster: mosaic demo"
    )]
    Missing { path: String },
    #[error("Could not read the kubeconfig {path}: {reason}\nCheck the file exists and is readable.")]
    Unreadable { path: String, reason: String },
    #[error("The kubeconfig {path} is not valid: {reason}\nFix the file, or check it with: kubectl config view")]
    Malformed { path: String, reason: String },
    #[error(
        "The kubeconfig {path} has no current context.\nChoose one with --context NAME, or set it with: \
         kubectl config use-context NAME\nContexts: {available}"
    )]
    NoCurrentContext { path: String, available: String },
    #[error(
        "There is no context named {context:?} in {path}.\nContexts: {available}\nList them with: kubectl config get-contexts"
    )]
    UnknownContext { context: String, path: String, available: String },
    #[error(
        "Context {context:?} in {path} names the cluster {cluster:?}, which is not in the file.\nFix the \
         context, or list clusters with: kubectl config get-clusters"
    )]
    UnknownCluster { context: String, cluster: String, path: String },
    #[error(
        "The cluster {cluster:?} in {path} has no server address.\nSet one with: kubectl config set-cluster {cluster} --server=https://…"
    )]
    NoServer { cluster: String, path: String },
    #[error("Could not use context {context:?} from {path}: {reason}")]
    Unusable { context: String, path: String, reason: String },
}

fn describe(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

/// The files kubectl would read, in order.
pub fn kubeconfig_paths(explicit: Option<&PathBuf>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.clone()];
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value).filter(|p| !p.as_os_str().is_empty()).collect();
        if !paths.is_empty() {
            return paths;
        }
    }
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    vec![home.unwrap_or_default().join(".kube").join("config")]
}

/// Read and merge the kubeconfig files. Files in KUBECONFIG that do not exist are skipped, as kubectl does;
/// an explicit `--kubeconfig` that does not exist is an error.
pub fn read_kubeconfig(paths: &[PathBuf], explicit: bool) -> Result<Kubeconfig, KubeconfigProblem> {
    let mut merged = Kubeconfig::default();
    let mut found = false;
    for path in paths {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !(explicit || paths.len() == 1) => {
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KubeconfigProblem::Missing { path: path.display().to_string() });
            }
            Err(e) => {
                return Err(KubeconfigProblem::Unreadable { path: path.display().to_string(), reason: e.to_string() });
            }
        };
        let config = Kubeconfig::from_yaml(&text)
            .map_err(|e| KubeconfigProblem::Malformed { path: path.display().to_string(), reason: e.to_string() })?;
        merged = merged
            .merge(config)
            .map_err(|e| KubeconfigProblem::Malformed { path: path.display().to_string(), reason: e.to_string() })?;
        found = true;
    }
    if !found {
        return Err(KubeconfigProblem::Missing { path: describe(paths) });
    }
    Ok(merged)
}

/// Resolve the context to use and its namespace.
pub fn resolve(options: &ConnectOptions) -> Result<KubeTarget, KubeconfigProblem> {
    let paths = kubeconfig_paths(options.kubeconfig.as_ref());
    let kubeconfig = read_kubeconfig(&paths, options.kubeconfig.is_some())?;
    target_for(kubeconfig, paths, options.context.as_deref(), options.namespace.as_deref())
}

/// Resolve one context of an already-read kubeconfig (also used by `:ctx NAME`).
pub fn target_for(
    kubeconfig: Kubeconfig,
    sources: Vec<PathBuf>,
    context: Option<&str>,
    namespace: Option<&str>,
) -> Result<KubeTarget, KubeconfigProblem> {
    let path = describe(&sources);
    let contexts: Vec<String> = kubeconfig.contexts.iter().map(|c| c.name.clone()).collect();
    let available = if contexts.is_empty() { "(none)".to_string() } else { contexts.join(", ") };
    let name = match context.map(str::to_string).or_else(|| kubeconfig.current_context.clone()) {
        Some(n) if !n.is_empty() => n,
        _ => return Err(KubeconfigProblem::NoCurrentContext { path, available }),
    };
    let Some(named) = kubeconfig.contexts.iter().find(|c| c.name == name) else {
        return Err(KubeconfigProblem::UnknownContext { context: name, path, available });
    };
    let ctx = named.context.clone().unwrap_or_default();
    let cluster_name = ctx.cluster.clone();
    let Some(cluster) = kubeconfig.clusters.iter().find(|c| c.name == cluster_name) else {
        return Err(KubeconfigProblem::UnknownCluster { context: name, cluster: cluster_name, path });
    };
    let server = cluster.cluster.as_ref().and_then(|c| c.server.clone()).unwrap_or_default();
    if server.is_empty() {
        return Err(KubeconfigProblem::NoServer { cluster: cluster_name, path });
    }
    let namespace = namespace
        .map(str::to_string)
        .or(ctx.namespace.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".to_string());
    Ok(KubeTarget {
        kubeconfig,
        sources,
        context: name,
        cluster: cluster_name,
        server,
        user: ctx.user.clone().unwrap_or_default(),
        namespace,
        contexts,
    })
}

impl KubeTarget {
    pub fn source_description(&self) -> String {
        describe(&self.sources)
    }

    /// The kube-rs options that select this context.
    pub fn options(&self) -> KubeConfigOptions {
        KubeConfigOptions { context: Some(self.context.clone()), cluster: None, user: None }
    }

    /// The same kubeconfig, another context (for `:ctx NAME`).
    pub fn switch(&self, context: &str) -> Result<KubeTarget, KubeconfigProblem> {
        target_for(self.kubeconfig.clone(), self.sources.clone(), Some(context), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_CONTEXTS: &str = r#"
apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c1
  cluster: {server: "http://127.0.0.1:1"}
users:
- name: u1
  user: {token: t}
contexts:
- name: a
  context: {cluster: c1, user: u1, namespace: shop}
- name: b
  context: {cluster: c1, user: u1}
- name: broken
  context: {cluster: nope, user: u1}
"#;

    fn config() -> Kubeconfig {
        Kubeconfig::from_yaml(TWO_CONTEXTS).expect("valid")
    }

    #[test]
    fn current_context_and_its_namespace() {
        let t = target_for(config(), vec![PathBuf::from("k")], None, None).expect("resolves");
        assert_eq!((t.context.as_str(), t.namespace.as_str(), t.user.as_str()), ("a", "shop", "u1"));
        assert_eq!(t.contexts, vec!["a", "b", "broken"]);
    }

    #[test]
    fn flags_override_context_and_namespace() {
        let t = target_for(config(), vec![PathBuf::from("k")], Some("b"), None).expect("resolves");
        assert_eq!(t.namespace, "default");
        let t = target_for(config(), vec![PathBuf::from("k")], Some("a"), Some("other")).expect("resolves");
        assert_eq!(t.namespace, "other");
    }

    #[test]
    fn unknown_context_names_the_choices() {
        let err = target_for(config(), vec![PathBuf::from("/x/k")], Some("zzz"), None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("\"zzz\"") && text.contains("/x/k") && text.contains("a, b, broken"), "{text}");
    }

    #[test]
    fn context_with_missing_cluster_is_explained() {
        let err = target_for(config(), vec![PathBuf::from("k")], Some("broken"), None).unwrap_err();
        assert!(err.to_string().contains("names the cluster \"nope\""), "{err}");
    }

    #[test]
    fn several_files_merge_first_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = dir.path().join("one");
        let second = dir.path().join("two");
        std::fs::write(&first, TWO_CONTEXTS).expect("write");
        std::fs::write(
            &second,
            "apiVersion: v1\nkind: Config\ncurrent-context: z\nclusters: [{name: c2, cluster: {server: 'http://127.0.0.1:2'}}]\n\
             users: [{name: u2, user: {token: x}}]\ncontexts: [{name: z, context: {cluster: c2, user: u2}}]\n",
        )
        .expect("write");
        let missing = dir.path().join("missing");
        let merged = read_kubeconfig(&[first, missing, second], false).expect("merges");
        let t = target_for(merged, vec![], None, None).expect("resolves");
        assert_eq!(t.context, "a", "the first file's current-context wins");
        assert!(t.contexts.contains(&"z".to_string()));
    }

    #[test]
    fn missing_and_malformed_files_are_explained() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        let err = read_kubeconfig(std::slice::from_ref(&missing), true).unwrap_err();
        assert!(matches!(err, KubeconfigProblem::Missing { .. }), "{err}");
        let bad = dir.path().join("bad");
        std::fs::write(&bad, "clusters: [[[").expect("write");
        let err = read_kubeconfig(&[bad], true).unwrap_err();
        assert!(err.to_string().contains("is not valid"), "{err}");
    }
}
