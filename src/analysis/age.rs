//! Ages as kubectl prints them (`93s`, `5m3s`, `3h10m`, `2d4h`, `45d`, `2y45d`).
//!
//! A port of `k8s.io/apimachinery/pkg/util/duration.HumanDuration`, so every age mosaic shows reads the same
//! as the `AGE` column of `kubectl get`.

use jiff::{SignedDuration, Timestamp};

/// How long ago `from` was, seen at `now`, exactly as kubectl prints an age.
pub fn human_age(from: Timestamp, now: Timestamp) -> String {
    human_duration(now.duration_since(from))
}

/// kubectl's `duration.HumanDuration`: about two or three significant figures of a duration.
///
/// Up to one second in the future counts as now (`0s`), to tolerate clock skew between the machine and the
/// API server; further in the future is `<invalid>`.
pub fn human_duration(d: SignedDuration) -> String {
    // `as_secs` truncates toward zero, as Go's `int(d.Seconds())` does.
    let seconds = d.as_secs();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        let s = seconds % 60;
        return if s == 0 { format!("{minutes}m") } else { format!("{minutes}m{s}s") };
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = seconds / 3600;
    if hours < 8 {
        let m = minutes % 60;
        return if m == 0 { format!("{hours}h") } else { format!("{hours}h{m}m") };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        let h = hours % 24;
        return if h == 0 { format!("{days}d") } else { format!("{days}d{h}h") };
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        let dy = days % 365;
        return if dy == 0 { format!("{years}y") } else { format!("{years}y{dy}d") };
    }
    format!("{years}y")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;
    const SEC: i64 = 1_000 * MS;
    const MIN: i64 = 60 * SEC;
    const HOUR: i64 = 60 * MIN;
    const DAY: i64 = 24 * HOUR;
    const YEAR: i64 = 365 * DAY;

    fn nanos(n: i64) -> String {
        human_duration(SignedDuration::from_nanos(n))
    }

    /// kubectl's own table, `TestHumanDuration` and `TestHumanDurationBoundaries` in apimachinery.
    #[test]
    fn matches_kubectl_boundaries() {
        let cases: &[(i64, &str)] = &[
            (SEC, "1s"),
            (70 * SEC, "70s"),
            (190 * SEC, "3m10s"),
            (70 * MIN, "70m"),
            (47 * HOUR, "47h"),
            (49 * HOUR, "2d1h"),
            ((8 * 24 + 2) * HOUR, "8d"),
            (367 * DAY, "367d"),
            (2 * YEAR + 25 * HOUR, "2y1d"),
            (8 * YEAR + 2 * HOUR, "8y"),
            (-2 * SEC, "<invalid>"),
            (-2 * SEC + 1, "0s"),
            (0, "0s"),
            (SEC - MS, "0s"),
            (2 * MIN - MS, "119s"),
            (2 * MIN, "2m"),
            (2 * MIN + SEC, "2m1s"),
            (10 * MIN - MS, "9m59s"),
            (10 * MIN, "10m"),
            (10 * MIN + SEC, "10m"),
            (3 * HOUR - MS, "179m"),
            (3 * HOUR, "3h"),
            (3 * HOUR + MIN, "3h1m"),
            (8 * HOUR - MS, "7h59m"),
            (8 * HOUR, "8h"),
            (8 * HOUR + 59 * MIN, "8h"),
            (2 * DAY - MS, "47h"),
            (2 * DAY, "2d"),
            (2 * DAY + HOUR, "2d1h"),
            (8 * DAY - MS, "7d23h"),
            (8 * DAY, "8d"),
            (8 * DAY + 23 * HOUR, "8d"),
            (2 * YEAR - MS, "729d"),
            (2 * YEAR, "2y"),
            (2 * YEAR + 23 * HOUR, "2y"),
            (2 * YEAR + 23 * HOUR + 59 * MIN, "2y"),
            (2 * YEAR + DAY - MS, "2y"),
            (2 * YEAR + DAY, "2y1d"),
            (3 * YEAR, "3y"),
            (7 * YEAR, "7y"),
            (8 * YEAR - MS, "7y364d"),
            (8 * YEAR, "8y"),
            (8 * YEAR + 364 * DAY, "8y"),
            (9 * YEAR, "9y"),
        ];
        for &(n, want) in cases {
            assert_eq!(nanos(n), want, "HumanDuration({n}ns)");
        }
    }

    /// The shapes the UI shows most often.
    #[test]
    fn typical_ages() {
        let cases: &[(i64, &str)] = &[
            (93 * SEC, "93s"),
            (5 * MIN + 3 * SEC, "5m3s"),
            (3 * HOUR + 10 * MIN, "3h10m"),
            (2 * DAY + 4 * HOUR, "2d4h"),
            (45 * DAY, "45d"),
            (2 * YEAR + 45 * DAY, "2y45d"),
        ];
        for &(n, want) in cases {
            assert_eq!(nanos(n), want);
        }
    }

    #[test]
    fn human_age_measures_from_then_to_now() {
        let then: Timestamp = "2026-11-22T03:31:05Z".parse().expect("timestamp");
        let now: Timestamp = "2026-11-22T03:32:38Z".parse().expect("timestamp");
        assert_eq!(human_age(then, now), "93s");
        assert_eq!(human_age(now, then), "<invalid>");
        assert_eq!(human_age(now, now), "0s");
    }
}
