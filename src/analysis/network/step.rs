//! What one wizard step reports: why it matters, what it read, its verdict, and how to check it yourself.

/// The steps, in the order the wizard runs them: the static ones, then the active probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepId {
    Service,
    Selector,
    Readiness,
    Endpoints,
    Ports,
    NetworkPolicies,
    Dns,
    Ingress,
    /// The active probe: a pod of ours curls the Service and its pods.
    Probe,
}

/// A step's verdict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict", content = "reason")]
pub enum Verdict {
    Pass,
    Fail,
    Warn,
    /// The step could not run; the reason says why (a permission, a missing prerequisite).
    CouldNotCheck(String),
    /// The step was not judged because an earlier step failed in a way that decides it (no pod is Ready, so
    /// the ports cannot be told right or wrong); the reason names that finding. Never a cause of its own.
    NotChecked(String),
}

/// One value the step read, with the field path that holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// `service/billing spec.selector`, `pod/web-1 status.conditions[Ready]`, …
    pub field: String,
    pub value: String,
}

impl Evidence {
    pub fn new(field: impl Into<String>, value: impl Into<String>) -> Evidence {
        Evidence { field: field.into(), value: value.into() }
    }
}

/// What a failing (or warning) step found, for the diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cause {
    /// The root cause in one sentence.
    pub root_cause: String,
    /// The fix: the exact field to change.
    pub fix: String,
    /// A copyable command or patch that applies the fix, where one exists.
    pub command: Option<String>,
}

/// One step of the network wizard.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub id: StepId,
    pub title: String,
    /// Why this step matters, in one or two sentences.
    pub why: String,
    /// What the step found, in one sentence.
    pub summary: String,
    /// What it read: field paths and values.
    pub checked: Vec<Evidence>,
    pub verdict: Verdict,
    /// Commands to check it yourself, shell-quoted.
    pub kubectl: Vec<String>,
    pub doc_url: String,
    /// Set on `Fail` (and on a `Warn` worth fixing).
    pub cause: Option<Cause>,
}
