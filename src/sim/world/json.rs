//! Small helpers for reading and writing plain JSON objects without panicking.
use serde_json::{Map, Value};

/// The value at `path`, if every step is an object holding the next key.
pub(crate) fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, key| cur.get(key))
}

pub(crate) fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(v, path).and_then(Value::as_str)
}

pub(crate) fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    get(v, path).and_then(Value::as_i64)
}

pub(crate) fn array_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    get(v, path).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

pub(crate) fn object_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Map<String, Value>> {
    get(v, path).and_then(Value::as_object)
}

/// Turns `v` into an object if it is not one, and returns its map.
pub(crate) fn ensure_object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(map) => map,
        // Unreachable: `v` was made an object just above.
        _ => unreachable!("value was just made an object"),
    }
}

/// The object at `path`, creating (or replacing non-objects with) empty objects on the way.
pub(crate) fn object_mut<'a>(v: &'a mut Value, path: &[&str]) -> &'a mut Map<String, Value> {
    let mut cur = v;
    for key in path {
        let map = ensure_object(cur);
        cur = map.entry((*key).to_string()).or_insert(Value::Null);
    }
    ensure_object(cur)
}

/// Sets `path` (the last element is the key) to `value`.
pub(crate) fn set(v: &mut Value, path: &[&str], value: Value) {
    if let Some((last, parents)) = path.split_last() {
        object_mut(v, parents).insert((*last).to_string(), value);
    }
}

/// Sets `path` to `value` only when it is absent or null; returns whether it wrote.
pub(crate) fn set_default(v: &mut Value, path: &[&str], value: Value) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let map = object_mut(v, parents);
    match map.get(*last) {
        Some(existing) if !existing.is_null() => false,
        _ => {
            map.insert((*last).to_string(), value);
            true
        }
    }
}

/// Removes the key at `path`, if present.
pub(crate) fn remove(v: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for key in parents {
        match cur.get_mut(*key) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(map) = cur.as_object_mut() {
        map.remove(*last);
    }
}

/// Inserts `key: n` only when `n` is not zero, as Go's `omitempty` does for counters.
pub(crate) fn put_nonzero(map: &mut Map<String, Value>, key: &str, n: i64) {
    if n != 0 {
        map.insert(key.to_string(), Value::from(n));
    }
}

pub(crate) fn name(obj: &Value) -> &str {
    str_at(obj, &["metadata", "name"]).unwrap_or("")
}

pub(crate) fn namespace(obj: &Value) -> &str {
    str_at(obj, &["metadata", "namespace"]).unwrap_or("")
}

pub(crate) fn uid(obj: &Value) -> &str {
    str_at(obj, &["metadata", "uid"]).unwrap_or("")
}

pub(crate) fn api_version(obj: &Value) -> &str {
    str_at(obj, &["apiVersion"]).unwrap_or("")
}

pub(crate) fn kind(obj: &Value) -> &str {
    str_at(obj, &["kind"]).unwrap_or("")
}

pub(crate) fn labels(obj: &Value) -> Option<&Map<String, Value>> {
    object_at(obj, &["metadata", "labels"])
}

pub(crate) fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    labels(obj).and_then(|l| l.get(key)).and_then(Value::as_str)
}

pub(crate) fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    object_at(obj, &["metadata", "annotations"]).and_then(|a| a.get(key)).and_then(Value::as_str)
}

/// The group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// An object from fields, moving the values in (`json!` would re-serialize embedded `Value`s).
pub(crate) fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The `name` field of a list entry (containers, volumes, ports).
pub(crate) fn name_field(v: &Value) -> &str {
    str_at(v, &["name"]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_read_and_write() {
        let mut v = json!({"a": {"b": 1}});
        assert_eq!(i64_at(&v, &["a", "b"]), Some(1));
        set(&mut v, &["a", "c", "d"], json!("x"));
        assert_eq!(str_at(&v, &["a", "c", "d"]), Some("x"));
        assert!(!set_default(&mut v, &["a", "b"], json!(2)));
        assert!(set_default(&mut v, &["a", "e"], json!(2)));
        remove(&mut v, &["a", "b"]);
        assert_eq!(get(&v, &["a", "b"]), None);
        assert_eq!(group_of("apps/v1"), "apps");
        assert_eq!(group_of("v1"), "");
    }
}
