//! `@every <duration>`: Go's duration syntax.

use chrono::TimeDelta;

use super::CronError;

/// Parses a Go duration (`300ms`, `1.5h`, `2h45m`) into a positive [`TimeDelta`] of at
/// least one second (timers fire at second resolution).
pub(super) fn parse_interval(text: &str) -> Result<TimeDelta, CronError> {
    let bad = |reason: &str| CronError::Interval {
        text: text.to_owned(),
        reason: reason.to_owned(),
    };
    if text.starts_with('-') {
        return Err(bad("it must be positive"));
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return Err(bad("it is empty"));
    }
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        let value: f64 = number
            .parse()
            .map_err(|_| bad("expected a number followed by a unit, e.g. `5m` or `1h30m`"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let unit_ns = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(bad("a unit is missing; use ns, us, ms, s, m or h")),
            _ => {
                return Err(bad(
                    "unknown unit; use ns, us, ms, s, m or h (there is no `d`)",
                ));
            }
        };
        total_ns += value * unit_ns;
        rest = tail;
    }
    if total_ns <= 0.0 {
        return Err(bad("it must be greater than zero"));
    }
    if total_ns < 1e9 {
        return Err(bad(
            "it must be at least 1s; timers fire at second resolution",
        ));
    }
    // Clamp far below i64::MAX nanoseconds (~292 years) so the cast is exact enough.
    if total_ns > 1e18 {
        return Err(bad("it is too long"));
    }
    // In range (checked above); rounding away sub-nanoseconds is intended.
    let nanos = total_ns.round() as i64;
    Ok(TimeDelta::nanoseconds(nanos))
}
