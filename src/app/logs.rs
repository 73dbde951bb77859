//! The logs pane: one container's log in a bounded ring of lines, with its options, search and scrolling.
//!
//! Pure state. The stream runs in the runtime (`Effect::StreamLogs`); its lines come back as `Msg::Logs`
//! tagged with the stream's id, and a message of any other stream (one that was stopped or replaced) is ignored.
//! Every change of option stops the stream and starts a new one with the new parameters, except turning
//! follow off, which only stops it and keeps the lines read so far.
use std::collections::VecDeque;
use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use unicode_width::UnicodeWidthChar;

use super::keymap::Command;
use super::msg::Effect;
use super::state::State;
use crate::action::{Action, Plan};
use crate::cluster::Kind;
use crate::cluster::logs::LogUpdate;

/// Lines kept: older ones drop, so hours of following do not grow memory without limit.
pub const CAPACITY: usize = 10_000;
/// Lines asked for when a log opens (`--tail`).
pub const TAIL_LINES: i64 = 500;
/// The annotation kubectl reads for the container it shows by default.
const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";
/// List rows the pane does not give to text: its command line (one row, when it fits), its status line and its
/// bottom border (the top border takes the row of the list's column titles).
const PANE_CHROME: usize = 3;

/// The last lines of a log, numbered from the start of the stream: line `n` stays line `n` when older lines
/// drop, so search matches and the scroll position survive the ring turning.
#[derive(Debug, Clone, PartialEq)]
pub struct LogBuffer {
    lines: VecDeque<String>,
    capacity: usize,
    dropped: u64,
}

impl LogBuffer {
    pub fn new(capacity: usize) -> Self {
        LogBuffer { lines: VecDeque::new(), capacity: capacity.max(1), dropped: 0 }
    }

    /// Append a line; when full, the oldest goes. Returns whether one went.
    pub fn push(&mut self, line: String) -> bool {
        let full = self.lines.len() >= self.capacity;
        if full {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(line);
        full
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// How many older lines were dropped to keep the bound.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The number of the oldest line kept.
    pub fn first(&self) -> u64 {
        self.dropped
    }

    /// One past the number of the newest line.
    pub fn end(&self) -> u64 {
        self.dropped + self.lines.len() as u64
    }

    pub fn get(&self, line: u64) -> Option<&str> {
        let index = usize::try_from(line.checked_sub(self.dropped)?).ok()?;
        self.lines.get(index).map(String::as_str)
    }

    /// The lines from number `from` on, with their numbers.
    pub fn lines_from(&self, from: u64) -> impl Iterator<Item = (u64, &str)> {
        let skip = usize::try_from(from.saturating_sub(self.dropped)).unwrap_or(usize::MAX);
        self.lines.iter().enumerate().skip(skip).map(|(i, l)| (self.dropped + i as u64, l.as_str()))
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.dropped = 0;
    }
}

/// Where a search stands. Smart case: a query without capitals ignores (ASCII) case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Search {
    pub query: String,
    /// The query is being typed.
    pub editing: bool,
    /// The numbers of the lines that match, oldest first.
    pub matches: VecDeque<u64>,
    /// The match `n` and `N` are on (an index into `matches`).
    pub current: Option<usize>,
}

impl Search {
    pub fn is_match(&self, line: &str) -> bool {
        !self.query.is_empty() && !find_all(line, &self.query).is_empty()
    }

    /// The number of the line the current match is on.
    pub fn current_line(&self) -> Option<u64> {
        self.matches.get(self.current?).copied()
    }
}

/// The byte ranges where `query` occurs in `line`. A query without capital letters ignores ASCII case
/// (lowering ASCII keeps byte offsets, so the ranges fit the original line).
pub fn find_all(line: &str, query: &str) -> Vec<Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    let found = |haystack: &str, needle: &str| -> Vec<Range<usize>> {
        haystack.match_indices(needle).map(|(at, m)| at..at + m.len()).collect()
    };
    if query.chars().any(char::is_uppercase) {
        found(line, query)
    } else {
        found(&line.to_ascii_lowercase(), &query.to_ascii_lowercase())
    }
}

/// What the user asked for. The stream's parameters come from here, through `Action::Logs`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogOptions {
    pub follow: bool,
    pub previous: bool,
    pub timestamps: bool,
    /// Long lines continue on the next rows instead of being cut at the edge (display only).
    pub wrap: bool,
    pub tail: Option<i64>,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions { follow: true, previous: false, timestamps: false, wrap: false, tail: Some(TAIL_LINES) }
    }
}

impl LogOptions {
    /// A terminated instance has nothing more to say: the previous log is never followed.
    pub fn streams_live(&self) -> bool {
        self.follow && !self.previous
    }
}

/// Where the stream is, as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamStatus {
    Connecting,
    /// Open: following, or reading a snapshot.
    Streaming,
    /// A snapshot (not following, or the previous instance) was read to its end.
    Complete,
    /// The user turned following off: the stream was stopped, its lines stay.
    Paused,
    /// A followed stream was closed by the server: the container stopped, or the API server ended it.
    Ended,
    /// The connection broke.
    Lost(String),
    /// The server would not open the log. `can_i` checks the permission; `hint` says what to try.
    Refused {
        message: String,
        can_i: Option<String>,
        hint: Option<String>,
    },
}

/// The logs pane over the pod list.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPane {
    pub namespace: String,
    pub pod: String,
    /// Containers, then init containers.
    pub containers: Vec<String>,
    /// The one shown (an index into `containers`).
    pub container: usize,
    pub options: LogOptions,
    /// The id of the stream whose lines are shown.
    pub stream: u64,
    pub status: StreamStatus,
    pub buffer: LogBuffer,
    pub search: Option<Search>,
    /// The first line in view; `None` keeps the newest lines in view as they arrive.
    pub top: Option<u64>,
    /// The kubectl line of what is shown, from `Action::Logs::plan`.
    pub plan: Plan,
    /// What is done about Secret values in the lines (masked as they arrive, or why not), once the runtime
    /// has read them.
    pub masking: Option<String>,
}

/// The `Logs` action of a container with these options: what the pane runs and what the game plan lists.
pub fn logs_action(namespace: &str, pod: &str, container: Option<String>, options: &LogOptions) -> Action {
    Action::Logs {
        namespace: namespace.into(),
        pod: pod.into(),
        container,
        previous: options.previous,
        follow: options.streams_live(),
        tail: options.tail,
        timestamps: options.timestamps,
    }
}

/// A pod's containers then its init containers, and the one kubectl shows by default (its annotation, else
/// the first container).
pub fn pod_containers(pod: &Pod) -> (Vec<String>, usize) {
    let spec = pod.spec.as_ref();
    let names: Vec<String> = spec
        .map(|s| {
            let init = s.init_containers.iter().flatten();
            s.containers.iter().chain(init).map(|c| c.name.clone()).collect()
        })
        .unwrap_or_default();
    let preferred = pod.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CONTAINER));
    let default = preferred.and_then(|p| names.iter().position(|n| n == p)).unwrap_or(0);
    (names, default)
}

impl LogPane {
    pub fn container_name(&self) -> Option<&str> {
        self.containers.get(self.container).map(String::as_str)
    }

    pub fn action(&self) -> Action {
        logs_action(&self.namespace, &self.pod, self.container_name().map(str::to_string), &self.options)
    }

    /// The search query is being typed.
    pub fn searching(&self) -> bool {
        self.search.as_ref().is_some_and(|s| s.editing)
    }

    /// New lines may still arrive.
    pub fn live(&self) -> bool {
        self.options.streams_live() && matches!(self.status, StreamStatus::Connecting | StreamStatus::Streaming)
    }

    fn push_lines(&mut self, lines: Vec<String>) {
        for line in lines {
            let number = self.buffer.end();
            let hit = self.search.as_ref().is_some_and(|s| s.is_match(&line));
            let dropped = self.buffer.push(line);
            let first = self.buffer.first();
            if let Some(search) = &mut self.search {
                if dropped {
                    while search.matches.front().is_some_and(|m| *m < first) {
                        search.matches.pop_front();
                        search.current = search.current.map(|c| c.saturating_sub(1));
                    }
                }
                if hit {
                    search.matches.push_back(number);
                }
                if search.matches.is_empty() {
                    search.current = None;
                }
            }
        }
    }

    /// Rows a line takes: one, or with wrap its wrapped rows at `width`.
    fn height(&self, line: &str, width: Option<usize>) -> usize {
        width.map_or(1, |w| wrap_points(line, w).len())
    }

    /// The first line of the view when the newest lines fill it.
    fn end_top(&self, rows: usize, width: Option<usize>) -> u64 {
        let (first, end) = (self.buffer.first(), self.buffer.end());
        let mut used = 0;
        let mut top = end;
        while top > first {
            let height = self.buffer.get(top - 1).map_or(1, |l| self.height(l, width));
            if used + height > rows {
                break;
            }
            used += height;
            top -= 1;
        }
        // A last line taller than the view is shown from its start.
        if top == end { end.saturating_sub(1).max(first) } else { top }
    }

    /// The first line in view, for `rows` rows of text `width` columns wide (`None`: no wrap).
    pub fn view_top(&self, rows: usize, width: Option<usize>) -> u64 {
        let end_top = self.end_top(rows, width);
        match self.top {
            Some(top) => top.clamp(self.buffer.first(), end_top.max(self.buffer.first())),
            None => end_top,
        }
    }

    /// One past the last line (wholly or partly) in view from `top`.
    fn view_end(&self, top: u64, rows: usize, width: Option<usize>) -> u64 {
        let mut used = 0;
        for (number, line) in self.buffer.lines_from(top) {
            if used >= rows {
                return number;
            }
            used += self.height(line, width);
        }
        self.buffer.end()
    }

    fn scroll(&mut self, delta: i64, rows: usize, width: Option<usize>) {
        let (first, end_top) = (self.buffer.first(), self.end_top(rows, width));
        let now = self.view_top(rows, width);
        let to = now.saturating_add_signed(delta).clamp(first, end_top.max(first));
        self.top = Some(to);
    }

    /// Scroll so that line `number` is in view, a third of the way down when it was not.
    fn reveal(&mut self, number: u64, rows: usize, width: Option<usize>) {
        let top = self.view_top(rows, width);
        if number >= top && number < self.view_end(top, rows, width) {
            return;
        }
        let wanted = number.saturating_sub((rows / 3) as u64).max(self.buffer.first());
        self.top = Some(wanted.min(self.end_top(rows, width).max(self.buffer.first())));
    }

    /// Recompute the matches of the search over every line kept, and pick the one nearest the view.
    fn research(&mut self, rows: usize, width: Option<usize>) {
        let top = self.top.map(|_| self.view_top(rows, width));
        let Some(search) = &mut self.search else { return };
        search.matches = self.buffer.lines_from(0).filter(|(_, l)| search.is_match(l)).map(|(n, _)| n).collect();
        search.current = match top {
            _ if search.matches.is_empty() => None,
            // At the end of a log the newest match is the one wanted.
            None => Some(search.matches.len() - 1),
            Some(top) => Some(search.matches.iter().position(|m| *m >= top).unwrap_or(0)),
        };
        if let Some(line) = search.current_line() {
            self.reveal(line, rows, width);
        }
    }
}

/// Byte offsets where the rows of `line` start when wrapped at `width` columns (one row for an empty line).
pub fn wrap_points(line: &str, width: usize) -> Vec<usize> {
    let width = width.max(1);
    let mut points = vec![0];
    let mut column = 0;
    for (at, c) in line.char_indices() {
        let w = c.width().unwrap_or(0);
        if column + w > width && column > 0 {
            points.push(at);
            column = 0;
        }
        column += w;
    }
    points
}

/// The kubectl line as the pane shows it: in full, on as many rows as it takes, broken between arguments.
pub fn command_rows(pane: &LogPane, width: usize) -> Vec<String> {
    word_rows(&format!("$ {}", pane.plan.command), width)
}

/// What the pane says about Secret values (under its status line), broken between words; none before the
/// runtime has said.
pub fn masking_rows(pane: &LogPane, width: usize) -> Vec<String> {
    pane.masking.as_deref().map(|note| word_rows(note, width)).unwrap_or_default()
}

/// `text` on rows of `width` columns, broken at spaces (a word wider than a row is cut).
fn word_rows(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for word in text.split(' ') {
        let joined = if row.is_empty() { word.to_string() } else { format!("{row} {word}") };
        if text_width(&joined) <= width {
            row = joined;
            continue;
        }
        if !row.is_empty() {
            rows.push(std::mem::take(&mut row));
        }
        // A word wider than the pane is cut where it must be.
        let mut starts = wrap_points(word, width);
        starts.push(word.len());
        let mut pieces: Vec<String> = starts.windows(2).map(|w| word[w[0]..w[1]].to_string()).collect();
        row = pieces.pop().unwrap_or_default();
        rows.extend(pieces);
    }
    rows.push(row);
    rows
}

fn text_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Rows of log text the pane shows, and their width when wrapping.
fn geometry(state: &State) -> (usize, Option<usize>) {
    let width = usize::from(state.width.saturating_sub(2)).max(1);
    let Some(pane) = &state.logs else { return (1, None) };
    let extra = command_rows(pane, width).len().saturating_sub(1) + masking_rows(pane, width).len();
    let rows = state.page_size().saturating_sub(PANE_CHROME + extra).max(1);
    (rows, pane.options.wrap.then_some(width))
}

/// The `Logs` action of the selected pod, with the pane's defaults: what the game plan lists for `l`.
pub fn selected_action(state: &State) -> Option<Action> {
    if state.view.kind != Kind::Pod {
        return None;
    }
    let (namespace, name) = state.selected()?.clone();
    let (containers, default) = state.selected_pod().map(|p| pod_containers(&p)).unwrap_or_default();
    Some(logs_action(&namespace, &name, containers.get(default).cloned(), &LogOptions::default()))
}

/// `l` on the pod list: open the selected pod's log.
pub fn open_selected(state: &mut State, effects: &mut Vec<Effect>) {
    if state.view.kind != Kind::Pod {
        return;
    }
    let Some((namespace, name)) = state.selected().cloned() else { return };
    let (containers, default) = state.selected_pod().map(|p| pod_containers(&p)).unwrap_or_default();
    open(state, namespace, name, containers, default, effects);
}

/// Open the log of a pod's container (an index into `containers`), following its last [`TAIL_LINES`] lines.
pub fn open(
    state: &mut State,
    namespace: String,
    pod: String,
    containers: Vec<String>,
    container: usize,
    effects: &mut Vec<Effect>,
) {
    close(state, effects);
    state.next_log_stream += 1;
    let stream = state.next_log_stream;
    let options = LogOptions::default();
    let action = logs_action(&namespace, &pod, containers.get(container).cloned(), &options);
    let plan = action.plan(&state.plan_ctx());
    state.logs = Some(LogPane {
        namespace,
        pod,
        containers,
        container,
        options,
        stream,
        status: StreamStatus::Connecting,
        buffer: LogBuffer::new(CAPACITY),
        search: None,
        top: None,
        plan,
        masking: None,
    });
    effects.push(Effect::StreamLogs { stream, action });
}

/// Close the pane and stop its stream; the Secret values read for it are forgotten.
pub fn close(state: &mut State, effects: &mut Vec<Effect>) {
    if let Some(pane) = state.logs.take() {
        effects.push(Effect::StopLogs(pane.stream));
        effects.push(Effect::LogsClosed);
    }
}

/// Stop the stream and start a new one with the pane's current options; the lines start over.
fn restart(state: &mut State, effects: &mut Vec<Effect>) {
    let ctx = state.plan_ctx();
    let stream = state.next_log_stream + 1;
    let Some(pane) = &mut state.logs else { return };
    state.next_log_stream = stream;
    effects.push(Effect::StopLogs(pane.stream));
    pane.stream = stream;
    pane.status = StreamStatus::Connecting;
    pane.buffer.clear();
    pane.top = None;
    if let Some(search) = &mut pane.search {
        search.matches.clear();
        search.current = None;
    }
    let action = pane.action();
    pane.plan = action.plan(&ctx);
    effects.push(Effect::StreamLogs { stream, action });
}

/// A report of a stream: only the pane's current stream counts.
pub fn on_update(state: &mut State, stream: u64, update: LogUpdate) {
    let context = state.context.context.clone();
    let Some(pane) = state.logs.as_mut().filter(|p| p.stream == stream) else { return };
    match update {
        LogUpdate::Opened => pane.status = StreamStatus::Streaming,
        LogUpdate::Lines(lines) => {
            if pane.status == StreamStatus::Connecting {
                pane.status = StreamStatus::Streaming;
            }
            pane.push_lines(lines);
        }
        LogUpdate::Ended => {
            pane.status = if pane.options.streams_live() { StreamStatus::Ended } else { StreamStatus::Complete };
        }
        LogUpdate::Lost(reason) => pane.status = StreamStatus::Lost(reason),
        LogUpdate::Masking(note) => pane.masking = Some(note),
        LogUpdate::Refused { message, forbidden } => {
            let can_i = forbidden.then(|| pane.plan.permission.can_i_command(&context));
            let hint = refusal_hint(&message, forbidden, pane.containers.len());
            pane.status = StreamStatus::Refused { message, can_i, hint };
        }
    }
}

/// What to try after the server's refusal, from its well-known words.
fn refusal_hint(message: &str, forbidden: bool, containers: usize) -> Option<String> {
    let mut hint = if message.contains("previous terminated container") {
        "It has not restarted, so there is no previous instance: p shows the current log.".to_string()
    } else if message.contains("is waiting to start") {
        "There are no logs until it starts.".to_string()
    } else {
        String::new()
    };
    if containers > 1 && !forbidden {
        hint.push_str(" Tab shows another container of the pod.");
    }
    let hint = hint.trim();
    (!hint.is_empty()).then(|| hint.to_string())
}

/// A key of the logs pane.
pub fn on_command(state: &mut State, command: Command, effects: &mut Vec<Effect>) {
    let (rows, width) = geometry(state);
    let Some(pane) = &mut state.logs else { return };
    let page = rows.max(2) as i64 - 1;
    match command {
        Command::Back | Command::Cancel => close(state, effects),
        Command::Down => pane.scroll(1, rows, width),
        Command::Up => pane.scroll(-1, rows, width),
        Command::PageDown => pane.scroll(page, rows, width),
        Command::PageUp => pane.scroll(-page, rows, width),
        Command::Top => pane.top = Some(pane.buffer.first()),
        Command::Bottom => pane.top = None,
        Command::Copy => effects.push(Effect::Copy(pane.plan.command.clone())),
        Command::ToggleWrap => pane.options.wrap = !pane.options.wrap,
        Command::ToggleFollow => toggle_follow(state, effects),
        Command::TogglePrevious => {
            pane.options.previous = !pane.options.previous;
            restart(state, effects);
        }
        Command::ToggleTimestamps => {
            pane.options.timestamps = !pane.options.timestamps;
            restart(state, effects);
        }
        Command::NextContainer => {
            if pane.containers.len() > 1 {
                pane.container = (pane.container + 1) % pane.containers.len();
                restart(state, effects);
            } else {
                let pod = pane.pod.clone();
                state.flash(format!("Pod {pod} has only one container"), false);
            }
        }
        Command::Search => pane.search = Some(Search { editing: true, ..Search::default() }),
        Command::NextMatch | Command::PrevMatch => next_match(state, command == Command::NextMatch),
        _ => {}
    }
}

/// `f`: stop following (the lines stay), or follow again — which also resumes an ended or lost stream.
fn toggle_follow(state: &mut State, effects: &mut Vec<Effect>) {
    let ctx = state.plan_ctx();
    let Some(pane) = &mut state.logs else { return };
    if pane.options.previous {
        state.flash("The previous instance has ended: there is nothing to follow. p shows the current log.", false);
        return;
    }
    if pane.live() {
        pane.options.follow = false;
        pane.status = StreamStatus::Paused;
        pane.plan = pane.action().plan(&ctx);
        effects.push(Effect::StopLogs(pane.stream));
        return;
    }
    pane.options.follow = true;
    restart(state, effects);
}

fn next_match(state: &mut State, forward: bool) {
    let (rows, width) = geometry(state);
    let Some(pane) = &mut state.logs else { return };
    let Some(search) = pane.search.as_mut().filter(|s| !s.query.is_empty()) else {
        state.flash("Nothing to find yet: / searches the log", false);
        return;
    };
    let count = search.matches.len();
    if count == 0 {
        let query = search.query.clone();
        state.flash(format!("No line matches {query:?}"), true);
        return;
    }
    let now = search.current.unwrap_or(if forward { count - 1 } else { 0 });
    let next = if forward { (now + 1) % count } else { (now + count - 1) % count };
    search.current = Some(next);
    let wrapped = if forward { next < now } else { next > now };
    if let Some(line) = search.current_line() {
        pane.reveal(line, rows, width);
    }
    if wrapped {
        let end = if forward { "top" } else { "bottom" };
        state.flash(format!("Search wrapped around to the {end}"), false);
    }
}

/// A key while the search query is typed: the matches follow each key.
pub fn on_search_key(state: &mut State, key: KeyEvent, command: Option<Command>) {
    let (rows, width) = geometry(state);
    let Some(pane) = &mut state.logs else { return };
    let Some(search) = &mut pane.search else { return };
    match command {
        Some(Command::Submit) => {
            search.editing = false;
            if search.query.is_empty() {
                pane.search = None;
            } else if search.matches.is_empty() {
                let query = search.query.clone();
                state.flash(format!("No line matches {query:?}"), true);
            }
            return;
        }
        Some(Command::Cancel) => {
            pane.search = None;
            return;
        }
        _ => {}
    }
    match key.code {
        KeyCode::Backspace => {
            search.query.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => search.query.push(c),
        _ => return,
    }
    pane.research(rows, width);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::ContextInfo;
    use crate::cluster::Scope;

    fn state() -> State {
        let info = ContextInfo { context: "sim-admin".into(), namespace: "shop".into(), ..ContextInfo::default() };
        let mut state = State::new(info, Scope::Namespace("shop".into()), jiff::Timestamp::UNIX_EPOCH);
        state.height = 24;
        state
    }

    fn opened(containers: &[&str]) -> (State, Vec<Effect>) {
        let mut s = state();
        let mut effects = Vec::new();
        let names = containers.iter().map(|c| c.to_string()).collect();
        open(&mut s, "shop".into(), "web-1".into(), names, 0, &mut effects);
        (s, effects)
    }

    fn pane(s: &State) -> &LogPane {
        s.logs.as_ref().expect("the pane is open")
    }

    fn feed(s: &mut State, lines: impl IntoIterator<Item = String>) {
        let stream = pane(s).stream;
        on_update(s, stream, LogUpdate::Lines(lines.into_iter().collect()));
    }

    fn numbered(range: Range<u32>) -> Vec<String> {
        range.map(|i| format!("line {i}")).collect()
    }

    fn command(s: &mut State, c: Command) -> Vec<Effect> {
        let mut effects = Vec::new();
        on_command(s, c, &mut effects);
        effects
    }

    fn type_search(s: &mut State, text: &str) {
        command(s, Command::Search);
        for c in text.chars() {
            on_search_key(s, KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), None);
        }
        on_search_key(s, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), Some(Command::Submit));
    }

    #[test]
    fn the_ring_keeps_the_newest_lines_and_counts_the_dropped() {
        let mut ring = LogBuffer::new(3);
        for i in 0..5 {
            ring.push(format!("{i}"));
        }
        assert_eq!((ring.len(), ring.dropped(), ring.first(), ring.end()), (3, 2, 2, 5));
        assert_eq!(ring.get(1), None, "dropped");
        assert_eq!(ring.get(2), Some("2"));
        assert_eq!(ring.get(5), None);
        let rest: Vec<(u64, &str)> = ring.lines_from(3).collect();
        assert_eq!(rest, vec![(3, "3"), (4, "4")]);
        ring.clear();
        assert_eq!((ring.len(), ring.dropped()), (0, 0));
    }

    #[test]
    fn the_pane_holds_at_most_its_capacity() {
        let (mut s, _) = opened(&["app"]);
        feed(&mut s, numbered(0..(CAPACITY as u32 + 250)));
        let p = pane(&s);
        assert_eq!(p.buffer.len(), CAPACITY);
        assert_eq!(p.buffer.dropped(), 250);
        assert_eq!(p.buffer.get(250), Some("line 250"));
    }

    #[test]
    fn opening_streams_the_tail_and_shows_the_plan() {
        let (s, effects) = opened(&["app", "sidecar"]);
        let p = pane(&s);
        assert_eq!(p.plan.command, "kubectl --context sim-admin -n shop logs web-1 -c app --tail=500 -f");
        assert_eq!(effects, vec![Effect::StreamLogs { stream: p.stream, action: p.action() }]);
        assert_eq!(p.status, StreamStatus::Connecting);
    }

    #[test]
    fn options_restart_the_stream_and_change_the_line() {
        let (mut s, _) = opened(&["app", "sidecar"]);
        feed(&mut s, numbered(0..10));
        let old = pane(&s).stream;

        let effects = command(&mut s, Command::ToggleTimestamps);
        let p = pane(&s);
        assert_eq!(effects, vec![Effect::StopLogs(old), Effect::StreamLogs { stream: p.stream, action: p.action() }]);
        assert_ne!(p.stream, old);
        assert!(p.buffer.is_empty(), "the lines start over");
        assert_eq!(p.plan.command, "kubectl --context sim-admin -n shop logs web-1 -c app --timestamps --tail=500 -f");

        command(&mut s, Command::NextContainer);
        assert_eq!(
            pane(&s).plan.command,
            "kubectl --context sim-admin -n shop logs web-1 -c sidecar --timestamps --tail=500 -f"
        );

        // The previous instance has ended: it is read, not followed.
        command(&mut s, Command::TogglePrevious);
        assert_eq!(
            pane(&s).plan.command,
            "kubectl --context sim-admin -n shop logs web-1 -c sidecar --previous --timestamps --tail=500"
        );
        command(&mut s, Command::TogglePrevious);
        command(&mut s, Command::ToggleTimestamps);
        command(&mut s, Command::NextContainer);
        assert_eq!(pane(&s).plan.command, "kubectl --context sim-admin -n shop logs web-1 -c app --tail=500 -f");

        // Wrap is display only.
        assert!(command(&mut s, Command::ToggleWrap).is_empty());
        assert!(pane(&s).options.wrap);
    }

    #[test]
    fn follow_off_stops_and_keeps_the_lines_and_on_resumes() {
        let (mut s, _) = opened(&["app"]);
        let stream = pane(&s).stream;
        on_update(&mut s, stream, LogUpdate::Opened);
        feed(&mut s, numbered(0..5));
        let effects = command(&mut s, Command::ToggleFollow);
        assert_eq!(effects, vec![Effect::StopLogs(stream)]);
        let p = pane(&s);
        assert_eq!((p.status.clone(), p.buffer.len()), (StreamStatus::Paused, 5));
        assert_eq!(p.plan.command, "kubectl --context sim-admin -n shop logs web-1 -c app --tail=500");

        let effects = command(&mut s, Command::ToggleFollow);
        let p = pane(&s);
        assert_eq!(
            effects,
            vec![Effect::StopLogs(stream), Effect::StreamLogs { stream: p.stream, action: p.action() }]
        );
        assert!(p.plan.command.ends_with(" -f"));

        // A lost stream says so, and f resumes it.
        let stream = p.stream;
        on_update(&mut s, stream, LogUpdate::Lost("the connection broke".into()));
        assert_eq!(pane(&s).status, StreamStatus::Lost("the connection broke".into()));
        let effects = command(&mut s, Command::ToggleFollow);
        assert!(matches!(effects.as_slice(), [Effect::StopLogs(_), Effect::StreamLogs { .. }]), "{effects:?}");
    }

    #[test]
    fn lines_of_a_stopped_stream_are_ignored() {
        let (mut s, _) = opened(&["app"]);
        let old = pane(&s).stream;
        command(&mut s, Command::ToggleTimestamps);
        on_update(&mut s, old, LogUpdate::Lines(vec!["late".into()]));
        on_update(&mut s, old, LogUpdate::Ended);
        assert!(pane(&s).buffer.is_empty());
        assert_eq!(pane(&s).status, StreamStatus::Connecting);
    }

    #[test]
    fn closing_stops_the_stream() {
        let (mut s, _) = opened(&["app"]);
        let stream = pane(&s).stream;
        assert_eq!(command(&mut s, Command::Back), vec![Effect::StopLogs(stream), Effect::LogsClosed]);
        assert!(s.logs.is_none());
    }

    #[test]
    fn refusals_carry_the_can_i_line_and_a_hint() {
        let (mut s, _) = opened(&["app"]);
        let stream = pane(&s).stream;
        on_update(&mut s, stream, LogUpdate::Refused { message: "User \"dev\" may not".into(), forbidden: true });
        let StreamStatus::Refused { can_i, .. } = &pane(&s).status else { panic!("refused") };
        assert_eq!(can_i.as_deref(), Some("kubectl auth can-i get pods/log -n shop --context sim-admin"));

        let (mut s, _) = opened(&["app", "init"]);
        let stream = pane(&s).stream;
        let message = "container \"app\" in pod \"web-1\" is waiting to start: ContainerCreating".to_string();
        on_update(&mut s, stream, LogUpdate::Refused { message: message.clone(), forbidden: false });
        let StreamStatus::Refused { message: shown, can_i, hint } = &pane(&s).status else { panic!("refused") };
        assert_eq!((shown, can_i), (&message, &None));
        assert_eq!(hint.as_deref(), Some("There are no logs until it starts. Tab shows another container of the pod."));
    }

    #[test]
    fn search_finds_lines_with_smart_case() {
        assert_eq!(find_all("GET /a get /b", "get"), vec![0..3, 7..10]);
        assert_eq!(find_all("GET /a get /b", "GET"), vec![0..3]);
        assert_eq!(find_all("café ERROR", "error"), vec![6..11]);
        assert!(find_all("anything", "").is_empty());
    }

    #[test]
    fn n_and_shift_n_walk_the_matches_and_wrap() {
        let (mut s, _) = opened(&["app"]);
        feed(&mut s, (0..100).map(|i| if i % 25 == 0 { format!("ERROR {i}") } else { format!("ok {i}") }));
        type_search(&mut s, "error");
        let search = pane(&s).search.clone().expect("a search");
        assert_eq!(search.matches, VecDeque::from([0, 25, 50, 75]));
        assert!(!search.editing);
        // Following the end, the newest match is the one shown.
        assert_eq!(search.current_line(), Some(75));

        command(&mut s, Command::NextMatch);
        assert_eq!(pane(&s).search.as_ref().and_then(Search::current_line), Some(0), "wraps to the top");
        assert!(s.flash.as_ref().is_some_and(|f| f.text.contains("wrapped")));
        let top = pane(&s).view_top(geometry(&s).0, None);
        assert_eq!(top, 0, "the match is in view");
        command(&mut s, Command::NextMatch);
        assert_eq!(pane(&s).search.as_ref().and_then(Search::current_line), Some(25));
        command(&mut s, Command::PrevMatch);
        command(&mut s, Command::PrevMatch);
        assert_eq!(pane(&s).search.as_ref().and_then(Search::current_line), Some(75), "wraps to the bottom");

        // New lines that match join the matches; dropped lines leave them.
        feed(&mut s, vec!["another ERROR".into()]);
        assert_eq!(pane(&s).search.as_ref().map(|s| s.matches.len()), Some(5));
    }

    #[test]
    fn matches_of_dropped_lines_go_with_them() {
        let (mut s, _) = opened(&["app"]);
        type_search(&mut s, "x");
        feed(&mut s, vec!["x first".into()]);
        feed(&mut s, numbered(0..CAPACITY as u32));
        let search = pane(&s).search.clone().expect("a search");
        assert!(search.matches.is_empty());
        assert_eq!(search.current, None);
    }

    #[test]
    fn scrolling_leaves_the_end_and_g_returns_to_it() {
        let (mut s, _) = opened(&["app"]);
        feed(&mut s, numbered(0..100));
        let (rows, _) = geometry(&s);
        assert_eq!(pane(&s).view_top(rows, None), 100 - rows as u64, "the newest lines are in view");
        command(&mut s, Command::Up);
        let top = pane(&s).view_top(rows, None);
        assert_eq!(top, 99 - rows as u64);
        feed(&mut s, numbered(100..110));
        assert_eq!(pane(&s).view_top(rows, None), top, "new lines do not move a scrolled view");
        command(&mut s, Command::Top);
        assert_eq!(pane(&s).view_top(rows, None), 0);
        command(&mut s, Command::Up);
        assert_eq!(pane(&s).view_top(rows, None), 0);
        command(&mut s, Command::Bottom);
        feed(&mut s, numbered(110..120));
        assert_eq!(pane(&s).view_top(rows, None), 120 - rows as u64, "G follows the end again");
    }

    #[test]
    fn wrapped_lines_take_their_rows() {
        assert_eq!(wrap_points("abcdefgh", 3), vec![0, 3, 6]);
        assert_eq!(wrap_points("", 3), vec![0]);
        assert_eq!(wrap_points("字字字", 4), vec![0, 6], "wide characters do not split");
        let (mut s, _) = opened(&["app"]);
        feed(&mut s, vec!["short".into(), "x".repeat(30)]);
        let p = pane(&s);
        // Two rows of ten: the long line alone takes three, so the view starts at it.
        assert_eq!(p.view_top(2, Some(10)), 1);
        assert_eq!(p.view_top(4, Some(10)), 0);
    }

    #[test]
    fn the_command_breaks_between_arguments() {
        let (s, _) = opened(&["app"]);
        let rows = command_rows(pane(&s), 40);
        assert_eq!(rows, ["$ kubectl --context sim-admin -n shop", "logs web-1 -c app --tail=500 -f"]);
        let rows = command_rows(pane(&s), 6);
        assert_eq!(rows[..4], ["$", "kubect", "l", "--cont"], "a word wider than the pane is cut");
    }

    #[test]
    fn a_pod_shows_its_default_container_first() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "annotations": {DEFAULT_CONTAINER: "main"}},
            "spec": {"containers": [{"name": "sidecar"}, {"name": "main"}], "initContainers": [{"name": "init"}]}
        }))
        .expect("a pod");
        assert_eq!(pod_containers(&pod), (vec!["sidecar".into(), "main".into(), "init".into()], 1));
    }
}
