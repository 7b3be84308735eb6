//! Figures computed live from the records of the modules that feed indicators: one arm per
//! [`Source`]. A module that can feed indicators adds its variant in `core::indicator` and its
//! arm here.

use super::{Figure, IndicatorRef, PartLine, label_parts};
use crate::App;
use maillage_core::indicator::{Dimension, Period, Source};
use maillage_store::StoreError;
use maillage_store::activity::tally::TallyLine;
use maillage_store::indicator::source::{ActivityMeasure, ActivitySelection};
use maillage_store::report::{ReportFilter, StatGroup};
use std::collections::{BTreeMap, HashMap};

/// The activities' counts kept ahead that a request has read, by (year, sheet): a board reads
/// each sheet's once for all its indicators.
#[derive(Default)]
pub struct Cache(HashMap<(i32, i64), Vec<TallyLine>>);

impl Cache {
    async fn lines(&mut self, app: &App, year: i32, sheet_id: i64) -> Result<&[TallyLine], StoreError> {
        Ok(match self.0.entry((year, sheet_id)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(app.store.activity_tally(year, sheet_id, true).await?),
        })
    }
}

/// An activity measure of a calendar year from the counts kept ahead: the same figure as the
/// rows give (tested), from a few lines.
fn from_tally(lines: &[TallyLine], i: &maillage_core::indicator::Indicator, measure: ActivityMeasure) -> Figure {
    let kind_ok = |k: &str| i.kinds.is_empty() || i.kinds.iter().any(|x| x == k);
    let public_ok = |p: &str| i.publics.is_empty() || i.publics.iter().any(|x| x == p);
    let mut total = 0;
    let mut parts: BTreeMap<(Dimension, String), i64> = BTreeMap::new();
    let mut organisations = std::collections::BTreeSet::new();
    for (dimension, part, activities, participants, professionals) in lines {
        let fields: Vec<&str> = part.split('/').collect();
        match (dimension.as_str(), measure, fields.as_slice()) {
            ("kind_district", ActivityMeasure::Count | ActivityMeasure::Professionals, [kind, district]) if kind_ok(kind) => {
                let n = if measure == ActivityMeasure::Count { *activities } else { *professionals };
                total += n;
                *parts.entry((Dimension::District, (*district).to_string())).or_default() += n;
            }
            ("kind_people", ActivityMeasure::Participants, [kind, public, age, sex]) if kind_ok(kind) && public_ok(public) => {
                total += participants;
                *parts.entry((Dimension::AgeBand, (*age).to_string())).or_default() += participants;
                *parts.entry((Dimension::Sex, (*sex).to_string())).or_default() += participants;
            }
            ("kind_public_district", ActivityMeasure::Participants, [kind, public, district]) if kind_ok(kind) && public_ok(public) => {
                *parts.entry((Dimension::District, (*district).to_string())).or_default() += participants;
            }
            ("kind_organisation", ActivityMeasure::Organisations, [kind, organisation]) if kind_ok(kind) && *activities > 0 => {
                organisations.insert(*organisation);
            }
            _ => {}
        }
    }
    if measure == ActivityMeasure::Organisations {
        total = i64::try_from(organisations.len()).unwrap_or(i64::MAX);
    }
    let parts = parts
        .into_iter()
        .filter(|((d, _), n)| *n != 0 && i.breakdowns.contains(d))
        .map(|((dimension, code), value)| PartLine { dimension, label: code.clone(), code, value })
        .collect();
    Figure { total, parts, ..Figure::default() }
}

fn lines(dimension: Dimension, rows: Vec<(String, i64)>) -> Vec<PartLine> {
    rows.into_iter().map(|(code, value)| PartLine { dimension, label: code.clone(), code, value }).collect()
}

fn labelled(dimension: Dimension, rows: &[(String, i64)], list: &[maillage_core::activity::Choice]) -> Vec<PartLine> {
    rows.iter()
        .map(|(code, value)| PartLine {
            dimension,
            code: code.clone(),
            label: maillage_core::activity::label(list, code).to_string(),
            value: *value,
        })
        .collect()
}

/// The figure of a computed indicator. `rows` reads the activities' rows even where their
/// counts kept ahead would do (to check one against the other).
pub(super) async fn compute(
    app: &App,
    cache: &mut Cache,
    ind: &IndicatorRef,
    period: Period,
    today: time::Date,
    rows: bool,
) -> Result<Figure, StoreError> {
    let i = &ind.indicator;
    let (from, to) = period.days();
    let mut f = Figure::default();
    match i.source {
        Source::Declared => {}
        Source::ActivitiesCount | Source::ActivitiesParticipants | Source::ActivitiesProfessionals | Source::ActivitiesOrganisations => {
            let measure = match i.source {
                Source::ActivitiesCount => ActivityMeasure::Count,
                Source::ActivitiesParticipants => ActivityMeasure::Participants,
                Source::ActivitiesOrganisations => ActivityMeasure::Organisations,
                _ => ActivityMeasure::Professionals,
            };
            if let (Period::Year(year), false) = (period, rows) {
                f = from_tally(cache.lines(app, year, ind.sheet_id).await?, i, measure);
            } else if measure == ActivityMeasure::Organisations {
                let sel = ActivitySelection { sheet_id: ind.sheet_id, from, to, kinds: &i.kinds, publics: &i.publics };
                f.total = app.store.activity_organisation_count(&sel).await?;
            } else {
                let sel = ActivitySelection { sheet_id: ind.sheet_id, from, to, kinds: &i.kinds, publics: &i.publics };
                f.total = app.store.activity_measure(&sel, measure, None).await?.iter().map(|r| r.1).sum();
                for d in &i.breakdowns {
                    f.parts
                        .extend(lines(*d, app.store.activity_measure(&sel, measure, Some(*d)).await?).into_iter().filter(|l| l.value != 0));
                }
            }
        }
        Source::ReportsCreated | Source::ReportsResolved => {
            // A period alone, without a state: the statistics come from the counts kept ahead
            // by month (a year of a million reports is a few hundred lines), and give the
            // resolved ones beside the total.
            let mut filter = ReportFilter::new(maillage_core::authz::ReportScope::All);
            filter.created_from = Some(maillage_core::time_fmt::paris_day_start(from));
            filter.created_before = to.next_day().map(maillage_core::time_fmt::paris_day_start);
            let stats = app.store.report_statistics(&filter, StatGroup::District).await?;
            let count = |r: &maillage_core::report::StatRow| if i.source == Source::ReportsResolved { r.resolved } else { r.total };
            f.total = count(&stats.total);
            if i.breakdowns.contains(&Dimension::District) {
                let rows = stats.rows.iter().map(|r| (r.key.map(|k| k.to_string()).unwrap_or_default(), count(r))).collect();
                f.parts.extend(lines(Dimension::District, rows));
            }
        }
        Source::CasesFollowed => f.total = app.store.cases_followed(i.group_kind.as_deref(), from, to).await?,
        Source::GroupMeetings => f.total = app.store.group_meetings_held(i.group_kind.as_deref(), from, to).await?,
        Source::CouncilMeetings | Source::MeetingProfessionals => {
            // The CLSPD's meetings held in the period (by their Paris day), or the professionals
            // present at them.
            let held = app.store.council_meetings_held().await?;
            let within = held.iter().filter(|m| (from..=to).contains(&maillage_core::time_fmt::paris_date(m.0)));
            f.total = if i.source == Source::CouncilMeetings { within.count() as i64 } else { within.map(|m| m.1).sum() };
        }
        Source::PostsCreated => f.total = app.store.count_posts_opened(from, to).await?,
        Source::TutorTrainings => f.total = app.store.tutor_trainings_held(from, to).await?,
        Source::PeopleHosted => {
            use maillage_core::community_service::{AGE_BANDS, SEXES};
            let c = crate::community_service::figures_between(app, from, to, today).await?;
            f.total = c.hosted;
            for d in &i.breakdowns {
                f.parts.extend(match d {
                    Dimension::AgeBand => labelled(*d, &c.hosted_by_age, AGE_BANDS),
                    Dimension::Sex => labelled(*d, &c.hosted_by_sex, SEXES),
                    _ => lines(*d, c.hosted_by_structure.clone()),
                });
            }
        }
        Source::VictimReceptions => {
            use maillage_core::victim_support::{AGE_BANDS, SEXES};
            let c = app.store.reception_counts(None, from, to).await?;
            f.total = c.total;
            for d in &i.breakdowns {
                f.parts.extend(match d {
                    Dimension::AgeBand => labelled(*d, &c.by_age, AGE_BANDS),
                    _ => labelled(*d, &c.by_sex, SEXES),
                });
            }
        }
    }
    // Codes of lists the labels above did not give (age bands and sexes of activities, areas).
    if matches!(i.source, Source::ActivitiesCount | Source::ActivitiesParticipants | Source::ActivitiesProfessionals)
        || matches!(i.source, Source::ReportsCreated | Source::ReportsResolved)
    {
        label_parts(app, &mut f).await?;
    }
    Ok(f)
}
