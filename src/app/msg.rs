//! What reaches the loop (`Msg`) and what the loop asks the runtime to do (`Effect`).
use crossterm::event::KeyEvent;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Service};

use super::state::ContextInfo;
use crate::action::{Action, ActionError, Outcome};
use crate::cluster::{Kind, Scope, WatchUpdate};

/// One update from a watch, tagged with the context epoch it belongs to so a late message from a previous
/// context is ignored.
// Objects move through the channel once; boxing each would cost an allocation per watch event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Data {
    Pods(WatchUpdate<Pod>),
    Deployments(WatchUpdate<Deployment>),
    Services(WatchUpdate<Service>),
    Events(WatchUpdate<Event>),
    Namespaces(WatchUpdate<Namespace>),
    /// Any other kind, as dynamic objects (a typed view reads their JSON; a discovered kind their Table cells).
    Dynamic(Kind, WatchUpdate<kube::api::DynamicObject>),
    /// The server's Table columns of a discovered kind, sent with each list.
    Columns(Kind, Vec<crate::cluster::table_watch::ColumnDef>),
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Once a second: ages and staleness move on. No requests are made.
    Tick,
    Data {
        epoch: u64,
        scope: Scope,
        data: Data,
    },
    /// The namespaces to watch instead of a forbidden cluster-wide list.
    Fallback {
        epoch: u64,
        kind: Kind,
        namespaces: Vec<String>,
        how: String,
    },
    /// What the server serves (answer to `Effect::Discover`).
    Discovered {
        epoch: u64,
        result: Result<Vec<crate::cluster::resources::Served>, String>,
    },
    /// A context switch finished.
    Switched(Result<ContextInfo, String>),
    /// Something for the footer, from a background task.
    Notice {
        text: String,
        error: bool,
    },
    /// May the action with this command run? (read-only mode and RBAC)
    Checked {
        command: String,
        result: Result<(), ActionError>,
    },
    /// An action ran (or was dry-run); `command` is its plan's line, which identifies it.
    Done {
        command: String,
        dry_run: bool,
        result: Result<Outcome, ActionError>,
    },
    /// A copy finished: by which way, or why nothing could copy (then the text is shown to copy by hand).
    /// The server's answer to `Effect::Access`; `None` when it could not say.
    Access {
        query: crate::cluster::rbac::AccessQuery,
        allowed: Option<bool>,
    },
    /// A pod's or a deployment's explanation, for the timeline pane (or why it could not be made).
    Explained {
        target: crate::explain_cmd::Target,
        result: Result<crate::explain_cmd::document::Document, String>,
    },
    /// The fault list of `:faults` (or why it could not be made).
    Faults {
        epoch: u64,
        result: Result<crate::analysis::faults::Report, String>,
    },
    Copied {
        text: String,
        result: Result<&'static str, String>,
    },
    /// A report of log stream `stream`; reports of a stream the pane no longer shows are ignored.
    Logs {
        stream: u64,
        update: crate::cluster::logs::LogUpdate,
    },
    /// Exec history, port-forward changes, a shell's end.
    Exec(super::exec::ExecMsg),
    /// The network wizard's Services and reports.
    Wizard(super::wizard::WizardMsg),
    /// Workspaces, bindings, repos read, match proposals.
    Ws(super::workspaces::WsMsg),
    /// The HTTP sender's answer and history.
    Http(super::http::HttpMsg),
}

/// Work for the runtime. The update function never does I/O itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the watch for this kind and scope, unless it runs already.
    Watch(Kind, Scope),
    /// Ask the server what it serves (once per context, when a kind outside the built-in views is asked for).
    Discover,
    /// Find the namespaces the user may list this kind in (the cluster-wide list was forbidden).
    ResolveFallback(Kind),
    /// Connect to another context of the same kubeconfig; stop every watch of the current one.
    SwitchContext(String),
    /// Ask read-only mode and RBAC whether the action may run. `command` (its plan's line, as shown) comes back
    /// with the answer, to match it to what is on screen.
    Check {
        action: Action,
        command: String,
    },
    /// Run the action (through the gate), or only dry-run it.
    Run {
        action: Action,
        dry_run: bool,
        command: String,
    },
    /// Put text on the clipboard (the terminal loop does it: OSC 52 goes through the terminal).
    Copy(String),
    /// Diagnose a pod or a deployment and build its timeline (answered by `Msg::Explained`).
    Explain {
        namespace: String,
        target: crate::explain_cmd::Target,
    },
    /// List what the fault list checks, in one namespace or all (answered by `Msg::Faults`).
    Faults {
        epoch: u64,
        namespace: Option<String>,
    },
    /// Ask the server whether the user may do this (for the game plan pane; answered by `Msg::Access`).
    Access(crate::cluster::rbac::AccessQuery),
    /// Stream the log of an `Action::Logs` under this id (its lines come back as `Msg::Logs`).
    StreamLogs {
        stream: u64,
        action: Action,
    },
    /// Stop a log stream.
    StopLogs(u64),
    /// The logs pane closed: forget the Secret values read to mask its lines.
    LogsClosed,
    /// Exec history, a shell to hand the terminal to, a forward to stop.
    Exec(super::exec::ExecEffect),
    /// Read what the network wizard needs (answered by `Msg::Wizard`).
    Wizard(super::wizard::WizardEffect),
    /// The store and git, for workspaces and bindings.
    Ws(super::workspaces::WsEffect),
    /// Send an HTTP request from a probe pod; load the sender's history.
    Http(super::http::HttpEffect),
    Quit,
}
