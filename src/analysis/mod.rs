//! The analysis layer: pure functions over Kubernetes objects. No I/O.
pub mod age;
pub mod explain;
pub mod faults;
pub mod health;
pub mod network;
pub mod pod_status;
pub mod rollout;
pub mod secret_mask;
pub mod secret_values;
pub mod selector;
pub mod summary;

pub use age::{human_age, human_duration};
pub use health::Health;
pub use pod_status::{PodSummary, pod_summary};
pub use summary::{
    DeploymentSummary, EventSummary, NamespaceSummary, ServiceSummary, deployment_summary, event_summary,
    namespace_summary, service_summary,
};
