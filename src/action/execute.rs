//! The face that runs: the API requests kubectl sends for the same command, built from the same fields.
use kube::Api;
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PropagationPolicy};
use kube::discovery::ApiResource;
use serde_json::{Value, json};

use super::diff::without_managed_fields;
use super::error::{ActionError, Step};
use super::plan::replicas_text;
use super::targets::{ObjectRef, WorkloadKind};
use super::{Action, ExecOptions, Outcome, rollback};

/// The annotation `kubectl rollout restart` stamps on the pod template.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

impl Action {
    /// Send the requests. Mutating requests carry `fieldManager`, and `dryRun=All` when asked; a dry run
    /// returns what the object would become.
    pub async fn execute(&self, client: &kube::Client, opts: &ExecOptions) -> Result<Outcome, ActionError> {
        match self {
            Action::Scale { kind, namespace, name, replicas, resource_version, .. } => {
                let kind = WorkloadKind::from(*kind);
                let what = words(kind, name, namespace);
                let api = namespaced(client, &kind.api_resource(), namespace);
                let before = api.get_scale(name).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Read))?;
                let mut body = json!({"spec": {"replicas": replicas}});
                if let Some(rv) = resource_version {
                    body["metadata"] = json!({"resourceVersion": rv});
                }
                let after = api
                    .patch_scale(name, &patch_params(opts), &Patch::Merge(&body))
                    .await
                    .map_err(|e| ActionError::from_kube(&e, &what, Step::Write))?;
                let was = before.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
                let done = if opts.dry_run { "Would scale" } else { "Scaled" };
                Ok(changed(
                    format!("{done} {what} to {} (was {was}){}", replicas_text(*replicas), dry_run_note(opts)),
                    json_of(&before),
                    json_of(&after),
                ))
            }
            Action::RolloutRestart { kind, namespace, name } => {
                let what = words(*kind, name, namespace);
                let api = namespaced(client, &kind.api_resource(), namespace);
                let before = get(&api, name, &what).await?;
                if *kind == WorkloadKind::Deployment && before.pointer("/spec/paused") == Some(&Value::Bool(true)) {
                    return Err(ActionError::Invalid(format!(
                        "{what} is paused, so a restart would not roll out; resume it first with: kubectl rollout \
                         resume deployment/{name}"
                    )));
                }
                let stamp = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}});
                let after = patch_object(&api, name, opts, &Patch::Strategic(&patch), &what).await?;
                let done = if opts.dry_run { "Would restart" } else { "Restarted" };
                Ok(changed(
                    format!(
                        "{done} {what}: its pods are replaced as its rollout strategy allows{}",
                        dry_run_note(opts)
                    ),
                    before,
                    after,
                ))
            }
            Action::SetImage { kind, namespace, name, container, image } => {
                let what = words(*kind, name, namespace);
                let api = namespaced(client, &kind.api_resource(), namespace);
                let before = get(&api, name, &what).await?;
                let (list, old_image) = find_container(&before, container).ok_or_else(|| {
                    ActionError::NotFound(format!(
                        "{what} has no container named {container:?} (it has: {})",
                        container_names(&before).join(", ")
                    ))
                })?;
                // The strategic merge patch kubectl computes: the container, by name, with its new image.
                let patch = json!({"spec": {"template": {"spec": {list: [{"image": image, "name": container}]}}}});
                let after = patch_object(&api, name, opts, &Patch::Strategic(&patch), &what).await?;
                let done = if opts.dry_run { "Would set" } else { "Set" };
                Ok(changed(
                    format!(
                        "{done} the image of container {container} of {what} to {image} (was {old_image}){}",
                        dry_run_note(opts)
                    ),
                    before,
                    after,
                ))
            }
            Action::Rollback { kind: WorkloadKind::Deployment, namespace, name, to_revision } => {
                rollback::run(client, opts, namespace, name, *to_revision).await
            }
            Action::Rollback { kind, namespace, name, to_revision } => {
                super::rollback_revisions::run(client, opts, *kind, namespace, name, *to_revision).await
            }
            Action::AnnotateCommit { kind, namespace, name, commit } => {
                super::commit::annotate(client, opts, *kind, namespace, name, commit).await
            }
            Action::ForcePull { kind, namespace, name, containers, restarted_at } => {
                super::commit::force_pull(client, opts, *kind, namespace, name, containers, restarted_at).await
            }
            Action::DeletePod { namespace, name, grace_period, .. } => {
                let what = format!("pod {name} in {namespace}");
                let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &pod_resource());
                let params = DeleteParams {
                    dry_run: opts.dry_run,
                    grace_period_seconds: *grace_period,
                    // kubectl's default cascade.
                    propagation_policy: Some(PropagationPolicy::Background),
                    preconditions: None,
                };
                let answer =
                    api.delete(name, &params).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Write))?;
                let terminating =
                    answer.left().and_then(|pod| pod.metadata.deletion_grace_period_seconds).filter(|s| *s > 0);
                let summary = match (opts.dry_run, terminating) {
                    (true, _) => format!("Would delete {what} (server dry run: nothing was deleted)"),
                    (false, Some(seconds)) => format!("Deleted {what}: it stops within {seconds}s"),
                    (false, None) => format!("Deleted {what}"),
                };
                Ok(Outcome::Deleted { summary })
            }
            Action::Edit { .. }
            | Action::Delete { .. }
            | Action::Cordon { .. }
            | Action::Drain { .. }
            | Action::SuspendCronJob { .. }
            | Action::TriggerCronJob { .. } => super::ops::execute(self, client, opts).await,
            Action::Describe { target } => super::ops::describe(client, target).await,
            Action::Yaml { target } => read(client, target).await.map(Outcome::Object),
            Action::List { kind, namespace, selector } => {
                let resource = ObjectRef::of(*kind, None, "").api_resource();
                let api: Api<DynamicObject> = match namespace {
                    Some(ns) if kind.namespaced() => Api::namespaced_with(client.clone(), ns, &resource),
                    _ => Api::all_with(client.clone(), &resource),
                };
                let what = format!("{} list", kind.plural());
                let params = kube::api::ListParams {
                    label_selector: selector.labels.clone(),
                    field_selector: selector.fields.clone(),
                    ..Default::default()
                };
                let list = api.list(&params).await.map_err(|e| ActionError::from_kube(&e, &what, Step::Read))?;
                serde_json::to_value(&list).map(Outcome::Object).map_err(|e| ActionError::Invalid(e.to_string()))
            }
            Action::Logs { .. } => super::logs::snapshot(client, self).await,
            Action::Exec { namespace, pod, container, command } => {
                super::exec::run_once(client, opts, namespace, pod, container, command).await
            }
            Action::Shell { namespace, pod, container } => {
                super::exec::open_shell(client, opts, namespace, pod, container).await
            }
            Action::PortForward { namespace, target, local, remote } => {
                super::forward::start(client, opts, namespace, target, *local, *remote).await
            }
            Action::Probe { service, pod, targets } => {
                super::probe::execute_probe(client, opts, service, pod, targets).await
            }
            Action::SendHttp { pod, .. } => super::probe::execute_send(client, opts, pod).await,
        }
    }
}

/// `deployment web in shop`
pub(crate) fn words(kind: WorkloadKind, name: &str, namespace: &str) -> String {
    format!("{} {name} in {namespace}", kind.noun())
}

pub(crate) fn namespaced(client: &kube::Client, resource: &ApiResource, namespace: &str) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), namespace, resource)
}

pub(crate) fn patch_params(opts: &ExecOptions) -> PatchParams {
    PatchParams { dry_run: opts.dry_run, field_manager: Some(opts.field_manager.to_string()), ..Default::default() }
}

pub(crate) fn dry_run_note(opts: &ExecOptions) -> &'static str {
    if opts.dry_run { " (server dry run: nothing was changed)" } else { "" }
}

pub(crate) fn changed(summary: String, before: Value, after: Value) -> Outcome {
    Outcome::Changed { summary, before: Some(before), after: Some(after) }
}

/// An API object as JSON, without `managedFields`.
pub(crate) fn json_of(object: &impl serde::Serialize) -> Value {
    without_managed_fields(serde_json::to_value(object).unwrap_or(Value::Null))
}

pub(crate) async fn get(api: &Api<DynamicObject>, name: &str, what: &str) -> Result<Value, ActionError> {
    api.get(name).await.map(|o| json_of(&o)).map_err(|e| ActionError::from_kube(&e, what, Step::Read))
}

pub(crate) async fn patch_object<P: serde::Serialize + std::fmt::Debug>(
    api: &Api<DynamicObject>,
    name: &str,
    opts: &ExecOptions,
    patch: &Patch<P>,
    what: &str,
) -> Result<Value, ActionError> {
    api.patch(name, &patch_params(opts), patch)
        .await
        .map(|o| json_of(&o))
        .map_err(|e| ActionError::from_kube(&e, what, Step::Write))
}

pub(crate) async fn read(client: &kube::Client, target: &ObjectRef) -> Result<Value, ActionError> {
    let resource = target.api_resource();
    let api: Api<DynamicObject> = match &target.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &resource),
        None => Api::all_with(client.clone(), &resource),
    };
    let what = match &target.namespace {
        Some(ns) => format!("{} {} in {ns}", target.kind.to_lowercase(), target.name),
        None => format!("{} {}", target.kind.to_lowercase(), target.name),
    };
    get(&api, &target.name, &what).await
}

fn pod_resource() -> ApiResource {
    ObjectRef::of(crate::cluster::Kind::Pod, None, "").api_resource()
}

/// Which template list holds `container` (`containers` or `initContainers`, as kubectl looks), and its image.
fn find_container(workload: &Value, container: &str) -> Option<(&'static str, String)> {
    ["containers", "initContainers"].into_iter().find_map(|list| {
        let items = workload.pointer(&format!("/spec/template/spec/{list}"))?.as_array()?;
        let found = items.iter().find(|c| c.get("name").and_then(Value::as_str) == Some(container))?;
        Some((list, found.get("image").and_then(Value::as_str).unwrap_or("no image").to_string()))
    })
}

fn container_names(workload: &Value) -> Vec<String> {
    ["containers", "initContainers"]
        .iter()
        .filter_map(|list| workload.pointer(&format!("/spec/template/spec/{list}"))?.as_array())
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}
