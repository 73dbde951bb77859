//! Shared by the integration tests: a pseudo-terminal harness and the in-process simulated cluster for the
//! end-to-end tests, sessions and the headless app loop for the API tests, and the TestBackend screen of the
//! render tests.
#![allow(dead_code)]
pub mod cluster;
pub mod headless;
pub mod json_schema;
pub mod plans;
pub mod pty;
pub mod screen;
pub mod session;
pub mod workspaces;
