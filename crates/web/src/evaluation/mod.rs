//! The evaluation's live figures, computed at each request from the records (no nightly batch):
//! the strategy by axis and sheet for a year, and a sheet's actions carried out by kind, its
//! participants by age band and sex, by public and by district, and their trend over the years.
//! Outside the coordination, every count of people is published: below 5 as "< 5", and the
//! count that would give one away withheld (`authz::confidential_figures_masked`). The
//! breakdowns are `maillage_app::evaluation`'s, the same as the exports'.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{render, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maillage_app::evaluation::{BY_DISTRICT, Value, breakdowns, person_count, totals};
use maillage_core::authz::{Action, confidential_figures_masked};
use maillage_core::chart::{Bar, bar_chart};
use maillage_core::publication;
use maillage_core::strategy::ActionSheet;
use maillage_core::text::number_fr;
use maillage_store::activity::{ActivityFigures, SheetChoice};

pub fn routes(r: Routes) -> Routes {
    r.get("/evaluation", strategy_page)
        .get("/evaluation/fiches/{code}", sheet_page)
        .get("/evaluation/export.csv", export_csv)
        .get("/evaluation/export.ods", export_ods)
}

fn this_year() -> i32 {
    maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).year()
}

/// A table of figures: caption, column headers (the first heads the row labels), and rows of
/// a label and its cells, as shown.
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<(String, Vec<String>)>,
    /// A chart drawn on the server (SVG markup), shown above its data.
    pub chart: Option<String>,
}

// ---- the strategy --------------------------------------------------------------------------

struct SheetLine {
    code: String,
    title: String,
    activities: String,
    participants: String,
}

struct AxisBlock {
    number: i32,
    title: String,
    sheets: Vec<SheetLine>,
}

#[derive(Template)]
#[template(path = "evaluation/strategy.html")]
struct StrategyPage {
    layout: Layout,
    year: i32,
    title: String,
    axes: Vec<AxisBlock>,
    activities: String,
    participants: String,
    trend: Table,
    masked: bool,
    max_year: i32,
    filter: DistrictFilter,
}

/// The district filter of a page of figures: every district (id, name), and the one chosen.
struct DistrictFilter {
    districts: Vec<(String, String)>,
    district: Option<(String, String)>,
}

impl DistrictFilter {
    fn new(state: &AppState, chosen: Option<(i64, String)>) -> Self {
        DistrictFilter { districts: crate::page::district_choices(state), district: chosen.map(|d| (d.0.to_string(), d.1)) }
    }

    fn chosen(&self, id: &str) -> bool {
        self.district.as_ref().is_some_and(|d| d.0 == id)
    }

    /// `&quartier=…` for links that keep the district chosen.
    fn query(&self) -> String {
        self.district.as_ref().map_or_else(String::new, |d| format!("&quartier={}", d.0))
    }
}

#[derive(serde::Deserialize, Default)]
pub struct BoardQuery {
    #[serde(default)]
    annee: String,
    /// A district's id: the actions carried out there.
    #[serde(default)]
    quartier: String,
}

/// The district asked for, among the places' districts.
fn district_param(state: &AppState, value: &str) -> Result<Option<(i64, String)>, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let unknown = || AppError::BadRequest("quartier inconnu : choisissez-le dans la liste.".into());
    let id: i64 = v.parse().map_err(|_| unknown())?;
    state.places().districts.iter().find(|d| d.0 == id).map(|d| Some((d.0, d.1.clone()))).ok_or_else(unknown)
}

/// A district's actions and participants in a sheet's (or every sheet's) figures, as that
/// sheet's table by district publishes them: a filtered page tells no more than the table.
fn in_district(f: &ActivityFigures, name: &str, masked: bool) -> (i64, Value) {
    let row = breakdowns(f, masked).into_iter().find(|b| b.by == BY_DISTRICT).and_then(|b| b.rows.into_iter().find(|(l, _)| l == name));
    match row.map(|(_, v)| v).as_deref() {
        Some([Value::Count(a), p]) => (*a, p.clone()),
        _ => (0, Value::Count(0)),
    }
}

/// Each sheet's actions and participants in `year`: in the whole city from the year's counts by
/// sheet (`counts`), or in one district from each sheet's figures.
async fn sheet_figures(
    state: &AppState,
    doc: &maillage_core::strategy::StrategyDocument,
    ids: &[SheetChoice],
    (year, counts): (i32, &[(i64, i64, i64)]),
    district: Option<&str>,
    masked: bool,
) -> Result<Vec<(String, i64, Value)>, AppError> {
    let mut out = Vec::new();
    for (_, s) in doc.sheets() {
        let id = ids.iter().find(|c| c.code == s.code).map(|c| c.id);
        let (a, p) = match (district, id) {
            (None, _) => counts.iter().find(|c| Some(c.0) == id).map_or((0, Value::Count(0)), |c| (c.1, person_count(c.2, masked))),
            (Some(name), Some(id)) => in_district(&state.store.activity_figures(year, Some(id)).await?, name, masked),
            (Some(_), None) => (0, Value::Count(0)),
        };
        out.push((s.code.clone(), a, p));
    }
    Ok(out)
}

async fn strategy_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation")?;
    let year = year_param(&q.annee)?;
    let district = district_param(&state, &q.quartier)?;
    let name = district.as_ref().map(|d| d.1.as_str());
    let strategy = state.store.current_strategy().await?.ok_or(AppError::NotFound)?;
    let masked = confidential_figures_masked(&u.actor);
    let ids = state.store.sheet_choices().await?;
    let counts = if name.is_none() { state.store.activity_tally_by_sheet(year).await? } else { Vec::new() };
    let figures = sheet_figures(&state, &strategy.doc, &ids, (year, &counts), name, masked).await?;
    let of = |code: &str| figures.iter().find(|f| f.0 == code).map_or((0, Value::Count(0)), |f| (f.1, f.2.clone()));
    let axes = strategy
        .doc
        .axes
        .iter()
        .map(|a| AxisBlock {
            number: a.number,
            title: a.title.clone(),
            sheets: a
                .sheets
                .iter()
                .map(|s| {
                    let (activities, participants) = of(&s.code);
                    SheetLine {
                        code: s.code.clone(),
                        title: s.title.clone(),
                        activities: number_fr(activities),
                        participants: participants.shown(),
                    }
                })
                .collect(),
        })
        .collect();
    let all = state.store.activity_figures(year, None).await?;
    let (activities, participants) = match name {
        None => (all.activities, person_count(all.participants, masked)),
        Some(n) => in_district(&all, n, masked),
    };
    // A total beside its sheets' counts would give a hidden one away by subtraction.
    let hides = if name.is_none() {
        masked && counts.iter().any(|c| !publication::is_shown(c.2))
    } else {
        masked && figures.iter().any(|f| matches!(f.2, Value::Hidden(_)))
    };
    let trend = match name {
        None => trend_table(&state, None, masked).await?,
        Some(n) => district_trend(&state, &strategy.doc, &ids, n, masked).await?,
    };
    let place = name.map_or_else(String::new, |n| format!(", quartier {n}"));
    render(&StrategyPage {
        layout: Layout::new(&format!("Évaluation de la stratégie — {year}{place}"), Some(u)),
        year,
        title: strategy.doc.title,
        axes,
        activities: number_fr(activities),
        participants: if hides { publication::WITHHELD.to_string() } else { participants.shown() },
        trend,
        masked,
        max_year: this_year(),
        filter: DistrictFilter::new(&state, district),
    })
}

/// A district's actions and participants by year. Outside the coordination a year's
/// participants are withheld where one of its sheets' counts there is hidden, as on that year's
/// page.
async fn district_trend(
    state: &AppState,
    doc: &maillage_core::strategy::StrategyDocument,
    ids: &[SheetChoice],
    name: &str,
    masked: bool,
) -> Result<Table, AppError> {
    let years = state.store.activity_tally_years(maillage_store::activity::tally::ALL_SHEETS).await?;
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (y, _, _) in years {
        let year = i32::try_from(y).map_err(AppError::internal)?;
        let (a, p) = in_district(&state.store.activity_figures(year, None).await?, name, masked);
        // Only outside the coordination does a year need its sheets' figures.
        let hides = masked
            && sheet_figures(state, doc, ids, (year, &[]), Some(name), masked).await?.iter().any(|f| matches!(f.2, Value::Hidden(_)));
        bars.push(Bar::new(y.to_string(), a));
        rows.push((y.to_string(), vec![number_fr(a), if hides { publication::WITHHELD.to_string() } else { p.shown() }]));
    }
    Ok(Table {
        caption: format!("Évolution par année, quartier {name}"),
        header: vec!["Année".into(), "Actions réalisées".into(), "Participants".into()],
        rows,
        chart: bar_chart(&format!("Actions réalisées par année, quartier {name}"), &bars),
    })
}

async fn trend_table(state: &AppState, sheet_id: Option<i64>, masked: bool) -> Result<Table, AppError> {
    let years = state.store.activity_tally_years(sheet_id.unwrap_or(maillage_store::activity::tally::ALL_SHEETS)).await?;
    let activities: Vec<Bar> = years.iter().map(|y| Bar::new(y.0.to_string(), y.1)).collect();
    let a: Vec<String> = activities.iter().map(|b| number_fr(b.value)).collect();
    // All activities' yearly total is withheld outside the coordination for a year where a
    // sheet's count is hidden: the total minus the other sheets would give it.
    let hiding_years: Vec<i64> = if masked && sheet_id.is_none() {
        state.store.activity_tally_sheet_years().await?.into_iter().filter(|y| !publication::is_shown(y.2)).map(|y| y.0).collect()
    } else {
        Vec::new()
    };
    let p: Vec<String> = years
        .iter()
        .map(|y| if hiding_years.contains(&y.0) { publication::WITHHELD.to_string() } else { person_count(y.2, masked).shown() })
        .collect();
    Ok(Table {
        caption: "Évolution par année".into(),
        header: vec!["Année".into(), "Actions réalisées".into(), "Participants".into()],
        rows: years.iter().zip(a.into_iter().zip(p)).map(|(y, (a, p))| (y.0.to_string(), vec![a, p])).collect(),
        chart: bar_chart("Actions réalisées par année", &activities),
    })
}

// ---- a sheet -------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "evaluation/sheet.html")]
struct SheetPage {
    layout: Layout,
    year: i32,
    sheet: ActionSheet,
    activities: String,
    participants: String,
    professionals: String,
    tables: Vec<Table>,
    masked: bool,
    max_year: i32,
    filter: DistrictFilter,
}

async fn sheet_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation")?;
    let year = year_param(&q.annee)?;
    let district = district_param(&state, &q.quartier)?;
    let strategy = state.store.current_strategy().await?.ok_or(AppError::NotFound)?;
    let sheet = strategy.doc.axes.iter().flat_map(|a| a.sheets.iter()).find(|s| s.code == code).cloned().ok_or(AppError::NotFound)?;
    let id = Some(state.store.sheet_choices().await?.into_iter().find(|s| s.code == sheet.code).ok_or(AppError::NotFound)?.id);
    let figures = match &district {
        None => state.store.activity_figures(year, id).await?,
        Some((d, _)) => state.store.activity_figures_in_district(year, id, *d).await?,
    };
    let masked = confidential_figures_masked(&u.actor);
    let mut tables: Vec<Table> = breakdowns(&figures, masked)
        .into_iter()
        // In one district, its table by district would be a single line.
        .filter(|b| district.is_none() || b.by != BY_DISTRICT)
        .map(|b| Table {
            caption: b.caption.into(),
            header: std::iter::once(b.row_header).chain(b.columns.iter().map(|c| c.header)).map(String::from).collect(),
            rows: b.rows.into_iter().map(|(row, values)| (row, values.iter().map(Value::shown).collect())).collect(),
            chart: None,
        })
        .collect();
    tables.push(match &district {
        None => trend_table(&state, id, masked).await?,
        Some((d, name)) => sheet_district_trend(&state, id, (*d, name), masked).await?,
    });
    let (activities, participants, professionals) = totals(&figures, masked);
    let place = district.as_ref().map_or_else(String::new, |d| format!(", quartier {}", d.1));
    render(&SheetPage {
        layout: Layout::new(&format!("Évaluation de la fiche {} — {year}{place}", sheet.code), Some(u)),
        year,
        activities: activities.shown(),
        participants: participants.shown(),
        professionals: professionals.shown(),
        sheet,
        tables,
        masked,
        max_year: this_year(),
        filter: DistrictFilter::new(&state, district),
    })
}

/// A sheet's actions and participants in one district, year by year, from the counts kept ahead
/// by kind and district: each year's line is the one its sheet's table by district publishes.
async fn sheet_district_trend(
    state: &AppState,
    sheet_id: Option<i64>,
    (district, name): (i64, &str),
    masked: bool,
) -> Result<Table, AppError> {
    let sheet = sheet_id.unwrap_or(maillage_store::activity::tally::ALL_SHEETS);
    let suffix = format!("/{district}");
    let mut bars = Vec::new();
    let mut rows = Vec::new();
    for (y, _, _) in state.store.activity_tally_years(sheet).await? {
        let year = i32::try_from(y).map_err(AppError::internal)?;
        let (mut a, mut p) = (0, 0);
        for line in state.store.activity_tally(year, sheet, true).await? {
            if line.0 == "kind_district" && line.1.ends_with(&suffix) {
                a += line.2;
                p += line.3;
            }
        }
        bars.push(Bar::new(y.to_string(), a));
        rows.push((y.to_string(), vec![number_fr(a), person_count(p, masked).shown()]));
    }
    Ok(Table {
        caption: format!("Évolution par année, quartier {name}"),
        header: vec!["Année".into(), "Actions réalisées".into(), "Participants".into()],
        rows,
        chart: bar_chart(&format!("Actions réalisées par année, quartier {name}"), &bars),
    })
}

// ---- exports -------------------------------------------------------------------------------

#[derive(serde::Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    pub(crate) annee: String,
    /// `point-virgule`: the variant French spreadsheets open directly.
    #[serde(default)]
    pub(crate) format: String,
    /// A district's id: its figures only.
    #[serde(default)]
    quartier: String,
}

/// Whether a CSV is asked in its French variant (`?format=point-virgule`).
pub(crate) fn french_csv(format: &str) -> Result<bool, AppError> {
    match format {
        "" => Ok(false),
        "point-virgule" => Ok(true),
        _ => Err(AppError::BadRequest("format inconnu : laissez-le vide (virgules) ou choisissez « point-virgule ».".into())),
    }
}

pub(crate) fn attachment(content_type: &str, name: String, body: Vec<u8>) -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))], body)
        .into_response()
}

/// Every figure of the year, one per line, as CSV (UTF-8, commas; or semicolons with a
/// byte-order mark).
async fn export_csv(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ExportQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation")?;
    let year = year_param(&q.annee)?;
    let french = french_csv(&q.format)?;
    let district = district_param(&state, &q.quartier)?;
    let lines = maillage_app::evaluation::lines(&state, year, district.as_ref(), confidential_figures_masked(&u.actor)).await?;
    let csv = maillage_app::evaluation::csv(&lines, french)?;
    let name = format!("{}{}.csv", file_stem(year, district.as_ref()), if french { "-point-virgule" } else { "" });
    Ok(attachment("text/csv; charset=utf-8", name, csv))
}

/// `evaluation-2020`, or `evaluation-2020-quartier-12` for a district's figures.
fn file_stem(year: i32, district: Option<&(i64, String)>) -> String {
    district.map_or_else(|| format!("evaluation-{year}"), |d| format!("evaluation-{year}-quartier-{}", d.0))
}

async fn export_ods(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ExportQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation")?;
    let year = year_param(&q.annee)?;
    let district = district_param(&state, &q.quartier)?;
    let lines = maillage_app::evaluation::lines(&state, year, district.as_ref(), confidential_figures_masked(&u.actor)).await?;
    let ods = maillage_app::evaluation::ods(&lines, year)?;
    Ok(attachment("application/vnd.oasis.opendocument.spreadsheet", format!("{}.ods", file_stem(year, district.as_ref())), ods))
}
