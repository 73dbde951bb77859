//! The lists kubectl describe prints in a form of its own: conditions as a table, one line per port, mount,
//! variable, toleration, taint, address and rule. Each form applies only when every item has its shape, so an
//! unexpected object falls back to the generic outline instead of losing fields.
use serde_json::Value;

use super::outline::scalar;

/// The lines (without indentation) of the list under `key`, when kubectl has a form for it.
pub(super) fn kubectl_form(key: &str, list: &[Value]) -> Option<Vec<String>> {
    match key {
        "conditions" => conditions(list),
        "tolerations" => each(list, toleration),
        "taints" => each(list, taint),
        "env" => aligned(list, env),
        "envFrom" => each(list, env_from),
        "volumeMounts" | "volumeDevices" => each(list, mount),
        "ports" => each(list, container_port).or_else(|| each(list, service_port)),
        "addresses" => aligned(list, typed_address).or_else(|| each(list, ip)),
        "podIPs" | "hostIPs" | "notReadyAddresses" => each(list, ip),
        "rules" => each(list, role_rule).or_else(|| ingress_rules(list)),
        _ => None,
    }
}

fn each(list: &[Value], form: fn(&Value) -> Option<String>) -> Option<Vec<String>> {
    list.iter().map(form).collect()
}

/// `NAME:  value` pairs, the values lined up.
fn aligned(list: &[Value], form: fn(&Value) -> Option<(String, String)>) -> Option<Vec<String>> {
    let pairs: Vec<(String, String)> = list.iter().map(form).collect::<Option<_>>()?;
    let width = pairs.iter().map(|(k, _)| k.chars().count() + 1).max().unwrap_or(0);
    Some(pairs.into_iter().map(|(k, v)| format!("{:<width$}  {v}", format!("{k}:"))).collect())
}

fn text<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A field as text whether the server sent a string or a number (`targetPort`, `tolerationSeconds`).
fn any(item: &Value, key: &str) -> Option<String> {
    item.get(key).filter(|v| !v.is_null()).map(scalar)
}

/// The table kubectl prints for a pod's, a Deployment's or a node's conditions; the message (which kubectl
/// leaves out for pods) is the last column, so a narrow pane cuts only it.
fn conditions(list: &[Value]) -> Option<Vec<String>> {
    let mut rows = vec![["Type", "Status", "Reason", "Message"].map(str::to_string)];
    rows.push(["----", "------", "------", "-------"].map(str::to_string));
    for item in list {
        let field = |k: &str| text(item, k).unwrap_or_default().to_string();
        rows.push([text(item, "type")?.to_string(), any(item, "status")?, field("reason"), field("message")]);
    }
    // Columns no condition fills are left out, as kubectl leaves out Reason for pods.
    let keep: Vec<usize> = (0..4).filter(|&i| i < 2 || rows[2..].iter().any(|r| !r[i].is_empty())).collect();
    let widths: Vec<usize> =
        keep.iter().map(|&i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let lines = rows.iter().map(|row| {
        let cells = keep
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(n, (&i, &w))| if n + 1 == keep.len() { row[i].clone() } else { format!("{:<w$}", row[i]) });
        cells.collect::<Vec<_>>().join("   ").trim_end().to_string()
    });
    Some(lines.collect())
}

/// `node.kubernetes.io/not-ready:NoExecute op=Exists for 300s`, kubectl's form.
fn toleration(item: &Value) -> Option<String> {
    let mut line = text(item, "key").unwrap_or_default().to_string();
    if let Some(value) = text(item, "value") {
        line.push_str(&format!("={value}"));
    }
    if let Some(effect) = text(item, "effect") {
        line.push_str(&format!(":{effect}"));
    }
    if text(item, "operator") == Some("Exists") {
        line.push_str(if line.is_empty() { "op=Exists" } else { " op=Exists" });
    }
    if let Some(seconds) = any(item, "tolerationSeconds") {
        line.push_str(&format!(" for {seconds}s"));
    }
    (!line.is_empty()).then_some(line)
}

/// `dedicated=db:NoSchedule`.
fn taint(item: &Value) -> Option<String> {
    let key = text(item, "key")?;
    let value = text(item, "value").map(|v| format!("={v}")).unwrap_or_default();
    Some(format!("{key}{value}:{}", text(item, "effect").unwrap_or_default()))
}

/// `NAME: value`, or where the value comes from, as kubectl words it.
fn env(item: &Value) -> Option<(String, String)> {
    let name = text(item, "name")?.to_string();
    let Some(from) = item.get("valueFrom") else {
        return Some((name, item.get("value").map(scalar).unwrap_or_else(|| "\"\"".into())));
    };
    let optional = |r: &Value| match r.get("optional").and_then(Value::as_bool) {
        Some(o) => format!("  Optional: {o}"),
        None => String::new(),
    };
    let value = if let Some(r) = from.get("secretKeyRef") {
        format!("<set to the key '{}' in secret '{}'>{}", text(r, "key")?, text(r, "name")?, optional(r))
    } else if let Some(r) = from.get("configMapKeyRef") {
        format!("<set to the key '{}' of config map '{}'>{}", text(r, "key")?, text(r, "name")?, optional(r))
    } else if let Some(r) = from.get("fieldRef") {
        format!("({}:{})", text(r, "apiVersion").unwrap_or("v1"), text(r, "fieldPath")?)
    } else if let Some(r) = from.get("resourceFieldRef") {
        format!("{} ({})", text(r, "containerName").unwrap_or("<this container>"), text(r, "resource")?)
    } else {
        return None;
    };
    Some((name, value))
}

/// `app-config  ConfigMap  Optional: false`.
fn env_from(item: &Value) -> Option<String> {
    let (source, kind) = match (item.get("configMapRef"), item.get("secretRef")) {
        (Some(r), _) => (r, "ConfigMap"),
        (_, Some(r)) => (r, "Secret"),
        _ => return None,
    };
    let prefix = text(item, "prefix").map(|p| format!("  Prefix: {p}")).unwrap_or_default();
    let optional = source.get("optional").and_then(Value::as_bool).unwrap_or(false);
    Some(format!("{}  {kind}{prefix}  Optional: {optional}", text(source, "name")?))
}

/// `/var/run/secrets/kubernetes.io/serviceaccount from default-token (ro)`.
fn mount(item: &Value) -> Option<String> {
    let path = text(item, "mountPath").or_else(|| text(item, "devicePath"))?;
    let mut flags =
        vec![if item.get("readOnly").and_then(Value::as_bool) == Some(true) { "ro" } else { "rw" }.to_string()];
    if let Some(sub) = text(item, "subPath").or_else(|| text(item, "subPathExpr")) {
        flags.push(format!("path=\"{sub}\""));
    }
    Some(format!("{path} from {} ({})", text(item, "name")?, flags.join(",")))
}

/// A container's port: `8080/TCP (http)`, with its host port when it has one.
fn container_port(item: &Value) -> Option<String> {
    let port = any(item, "containerPort")?;
    let mut line = format!("{port}/{}", text(item, "protocol").unwrap_or("TCP"));
    if let Some(name) = text(item, "name") {
        line.push_str(&format!(" ({name})"));
    }
    if let Some(host) = any(item, "hostPort").filter(|h| h != "0") {
        line.push_str(&format!(", host port {host}"));
    }
    Some(line)
}

/// A Service's port: `http  80/TCP → 8080/TCP`, with its node port; `<unset>` names an unnamed one.
fn service_port(item: &Value) -> Option<String> {
    let protocol = text(item, "protocol").unwrap_or("TCP");
    let port = any(item, "port")?;
    let mut line = format!("{}  {port}/{protocol}", text(item, "name").unwrap_or("<unset>"));
    if let Some(target) = any(item, "targetPort") {
        line.push_str(&format!(" → {target}/{protocol}"));
    }
    if let Some(node) = any(item, "nodePort") {
        line.push_str(&format!("  node port {node}/{protocol}"));
    }
    Some(line)
}

/// A node's address: `InternalIP: 10.0.0.11`.
fn typed_address(item: &Value) -> Option<(String, String)> {
    Some((text(item, "type")?.to_string(), text(item, "address")?.to_string()))
}

/// An IP, with what it belongs to when the item says (Endpoints): `10.244.1.13 (Pod frontend-7d…, node-b)`.
fn ip(item: &Value) -> Option<String> {
    let ip = text(item, "ip")?;
    let target = item.get("targetRef").and_then(|r| Some(format!("{} {}", text(r, "kind")?, text(r, "name")?)));
    let about: Vec<String> = target.into_iter().chain(text(item, "nodeName").map(str::to_string)).collect();
    Some(if about.is_empty() { ip.to_string() } else { format!("{ip} ({})", about.join(", ")) })
}

/// An RBAC rule: `pods, pods/log  [get list watch]`, its API groups and names when they narrow it.
fn role_rule(item: &Value) -> Option<String> {
    let list = |k: &str| -> Vec<String> {
        item.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let verbs = list("verbs");
    if verbs.is_empty() {
        return None;
    }
    let groups: Vec<String> = list("apiGroups").into_iter().filter(|g| !g.is_empty()).collect();
    let what: Vec<String> = list("resources")
        .into_iter()
        .flat_map(|r| if groups.is_empty() { vec![r] } else { groups.iter().map(|g| format!("{r}.{g}")).collect() })
        .chain(list("nonResourceURLs"))
        .collect();
    let mut line = format!("{}  [{}]", what.join(", "), verbs.join(" "));
    let names = list("resourceNames");
    if !names.is_empty() {
        line.push_str(&format!("  names: {}", names.join(", ")));
    }
    Some(line)
}

/// An Ingress's rules, one line a path: `shop.example.com  /api  storefront:80`, as kubectl's Rules table.
fn ingress_rules(list: &[Value]) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    for rule in list {
        let host = text(rule, "host").unwrap_or("*");
        for path in rule.pointer("/http/paths")?.as_array()? {
            let backend = path.get("backend")?;
            let target = match backend.get("service") {
                Some(s) => {
                    let port = s.get("port").and_then(|p| any(p, "number").or_else(|| any(p, "name")));
                    format!("{}:{}", text(s, "name")?, port.unwrap_or_default())
                }
                // networking.k8s.io/v1beta1 and resource backends
                None => match (text(backend, "serviceName"), any(backend, "servicePort")) {
                    (Some(name), Some(port)) => format!("{name}:{port}"),
                    _ => backend.get("resource").and_then(|r| text(r, "name")).unwrap_or("<default>").to_string(),
                },
            };
            lines.push(format!("{host}  {}  {target}", text(path, "path").unwrap_or("/")));
        }
    }
    Some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(key: &str, list: Value) -> Vec<String> {
        kubectl_form(key, list.as_array().expect("a list")).expect("a kubectl form")
    }

    #[test]
    fn tolerations_read_as_kubectl_prints_them() {
        let list = json!([
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"},
            {"operator": "Exists"},
        ]);
        let lines = form("tolerations", list);
        assert_eq!(
            lines,
            ["node.kubernetes.io/not-ready:NoExecute op=Exists for 300s", "dedicated=db:NoSchedule", "op=Exists"]
        );
    }

    #[test]
    fn env_names_where_each_value_comes_from() {
        let list = json!([
            {"name": "MODE", "value": "live"},
            {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "password"}}},
            {"name": "POD", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "EMPTY"},
        ]);
        assert_eq!(
            form("env", list),
            [
                "MODE:         live",
                "DB_PASSWORD:  <set to the key 'password' in secret 'checkout-db'>",
                "POD:          (v1:metadata.name)",
                "EMPTY:        \"\"",
            ]
        );
    }

    #[test]
    fn conditions_are_a_table_without_empty_columns() {
        let list = json!([
            {"type": "Initialized", "status": "True", "lastProbeTime": null},
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady"},
        ]);
        assert_eq!(
            form("conditions", list),
            [
                "Type          Status   Reason",
                "----          ------   ------",
                "Initialized   True",
                "Ready         False    ContainersNotReady"
            ]
        );
    }

    #[test]
    fn ports_mounts_and_addresses() {
        assert_eq!(
            form("ports", json!([{"name": "http", "containerPort": 8080, "protocol": "TCP"}])),
            ["8080/TCP (http)"]
        );
        assert_eq!(
            form("ports", json!([{"port": 80, "targetPort": "http", "protocol": "TCP"}])),
            ["<unset>  80/TCP → http/TCP"]
        );
        assert_eq!(
            form("volumeMounts", json!([{"name": "cfg", "mountPath": "/etc/app", "readOnly": true, "subPath": "a"}])),
            ["/etc/app from cfg (ro,path=\"a\")"]
        );
        assert_eq!(
            form(
                "addresses",
                json!([{"type": "InternalIP", "address": "10.0.0.11"}, {"type": "Hostname", "address": "node-a"}])
            ),
            ["InternalIP:  10.0.0.11", "Hostname:    node-a"]
        );
    }

    #[test]
    fn an_item_of_another_shape_leaves_the_list_to_the_generic_outline() {
        assert!(kubectl_form("ports", json!([{"containerPort": 80}, {"x": 1}]).as_array().unwrap()).is_none());
        assert!(kubectl_form("conditions", json!([{"type": "Ready"}]).as_array().unwrap()).is_none());
    }
}
