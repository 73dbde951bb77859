//! sim layer
//!
//! The simulated cluster: a Kubernetes API server on 127.0.0.1 for tests, benchmarks and `mosaic demo`.
pub mod types;
