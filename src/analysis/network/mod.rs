//! Network diagnosis: why traffic does not reach a Service. Pure functions over a snapshot of objects; the
//! wizard pane, the probes and `mosaic diagnose` call them.
//!
//! - [`policy`]: a NetworkPolicy evaluator (does this source reach these pods on this port?);
//! - [`steps`]: the static checks, each a [`Step`] with its evidence, verdict and kubectl commands;
//! - [`diagnosis`]: the root cause and fix drawn from the steps.
pub mod diagnosis;
pub mod labels;
pub mod policy;
pub mod probe;
pub mod snapshot;
pub mod source;
pub mod step;
pub mod steps;
pub mod unreadable;

pub use diagnosis::{Diagnosis, Outcome, diagnose};
pub use policy::{Decision, Destination, Peer, PortRef, evaluate};
pub use probe::{
    ProbeOutcome, ProbeResults, ProbeStage, ProbeTarget, TargetResult, probe_not_run_step, probe_step, probe_targets,
};
pub use snapshot::{NetSnapshot, Question, endpoint_slice_from_v1beta1};
pub use source::{SOURCE_FORMS, parse_source, source_flag};
pub use step::{Cause, Evidence, Step, StepId, Verdict};
pub use steps::run_static_steps;
pub use unreadable::{Unreadable, note_unreadable};

#[cfg(test)]
mod demo_tests;
