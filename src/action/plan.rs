//! The face the user sees: the kubectl command that does what `execute` does, with a summary and a danger.
use super::targets::{ObjectRef, PodController, ScaleKind, WorkloadKind};
use super::{Action, Danger, Plan, PlanCtx};
use crate::cluster::rbac::AccessQuery;

impl Action {
    /// The kubectl equivalent, always with `--context` and `-n` first so a pasted line hits the same objects.
    pub fn plan(&self, ctx: &PlanCtx) -> Plan {
        match self {
            Action::Scale { kind, namespace, name, replicas, current, resource_version } => {
                let workload = WorkloadKind::from(*kind);
                let mut verb =
                    vec!["scale".to_string(), format!("{}/{name}", workload.noun()), format!("--replicas={replicas}")];
                if let Some(rv) = resource_version {
                    verb.push(format!("--resource-version={rv}"));
                }
                let now = current.map(|c| format!(" (now {c})")).unwrap_or_default();
                Plan::new(
                    kubectl(ctx, namespace, verb),
                    format!("Scale {} {name} in {namespace} to {}{now}", workload.noun(), replicas_text(*replicas)),
                    scale_danger(*replicas, *current),
                    true,
                    AccessQuery::new("patch", "apps", &format!("{}/scale", scale_plural(*kind)), Some(namespace)),
                )
            }
            Action::RolloutRestart { kind, namespace, name } => Plan::new(
                kubectl(ctx, namespace, ["rollout".into(), "restart".into(), format!("{}/{name}", kind.noun())]),
                format!("Restart every pod of {} {name} in {namespace}", kind.noun()),
                Danger::Caution(restart_reason(*kind).into()),
                true,
                workload_patch(*kind, namespace),
            ),
            Action::SetImage { kind, namespace, name, container, image } => Plan::new(
                kubectl(
                    ctx,
                    namespace,
                    ["set".into(), "image".into(), format!("{}/{name}", kind.noun()), format!("{container}={image}")],
                ),
                format!("Set the image of container {container} of {} {name} in {namespace} to {image}", kind.noun()),
                Danger::Caution(rollout_danger(*kind, "with the new image")),
                true,
                workload_patch(*kind, namespace),
            ),
            Action::Rollback { kind, namespace, name, to_revision } => {
                let mut verb = vec!["rollout".to_string(), "undo".into(), format!("{}/{name}", kind.noun())];
                let target = match to_revision {
                    Some(revision) => {
                        verb.push(format!("--to-revision={revision}"));
                        format!("revision {revision}")
                    }
                    None => "the previous revision".to_string(),
                };
                Plan::new(
                    kubectl(ctx, namespace, verb),
                    format!("Roll {} {name} in {namespace} back to {target}", kind.noun()),
                    Danger::Caution(rollout_danger(*kind, &format!("with the template of {target}"))),
                    true,
                    workload_patch(*kind, namespace),
                )
            }
            Action::AnnotateCommit { kind, namespace, name, commit } => Plan::new(
                kubectl(ctx, namespace, super::commit::annotate_args(*kind, name, commit)),
                super::commit::annotate_summary(*kind, namespace, name, commit),
                Danger::Safe,
                true,
                workload_patch(*kind, namespace),
            ),
            Action::ForcePull { kind, namespace, name, containers, restarted_at } => Plan::new(
                kubectl(ctx, namespace, super::commit::force_pull_args(*kind, name, containers, restarted_at)),
                super::commit::force_pull_summary(*kind, namespace, name, containers),
                Danger::Caution(restart_reason(*kind).into()),
                true,
                workload_patch(*kind, namespace),
            ),
            Action::DeletePod { namespace, name, grace_period, controller } => {
                let mut verb = vec!["delete".to_string(), "pod".into(), name.clone()];
                let mut how = String::new();
                match grace_period {
                    // kubectl turns a bare `--grace-period=0` into 1 second; only `--force` makes it 0.
                    Some(0) => {
                        verb.extend(["--grace-period=0".into(), "--force".into()]);
                        how = " at once, without waiting for its containers to stop".into();
                    }
                    Some(seconds) => {
                        verb.push(format!("--grace-period={seconds}"));
                        how = format!(" (grace period {seconds}s)");
                    }
                    None => {}
                }
                Plan::new(
                    kubectl(ctx, namespace, verb),
                    format!("Delete pod {name} in {namespace}{how}"),
                    delete_danger(*grace_period, controller.as_ref()),
                    true,
                    AccessQuery::new("delete", "", "pods", Some(namespace)),
                )
            }
            Action::Edit { .. }
            | Action::Delete { .. }
            | Action::Cordon { .. }
            | Action::Drain { .. }
            | Action::SuspendCronJob { .. }
            | Action::TriggerCronJob { .. } => super::ops::plan(self, ctx),
            Action::Describe { target } => Plan::new(
                kubectl(
                    ctx,
                    target_namespace(ctx, target),
                    ["describe".into(), target.kubectl_type(), target.name.clone()],
                ),
                format!("Describe {}", target_words(target)),
                Danger::Safe,
                false,
                read_query(target),
            ),
            Action::Yaml { target } => Plan::new(
                kubectl(
                    ctx,
                    target_namespace(ctx, target),
                    ["get".into(), target.kubectl_type(), target.name.clone(), "-o".into(), "yaml".into()],
                ),
                format!("Show the YAML of {}", target_words(target)),
                Danger::Safe,
                false,
                read_query(target),
            ),
            Action::List { kind, namespace, selector } => {
                let mut get = vec!["get".to_string(), kind.kubectl_type()];
                if let Some(labels) = &selector.labels {
                    get.extend(["-l".to_string(), labels.clone()]);
                }
                if let Some(fields) = &selector.fields {
                    get.extend(["--field-selector".to_string(), fields.clone()]);
                }
                let (argv, scope, query) = match (kind.namespaced(), namespace) {
                    (true, Some(ns)) => (
                        kubectl(ctx, ns, get),
                        format!(" in {ns}"),
                        AccessQuery::new("list", kind.group(), kind.plural(), Some(ns)),
                    ),
                    (true, None) => {
                        let mut argv = vec!["kubectl".into(), "--context".into(), ctx.context.clone()];
                        argv.extend(get);
                        argv.push("-A".into());
                        (
                            argv,
                            " in every namespace".into(),
                            AccessQuery::new("list", kind.group(), kind.plural(), None),
                        )
                    }
                    (false, _) => {
                        let mut argv = vec!["kubectl".into(), "--context".into(), ctx.context.clone()];
                        argv.extend(get);
                        (
                            argv,
                            String::new(),
                            AccessQuery::new("list", kind.group(), kind.plural(), None).cluster_scoped(),
                        )
                    }
                };
                Plan::new(argv, format!("List {}{scope}", kind.plural()), Danger::Safe, false, query)
            }
            Action::Logs { namespace, pod, container, previous, follow, tail, timestamps } => {
                let mut verb = vec!["logs".to_string(), pod.clone()];
                if let Some(container) = container {
                    verb.extend(["-c".into(), container.clone()]);
                }
                if *previous {
                    verb.push("--previous".into());
                }
                if *timestamps {
                    verb.push("--timestamps".into());
                }
                if let Some(lines) = tail {
                    verb.push(format!("--tail={lines}"));
                }
                if *follow {
                    verb.push("-f".into());
                }
                let which = match container {
                    Some(c) => format!("container {c} of pod {pod}"),
                    None => format!("pod {pod}"),
                };
                let instance = if *previous { " (its previous, terminated instance)" } else { "" };
                Plan::new(
                    kubectl(ctx, namespace, verb),
                    format!("Logs of {which} in {namespace}{instance}"),
                    Danger::Safe,
                    false,
                    AccessQuery::new("get", "", "pods/log", Some(namespace)),
                )
            }
            Action::Exec { namespace, pod, container, command } => {
                let mut verb = vec!["exec".to_string(), pod.clone(), "-c".into(), container.clone(), "--".into()];
                verb.extend(command.iter().cloned());
                Plan::new(
                    kubectl(ctx, namespace, verb),
                    format!(
                        "Run {} in container {container} of pod {pod} in {namespace}",
                        super::exec::command_words(command)
                    ),
                    Danger::Caution(EXEC_CAUTION.into()),
                    true,
                    AccessQuery::new("create", "", "pods/exec", Some(namespace)),
                )
            }
            Action::Shell { namespace, pod, container } => {
                let mut verb = vec!["exec".to_string(), "-it".into(), pod.clone(), "-c".into(), container.clone()];
                verb.push("--".into());
                verb.extend(super::exec::SHELL_COMMAND.iter().map(|s| s.to_string()));
                Plan::new(
                    kubectl(ctx, namespace, verb),
                    format!("Open a shell in container {container} of pod {pod} in {namespace}"),
                    Danger::Caution(EXEC_CAUTION.into()),
                    true,
                    AccessQuery::new("create", "", "pods/exec", Some(namespace)),
                )
            }
            Action::PortForward { namespace, target, local, remote } => {
                let ports = if *local == 0 { format!(":{remote}") } else { format!("{local}:{remote}") };
                let at = if *local == 0 { "a free local port".to_string() } else { format!("127.0.0.1:{local}") };
                let to = match target {
                    super::ForwardTarget::Pod(name) => format!("port {remote} of pod {name}"),
                    super::ForwardTarget::Service(name) => format!("port {remote} of service {name} (one ready pod)"),
                };
                Plan::new(
                    kubectl(ctx, namespace, ["port-forward".into(), target.kubectl_ref(), ports]),
                    format!("Forward {at} to {to} in {namespace}"),
                    Danger::Caution(format!(
                        "anything on this machine that connects to {} reaches the pod, and can change what it stores",
                        if *local == 0 { "the local port" } else { at.as_str() }
                    )),
                    true,
                    AccessQuery::new("create", "", "pods/portforward", Some(namespace)),
                )
            }
            Action::Probe { service, pod, targets } => Plan::new(
                kubectl(ctx, &pod.namespace, pod.kubectl_run()),
                format!(
                    "Probe Service {service} in {} from a one-off pod: {} target{}",
                    pod.namespace,
                    targets.len(),
                    if targets.len() == 1 { "" } else { "s" }
                ),
                probe_danger(pod),
                true,
                AccessQuery::new("create", "", "pods", Some(&pod.namespace)),
            ),
            Action::SendHttp { pod, request } => Plan::new(
                kubectl(ctx, &pod.namespace, pod.kubectl_run()),
                format!("Send {} {} from a one-off pod in {}", request.method, request.url, pod.namespace),
                probe_danger(pod),
                true,
                AccessQuery::new("create", "", "pods", Some(&pod.namespace)),
            ),
        }
    }
}

/// A probe pod is a real pod: it uses a little of the namespace's quota while it runs.
fn probe_danger(pod: &super::ProbePod) -> Danger {
    Danger::Caution(format!(
        "it creates pod {} ({}) in {} for at most {}s; mosaic deletes it when done",
        pod.name, pod.image, pod.namespace, pod.deadline_seconds
    ))
}

/// Why exec and shells ask first: they act inside a running container.
const EXEC_CAUTION: &str = "a command in the container can change it: its files, its processes, its data";

impl Plan {
    pub(crate) fn new(
        argv: Vec<String>,
        summary: String,
        danger: Danger,
        mutating: bool,
        permission: AccessQuery,
    ) -> Plan {
        let command = shell_line(&argv);
        Plan { argv, command, summary, danger, mutating, permission }
    }
}

/// `argv` quoted for a POSIX shell: plain flags and values (`--replicas=3`, `app:1.2`) bare, since no shell
/// expands them after the command word (shlex would quote every `=`); anything else in single quotes, which
/// keep every character but `'` literal, so a copied line reads as typed (shlex double-quotes any backslash,
/// for Fish, which is not a POSIX shell); `shlex` for what single quotes cannot hold. An argument with a NUL
/// byte (which no process can receive) loses it.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter().map(|arg| quote(arg, false)).collect::<Vec<_>>().join(" ")
}

/// `argv` as one command of a script run by `sh -c`: as [`shell_line`], but in double quotes where they keep
/// the argument literal (curl's `-w "…\t…"`), so the script holds no `'` and its own `sh -c '…'` stays
/// readable.
pub fn script_line(argv: &[String]) -> String {
    argv.iter().map(|arg| quote(arg, true)).collect::<Vec<_>>().join(" ")
}

fn quote(arg: &str, prefer_double: bool) -> String {
    if is_plain(arg) {
        return arg.to_string();
    }
    if prefer_double && double_quotes_keep(arg) {
        return format!("\"{arg}\"");
    }
    if single_quotes_keep(arg) {
        return format!("'{arg}'");
    }
    match shlex::try_quote(arg) {
        Ok(quoted) => quoted.into_owned(),
        Err(_) => shlex::try_quote(&arg.replace('\0', "")).map(|q| q.into_owned()).unwrap_or_default(),
    }
}

/// Single quotes keep all but `'`; control characters are left to shlex (a terminal may act on them when
/// pasted), and so is `^` after a newline (bash's history substitution).
fn single_quotes_keep(arg: &str) -> bool {
    !arg.contains('\'') && !arg.contains("\n^") && !arg.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Double quotes keep an argument with no `"`, `$`, `` ` ``, `!` or control character whose every `\` is
/// followed by a character it does not escape there (`\t` stays `\t`).
fn double_quotes_keep(arg: &str) -> bool {
    let mut chars = arg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '$' | '`' | '!' => return false,
            '\\' if matches!(chars.peek(), None | Some('$' | '`' | '"' | '\\' | '\n')) => return false,
            c if c.is_control() => return false,
            _ => {}
        }
    }
    true
}

/// Safe unquoted anywhere after the command word, in sh, bash and zsh (where a leading `=` expands).
fn is_plain(arg: &str) -> bool {
    !arg.is_empty()
        && !arg.starts_with('=')
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | ',' | '+' | '='))
}

/// `kubectl --context C -n NS …`; an empty namespace (a cluster-scoped object) leaves `-n` out.
pub(crate) fn kubectl(ctx: &PlanCtx, namespace: &str, rest: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut argv: Vec<String> = vec!["kubectl".into(), "--context".into(), ctx.context.clone()];
    if !namespace.is_empty() {
        argv.extend(["-n".into(), namespace.into()]);
    }
    argv.extend(rest);
    argv
}

/// The object's namespace, or "" for a cluster-scoped one (nodes, PVs, CRDs), which takes no `-n`.
pub(crate) fn target_namespace<'a>(_ctx: &'a PlanCtx, target: &'a ObjectRef) -> &'a str {
    target.namespace.as_deref().unwrap_or("")
}

pub(crate) fn target_words(target: &ObjectRef) -> String {
    let kind = target.kind.to_lowercase();
    match &target.namespace {
        Some(ns) => format!("{kind} {} in {ns}", target.name),
        None => format!("{kind} {}", target.name),
    }
}

pub(crate) fn read_query(target: &ObjectRef) -> AccessQuery {
    AccessQuery::new("get", &target.group, &target.plural, target.namespace.as_deref())
}

fn workload_patch(kind: WorkloadKind, namespace: &str) -> AccessQuery {
    AccessQuery::new("patch", "apps", kind.plural(), Some(namespace))
}

fn scale_plural(kind: ScaleKind) -> &'static str {
    WorkloadKind::from(kind).plural()
}

pub(crate) fn replicas_text(replicas: i32) -> String {
    if replicas == 1 { "1 replica".into() } else { format!("{replicas} replicas") }
}

fn scale_danger(replicas: i32, current: Option<i32>) -> Danger {
    match current {
        _ if replicas == 0 => Danger::Dangerous("no pod will serve traffic".into()),
        Some(now) if replicas < now => {
            Danger::Caution(format!("fewer pods will serve traffic ({} instead of {now})", replicas))
        }
        _ => Danger::Safe,
    }
}

/// A change of the pod template, as each controller rolls it out.
fn rollout_danger(kind: WorkloadKind, with: &str) -> String {
    match kind {
        WorkloadKind::Deployment => {
            format!(
                "it starts a rollout: every pod is replaced {with}, a few at a time, as its rollout strategy allows"
            )
        }
        WorkloadKind::StatefulSet => {
            format!("it starts a rollout: every pod is replaced {with}, one at a time, from the highest ordinal down")
        }
        WorkloadKind::DaemonSet => format!("it starts a rollout: the pod on every node is replaced {with}"),
    }
}

fn restart_reason(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "every pod is replaced, a few at a time, as its rollout strategy allows",
        WorkloadKind::StatefulSet => "every pod is replaced one at a time, from the highest ordinal down",
        WorkloadKind::DaemonSet => "the pod on every node is replaced",
    }
}

fn delete_danger(grace_period: Option<u32>, controller: Option<&PodController>) -> Danger {
    let replaced_by = match controller {
        None => None,
        Some(c) if c.kind == "Job" => Some(format!("its Job {} starts a new pod if it has not finished yet", c.name)),
        Some(c) => Some(format!("its controller will replace it ({} {})", c.kind, c.name)),
    };
    match (grace_period, replaced_by) {
        (Some(0), replaced_by) => Danger::Dangerous(format!(
            "a forced deletion removes the pod from the API while its containers may still run on the node, \
             and {}",
            replaced_by.unwrap_or_else(|| "nothing will recreate it".into())
        )),
        (_, None) => Danger::Dangerous("nothing will recreate it".into()),
        (_, Some(reason)) => Danger::Caution(reason),
    }
}
