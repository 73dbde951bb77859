//! What the API server fills in on a Service: a cluster IP from 10.96.0.0/12, node ports, and the
//! defaults of ports and session affinity, as in `services-list.json`.
use std::collections::HashSet;

use serde_json::{Value, json};

use super::objects::ObjectSet;
use super::{ids, json};

fn collect_used(world: &ObjectSet) -> (HashSet<String>, HashSet<i64>) {
    let mut ips = HashSet::new();
    let mut node_ports = HashSet::new();
    for svc in world.list("", "Service", None) {
        if let Some(ip) = json::str_at(svc, &["spec", "clusterIP"]) {
            ips.insert(ip.to_string());
        }
        for p in json::array_at(svc, &["spec", "ports"]) {
            if let Some(n) = json::i64_at(p, &["nodePort"]) {
                node_ports.insert(n);
            }
        }
    }
    (ips, node_ports)
}

/// A free address in 10.96.0.0/12, stable for the service's name (the first 16 are kept for the system).
fn allocate_ip(seed: &str, used: &mut HashSet<String>) -> String {
    let span: u32 = 1 << 20;
    let mut offset = 16 + ids::fnv1a_32(seed.as_bytes()) % (span - 16);
    loop {
        let ip = format!("10.{}.{}.{}", 96 + (offset >> 16), (offset >> 8) & 255, offset & 255);
        if (offset & 255) != 0 && (offset & 255) != 255 && used.insert(ip.clone()) {
            return ip;
        }
        offset = 16 + (offset + 1 - 16) % (span - 16);
    }
}

fn allocate_node_port(seed: &str, used: &mut HashSet<i64>) -> i64 {
    let mut port = 30000 + i64::from(ids::fnv1a_32(seed.as_bytes()) % 2768);
    while !used.insert(port) {
        port = 30000 + (port - 30000 + 1) % 2768;
    }
    port
}

pub(crate) fn run(world: &mut ObjectSet) {
    let mut used: Option<(HashSet<String>, HashSet<i64>)> = None;
    for key in world.keys("", "Service", None) {
        let Some(svc) = world.get_key(&key) else {
            continue;
        };
        let mut svc = svc.clone();
        let kind = json::str_at(&svc, &["spec", "type"]).unwrap_or("ClusterIP").to_string();
        json::set_default(&mut svc, &["spec", "type"], json!(kind));
        json::set_default(&mut svc, &["spec", "sessionAffinity"], json!("None"));
        json::set_default(&mut svc, &["status", "loadBalancer"], json!({}));
        if matches!(kind.as_str(), "NodePort" | "LoadBalancer") {
            json::set_default(&mut svc, &["spec", "externalTrafficPolicy"], json!("Cluster"));
        }
        let seed = format!("{}/{}", key.namespace, key.name);
        let needs_ip = kind != "ExternalName" && json::str_at(&svc, &["spec", "clusterIP"]).is_none_or(str::is_empty);
        if needs_ip {
            let (ips, _) = used.get_or_insert_with(|| collect_used(world));
            json::set(&mut svc, &["spec", "clusterIP"], json!(allocate_ip(&seed, ips)));
        }
        let mut ports = json::array_at(&svc, &["spec", "ports"]).to_vec();
        for (i, p) in ports.iter_mut().enumerate() {
            json::set_default(p, &["protocol"], json!("TCP"));
            if let Some(port) = p.get("port").cloned() {
                json::set_default(p, &["targetPort"], port);
            }
            if matches!(kind.as_str(), "NodePort" | "LoadBalancer") && p.get("nodePort").is_none() {
                let (_, node_ports) = used.get_or_insert_with(|| collect_used(world));
                json::set(p, &["nodePort"], json!(allocate_node_port(&format!("{seed}/{i}"), node_ports)));
            }
        }
        if !ports.is_empty() {
            json::set(&mut svc, &["spec", "ports"], Value::Array(ports));
        }
        world.put_if_changed(svc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ips_are_in_the_service_range_and_unique() {
        let mut used = HashSet::new();
        let a = allocate_ip("shop/cart", &mut used);
        let b = allocate_ip("shop/cart", &mut used);
        assert_ne!(a, b);
        let second: u32 = a.split('.').nth(1).unwrap().parse().unwrap();
        assert!((96..112).contains(&second), "{a}");
    }
}
