//! Just enough of the Kubernetes protobuf encoding to read what kubectl sends as protobuf: the typed
//! clients behind `kubectl auth can-i` (SelfSubjectAccessReview, SelfSubjectRulesReview) and
//! `kubectl drain` (Eviction). Answers are JSON, which kubectl also accepts.
use serde_json::{Map, Value, json};

/// Every protobuf body starts with this, then a `runtime.Unknown` wrapping the object.
const MAGIC: &[u8] = b"k8s\x00";

pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The fields of one message, in order; `None` if the bytes are not a well-formed message.
fn fields(buf: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (number, wire) = (key >> 3, key & 7);
        let field = match wire {
            0 => Field::Varint(varint(buf, &mut pos)?),
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let bytes = buf.get(pos..pos.checked_add(len)?)?;
                pos += len;
                Field::Bytes(bytes)
            }
            1 => {
                pos += 8;
                continue;
            }
            5 => {
                pos += 4;
                continue;
            }
            _ => return None,
        };
        out.push((number, field));
    }
    (pos == buf.len()).then_some(out)
}

fn bytes_of<'a>(fields: &[(u64, Field<'a>)], number: u64) -> Option<&'a [u8]> {
    fields.iter().rev().find_map(|(n, f)| match f {
        Field::Bytes(b) if *n == number => Some(*b),
        _ => None,
    })
}

fn string_of(fields: &[(u64, Field<'_>)], number: u64) -> Option<String> {
    bytes_of(fields, number).and_then(|b| std::str::from_utf8(b).ok()).map(str::to_string)
}

/// A message of string fields as a JSON object, naming field numbers `1..` after `names`.
fn strings(buf: &[u8], names: &[&str]) -> Option<Value> {
    let fields = fields(buf)?;
    let mut out = Map::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(value) = string_of(&fields, i as u64 + 1).filter(|v| !v.is_empty()) {
            out.insert((*name).to_string(), json!(value));
        }
    }
    Some(Value::Object(out))
}

/// Decode a protobuf body into the JSON object it stands for (only the kinds listed above).
pub fn decode(body: &[u8]) -> Option<Value> {
    let unknown = fields(body.strip_prefix(MAGIC)?)?;
    let type_meta = fields(bytes_of(&unknown, 1)?)?;
    let api_version = string_of(&type_meta, 1).unwrap_or_default();
    let kind = string_of(&type_meta, 2).unwrap_or_default();
    let raw = fields(bytes_of(&unknown, 2)?)?;
    let metadata = match bytes_of(&raw, 1) {
        Some(meta) => strings(meta, &["name", "generateName", "namespace"])?,
        None => json!({}),
    };
    let mut obj = json!({"apiVersion": api_version, "kind": kind, "metadata": metadata});
    match kind.as_str() {
        "SelfSubjectAccessReview" => {
            let spec = fields(bytes_of(&raw, 2).unwrap_or_default())?;
            let mut out = Map::new();
            if let Some(ra) = bytes_of(&spec, 1) {
                let names = ["namespace", "verb", "group", "version", "resource", "subresource", "name"];
                out.insert("resourceAttributes".into(), strings(ra, &names)?);
            }
            if let Some(nra) = bytes_of(&spec, 2) {
                out.insert("nonResourceAttributes".into(), strings(nra, &["path", "verb"])?);
            }
            obj["spec"] = Value::Object(out);
        }
        "SelfSubjectRulesReview" => {
            obj["spec"] = strings(bytes_of(&raw, 2).unwrap_or_default(), &["namespace"])?;
        }
        "Eviction" => {
            if let Some(options) = bytes_of(&raw, 2) {
                let options = fields(options)?;
                let grace = options.iter().find_map(|(n, f)| match f {
                    Field::Varint(v) if *n == 1 => Some(*v as i64),
                    _ => None,
                });
                obj["deleteOptions"] = match grace {
                    Some(grace) => json!({"gracePeriodSeconds": grace}),
                    None => json!({}),
                };
            }
        }
        _ => return None,
    }
    Some(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(number: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![((number << 3) | 2) as u8, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    /// The bytes client-go sends for `kubectl auth can-i list secrets -n shop`.
    fn can_i() -> Vec<u8> {
        let attributes = [field(1, b"shop"), field(2, b"list"), field(5, b"secrets")].concat();
        let spec = field(1, &attributes);
        let raw = [field(1, &[]), field(2, &spec), field(3, &[])].concat();
        let type_meta = [field(1, b"authorization.k8s.io/v1"), field(2, b"SelfSubjectAccessReview")].concat();
        let unknown = [field(1, &type_meta), field(2, &raw), field(3, b""), field(4, b"")].concat();
        [MAGIC.to_vec(), unknown].concat()
    }

    #[test]
    fn access_reviews_decode() {
        let decoded = decode(&can_i()).expect("decodes");
        assert_eq!(decoded["kind"], "SelfSubjectAccessReview");
        assert_eq!(
            decoded["spec"],
            json!({"resourceAttributes": {"namespace": "shop", "verb": "list", "resource": "secrets"}})
        );
    }

    #[test]
    fn garbage_does_not_decode() {
        assert!(decode(b"{\"kind\": \"Pod\"}").is_none());
        assert!(decode(b"k8s\x00\xff\xff").is_none());
        let mut truncated = can_i();
        truncated.truncate(20);
        assert!(decode(&truncated).is_none());
    }
}
