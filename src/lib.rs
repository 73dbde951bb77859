//! mosaic: a Kubernetes copilot for the terminal.
//!
//! The layers follow `docs/ARCHITECTURE.md`: `app` owns the state and the update loop, `ui` renders it,
//! `cluster` talks to the API server, `analysis` is pure, `action` is every change to the cluster,
//! `store` is SQLite on its own thread, and `sim` is the simulated API server used by tests and `mosaic demo`.
pub mod action;
pub mod analysis;
pub mod app;
pub mod bindings_cmd;
pub mod cli;
pub mod clipboard;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod explain_cmd;
pub mod git;
pub mod logging;
pub mod paths;
pub mod runtime;
pub mod shell;
pub mod sim;
pub mod store;
pub mod transcript;
pub mod tui;
pub mod ui;
