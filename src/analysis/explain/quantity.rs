//! Resource quantities (`500m`, `64`, `128Mi`, `1e3`) as numbers, and back into words, for comparing what a
//! pod asks for with what nodes offer.

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// A quantity as a plain number of base units (cores for cpu, bytes for memory); `None` when malformed.
pub fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0_f64.powi(2),
        "Gi" => 1024.0_f64.powi(3),
        "Ti" => 1024.0_f64.powi(4),
        "Pi" => 1024.0_f64.powi(5),
        "Ei" => 1024.0_f64.powi(6),
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    Some(number * factor).filter(|v| v.is_finite())
}

/// [`parse`] for a k8s-openapi [`Quantity`].
pub fn value(q: &Quantity) -> Option<f64> {
    parse(&q.0)
}

/// CPU in words: `64 CPUs`, `1 CPU`, `500m CPU`.
pub fn cpu_words(cores: f64) -> String {
    let millis = (cores * 1000.0).round();
    if millis % 1000.0 == 0.0 {
        let n = millis / 1000.0;
        if n == 1.0 { "1 CPU".to_string() } else { format!("{n} CPUs") }
    } else {
        format!("{millis}m CPU")
    }
}

/// A CPU count without its unit, as in "the largest node has 4".
pub fn cpu_number(cores: f64) -> String {
    let millis = (cores * 1000.0).round();
    if millis % 1000.0 == 0.0 { format!("{}", millis / 1000.0) } else { format!("{millis}m") }
}

/// Bytes in the largest binary unit that keeps a short number: `128Mi`, `2Gi`, `1.5Gi`.
pub fn bytes_words(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut value = bytes;
    let mut unit = "";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    let rounded = (value * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}{unit}") } else { format!("{rounded:.1}{unit}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kubernetes_quantities() {
        assert_eq!(parse("64"), Some(64.0));
        assert_eq!(parse("500m"), Some(0.5));
        assert_eq!(parse("0.5"), Some(0.5));
        assert_eq!(parse("128Mi"), Some(134_217_728.0));
        assert_eq!(parse("8Gi"), Some(8.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse("1k"), Some(1000.0));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("12Xi"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn words_read_naturally() {
        assert_eq!(cpu_words(64.0), "64 CPUs");
        assert_eq!(cpu_words(1.0), "1 CPU");
        assert_eq!(cpu_words(0.25), "250m CPU");
        assert_eq!(cpu_number(4.0), "4");
        assert_eq!(bytes_words(134_217_728.0), "128Mi");
        assert_eq!(bytes_words(2.0 * 1024.0 * 1024.0 * 1024.0), "2Gi");
        assert_eq!(bytes_words(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
        assert_eq!(bytes_words(512.0), "512");
    }
}
