//! Resource quantities (`100m`, `2`, `64Mi`, `1Gi`) as plain integers, enough for scheduling decisions.

/// CPU in millicores: `100m` → 100, `2` → 2000, `0.5` → 500.
pub(crate) fn cpu_millis(q: &str) -> Option<i64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<f64>().ok().map(|v| v.round() as i64);
    }
    q.parse::<f64>().ok().map(|v| (v * 1000.0).round() as i64)
}

/// Memory in bytes: `64Mi`, `1Gi`, `128M`, `1000`.
pub(crate) fn bytes(q: &str) -> Option<i64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    let q = q.trim();
    for (suffix, factor) in SUFFIXES {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().ok().map(|v| (v * factor) as i64);
        }
    }
    q.parse::<f64>().ok().map(|v| v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse() {
        assert_eq!(cpu_millis("100m"), Some(100));
        assert_eq!(cpu_millis("64"), Some(64_000));
        assert_eq!(cpu_millis("0.5"), Some(500));
        assert_eq!(bytes("64Mi"), Some(64 * 1024 * 1024));
        assert_eq!(bytes("16Gi"), Some(16 * 1024 * 1024 * 1024));
        assert_eq!(bytes("1k"), Some(1000));
        assert_eq!(bytes("x"), None);
    }
}
