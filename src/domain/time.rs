//! Calendar arithmetic on Unix seconds (UTC), the unit every stored time uses.
//!
//! Plain integer arithmetic, so the same code runs on the server and in the browser, and both
//! render the same text when given the same `now` (the server's clock).

pub const DAY: i64 = 86_400;

/// `2026-11-23T23:07:39Z`
pub fn iso8601(at: i64) -> String {
    let (date, (h, m, s)) = split(at);
    format!("{date}T{h:02}:{m:02}:{s:02}Z")
}

/// `2026-11-23 23:07:39 UTC`
pub fn exact(at: i64) -> String {
    let (date, (h, m, s)) = split(at);
    format!("{date} {h:02}:{m:02}:{s:02} UTC")
}

/// `2026-11-23`
pub fn date(at: i64) -> String {
    split(at).0
}

/// "just now", "3 minutes ago", "in 7 days", falling back to the date beyond a month.
pub fn relative(at: i64, now: i64) -> String {
    let delta = now - at;
    let (amount, future) = (delta.unsigned_abs(), delta < 0);
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    let (count, unit) = match amount {
        0..45 => return "just now".into(),
        45..90 => (1, "minute"),
        90..2700 => (amount.div_ceil(MINUTE).min(44), "minute"),
        2700..5400 => (1, "hour"),
        5400..79200 => (amount.div_ceil(HOUR).min(21), "hour"),
        79200..129600 => (1, "day"),
        _ if amount < 30 * DAY => (amount.div_ceil(DAY), "day"),
        _ => return date(at),
    };
    let plural = if count == 1 { "" } else { "s" };
    if future {
        format!("in {count} {unit}{plural}")
    } else {
        format!("{count} {unit}{plural} ago")
    }
}

/// Parses `YYYY-MM-DD` (as sent by `<input type="date">`) to the Unix time of that day's
/// midnight, UTC.
pub fn parse_date(raw: &str) -> Option<i64> {
    let mut parts = raw.trim().splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let days = days_from_civil(y, m, d)?;
    // Reject dates like 2026-02-30 that don't round-trip.
    (civil_from_days(days) == (y, m, d)).then_some(days * DAY)
}

fn split(at: i64) -> (String, (i64, i64, i64)) {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (format!("{y:04}-{m:02}-{d:02}"), (secs / 3600, secs % 3600 / 60, secs % 60))
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A proleptic Gregorian date to days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let (m, d) = (i64::from(m), i64::from(d));
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_exact_times_in_utc() {
        assert_eq!(exact(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(iso8601(1_795_647_659), "2026-11-25T23:00:59Z");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(-86_400), "1969-12-31");
    }

    #[test]
    fn parses_dates_from_date_inputs() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-02-29"), Some(951_782_400));
        assert_eq!(parse_date("2026-11-25").map(date), Some("2026-11-25".into()));
        for bad in ["", "2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "tomorrow", "2026-01-01T00:00"] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = 1_800_000_000;
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - 60, now), "1 minute ago");
        assert_eq!(relative(now - 5 * 60, now), "5 minutes ago");
        assert_eq!(relative(now - 3 * 3600, now), "3 hours ago");
        assert_eq!(relative(now - 26 * 3600, now), "1 day ago");
        assert_eq!(relative(now - 5 * 86_400, now), "5 days ago");
        assert_eq!(relative(now + 7 * 86_400, now), "in 7 days");
        assert_eq!(relative(now - 90 * 86_400, now), date(now - 90 * 86_400));
    }
}
