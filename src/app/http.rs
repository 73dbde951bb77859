//! The HTTP sender (`H` on a pod or Service row): a small form — method, path, headers, body — whose request
//! is sent with curl from a one-off probe pod, and a pane with the answer's status, headers and body. Every
//! request goes into the app's history in the store; `Ctrl-r` lists it and Enter replays one.
use crossterm::event::{KeyCode, KeyEvent};
use k8s_openapi::api::core::v1::{Pod, Service};
use kube::ResourceExt;
use ratatui_textarea::TextArea;

use super::keymap::Command;
use super::{Effect, State};
use crate::action::{HttpExchange, HttpSend};
use crate::cluster::Kind;
use crate::store::HttpRecord;

/// The form's fields, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Method,
    Path,
    Headers,
    Body,
}

impl Field {
    fn next(self) -> Field {
        match self {
            Field::Method => Field::Path,
            Field::Path => Field::Headers,
            Field::Headers => Field::Body,
            Field::Body => Field::Method,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Field::Method => "Method",
            Field::Path => "Path",
            Field::Headers => "Headers (one per line, Name: value)",
            Field::Body => "Body",
        }
    }
}

/// What the answer pane shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Sending,
    Got(HttpExchange),
    Failed(String),
}

/// The sender's state while it is open.
#[derive(Debug, Clone)]
pub struct HttpSender {
    pub namespace: String,
    /// `service/storefront` or `pod/web-1`: the history is kept per app.
    pub app: String,
    /// `http://storefront.shop.svc.cluster.local:80`: the path is appended.
    pub base_url: String,
    pub method: TextArea<'static>,
    pub path: TextArea<'static>,
    pub headers: TextArea<'static>,
    pub body: TextArea<'static>,
    pub focus: Field,
    pub answer: Option<Answer>,
    pub history: Vec<HttpRecord>,
    /// `Some(selected)` while the history list is shown.
    pub history_open: Option<usize>,
}

/// Messages from the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpMsg {
    Answer(Result<HttpExchange, String>),
    History(Vec<HttpRecord>),
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpEffect {
    /// Send from a probe pod in `namespace` (the runtime picks the image from config.yaml), then record it.
    Send {
        namespace: String,
        app: String,
        request: HttpSend,
    },
    LoadHistory {
        context: String,
        namespace: String,
        app: String,
    },
}

/// A one-line field with the cursor at its end, ready to type on.
fn line(text: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![text.to_string()]);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

impl HttpSender {
    pub fn new(namespace: &str, app: &str, base_url: &str) -> HttpSender {
        HttpSender {
            namespace: namespace.into(),
            app: app.into(),
            base_url: base_url.trim_end_matches('/').into(),
            method: line("GET"),
            path: line("/"),
            headers: TextArea::default(),
            body: TextArea::default(),
            focus: Field::Path,
            answer: None,
            history: Vec::new(),
            history_open: None,
        }
    }

    /// The request the form describes.
    pub fn request(&self) -> HttpSend {
        let method = self.method.lines().join("").trim().to_ascii_uppercase();
        let path = self.path.lines().join("").trim().to_string();
        let path = if path.starts_with('/') { path } else { format!("/{path}") };
        HttpSend {
            method: if method.is_empty() { "GET".into() } else { method },
            url: format!("{}{path}", self.base_url),
            headers: HttpSend::parse_headers(&self.headers.lines().join("\n")),
            body: self.body.lines().join("\n").trim_end_matches('\n').to_string(),
        }
    }

    /// Fill the form from a request in the history.
    fn load(&mut self, record: &HttpRecord) {
        self.method = line(&record.method);
        let path = record.url.strip_prefix(&self.base_url).unwrap_or(&record.url);
        self.path = line(if path.is_empty() { "/" } else { path });
        let headers: Vec<String> = record.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        self.headers = TextArea::new(if headers.is_empty() { vec![String::new()] } else { headers });
        self.body = TextArea::new(record.body.lines().map(str::to_string).collect());
    }

    pub fn field(&self, field: Field) -> &TextArea<'static> {
        match field {
            Field::Method => &self.method,
            Field::Path => &self.path,
            Field::Headers => &self.headers,
            Field::Body => &self.body,
        }
    }

    fn field_mut(&mut self, field: Field) -> &mut TextArea<'static> {
        match field {
            Field::Method => &mut self.method,
            Field::Path => &mut self.path,
            Field::Headers => &mut self.headers,
            Field::Body => &mut self.body,
        }
    }
}

/// `H` on a pod or Service row: open the form aimed at it, and load its history.
pub fn open(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(key) = state.selected().cloned() else { return };
    let target = match state.view.kind {
        Kind::Service => {
            state.services.get(&state.scopes_for(Kind::Service), &key).and_then(|e| e.object()).map(|svc: Service| {
                let port = svc.spec.as_ref().and_then(|s| s.ports.as_ref()).and_then(|p| p.first()).map(|p| p.port);
                let ns = svc.namespace().unwrap_or_default();
                let url = format!("http://{}.{ns}.svc.cluster.local:{}", svc.name_any(), port.unwrap_or(80));
                (ns, format!("service/{}", svc.name_any()), url)
            })
        }
        Kind::Pod => state.selected_pod().and_then(|pod: Pod| {
            let ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone())?;
            let port = pod
                .spec
                .as_ref()
                .and_then(|s| {
                    s.containers.iter().flat_map(|c| c.ports.iter().flatten()).next().map(|p| p.container_port)
                })
                .unwrap_or(80);
            Some((
                pod.namespace().unwrap_or_default(),
                format!("pod/{}", pod.name_any()),
                format!("http://{ip}:{port}"),
            ))
        }),
        _ => None,
    };
    let Some((namespace, app, url)) = target else {
        state.flash("This pod has no IP yet, so there is nothing to send a request to", true);
        return;
    };
    open_at(state, effects, &namespace, &app, &url);
}

/// Open the form aimed at `url` (`app` is `service/NAME` or `pod/NAME`), and load its history.
pub fn open_at(state: &mut State, effects: &mut Vec<Effect>, namespace: &str, app: &str, url: &str) {
    let (namespace, app) = (namespace.to_string(), app.to_string());
    effects.push(Effect::Http(HttpEffect::LoadHistory {
        context: state.context.context.clone(),
        namespace: namespace.clone(),
        app: app.clone(),
    }));
    state.http = Some(HttpSender::new(&namespace, &app, url));
}

/// A key while the sender is open. `command` is what the keymap says; anything else is typing.
pub fn on_key(state: &mut State, key: KeyEvent, command: Option<Command>, effects: &mut Vec<Effect>) {
    let Some(sender) = state.http.as_mut() else { return };
    if let Some(selected) = sender.history_open {
        match (command, key.code) {
            (Some(Command::Cancel | Command::History), _) => sender.history_open = None,
            (_, KeyCode::Down) => {
                sender.history_open = Some((selected + 1).min(sender.history.len().saturating_sub(1)))
            }
            (_, KeyCode::Up) => sender.history_open = Some(selected.saturating_sub(1)),
            (_, KeyCode::Enter) => {
                if let Some(record) = sender.history.get(selected).cloned() {
                    sender.load(&record);
                    sender.history_open = None;
                    send(state, effects);
                }
            }
            _ => {}
        }
        return;
    }
    match command {
        Some(Command::Cancel) => state.http = None,
        Some(Command::Submit) => send(state, effects),
        Some(Command::NextField) => sender.focus = sender.focus.next(),
        Some(Command::History) => {
            sender.history_open = if sender.history.is_empty() { None } else { Some(0) };
            if sender.history.is_empty() {
                state.flash("No request sent from here yet", false);
            }
        }
        _ if key.code == KeyCode::Enter && matches!(sender.focus, Field::Method | Field::Path) => send(state, effects),
        _ => {
            let focus = sender.focus;
            sender.field_mut(focus).input(key);
        }
    }
}

fn send(state: &mut State, effects: &mut Vec<Effect>) {
    let Some(sender) = state.http.as_mut() else { return };
    if sender.answer == Some(Answer::Sending) {
        return;
    }
    sender.answer = Some(Answer::Sending);
    effects.push(Effect::Http(HttpEffect::Send {
        namespace: sender.namespace.clone(),
        app: sender.app.clone(),
        request: sender.request(),
    }));
}

pub fn on_msg(state: &mut State, msg: HttpMsg) {
    let Some(sender) = state.http.as_mut() else { return };
    match msg {
        HttpMsg::Answer(Ok(exchange)) => sender.answer = Some(Answer::Got(exchange)),
        HttpMsg::Answer(Err(message)) => sender.answer = Some(Answer::Failed(message)),
        HttpMsg::History(records) => sender.history = records,
    }
}
