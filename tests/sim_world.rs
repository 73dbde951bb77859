//! Pure tests of the simulated cluster's world: scenarios load, the simulated controllers settle, and
//! what they write reads like the real v1.19 objects in `tests/fixtures/real-1.19/`.
use std::collections::BTreeMap;

use jiff::Timestamp;
use mosaic::sim::types::Change;
use mosaic::sim::{Scenario, reconcile};
use serde_json::{Value, json};

/// The store a server keeps, reduced to what these tests need: objects by identity, and a
/// resourceVersion counter.
struct Store {
    objects: BTreeMap<(String, String, String, String), Value>,
    rv: u64,
}

fn identity(obj: &Value) -> (String, String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    (s(&obj["apiVersion"]), s(&obj["kind"]), s(&obj["metadata"]["namespace"]), s(&obj["metadata"]["name"]))
}

impl Store {
    fn new(objects: Vec<Value>) -> Store {
        let mut store = Store { objects: BTreeMap::new(), rv: 1000 };
        for o in objects {
            store.write(o);
        }
        store
    }

    fn write(&mut self, mut obj: Value) {
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        if obj["metadata"]["uid"].is_null() {
            obj["metadata"]["uid"] = json!(format!("uid-{}", self.rv));
        }
        self.objects.insert(identity(&obj), obj);
    }

    fn all(&self) -> Vec<Value> {
        self.objects.values().cloned().collect()
    }

    fn apply(&mut self, changes: Vec<Change>) {
        for c in changes {
            match c {
                Change::Upsert(obj) => self.write(obj),
                Change::Delete { api_version, kind, namespace, name } => {
                    self.objects.remove(&(api_version, kind, namespace.unwrap_or_default(), name));
                }
            }
        }
    }

    /// Reconciles until settled, as the server does; returns how many rounds it took.
    fn settle(&mut self, now: Timestamp) -> usize {
        for round in 1..=10 {
            let changes = reconcile(&self.all(), now);
            if changes.is_empty() {
                return round;
            }
            self.apply(changes);
        }
        let still: Vec<String> = reconcile(&self.all(), now)
            .iter()
            .map(|c| match c {
                Change::Upsert(o) => format!("upsert {} {}", o["kind"], o["metadata"]["name"]),
                Change::Delete { kind, name, .. } => format!("delete {kind} {name}"),
            })
            .collect();
        panic!("the world did not settle in 10 rounds; still changing: {still:?}");
    }

    fn kind(&self, kind: &str, namespace: &str) -> Vec<&Value> {
        self.objects
            .values()
            .filter(|o| o["kind"] == kind && o["metadata"]["namespace"].as_str().unwrap_or("") == namespace)
            .collect()
    }

    fn pods_of(&self, namespace: &str, prefix: &str) -> Vec<&Value> {
        self.kind("Pod", namespace)
            .into_iter()
            .filter(|p| p["metadata"]["name"].as_str().unwrap_or("").starts_with(prefix))
            .collect()
    }
}

fn now() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

fn settled(objects: Vec<Value>) -> Store {
    let mut store = Store::new(objects);
    store.settle(now());
    store
}

fn demo() -> Store {
    settled(Scenario::demo_at(now()).objects)
}

fn container_status(pod: &Value) -> &Value {
    &pod["status"]["containerStatuses"][0]
}

fn waiting_reason(pod: &Value) -> &str {
    container_status(pod)["state"]["waiting"]["reason"].as_str().unwrap_or("")
}

fn condition<'a>(obj: &'a Value, kind: &str) -> &'a Value {
    obj["status"]["conditions"].as_array().and_then(|cs| cs.iter().find(|c| c["type"] == kind)).unwrap_or(&Value::Null)
}

fn events_about<'a>(store: &'a Store, namespace: &str, name: &str) -> Vec<&'a Value> {
    store.kind("Event", namespace).into_iter().filter(|e| e["involvedObject"]["name"] == name).collect()
}

/// The structure of a JSON value: keys and value types, with lists reduced to their first element.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/real-1.19/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn fixture_pod(app: &str) -> Value {
    fixture("pods-list.json")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["metadata"]["labels"]["app"] == app)
        .cloned()
        .unwrap()
}

/// Parses every object into its k8s-openapi type (which checks apiVersion and kind too).
fn parse_typed(obj: &Value) {
    use k8s_openapi::api::{apps, batch, core, discovery, networking, rbac, storage};
    fn check<T: serde::de::DeserializeOwned>(obj: &Value) {
        if let Err(e) = serde_json::from_value::<T>(obj.clone()) {
            panic!("{} {} does not parse: {e}\n{obj:#}", obj["kind"], obj["metadata"]["name"]);
        }
    }
    let mut obj = obj.clone();
    // The v1.19 dialect's beta versions have the same shape as the GA types k8s-openapi v1_33 knows.
    match obj["apiVersion"].as_str() {
        Some("discovery.k8s.io/v1beta1") => obj["apiVersion"] = json!("discovery.k8s.io/v1"),
        Some("batch/v1beta1") => obj["apiVersion"] = json!("batch/v1"),
        _ => {}
    }
    match obj["kind"].as_str().unwrap_or("") {
        "Pod" => check::<core::v1::Pod>(&obj),
        "Node" => check::<core::v1::Node>(&obj),
        "Namespace" => check::<core::v1::Namespace>(&obj),
        "Service" => check::<core::v1::Service>(&obj),
        "Endpoints" => check::<core::v1::Endpoints>(&obj),
        "Event" => check::<core::v1::Event>(&obj),
        "ConfigMap" => check::<core::v1::ConfigMap>(&obj),
        "Secret" => check::<core::v1::Secret>(&obj),
        "ServiceAccount" => check::<core::v1::ServiceAccount>(&obj),
        "PersistentVolumeClaim" => check::<core::v1::PersistentVolumeClaim>(&obj),
        "PersistentVolume" => check::<core::v1::PersistentVolume>(&obj),
        "Deployment" => check::<apps::v1::Deployment>(&obj),
        "ReplicaSet" => check::<apps::v1::ReplicaSet>(&obj),
        "StatefulSet" => check::<apps::v1::StatefulSet>(&obj),
        "DaemonSet" => check::<apps::v1::DaemonSet>(&obj),
        "ControllerRevision" => check::<apps::v1::ControllerRevision>(&obj),
        "Job" => check::<batch::v1::Job>(&obj),
        "CronJob" => check::<batch::v1::CronJob>(&obj),
        "EndpointSlice" => check::<discovery::v1::EndpointSlice>(&obj),
        "Ingress" => check::<networking::v1::Ingress>(&obj),
        "IngressClass" => check::<networking::v1::IngressClass>(&obj),
        "NetworkPolicy" => check::<networking::v1::NetworkPolicy>(&obj),
        "Role" => check::<rbac::v1::Role>(&obj),
        "RoleBinding" => check::<rbac::v1::RoleBinding>(&obj),
        "StorageClass" => check::<storage::v1::StorageClass>(&obj),
        "CustomResourceDefinition" => {
            check::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>(&obj)
        }
        // A custom resource has no typed struct: it parses as any object does.
        "Certificate" => check::<kube::api::DynamicObject>(&obj),
        other => panic!("no typed check for kind {other}"),
    }
}

#[test]
fn acme_reproduces_the_fixture() {
    let store = settled(Scenario::acme().objects);
    for app in ["billing", "frontend", "orders", "reports", "search"] {
        let real = fixture_pod(app);
        let ours = store.pods_of("acme", &format!("{app}-"));
        assert!(!ours.is_empty(), "no pod for {app}");
        for pod in ours {
            parse_typed(pod);
            assert_eq!(shape(&pod["status"]), shape(&real["status"]), "status shape of {app}");
            assert_eq!(pod["status"]["phase"], real["status"]["phase"], "{app}");
            let summary = |p: &Value| -> Vec<(Value, Value, Value)> {
                p["status"]["conditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| (c["type"].clone(), c["status"].clone(), c["reason"].clone()))
                    .collect()
            };
            assert_eq!(summary(pod), summary(&real), "conditions of {app}");
            assert_eq!(waiting_reason(pod), waiting_reason(&real), "{app}");
            assert_eq!(container_status(pod)["restartCount"], container_status(&real)["restartCount"], "{app}");
            assert_eq!(shape(&pod["spec"]["tolerations"]), shape(&real["spec"]["tolerations"]));
            assert_eq!(
                pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"],
                real["spec"]["containers"][0]["volumeMounts"][0]["mountPath"]
            );
            let rs = pod["metadata"]["ownerReferences"][0]["name"].as_str().unwrap();
            let hash = pod["metadata"]["labels"]["pod-template-hash"].as_str().unwrap();
            assert_eq!(rs, format!("{app}-{hash}"));
            let suffix = pod["metadata"]["name"].as_str().unwrap().strip_prefix(&format!("{rs}-")).unwrap();
            assert_eq!(suffix.len(), 5);
        }
    }
    let orders = store.pods_of("acme", "orders-")[0];
    let message = container_status(orders)["state"]["waiting"]["message"].as_str().unwrap();
    let uid = orders["metadata"]["uid"].as_str().unwrap();
    let name = orders["metadata"]["name"].as_str().unwrap();
    assert_eq!(message, format!("back-off 40s restarting failed container=orders pod={name}_acme({uid})"));
    assert_eq!(container_status(orders)["lastState"]["terminated"]["exitCode"], 1);
    let reports = store.pods_of("acme", "reports-")[0];
    assert_eq!(condition(reports, "PodScheduled")["message"], "0/3 nodes are available: 3 Insufficient cpu.");

    // Deployments, ReplicaSets, Endpoints and slices have the fixture's shape and verdicts.
    let real_deployments = fixture("deployments-list.json");
    for real in real_deployments["items"].as_array().unwrap() {
        let name = real["metadata"]["name"].as_str().unwrap();
        let ours = store.objects.values().find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name).unwrap();
        assert_eq!(shape(&ours["status"]), shape(&real["status"]), "deployment {name}");
        assert_eq!(shape(&ours["spec"]), shape(&real["spec"]), "deployment {name}");
        assert_eq!(condition(ours, "Available")["reason"], condition(real, "Available")["reason"], "{name}");
    }
    let real_rs = fixture("replicasets-list.json");
    for real in real_rs["items"].as_array().unwrap() {
        let app = real["metadata"]["labels"]["app"].as_str().unwrap();
        let ours = store
            .objects
            .values()
            .find(|o| o["kind"] == "ReplicaSet" && o["metadata"]["labels"]["app"] == app)
            .unwrap();
        assert_eq!(shape(&ours["status"]), shape(&real["status"]), "rs {app}");
        assert_eq!(ours["metadata"]["annotations"], real["metadata"]["annotations"], "rs {app}");
    }
    let real_endpoints = fixture("endpoints-list.json");
    for real in real_endpoints["items"].as_array().unwrap() {
        let name = real["metadata"]["name"].as_str().unwrap();
        let ours = store.objects.values().find(|o| o["kind"] == "Endpoints" && o["metadata"]["name"] == name).unwrap();
        // List items come without apiVersion and kind; metadata differs by uid and time only.
        let strip = |v: &Value| {
            let mut v = shape(v);
            for k in ["metadata", "apiVersion", "kind"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        };
        assert_eq!(strip(ours), strip(real), "endpoints {name}");
        assert_eq!(ours["metadata"]["labels"], real["metadata"]["labels"], "endpoints {name}");
    }
    let real_slices = fixture("endpointslices-list.json");
    for real in real_slices["items"].as_array().unwrap() {
        let svc = &real["metadata"]["labels"]["kubernetes.io/service-name"];
        let ours = store
            .objects
            .values()
            .find(|o| o["kind"] == "EndpointSlice" && &o["metadata"]["labels"]["kubernetes.io/service-name"] == svc)
            .unwrap();
        assert_eq!(ours["apiVersion"], "discovery.k8s.io/v1beta1");
        // The fixture's node-a has no zone label; its other nodes do, as all simulated nodes do.
        let real_endpoint = real["endpoints"].as_array().and_then(|e| e.last()).unwrap_or(&Value::Null);
        let our_endpoint = ours["endpoints"].as_array().and_then(|e| e.last()).unwrap_or(&Value::Null);
        assert_eq!(shape(our_endpoint), shape(real_endpoint), "slice {svc}");
        assert_eq!(ours["ports"], real["ports"], "slice {svc}");
    }
}

#[test]
fn demo_loads_settles_and_shows_each_lesson() {
    let store = demo();
    assert!(reconcile(&store.all(), now()).is_empty(), "a settled world stays settled");
    for obj in store.objects.values() {
        parse_typed(obj);
    }
    let pods = |prefix: &str| store.pods_of("shop", prefix);
    let ready = |p: &Value| condition(p, "Ready")["status"] == "True";

    let storefront = pods("storefront-");
    assert_eq!(storefront.len(), 3);
    assert!(storefront.iter().all(|p| ready(p)));
    let ep =
        store.objects.values().find(|o| o["kind"] == "Endpoints" && o["metadata"]["name"] == "storefront").unwrap();
    assert_eq!(ep["subsets"][0]["addresses"].as_array().unwrap().len(), 3);
    assert_eq!(ep["subsets"][0]["ports"][0]["port"], 8080);

    let checkout = pods("checkout-")[0];
    assert_eq!(waiting_reason(checkout), "CrashLoopBackOff");
    assert_eq!(container_status(checkout)["restartCount"], 7);
    assert_eq!(container_status(checkout)["lastState"]["terminated"]["exitCode"], 1);
    let logs = Scenario::demo_at(now()).logs;
    let fatal = "FATAL: could not connect to database postgres:5432: connection refused";
    for previous in [false, true] {
        let spec = logs.iter().find(|l| l.pod_prefix == "checkout-" && l.previous == previous).unwrap();
        assert_eq!(spec.lines.last().map(String::as_str), Some(fatal));
    }

    let catalog = pods("catalog-")[0];
    assert_eq!(waiting_reason(catalog), "ImagePullBackOff");
    let pull_failure =
        events_about(&store, "shop", catalog["metadata"]["name"].as_str().unwrap()).into_iter().any(|e| {
            e["message"].as_str().unwrap_or("").contains("dial tcp: lookup registry.example.invalid: no such host")
        });
    assert!(pull_failure);

    assert!(pods("payments-api-").iter().all(|p| ready(p)));
    let ep =
        store.objects.values().find(|o| o["kind"] == "Endpoints" && o["metadata"]["name"] == "payments-api").unwrap();
    assert!(ep.get("subsets").is_none(), "the selector matches nothing: {ep:#}");

    let recommendations = pods("recommendations-")[0];
    assert_eq!(recommendations["status"]["phase"], "Pending");
    assert_eq!(condition(recommendations, "PodScheduled")["message"], "0/3 nodes are available: 3 Insufficient cpu.");
    assert!(
        events_about(&store, "shop", recommendations["metadata"]["name"].as_str().unwrap())
            .iter()
            .any(|e| e["reason"] == "FailedScheduling" && e["action"] == "Scheduling")
    );

    for p in pods("inventory-") {
        assert_eq!(p["status"]["phase"], "Running");
        assert!(!ready(p));
        assert!(events_about(&store, "shop", p["metadata"]["name"].as_str().unwrap()).iter().any(|e| {
            e["reason"] == "Unhealthy"
                && e["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
        }));
    }
    let ep = store.objects.values().find(|o| o["kind"] == "Endpoints" && o["metadata"]["name"] == "inventory").unwrap();
    assert_eq!(ep["subsets"][0]["notReadyAddresses"].as_array().unwrap().len(), 2);

    let mailer = pods("mailer-")[0];
    assert_eq!(container_status(mailer)["lastState"]["terminated"]["reason"], "OOMKilled");
    assert_eq!(container_status(mailer)["lastState"]["terminated"]["exitCode"], 137);

    let reviews = pods("reviews-")[0];
    assert_eq!(waiting_reason(reviews), "CreateContainerConfigError");
    assert_eq!(container_status(reviews)["state"]["waiting"]["message"], "configmap \"app-config\" not found");

    let indexer = pods("search-indexer-")[0];
    assert_eq!(indexer["status"]["phase"], "Pending");
    assert!(indexer["status"]["initContainerStatuses"][0]["state"]["running"].is_object());
    assert_eq!(condition(indexer, "Initialized")["reason"], "ContainersNotInitialized");

    let job = store.kind("Job", "shop")[0];
    assert_eq!(condition(job, "Complete")["status"], "True");
    assert_eq!(pods("nightly-report-")[0]["status"]["phase"], "Succeeded");

    let dns: Vec<&Value> = store
        .kind("Pod", "kube-system")
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["k8s-app"] == "kube-dns")
        .collect();
    assert_eq!(dns.len(), 2);
    assert!(dns.iter().all(|p| ready(p)));
    assert_eq!(store.kind("Pod", "kube-system").len(), 5, "2 CoreDNS and one kube-proxy per node");

    // Every claim binds, but `exports`: it asks for a StorageClass that does not exist.
    for claim in store.kind("PersistentVolumeClaim", "shop") {
        let want = if claim["metadata"]["name"] == "exports" { "Pending" } else { "Bound" };
        assert_eq!(claim["status"]["phase"], want, "{}", claim["metadata"]["name"]);
    }
    assert!(
        events_about(&store, "shop", "exports").iter().any(|e| e["reason"] == "ProvisioningFailed"
            && e["message"].as_str().is_some_and(|m| m.contains("\"fast-ssd\" not found"))),
        "the provisioner says why"
    );
    let secret = store.kind("Secret", "shop").into_iter().find(|s| s["metadata"]["name"] == "cart-redis").unwrap();
    assert_eq!(secret["data"]["password"], "c2VjcmV0");
    let deployment = |name: &str| {
        store.objects.values().find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name).unwrap()
    };
    assert_eq!(condition(deployment("checkout"), "Progressing")["reason"], "ProgressDeadlineExceeded");
    assert_eq!(condition(deployment("storefront"), "Progressing")["reason"], "NewReplicaSetAvailable");
}

#[test]
fn events_speak_both_fixture_dialects() {
    let store = settled(Scenario::acme().objects);
    let real = fixture("events-core-v1.json");
    let ours = store.kind("Event", "acme");
    let mut seen = std::collections::HashSet::new();
    for real in real["items"].as_array().unwrap() {
        let reason = real["reason"].as_str().unwrap();
        // The first of each kind: later FailedScheduling events of the fixture carry a `series`.
        if !seen.insert((reason, real["involvedObject"]["kind"].as_str().unwrap())) {
            continue;
        }
        let mine = ours
            .iter()
            .find(|e| e["reason"] == reason && e["involvedObject"]["kind"] == real["involvedObject"]["kind"])
            .unwrap_or_else(|| panic!("no {reason} event"));
        let strip = |v: &Value| {
            let mut v = shape(v);
            for k in ["metadata", "apiVersion", "kind"] {
                v.as_object_mut().unwrap().remove(k);
            }
            v
        };
        assert_eq!(strip(mine), strip(real), "{reason}");
        let name = mine["metadata"]["name"].as_str().unwrap();
        let (object, digits) = name.rsplit_once('.').unwrap();
        assert_eq!(object, mine["involvedObject"]["name"]);
        assert!(digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_hexdigit()), "{name}");
    }
}

impl Store {
    fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.values().find(|o| {
            o["kind"] == kind
                && o["metadata"]["namespace"].as_str().unwrap_or("") == namespace
                && o["metadata"]["name"] == name
        })
    }

    /// Changes an object as a client would (a PATCH), then lets the controllers react.
    fn edit(&mut self, kind: &str, namespace: &str, name: &str, change: impl FnOnce(&mut Value)) {
        let mut obj = self.find(kind, namespace, name).cloned().unwrap_or_else(|| panic!("no {kind} {name}"));
        change(&mut obj);
        self.write(obj);
        self.settle(now());
    }
}

/// A namespace with one Deployment (and Service) whose pods behave as `mode` says.
fn one_app(mode: Option<&str>, replicas: i64) -> Store {
    let mut template = json!({
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{
            "name": "web",
            "image": "ghcr.io/acme/web:1.0.0",
            "ports": [{"name": "http", "containerPort": 8080}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
        }]},
    });
    if let Some(m) = mode {
        template["metadata"]["annotations"] = json!({"sim.mosaic.dev/simulate": m});
    }
    settled(vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "t", "creationTimestamp": "2026-11-22T11:00:00Z", "generation": 1},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "template": template}}),
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": "web", "namespace": "t", "creationTimestamp": "2026-11-22T11:00:00Z"},
               "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}),
    ])
}

#[test]
fn each_simulate_mode_writes_a_typed_status() {
    let cases: &[(Option<&str>, &str, &str)] = &[
        (None, "Running", "running"),
        (Some("crashloop"), "Running", "CrashLoopBackOff"),
        (Some("imagepull"), "Pending", "ImagePullBackOff"),
        (Some("errimagepull"), "Pending", "ErrImagePull"),
        (Some("unschedulable"), "Pending", ""),
        (Some("oomkilled"), "Running", "running"),
        (Some("notready"), "Running", "running"),
        (Some("configmissing"), "Pending", "CreateContainerConfigError"),
        (Some("init"), "Pending", "ContainerCreating"),
        (Some("completed"), "Running", "CrashLoopBackOff"),
        (Some("terminating"), "Running", "running"),
    ];
    for (mode, phase, state) in cases {
        let store = one_app(*mode, 1);
        let pods = store.pods_of("t", "web-");
        // A held (terminating) pod gets a replacement; every other mode has exactly one pod.
        let expected = if *mode == Some("terminating") { 2 } else { 1 };
        assert_eq!(pods.len(), expected, "{mode:?}");
        let pod = pods.iter().find(|p| p["metadata"]["deletionTimestamp"].is_string()).unwrap_or(&pods[0]);
        parse_typed(pod);
        assert_eq!(pod["status"]["phase"], *phase, "{mode:?}: {:#}", pod["status"]);
        let cs = container_status(pod);
        let actual = if cs["state"]["waiting"].is_object() {
            cs["state"]["waiting"]["reason"].as_str().unwrap().to_string()
        } else {
            cs["state"].as_object().map(|m| m.keys().next().unwrap().clone()).unwrap_or_default()
        };
        assert_eq!(actual, *state, "{mode:?}");
        if *phase != "Pending" || !state.is_empty() {
            let image_id = cs["imageID"].as_str().unwrap();
            let pulled = !matches!(
                *state,
                "ImagePullBackOff" | "ErrImagePull" | "CreateContainerConfigError" | "ContainerCreating"
            );
            assert_eq!(
                image_id.starts_with("ghcr.io/acme/web@sha256:") && image_id.len() == 24 + 64,
                pulled,
                "{mode:?} {image_id}"
            );
            assert!(pod["status"]["hostIP"].is_string() && pod["status"]["podIP"].is_string());
        }
        for event in store.kind("Event", "t") {
            parse_typed(event);
        }
    }
    let oom = one_app(Some("oomkilled"), 1);
    let last = &container_status(oom.pods_of("t", "web-")[0])["lastState"]["terminated"];
    assert_eq!((last["reason"].as_str(), last["exitCode"].as_i64()), (Some("OOMKilled"), Some(137)));
    let oom_event = oom.kind("Event", "default").into_iter().find(|e| e["reason"] == "OOMKilling").unwrap();
    assert_eq!(oom_event["involvedObject"]["kind"], "Node");

    let pull = one_app(Some("errimagepull"), 1);
    let message = container_status(pull.pods_of("t", "web-")[0])["state"]["waiting"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"ghcr.io/acme/web:1.0.0\""
        ),
        "{message}"
    );

    let stuck = one_app(Some("terminating"), 1);
    let all: Vec<&Value> = stuck.pods_of("t", "web-");
    assert_eq!(all.len(), 2, "the held pod and its replacement");
    let held = all.iter().find(|p| p["metadata"]["deletionTimestamp"].is_string()).unwrap();
    assert_eq!(held["metadata"]["finalizers"], json!(["sim.mosaic.dev/hold"]));
    let replacement = all.iter().find(|p| p["metadata"]["deletionTimestamp"].is_null()).unwrap();
    assert_eq!(condition(replacement, "Ready")["status"], "True");
    assert!(stuck.kind("Event", "t").iter().any(|e| e["reason"] == "Killing"));

    let crash = one_app(Some("crashloop"), 1);
    let pod = crash.pods_of("t", "web-")[0];
    assert_eq!(container_status(pod)["restartCount"], 5);
    let backoff = crash.kind("Event", "t").into_iter().find(|e| e["reason"] == "BackOff").unwrap();
    assert_eq!(backoff["message"], "Back-off restarting failed container");
    assert_eq!(backoff["type"], "Warning");
}

#[test]
fn scaling_a_deployment_changes_its_pods() {
    let mut store = one_app(None, 2);
    assert_eq!(store.pods_of("t", "web-").len(), 2);
    store.edit("Deployment", "t", "web", |d| d["spec"]["replicas"] = json!(5));
    assert_eq!(store.pods_of("t", "web-").len(), 5);
    let d = store.find("Deployment", "t", "web").unwrap();
    assert_eq!((d["status"]["replicas"].as_i64(), d["status"]["readyReplicas"].as_i64()), (Some(5), Some(5)));
    let rs = store.kind("ReplicaSet", "t")[0];
    assert_eq!(rs["spec"]["replicas"], 5);
    assert_eq!(rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"], "5");
    let scaled = store
        .kind("Event", "t")
        .iter()
        .any(|e| e["reason"] == "ScalingReplicaSet" && e["message"].as_str().unwrap().ends_with(" to 5"));
    assert!(scaled);
    store.edit("Deployment", "t", "web", |d| d["spec"]["replicas"] = json!(1));
    assert_eq!(store.pods_of("t", "web-").len(), 1);
    assert_eq!(store.kind("Event", "t").iter().filter(|e| e["reason"] == "SuccessfulDelete").count(), 4);
    let ep = store.find("Endpoints", "t", "web").unwrap();
    assert_eq!(ep["subsets"][0]["addresses"].as_array().unwrap().len(), 1);
}

#[test]
fn a_template_change_rolls_out_a_new_replicaset() {
    let mut store = one_app(None, 3);
    let old_pods: Vec<String> = store.pods_of("t", "web-").iter().map(|p| p["metadata"]["name"].to_string()).collect();
    let old_rs = store.kind("ReplicaSet", "t")[0]["metadata"]["name"].clone();
    store.edit("Deployment", "t", "web", |d| {
        d["spec"]["template"]["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/restartedAt": "2026-11-22T11:30:00Z"});
    });
    let sets = store.kind("ReplicaSet", "t");
    assert_eq!(sets.len(), 2);
    let new = sets.iter().find(|rs| rs["metadata"]["name"] != old_rs).unwrap();
    let old = sets.iter().find(|rs| rs["metadata"]["name"] == old_rs).unwrap();
    assert_eq!((new["spec"]["replicas"].as_i64(), old["spec"]["replicas"].as_i64()), (Some(3), Some(0)));
    assert_eq!(new["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
    let hash = new["metadata"]["labels"]["pod-template-hash"].as_str().unwrap();
    assert_eq!(new["metadata"]["name"], format!("web-{hash}"));
    let pods = store.pods_of("t", "web-");
    assert_eq!(pods.len(), 3);
    assert!(pods.iter().all(|p| p["metadata"]["labels"]["pod-template-hash"] == hash));
    assert!(pods.iter().all(|p| !old_pods.contains(&p["metadata"]["name"].to_string())));
    let d = store.find("Deployment", "t", "web").unwrap();
    assert_eq!(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
    assert_eq!(
        condition(d, "Progressing")["message"],
        format!("ReplicaSet \"web-{hash}\" has successfully progressed.")
    );

    // A new image is a new template too; undoing it brings the first ReplicaSet back as revision 3.
    store.edit("Deployment", "t", "web", |d| {
        d["spec"]["template"]["metadata"].as_object_mut().unwrap().remove("annotations");
    });
    let old = store.find("ReplicaSet", "t", old_rs.as_str().unwrap()).unwrap();
    assert_eq!(old["spec"]["replicas"], 3);
    assert_eq!(old["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
}

#[test]
fn endpoints_follow_readiness() {
    let mut store = one_app(None, 2);
    let ep = store.find("Endpoints", "t", "web").unwrap().clone();
    assert_eq!(ep["subsets"][0]["addresses"].as_array().unwrap().len(), 2);
    assert_eq!(ep["subsets"][0]["ports"], json!([{"name": "http", "port": 8080, "protocol": "TCP"}]));
    let pod = store.pods_of("t", "web-")[0].clone();
    let target = &ep["subsets"][0]["addresses"][0]["targetRef"];
    assert!(target["resourceVersion"].is_string());
    store.edit("Deployment", "t", "web", |d| {
        d["spec"]["template"]["metadata"]["annotations"] = json!({"sim.mosaic.dev/simulate": "notready"});
    });
    let ep = store.find("Endpoints", "t", "web").unwrap();
    assert!(ep["subsets"][0].get("addresses").is_none());
    assert_eq!(ep["subsets"][0]["notReadyAddresses"].as_array().unwrap().len(), 2);
    let slice = store.kind("EndpointSlice", "t")[0];
    assert!(slice["endpoints"].as_array().unwrap().iter().all(|e| e["conditions"]["ready"] == false));
    assert!(slice["metadata"]["generation"].as_i64().unwrap() >= 2);
    assert!(store.find("Pod", "t", pod["metadata"]["name"].as_str().unwrap()).is_none());
    // A Service that selects nothing has an Endpoints object without subsets.
    store.edit("Service", "t", "web", |s| s["spec"]["selector"] = json!({"tier": "nothing"}));
    assert!(store.find("Endpoints", "t", "web").unwrap().get("subsets").is_none());
    assert!(store.kind("EndpointSlice", "t")[0]["endpoints"].is_null());
}

#[test]
fn deleted_pods_are_replaced_not_resurrected() {
    let store = one_app(None, 2);
    let victim = store.pods_of("t", "web-")[0].clone();
    let name = victim["metadata"]["name"].as_str().unwrap().to_string();
    let mut objects = store.all();
    for o in &mut objects {
        if o["kind"] == "Pod" && o["metadata"]["name"] == name.as_str() {
            o["metadata"]["deletionTimestamp"] = json!("2026-11-22T11:59:00Z");
        }
    }
    let changes = reconcile(&objects, now());
    let upserts: Vec<&Value> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Upsert(o) => Some(o),
            Change::Delete { .. } => None,
        })
        .collect();
    assert!(!upserts.iter().any(|o| o["kind"] == "Pod"
        && o["metadata"]["name"] == name.as_str()
        && o["metadata"]["deletionTimestamp"].is_null()));
    let replacements = upserts.iter().filter(|o| o["kind"] == "Pod" && o["metadata"]["name"] != name.as_str()).count();
    assert!(replacements >= 1, "a replacement pod is created");
    assert!(upserts.iter().any(|o| o["kind"] == "Event" && o["reason"] == "Killing"));
    assert!(
        !changes.iter().any(|c| matches!(c, Change::Delete { name: n, .. } if *n == name)),
        "removal is the server's job"
    );
}

#[test]
fn missing_namespaces_nodes_and_defaults_are_filled_in() {
    let store = settled(vec![json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "solo", "namespace": "lonely"},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}})]);
    for ns in ["lonely", "default", "kube-system"] {
        assert!(store.find("Namespace", "", ns).is_some(), "{ns}");
    }
    let nodes: Vec<&Value> = store.objects.values().filter(|o| o["kind"] == "Node").collect();
    assert_eq!(nodes.len(), 3);
    for n in &nodes {
        parse_typed(n);
        assert_eq!(n["status"]["capacity"]["cpu"], "4");
        assert_eq!(n["status"]["capacity"]["memory"], "16Gi");
        assert_eq!(condition(n, "Ready")["status"], "True");
    }
    let pod = store.find("Pod", "lonely", "solo").unwrap();
    assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "Always");
    assert_eq!(pod["status"]["phase"], "Running");
    assert_eq!(pod["status"]["qosClass"], "BestEffort");
    let token = pod["spec"]["volumes"][0]["secret"]["secretName"].as_str().unwrap();
    assert!(store.find("Secret", "lonely", token).is_some());
    assert!(store.find("Service", "default", "kubernetes").is_some());
}

#[test]
fn the_loader_names_the_bad_document() {
    let cases = [
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- just\n- a list\n", "document 2"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n",
            "document 2: missing kind",
        ),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "document 1 (ConfigMap): missing metadata.name"),
        ("a: [unclosed\n", "document 1"),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, creationTimestamp: \"-2x\"}\n", "document 1 (Pod p)"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: sim.mosaic.dev/v1\nkind: SimScenario\nusers: 3\n",
            "document 2 (SimScenario)",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            "duplicate of document 1",
        ),
    ];
    for (text, expected) in cases {
        let error = format!("{:#}", Scenario::from_yaml(text).unwrap_err());
        assert!(error.contains(expected), "{expected:?} not in {error:?}");
    }
    let ok =
        Scenario::from_yaml("# nothing but a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
            .unwrap();
    assert_eq!(ok.objects[0]["metadata"]["namespace"], "default");
    assert_eq!(ok.users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["admin", "dev"]);
}

#[test]
fn the_bench_cluster_is_big_settled_and_heavy() {
    let started = std::time::Instant::now();
    let scenario = Scenario::generated(50, 5000, 20000);
    let built = started.elapsed();
    let count = |kind: &str| scenario.objects.iter().filter(|o| o["kind"] == kind).count();
    assert_eq!(count("Pod"), 5000);
    assert_eq!(count("Event"), 20000);
    assert_eq!(count("Deployment"), 500);
    assert_eq!(count("ReplicaSet"), 500);
    let bench_namespaces = scenario
        .objects
        .iter()
        .filter(|o| o["kind"] == "Namespace" && o["metadata"]["name"].as_str().unwrap().starts_with("bench-"))
        .count();
    assert_eq!(bench_namespaces, 50);
    let pods: Vec<&Value> = scenario.objects.iter().filter(|o| o["kind"] == "Pod").collect();
    let crashing = pods.iter().filter(|p| waiting_reason(p) == "CrashLoopBackOff").count();
    let pending = pods.iter().filter(|p| p["status"]["phase"] == "Pending").count();
    assert!((100..=200).contains(&crashing), "{crashing} crash-looping");
    assert!((50..=150).contains(&pending), "{pending} pending");
    assert!(pods.iter().all(|p| p["metadata"]["managedFields"].as_array().is_some_and(|m| m.len() == 2)));
    let d = scenario.objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert!(
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
            .as_str()
            .unwrap()
            .ends_with("}\n")
    );
    assert!(
        scenario
            .objects
            .iter()
            .all(|o| o["metadata"]["uid"].is_string() && o["metadata"]["resourceVersion"].is_string())
    );
    parse_typed(pods[0]);
    parse_typed(d);

    let t = std::time::Instant::now();
    let changes = reconcile(&scenario.objects, Timestamp::now());
    let reconciled = t.elapsed();
    assert!(
        changes.is_empty(),
        "the bench cluster is settled, yet {} changes, the first: {:#?}",
        changes.len(),
        changes.first()
    );
    println!("built in {built:?}, reconciled in {reconciled:?}");
    // Generous bounds for an unoptimised build on a busy machine (it takes about 3 s and 1 s here, and a
    // fraction of that optimised); they catch a quadratic slip, which would take minutes.
    assert!(built.as_secs_f64() < 20.0, "built in {built:?}");
    assert!(reconciled.as_secs_f64() < 10.0, "reconciled in {reconciled:?}");
}
