//! The neighbourhood observatory's use cases: counting the records by area, source and day
//! (`refresh`: the recent days every hour, everything once a day or when the areas change), an
//! area's monthly series with its trends, observations, and the weekly digests.

use crate::App;
use maillage_core::observatory::{
    Breakdown, MONTHS, ObservationDraft, Source, Trend, areas_of, check_observation, digest_week, month_key, month_start,
};
use maillage_core::{publication, time_fmt};
use maillage_store::mail::OutgoingMail;
use maillage_store::{Author, StoreError};
use std::collections::HashMap;
use time::{Date, Duration};

/// How far back the hourly count goes: records are rarely dated earlier than this when typed.
pub const RECENT_DAYS: i64 = 62;

#[derive(Debug, thiserror::Error)]
pub enum ObservatoryError {
    #[error("saisie invalide")]
    Invalid(Vec<maillage_core::observatory::Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The areas counted against, as the counts remember them: a change counts everything again.
fn fingerprint(app: &App) -> String {
    Breakdown::all_area_ids(&app.places()).iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Counts the records again: those of the last [`RECENT_DAYS`] when `whole` is false and the
/// areas did not change since the last count, else every one. Returns how many records were
/// read.
pub async fn refresh(app: &App, today: Date, whole: bool) -> Result<usize, StoreError> {
    // One count at a time: the hourly and the daily one would otherwise write the same days.
    static COUNTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = COUNTING.lock().await;
    let areas = fingerprint(app);
    let whole = whole || app.store.observatory_counted_areas().await?.as_deref() != Some(areas.as_str());
    let since = (!whole).then(|| today - Duration::days(RECENT_DAYS));
    let places = app.places();
    let mut counts: HashMap<(i64, Source, Date), i64> = HashMap::new();
    let mut read = 0;
    for source in Source::ALL.iter().copied() {
        let mut after = 0;
        loop {
            let page = app.store.observatory_records(source, since, after).await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            // The page's last id goes on, whatever its day: a page is read once.
            for (_, r) in page.iter().filter(|(_, r)| since.is_none_or(|s| r.day >= s)) {
                read += 1;
                for area in areas_of(&places, r) {
                    *counts.entry((area, source, r.day)).or_default() += 1;
                }
            }
            if page.len() < usize::try_from(maillage_store::observatory::PAGE).unwrap_or(usize::MAX) {
                break;
            }
        }
    }
    let rows: Vec<(i64, Source, Date, i64)> = counts.into_iter().map(|((a, s, d), n)| (a, s, d, n)).collect();
    app.store.replace_observatory_counts(since, &rows, &areas).await?;
    Ok(read)
}

/// A source's line in an area's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLine {
    pub source: Source,
    /// Each month's count, oldest first, published when asked ("< 5").
    pub months: Vec<String>,
    /// The raw counts, for the chart and the trend (the coordination's eyes only when published).
    pub counts: Vec<i64>,
    pub trend: Option<String>,
    pub last_twelve: String,
    pub this_month: String,
}

/// An area's series over the last [`MONTHS`] months.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    /// `yyyy-mm`, oldest first, this month last.
    pub months: Vec<String>,
    pub lines: Vec<SourceLine>,
}

/// An area's monthly series of its breakdown's sources, each count published (small ones as
/// "< 5") when `published`.
pub async fn series(app: &App, area_id: i64, breakdown: Breakdown, today: Date, published: bool) -> Result<Series, StoreError> {
    let first = month_start(today, MONTHS - 1);
    let months: Vec<String> = (0..MONTHS).rev().map(|back| month_key(month_start(today, back))).collect();
    let rows = app.store.observatory_months(area_id, first).await?;
    let lines = breakdown
        .sources()
        .iter()
        .copied()
        .map(|source| {
            let counts: Vec<i64> =
                months.iter().map(|m| rows.iter().filter(|(k, s, _)| k == m && *s == source).map(|r| r.2).sum()).collect();
            let trend = Trend::of(&counts);
            let show = |n: i64| publication::count_as(n, published);
            SourceLine {
                source,
                months: if published { published_months(&counts) } else { counts.iter().map(|n| show(*n)).collect() },
                // A trend tells a change in counts: from small ones it would tell them.
                trend: if published && (!publication::is_shown(trend.last) || !publication::is_shown(trend.previous)) {
                    None
                } else {
                    trend.label()
                },
                last_twelve: show(trend.last),
                this_month: show(counts.last().copied().unwrap_or(0)),
                counts,
            }
        })
        .collect();
    Ok(Series { months, lines })
}

/// Monthly counts (oldest first, this month last) as published. The last twelve whole months'
/// total is published (the page's figure, the overview's) and the twelve before it can be told
/// from the trend: within each of these two windows a small month's count must not be found by
/// subtracting the others from the total, so the smallest shown months are withheld with it
/// (`publication::breakdown`). Other months are in no published total.
fn published_months(counts: &[i64]) -> Vec<String> {
    let mut shown: Vec<String> = counts.iter().map(|n| publication::count(*n)).collect();
    let whole = counts.len().saturating_sub(1);
    for window in [whole.saturating_sub(24)..whole.saturating_sub(12), whole.saturating_sub(12)..whole] {
        let labelled: Vec<(String, i64)> = window.clone().map(|i| (i.to_string(), counts[i])).collect();
        for (i, (_, value)) in window.zip(publication::breakdown(&labelled)) {
            shown[i] = value;
        }
    }
    shown
}

/// Every area of a breakdown with its counts of the last twelve whole months (the window the
/// area's page totals, so that one cannot be told from the other), by source of the breakdown.
pub async fn overview(app: &App, breakdown: Breakdown, today: Date) -> Result<Vec<(i64, String, Vec<i64>)>, StoreError> {
    let totals = app.store.observatory_totals(month_start(today, 12), month_start(today, 0) - Duration::days(1)).await?;
    let places = app.places();
    Ok(breakdown
        .areas(&places)
        .into_iter()
        .map(|(id, name)| {
            let n = breakdown.sources().iter().map(|s| totals.iter().filter(|t| t.0 == id && t.1 == *s).map(|t| t.2).sum()).collect();
            (id, name, n)
        })
        .collect())
}

pub async fn observe(
    app: &App,
    by: &Author,
    organisation_id: Option<i64>,
    d: &ObservationDraft,
    today: Date,
) -> Result<i64, ObservatoryError> {
    let faults = check_observation(d, today, &Breakdown::all_area_ids(&app.places()));
    if !faults.is_empty() {
        return Err(ObservatoryError::Invalid(faults));
    }
    Ok(app.store.add_observation(by, organisation_id, d).await?)
}

/// Queues the weekly digest of every subscription not sent these seven days: the last week's
/// counts of its area against the four weeks before (sent on Mondays), and its observations. Counts are
/// published (small ones as "< 5") for everyone but the coordination. Returns how many went.
pub async fn send_digests(app: &App, today: Date, public_url: &str) -> Result<usize, StoreError> {
    // Weekly, on Mondays: the week told is a whole one, Monday to Sunday.
    if today.weekday() != time::Weekday::Monday {
        return Ok(0);
    }
    // Due: not sent these seven days, to an account that may still read the observatory.
    let users = app.store.users().await?;
    let reader = |user_id: i64| {
        users.iter().find(|u| u.id == user_id).map(|u| maillage_core::authz::Actor {
            user_id: u.id,
            organisation_id: u.organisation_id,
            roles: u.roles.clone(),
        })
    };
    let due: Vec<_> = app
        .store
        .observatory_subscriptions()
        .await?
        .into_iter()
        .filter(|s| s.last_sent_on.is_none_or(|d| d <= today - Duration::days(7)))
        .filter_map(|s| reader(s.user_id).map(|a| (s, a)))
        .filter(|(_, a)| {
            maillage_core::authz::authorize(Some(a), maillage_core::authz::Action::ViewObservatory) == maillage_core::authz::Decision::Allow
        })
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let (from, to) = digest_week(today);
    let week = app.store.observatory_totals(from, to).await?;
    let before = app.store.observatory_totals(from - Duration::days(28), from - Duration::days(1)).await?;
    let places = app.places();
    let mut notes_of: HashMap<i64, Vec<maillage_store::observatory::Observation>> = HashMap::new();
    let mut sent = 0;
    for (s, actor) in &due {
        let Some((breakdown, name)) = Breakdown::of_area(&places, s.area_id) else { continue };
        let published = maillage_core::authz::confidential_figures_masked(actor);
        let show = |n: i64| publication::count_as(n, published);
        let mut body = format!(
            "Bonjour,\n\nObservatoire de quartier : {name}, semaine du {} au {}.\n\n",
            time_fmt::day_fr(from),
            time_fmt::day_fr(to)
        );
        for source in breakdown.sources().iter().copied() {
            let sum = |rows: &[(i64, Source, i64)]| rows.iter().filter(|r| r.0 == s.area_id && r.1 == source).map(|r| r.2).sum::<i64>();
            let (n, four) = (sum(&week), sum(&before));
            body.push_str(&format!(
                "- {} : {} (moyenne des quatre semaines précédentes : {})\n",
                source.label(),
                show(n),
                show((four + 2) / 4)
            ));
        }
        let notes = match notes_of.entry(s.area_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(app.store.observations(s.area_id, from, 20).await?),
        };
        if !notes.is_empty() {
            body.push_str("\nObservations des acteurs locaux :\n");
            for o in notes.iter().rev() {
                body.push_str(&format!("- {} ({}) : {}\n", time_fmt::day_fr(o.observed_on), o.author, o.body));
            }
        }
        body.push_str(&format!(
            "\nLe détail : {public_url}/observatoire/secteurs/{}\nPour ne plus recevoir ce récapitulatif, désabonnez-vous depuis cette page.\n\n-- \nMaillage, outil partenarial du CLSPD.\n",
            s.area_id
        ));
        let mail = OutgoingMail {
            report_id: None,
            recipient: s.email.clone(),
            subject: format!("[Maillage] Observatoire : {name}, la semaine"),
            body,
        };
        if app.store.queue_observatory_digest(s.id, today, &mail).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_small_month_is_not_told_by_the_total() {
        // 36 months: a small month (2) among twelve whole ones whose total is published, next
        // to one of 6: the 6 is withheld too, else 8 − 6 would give the 2.
        let mut counts = vec![0; 36];
        counts[30] = 2;
        counts[31] = 6;
        counts[35] = 3;
        let shown = super::published_months(&counts);
        assert_eq!(shown[30], "<\u{a0}5");
        assert_eq!(shown[31], maillage_core::publication::WITHHELD);
        assert_eq!(shown[35], "<\u{a0}5", "this month, in no total");
        assert_eq!(shown[0], "0");
        counts[32] = 7;
        let shown = super::published_months(&counts);
        assert_eq!((shown[31].as_str(), shown[32].as_str()), (maillage_core::publication::WITHHELD, "7"), "hidden 2 + 6 = 8: enough");
    }
}
