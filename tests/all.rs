//! Every integration test of mosaic in one test binary: one link instead of one per file keeps the build
//! small and fast on CI. Each module is one area; its own doc comment says which tier it belongs to
//! (2: render snapshots, 3: API tests against the simulated cluster, 4: end-to-end tests of the binary).
mod support;

mod actions;
mod apps_actions_api;
mod bindings_cli;
mod cluster_api;
mod diagnose_json;
mod e2e;
mod e2e_apps_build;
mod e2e_editor;
mod e2e_faults;
mod e2e_http;
mod e2e_kind_ops;
mod e2e_kinds;
mod e2e_shell;
mod e2e_wizard;
mod e2e_workspaces;
mod editor;
mod exec;
mod explain_api;
mod faults;
mod git;
mod kind_ops_api;
mod kinds_api;
mod logs;
mod operations;
mod pipeline;
mod probes;
mod render;
mod render_app_history;
mod render_apps_build;
mod render_editor;
mod render_faults;
mod render_http;
mod render_kind_ops;
mod render_kinds;
mod render_timeline;
mod render_wizard;
mod render_workspaces;
mod sim_exec;
mod sim_server;
mod sim_world;
mod store;
mod themes;
mod wizard_api;
