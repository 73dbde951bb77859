//! The simulated API server, driven by real kube-rs clients (and raw HTTP where the exact bytes matter).
use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::authorization::v1::{ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Pod};
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, Config, ResourceExt};
use mosaic::sim::types::{LogSpec, SimRule, SimUser};
use mosaic::sim::{Flavour, Scenario, SimHandle, SimOptions, SimServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(8);

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str], namespaces: Option<&[&str]>, source: &str) -> SimRule {
    SimRule {
        api_groups: strings(groups),
        resources: strings(resources),
        verbs: strings(verbs),
        namespaces: namespaces.map(strings),
        source: Some(source.to_string()),
    }
}

fn users() -> Vec<SimUser> {
    let dev_source = "RoleBinding \"devs-read/acme\" of Role \"dev-read\" to Group \"devs\"";
    vec![
        SimUser {
            name: "admin".into(),
            token: "admin-token".into(),
            groups: vec![],
            rules: vec![rule(
                &["*"],
                &["*"],
                &["*"],
                None,
                "ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" to User \"admin\"",
            )],
        },
        // The fixtures' `dev`: reads pods, events, services, endpoints, deployments and replicasets in acme.
        SimUser {
            name: "dev".into(),
            token: "dev-token".into(),
            groups: vec!["devs".into()],
            rules: vec![
                rule(
                    &[""],
                    &["pods", "events", "services", "endpoints"],
                    &["get", "list", "watch"],
                    Some(&["acme"]),
                    dev_source,
                ),
                rule(
                    &["apps"],
                    &["deployments", "replicasets"],
                    &["get", "list", "watch"],
                    Some(&["acme"]),
                    dev_source,
                ),
            ],
        },
    ]
}

/// A pod whose status the simulated kubelet leaves exactly as written.
fn pod(name: &str, labels: Value, node: &str, running: bool) -> Value {
    let container = name.split('-').next().unwrap_or(name);
    let state = if running {
        json!({"running": {"startedAt": "2026-11-22T03:31:09Z"}})
    } else {
        json!({"waiting": {"reason": "ContainerCreating"}})
    };
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "acme",
            "labels": labels,
            "annotations": {"sim.mosaic.dev/simulate": "static"},
            "creationTimestamp": "2026-11-22T03:31:05Z",
        },
        "spec": {"nodeName": node, "containers": [{"name": container, "image": format!("ghcr.io/acme/{container}:1")}]},
        "status": {
            "phase": if running { "Running" } else { "Pending" },
            "podIP": if running { "10.244.0.10" } else { "" },
            "containerStatuses": [{"name": container, "state": state, "lastState": {}, "ready": running, "restartCount": 0,
                "image": format!("ghcr.io/acme/{container}:1"), "imageID": "", "started": running}],
        },
    })
}

fn event(name: &str, pod: &str, kind: &str, reason: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "acme"},
        "involvedObject": {"kind": "Pod", "namespace": "acme", "name": pod, "apiVersion": "v1"},
        "reason": reason,
        "message": format!("{reason} happened"),
        "type": kind,
        "count": 1,
        "source": {"component": "kubelet"},
    })
}

fn scenario() -> Scenario {
    Scenario {
        objects: vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme"}}),
            pod("web-1", json!({"app": "web", "tier": "front"}), "node-a", true),
            pod("web-2", json!({"app": "web"}), "node-b", true),
            pod("api-1", json!({"app": "api", "tier": "back"}), "node-a", true),
            pod("worker-1", json!({"app": "worker"}), "node-b", false),
            pod("nolog-1", json!({"app": "nolog"}), "node-a", true),
            event("api-1.1", "api-1", "Warning", "BackOff"),
            event("web-1.1", "web-1", "Normal", "Pulled"),
        ],
        users: users(),
        logs: vec![
            LogSpec {
                namespace: "acme".into(),
                pod_prefix: "web-".into(),
                container: None,
                previous: false,
                lines: strings(&["starting web", "listening on :8080", "GET /healthz 200"]),
                periodic: vec![],
            },
            LogSpec {
                namespace: "acme".into(),
                pod_prefix: "worker-".into(),
                container: None,
                previous: false,
                lines: strings(&["never printed"]),
                periodic: vec![],
            },
        ],
    }
}

fn fast() -> SimOptions {
    SimOptions {
        pod_removal_delay: Duration::from_millis(200),
        bookmark_interval: Duration::from_millis(200),
        ..SimOptions::default()
    }
}

async fn start() -> SimHandle {
    SimServer::start(scenario(), fast()).await.expect("the simulated server starts")
}

async fn client(sim: &SimHandle, user: &str) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(&sim.kubeconfig(user, "acme")).expect("kubeconfig parses");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await.expect("config");
    Client::try_from(config).expect("client")
}

fn api_status(err: kube::Error) -> kube::core::Status {
    match err {
        kube::Error::Api(status) => *status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A fixture file; for `.jsonl`, its first line.
fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/real-1.19/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("fixture");
    let text = if name.ends_with(".jsonl") { text.lines().next().unwrap_or_default().to_string() } else { text };
    serde_json::from_str(&text).expect("fixture json")
}

/// One HTTP/1.1 request over a fresh connection: (status, content type, body with chunking undone).
async fn raw(
    sim: &SimHandle,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra: &[(&str, &str)],
) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(sim.addr()).await.expect("connect");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", sim.addr());
    if let Some(token) = token {
        request.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("a response head");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let body = if header("transfer-encoding").contains("chunked") { unchunk(body) } else { body.to_string() };
    (status, header("content-type"), body)
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn names(pods: &[Pod]) -> Vec<String> {
    pods.iter().filter_map(|p| p.metadata.name.clone()).collect()
}

#[tokio::test]
async fn paged_lists_follow_continue_tokens() {
    let sim = start().await;
    let pods: Api<Pod> = Api::namespaced(client(&sim, "admin").await, "acme");
    let first = pods.list(&ListParams::default().limit(2)).await.expect("page 1");
    assert_eq!(names(&first.items), ["api-1", "nolog-1"]);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let token = first.metadata.continue_.clone().expect("a continue token");
    let second = pods.list(&ListParams::default().limit(2).continue_token(&token)).await.expect("page 2");
    assert_eq!(names(&second.items), ["web-1", "web-2"]);
    assert_eq!(second.metadata.resource_version, first.metadata.resource_version);
    let token = second.metadata.continue_.clone().expect("a continue token");
    let third = pods.list(&ListParams::default().limit(2).continue_token(&token)).await.expect("page 3");
    assert_eq!(names(&third.items), ["worker-1"]);
    assert!(third.metadata.continue_.is_none());
    assert_eq!(sim.count("list", "pods"), 3);

    // After compaction the old token is too old: 410 Expired.
    sim.upsert(pod("late-1", json!({"app": "late"}), "node-a", true)).expect("upsert");
    sim.compact();
    let err = pods.list(&ListParams::default().limit(2).continue_token(&token)).await.expect_err("expired");
    let status = api_status(err);
    assert_eq!((status.code, status.reason.as_str()), (410, "Expired"));

    // The raw list carries items without kind and apiVersion, as real servers send them.
    let (code, _, body) = raw(&sim, "GET", "/api/v1/namespaces/acme/pods?limit=1", Some("admin-token"), &[]).await;
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!((code, body["kind"].as_str(), body["apiVersion"].as_str()), (200, Some("PodList"), Some("v1")));
    assert!(body["items"][0].get("kind").is_none() && body["items"][0].get("apiVersion").is_none());
}

#[tokio::test]
async fn label_and_field_selectors_filter_lists() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "acme");
    let list = |lp: ListParams| {
        let pods = pods.clone();
        async move { names(&pods.list(&lp).await.expect("list").items) }
    };
    assert_eq!(list(ListParams::default().labels("app in (web,api)")).await, ["api-1", "web-1", "web-2"]);
    assert_eq!(list(ListParams::default().labels("app=web,!tier")).await, ["web-2"]);
    assert_eq!(list(ListParams::default().labels("tier,tier notin (back)")).await, ["web-1"]);
    assert_eq!(list(ListParams::default().labels("app!=web,app!=api,app!=nolog")).await, ["worker-1"]);
    assert_eq!(list(ListParams::default().fields("status.phase=Pending")).await, ["worker-1"]);
    assert_eq!(
        list(ListParams::default().fields("spec.nodeName=node-a,metadata.name!=nolog-1")).await,
        ["api-1", "web-1"]
    );

    let events: Api<Event> = Api::namespaced(client.clone(), "acme");
    let found = events.list(&ListParams::default().fields("involvedObject.name=api-1")).await.expect("events");
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].reason.as_deref(), Some("BackOff"));
    let warnings =
        events.list(&ListParams::default().fields("type=Warning,involvedObject.kind=Pod")).await.expect("events");
    assert_eq!(warnings.items.len(), 1);

    let err = pods.list(&ListParams::default().fields("spec.bogus=1")).await.expect_err("unsupported field");
    let status = api_status(err);
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
    assert_eq!(status.message, "field label not supported: spec.bogus");
}

async fn next_event(
    stream: &mut (impl futures::Stream<Item = kube::Result<WatchEvent<Pod>>> + Unpin),
) -> WatchEvent<Pod> {
    tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("an event in time")
        .expect("the stream is open")
        .expect("a good event")
}

#[tokio::test]
async fn watches_replay_history_then_stream_live_events_and_bookmarks() {
    let sim = start().await;
    let pods: Api<Pod> = Api::namespaced(client(&sim, "admin").await, "acme");
    let rv = pods.list(&ListParams::default()).await.expect("list").metadata.resource_version.expect("rv");
    sim.upsert(pod("late-1", json!({"app": "late"}), "node-a", true)).expect("upsert");

    let mut stream = pods.watch(&WatchParams::default().timeout(30), &rv).await.expect("watch").boxed();
    match next_event(&mut stream).await {
        WatchEvent::Added(p) => assert_eq!(p.metadata.name.as_deref(), Some("late-1")),
        other => panic!("expected the replayed ADDED, got {other:?}"),
    }
    let mut relabelled = sim.get("v1", "Pod", Some("acme"), "late-1").expect("stored");
    relabelled["metadata"]["labels"]["touched"] = json!("yes");
    sim.upsert(relabelled).expect("upsert");
    match next_event(&mut stream).await {
        WatchEvent::Modified(p) => assert_eq!(p.labels().get("touched").map(String::as_str), Some("yes")),
        other => panic!("expected MODIFIED, got {other:?}"),
    }
    match next_event(&mut stream).await {
        WatchEvent::Bookmark(b) => assert!(!b.metadata.resource_version.is_empty()),
        other => panic!("expected a BOOKMARK, got {other:?}"),
    }

    // A selector-filtered watch sees a pod relabelled out of its selection as DELETED.
    let mut web =
        pods.watch(&WatchParams::default().labels("app=web").disable_bookmarks(), "0").await.expect("watch").boxed();
    for _ in 0..2 {
        assert!(matches!(next_event(&mut web).await, WatchEvent::Added(_)));
    }
    let mut moved = sim.get("v1", "Pod", Some("acme"), "web-2").expect("stored");
    moved["metadata"]["labels"]["app"] = json!("elsewhere");
    sim.upsert(moved).expect("upsert");
    match next_event(&mut web).await {
        WatchEvent::Deleted(p) => assert_eq!(p.metadata.name.as_deref(), Some("web-2")),
        other => panic!("expected DELETED, got {other:?}"),
    }

    // drop_watches ends open streams; the server keeps serving.
    sim.drop_watches();
    let ended = tokio::time::timeout(WAIT, async { while let Some(Ok(_)) = stream.next().await {} }).await;
    assert!(ended.is_ok(), "dropped watches end");
    assert_eq!(pods.list(&ListParams::default()).await.expect("list").items.len(), 6);
}

#[tokio::test]
async fn watches_from_compacted_history_get_410() {
    let sim = start().await;
    let pods: Api<Pod> = Api::namespaced(client(&sim, "admin").await, "acme");
    let rv = pods.list(&ListParams::default()).await.expect("list").metadata.resource_version.expect("rv");
    sim.upsert(pod("late-1", json!({"app": "late"}), "node-a", true)).expect("upsert");
    sim.compact();
    let mut stream = pods.watch(&WatchParams::default(), &rv).await.expect("watch").boxed();
    match next_event(&mut stream).await {
        WatchEvent::Error(status) => assert_eq!((status.code, status.reason.as_str()), (410, "Expired")),
        other => panic!("expected a 410 ERROR, got {other:?}"),
    }
    assert!(tokio::time::timeout(WAIT, stream.next()).await.expect("ends").is_none());

    // The raw stream is exactly one line shaped like the real server's.
    let (code, _, body) =
        raw(&sim, "GET", "/api/v1/namespaces/acme/pods?watch=true&resourceVersion=1", Some("admin-token"), &[]).await;
    assert_eq!(code, 200);
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 1);
    let mut event: Value = serde_json::from_str(lines[0]).expect("json");
    let message = event["object"]["message"].as_str().expect("message").to_string();
    assert!(message.starts_with("too old resource version: 1 ("), "{message}");
    let mut expected = fixture("pods-watch-410-too-old.jsonl");
    expected["object"]["message"] = json!(message);
    event["object"]["message"] = json!(message);
    assert_eq!(event, expected);
}

#[tokio::test]
async fn a_watcher_recovers_after_stop_and_restart() {
    let sim = start().await;
    let pods: Api<Pod> = Api::namespaced(client(&sim, "admin").await, "acme");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut events = watcher(pods, watcher::Config::default()).default_backoff().boxed();
        while let Some(event) = events.next().await {
            if tx.send(event.map_err(|e| e.to_string())).is_err() {
                return;
            }
        }
    });
    let mut next = async || tokio::time::timeout(WAIT, rx.recv()).await.expect("in time").expect("open");
    while !matches!(next().await, Ok(watcher::Event::InitDone)) {}

    sim.stop().await;
    assert!(tokio::net::TcpStream::connect(sim.addr()).await.is_err(), "a stopped server refuses connections");
    while next().await.is_ok() {}

    sim.restart().await.expect("restart");
    sim.upsert(pod("after-restart", json!({"app": "late"}), "node-a", true)).expect("upsert");
    loop {
        if let Ok(watcher::Event::Apply(p) | watcher::Event::InitApply(p)) = next().await
            && p.metadata.name.as_deref() == Some("after-restart")
        {
            break;
        }
    }
    task.abort();
}

#[tokio::test]
async fn dev_gets_the_real_forbidden_bodies_and_strangers_401() {
    let sim = start().await;
    let dev = client(&sim, "dev").await;
    let all: Api<Pod> = Api::all(dev.clone());
    let status = api_status(all.list(&ListParams::default()).await.expect_err("forbidden"));
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "pods is forbidden: User \"dev\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
    );
    assert!(Api::<Pod>::namespaced(dev.clone(), "acme").list(&ListParams::default()).await.is_ok());

    let (code, _, body) = raw(&sim, "GET", "/api/v1/pods", Some("dev-token"), &[]).await;
    assert_eq!(
        (code, serde_json::from_str::<Value>(&body).expect("json")),
        (403, fixture("error-403-forbidden-list-all-pods.json"))
    );
    let (code, _, body) = raw(&sim, "GET", "/api/v1/namespaces/acme/secrets", Some("dev-token"), &[]).await;
    assert_eq!(
        (code, serde_json::from_str::<Value>(&body).expect("json")),
        (403, fixture("error-403-forbidden-secrets.json"))
    );

    let err = Api::<Deployment>::namespaced(dev, "acme")
        .patch("web", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 1}})))
        .await
        .expect_err("forbidden");
    let status = api_status(err);
    assert_eq!(
        status.message,
        "deployments.apps \"web\" is forbidden: User \"dev\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"acme\""
    );

    let stranger = client(&sim, "stranger").await;
    let status =
        api_status(Api::<Pod>::namespaced(stranger, "acme").list(&ListParams::default()).await.expect_err("401"));
    assert_eq!((status.code, status.message.as_str()), (401, "Unauthorized"));
}

#[tokio::test]
async fn access_reviews_answer_from_the_rules() {
    let sim = start().await;
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client(&sim, "dev").await);
    let ask = |verb: &str, group: &str, resource: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: Some("acme".into()),
                verb: Some(verb.into()),
                group: (!group.is_empty()).then(|| group.to_string()),
                resource: Some(resource.into()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let allowed = reviews.create(&PostParams::default(), &ask("list", "", "pods")).await.expect("review");
    let status = allowed.status.expect("status");
    assert!(status.allowed);
    assert_eq!(
        status.reason.as_deref(),
        Some("RBAC: allowed by RoleBinding \"devs-read/acme\" of Role \"dev-read\" to Group \"devs\"")
    );
    for (verb, group, resource) in [("create", "", "pods"), ("list", "", "secrets"), ("patch", "apps", "deployments")] {
        let denied = reviews.create(&PostParams::default(), &ask(verb, group, resource)).await.expect("review");
        let status = denied.status.expect("status");
        assert!(!status.allowed, "{verb} {resource}");
        assert_eq!(status.reason, None);
    }
}

fn deployment(name: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [
                    {"name": "app", "image": "shop:1", "ports": [{"containerPort": 8080, "name": "http"}]},
                    {"name": "proxy", "image": "proxy:1"}
                ]}
            }
        }
    }))
    .expect("a deployment")
}

#[tokio::test]
async fn create_patch_and_delete_like_a_real_server() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "acme");
    let created = deployments.create(&PostParams::default(), &deployment("shop")).await.expect("create");
    assert_eq!(created.metadata.generation, Some(1));
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());
    let dup = api_status(deployments.create(&PostParams::default(), &deployment("shop")).await.expect_err("duplicate"));
    assert_eq!((dup.code, dup.reason.as_str()), (409, "AlreadyExists"));
    let nowhere: Api<Deployment> = Api::namespaced(client.clone(), "nowhere");
    let missing =
        api_status(nowhere.create(&PostParams::default(), &deployment("shop")).await.expect_err("no namespace"));
    assert_eq!((missing.code, missing.message.as_str()), (404, "namespaces \"nowhere\" not found"));

    // Strategic merge: containers merge by name, so the proxy and the port survive.
    let strategic = json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "shop:2"}]}}}});
    let patched =
        deployments.patch("shop", &PatchParams::default(), &Patch::Strategic(strategic)).await.expect("strategic");
    let spec = patched.spec.clone().expect("spec").template.spec.expect("pod spec");
    assert_eq!(spec.containers.len(), 2);
    assert_eq!(spec.containers[0].image.as_deref(), Some("shop:2"));
    assert_eq!(spec.containers[0].ports.as_ref().map(Vec::len), Some(1));
    assert_eq!(patched.metadata.generation, Some(2));

    // Merge: lists are replaced; labels merge.
    let merge = json!({"metadata": {"labels": {"team": "checkout"}}});
    let patched = deployments.patch("shop", &PatchParams::default(), &Patch::Merge(merge)).await.expect("merge");
    assert_eq!(patched.metadata.labels.as_ref().and_then(|l| l.get("team")).map(String::as_str), Some("checkout"));
    assert_eq!(patched.metadata.generation, Some(2), "metadata changes do not bump the generation");

    // JSON patch.
    let ops: json_patch::Patch =
        serde_json::from_value(json!([{"op": "replace", "path": "/spec/replicas", "value": 3}])).expect("ops");
    let patched =
        deployments.patch("shop", &PatchParams::default(), &Patch::<()>::Json(ops)).await.expect("json patch");
    assert_eq!(patched.spec.as_ref().and_then(|s| s.replicas), Some(3));
    assert_eq!(patched.metadata.generation, Some(3));

    // A stale resourceVersion is a conflict, worded as a real server words it.
    let stale = api_status(deployments.replace("shop", &PostParams::default(), &created).await.expect_err("stale"));
    assert_eq!(stale.code, 409);
    assert_eq!(
        stale.message,
        "Operation cannot be fulfilled on deployments.apps \"shop\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // Server-side apply needs a field manager, and creates what is missing.
    let applied = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "applied"}, "data": {"a": "1"}});
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), "acme");
    let cm = configmaps.patch("applied", &PatchParams::apply("mosaic"), &Patch::Apply(applied)).await.expect("apply");
    assert_eq!(cm.data.and_then(|d| d.get("a").cloned()).as_deref(), Some("1"));

    // Deleting a deployment answers a Status; deleting a pod answers the pod, Terminating, then it goes.
    let gone = deployments.delete("shop", &DeleteParams::default()).await.expect("delete");
    let status = gone.right().expect("a Status");
    assert_eq!(status.details.map(|d| d.name), Some("shop".to_string()));
    assert!(sim.get("apps/v1", "Deployment", Some("acme"), "shop").is_none());
    let pods: Api<Pod> = Api::namespaced(client, "acme");
    let terminating = pods.delete("web-2", &DeleteParams::default()).await.expect("delete").left().expect("the pod");
    assert!(terminating.metadata.deletion_timestamp.is_some());
    assert!(sim.get("v1", "Pod", Some("acme"), "web-2").is_some(), "still Terminating");
    let removed = tokio::time::timeout(WAIT, async {
        while sim.get("v1", "Pod", Some("acme"), "web-2").is_some() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(removed.await.is_ok(), "the pod is removed after its delay");
    let not_found = api_status(pods.get("web-2").await.expect_err("gone"));
    assert_eq!((not_found.code, not_found.message.as_str()), (404, "pods \"web-2\" not found"));
}

#[tokio::test]
async fn dry_run_returns_the_result_without_storing_it() {
    let sim = start().await;
    let deployments: Api<Deployment> = Api::namespaced(client(&sim, "admin").await, "acme");
    deployments.create(&PostParams::default(), &deployment("shop")).await.expect("create");
    let before = sim.get("apps/v1", "Deployment", Some("acme"), "shop").expect("stored");
    let restart = json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-22T00:00:00Z"}}}}});
    let params = PatchParams { dry_run: true, field_manager: Some("mosaic".into()), ..PatchParams::default() };
    let answer = deployments.patch("shop", &params, &Patch::Strategic(restart)).await.expect("dry run");
    let annotations = answer.spec.and_then(|s| s.template.metadata).and_then(|m| m.annotations).unwrap_or_default();
    assert_eq!(annotations.get("kubectl.kubernetes.io/restartedAt").map(String::as_str), Some("2026-11-22T00:00:00Z"));
    assert_eq!(answer.metadata.resource_version.as_deref(), before["metadata"]["resourceVersion"].as_str());
    let managers: Vec<_> =
        answer.metadata.managed_fields.unwrap_or_default().into_iter().filter_map(|m| m.manager).collect();
    assert!(managers.contains(&"mosaic".to_string()));
    assert_eq!(sim.get("apps/v1", "Deployment", Some("acme"), "shop"), Some(before), "nothing stored");
}

#[tokio::test]
async fn the_scale_subresource_writes_replicas() {
    let sim = start().await;
    let deployments: Api<Deployment> = Api::namespaced(client(&sim, "admin").await, "acme");
    deployments.create(&PostParams::default(), &deployment("shop")).await.expect("create");
    let scale = deployments.get_scale("shop").await.expect("scale");
    assert_eq!(scale.spec.and_then(|s| s.replicas), Some(1));
    assert_eq!(scale.status.map(|s| s.selector), Some(Some("app=shop".to_string())));
    let scaled = deployments
        .patch_scale("shop", &PatchParams::default(), &Patch::Merge(json!({"spec": {"replicas": 4}})))
        .await
        .expect("patch scale");
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(4));
    let stored = sim.get("apps/v1", "Deployment", Some("acme"), "shop").expect("stored");
    assert_eq!(stored["spec"]["replicas"], 4);
    assert_eq!(stored["metadata"]["generation"], 2);
    assert_eq!(sim.count("patch", "deployments/scale"), 1);
    assert_eq!(sim.count("get", "deployments/scale"), 1);

    // The simulated controllers ran before the answer: the pods are already there.
    let pods: Api<Pod> = Api::namespaced(deployments.into_client(), "acme");
    let running = pods.list(&ListParams::default().labels("app=shop")).await.expect("pods");
    let live = running.items.iter().filter(|p| p.metadata.deletion_timestamp.is_none()).count();
    assert_eq!(live, 4);
}

#[tokio::test]
async fn pod_logs_answer_like_a_kubelet() {
    let sim = start().await;
    let pods: Api<Pod> = Api::namespaced(client(&sim, "admin").await, "acme");
    let all = pods.logs("web-1", &LogParams::default()).await.expect("logs");
    assert_eq!(all, "starting web\nlistening on :8080\nGET /healthz 200\n");
    let tail = pods
        .logs("web-1", &LogParams { tail_lines: Some(1), timestamps: true, ..LogParams::default() })
        .await
        .expect("logs");
    let (stamp, line) = tail.trim_end().split_once(' ').expect("a timestamp");
    assert!(stamp.parse::<jiff::Timestamp>().is_ok(), "{stamp}");
    assert_eq!(line, "GET /healthz 200");

    let waiting = api_status(pods.logs("worker-1", &LogParams::default()).await.expect_err("waiting"));
    assert_eq!(
        (waiting.code, waiting.message.as_str()),
        (400, "container \"worker\" in pod \"worker-1\" is waiting to start: ContainerCreating")
    );
    let no_kubelet = api_status(pods.logs("nolog-1", &LogParams::default()).await.expect_err("no kubelet"));
    assert_eq!(no_kubelet.code, 500);
    assert_eq!(
        no_kubelet.message,
        "Get \"https://localhost:10250/containerLogs/acme/nolog-1/nolog\": dial tcp 127.0.0.1:10250: connect: connection refused"
    );

    let follow = pods.log_stream("web-1", &LogParams { follow: true, ..LogParams::default() }).await.expect("follow");
    let mut lines = follow.lines();
    for expected in ["starting web", "listening on :8080", "GET /healthz 200"] {
        let line = tokio::time::timeout(WAIT, lines.try_next()).await.expect("in time").expect("read");
        assert_eq!(line.as_deref(), Some(expected));
    }
    sim.append_log("acme", "web-1", "web", "hello from the test");
    let line = tokio::time::timeout(WAIT, lines.try_next()).await.expect("in time").expect("read");
    assert_eq!(line.as_deref(), Some("hello from the test"));
    assert_eq!(sim.count("get", "pods/log"), 5);
}

#[tokio::test]
async fn requests_are_counted_and_recorded() {
    let sim = start().await;
    let client = client(&sim, "admin").await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "acme");
    sim.reset_counts();
    pods.list(&ListParams::default()).await.expect("list");
    pods.get("web-1").await.expect("get");
    let stream = pods.watch(&WatchParams::default(), "0").await.expect("watch");
    drop(stream);
    let deployments: Api<Deployment> = Api::namespaced(client, "acme");
    deployments.create(&PostParams::default(), &deployment("shop")).await.expect("create");
    deployments
        .patch(
            "shop",
            &PatchParams::apply("mosaic"),
            &Patch::Apply(json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 2}})),
        )
        .await
        .expect("apply");
    for (verb, resource) in
        [("list", "pods"), ("get", "pods"), ("watch", "pods"), ("create", "deployments"), ("patch", "deployments")]
    {
        assert_eq!(sim.count(verb, resource), 1, "{verb} {resource}");
    }
    assert_eq!(sim.total_requests(), 5);
    let patch = sim.requests().into_iter().last().expect("recorded");
    assert_eq!(
        (patch.method.as_str(), patch.path.as_str()),
        ("PATCH", "/apis/apps/v1/namespaces/acme/deployments/shop")
    );
    assert_eq!(patch.content_type.as_deref(), Some("application/apply-patch+yaml"));
    assert_eq!(patch.query.get("fieldManager").map(String::as_str), Some("mosaic"));
    assert_eq!(patch.body.as_ref().map(|b| b["spec"]["replicas"].clone()), Some(json!(2)));
    assert_eq!(patch.user.as_deref(), Some("admin"));
    sim.reset_counts();
    assert_eq!(sim.total_requests(), 0);
    assert!(sim.counts().is_empty());
}

#[tokio::test]
async fn discovery_tables_and_unknown_paths() {
    let sim = SimServer::start(scenario(), SimOptions { flavour: Flavour::V1_19, ..fast() }).await.expect("start");
    let client = client(&sim, "admin").await;
    let version = client.apiserver_version().await.expect("version");
    assert_eq!(version.git_version, "v1.19.0");
    let discovery = kube::Discovery::new(client.clone()).run().await.expect("discovery");
    let slices = discovery.get("discovery.k8s.io").expect("discovery.k8s.io");
    assert_eq!(slices.preferred_version_or_latest(), "v1beta1");
    assert!(discovery.get("apps").is_some() && discovery.get("batch").is_some());

    let (code, _, body) = raw(&sim, "GET", "/apis/example.com/v1/widgets", Some("admin-token"), &[]).await;
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!((code, body["message"].as_str()), (404, Some("the server could not find the requested resource")));

    let accept = [("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")];
    let (code, _, body) = raw(&sim, "GET", "/api/v1/namespaces/acme/pods", Some("admin-token"), &accept).await;
    let table: Value = serde_json::from_str(&body).expect("json");
    assert_eq!((code, table["kind"].as_str()), (200, Some("Table")));
    let worker = table["rows"].as_array().into_iter().flatten().find(|r| r["cells"][0] == "worker-1").expect("a row");
    assert_eq!(
        worker["cells"].as_array().map(|c| c[1..4].to_vec()),
        Some(vec![json!("0/1"), json!("ContainerCreating"), json!(0)])
    );
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");

    // 1.19 objects carry selfLink.
    let (_, _, body) = raw(&sim, "GET", "/api/v1/namespaces/acme/pods/web-1", Some("admin-token"), &[]).await;
    let pod: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(pod["metadata"]["selfLink"], "/api/v1/namespaces/acme/pods/web-1");
}
