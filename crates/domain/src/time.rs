//! Bounds on dates and times: both backends store years 1900 to 9999 exactly, so anything outside
//! is refused at the boundary instead of failing in storage.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::error::{DomainError, Result};

const MIN_YEAR: i16 = 1900;
const MAX_YEAR: i16 = 9999;

/// Checks a calendar date is within the supported years.
pub fn check_date(field: &'static str, date: Date) -> Result<Date> {
    if (MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(DomainError::invalid(
            field,
            format!("must be between the years {MIN_YEAR} and {MAX_YEAR}"),
        ))
    }
}

/// Checks a timestamp is within the supported years and rounds it to microseconds, the precision
/// both backends keep.
pub fn check_timestamp(field: &'static str, ts: Timestamp) -> Result<Timestamp> {
    let year = ts.to_zoned(jiff::tz::TimeZone::UTC).year();
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(DomainError::invalid(
            field,
            format!("must be between the years {MIN_YEAR} and {MAX_YEAR}"),
        ));
    }
    Ok(ts.round(jiff::Unit::Microsecond).unwrap_or(ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_rounding() {
        assert!(check_date("d", jiff::civil::date(1899, 12, 31)).is_err());
        assert!(check_date("d", jiff::civil::date(2027, 6, 30)).is_ok());
        let ts: Timestamp = "-000001-01-01T00:00:00Z".parse().unwrap();
        assert!(check_timestamp("t", ts).is_err());
        let ts: Timestamp = "2026-01-01T00:00:00.123456789Z".parse().unwrap();
        assert_eq!(
            check_timestamp("t", ts).unwrap().to_string(),
            "2026-01-01T00:00:00.123457Z"
        );
    }
}
