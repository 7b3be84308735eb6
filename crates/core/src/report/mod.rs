//! Reports (signalements): problems on public space or in housing common areas, shared between
//! the city, the landlords and the police (axis 3 of the strategy). The workflow, the categories'
//! extra questions, routing and the figures computed from reports live here, without HTTP or SQL.

pub mod event;
pub mod search;

use crate::place::Coordinates;
pub use event::{EventKind, Part, Source};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Longest description (the Open311 limit).
pub const MAX_DESCRIPTION: usize = 4000;
pub const MAX_ADDRESS: usize = 300;
pub const MAX_COMMENT: usize = 4000;

/// How a state counts: open, or closed with or without the problem solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateClass {
    Open,
    ClosedResolved,
    ClosedNotResolved,
}

impl StateClass {
    pub fn is_open(self) -> bool {
        self == StateClass::Open
    }
}

/// The states of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    New,
    Transmitted,
    InProgress,
    Planned,
    Redirected,
    Resolved,
    ClosedWithoutAction,
    Duplicate,
}

impl State {
    pub const ALL: [State; 8] = [
        State::New,
        State::Transmitted,
        State::InProgress,
        State::Planned,
        State::Redirected,
        State::Resolved,
        State::ClosedWithoutAction,
        State::Duplicate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            State::New => "new",
            State::Transmitted => "transmitted",
            State::InProgress => "in_progress",
            State::Planned => "planned",
            State::Redirected => "redirected",
            State::Resolved => "resolved",
            State::ClosedWithoutAction => "closed_without_action",
            State::Duplicate => "duplicate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            State::New => "nouveau",
            State::Transmitted => "transmis",
            State::InProgress => "pris en charge",
            State::Planned => "planifié",
            State::Redirected => "réorienté",
            State::Resolved => "résolu",
            State::ClosedWithoutAction => "clos sans suite",
            State::Duplicate => "doublon",
        }
    }

    pub fn class(self) -> StateClass {
        match self {
            State::New | State::Transmitted | State::InProgress | State::Planned | State::Redirected => StateClass::Open,
            State::Resolved => StateClass::ClosedResolved,
            State::ClosedWithoutAction | State::Duplicate => StateClass::ClosedNotResolved,
        }
    }

    pub fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The states of an open report, for filters.
    pub fn open() -> Vec<State> {
        State::ALL.into_iter().filter(|s| s.class().is_open()).collect()
    }

    /// The states of a closed report (resolved or not), for filters.
    pub fn closed() -> Vec<State> {
        State::ALL.into_iter().filter(|s| !s.class().is_open()).collect()
    }
}

/// Why a report is closed without action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    NotFound,
    NotOurs,
    AlreadyHandled,
    PrivateProperty,
    Insufficient,
    Other,
}

impl CloseReason {
    pub const ALL: [CloseReason; 6] = [
        CloseReason::NotFound,
        CloseReason::NotOurs,
        CloseReason::AlreadyHandled,
        CloseReason::PrivateProperty,
        CloseReason::Insufficient,
        CloseReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CloseReason::NotFound => "not_found",
            CloseReason::NotOurs => "not_ours",
            CloseReason::AlreadyHandled => "already_handled",
            CloseReason::PrivateProperty => "private_property",
            CloseReason::Insufficient => "insufficient",
            CloseReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CloseReason::NotFound => "Problème non constaté sur place",
            CloseReason::NotOurs => "Hors compétence des partenaires",
            CloseReason::AlreadyHandled => "Déjà traité",
            CloseReason::PrivateProperty => "Propriété privée : relève du propriétaire",
            CloseReason::Insufficient => "Informations insuffisantes",
            CloseReason::Other => "Autre motif",
        }
    }

    pub fn from_code(code: &str) -> Option<CloseReason> {
        CloseReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A change of state someone asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Transition {
    /// Any open state but `Redirected` and `Duplicate`, or reopening a closed report.
    To(State),
    CloseWithoutAction(CloseReason),
    /// Closed as a duplicate of another report.
    DuplicateOf(i64),
    /// Given to another organisation, which becomes the one in charge.
    RedirectTo(i64),
}

impl Transition {
    pub fn target(&self) -> State {
        match self {
            Transition::To(s) => *s,
            Transition::CloseWithoutAction(_) => State::ClosedWithoutAction,
            Transition::DuplicateOf(_) => State::Duplicate,
            Transition::RedirectTo(_) => State::Redirected,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("le signalement est déjà « {0} »")]
    Unchanged(&'static str),
    #[error("utilisez l'action dédiée pour « {0} » (motif, original ou organisation à préciser)")]
    NeedsDetail(&'static str),
    #[error("un signalement clos ne peut être que rouvert (état « transmis »)")]
    ClosedMustReopen,
    #[error("un signalement ne peut pas être le doublon de lui-même")]
    SelfDuplicate,
    #[error("un signalement ne peut revenir à l'état « nouveau »")]
    BackToNew,
}

/// Checks a transition from `from`. Reopening a closed report puts it back to `Transmitted`.
pub fn check_transition(from: State, t: &Transition, report_id: i64) -> Result<State, WorkflowError> {
    let to = t.target();
    if let Transition::To(s) = t
        && matches!(s, State::Redirected | State::Duplicate | State::ClosedWithoutAction)
    {
        return Err(WorkflowError::NeedsDetail(s.label()));
    }
    if let Transition::DuplicateOf(id) = t
        && *id == report_id
    {
        return Err(WorkflowError::SelfDuplicate);
    }
    if to == State::New {
        return Err(WorkflowError::BackToNew);
    }
    if !from.class().is_open() && to != State::Transmitted {
        return Err(WorkflowError::ClosedMustReopen);
    }
    if from == to && !matches!(t, Transition::RedirectTo(_)) {
        return Err(WorkflowError::Unchanged(to.label()));
    }
    Ok(to)
}

/// The type of an extra question of a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    ShortText,
    LongText,
    Number,
    DateTime,
    OneChoice,
    SeveralChoices,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 6] = [
        QuestionKind::ShortText,
        QuestionKind::LongText,
        QuestionKind::Number,
        QuestionKind::DateTime,
        QuestionKind::OneChoice,
        QuestionKind::SeveralChoices,
    ];

    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "short_text",
            QuestionKind::LongText => "long_text",
            QuestionKind::Number => "number",
            QuestionKind::DateTime => "date_time",
            QuestionKind::OneChoice => "one_choice",
            QuestionKind::SeveralChoices => "several_choices",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "texte court",
            QuestionKind::LongText => "texte long",
            QuestionKind::Number => "nombre",
            QuestionKind::DateTime => "date et heure",
            QuestionKind::OneChoice => "un choix",
            QuestionKind::SeveralChoices => "plusieurs choix",
        }
    }

    /// The Open311 datatype.
    pub fn open311(self) -> &'static str {
        match self {
            QuestionKind::ShortText => "string",
            QuestionKind::LongText => "text",
            QuestionKind::Number => "number",
            QuestionKind::DateTime => "datetime",
            QuestionKind::OneChoice => "singlevaluelist",
            QuestionKind::SeveralChoices => "multivaluelist",
        }
    }

    pub fn from_code(code: &str) -> Option<QuestionKind> {
        QuestionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn has_choices(self) -> bool {
        matches!(self, QuestionKind::OneChoice | QuestionKind::SeveralChoices)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    pub key: String,
    pub name: String,
}

/// An extra question asked when reporting in a category.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub code: String,
    pub label: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// The answers of a report, by question code; several choices are joined by commas.
pub type Answers = BTreeMap<String, String>;

/// Checks raw answers (`code` → values, several for multiple choices) against the questions.
/// Unknown codes are ignored; errors are (question code, French message).
pub fn check_answers(questions: &[Question], raw: &BTreeMap<String, Vec<String>>) -> Result<Answers, Vec<(String, String)>> {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    for q in questions {
        let values: Vec<&str> =
            raw.get(&q.code).map(|v| v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
        if values.is_empty() {
            if q.required {
                errors.push((q.code.clone(), format!("« {} » : réponse obligatoire", q.label)));
            }
            continue;
        }
        let err = |m: &str| (q.code.clone(), format!("« {} » : {m}", q.label));
        let value = match q.kind {
            QuestionKind::ShortText | QuestionKind::LongText => {
                let max = if q.kind == QuestionKind::ShortText { 200 } else { 2000 };
                let v = values.join(" ");
                if v.chars().count() > max {
                    errors.push(err(&format!("{max} caractères au plus")));
                    continue;
                }
                if v.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
                    errors.push(err("caractères invisibles refusés"));
                    continue;
                }
                v
            }
            QuestionKind::Number => match values[0].replace(',', ".").parse::<f64>() {
                Ok(n) if n.is_finite() => values[0].replace(',', "."),
                _ => {
                    errors.push(err("un nombre est attendu"));
                    continue;
                }
            },
            QuestionKind::DateTime => match parse_answer_datetime(values[0]) {
                Some(v) => v,
                None => {
                    errors.push(err("une date et une heure sont attendues (jj/mm/aaaa hh:mm)"));
                    continue;
                }
            },
            QuestionKind::OneChoice | QuestionKind::SeveralChoices => {
                if q.kind == QuestionKind::OneChoice && values.len() > 1 {
                    errors.push(err("un seul choix est possible"));
                    continue;
                }
                if let Some(bad) = values.iter().find(|v| !q.choices.iter().any(|c| c.key == **v)) {
                    errors.push(err(&format!("choix inconnu « {bad} »")));
                    continue;
                }
                // Each choice once: a key repeated a thousand times is one answer, not a thousand.
                let mut chosen: Vec<&str> = Vec::new();
                for v in values {
                    if !chosen.contains(&v) {
                        chosen.push(v);
                    }
                }
                chosen.join(",")
            }
        };
        answers.insert(q.code.clone(), value);
    }
    if errors.is_empty() { Ok(answers) } else { Err(errors) }
}

/// A date-time answer, from a form (`2026-11-26T14:30`, `26/11/2026 14:30`) or Open311 (W3C
/// with zone); stored as given by the form in Paris time, or as RFC 3339.
fn parse_answer_datetime(v: &str) -> Option<String> {
    use time::macros::format_description;
    if let Ok(t) = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Some(crate::time_fmt::to_storage(t));
    }
    let forms = [format_description!("[year]-[month]-[day]T[hour]:[minute]"), format_description!("[day]/[month]/[year] [hour]:[minute]")];
    forms.iter().find_map(|f| time::PrimitiveDateTime::parse(v, f).ok()).map(|p| {
        let guess = p.assume_utc();
        let t = p.assume_offset(crate::time_fmt::paris_offset(guess));
        crate::time_fmt::to_storage(t)
    })
}

/// Checks a category's question list as the administrator edits it.
pub fn check_questions(questions: &[Question]) -> Result<(), String> {
    let mut codes = std::collections::BTreeSet::new();
    for q in questions {
        if q.code.is_empty() || q.code.len() > 40 || !q.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(format!("code de question invalide « {} » : minuscules, chiffres et _, 40 au plus", q.code));
        }
        if !codes.insert(q.code.as_str()) {
            return Err(format!("code de question en double « {} »", q.code));
        }
        if !crate::text::is_name(&q.label, 200) {
            return Err(format!("la question « {} » : un intitulé d'une ligne est attendu (200 caractères au plus)", q.code));
        }
        let mut keys = std::collections::BTreeSet::new();
        for c in &q.choices {
            // Keys are joined with commas in stored answers and written key=name; … in forms.
            if c.key.is_empty() || c.key.len() > 40 || !c.key.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_') {
                return Err(format!(
                    "la question « {} » : clé de choix invalide « {} » (lettres sans accent, chiffres, - et _, 40 au plus)",
                    q.code, c.key
                ));
            }
            if !keys.insert(c.key.as_str()) {
                return Err(format!("la question « {} » : la clé de choix « {} » est en double", q.code, c.key));
            }
            if !crate::text::is_name(&c.name, 200) {
                return Err(format!("la question « {} » : le choix « {} » n'a pas de libellé valide", q.code, c.key));
            }
        }
        if q.choices.len() > 100 {
            return Err(format!("la question « {} » : 100 choix au plus", q.code));
        }
        if q.kind.has_choices() == q.choices.is_empty() {
            return Err(format!("la question « {} » : les choix ne vont qu'avec les types à choix, et leur sont obligatoires", q.code));
        }
    }
    Ok(())
}

/// Reads questions written one per line, as the category form shows them:
/// `code | intitulé | type | obligatoire | clé=Libellé; clé=Libellé`.
pub fn questions_from_text(text: &str) -> Result<Vec<Question>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let at = |m: String| format!("ligne {} : {m}", n + 1);
        if parts.len() < 3 {
            return Err(at("il faut au moins « code | intitulé | type »".into()));
        }
        let kind = QuestionKind::from_code(parts[2]).ok_or_else(|| {
            at(format!("type inconnu « {} » (short_text, long_text, number, date_time, one_choice, several_choices)", parts[2]))
        })?;
        let required = matches!(parts.get(3).copied(), Some("obligatoire" | "oui" | "required"));
        let mut choices = Vec::new();
        if let Some(list) = parts.get(4) {
            for item in list.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                let (key, name) = item.split_once('=').ok_or_else(|| at(format!("choix « {item} » : écrivez clé=Libellé")))?;
                choices.push(Choice { key: key.trim().to_string(), name: name.trim().to_string() });
            }
        }
        out.push(Question { code: parts[0].to_string(), label: parts[1].to_string(), kind, required, choices });
    }
    check_questions(&out)?;
    Ok(out)
}

pub fn questions_to_text(questions: &[Question]) -> String {
    questions
        .iter()
        .map(|q| {
            let choices = q.choices.iter().map(|c| format!("{}={}", c.key, c.name)).collect::<Vec<_>>().join("; ");
            let req = if q.required { "obligatoire" } else { "facultatif" };
            format!("{} | {} | {} | {req} | {choices}", q.code, q.label, q.kind.code()).trim_end_matches([' ', '|']).to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A routing rule: the first rule whose category (or an ancestor of the report's category) and
/// area both match gives the organisation in charge and the others to involve.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutingRule {
    pub id: i64,
    pub category_id: Option<i64>,
    pub area_id: Option<i64>,
    pub organisation_id: i64,
    pub also_involve: Vec<i64>,
}

/// Picks the first matching rule. `categories` is the report's category and its ancestors;
/// `areas` the ids of every area containing the point.
pub fn route<'a>(rules: &'a [RoutingRule], categories: &[i64], areas: &[i64]) -> Option<&'a RoutingRule> {
    rules.iter().find(|r| r.category_id.is_none_or(|c| categories.contains(&c)) && r.area_id.is_none_or(|a| areas.contains(&a)))
}

/// Text fields of a new report, checked.
pub fn check_report_text(description: &str, address: &str) -> Result<(), Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    if description.trim().is_empty() {
        errors.push(("description", "Décrivez le problème constaté.".to_string()));
    } else if description.chars().count() > MAX_DESCRIPTION {
        errors.push(("description", format!("La description dépasse {MAX_DESCRIPTION} caractères.")));
    }
    if address.chars().count() > MAX_ADDRESS {
        errors.push(("address", format!("L'adresse dépasse {MAX_ADDRESS} caractères.")));
    }
    for (field, v) in [("description", description), ("address", address)] {
        if v.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            errors.push((field, "Le texte contient des caractères invisibles (copiés par erreur ?).".to_string()));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Overdue: still open past the deadline, or closed after it.
pub fn is_overdue(due_at: Option<OffsetDateTime>, closed_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    match (due_at, closed_at) {
        (Some(due), Some(closed)) => closed > due,
        (Some(due), None) => now > due,
        (None, _) => false,
    }
}

/// The median of values given as (value, count) pairs, e.g. days to resolution grouped by
/// the database. `None` when there is none.
pub fn median_of_counts(mut pairs: Vec<(i64, i64)>) -> Option<f64> {
    pairs.retain(|(_, n)| *n > 0);
    pairs.sort();
    let total: i64 = pairs.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let value_at = |rank: i64| {
        let mut seen = 0;
        for (v, n) in &pairs {
            seen += n;
            if seen > rank {
                return *v;
            }
        }
        pairs.last().map_or(0, |p| p.0)
    };
    let lo = value_at((total - 1) / 2);
    let hi = value_at(total / 2);
    Some((lo + hi) as f64 / 2.0)
}

/// Hours to resolution at or above this (over 270 years) are data errors, left out of medians.
pub const MAX_RESOLUTION_HOURS: i64 = 2_400_000;

/// Days to resolution as the statistics count them: whole days (hours / 24, rounded down).
/// Whole days are the unit of the median and what lets closed reports be counted ahead by
/// month (`report_tallies`); the store's SQL computes the same.
pub fn resolution_days(hours: Option<i64>) -> Option<i64> {
    hours.filter(|h| (0..MAX_RESOLUTION_HOURS).contains(h)).map(|h| h / 24)
}

/// Reports alike for the statistics, and how many: same group key (month, district, category or
/// organisation; `None` for none), state, lateness and days to resolution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub key: Option<i64>,
    pub state: State,
    /// Closed after its due time, or still open past it.
    pub late: bool,
    pub days: Option<i64>,
    pub n: i64,
}

/// One line of statistics; `key` is the month (`202611`) or the id of the district, category
/// or organisation, `None` for reports without one.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StatRow {
    pub key: Option<i64>,
    pub total: i64,
    pub open: i64,
    pub resolved: i64,
    pub not_resolved: i64,
    pub overdue: i64,
    /// Median whole days from creation to resolution of the resolved ones.
    pub median_days: Option<f64>,
}

impl StatRow {
    fn new(key: Option<i64>) -> StatRow {
        StatRow { key, total: 0, open: 0, resolved: 0, not_resolved: 0, overdue: 0, median_days: None }
    }

    fn add(&mut self, t: &Tally) {
        self.total += t.n;
        match t.state.class() {
            StateClass::Open => self.open += t.n,
            StateClass::ClosedResolved => self.resolved += t.n,
            StateClass::ClosedNotResolved => self.not_resolved += t.n,
        }
        if t.late {
            self.overdue += t.n;
        }
    }
}

/// The statistics' lines (sorted by key) and their total, from tallies in any order; several
/// tallies may share a key, state, lateness and days (they come from several sources).
/// Figures of a grouping: one line per key (sorted by key) and the total.
#[derive(Clone, Debug, PartialEq)]
pub struct Statistics {
    pub rows: Vec<StatRow>,
    pub total: StatRow,
}

pub fn statistics(tallies: &[Tally]) -> Statistics {
    // Per key: the line, and its (days, count) pairs for the median.
    type Line = (StatRow, Vec<(i64, i64)>);
    let mut lines: std::collections::BTreeMap<Option<i64>, Line> = std::collections::BTreeMap::new();
    let mut total = StatRow::new(None);
    let mut all_days = Vec::new();
    for t in tallies {
        let (line, days) = lines.entry(t.key).or_insert_with(|| (StatRow::new(t.key), Vec::new()));
        line.add(t);
        total.add(t);
        if let (StateClass::ClosedResolved, Some(d)) = (t.state.class(), t.days) {
            days.push((d, t.n));
            all_days.push((d, t.n));
        }
    }
    total.median_days = median_of_counts(all_days);
    let rows = lines
        .into_values()
        .map(|(mut line, days)| {
            line.median_days = median_of_counts(days);
            line
        })
        .collect();
    Statistics { rows, total }
}

/// A possible duplicate must be this close.
pub const DUPLICATE_RADIUS_M: f64 = 150.0;

/// Degrees of latitude and longitude spanning `metres` around `c`, for a box pre-filter.
pub fn degree_box(c: Coordinates, metres: f64) -> (f64, f64) {
    let dlat = metres / 111_320.0;
    let dlon = metres / (111_320.0 * c.lat.to_radians().cos().max(0.01));
    (dlat, dlon)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_have_french_labels_and_classes() {
        assert_eq!(State::ClosedWithoutAction.label(), "clos sans suite");
        assert_eq!(State::Duplicate.class(), StateClass::ClosedNotResolved);
        assert_eq!(State::Resolved.class(), StateClass::ClosedResolved);
        assert!(State::Redirected.class().is_open());
        for s in State::ALL {
            assert_eq!(State::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn workflow_rules() {
        assert_eq!(check_transition(State::New, &Transition::To(State::InProgress), 1), Ok(State::InProgress));
        assert_eq!(check_transition(State::Resolved, &Transition::To(State::Transmitted), 1), Ok(State::Transmitted));
        assert_eq!(check_transition(State::Resolved, &Transition::To(State::InProgress), 1), Err(WorkflowError::ClosedMustReopen));
        assert_eq!(check_transition(State::New, &Transition::To(State::Duplicate), 1), Err(WorkflowError::NeedsDetail("doublon")));
        assert_eq!(check_transition(State::New, &Transition::DuplicateOf(1), 1), Err(WorkflowError::SelfDuplicate));
        assert_eq!(check_transition(State::New, &Transition::DuplicateOf(2), 1), Ok(State::Duplicate));
        assert_eq!(check_transition(State::Planned, &Transition::To(State::Planned), 1), Err(WorkflowError::Unchanged("planifié")));
        assert_eq!(check_transition(State::InProgress, &Transition::To(State::New), 1), Err(WorkflowError::BackToNew));
        assert_eq!(check_transition(State::Redirected, &Transition::RedirectTo(3), 1), Ok(State::Redirected));
    }

    fn questions() -> Vec<Question> {
        questions_from_text(
            "etage | Étage | number | obligatoire\n\
             quand | Constaté le | date_time\n\
             nature | Nature des déchets | several_choices | obligatoire | encombrants=Encombrants; gravats=Gravats\n\
             acces | Accès | one_choice | facultatif | hall=Hall; parking=Parking",
        )
        .unwrap()
    }

    #[test]
    fn answers_are_checked_by_type() {
        let qs = questions();
        let raw = |pairs: &[(&str, &[&str])]| {
            pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(std::string::ToString::to_string).collect())).collect()
        };
        let ok = check_answers(&qs, &raw(&[("etage", &["3"]), ("nature", &["encombrants", "gravats"]), ("quand", &["26/11/2026 14:30"])]))
            .unwrap();
        assert_eq!(ok["nature"], "encombrants,gravats");
        assert_eq!(ok["quand"], "2026-11-26T13:30:00Z");
        let errs = check_answers(&qs, &raw(&[("etage", &["trois"]), ("acces", &["hall", "parking"])])).unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["etage", "nature", "acces"]);
        assert!(check_answers(&qs, &raw(&[("etage", &["1"]), ("nature", &["piano"])])).is_err());
    }

    #[test]
    fn question_text_round_trips_and_rejects_mistakes() {
        let qs = questions();
        assert_eq!(questions_from_text(&questions_to_text(&qs)).unwrap(), qs);
        assert!(questions_from_text("a | A | color").is_err());
        assert!(questions_from_text("a | A | one_choice").is_err());
        assert!(questions_from_text("a | A | number\na | B | number").is_err());
    }

    #[test]
    fn first_matching_rule_wins() {
        let rules = vec![
            RoutingRule { id: 1, category_id: Some(10), area_id: Some(100), organisation_id: 1, also_involve: vec![2] },
            RoutingRule { id: 2, category_id: Some(10), area_id: None, organisation_id: 3, also_involve: vec![] },
            RoutingRule { id: 3, category_id: None, area_id: Some(200), organisation_id: 4, also_involve: vec![] },
        ];
        assert_eq!(route(&rules, &[11, 10], &[100]).map(|r| r.id), Some(1));
        assert_eq!(route(&rules, &[10], &[300]).map(|r| r.id), Some(2));
        assert_eq!(route(&rules, &[20], &[200, 100]).map(|r| r.id), Some(3));
        assert_eq!(route(&rules, &[20], &[100]), None);
    }

    #[test]
    fn overdue_and_median() {
        let t = |s: &str| crate::time_fmt::from_storage(s).unwrap();
        assert!(is_overdue(Some(t("2026-01-02T00:00:00Z")), None, t("2026-01-03T00:00:00Z")));
        assert!(!is_overdue(Some(t("2026-01-02T00:00:00Z")), Some(t("2026-01-01T00:00:00Z")), t("2026-02-01T00:00:00Z")));
        assert!(!is_overdue(None, None, t("2026-01-03T00:00:00Z")));
        assert_eq!(median_of_counts(vec![(5, 1), (1, 1), (3, 1)]), Some(3.0));
        assert_eq!(median_of_counts(vec![(1, 2), (10, 2)]), Some(5.5));
        assert_eq!(median_of_counts(vec![]), None);
    }

    #[test]
    fn statistics_merge_tallies_from_several_sources() {
        let t = |key, state, late, days, n| Tally { key, state, late, days, n };
        let Statistics { rows: lines, total } = statistics(&[
            t(Some(2), State::Resolved, false, Some(2), 1),
            t(Some(1), State::New, true, None, 2),
            t(Some(2), State::Resolved, true, Some(8), 1),
            t(Some(2), State::Resolved, false, Some(2), 1),
            t(None, State::Duplicate, false, None, 1),
        ]);
        assert_eq!(lines.iter().map(|l| l.key).collect::<Vec<_>>(), vec![None, Some(1), Some(2)]);
        assert_eq!((lines[2].total, lines[2].resolved, lines[2].overdue, lines[2].median_days), (3, 3, 1, Some(2.0)));
        assert_eq!((lines[1].open, lines[1].overdue, lines[1].median_days), (2, 2, None));
        assert_eq!((total.total, total.not_resolved, total.overdue, total.median_days), (6, 1, 3, Some(2.0)));
        assert_eq!(resolution_days(Some(47)), Some(1));
        assert_eq!((resolution_days(Some(-1)), resolution_days(None), resolution_days(Some(MAX_RESOLUTION_HOURS))), (None, None, None));
    }

    #[test]
    fn report_text_is_checked() {
        assert!(check_report_text("Dépôt <script>", "1 rue").is_ok());
        assert_eq!(check_report_text("", "").unwrap_err()[0].0, "description");
        assert!(check_report_text(&"x".repeat(4001), "").is_err());
        assert!(check_report_text("ok", "a\u{0}b").is_err());
    }
}

/// A category of the shipped file (`data/report-categories.toml`).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultCategory {
    pub code: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub keywords: String,
    pub target_days: i64,
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultFile {
    category: Vec<DefaultCategory>,
}

pub const DEFAULT_CATEGORIES_FILE: &str = include_str!("../../../../data/report-categories.toml");

/// The shipped categories, parents before their children.
pub fn default_categories() -> Result<Vec<DefaultCategory>, String> {
    let f: DefaultFile = toml::from_str(DEFAULT_CATEGORIES_FILE).map_err(|e| e.to_string())?;
    for c in &f.category {
        check_questions(&c.questions)?;
    }
    Ok(f.category)
}

#[cfg(test)]
mod default_tests {
    use super::*;

    #[test]
    fn the_shipped_categories_cover_the_seed_and_every_question_type() {
        let cats = default_categories().unwrap();
        for code in [
            "occupation-parties-communes",
            "depot-sauvage",
            "mecanique-sauvage",
            "vehicule-epave",
            "stationnement-genant",
            "degradation-tag",
            "bruit-nuisances",
            "regroupement",
            "eclairage-equipement",
            "autre",
        ] {
            assert!(cats.iter().any(|c| c.code == code), "{code}");
        }
        for kind in QuestionKind::ALL {
            assert!(cats.iter().flat_map(|c| &c.questions).any(|q| q.kind == kind), "{kind:?}");
        }
        for c in &cats {
            if let Some(p) = &c.parent {
                let pi = cats.iter().position(|x| &x.code == p).unwrap();
                let ci = cats.iter().position(|x| x.code == c.code).unwrap();
                assert!(pi < ci, "{} before {}", p, c.code);
            }
        }
    }
}
