//! Calendar dates for people, computed in Rust: JavaScript's `Date` only covers ±8.64e15 ms
//! (year 275,760) and `toISOString` throws beyond it, while a time claim may be any integer up
//! to 2^53 - 1 seconds (year 285,428,751).

use crate::core::facts::SECONDS_PER_DAY;

/// `YYYY-MM-DDTHH:MM:SSZ` (years past 9999 get more digits, as ISO 8601 expanded years do).
pub fn iso8601(seconds: u64) -> String {
    let (year, month, day) = civil_from_days(seconds / SECONDS_PER_DAY);
    let rest = seconds % SECONDS_PER_DAY;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest / 60 % 60, rest % 60)
}

/// `YYYY-MM-DD`.
pub fn iso_date(seconds: u64) -> String {
    let (year, month, day) = civil_from_days(seconds / SECONDS_PER_DAY);
    format!("{year:04}-{month:02}-{day:02}")
}

/// (year, month 1–12, day) of a time, for dates written in words.
pub fn date_parts(seconds: u64) -> (u64, u64, u64) {
    civil_from_days(seconds / SECONDS_PER_DAY)
}

/// `HH:MM` (UTC) of a time.
pub fn clock_time(seconds: u64) -> String {
    let rest = seconds % SECONDS_PER_DAY;
    format!("{:02}:{:02}", rest / 3600, rest / 60 % 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm,
/// for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_763_700_000), "2025-11-21T04:40:00Z");
        assert_eq!(iso8601(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(iso_date(86_400 * 365), "1971-01-01");
    }

    #[test]
    fn never_fails_on_extreme_times() {
        // Past JavaScript's Date range, up to the largest time claim.
        assert_eq!(iso8601(8_640_000_000_001), "275760-09-13T00:00:01Z");
        assert!(iso8601(crate::core::json::MAX_SAFE_INTEGER).starts_with("285428751-"));
        assert!(iso8601(u64::MAX).ends_with('Z'));
    }
}
