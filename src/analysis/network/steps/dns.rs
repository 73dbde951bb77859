//! Step 7: the Service's DNS name, and cluster DNS pods that can answer for it.

use k8s_openapi::api::core::v1::Pod;

use super::{Ctx, cause, labels_of, names, pod_name, step};
use crate::analysis::network::snapshot::{NetSnapshot, Question};
use crate::analysis::network::step::{Step, StepId};

const DNS_NAMESPACE: &str = "kube-system";
/// Both kube-dns and CoreDNS pods carry this label, for compatibility.
const DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

pub fn dns_step(snap: &NetSnapshot, question: &Question) -> Step {
    let ctx = Ctx::new(snap, question);
    let (ns, svc) = (ctx.ns(), ctx.svc());
    let domain = question.cluster_domain.as_deref().unwrap_or("cluster.local");
    let fqdn = format!("{svc}.{ns}.svc.{domain}");
    let label = format!("{}={}", DNS_LABEL.0, DNS_LABEL.1);
    let mut s = step(
        StepId::Dns,
        "Cluster DNS answers for the Service",
        "Clients find a Service by name: `svc` within its namespace, `svc.ns` from elsewhere. Cluster DNS \
         (CoreDNS or kube-dns in kube-system) answers those names; without it, no Service name resolves.",
        "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/",
    )
    .evidence("DNS name", &fqdn)
    .commands(vec![
        super::kubectl_in(snap.context.as_deref(), Some(DNS_NAMESPACE), &["get", "pods", "-l", &label]),
        ctx.kubectl(&[
            "run",
            "mosaic-dns-check",
            "--rm",
            "-it",
            "--restart=Never",
            "--image=busybox:1.36",
            "--",
            "nslookup",
            &fqdn,
        ]),
    ]);
    if ctx.service.is_none() {
        return s.not_checked(format!("Service `{svc}` does not exist, so `{fqdn}` does not resolve"));
    }
    let answer = if ctx.is_external_name() {
        let target =
            ctx.service.and_then(|s| s.spec.as_ref()).and_then(|s| s.external_name.clone()).unwrap_or_default();
        format!("a CNAME to `{target}`")
    } else if ctx.is_headless() {
        "the ready pods' IPs (headless)".to_string()
    } else {
        let ip = ctx.service.and_then(|s| s.spec.as_ref()).and_then(|s| s.cluster_ip.clone()).unwrap_or_default();
        format!("the cluster IP {ip}")
    };
    s = s.evidence(format!("{fqdn} resolves to"), &answer);
    let Some(pods) = &snap.dns_pods else {
        return s.could_not_check(format!(
            "cannot read pods in namespace `{DNS_NAMESPACE}`, so whether cluster DNS runs is not known"
        ));
    };
    let dns: Vec<&Pod> =
        pods.iter().filter(|p| labels_of(p).get(DNS_LABEL.0).map(String::as_str) == Some(DNS_LABEL.1)).collect();
    s = s.evidence(
        format!("pods in {DNS_NAMESPACE} with {label}"),
        if dns.is_empty() { "none".to_string() } else { names(&dns) },
    );
    if dns.is_empty() {
        return s.fail(
            format!("No cluster DNS pods (`{label}`) in `{DNS_NAMESPACE}`: `{fqdn}` does not resolve."),
            cause(
                format!("There are no cluster DNS pods (`{label}` in `{DNS_NAMESPACE}`), so no Service name resolves."),
                "Install or restore CoreDNS in kube-system (its Deployment is usually `coredns`).",
                None,
            ),
        );
    }
    let ready: Vec<&Pod> = dns.iter().copied().filter(|p| is_ready(p)).collect();
    let not_ready: Vec<&Pod> = dns.iter().copied().filter(|p| !is_ready(p)).collect();
    let describe = not_ready
        .first()
        .map(|p| super::kubectl_in(snap.context.as_deref(), Some(DNS_NAMESPACE), &["describe", "pod", pod_name(p)]));
    if ready.is_empty() {
        return s.fail(
            format!("None of the {} cluster DNS pods is Ready: {}.", dns.len(), names(&dns)),
            cause(
                format!("No cluster DNS pod is Ready ({}), so Service names do not resolve.", names(&dns)),
                "Make the CoreDNS pods in kube-system Ready: read their events and logs.",
                describe,
            ),
        );
    }
    if !not_ready.is_empty() {
        return s.warn(
            format!("{} of {} cluster DNS pods are Ready; not Ready: {}.", ready.len(), dns.len(), names(&not_ready)),
            None,
        );
    }
    s.pass(format!("`{fqdn}` resolves to {answer}; cluster DNS runs ({} Ready).", names(&ready)))
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}
