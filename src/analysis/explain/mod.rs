//! Answers "why is my pod not working?" in plain words: pure functions, no I/O.
//!
//! - [`catalogue`]: every status reason, event reason and exit code mosaic can explain, as a reviewable table
//!   of data, with the next check, its kubectl line and a documentation link;
//! - [`scheduling`]: the scheduler's `0/N nodes are available: …` message, split into its parts;
//! - [`diagnose`]: the one-line verdict on a pod and the findings behind it, each with its evidence;
//! - [`timeline`]: a pod's events, condition transitions and container states, merged in time order;
//! - [`app`]: the same for a Deployment: rollout progress, failing pods, and one verdict on the app;
//! - [`workload`]: the same for a StatefulSet or a DaemonSet.
pub mod app;
pub mod catalogue;
pub mod diagnose;
pub mod event;
pub mod probe;
pub mod quantity;
pub mod scheduling;
pub mod timeline;
pub mod workload;

pub use app::{AppPod, AppTimeline, Revision, app_timeline};
pub use catalogue::{Entry, Explanation, Pattern, Severity, Subject, Vars, explain, explain_exit_code};
pub use diagnose::{Diagnosis, Finding, Related, Verdict, diagnose};
pub use event::PodEvent;
pub use scheduling::{Misfit, SchedulingFailure};
pub use timeline::{TimelineEntry, TimelineKind, pod_timeline};
pub use workload::{WorkloadRevision, WorkloadTimeline, daemonset_timeline, statefulset_timeline};

#[cfg(test)]
mod fixtures;
