//! `mosaic explain pod/NAME`, `deploy/NAME`, `sts/NAME` and `ds/NAME`: the verdict, findings and timeline, headless,
//! as text, markdown or JSON. The exit code says whether something is wrong (0 healthy, 2 a problem), so
//! scripts and CI can use it. Events the recorder kept (see `runtime::recorder`) join the live ones.
mod deploy;
pub mod document;
mod workload;

pub use deploy::{DeployReport, deploy_report, markdown as deploy_markdown, text as deploy_text};
use std::collections::{BTreeMap, BTreeSet};
pub use workload::{WorkloadReport, markdown as workload_markdown, text as workload_text, workload_report};

use k8s_openapi::api::core::v1::{ConfigMap, Event, Node, PersistentVolumeClaim, Pod, Secret};
use kube::ResourceExt;
use kube::api::{Api, ListParams, LogParams};
use serde::Serialize;

use crate::analysis::explain::{AppPod, Diagnosis, PodEvent, Related, TimelineEntry, Verdict, diagnose, pod_timeline};
use crate::cluster::{Failure, Session};
use crate::store::StoreHandle;

#[derive(Serialize)]
pub struct Report {
    /// Always `pod`; `deployment` reports are [`DeployReport`]s.
    pub kind: &'static str,
    pub namespace: String,
    pub pod: String,
    pub diagnosis: Diagnosis,
    pub timeline: Vec<TimelineEntry>,
}

/// What `explain` can explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pod(String),
    Deployment(String),
    StatefulSet(String),
    DaemonSet(String),
}

impl Target {
    /// The app timeline of a workload.
    pub fn workload(kind: crate::action::WorkloadKind, name: &str) -> Target {
        use crate::action::WorkloadKind as W;
        match kind {
            W::Deployment => Target::Deployment(name.into()),
            W::StatefulSet => Target::StatefulSet(name.into()),
            W::DaemonSet => Target::DaemonSet(name.into()),
        }
    }

    /// `pod web-1`, `statefulset web`.
    pub fn words(&self) -> String {
        match self {
            Target::Pod(name) => format!("pod {name}"),
            Target::Deployment(name) => format!("deployment {name}"),
            Target::StatefulSet(name) => format!("statefulset {name}"),
            Target::DaemonSet(name) => format!("daemonset {name}"),
        }
    }
}

pub fn parse_target(target: &str) -> anyhow::Result<Target> {
    match target.split_once('/') {
        Some(("pod" | "pods" | "po", name)) if !name.is_empty() => Ok(Target::Pod(name.to_string())),
        Some(("deploy" | "deployment" | "deployments" | "deployment.apps", name)) if !name.is_empty() => {
            Ok(Target::Deployment(name.to_string()))
        }
        Some(("sts" | "statefulset" | "statefulsets" | "statefulset.apps", name)) if !name.is_empty() => {
            Ok(Target::StatefulSet(name.to_string()))
        }
        Some(("ds" | "daemonset" | "daemonsets" | "daemonset.apps", name)) if !name.is_empty() => {
            Ok(Target::DaemonSet(name.to_string()))
        }
        _ => anyhow::bail!(
            "mosaic explain takes pod/NAME, deploy/NAME, sts/NAME or ds/NAME (for example pod/checkout-7b54cc5ff-f8n2t \
             or deploy/checkout)"
        ),
    }
}

/// The pane's document for a target.
pub async fn document(
    session: &Session,
    namespace: &str,
    target: &Target,
    store: Option<&StoreHandle>,
) -> anyhow::Result<document::Document> {
    Ok(match target {
        Target::Pod(name) => document::from_pod(&pod_report(session, namespace, name, store).await?),
        Target::Deployment(name) => document::from_deploy(&deploy_report(session, namespace, name, store).await?),
        Target::StatefulSet(name) => document::from_workload(
            &workload_report(session, crate::action::WorkloadKind::StatefulSet, namespace, name, store).await?,
        ),
        Target::DaemonSet(name) => document::from_workload(
            &workload_report(session, crate::action::WorkloadKind::DaemonSet, namespace, name, store).await?,
        ),
    })
}

/// Events the recorder kept about these objects, and the live ones written to it, so a later timeline
/// still has them. Without a store (or when it fails) there are none: a timeline never waits on it.
pub(crate) async fn recorded(
    store: Option<&StoreHandle>,
    context: &str,
    namespace: &str,
    live: &[Event],
    names: Vec<String>,
) -> Vec<PodEvent> {
    let Some(store) = store else { return Vec::new() };
    let events = live.iter().map(|e| (namespace.to_string(), PodEvent::from_core(e))).collect();
    let _ = store.record_events(context, events).await;
    store.recorded_events(context, namespace, names).await.unwrap_or_default()
}

/// Names the user may not list stay unknown (`None`): the diagnosis then trusts the kubelet's words.
pub(crate) async fn names<K>(api: Api<K>) -> Option<BTreeSet<String>>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let list = api.list_metadata(&ListParams::default()).await.ok()?;
    Some(list.items.iter().map(|o| o.name_any()).collect())
}

/// Each claim's phase by name; `None` when the user may not list claims, as for `names`.
pub(crate) async fn claim_phases(api: Api<PersistentVolumeClaim>) -> Option<BTreeMap<String, String>> {
    let list = api.list(&ListParams::default()).await.ok()?;
    Some(
        list.items
            .iter()
            .map(|c| (c.name_any(), c.status.as_ref().and_then(|s| s.phase.clone()).unwrap_or_default()))
            .collect(),
    )
}

pub async fn report(session: &Session, namespace: &str, name: &str) -> anyhow::Result<Report> {
    pod_report(session, namespace, name, None).await
}

/// The pod's report, with the events the recorder kept when a store is given.
pub async fn pod_report(
    session: &Session,
    namespace: &str,
    name: &str,
    store: Option<&StoreHandle>,
) -> anyhow::Result<Report> {
    let client = session.client.clone();
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = pods.get(name).await.map_err(|e| match Failure::from_kube(&e) {
        Failure::NotFound(_) => anyhow::anyhow!("there is no pod {name} in namespace {namespace}"),
        other => anyhow::anyhow!("could not read pod {name} in {namespace}: {}", other.summary()),
    })?;
    let events_api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let by_name = ListParams::default().fields(&format!("involvedObject.name={name}"));
    let events = events_api.list(&by_name).await.map(|l| l.items).unwrap_or_default();
    let owner_events = match pod.owner_references().first() {
        Some(owner) => {
            let params = ListParams::default().fields(&format!("involvedObject.name={}", owner.name));
            let all = events_api.list(&params).await.map(|l| l.items).unwrap_or_default();
            // Only what concerns this pod: its own creation, and failures (FailedCreate names no pod).
            all.into_iter()
                .filter(|e| {
                    let routine = matches!(e.reason.as_deref(), Some("SuccessfulCreate" | "SuccessfulDelete"));
                    !routine || e.message.as_deref().is_some_and(|m| m.contains(name))
                })
                .collect()
        }
        None => Vec::new(),
    };
    let nodes =
        Api::<Node>::all(client.clone()).list(&ListParams::default()).await.map(|l| l.items).unwrap_or_default();
    let claims = claim_phases(Api::namespaced(client.clone(), namespace)).await;
    let related = Related {
        config_maps: names(Api::<ConfigMap>::namespaced(client.clone(), namespace)).await,
        secrets: names(Api::<Secret>::namespaced(client.clone(), namespace)).await,
        claims,
        owner_events: owner_events.clone(),
    };
    let now = jiff::Timestamp::now();
    let mut diagnosis = diagnose(&pod, &events, &nodes, &related, now);
    add_last_log_line(session, &pods, &pod, &mut diagnosis).await;
    let mut names = vec![name.to_string()];
    names.extend(pod.owner_references().iter().map(|o| o.name.clone()));
    let live: Vec<Event> = events.iter().chain(&owner_events).cloned().collect();
    let kept = recorded(store, &session.target.context, namespace, &live, names).await;
    // Live events first: the same uid read back from the recorder then counts once, as live.
    let mut pod_events: Vec<PodEvent> = events.iter().map(PodEvent::from_core).collect();
    pod_events.extend(kept.iter().filter(|e| e.object_name == name).cloned());
    let mut owner: Vec<PodEvent> = owner_events.iter().map(PodEvent::from_core).collect();
    owner.extend(kept.into_iter().filter(|e| e.object_name != name && !routine_for_other_pod(e, name)));
    let timeline = pod_timeline(&pod, &pod_events, &owner, now);
    Ok(Report { kind: "pod", namespace: namespace.into(), pod: name.into(), diagnosis, timeline })
}

/// Diagnoses each pod of an app with what its namespace says around it (events, nodes, claims, ConfigMaps and
/// Secrets, each read once); `owner_of` names the object whose events count as the pod's owner's. The crash
/// verdicts of the first three failing pods end with their last log line. Returns them with the namespace's
/// events, which the app's timeline takes its own from.
pub(crate) async fn diagnose_app_pods(
    session: &Session,
    namespace: &str,
    pods: Vec<Pod>,
    owner_of: impl Fn(&Pod) -> String,
) -> (Vec<(Pod, Diagnosis)>, Vec<Event>) {
    let (client, list) = (&session.client, ListParams::default());
    let events: Vec<Event> =
        Api::<Event>::namespaced(client.clone(), namespace).list(&list).await.map(|l| l.items).unwrap_or_default();
    let nodes = Api::<Node>::all(client.clone()).list(&list).await.map(|l| l.items).unwrap_or_default();
    let claims = claim_phases(Api::namespaced(client.clone(), namespace)).await;
    let config_maps = names(Api::<ConfigMap>::namespaced(client.clone(), namespace)).await;
    let secrets = names(Api::<Secret>::namespaced(client.clone(), namespace)).await;
    let about = |object: &str| -> Vec<Event> {
        events.iter().filter(|e| e.involved_object.name.as_deref() == Some(object)).cloned().collect()
    };
    let now = jiff::Timestamp::now();
    let mut diagnosed: Vec<(Pod, Diagnosis)> = pods
        .into_iter()
        .map(|pod| {
            let related = Related {
                config_maps: config_maps.clone(),
                secrets: secrets.clone(),
                claims: claims.clone(),
                owner_events: about(&owner_of(&pod)),
            };
            let d = diagnose(&pod, &about(&pod.name_any()), &nodes, &related, now);
            (pod, d)
        })
        .collect();
    let pods_api = Api::<Pod>::namespaced(client.clone(), namespace);
    for (pod, d) in diagnosed.iter_mut().filter(|(_, d)| d.wants_last_log_line.is_some()).take(3) {
        add_last_log_line(session, &pods_api, pod, d).await;
    }
    (diagnosed, events)
}

/// Completes a crash verdict with the container's last log line, when the diagnosis wants one; a Secret value
/// the pod can see is masked in it.
pub(crate) async fn add_last_log_line(session: &Session, pods: &Api<Pod>, pod: &Pod, diagnosis: &mut Diagnosis) {
    let Some(wanted) = &diagnosis.wants_last_log_line else { return };
    let name = pod.name_any();
    let namespace = pod.namespace().unwrap_or_default();
    let params = LogParams {
        container: Some(wanted.container.clone()),
        previous: wanted.previous,
        tail_lines: Some(1),
        ..LogParams::default()
    };
    if let Ok(text) = pods.logs(&name, &params).await
        && let Some(line) = text.lines().last()
    {
        let masking = crate::cluster::secret_values::for_pods(session, &namespace, std::slice::from_ref(pod)).await;
        diagnosis.add_last_log_line(&masking.values.mask(line));
    }
}

/// An owner's routine event about another pod (`Created pod: other`): not this pod's story.
fn routine_for_other_pod(e: &PodEvent, name: &str) -> bool {
    matches!(e.reason.as_str(), "SuccessfulCreate" | "SuccessfulDelete") && !e.message.contains(name)
}

pub(crate) fn when(entry: &TimelineEntry) -> String {
    // The fact already says how many times (`(x8)`); `~` marks a time placed by estimate, and a state the API
    // gives no time for is the current one.
    match entry.at {
        Some(t) => format!("{}{}", if entry.estimated_time { "~" } else { "" }, t.strftime("%Y-%m-%d %H:%M:%S")),
        None => format!("{:>19}", "now"),
    }
}

pub fn text(r: &Report) -> String {
    let mut out = head_text(&format!("pod {}/{}", r.namespace, r.pod), &r.diagnosis.verdict);
    if !r.diagnosis.findings.is_empty() {
        out.push_str("\nFindings:\n");
    }
    for f in &r.diagnosis.findings {
        out.push_str(&format!("- {}\n", f.headline));
        for e in &f.evidence {
            out.push_str(&format!("    evidence: {} = {}\n", e.path, e.value));
        }
        out.push_str(&format!("    means: {}\n    next:  {}\n", f.explanation.meaning, f.explanation.next_step));
        if !f.explanation.kubectl.is_empty() {
            out.push_str(&format!("    $ {}\n", f.explanation.kubectl));
        }
        out.push_str(&format!("    docs:  {}\n", f.explanation.docs));
    }
    out.push_str("\nTimeline:\n");
    for e in &r.timeline {
        let flag = if e.warning { "!" } else { " " };
        let kept = if e.recorded { " (recorded)" } else { "" };
        out.push_str(&format!("{flag} {}  {}{kept}\n", when(e), e.fact));
        if e.explanation.known {
            out.push_str(&format!("      {}\n", e.explanation.meaning));
        }
    }
    out
}

pub fn markdown(r: &Report) -> String {
    let mut out = head_markdown(&format!("pod {}/{}", r.namespace, r.pod), &r.diagnosis.verdict);
    for f in &r.diagnosis.findings {
        out.push_str(&format!("\n## {}\n\n", f.headline));
        for e in &f.evidence {
            out.push_str(&format!("- evidence: `{} = {}`\n", e.path, e.value));
        }
        out.push_str(&format!("- means: {}\n- next: {}\n", f.explanation.meaning, f.explanation.next_step));
        if !f.explanation.kubectl.is_empty() {
            out.push_str(&format!("\n```sh\n{}\n```\n", f.explanation.kubectl));
        }
        out.push_str(&format!("\nDocs: <{}>\n", f.explanation.docs));
    }
    out.push_str(&timeline_markdown(&r.timeline));
    out
}

/// `what: headline` and the verdict's detail under it: the head of every text report.
pub(crate) fn head_text(what: &str, v: &Verdict) -> String {
    let mut out = format!("{what}: {}\n", v.headline);
    if let Some(detail) = v.detail.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(&format!("  {detail}\n"));
    }
    out
}

/// `# what`, the headline in bold and the verdict's detail: the head of every Markdown report.
pub(crate) fn head_markdown(what: &str, v: &Verdict) -> String {
    let mut out = format!("# {what}\n\n**{}**\n", v.headline);
    if let Some(detail) = v.detail.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(&format!("\n{detail}\n"));
    }
    out
}

/// An app report's pods as text, `!` marking a failing one; `revision` says which revision each runs.
pub(crate) fn pods_text(pods: &[AppPod], revision: impl Fn(Option<i64>) -> String) -> String {
    let mut out = String::new();
    if !pods.is_empty() {
        out.push_str("\nPods:\n");
    }
    for p in pods {
        let flag = if p.failing { "!" } else { " " };
        out.push_str(&format!("{flag} {}{}: {}\n", p.name, revision(p.revision), p.headline));
    }
    out
}

/// The `## Pods` section of an app's Markdown report.
pub(crate) fn pods_markdown(pods: &[AppPod], revision: impl Fn(Option<i64>) -> String) -> String {
    let mut out = String::from("\n## Pods\n\n");
    for p in pods {
        let mark = if p.failing { "**failing**: " } else { "" };
        out.push_str(&format!("- `{}`{}: {mark}{}\n", p.name, revision(p.revision), p.headline));
    }
    out
}

/// The timeline of an app report as text: warnings flagged `!`, each with its meaning and, for warnings, the
/// kubectl to check it.
pub(crate) fn timeline_text(entries: &[TimelineEntry]) -> String {
    let mut out = String::from("\nTimeline:\n");
    for e in entries {
        let flag = if e.warning { "!" } else { " " };
        let kept = if e.recorded { " (recorded)" } else { "" };
        out.push_str(&format!("{flag} {}  {}{kept}\n", when(e), e.fact));
        if e.explanation.known {
            out.push_str(&format!("      {}\n", e.explanation.meaning));
        }
        if e.warning && !e.explanation.kubectl.is_empty() {
            out.push_str(&format!("      $ {}\n", e.explanation.kubectl));
        }
    }
    out
}

/// The `## Timeline` section of a Markdown report: one table row an entry, recorded ones marked.
pub(crate) fn timeline_markdown(timeline: &[TimelineEntry]) -> String {
    let mut out = String::from("\n## Timeline\n\n| when | what | meaning |\n|---|---|---|\n");
    for e in timeline {
        let meaning = if e.explanation.known { e.explanation.meaning.as_str() } else { "" };
        let kept = if e.recorded { " (recorded)" } else { "" };
        out.push_str(&format!(
            "| {} | {}{kept} | {} |\n",
            when(e),
            e.fact.replace('|', "\\|"),
            meaning.replace('|', "\\|")
        ));
    }
    out
}
