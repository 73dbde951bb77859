//! Flags and subcommands, as kubectl users expect them.
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  mosaic                          Open the current context and namespace
  mosaic -n shop                  Open namespace shop
  mosaic -A --context prod        Every namespace of context prod
  mosaic --kubeconfig ./kc.yaml   Use another kubeconfig (KUBECONFIG with several files works too)
  mosaic demo                     Try mosaic on a built-in simulated cluster
  mosaic diagnose svc/web -n shop Why does traffic not reach Service web? (exit 0 flows, 2 cause, 3 unsure)
  mosaic faults -A                Everything broken in the cluster, ranked, each with its verdict
  mosaic demo --serve             Only serve the simulated cluster, for kubectl and mosaic to share

Inside mosaic: ':' opens the command palette (:pods :deploy :svc :events :faults :ns NAME :ctx NAME :q),
'/' filters, '?' shows every key.";

#[derive(Debug, Parser)]
#[command(name = "mosaic", version, about = "A Kubernetes copilot for the terminal", after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// The kubeconfig context to use (default: the current context)
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The namespace to open (default: the context's namespace)
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Show every namespace
    #[arg(short = 'A', long = "all-namespaces", global = true)]
    pub all_namespaces: bool,
    /// A kubeconfig file (default: KUBECONFIG, then ~/.kube/config)
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Colour theme: dark, light, high-contrast, or one of yours in the config dir
    #[arg(long, global = true, default_value = "dark", env = "MOSAIC_THEME")]
    pub theme: String,
    /// Change nothing: every action that would modify the cluster is refused (also `readonly: true` in config)
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Where mosaic keeps its database (default: the platform data dir)
    #[arg(long, global = true, env = "MOSAIC_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the built-in simulated cluster (a small shop, some apps broken) and open mosaic on it
    Demo(DemoArgs),
    /// Why is this pod or app not working? Its verdict, the findings behind it, and its timeline (exit code 2
    /// when something is wrong)
    Explain {
        /// pod/NAME, deploy/NAME, sts/NAME or ds/NAME
        target: String,
        /// text, markdown or json
        #[arg(long, short = 'o', default_value = "text", value_parser = ["text", "markdown", "md", "json"])]
        output: String,
    },
    /// Why does traffic not reach this Service? The network wizard's checks, headless (exit code 0 traffic
    /// should flow, 2 a cause was found, 3 could not decide)
    Diagnose {
        /// svc/NAME
        target: String,
        /// The Service port to check, by number or name (default: every port)
        #[arg(long)]
        port: Option<String>,
        /// Where the traffic comes from, for the NetworkPolicy check: NS/LABEL=VALUE[,LABEL=VALUE] (pods with
        /// these labels), NS (any pod in it) or any-pod (default: any pod of the Service's namespace)
        #[arg(long, value_name = "SOURCE")]
        from: Option<String>,
        /// Also run the active probe: a one-off pod in the namespace curls the Service and its pods (needs
        /// `create pods`; the pod is deleted when done)
        #[arg(long)]
        probe: bool,
        /// text, markdown or json (see docs/json/diagnose.md)
        #[arg(long, short = 'o', default_value = "text", value_parser = ["text", "markdown", "md", "json"])]
        output: String,
    },
    /// Everything with a problem in the namespace (-n) or the whole cluster (-A), ranked by severity, each with
    /// its one-line verdict (exit code 2 when there is a fault)
    Faults {
        /// text, markdown or json (docs/json/faults.md)
        #[arg(long, short = 'o', default_value = "text", value_parser = ["text", "markdown", "md", "json"])]
        output: String,
    },
    /// The record of what mosaic did: every action, its kubectl line and how it ended
    #[command(subcommand)]
    Transcript(TranscriptCommand),
    /// Which git repo and image repository each app is bound to, shared as YAML (per context)
    #[command(subcommand)]
    Bindings(BindingsCommand),
}

#[derive(Debug, Subcommand)]
pub enum BindingsCommand {
    /// Write the bindings of the context (--context, else the current one) as YAML
    Export {
        /// Write to this file instead of standard output
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
    /// Read bindings from a YAML file into its context (or --context), replacing those of the same apps
    Import {
        /// A file written by `mosaic bindings export`
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TranscriptCommand {
    /// List the sessions that took actions
    List,
    /// Write a session's transcript as markdown or as a shell script that replays what succeeded
    Export {
        /// markdown or sh
        #[arg(long, short = 'f', default_value = "markdown", value_parser = ["markdown", "md", "sh", "shell"])]
        format: String,
        /// Which session (default: the latest); see `mosaic transcript list`
        #[arg(long)]
        session: Option<String>,
        /// Write to this file instead of standard output
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Only serve the simulated cluster and print a kubeconfig for kubectl and mosaic; Ctrl-C stops it
    #[arg(long)]
    pub serve: bool,
    /// Port on 127.0.0.1 (default: any free port)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Which demo user to be: admin (everything) or dev (reads only the shop namespace)
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// Serve this scenario file instead of the built-in shop
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Serve the discovery of an older (v1.19) API server
    #[arg(long)]
    pub old_server: bool,
}
