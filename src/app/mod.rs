//! The app layer: the state, the messages that change it, the effects it asks for, and the keymap.
#[macro_use]
mod macros;

pub mod actions;
pub mod browse;
pub mod cache;
pub mod describe;
pub mod drill;
pub mod editor;
pub mod exec;
pub mod faults;
pub mod http;
pub mod keymap;
pub mod kind_ops;
pub mod kind_rows;
pub mod kinds;
pub mod logs;
pub mod msg;
pub mod object_pane;
pub mod palette;
pub mod plan_pane;
pub mod related;
pub mod rows;
pub mod state;
pub mod timeline;
pub mod update;
pub mod wizard;
pub mod wizard_source;
pub mod workspaces;

pub use msg::{Data, Effect, Msg};
pub use state::{ContextInfo, ListView, Mode, State};
pub use update::update;
