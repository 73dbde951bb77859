//! `cargo bench --bench pods`: what mosaic's pod list costs on a cluster of 5,000 pods in 50 namespaces with
//! 20,000 events, served by the simulated cluster. Prints one table of figures next to their targets.
//!
//! `cargo bench` builds the release binary itself (the `bench` profile inherits `release`), and
//! `CARGO_BIN_EXE_mosaic` points at it, so nothing has to be built first. `MOSAIC_BENCH_IDLE_SECS` shortens the
//! idle measurement (default 60 s); `MOSAIC_BENCH_ENV="K=V,K=V"` adds variables to mosaic's environment (e.g.
//! `MALLOC_ARENA_MAX=2` when looking into memory).
#[path = "../tests/support/cluster.rs"]
#[allow(dead_code)]
mod cluster;
#[path = "../tests/support/pty.rs"]
#[allow(dead_code)]
mod pty;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use mosaic::app::{ContextInfo, Data, Msg, State, update};
use mosaic::cluster::watch::{FIRST_PAGE_SIZE, PAGE_SIZE, strip};
use mosaic::cluster::{Scope, WatchState, WatchUpdate};
use mosaic::sim::Scenario;
use mosaic::ui::{self, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use cluster::Cluster;
use pty::Term;

const NAMESPACES: usize = 50;
const PODS: usize = 5000;
const EVENTS: usize = 20_000;
const LAUNCH_RUNS: usize = 5;
const FRAMES: usize = 500;
const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Idle after the full list before reading the peak RSS.
const SETTLE: Duration = Duration::from_secs(3);

/// One line of the table.
struct Figure {
    name: String,
    value: String,
    target: String,
    /// None when the figure has no target.
    ok: Option<bool>,
}

impl Figure {
    fn new(name: &str, value: String, target: &str, ok: Option<bool>) -> Figure {
        Figure { name: name.to_string(), value, target: target.to_string(), ok }
    }
}

fn main() {
    let idle = std::env::var("MOSAIC_BENCH_IDLE_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(60u64);
    let built = Instant::now();
    let scenario = Scenario::generated(NAMESPACES, PODS, EVENTS);
    let scenario_time = built.elapsed();
    let pods = pods_of(&scenario);
    assert_eq!(pods.len(), PODS, "the generated scenario has {PODS} pods");
    let first_pod = first_listed(&pods);
    eprintln!("scenario built in {scenario_time:.2?}; first pod listed: {first_pod}");

    let mut figures = vec![pod_size(&scenario, &pods)];
    figures.extend(render_figures(&pods));

    let started = Instant::now();
    let cluster = Cluster::start(scenario);
    eprintln!("simulated cluster serving {} in {:.2?}", cluster.handle.url(), started.elapsed());
    let kubeconfig = cluster.kubeconfig("admin", "bench-00");
    let mosaic = Mosaic {
        binary: PathBuf::from(env!("CARGO_BIN_EXE_mosaic")),
        args: vec!["--kubeconfig".into(), kubeconfig.display().to_string(), "-A".into()],
        env: std::env::var("MOSAIC_BENCH_ENV")
            .unwrap_or_default()
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    };

    figures.push(first_frame(&mosaic, &first_pod));
    figures.extend(memory_and_requests(&mosaic, &cluster, Duration::from_secs(idle)));
    print_table(&mosaic, &figures);
}

/// How the release binary is started: on the bench cluster, every namespace.
struct Mosaic {
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Mosaic {
    fn spawn(&self) -> Term {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Term::spawn_program(&self.binary, &args, &env, COLS, ROWS)
    }
}

/// The pods of the scenario as the watch delivers them: typed, managedFields and last-applied stripped.
fn pods_of(scenario: &Scenario) -> Vec<Pod> {
    scenario
        .objects
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .map(|o| {
            let mut pod: Pod = serde_json::from_value(o.clone()).expect("a generated pod parses as a Pod");
            strip(&mut pod);
            pod
        })
        .collect()
}

/// How big a pod is, as JSON: as stored (with managedFields) and as mosaic keeps it. Context for the RSS figure.
fn pod_size(scenario: &Scenario, pods: &[Pod]) -> Figure {
    let served: usize = scenario
        .objects
        .iter()
        .filter(|o| o["kind"] == "Pod")
        .map(|o| serde_json::to_vec(o).map(|v| v.len()).unwrap_or(0))
        .sum();
    let kept: usize = pods.iter().map(|p| serde_json::to_vec(p).map(|v| v.len()).unwrap_or(0)).sum();
    Figure::new(
        "average pod as JSON: served / kept after stripping",
        format!("{:.1} KB / {:.1} KB", served as f64 / 1024.0 / PODS as f64, kept as f64 / 1024.0 / PODS as f64),
        "",
        None,
    )
}

/// With `-A` the list is sorted by namespace and name: the first row is the first pod of the first page.
fn first_listed(pods: &[Pod]) -> String {
    pods.iter()
        .filter_map(|p| Some((p.metadata.namespace.clone()?, p.metadata.name.clone()?)))
        .min()
        .map(|(_, name)| name)
        .expect("pods have names")
}

/// This process's resident memory, in KiB.
fn self_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or_default();
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Render and index figures, in-process: the state holds the 5,000 pods fed through `update` page by page, as
/// the runtime feeds them.
fn render_figures(pods: &[Pod]) -> Vec<Figure> {
    let info = ContextInfo {
        context: "sim-admin".into(),
        user: "admin".into(),
        server: "http://127.0.0.1".into(),
        server_version: "v1.33.0".into(),
        namespace: "bench-00".into(),
        contexts: vec!["sim-admin".into()],
        demo: false,
        readonly: false,
    };
    let scope = Scope::All;
    let mut state = State::new(info, scope.clone(), jiff::Timestamp::now());
    update(&mut state, Msg::Resize(COLS, ROWS));
    let feed = |state: &mut State, u: WatchUpdate<Pod>| {
        let epoch = state.epoch;
        update(state, Msg::Data { epoch, scope: scope.clone(), data: Data::Pods(u) });
    };
    let rss_before = self_rss_kib();
    let ingest = Instant::now();
    feed(&mut state, WatchUpdate::State(WatchState::Live));
    let pages: Vec<&[Pod]> = pods.chunks(PAGE_SIZE as usize).collect();
    for (i, page) in pages.iter().enumerate() {
        feed(&mut state, WatchUpdate::Page { items: page.to_vec(), first: i == 0, last: i + 1 == pages.len() });
    }
    let ingest = ingest.elapsed();
    let state_mb = self_rss_kib().saturating_sub(rss_before) as f64 / 1024.0;
    assert_eq!(state.index.keys.len(), PODS, "every pod is in the row index");

    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(COLS, ROWS)).expect("a test terminal");
    for _ in 0..20 {
        terminal.draw(|f| ui::render(f, &state, &theme)).expect("draw");
    }
    let mut frames = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        // Mostly one row down, a page at a time now and then, so the window scrolls through the list.
        let code = if i % 25 == 24 { KeyCode::PageDown } else { KeyCode::Char('j') };
        update(&mut state, key(code));
        let t = Instant::now();
        terminal.draw(|f| ui::render(f, &state, &theme)).expect("draw");
        frames.push(t.elapsed());
    }
    assert!(state.view.selected > 0, "the cursor moved");
    let frame_p95 = percentile(&frames, 0.95);
    let frame = median(frames);

    // A new pod arrives: the cache takes it, then the row index is rebuilt for the next frame.
    let template = pods[pods.len() / 2].clone();
    let mut rebuilds = Vec::new();
    let mut events = Vec::new();
    for n in 0..50 {
        let mut pod = template.clone();
        pod.metadata.name = Some(format!("bench-new-{n:03}"));
        state.pods.apply(&scope, WatchUpdate::Applied(pod.clone()), state.now);
        let t = Instant::now();
        state.refresh_index();
        rebuilds.push(t.elapsed());
        // The whole path of one watch event through the loop, index included.
        pod.metadata.name = Some(format!("bench-next-{n:03}"));
        let t = Instant::now();
        feed(&mut state, WatchUpdate::Applied(pod));
        events.push(t.elapsed());
    }
    assert_eq!(state.index.keys.len(), PODS + 100);

    vec![
        Figure::new(
            "render one frame of the pod list (120x40, median)",
            ms(frame),
            "≤ 2 ms",
            Some(frame <= Duration::from_millis(2)),
        ),
        Figure::new("render one frame (p95)", ms(frame_p95), "", None),
        Figure::new("rebuild the row index after a new pod (median)", ms(median(rebuilds)), "", None),
        Figure::new("one watch event through update, index included (median)", ms(median(events)), "", None),
        Figure::new("ingest 5,000 pods through update, 500 a page", ms(ingest), "", None),
        Figure::new("memory the app state takes for 5,000 pods (RSS growth)", format!("{state_mb:.1} MB"), "", None),
    ]
}

/// Launch to the first frame that shows a pod, median of several runs.
fn first_frame(mosaic: &Mosaic, first_pod: &str) -> Figure {
    let mut runs = Vec::new();
    for run in 0..LAUNCH_RUNS {
        let mut term = mosaic.spawn();
        let shown = term.wait_for(first_pod, Duration::from_secs(20)).map(|_| term.started().elapsed());
        let elapsed = shown.unwrap_or_else(|e| panic!("run {run}: no pods on screen: {e:?}"));
        eprintln!("launch {run}: first pod on screen after {elapsed:.2?}");
        runs.push(elapsed);
    }
    let all: Vec<String> = runs.iter().map(|d| format!("{:.0}", d.as_secs_f64() * 1e3)).collect();
    let first = median(runs);
    Figure::new(
        &format!("launch to first frame with pods (median of {LAUNCH_RUNS}: {} ms)", all.join(", ")),
        format!("{:.3} s", first.as_secs_f64()),
        "≤ 0.3 s",
        Some(first <= Duration::from_millis(300)),
    )
}

fn diff(after: &BTreeMap<(String, String), u64>, before: &BTreeMap<(String, String), u64>) -> Vec<String> {
    after
        .iter()
        .filter_map(|(k, n)| {
            let d = n - before.get(k).copied().unwrap_or(0);
            (d > 0).then(|| format!("{} {} ×{d}", k.0, k.1))
        })
        .collect()
}

/// One mosaic that lists everything, settles, and idles: its peak memory and every request it makes.
fn memory_and_requests(mosaic: &Mosaic, cluster: &Cluster, idle: Duration) -> Vec<Figure> {
    let handle = &cluster.handle;
    handle.reset_counts();
    let mut term = mosaic.spawn();
    let listed = format!("[{PODS}]");
    term.wait_until(&format!("{listed} and live in the header"), Duration::from_secs(60), |s| {
        let text = s.contents();
        text.contains(&listed) && text.contains("live")
    })
    .unwrap_or_else(|e| panic!("mosaic did not list all pods: {e:?}"));
    let listed_after = term.started().elapsed();
    // The watch opens just after the last page is shown: count the initial load once things have settled.
    std::thread::sleep(SETTLE);
    let lists = handle.count("list", "pods");
    let watches = handle.count("watch", "pods");
    let initial = handle.counts();
    let peak = term.peak_rss_kib().expect("VmHWM from /proc");

    let before = handle.counts();
    let total_before = handle.total_requests();
    eprintln!("idling {} s with mosaic open…", idle.as_secs());
    std::thread::sleep(idle);
    let total_after = handle.total_requests();
    let idle_requests = diff(&handle.counts(), &before);
    let still_live = term.screen_text().contains("live");
    let rss_end = term.rss_kib().unwrap_or(0);
    let peak_mb = peak as f64 / 1024.0;
    let idle_count = total_after - total_before;
    vec![
        Figure::new("all 5,000 pods listed ([5000] in the header) after", format!("{listed_after:.2?}"), "", None),
        Figure::new(
            &format!("peak RSS (VmHWM) after listing and {} s idle", SETTLE.as_secs()),
            format!("{peak_mb:.1} MB"),
            "≤ 100 MB",
            Some(peak_mb <= 100.0),
        ),
        Figure::new("RSS at the end of the idle period", format!("{:.1} MB", rss_end as f64 / 1024.0), "", None),
        Figure::new(
            "initial load: LIST pods / WATCH pods requests",
            format!("{lists} / {watches}"),
            &format!("{} / 1", expected_lists()),
            Some(lists == expected_lists() && watches == 1),
        ),
        Figure::new("initial load: every request", diff(&initial, &BTreeMap::new()).join(", "), "", None),
        Figure::new(
            &format!("requests during {} idle seconds", idle.as_secs()),
            format!(
                "{idle_count}{}{}",
                if idle_requests.is_empty() { String::new() } else { format!(" ({})", idle_requests.join(", ")) },
                if still_live { "" } else { "; header no longer says live" }
            ),
            "0 besides the open watch",
            Some(idle_count == 0 && still_live),
        ),
    ]
}

fn print_table(mosaic: &Mosaic, figures: &[Figure]) {
    let name_w = figures.iter().map(|f| f.name.chars().count()).max().unwrap_or(0);
    let value_w = figures.iter().map(|f| f.value.chars().count().min(60)).max().unwrap_or(0);
    println!();
    println!(
        "mosaic pod list, {PODS} pods in {NAMESPACES} namespaces, {EVENTS} events (simulated cluster); binary {}",
        mosaic.binary.display()
    );
    if !mosaic.env.is_empty() {
        println!("extra environment: {:?}", mosaic.env);
    }
    println!("{:<name_w$}  {:<value_w$}  {:<24}  ok", "figure", "measured", "target");
    println!("{}", "-".repeat(name_w + value_w + 32));
    for f in figures {
        let ok = match f.ok {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        println!("{:<name_w$}  {:<value_w$}  {:<24}  {ok}", f.name, f.value, f.target);
    }
}

/// One small first page, then full pages.
/// The pages of the pod list, and one more: at start mosaic lists its own leftover probe pods (by the label
/// `app.kubernetes.io/managed-by=mosaic`) to delete what a crashed run left behind.
fn expected_lists() -> u64 {
    let pages = 1 + (PODS.saturating_sub(FIRST_PAGE_SIZE as usize)).div_ceil(PAGE_SIZE as usize) as u64;
    pages + 1
}
