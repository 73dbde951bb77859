//! The cluster layer: kubeconfig and contexts, the client, watches, and permission answers.
pub mod client;
pub mod discovery;
pub mod errors;
pub mod kinds;
pub mod kubeconfig;
pub mod logs;
pub mod network;
pub mod rbac;
pub mod resources;
pub mod scope;
pub mod secret_values;
pub mod table_watch;
pub mod watch;

pub use client::{ConnectProblem, Session, connect};
pub use errors::Failure;
pub use kinds::Kind;
pub use kubeconfig::{ConnectOptions, KubeTarget, KubeconfigProblem};
pub use scope::Scope;
pub use watch::{WatchState, WatchUpdate};
