//! The whole state of the UI. One loop owns it; rendering reads it.
use std::collections::{HashMap, HashSet};
use std::time::Instant;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Namespace, Pod, Service};

use super::cache::{ObjectCache, ObjectKey};
use super::palette::PaletteState;
use super::rows::{Column, Row, Rowable};
use crate::action::{Action, Plan, PlanCtx};
use crate::cluster::{Kind, Scope, WatchState};

/// What mosaic is connected to, for the header and for kubectl lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextInfo {
    pub context: String,
    pub user: String,
    pub server: String,
    pub server_version: String,
    /// The context's namespace (or `-n`).
    pub namespace: String,
    pub contexts: Vec<String>,
    /// The built-in simulated cluster of `mosaic demo`.
    pub demo: bool,
    /// Every mutating action is refused on this context (`--readonly`, or `readonly` in config).
    pub readonly: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Palette(PaletteState),
    Filter,
    Help {
        scroll: u16,
    },
    /// An action waits for the user's yes, showing its plan.
    Confirm(Box<ConfirmState>),
    /// A value is being typed for an action (replicas, image).
    Prompt(PromptState),
}

/// Is the user allowed to run the action being confirmed?
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Pending,
    Allowed,
    /// Read-only mode, or RBAC said no: the reason, and the `kubectl auth can-i` line when there is one.
    Refused {
        reason: String,
        can_i: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum DryRun {
    Running,
    /// The unified YAML diff of what would change ("" when nothing would).
    Diff(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmState {
    pub action: Action,
    pub plan: Plan,
    pub check: Check,
    pub dry_run: Option<DryRun>,
    /// The action was sent and its answer is awaited.
    pub running: bool,
    /// Lines shown under the plan: what it acts on and leaves (a drain's pods).
    pub notes: Vec<String>,
}

/// What a typed value is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    Scale {
        namespace: String,
        name: String,
        current: Option<i32>,
    },
    SetImage {
        namespace: String,
        name: String,
    },
    Rollback {
        kind: crate::action::WorkloadKind,
        namespace: String,
        name: String,
    },
    /// A command to run in a container; `app` keys its history.
    Exec {
        namespace: String,
        pod: String,
        container: String,
        app: String,
    },
    /// `LOCAL:REMOTE` for a port-forward.
    PortForward {
        namespace: String,
        target: crate::action::ForwardTarget,
    },
    /// Where the network wizard's traffic comes from (`f`).
    WizardSource,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromptState {
    pub title: String,
    pub hint: String,
    pub input: String,
    pub purpose: PromptPurpose,
}

/// A read-only text pane over the list: describe, YAML, a manual-copy fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct TextPane {
    pub title: String,
    /// The kubectl that shows the same; `None` for panes that are not an action's output.
    pub plan: Option<Plan>,
    pub lines: Vec<String>,
    pub scroll: usize,
    pub loading: bool,
    /// Draw the text highlighted, as something to select and copy by hand.
    pub selectable: bool,
}

/// A list view: one kind, where the cursor is, and its filter.
#[derive(Debug, Clone, PartialEq)]
pub struct ListView {
    pub kind: Kind,
    pub selected: usize,
    pub offset: usize,
    /// The selected object, so the cursor stays on it as rows come and go.
    pub selected_key: Option<ObjectKey>,
    pub filter: String,
    /// A drilled-down view shows only what its parent owns or selects.
    pub drill: Option<super::drill::Drill>,
    /// The pod list of one app (Enter on a workspace card): only its pods are listed.
    pub app: Option<super::workspaces::AppFilter>,
}

impl ListView {
    pub fn new(kind: Kind) -> Self {
        ListView { kind, selected: 0, offset: 0, selected_key: None, filter: String::new(), drill: None, app: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub at: Instant,
}

/// The namespaces shown instead of a forbidden cluster-wide list.
#[derive(Debug, Clone, PartialEq)]
pub struct Fallback {
    pub namespaces: Vec<String>,
    /// How they were found, in words.
    pub how: String,
}

/// What a row index was built for: kind, data generation, filter, scopes, drill-down and the app it is narrowed to.
type IndexStamp = (Kind, u64, String, Vec<Scope>, Option<super::drill::Drill>, Option<super::workspaces::AppFilter>);

/// The rows of the current view after filtering, in display order. Rebuilt only when data or filter change.
#[derive(Debug, Default)]
pub struct RowIndex {
    pub keys: Vec<ObjectKey>,
    built_for: Option<IndexStamp>,
}

#[derive(Debug)]
pub struct State {
    pub context: ContextInfo,
    /// Bumped on every context switch; data from an older epoch is dropped.
    pub epoch: u64,
    /// What the user asked to see: one namespace or all of them.
    pub scope: Scope,
    pub view: ListView,
    /// Views to return to with Esc.
    pub back: Vec<ListView>,
    pub mode: Mode,
    pub pods: ObjectCache<Pod>,
    pub deployments: ObjectCache<Deployment>,
    pub services: ObjectCache<Service>,
    pub events: ObjectCache<Event>,
    pub namespaces: ObjectCache<Namespace>,
    /// Every other kind, watched as dynamic objects (typed views read their JSON; discovered kinds their Table).
    pub dynamic: HashMap<Kind, ObjectCache<kube::api::DynamicObject>>,
    /// What discovery found, and the server's Table columns of discovered kinds.
    pub kinds: super::kinds::KindsState,
    pub fallback: HashMap<Kind, Fallback>,
    /// Watches and fallbacks already asked of the runtime in this epoch.
    pub requested: HashSet<(Kind, Scope)>,
    pub fallback_requested: HashSet<Kind>,
    pub index: RowIndex,
    pub flash: Option<Flash>,
    /// A standing notice (a read-only database, theme warnings).
    pub notices: Vec<String>,
    pub width: u16,
    pub height: u16,
    /// The clock for ages, set on each tick so rendering stays pure.
    pub now: jiff::Timestamp,
    /// A context switch in progress.
    pub switching: Option<String>,
    pub quit: bool,
    /// The game plan pane: the kubectl for what the view shows and for the selected row's actions.
    pub show_plan: bool,
    /// The server's answers for the permissions the game plan pane shows (`None`: asked, not yet answered).
    pub access: std::collections::HashMap<crate::cluster::rbac::AccessQuery, Option<bool>>,
    /// Describe, YAML, or text to copy by hand, over the list.
    pub pane: Option<TextPane>,
    /// The timeline pane (`t`): a pod's or an app's verdict and explained timeline.
    pub timeline: Option<super::timeline::TimelinePane>,
    /// The object whose related-objects tree the pane shows (rebuilt as data arrives).
    pub related: Option<(Kind, ObjectKey)>,
    /// The logs pane over the pod list.
    pub logs: Option<super::logs::LogPane>,
    /// The id of the last log stream asked for; each new stream takes the next.
    pub next_log_stream: u64,
    /// Exec history of the open prompt, and the running port-forwards.
    pub exec: super::exec::ExecState,
    /// The network wizard pane.
    pub wizard: super::wizard::WizardState,
    /// Describe or YAML of any object, searchable; a Secret's values masked until one is revealed.
    pub object_pane: Option<super::object_pane::ObjectPane>,
    /// The YAML editor (`e`).
    pub editor: Option<super::editor::EditorState>,
    /// The `:faults` list, while it is open.
    pub faults: Option<super::faults::FaultsView>,
    /// Workspaces, bindings and their screens.
    pub ws: super::workspaces::WsState,
    /// The HTTP sender, while it is open.
    pub http: Option<super::http::HttpSender>,
    /// A node drain waiting for the list of its pods.
    pub drain: Option<super::kind_ops::PendingDrain>,
}

/// Terminals smaller than this show a message instead of a broken layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// Lines that are not list rows: two header lines, the column titles, the footer.
pub const CHROME_LINES: u16 = 4;

impl State {
    pub fn new(context: ContextInfo, scope: Scope, now: jiff::Timestamp) -> Self {
        State {
            context,
            epoch: 1,
            scope,
            view: ListView::new(Kind::Pod),
            back: Vec::new(),
            mode: Mode::Normal,
            pods: ObjectCache::default(),
            deployments: ObjectCache::default(),
            services: ObjectCache::default(),
            events: ObjectCache::default(),
            namespaces: ObjectCache::default(),
            dynamic: HashMap::new(),
            kinds: Default::default(),
            fallback: HashMap::new(),
            requested: HashSet::new(),
            fallback_requested: HashSet::new(),
            index: RowIndex::default(),
            flash: None,
            notices: Vec::new(),
            width: 80,
            height: 24,
            now,
            switching: None,
            quit: false,
            show_plan: false,
            access: std::collections::HashMap::new(),
            pane: None,
            timeline: None,
            related: None,
            logs: None,
            next_log_stream: 0,
            exec: Default::default(),
            wizard: Default::default(),
            object_pane: None,
            editor: None,
            faults: None,
            ws: Default::default(),
            http: None,
            drain: None,
        }
    }

    /// Plans render the context and the namespace of what is on screen.
    pub fn plan_ctx(&self) -> PlanCtx {
        let namespace = match &self.scope {
            Scope::Namespace(ns) => ns.clone(),
            Scope::All => self.context.namespace.clone(),
        };
        PlanCtx { context: self.context.context.clone(), namespace }
    }

    /// What the current list shows, as an action: `kubectl get pods -n shop`.
    pub fn view_action(&self) -> Action {
        if let Some(action) = super::workspaces::card_actions::view_action(self) {
            return action;
        }
        let kind = self.view.kind;
        let namespace = match self.scopes_for(kind).as_slice() {
            [Scope::Namespace(ns)] => Some(ns.clone()),
            _ => None,
        };
        let selector = self.view.drill.as_ref().map(|d| d.selector()).unwrap_or_default();
        Action::List { kind, namespace, selector }
    }

    /// The scopes a kind is shown from: the chosen namespace, all namespaces, or — when the cluster-wide list
    /// is forbidden — the namespaces the user may list.
    pub fn scopes_for(&self, kind: Kind) -> Vec<Scope> {
        if !kind.namespaced() {
            return vec![Scope::All];
        }
        match &self.scope {
            Scope::Namespace(ns) => vec![Scope::Namespace(ns.clone())],
            Scope::All => match self.fallback.get(&kind) {
                Some(fb) => fb.namespaces.iter().map(|n| Scope::Namespace(n.clone())).collect(),
                None => vec![Scope::All],
            },
        }
    }

    /// Rows visible in the list area.
    pub fn page_size(&self) -> usize {
        let notice = u16::from(self.notice().is_some());
        let plan = super::plan_pane::height(self, self.height.saturating_sub(CHROME_LINES - 1 + notice));
        self.height.saturating_sub(CHROME_LINES + notice + plan).max(1) as usize
    }

    /// A standing notice line above the list: fallback namespaces, a read-only database, theme warnings.
    pub fn notice(&self) -> Option<String> {
        let kind = self.view.kind;
        if self.scope == Scope::All
            && let Some(fb) = self.fallback.get(&kind)
        {
            let names = if fb.namespaces.is_empty() { "none".to_string() } else { fb.namespaces.join(", ") };
            return Some(format!("Cluster-wide {} are forbidden for you; showing {names}: {}.", kind.plural(), fb.how));
        }
        self.notices.first().cloned()
    }

    pub fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    /// The watch state of the current view's kind, worst first across its scopes.
    pub fn view_states(&self) -> Vec<(Scope, WatchState)> {
        let kind = self.view.kind;
        self.scopes_for(kind)
            .into_iter()
            .map(|s| {
                let state = with_cache!(self, kind, c => c.scope(&s).map(|sc| sc.state.clone()));
                (s, state.unwrap_or(WatchState::Listing))
            })
            .collect()
    }

    /// Since when the view's data may be stale (the earliest lost connection), for "data 12s old".
    pub fn view_disconnected_since(&self) -> Option<jiff::Timestamp> {
        let kind = self.view.kind;
        self.scopes_for(kind)
            .iter()
            .filter_map(|s| with_cache!(self, kind, c => c.scope(s).and_then(|sc| sc.disconnected_since)))
            .min()
    }

    pub fn view_synced(&self) -> bool {
        let kind = self.view.kind;
        self.scopes_for(kind).iter().all(|s| with_cache!(self, kind, c => c.scope(s).is_some_and(|sc| sc.synced)))
    }

    /// The row and object name of a key in the current view.
    pub fn row(&self, key: &ObjectKey) -> Option<&Row> {
        let scopes = self.scopes_for(self.view.kind);
        with_cache!(self, self.view.kind, c => c.get(&scopes, key).map(|e| &e.row))
    }

    pub fn columns(&self) -> &'static [Column] {
        match self.view.kind {
            Kind::Pod => Pod::columns(),
            Kind::Deployment => Deployment::columns(),
            Kind::Service => Service::columns(),
            Kind::Event => Event::columns(),
            Kind::Namespace => Namespace::columns(),
            kind => super::kind_rows::columns(kind).unwrap_or_else(|| self.kinds.columns(kind)),
        }
    }

    /// The cache of a kind watched as dynamic objects (an empty one until its watch starts).
    pub fn dynamic(&self, kind: Kind) -> &ObjectCache<kube::api::DynamicObject> {
        static EMPTY: ObjectCache<kube::api::DynamicObject> = ObjectCache::new();
        self.dynamic.get(&kind).unwrap_or(&EMPTY)
    }

    /// The object under the cursor, as JSON-free typed entries are per kind: its key.
    pub fn selected(&self) -> Option<&ObjectKey> {
        self.view.selected_key.as_ref()
    }

    pub fn selected_pod(&self) -> Option<Pod> {
        let key = self.selected()?;
        self.pods.get(&self.scopes_for(Kind::Pod), key)?.object()
    }

    pub fn selected_deployment(&self) -> Option<Deployment> {
        let key = self.selected()?;
        self.deployments.get(&self.scopes_for(Kind::Deployment), key)?.object()
    }

    pub fn total_in_view(&self) -> usize {
        let scopes = self.scopes_for(self.view.kind);
        with_cache!(self, self.view.kind, c => c.len(&scopes))
    }

    /// Rebuild the filtered row index if the data, filter or scope changed; keep the cursor on its object.
    pub fn refresh_index(&mut self) {
        let kind = self.view.kind;
        let scopes = self.scopes_for(kind);
        let generation = with_cache!(self, kind, c => c.generation);
        let stamp = (
            kind,
            generation,
            self.view.filter.clone(),
            scopes.clone(),
            self.view.drill.clone(),
            self.view.app.clone(),
        );
        if self.index.built_for.as_ref() == Some(&stamp) {
            return;
        }
        let needle = self.view.filter.to_lowercase();
        let drill = self.view.drill.as_ref();
        let mut keys: Vec<(Option<jiff::Timestamp>, ObjectKey)> = with_cache!(self, kind, c => c
            .entries(&scopes)
            .filter(|(key, e)| drill.is_none_or(|d| d.matches(key, &e.facts, &e.row)))
            .filter(|(_, e)| needle.is_empty() || e.row.search.contains(&needle))
            .filter(|(key, e)| self.view.app.as_ref().is_none_or(|app| app.shows(kind, key, &e.labels())))
            .map(|(key, e)| (e.row.sort_time, key.clone()))
            .collect());
        if kind == Kind::Event {
            // Newest first, as people read events.
            keys.sort_by_key(|k| std::cmp::Reverse(k.0));
        }
        self.index.keys = keys.into_iter().map(|(_, k)| k).collect();
        self.index.built_for = Some(stamp);
        self.place_cursor();
    }

    /// Keep the selection on the same object if it is still listed, else clamp it.
    fn place_cursor(&mut self) {
        let len = self.index.keys.len();
        // Nothing listed yet: keep the wish, so the cursor lands on it when the list arrives.
        if len == 0 {
            self.view.selected = 0;
            return;
        }
        if let Some(key) = &self.view.selected_key
            && let Some(pos) = self.index.keys.iter().position(|k| k == key)
        {
            self.view.selected = pos;
        }
        self.view.selected = self.view.selected.min(len.saturating_sub(1));
        self.view.selected_key = self.index.keys.get(self.view.selected).cloned();
        self.scroll_to_cursor();
    }

    pub fn select(&mut self, position: usize) {
        let len = self.index.keys.len();
        self.view.selected = position.min(len.saturating_sub(1));
        self.view.selected_key = self.index.keys.get(self.view.selected).cloned();
        self.scroll_to_cursor();
    }

    fn scroll_to_cursor(&mut self) {
        let page = self.page_size();
        let sel = self.view.selected;
        if sel < self.view.offset {
            self.view.offset = sel;
        } else if sel >= self.view.offset + page {
            self.view.offset = sel + 1 - page;
        }
        let len = self.index.keys.len();
        self.view.offset = self.view.offset.min(len.saturating_sub(page));
    }

    /// Asking the palette for a list closes what covers the list (fault list, timeline, wizard, panes), so the
    /// user sees what they asked for.
    pub fn close_overlays(&mut self) {
        self.faults = None;
        self.timeline = None;
        self.wizard.pane = None;
        self.object_pane = None;
        self.pane = None;
        self.related = None;
    }

    pub fn flash(&mut self, text: impl Into<String>, error: bool) {
        self.flash = Some(Flash { text: text.into(), error, at: Instant::now() });
    }

    /// The user's name as the server knows it, from a 403 message (`User "dev" cannot …`), else the kubeconfig
    /// user entry.
    pub fn user_from(&self, message: &str) -> String {
        message
            .split("User \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_string)
            .unwrap_or_else(|| self.context.user.clone())
    }
}
