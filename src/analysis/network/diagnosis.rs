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

/// The causal order: the earliest failing step explains the ones after it. No Service → a selector that
/// matches nothing → no pod Ready → no ready endpoints → ports that do not line up → a NetworkPolicy → DNS.
/// A later step that an earlier failure decides says "not checked" instead of a cause of its own (the ports of
/// pods that are not Ready); where a later finding explains an earlier one (a named targetPort the pods lack
/// empties the endpoints), the earlier step carries the later one's fix.
///
/// The active probe comes after every static step that can explain its failure: when the selector, the ports,
/// readiness, a NetworkPolicy or DNS is wrong, the probe fails *because* of it, and the static step names the
/// exact field (the probe can only say "timed out" or "refused"). It comes before Ingress, which concerns traffic
/// from outside and explains nothing the probe sees inside the cluster: a failing probe with only an Ingress
/// problem means traffic inside the cluster does not arrive either, the stronger finding.
const PRIORITY: [StepId; 9] = [
    StepId::Service,
    StepId::Selector,
    StepId::Readiness,
    StepId::Endpoints,
    StepId::Ports,
    StepId::NetworkPolicies,
    StepId::Dns,
    StepId::Probe,
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
    // A probe whose requests were all answered settles what the static steps could not read.
    let probed = steps.iter().any(|s| s.id == StepId::Probe && s.verdict == Verdict::Pass);
    // A probe that could not run leaves the static answer as it is, and says so below it.
    let unchecked: Vec<String> = steps
        .iter()
        .filter(|s| s.id != StepId::Probe)
        .filter_map(|s| match &s.verdict {
            // Not checked only ever follows a failure, handled above; were it alone, it is not decided either.
            Verdict::CouldNotCheck(reason) | Verdict::NotChecked(reason) => Some(format!("{}: {reason}", s.title)),
            _ => None,
        })
        .collect();
    let mut warnings: Vec<String> = steps
        .iter()
        .filter(|s| s.verdict == Verdict::Warn)
        .map(|s| s.cause.as_ref().map_or_else(|| s.summary.clone(), |c| c.root_cause.clone()))
        .collect();
    warnings.extend(steps.iter().filter(|s| s.id == StepId::Probe).filter_map(|s| match &s.verdict {
        Verdict::CouldNotCheck(reason) => Some(format!("The active probe could not run: {reason}")),
        _ => None,
    }));
    if probed {
        let mut also = warnings;
        also.extend(unchecked.into_iter().map(|u| format!("Not checked: {u}")));
        return Diagnosis {
            outcome: Outcome::TrafficShouldFlow,
            step: None,
            root_cause: "The probe's requests reached the Service and each of its ready pods: traffic flows."
                .to_string(),
            fix: "Nothing to fix in the network. If a client still fails, look at that client: its namespace, \
                  its NetworkPolicies, the name and port it uses."
                .to_string(),
            command: None,
            also,
            further_reading: further_reading(None),
        };
    }
    let probe_tried = steps.iter().any(|s| s.id == StepId::Probe);
    if !unchecked.is_empty() {
        return Diagnosis {
            outcome: Outcome::Undecided,
            step: None,
            root_cause: format!(
                "No cause found in the checks that ran, but {} could not run: {}.",
                if unchecked.len() == 1 { "one".to_string() } else { unchecked.len().to_string() },
                unchecked.join("; ")
            ),
            fix: if probe_tried {
                "Ask for the missing permissions.".to_string()
            } else {
                "Ask for the missing permissions, or run the active probes to test the connection itself.".to_string()
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::network::step::Cause;

    fn step(id: StepId, verdict: Verdict) -> Step {
        let cause = (verdict == Verdict::Fail).then(|| Cause {
            root_cause: format!("{id:?} is the cause"),
            fix: format!("fix {id:?}"),
            command: None,
        });
        Step {
            id,
            title: format!("{id:?}"),
            why: String::new(),
            summary: format!("{id:?} summary"),
            checked: Vec::new(),
            verdict,
            kubectl: Vec::new(),
            doc_url: format!("https://docs/{id:?}"),
            cause,
        }
    }

    #[test]
    fn the_earliest_failing_step_in_the_causal_order_is_the_root_cause() {
        let order = [
            StepId::Service,
            StepId::Selector,
            StepId::Readiness,
            StepId::Endpoints,
            StepId::Ports,
            StepId::NetworkPolicies,
            StepId::Dns,
        ];
        for (i, earlier) in order.iter().enumerate() {
            for later in &order[i + 1..] {
                // Listed in either order, the earlier step wins and the later one is "also".
                for steps in [
                    [step(*later, Verdict::Fail), step(*earlier, Verdict::Fail)],
                    [step(*earlier, Verdict::Fail), step(*later, Verdict::Fail)],
                ] {
                    let d = diagnose(&steps);
                    assert_eq!(d.step, Some(*earlier), "{earlier:?} before {later:?}");
                    assert_eq!(d.also, [format!("{later:?} is the cause")]);
                }
            }
        }
    }

    #[test]
    fn a_step_not_checked_after_a_failure_adds_nothing_to_the_diagnosis() {
        let skipped = Verdict::NotChecked("no pod is Ready (see the readiness step)".into());
        let steps = [step(StepId::Readiness, Verdict::Fail), step(StepId::Ports, skipped.clone())];
        let d = diagnose(&steps);
        assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::Readiness)));
        assert!(d.also.is_empty(), "{:?}", d.also);
        // Alone (which the steps never produce), it decides nothing.
        assert_eq!(diagnose(&[step(StepId::Ports, skipped)]).outcome, Outcome::Undecided);
    }

    #[test]
    fn a_static_cause_is_named_before_the_probe_that_it_explains() {
        let steps = [step(StepId::NetworkPolicies, Verdict::Fail), step(StepId::Probe, Verdict::Fail)];
        let d = diagnose(&steps);
        assert_eq!((d.outcome, d.step), (Outcome::CauseFound, Some(StepId::NetworkPolicies)));
        assert_eq!(d.also, ["Probe is the cause"]);
    }

    #[test]
    fn a_failing_probe_comes_before_an_ingress_problem() {
        let steps = [step(StepId::Ingress, Verdict::Fail), step(StepId::Probe, Verdict::Fail)];
        assert_eq!(diagnose(&steps).step, Some(StepId::Probe));
        let steps = [step(StepId::Service, Verdict::Pass), step(StepId::Probe, Verdict::Fail)];
        let d = diagnose(&steps);
        assert_eq!((d.outcome, d.root_cause.as_str()), (Outcome::CauseFound, "Probe is the cause"));
    }

    #[test]
    fn a_passing_probe_settles_what_could_not_be_read() {
        let unread = Verdict::CouldNotCheck("may not list networkpolicies".into());
        let steps = [step(StepId::NetworkPolicies, unread.clone()), step(StepId::Probe, Verdict::Pass)];
        let d = diagnose(&steps);
        assert_eq!(d.outcome, Outcome::TrafficShouldFlow, "{d:#?}");
        assert!(d.root_cause.contains("traffic flows"), "{}", d.root_cause);
        assert_eq!(d.also, ["Not checked: NetworkPolicies: may not list networkpolicies"]);
        // Without the probe, the same step leaves it undecided.
        assert_eq!(diagnose(&steps[..1]).outcome, Outcome::Undecided);
    }

    #[test]
    fn a_probe_that_could_not_run_keeps_the_static_answer_and_says_so() {
        let refused = Verdict::CouldNotCheck("User \"dev\" may not create pods".into());
        let steps = [step(StepId::Service, Verdict::Pass), step(StepId::Probe, refused)];
        let d = diagnose(&steps);
        assert_eq!(d.outcome, Outcome::TrafficShouldFlow, "{d:#?}");
        assert_eq!(d.also, ["The active probe could not run: User \"dev\" may not create pods"]);
        let steps = [step(StepId::Dns, Verdict::CouldNotCheck("no kube-system".into())), steps[1].clone()];
        let d = diagnose(&steps);
        assert_eq!(d.outcome, Outcome::Undecided);
        assert_eq!(d.fix, "Ask for the missing permissions.", "the probe was tried already");
    }
}
