//! The dates of IAM's date conditions, as seconds since the epoch.

/// `1735689600` (epoch seconds), or ISO 8601 in the W3C profile IAM names ("Date condition
/// operators": <https://www.w3.org/TR/NOTE-datetime>): `2025-06` (the month's first second),
/// `2025-01-01`, `2025-01-01T00:00Z`, `2025-01-01T00:00:00Z`, with a fraction of a second, and
/// `Z` or an offset `±hh:mm` after any time. `None` for anything else (a policy variable, a typo,
/// `2025-1-1`, a time without a zone, `+0200`, a lower-case `t`): IAM documents no reading of
/// those, so the condition is left unknown, and a Deny on one guards nothing. So is a number of four
/// to eight digits, or one with a sign: `2030` is a year in ISO 8601 (the W3C profile lists
/// `YYYY`), `20300101` a date in its basic format, `+2030` an expanded year, and each a moment of
/// 1970–1973 as epoch time; which one IAM reads is not documented ([`readings`] gives both).
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let all_digits = text.bytes().all(|b| b.is_ascii_digit());
    if (all_digits && (4..=8).contains(&text.len())) || text.starts_with(['+', '-']) {
        return None;
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    let (date, clock) = match text.split_once('T') {
        Some((date, clock)) => (date, Some(clock)),
        None => (text, None),
    };
    let mut fields = date.splitn(3, '-');
    let year: i64 = fields.next().and_then(|y| digits(y, 4))?;
    let month: i64 = fields.next().and_then(|m| digits(m, 2))?;
    // `YYYY-MM` alone is the month's first second; with a time of day the day is needed.
    let day: i64 = match fields.next() {
        Some(day) => digits(day, 2)?,
        None if clock.is_none() => 1,
        None => return None,
    };
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut seconds = days_since_epoch(year, month, day) * 86_400;
    if let Some(clock) = clock {
        seconds += seconds_of_day(clock)?;
    }
    Some(seconds)
}

/// A field of a date or a time: digits only (Rust's parse also takes a sign, which no ISO 8601
/// field has).
fn number(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The earliest and the latest moment `text` can mean: the same for a value [`parse_time`] reads,
/// and for a number IAM may read two ways, both: `2025` as epoch seconds (in 1970) and as the
/// year's first second, `20250101` as epoch seconds and as that date. A condition that holds, or
/// fails, at both is decided whichever IAM takes. `None` when a reading is not known (`99999999`
/// is no date: IAM may read it as 1973 or not at all).
pub(crate) fn readings(text: &str) -> Option<(i64, i64)> {
    if let Some(seconds) = parse_time(text) {
        return Some((seconds, seconds));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let epoch: i64 = text.parse().ok()?;
    let (year, month, day) = match text.len() {
        4 => (epoch, 1, 1),
        8 => {
            let (year, rest) = text.split_at(4);
            let (month, day) = rest.split_at(2);
            (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let date = days_since_epoch(year, month, day) * 86_400;
    Some((epoch.min(date), epoch.max(date)))
}

/// `hh:mm`, `hh:mm:ss` or `hh:mm:ss.s…`, then `Z` or an offset `±hh:mm`, which is taken off (UTC).
fn seconds_of_day(clock: &str) -> Option<i64> {
    let (clock, offset) = match clock.strip_suffix('Z') {
        Some(clock) => (clock, 0),
        None => {
            let (clock, zone) = clock.split_at_checked(clock.len().checked_sub(6)?)?;
            let (sign, zone) = match (zone.strip_prefix('+'), zone.strip_prefix('-')) {
                (Some(rest), _) => (1, rest),
                (_, Some(rest)) => (-1, rest),
                _ => return None,
            };
            let (hours, minutes) = zone.split_once(':')?;
            let (hours, minutes) = (digits(hours, 2)?, digits(minutes, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            (clock, sign * (hours * 3600 + minutes * 60))
        }
    };
    let mut fields = clock.splitn(3, ':');
    let hours = fields.next().and_then(|h| digits(h, 2))?;
    let minutes = fields.next().and_then(|m| digits(m, 2))?;
    let seconds = match fields.next() {
        Some(seconds) => {
            let (whole, fraction) = match seconds.split_once('.') {
                Some((whole, fraction)) if !fraction.is_empty() => (whole, fraction),
                Some(_) => return None,
                None => (seconds, "0"),
            };
            if !fraction.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            digits(whole, 2)?
        }
        None => 0,
    };
    if hours > 23 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(hours * 3600 + minutes * 60 + seconds - offset)
}

/// A field of exactly `width` digits.
fn digits(text: &str, width: usize) -> Option<i64> {
    (text.len() == width).then(|| number(text)).flatten()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The second a time condition's value falls in (epoch seconds, rounded down): a date, or epoch
/// seconds with or without a decimal part, as `aws:EpochTime`'s numeric operators read them.
pub(crate) fn second_of(value: &str) -> Option<i64> {
    if let Some(seconds) = parse_time(value) {
        return Some(seconds);
    }
    // Beyond any date a policy holds; `as` saturates, and the window check drops it.
    plain_decimal(value).map(|seconds| seconds.floor() as i64)
}

/// A number as IAM's numeric operators read one: integer or decimal, plainly written. An exponent
/// (`1e9`) may not be what IAM reads, so it is not one (the condition stays unknown).
pub(crate) fn plain_decimal(value: &str) -> Option<f64> {
    let plain = value.bytes().all(|c| c.is_ascii_digit() || c == b'.' || c == b'-');
    value.parse::<f64>().ok().filter(|n| plain && n.is_finite())
}

/// `2027-01-01T00:00:00Z` for epoch seconds (UTC), as a message shows a date.
pub(crate) fn format_time(seconds: i64) -> String {
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// The date `days` after 1970-01-01 (the inverse of [`days_since_epoch`], same algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn days_since_epoch(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_value_falls_in_a_second() {
        assert_eq!(second_of("2026-12-15"), Some(1_797_292_800));
        assert_eq!(second_of("1797897600"), Some(1_797_897_600));
        assert_eq!(second_of("1797897600.5"), Some(1_797_897_600));
        assert_eq!(second_of("1797897600.0"), Some(1_797_897_600));
        assert_eq!(
            second_of("1e9"),
            None,
            "an exponent is left unknown, as the comparison does"
        );
        assert_eq!(second_of("${aws:EpochTime}"), None);
        assert_eq!(second_of("99999999999999999999999"), Some(i64::MAX));
    }

    #[test]
    fn epoch_seconds_print_as_utc_dates() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(format_time(1_709_208_000), "2024-02-29T12:00:00Z");
        assert_eq!(format_time(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59Z");
        for text in ["2026-12-31T23:59:59Z", "2100-03-01T00:00:00Z", "1999-12-31T12:30:45Z"] {
            assert_eq!(format_time(parse_time(text).unwrap()), text);
        }
    }

    /// A month of the W3C profile is its first second; a number IAM may read as a year (or a
    /// basic-format date) or as epoch seconds has both readings.
    #[test]
    fn months_and_ambiguous_numbers_have_their_readings() {
        assert_eq!(parse_time("2026-06"), Some(1_780_272_000));
        assert_eq!(parse_time("2026-6"), None, "not the profile's month");
        assert_eq!(parse_time("2026-06T10:00Z"), None, "a time needs its day");
        assert_eq!(readings("2026-06"), Some((1_780_272_000, 1_780_272_000)));
        assert_eq!(readings("2025"), Some((2025, 1_735_689_600)));
        assert_eq!(
            readings("20250101"),
            Some((1_735_689_600, 20_250_101)).map(|(d, e)| (e, d))
        );
        assert_eq!(
            readings("20251301"),
            None,
            "no such month: the date reading is not known"
        );
        for signed in [
            "2026-+6",
            "2026-06-+1",
            "2026-+6-01",
            "2026-06-01T+1:00Z",
            "2026-06-01T01:+0Z",
        ] {
            assert_eq!(parse_time(signed), None, "{signed}: a field with a sign is no ISO 8601");
        }
        assert_eq!(readings("123456"), None);
        assert_eq!(readings("+2025"), None);
    }

    #[test]
    fn iam_dates_become_epoch_seconds() {
        assert_eq!(parse_time("1735689600"), Some(1_735_689_600));
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("2025-01-01"), Some(1_735_689_600));
        assert_eq!(parse_time("2025-01-01T00:00:00Z"), Some(1_735_689_600));
        assert_eq!(parse_time("2025-01-01T00:00:00.123Z"), Some(1_735_689_600));
        assert_eq!(parse_time("2025-01-01T02:00:00+02:00"), Some(1_735_689_600));
        assert_eq!(parse_time("2024-12-31T19:00-05:00"), Some(1_735_689_600));
        assert_eq!(parse_time("2025-01-01T02:00:00.000+02:00"), Some(1_735_689_600));
        assert_eq!(parse_time("2024-02-29T12:00:00Z"), Some(1_709_208_000));
        assert_eq!(parse_time("2000-03-01"), Some(951_868_800));
        assert_eq!(
            parse_time("123456789"),
            Some(123_456_789),
            "nine digits are no ISO date"
        );
        for bad in [
            // Outside the W3C profile: IAM documents no reading of these.
            "2025-1-1",
            "2025-01-1",
            "2025-01-01T00:00:00",
            "2025-01-01T00:00",
            "2025-01-01T02:00:00.000+0200",
            "2025-01-01T02:00:00+02",
            "2025-01-01T00:00:00.Z",
            "2025-01-01t00:00:00z",
            "2025-01-01T00:00:00z",
            "2025-01-01T00:00:60Z",
            "2025-01-01T0:00:00Z",
            "2025-01-01T00:00:0Z",
            "2025-01-01T00:00:00+02:0",
            "2025-01-01T00:00:00é2:00",
            "2025-01-01T00:00:00+99999999999999999:00",
            "2025-01-01T00:00:00+24:00",
            "2025-01-01T00:00:00+2",
            "2025-01-01T00:00:00+002",
            "2025-01-01T00:00:00.x+02",
            "2023-02-29",
            "2025-13-01",
            "2025-1-1x",
            "25-01-01",
            "2025-01-01T24:00:00Z",
            "${aws:CurrentTime}",
            // A year, a date or a second of 1970: undocumented which, so unknown.
            "2030",
            "20300101",
            "+2030",
            "",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
