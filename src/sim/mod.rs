//! sim layer
//!
//! The simulated cluster: a Kubernetes API server on 127.0.0.1 for tests, benchmarks and `mosaic demo`.
pub mod server;
#[cfg(test)]
pub(crate) mod settled;
pub mod types;
pub mod world;
pub use server::{Flavour, RecordedRequest, SimHandle, SimOptions, SimServer};
pub use world::{Scenario, reconcile};
