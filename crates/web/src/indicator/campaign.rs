//! The coordinator's reporting campaigns (who owes which declared figures for a period, by
//! when, and where each organisation stands) and the record of the plenary's adoption of a
//! year's report, which locks that year's figures.

use super::today;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, parse_id, render, render_invalid, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::indicator::campaign::{CampaignDraft, Progress, create, progress};
use maillage_app::indicator::{IndicatorError, indicators};
use maillage_core::authz::Action;
use maillage_core::indicator::{Period, Source};
use maillage_core::time_fmt;
use maillage_store::indicator::Campaign;

pub fn routes(r: Routes) -> Routes {
    r.get("/evaluation/campagnes", list_page)
        .post("/evaluation/campagnes", create_submit)
        .get("/evaluation/campagnes/{id}", campaign_page)
        .post("/evaluation/adoption", adopt)
}

#[derive(Default)]
struct CampaignForm {
    title: String,
    period: String,
    deadline: String,
    /// "indicator id:organisation id" of each request ticked.
    requests: Vec<String>,
}

struct Row {
    id: i64,
    title: String,
    period: String,
    deadline: String,
}

/// A declared indicator and the organisations one may ask it of.
struct Askable {
    id: i64,
    sheet: String,
    label: String,
    frequency: &'static str,
}

#[derive(Template)]
#[template(path = "indicator/campaigns.html")]
struct ListPage {
    layout: Layout,
    campaigns: Vec<Row>,
    form: CampaignForm,
    errors: FieldErrors,
    indicators: Vec<Askable>,
    organisations: Vec<(i64, String)>,
}

impl ListPage {
    fn asked(&self, indicator: i64, organisation: i64) -> bool {
        self.form.requests.iter().any(|r| *r == format!("{indicator}:{organisation}"))
    }
}

async fn list_view(state: &AppState, u: &CurrentUser, form: CampaignForm, errors: FieldErrors) -> Result<ListPage, AppError> {
    let campaigns = state
        .store
        .campaigns()
        .await?
        .into_iter()
        .map(|c| Row { id: c.id, title: c.title, period: c.period.label(), deadline: time_fmt::day_fr(c.deadline) })
        .collect();
    let indicators = indicators(state)
        .await?
        .into_iter()
        .filter(|i| i.indicator.source == Source::Declared)
        .map(|i| Askable { id: i.id, sheet: i.indicator.sheet, label: i.indicator.label, frequency: i.indicator.frequency.label() })
        .collect();
    let organisations = state.catalog().await?.organisations.iter().map(|o| (o.id, o.name.clone())).collect();
    Ok(ListPage { layout: Layout::new("Campagnes de collecte", Some(u)), campaigns, form, errors, indicators, organisations })
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, "/evaluation/campagnes")?;
    let form = CampaignForm { period: (today().year() - 1).to_string(), ..CampaignForm::default() };
    render(&list_view(&state, u, form, FieldErrors::default()).await?)
}

async fn create_submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, "/evaluation/campagnes")?;
    let mut form = CampaignForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "title" => form.title = v,
            "period" => form.period = v,
            "deadline" => form.deadline = v,
            "request" => form.requests.push(v),
            _ => {}
        }
    }
    let mut read = Vec::new();
    let period = Period::parse(&form.period);
    if period.is_none() {
        read.push(("period".to_string(), "Période illisible : « 2020 », « 2020-S1 » ou « 2019-2020 ».".to_string()));
    }
    let deadline = match form.deadline.trim() {
        "" => None,
        d => time_fmt::read_typed_date(d).map_err(|e| read.push(("deadline".to_string(), e.to_string()))).ok(),
    };
    let mut requests = Vec::new();
    for r in &form.requests {
        match r.split_once(':').and_then(|(i, o)| Some((i.parse().ok()?, o.parse().ok()?))) {
            Some(pair) => requests.push(pair),
            None => read.push(("requests".to_string(), "Choisissez dans la liste.".to_string())),
        }
    }
    if let Some(p) = period {
        if state.store.adopted_years().await?.iter().any(|a| a.year == p.report_year()) {
            read.push(("period".to_string(), "Le bilan de cette période est adopté : ses chiffres ne changent plus.".to_string()));
        } else if p.days().0 > today() {
            read.push(("period".to_string(), "Cette période n'a pas commencé.".to_string()));
        }
    }
    let draft = CampaignDraft { title: form.title.clone(), period, deadline, requests };
    match create(&state, &u.author(), draft, read, today()).await {
        Ok(id) => Ok(Redirect::to(&format!("/evaluation/campagnes/{id}?fait=ouverte")).into_response()),
        Err(IndicatorError::Invalid(faults)) => {
            let errors = FieldErrors::from(faults);
            render_invalid(&list_view(&state, u, form, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "indicator/campaign.html")]
struct CampaignPage {
    layout: Layout,
    campaign: Campaign,
    deadline: String,
    reminded: String,
    progress: Vec<Progress>,
    notice: Option<&'static str>,
}

async fn campaign_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, &format!("/evaluation/campagnes/{id}"))?;
    let campaign = state.store.campaign(parse_id(&id)?).await?.ok_or(AppError::NotFound)?;
    let progress = progress(&state, &campaign).await?;
    render(&CampaignPage {
        layout: Layout::new(&format!("Campagne : {}", campaign.title), Some(u)),
        deadline: time_fmt::day_fr(campaign.deadline),
        reminded: campaign.reminded_on.map_or_else(|| "aucune pour l'instant".into(), time_fmt::day_fr),
        campaign,
        progress,
        notice: (q.fait == "ouverte").then_some("Campagne ouverte : les partenaires la voient dans leurs chiffres à déclarer."),
    })
}

#[derive(serde::Deserialize)]
pub struct AdoptForm {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    adopted_on: String,
    #[serde(default)]
    confirm: String,
}

/// Records the plenary's adoption of a year's report: that year's figures are locked.
async fn adopt(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(f): axum::Form<AdoptForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, "/evaluation/indicateurs")?;
    let year = year_param(&f.annee)?;
    let mut faults = Vec::new();
    if f.confirm != "oui" {
        faults.push(("confirm".to_string(), "Cochez la case pour confirmer : les chiffres de l'année ne changeront plus.".to_string()));
    }
    let on = time_fmt::read_typed_date(&f.adopted_on).map_err(|e| faults.push(("adopted_on".to_string(), e.to_string()))).ok();
    if year >= today().year() {
        faults.push(("annee".to_string(), format!("L'année {year} n'est pas finie : son bilan s'adopte l'an prochain.")));
    }
    if on.is_some_and(|d| d > today() || d.year() <= year) {
        faults.push(("adopted_on".to_string(), "La date d'adoption suit la fin de l'année et n'est pas à venir.".to_string()));
    }
    let Some(on) = on.filter(|_| faults.is_empty()) else { return Err(AppError::InvalidFields(faults)) };
    state.store.adopt_year(&u.author(), year, on).await?;
    Ok(Redirect::to(&format!("/evaluation/indicateurs?annee={year}")).into_response())
}
