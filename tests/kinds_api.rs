//! Any kind against the simulated server: discovery finds the built-in kinds and a CRD, the CRD's Table carries
//! its printer columns, and the app lists it (and a typed kind, and a drilled-down list) headless.
use crate::support;

use std::time::{Duration, Instant};

use mosaic::app::{Msg, State, update};
use mosaic::cluster::resources::{self, discover};
use mosaic::cluster::{Kind, Scope};
use mosaic::runtime::{Runtime, context_info};
use mosaic::sim::{Scenario, SimHandle, SimOptions, SimServer};
use support::session::connect_as;
use tokio::sync::mpsc::UnboundedReceiver;

async fn demo() -> (SimHandle, mosaic::cluster::Session, tempfile::TempDir) {
    let sim = SimServer::start(Scenario::demo(), SimOptions::default()).await.expect("sim starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let session = connect_as(&sim, "admin", "shop", dir.path()).await;
    (sim, session, dir)
}

#[tokio::test]
async fn discovery_finds_typed_kinds_and_the_crd() {
    let (_sim, session, _dir) = demo().await;
    let served = discover(&session.client).await.expect("discovery");
    let find = |q: &str| served.iter().find(|s| resources::get(s.resource).qualified() == q).cloned();
    let netpol = find("networkpolicies.networking.k8s.io").expect("networkpolicies");
    assert_eq!(netpol.kind, Kind::NetworkPolicy, "a typed kind keeps its typed view");
    let cert = find("certificates.cert-manager.io").expect("the CRD's kind is served");
    assert!(matches!(cert.kind, Kind::Other(_)));
    let r = resources::get(cert.resource);
    assert_eq!((r.kind, r.singular, r.namespaced), ("Certificate", "certificate", true));
    assert_eq!(r.short_names, ["cert", "certs"]);
    assert!(r.listable());
    assert!(find("customresourcedefinitions.apiextensions.k8s.io").is_some());
    assert!(!served.iter().any(|s| resources::get(s.resource).plural.contains('/')), "no subresources");
}

struct Headless {
    state: State,
    runtime: Runtime,
    rx: UnboundedReceiver<Msg>,
}

impl Headless {
    fn send(&mut self, msg: Msg) {
        for effect in update(&mut self.state, msg) {
            self.runtime.execute(effect);
        }
    }

    async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done(&self.state) {
            match tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), self.rx.recv()).await {
                Ok(Some(msg)) => self.send(msg),
                _ => panic!("timed out waiting for {what}; view: {:?}", self.state.view_states()),
            }
        }
    }

    fn type_command(&mut self, text: &str) {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |code| Msg::Key(KeyEvent::new(code, KeyModifiers::NONE));
        self.send(key(KeyCode::Char(':')));
        for c in text.chars() {
            self.send(key(KeyCode::Char(c)));
        }
        self.send(key(KeyCode::Enter));
    }

    fn cells(&self) -> Vec<(String, Vec<String>)> {
        self.state
            .index
            .keys
            .iter()
            .map(|k| {
                let row = self.state.row(k).expect("row");
                (k.1.clone(), row.cells.iter().map(|c| c.display(self.state.now)).collect())
            })
            .collect()
    }
}

async fn headless(session: mosaic::cluster::Session, scope: Scope) -> Headless {
    let info = context_info(&session, false);
    let mut state = State::new(info, scope, jiff::Timestamp::now());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runtime = Runtime::new(session, tx, false);
    for effect in update(&mut state, Msg::Tick) {
        runtime.execute(effect);
    }
    Headless { state, runtime, rx }
}

#[tokio::test]
async fn a_crd_list_shows_its_printer_columns() {
    let (_sim, session, _dir) = demo().await;
    let mut app = headless(session, Scope::All).await;
    app.type_command("certificates.cert-manager.io");
    app.until("certificates", |s| s.index.keys.len() == 2).await;
    let titles: Vec<&str> = app.state.columns().iter().map(|c| c.title).collect();
    assert_eq!(titles, ["READY", "SECRET", "AGE"], "printer columns of priority 0, without NAME");
    let rows = app.cells();
    assert_eq!(rows[0].0, "ledger-mtls");
    assert_eq!(rows[0].1[..2], ["False".to_string(), "ledger-mtls".to_string()]);
    assert_eq!(rows[1].1[..2], ["True".to_string(), "storefront-tls".to_string()]);
    assert_eq!(rows[1].1[2], "14d", "ages are live, from the creation time");
    let plan = app.state.view_action().plan(&app.state.plan_ctx());
    assert!(plan.command.ends_with("get certificates.cert-manager.io -A"), "{}", plan.command);
}

#[tokio::test]
async fn typed_kinds_list_and_drill_down_by_selector() {
    let (_sim, session, _dir) = demo().await;
    let mut app = headless(session, Scope::Namespace("shop".into())).await;
    app.type_command("netpol");
    app.until("network policies", |s| !s.index.keys.is_empty()).await;
    assert_eq!(app.cells()[0].1[..2], ["app=storefront".to_string(), "Ingress".to_string()]);
    let plan = app.state.view_action().plan(&app.state.plan_ctx());
    assert!(plan.command.ends_with("-n shop get networkpolicies"), "{}", plan.command);

    app.type_command("deploy");
    app.until("deployments", |s| s.index.keys.iter().any(|k| k.1 == "cart")).await;
    let pos = app.state.index.keys.iter().position(|k| k.1 == "cart").expect("cart");
    app.state.select(pos);
    app.send(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)));
    app.until("replicasets of cart", |s| s.view.kind == Kind::ReplicaSet && !s.index.keys.is_empty()).await;
    assert!(app.state.index.keys.iter().all(|k| k.1.starts_with("cart-")), "{:?}", app.state.index.keys);
    let plan = app.state.view_action().plan(&app.state.plan_ctx());
    assert!(plan.command.contains("get replicasets -l app=cart"), "{}", plan.command);
    app.send(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter)));
    app.until("pods of the replicaset", |s| s.view.kind == Kind::Pod && s.index.keys.len() == 2).await;
    app.send(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('o'))));
    assert_eq!(app.state.view.kind, Kind::ReplicaSet, "o jumps to the owner");
}

#[tokio::test]
async fn the_related_tree_shows_owners_selectors_and_mounts() {
    let (_sim, session, _dir) = demo().await;
    let mut app = headless(session, Scope::Namespace("shop".into())).await;
    app.until("pods", |s| s.index.keys.iter().any(|k| k.1.starts_with("cart-"))).await;
    let pos = app.state.index.keys.iter().position(|k| k.1.starts_with("cart-")).expect("a cart pod");
    app.state.select(pos);
    app.send(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('R'))));
    let has = |s: &State, line: &str| s.pane.as_ref().is_some_and(|p| p.lines.iter().any(|l| l.trim() == line));
    app.until("the tree", |s| has(s, "└ Deployment cart") && has(s, "Service cart")).await;
    let pane = app.state.pane.as_ref().expect("pane");
    assert!(pane.title.starts_with("Related objects of pod cart-"), "{}", pane.title);
    assert!(pane.lines.iter().any(|l| l.trim().starts_with("└ ReplicaSet cart-")), "{:?}", pane.lines);
    app.send(Msg::Key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Esc)));
    assert!(app.state.pane.is_none() && app.state.related.is_none(), "Esc closes it for good");
}
