//! Placements (TIG, reparation measures) of a community-service working group: read and kept
//! only by its members in good standing with the second factor, like the group's situations;
//! every list and read is recorded in the audit chain, and the page says so.

use super::{optional_date, optional_number, today};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::working_group::case::member;
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::community_service::{self as cs, PlacementView};
use maillage_app::working_group::{CaseError, record_access};
use maillage_core::community_service::{
    AGE_BANDS, Choice, MEASURES, OUTCOMES, PlacementDraft, REFERENCE_MAX, REFERRERS, SEXES, check_placement, label,
};
use maillage_core::time_fmt;
use maillage_core::working_group::GroupKind;
use maillage_store::working_group::Group;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/groupes/{id}/mesures", list_page)
        .post("/groupes/{id}/mesures", create)
        .get("/groupes/{id}/mesures/{placement}", placement_page)
        .post("/groupes/{id}/mesures/{placement}", update)
}

/// A member of a community-service group; any other group has no placements.
async fn tig_member<'a>(state: &AppState, user: Option<&'a CurrentUser>, id: &str) -> Result<(&'a CurrentUser, Group), AppError> {
    let (u, group) = member(state, user, id).await?;
    if group.kind != GroupKind::CommunityService {
        return Err(AppError::NotFound);
    }
    Ok((u, group))
}

#[derive(Deserialize, Default, Clone)]
pub struct PlacementForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    referrer: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    age_band: String,
    #[serde(default)]
    post_id: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    referred_on: String,
    #[serde(default)]
    started_on: String,
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    hours_ordered: String,
    #[serde(default)]
    hours_done: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    version: String,
}

impl PlacementForm {
    /// The draft, and the faults of fields that do not read as what they should be.
    fn draft(&self) -> (PlacementDraft, Vec<maillage_core::community_service::Fault>) {
        let mut faults = Vec::new();
        let draft = PlacementDraft {
            reference: self.reference.trim().to_string(),
            referrer: self.referrer.clone(),
            measure: self.measure.clone(),
            sex: self.sex.clone(),
            age_band: self.age_band.clone(),
            post_id: optional_number("post_id", &self.post_id, &mut faults),
            decided_on: optional_date("decided_on", &self.decided_on, &mut faults),
            referred_on: optional_date("referred_on", &self.referred_on, &mut faults),
            started_on: optional_date("started_on", &self.started_on, &mut faults),
            ended_on: optional_date("ended_on", &self.ended_on, &mut faults),
            hours_ordered: optional_number("hours_ordered", &self.hours_ordered, &mut faults),
            hours_done: optional_number("hours_done", &self.hours_done, &mut faults).unwrap_or(0),
            outcome: self.outcome.clone(),
        };
        (draft, faults)
    }

    fn of(v: &PlacementView) -> Self {
        let f = &v.placement.fields;
        let day = |d: Option<time::Date>| d.map(|d| d.to_string()).unwrap_or_default();
        PlacementForm {
            reference: v.reference.clone(),
            referrer: f.referrer.clone(),
            measure: f.measure.clone(),
            sex: f.sex.clone(),
            age_band: f.age_band.clone(),
            post_id: f.post_id.map(|p| p.to_string()).unwrap_or_default(),
            decided_on: f.decided_on.to_string(),
            referred_on: day(f.referred_on),
            started_on: day(f.started_on),
            ended_on: day(f.ended_on),
            hours_ordered: f.hours_ordered.map(|h| h.to_string()).unwrap_or_default(),
            hours_done: f.hours_done.to_string(),
            outcome: f.outcome.clone().unwrap_or_default(),
            version: v.placement.version.to_string(),
        }
    }
}

/// Faults of fields that did not read, then the rules' faults on what did; a field already
/// at fault is not reported twice.
fn all_faults(parse: Vec<maillage_core::community_service::Fault>, draft: &PlacementDraft) -> FieldErrors {
    let mut faults = parse;
    for f in check_placement(draft, today(), None) {
        if !faults.iter().any(|(x, _)| *x == f.0) {
            faults.push(f);
        }
    }
    errors_of(faults, "")
}

/// What the lists of the form offer.
struct Lists {
    referrers: &'static [Choice],
    measures: &'static [Choice],
    sexes: &'static [Choice],
    ages: &'static [Choice],
    outcomes: &'static [Choice],
    /// (id, label) of the open posts, the placement's own included.
    posts: Vec<(String, String)>,
    reference_max: usize,
}

async fn lists(state: &AppState, keep: Option<i64>) -> Result<Lists, AppError> {
    let today = today();
    let posts = state
        .store
        .posts(today)
        .await?
        .into_iter()
        .filter(|p| p.closed_on.is_none_or(|c| c > today) || Some(p.id) == keep)
        .map(|p| {
            let minors = if p.minors_accepted { ", mineurs acceptés" } else { "" };
            (p.id.to_string(), format!("{} — {} ({} / {} places{minors})", p.structure, p.service, p.occupied, p.places))
        })
        .collect();
    Ok(Lists {
        referrers: REFERRERS,
        measures: MEASURES,
        sexes: SEXES,
        ages: AGE_BANDS,
        outcomes: OUTCOMES,
        posts,
        reference_max: REFERENCE_MAX,
    })
}

// ---- the list ------------------------------------------------------------------------------

struct Line {
    id: i64,
    reference: String,
    measure: &'static str,
    post: String,
    decided_on: String,
    started_on: String,
    hours: String,
    state: String,
}

fn line(v: &PlacementView) -> Line {
    let f = &v.placement.fields;
    let state = match (&f.outcome, f.started_on) {
        (Some(o), _) => label(OUTCOMES, o).to_string(),
        (None, Some(s)) if s <= today() => "En cours".into(),
        (None, Some(_)) => "Début prévu".into(),
        (None, None) => "En attente de début".into(),
    };
    Line {
        id: v.placement.id,
        reference: v.reference.clone(),
        measure: MEASURES.iter().find(|(c, _)| *c == f.measure).map_or("—", |(_, l)| l),
        post: v.placement.post.clone().unwrap_or_else(|| "—".into()),
        decided_on: time_fmt::day_fr(f.decided_on),
        started_on: f.started_on.map(time_fmt::day_fr).unwrap_or_default(),
        hours: f.hours_ordered.map_or_else(|| "—".into(), |h| format!("{} / {h}", f.hours_done)),
        state,
    }
}

const PAGE: i64 = 100;

#[derive(Template)]
#[template(path = "community_service/placements.html")]
struct ListPage {
    layout: Layout,
    group: Group,
    lines: Vec<Line>,
    form: PlacementForm,
    errors: FieldErrors,
    lists: Lists,
    notice: Option<String>,
}

async fn list_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    form: PlacementForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<ListPage, AppError> {
    let mut lines = Vec::new();
    for p in state.store.placements(group.id, PAGE, 0).await? {
        lines.push(line(&cs::open_placement(state, p)?));
    }
    record_access(state, &u.author(), "placement.list", "working_group", group.id, &format!("{} mesures", lines.len())).await?;
    Ok(ListPage {
        layout: Layout::new(&format!("Mesures TIG et de réparation — {}", group.name), Some(u)),
        group,
        lines,
        form,
        errors,
        lists: lists(state, None).await?,
        notice,
    })
}

async fn list_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (u, group) = tig_member(&state, user.as_ref(), &id).await?;
    let form = PlacementForm { decided_on: today().to_string(), hours_done: "0".into(), ..PlacementForm::default() };
    let notice = (q.fait == "mesure").then(|| "Mesure enregistrée.".to_string());
    render(&list_view(&state, u, group, form, FieldErrors::default(), notice).await?)
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<PlacementForm>,
) -> Result<Response, AppError> {
    let (u, group) = tig_member(&state, user.as_ref(), &id).await?;
    let (draft, parse) = form.draft();
    if !parse.is_empty() {
        let errors = all_faults(parse, &draft);
        return render_invalid(&list_view(&state, u, group, form, errors, None).await?);
    }
    match cs::create_placement(&state, &u.author(), group.id, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/groupes/{}/mesures?fait=mesure", group.id)).into_response()),
        Err(CaseError::Invalid(faults)) => render_invalid(&list_view(&state, u, group, form, errors_of(faults, ""), None).await?),
        Err(e) => Err(e.into()),
    }
}

// ---- one placement -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "community_service/placement.html")]
struct PlacementPage {
    layout: Layout,
    group: Group,
    line: Line,
    form: PlacementForm,
    errors: FieldErrors,
    lists: Lists,
    notice: Option<String>,
}

async fn view_of(state: &AppState, group: &Group, id: &str) -> Result<PlacementView, AppError> {
    let p = state.store.placement(group.id, parse_id(id)?).await?.ok_or(AppError::NotFound)?;
    Ok(cs::open_placement(state, p)?)
}

async fn page_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    view: &PlacementView,
    form: PlacementForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<PlacementPage, AppError> {
    record_access(state, &u.author(), "placement.read", "placement", view.placement.id, &format!("groupe {}", group.id)).await?;
    Ok(PlacementPage {
        // The file number stays out of the title (tabs, history).
        layout: Layout::new(&format!("Mesure n° {} — {}", view.placement.id, group.name), Some(u)),
        line: line(view),
        lists: lists(state, view.placement.fields.post_id).await?,
        group,
        form,
        errors,
        notice,
    })
}

async fn placement_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, placement)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (u, group) = tig_member(&state, user.as_ref(), &id).await?;
    let view = view_of(&state, &group, &placement).await?;
    let notice = (q.fait == "mesure").then(|| "Mesure mise à jour.".to_string());
    render(&page_view(&state, u, group, &view, PlacementForm::of(&view), FieldErrors::default(), notice).await?)
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, placement)): Path<(String, String)>,
    axum::Form(form): axum::Form<PlacementForm>,
) -> Result<Response, AppError> {
    let (u, group) = tig_member(&state, user.as_ref(), &id).await?;
    let view = view_of(&state, &group, &placement).await?;
    // The reference is not changed here: it is the service's file number.
    let form = PlacementForm { reference: view.reference.clone(), ..form };
    let (draft, mut parse) = form.draft();
    let version = form.version.trim().parse::<i64>().ok();
    if version.is_none() {
        parse.push(("version", "Formulaire incomplet : rechargez la page.".into()));
    }
    let Some(version) = version.filter(|_| parse.is_empty()) else {
        let errors = all_faults(parse, &draft);
        return render_invalid(&page_view(&state, u, group, &view, form, errors, None).await?);
    };
    match cs::update_placement(&state, &u.author(), &view, version, draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/mesures/{}?fait=mesure", group.id, view.placement.id)).into_response()),
        Err(CaseError::Invalid(faults)) => render_invalid(&page_view(&state, u, group, &view, form, errors_of(faults, ""), None).await?),
        // Changed by someone else meanwhile: the form comes back as typed, with the news, over
        // the measure as it is now; saving again replaces it knowingly.
        Err(CaseError::Store(maillage_store::StoreError::Conflict(m))) => {
            let current = view_of(&state, &group, &placement).await?;
            let form = PlacementForm { version: current.placement.version.to_string(), ..form };
            let news =
                format!("Rien n'a été enregistré : {m}. Vos saisies sont conservées : enregistrez de nouveau pour remplacer la mesure.");
            let page = page_view(&state, u, group, &current, form, FieldErrors::default(), Some(news)).await?;
            Ok((axum::http::StatusCode::CONFLICT, axum::response::Html(askama::Template::render(&page)?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
