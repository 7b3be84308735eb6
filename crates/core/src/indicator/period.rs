//! The periods figures are taken over: a calendar year ("2020"), a half-year ("2020-S1"), or a
//! school year from September to August ("2019-2020").

use super::Frequency;
use crate::strategy::STRATEGY_YEARS;
use time::{Date, Month};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    /// Year and half (1 or 2).
    Half(i32, u8),
    /// The school year starting in September of that year.
    SchoolYear(i32),
}

impl Period {
    /// Reads a period's code; `None` for anything else, or a year outside the strategies' years.
    pub fn parse(code: &str) -> Option<Period> {
        let code = code.trim();
        let year = |s: &str| -> Option<i32> {
            if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok().filter(|y| STRATEGY_YEARS.contains(y))
        };
        if let Some((y, h)) = code.split_once("-S") {
            let half = match h {
                "1" => 1,
                "2" => 2,
                _ => return None,
            };
            return Some(Period::Half(year(y)?, half));
        }
        if let Some((a, b)) = code.split_once('-') {
            let (a, b) = (year(a)?, year(b)?);
            return (b == a + 1).then_some(Period::SchoolYear(a));
        }
        year(code).map(Period::Year)
    }

    pub fn code(self) -> String {
        match self {
            Period::Year(y) => y.to_string(),
            Period::Half(y, h) => format!("{y}-S{h}"),
            Period::SchoolYear(y) => format!("{y}-{}", y + 1),
        }
    }

    /// In French, for pages and documents.
    pub fn label(self) -> String {
        match self {
            Period::Year(y) => y.to_string(),
            Period::Half(y, 1) => format!("1er semestre {y}"),
            Period::Half(y, _) => format!("2e semestre {y}"),
            Period::SchoolYear(y) => format!("année scolaire {y}-{}", y + 1),
        }
    }

    pub fn frequency(self) -> Frequency {
        match self {
            Period::Year(_) => Frequency::Year,
            Period::Half(..) => Frequency::HalfYear,
            Period::SchoolYear(_) => Frequency::SchoolYear,
        }
    }

    /// First and last day, both included.
    pub fn days(self) -> (Date, Date) {
        let d = |y: i32, m: Month, day: u8| Date::from_calendar_date(y, m, day).unwrap_or(Date::MIN);
        match self {
            Period::Year(y) => (d(y, Month::January, 1), d(y, Month::December, 31)),
            Period::Half(y, 1) => (d(y, Month::January, 1), d(y, Month::June, 30)),
            Period::Half(y, _) => (d(y, Month::July, 1), d(y, Month::December, 31)),
            Period::SchoolYear(y) => (d(y, Month::September, 1), d(y + 1, Month::August, 31)),
        }
    }

    /// The calendar year whose yearly report covers the period: the year it ends in. A period
    /// is locked with that year.
    pub fn report_year(self) -> i32 {
        self.days().1.year()
    }

    /// The periods of a frequency that end in `year`.
    pub fn ending_in(frequency: Frequency, year: i32) -> Vec<Period> {
        match frequency {
            Frequency::Year => vec![Period::Year(year)],
            Frequency::HalfYear => vec![Period::Half(year, 1), Period::Half(year, 2)],
            Frequency::SchoolYear => vec![Period::SchoolYear(year - 1)],
        }
    }

    /// Whether the period has ended on `today` (a figure of an unfinished period is partial).
    pub fn is_over(self, today: Date) -> bool {
        self.days().1 < today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for p in [Period::Year(2020), Period::Half(2020, 2), Period::SchoolYear(2019)] {
            assert_eq!(Period::parse(&p.code()), Some(p));
        }
        for bad in ["", "20", "2020-S3", "2019-2021", "1899", "2020-", "abcd", "2020-S", "+202"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_school_year_ends_in_august_and_belongs_to_that_years_report() {
        let p = Period::SchoolYear(2019);
        assert_eq!(p.days().1, Date::from_calendar_date(2020, Month::August, 31).unwrap());
        assert_eq!(p.report_year(), 2020);
        assert_eq!(p.label(), "année scolaire 2019-2020");
        assert_eq!(Period::ending_in(Frequency::SchoolYear, 2020), vec![p]);
    }
}
