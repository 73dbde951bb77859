//! Times as the API server writes them, and the relative times scenarios may use.
use anyhow::{Context, bail};
use jiff::{SignedDuration, Timestamp};

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's `civil_from_days`. Hand-written
/// because formatting timestamps is hot in the controllers and jiff's general formatter is not.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01, Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// RFC 3339 with whole seconds: `2026-11-22T03:31:05Z` (metav1.Time).
pub(crate) fn format(ts: Timestamp) -> String {
    let secs = ts.as_second();
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// RFC 3339 with microseconds: `2026-11-22T03:31:05.715125Z` (metav1.MicroTime, used by `eventTime`).
pub(crate) fn format_micros(ts: Timestamp) -> String {
    let whole = format(ts);
    let micros = ts.subsec_nanosecond().max(0) / 1000;
    format!("{}.{micros:06}Z", &whole[..whole.len() - 1])
}

/// Parses RFC 3339; `YYYY-MM-DDTHH:MM:SSZ`, what the API server writes, takes a fast path.
pub(crate) fn parse(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    let fixed = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if fixed {
        let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok());
        if let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) =
            (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
            && (1..=12).contains(&mo)
            && (1..=31).contains(&d)
            && h < 24
            && mi < 60
            && se < 61
        {
            let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se;
            return Timestamp::from_second(secs).ok();
        }
    }
    s.parse().ok()
}

pub(crate) fn plus(ts: Timestamp, secs: i64) -> Timestamp {
    ts.saturating_add(SignedDuration::from_secs(secs)).unwrap_or(ts)
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
        let n: i64 =
            number.parse().with_context(|| format!("missing number before {c:?} in relative time {text:?}"))?;
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
    fn the_fast_paths_agree_with_jiff() {
        for text in ["1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z", "2026-11-22T03:31:05Z", "2100-03-01T12:00:00Z"] {
            let ts: Timestamp = text.parse().unwrap();
            assert_eq!(format(ts), text);
            assert_eq!(parse(text), Some(ts));
            assert_eq!(format(ts), ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        assert_eq!(parse("2026-11-22T03:31:05.5+01:00"), "2026-11-22T02:31:05.5Z".parse().ok());
        assert_eq!(parse("nope"), None);
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
