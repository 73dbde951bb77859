//! The defaults the API server fills in on create (`SetDefaults_*`), so that objects written by a scenario
//! with only the interesting fields read back like objects from a real cluster.
use serde_json::{Value, json};

use super::{image, json};

/// Container defaults: termination message, pull policy, resources, port protocols, probe timings.
pub(crate) fn container(c: &mut Value) {
    let image = json::str_at(c, &["image"]).unwrap_or("").to_string();
    json::set_default(c, &["terminationMessagePath"], json!("/dev/termination-log"));
    json::set_default(c, &["terminationMessagePolicy"], json!("File"));
    json::set_default(c, &["imagePullPolicy"], json!(image::default_pull_policy(&image)));
    json::set_default(c, &["resources"], json!({}));
    // Requests default to limits when only limits are given.
    if let Some(limits) = json::object_at(c, &["resources", "limits"]).cloned() {
        for (k, v) in limits {
            json::set_default(c, &["resources", "requests", &k], v);
        }
    }
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            json::set_default(p, &["protocol"], json!("TCP"));
        }
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = c.get_mut(probe).filter(|p| p.is_object()) {
            json::set_default(p, &["timeoutSeconds"], json!(1));
            json::set_default(p, &["periodSeconds"], json!(10));
            json::set_default(p, &["successThreshold"], json!(1));
            json::set_default(p, &["failureThreshold"], json!(3));
            if p.get("httpGet").is_some() {
                json::set_default(p, &["httpGet", "scheme"], json!("HTTP"));
            }
        }
    }
}

/// Pod spec defaults that also apply inside templates.
pub(crate) fn pod_spec(spec: &mut Value) {
    for list in ["initContainers", "containers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            cs.iter_mut().for_each(container);
        }
    }
    json::set_default(spec, &["restartPolicy"], json!("Always"));
    json::set_default(spec, &["terminationGracePeriodSeconds"], json!(30));
    json::set_default(spec, &["dnsPolicy"], json!("ClusterFirst"));
    json::set_default(spec, &["securityContext"], json!({}));
    json::set_default(spec, &["schedulerName"], json!("default-scheduler"));
    if let Some(vols) = spec.get_mut("volumes").and_then(Value::as_array_mut) {
        for v in vols {
            for (source, mode) in [("secret", 420), ("configMap", 420)] {
                if let Some(s) = v.get_mut(source).filter(|s| s.is_object()) {
                    json::set_default(s, &["defaultMode"], json!(mode));
                }
            }
        }
    }
}

/// A pod template: `metadata.creationTimestamp: null` and the spec defaults.
pub(crate) fn pod_template(template: &mut Value) {
    json::set_default(template, &["metadata", "creationTimestamp"], Value::Null);
    let spec = json::ensure_object(template).entry("spec").or_insert(Value::Null);
    json::ensure_object(spec);
    pod_spec(spec);
}

pub(crate) fn deployment(d: &mut Value) {
    json::set_default(d, &["spec", "replicas"], json!(1));
    json::set_default(
        d,
        &["spec", "strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
    );
    json::set_default(d, &["spec", "revisionHistoryLimit"], json!(10));
    json::set_default(d, &["spec", "progressDeadlineSeconds"], json!(600));
    template_in(d, &["spec", "template"]);
}

pub(crate) fn replica_set(rs: &mut Value) {
    json::set_default(rs, &["spec", "replicas"], json!(1));
    template_in(rs, &["spec", "template"]);
}

pub(crate) fn stateful_set(s: &mut Value) {
    json::set_default(s, &["spec", "replicas"], json!(1));
    json::set_default(s, &["spec", "podManagementPolicy"], json!("OrderedReady"));
    json::set_default(
        s,
        &["spec", "updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
    );
    json::set_default(s, &["spec", "revisionHistoryLimit"], json!(10));
    template_in(s, &["spec", "template"]);
}

pub(crate) fn daemon_set(d: &mut Value) {
    json::set_default(
        d,
        &["spec", "updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}),
    );
    json::set_default(d, &["spec", "revisionHistoryLimit"], json!(10));
    template_in(d, &["spec", "template"]);
}

pub(crate) fn job(j: &mut Value) {
    json::set_default(j, &["spec", "parallelism"], json!(1));
    json::set_default(j, &["spec", "completions"], json!(1));
    json::set_default(j, &["spec", "backoffLimit"], json!(6));
    template_in(j, &["spec", "template"]);
}

pub(crate) fn cron_job(c: &mut Value) {
    json::set_default(c, &["spec", "concurrencyPolicy"], json!("Allow"));
    json::set_default(c, &["spec", "suspend"], json!(false));
    json::set_default(c, &["spec", "successfulJobsHistoryLimit"], json!(3));
    json::set_default(c, &["spec", "failedJobsHistoryLimit"], json!(1));
    json::set_default(c, &["spec", "jobTemplate", "metadata", "creationTimestamp"], Value::Null);
    template_in(c, &["spec", "jobTemplate", "spec", "template"]);
}

fn template_in(obj: &mut Value, path: &[&str]) {
    if json::get(obj, path).is_some_and(Value::is_object) {
        let (last, parents) = path.split_last().unwrap_or((&"", &[]));
        if let Some(template) = json::object_mut(obj, parents).get_mut(*last) {
            pod_template(template);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_defaults_match_the_fixture() {
        let mut d = json!({"spec": {"selector": {"matchLabels": {"app": "x"}}, "template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "x", "image": "ghcr.io/acme/x:1",
                "ports": [{"name": "http", "containerPort": 8080}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
                "resources": {"limits": {"memory": "256Mi"}}}]}}}});
        deployment(&mut d);
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["ports"][0]["protocol"], "TCP");
        assert_eq!(c["imagePullPolicy"], "IfNotPresent");
        assert_eq!(c["readinessProbe"]["periodSeconds"], 5);
        assert_eq!(c["readinessProbe"]["failureThreshold"], 3);
        assert_eq!(c["readinessProbe"]["httpGet"]["scheme"], "HTTP");
        assert_eq!(c["resources"]["requests"]["memory"], "256Mi");
        assert_eq!(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
        assert_eq!(d["spec"]["template"]["metadata"]["creationTimestamp"], Value::Null);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        let again = {
            let mut x = d.clone();
            deployment(&mut x);
            x
        };
        assert_eq!(again, d);
    }
}
