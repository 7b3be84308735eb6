//! Time in Maillage: stored as RFC 3339 UTC text (sortable, equal on both backends), shown to
//! people as dd/mm/yyyy in Europe/Paris wall time.

use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339, macros::format_description};

/// The current instant, truncated to the second (what the store keeps).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

/// Storage form: `2026-11-26T11:54:14Z`.
pub fn to_storage(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t).format(&Rfc3339).unwrap_or_default()
}

/// Parses the storage form back; `None` for anything else.
pub fn from_storage(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// Offset of Paris wall time at `t` (CET/CEST: last Sunday of March to last Sunday of October,
/// 01:00 UTC), so that pages show the time the users' clocks show without a time-zone database.
pub fn paris_offset(t: OffsetDateTime) -> UtcOffset {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    let last_sunday = |month: time::Month| {
        let last_day = time::util::days_in_month(month, year);
        let d = time::Date::from_calendar_date(year, month, last_day).ok();
        d.map(|d| {
            let back = d.weekday().number_days_from_sunday();
            d - time::Duration::days(i64::from(back))
        })
    };
    let (Some(start), Some(end)) = (last_sunday(time::Month::March), last_sunday(time::Month::October)) else {
        return UtcOffset::UTC;
    };
    let summer_start = start.with_hms(1, 0, 0).map(|d| d.assume_utc());
    let summer_end = end.with_hms(1, 0, 0).map(|d| d.assume_utc());
    let hours = match (summer_start, summer_end) {
        (Ok(s), Ok(e)) if t >= s && t < e => 2,
        _ => 1,
    };
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The month of `t` in Paris, as a number: `202611`.
pub fn month_number(t: OffsetDateTime) -> i64 {
    let local = t.to_offset(paris_offset(t));
    i64::from(local.year()) * 100 + i64::from(u8::from(local.month()))
}

/// `26/11/2026`
pub fn date_fr(t: OffsetDateTime) -> String {
    let local = t.to_offset(paris_offset(t));
    local.format(format_description!("[day]/[month]/[year]")).unwrap_or_default()
}

/// `26/11/2026 à 12:54`
pub fn datetime_fr(t: OffsetDateTime) -> String {
    let local = t.to_offset(paris_offset(t));
    local.format(format_description!("[day]/[month]/[year] à [hour]:[minute]")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn storage_round_trip() {
        let t = datetime!(2026-11-26 11:54:14 UTC);
        assert_eq!(to_storage(t), "2026-11-26T11:54:14Z");
        assert_eq!(from_storage("2026-11-26T11:54:14Z"), Some(t));
        assert_eq!(from_storage("26/11/2026"), None);
    }

    #[test]
    fn french_dates_use_paris_time() {
        assert_eq!(datetime_fr(datetime!(2026-11-26 11:54:14 UTC)), "26/11/2026 à 12:54");
        assert_eq!(datetime_fr(datetime!(2026-07-01 22:30:00 UTC)), "02/07/2026 à 00:30");
        assert_eq!(date_fr(datetime!(2026-03-29 00:59:00 UTC)), "29/03/2026");
        assert_eq!(paris_offset(datetime!(2026-03-29 01:00:00 UTC)).whole_hours(), 2);
        assert_eq!(paris_offset(datetime!(2026-10-25 00:59:00 UTC)).whole_hours(), 2);
        assert_eq!(paris_offset(datetime!(2026-10-25 01:00:00 UTC)).whole_hours(), 1);
    }
}
