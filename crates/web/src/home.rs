//! The start page: each user lands on the work their permissions call for first
//! ([`maillage_core::authz::start_page`]): the coordinator on what needs action, a partner on
//! its organisation's open reports, an elected official on headline figures (small counts
//! hidden), the administrator on accounts, the data protection officer on the access log.

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::render;
use crate::report::list::{Line, line};
use crate::report::statistics::{PublishedLine, published_lines};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{ReportScope, StartPage, report_scope, start_page, statistics_scope};
use maillage_core::report::{StatRow, State as ReportState};
use maillage_core::{publication, text::number_fr, time_fmt};
use maillage_store::report::{ReportFilter, ReportSort, StatGroup};

/// How many reports a start page lists in each of its tables.
const SHOWN: i64 = 10;

pub async fn home(State(state): State<AppState>, user: Option<CurrentUser>, request: axum::http::HeaderMap) -> Result<Response, AppError> {
    // A visitor without an account reads the public site's home.
    let Some(u) = user else { return crate::public_page::home(&state, &request).await };
    match start_page(&u.actor) {
        StartPage::Triage => triage(&state, &u).await,
        StartPage::OrganisationReports => organisation(&state, &u).await,
        StartPage::Figures => figures(&state, &u).await,
        StartPage::Accounts => Ok(Redirect::to("/admin/comptes").into_response()),
        StartPage::AccessLog => Ok(Redirect::to("/journal").into_response()),
        StartPage::Strategy => Ok(Redirect::to("/strategie").into_response()),
    }
}

/// A headline count, with the list it stands for.
pub struct Figure {
    pub count: String,
    pub label: &'static str,
    pub link: Option<String>,
}

#[derive(Template)]
#[template(path = "home/triage.html")]
struct TriagePage {
    layout: Layout,
    figures: Vec<Figure>,
    to_triage: Vec<Line>,
    late: Vec<Line>,
    week: String,
}

async fn count(state: &AppState, f: &ReportFilter) -> Result<i64, AppError> {
    Ok(state.store.count_reports(f).await?)
}

async fn lines(state: &AppState, f: &ReportFilter, sort: ReportSort) -> Result<Vec<Line>, AppError> {
    Ok(state.store.reports(f, sort, SHOWN, 0).await?.into_iter().map(|r| line(r, f.now)).collect())
}

async fn triage(state: &AppState, u: &CurrentUser) -> Result<Response, AppError> {
    let scope = report_scope(&u.actor);
    let open = ReportFilter { states: ReportState::open(), ..ReportFilter::new(scope) };
    let to_triage = ReportFilter { unassigned: true, ..open.clone() };
    let late = ReportFilter { overdue: true, ..open.clone() };
    let monday = time_fmt::paris_week_start(open.now);
    let received = ReportFilter { created_from: Some(monday), ..ReportFilter::new(scope) };
    let closed = ReportFilter { closed_from: Some(monday), states: ReportState::closed(), ..ReportFilter::new(scope) };
    let monday_iso = time_fmt::paris_date(monday).to_string();
    let figures = vec![
        Figure { count: number_fr(count(state, &to_triage).await?), label: "à trier", link: Some("/signalements?a_trier=1".into()) },
        Figure {
            count: number_fr(count(state, &late).await?),
            label: "en retard",
            link: Some("/signalements?etat=ouverts&retard=1&tri=echeance".into()),
        },
        Figure {
            count: number_fr(count(state, &received).await?),
            label: "reçus depuis lundi",
            link: Some(format!("/signalements?du={monday_iso}")),
        },
        Figure { count: number_fr(count(state, &closed).await?), label: "clos depuis lundi", link: None },
    ];
    render(&TriagePage {
        layout: Layout::new("À faire", Some(u)),
        figures,
        to_triage: lines(state, &to_triage, ReportSort::OldestFirst).await?,
        late: lines(state, &late, ReportSort::DueFirst).await?,
        week: time_fmt::date_fr(monday),
    })
}

#[derive(Template)]
#[template(path = "home/organisation.html")]
struct OrganisationPage {
    layout: Layout,
    organisation: String,
    figures: Vec<Figure>,
    lines: Vec<Line>,
    caption: String,
}

async fn organisation(state: &AppState, u: &CurrentUser) -> Result<Response, AppError> {
    let scope = report_scope(&u.actor);
    let name = match scope {
        ReportScope::Organisation(id) => state.store.organisation(id).await?.map(|o| o.name).unwrap_or_default(),
        ReportScope::All | ReportScope::None => String::new(),
    };
    let open = ReportFilter { states: ReportState::open(), ..ReportFilter::new(scope) };
    let late = ReportFilter { overdue: true, ..open.clone() };
    let figures = vec![
        Figure {
            count: number_fr(count(state, &open).await?),
            label: "ouverts",
            link: Some("/signalements?etat=ouverts&tri=echeance".into()),
        },
        Figure {
            count: number_fr(count(state, &late).await?),
            label: "en retard",
            link: Some("/signalements?etat=ouverts&retard=1&tri=echeance".into()),
        },
    ];
    render(&OrganisationPage {
        layout: Layout::new("Mes signalements", Some(u)),
        caption: format!("Signalements ouverts de {name}, par échéance"),
        organisation: name,
        figures,
        lines: lines(state, &open, ReportSort::DueFirst).await?,
    })
}

#[derive(Template)]
#[template(path = "home/figures.html")]
struct FiguresPage {
    layout: Layout,
    since: String,
    districts: Vec<PublishedLine>,
    priority_areas: Vec<PublishedLine>,
    small: i64,
}

async fn figures(state: &AppState, u: &CurrentUser) -> Result<Response, AppError> {
    let scope = statistics_scope(&u.actor);
    let now = time_fmt::now();
    let year = time_fmt::paris_date(now).year();
    let january = time::Date::from_calendar_date(year, time::Month::January, 1).map_err(AppError::internal)?;
    let period = ReportFilter { created_from: Some(time_fmt::paris_day_start(january)), ..ReportFilter::new(scope) };
    let places = state.places();
    let catalog = state.catalog().await?;
    let by_district = state.store.report_statistics(&period, StatGroup::District).await?;
    let label =
        |key: &Option<i64>| crate::report::stat_label(StatGroup::District, key, &catalog.categories, &places, &catalog.organisations);
    let districts = published_lines(&publication::publish_table(&by_district.rows, &by_district.total), label, "Commune");
    let mut areas = Vec::new();
    let mut all = StatRow::default();
    for (id, _, _) in &places.priority_areas {
        let f = ReportFilter { priority_area_id: Some(*id), ..period.clone() };
        let s = state.store.report_statistics(&f, StatGroup::Category).await?.total;
        all.total += s.total;
        all.overdue += s.overdue;
        areas.push(StatRow { key: Some(*id), ..s });
    }
    let area_name = |key: &Option<i64>| places.priority_areas.iter().find(|a| Some(a.0) == *key).map(|a| a.1.clone()).unwrap_or_default();
    let priority_areas = published_lines(&publication::publish_table(&areas, &all), area_name, "Ensemble des QPV");
    render(&FiguresPage {
        layout: Layout::new("Chiffres clés", Some(u)),
        since: time_fmt::date_fr(time_fmt::paris_day_start(january)),
        districts,
        priority_areas,
        small: publication::SMALL_COUNT,
    })
}
