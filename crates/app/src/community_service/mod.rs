//! Community service (TIG) and reparation measures: placements checked and sealed before they
//! reach the store, their destruction three years after the measure's end, and the year's
//! figures the sheet asks for (posts created, tutor trainings, people hosted per structure,
//! delay from decision to start), counted from the rows without any reference.
//!
//! A placement is read under the same rule as a working group's situation (member in good
//! standing, second factor), so it shares [`CaseError`].

use crate::App;
use crate::working_group::{CaseError, ring};
use maillage_core::community_service::{PlacementDraft, check_placement, delay_days, destruction_day, median, reference_key};
use maillage_core::time_fmt;
use maillage_store::community_service::{Placement, PlacementFields, reference_place};
use maillage_store::{Author, StoreError};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// A placement as the group's members read it.
#[derive(Clone, Debug)]
pub struct PlacementView {
    pub placement: Placement,
    pub reference: String,
}

pub fn open_placement(app: &App, placement: Placement) -> Result<PlacementView, CaseError> {
    let reference = ring(app)?.open(&placement.reference, &reference_place(placement.id))?;
    Ok(PlacementView { placement, reference })
}

/// Checks a draft against the rules and the chosen post (accepting minors for a minor's
/// measure, open before the start; and, when the placement comes to it, open and with a free
/// place); gives the values to store. `current_post` is the post the placement is on already.
async fn checked(app: &App, d: &PlacementDraft, today: Date, current_post: Option<i64>) -> Result<PlacementFields, CaseError> {
    let post = match d.post_id {
        Some(id) => Some(
            app.store
                .post(id, today)
                .await?
                .ok_or_else(|| CaseError::Invalid(vec![("post_id", "Choisissez un poste dans la liste.".into())]))?,
        ),
        None => None,
    };
    let mut faults = check_placement(d, today, post.as_ref().map(|p| p.minors_accepted));
    if let Some(p) = &post {
        if d.started_on.is_some_and(|s| s < p.opened_on) {
            faults.push(("started_on", format!("Le début précède l'ouverture du poste, le {}.", time_fmt::day_fr(p.opened_on))));
        }
        // Coming to a post: it must be open and have a free place (a placement already on it
        // keeps its place, even on a post closed since; an ended measure is history).
        if current_post != Some(p.id) && d.ended_on.is_none() {
            if p.closed_on.is_some() {
                faults.push(("post_id", "Ce poste est fermé : choisissez-en un autre.".into()));
            } else if p.occupied >= p.places {
                faults.push(("post_id", format!("Ce poste n'a plus de place libre ({} sur {}).", p.occupied, p.places)));
            }
        }
    }
    let Some(decided_on) = d.decided_on.filter(|_| faults.is_empty()) else {
        return Err(CaseError::Invalid(faults));
    };
    Ok(PlacementFields {
        referrer: d.referrer.clone(),
        measure: d.measure.clone(),
        sex: d.sex.clone(),
        age_band: d.age_band.clone(),
        post_id: d.post_id,
        decided_on,
        referred_on: d.referred_on,
        started_on: d.started_on,
        ended_on: d.ended_on,
        hours_ordered: d.hours_ordered,
        hours_done: d.hours_done,
        outcome: (!d.outcome.is_empty()).then(|| d.outcome.clone()),
    })
}

/// Records a placement in a community-service group, its reference sealed for its row; a file
/// with a measure not ended in the group is refused (found by its keyed hash).
pub async fn create_placement(app: &App, by: &Author, group_id: i64, d: &PlacementDraft) -> Result<i64, CaseError> {
    let ring = ring(app)?;
    let fields = checked(app, d, time_fmt::paris_date(time_fmt::now()), None).await?;
    let reference = d.reference.trim().to_string();
    let hash = ring.lookup_hash(&reference_key(group_id, &reference));
    if let Some((id, _)) = app.store.placements_by_reference(group_id, &hash).await?.into_iter().find(|(_, ended)| !ended) {
        return Err(CaseError::Invalid(vec![(
            "reference",
            format!("Une mesure de ce dossier est déjà suivie et n'est pas terminée (mesure n° {id}) : mettez-la à jour plutôt."),
        )]));
    }
    Ok(app.store.create_placement(by, group_id, &fields, &hash, |id| ring.seal(&reference, &reference_place(id))).await?)
}

/// Changes a placement (not its reference), if nobody changed it since `version` was read.
pub async fn update_placement(app: &App, by: &Author, view: &PlacementView, version: i64, d: PlacementDraft) -> Result<(), CaseError> {
    let d = PlacementDraft { reference: view.reference.clone(), ..d };
    let fields = checked(app, &d, time_fmt::paris_date(time_fmt::now()), view.placement.fields.post_id).await?;
    Ok(app.store.update_placement(by, view.placement.group_id, view.placement.id, version, &fields).await?)
}

/// Destroys every placement whose measure ended three years ago or more; returns how many.
pub async fn destroy_due(app: &App, today: Date) -> Result<usize, CaseError> {
    // Three years are at least 1 095 days: the store gives the candidates, the rule decides.
    let candidates = app.store.placements_ended_by(today - time::Duration::days(1095)).await?;
    let mut destroyed = 0;
    for (id, ended_on) in candidates {
        if destruction_day(ended_on).is_none_or(|d| d <= today) {
            app.store.destroy_placement(&Author::system(), id).await?;
            destroyed += 1;
        }
    }
    Ok(destroyed)
}

/// The year's figures of community service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub posts_opened: i64,
    pub posts_open_now: i64,
    pub places_now: i64,
    pub trained_tutors_now: i64,
    pub trainings: i64,
    pub tutors_trained: i64,
    /// People (distinct files) whose measure ran during the year, by structure.
    pub hosted_by_structure: Vec<(String, i64)>,
    pub hosted_by_measure: Vec<(String, i64)>,
    pub hosted_by_sex: Vec<(String, i64)>,
    pub hosted_by_age: Vec<(String, i64)>,
    pub hosted: i64,
    /// Measures decided during the year.
    pub decided: i64,
    /// Days from decision to start, for the measures started during the year.
    pub delay_median: Option<i64>,
    pub delay_max: Option<i64>,
    pub started: i64,
    /// Decided during the year and not started yet.
    pub waiting: i64,
    /// Measures ended during the year, by outcome.
    pub outcomes: Vec<(String, i64)>,
}

/// The people of each line of a breakdown.
type People = BTreeMap<String, BTreeSet<String>>;

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn counted(map: People) -> Vec<(String, i64)> {
    map.into_iter().map(|(k, v)| (k, count(v.len()))).collect()
}

pub async fn figures(app: &App, year: i32, today: Date) -> Result<Figures, CaseError> {
    let from = Date::from_calendar_date(year, time::Month::January, 1).map_err(|e| CaseError::Unreadable(e.to_string()))?;
    let to = Date::from_calendar_date(year, time::Month::December, 31).map_err(|e| CaseError::Unreadable(e.to_string()))?;
    Ok(figures_between(app, from, to, today).await?)
}

/// The figures of any period, first and last day included (an indicator's half-year).
pub async fn figures_between(app: &App, from: Date, to: Date, today: Date) -> Result<Figures, StoreError> {
    let posts = app.store.posts(today).await?;
    let open: Vec<_> = posts.iter().filter(|p| p.closed_on.is_none_or(|c| c > today)).collect();
    let trainings = app.store.trainings(from, to).await?;
    let mut f = Figures {
        posts_opened: app.store.count_posts_opened(from, to).await?,
        posts_open_now: count(open.len()),
        places_now: open.iter().map(|p| p.places).sum(),
        trained_tutors_now: count(open.iter().filter(|p| p.tutor_trained_on.is_some()).count()),
        trainings: count(trainings.len()),
        tutors_trained: trainings.iter().map(|t| t.tutors_trained).sum(),
        ..Figures::default()
    };
    // People are counted once per line, whatever their number of measures.
    let mut people: BTreeSet<String> = BTreeSet::new();
    let (mut structure, mut measure, mut sex, mut age): (People, People, People, People) = Default::default();
    let mut outcomes = BTreeMap::new();
    let mut delays = Vec::new();
    for r in app.store.placement_figure_rows(from, to).await? {
        if (from..=to).contains(&r.decided_on) {
            f.decided += 1;
            if r.started_on.is_none_or(|s| s > today) && r.ended_on.is_none() {
                f.waiting += 1;
            }
        }
        let ran = r.started_on.is_some_and(|s| s <= to && s <= today) && r.ended_on.is_none_or(|e| e >= from);
        if ran {
            people.insert(r.person.clone());
            for (map, key) in [
                (&mut structure, r.structure.clone().unwrap_or_else(|| "Sans poste".into())),
                (&mut measure, r.measure.clone()),
                (&mut sex, r.sex.clone()),
                (&mut age, r.age_band.clone()),
            ] {
                map.entry(key).or_default().insert(r.person.clone());
            }
        }
        if let Some(s) = r.started_on.filter(|s| (from..=to).contains(s) && *s <= today) {
            delays.push(delay_days(r.decided_on, s));
        }
        if let (Some(e), Some(o)) = (r.ended_on, &r.outcome)
            && (from..=to).contains(&e)
        {
            *outcomes.entry(o.clone()).or_insert(0) += 1;
        }
    }
    f.hosted = count(people.len());
    f.started = count(delays.len());
    f.delay_max = delays.iter().copied().max();
    f.delay_median = median(&mut delays);
    f.hosted_by_structure = counted(structure);
    f.hosted_by_measure = counted(measure);
    f.hosted_by_sex = counted(sex);
    f.hosted_by_age = counted(age);
    f.outcomes = outcomes.into_iter().collect();
    Ok(f)
}
