//! Stable names and identifiers: everything the simulated controllers invent is a pure function of a seed,
//! so that reconciling the same objects twice invents the same names.
use serde_json::Value;

/// The alphabet Kubernetes uses for generated names and pod-template hashes (no vowels, no look-alikes).
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub(crate) fn fnv1a_32(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

pub(crate) fn fnv1a_64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// SplitMix64's finaliser: spreads FNV's output so that similar seeds give unrelated digits.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Kubernetes' `rand.SafeEncodeString`: maps each byte onto the safe alphabet.
pub(crate) fn safe_encode(s: &str) -> String {
    s.bytes().map(|b| char::from(ALPHANUMS[usize::from(b) % ALPHANUMS.len()])).collect()
}

/// The `pod-template-hash` of a pod template, computed as the deployment controller does:
/// FNV-32a over the template, printed in decimal, then safe-encoded.
pub(crate) fn template_hash(template: &Value) -> String {
    // serde_json's map is ordered by key, so this text is canonical.
    safe_encode(&fnv1a_32(template.to_string().as_bytes()).to_string())
}

/// `len` characters of the safe alphabet, stable for `seed` (like the 5-char suffix of a generated name).
pub(crate) fn suffix(seed: &str, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut round = 0u32;
    while out.len() < len {
        let mut h = mix64(fnv1a_64(format!("{seed}#{round}").as_bytes()));
        // 13 characters fit in 64 bits of entropy (27^13 < 2^64).
        for _ in 0..13 {
            if out.len() == len {
                break;
            }
            out.push(char::from(ALPHANUMS[(h % 27) as usize]));
            h /= 27;
        }
        round += 1;
    }
    out
}

/// `len` lowercase hex digits, stable for `seed` (container IDs, image digests, machine IDs).
pub(crate) fn hex(seed: &str, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut round = 0u32;
    while out.len() < len {
        out.push_str(&format!("{:016x}", mix64(fnv1a_64(format!("{seed}/{round}").as_bytes()))));
        round += 1;
    }
    out.truncate(len);
    out
}

/// A version-4-shaped UUID, stable for `seed`.
pub(crate) fn uid(seed: &str) -> String {
    let h = hex(&format!("uid:{seed}"), 32);
    let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16]) % 4];
    format!("{}-{}-4{}-{}{}-{}", &h[0..8], &h[8..12], &h[13..16], variant, &h[17..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_names_use_the_kubernetes_alphabet() {
        let s = suffix("pod", 5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| ALPHANUMS.contains(&b)));
        assert_eq!(s, suffix("pod", 5));
        assert_ne!(s, suffix("pod2", 5));
        assert_eq!(suffix("x", 30).len(), 30);
    }

    #[test]
    fn template_hash_is_stable_and_sensitive() {
        let a = json!({"spec": {"containers": [{"name": "a", "image": "x:1"}]}});
        let b = json!({"spec": {"containers": [{"name": "a", "image": "x:2"}]}});
        assert_eq!(template_hash(&a), template_hash(&a.clone()));
        assert_ne!(template_hash(&a), template_hash(&b));
        assert!(template_hash(&a).bytes().all(|c| ALPHANUMS.contains(&c)));
    }

    #[test]
    fn uids_look_like_uuids() {
        let u = uid("x");
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert_eq!(hex("img", 64).len(), 64);
    }
}
