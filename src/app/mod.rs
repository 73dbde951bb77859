//! The app layer: the state, the messages that change it, the effects it asks for, and the keymap.
#[macro_use]
mod macros;

pub mod actions;
pub mod cache;
pub mod describe;
pub mod exec;
pub mod http;
pub mod keymap;
pub mod logs;
pub mod msg;
pub mod palette;
pub mod rows;
pub mod state;
pub mod update;

pub use msg::{Data, Effect, Msg};
pub use state::{ContextInfo, Mode, State};
pub use update::update;
