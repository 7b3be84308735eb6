//! Time in Maillage: stored as RFC 3339 UTC text (sortable, equal on both backends), shown to
//! people as dd/mm/yyyy in Europe/Paris wall time.

use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339, macros::format_description};

/// The years Maillage accepts in dates it is given: wide enough for any archive or plan, far
/// enough from the date type's limits (year 9999) that adding a period never overflows.
pub const SUPPORTED_YEARS: std::ops::RangeInclusive<i32> = 1900..=9000;

/// A calendar date typed as `yyyy-mm-dd` (a form's date field), within [`SUPPORTED_YEARS`].
pub fn parse_iso_date(s: &str) -> Option<time::Date> {
    read_iso_date(s).ok()
}

/// Why a typed date is refused, said to the person who typed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateFault {
    #[error("Date illisible : choisissez-la dans le calendrier (jj/mm/aaaa).")]
    Unreadable,
    #[error("Année hors des limites acceptées (de 1900 à 9000).")]
    OutOfRange,
}

impl DateFault {
    /// The same, for an API's client, which sends `yyyy-mm-dd` rather than picks a day.
    pub fn for_api(self) -> String {
        match self {
            DateFault::Unreadable => "date illisible : format attendu aaaa-mm-jj (ISO 8601)".into(),
            DateFault::OutOfRange => self.to_string(),
        }
    }
}

/// A date typed in a form ([`read_typed_date`]), or none.
pub fn parse_typed_date(s: &str) -> Option<time::Date> {
    read_typed_date(s).ok()
}

/// [`parse_iso_date`], with the reason of a refusal: what an API client must send.
pub fn read_iso_date(s: &str) -> Result<time::Date, DateFault> {
    let d = time::Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| DateFault::Unreadable)?;
    in_range(d)
}

/// A date typed in a form: the date field's `yyyy-mm-dd`, or the French `dd/mm/yyyy` that a
/// person types where a browser shows the field as plain text.
pub fn read_typed_date(s: &str) -> Result<time::Date, DateFault> {
    let d = time::Date::parse(s.trim(), format_description!("[year]-[month]-[day]"))
        .or_else(|_| time::Date::parse(s.trim(), format_description!("[day]/[month]/[year]")))
        .map_err(|_| DateFault::Unreadable)?;
    in_range(d)
}

fn in_range(d: time::Date) -> Result<time::Date, DateFault> {
    if SUPPORTED_YEARS.contains(&d.year()) { Ok(d) } else { Err(DateFault::OutOfRange) }
}

/// The first instant of a day in Paris.
pub fn paris_day_start(d: time::Date) -> OffsetDateTime {
    let guess = d.midnight().assume_utc();
    d.midnight().assume_offset(paris_offset(guess)).to_offset(UtcOffset::UTC)
}

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
    let summer_start = start.with_hms(1, 0, 0).map(time::PlainDateTime::assume_utc);
    let summer_end = end.with_hms(1, 0, 0).map(time::PlainDateTime::assume_utc);
    let hours = match (summer_start, summer_end) {
        (Ok(s), Ok(e)) if t >= s && t < e => 2,
        _ => 1,
    };
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The date it is in Paris at `t`.
/// What a refused `local_instant` tells its writer.
pub const LOCAL_INSTANT_HELP: &str = "Une date et heure s'écrit aaaa-mm-jjThh:mm, à l'heure de Paris, entre 1970 et 2199, hors de l'heure sautée au passage à l'heure d'été.";

/// The years a typed date and time may fall in: anything else is a typing slip, and far years
/// are out of what storage and calendars write.
pub const TYPED_YEARS: std::ops::RangeInclusive<i32> = 1970..=2199;

/// A Paris wall-clock `yyyy-mm-ddThh:mm` (a `datetime-local` field, seconds allowed) as an
/// instant; anything else (an offset, a zone, trailing text, a year outside [`TYPED_YEARS`], a
/// time the spring clock change skips) is unreadable, never guessed. In the autumn's repeated
/// hour, the first (summer time) is meant.
pub fn local_instant(text: &str) -> Option<OffsetDateTime> {
    let (d, t) = text.trim().split_once('T')?;
    let date = time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    if !TYPED_YEARS.contains(&date.year()) {
        return None;
    }
    let time = time::Time::parse(t, time::macros::format_description!("[hour]:[minute]"))
        .or_else(|_| time::Time::parse(t, time::macros::format_description!("[hour]:[minute]:[second]")))
        .ok()?;
    let local = time::PrimitiveDateTime::new(date, time);
    [2, 1]
        .into_iter()
        .filter_map(|h| UtcOffset::from_hms(h, 0, 0).ok())
        .map(|o| local.assume_offset(o))
        .find(|t| paris_offset(*t) == t.offset())
}

/// An instant as a `datetime-local` field shows it: Paris wall-clock `yyyy-mm-ddThh:mm`.
pub fn local_field(t: OffsetDateTime) -> String {
    let l = t.to_offset(paris_offset(t));
    format!("{}T{:02}:{:02}", l.date(), l.hour(), l.minute())
}

pub fn paris_date(t: OffsetDateTime) -> time::Date {
    t.to_offset(paris_offset(t)).date()
}

/// The start of the week (Monday, Paris midnight) that holds `t`.
pub fn paris_week_start(t: OffsetDateTime) -> OffsetDateTime {
    let today = paris_date(t);
    paris_day_start(today - time::Duration::days(i64::from(today.weekday().number_days_from_monday())))
}

/// The month of `t` in Paris, as a number: `202611`.
pub fn month_number(t: OffsetDateTime) -> i64 {
    let local = t.to_offset(paris_offset(t));
    i64::from(local.year()) * 100 + i64::from(u8::from(local.month()))
}

/// The first instant of a month (`202611`) in Paris; `None` for a number that is no month.
pub fn month_start(month: i64) -> Option<OffsetDateTime> {
    let year = i32::try_from(month / 100).ok()?;
    let month_of_year = time::Month::try_from(u8::try_from(month % 100).ok()?).ok()?;
    let utc_midnight = time::Date::from_calendar_date(year, month_of_year, 1).ok()?.midnight().assume_utc();
    // Clocks never change at midnight on the 1st: the offset there is the one of local midnight.
    Some(utc_midnight - time::Duration::seconds(i64::from(paris_offset(utc_midnight).whole_seconds())))
}

/// The month after `month` (`202612` → `202701`).
pub fn next_month(month: i64) -> i64 {
    if month % 100 == 12 { (month / 100 + 1) * 100 + 1 } else { month + 1 }
}

/// `26/11/2026`
pub fn date_fr(t: OffsetDateTime) -> String {
    let local = t.to_offset(paris_offset(t));
    local.format(format_description!("[day]/[month]/[year]")).unwrap_or_default()
}

/// A calendar day (no time of day): `26/11/2026`.
/// The same day `years` years later (earlier when negative); a 29 February falls on the 28th
/// in a year without one.
pub fn add_years(d: time::Date, years: i32) -> time::Date {
    let year = d.year().saturating_add(years);
    d.replace_year(year).or_else(|_| time::Date::from_calendar_date(year, d.month(), 28)).unwrap_or(d)
}

pub fn day_fr(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// `26/11/2026 à 12:54`
pub fn datetime_fr(t: OffsetDateTime) -> String {
    let local = t.to_offset(paris_offset(t));
    local.format(format_description!("[day]/[month]/[year] à [hour]:[minute]")).unwrap_or_default()
}

#[cfg(test)]
mod local_tests {
    use super::*;

    #[test]
    fn a_typed_local_time_is_read_in_paris_and_never_guessed() {
        let winter = local_instant("2027-01-10T10:00").unwrap();
        assert_eq!(winter.offset(), UtcOffset::from_hms(1, 0, 0).unwrap());
        let summer = local_instant("2027-07-10T10:00").unwrap();
        assert_eq!(summer.offset(), UtcOffset::from_hms(2, 0, 0).unwrap());
        assert_eq!(local_field(summer), "2027-07-10T10:00");
        // The hour the spring change skips does not exist; the autumn's repeated hour is summer time first.
        assert_eq!(local_instant("2027-03-28T02:30"), None);
        assert_eq!(local_instant("2027-10-31T02:30").unwrap().offset(), UtcOffset::from_hms(2, 0, 0).unwrap());
        for far in ["-0001-01-01T10:00", "-9999-01-01T00:00", "0000-01-01T10:00", "1900-01-01T10:00", "9999-12-31T23:30"] {
            assert_eq!(local_instant(far), None, "{far}");
        }
    }
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

    #[test]
    fn forms_take_french_days_and_the_api_only_iso() {
        let day = time::macros::date!(2026 - 12 - 01);
        assert_eq!(read_typed_date("01/12/2026"), Ok(day));
        assert_eq!(read_typed_date(" 2026-12-01 "), Ok(day));
        assert_eq!(read_iso_date("01/12/2026"), Err(DateFault::Unreadable));
        assert_eq!(read_typed_date("31/02/2026"), Err(DateFault::Unreadable));
        assert_eq!(read_typed_date("01/12/0099"), Err(DateFault::OutOfRange));
    }

    #[test]
    fn months_start_at_midnight_in_paris() {
        assert_eq!(month_start(202601), Some(datetime!(2025-12-31 23:00:00 UTC)));
        assert_eq!(month_start(202607), Some(datetime!(2026-06-30 22:00:00 UTC)));
        assert_eq!(month_start(202613), None);
        assert_eq!(month_start(202607).map(month_number), Some(202607));
        assert_eq!((next_month(202612), next_month(202601)), (202701, 202602));
    }
}
