//! Operations that work on any kind, or on nodes and CronJobs: edit (replace), delete, cordon, drain,
//! suspend/resume and trigger. Both faces, as for every action: the kubectl line and the requests it stands for.
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, ListParams, Patch, PostParams, PropagationPolicy};
use serde_json::{Value, json};

use super::error::{ActionError, Step};
use super::execute::{changed, dry_run_note, get, json_of, patch_object, read};
use super::plan::{kubectl, read_query, target_namespace};
use super::targets::ObjectRef;
use super::{Action, Danger, ExecOptions, Outcome, Plan, PlanCtx};
use crate::cluster::rbac::AccessQuery;

/// The annotation `kubectl create job --from=cronjob/…` marks a hand-started Job with.
pub const INSTANTIATE: &str = "cronjob.kubernetes.io/instantiate";
/// The annotation the kubelet puts on the API's copy of a static pod.
const MIRROR: &str = "kubernetes.io/config.mirror";

/// A pod a drain evicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainPod {
    pub namespace: String,
    pub name: String,
    /// No controller will recreate it (kubectl drain needs `--force` for these).
    pub unmanaged: bool,
}

/// Which pods on a node a drain evicts, and which it leaves with the reason, as `kubectl drain
/// --ignore-daemonsets` decides: DaemonSet pods would come straight back, mirror pods belong to the kubelet.
pub fn drain_candidates(pods: &[Value]) -> (Vec<DrainPod>, Vec<(DrainPod, &'static str)>) {
    let (mut evict, mut skip) = (Vec::new(), Vec::new());
    for pod in pods {
        let text = |p: &str| pod.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
        let controller = pod
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .and_then(|owners| owners.iter().find(|o| o.get("controller") == Some(&Value::Bool(true))))
            .and_then(|o| o.get("kind").and_then(Value::as_str));
        let entry = DrainPod {
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name"),
            unmanaged: controller.is_none(),
        };
        let mirror = pod.pointer("/metadata/annotations").and_then(|a| a.get(MIRROR)).is_some();
        if mirror {
            skip.push((entry, "a mirror pod of a static pod: the kubelet owns it"));
        } else if controller == Some("DaemonSet") {
            skip.push((entry, "a DaemonSet pod: it would come straight back"));
        } else {
            evict.push(entry);
        }
    }
    (evict, skip)
}

/// The drain of a node as it stands now: its pods listed (`spec.nodeName`), then [`drain_candidates`]. Returns
/// the action and the pods it leaves, for the confirmation to show.
pub async fn drain_for(
    client: &kube::Client,
    node: &str,
) -> Result<(Action, Vec<(DrainPod, &'static str)>), ActionError> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &pod_resource());
    let params = ListParams::default().fields(&format!("spec.nodeName={node}"));
    let list = api
        .list(&params)
        .await
        .map_err(|e| ActionError::from_kube(&e, &format!("the pods on node {node}"), Step::Read))?;
    let pods: Vec<Value> = list.items.iter().map(json_of).collect();
    let (evict, skip) = drain_candidates(&pods);
    Ok((Action::Drain { node: node.into(), pods: evict }, skip))
}

/// The name mosaic gives a Job started by hand from a CronJob (kubectl makes the user choose one):
/// `nightly-report-manual-1732262400`, kept within the 63 characters a Job name may have.
pub fn job_name_for(cronjob: &str, now: jiff::Timestamp) -> String {
    let suffix = format!("-manual-{}", now.as_second());
    let keep = 63usize.saturating_sub(suffix.len());
    format!("{}{suffix}", cronjob.chars().take(keep).collect::<String>())
}

pub(super) fn plan(action: &Action, ctx: &PlanCtx) -> Plan {
    match action {
        Action::Edit { target, .. } => Plan::new(
            kubectl(ctx, target_namespace(ctx, target), ["replace".into(), "-f".into(), "-".into()]),
            format!(
                "Replace {} with your edited YAML (what kubectl edit {}/{} does)",
                target.words(),
                target.kubectl_type(),
                target.name
            ),
            Danger::Caution(
                "the whole object is replaced by what you wrote; if it changed since you opened it, nothing is \
                 written"
                    .into(),
            ),
            true,
            verb_query("update", target),
        ),
        Action::Delete { target } => Plan::new(
            kubectl(ctx, target_namespace(ctx, target), ["delete".into(), target.kubectl_type(), target.name.clone()]),
            format!("Delete {}", target.words()),
            delete_danger(target),
            true,
            verb_query("delete", target),
        ),
        Action::Cordon { node, unschedulable } => {
            let verb = if *unschedulable { "cordon" } else { "uncordon" };
            let summary = if *unschedulable {
                format!("Cordon node {node}: no new pod is scheduled on it; its pods keep running")
            } else {
                format!("Uncordon node {node}: new pods may be scheduled on it again")
            };
            let danger = if *unschedulable {
                Danger::Caution("new pods go to other nodes, which need room for them".into())
            } else {
                Danger::Safe
            };
            Plan::new(kubectl(ctx, "", [verb.to_string(), node.clone()]), summary, danger, true, node_patch())
        }
        Action::Drain { node, pods } => {
            let mut verb = vec!["drain".to_string(), node.clone(), "--ignore-daemonsets".into()];
            verb.push("--delete-emptydir-data".into());
            if pods.iter().any(|p| p.unmanaged) {
                verb.push("--force".into());
            }
            let unmanaged = pods.iter().filter(|p| p.unmanaged).count();
            let danger = if unmanaged > 0 {
                Danger::Dangerous(format!("{unmanaged} evicted pod(s) have no controller: nothing will recreate them"))
            } else {
                Danger::Caution("evicted pods restart on other nodes; emptyDir data is lost".into())
            };
            Plan::new(
                kubectl(ctx, "", verb),
                // The confirmation lists the pods one a line (`app::kind_ops::drain_notes`).
                format!("Drain node {node}: cordon it, then evict {} pod(s)", pods.len()),
                danger,
                true,
                AccessQuery::new("create", "", "pods/eviction", None),
            )
        }
        Action::SuspendCronJob { namespace, name, suspend } => {
            let patch = format!("{{\"spec\":{{\"suspend\":{suspend}}}}}");
            let (what, danger) = if *suspend {
                ("Suspend", Danger::Caution("no Job is started on schedule until it is resumed".into()))
            } else {
                ("Resume", Danger::Safe)
            };
            Plan::new(
                kubectl(
                    ctx,
                    namespace,
                    ["patch".into(), format!("cronjob/{name}"), "--type=merge".into(), "-p".into(), patch],
                ),
                format!("{what} cronjob {name} in {namespace}"),
                danger,
                true,
                AccessQuery::new("patch", "batch", "cronjobs", Some(namespace)),
            )
        }
        Action::TriggerCronJob { namespace, cronjob, job } => Plan::new(
            kubectl(ctx, namespace, ["create".into(), "job".into(), job.clone(), format!("--from=cronjob/{cronjob}")]),
            format!("Start job {job} now from cronjob {cronjob} in {namespace}"),
            Danger::Caution("the job runs now, besides its schedule".into()),
            true,
            AccessQuery::new("create", "batch", "jobs", Some(namespace)),
        ),
        _ => unreachable!("ops::plan is only called for its own actions"),
    }
}

/// Permissions beyond the plan's main one.
pub(super) fn also_needed(action: &Action) -> Vec<AccessQuery> {
    match action {
        Action::Drain { .. } => vec![node_patch()],
        Action::TriggerCronJob { namespace, .. } => vec![AccessQuery::new("get", "batch", "cronjobs", Some(namespace))],
        _ => Vec::new(),
    }
}

pub(super) async fn execute(
    action: &Action,
    client: &kube::Client,
    opts: &ExecOptions,
) -> Result<Outcome, ActionError> {
    match action {
        Action::Edit { target, object } => edit(client, opts, target, &object.0).await,
        Action::Delete { target } => {
            let what = target.words();
            let params = DeleteParams {
                dry_run: opts.dry_run,
                propagation_policy: Some(PropagationPolicy::Background),
                ..DeleteParams::default()
            };
            api_for(client, target)
                .delete(&target.name, &params)
                .await
                .map_err(|e| ActionError::from_kube(&e, &what, Step::Write))?;
            let summary = if opts.dry_run {
                format!("Would delete {what} (server dry run: nothing was deleted)")
            } else {
                format!("Deleted {what}")
            };
            Ok(Outcome::Deleted { summary })
        }
        Action::Cordon { node, unschedulable } => {
            let (before, after) = cordon(client, opts, node, *unschedulable).await?;
            let done = match (opts.dry_run, unschedulable) {
                (true, true) => "Would cordon",
                (true, false) => "Would uncordon",
                (false, true) => "Cordoned",
                (false, false) => "Uncordoned",
            };
            Ok(changed(format!("{done} node {node}{}", dry_run_note(opts)), before, after))
        }
        Action::Drain { node, pods } => {
            let (before, after) = cordon(client, opts, node, true).await?;
            for (done, pod) in pods.iter().enumerate() {
                if let Err(err) = evict(client, opts, pod).await {
                    let progress = format!(
                        "Node {node} is cordoned and {done} of {} pods were evicted; pod {} in {} was not: {err}",
                        pods.len(),
                        pod.name,
                        pod.namespace
                    );
                    return Err(match err {
                        ActionError::Forbidden { user, can_i, .. } => {
                            ActionError::Forbidden { user, message: progress, can_i }
                        }
                        _ => ActionError::Api { code: 0, message: progress },
                    });
                }
            }
            let done = if opts.dry_run { "Would drain" } else { "Drained" };
            Ok(changed(
                format!("{done} node {node}: cordoned, {} pod(s) evicted{}", pods.len(), dry_run_note(opts)),
                before,
                after,
            ))
        }
        Action::SuspendCronJob { namespace, name, suspend } => {
            let what = format!("cronjob {name} in {namespace}");
            let api = Api::namespaced_with(client.clone(), namespace, &cronjob_resource(client).await);
            let before = get(&api, name, &what).await?;
            let after =
                patch_object(&api, name, opts, &Patch::Merge(json!({"spec": {"suspend": suspend}})), &what).await?;
            let done = match (opts.dry_run, suspend) {
                (true, true) => "Would suspend",
                (true, false) => "Would resume",
                (false, true) => "Suspended",
                (false, false) => "Resumed",
            };
            Ok(changed(format!("{done} {what}{}", dry_run_note(opts)), before, after))
        }
        Action::TriggerCronJob { namespace, cronjob, job } => {
            let what = format!("cronjob {cronjob} in {namespace}");
            let api = Api::namespaced_with(client.clone(), namespace, &cronjob_resource(client).await);
            let source = get(&api, cronjob, &what).await?;
            let body = job_from(&source, job)?;
            let jobs: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &job_resource());
            let object: DynamicObject =
                serde_json::from_value(body).map_err(|e| ActionError::Invalid(format!("the Job is not valid: {e}")))?;
            let params = PostParams { dry_run: opts.dry_run, field_manager: Some(opts.field_manager.into()) };
            let created = jobs
                .create(&params, &object)
                .await
                .map_err(|e| ActionError::from_kube(&e, &format!("job {job} in {namespace}"), Step::Write))?;
            let done = if opts.dry_run { "Would start" } else { "Started" };
            Ok(Outcome::Changed {
                summary: format!("{done} job {job} from {what}{}", dry_run_note(opts)),
                before: None,
                after: Some(json_of(&created)),
            })
        }
        _ => unreachable!("ops::execute is only called for its own actions"),
    }
}

/// `kubectl describe`: the object, then its events as kubectl finds them (by the object's name, namespace,
/// kind and uid). A refused or failed event list leaves the describe without events, saying why.
pub(super) async fn describe(client: &kube::Client, target: &ObjectRef) -> Result<Outcome, ActionError> {
    let object = read(client, target).await?;
    let mut fields =
        vec![format!("involvedObject.name={}", target.name), format!("involvedObject.kind={}", target.kind)];
    if let Some(ns) = &target.namespace {
        fields.push(format!("involvedObject.namespace={ns}"));
    }
    if let Some(uid) = object.pointer("/metadata/uid").and_then(Value::as_str) {
        fields.push(format!("involvedObject.uid={uid}"));
    }
    let resource = ObjectRef::of(crate::cluster::Kind::Event, None, "").api_resource();
    let api: Api<DynamicObject> = match &target.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    };
    let events = match api.list(&ListParams::default().fields(&fields.join(","))).await {
        Ok(list) => Ok(list.items.iter().map(json_of).collect()),
        Err(e) => Err(ActionError::from_kube(&e, "events", Step::Read).to_string()),
    };
    Ok(Outcome::Described { object, events })
}

async fn edit(
    client: &kube::Client,
    opts: &ExecOptions,
    target: &ObjectRef,
    object: &Value,
) -> Result<Outcome, ActionError> {
    check_identity(target, object)?;
    let what = target.words();
    let before = read(client, target).await?;
    let mut request = kube::core::Request::new(collection_path(target))
        .replace(
            &target.name,
            &PostParams { dry_run: opts.dry_run, field_manager: Some(opts.field_manager.into()) },
            serde_json::to_vec(object).map_err(|e| ActionError::Invalid(e.to_string()))?,
        )
        .map_err(|e| ActionError::Invalid(e.to_string()))?;
    request.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    let after: Value = client.request(request).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Write))?;
    let after = super::diff::without_managed_fields(after);
    let done = if opts.dry_run { "Would replace" } else { "Replaced" };
    Ok(changed(format!("{done} {what} with the edited YAML{}", dry_run_note(opts)), before, after))
}

/// An edit may change anything but what the object is: its kind, name and namespace pick the URL, and the
/// resourceVersion it started from is what makes a concurrent change a conflict instead of an overwrite.
pub fn check_identity(target: &ObjectRef, object: &Value) -> Result<(), ActionError> {
    let text = |p: &str| object.pointer(p).and_then(Value::as_str);
    let api_version =
        if target.group.is_empty() { target.version.clone() } else { format!("{}/{}", target.group, target.version) };
    let mut wrong = Vec::new();
    if text("/kind") != Some(target.kind.as_str()) {
        wrong.push(format!("kind must stay {}", target.kind));
    }
    if text("/apiVersion") != Some(api_version.as_str()) {
        wrong.push(format!("apiVersion must stay {api_version}"));
    }
    if text("/metadata/name") != Some(target.name.as_str()) {
        wrong.push(format!("metadata.name must stay {} (an edit cannot rename)", target.name));
    }
    if let Some(ns) = &target.namespace
        && text("/metadata/namespace").is_some_and(|n| n != ns)
    {
        wrong.push(format!("metadata.namespace must stay {ns}"));
    }
    if text("/metadata/resourceVersion").is_none() {
        wrong
            .push("metadata.resourceVersion must stay as it was, so a change made meanwhile is not overwritten".into());
    }
    if wrong.is_empty() { Ok(()) } else { Err(ActionError::Invalid(wrong.join("; "))) }
}

/// The Job `kubectl create job --from=cronjob/NAME` builds: the template's spec, labels and annotations, the
/// instantiate annotation, and the CronJob as its controller.
fn job_from(cronjob: &Value, job: &str) -> Result<Value, ActionError> {
    let template = cronjob
        .pointer("/spec/jobTemplate")
        .ok_or_else(|| ActionError::Invalid("the cronjob has no spec.jobTemplate".into()))?;
    let mut annotations = template.pointer("/metadata/annotations").cloned().unwrap_or_else(|| json!({}));
    annotations[INSTANTIATE] = json!("manual");
    let mut metadata = json!({
        "name": job,
        "namespace": cronjob.pointer("/metadata/namespace").cloned().unwrap_or(Value::Null),
        "annotations": annotations,
        "ownerReferences": [{
            "apiVersion": cronjob.pointer("/apiVersion").cloned().unwrap_or_else(|| json!("batch/v1")),
            "kind": "CronJob",
            "name": cronjob.pointer("/metadata/name").cloned().unwrap_or(Value::Null),
            "uid": cronjob.pointer("/metadata/uid").cloned().unwrap_or(Value::Null),
            "controller": true,
            "blockOwnerDeletion": true,
        }],
    });
    if let Some(labels) = template.pointer("/metadata/labels") {
        metadata["labels"] = labels.clone();
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    }))
}

async fn cordon(
    client: &kube::Client,
    opts: &ExecOptions,
    node: &str,
    unschedulable: bool,
) -> Result<(Value, Value), ActionError> {
    let what = format!("node {node}");
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &node_resource());
    let before = get(&api, node, &what).await?;
    // kubectl uncordon removes the field rather than setting it to false.
    let value = if unschedulable { json!(true) } else { Value::Null };
    let after = patch_object(&api, node, opts, &Patch::Merge(json!({"spec": {"unschedulable": value}})), &what).await?;
    Ok((before, after))
}

async fn evict(client: &kube::Client, opts: &ExecOptions, pod: &DrainPod) -> Result<(), ActionError> {
    let what = format!("pod {} in {}", pod.name, pod.namespace);
    let body = json!({
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": pod.name, "namespace": pod.namespace},
    });
    let mut request = kube::core::Request::new(format!("/api/v1/namespaces/{}/pods", pod.namespace))
        .create_subresource(
            "eviction",
            &pod.name,
            &PostParams { dry_run: opts.dry_run, field_manager: None },
            serde_json::to_vec(&body).map_err(|e| ActionError::Invalid(e.to_string()))?,
        )
        .map_err(|e| ActionError::Invalid(e.to_string()))?;
    request.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    client.request::<Value>(request).await.map(|_| ()).map_err(|e| match &e {
        kube::Error::Api(status) if status.code == 429 => ActionError::Api {
            code: 429,
            message: format!("{what} may not be disrupted now (a PodDisruptionBudget): {}", status.message),
        },
        _ => ActionError::from_kube(&e, &what, Step::Write),
    })
}

fn api_for(client: &kube::Client, target: &ObjectRef) -> Api<DynamicObject> {
    let resource = target.api_resource();
    match &target.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

fn verb_query(verb: &str, target: &ObjectRef) -> AccessQuery {
    let query = read_query(target);
    let query = AccessQuery { verb: verb.into(), ..query };
    if target.namespace.is_none() { query.cluster_scoped() } else { query }
}

fn node_patch() -> AccessQuery {
    AccessQuery::new("patch", "", "nodes", None).cluster_scoped()
}

fn delete_danger(target: &ObjectRef) -> Danger {
    match target.kind.as_str() {
        "Namespace" => Danger::Dangerous("everything in the namespace is deleted with it".into()),
        "Node" => Danger::Dangerous("its pods lose their node; drain it first".into()),
        "PersistentVolumeClaim" | "PersistentVolume" => {
            Danger::Dangerous("the data on the volume may be deleted with it".into())
        }
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" => {
            Danger::Dangerous("its pods are deleted with it".into())
        }
        _ => Danger::Caution("nothing brings it back unless something recreates it".into()),
    }
}

fn pod_resource() -> kube::discovery::ApiResource {
    ObjectRef::of(crate::cluster::Kind::Pod, None, "").api_resource()
}

fn node_resource() -> kube::discovery::ApiResource {
    ObjectRef::new("v1", "Node", "nodes", None, "").api_resource()
}

/// CronJobs at the version this server serves them (batch/v1beta1 before 1.21), as their list reads them.
async fn cronjob_resource(client: &kube::Client) -> kube::discovery::ApiResource {
    let kind = crate::cluster::Kind::CronJob;
    let version = crate::cluster::resources::served_version(client, kind).await.unwrap_or("v1");
    ObjectRef::new(&format!("batch/{version}"), "CronJob", "cronjobs", None, "").api_resource()
}

fn job_resource() -> kube::discovery::ApiResource {
    ObjectRef::new("batch/v1", "Job", "jobs", None, "").api_resource()
}

/// The collection URL of the target's kind, in its namespace when it has one.
fn collection_path(target: &ObjectRef) -> String {
    <DynamicObject as kube::Resource>::url_path(&target.api_resource(), target.namespace.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_leaves_daemonset_and_mirror_pods() {
        let owned = |kind: &str| json!([{"kind": kind, "name": "x", "controller": true}]);
        let pods = vec![
            json!({"metadata": {"name": "web-1", "namespace": "shop", "ownerReferences": owned("ReplicaSet")}}),
            json!({"metadata": {"name": "proxy-a", "namespace": "kube-system", "ownerReferences": owned("DaemonSet")}}),
            json!({"metadata": {"name": "etcd-a", "namespace": "kube-system", "annotations": {MIRROR: "abc"}}}),
            json!({"metadata": {"name": "debug", "namespace": "shop"}}),
        ];
        let (evict, skip) = drain_candidates(&pods);
        let names: Vec<(&str, bool)> = evict.iter().map(|p| (p.name.as_str(), p.unmanaged)).collect();
        assert_eq!(names, [("web-1", false), ("debug", true)]);
        let skipped: Vec<&str> = skip.iter().map(|(p, _)| p.name.as_str()).collect();
        assert_eq!(skipped, ["proxy-a", "etcd-a"]);
        assert!(skip[0].1.contains("DaemonSet") && skip[1].1.contains("mirror"));
    }

    #[test]
    fn a_manual_job_name_fits_and_says_so() {
        let now: jiff::Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        assert_eq!(job_name_for("nightly-report", now), "nightly-report-manual-1795327200");
        assert!(job_name_for(&"x".repeat(80), now).len() <= 63);
    }

    #[test]
    fn an_edit_cannot_change_what_the_object_is() {
        let target = ObjectRef::new("apps/v1", "Deployment", "deployments", Some("shop"), "web");
        let good = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "7"}});
        assert_eq!(check_identity(&target, &good), Ok(()));
        let mut renamed = good.clone();
        renamed["metadata"]["name"] = json!("web2");
        renamed["metadata"].as_object_mut().unwrap().remove("resourceVersion");
        let err = check_identity(&target, &renamed).unwrap_err().to_string();
        assert!(err.contains("metadata.name must stay web") && err.contains("resourceVersion"), "{err}");
    }
}
