//! The yearly report to the plenary (bilan): a page to download it, the PDF (PDF/A-2a and
//! PDF/UA-1) and ODT documents, and its
//! indicators' figures as ODS and CSV. Exact for the coordination, published for everyone else
//! (`authz::confidential_figures_masked`), built by `maillage_app::evaluation_report`.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::evaluation::{ExportQuery, attachment, french_csv};
use crate::layout::Layout;
use crate::page::{YearQuery, render, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use maillage_app::evaluation_report::{csv, indicator_lines, ods, odt, pdf};
use maillage_core::authz::{Action, confidential_figures_masked};

pub fn routes(r: Routes) -> Routes {
    r.get("/evaluation/bilan", page)
        .get("/evaluation/bilan/bilan.pdf", export_pdf)
        .get("/evaluation/bilan/bilan.odt", export_odt)
        .get("/evaluation/bilan/indicateurs.ods", export_ods)
        .get("/evaluation/bilan/indicateurs.csv", export_csv)
        .get("/evaluation/bilan/indicateurs.schema.json", schema)
}

#[derive(Template)]
#[template(path = "evaluation_report/page.html")]
struct Page {
    layout: Layout,
    year: i32,
    max_year: i32,
    masked: bool,
    adopted: Option<String>,
}

async fn page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/bilan")?;
    let year = year_param(&q.annee)?;
    let adopted = state.store.adopted_years().await?.into_iter().find(|a| a.year == year);
    render(&Page {
        layout: Layout::new(&format!("Bilan {year}"), Some(u)),
        year,
        max_year: crate::indicator::today().year(),
        masked: confidential_figures_masked(&u.actor),
        adopted: adopted.map(|a| maillage_core::time_fmt::day_fr(a.adopted_on)),
    })
}

async fn export_odt(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/bilan")?;
    let year = year_param(&q.annee)?;
    let odt = odt(&state, year, confidential_figures_masked(&u.actor)).await?;
    Ok(attachment("application/vnd.oasis.opendocument.text", format!("bilan-{year}.odt"), odt))
}

async fn export_pdf(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/bilan")?;
    let year = year_param(&q.annee)?;
    let pdf = pdf(&state, year, confidential_figures_masked(&u.actor)).await?;
    Ok(attachment("application/pdf", format!("bilan-{year}.pdf"), pdf.to_vec()))
}

async fn export_ods(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/bilan")?;
    let year = year_param(&q.annee)?;
    let lines = indicator_lines(&state, year, confidential_figures_masked(&u.actor)).await?;
    Ok(attachment("application/vnd.oasis.opendocument.spreadsheet", format!("indicateurs-{year}.ods"), ods(&lines, year)?))
}

async fn export_csv(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ExportQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/bilan")?;
    let year = year_param(&q.annee)?;
    let french = french_csv(&q.format)?;
    let lines = indicator_lines(&state, year, confidential_figures_masked(&u.actor)).await?;
    let name = if french { format!("indicateurs-{year}-point-virgule.csv") } else { format!("indicateurs-{year}.csv") };
    let mut response = attachment("text/csv; charset=utf-8", name, csv(&lines, year, french)?);
    // Where a program finds what each column holds.
    response.headers_mut().insert(
        axum::http::header::LINK,
        axum::http::HeaderValue::from_static(
            "</evaluation/bilan/indicateurs.schema.json>; rel=\"describedby\"; type=\"application/schema+json\"",
        ),
    );
    Ok(response)
}

/// `GET /evaluation/bilan/indicateurs.schema.json`: the indicators' CSV as a Table Schema.
async fn schema(user: Option<CurrentUser>) -> Result<axum::Json<serde_json::Value>, AppError> {
    require(user.as_ref(), Action::ViewEvaluation, "/evaluation/bilan")?;
    Ok(axum::Json(maillage_app::evaluation_report::table_schema()))
}
