//! The activity journal's use cases, shared by the pages and the JSON API: an activity is
//! checked against the lists it picks from (kinds, the current strategy's sheets, districts,
//! organisations), then written whole.

pub mod photo;

use crate::App;
use maillage_core::activity::{ActivityDraft, Fault, Known, check_activity};
use maillage_store::{Author, StoreError};
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    /// Faults of the form, each by its field.
    #[error("formulaire incomplet ou invalide")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The draft with its lists in order and without repeats.
fn normalised(mut d: ActivityDraft) -> ActivityDraft {
    d.sheet_ids.sort_unstable();
    d.sheet_ids.dedup();
    d.organisation_ids.sort_unstable();
    d.organisation_ids.dedup();
    d
}

/// The draft checked against the rules and the lists it picks from, once. `read` are the
/// faults of what its caller could not even read (a date, a number): they come first, and the
/// rules speak only of the other fields, so that a refusal says everything at once.
async fn checked(app: &App, d: ActivityDraft, read: Vec<Fault>, today: Date) -> Result<ActivityDraft, ActivityError> {
    let d = normalised(d);
    let kinds: Vec<String> = app.store.activity_kinds().await?.into_iter().map(|k| k.code).collect();
    let sheet_ids: Vec<i64> = app.store.sheet_choices().await?.iter().map(|s| s.id).collect();
    let district_ids: Vec<i64> = app.places().districts.iter().map(|d| d.0).collect();
    let organisation_ids: Vec<i64> = app.catalog().await?.organisations.iter().map(|o| o.id).collect();
    let known = Known { kinds: &kinds, sheet_ids: &sheet_ids, district_ids: &district_ids, organisation_ids: &organisation_ids };
    let mut faults = read;
    for (field, message) in check_activity(&d, today, &known) {
        if !faults.iter().any(|(f, _)| *f == field) {
            faults.push((field, message));
        }
    }
    if let Some(m) = closed_year(app, d.started_on).await?
        && !faults.iter().any(|(f, _)| *f == "started_on")
    {
        faults.push(("started_on", m));
    }
    if faults.is_empty() { Ok(d) } else { Err(ActivityError::Invalid(faults)) }
}

/// Why an activity of `day`'s year no longer changes, if it does not: the plenary adopted that
/// year's report. Its figures are final, and a partner could otherwise find a hidden count
/// again by adding and removing one of its own activities.
pub async fn closed_year(app: &App, day: Option<Date>) -> Result<Option<String>, StoreError> {
    let Some(day) = day else { return Ok(None) };
    let adopted = app.store.adopted_years().await?;
    Ok(adopted.iter().find(|a| a.year == day.year()).map(|a| {
        format!(
            "Le bilan {} a été adopté en plénière le {} : les actions de cette année ne changent plus.",
            a.year,
            maillage_core::time_fmt::day_fr(a.adopted_on)
        )
    }))
}

/// Records an activity for the author's organisation; nothing is written while `read` holds
/// a fault.
pub async fn record(
    app: &App,
    by: &Author,
    (user_id, organisation_id): (i64, Option<i64>),
    d: ActivityDraft,
    read: Vec<Fault>,
    today: Date,
) -> Result<i64, ActivityError> {
    let d = checked(app, d, read, today).await?;
    Ok(app.store.create_activity(by, Some(user_id), organisation_id, &d).await?)
}

/// Changes an activity whole, if nobody changed it since `version`; nothing is written while
/// `read` holds a fault.
pub async fn update(
    app: &App,
    by: &Author,
    (id, version): (i64, i64),
    d: ActivityDraft,
    read: Vec<Fault>,
    today: Date,
) -> Result<(), ActivityError> {
    let before = app.store.activity(id).await?.map(|r| r.activity.started_on);
    if let Some(m) = closed_year(app, before).await? {
        return Err(ActivityError::Invalid(vec![("started_on", m)]));
    }
    let d = checked(app, d, read, today).await?;
    Ok(app.store.update_activity(by, id, version, &d).await?)
}
