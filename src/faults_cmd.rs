//! `mosaic faults` and `:faults`: one LIST per kind, then the fault list of `analysis::faults`, printed as text,
//! markdown or JSON (documented in `docs/json/faults.md`). A kind the user may not list is reported under
//! "could not check", with the server's words and the `kubectl auth can-i` line, never as an error.
use std::collections::BTreeSet;
use std::fmt::Debug;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Endpoints, Event, Node, PersistentVolumeClaim, Pod, Secret, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;

use crate::analysis::faults::{self, Fault, Report, Severity, Snapshot, Unchecked};
use crate::cluster::rbac::AccessQuery;
use crate::cluster::{Failure, Session};

/// The resources listed, as kubectl names them, in the order `kubectl get` takes them.
pub const NAMESPACED: &[&str] = &[
    "pods",
    "deployments",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "services",
    "endpoints",
    "endpointslices",
    "ingresses",
    "persistentvolumeclaims",
    "events",
];

/// The kubectl lines that list what the fault list checks: the game plan of `:faults`.
pub fn plan_lines(context: &str, namespace: Option<&str>) -> Vec<String> {
    // Short names keep the line readable; EndpointSlices are only read when Endpoints may not be.
    let kinds = "pods,deploy,sts,ds,jobs,cronjobs,svc,endpoints,ingress,pvc,events";
    let mut get: Vec<String> = vec!["kubectl".into(), "get".into(), kinds.into()];
    match namespace {
        Some(ns) => get.extend(["-n".into(), ns.into()]),
        None => get.push("-A".into()),
    }
    let context = ["--context".to_string(), context.to_string()];
    get.extend(context.clone());
    let nodes: Vec<String> = ["kubectl", "get", "nodes"].map(String::from).into_iter().chain(context).collect();
    // Quoted as every game-plan line is.
    vec![crate::action::shell_line(&get), crate::action::shell_line(&nodes)]
}

/// What the lists gave: the resources read, and those that could not be.
struct Outcomes {
    context: String,
    namespace: Option<String>,
    checked: Vec<String>,
    unchecked: Vec<Unchecked>,
    lost: Option<String>,
}

impl Outcomes {
    /// Keeps a list that was read; notes why one was not.
    fn take<T>(&mut self, resource: &str, group: &str, result: Result<Vec<T>, Failure>) -> Option<Vec<T>> {
        match result {
            Ok(items) => {
                self.checked.push(resource.to_string());
                Some(items)
            }
            Err(failure) => {
                let unchecked = self.unchecked_for(resource, group, &failure);
                self.unchecked.push(unchecked);
                None
            }
        }
    }

    fn unchecked_for(&mut self, resource: &str, group: &str, failure: &Failure) -> Unchecked {
        let cluster_scoped = resource == "nodes";
        let (reason, can_i) = match failure {
            Failure::Forbidden(message) => {
                let mut query = AccessQuery::new("list", group, resource, self.namespace.as_deref());
                if cluster_scoped {
                    query = query.cluster_scoped();
                }
                (message.clone(), Some(query.can_i_command(&self.context)))
            }
            Failure::NotFound(_) => (format!("this server does not serve {resource}"), None),
            Failure::Connection(message) => {
                self.lost.get_or_insert_with(|| message.clone());
                (format!("no answer from the server: {message}"), None)
            }
            other => (other.summary(), None),
        };
        Unchecked { resource: resource.to_string(), reason, can_i }
    }
}

async fn list<K>(client: &Client, namespace: Option<&str>) -> Result<Vec<K>, Failure>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
{
    let api: Api<K> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    api.list(&ListParams::default()).await.map(|l| l.items).map_err(|e| Failure::from_kube(&e))
}

/// Names only (`metadata` list): enough to say a ConfigMap or Secret is missing, without reading secrets.
async fn names<K>(client: &Client, namespace: Option<&str>) -> Option<BTreeSet<(String, String)>>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
{
    let api: Api<K> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let list = api.list_metadata(&ListParams::default()).await.ok()?;
    Some(
        list.items
            .into_iter()
            .map(|o| (o.metadata.namespace.unwrap_or_default(), o.metadata.name.unwrap_or_default()))
            .collect(),
    )
}

/// A list of an older API version (`batch/v1beta1` CronJobs on a 1.19 server), converted to the typed object.
async fn list_older<T: DeserializeOwned>(
    client: &Client,
    namespace: Option<&str>,
    (group, version, kind, plural): (&str, &str, &str, &str),
    convert: impl Fn(serde_json::Value) -> Option<T>,
) -> Result<Vec<T>, Failure> {
    let resource = ApiResource {
        group: group.into(),
        version: version.into(),
        api_version: format!("{group}/{version}"),
        kind: kind.into(),
        plural: plural.into(),
    };
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    };
    let list = api.list(&ListParams::default()).await.map_err(|e| Failure::from_kube(&e))?;
    Ok(list.items.into_iter().filter_map(|o| serde_json::to_value(o).ok().and_then(&convert)).collect())
}

/// Lists everything the fault list reads, in `namespace` (or every namespace), and finds the faults.
pub async fn fetch(session: &Session, namespace: Option<&str>) -> anyhow::Result<Report> {
    let client = &session.client;
    let ns = namespace;
    let (pods, deployments, stateful_sets, daemon_sets, jobs, cron_jobs, services, endpoints, slices) = tokio::join!(
        list::<Pod>(client, ns),
        list::<Deployment>(client, ns),
        list::<StatefulSet>(client, ns),
        list::<DaemonSet>(client, ns),
        list::<Job>(client, ns),
        list::<CronJob>(client, ns),
        list::<Service>(client, ns),
        list::<Endpoints>(client, ns),
        list::<EndpointSlice>(client, ns),
    );
    let nodes_api: Api<Node> = Api::all(client.clone());
    let every = ListParams::default();
    let (ingresses, claims, events, nodes, config_maps, secrets) = tokio::join!(
        list::<Ingress>(client, ns),
        list::<PersistentVolumeClaim>(client, ns),
        list::<Event>(client, ns),
        nodes_api.list(&every),
        names::<ConfigMap>(client, ns),
        names::<Secret>(client, ns),
    );
    // Older servers serve CronJobs and EndpointSlices only as v1beta1.
    let cron_jobs = match cron_jobs {
        Err(Failure::NotFound(_)) => {
            let older = ("batch", "v1beta1", "CronJob", "cronjobs");
            list_older(client, ns, older, |mut v| {
                v["apiVersion"] = "batch/v1".into();
                serde_json::from_value(v).ok()
            })
            .await
        }
        other => other,
    };
    let slices = match slices {
        Err(Failure::NotFound(_)) => {
            let older = ("discovery.k8s.io", "v1beta1", "EndpointSlice", "endpointslices");
            list_older(client, ns, older, |v| crate::analysis::network::endpoint_slice_from_v1beta1(&v).ok()).await
        }
        other => other,
    };
    let mut out = Outcomes {
        context: session.target.context.clone(),
        namespace: namespace.map(str::to_string),
        checked: Vec::new(),
        unchecked: Vec::new(),
        lost: None,
    };
    // Endpoints and EndpointSlices say the same; one of the two is enough.
    let (endpoints, endpoint_slices) = match (endpoints, slices) {
        (Ok(e), slices) => (out.take("endpoints", "", Ok(e)), slices.ok()),
        (Err(_), Ok(s)) => (None, out.take("endpointslices", "discovery.k8s.io", Ok(s))),
        (Err(e), Err(_)) => (out.take::<Endpoints>("endpoints", "", Err(e)), None),
    };
    let snapshot = Snapshot {
        context: Some(session.target.context.clone()),
        now: jiff::Timestamp::now(),
        pods: out.take("pods", "", pods),
        deployments: out.take("deployments", "apps", deployments),
        stateful_sets: out.take("statefulsets", "apps", stateful_sets),
        daemon_sets: out.take("daemonsets", "apps", daemon_sets),
        jobs: out.take("jobs", "batch", jobs),
        cron_jobs: out.take("cronjobs", "batch", cron_jobs),
        services: out.take("services", "", services),
        endpoints,
        endpoint_slices,
        ingresses: out.take("ingresses", "networking.k8s.io", ingresses),
        claims: out.take("persistentvolumeclaims", "", claims),
        events: out.take("events", "", events),
        nodes: out.take("nodes", "", nodes.map(|l| l.items).map_err(|e| Failure::from_kube(&e))),
        config_maps,
        secrets,
    };
    if out.checked.is_empty()
        && let Some(lost) = out.lost
    {
        anyhow::bail!("could not reach the server at {}: {lost}", session.target.server);
    }
    let order = |r: &String| NAMESPACED.iter().position(|n| n == r).unwrap_or(NAMESPACED.len());
    out.checked.sort_by_key(order);
    out.unchecked.sort_by_key(|u| order(&u.resource));
    Ok(Report {
        context: out.context,
        namespace: out.namespace,
        faults: faults::find(&snapshot),
        checked: out.checked,
        unchecked: out.unchecked,
    })
}

fn scope_words(r: &Report) -> String {
    match &r.namespace {
        Some(ns) => format!("namespace {ns}"),
        None => "every namespace".to_string(),
    }
}

/// "3 critical, 2 warning", or "no fault".
pub fn counts(r: &Report) -> String {
    if r.faults.is_empty() {
        return "no fault".into();
    }
    let mut parts = Vec::new();
    for severity in [Severity::Critical, Severity::Warning] {
        let n = r.count(severity);
        if n > 0 {
            parts.push(format!("{n} {}", severity.label()));
        }
    }
    parts.join(", ")
}

/// `shop/checkout-…`, or `node-c` for cluster-scoped objects.
pub fn object(f: &Fault) -> String {
    match &f.namespace {
        Some(ns) => format!("{ns}/{}", f.name),
        None => f.name.clone(),
    }
}

pub fn text(r: &Report) -> String {
    let mut out = format!("Faults in {} (context {}): {}\n", scope_words(r), r.context, counts(r));
    if !r.faults.is_empty() {
        let kind_width = r.faults.iter().map(|f| f.kind.short().len()).max().unwrap_or(0);
        let name_width = r.faults.iter().map(|f| object(f).chars().count()).max().unwrap_or(0).min(60);
        out.push('\n');
        for f in &r.faults {
            out.push_str(&format!(
                "{:<8}  {:<kind_width$}  {:<name_width$}  {}\n",
                f.severity.label().to_uppercase(),
                f.kind.short(),
                object(f),
                f.verdict
            ));
        }
    }
    out.push_str(&format!(
        "\nChecked: {}.\n",
        if r.checked.is_empty() { "nothing".into() } else { r.checked.join(", ") }
    ));
    if !r.unchecked.is_empty() {
        out.push_str("Could not check:\n");
        for u in &r.unchecked {
            out.push_str(&format!("  {}: {}\n", u.resource, u.reason));
            if let Some(can_i) = &u.can_i {
                out.push_str(&format!("    $ {can_i}\n"));
            }
        }
    }
    out
}

pub fn markdown(r: &Report) -> String {
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = format!("# Faults in {} (context {})\n\n{}\n", scope_words(r), r.context, counts(r));
    if !r.faults.is_empty() {
        out.push_str("\n| severity | kind | object | verdict | next check |\n|---|---|---|---|---|\n");
        for f in &r.faults {
            out.push_str(&format!(
                "| {} | {:?} | {} | {} | `{}` |\n",
                f.severity.label(),
                f.kind,
                cell(&object(f)),
                cell(&f.verdict),
                cell(&f.kubectl)
            ));
        }
    }
    out.push_str(&format!("\nChecked: {}.\n", r.checked.join(", ")));
    if !r.unchecked.is_empty() {
        out.push_str("\n## Could not check\n\n");
        for u in &r.unchecked {
            let can_i = u.can_i.as_ref().map(|c| format!(" (`{c}`)")).unwrap_or_default();
            out.push_str(&format!("- **{}**: {}{can_i}\n", u.resource, u.reason));
        }
    }
    out
}

/// Words on lines of at most `width` characters (a longer word gets a line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The lines of the detail pane for a fault that has no view of its own, wrapped to `width`.
pub fn detail_lines(f: &Fault, width: usize) -> Vec<String> {
    let mut lines = vec![format!("{} {} · {}", f.kind.short(), object(f), f.severity.label()), String::new()];
    lines.extend(wrap(&f.verdict, width));
    if !f.detail.is_empty() {
        lines.push(String::new());
        lines.extend(wrap(&f.detail, width));
    }
    lines.push(String::new());
    lines.push("Next check (c copies it):".into());
    lines.push(f.kubectl.clone());
    lines
}
