//! The one keymap table. The dispatcher, the footer hints, the `?` help screen and `docs/KEYBINDINGS.md` are all
//! generated from it.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::cluster::Kind;

/// Where a binding applies. Global bindings apply in every context that does not capture text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyContext {
    Global,
    List,
    Palette,
    Filter,
    Help,
    /// The confirmation dialog of an action.
    Confirm,
    /// A one-line input (replicas, image).
    Prompt,
    /// A text pane: command output, an explanation, text to copy by hand.
    Text,
    /// The describe or YAML pane of an object.
    Object,
    /// The logs pane.
    Logs,
    /// Typing a search in the logs pane.
    LogSearch,
    /// The list of port-forwards (`:pf`).
    Forwards,
    /// The fault list (`:faults`).
    Faults,
    /// The network wizard pane.
    Wizard,
    /// Choosing the wizard's Service or port.
    WizardChoose,
    /// Typing in the YAML editor.
    Editor,
    /// The editor's server dry-run diff, a conflict, or the question before discarding changes.
    EditorReview,
    /// The workspace manager (`:ws`).
    Workspaces,
    /// The workspace view: one card per app (`:apps`).
    Apps,
    /// Proposed bindings for the unbound apps.
    Matches,
    /// Build → push → roll out of an app: the commit chooser, the game plan, the running stages.
    Build,
    /// The history of an app opened from :apps (Tab after its Services).
    AppHistory,
    /// A form of text inputs: the workspace editor, the bind screen.
    Form,
    /// The HTTP sender's form (`H`).
    HttpSender,
}

impl KeyContext {
    pub fn title(self) -> &'static str {
        match self {
            KeyContext::Global => "Everywhere",
            KeyContext::List => "Lists",
            KeyContext::Palette => "Command palette (:)",
            KeyContext::Filter => "Filter (/)",
            KeyContext::Help => "Help (?)",
            KeyContext::Confirm => "Confirming an action",
            KeyContext::Prompt => "Input",
            KeyContext::Text => "Text panes (output, explanations)",
            KeyContext::Object => "Describe and YAML",
            KeyContext::Logs => "Logs",
            KeyContext::LogSearch => "Searching the log or a pane (/)",
            KeyContext::Forwards => "Port-forwards (:pf)",
            KeyContext::Faults => "Fault list (:faults)",
            KeyContext::Wizard => "Network wizard (w)",
            KeyContext::WizardChoose => "Choosing the wizard's Service or port",
            KeyContext::Editor => "Editing YAML (e)",
            KeyContext::EditorReview => "Reviewing an edit",
            KeyContext::Workspaces => "Workspaces (:ws)",
            KeyContext::Apps => "Workspace view (:apps)",
            KeyContext::Matches => "Matching apps to repos",
            KeyContext::Build => "Build → push → roll out (B)",
            KeyContext::AppHistory => "An app's history (Tab in an app)",
            KeyContext::Form => "Forms (workspace editor, bind)",
            KeyContext::HttpSender => "HTTP sender (H)",
        }
    }

    /// Text-entry contexts take printable keys as input, so global single-letter keys do not apply there.
    pub fn captures_text(self) -> bool {
        matches!(
            self,
            KeyContext::Palette
                | KeyContext::Filter
                | KeyContext::Prompt
                | KeyContext::LogSearch
                | KeyContext::Editor
                | KeyContext::Form
                | KeyContext::HttpSender
        )
    }

    /// Contexts that own the whole keyboard: no global key applies.
    fn closed(self) -> bool {
        self.captures_text() || matches!(self, KeyContext::Help | KeyContext::Confirm | KeyContext::EditorReview)
    }

    /// Whether a global command works here, for the footer: every open context takes the palette and help,
    /// but only lists filter with `/` and quit with `q` (the panes and screens ignore them).
    fn takes_global(self, command: Command) -> bool {
        match command {
            Command::Filter => matches!(self, KeyContext::List | KeyContext::Faults),
            Command::Quit => matches!(self, KeyContext::List | KeyContext::Faults | KeyContext::Text),
            _ => true,
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    ForceQuit,
    Help,
    Palette,
    Filter,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Submit,
    Complete,
    Cancel,
    TogglePlan,
    Copy,
    Describe,
    Yaml,
    Scale,
    Restart,
    SetImage,
    Rollback,
    RollbackTo,
    DeletePod,
    KillPod,
    Confirm,
    DryRun,
    Logs,
    Explain,
    ToggleFollow,
    TogglePrevious,
    ToggleTimestamps,
    ToggleWrap,
    Search,
    NextMatch,
    PrevMatch,
    NextContainer,
    Exec,
    Shell,
    PortForward,
    StopForward,
    Refresh,
    /// Enter on a list: drill down, or pick the namespace.
    Open,
    /// Jump to the selected object's owner.
    Owner,
    NetworkWizard,
    Expand,
    Rerun,
    /// The network wizard's active probes.
    RunProbe,
    /// Where the network wizard's traffic comes from.
    TrafficSource,
    Edit,
    Delete,
    Save,
    Reload,
    Reveal,
    /// The related-objects tree of the selected object.
    Related,
    NewItem,
    Rename,
    DeleteItem,
    SetDefault,
    OpenWorkspaces,
    Bind,
    MatchAll,
    Accept,
    Skip,
    NextField,
    PrevField,
    AcceptOffer,
    HttpSend,
    History,
    Cordon,
    Uncordon,
    Drain,
    Suspend,
    Resume,
    Trigger,
    /// Annotate the app with its bound repo's HEAD commit.
    AnnotateCommit,
    /// imagePullPolicy Always and a restart, then watch the rollout.
    ForcePull,
    /// Build → push → roll out a commit of the bound repo.
    Build,
    /// In an app opened from a card: its next list (pods, ReplicaSets, Services).
    AppNext,
    /// In an app opened from a card: the app's timeline.
    AppTimeline,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// Key names as the docs show them: `j`, `Down`, `Ctrl-c`, `PageUp`, `:`.
    pub keys: &'static [&'static str],
    pub command: Command,
    /// The command's name, for user overrides and docs.
    pub name: &'static str,
    pub description: &'static str,
    pub group: &'static str,
    pub context: KeyContext,
    /// Mutating or destructive: the UI asks before doing it.
    pub dangerous: bool,
    /// Shown in the footer.
    pub hint: bool,
    /// The kinds of list it applies to; empty is every kind.
    pub kinds: &'static [Kind],
    /// Kinds it does not apply to, even when `kinds` is empty (every kind).
    pub except: &'static [Kind],
}

const fn bind(
    keys: &'static [&'static str],
    command: Command,
    name: &'static str,
    description: &'static str,
    group: &'static str,
    context: KeyContext,
    hint: bool,
) -> Binding {
    Binding { keys, command, name, description, group, context, dangerous: false, hint, kinds: &[], except: &[] }
}

/// An action on the selected row of some kinds of list.
const fn act(
    keys: &'static [&'static str],
    command: Command,
    name: &'static str,
    description: &'static str,
    kinds: &'static [Kind],
    dangerous: bool,
) -> Binding {
    Binding {
        keys,
        command,
        name,
        description,
        group: "Actions",
        context: KeyContext::List,
        dangerous,
        hint: true,
        kinds,
        except: &[],
    }
}

/// A binding for every kind of list but these.
const fn except(binding: Binding, kinds: &'static [Kind]) -> Binding {
    Binding { except: kinds, ..binding }
}

/// A binding the footer does not hint: the help screen and the game plan still list it.
const fn unhinted(binding: Binding) -> Binding {
    Binding { hint: false, ..binding }
}

const DEPLOY: &[Kind] = &[Kind::Deployment];
/// Workloads that roll out a pod template: restart and roll back work on each.
const WORKLOADS: &[Kind] = &[Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet];
const POD: &[Kind] = &[Kind::Pod];
const POD_OR_SERVICE: &[Kind] = &[Kind::Pod, Kind::Service];
const SERVICE_OR_DEPLOY: &[Kind] = &[Kind::Service, Kind::Deployment];
/// What `t` explains: pods and every kind of app.
const EXPLAINED: &[Kind] = &[Kind::Pod, Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet];
/// Views that list no API object: nothing to describe, edit or delete.
const NOT_OBJECTS: &[Kind] = &[Kind::Container, Kind::ApiResources];
/// The generic delete skips these too: pods have their own, with the grace period and force.
const NOT_DELETABLE: &[Kind] = &[Kind::Pod, Kind::Container, Kind::ApiResources];
const NODE: &[Kind] = &[Kind::Node];
const CRONJOB: &[Kind] = &[Kind::CronJob];

use Command as C;
use KeyContext as X;

pub const KEYMAP: &[Binding] = &[
    bind(
        &[":"],
        C::Palette,
        "palette",
        "Open the command palette: :pods :deploy :svc :faults :ns :ctx :pf :q",
        "General",
        X::Global,
        true,
    ),
    bind(&["/"], C::Filter, "filter", "Filter the current list", "General", X::Global, true),
    bind(&["?"], C::Help, "help", "Show this help", "General", X::Global, true),
    bind(&["q"], C::Quit, "quit", "Quit mosaic", "General", X::Global, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic from anywhere", "General", X::Global, false),
    bind(&["Esc"], C::Back, "back", "Clear the filter, or go back", "General", X::Global, false),
    bind(&["j", "Down"], C::Down, "down", "Move down", "Navigation", X::List, false),
    bind(&["k", "Up"], C::Up, "up", "Move up", "Navigation", X::List, false),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "Move one page down", "Navigation", X::List, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "Move one page up", "Navigation", X::List, false),
    bind(&["g", "Home"], C::Top, "top", "Go to the first row", "Navigation", X::List, false),
    bind(
        &["Enter"],
        C::Open,
        "open",
        "Drill down: deployment → replicasets → pods → containers → logs, service → endpoints → pods, node → pods, \
         PVC → PV, cronjob → jobs → pods; on namespaces, pick one",
        "Navigation",
        X::List,
        false,
    ),
    bind(
        &["R"],
        C::Related,
        "related",
        "Related objects: owners, owned, Services and policies selecting it, mounts, Ingresses routing to it",
        "Navigation",
        X::List,
        false,
    ),
    bind(
        &["o"],
        C::Owner,
        "owner",
        "Jump to the selected object's owner (Esc comes back)",
        "Navigation",
        X::List,
        false,
    ),
    bind(&["G", "End"], C::Bottom, "bottom", "Go to the last row", "Navigation", X::List, false),
    bind(
        &["p"],
        C::TogglePlan,
        "game-plan",
        "Show or hide the game plan: the kubectl for what you see",
        "Game plan",
        X::List,
        true,
    ),
    bind(
        &["c"],
        C::Copy,
        "copy",
        "Copy the game plan's command (OSC 52, else the system clipboard)",
        "Game plan",
        X::List,
        false,
    ),
    // First among the actions, and the undoing ones unhinted: at 80 columns the footer ends after two of them.
    act(&["C"], C::Cordon, "cordon", "Cordon the selected node: no new pod is scheduled on it", NODE, true),
    unhinted(act(
        &["U"],
        C::Uncordon,
        "uncordon",
        "Uncordon the selected node: pods may be scheduled on it again",
        NODE,
        true,
    )),
    act(&["D"], C::Drain, "drain", "Drain the selected node: cordon it, then evict the pods it lists", NODE, true),
    act(&["s"], C::Suspend, "suspend", "Suspend the selected cronjob: no job starts on schedule", CRONJOB, true),
    unhinted(act(&["r"], C::Resume, "resume", "Resume the selected cronjob's schedule", CRONJOB, true)),
    act(&["t"], C::Trigger, "trigger", "Start a job from the selected cronjob now", CRONJOB, true),
    except(act(&["d"], C::Describe, "describe", "Describe the selected object", &[], false), NOT_OBJECTS),
    except(act(&["y"], C::Yaml, "yaml", "Show the selected object's YAML", &[], false), NOT_OBJECTS),
    act(&["s"], C::Scale, "scale", "Scale the selected deployment", DEPLOY, true),
    act(&["r"], C::Restart, "restart", "Restart every pod of the selected workload (rollout restart)", WORKLOADS, true),
    act(&["i"], C::SetImage, "set-image", "Set the image of a container of the selected deployment", DEPLOY, true),
    act(&["u"], C::Rollback, "rollback", "Roll the selected workload back to its previous revision", WORKLOADS, true),
    act(
        &["U"],
        C::RollbackTo,
        "rollback-to",
        "Roll the selected workload back to a revision you choose",
        WORKLOADS,
        true,
    ),
    act(&["Ctrl-d"], C::DeletePod, "delete", "Delete the selected pod (its grace period)", POD, true),
    act(&["Ctrl-k"], C::KillPod, "kill", "Delete the selected pod now (grace period 0, forced)", POD, true),
    act(&["l"], C::Logs, "logs", "Show the logs of the selected pod, following them", POD, false),
    act(
        &["t"],
        C::Explain,
        "explain",
        "Why is this pod or app not working? Its verdict and timeline, each fact explained",
        EXPLAINED,
        false,
    ),
    // Unhinted: the pod footer is full at 80 columns; `?` and the game plan (`p`) show them.
    unhinted(act(&["x"], C::Exec, "exec", "Run a command in the selected pod and show its output", POD, true)),
    unhinted(act(&["S"], C::Shell, "shell", "Open an interactive shell in the selected pod", POD, true)),
    unhinted(act(
        &["F"],
        C::PortForward,
        "port-forward",
        "Forward a local port to the selected pod, or to a ready pod of the selected service",
        POD_OR_SERVICE,
        true,
    )),
    act(
        &["w"],
        C::NetworkWizard,
        "network-wizard",
        "Why does traffic not reach it? Check the Service step by step (a deployment: its Service)",
        SERVICE_OR_DEPLOY,
        false,
    ),
    except(
        unhinted(act(
            &["e"],
            C::Edit,
            "edit",
            "Edit the selected object's YAML, then apply it after a dry-run diff",
            &[],
            true,
        )),
        NOT_OBJECTS,
    ),
    except(act(&["Ctrl-d"], C::Delete, "delete", "Delete the selected object", &[], true), NOT_DELETABLE),
    bind(
        &["Tab"],
        C::AppNext,
        "app-next",
        "In an app opened from :apps: its next list (pods, ReplicaSets, Services), then its history",
        "Apps",
        X::List,
        false,
    ),
    bind(&["T"], C::AppTimeline, "app-timeline", "In an app opened from :apps: its timeline", "Apps", X::List, false),
    bind(
        &["W"],
        C::AcceptOffer,
        "take-workspace",
        "Create the offered workspace (first run in a context without one)",
        "Workspaces",
        X::List,
        false,
    ),
    bind(&["j", "Down"], C::Down, "down", "Next workspace", "Workspaces", X::Workspaces, false),
    bind(&["k", "Up"], C::Up, "up", "Previous workspace", "Workspaces", X::Workspaces, false),
    bind(&["Enter"], C::Submit, "open", "Open the workspace: its apps", "Workspaces", X::Workspaces, true),
    bind(&["n"], C::NewItem, "new", "Create a workspace", "Workspaces", X::Workspaces, true),
    bind(&["e"], C::Edit, "edit", "Edit the workspace's filters", "Workspaces", X::Workspaces, true),
    bind(&["r"], C::Rename, "rename", "Rename the workspace", "Workspaces", X::Workspaces, true),
    bind(&["*"], C::SetDefault, "default", "Make it the default workspace", "Workspaces", X::Workspaces, true),
    bind(&["Ctrl-d"], C::DeleteItem, "delete", "Delete the workspace (asks first)", "Workspaces", X::Workspaces, true),
    bind(&["Esc", "q"], C::Back, "close", "Close the list", "Workspaces", X::Workspaces, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Workspaces", X::Workspaces, false),
    bind(&["j", "Down"], C::Down, "down", "Next app", "Apps", X::Apps, false),
    bind(&["k", "Up"], C::Up, "up", "Previous app", "Apps", X::Apps, false),
    bind(&["g", "Home"], C::Top, "top", "First app", "Apps", X::Apps, false),
    bind(&["G", "End"], C::Bottom, "bottom", "Last app", "Apps", X::Apps, false),
    bind(&["Enter"], C::Submit, "open", "Open the app: its pods (Esc comes back)", "Apps", X::Apps, true),
    bind(
        &["B"],
        C::Build,
        "build",
        "Build → push → roll out HEAD or a branch of the bound repo",
        "Apps",
        X::Apps,
        true,
    ),
    bind(&["b"], C::Bind, "bind", "Bind the app to its git repo and image repository", "Apps", X::Apps, true),
    bind(&["M"], C::MatchAll, "match", "Match every unbound app to a repo under a folder", "Apps", X::Apps, true),
    bind(&["w"], C::OpenWorkspaces, "workspaces", "Manage workspaces (:ws)", "Apps", X::Apps, true),
    bind(&["R"], C::Refresh, "reread", "Read the bound repos again (git)", "Apps", X::Apps, false),
    bind(&["s"], C::Scale, "scale", "Scale the app", "Apps", X::Apps, false),
    bind(&["r"], C::Restart, "restart", "Restart every pod of the app (rollout restart)", "Apps", X::Apps, false),
    bind(&["i"], C::SetImage, "set-image", "Set the image of a container of the app", "Apps", X::Apps, false),
    bind(&["u"], C::Rollback, "rollback", "Roll the app back to its previous revision", "Apps", X::Apps, false),
    bind(&["U"], C::RollbackTo, "rollback-to", "Roll the app back to a revision you choose", "Apps", X::Apps, false),
    bind(&["a"], C::AnnotateCommit, "annotate", "Annotate the app with its repo's HEAD commit", "Apps", X::Apps, false),
    bind(
        &["P"],
        C::ForcePull,
        "force-pull",
        "Force pull: imagePullPolicy Always on the containers you choose, restart, watch the rollout",
        "Apps",
        X::Apps,
        false,
    ),
    bind(&["t"], C::Explain, "explain", "The app's timeline: why is it not working?", "Apps", X::Apps, false),
    bind(&["p"], C::TogglePlan, "game-plan", "Show or hide the game plan: the app's actions", "Apps", X::Apps, true),
    bind(&["Esc", "q"], C::Back, "close", "Close the workspace view", "Apps", X::Apps, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Apps", X::Apps, false),
    bind(&["j", "Down"], C::Down, "down", "Next app", "Matching", X::Matches, false),
    bind(&["k", "Up"], C::Up, "up", "Previous app", "Matching", X::Matches, false),
    bind(&["a", "Space"], C::Accept, "accept", "Accept the proposal, or take it back", "Matching", X::Matches, true),
    bind(&["s"], C::Skip, "skip", "Skip this app", "Matching", X::Matches, true),
    bind(&["e"], C::Edit, "edit", "Edit the proposal (the bind screen)", "Matching", X::Matches, true),
    bind(&["Enter"], C::Submit, "save", "Save every accepted binding", "Matching", X::Matches, true),
    bind(&["Esc", "q"], C::Back, "close", "Close without saving", "Matching", X::Matches, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Matching", X::Matches, false),
    bind(&["j", "Down"], C::Down, "down", "Next branch, or scroll the output", "Build", X::Build, false),
    bind(&["k", "Up"], C::Up, "up", "Previous branch, or scroll the output", "Build", X::Build, false),
    bind(&["Enter"], C::Submit, "choose", "Build the chosen commit: show its game plan", "Build", X::Build, false),
    bind(&["y"], C::Confirm, "run", "Run the game plan", "Build", X::Build, false),
    bind(&["t"], C::Explain, "timeline", "The failing pod's timeline (or the app's)", "Build", X::Build, false),
    bind(
        &["Esc", "Ctrl-c"],
        C::Cancel,
        "cancel",
        "Cancel the build (cleans its checkout), or close",
        "Build",
        X::Build,
        true,
    ),
    bind(&["q"], C::Back, "close", "Close once finished", "Build", X::Build, false),
    bind(&["j", "Down"], C::Down, "down", "Older entry, or scroll the open one", "History", X::AppHistory, false),
    bind(&["k", "Up"], C::Up, "up", "Newer entry, or scroll the open one", "History", X::AppHistory, false),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "Five entries older", "History", X::AppHistory, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "Five entries newer", "History", X::AppHistory, false),
    bind(&["g", "Home"], C::Top, "top", "The newest entry", "History", X::AppHistory, false),
    bind(&["G", "End"], C::Bottom, "bottom", "The oldest entry", "History", X::AppHistory, false),
    bind(
        &["Enter"],
        C::Submit,
        "open",
        "Show the entry whole: command, outcome, output",
        "History",
        X::AppHistory,
        true,
    ),
    bind(&["c"], C::Copy, "copy", "Copy the entry's kubectl line", "History", X::AppHistory, true),
    bind(&["Tab"], C::AppNext, "pods", "Back to the app's pods", "History", X::AppHistory, true),
    bind(&["Esc"], C::Back, "back", "Close the entry, or the history", "History", X::AppHistory, true),
    bind(&["Tab", "Down"], C::NextField, "next-field", "Next field", "Form", X::Form, true),
    bind(&["BackTab", "Up"], C::PrevField, "previous-field", "Previous field", "Form", X::Form, false),
    bind(&["Enter"], C::Submit, "save", "Save", "Form", X::Form, true),
    bind(&["Esc"], C::Cancel, "cancel", "Cancel", "Form", X::Form, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Form", X::Form, false),
    unhinted(act(
        &["H"],
        C::HttpSend,
        "http",
        "Send an HTTP request to the selected pod or service from a one-off pod (curl)",
        POD_OR_SERVICE,
        false,
    )),
    bind(&["y", "Enter"], C::Confirm, "run", "Run the action", "Confirm", X::Confirm, true),
    bind(
        &["D"],
        C::DryRun,
        "dry-run",
        "Server dry run: show what would change, change nothing",
        "Confirm",
        X::Confirm,
        true,
    ),
    bind(&["c"], C::Copy, "copy", "Copy the command", "Confirm", X::Confirm, true),
    bind(&["n", "Esc"], C::Cancel, "cancel", "Cancel", "Confirm", X::Confirm, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Confirm", X::Confirm, false),
    bind(&["Enter"], C::Submit, "ok", "Use this value", "Input", X::Prompt, true),
    bind(&["Esc"], C::Cancel, "cancel", "Cancel", "Input", X::Prompt, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Input", X::Prompt, false),
    bind(&["Up"], C::Up, "older", "An older command used before (exec)", "Input", X::Prompt, false),
    bind(&["Down"], C::Down, "newer", "A newer command used before (exec)", "Input", X::Prompt, false),
    bind(&["j", "Down"], C::Down, "down", "Scroll down", "Text", X::Text, false),
    bind(&["k", "Up"], C::Up, "up", "Scroll up", "Text", X::Text, false),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "Scroll one page down", "Text", X::Text, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "Scroll one page up", "Text", X::Text, false),
    bind(&["g", "Home"], C::Top, "top", "Go to the top", "Text", X::Text, false),
    bind(&["G", "End"], C::Bottom, "bottom", "Go to the end", "Text", X::Text, false),
    bind(&["c"], C::Copy, "copy", "Copy the kubectl command of this pane", "Text", X::Text, true),
    bind(&["Esc", "q"], C::Back, "close", "Close the pane", "Text", X::Text, true),
    bind(&["j", "Down"], C::Down, "down", "Scroll down", "Object", X::Object, false),
    bind(&["k", "Up"], C::Up, "up", "Scroll up", "Object", X::Object, false),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "Scroll one page down", "Object", X::Object, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "Scroll one page up", "Object", X::Object, false),
    bind(&["g", "Home"], C::Top, "top", "Go to the top", "Object", X::Object, false),
    bind(&["G", "End"], C::Bottom, "bottom", "Go to the end", "Object", X::Object, false),
    bind(&["c"], C::Copy, "copy", "Copy the kubectl command of this pane", "Object", X::Object, true),
    bind(&["Esc", "q"], C::Back, "close", "Clear the search, or close the pane", "Object", X::Object, true),
    bind(&["/"], C::Search, "search", "Search the text", "Object", X::Object, true),
    bind(&["n"], C::NextMatch, "next", "Go to the next match", "Object", X::Object, false),
    bind(&["N"], C::PrevMatch, "previous-match", "Go to the previous match", "Object", X::Object, false),
    bind(&["e"], C::Edit, "edit", "Edit this object's YAML", "Object", X::Object, true),
    bind(
        &["v"],
        C::Reveal,
        "reveal",
        "Secret: choose one key and show its value, decoded (v again hides it)",
        "Object",
        X::Object,
        false,
    ),
    bind(&["Enter"], C::Submit, "show", "Secret: show the chosen key's value", "Object", X::Object, false),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Object", X::Object, false),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Text", X::Text, false),
    bind(&["f"], C::ToggleFollow, "follow", "Follow new lines, or stop (f again resumes)", "Logs", X::Logs, true),
    bind(&["p"], C::TogglePrevious, "previous", "The previous, terminated instance, or back", "Logs", X::Logs, true),
    bind(&["t"], C::ToggleTimestamps, "timestamps", "Show or hide timestamps", "Logs", X::Logs, true),
    bind(&["w"], C::ToggleWrap, "wrap", "Wrap long lines, or cut them at the edge", "Logs", X::Logs, true),
    bind(&["Tab"], C::NextContainer, "container", "Show the next container of the pod", "Logs", X::Logs, true),
    bind(&["/"], C::Search, "search", "Search the log", "Logs", X::Logs, true),
    bind(&["n"], C::NextMatch, "next", "Go to the next match", "Logs", X::Logs, true),
    bind(&["N"], C::PrevMatch, "previous-match", "Go to the previous match", "Logs", X::Logs, false),
    bind(&["j", "Down"], C::Down, "down", "Scroll down", "Logs", X::Logs, false),
    bind(&["k", "Up"], C::Up, "up", "Scroll up (new lines no longer scroll the view)", "Logs", X::Logs, false),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "Scroll one page down", "Logs", X::Logs, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "Scroll one page up", "Logs", X::Logs, false),
    bind(&["g", "Home"], C::Top, "top", "Go to the oldest line kept", "Logs", X::Logs, false),
    bind(&["G", "End"], C::Bottom, "bottom", "Go to the end and keep up with new lines", "Logs", X::Logs, false),
    bind(&["c"], C::Copy, "copy", "Copy the kubectl logs command", "Logs", X::Logs, true),
    bind(&["Esc", "q"], C::Back, "close", "Close the logs and stop the stream", "Logs", X::Logs, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Logs", X::Logs, false),
    bind(&["Enter"], C::Submit, "keep", "Keep the search; n and N move between matches", "Search", X::LogSearch, true),
    bind(&["Esc"], C::Cancel, "clear", "Clear the search", "Search", X::LogSearch, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Search", X::LogSearch, false),
    bind(&["Enter"], C::Submit, "run", "Run the command", "Palette", X::Palette, true),
    bind(&["Tab"], C::Complete, "complete", "Complete the highlighted suggestion", "Palette", X::Palette, true),
    bind(&["Up"], C::Up, "previous", "Previous suggestion", "Palette", X::Palette, false),
    bind(&["Down"], C::Down, "next", "Next suggestion", "Palette", X::Palette, false),
    bind(&["Esc"], C::Cancel, "cancel", "Close the palette", "Palette", X::Palette, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Palette", X::Palette, false),
    bind(&["Enter"], C::Submit, "keep", "Keep the filter and return to the list", "Filter", X::Filter, true),
    bind(&["Esc"], C::Cancel, "clear", "Clear the filter", "Filter", X::Filter, true),
    bind(&["Up"], C::Up, "up", "Move up while filtering", "Filter", X::Filter, false),
    bind(&["Down"], C::Down, "down", "Move down while filtering", "Filter", X::Filter, false),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Filter", X::Filter, false),
    bind(&["j", "Down"], C::Down, "down", "Next forward", "Port-forwards", X::Forwards, false),
    bind(&["k", "Up"], C::Up, "up", "Previous forward", "Port-forwards", X::Forwards, false),
    bind(&["Ctrl-d"], C::StopForward, "stop", "Stop the selected forward", "Port-forwards", X::Forwards, true),
    bind(&["Esc", "q"], C::Back, "close", "Close the list (forwards keep running)", "Port-forwards", X::Forwards, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Port-forwards", X::Forwards, false),
    bind(&["j", "Down"], C::Down, "down", "Next fault", "Fault list", X::Faults, false),
    bind(&["k", "Up"], C::Up, "up", "Previous fault", "Fault list", X::Faults, false),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "One page down", "Fault list", X::Faults, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "One page up", "Fault list", X::Faults, false),
    bind(&["g", "Home"], C::Top, "top", "The first (most severe) fault", "Fault list", X::Faults, false),
    bind(&["G", "End"], C::Bottom, "bottom", "The last fault", "Fault list", X::Faults, false),
    bind(
        &["Enter"],
        C::Submit,
        "open",
        "Open it: a pod's explanation, the deployment or service in its list, else the fault's detail",
        "Fault list",
        X::Faults,
        true,
    ),
    bind(
        &["r"],
        C::Refresh,
        "refresh",
        "Check again (one list per kind; nothing polls)",
        "Fault list",
        X::Faults,
        true,
    ),
    bind(
        &["p"],
        C::TogglePlan,
        "game-plan",
        "Show or hide the kubectl that lists what was checked",
        "Fault list",
        X::Faults,
        true,
    ),
    bind(&["Esc"], C::Back, "back", "Clear the filter, or close the list", "Fault list", X::Faults, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Fault list", X::Faults, false),
    bind(&["j", "Down"], C::Down, "next", "The next step (the diagnosis is last)", "Wizard", X::Wizard, false),
    bind(&["k", "Up"], C::Up, "previous", "The previous step", "Wizard", X::Wizard, false),
    bind(
        &["Enter", "Space"],
        C::Expand,
        "expand",
        "Give the whole pane to the selected step's details, or show the list again",
        "Wizard",
        X::Wizard,
        true,
    ),
    bind(&["c"], C::Copy, "copy", "Copy the step's kubectl commands, or the fix", "Wizard", X::Wizard, true),
    bind(&["r"], C::Rerun, "re-run", "Read the cluster again and re-run the steps", "Wizard", X::Wizard, true),
    bind(
        &["P"],
        C::RunProbe,
        "probe",
        "Run the active probes: a one-off pod curls the Service and each ready pod, then is deleted",
        "Wizard",
        X::Wizard,
        true,
    ),
    bind(
        &["H"],
        C::HttpSend,
        "http",
        "Send an HTTP request to the Service and port from a one-off pod",
        "Wizard",
        X::Wizard,
        false,
    ),
    bind(
        &["f"],
        C::TrafficSource,
        "from",
        "Say where the traffic comes from (NS/LABEL=VALUE, NS or any-pod); the NetworkPolicy step re-runs for it",
        "Wizard",
        X::Wizard,
        true,
    ),
    bind(&["PageDown", "Ctrl-f"], C::PageDown, "page-down", "Scroll the details down", "Wizard", X::Wizard, false),
    bind(&["PageUp", "Ctrl-b"], C::PageUp, "page-up", "Scroll the details up", "Wizard", X::Wizard, false),
    bind(&["g", "Home"], C::Top, "first", "The first step", "Wizard", X::Wizard, false),
    bind(&["G", "End"], C::Bottom, "diagnosis", "The diagnosis", "Wizard", X::Wizard, false),
    bind(&["Esc", "q"], C::Back, "close", "Stop the running probe, or close the wizard", "Wizard", X::Wizard, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Wizard", X::Wizard, false),
    bind(&["j", "Down"], C::Down, "down", "Next choice", "Wizard", X::WizardChoose, false),
    bind(&["k", "Up"], C::Up, "up", "Previous choice", "Wizard", X::WizardChoose, false),
    bind(&["Enter"], C::Submit, "choose", "Use this one", "Wizard", X::WizardChoose, true),
    bind(&["Esc", "q"], C::Cancel, "cancel", "Close the wizard", "Wizard", X::WizardChoose, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Wizard", X::WizardChoose, false),
    bind(
        &["Ctrl-s"],
        C::Save,
        "save",
        "Check the YAML, dry-run it on the server and show the diff",
        "Editor",
        X::Editor,
        true,
    ),
    bind(
        &["Esc"],
        C::Cancel,
        "close",
        "Close the editor (asks first if you changed something)",
        "Editor",
        X::Editor,
        true,
    ),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Editor", X::Editor, false),
    bind(
        &["y"],
        C::Confirm,
        "apply",
        "Apply the change / discard your changes, as asked",
        "Review",
        X::EditorReview,
        true,
    ),
    bind(
        &["r"],
        C::Reload,
        "reload",
        "After a conflict: reload the object with your changes re-applied",
        "Review",
        X::EditorReview,
        true,
    ),
    bind(&["n", "Esc"], C::Cancel, "back", "Back to editing", "Review", X::EditorReview, true),
    bind(&["j", "Down"], C::Down, "down", "Scroll the diff down", "Review", X::EditorReview, false),
    bind(&["k", "Up"], C::Up, "up", "Scroll the diff up", "Review", X::EditorReview, false),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Review", X::EditorReview, false),
    bind(
        &["Ctrl-s"],
        C::Submit,
        "send",
        "Send the request (Enter on the method or path line too)",
        "HTTP sender",
        X::HttpSender,
        true,
    ),
    bind(&["Tab"], C::NextField, "next-field", "Go to the next field", "HTTP sender", X::HttpSender, true),
    bind(
        &["Ctrl-r"],
        C::History,
        "history",
        "List the requests sent from here; Enter replays one",
        "HTTP sender",
        X::HttpSender,
        true,
    ),
    bind(&["Esc"], C::Cancel, "close", "Close the sender (or its history)", "HTTP sender", X::HttpSender, true),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "HTTP sender", X::HttpSender, false),
    bind(&["Esc", "?", "q"], C::Cancel, "close", "Close the help", "Help", X::Help, true),
    bind(&["j", "Down"], C::Down, "down", "Scroll down", "Help", X::Help, false),
    bind(&["k", "Up"], C::Up, "up", "Scroll up", "Help", X::Help, false),
    bind(&["Ctrl-c"], C::ForceQuit, "force-quit", "Quit mosaic", "Help", X::Help, false),
];

/// Parse a key name from the table into what crossterm reports.
pub fn parse_key(name: &str) -> Option<(KeyCode, KeyModifiers)> {
    let (mods, key) = match name.strip_prefix("Ctrl-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, name),
    };
    let code = match key {
        "Esc" => KeyCode::Esc,
        "Enter" => KeyCode::Enter,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Space" => KeyCode::Char(' '),
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Left" => KeyCode::Left,
        "Right" => KeyCode::Right,
        "PageUp" => KeyCode::PageUp,
        "PageDown" => KeyCode::PageDown,
        "Home" => KeyCode::Home,
        "End" => KeyCode::End,
        "Backspace" => KeyCode::Backspace,
        k if k.chars().count() == 1 => KeyCode::Char(k.chars().next()?),
        _ => return None,
    };
    Some((code, mods))
}

fn matches(name: &str, key: &KeyEvent) -> bool {
    let Some((code, mods)) = parse_key(name) else { return false };
    // Shift is implied by the character itself (`G`, `?`, `:`); terminals differ in reporting it.
    let pressed = key.modifiers - KeyModifiers::SHIFT;
    let code_matches = match (code, key.code) {
        (KeyCode::Char(a), KeyCode::Char(b)) if mods.contains(KeyModifiers::CONTROL) => a.eq_ignore_ascii_case(&b),
        (a, b) => a == b,
    };
    code_matches && pressed == mods
}

static ACTIVE: std::sync::OnceLock<Vec<Binding>> = std::sync::OnceLock::new();

/// The table in force: the built-in one, with the user's overrides once `install` ran.
fn active() -> &'static [Binding] {
    ACTIVE.get().map(Vec::as_slice).unwrap_or(KEYMAP)
}

/// Apply the user's `keys:` overrides from config.yaml (command name → key names), once, at start-up. An
/// override replaces the keys of every binding of that name. Unknown names, unparsable keys and keys that
/// would clash in a context are reported and skipped; the rest of the table stays as built.
pub fn install(overrides: &std::collections::BTreeMap<String, Vec<String>>) -> Vec<String> {
    let (table, warnings) = with_overrides(overrides);
    let _ = ACTIVE.set(table);
    warnings
}

/// The built-in table with the user's overrides applied, and what was wrong with them.
pub fn with_overrides(overrides: &std::collections::BTreeMap<String, Vec<String>>) -> (Vec<Binding>, Vec<String>) {
    let mut table = KEYMAP.to_vec();
    let mut warnings = Vec::new();
    for (name, keys) in overrides {
        if !table.iter().any(|b| b.name == name.as_str()) {
            warnings.push(format!("config.yaml keys: there is no command {name:?}; see docs/KEYBINDINGS.md"));
            continue;
        }
        let (good, bad): (Vec<&String>, Vec<&String>) = keys.iter().partition(|k| parse_key(k).is_some());
        for k in bad {
            warnings.push(format!("config.yaml keys.{name}: {k:?} is not a key name (e.g. j, Down, Ctrl-d, PageUp)"));
        }
        let leaked: &'static [&'static str] =
            Box::leak(good.iter().map(|k| &*Box::leak(k.to_string().into_boxed_str())).collect::<Vec<_>>().into());
        let mut candidate = table.clone();
        for b in candidate.iter_mut().filter(|b| b.name == name.as_str()) {
            b.keys = leaked;
        }
        match first_clash(&candidate) {
            Some(clash) => warnings.push(format!("config.yaml keys.{name}: {clash}; kept the built-in keys")),
            None => table = candidate,
        }
    }
    (table, warnings)
}

/// A key bound twice in one context (for some kind of list), in words.
fn first_clash(table: &[Binding]) -> Option<String> {
    for kind in Kind::ALL {
        let mut seen = std::collections::HashMap::new();
        for b in table.iter().filter(|b| applies(b, Some(kind))) {
            for k in b.keys {
                if let Some(other) = seen.insert((b.context, *k), b.name)
                    && other != b.name
                {
                    return Some(format!("{k:?} is already {other:?} in {}", b.context.title()));
                }
            }
        }
    }
    None
}

fn applies(b: &Binding, kind: Option<Kind>) -> bool {
    (b.kinds.is_empty() || kind.is_some_and(|k| b.kinds.contains(&k))) && !kind.is_some_and(|k| b.except.contains(&k))
}

/// The command bound to this key in this context (for this kind of list), falling back to global bindings where
/// the context does not own the keyboard.
pub fn lookup(context: KeyContext, kind: Option<Kind>, key: &KeyEvent) -> Option<Command> {
    let own =
        active().iter().find(|b| b.context == context && applies(b, kind) && b.keys.iter().any(|k| matches(k, key)));
    if let Some(b) = own {
        return Some(b.command);
    }
    if context.closed() {
        return None;
    }
    active()
        .iter()
        .find(|b| b.context == KeyContext::Global && b.keys.iter().any(|k| matches(k, key)))
        .map(|b| b.command)
}

/// The footer hints for a context (and kind of list): the global hinted bindings that work there, then its own.
/// The footer keeps what fits by [`hint_rank`].
pub fn hints(context: KeyContext, kind: Option<Kind>) -> Vec<&'static Binding> {
    let mut out: Vec<&Binding> = Vec::new();
    let own = |k: &&str| active().iter().any(|b| b.context == context && applies(b, kind) && b.keys.contains(k));
    if !context.closed() {
        // A global key the context binds itself (`/` searches a pane) is not hinted twice.
        out.extend(active().iter().filter(|b| {
            b.context == KeyContext::Global && b.hint && context.takes_global(b.command) && !b.keys.iter().any(own)
        }));
    }
    out.extend(active().iter().filter(|b| b.context == context && b.hint && applies(b, kind)));
    out
}

/// Which hints a narrow footer keeps first (lower first): the way out of the pane, then `?` help (which lists
/// everything), then the palette, then the rest in table order.
pub fn hint_rank(b: &Binding) -> u8 {
    match b.command {
        Command::Back | Command::Cancel | Command::Quit => 0,
        Command::Help => 1,
        Command::Palette => 2,
        _ => 3,
    }
}

/// The help screen's sections, in table order.
pub fn sections() -> Vec<(KeyContext, Vec<&'static Binding>)> {
    let order = [
        KeyContext::Global,
        KeyContext::List,
        KeyContext::Palette,
        KeyContext::Filter,
        KeyContext::Confirm,
        KeyContext::Prompt,
        KeyContext::Text,
        KeyContext::Object,
        KeyContext::Logs,
        KeyContext::LogSearch,
        KeyContext::Forwards,
        KeyContext::Faults,
        KeyContext::Wizard,
        KeyContext::WizardChoose,
        KeyContext::Editor,
        KeyContext::EditorReview,
        KeyContext::Workspaces,
        KeyContext::Apps,
        KeyContext::Matches,
        KeyContext::Build,
        KeyContext::AppHistory,
        KeyContext::Form,
        KeyContext::HttpSender,
        KeyContext::Help,
    ];
    order.iter().map(|c| (*c, active().iter().filter(|b| b.context == *c).collect())).collect()
}

/// `docs/KEYBINDINGS.md`, generated. A test keeps the file in step with the table.
pub fn markdown() -> String {
    let mut out = String::from(
        "# mosaic key bindings\n\nGenerated from the keymap table in `src/app/keymap.rs`; do not edit by hand.\n\
         Regenerate with `MOSAIC_UPDATE_DOCS=1 cargo test --lib keymap`.\n",
    );
    for (context, rows) in sections() {
        out.push_str(&format!("\n## {}\n\n| keys | command | what it does |\n|---|---|---|\n", context.title()));
        for b in rows {
            let keys: Vec<String> = b.keys.iter().map(|k| format!("`{k}`")).collect();
            let danger = if b.dangerous { " (asks first)" } else { "" };
            let kinds: Vec<&str> = b.kinds.iter().map(|k| k.plural()).collect();
            let not: Vec<&str> = b.except.iter().map(|k| k.plural()).collect();
            let only = match (kinds.is_empty(), not.is_empty()) {
                (false, _) => format!(" ({} only)", kinds.join(", ")),
                (true, false) => format!(" (not on {})", not.join(", ")),
                (true, true) => String::new(),
            };
            out.push_str(&format!("| {} | {} | {}{danger}{only} |\n", keys.join(" "), b.name, b.description));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_key_name_parses() {
        for b in KEYMAP {
            for k in b.keys {
                assert!(parse_key(k).is_some(), "{k:?} in {:?} does not parse", b.name);
            }
        }
    }

    #[test]
    fn overrides_are_partial_and_checked() {
        let mut wanted = std::collections::BTreeMap::new();
        wanted.insert("quit".to_string(), vec!["Ctrl-q".to_string()]);
        wanted.insert("frobnicate".to_string(), vec!["z".to_string()]);
        wanted.insert("filter".to_string(), vec![":".to_string()]);
        let (table, warnings) = with_overrides(&wanted);
        let quit = table.iter().find(|b| b.name == "quit").expect("quit");
        assert_eq!(quit.keys, ["Ctrl-q"]);
        let help = table.iter().find(|b| b.name == "help").expect("help");
        assert_eq!(help.keys, ["?"], "bindings not named stay as built");
        assert!(warnings.iter().any(|w| w.contains("no command \"frobnicate\"")), "{warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("keys.filter") && w.contains("already")), "{warnings:?}");
        let filter = table.iter().find(|b| b.name == "filter").expect("filter");
        assert_eq!(filter.keys, ["/"], "a clashing override is not applied");
    }

    #[test]
    fn the_built_in_table_has_no_clash() {
        assert_eq!(first_clash(KEYMAP), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for kind in Kind::ALL {
            let mut seen = HashSet::new();
            for b in KEYMAP.iter().filter(|b| applies(b, Some(kind))) {
                for k in b.keys {
                    assert!(seen.insert((b.context, *k)), "{k:?} is bound twice in {:?} for {kind}", b.context);
                }
            }
        }
    }

    #[test]
    fn lookup_uses_context_then_global() {
        let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(lookup(KeyContext::List, None, &key('j')), Some(Command::Down));
        assert_eq!(lookup(KeyContext::List, None, &key(':')), Some(Command::Palette));
        assert_eq!(lookup(KeyContext::Palette, None, &key('q')), None, "typing q in the palette is text");
        let shifted = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(lookup(KeyContext::List, None, &shifted), Some(Command::Bottom));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(KeyContext::Filter, None, &ctrl_c), Some(Command::ForceQuit));
        assert_eq!(lookup(KeyContext::List, Some(Kind::Deployment), &key('s')), Some(Command::Scale));
        assert_eq!(lookup(KeyContext::List, Some(Kind::Pod), &key('s')), None, "pods do not scale");
    }

    #[test]
    fn every_object_kind_gets_describe_edit_and_delete_and_views_do_not() {
        let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        let verbs = ["list".to_string(), "watch".to_string()];
        let crd =
            crate::cluster::resources::intern("example.com", "v1", "widgets", "widget", "Widget", true, &[], &verbs);
        for kind in [Kind::Other(crd), Kind::Node, Kind::Secret, Kind::Event] {
            assert_eq!(lookup(KeyContext::List, Some(kind), &key('d')), Some(Command::Describe), "{kind}");
            assert_eq!(lookup(KeyContext::List, Some(kind), &key('e')), Some(Command::Edit), "{kind}");
            assert_eq!(lookup(KeyContext::List, Some(kind), &ctrl_d), Some(Command::Delete), "{kind}");
        }
        assert_eq!(lookup(KeyContext::List, Some(Kind::Pod), &ctrl_d), Some(Command::DeletePod));
        assert_eq!(lookup(KeyContext::List, Some(Kind::Container), &key('d')), None);
        assert_eq!(lookup(KeyContext::List, Some(Kind::ApiResources), &ctrl_d), None);
        assert_eq!(lookup(KeyContext::List, Some(Kind::Node), &key('D')), Some(Command::Drain));
        assert_eq!(lookup(KeyContext::List, Some(Kind::CronJob), &key('t')), Some(Command::Trigger));
        assert_eq!(lookup(KeyContext::List, Some(Kind::Pod), &key('D')), None);
    }

    #[test]
    fn keybindings_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/KEYBINDINGS.md");
        let expected = markdown();
        if std::env::var_os("MOSAIC_UPDATE_DOCS").is_some() {
            std::fs::write(path, &expected).expect("write docs/KEYBINDINGS.md");
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(actual == expected, "docs/KEYBINDINGS.md is stale: run MOSAIC_UPDATE_DOCS=1 cargo test --lib keymap");
    }
}
