//! Test objects shaped like the real v1.19 responses in `tests/fixtures/real-1.19/`.
use jiff::Timestamp;
use k8s_openapi::List;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use k8s_openapi::api::events::v1::Event as EventsV1Event;
use serde_json::Value;

const PODS: &str = include_str!("../../../tests/fixtures/real-1.19/pods-list.json");
const CORE_EVENTS: &str = include_str!("../../../tests/fixtures/real-1.19/events-core-v1.json");
const EVENTS_V1: &str = include_str!("../../../tests/fixtures/real-1.19/events-events-k8s-io-v1.json");
const DEPLOYMENTS: &str = include_str!("../../../tests/fixtures/real-1.19/deployments-list.json");
const REPLICA_SETS: &str = include_str!("../../../tests/fixtures/real-1.19/replicasets-list.json");
const NODES: &str = include_str!("../../../tests/fixtures/real-1.19/nodes-list.json");

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp")
}

fn list<T: k8s_openapi::ListableResource + serde::de::DeserializeOwned>(text: &str) -> Vec<T> {
    serde_json::from_str::<List<T>>(text).expect("fixture list parses").items
}

pub fn pods() -> Vec<Pod> {
    list(PODS)
}

/// The fixture pod whose name starts with `prefix` (`orders`, `search`, `reports`…).
pub fn pod(prefix: &str) -> Pod {
    pods().into_iter().find(|p| p.metadata.name.as_deref().is_some_and(|n| n.starts_with(prefix))).expect("fixture pod")
}

pub fn core_events() -> Vec<Event> {
    list(CORE_EVENTS)
}

pub fn events_v1() -> Vec<EventsV1Event> {
    list(EVENTS_V1)
}

pub fn nodes() -> Vec<Node> {
    list(NODES)
}

pub fn deployment(name: &str) -> Deployment {
    list::<Deployment>(DEPLOYMENTS).into_iter().find(|d| d.metadata.name.as_deref() == Some(name)).expect("fixture")
}

pub fn replica_sets() -> Vec<ReplicaSet> {
    list(REPLICA_SETS)
}

pub fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("test object deserializes")
}
