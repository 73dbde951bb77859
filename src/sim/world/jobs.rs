//! The Job and CronJob controllers: Job pods that run to completion (`completed` is the default mode of a
//! Job's pods), Job status and the `Complete` condition, and CronJobs that have run once, a minute after
//! they were created.
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::events::{self, EventSpec, Involved};
use super::objects::{Key, ObjectSet};
use super::workload_common as common;
use super::{defaults, ids, json, kube_time, pods};

fn finished_at(pod: &Value) -> Option<Timestamp> {
    json::array_at(pod, &["status", "containerStatuses"])
        .iter()
        .filter_map(|c| json::str_at(c, &["state", "terminated", "finishedAt"]))
        .filter_map(kube_time::parse)
        .max()
}

pub(crate) fn run(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("batch", "Job", None) {
        let Some(job) = world.get_key(&key) else {
            continue;
        };
        let uid = json::uid(job).to_string();
        if pods::is_deleting(job) || uid.is_empty() {
            continue;
        }
        let mut job = job.clone();
        defaults::job(&mut job);
        // The API server ties a Job to its pods by its uid.
        json::set_default(&mut job, &["spec", "selector"], json!({"matchLabels": {"controller-uid": uid}}));
        json::set_default(&mut job, &["spec", "template", "metadata", "labels", "controller-uid"], json!(uid));
        json::set_default(&mut job, &["spec", "template", "metadata", "labels", "job-name"], json!(key.name));
        world.put_if_changed(job.clone());
        let owned = common::owned_keys(world, "", "Pod", &key.namespace, &job);
        let (mut active, mut succeeded) = (0i64, 0i64);
        for pod in owned.iter().filter_map(|k| world.get_key(k)) {
            match pods::phase(pod) {
                "Succeeded" => succeeded += 1,
                "Failed" => {}
                _ if pods::is_deleting(pod) => {}
                _ => active += 1,
            }
        }
        let completions = json::i64_at(&job, &["spec", "completions"]).unwrap_or(1);
        let parallelism = json::i64_at(&job, &["spec", "parallelism"]).unwrap_or(1);
        let complete = json::array_at(&job, &["status", "conditions"])
            .iter()
            .any(|c| json::str_at(c, &["type"]) == Some("Complete"));
        let wanted = (completions - succeeded).min(parallelism).max(0);
        if complete || active >= wanted {
            continue;
        }
        let birth = common::birth_time(&job, now);
        let template = json::get(&job, &["spec", "template"]).cloned().unwrap_or(json!({}));
        let involved = Involved::of(&job);
        for i in 0..(wanted - active) {
            let name = format!(
                "{}-{}",
                key.name,
                ids::suffix(&format!("{uid}/{succeeded}/{active}/{i}/{}", birth.as_second()), 5)
            );
            if world.get("", "Pod", &key.namespace, &name).is_some() {
                continue;
            }
            let pod = pods::build(pods::NewPod {
                template: &template,
                namespace: &key.namespace,
                name: name.clone(),
                generate_name: Some(format!("{}-", key.name)),
                owner: &job,
                extra_labels: vec![],
                extra_annotations: vec![],
                created: birth,
                hostname: None,
                pinned_node: None,
            });
            world.put(pod);
            events::record(
                world,
                &involved,
                EventSpec::once("job-controller", "SuccessfulCreate", format!("Created pod: {name}"), birth),
            );
        }
    }
}

pub(crate) fn status(world: &mut ObjectSet) {
    for key in world.keys("batch", "Job", None) {
        let Some(job) = world.get_key(&key) else {
            continue;
        };
        let job = job.clone();
        let owned = common::owned_keys(world, "", "Pod", &key.namespace, &job);
        let (mut active, mut succeeded, mut failed) = (0i64, 0i64, 0i64);
        let mut first_start: Option<Timestamp> = None;
        let mut last_finish: Option<Timestamp> = None;
        for pod in owned.iter().filter_map(|k| world.get_key(k)) {
            if let Some(c) = pods::created(pod) {
                first_start = Some(first_start.map_or(c, |f| f.min(c)));
            }
            match pods::phase(pod) {
                "Succeeded" => {
                    succeeded += 1;
                    if let Some(f) = finished_at(pod) {
                        last_finish = Some(last_finish.map_or(f, |l| l.max(f)));
                    }
                }
                "Failed" => failed += 1,
                _ if pods::is_deleting(pod) => {}
                _ => active += 1,
            }
        }
        let completions = json::i64_at(&job, &["spec", "completions"]).unwrap_or(1);
        let mut s = json::object_at(&job, &["status"]).cloned().unwrap_or_default();
        if let Some(start) = first_start.or_else(|| pods::created(&job)) {
            s.entry("startTime").or_insert(json!(kube_time::format(start)));
        }
        for (k, n) in [("active", active), ("succeeded", succeeded), ("failed", failed)] {
            s.remove(k);
            json::put_nonzero(&mut s, k, n);
        }
        let mut newly_complete = None;
        if succeeded >= completions && !s.contains_key("completionTime") {
            let at = last_finish.unwrap_or_else(|| pods::created(&job).unwrap_or(Timestamp::UNIX_EPOCH));
            s.insert("completionTime".into(), json!(kube_time::format(at)));
            s.insert(
                "conditions".into(),
                json!([{
                    "type": "Complete",
                    "status": "True",
                    "lastProbeTime": kube_time::format(at),
                    "lastTransitionTime": kube_time::format(at),
                }]),
            );
            newly_complete = Some(at);
        }
        let involved = Involved::of(&job);
        let mut updated = job;
        json::set(&mut updated, &["status"], Value::Object(s));
        world.put_if_changed(updated);
        if let Some(at) = newly_complete {
            events::record(
                world,
                &involved,
                EventSpec::once("job-controller", "Completed", "Job completed".into(), at),
            );
            saw_completed(world, &key.namespace, &involved, at);
        }
    }
}

pub(crate) fn run_cron(world: &mut ObjectSet, now: Timestamp) {
    for key in world.keys("batch", "CronJob", None) {
        let Some(cj) = world.get_key(&key) else {
            continue;
        };
        if pods::is_deleting(cj) || json::uid(cj).is_empty() {
            continue;
        }
        let mut cj = cj.clone();
        defaults::cron_job(&mut cj);
        let jobs = common::owned_keys(world, "batch", "Job", &key.namespace, &cj);
        let suspended = json::get(&cj, &["spec", "suspend"]).and_then(Value::as_bool) == Some(true);
        let scheduled = pods::created(&cj).map(|c| {
            let minute = (c.as_second() / 60 + 1) * 60;
            Timestamp::from_second(minute).unwrap_or(c)
        });
        let never_ran = json::get(&cj, &["status", "lastScheduleTime"]).is_none() && jobs.is_empty();
        if let (true, false, Some(at)) = (never_ran, suspended, scheduled.filter(|t| *t <= now)) {
            create_job(world, &key, &cj, at);
            json::set(&mut cj, &["status", "lastScheduleTime"], json!(kube_time::format(at)));
        }
        world.put_if_changed(cj);
    }
}

fn create_job(world: &mut ObjectSet, key: &Key, cj: &Value, at: Timestamp) {
    let name = format!("{}-{}", key.name, at.as_second() / 60);
    let mut metadata = json::object_at(cj, &["spec", "jobTemplate", "metadata"]).cloned().unwrap_or_default();
    metadata.remove("creationTimestamp");
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(key.namespace));
    metadata.insert("uid".into(), json!(ids::uid(&format!("job/{}/{name}", key.namespace))));
    metadata.insert("creationTimestamp".into(), json!(kube_time::format(at)));
    metadata.insert("ownerReferences".into(), json!([pods::owner_ref(cj)]));
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": Value::Object(metadata),
        "spec": json::get(cj, &["spec", "jobTemplate", "spec"]).cloned().unwrap_or(json!({})),
    });
    world.put(job);
    events::record(
        world,
        &Involved::of(cj),
        EventSpec::once("cronjob-controller", "SuccessfulCreate", format!("Created job {name}"), at),
    );
}

/// The CronJob controller notices a Job of its own has finished.
fn saw_completed(world: &mut ObjectSet, namespace: &str, job: &Involved, at: Timestamp) {
    let Some(owner) = world
        .get("batch", "Job", namespace, &job.name)
        .and_then(pods::controller_of)
        .filter(|r| json::str_at(r, &["kind"]) == Some("CronJob"))
        .and_then(|r| json::str_at(r, &["name"]))
        .map(str::to_string)
    else {
        return;
    };
    let Some(cj) = world.get("batch", "CronJob", namespace, &owner) else {
        return;
    };
    let involved = Involved::of(cj);
    events::record(
        world,
        &involved,
        EventSpec::once(
            "cronjob-controller",
            "SawCompletedJob",
            format!("Saw completed job: {}, status: Complete", job.name),
            at,
        ),
    );
}

/// A CronJob's `status.active`: its Jobs that have not finished.
pub(crate) fn cron_status(world: &mut ObjectSet) {
    for key in world.keys("batch", "CronJob", None) {
        let Some(cj) = world.get_key(&key) else {
            continue;
        };
        let cj = cj.clone();
        let jobs = common::owned_keys(world, "batch", "Job", &key.namespace, &cj);
        let mut active = Vec::new();
        for job in jobs.iter().filter_map(|k| world.get_key(k)) {
            let done = json::array_at(job, &["status", "conditions"]).iter().any(|c| {
                matches!(json::str_at(c, &["type"]), Some("Complete" | "Failed"))
                    && json::str_at(c, &["status"]) == Some("True")
            });
            if !done {
                let mut r = Map::new();
                for (k, v) in [
                    ("kind", "Job"),
                    ("namespace", json::namespace(job)),
                    ("name", json::name(job)),
                    ("uid", json::uid(job)),
                    ("apiVersion", "batch/v1"),
                ] {
                    r.insert(k.into(), json!(v));
                }
                active.push(Value::Object(r));
            }
        }
        let mut updated = cj;
        if active.is_empty() {
            json::remove(&mut updated, &["status", "active"]);
        } else {
            json::set(&mut updated, &["status", "active"], Value::Array(active));
        }
        json::set_default(&mut updated, &["status"], json!({}));
        world.put_if_changed(updated);
    }
}
