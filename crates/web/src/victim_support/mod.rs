//! Victim reception at front desks (axis 4): the anonymous log (a form with lists only, the
//! desk's latest entries) and its figures, published (small counts hidden) for all but the
//! coordinator.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, FigureTable, YearQuery, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{Action, confidential_figures_masked};
use maillage_core::publication;
use maillage_core::time_fmt::{self, parse_typed_date};
use maillage_core::victim_support::{AGE_BANDS, Choice, FACT_KINDS, ORIENTATIONS, SEXES, known};
use maillage_store::victim_support::{NewReception, ReceptionCounts};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/accueil-victimes", page).post("/accueil-victimes", record).get("/accueil-victimes/chiffres", figures)
}

fn label(list: &[Choice], code: &str) -> String {
    list.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_string(), |(_, l)| (*l).to_string())
}

#[derive(Deserialize, Default, Clone)]
pub struct ReceptionForm {
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    fact_kind: String,
    #[serde(default)]
    age_band: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    orientation: String,
}

#[derive(Template)]
#[template(path = "victim_support/log.html")]
struct LogPage {
    layout: Layout,
    form: ReceptionForm,
    errors: FieldErrors,
    notice: Option<String>,
    /// (date, facts, age band, sex, orientation)
    entries: Vec<(String, String, String, String, String)>,
    facts: &'static [Choice],
    ages: &'static [Choice],
    sexes: &'static [Choice],
    orientations: &'static [Choice],
}

async fn log_view(
    state: &AppState,
    u: &CurrentUser,
    form: ReceptionForm,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<LogPage, AppError> {
    let org = u.actor.organisation_id.ok_or(AppError::Forbidden)?;
    let entries = state
        .store
        .receptions(org, 30)
        .await?
        .into_iter()
        .map(|r| {
            (
                time_fmt::day_fr(r.received_on),
                label(FACT_KINDS, &r.fact_kind),
                label(AGE_BANDS, &r.age_band),
                label(SEXES, &r.sex),
                label(ORIENTATIONS, &r.orientation),
            )
        })
        .collect();
    Ok(LogPage {
        layout: Layout::new("Accueil et orientation des victimes", Some(u)),
        form,
        errors,
        notice,
        entries,
        facts: FACT_KINDS,
        ages: AGE_BANDS,
        sexes: SEXES,
        orientations: ORIENTATIONS,
    })
}

async fn page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordVictimReception, "/accueil-victimes")?;
    let today = time_fmt::paris_date(time_fmt::now()).to_string();
    let notice = (q.fait == "1").then(|| "Accueil enregistré.".to_string());
    render(&log_view(&state, u, ReceptionForm { received_on: today, ..ReceptionForm::default() }, FieldErrors::default(), notice).await?)
}

async fn record(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<ReceptionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RecordVictimReception, "/accueil-victimes")?;
    let org = u.actor.organisation_id.ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::default();
    let today = time_fmt::paris_date(time_fmt::now());
    let received_on = parse_typed_date(&form.received_on).filter(|d| *d <= today && *d > today - time::Duration::days(366));
    if received_on.is_none() {
        errors.add("received_on", "La date d'accueil est obligatoire, dans l'année écoulée.");
    }
    for (field, list, value, what) in [
        ("fact_kind", FACT_KINDS, &form.fact_kind, "la nature des faits"),
        ("age_band", AGE_BANDS, &form.age_band, "la tranche d'âge"),
        ("sex", SEXES, &form.sex, "le sexe"),
        ("orientation", ORIENTATIONS, &form.orientation, "l'orientation"),
    ] {
        if !known(list, value) {
            errors.add(field, format!("Choisissez {what} dans la liste."));
        }
    }
    let Some(received_on) = received_on.filter(|_| errors.is_empty()) else {
        return render_invalid(&log_view(&state, u, form, errors, None).await?);
    };
    let new = NewReception {
        received_on,
        organisation_id: org,
        fact_kind: form.fact_kind,
        age_band: form.age_band,
        sex: form.sex,
        orientation: form.orientation,
    };
    state.store.record_reception(&u.author(), &new).await?;
    Ok(Redirect::to("/accueil-victimes?fait=1").into_response())
}

#[derive(Template)]
#[template(path = "victim_support/figures.html")]
struct FiguresPage {
    layout: Layout,
    year: i32,
    total: String,
    tables: Vec<FigureTable>,
    masked: bool,
}

/// The log's figures for a year, every desk together.
async fn figures(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewVictimFigures, "/accueil-victimes/chiffres")?;
    let year = crate::page::year_param(&q.annee)?;
    let (from, to) = (
        time::Date::from_calendar_date(year, time::Month::January, 1).map_err(AppError::internal)?,
        time::Date::from_calendar_date(year, time::Month::December, 31).map_err(AppError::internal)?,
    );
    let ReceptionCounts { by_fact, by_orientation, by_sex, by_age, total } = state.store.reception_counts(None, from, to).await?;
    let masked = confidential_figures_masked(&u.actor);
    let show = |list: &[Choice], counts: Vec<(String, i64)>| {
        let labelled: Vec<(String, i64)> = counts.into_iter().map(|(c, n)| (label(list, &c), n)).collect();
        if masked {
            publication::breakdown(&labelled)
        } else {
            labelled.into_iter().map(|(l, n)| (l, maillage_core::text::number_fr(n))).collect()
        }
    };
    let tables = vec![
        FigureTable { caption: "Nature des faits", rows: show(FACT_KINDS, by_fact) },
        FigureTable { caption: "Orientation donnée", rows: show(ORIENTATIONS, by_orientation) },
        FigureTable { caption: "Sexe", rows: show(SEXES, by_sex) },
        FigureTable { caption: "Âge", rows: show(AGE_BANDS, by_age) },
    ];
    render(&FiguresPage {
        layout: Layout::new(&format!("Accueil des victimes : chiffres {year}"), Some(u)),
        year,
        total: publication::count_as(total, masked),
        tables,
        masked,
    })
}
