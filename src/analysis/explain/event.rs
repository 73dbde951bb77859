//! One shape for events from both APIs: `core/v1` (`kubectl get events`) and `events.k8s.io/v1` (what the
//! scheduler writes). The same event is served by both, under the same uid.

use jiff::Timestamp;
use k8s_openapi::api::core::v1::{Event as CoreEvent, EventSource};
use k8s_openapi::api::events::v1::Event as EventsV1Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};

/// An event about an object, whichever API it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PodEvent {
    /// The event's own uid: the same event read through both APIs has the same one.
    pub uid: Option<String>,
    /// The kind and name of the object the event is about (`Pod`, `ReplicaSet`…).
    pub object_kind: String,
    pub object_name: String,
    /// `spec.containers{checkout}` when the event is about one container.
    pub field_path: Option<String>,
    pub reason: String,
    pub message: String,
    /// `true` for `type: Warning`.
    pub warning: bool,
    /// Who reported it: `kubelet`, `default-scheduler`, `replicaset-controller`…
    pub source: String,
    /// The node of a kubelet's event.
    pub host: Option<String>,
    /// How many times it happened (at least 1).
    pub count: u32,
    /// When it first and last happened, when the server says so.
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Read back from mosaic's own recorder after the API server dropped it.
    pub recorded: bool,
}

impl PodEvent {
    /// A `core/v1` event. Times fall back as kubectl's do: `lastTimestamp`, then the series' last
    /// observation, then `eventTime`, then the object's creation.
    pub fn from_core(e: &CoreEvent) -> PodEvent {
        let event_time = e.event_time.as_ref().map(micro);
        let created = e.metadata.creation_timestamp.as_ref().map(time);
        let series_last = e.series.as_ref().and_then(|s| s.last_observed_time.as_ref()).map(micro);
        let first = e.first_timestamp.as_ref().map(time).or(event_time).or(created);
        let last = e.last_timestamp.as_ref().map(time).or(series_last).or(event_time).or(created);
        // A series counts repeats after the first occurrence, as `kubectl get events` shows them.
        let count = e.count.or_else(|| e.series.as_ref().and_then(|s| s.count).map(|c| c.saturating_add(1)));
        PodEvent {
            uid: e.metadata.uid.clone(),
            object_kind: e.involved_object.kind.clone().unwrap_or_default(),
            object_name: e.involved_object.name.clone().unwrap_or_default(),
            field_path: e.involved_object.field_path.clone().filter(|f| !f.is_empty()),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
            warning: e.type_.as_deref() == Some("Warning"),
            source: source_component(e.source.as_ref()).or_else(|| e.reporting_component.clone()).unwrap_or_default(),
            host: e.source.as_ref().and_then(|s| s.host.clone()).filter(|h| !h.is_empty()),
            count: positive(count),
            first,
            last: last.max(first),
            recorded: false,
        }
    }

    /// An `events.k8s.io/v1` event; kubelet events keep their times in the `deprecated*` fields.
    pub fn from_events_v1(e: &EventsV1Event) -> PodEvent {
        let event_time = e.event_time.as_ref().map(micro);
        let created = e.metadata.creation_timestamp.as_ref().map(time);
        let series_last = e.series.as_ref().map(|s| micro(&s.last_observed_time));
        let first = e.deprecated_first_timestamp.as_ref().map(time).or(event_time).or(created);
        let last = e.deprecated_last_timestamp.as_ref().map(time).or(series_last).or(event_time).or(created);
        let count = e.deprecated_count.or_else(|| e.series.as_ref().map(|s| s.count.saturating_add(1)));
        let regarding = e.regarding.clone().unwrap_or_default();
        PodEvent {
            uid: e.metadata.uid.clone(),
            object_kind: regarding.kind.unwrap_or_default(),
            object_name: regarding.name.unwrap_or_default(),
            field_path: regarding.field_path.filter(|f| !f.is_empty()),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.note.clone().unwrap_or_default(),
            warning: e.type_.as_deref() == Some("Warning"),
            source: e
                .reporting_controller
                .clone()
                .filter(|c| !c.is_empty())
                .or_else(|| source_component(e.deprecated_source.as_ref()))
                .unwrap_or_default(),
            host: e.deprecated_source.as_ref().and_then(|s| s.host.clone()).filter(|h| !h.is_empty()),
            count: positive(count),
            first,
            last: last.max(first),
            recorded: false,
        }
    }

    /// The container named by `spec.containers{name}` or `spec.initContainers{name}`.
    pub fn container(&self) -> Option<&str> {
        let path = self.field_path.as_deref()?;
        let (_, rest) = path.split_once('{')?;
        rest.strip_suffix('}')
    }

    /// The best single time for the event: when it last happened, else when it first did.
    pub fn at(&self) -> Option<Timestamp> {
        self.last.or(self.first)
    }

    /// How a timeline states the event: `Warning BackOff (x8): Back-off restarting failed container`.
    pub fn fact(&self) -> String {
        let kind_word = if self.warning { "Warning" } else { "Normal" };
        let times = if self.count > 1 { format!(" (x{})", self.count) } else { String::new() };
        format!("{kind_word} {}{times}: {}", self.reason, self.message)
    }
}

fn source_component(s: Option<&EventSource>) -> Option<String> {
    s.and_then(|s| s.component.clone()).filter(|c| !c.is_empty())
}

fn positive(count: Option<i32>) -> u32 {
    count.and_then(|c| u32::try_from(c).ok()).filter(|&c| c > 0).unwrap_or(1)
}

fn time(t: &Time) -> Timestamp {
    t.0
}

fn micro(t: &MicroTime) -> Timestamp {
    t.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::explain::fixtures;

    #[test]
    fn both_apis_give_the_same_event() {
        let core = fixtures::core_events();
        let v1 = fixtures::events_v1();
        let backoff_core = core.iter().find(|e| e.reason.as_deref() == Some("BackOff")).expect("BackOff");
        let uid = backoff_core.metadata.uid.clone();
        let backoff_v1 = v1.iter().find(|e| e.metadata.uid == uid).expect("same uid in events.k8s.io/v1");
        let a = PodEvent::from_core(backoff_core);
        let b = PodEvent::from_events_v1(backoff_v1);
        assert_eq!(a, b);
        assert_eq!(a.count, 15);
        assert_eq!(a.container(), Some("orders"));
        assert_eq!(a.source, "kubelet");
        assert_eq!(a.host.as_deref(), Some("node-b"));
        assert_eq!(a.first, Some(fixtures::ts("2026-11-22T03:31:11Z")));
        assert_eq!(a.last, Some(fixtures::ts("2026-11-22T03:32:13Z")));
    }

    #[test]
    fn scheduler_events_take_event_time_and_series() {
        let v1 = fixtures::events_v1();
        let with_series = v1.iter().find(|e| e.series.is_some()).expect("a FailedScheduling series");
        let e = PodEvent::from_events_v1(with_series);
        assert_eq!(e.reason, "FailedScheduling");
        assert_eq!(e.source, "default-scheduler");
        assert_eq!(e.count, 2, "a series of 1 repeat is 2 occurrences");
        assert_eq!(e.first, Some(fixtures::ts("2026-11-22T03:31:05.750259Z")));
        assert_eq!(e.last, Some(fixtures::ts("2026-11-22T03:32:16.077067Z")));
        assert!(e.warning);

        let core = fixtures::core_events();
        let scheduled = core.iter().find(|e| e.reason.as_deref() == Some("Scheduled")).expect("Scheduled");
        let e = PodEvent::from_core(scheduled);
        assert_eq!(e.source, "default-scheduler", "from reportingComponent when source is empty");
        assert!(e.first.is_some() && e.first == e.last, "eventTime stands in for the missing timestamps");
        assert_eq!(e.count, 1);
    }
}
