//! A group's situations: list, look-up by keyed hash, creation, the situation page with its
//! dated actions, informing and closing, and the archive opened only for a stated reason.
//! Every access is recorded in the audit chain, and the pages say so.

use super::{group_or_404, standing};
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::working_group::{self as wg, ActionDraft, ActionView, CaseError, CaseView, Draft};
use maillage_core::authz::{self, Action};
use maillage_core::time_fmt::{self, parse_typed_date};
use maillage_core::working_group::case::{
    ACCESS_REASONS, ACTION_KINDS, ACTION_RESULTS, Choice, DEFERRAL_REASONS, INFORMING_MEANS, Identity, JUDICIAL_MAX, NOTE_MAX, ORIGINS,
    OUTCOMES, PROGRAMMES, Representative, SCHOOL_OR_JOB, SEXES,
};
use maillage_store::working_group::Group;
use maillage_store::working_group::case::CaseRecord;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/groupes/{id}/situations", list_page)
        .post("/groupes/{id}/situations", create)
        .get("/groupes/{id}/situations/nouvelle", new_page)
        .get("/groupes/{id}/situations/archives", archive_page)
        .post("/groupes/{id}/situations/recherche", lookup)
        .get("/groupes/{id}/situations/{case}", case_page)
        .post("/groupes/{id}/situations/{case}/consultation", open_archived)
        .post("/groupes/{id}/situations/{case}/actions", add_action)
        .post("/groupes/{id}/situations/{case}/information", set_informing)
        .post("/groupes/{id}/situations/{case}/cloture", close)
        .get("/groupes/{id}/situations/{case}/export.json", export)
        .get("/groupes/{id}/situations/{case}/export.odt", export_odt)
        .post("/groupes/{id}/situations/{case}/rectification", rectify)
        .post("/groupes/{id}/situations/{case}/effacement", erase)
}

/// The member of `id` in good standing, or why not.
pub(crate) async fn member<'a>(state: &AppState, user: Option<&'a CurrentUser>, id: &str) -> Result<(&'a CurrentUser, Group), AppError> {
    let u = match require(user, Action::WorkOnCases, "/groupes") {
        Err(AppError::Forbidden) => {
            // A refused attempt on situations is traced as much as a read (privacy rules §5).
            if let Some(u) = user {
                state.store.record_event(&u.author(), "case.refused", "working_group", id, "rôle").await?;
            }
            return Err(AppError::Forbidden);
        }
        other => other?,
    };
    let group = group_or_404(state, id).await?;
    let s = standing(state, &group, u).await?;
    if let Err(refused) = authz::case_access(&u.actor, s.as_ref(), group.charter_version) {
        state.store.record_event(&u.author(), "case.refused", "working_group", &group.id.to_string(), &refused.to_string()).await?;
        return Err(AppError::CaseRefused(refused));
    }
    Ok((u, group))
}

async fn record_of(state: &AppState, group: &Group, case: &str) -> Result<CaseRecord, AppError> {
    state.store.case(group.id, parse_id(case)?).await?.ok_or(AppError::NotFound)
}

// ---- the list ------------------------------------------------------------------------------

struct Line {
    id: i64,
    name: String,
    birth: String,
    opened_on: String,
    programme: &'static str,
    referent: String,
    informed: bool,
}

fn line(v: &CaseView) -> Line {
    Line {
        id: v.record.id,
        name: v.identity.display_name(),
        birth: v.identity.birth().map(time_fmt::day_fr).unwrap_or_default(),
        opened_on: time_fmt::day_fr(v.record.opened_on),
        programme: static_label(PROGRAMMES, &v.record.programme),
        referent: v.record.referent.clone().unwrap_or_default(),
        informed: v.record.informed_on.is_some() || v.record.informing_deferred.is_some(),
    }
}

fn static_label(list: &[Choice], code: &str) -> &'static str {
    list.iter().find(|(c, _)| *c == code).map_or("—", |(_, l)| l)
}

const PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "working_group/cases.html")]
struct ListPage {
    layout: Layout,
    group: Group,
    lines: Vec<Line>,
    total: String,
    archived: String,
    not_informed: String,
    lookup: LookupForm,
    found: Option<Vec<i64>>,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<i64>,
}

async fn list_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    lookup: LookupForm,
    found: Option<Vec<i64>>,
    errors: FieldErrors,
    page: i64,
) -> Result<ListPage, AppError> {
    let records = state.store.cases(group.id, false, PAGE, page.saturating_mul(PAGE)).await?;
    let mut lines = Vec::new();
    for r in records {
        lines.push(line(&wg::open_case(state, r)?));
    }
    wg::record_access(state, &u.author(), "case.list", "working_group", group.id, &format!("{} situations", lines.len())).await?;
    let counts = state.store.case_counts(group.id).await?;
    Ok(ListPage {
        layout: Layout::new(&format!("Situations — {}", group.name), Some(u)),
        total: maillage_core::text::number_fr(counts.followed),
        archived: maillage_core::text::number_fr(counts.archived),
        not_informed: maillage_core::text::number_fr(counts.not_informed),
        group,
        lines,
        lookup,
        found,
        errors,
    })
}

async fn list_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ListQuery>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    render(&list_view(&state, u, group, LookupForm::default(), None, FieldErrors::default(), q.page.unwrap_or(0).clamp(0, 100_000)).await?)
}

#[derive(Deserialize, Default, Clone)]
pub struct LookupForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    birth_date: String,
}

/// Whether the person is already followed: an exact look-up on the keyed hash. The names are
/// posted, never put in an address (which would land in logs and histories).
async fn lookup(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<LookupForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let mut errors = FieldErrors::default();
    if !maillage_core::text::is_name(&form.surname, 100) {
        errors.add("l-surname", "Le nom est obligatoire.");
    }
    if !maillage_core::text::is_name(&form.first_name, 100) {
        errors.add("l-first_name", "Le prénom est obligatoire.");
    }
    let birth = parse_typed_date(&form.birth_date);
    if birth.is_none() {
        errors.add("l-birth_date", "La date de naissance est obligatoire.");
    }
    let Some(birth) = birth.filter(|_| errors.is_empty()) else {
        return render_invalid(&list_view(&state, u, group, form, None, errors, 0).await?);
    };
    let hash = wg::lookup_hash(&state, group.id, &form.surname, &form.first_name, birth)?;
    let found = state.store.cases_by_lookup(group.id, &hash).await?;
    wg::record_access(&state, &u.author(), "case.lookup", "working_group", group.id, &format!("{} trouvée(s)", found.len())).await?;
    render(&list_view(&state, u, group, form, Some(found), FieldErrors::default(), 0).await?)
}

struct ArchivedLine {
    id: i64,
    opened_on: String,
    ended_on: String,
    outcome: &'static str,
}

#[derive(Template)]
#[template(path = "working_group/archive.html")]
struct ArchivePage {
    layout: Layout,
    group: Group,
    lines: Vec<ArchivedLine>,
}

/// The archive: kept apart, listed without names; each one opens only for a stated reason.
async fn archive_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let lines = state
        .store
        .cases(group.id, true, 500, 0)
        .await?
        .into_iter()
        .map(|r| ArchivedLine {
            id: r.id,
            opened_on: time_fmt::day_fr(r.opened_on),
            ended_on: r.ended_on.map(time_fmt::day_fr).unwrap_or_default(),
            outcome: static_label(OUTCOMES, r.outcome.as_deref().unwrap_or_default()),
        })
        .collect();
    render(&ArchivePage { layout: Layout::new(&format!("Archives — {}", group.name), Some(u)), group, lines })
}

// ---- creation ------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct CaseForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    school_or_job: String,
    #[serde(default)]
    rep1_surname: String,
    #[serde(default)]
    rep1_first_name: String,
    #[serde(default)]
    rep1_address: String,
    #[serde(default)]
    rep1_phone: String,
    #[serde(default)]
    rep1_email: String,
    #[serde(default)]
    rep2_surname: String,
    #[serde(default)]
    rep2_first_name: String,
    #[serde(default)]
    rep2_address: String,
    #[serde(default)]
    rep2_phone: String,
    #[serde(default)]
    rep2_email: String,
    #[serde(default)]
    opened_on: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    programme: String,
    #[serde(default)]
    referent_id: String,
    #[serde(default)]
    already_in_charge: String,
    #[serde(default)]
    in_charge_org_id: String,
    #[serde(default)]
    judicial: String,
}

impl CaseForm {
    fn draft(&self) -> Draft {
        let rep = |s: &str, f: &str, a: &str, p: &str, e: &str| {
            let any = [s, f, a, p, e].iter().any(|v| !v.trim().is_empty());
            any.then(|| Representative {
                surname: s.trim().into(),
                first_name: f.trim().into(),
                address: a.trim().into(),
                phone: p.trim().into(),
                email: e.trim().to_lowercase(),
            })
        };
        let representatives = [
            rep(&self.rep1_surname, &self.rep1_first_name, &self.rep1_address, &self.rep1_phone, &self.rep1_email),
            rep(&self.rep2_surname, &self.rep2_first_name, &self.rep2_address, &self.rep2_phone, &self.rep2_email),
        ]
        .into_iter()
        .flatten()
        .collect();
        Draft {
            identity: Identity {
                surname: self.surname.trim().into(),
                first_name: self.first_name.trim().into(),
                sex: self.sex.clone(),
                birth_date: self.birth_date.trim().into(),
                address: self.address.trim().into(),
                phone: self.phone.trim().into(),
                email: self.email.trim().to_lowercase(),
                school_or_job: self.school_or_job.clone(),
                representatives,
            },
            opened_on: parse_typed_date(&self.opened_on),
            origin: self.origin.clone(),
            programme: self.programme.clone(),
            referent_id: self.referent_id.trim().parse().ok(),
            already_in_charge: self.already_in_charge == "oui",
            in_charge_org_id: self.in_charge_org_id.trim().parse().ok(),
            judicial: self.judicial.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "working_group/new_case.html")]
struct NewCasePage {
    layout: Layout,
    group: Group,
    form: CaseForm,
    errors: FieldErrors,
    existing: Vec<i64>,
    referents: Vec<(i64, String)>,
    organisations: Vec<(i64, String)>,
    sexes: &'static [Choice],
    school_or_job: &'static [Choice],
    origins: &'static [Choice],
    programmes: &'static [Choice],
    judicial_max: usize,
}

async fn new_case_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    form: CaseForm,
    errors: FieldErrors,
    existing: Vec<i64>,
) -> Result<NewCasePage, AppError> {
    let referents =
        state.store.members(group.id).await?.into_iter().filter(|m| m.excluded_at.is_none()).map(|m| (m.user_id, m.display_name)).collect();
    let organisations = state.catalog().await?.organisations.iter().map(|o| (o.id, o.name.clone())).collect();
    Ok(NewCasePage {
        layout: Layout::new("Nouvelle situation", Some(u)),
        group,
        form,
        errors,
        existing,
        referents,
        organisations,
        sexes: SEXES,
        school_or_job: SCHOOL_OR_JOB,
        origins: ORIGINS,
        programmes: PROGRAMMES,
        judicial_max: JUDICIAL_MAX,
    })
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let today = time_fmt::paris_date(time_fmt::now()).to_string();
    let form = CaseForm { opened_on: today, already_in_charge: "oui".into(), ..CaseForm::default() };
    render(&new_case_view(&state, u, group, form, FieldErrors::default(), Vec::new()).await?)
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CaseForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let draft = form.draft();
    let members = state.store.members(group.id).await?;
    let orgs = state.catalog().await?;
    // A choice that is not in its list is refused, never dropped.
    let mut refused = Vec::new();
    if !form.referent_id.trim().is_empty()
        && draft.referent_id.is_none_or(|r| !members.iter().any(|m| m.user_id == r && m.excluded_at.is_none()))
    {
        refused.push(("referent_id", "Choisissez le référent parmi les membres du groupe.".to_string()));
    }
    if !form.in_charge_org_id.trim().is_empty() && draft.in_charge_org_id.is_none_or(|o| !orgs.organisations.iter().any(|x| x.id == o)) {
        refused.push(("in_charge_org_id", "Choisissez l'institution dans la liste.".to_string()));
    }
    let result = if refused.is_empty() {
        wg::create_case(&state, &u.author(), (u.id, u.actor.organisation_id), group.id, &draft).await
    } else {
        Err(CaseError::Invalid(refused))
    };
    match result {
        Ok(case) => Ok(Redirect::to(&format!("/groupes/{}/situations/{case}", group.id)).into_response()),
        Err(CaseError::Invalid(faults)) => render_invalid(&new_case_view(&state, u, group, form, errors_of(faults, ""), Vec::new()).await?),
        Err(CaseError::AlreadyFollowed(existing)) => {
            let mut errors = FieldErrors::default();
            errors.add("surname", "Cette personne est déjà suivie par le groupe : ouvrez sa situation plutôt que d'en créer une seconde.");
            render_invalid(&new_case_view(&state, u, group, form, errors, existing).await?)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- a situation ---------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    started_on: String,
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct InformingForm {
    #[serde(default)]
    informed_on: String,
    #[serde(default)]
    means: String,
    #[serde(default)]
    deferred: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct CloseForm {
    #[serde(default)]
    ended_on: String,
    #[serde(default)]
    outcome: String,
}

struct ActionLine {
    kind: &'static str,
    started_on: String,
    ended_on: String,
    result: &'static str,
    note: String,
    author: String,
}

#[derive(Template)]
#[template(path = "working_group/case.html")]
struct CasePage {
    layout: Layout,
    group: Group,
    view: CaseView,
    minor: bool,
    sex: &'static str,
    birth: String,
    school_or_job: &'static str,
    opened_on: String,
    origin: &'static str,
    programme: &'static str,
    informing: Option<String>,
    ended: Option<String>,
    actions: Vec<ActionLine>,
    /// The reason the archive was opened for, when it is archived.
    archive_reason: Option<String>,
    /// The reason's code, carried by the export links of an archived situation.
    archive_code: &'static str,
    action: ActionForm,
    informing_form: InformingForm,
    close_form: CloseForm,
    rectify_form: RectifyForm,
    /// The erasure form's reason (nothing chosen until it is sent).
    erase_reason: String,
    errors: FieldErrors,
    sexes: &'static [Choice],
    school_or_job_list: &'static [Choice],
    reasons: &'static [Choice],
    kinds: &'static [Choice],
    results: &'static [Choice],
    means: &'static [Choice],
    deferrals: &'static [Choice],
    outcomes: &'static [Choice],
    note_max: usize,
}

struct Forms {
    action: ActionForm,
    informing: InformingForm,
    close: CloseForm,
    /// The rectification form, when sent back with its faults; otherwise filled from the record.
    rectify: Option<RectifyForm>,
    errors: FieldErrors,
}

impl Default for Forms {
    fn default() -> Self {
        let today = time_fmt::paris_date(time_fmt::now()).to_string();
        Forms {
            action: ActionForm { started_on: today.clone(), ..ActionForm::default() },
            informing: InformingForm { informed_on: today.clone(), ..InformingForm::default() },
            close: CloseForm { ended_on: today, ..CloseForm::default() },
            rectify: None,
            errors: FieldErrors::default(),
        }
    }
}

async fn case_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    record: CaseRecord,
    forms: Forms,
    archive_reason: Option<String>,
) -> Result<CasePage, AppError> {
    let today = time_fmt::paris_date(time_fmt::now());
    let operation = if archive_reason.is_some() { "case.archive_read" } else { "case.read" };
    wg::record_access(state, &u.author(), operation, "case", record.id, archive_reason.as_deref().unwrap_or_default()).await?;
    let actions = wg::actions(state, record.id).await?.into_iter().map(|ActionView { action, note }| ActionLine {
        kind: static_label(ACTION_KINDS, &action.kind),
        started_on: time_fmt::day_fr(action.started_on),
        ended_on: action.ended_on.map(time_fmt::day_fr).unwrap_or_default(),
        result: static_label(ACTION_RESULTS, &action.result),
        note: note.unwrap_or_default(),
        author: action.author.unwrap_or_default(),
    });
    let actions = actions.collect();
    let view = wg::open_case(state, record)?;
    let r = &view.record;
    let informing = match (&r.informed_on, &r.informing_means, &r.informing_deferred) {
        (Some(on), Some(means), _) => {
            Some(format!("Informée le {} ({})", time_fmt::day_fr(*on), static_label(INFORMING_MEANS, means).to_lowercase()))
        }
        (_, _, Some(reason)) => Some(format!("Information différée : {}", static_label(DEFERRAL_REASONS, reason).to_lowercase())),
        _ => None,
    };
    Ok(CasePage {
        layout: Layout::new(&format!("Situation n° {} — {}", r.id, group.name), Some(u)),
        minor: view.identity.is_minor(today),
        sex: static_label(SEXES, &view.identity.sex),
        birth: view.identity.birth().map(time_fmt::day_fr).unwrap_or_default(),
        school_or_job: static_label(SCHOOL_OR_JOB, &view.identity.school_or_job),
        opened_on: time_fmt::day_fr(r.opened_on),
        origin: static_label(ORIGINS, &r.origin),
        programme: static_label(PROGRAMMES, &r.programme),
        informing,
        ended: r
            .ended_on
            .map(|e| format!("{} — {}", time_fmt::day_fr(e), static_label(OUTCOMES, r.outcome.as_deref().unwrap_or_default()))),
        actions,
        archive_code: archive_reason.as_deref().and_then(|l| ACCESS_REASONS.iter().find(|(_, x)| *x == l)).map_or("", |(c, _)| c),
        archive_reason,
        action: forms.action,
        informing_form: forms.informing,
        close_form: forms.close,
        rectify_form: forms.rectify.unwrap_or_else(|| RectifyForm::of(&view.identity)),
        erase_reason: String::new(),
        errors: forms.errors,
        sexes: SEXES,
        school_or_job_list: SCHOOL_OR_JOB,
        reasons: ACCESS_REASONS,
        kinds: ACTION_KINDS,
        results: ACTION_RESULTS,
        means: INFORMING_MEANS,
        deferrals: DEFERRAL_REASONS,
        outcomes: OUTCOMES,
        note_max: NOTE_MAX,
        group,
        view,
    })
}

#[derive(Template)]
#[template(path = "working_group/archive_reason.html")]
struct ReasonPage {
    layout: Layout,
    group: Group,
    case_id: i64,
    reason: String,
    error: Option<String>,
    reasons: &'static [Choice],
}

fn reason_page(u: &CurrentUser, group: Group, case_id: i64, reason: String, error: Option<String>) -> ReasonPage {
    ReasonPage { layout: Layout::new("Consulter une situation archivée", Some(u)), group, case_id, reason, error, reasons: ACCESS_REASONS }
}

async fn case_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = record_of(&state, &group, &case).await?;
    if record.archived() {
        // The archive opens only for a stated reason, asked first; nothing is shown yet.
        return render(&reason_page(u, group, record.id, String::new(), None));
    }
    render(&case_view(&state, u, group, record, Forms::default(), None).await?)
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn open_archived(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::Form(form): axum::Form<ReasonForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = record_of(&state, &group, &case).await?;
    if !record.archived() {
        return Ok(Redirect::to(&format!("/groupes/{}/situations/{}", group.id, record.id)).into_response());
    }
    match wg::check_reason("reason", &form.reason) {
        Ok(reason) => render(&case_view(&state, u, group, record, Forms::default(), Some(reason.to_string())).await?),
        Err(e) => {
            let message = match e {
                CaseError::Invalid(f) => f.into_iter().next().map(|(_, m)| m).unwrap_or_default(),
                e => e.to_string(),
            };
            let id = record.id;
            render_invalid(&reason_page(u, group, id, form.reason, Some(message)))
        }
    }
}

/// A followed situation, for a form that changes it (an archived one takes no change).
async fn open_record(state: &AppState, group: &Group, case: &str) -> Result<CaseRecord, AppError> {
    let record = record_of(state, group, case).await?;
    if record.archived() {
        return Err(AppError::Conflict("cette situation est close et archivée : elle ne se modifie plus.".into()));
    }
    Ok(record)
}

async fn add_action(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = open_record(&state, &group, &case).await?;
    let draft = ActionDraft {
        kind: form.kind.clone(),
        started_on: parse_typed_date(&form.started_on),
        ended_on: parse_typed_date(&form.ended_on),
        result: form.result.clone(),
        note: form.note.clone(),
    };
    match wg::add_action(&state, &u.author(), &record, &draft).await {
        Ok(_) => Ok(Redirect::to(&format!("/groupes/{}/situations/{}#actions", group.id, record.id)).into_response()),
        Err(CaseError::Invalid(faults)) => {
            let forms = Forms { action: form, errors: errors_of(faults, "a-"), ..Forms::default() };
            render_invalid(&case_view(&state, u, group, record, forms, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_informing(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::Form(form): axum::Form<InformingForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = open_record(&state, &group, &case).await?;
    match wg::set_informing(&state, &u.author(), &record, parse_typed_date(&form.informed_on), &form.means, &form.deferred).await {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/situations/{}", group.id, record.id)).into_response()),
        Err(CaseError::Invalid(faults)) => {
            let forms = Forms { informing: form, errors: errors_of(faults, "i-"), ..Forms::default() };
            render_invalid(&case_view(&state, u, group, record, forms, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

async fn close(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::Form(form): axum::Form<CloseForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = open_record(&state, &group, &case).await?;
    match wg::close_case(&state, &u.author(), &record, parse_typed_date(&form.ended_on), &form.outcome).await {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/situations", group.id)).into_response()),
        Err(CaseError::Invalid(faults)) => {
            let forms = Forms { close: form, errors: errors_of(faults, "c-"), ..Forms::default() };
            render_invalid(&case_view(&state, u, group, record, forms, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- the person's rights (privacy rules §4) -----------------------------------------------

/// Everything held on the person, as JSON, for an access request; the export is logged.
/// `?motif=…`: the reason an archived situation is exported for.
#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    motif: String,
}

async fn export(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<ExportQuery>,
) -> Result<Response, AppError> {
    person_export(&state, user.as_ref(), &id, &case, &q.motif, false).await
}

async fn export_odt(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<ExportQuery>,
) -> Result<Response, AppError> {
    person_export(&state, user.as_ref(), &id, &case, &q.motif, true).await
}

/// Everything held on the person, as JSON or as an ODT document to hand over; either export
/// is recorded in the chain with its format. An archived situation, like its page, opens only
/// for a stated reason, recorded with the export.
async fn person_export(
    state: &AppState,
    user: Option<&CurrentUser>,
    id: &str,
    case: &str,
    motif: &str,
    odt: bool,
) -> Result<Response, AppError> {
    let (u, group) = member(state, user, id).await?;
    let record = record_of(state, &group, case).await?;
    let reason = if record.archived() {
        let Ok(reason) = wg::check_reason("reason", motif) else {
            return Err(AppError::BadRequest(
                "cette situation est archivée : ouvrez-la d'abord en indiquant le motif de la consultation, puis exportez-la depuis sa page"
                    .into(),
            ));
        };
        format!(" ; situation archivée, motif : {reason}")
    } else {
        String::new()
    };
    let view = wg::open_case(state, record)?;
    let export = wg::export::export_case(state, &view).await?;
    let (body, kind, ext) = if odt {
        let bytes = export.odt().map_err(AppError::internal)?;
        (bytes, "application/vnd.oasis.opendocument.text", "odt")
    } else {
        (serde_json::to_vec_pretty(&export).map_err(AppError::internal)?, "application/json; charset=utf-8", "json")
    };
    wg::record_access(state, &u.author(), "case.export", "case", view.record.id, &format!("{ext}{reason}")).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, kind.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"situation-{}.{ext}\"", view.record.id)),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default, Clone)]
pub struct RectifyForm {
    #[serde(default)]
    surname: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    school_or_job: String,
    #[serde(default)]
    reason: String,
}

impl RectifyForm {
    fn of(i: &Identity) -> Self {
        RectifyForm {
            surname: i.surname.clone(),
            first_name: i.first_name.clone(),
            sex: i.sex.clone(),
            birth_date: i.birth_date.clone(),
            address: i.address.clone(),
            phone: i.phone.clone(),
            email: i.email.clone(),
            school_or_job: i.school_or_job.clone(),
            reason: String::new(),
        }
    }
}

async fn rectify(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::Form(form): axum::Form<RectifyForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = open_record(&state, &group, &case).await?;
    let current = wg::open_case(&state, record.clone())?.identity;
    let identity = Identity {
        surname: form.surname.trim().into(),
        first_name: form.first_name.trim().into(),
        sex: form.sex.clone(),
        birth_date: form.birth_date.trim().into(),
        address: form.address.trim().into(),
        phone: form.phone.trim().into(),
        email: form.email.trim().to_lowercase(),
        school_or_job: form.school_or_job.clone(),
        representatives: current.representatives,
    };
    match wg::rectify(&state, &u.author(), &record, &identity, &form.reason).await {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/situations/{}", group.id, record.id)).into_response()),
        Err(CaseError::Invalid(faults)) => {
            let faults = faults.into_iter().map(|(f, m)| (if f.starts_with("r-") { f } else { prefixed(f) }, m)).collect();
            let forms = Forms { rectify: Some(form), errors: errors_of(faults, ""), ..Forms::default() };
            render_invalid(&case_view(&state, u, group, record, forms, None).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The rectification form's field ids: its identity fields are those of creation, prefixed.
fn prefixed(field: &str) -> &'static str {
    match field {
        "surname" => "r-surname",
        "first_name" => "r-first_name",
        "sex" => "r-sex",
        "birth_date" => "r-birth_date",
        "address" => "r-address",
        "phone" => "r-phone",
        "email" => "r-email",
        "school_or_job" => "r-school_or_job",
        _ => "r-reason",
    }
}

#[derive(Deserialize, Default)]
pub struct EraseForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: String,
}

async fn erase(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, case)): Path<(String, String)>,
    axum::Form(form): axum::Form<EraseForm>,
) -> Result<Response, AppError> {
    let (u, group) = member(&state, user.as_ref(), &id).await?;
    let record = record_of(&state, &group, &case).await?;
    let result = if form.confirm == "oui" {
        wg::erase(&state, &u.author(), &record, &form.reason).await
    } else {
        Err(CaseError::Invalid(vec![("e-confirm", "Cochez la case pour confirmer l'effacement, définitif.".into())]))
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/groupes/{}/situations", group.id)).into_response()),
        Err(CaseError::Invalid(faults)) if !record.archived() => {
            let faults = faults.into_iter().map(|(f, m)| (if f == "reason" { "e-reason" } else { f }, m)).collect();
            render_invalid(&case_view(&state, u, group, record, Forms { errors: errors_of(faults, ""), ..Forms::default() }, None).await?)
        }
        Err(CaseError::Invalid(faults)) => Err(CaseError::Invalid(faults).into()),
        Err(e) => Err(e.into()),
    }
}
