//! Secret values never reach the screen, the clipboard, the transcript or the log unless the user reveals one
//! key explicitly. Every path that shows an object (describe, YAML, edit, diff) goes through [`mask`]; the
//! editor puts back what the user left masked with [`unmask`], so masking never corrupts the stored data.
use base64::Engine;
use serde_json::{Map, Value};

/// What a hidden value shows instead of itself.
pub const MASK: &str = "••••••";

/// The annotation `kubectl apply` leaves behind: for a Secret, a full copy of its values in clear.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The fields of a Secret that hold values: `data` (base64) and `stringData` (plain).
const VALUE_FIELDS: [&str; 2] = ["data", "stringData"];

/// Is this object a Secret (the only kind whose values are masked)?
pub fn is_secret(object: &Value) -> bool {
    object.get("kind").and_then(Value::as_str) == Some("Secret")
}

/// `•••••• (16 bytes)`: the mask of a value of this many bytes.
pub fn masked(bytes: usize) -> String {
    let unit = if bytes == 1 { "byte" } else { "bytes" };
    format!("{MASK} ({bytes} {unit})")
}

/// The bytes a `data` (base64) or `stringData` (plain) value stands for.
fn value_bytes(field: &str, value: &Value) -> Option<Vec<u8>> {
    let text = value.as_str()?;
    if field == "data" {
        base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
    } else {
        Some(text.as_bytes().to_vec())
    }
}

fn mask_of(field: &str, value: &Value) -> Value {
    let len = value_bytes(field, value).map(|b| b.len()).unwrap_or_else(|| value.as_str().map_or(0, str::len));
    Value::String(masked(len))
}

/// The object with every Secret value replaced by its mask (and the last-applied copy hidden). Other kinds
/// come back unchanged.
pub fn mask(object: &Value) -> Value {
    let mut out = object.clone();
    if !is_secret(object) {
        return out;
    }
    for field in VALUE_FIELDS {
        if let Some(map) = out.get_mut(field).and_then(Value::as_object_mut) {
            for value in map.values_mut() {
                *value = mask_of(field, value);
            }
        }
    }
    if let Some(annotation) = out.pointer_mut(&format!("/metadata/annotations/{}", LAST_APPLIED.replace('/', "~1"))) {
        *annotation = Value::String(MASK.into());
    }
    out
}

/// Both sides of a change, masked, with values that differ marked so a diff still shows that they changed.
pub fn mask_change(before: &Value, after: &Value) -> (Value, Value) {
    let (masked_before, mut masked_after) = (mask(before), mask(after));
    if is_secret(after) {
        for field in VALUE_FIELDS {
            let Some(map) = masked_after.get_mut(field).and_then(Value::as_object_mut) else { continue };
            for (key, shown) in map.iter_mut() {
                let old = before.get(field).and_then(|m| m.get(key));
                let new = after.get(field).and_then(|m| m.get(key));
                if old.is_some() && old != new {
                    *shown = Value::String(format!("{} (changed)", shown.as_str().unwrap_or(MASK)));
                }
            }
        }
    }
    (masked_before, masked_after)
}

/// The edited object with what the user left masked put back from the server's object: a Secret value still
/// showing its mask, and the last-applied annotation when it still shows its mask. A value the user changed is
/// taken as typed.
pub fn unmask(edited: &Value, server: &Value) -> Value {
    let mut out = edited.clone();
    for field in VALUE_FIELDS {
        let Some(map) = out.get_mut(field).and_then(Value::as_object_mut) else { continue };
        for (key, value) in map.iter_mut() {
            let Some(original) = server.get(field).and_then(|m| m.get(key)) else { continue };
            if value.as_str().is_some_and(|v| v.trim() == mask_of(field, original).as_str().unwrap_or_default()) {
                *value = original.clone();
            }
        }
    }
    let pointer = format!("/metadata/annotations/{}", LAST_APPLIED.replace('/', "~1"));
    if out.pointer(&pointer).and_then(Value::as_str) == Some(MASK)
        && let (Some(original), Some(slot)) = (server.pointer(&pointer).cloned(), out.pointer_mut(&pointer))
    {
        *slot = original;
    }
    out
}

/// The keys of a Secret's values, `data` then `stringData`, for the user to choose one to reveal.
pub fn keys(object: &Value) -> Vec<String> {
    VALUE_FIELDS.iter().filter_map(|f| object.get(*f).and_then(Value::as_object)).flat_map(Map::keys).cloned().collect()
}

/// One value, decoded from base64 (`data`) and shown as text (invalid UTF-8 replaced). Only on request.
pub fn reveal(object: &Value, key: &str) -> Option<String> {
    VALUE_FIELDS.iter().find_map(|field| {
        let value = object.get(*field)?.get(key)?;
        let bytes = value_bytes(field, value)?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    })
}

/// An object held in memory that may carry Secret values: its `Debug` shows it masked, so a log line or a
/// panic message can never print them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Unmasked(pub Value);

impl std::fmt::Debug for Unmasked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Unmasked({})", mask(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Shaped like a Secret from a real control plane, with the annotation `kubectl apply` leaves.
    fn secret() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {
                "name": "cart-redis",
                "namespace": "shop",
                "resourceVersion": "812",
                "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}
            },
            "data": {"password": "aHVudGVyMg==", "user": "Y2FydA=="},
            "stringData": {"note": "plain words"}
        })
    }

    #[test]
    fn masks_every_value_with_its_length() {
        let masked = mask(&secret());
        let text = serde_json::to_string(&masked).unwrap();
        for clear in ["aHVudGVyMg==", "hunter2", "Y2FydA==", "plain words"] {
            assert!(!text.contains(clear), "{clear} leaked: {text}");
        }
        assert_eq!(masked["data"]["password"], "•••••• (7 bytes)");
        assert_eq!(masked["data"]["user"], "•••••• (4 bytes)");
        assert_eq!(masked["stringData"]["note"], "•••••• (11 bytes)");
        assert_eq!(masked["metadata"]["annotations"][LAST_APPLIED], MASK);
        assert_eq!(masked["metadata"]["name"], "cart-redis");
        let config = json!({"kind": "ConfigMap", "data": {"a": "b"}});
        assert_eq!(mask(&config), config, "only Secrets are masked");
        assert!(!format!("{:?}", Unmasked(secret())).contains("aHVudGVyMg=="));
    }

    #[test]
    fn unmask_restores_what_was_left_masked_and_keeps_what_changed() {
        let server = secret();
        let mut edited = mask(&server);
        edited["data"]["user"] = json!("YWRtaW4=");
        edited["metadata"]["labels"] = json!({"team": "cart"});
        let restored = unmask(&edited, &server);
        assert_eq!(restored["data"]["password"], "aHVudGVyMg==");
        assert_eq!(restored["data"]["user"], "YWRtaW4=");
        assert_eq!(restored["stringData"]["note"], "plain words");
        assert_eq!(restored["metadata"]["annotations"][LAST_APPLIED], server["metadata"]["annotations"][LAST_APPLIED]);
        assert_eq!(restored["metadata"]["labels"]["team"], "cart");
        assert_eq!(unmask(&mask(&server), &server), server, "an untouched edit is the server's object");
    }

    #[test]
    fn reveal_decodes_one_key() {
        assert_eq!(keys(&secret()), ["password", "user", "note"]);
        assert_eq!(reveal(&secret(), "password").as_deref(), Some("hunter2"));
        assert_eq!(reveal(&secret(), "note").as_deref(), Some("plain words"));
        assert_eq!(reveal(&secret(), "nope"), None);
    }

    #[test]
    fn a_changed_value_shows_as_changed_in_a_diff() {
        let before = secret();
        let mut after = secret();
        after["data"]["user"] = json!("YWRtaW4=");
        let (b, a) = mask_change(&before, &after);
        assert_eq!(b["data"]["user"], "•••••• (4 bytes)");
        assert_eq!(a["data"]["user"], "•••••• (5 bytes) (changed)");
        assert_eq!(a["data"]["password"], b["data"]["password"]);
    }
}
