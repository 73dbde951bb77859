//! The simulated kubelet: writes each scheduled pod's status, shaped exactly like `pods-list.json`, from
//! its `sim.mosaic.dev/simulate` mode and from what really exists (a missing ConfigMap breaks a pod as it
//! would on a real node), and records the kubelet's events. The status is a pure function of the pod,
//! its node and the objects it refers to, so rewriting it is idempotent.
use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::events::{self, EventSpec, Involved};
use super::objects::{Key, ObjectSet};
use super::simulate::{self, Mode};
use super::{ids, image, json, kube_time, pods};

/// The finalizer that holds `terminating` pods.
pub(crate) const HOLD_FINALIZER: &str = "sim.mosaic.dev/hold";

/// The kubelet's crash-loop back-off after `restarts` restarts: 10s doubling up to 5m.
pub(crate) fn backoff_secs(restarts: i64) -> i64 {
    let exp = (restarts.max(1) - 1).min(8) as u32;
    (10_i64 << exp).min(300)
}

/// A reference to a ConfigMap or Secret that does not exist.
#[derive(Clone, Debug, PartialEq)]
enum Missing {
    /// Through `env`/`envFrom` of a container: `CreateContainerConfigError`.
    Env { container: String, what: String },
    /// Through a volume: the pod stays in `ContainerCreating` with `FailedMount` events.
    Volume { volume: String, what: String },
}

fn missing_refs(world: &ObjectSet, pod: &Value) -> Vec<Missing> {
    let ns = json::namespace(pod);
    let exists = |kind: &str, name: &str| world.get("", kind, ns, name).is_some();
    let describe = |kind: &str, name: &str| match kind {
        "ConfigMap" => format!("configmap \"{name}\" not found"),
        _ => format!("secret \"{name}\" not found"),
    };
    let optional = |r: &Value| r.get("optional").and_then(Value::as_bool) == Some(true);
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        for c in json::array_at(pod, &["spec", list]) {
            let mut refs: Vec<(&str, &Value)> = Vec::new();
            for e in json::array_at(c, &["env"]) {
                if let Some(r) = json::get(e, &["valueFrom", "configMapKeyRef"]) {
                    refs.push(("ConfigMap", r));
                }
                if let Some(r) = json::get(e, &["valueFrom", "secretKeyRef"]) {
                    refs.push(("Secret", r));
                }
            }
            for e in json::array_at(c, &["envFrom"]) {
                if let Some(r) = e.get("configMapRef") {
                    refs.push(("ConfigMap", r));
                }
                if let Some(r) = e.get("secretRef") {
                    refs.push(("Secret", r));
                }
            }
            for (kind, r) in refs {
                let name = json::name_field(r);
                if !optional(r) && !name.is_empty() && !exists(kind, name) {
                    out.push(Missing::Env { container: json::name_field(c).to_string(), what: describe(kind, name) });
                    break;
                }
            }
        }
    }
    for v in json::array_at(pod, &["spec", "volumes"]) {
        let mut refs: Vec<(&str, &Value, &str)> = Vec::new();
        if let Some(r) = v.get("configMap") {
            refs.push(("ConfigMap", r, json::name_field(r)));
        }
        if let Some(r) = v.get("secret") {
            refs.push(("Secret", r, json::str_at(r, &["secretName"]).unwrap_or("")));
        }
        for s in json::array_at(v, &["projected", "sources"]) {
            if let Some(r) = s.get("configMap") {
                refs.push(("ConfigMap", r, json::name_field(r)));
            }
            if let Some(r) = s.get("secret") {
                refs.push(("Secret", r, json::name_field(r)));
            }
        }
        for (kind, r, name) in refs {
            if !optional(r) && !name.is_empty() && !exists(kind, name) {
                out.push(Missing::Volume { volume: json::name_field(v).to_string(), what: describe(kind, name) });
                break;
            }
        }
    }
    out
}

/// Pod IPs in use per node prefix (`10.244.1`), so new pods get the lowest free address.
#[derive(Default)]
struct IpPool {
    used: HashMap<String, HashSet<u32>>,
}

impl IpPool {
    fn build(world: &ObjectSet) -> IpPool {
        let mut pool = IpPool::default();
        for pod in world.list("", "Pod", None) {
            if let Some((base, host)) = json::str_at(pod, &["status", "podIP"]).and_then(|ip| ip.rsplit_once('.'))
                && let Ok(h) = host.parse()
            {
                pool.used.entry(base.to_string()).or_default().insert(h);
            }
        }
        pool
    }

    fn allocate(&mut self, base: &str) -> String {
        let used = self.used.entry(base.to_string()).or_default();
        let host = (2..255).find(|h| !used.contains(h)).unwrap_or(254);
        used.insert(host);
        format!("{base}.{host}")
    }
}

/// `10.244.1` for a node whose podCIDR is `10.244.1.0/24`.
fn node_prefix(node: Option<&Value>, node_name: &str) -> String {
    node.and_then(|n| json::str_at(n, &["spec", "podCIDR"]))
        .and_then(|cidr| cidr.split('/').next())
        .and_then(|ip| ip.rsplit_once('.'))
        .map(|(base, _)| base.to_string())
        .unwrap_or_else(|| format!("10.245.{}", ids::fnv1a_32(node_name.as_bytes()) % 256))
}

fn host_ip(node: Option<&Value>) -> String {
    node.map(|n| json::array_at(n, &["status", "addresses"]))
        .unwrap_or(&[])
        .iter()
        .find(|a| json::str_at(a, &["type"]) == Some("InternalIP"))
        .and_then(|a| json::str_at(a, &["address"]))
        .unwrap_or("10.0.0.1")
        .to_string()
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    let mut pool: Option<IpPool> = None;
    for key in world.keys("", "Pod", None) {
        let Some(pod) = world.get_key(&key) else {
            continue;
        };
        let Some(node_name) = json::str_at(pod, &["spec", "nodeName"]).filter(|n| !n.is_empty()) else {
            continue;
        };
        let mode = simulate::mode_of(pod);
        if mode == Mode::Static {
            continue;
        }
        let node = world.get("", "Node", "", node_name);
        let missing = missing_refs(world, pod);
        let sandbox = !missing.iter().any(|m| matches!(m, Missing::Volume { .. }));
        let host_ip = host_ip(node);
        let host_network = json::get(pod, &["spec", "hostNetwork"]).and_then(Value::as_bool) == Some(true);
        let existing_ip = json::str_at(pod, &["status", "podIP"]).filter(|ip| !ip.is_empty());
        let pod_ip = match (sandbox, host_network, existing_ip) {
            (false, _, _) => None,
            (true, true, _) => Some(host_ip.clone()),
            (true, false, Some(ip)) => Some(ip.to_string()),
            (true, false, None) => {
                let prefix = node_prefix(node, node_name);
                Some(pool.get_or_insert_with(|| IpPool::build(world)).allocate(&prefix))
            }
        };
        let sim = Kubelet { pod, node: node_name, host_ip, pod_ip, mode, missing, now }.simulate();
        let deleting_key = pods::is_deleting(pod).then(|| key.clone());
        let held = pods::is_deleting(pod)
            && json::array_at(pod, &["metadata", "finalizers"]).iter().any(|f| f.as_str() == Some(HOLD_FINALIZER));
        let hold = mode == Mode::Terminating && !held;
        if pod.get("status") != Some(&sim.status) || hold {
            let involved = Involved::of(pod);
            let node_involved = node.map(Involved::of);
            let mut updated = pod.clone();
            json::set(&mut updated, &["status"], sim.status);
            if hold {
                hold_terminating(&mut updated, now);
            }
            world.put(updated);
            for e in sim.events {
                events::record(world, &involved, e);
            }
            if let (Some(node), Some(e)) = (node_involved, sim.node_event) {
                events::record(world, &node, e);
            }
        }
        if let Some(k) = deleting_key.or_else(|| (mode == Mode::Terminating).then_some(key)) {
            record_killing(world, &k);
        }
    }
}

/// `Killing` events (`Stopping container x`) for a pod being deleted.
fn record_killing(world: &mut ObjectSet, key: &Key) {
    let Some(pod) = world.get_key(key) else {
        return;
    };
    let Some(at) = json::str_at(pod, &["metadata", "deletionTimestamp"]).and_then(kube_time::parse) else {
        return;
    };
    let involved = Involved::of(pod);
    let host = json::str_at(pod, &["spec", "nodeName"]).map(str::to_string);
    let specs: Vec<EventSpec> = json::array_at(pod, &["spec", "containers"])
        .iter()
        .map(|c| {
            let name = json::name_field(c);
            EventSpec {
                host: host.clone(),
                field_path: Some(format!("spec.containers{{{name}}}")),
                ..EventSpec::once("kubelet", "Killing", format!("Stopping container {name}"), at)
            }
        })
        .collect();
    for spec in specs {
        events::record(world, &involved, spec);
    }
}

/// Marks a pod as stuck in Terminating: a deletion timestamp and a finalizer nobody removes.
fn hold_terminating(pod: &mut Value, now: Timestamp) {
    json::set_default(pod, &["metadata", "deletionTimestamp"], json!(kube_time::format(now)));
    json::set_default(pod, &["metadata", "deletionGracePeriodSeconds"], json!(30));
    let finalizers = json::object_mut(pod, &["metadata"]).entry("finalizers").or_insert(json!([]));
    if let Some(list) = finalizers.as_array_mut()
        && !list.iter().any(|f| f.as_str() == Some(HOLD_FINALIZER))
    {
        list.push(json!(HOLD_FINALIZER));
    }
}

struct Simulated {
    status: Value,
    events: Vec<EventSpec>,
    node_event: Option<EventSpec>,
}

struct Kubelet<'a> {
    pod: &'a Value,
    node: &'a str,
    host_ip: String,
    pod_ip: Option<String>,
    mode: Mode,
    missing: Vec<Missing>,
    now: Timestamp,
}

/// What one container is doing, before it is written as a containerStatus.
struct ContainerRun {
    status: Value,
    ready: bool,
    /// When it became ready, or stopped being ready.
    since: Timestamp,
    /// Waiting and never ran: the pod is still Pending.
    never_ran: bool,
    terminated_ok: bool,
}

impl Kubelet<'_> {
    fn created(&self) -> Timestamp {
        pods::created(self.pod).unwrap_or(self.now)
    }

    fn uid(&self) -> &str {
        json::uid(self.pod)
    }

    fn container_id(&self, container: &str, attempt: i64) -> String {
        format!("containerd://{}", ids::hex(&format!("{}/{container}/{attempt}", self.uid()), 64))
    }

    fn affected(&self, container: &str) -> bool {
        simulate::target_container(self.pod).is_none_or(|t| t == container)
    }

    /// How many times something recurring every `period` seconds since `first` has happened by now.
    fn recurring(&self, first: Timestamp, period: i64) -> (i64, Timestamp) {
        let elapsed = kube_time::secs_between(first, self.now);
        if elapsed <= 0 { (1, first) } else { ((elapsed / period.max(1) + 1).min(5000), self.now) }
    }

    fn kubelet_event(&self, container: &str, init: bool, reason: &'static str, message: String) -> EventSpec {
        let list = if init { "initContainers" } else { "containers" };
        EventSpec {
            host: Some(self.node.to_string()),
            field_path: Some(format!("spec.{list}{{{container}}}")),
            ..EventSpec::once("kubelet", reason, message, self.created())
        }
    }

    /// `Pulled` (and `Pulling` for `Always`), `Created`, `Started` for `count` runs from `first` to `last`.
    fn started_events(
        &self,
        c: &Value,
        init: bool,
        first: Timestamp,
        last: Timestamp,
        count: i64,
        out: &mut Vec<EventSpec>,
    ) {
        let name = json::name_field(c);
        let img = json::str_at(c, &["image"]).unwrap_or("");
        let span = |mut e: EventSpec, first: Timestamp| {
            e.first = first;
            e.last = last.max(first);
            e.count = count;
            e
        };
        if json::str_at(c, &["imagePullPolicy"]) == Some("Always") {
            let ms = ids::fnv1a_32(img.as_bytes()) % 2_000_000_000;
            out.push(span(
                self.kubelet_event(name, init, "Pulling", format!("Pulling image \"{img}\"")),
                kube_time::plus(first, -2),
            ));
            out.push(span(
                self.kubelet_event(
                    name,
                    init,
                    "Pulled",
                    format!(
                        "Successfully pulled image \"{img}\" in {}.{:09}s",
                        1 + ms / 1_000_000_000,
                        ms % 1_000_000_000
                    ),
                ),
                first,
            ));
        } else {
            out.push(span(
                self.kubelet_event(
                    name,
                    init,
                    "Pulled",
                    format!("Container image \"{img}\" already present on machine"),
                ),
                first,
            ));
        }
        out.push(span(self.kubelet_event(name, init, "Created", format!("Created container {name}")), first));
        out.push(span(self.kubelet_event(name, init, "Started", format!("Started container {name}")), first));
    }

    fn base_status(&self, c: &Value) -> Map<String, Value> {
        let img = json::str_at(c, &["image"]).unwrap_or("");
        let mut s = Map::new();
        s.insert("name".into(), json!(json::name_field(c)));
        s.insert("lastState".into(), json!({}));
        s.insert("ready".into(), json!(false));
        s.insert("restartCount".into(), json!(0));
        s.insert("image".into(), json!(image::status_image(img)));
        s.insert("imageID".into(), json!(""));
        s.insert("started".into(), json!(false));
        s
    }

    fn running(&self, c: &Value, started: Timestamp, ready: bool, restarts: i64, last: Value) -> Value {
        let img = json::str_at(c, &["image"]).unwrap_or("");
        let mut s = self.base_status(c);
        s.insert("state".into(), json!({"running": {"startedAt": kube_time::format(started)}}));
        s.insert("lastState".into(), last);
        s.insert("ready".into(), json!(ready));
        s.insert("restartCount".into(), json!(restarts));
        s.insert("imageID".into(), json!(image::image_id(img)));
        s.insert("containerID".into(), json!(self.container_id(json::name_field(c), restarts)));
        s.insert("started".into(), json!(true));
        Value::Object(s)
    }

    fn waiting(&self, c: &Value, reason: &str, message: Option<String>) -> Value {
        let mut s = self.base_status(c);
        let mut w = json!({"reason": reason});
        if let Some(m) = message {
            json::set(&mut w, &["message"], json!(m));
        }
        s.insert("state".into(), json!({"waiting": w}));
        Value::Object(s)
    }

    fn terminated(&self, exit: i64, reason: &str, start: Timestamp, end: Timestamp, id: &str) -> Value {
        json!({"terminated": {
            "exitCode": exit,
            "reason": reason,
            "startedAt": kube_time::format(start),
            "finishedAt": kube_time::format(end),
            "containerID": id,
        }})
    }

    /// Start times of the current and previous run, after `restarts` restarts of runs lasting `run` seconds.
    fn attempts(&self, first: Timestamp, restarts: i64, run: i64) -> (Timestamp, Timestamp) {
        let mut current = first;
        let mut previous = first;
        for k in 1..=restarts {
            previous = current;
            current = kube_time::plus(current, run + backoff_secs(k));
        }
        if let Some(s) = simulate::started(self.pod).filter(|s| *s > current) {
            current = s;
            previous = kube_time::plus(s, -(run + backoff_secs(restarts))).max(first);
        }
        // A pod created moments ago (a replacement) with a scripted restart count: its history must lie in the
        // past, as a real kubelet's would, never in the future.
        let ahead = kube_time::secs_between(self.now, current);
        if ahead > 0 {
            current = kube_time::plus(current, -ahead);
            previous = kube_time::plus(previous, -ahead);
        }
        (current, previous)
    }

    /// The readiness delay of a container: its probe's initial delay, plus a second.
    fn ready_delay(c: &Value) -> i64 {
        json::i64_at(c, &["readinessProbe", "initialDelaySeconds"]).unwrap_or(0) + 1
    }

    fn app_container(
        &self,
        c: &Value,
        first_start: Timestamp,
        events: &mut Vec<EventSpec>,
        node_event: &mut Option<EventSpec>,
    ) -> ContainerRun {
        let name = json::name_field(c);
        let img = json::str_at(c, &["image"]).unwrap_or("").to_string();
        let healthy_start = simulate::started(self.pod).filter(|s| *s > first_start).unwrap_or(first_start);
        let unready_since = kube_time::plus(first_start, 1);
        let env_missing = self.missing.iter().find_map(|m| match m {
            Missing::Env { container, what } if container == name => Some(what.clone()),
            _ => None,
        });
        let mode = if !self.affected(name) {
            Mode::Healthy
        } else if env_missing.is_some() {
            Mode::ConfigMissing
        } else {
            self.mode
        };
        match mode {
            Mode::CrashLoop => {
                let restarts = simulate::restarts(self.pod, 5).max(1);
                let exit = simulate::exit_code(self.pod, 1);
                let (last_start, _) = self.attempts(first_start, restarts, 2);
                let id = self.container_id(name, restarts);
                let mut s = self.waiting(
                    c,
                    "CrashLoopBackOff",
                    Some(format!(
                        "back-off {} restarting failed container={name} pod={}_{}({})",
                        kube_time::go_duration(backoff_secs(restarts)),
                        json::name(self.pod),
                        json::namespace(self.pod),
                        self.uid()
                    )),
                );
                json::set(
                    &mut s,
                    &["lastState"],
                    self.terminated(
                        exit,
                        if exit == 0 { "Completed" } else { "Error" },
                        last_start,
                        kube_time::plus(last_start, 2),
                        &id,
                    ),
                );
                json::set(&mut s, &["restartCount"], json!(restarts));
                json::set(&mut s, &["imageID"], json!(image::image_id(&img)));
                json::set(&mut s, &["containerID"], json!(id));
                self.started_events(c, false, first_start, last_start, restarts + 1, events);
                let backoff_first = kube_time::plus(first_start, 3);
                let (count, last) = self.recurring(backoff_first, 20);
                let mut e = self.kubelet_event(name, false, "BackOff", "Back-off restarting failed container".into());
                e.warning = true;
                e.first = backoff_first;
                e.last = last.max(kube_time::plus(last_start, 3));
                e.count = count.max(restarts * 2);
                events.push(e);
                ContainerRun { status: s, ready: false, since: unready_since, never_ran: false, terminated_ok: false }
            }
            Mode::OomKilled => {
                let restarts = simulate::restarts(self.pod, 5).max(1);
                let (current, previous) = self.attempts(first_start, restarts, 60);
                let last = self.terminated(
                    137,
                    "OOMKilled",
                    previous,
                    kube_time::plus(previous, 60),
                    &self.container_id(name, restarts - 1),
                );
                let since = kube_time::plus(current, Self::ready_delay(c));
                self.started_events(c, false, first_start, current, restarts + 1, events);
                let mut e = self.kubelet_event(name, false, "BackOff", "Back-off restarting failed container".into());
                e.warning = true;
                e.first = kube_time::plus(first_start, 61);
                e.last = current.max(e.first);
                e.count = restarts;
                events.push(e);
                let limit = json::str_at(c, &["resources", "limits", "memory"])
                    .and_then(super::quantity::bytes)
                    .unwrap_or(128 * 1024 * 1024)
                    / 1024;
                let pid = 2000 + ids::fnv1a_32(self.uid().as_bytes()) % 30_000;
                *node_event = Some(EventSpec {
                    warning: true,
                    host: Some(self.node.to_string()),
                    ..EventSpec::once(
                        "kernel-monitor",
                        "OOMKilling",
                        format!(
                            "Memory cgroup out of memory: Killed process {pid} ({name}) total-vm:{}kB, anon-rss:{limit}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:{}kB oom_score_adj:999",
                            limit * 3,
                            limit / 256
                        ),
                        kube_time::plus(previous, 60),
                    )
                });
                ContainerRun {
                    status: self.running(c, current, true, restarts, last),
                    ready: true,
                    since,
                    never_ran: false,
                    terminated_ok: false,
                }
            }
            Mode::NotReady => {
                self.started_events(c, false, healthy_start, healthy_start, 1, events);
                let first = kube_time::plus(healthy_start, Self::ready_delay(c));
                let period = json::i64_at(c, &["readinessProbe", "periodSeconds"]).unwrap_or(10);
                let (count, last) = self.recurring(first, period);
                let message = match json::get(c, &["readinessProbe", "httpGet"]) {
                    Some(_) => "Readiness probe failed: HTTP probe failed with statuscode: 503".to_string(),
                    None => format!(
                        "Readiness probe failed: dial tcp {}:{}: connect: connection refused",
                        self.pod_ip.as_deref().unwrap_or(""),
                        json::get(c, &["readinessProbe", "tcpSocket", "port"])
                            .map_or("8080".to_string(), |p| p.to_string().trim_matches('"').to_string())
                    ),
                };
                let mut e = self.kubelet_event(name, false, "Unhealthy", message);
                e.warning = true;
                e.first = first;
                e.last = last;
                e.count = count;
                events.push(e);
                ContainerRun {
                    status: self.running(c, healthy_start, false, simulate::restarts(self.pod, 0), json!({})),
                    ready: false,
                    since: first,
                    never_ran: false,
                    terminated_ok: false,
                }
            }
            Mode::ImagePull | Mode::ErrImagePull => {
                let error = image::pull_error(&img);
                let pull_first = kube_time::plus(self.created(), 1);
                let (count, last) = self.recurring(pull_first, 300);
                let mut push = |reason: &'static str, message: String, warning: bool, first: Timestamp, count: i64| {
                    let mut e = self.kubelet_event(name, false, reason, message);
                    e.warning = warning;
                    e.first = first;
                    e.last = last.max(first);
                    e.count = count;
                    events.push(e);
                };
                push("Pulling", format!("Pulling image \"{img}\""), false, pull_first, count);
                push(
                    "Failed",
                    format!("Failed to pull image \"{img}\": {error}"),
                    true,
                    kube_time::plus(pull_first, 1),
                    count,
                );
                push("Failed", "Error: ErrImagePull".into(), true, kube_time::plus(pull_first, 1), count);
                let status = if mode == Mode::ImagePull {
                    push(
                        "BackOff",
                        format!("Back-off pulling image \"{img}\""),
                        false,
                        kube_time::plus(pull_first, 2),
                        count * 2 + 2,
                    );
                    push(
                        "Failed",
                        "Error: ImagePullBackOff".into(),
                        true,
                        kube_time::plus(pull_first, 2),
                        count * 2 + 2,
                    );
                    self.waiting(c, "ImagePullBackOff", Some(format!("Back-off pulling image \"{img}\"")))
                } else {
                    self.waiting(c, "ErrImagePull", Some(error))
                };
                ContainerRun { status, ready: false, since: unready_since, never_ran: true, terminated_ok: false }
            }
            Mode::ConfigMissing => {
                let what = env_missing.unwrap_or_else(|| "configmap \"app-config\" not found".to_string());
                let (count, last) = self.recurring(first_start, 30);
                let mut pulled = self.kubelet_event(
                    name,
                    false,
                    "Pulled",
                    format!("Container image \"{img}\" already present on machine"),
                );
                pulled.first = first_start;
                pulled.last = last;
                pulled.count = count;
                events.push(pulled);
                let mut e = self.kubelet_event(name, false, "Failed", format!("Error: {what}"));
                e.warning = true;
                e.first = first_start;
                e.last = last;
                e.count = count;
                events.push(e);
                ContainerRun {
                    status: self.waiting(c, "CreateContainerConfigError", Some(what)),
                    ready: false,
                    since: unready_since,
                    never_ran: true,
                    terminated_ok: false,
                }
            }
            Mode::Completed => {
                let duration = simulate::annotation(self.pod, "duration").and_then(|d| d.parse().ok()).unwrap_or(12);
                let end = kube_time::plus(healthy_start, duration);
                self.started_events(c, false, healthy_start, healthy_start, 1, events);
                let mut s = self.base_status(c);
                s.insert(
                    "state".into(),
                    self.terminated(0, "Completed", healthy_start, end, &self.container_id(name, 0)),
                );
                s.insert("imageID".into(), json!(image::image_id(&img)));
                s.insert("containerID".into(), json!(self.container_id(name, 0)));
                ContainerRun {
                    status: Value::Object(s),
                    ready: false,
                    since: end,
                    never_ran: false,
                    terminated_ok: true,
                }
            }
            Mode::Init => ContainerRun {
                status: self.waiting(c, "PodInitializing", None),
                ready: false,
                since: unready_since,
                never_ran: true,
                terminated_ok: false,
            },
            Mode::Healthy | Mode::Terminating | Mode::Unschedulable | Mode::Static => {
                let restarts = simulate::restarts(self.pod, 0);
                let (current, previous) = self.attempts(first_start, restarts, 300);
                let last = if restarts > 0 {
                    self.terminated(
                        simulate::exit_code(self.pod, 1),
                        "Error",
                        previous,
                        kube_time::plus(previous, 300),
                        &self.container_id(name, restarts - 1),
                    )
                } else {
                    json!({})
                };
                self.started_events(c, false, first_start, current, restarts + 1, events);
                ContainerRun {
                    status: self.running(c, current, true, restarts, last),
                    ready: true,
                    since: kube_time::plus(current, Self::ready_delay(c)),
                    never_ran: false,
                    terminated_ok: false,
                }
            }
        }
    }

    fn simulate(&self) -> Simulated {
        let created = self.created();
        let mut events = Vec::new();
        let mut node_event = None;
        let inits = json::array_at(self.pod, &["spec", "initContainers"]);
        let containers = json::array_at(self.pod, &["spec", "containers"]);
        let volume_missing = self.missing.iter().find_map(|m| match m {
            Missing::Volume { volume, what } => Some((volume.clone(), what.clone())),
            Missing::Env { .. } => None,
        });
        let waiting_init = self.mode == Mode::Init && !inits.is_empty();

        // Init containers run one after the other, two seconds each, before the app containers.
        let mut init_statuses = Vec::new();
        let mut initialized_at = created;
        let mut incomplete_inits = Vec::new();
        for (i, c) in inits.iter().enumerate() {
            let name = json::name_field(c);
            let start = kube_time::plus(created, 2 + 2 * i as i64);
            if volume_missing.is_some() {
                init_statuses.push(self.waiting(c, "PodInitializing", None));
                incomplete_inits.push(name.to_string());
            } else if waiting_init {
                let status = if i == 0 {
                    let s = simulate::started(self.pod).filter(|s| *s > start).unwrap_or(start);
                    self.started_events(c, true, s, s, 1, &mut events);
                    let mut r = self.running(c, s, false, 0, json!({}));
                    json::remove(&mut r, &["started"]);
                    r
                } else {
                    let mut w = self.waiting(c, "PodInitializing", None);
                    json::remove(&mut w, &["started"]);
                    w
                };
                init_statuses.push(status);
                incomplete_inits.push(name.to_string());
            } else {
                let end = kube_time::plus(start, 1);
                self.started_events(c, true, start, start, 1, &mut events);
                let mut s = self.base_status(c);
                s.remove("started");
                s.insert("state".into(), self.terminated(0, "Completed", start, end, &self.container_id(name, 0)));
                s.insert("ready".into(), json!(true));
                s.insert("imageID".into(), json!(image::image_id(json::str_at(c, &["image"]).unwrap_or(""))));
                s.insert("containerID".into(), json!(self.container_id(name, 0)));
                init_statuses.push(Value::Object(s));
                initialized_at = end;
            }
        }
        let first_start = kube_time::plus(initialized_at, 3);

        let mut runs = Vec::new();
        for c in containers {
            if let Some((volume, what)) = &volume_missing {
                runs.push(ContainerRun {
                    status: self.waiting(c, "ContainerCreating", None),
                    ready: false,
                    since: kube_time::plus(created, 1),
                    never_ran: true,
                    terminated_ok: false,
                });
                if events.is_empty() {
                    let (count, last) = self.recurring(kube_time::plus(created, 1), 120);
                    events.push(EventSpec {
                        warning: true,
                        host: Some(self.node.to_string()),
                        first: kube_time::plus(created, 1),
                        last,
                        count,
                        ..EventSpec::once(
                            "kubelet",
                            "FailedMount",
                            format!("MountVolume.SetUp failed for volume \"{volume}\" : {what}"),
                            created,
                        )
                    });
                }
            } else if waiting_init || (self.mode == Mode::Init && inits.is_empty()) {
                let reason = if waiting_init { "PodInitializing" } else { "ContainerCreating" };
                runs.push(ContainerRun {
                    status: self.waiting(c, reason, None),
                    ready: false,
                    since: kube_time::plus(created, 1),
                    never_ran: true,
                    terminated_ok: false,
                });
            } else {
                runs.push(self.app_container(c, first_start, &mut events, &mut node_event));
            }
        }

        let all_ready = !runs.is_empty() && runs.iter().all(|r| r.ready);
        let succeeded = !runs.is_empty() && runs.iter().all(|r| r.terminated_ok);
        let phase = if succeeded {
            "Succeeded"
        } else if !incomplete_inits.is_empty() || runs.iter().any(|r| r.never_ran) {
            "Pending"
        } else {
            "Running"
        };
        let unready: Vec<&str> =
            containers.iter().zip(&runs).filter(|(_, r)| !r.ready).map(|(c, _)| json::name_field(c)).collect();
        let ready_time = if all_ready {
            runs.iter().map(|r| r.since).max().unwrap_or(created)
        } else {
            runs.iter().filter(|r| !r.ready).map(|r| r.since).min().unwrap_or(created)
        };
        let cond = |kind: &str, ok: bool, at: Timestamp, reason: Option<&str>, message: Option<String>| {
            let mut c = json!({
                "type": kind,
                "status": if ok { "True" } else { "False" },
                "lastProbeTime": null,
                "lastTransitionTime": kube_time::format(at),
            });
            if let Some(r) = reason {
                json::set(&mut c, &["reason"], json!(r));
            }
            if let Some(m) = message {
                json::set(&mut c, &["message"], json!(m));
            }
            c
        };
        let (ready_reason, ready_message) = if succeeded {
            (Some("PodCompleted"), None)
        } else if all_ready {
            (None, None)
        } else {
            (Some("ContainersNotReady"), Some(format!("containers with unready status: [{}]", unready.join(" "))))
        };
        let initialized = if !incomplete_inits.is_empty() {
            cond(
                "Initialized",
                false,
                created,
                Some("ContainersNotInitialized"),
                Some(format!("containers with incomplete status: [{}]", incomplete_inits.join(" "))),
            )
        } else {
            cond("Initialized", true, initialized_at, succeeded.then_some("PodCompleted"), None)
        };
        let conditions = vec![
            initialized,
            cond("Ready", all_ready, ready_time, ready_reason, ready_message.clone()),
            cond("ContainersReady", all_ready, ready_time, ready_reason, ready_message),
            cond("PodScheduled", true, created, None, None),
        ];
        let mut status = Map::new();
        status.insert("phase".into(), json!(phase));
        status.insert("conditions".into(), Value::Array(conditions));
        status.insert("hostIP".into(), json!(self.host_ip));
        if let Some(ip) = &self.pod_ip {
            status.insert("podIP".into(), json!(ip));
            status.insert("podIPs".into(), json!([{"ip": ip}]));
        }
        status.insert("startTime".into(), json!(kube_time::format(created)));
        if !init_statuses.is_empty() {
            status.insert("initContainerStatuses".into(), Value::Array(init_statuses));
        }
        status.insert("containerStatuses".into(), Value::Array(runs.into_iter().map(|r| r.status).collect()));
        status.insert("qosClass".into(), json!(pods::qos_class(self.pod)));

        Simulated { status: Value::Object(status), events, node_event }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff_secs(1), 10);
        assert_eq!(backoff_secs(3), 40);
        assert_eq!(backoff_secs(6), 300);
        assert_eq!(backoff_secs(50), 300);
    }
}
