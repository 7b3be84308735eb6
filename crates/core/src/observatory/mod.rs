//! The neighbourhood observatory (axis 3): what happens in each area of a breakdown (districts,
//! priority areas, police sectors, each loaded as GeoJSON) counted by day from the records that
//! have a place (reports, rapid alerts, walk findings) or a district (activities), the monthly
//! series and their trend, the local actors' dated observations and their weekly digest. Counts
//! only, published with the small-count rule outside the coordination. Plain rules, no storage.

use crate::place::{AreaKind, Coordinates, Places};
pub use crate::working_group::case::Fault;
use time::{Date, Duration, Month};

coded! {
    /// A division of the city the observatory counts by.
    Breakdown {
        District => ("quartiers", "Quartiers"),
        PriorityArea => ("qpv", "Quartiers prioritaires (QPV)"),
        PoliceSector => ("secteurs_police", "Secteurs de police"),
    }
}

impl Breakdown {
    pub fn area_kind(self) -> AreaKind {
        match self {
            Breakdown::District => AreaKind::District,
            Breakdown::PriorityArea => AreaKind::PriorityArea,
            Breakdown::PoliceSector => AreaKind::PoliceSector,
        }
    }

    /// The areas of this breakdown: (id, name).
    pub fn areas(self, places: &Places) -> Vec<(i64, String)> {
        match self {
            Breakdown::District => places.districts.iter().map(|d| (d.0, d.1.clone())).collect(),
            Breakdown::PriorityArea => places.priority_areas.iter().map(|d| (d.0, d.1.clone())).collect(),
            Breakdown::PoliceSector => places.police_sectors.iter().map(|d| (d.0, d.1.clone())).collect(),
        }
    }

    /// The sources counted in this breakdown's areas: activities have a district and no point,
    /// so only districts count them.
    pub fn sources(self) -> &'static [Source] {
        match self {
            Breakdown::District => Source::ALL,
            Breakdown::PriorityArea | Breakdown::PoliceSector => &[Source::Reports, Source::Alerts, Source::Findings],
        }
    }

    /// What a page of this breakdown says it does not count.
    pub fn not_counted(self) -> Option<&'static str> {
        match self {
            Breakdown::District => None,
            Breakdown::PriorityArea | Breakdown::PoliceSector => Some(
                "Les actions menées, rattachées à un quartier, et les alertes données sans point sur la carte ne sont comptées que par quartier.",
            ),
        }
    }

    /// Every area the observatory counts, of every breakdown.
    pub fn all_area_ids(places: &Places) -> Vec<i64> {
        let mut ids: Vec<i64> = Breakdown::ALL.iter().flat_map(|b| b.areas(places)).map(|a| a.0).collect();
        ids.sort_unstable();
        ids
    }

    /// The breakdown an area belongs to.
    pub fn of_area(places: &Places, id: i64) -> Option<(Breakdown, String)> {
        Breakdown::ALL.iter().copied().find_map(|b| b.areas(places).into_iter().find(|a| a.0 == id).map(|a| (b, a.1)))
    }
}

coded! {
    /// What the observatory counts.
    Source {
        Reports => ("signalements", "Signalements"),
        Alerts => ("alertes", "Alertes rixes"),
        Findings => ("constats", "Constats de marches"),
        Activities => ("actions", "Actions menées"),
    }
}

/// A record as the observatory reads it: its day, and its point or, without one, its district.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Record {
    pub day: Date,
    pub point: Option<Coordinates>,
    pub district_id: Option<i64>,
}

/// The areas of every breakdown a record falls in: by its point when it has one (so that a
/// police sector or a priority area counts it too), else its district alone.
pub fn areas_of(places: &Places, r: &Record) -> Vec<i64> {
    let Some(c) = r.point else { return r.district_id.into_iter().collect() };
    let mut out: Vec<i64> = places.districts.iter().filter(|d| d.2.contains(c)).map(|d| d.0).take(1).collect();
    if out.is_empty() {
        // A point on a border that no district's outline holds keeps the district it was given.
        out.extend(r.district_id);
    }
    out.extend(places.priority_areas.iter().filter(|d| d.2.contains(c)).map(|d| d.0).take(1));
    out.extend(places.police_sectors.iter().filter(|d| d.2.contains(c)).map(|d| d.0).take(1));
    out
}

/// The first day of the month `months` months before `d`'s.
pub fn month_start(d: Date, months_back: u32) -> Date {
    let index = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - i32::try_from(months_back).unwrap_or(0);
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(Month::January);
    Date::from_calendar_date(index.div_euclid(12), month, 1).unwrap_or(d)
}

/// How many months the observatory shows: three years.
pub const MONTHS: u32 = 36;

/// A month's key as the counts group it: `yyyy-mm`.
pub fn month_key(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

/// A month's label: "mars 2021".
pub fn month_label(key: &str) -> String {
    const NAMES: [&str; 12] =
        ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];
    let (y, m) = key.split_once('-').unwrap_or((key, "1"));
    let m: usize = m.parse().unwrap_or(1);
    format!("{} {y}", NAMES.get(m.wrapping_sub(1)).unwrap_or(&""))
}

/// A trend: the last twelve months against the twelve before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trend {
    pub last: i64,
    pub previous: i64,
}

impl Trend {
    /// From the monthly counts, oldest first, the current (unfinished) month last: it is left
    /// out, so that a trend compares whole months.
    pub fn of(months: &[i64]) -> Trend {
        let whole = &months[..months.len().saturating_sub(1)];
        let last: i64 = whole.iter().rev().take(12).sum();
        let previous: i64 = whole.iter().rev().skip(12).take(12).sum();
        Trend { last, previous }
    }

    /// "en hausse de 12 %", "stable", "en baisse de 30 %"; none without a previous year.
    pub fn label(self) -> Option<String> {
        if self.previous == 0 {
            return None;
        }
        let change = (self.last - self.previous) as f64 * 100.0 / self.previous as f64;
        Some(if change.abs() < 5.0 {
            "stable".to_string()
        } else if change > 0.0 {
            format!("en hausse de {:.0}\u{202f}%", change)
        } else {
            format!("en baisse de {:.0}\u{202f}%", -change)
        })
    }
}

pub const OBSERVATION_MAX: usize = 1000;

/// The oldest day an observation made `today` may be dated: a year before; the watch is about now.
pub fn oldest_observation(today: Date) -> Date {
    crate::time_fmt::add_years(today, -1)
}

/// A local actor's dated observation on an area.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservationDraft {
    pub area_id: Option<i64>,
    pub observed_on: Option<Date>,
    pub text: String,
}

pub fn check_observation(d: &ObservationDraft, today: Date, area_ids: &[i64]) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !d.area_id.is_some_and(|a| area_ids.contains(&a)) {
        faults.push(("area_id", "Choisissez le secteur observé dans la liste.".into()));
    }
    match d.observed_on {
        None => faults.push(("observed_on", "La date de l'observation est obligatoire (jj/mm/aaaa).".into())),
        Some(o) if o > today => faults.push(("observed_on", "Une observation ne peut pas être datée du futur.".into())),
        Some(o) if o < oldest_observation(today) => {
            faults.push(("observed_on", "Une observation date de moins d'un an : la veille porte sur le présent.".into()));
        }
        Some(_) => {}
    }
    if d.text.trim().is_empty() || !crate::text::is_text(&d.text, OBSERVATION_MAX) {
        faults.push(("text", format!("Décrivez ce qui a été observé, {OBSERVATION_MAX} caractères au plus.")));
    }
    faults
}

/// The week a digest sent on `today` tells: the seven days up to yesterday.
pub fn digest_week(today: Date) -> (Date, Date) {
    (today - Duration::days(7), today - Duration::days(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::{Area, AreaKind};
    use time::macros::date;

    fn square(id: i64, kind: AreaKind, [x0, y0, x1, y1]: [f64; 4]) -> Area {
        Area {
            id,
            kind,
            name: format!("zone {id}"),
            organisation_id: None,
            approximate: false,
            geometry: format!(r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#),
        }
    }

    #[test]
    fn a_record_counts_in_every_breakdown_its_point_falls_in() {
        let places = Places::from_areas(&[
            square(1, AreaKind::District, [2.0, 48.0, 2.1, 48.1]),
            square(2, AreaKind::District, [2.1, 48.0, 2.2, 48.1]),
            square(3, AreaKind::PriorityArea, [2.05, 48.0, 2.15, 48.05]),
            square(4, AreaKind::PoliceSector, [2.0, 48.0, 2.2, 48.1]),
        ]);
        let at = |lon, lat| Record { day: date!(2021 - 03 - 01), point: Some(Coordinates { lon, lat }), district_id: None };
        assert_eq!(areas_of(&places, &at(2.06, 48.02)), [1, 3, 4]);
        assert_eq!(areas_of(&places, &at(2.15, 48.08)), [2, 4]);
        // On the border of two districts: in one of them, never in none.
        assert_eq!(areas_of(&places, &at(2.1, 48.08)), [1, 4]);
        assert_eq!(places.locate(Coordinates { lon: 2.1, lat: 48.08 }).ok().and_then(|l| l.district_id), Some(1));
        let no_point = Record { day: date!(2021 - 03 - 01), point: None, district_id: Some(2) };
        assert_eq!(areas_of(&places, &no_point), [2], "an activity counts in its district only");
        assert_eq!(Breakdown::of_area(&places, 4).map(|b| b.0), Some(Breakdown::PoliceSector));
    }

    #[test]
    fn months_and_trends() {
        assert_eq!(month_start(date!(2021 - 03 - 15), 0), date!(2021 - 03 - 01));
        assert_eq!(month_start(date!(2021 - 03 - 15), 3), date!(2020 - 12 - 01));
        assert_eq!(month_start(date!(2021 - 03 - 15), 35), date!(2018 - 04 - 01));
        assert_eq!(month_label("2021-03"), "mars 2021");
        // 24 whole months of 10, then 12 of 13, then the current one: +30 %.
        let mut months = vec![10; 24];
        months.extend([13; 12]);
        months.push(1);
        let t = Trend::of(&months);
        assert_eq!((t.last, t.previous), (156, 120));
        assert_eq!(t.label().as_deref(), Some("en hausse de 30\u{202f}%"));
        assert_eq!(Trend { last: 100, previous: 98 }.label().as_deref(), Some("stable"));
        assert_eq!(Trend { last: 5, previous: 0 }.label(), None);
    }

    #[test]
    fn an_observation_is_dated_and_placed() {
        let today = date!(2021 - 06 - 01);
        let d = ObservationDraft { area_id: Some(1), observed_on: Some(today), text: "Regroupements le soir devant le gymnase".into() };
        assert!(check_observation(&d, today, &[1]).is_empty());
        let wrong = ObservationDraft { area_id: Some(9), observed_on: Some(date!(2021 - 06 - 02)), text: " ".into() };
        let fields: Vec<_> = check_observation(&wrong, today, &[1]).into_iter().map(|f| f.0).collect();
        assert_eq!(fields, ["area_id", "observed_on", "text"]);
        assert_eq!(digest_week(today), (date!(2021 - 05 - 25), date!(2021 - 05 - 31)));
        let year_ago = ObservationDraft { observed_on: Some(date!(2020 - 06 - 01)), ..d.clone() };
        assert!(check_observation(&year_ago, today, &[1]).is_empty());
        let older = ObservationDraft { observed_on: Some(date!(2020 - 05 - 31)), ..d };
        assert_eq!(check_observation(&older, today, &[1]).len(), 1);
    }
}
