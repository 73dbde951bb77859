//! What a process in a simulated container sees of itself: who it runs as, its environment (as the kubelet
//! builds it from the pod spec, ConfigMaps, Secrets and Service links) and its files (the kubelet-managed
//! `/etc` files, the service account, and the pod's ConfigMap, Secret and empty volumes).
use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Map, Value};

use super::meta;
use super::network::{CLUSTER_DOMAIN, DNS_SERVER, Source};
use super::store::Store;
use super::tls;

/// The API server's Service, when the store has none.
const KUBERNETES_SERVICE: (&str, u16) = ("10.96.0.1", 443);
const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const BASE_DIRS: &[&str] = &[
    "/bin",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/local",
    "/usr/local/bin",
    "/usr/sbin",
    "/var",
];
const OS_RELEASE: &str = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n";

/// A node of the simulated file system.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Dir,
    File(String),
}

/// The container's files: absolute paths to nodes; parents always exist.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Files {
    nodes: BTreeMap<String, Node>,
}

/// `/a/b/../c` from `cwd` and `path`, without `.` and `..`.
pub fn absolute(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{cwd}/{path}") };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((parent, _)) => parent,
    }
}

impl Files {
    pub fn mkdir_all(&mut self, path: &str) {
        let mut current = String::new();
        self.nodes.insert("/".into(), Node::Dir);
        for part in path.split('/').filter(|p| !p.is_empty()) {
            current.push('/');
            current.push_str(part);
            self.nodes.entry(current.clone()).or_insert(Node::Dir);
        }
    }

    /// Create or replace a file, and its directories.
    pub fn put(&mut self, path: &str, content: impl Into<String>) {
        self.mkdir_all(parent(path));
        self.nodes.insert(path.to_string(), Node::File(content.into()));
    }

    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    /// Write as a shell redirection does; the error is the shell's reason.
    pub fn write(&mut self, path: &str, content: &str, append: bool) -> Result<(), &'static str> {
        let parent_is_dir = matches!(self.nodes.get(parent(path)), Some(Node::Dir));
        match (parent_is_dir, self.nodes.get_mut(path)) {
            (_, Some(Node::Dir)) => Err("Is a directory"),
            (_, Some(Node::File(existing))) => {
                if !append {
                    existing.clear();
                }
                existing.push_str(content);
                Ok(())
            }
            (true, None) => {
                self.nodes.insert(path.to_string(), Node::File(content.to_string()));
                Ok(())
            }
            _ => Err("nonexistent directory"),
        }
    }

    /// Remove a file, or a directory with everything in it; false when there was nothing.
    pub fn remove(&mut self, path: &str) -> bool {
        if path == "/" || self.nodes.remove(path).is_none() {
            return false;
        }
        let prefix = format!("{path}/");
        self.nodes.retain(|p, _| !p.starts_with(&prefix));
        true
    }

    /// The names directly inside a directory, sorted.
    pub fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&prefix))
            .filter_map(|(path, _)| path.strip_prefix(&prefix))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect()
    }
}

/// One container of a pod, as its processes see it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerView {
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub image: String,
    pub hostname: String,
    pub node: String,
    pub uid: u32,
    pub user: String,
    pub workdir: String,
    /// The environment, in the order `env` prints it.
    pub env: Vec<(String, String)>,
    /// PID 1's command line.
    pub main_command: Vec<String>,
    pub files: Files,
    /// Where its connections come from.
    pub source: Source,
}

fn str_field<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// A ConfigMap's or Secret's data as text (Secrets decoded).
fn data_of(store: &Store, namespace: &str, kind: &str, name: &str) -> Option<BTreeMap<String, String>> {
    let (storage, field) = if kind == "Secret" { ("core/secrets", "data") } else { ("core/configmaps", "data") };
    let obj = store.get(storage, namespace, name)?;
    let mut out = BTreeMap::new();
    for (key, value) in obj.get(field).and_then(Value::as_object).into_iter().flatten() {
        let Some(text) = value.as_str() else { continue };
        let text = if kind == "Secret" {
            let bytes = base64::engine::general_purpose::STANDARD.decode(text).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            text.to_string()
        };
        out.insert(key.clone(), text);
    }
    if kind == "Secret" {
        for (key, value) in obj.get("stringData").and_then(Value::as_object).into_iter().flatten() {
            out.insert(key.clone(), value.as_str().unwrap_or_default().to_string());
        }
    }
    Some(out)
}

/// `metadata.labels['app']`, `status.podIP`, …: what a `fieldRef` reads.
fn field_ref(pod: &Value, path: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix("metadata.labels['").or_else(|| path.strip_prefix("metadata.annotations['")) {
        let which = if path.starts_with("metadata.labels") { "labels" } else { "annotations" };
        let key = rest.strip_suffix("']")?;
        return meta::metadata(pod)?.get(which)?.get(key)?.as_str().map(str::to_string);
    }
    let pointer = match path {
        "metadata.name" => "/metadata/name",
        "metadata.namespace" => "/metadata/namespace",
        "metadata.uid" => "/metadata/uid",
        "spec.nodeName" => "/spec/nodeName",
        "spec.serviceAccountName" => "/spec/serviceAccountName",
        "status.podIP" | "status.podIPs" => "/status/podIP",
        "status.hostIP" | "status.hostIPs" => "/status/hostIP",
        _ => return None,
    };
    pod.pointer(pointer).and_then(Value::as_str).map(str::to_string)
}

/// `$(VAR)` in an env value refers to a variable defined before it; `$$` escapes.
fn expand_references(value: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some((name, after)) = tail.strip_prefix("$(").and_then(|t| t.split_once(')')) {
            match env.iter().rev().find(|(k, _)| k == name) {
                Some((_, v)) => out.push_str(v),
                None => out.push_str(&format!("$({name})")),
            }
            rest = after;
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn set(env: &mut Vec<(String, String)>, key: String, value: String) {
    match env.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => env.push((key, value)),
    }
}

/// The `FOO_SERVICE_HOST`-style variables of one Service, as the kubelet writes them.
fn service_link_env(env: &mut Vec<(String, String)>, name: &str, ip: &str, ports: &[(Option<String>, u16, String)]) {
    let prefix = name.to_uppercase().replace('-', "_");
    let Some((_, first_port, first_proto)) = ports.first() else { return };
    set(env, format!("{prefix}_SERVICE_HOST"), ip.to_string());
    set(env, format!("{prefix}_SERVICE_PORT"), first_port.to_string());
    for (port_name, port, _) in ports {
        if let Some(port_name) = port_name {
            set(env, format!("{prefix}_SERVICE_PORT_{}", port_name.to_uppercase().replace('-', "_")), port.to_string());
        }
    }
    set(env, format!("{prefix}_PORT"), format!("{}://{ip}:{first_port}", first_proto.to_lowercase()));
    for (_, port, proto) in ports {
        let base = format!("{prefix}_PORT_{port}_{}", proto.to_uppercase());
        let lower = proto.to_lowercase();
        set(env, base.clone(), format!("{lower}://{ip}:{port}"));
        set(env, format!("{base}_PROTO"), lower);
        set(env, format!("{base}_PORT"), port.to_string());
        set(env, format!("{base}_ADDR"), ip.to_string());
    }
}

fn service_ports(svc: &Value) -> Vec<(Option<String>, u16, String)> {
    svc.pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let port = p.get("port").and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok())?;
            Some((
                str_field(p, "name").map(str::to_string),
                port,
                str_field(p, "protocol").unwrap_or("TCP").to_string(),
            ))
        })
        .collect()
}

impl ContainerView {
    /// The view of `container` in `pod`, with what the store holds now (a container's environment is fixed
    /// when it starts; this is close enough).
    pub fn build(store: &Store, pod: &Value, container: &str) -> ContainerView {
        let namespace = meta::namespace(pod).unwrap_or_default().to_string();
        let pod_name = meta::name(pod).unwrap_or_default().to_string();
        let spec = pod.get("spec").cloned().unwrap_or_default();
        let empty = Value::Object(Map::new());
        let c = ["containers", "initContainers"]
            .iter()
            .filter_map(|f| spec.get(*f).and_then(Value::as_array))
            .flatten()
            .find(|c| str_field(c, "name") == Some(container))
            .unwrap_or(&empty);
        let hostname = str_field(&spec, "hostname").unwrap_or(&pod_name).to_string();
        let run_as = |obj: Option<&Value>| obj.and_then(|sc| sc.get("runAsUser")).and_then(Value::as_u64);
        let uid = run_as(c.get("securityContext"))
            .or_else(|| run_as(spec.get("securityContext")))
            .and_then(|u| u32::try_from(u).ok())
            .unwrap_or(1000);
        let user = if uid == 0 {
            "root".to_string()
        } else if uid == 1000 {
            "app".to_string()
        } else {
            uid.to_string()
        };
        let home = if uid == 0 { "/root".to_string() } else { "/home/app".to_string() };
        let image = str_field(c, "image").unwrap_or_default().to_string();
        let mut main_command = [strings(c.get("command")), strings(c.get("args"))].concat();
        if strings(c.get("command")).is_empty() {
            main_command.insert(0, format!("/app/{container}"));
        }
        let pod_ip = meta::str_at(pod, &["status", "podIP"]).unwrap_or_default().to_string();
        let env = Self::environment(store, pod, c, &namespace, &hostname, &home);
        let mut files = Files::default();
        for dir in BASE_DIRS {
            files.mkdir_all(dir);
        }
        files.mkdir_all(&home);
        files.put(&format!("/app/{container}"), "\u{7f}ELF\u{2}\u{1}\u{1}");
        files.put("/etc/hostname", format!("{hostname}\n"));
        files.put("/etc/os-release", OS_RELEASE);
        files.put(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\napp:x:1000:1000:app:/home/app:/bin/sh\n",
        );
        files.put(
            "/etc/hosts",
            format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{pod_ip}\t{hostname}\n"
            ),
        );
        files.put(
            "/etc/resolv.conf",
            format!(
                "search {namespace}.svc.{CLUSTER_DOMAIN} svc.{CLUSTER_DOMAIN} {CLUSTER_DOMAIN}\nnameserver {DNS_SERVER}\noptions ndots:5\n"
            ),
        );
        if spec.get("automountServiceAccountToken").and_then(Value::as_bool) != Some(false) {
            files.put(&format!("{SERVICE_ACCOUNT_DIR}/ca.crt"), tls::CA_PEM);
            files.put(&format!("{SERVICE_ACCOUNT_DIR}/namespace"), namespace.clone());
            // Not a credential: the simulated cluster authenticates by the kubeconfig's tokens only.
            files.put(
                &format!("{SERVICE_ACCOUNT_DIR}/token"),
                "eyJhbGciOiJSUzI1NiIsImtpZCI6InNpbXVsYXRlZCJ9.c2ltdWxhdGVk.c2ltdWxhdGVk",
            );
        }
        Self::mount_volumes(store, &spec, c, &namespace, &mut files);
        let workdir = str_field(c, "workingDir").unwrap_or("/app").to_string();
        files.mkdir_all(&workdir);
        ContainerView {
            source: Source {
                namespace: namespace.clone(),
                ip: pod_ip,
                labels: meta::labels(pod).cloned().unwrap_or_default(),
            },
            namespace,
            pod: pod_name,
            container: container.to_string(),
            image,
            hostname,
            node: meta::str_at(pod, &["spec", "nodeName"]).unwrap_or_default().to_string(),
            uid,
            user,
            workdir,
            env,
            main_command,
            files,
        }
    }

    fn environment(
        store: &Store,
        pod: &Value,
        c: &Value,
        namespace: &str,
        hostname: &str,
        home: &str,
    ) -> Vec<(String, String)> {
        let mut env = vec![("PATH".to_string(), PATH.to_string()), ("HOSTNAME".to_string(), hostname.to_string())];
        for source in c.get("envFrom").and_then(Value::as_array).into_iter().flatten() {
            let prefix = str_field(source, "prefix").unwrap_or_default();
            let (kind, reference) = match (source.get("configMapRef"), source.get("secretRef")) {
                (Some(r), _) => ("ConfigMap", r),
                (None, Some(r)) => ("Secret", r),
                (None, None) => continue,
            };
            let Some(data) = str_field(reference, "name").and_then(|n| data_of(store, namespace, kind, n)) else {
                continue;
            };
            for (key, value) in data {
                set(&mut env, format!("{prefix}{key}"), value);
            }
        }
        for var in c.get("env").and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = str_field(var, "name") else { continue };
            let value = if let Some(value) = str_field(var, "value") {
                Some(expand_references(value, &env))
            } else if let Some(from) = var.get("valueFrom") {
                let key_ref = |field: &str, kind: &str| {
                    let r = from.get(field)?;
                    data_of(store, namespace, kind, str_field(r, "name")?)?.remove(str_field(r, "key")?)
                };
                key_ref("configMapKeyRef", "ConfigMap")
                    .or_else(|| key_ref("secretKeyRef", "Secret"))
                    .or_else(|| field_ref(pod, from.pointer("/fieldRef/fieldPath")?.as_str()?))
            } else {
                Some(String::new())
            };
            if let Some(value) = value {
                set(&mut env, name.to_string(), value);
            }
        }
        let (api_ip, api_port) = store
            .get("core/services", "default", "kubernetes")
            .and_then(|svc| {
                let ip = meta::str_at(svc, &["spec", "clusterIP"])?.to_string();
                let port = service_ports(svc).first().map(|p| p.1)?;
                Some((ip, port))
            })
            .unwrap_or((KUBERNETES_SERVICE.0.to_string(), KUBERNETES_SERVICE.1));
        service_link_env(&mut env, "kubernetes", &api_ip, &[(Some("https".into()), api_port, "TCP".into())]);
        if pod.pointer("/spec/enableServiceLinks").and_then(Value::as_bool) != Some(false) {
            for ((_, name), svc) in store.list("core/services", Some(namespace)) {
                let ip = meta::str_at(svc, &["spec", "clusterIP"]).filter(|ip| !ip.is_empty() && *ip != "None");
                if let Some(ip) = ip {
                    service_link_env(&mut env, name, ip, &service_ports(svc));
                }
            }
        }
        set(&mut env, "HOME".to_string(), home.to_string());
        env
    }

    fn mount_volumes(store: &Store, spec: &Value, c: &Value, namespace: &str, files: &mut Files) {
        let volumes = spec.get("volumes").and_then(Value::as_array).cloned().unwrap_or_default();
        for mount in c.get("volumeMounts").and_then(Value::as_array).into_iter().flatten() {
            let (Some(name), Some(path)) = (str_field(mount, "name"), str_field(mount, "mountPath")) else { continue };
            let path = absolute("/", path);
            let volume = volumes.iter().find(|v| str_field(v, "name") == Some(name));
            let data = volume.and_then(|v| {
                let (kind, source) = match (v.get("configMap"), v.get("secret")) {
                    (Some(cm), _) => ("ConfigMap", cm),
                    (None, Some(secret)) => ("Secret", secret),
                    (None, None) => return None,
                };
                let object = str_field(source, "name").or_else(|| str_field(source, "secretName"))?;
                let data = data_of(store, namespace, kind, object)?;
                // `items` projects chosen keys to chosen paths.
                match source.get("items").and_then(Value::as_array) {
                    Some(items) => Some(
                        items
                            .iter()
                            .filter_map(|i| {
                                let value = data.get(str_field(i, "key")?)?.clone();
                                Some((str_field(i, "path")?.to_string(), value))
                            })
                            .collect::<BTreeMap<_, _>>(),
                    ),
                    None => Some(data),
                }
            });
            match (str_field(mount, "subPath"), data) {
                (Some(key), Some(data)) => files.put(&path, data.get(key).cloned().unwrap_or_default()),
                (_, Some(data)) => {
                    files.mkdir_all(&path);
                    for (key, value) in data {
                        files.put(&absolute(&path, &key), value);
                    }
                }
                (_, None) => files.mkdir_all(&path),
            }
        }
    }

    #[cfg(test)]
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> Store {
        let mut store = Store::new();
        store.put(
            "core/configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "shop"},
                   "data": {"SHOP_NAME": "Mosaic Outfitters", "welcome.html": "<h1>hi</h1>"}}),
        );
        store.put(
            "core/secrets",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pw", "namespace": "shop"},
                   "data": {"password": "c2VjcmV0"}}),
        );
        store.put(
            "core/services",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cart", "namespace": "shop"},
                   "spec": {"clusterIP": "10.96.3.4", "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}),
        );
        store
    }

    fn pod() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {
                "nodeName": "node-a",
                "containers": [{
                    "name": "web", "image": "ghcr.io/acme/web:1.0",
                    "envFrom": [{"configMapRef": {"name": "cfg"}}],
                    "env": [
                        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "pw", "key": "password"}}},
                        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                        {"name": "GREETING", "value": "hello from $(POD_IP)"},
                    ],
                    "volumeMounts": [{"name": "templates", "mountPath": "/templates"}, {"name": "scratch", "mountPath": "/scratch"}],
                }],
                "volumes": [{"name": "templates", "configMap": {"name": "cfg"}}, {"name": "scratch", "emptyDir": {}}],
            },
            "status": {"podIP": "10.244.0.5"},
        })
    }

    #[test]
    fn the_environment_is_the_kubelets() {
        let view = ContainerView::build(&store(), &pod(), "web");
        assert_eq!(view.env_var("SHOP_NAME"), Some("Mosaic Outfitters"));
        assert_eq!(view.env_var("PASSWORD"), Some("secret"));
        assert_eq!(view.env_var("GREETING"), Some("hello from 10.244.0.5"));
        assert_eq!(view.env_var("HOSTNAME"), Some("web-1"));
        assert_eq!(view.env_var("KUBERNETES_SERVICE_HOST"), Some("10.96.0.1"));
        assert_eq!(view.env_var("KUBERNETES_PORT_443_TCP"), Some("tcp://10.96.0.1:443"));
        assert_eq!(view.env_var("CART_SERVICE_PORT_HTTP"), Some("80"));
        assert_eq!(view.env_var("CART_PORT"), Some("tcp://10.96.3.4:80"));
        assert_eq!(view.env.first().map(|(k, _)| k.as_str()), Some("PATH"));
        assert_eq!(view.env.last().map(|(k, _)| k.as_str()), Some("HOME"));
    }

    #[test]
    fn files_include_etc_and_volumes() {
        let view = ContainerView::build(&store(), &pod(), "web");
        let file = |p: &str| match view.files.get(p) {
            Some(Node::File(text)) => text.clone(),
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(file("/etc/hostname"), "web-1\n");
        assert!(
            file("/etc/resolv.conf").starts_with("search shop.svc.cluster.local svc.cluster.local cluster.local\n")
        );
        assert!(file("/etc/hosts").ends_with("10.244.0.5\tweb-1\n"));
        assert_eq!(file("/templates/welcome.html"), "<h1>hi</h1>");
        assert_eq!(view.files.children("/templates"), vec!["SHOP_NAME".to_string(), "welcome.html".to_string()]);
        assert_eq!(view.files.get("/scratch"), Some(&Node::Dir));
        assert_eq!(file(&format!("{SERVICE_ACCOUNT_DIR}/namespace")), "shop");
        assert_eq!(view.workdir, "/app");
    }

    #[test]
    fn paths_and_writes() {
        assert_eq!(absolute("/app", "../etc/./hosts"), "/etc/hosts");
        assert_eq!(absolute("/app", "/"), "/");
        let mut files = Files::default();
        files.mkdir_all("/tmp");
        assert_eq!(files.write("/tmp/x", "a", false), Ok(()));
        assert_eq!(files.write("/tmp/x", "b", true), Ok(()));
        assert_eq!(files.get("/tmp/x"), Some(&Node::File("ab".into())));
        assert_eq!(files.write("/nope/x", "a", false), Err("nonexistent directory"));
        assert_eq!(files.write("/tmp", "a", false), Err("Is a directory"));
    }
}
