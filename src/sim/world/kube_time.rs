//! Times as the API server writes them, and the relative times scenarios may use.
use anyhow::{Context, bail};
use jiff::{SignedDuration, Timestamp};

/// RFC 3339 with whole seconds: `2026-11-22T03:31:05Z` (metav1.Time).
pub(crate) fn format(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// RFC 3339 with microseconds: `2026-11-22T03:31:05.715125Z` (metav1.MicroTime, used by `eventTime`).
pub(crate) fn format_micros(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(crate) fn parse(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

pub(crate) fn plus(ts: Timestamp, secs: i64) -> Timestamp {
    ts.saturating_add(SignedDuration::from_secs(secs))
        .unwrap_or(ts)
}

pub(crate) fn secs_between(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs()
}

/// A Go `time.Duration` string for whole seconds: `40s`, `1m20s`, `5m0s`, `1h0m0s`.
pub(crate) fn go_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// Parses a relative time such as `-2h15m`, `-40m`, `-3d`, `+30s` into seconds.
pub(crate) fn parse_relative(text: &str) -> anyhow::Result<i64> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => bail!("a relative time starts with - or +, got {text:?}"),
    };
    if rest.is_empty() {
        bail!("empty relative time {text:?}");
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => bail!("unknown unit {c:?} in relative time {text:?} (use d, h, m, s)"),
        };
        let n: i64 = number
            .parse()
            .with_context(|| format!("missing number before {c:?} in relative time {text:?}"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() {
        bail!("relative time {text:?} ends without a unit (use d, h, m, s)");
    }
    Ok(sign * total)
}

/// Whether a string looks like a relative time rather than an RFC 3339 timestamp.
pub(crate) fn is_relative(text: &str) -> bool {
    matches!(text.as_bytes().first(), Some(b'-' | b'+'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_parse() {
        assert_eq!(parse_relative("-2h15m").ok(), Some(-(2 * 3600 + 15 * 60)));
        assert_eq!(parse_relative("-40m").ok(), Some(-2400));
        assert_eq!(parse_relative("+1d30s").ok(), Some(86_430));
        assert!(parse_relative("-2x").is_err());
        assert!(parse_relative("-15").is_err());
        assert!(parse_relative("2h").is_err());
    }

    #[test]
    fn formats_match_the_api_server() {
        let ts: Timestamp = "2026-11-22T03:31:05.715125123Z".parse().unwrap();
        assert_eq!(format(ts), "2026-11-22T03:31:05Z");
        assert_eq!(format_micros(ts), "2026-11-22T03:31:05.715125Z");
        assert_eq!(go_duration(300), "5m0s");
        assert_eq!(go_duration(40), "40s");
        assert_eq!(go_duration(80), "1m20s");
    }
}
