//! Declared figures: a partner's list of what its organisation declares (and what campaigns ask
//! of it), the form for one indicator and period (save as draft, or submit), the coordinator's
//! review (validate, or return with a comment), and the JSON API over the same use cases.

use super::today;
use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::layout::Layout;
use crate::page::{FieldErrors, parse_id, render, render_invalid, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::indicator::declared_csv::{self, ImportError, LineFault};
use maillage_app::indicator::{IndicatorError, IndicatorRef, indicators, parts_of};
use maillage_core::authz::Action;
use maillage_core::indicator::declaration::{DeclaredDraft, Part, State as Declared, Step};
use maillage_core::indicator::{Dimension, Period, Source};
use maillage_core::text::number_fr;
use maillage_core::time_fmt;
use maillage_store::indicator::{DeclaredFilter, DeclaredKey, DeclaredValue};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/evaluation/declarations", list_page)
        .get("/evaluation/declarations/{indicator}/{period}", form_page)
        .post("/evaluation/declarations/{indicator}/{period}", submit)
        .post("/evaluation/declarations/valeurs/{id}", review)
        .get("/evaluation/declarations/export.csv", export_csv)
        .post("/evaluation/declarations/import", import_file)
        .get("/api/v1/declarations", api_list)
        .post("/api/v1/declarations", api_declare)
        .post("/api/v1/declarations/import", api_import)
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    fait: String,
}

/// A declared value as a list shows it.
struct ValueLine {
    id: i64,
    indicator_id: i64,
    indicator: String,
    sheet: String,
    period: String,
    period_code: String,
    organisation: String,
    state: &'static str,
    total: String,
    parts: String,
    comment: String,
    warnings: Vec<String>,
    return_comment: String,
    version: i64,
    submitted: bool,
}

fn value_line(v: &DeclaredValue, inds: &[IndicatorRef], labels: &[(Dimension, Vec<(String, String)>)]) -> ValueLine {
    let ind = inds.iter().find(|i| i.id == v.indicator_id);
    let label_of = |d: Dimension, code: &str| {
        labels
            .iter()
            .find(|(k, _)| *k == d)
            .and_then(|(_, l)| l.iter().find(|(c, _)| c == code))
            .map_or(code.to_string(), |(_, l)| l.clone())
    };
    ValueLine {
        id: v.id,
        indicator_id: v.indicator_id,
        indicator: ind.map_or_else(|| format!("indicateur {}", v.indicator_id), |i| i.indicator.label.clone()),
        sheet: ind.map_or_else(String::new, |i| i.indicator.sheet.clone()),
        period: v.period.label(),
        period_code: v.period.code(),
        organisation: v.organisation.clone(),
        state: v.state.label(),
        total: number_fr(v.total),
        parts: v
            .parts
            .iter()
            .map(|p| format!("{} : {}", label_of(p.dimension, &p.part), number_fr(p.value)))
            .collect::<Vec<_>>()
            .join(" ; "),
        comment: v.comment.clone(),
        warnings: v.warnings.clone(),
        return_comment: v.return_comment.clone(),
        version: v.version,
        submitted: v.state == Declared::Submitted,
    }
}

async fn all_labels(state: &AppState) -> Result<Vec<(Dimension, Vec<(String, String)>)>, AppError> {
    let mut out = Vec::new();
    for d in Dimension::ALL {
        out.push((*d, parts_of(state, *d).await?));
    }
    Ok(out)
}

/// What a partner is to declare for a period: its indicator, and its organisation's figure.
struct Owed {
    indicator_id: i64,
    sheet: String,
    label: String,
    period: String,
    period_code: String,
    state: &'static str,
    total: String,
    asked_by: String,
}

#[derive(Template)]
#[template(path = "indicator/declarations.html")]
struct ListPage {
    layout: Layout,
    year: i32,
    max_year: i32,
    coordinator: bool,
    owed: Vec<Owed>,
    to_review: Vec<ValueLine>,
    values: Vec<ValueLine>,
    notice: Option<&'static str>,
    errors: FieldErrors,
    import: Option<ImportView>,
}

/// What a file's import gave: the figures written and their warnings, or the faults that
/// stopped it.
#[derive(Default)]
struct ImportView {
    figures: usize,
    unchanged: usize,
    warnings: Vec<LineFault>,
    faults: Vec<LineFault>,
}

fn notice_of(fait: &str) -> Option<&'static str> {
    match fait {
        "brouillon" => Some("Brouillon enregistré : il n'est pas encore transmis à la coordination."),
        "transmis" => Some("Chiffre transmis à la coordination, qui le validera."),
        "valide" => Some("Chiffre validé."),
        "renvoye" => Some("Chiffre renvoyé au partenaire avec votre commentaire."),
        _ => None,
    }
}

async fn list_view(
    state: &AppState,
    u: &CurrentUser,
    year: i32,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<ListPage, AppError> {
    let coordinator = require(Some(u), Action::ManageIndicators, "").is_ok();
    if !coordinator {
        require(Some(u), Action::DeclareFigures, "/evaluation/declarations")?;
    }
    let inds = indicators(state).await?;
    let labels = all_labels(state).await?;
    let values = visible_values(state, u, year).await?;
    let mut owed = Vec::new();
    if !coordinator {
        let campaigns = state.store.campaigns().await?;
        let mut asked: Vec<(i64, Period, String)> = Vec::new();
        for c in campaigns.iter().filter(|c| c.period.report_year() == year) {
            for r in state.store.campaign_requests(c.id).await? {
                if Some(r.organisation_id) == u.actor.organisation_id {
                    asked.push((r.indicator_id, c.period, format!("{} (avant le {})", c.title, time_fmt::day_fr(c.deadline))));
                }
            }
        }
        for i in inds.iter().filter(|i| i.indicator.source == Source::Declared) {
            for p in Period::ending_in(i.indicator.frequency, year) {
                let v = values.iter().find(|v| v.indicator_id == i.id && v.period == p);
                owed.push(Owed {
                    indicator_id: i.id,
                    sheet: i.indicator.sheet.clone(),
                    label: i.indicator.label.clone(),
                    period: p.label(),
                    period_code: p.code(),
                    state: v.map_or("À saisir", |v| v.state.label()),
                    total: v.map_or_else(|| "—".into(), |v| number_fr(v.total)),
                    asked_by: asked.iter().filter(|a| a.0 == i.id && a.1 == p).map(|a| a.2.clone()).collect::<Vec<_>>().join(" ; "),
                });
            }
        }
        // What a campaign asks comes first.
        owed.sort_by_key(|o| o.asked_by.is_empty());
    }
    let lines: Vec<ValueLine> = values.iter().map(|v| value_line(v, &inds, &labels)).collect();
    let (to_review, values): (Vec<_>, Vec<_>) = lines.into_iter().partition(|l| coordinator && l.submitted);
    Ok(ListPage {
        layout: Layout::new(&format!("Chiffres déclarés {year}"), Some(u)),
        year,
        max_year: today().year(),
        coordinator,
        owed,
        to_review,
        values,
        notice,
        errors,
        import: None,
    })
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/declarations")?;
    let year = year_param(&q.annee)?;
    render(&list_view(&state, u, year, FieldErrors::default(), notice_of(&q.fait)).await?)
}

// ---- the form ------------------------------------------------------------------------------

#[derive(Default)]
struct DeclareForm {
    total: String,
    /// (dimension code, part code, value as typed)
    parts: Vec<(String, String, String)>,
    comment: String,
    version: String,
    step: String,
}

impl DeclareForm {
    fn of(v: &DeclaredValue) -> Self {
        DeclareForm {
            total: v.total.to_string(),
            parts: v.parts.iter().map(|p| (p.dimension.code().to_string(), p.part.clone(), p.value.to_string())).collect(),
            comment: v.comment.clone(),
            version: v.version.to_string(),
            step: String::new(),
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = DeclareForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "total" => f.total = v,
                "comment" => f.comment = v,
                "version" => f.version = v,
                "step" => f.step = v,
                _ => {
                    if let Some((d, p)) = k.split_once('.') {
                        f.parts.push((d.to_string(), p.to_string(), v));
                    }
                }
            }
        }
        f
    }

    fn value(&self, dimension: &str, part: &str) -> &str {
        self.parts.iter().find(|(d, p, _)| d == dimension && p == part).map_or("", |(_, _, v)| v.as_str())
    }

    /// The draft, and the faults of what could not even be read (numbers).
    fn draft(&self) -> (DeclaredDraft, Vec<(String, String)>) {
        let mut faults = Vec::new();
        let number = |field: String, v: &str, faults: &mut Vec<(String, String)>| -> Option<i64> {
            let v = v.trim().replace([' ', '\u{202f}', '\u{a0}'], "");
            if v.is_empty() {
                return None;
            }
            match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    faults.push((field, format!("« {} » n'est pas un nombre entier.", v.chars().take(20).collect::<String>())));
                    None
                }
            }
        };
        let total = number("total".into(), &self.total, &mut faults);
        let mut parts = Vec::new();
        for (d, p, v) in &self.parts {
            let field = format!("{d}.{p}");
            let Some(value) = number(field.clone(), v, &mut faults) else { continue };
            match Dimension::from_code(d) {
                Some(dimension) => parts.push(Part { dimension, part: p.clone(), value }),
                None => faults.push((field, "Ventilation inconnue.".into())),
            }
        }
        (DeclaredDraft { total, parts, comment: self.comment.clone() }, faults)
    }
}

struct Breakdown {
    code: &'static str,
    label: &'static str,
    parts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "indicator/declare.html")]
struct FormPage {
    layout: Layout,
    ind: IndicatorRef,
    period: Period,
    current: Option<ValueLine>,
    editable: bool,
    form: DeclareForm,
    breakdowns: Vec<Breakdown>,
    errors: FieldErrors,
    warnings: Vec<String>,
    target: Option<String>,
}

async fn declarable(state: &AppState, indicator: &str, period: &str) -> Result<(IndicatorRef, Period), AppError> {
    let ind = maillage_app::indicator::indicator(state, parse_id(indicator)?).await?.ok_or(AppError::NotFound)?;
    let period = Period::parse(period).ok_or(AppError::NotFound)?;
    if ind.indicator.source != Source::Declared || period.frequency() != ind.indicator.frequency {
        return Err(AppError::NotFound);
    }
    Ok((ind, period))
}

#[allow(clippy::too_many_arguments)]
async fn form_view(
    state: &AppState,
    u: &CurrentUser,
    ind: IndicatorRef,
    period: Period,
    current: Option<DeclaredValue>,
    form: DeclareForm,
    errors: FieldErrors,
    warnings: Vec<String>,
) -> Result<FormPage, AppError> {
    let mut breakdowns = Vec::new();
    for d in &ind.indicator.breakdowns {
        breakdowns.push(Breakdown { code: d.code(), label: d.label(), parts: parts_of(state, *d).await? });
    }
    let labels = all_labels(state).await?;
    let inds = vec![ind.clone()];
    let locked = state.store.adopted_years().await?.iter().any(|y| y.year == period.report_year());
    Ok(FormPage {
        layout: Layout::new(&format!("{} — {}", ind.indicator.label, period.label()), Some(u)),
        editable: !locked && current.as_ref().is_none_or(|c| c.state.editable()),
        current: current.as_ref().map(|v| value_line(v, &inds, &labels)),
        target: ind.indicator.target(&period).map(number_fr),
        ind,
        period,
        form,
        breakdowns,
        errors,
        warnings,
    })
}

fn key(u: &CurrentUser, ind: &IndicatorRef, period: Period) -> Result<DeclaredKey, AppError> {
    let organisation_id = u.actor.organisation_id.ok_or(AppError::Forbidden)?;
    Ok(DeclaredKey { indicator_id: ind.id, period, organisation_id })
}

async fn form_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((indicator, period)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::DeclareFigures, &format!("/evaluation/declarations/{indicator}/{period}"))?;
    let (ind, period) = declarable(&state, &indicator, &period).await?;
    let current = state.store.declared_value_at(key(u, &ind, period)?).await?;
    let form = current.as_ref().map(DeclareForm::of).unwrap_or_default();
    let warnings = current.as_ref().map(|c| c.warnings.clone()).unwrap_or_default();
    render(&form_view(&state, u, ind, period, current, form, FieldErrors::default(), warnings).await?)
}

fn step_of(text: &str) -> Result<Step, AppError> {
    match text {
        "transmettre" => Ok(Step::Submit),
        "brouillon" | "" => Ok(Step::Save),
        _ => Err(AppError::BadRequest("Choisissez : enregistrer le brouillon ou transmettre.".into())),
    }
}

async fn submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((indicator, period)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let path = format!("/evaluation/declarations/{indicator}/{period}");
    let u = require(user.as_ref(), Action::DeclareFigures, &path)?;
    let (ind, period) = declarable(&state, &indicator, &period).await?;
    let k = key(u, &ind, period)?;
    let form = DeclareForm::from_pairs(pairs);
    let (draft, read) = form.draft();
    let step = step_of(&form.step)?;
    let version = form.version.trim().parse().ok();
    match maillage_app::indicator::declare(&state, &u.author(), k, version, step, draft, read).await {
        Ok(_) => {
            let done = if step == Step::Submit { "transmis" } else { "brouillon" };
            Ok(Redirect::to(&format!("/evaluation/declarations?annee={}&fait={done}", period.report_year())).into_response())
        }
        Err(IndicatorError::Invalid(faults)) => {
            let current = state.store.declared_value_at(k).await?;
            let errors = FieldErrors::from(faults);
            render_invalid(&form_view(&state, u, ind, period, current, form, errors, Vec::new()).await?)
        }
        Err(e @ (IndicatorError::Refused(_) | IndicatorError::Store(maillage_store::StoreError::Conflict(_)))) => {
            // Show the figure as it is now, with why the change was refused.
            let current = state.store.declared_value_at(k).await?;
            let fresh = current.as_ref().map(DeclareForm::of).unwrap_or_default();
            let mut errors = FieldErrors::default();
            errors.add("version", AppError::from(e).to_string());
            let page = form_view(&state, u, ind, period, current, fresh, errors, Vec::new()).await?;
            Ok((axum::http::StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the coordinator's review --------------------------------------------------------------

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn review(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ReviewForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, "/evaluation/declarations")?;
    let value = state.store.declared_value(parse_id(&id)?).await?.ok_or(AppError::NotFound)?;
    let year = value.period.report_year();
    let step = match f.decision.as_str() {
        "valider" => Step::Validate,
        "renvoyer" => Step::Return,
        _ => return Err(AppError::BadRequest("Choisissez : valider ou renvoyer.".into())),
    };
    let version = f.version.trim().parse().unwrap_or(-1);
    match maillage_app::indicator::review(&state, &u.author(), &value, version, step, &f.comment).await {
        Ok(()) => {
            let done = if step == Step::Validate { "valide" } else { "renvoye" };
            Ok(Redirect::to(&format!("/evaluation/declarations?annee={year}&fait={done}")).into_response())
        }
        Err(IndicatorError::Invalid(faults)) => {
            let errors = FieldErrors::from(faults.into_iter().map(|(field, m)| (format!("{field}-{}", value.id), m)).collect::<Vec<_>>());
            render_invalid(&list_view(&state, u, year, errors, None).await?)
        }
        Err(e @ (IndicatorError::Refused(_) | IndicatorError::Store(maillage_store::StoreError::Conflict(_)))) => {
            let mut errors = FieldErrors::default();
            errors.add(format!("comment-{}", value.id), AppError::from(e).to_string());
            let page = list_view(&state, u, year, errors, None).await?;
            Ok((axum::http::StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- JSON API ------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartInput {
    dimension: String,
    part: String,
    valeur: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclareInput {
    indicateur: i64,
    periode: String,
    total: Option<i64>,
    #[serde(default)]
    ventilation: Vec<PartInput>,
    #[serde(default)]
    commentaire: String,
    /// "enregistrer" (a draft) or "transmettre".
    #[serde(default)]
    action: String,
    version: Option<i64>,
}

/// `POST /api/v1/declarations`: the form's use case, for an organisation's own system.
/// The API's `action`: save a draft (the default) or submit.
fn api_step(action: &str) -> Result<Step, AppError> {
    match action {
        "" | "enregistrer" => Ok(Step::Save),
        "transmettre" => Ok(Step::Submit),
        _ => Err(AppError::InvalidFields(vec![("action".into(), "« enregistrer » ou « transmettre » attendu.".into())])),
    }
}

async fn api_declare(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    body: Result<Json<DeclareInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(axum::http::StatusCode, Json<serde_json::Value>), ApiError> {
    let u = require(user.as_ref(), Action::DeclareFigures, "/api/v1/declarations")?;
    let Json(input) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let ind = maillage_app::indicator::indicator(&state, input.indicateur)
        .await?
        .ok_or(AppError::InvalidFields(vec![("indicateur".into(), "Indicateur inconnu dans la stratégie en cours.".into())]))?;
    let period = Period::parse(&input.periode).ok_or(AppError::InvalidFields(vec![(
        "periode".into(),
        "Période illisible : « 2020 », « 2020-S1 » ou « 2019-2020 » attendu.".into(),
    )]))?;
    let step = api_step(&input.action)?;
    let mut read = Vec::new();
    let mut parts = Vec::new();
    for (n, p) in input.ventilation.iter().enumerate() {
        match Dimension::from_code(&p.dimension) {
            Some(dimension) => parts.push(Part { dimension, part: p.part.clone(), value: p.valeur }),
            None => read.push((format!("ventilation[{n}].dimension"), format!("Ventilation inconnue : {} attendu.", Dimension::codes()))),
        }
    }
    let draft = DeclaredDraft { total: input.total, parts, comment: input.commentaire };
    let k = key(u, &ind, period)?;
    let checked = maillage_app::indicator::declare(&state, &u.author(), k, input.version, step, draft, read).await?;
    let v = state.store.declared_value_at(k).await?.ok_or(AppError::NotFound)?;
    Ok((
        axum::http::StatusCode::OK,
        Json(serde_json::json!({
            "id": v.id,
            "etat": v.state.code(),
            "version": v.version,
            "avertissements": checked.warnings,
        })),
    ))
}

/// `GET /api/v1/declarations?annee=`: one's organisation's figures (every one for the
/// coordinator).
async fn api_list(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/api/v1/declarations")?;
    let year = year_param(&q.annee)?;
    let values = visible_values(&state, u, year).await?;
    let items: Vec<serde_json::Value> = values
        .iter()
        .map(|v| {
            serde_json::json!({
                "id": v.id,
                "indicateur": v.indicator_id,
                "periode": v.period.code(),
                "organisation": v.organisation,
                "etat": v.state.code(),
                "total": v.total,
                "ventilation": v.parts.iter().map(|p| serde_json::json!({"dimension": p.dimension.code(), "part": p.part, "valeur": p.value})).collect::<Vec<_>>(),
                "commentaire": v.comment,
                "avertissements": v.warnings,
                "commentaire_coordination": v.return_comment,
                "version": v.version,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "annee": year, "declarations": items })))
}

// ---- the long CSV: export and import ------------------------------------------------------

/// The values a user may see for `year`: its organisation's, or every submitted one for the
/// coordinator (a draft stays with its organisation).
async fn visible_values(state: &AppState, u: &CurrentUser, year: i32) -> Result<Vec<DeclaredValue>, AppError> {
    let coordinator = require(Some(u), Action::ManageIndicators, "").is_ok();
    if !coordinator {
        require(Some(u), Action::DeclareFigures, "/evaluation/declarations")?;
    }
    let periods = maillage_core::indicator::Frequency::ALL.iter().flat_map(|f| Period::ending_in(*f, year)).map(Period::code).collect();
    let filter = DeclaredFilter {
        periods: Some(periods),
        organisation_id: if coordinator { None } else { u.actor.organisation_id },
        ..Default::default()
    };
    let mut values = state.store.declared_values(&filter).await?;
    // A draft stays with its organisation until submitted.
    values.retain(|v| !coordinator || v.state != Declared::Draft);
    Ok(values)
}

/// `GET /evaluation/declarations/export.csv?annee=[&format=point-virgule]`: the year's declared
/// values as the long CSV the import reads.
async fn export_csv(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<crate::evaluation::ExportQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/declarations")?;
    let year = year_param(&q.annee)?;
    let french = crate::evaluation::french_csv(&q.format)?;
    let values = visible_values(&state, u, year).await?;
    let inds = indicators(&state).await?;
    let codes: Vec<(i64, String)> = state.store.organisations().await?.into_iter().map(|o| (o.id, o.code)).collect();
    let body = declared_csv::export(&values, &inds, &codes, french).map_err(AppError::internal)?;
    let name = if french { format!("chiffres-declares-{year}-point-virgule.csv") } else { format!("chiffres-declares-{year}.csv") };
    Ok(crate::evaluation::attachment("text/csv; charset=utf-8", name, body))
}

/// The declaring organisation: its id and code.
async fn own_organisation(state: &AppState, u: &CurrentUser) -> Result<(i64, String), AppError> {
    let id = u.actor.organisation_id.ok_or(AppError::Forbidden)?;
    let code = state.store.organisations().await?.into_iter().find(|o| o.id == id).map(|o| o.code).ok_or(AppError::Forbidden)?;
    Ok((id, code))
}

/// `POST /evaluation/declarations/import` (multipart: `fichier`, `action`): a partner's file.
async fn import_file(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::DeclareFigures, "/evaluation/declarations")?;
    let (mut file, mut action, mut year) = (Vec::new(), String::new(), String::new());
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(AppError::BadRequest(crate::error::multipart_refusal(&e))),
        };
        let name = field.name().unwrap_or("").to_string();
        let bytes = field.bytes().await.map_err(|e| AppError::BadRequest(crate::error::multipart_refusal(&e)))?;
        match name.as_str() {
            "fichier" => file = bytes.to_vec(),
            "action" => action = String::from_utf8_lossy(&bytes).into_owned(),
            "annee" => year = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    let year = year_param(&year)?;
    let step = step_of(&action)?;
    let organisation = own_organisation(&state, u).await?;
    let outcome = if file.is_empty() {
        Err(ImportError::Lines(vec![LineFault { line: 0, column: "fichier".into(), message: "Choisissez un fichier CSV.".into() }]))
    } else {
        declared_csv::import(&state, &u.author(), (organisation.0, &organisation.1), &file, step).await
    };
    let mut page = list_view(&state, u, year, FieldErrors::default(), None).await?;
    match outcome {
        Ok(done) => {
            page.import =
                Some(ImportView { figures: done.figures, unchanged: done.unchanged, warnings: done.warnings, faults: Vec::new() });
            render(&page)
        }
        Err(ImportError::Lines(faults)) => {
            page.import = Some(ImportView { faults, ..Default::default() });
            render_invalid(&page)
        }
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    action: String,
}

/// `POST /api/v1/declarations/import?action=enregistrer|transmettre`, the CSV as the body.
async fn api_import(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<maillage_app::indicator::declared_csv::Imported>, ApiError> {
    let u = require(user.as_ref(), Action::DeclareFigures, "/api/v1/declarations/import")?;
    let step = api_step(&q.action)?;
    let organisation = own_organisation(&state, u).await?;
    Ok(Json(declared_csv::import(&state, &u.author(), (organisation.0, &organisation.1), &body, step).await?))
}
