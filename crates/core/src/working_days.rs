//! Working days in France: weekdays that are not public holidays (Code du travail, L3133-1).
//! Report categories give their target time in working days; the deadline is computed here.

use time::{Date, Duration, Month, OffsetDateTime, Weekday};

/// Easter Sunday of `year` (Gregorian computus, anonymous algorithm).
pub fn easter(year: i32) -> Option<Date> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// The eleven national public holidays of `year` (metropolitan France; Alsace-Moselle's two
/// extra days are not included).
pub fn public_holidays(year: i32) -> Vec<Date> {
    let fixed = [
        (Month::January, 1),
        (Month::May, 1),
        (Month::May, 8),
        (Month::July, 14),
        (Month::August, 15),
        (Month::November, 1),
        (Month::November, 11),
        (Month::December, 25),
    ];
    let mut days: Vec<Date> = fixed.iter().filter_map(|(m, d)| Date::from_calendar_date(year, *m, *d).ok()).collect();
    if let Some(e) = easter(year) {
        days.extend([e + Duration::days(1), e + Duration::days(39), e + Duration::days(50)]);
    }
    days.sort();
    days
}

pub fn is_public_holiday(d: Date) -> bool {
    public_holidays(d.year()).contains(&d)
}

pub fn is_working_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(d)
}

/// The deadline `days` working days after `start`, at the same time of day (Paris wall time
/// decides which day it is). Zero days means the same instant.
pub fn add_working_days(start: OffsetDateTime, days: u32) -> OffsetDateTime {
    let offset = crate::time_fmt::paris_offset(start);
    let local = start.to_offset(offset);
    let mut date = local.date();
    let mut left = days;
    while left > 0 {
        let Some(next) = date.next_day() else { break };
        date = next;
        if is_working_day(date) {
            left -= 1;
        }
    }
    let shifted = local.replace_date(date);
    // The wall-clock time is kept across a change of summer time.
    shifted.replace_offset(crate::time_fmt::paris_offset(shifted)).to_offset(time::UtcOffset::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn easter_dates_are_right() {
        assert_eq!(easter(2019), Some(date!(2019 - 04 - 21)));
        assert_eq!(easter(2024), Some(date!(2024 - 03 - 31)));
        assert_eq!(easter(2026), Some(date!(2026 - 04 - 05)));
        assert_eq!(easter(2027), Some(date!(2027 - 03 - 28)));
    }

    #[test]
    fn holidays_of_2026() {
        let h = public_holidays(2026);
        assert_eq!(h.len(), 11);
        for d in [date!(2026 - 04 - 06), date!(2026 - 05 - 14), date!(2026 - 05 - 25), date!(2026 - 11 - 11)] {
            assert!(h.contains(&d), "{d}");
        }
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays() {
        // Friday 8 May 2026 is a holiday: Thursday 7 May + 2 working days = Tuesday 12 May.
        assert_eq!(add_working_days(datetime!(2026-05-07 08:00 UTC), 2), datetime!(2026-05-12 08:00 UTC));
        // Ascension (Thursday 14 May 2026): Wednesday 13 + 1 = Friday 15.
        assert_eq!(add_working_days(datetime!(2026-05-13 08:00 UTC), 1), datetime!(2026-05-15 08:00 UTC));
        // A Saturday report with 1 day is due on Monday.
        assert_eq!(add_working_days(datetime!(2026-11-28 10:00 UTC), 1), datetime!(2026-11-30 10:00 UTC));
        // Christmas week 2026: Thursday 24 Dec + 3 = Wednesday 30 Dec (25 is a holiday, then a weekend).
        assert_eq!(add_working_days(datetime!(2026-12-24 09:00 UTC), 3), datetime!(2026-12-30 09:00 UTC));
        assert_eq!(add_working_days(datetime!(2026-12-24 09:00 UTC), 0), datetime!(2026-12-24 09:00 UTC));
    }

    #[test]
    fn wall_clock_time_is_kept_across_summer_time() {
        // Friday 27 March 2026 10:00 Paris (09:00 UTC) + 1 working day = Monday 30 March 10:00
        // Paris, which is 08:00 UTC in summer time.
        assert_eq!(add_working_days(datetime!(2026-03-27 09:00 UTC), 1), datetime!(2026-03-30 08:00 UTC));
    }
}
