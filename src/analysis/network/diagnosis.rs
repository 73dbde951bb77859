//! The wizard's conclusion: the root cause in one sentence, the fix, and further reading.

use super::step::{Step, StepId, Verdict};

/// What the steps add up to. `mosaic diagnose` exits with [`Outcome::exit_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    TrafficShouldFlow,
    CauseFound,
    Undecided,
}

impl Outcome {
    /// 0 when traffic should flow, 2 when a cause was found, 3 when it could not be decided.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::TrafficShouldFlow => 0,
            Outcome::CauseFound => 2,
            Outcome::Undecided => 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnosis {
    pub outcome: Outcome,
    /// The step the root cause comes from.
    pub step: Option<StepId>,
    /// One sentence.
    pub root_cause: String,
    /// The exact field to change.
    pub fix: String,
    /// A copyable command or patch, where one exists.
    pub command: Option<String>,
    /// Other problems the steps found, one sentence each.
    pub also: Vec<String>,
    pub further_reading: Vec<String>,
}

/// Which failing step explains the others: a Service that matches no pod also has no ready pods and no
/// endpoints, and a named targetPort the pods lack empties the endpoints too, so those come first.
const PRIORITY: [StepId; 8] = [
    StepId::Service,
    StepId::Selector,
    StepId::Ports,
    StepId::Readiness,
    StepId::Endpoints,
    StepId::NetworkPolicies,
    StepId::Dns,
    StepId::Ingress,
];

pub fn diagnose(steps: &[Step]) -> Diagnosis {
    let rank = |s: &&Step| PRIORITY.iter().position(|id| *id == s.id).unwrap_or(PRIORITY.len());
    let mut failed: Vec<&Step> = steps.iter().filter(|s| s.verdict == Verdict::Fail).collect();
    failed.sort_by_key(rank);
    let further_reading = |main: Option<&Step>| {
        let mut urls: Vec<String> = main.map(|s| s.doc_url.clone()).into_iter().collect();
        urls.extend(
            ["https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/"].iter().map(|u| u.to_string()),
        );
        urls.dedup();
        urls
    };
    if let Some(main) = failed.first() {
        let also: Vec<String> = failed[1..]
            .iter()
            .map(|s| s.cause.as_ref().map_or_else(|| s.summary.clone(), |c| c.root_cause.clone()))
            .collect();
        let (root_cause, fix, command) = match &main.cause {
            Some(c) => (c.root_cause.clone(), c.fix.clone(), c.command.clone()),
            None => (main.summary.clone(), String::new(), None),
        };
        return Diagnosis {
            outcome: Outcome::CauseFound,
            step: Some(main.id),
            root_cause,
            fix,
            command,
            also,
            further_reading: further_reading(Some(main)),
        };
    }
    let unchecked: Vec<String> = steps
        .iter()
        .filter_map(|s| match &s.verdict {
            Verdict::CouldNotCheck(reason) => Some(format!("{}: {reason}", s.title)),
            _ => None,
        })
        .collect();
    let warnings: Vec<String> = steps
        .iter()
        .filter(|s| s.verdict == Verdict::Warn)
        .map(|s| s.cause.as_ref().map_or_else(|| s.summary.clone(), |c| c.root_cause.clone()))
        .collect();
    if !unchecked.is_empty() {
        return Diagnosis {
            outcome: Outcome::Undecided,
            step: None,
            root_cause: format!(
                "No cause found in the checks that ran, but {} could not run: {}.",
                if unchecked.len() == 1 { "one".to_string() } else { unchecked.len().to_string() },
                unchecked.join("; ")
            ),
            fix: "Ask for the missing permissions, or run the active probes to test the connection itself.".to_string(),
            command: None,
            also: warnings,
            further_reading: further_reading(None),
        };
    }
    Diagnosis {
        outcome: Outcome::TrafficShouldFlow,
        step: None,
        root_cause: "Every static check passed: traffic should reach the Service's pods.".to_string(),
        fix: if warnings.is_empty() {
            "Nothing to fix here. If it still fails, run the active probes: the app itself may not answer.".to_string()
        } else {
            "Nothing blocks the traffic; the warnings below are worth a look.".to_string()
        },
        command: None,
        also: warnings,
        further_reading: further_reading(None),
    }
}
