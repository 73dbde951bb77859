//! Secret values in what containers print. A container may log its database password or print it from `env`
//! in an exec: [`SecretValues`] finds every decoded value of the Secrets a pod references in such text and
//! replaces it with [`MASK`], the glyphs the Secret view shows.
//!
//! The mask is the bare `••••••`, without the Secret view's `(N bytes)`: a value in a log sits inside a token
//! (a URL, `KEY=value`, a JSON string), and a mask with spaces and parentheses would split that token in
//! three and push the rest of the line right; the length says nothing useful about a log line.
//!
//! Values too short or too common to be told apart from ordinary text (`admin`, `true`, `5432`) are not
//! masked, or every line saying `true` would lose a word: [`SHORT_VALUES_NOTE`] says so where masking applies.
use std::borrow::Cow;
use std::collections::BTreeSet;

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use serde_json::Value;

pub use super::secret_mask::MASK;

/// Values shorter than this (in bytes) are not masked.
pub const MIN_BYTES: usize = 6;
/// Values made only of digits need this many: shorter ones are ports, counts and years.
pub const MIN_DIGITS: usize = 8;
/// Values that are ordinary words: masking them would blank ordinary text.
const COMMON: &[&str] = &[
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "none",
    "admin",
    "administrator",
    "default",
    "root",
    "user",
    "guest",
    "test",
    "secret",
    "password",
    "changeme",
    "localhost",
    "postgres",
    "mysql",
    "redis",
    "enabled",
    "disabled",
];

/// What the pane says about values it does not mask.
pub const SHORT_VALUES_NOTE: &str = "not values under 6 bytes or common words";

/// Whether a value is worth masking: long enough, not only a short number, not an ordinary word.
pub fn maskable(value: &str) -> bool {
    let value = value.trim();
    if value.len() < MIN_BYTES {
        return false;
    }
    if value.len() < MIN_DIGITS && value.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    !COMMON.iter().any(|c| c.eq_ignore_ascii_case(value))
}

/// The patterns searched for one value: the value, its base64 form, and for a multi-line value (a PEM key)
/// each of its lines, so a key printed with other line endings or indented is still masked line by line.
fn patterns_of(value: &[u8], out: &mut BTreeSet<String>) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    // Only text can appear in text: a value that is not UTF-8 is searched for in its base64 form alone.
    let Ok(text) = std::str::from_utf8(value) else {
        if value.len() >= MIN_BYTES {
            out.insert(encoded);
        }
        return;
    };
    let text = text.trim_end_matches(['\n', '\r']);
    if !maskable(text) {
        // Its base64 form too: `YWRtaW4=` is as harmless as `admin`.
        return;
    }
    out.insert(text.to_string());
    out.insert(encoded);
    if text.contains('\n') {
        for line in text.lines().map(str::trim) {
            // PEM armour (`-----BEGIN PRIVATE KEY-----`) is not secret, and says what was masked.
            if maskable(line) && !line.starts_with("-----") {
                out.insert(line.to_string());
            }
        }
    }
}

/// The values of some Secrets, ready to mask. Its `Debug` never prints them.
#[derive(Clone, Default)]
pub struct SecretValues {
    searcher: Option<AhoCorasick>,
    /// Every pattern, sorted: to tell whether the end of a chunk could be the start of one.
    patterns: Vec<Vec<u8>>,
    longest: usize,
}

impl std::fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretValues({} patterns)", self.patterns.len())
    }
}

impl SecretValues {
    /// From decoded values (what a container sees in its env or files).
    pub fn new<I, V>(values: I) -> SecretValues
    where
        I: IntoIterator<Item = V>,
        V: AsRef<[u8]>,
    {
        let mut set = BTreeSet::new();
        for value in values {
            patterns_of(value.as_ref(), &mut set);
        }
        let patterns: Vec<Vec<u8>> = set.into_iter().map(String::into_bytes).collect();
        let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
        // Leftmost-longest: of a value and a longer one that contains it, the longer is masked whole.
        let searcher = (!patterns.is_empty())
            .then(|| AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&patterns).ok())
            .flatten();
        SecretValues { searcher, patterns, longest }
    }

    /// From Secret objects as the API serves them: every `data` value decoded, every `stringData` value.
    pub fn from_secrets<'a>(secrets: impl IntoIterator<Item = &'a Value>) -> SecretValues {
        let mut values: Vec<Vec<u8>> = Vec::new();
        for secret in secrets {
            for (field, decode) in [("data", true), ("stringData", false)] {
                let Some(map) = secret.get(field).and_then(Value::as_object) else { continue };
                for value in map.values().filter_map(Value::as_str) {
                    if !decode {
                        values.push(value.as_bytes().to_vec());
                    } else if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(value.trim()) {
                        values.push(bytes);
                    }
                }
            }
        }
        SecretValues::new(values)
    }

    /// Nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.searcher.is_none()
    }

    /// The text with every value replaced by [`MASK`]. Values are UTF-8 (or base64), so every match starts and
    /// ends on a character boundary.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let Some(searcher) = &self.searcher else { return Cow::Borrowed(text) };
        let mut found = searcher.find_iter(text).peekable();
        if found.peek().is_none() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for m in found {
            out.push_str(&text[at..m.start()]);
            out.push_str(MASK);
            at = m.end();
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// Bytes masked the same way (a terminal's output, which may hold escapes and split characters).
    fn mask_bytes(&self, bytes: &[u8], out: &mut Vec<u8>) {
        let Some(searcher) = &self.searcher else {
            out.extend_from_slice(bytes);
            return;
        };
        let mut at = 0;
        for m in searcher.find_iter(bytes) {
            out.extend_from_slice(&bytes[at..m.start()]);
            out.extend_from_slice(MASK.as_bytes());
            at = m.end();
        }
        out.extend_from_slice(&bytes[at..]);
    }

    /// Is `tail` the start of a value, not yet the whole of it?
    fn starts_a_value(&self, tail: &[u8]) -> bool {
        let from = self.patterns.partition_point(|p| p.as_slice() < tail);
        self.patterns
            .get(from..)
            .into_iter()
            .flatten()
            .take_while(|p| p.starts_with(tail))
            .any(|p| p.len() > tail.len())
    }

    /// Where the bytes from `from` on may still become a value with what comes next: the earliest such start,
    /// or the end.
    fn held_from(&self, bytes: &[u8], from: usize) -> usize {
        let earliest = bytes.len().saturating_sub(self.longest.saturating_sub(1)).max(from);
        (earliest..bytes.len()).find(|i| self.starts_a_value(&bytes[*i..])).unwrap_or(bytes.len())
    }
}

/// Masks a stream that arrives in chunks (a shell's output): a value split across two chunks is still masked,
/// because the end of a chunk that could begin a value is held back until the next chunk says.
#[derive(Debug, Default)]
pub struct StreamMasker {
    values: SecretValues,
    held: Vec<u8>,
}

impl StreamMasker {
    pub fn new(values: SecretValues) -> StreamMasker {
        StreamMasker { values, held: Vec::new() }
    }

    /// The masked bytes that can be shown now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.values.is_empty() {
            return chunk.to_vec();
        }
        let mut bytes = std::mem::take(&mut self.held);
        bytes.extend_from_slice(chunk);
        // A match that starts before the held part can no longer grow: nothing after it could start a value.
        let hold = self.values.held_from(&bytes, 0);
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        if let Some(searcher) = &self.values.searcher {
            for m in searcher.find_iter(&bytes) {
                if m.start() >= hold {
                    break;
                }
                out.extend_from_slice(&bytes[at..m.start()]);
                out.extend_from_slice(MASK.as_bytes());
                at = m.end();
            }
        }
        let keep = self.values.held_from(&bytes, at).max(at);
        out.extend_from_slice(&bytes[at..keep]);
        self.held = bytes[keep..].to_vec();
        out
    }

    /// Whether some bytes wait for the next chunk.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// What is held back, masked as it stands: the stream ended or paused.
    pub fn flush(&mut self) -> Vec<u8> {
        let held = std::mem::take(&mut self.held);
        let mut out = Vec::with_capacity(held.len());
        self.values.mask_bytes(&held, &mut out);
        out
    }
}

/// The names of the Secrets a pod references: env `secretKeyRef`, `envFrom` `secretRef`, and `secret` and
/// `projected` volumes, sorted and each once.
pub fn referenced_secrets(pod: &Value) -> Vec<String> {
    let mut names = BTreeSet::new();
    let spec = pod.get("spec");
    let list = |value: Option<&Value>, field: &str| -> Vec<Value> {
        value.and_then(|v| v.get(field)).and_then(Value::as_array).cloned().unwrap_or_default()
    };
    let containers = ["containers", "initContainers", "ephemeralContainers"].into_iter().flat_map(|f| list(spec, f));
    let name_at = |value: &Value, pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_string);
    for container in containers {
        for env in list(Some(&container), "env") {
            names.extend(name_at(&env, "/valueFrom/secretKeyRef/name"));
        }
        for from in list(Some(&container), "envFrom") {
            names.extend(name_at(&from, "/secretRef/name"));
        }
    }
    for volume in list(spec, "volumes") {
        names.extend(name_at(&volume, "/secret/secretName"));
        for source in volume.pointer("/projected/sources").and_then(Value::as_array).into_iter().flatten() {
            names.extend(name_at(source, "/secret/name"));
        }
    }
    names.into_iter().filter(|n| !n.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n";

    fn values(list: &[&str]) -> SecretValues {
        SecretValues::new(list.iter().map(|v| v.as_bytes()))
    }

    #[test]
    fn masks_several_values_in_one_pass() {
        let v = values(&["Xq7-rhubarb-2291", "tok_9f8e7d6c5b"]);
        assert_eq!(
            v.mask("connecting to postgres://shop:Xq7-rhubarb-2291@postgres:5432/orders with tok_9f8e7d6c5b"),
            "connecting to postgres://shop:••••••@postgres:5432/orders with ••••••"
        );
        assert!(matches!(v.mask("nothing here"), Cow::Borrowed(_)), "a clean line is not copied");
        assert_eq!(v.mask("Xq7-rhubarb-2291Xq7-rhubarb-2291"), "••••••••••••");
    }

    #[test]
    fn the_longest_of_overlapping_values_is_masked_whole() {
        let v = values(&["hunter2-xyzzy", "hunter2-xyzzy-and-more", "xyzzy-and"]);
        assert_eq!(v.mask("pw=hunter2-xyzzy-and-more;"), "pw=••••••;");
        assert_eq!(v.mask("pw=hunter2-xyzzy;"), "pw=••••••;");
        assert_eq!(v.mask("a xyzzy-and b"), "a •••••• b");
    }

    #[test]
    fn the_base64_form_is_masked_too() {
        let v = values(&["hunter2-xyzzy"]);
        assert_eq!(v.mask("data.password: aHVudGVyMi14eXp6eQ=="), "data.password: ••••••");
        // As the API serves it.
        let secret = json!({"kind": "Secret", "data": {"password": "aHVudGVyMi14eXp6eQ=="}, "stringData": {"t": "plain-token-1"}});
        let v = SecretValues::from_secrets([&secret]);
        assert_eq!(v.mask("hunter2-xyzzy aHVudGVyMi14eXp6eQ== plain-token-1"), "•••••• •••••• ••••••");
    }

    #[test]
    fn a_pem_key_is_masked_whole_and_line_by_line() {
        let v = values(&[PEM]);
        let whole = v.mask(PEM.trim_end());
        assert_eq!(whole, "••••••", "the key printed whole");
        // Printed one line per log line, or indented in YAML: each line of its body is masked, its armour stays.
        assert_eq!(v.mask("-----BEGIN PRIVATE KEY-----"), "-----BEGIN PRIVATE KEY-----");
        assert_eq!(v.mask("    MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "    ••••••");
        assert_eq!(v.mask("key: BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\r"), "key: ••••••\r");
    }

    #[test]
    fn short_numeric_and_common_values_are_left_alone() {
        let v = values(&["admin", "true", "5432", "1234567", "secret", "Default", "hi", ""]);
        assert!(v.is_empty(), "{v:?}");
        let line = "admin logged in: true, port 5432, pin 1234567, default secret";
        assert_eq!(v.mask(line), line);
        assert!(maskable("12345678"), "a long number may be a PIN");
        assert!(maskable("s3cr3t"));
        assert!(!maskable("  ab  "));
    }

    #[test]
    fn utf8_values_and_neighbours_keep_their_characters() {
        let v = values(&["pässwörd-ñ", "日本語のパスワード"]);
        assert_eq!(v.mask("café pässwörd-ñ é"), "café •••••• é");
        assert_eq!(v.mask("字日本語のパスワード字"), "字••••••字");
        // A value that is not UTF-8 is still found in its base64 form, and never splits a character.
        let binary = SecretValues::new([[0xA9u8, 0xFF, 0x00, 0x41, 0x42, 0x43]]);
        assert_eq!(binary.mask("é© qf8AQUJD"), "é© ••••••");
    }

    #[test]
    fn a_value_split_across_chunks_is_masked() {
        let v = values(&["Xq7-rhubarb-2291"]);
        let mut stream = StreamMasker::new(v.clone());
        let mut shown = stream.push(b"DB_PASSWORD=Xq7-rhu");
        assert_eq!(shown, b"DB_PASSWORD=", "the possible start of a value waits");
        assert!(stream.holding());
        shown.extend(stream.push(b"barb-2291\r\nPATH=/bin\r\n"));
        assert_eq!(String::from_utf8(shown).unwrap(), "DB_PASSWORD=••••••\r\nPATH=/bin\r\n");
        assert!(!stream.holding());
        // A start that turns out to be something else is shown as it was.
        let mut shown = stream.push(b"Xq7-");
        shown.extend(stream.push(b"other\r\n"));
        assert_eq!(shown, b"Xq7-other\r\n");
        // The stream pauses on a start: it is shown once flushed.
        assert_eq!(stream.push(b"$ Xq"), b"$ ");
        assert_eq!(stream.flush(), b"Xq");
        // Byte by byte, as a slow terminal delivers it.
        let mut shown = Vec::new();
        for b in b"x Xq7-rhubarb-2291 y" {
            shown.extend(stream.push(&[*b]));
        }
        shown.extend(stream.flush());
        assert_eq!(String::from_utf8(shown).unwrap(), "x •••••• y");
        // Nothing to mask: chunks pass as they are.
        let mut plain = StreamMasker::new(SecretValues::default());
        assert_eq!(plain.push(b"Xq7-"), b"Xq7-");
    }

    #[test]
    fn the_longer_value_wins_across_chunks() {
        let mut stream = StreamMasker::new(values(&["abcdefgh", "abcdefgh-ijkl"]));
        let mut shown = stream.push(b"[abcdefgh");
        shown.extend(stream.push(b"-ijkl]"));
        shown.extend(stream.flush());
        assert_eq!(String::from_utf8(shown).unwrap(), "[••••••]");
    }

    #[test]
    fn the_secrets_a_pod_references() {
        // Shaped like a pod from a real control plane, with every way to reference a Secret.
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "checkout-648c6c6dc8-68ffl", "namespace": "shop"},
            "spec": {
                "initContainers": [{"name": "migrate", "envFrom": [{"secretRef": {"name": "migrate-creds"}}]}],
                "containers": [{
                    "name": "checkout",
                    "env": [
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "password"}}},
                        {"name": "MODE", "value": "prod"},
                        {"name": "CFG", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}},
                        {"name": "DB_USER", "valueFrom": {"secretKeyRef": {"name": "checkout-db", "key": "user"}}}
                    ],
                    "envFrom": [{"configMapRef": {"name": "cfg"}}, {"secretRef": {"name": "api-keys"}}]
                }],
                "volumes": [
                    {"name": "tls", "secret": {"secretName": "checkout-tls", "defaultMode": 420}},
                    {"name": "kube-api-access-x2x4q", "projected": {"sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt"}},
                        {"secret": {"name": "bundle"}}
                    ]}},
                    {"name": "data", "emptyDir": {}}
                ]
            }
        });
        assert_eq!(referenced_secrets(&pod), ["api-keys", "bundle", "checkout-db", "checkout-tls", "migrate-creds"]);
        assert!(referenced_secrets(&json!({"metadata": {"name": "bare"}})).is_empty());
    }
}
