//! Indicators: the board of a year (every indicator's figures against its targets), an
//! indicator's page (its reference sheet, its values and targets over the years, its
//! breakdowns), and the coordinator's form for the reference sheet (saved as a new version of
//! the strategy). Declared figures are in [`declared`], campaigns and the plenary's adoption in
//! [`campaign`].

pub mod campaign;
pub mod declared;

use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::evaluation::Table;
use crate::layout::Layout;
use crate::page::{FieldErrors, YearQuery, parse_id, render, render_invalid, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::indicator::{BoardLine, IndicatorRef, board, figure_with, publish};
use maillage_core::authz::{Action, confidential_figures_masked};
use maillage_core::chart::{Bar, bar_chart};
use maillage_core::indicator::{Attainment, Dimension, Direction, Frequency, Indicator, Level, Period, PeriodValue, Source, SumRule};
use maillage_core::text::number_fr;
use maillage_core::time_fmt;

pub fn routes(r: Routes) -> Routes {
    let r = r
        .get("/evaluation/indicateurs", board_page)
        .get("/evaluation/indicateurs/{id}", indicator_page)
        .get("/evaluation/indicateurs/{id}/modifier", edit_page)
        .post("/evaluation/indicateurs/{id}/modifier", edit_submit)
        .get("/api/v1/indicateurs", api_board);
    let r = declared::routes(r);
    campaign::routes(r)
}

pub(crate) fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

fn target_text(t: Option<i64>) -> String {
    t.map_or_else(|| "—".to_string(), number_fr)
}

// ---- the board -----------------------------------------------------------------------------

struct Cell {
    period: String,
    value: String,
    target: String,
    judgement: &'static str,
    /// A class for the judgement: reached, missed, or none.
    class: &'static str,
}

struct Line {
    id: i64,
    label: String,
    unit: String,
    source: &'static str,
    cells: Vec<Cell>,
}

struct SheetBlock {
    code: String,
    title: String,
    lines: Vec<Line>,
}

fn cells(l: &BoardLine) -> Vec<Cell> {
    l.periods
        .iter()
        .map(|c| {
            let class = match (c.missing, c.partial, c.attainment) {
                (true, _, _) => "missing",
                (false, _, Attainment::Reached) => "reached",
                (false, false, Attainment::NotReached) => "missed",
                _ => "",
            };
            Cell {
                period: c.period.label(),
                value: if c.missing { "—".into() } else { c.value.shown() },
                target: target_text(c.target),
                judgement: c.judgement(),
                class,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "indicator/board.html")]
struct BoardPage {
    layout: Layout,
    year: i32,
    max_year: i32,
    sheets: Vec<SheetBlock>,
    masked: bool,
    coordinator: bool,
    filled: usize,
    total: usize,
    adopted: Option<String>,
}

async fn board_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/evaluation/indicateurs")?;
    let year = year_param(&q.annee)?;
    let masked = confidential_figures_masked(&u.actor);
    let lines = board(&state, year, None, masked, today()).await?;
    let total = lines.len();
    let filled = lines.iter().filter(|l| l.periods.iter().any(|c| !c.missing)).count();
    let mut sheets: Vec<SheetBlock> = Vec::new();
    for l in &lines {
        let i = &l.indicator.indicator;
        let line = Line {
            id: l.indicator.id,
            label: i.label.clone(),
            unit: i.unit.clone(),
            source: if i.source == Source::Declared { "Déclaré" } else { "Calculé" },
            cells: cells(l),
        };
        match sheets.last_mut() {
            Some(s) if s.code == i.sheet => s.lines.push(line),
            _ => sheets.push(SheetBlock { code: i.sheet.clone(), title: l.indicator.sheet_title.clone(), lines: vec![line] }),
        }
    }
    let adopted = state.store.adopted_years().await?.into_iter().find(|a| a.year == year).map(|a| time_fmt::day_fr(a.adopted_on));
    render(&BoardPage {
        layout: Layout::new(&format!("Indicateurs {year}"), Some(u)),
        year,
        max_year: today().year(),
        sheets,
        masked,
        coordinator: require(Some(u), Action::ManageIndicators, "").is_ok(),
        filled,
        total,
        adopted,
    })
}

/// `GET /api/v1/indicateurs?annee=`: the board as JSON, published as the page is.
async fn api_board(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(q): Query<YearQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, "/api/v1/indicateurs")?;
    let year = year_param(&q.annee)?;
    let masked = confidential_figures_masked(&u.actor);
    let lines = board(&state, year, None, masked, today()).await?;
    let items: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| {
            let i = &l.indicator.indicator;
            serde_json::json!({
                "id": l.indicator.id,
                "fiche": i.sheet,
                "libelle": i.label,
                "unite": i.unit,
                "source": i.source.code(),
                "frequence": i.frequency.code(),
                "sens": i.direction.code(),
                "periodes": l.periods.iter().map(|c| serde_json::json!({
                    "periode": c.period.code(),
                    "valeur": match (&c.value, c.missing) {
                        (_, true) => serde_json::Value::Null,
                        (maillage_app::evaluation::Value::Count(n), _) => serde_json::json!(n),
                        (maillage_app::evaluation::Value::Hidden(s), _) => serde_json::json!(s),
                    },
                    "cible": c.target,
                    "atteinte": match c.attainment { Attainment::Reached => Some(true), Attainment::NotReached => Some(false), Attainment::Unjudged => None },
                    "en_cours": c.partial,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "annee": year, "indicateurs": items })))
}

// ---- one indicator -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "indicator/page.html")]
struct IndicatorPage {
    layout: Layout,
    ind: IndicatorRef,
    year: i32,
    max_year: i32,
    facts: Vec<(&'static str, String)>,
    history: Table,
    breakdowns: Vec<Table>,
    masked: bool,
    coordinator: bool,
    notice: Option<String>,
}

fn facts(i: &Indicator) -> Vec<(&'static str, String)> {
    let or_dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    let mut f = vec![
        ("Définition", or_dash(&i.definition)),
        ("Niveau", i.level.label().to_string()),
        ("Unité", i.unit.clone()),
        ("Mode de calcul", or_dash(&i.computation)),
        ("Source", i.source.label().to_string()),
        (
            "Ventilations",
            if i.breakdowns.is_empty() { "aucune".into() } else { i.breakdowns.iter().map(|d| d.label()).collect::<Vec<_>>().join(", ") },
        ),
        ("Fréquence", i.frequency.label().to_string()),
        ("Valeur de référence", i.baseline.as_ref().map_or("—".into(), |b| format!("{} ({})", number_fr(b.value), b.period.label()))),
        (
            "Cibles",
            if i.targets.is_empty() {
                "aucune".into()
            } else {
                i.targets.iter().map(|t| format!("{} : {}", t.period.label(), number_fr(t.value))).collect::<Vec<_>>().join(" ; ")
            },
        ),
        ("Sens attendu", i.direction.label().to_string()),
        ("Responsable", or_dash(&i.responsible)),
    ];
    if !i.kinds.is_empty() {
        f.push(("Types d'action comptés", i.kinds.join(", ")));
    }
    if !i.publics.is_empty() {
        f.push(("Publics comptés", i.publics.join(", ")));
    }
    if let Some(k) = &i.group_kind {
        f.push(("Groupes comptés", maillage_core::working_group::GroupKind::from_code(k).map_or(k.clone(), |g| g.label().to_string())));
    }
    f
}

async fn indicator_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewEvaluation, &format!("/evaluation/indicateurs/{id}"))?;
    let id: i64 = parse_id(&id)?;
    let year = year_param(&q.annee)?;
    let ind = maillage_app::indicator::indicator(&state, id).await?.ok_or(AppError::NotFound)?;
    let masked = confidential_figures_masked(&u.actor);
    let today = today();
    let strategy = state.store.current_strategy().await?.ok_or(AppError::NotFound)?;
    let first = strategy.doc.period_start.min(year);
    let i = &ind.indicator;
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    let mut breakdowns = Vec::new();
    let mut cache = maillage_app::indicator::source::Cache::default();
    for y in first..=today.year() {
        for period in Period::ending_in(i.frequency, y) {
            if period.days().0 > today {
                continue;
            }
            let f = figure_with(&state, &mut cache, &ind, period, today).await?;
            let missing = i.source == Source::Declared && f.validated == 0;
            let published = publish(i, &f, masked);
            let target = i.target(&period);
            // A judgement against a target would tell a hidden count.
            let hidden = matches!(published.total, maillage_app::evaluation::Value::Hidden(_));
            let judged = if missing || hidden { Attainment::Unjudged } else { Attainment::of(i.direction, f.total, target) };
            if !missing && let maillage_app::evaluation::Value::Count(n) = published.total {
                bars.push(Bar { target, ..Bar::new(period.code(), n) });
            }
            rows.push((
                period.label(),
                vec![
                    if missing { "—".to_string() } else { published.total.shown() },
                    target_text(target),
                    if hidden {
                        "Non publié (moins de 5)".to_string()
                    } else if period.is_over(today) {
                        judged.label().to_string()
                    } else {
                        "Période en cours".into()
                    },
                ],
            ));
            if y == year {
                for (d, parts) in &published.parts {
                    breakdowns.push(Table {
                        caption: format!("{} — {} par {}", i.label, period.label(), d.label().to_lowercase()),
                        header: vec![d.label().to_string(), i.unit.clone()],
                        rows: parts.iter().map(|(l, v)| (l.clone(), vec![v.shown()])).collect(),
                        chart: None,
                    });
                }
            }
        }
    }
    let history = Table {
        caption: format!("{} : valeurs et cibles par période", i.label),
        header: vec!["Période".into(), "Valeur".into(), "Cible".into(), "Appréciation".into()],
        chart: bar_chart(
            &if bars.iter().any(|b| b.target.is_some()) {
                format!("{} par période (trait pointillé : cible)", i.label)
            } else {
                format!("{} par période", i.label)
            },
            &bars,
        ),
        rows,
    };
    let notice = q.enregistre.map(|v| format!("Fiche indicateur enregistrée : version {v} de la stratégie."));
    render(&IndicatorPage {
        layout: Layout::new(&format!("Indicateur : {}", i.label), Some(u)),
        facts: facts(i),
        ind: ind.clone(),
        year,
        max_year: today.year(),
        history,
        breakdowns,
        masked: masked && i.source.counts_people(),
        coordinator: require(Some(u), Action::ManageIndicators, "").is_ok(),
        notice,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    annee: String,
    #[serde(default)]
    enregistre: Option<i64>,
}

// ---- the reference sheet's form ------------------------------------------------------------

#[derive(Default)]
struct SheetForm {
    definition: String,
    level: String,
    unit: String,
    computation: String,
    source: String,
    kinds: Vec<String>,
    publics: Vec<String>,
    group_kind: String,
    breakdowns: Vec<String>,
    frequency: String,
    direction: String,
    responsible: String,
    sum_rule: String,
    baseline: String,
    targets: String,
    version: String,
}

fn period_values_text(v: &[PeriodValue]) -> String {
    v.iter().map(|t| format!("{} ; {}", t.period.code(), t.value)).collect::<Vec<_>>().join("\n")
}

impl SheetForm {
    fn of(i: &Indicator, version: i64) -> Self {
        SheetForm {
            definition: i.definition.clone(),
            level: i.level.code().into(),
            unit: i.unit.clone(),
            computation: i.computation.clone(),
            source: i.source.code().into(),
            kinds: i.kinds.clone(),
            publics: i.publics.clone(),
            group_kind: i.group_kind.clone().unwrap_or_default(),
            breakdowns: i.breakdowns.iter().map(|d| d.code().to_string()).collect(),
            frequency: i.frequency.code().into(),
            direction: i.direction.code().into(),
            responsible: i.responsible.clone(),
            sum_rule: i.sum_rule.code().into(),
            baseline: i.baseline.as_ref().map(|b| period_values_text(std::slice::from_ref(b))).unwrap_or_default(),
            targets: period_values_text(&i.targets),
            version: version.to_string(),
        }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = SheetForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "definition" => f.definition = v,
                "level" => f.level = v,
                "unit" => f.unit = v,
                "computation" => f.computation = v,
                "source" => f.source = v,
                "kind" => f.kinds.push(v),
                "public" => f.publics.push(v),
                "group_kind" => f.group_kind = v,
                "breakdown" => f.breakdowns.push(v),
                "frequency" => f.frequency = v,
                "direction" => f.direction = v,
                "responsible" => f.responsible = v,
                "sum_rule" => f.sum_rule = v,
                "baseline" => f.baseline = v,
                "targets" => f.targets = v,
                "version" => f.version = v,
                _ => {}
            }
        }
        f
    }

    /// The reference sheet, or every fault under its field.
    fn apply(&self, base: &Indicator, kinds: &[String]) -> Result<Indicator, FieldErrors> {
        let mut errors = FieldErrors::default();
        fn pick<T: Copy>(errors: &mut FieldErrors, field: &str, v: &str, from: fn(&str) -> Option<T>) -> Option<T> {
            let r = from(v.trim());
            if r.is_none() {
                errors.add(field, "Choisissez dans la liste.");
            }
            r
        }
        let level = pick(&mut errors, "level", &self.level, Level::from_code);
        let source = pick(&mut errors, "source", &self.source, Source::from_code);
        let frequency = pick(&mut errors, "frequency", &self.frequency, Frequency::from_code);
        let direction = pick(&mut errors, "direction", &self.direction, Direction::from_code);
        let sum_rule = pick(&mut errors, "sum_rule", &self.sum_rule, SumRule::from_code);
        let mut breakdowns = Vec::new();
        for b in &self.breakdowns {
            match Dimension::from_code(b) {
                Some(d) if !breakdowns.contains(&d) => breakdowns.push(d),
                Some(_) => {}
                None => errors.add("breakdowns", "Choisissez dans la liste."),
            }
        }
        let read_values = |text: &str, field: &str, errors: &mut FieldErrors| -> Vec<PeriodValue> {
            let mut out = Vec::new();
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let parsed = line.split_once(';').and_then(|(p, v)| Some((Period::parse(p)?, v.trim().parse::<i64>().ok()?)));
                match parsed {
                    Some((period, value)) => out.push(PeriodValue { period, value }),
                    None => {
                        errors.add(field, format!("Ligne {} : « période ; nombre » attendu, par exemple « 2020 ; 12 ».", n + 1));
                        break;
                    }
                }
            }
            out
        };
        let baseline = read_values(&self.baseline, "baseline", &mut errors);
        if baseline.len() > 1 {
            errors.add("baseline", "Une seule valeur de référence.");
        }
        let targets = read_values(&self.targets, "targets", &mut errors);
        let (Some(level), Some(source), Some(frequency), Some(direction), Some(sum_rule), true) =
            (level, source, frequency, direction, sum_rule, errors.is_empty())
        else {
            return Err(errors);
        };
        let ind = Indicator {
            definition: self.definition.trim().to_string(),
            level,
            unit: self.unit.trim().to_string(),
            computation: self.computation.trim().to_string(),
            source,
            kinds: self.kinds.iter().filter(|k| !k.trim().is_empty()).cloned().collect(),
            publics: self.publics.iter().filter(|k| !k.trim().is_empty()).cloned().collect(),
            group_kind: Some(self.group_kind.trim().to_string()).filter(|k| !k.is_empty()),
            breakdowns,
            frequency,
            baseline: baseline.into_iter().next(),
            targets,
            direction,
            responsible: self.responsible.trim().to_string(),
            sum_rule,
            ..base.clone()
        };
        for (field, m) in ind.faults(Some(kinds)) {
            errors.add(if field == "kinds" { "kind" } else { field }, m);
        }
        if errors.is_empty() { Ok(ind) } else { Err(errors) }
    }
}

type Choices = Vec<(String, String)>;

fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Choices {
    all.iter().map(|v| (code(*v).to_string(), label(*v).to_string())).collect()
}

#[derive(Template)]
#[template(path = "indicator/edit.html")]
struct EditPage {
    layout: Layout,
    ind: IndicatorRef,
    form: SheetForm,
    errors: FieldErrors,
    levels: Choices,
    sources: Choices,
    frequencies: Choices,
    directions: Choices,
    sum_rules: Choices,
    dimensions: Choices,
    kinds: Choices,
    publics: &'static [(&'static str, &'static str)],
    group_kinds: Choices,
}

impl EditPage {
    fn has(list: &[String], code: &str) -> bool {
        list.iter().any(|v| v == code)
    }
}

async fn edit_view(
    state: &AppState,
    u: &CurrentUser,
    ind: IndicatorRef,
    form: SheetForm,
    errors: FieldErrors,
) -> Result<EditPage, AppError> {
    Ok(EditPage {
        layout: Layout::new(&format!("Modifier la fiche indicateur : {}", ind.indicator.label), Some(u)),
        ind,
        form,
        errors,
        levels: choices(Level::ALL, Level::code, Level::label),
        sources: choices(Source::ALL, Source::code, Source::label),
        frequencies: choices(Frequency::ALL, Frequency::code, Frequency::label),
        directions: choices(Direction::ALL, Direction::code, Direction::label),
        sum_rules: choices(SumRule::ALL, SumRule::code, SumRule::label),
        dimensions: choices(Dimension::ALL, Dimension::code, Dimension::label),
        kinds: state.store.activity_kinds().await?.into_iter().map(|k| (k.code, k.label)).collect(),
        publics: maillage_core::activity::PUBLICS,
        group_kinds: maillage_core::working_group::GroupKind::ALL.iter().map(|k| (k.code().to_string(), k.label().to_string())).collect(),
    })
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, &format!("/evaluation/indicateurs/{id}/modifier"))?;
    let ind = maillage_app::indicator::indicator(&state, parse_id(&id)?).await?.ok_or(AppError::NotFound)?;
    let version = state.store.current_strategy().await?.map_or(0, |s| s.version);
    let form = SheetForm::of(&ind.indicator, version);
    render(&edit_view(&state, u, ind, form, FieldErrors::default()).await?)
}

async fn edit_submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageIndicators, &format!("/evaluation/indicateurs/{id}/modifier"))?;
    let id: i64 = parse_id(&id)?;
    let ind = maillage_app::indicator::indicator(&state, id).await?.ok_or(AppError::NotFound)?;
    let form = SheetForm::from_pairs(pairs);
    let s = state.store.current_strategy().await?.ok_or(AppError::NotFound)?;
    if form.version.trim() != s.version.to_string() {
        let mut errors = FieldErrors::default();
        errors.add(
            "version",
            "La stratégie a changé depuis l'ouverture du formulaire : voici la fiche indicateur telle qu'elle est maintenant.",
        );
        let fresh = SheetForm::of(&ind.indicator, s.version);
        return Ok((axum::http::StatusCode::CONFLICT, render(&edit_view(&state, u, ind, fresh, errors).await?)?).into_response());
    }
    let kinds: Vec<String> = state.store.activity_kinds().await?.into_iter().map(|k| k.code).collect();
    match form.apply(&ind.indicator, &kinds) {
        Err(errors) => render_invalid(&edit_view(&state, u, ind, form, errors).await?),
        Ok(changed) => {
            let mut errors = FieldErrors::default();
            if changed.frequency != ind.indicator.frequency {
                let filter = maillage_store::indicator::DeclaredFilter { indicator_id: Some(id), ..Default::default() };
                if !state.store.declared_values(&filter).await?.is_empty() {
                    errors.add("frequency", "Des chiffres ont déjà été déclarés à cette fréquence : elle ne change plus.");
                }
            }
            let adopted = state.store.adopted_years().await?;
            let of_adopted = |t: &[PeriodValue]| -> Vec<PeriodValue> {
                t.iter().filter(|v| adopted.iter().any(|a| a.year == v.period.report_year())).cloned().collect()
            };
            if of_adopted(&changed.targets) != of_adopted(&ind.indicator.targets) {
                errors.add("targets", "Les cibles d'une année dont le bilan est adopté ne changent plus.");
            }
            if !errors.is_empty() {
                return render_invalid(&edit_view(&state, u, ind, form, errors).await?);
            }
            let mut doc = s.doc.clone();
            if let Some(slot) = doc.indicators.iter_mut().find(|i| i.sheet == changed.sheet && i.label == changed.label) {
                *slot = changed;
            }
            let outcome = state.store.save_strategy(&u.author(), &doc, &format!("fiche indicateur « {} »", ind.indicator.label)).await?;
            Ok(Redirect::to(&format!("/evaluation/indicateurs/{id}?enregistre={}", outcome.version)).into_response())
        }
    }
}
