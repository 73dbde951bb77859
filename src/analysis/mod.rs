//! The analysis layer: pure functions over Kubernetes objects. No I/O.
pub mod health;

pub use health::Health;
