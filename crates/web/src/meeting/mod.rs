//! The CLSPD's meetings: the bodies and their meetings (`/reunions`), a meeting's plan with its
//! agenda serving the strategy's sheets, its page with the attendance, the minutes (charter
//! art. 5 recalled on the form) and the decisions taken, which the conclusions' dashboard shows
//! too; the minutes as ODT and accessible PDF. The coordinator keeps them; partners and elected
//! officials read them.

mod document;

use crate::auth::{CurrentUser, can, require};
use crate::error::AppError;
use crate::evaluation::attachment;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, VersionForm, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::meeting::MeetingError;
use maillage_core::authz::Action;
use maillage_core::decision::DecisionDraft;
use maillage_core::meeting::{AgendaItem, BodyKind, CHARTER_ARTICLE_5, Fault, MeetingDraft, MeetingStatus, check_body};
use maillage_core::time_fmt;
use maillage_store::StoreError;
use maillage_store::decision::Decision;
use maillage_store::meeting::Meeting;

pub fn routes(r: Routes) -> Routes {
    r.get("/reunions", list_page)
        .post("/reunions/instances", create_body)
        .get("/reunions/nouvelle", new_page)
        .post("/reunions/nouvelle", create)
        .get("/reunions/{id}", meeting_page)
        .get("/reunions/{id}/modification", edit_page)
        .post("/reunions/{id}/modification", update)
        .post("/reunions/{id}/annulation", cancel)
        .post("/reunions/{id}/releve", record)
        .post("/reunions/{id}/decisions", decide)
        .post("/reunions/{id}/invitations", invite)
        .post("/reunions/{id}/reponse", reply)
        .get("/reunions/{id}/releve.odt", minutes_odt)
        .get("/reunions/{id}/releve.pdf", minutes_pdf)
        .post("/reunions/{id}/documents", document::upload)
        .get("/reunions/{id}/documents/{doc}", document::download)
        .post("/reunions/{id}/documents/{doc}/suppression", document::delete)
}

/// How many agenda lines the form offers.
const AGENDA_LINES: usize = 8;

/// A meeting as a list line shows it.
pub struct Line {
    pub id: i64,
    pub body: String,
    pub when: String,
    pub place: String,
    pub status: &'static str,
}

fn line(m: &Meeting) -> Line {
    Line { id: m.id, body: m.body.name.clone(), when: time_fmt::datetime_fr(m.starts_at), place: m.place.clone(), status: m.status.label() }
}

#[derive(Template)]
#[template(path = "meeting/list.html")]
struct ListPage {
    layout: Layout,
    upcoming: Vec<Line>,
    past: Vec<Line>,
    bodies: Vec<(String, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    manage: bool,
    errors: FieldErrors,
    body_name: String,
    body_kind: String,
    notice: Option<&'static str>,
}

async fn list_view(
    state: &AppState,
    u: &CurrentUser,
    errors: FieldErrors,
    typed: (String, String),
    done: &str,
) -> Result<ListPage, AppError> {
    let now = time_fmt::now();
    let all = state.store.council_meetings().await?;
    let (mut upcoming, past): (Vec<&Meeting>, Vec<&Meeting>) =
        all.iter().partition(|m| m.starts_at >= now && m.status == MeetingStatus::Planned);
    upcoming.reverse();
    Ok(ListPage {
        layout: Layout::new("Réunions du CLSPD", Some(u)),
        upcoming: upcoming.into_iter().map(line).collect(),
        past: past.into_iter().map(line).collect(),
        bodies: state.store.bodies().await?.into_iter().map(|b| (b.name, b.kind.label())).collect(),
        kinds: BodyKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        manage: can(u, Action::ManageMeetings),
        errors,
        body_name: typed.0,
        body_kind: typed.1,
        notice: match done {
            "instance" => Some("L'instance est ajoutée."),
            _ => None,
        },
    })
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(done): Query<Done>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewMeetings, "/reunions")?;
    render(&list_view(&state, u, FieldErrors::default(), (String::new(), String::new()), &done.fait).await?)
}

#[derive(serde::Deserialize)]
struct BodyForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

async fn create_body(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(f): axum::Form<BodyForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let mut faults = check_body(&f.kind, &f.name);
    // The same name but for case, accents and spaces is the same body.
    let folded = |n: &str| maillage_core::text::fold(n).split_whitespace().collect::<Vec<_>>().join(" ");
    if faults.is_empty() && state.store.bodies().await?.iter().any(|b| folded(&b.name) == folded(&f.name)) {
        faults.push(("name", "Une instance porte déjà ce nom.".into()));
    }
    if faults.is_empty() {
        let kind = BodyKind::from_code(&f.kind).ok_or_else(|| AppError::BadRequest("type d'instance inconnu".into()))?;
        let name = f.name.split_whitespace().collect::<Vec<_>>().join(" ");
        match state.store.create_body(&u.author(), kind, &name).await {
            Ok(_) => return Ok(Redirect::to("/reunions?fait=instance").into_response()),
            Err(StoreError::Conflict(_)) => faults.push(("name", "Une instance porte déjà ce nom.".into())),
            Err(e) => return Err(e.into()),
        }
    }
    render_invalid(&list_view(&state, u, errors_of(faults, ""), (f.name, f.kind), "").await?)
}

// ---- the plan ---------------------------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct PlanForm {
    body_id: String,
    starts_at: String,
    ends_at: String,
    place: String,
    /// (title, sheet code), as many as the form's lines.
    agenda: Vec<(String, String)>,
    version: String,
    repeated: Vec<&'static str>,
    /// A line past the form's last was sent.
    beyond: bool,
}

impl PlanForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = PlanForm { agenda: vec![(String::new(), String::new()); AGENDA_LINES], ..PlanForm::default() };
        let mut seen: Vec<String> = Vec::new();
        for (k, v) in pairs {
            if seen.contains(&k) {
                f.repeated.push(match k.as_str() {
                    "body_id" => "body_id",
                    "starts_at" => "starts_at",
                    "ends_at" => "ends_at",
                    "place" => "place",
                    _ => "agenda",
                });
            }
            seen.push(k.clone());
            // `point_3`: digits only, no sign or leading zero, so that no two names mean one line.
            let number = |prefix: &str| {
                k.strip_prefix(prefix)
                    .filter(|n| !n.is_empty() && !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit()))
                    .and_then(|n| n.parse::<usize>().ok())
            };
            let line = |prefix: &str| number(prefix).filter(|n| (1..=AGENDA_LINES).contains(n));
            if (number("point_").is_some_and(|n| n > AGENDA_LINES) || number("fiche_").is_some_and(|n| n > AGENDA_LINES))
                && !v.trim().is_empty()
            {
                f.beyond = true;
            }
            match k.as_str() {
                "body_id" => f.body_id = v,
                "starts_at" => f.starts_at = v,
                "ends_at" => f.ends_at = v,
                "place" => f.place = v,
                "version" => f.version = v,
                _ => {
                    if let Some(n) = line("point_") {
                        f.agenda[n - 1].0 = v;
                    } else if let Some(n) = line("fiche_") {
                        f.agenda[n - 1].1 = v;
                    }
                }
            }
        }
        f
    }

    fn of(m: &Meeting) -> Self {
        let mut agenda: Vec<(String, String)> =
            m.agenda.iter().map(|i| (i.title.clone(), i.sheet_code.clone().unwrap_or_default())).collect();
        agenda.resize(AGENDA_LINES.max(agenda.len()), (String::new(), String::new()));
        PlanForm {
            body_id: m.body.id.to_string(),
            starts_at: time_fmt::local_field(m.starts_at),
            ends_at: m.ends_at.map(time_fmt::local_field).unwrap_or_default(),
            place: m.place.clone(),
            agenda,
            version: m.version.to_string(),
            repeated: Vec::new(),
            beyond: false,
        }
    }

    fn draft(&self) -> (MeetingDraft, Vec<Fault>) {
        let mut read: Vec<Fault> = Vec::new();
        let mut instant = |field: &'static str, v: &str| match v.trim() {
            "" => None,
            t => time_fmt::local_instant(t).or_else(|| {
                read.push((field, time_fmt::LOCAL_INSTANT_HELP.into()));
                None
            }),
        };
        let starts_at = instant("starts_at", &self.starts_at);
        let ends_at = instant("ends_at", &self.ends_at);
        let body_id = self.body_id.trim().parse().ok();
        let mut agenda = Vec::new();
        for (title, sheet) in &self.agenda {
            if title.trim().is_empty() {
                if !sheet.trim().is_empty() {
                    read.push(("agenda", "Un point de l'ordre du jour a une fiche mais pas d'intitulé.".into()));
                }
                continue;
            }
            let sheet = sheet.trim();
            agenda.push(AgendaItem { title: title.clone(), sheet_code: (!sheet.is_empty()).then(|| sheet.to_string()) });
        }
        if self.beyond {
            read.push(("agenda", format!("{AGENDA_LINES} points au plus à l'ordre du jour.")));
        }
        for field in &self.repeated {
            read.push((field, "Ce champ est envoyé deux fois : saisissez-le une seule fois.".into()));
        }
        (MeetingDraft { body_id, starts_at, ends_at, place: self.place.clone(), agenda }, read)
    }
}

#[derive(Template)]
#[template(path = "meeting/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<i64>,
    form: PlanForm,
    errors: FieldErrors,
    bodies: Vec<(String, String)>,
    sheets: Vec<(String, String)>,
}

impl FormPage {
    fn chosen(&self, line: &(String, String), code: &str) -> bool {
        line.1 == code
    }
}

async fn form_view(state: &AppState, u: &CurrentUser, id: Option<i64>, form: PlanForm, errors: FieldErrors) -> Result<FormPage, AppError> {
    let sheets = state
        .store
        .current_strategy()
        .await?
        .map(|s| s.doc.sheets().map(|(_, s)| (s.code.clone(), format!("{} — {}", s.code, s.title))).collect())
        .unwrap_or_default();
    Ok(FormPage {
        layout: Layout::new(if id.is_some() { "Modifier la réunion" } else { "Prévoir une réunion" }, Some(u)),
        id,
        form,
        errors,
        bodies: state.store.bodies().await?.into_iter().map(|b| (b.id.to_string(), b.name)).collect(),
        sheets,
    })
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let form = PlanForm { agenda: vec![(String::new(), String::new()); AGENDA_LINES], ..PlanForm::default() };
    render(&form_view(&state, u, None, form, FieldErrors::default()).await?)
}

async fn save(state: &AppState, u: &CurrentUser, current: Option<&Meeting>, mut form: PlanForm) -> Result<Response, AppError> {
    let version = match current {
        None => None,
        Some(_) => Some(crate::page::read_version(&form.version)?),
    };
    let (d, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::meeting::plan(state, &u.author(), current.zip(version), &d).await
    } else {
        let fields: Vec<&str> = read.iter().map(|f| f.0).collect();
        let more: Vec<Fault> = maillage_app::meeting::faults(state, &d).await?.into_iter().filter(|f| !fields.contains(&f.0)).collect();
        Err(MeetingError::Invalid(read.into_iter().chain(more).collect()))
    };
    let faults = match (result, current) {
        (Ok(id), _) => return Ok(Redirect::to(&format!("/reunions/{id}?fait=enregistree")).into_response()),
        (Err(MeetingError::Invalid(mut f)), _) => {
            let order = ["version", "body_id", "starts_at", "ends_at", "place", "agenda"];
            f.sort_by_key(|x| order.iter().position(|o| *o == x.0).unwrap_or(order.len()));
            f.dedup_by_key(|x| x.0);
            f
        }
        (Err(MeetingError::Store(StoreError::Conflict(_))), Some(m)) => {
            let now = state.store.council_meeting(m.id).await?.ok_or(AppError::NotFound)?;
            form.version = now.version.to_string();
            vec![(
                "version",
                "Cette réunion a changé entre-temps (ou n'est plus prévue). Vérifiez vos saisies puis enregistrez de nouveau.".into(),
            )]
        }
        (Err(e), _) => return Err(meeting_error(e)),
    };
    render_invalid(&form_view(state, u, current.map(|m| m.id), form, errors_of(faults, "")).await?)
}

fn meeting_error(e: MeetingError) -> AppError {
    match e {
        MeetingError::Store(s) => s.into(),
        MeetingError::Decision(d) => d.into(),
        MeetingError::Invalid(f) => AppError::BadRequest(f.into_iter().map(|f| f.1).collect::<Vec<_>>().join(" ")),
        MeetingError::NameCheck(e) => AppError::Internal(e.into()),
    }
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    save(&state, u, None, PlanForm::from_pairs(pairs)).await
}

async fn found(state: &AppState, id: &str) -> Result<Meeting, AppError> {
    state.store.council_meeting(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    if m.status != MeetingStatus::Planned {
        return Err(AppError::Conflict("La réunion s'est tenue ou a été annulée : elle ne se modifie plus.".into()));
    }
    render(&form_view(&state, u, Some(m.id), PlanForm::of(&m), FieldErrors::default()).await?)
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    save(&state, u, Some(&m), PlanForm::from_pairs(pairs)).await
}

// ---- a meeting's page -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "meeting/meeting.html")]
struct MeetingPage {
    layout: Layout,
    m: Meeting,
    when: String,
    decisions: Vec<Decision>,
    manage: bool,
    /// Held or past its start: the minutes can be written.
    recordable: bool,
    organisations: Vec<(i64, String)>,
    errors: FieldErrors,
    /// The refused form's faults, for its summary: the minutes' or the decision's.
    minutes_faults: Vec<(String, String)>,
    decision_faults: Vec<(String, String)>,
    minutes: String,
    professionals: String,
    present: Vec<i64>,
    decision: (String, String, String, String),
    notice: Option<String>,
    charter: &'static str,
    invitations: Vec<maillage_store::meeting::Invitation>,
    /// The reader's own invitation's reply: `Some("")` when invited and not replied yet.
    my_reply: Option<String>,
    /// Invitations are still sent: planned and to come.
    invitable: bool,
    documents: Vec<document::Line>,
    /// The document form's title as typed, and why the document was refused.
    document_title: String,
    document_error: Option<String>,
}

impl MeetingPage {
    // Askama passes a template's arguments by reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn was_present(&self, id: &i64) -> bool {
        self.present.contains(id)
    }

    fn due(d: &Decision) -> String {
        d.due_on.map_or_else(|| "—".into(), time_fmt::day_fr)
    }
}

/// What the page's forms hold when one of them comes back refused.
#[derive(Default)]
struct Typed {
    minutes: Option<(String, String, Vec<i64>)>,
    decision: (String, String, String, String),
    /// The document's title, and why it was refused.
    document: Option<(String, String)>,
}

async fn page_view(
    state: &AppState,
    u: &CurrentUser,
    m: Meeting,
    errors: FieldErrors,
    typed: Typed,
    done: &str,
) -> Result<MeetingPage, AppError> {
    let decisions = maillage_app::meeting::decisions(state, &m).await?;
    let invitations = state.store.meeting_invitations(m.id).await?;
    let documents = state.store.meeting_documents(m.id).await?.iter().map(document::line).collect();
    let (document_title, document_error) = typed.document.map_or((String::new(), None), |(t, e)| (t, Some(e)));
    let my_reply = invitations.iter().find(|i| i.user_id == u.actor.user_id).map(|i| i.reply.clone().unwrap_or_default());
    let (minutes, professionals, present) = typed
        .minutes
        .unwrap_or_else(|| (m.minutes.clone(), m.professionals_present.to_string(), m.organisations.iter().map(|o| o.0).collect()));
    let when = match m.ends_at {
        Some(e) => format!("du {} au {}", time_fmt::datetime_fr(m.starts_at), time_fmt::datetime_fr(e)),
        None => format!("le {}", time_fmt::datetime_fr(m.starts_at)),
    };
    let all: Vec<(String, String)> = errors.into_iter().filter(|e| e.0 != "invitations").cloned().collect();
    let (decision_faults, minutes_faults) = all.into_iter().partition(|e| e.0.starts_with("decision"));
    Ok(MeetingPage {
        layout: Layout::new(&format!("{} — {}", m.body.name, time_fmt::date_fr(m.starts_at)), Some(u)),
        minutes_faults,
        decision_faults,
        recordable: m.status == MeetingStatus::Held || (m.status == MeetingStatus::Planned && m.starts_at <= time_fmt::now()),
        when,
        decisions,
        manage: can(u, Action::ManageMeetings),
        organisations: state.catalog().await?.organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        errors,
        minutes,
        professionals,
        present,
        decision: typed.decision,
        notice: match done {
            "enregistree" => Some("La réunion est enregistrée ; les invités reçoivent la mise à jour.".into()),
            "releve" => Some("Le relevé de conclusions est enregistré.".into()),
            "decision" => Some("La décision est enregistrée ; elle figure au tableau de bord des conclusions.".into()),
            "annulee" => Some("La réunion est annulée ; les invités reçoivent l'annulation.".into()),
            "reponse" => Some("Votre réponse est enregistrée.".into()),
            "document" => Some("Le document est joint à la réunion.".into()),
            "document_retire" => Some("Le document est retiré.".into()),
            d if d.starts_with("invitations-") => {
                Some(format!("{} invitation(s) envoyée(s) par courriel, avec l'invitation pour l'agenda.", &d[12..]))
            }
            _ => None,
        },
        charter: CHARTER_ARTICLE_5,
        invitable: m.status == MeetingStatus::Planned && m.starts_at > time_fmt::now(),
        invitations,
        my_reply,
        documents,
        document_title,
        document_error,
        m,
    })
}

async fn meeting_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    render(&page_view(&state, u, m, FieldErrors::default(), Typed::default(), &done.fait).await?)
}

async fn cancel(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    match m.status {
        MeetingStatus::Cancelled => return Err(AppError::Conflict("La réunion est déjà annulée.".into())),
        MeetingStatus::Held => return Err(AppError::Conflict("La réunion s'est tenue : elle ne s'annule plus.".into())),
        MeetingStatus::Planned => {}
    }
    maillage_app::meeting::cancel(&state, &u.author(), &m, f.version()?).await.map_err(meeting_error)?;
    Ok(Redirect::to(&format!("/reunions/{}?fait=annulee", m.id)).into_response())
}

async fn record(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    let field = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let (minutes, professionals, version) = (field("minutes"), field("professionals"), field("version"));
    if minutes.len() > 1 || professionals.len() > 1 || version.len() != 1 {
        return Err(AppError::BadRequest("formulaire du relevé illisible : un champ manque ou est envoyé deux fois.".into()));
    }
    let version = crate::page::read_version(&version[0])?;
    let minutes = minutes.into_iter().next().unwrap_or_default();
    let typed_count = professionals.into_iter().next().unwrap_or_default();
    let mut read: Vec<Fault> = Vec::new();
    let count = match typed_count.trim() {
        "" => 0,
        t => t.parse::<i64>().unwrap_or_else(|_| {
            read.push(("professionals", "Le nombre de professionnels présents est un nombre entier.".into()));
            -1
        }),
    };
    let mut present = Vec::new();
    for v in field("organisation") {
        match v.trim().parse::<i64>() {
            Ok(o) => present.push(o),
            Err(_) => read.push(("organisation_ids", "Cochez les organisations présentes dans la liste.".into())),
        }
    }
    let result = if read.is_empty() {
        maillage_app::meeting::record(&state, &u.author(), &m, version, &minutes, count, &present).await
    } else {
        Err(MeetingError::Invalid(read))
    };
    let faults = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/reunions/{}?fait=releve#releve", m.id)).into_response()),
        Err(MeetingError::Invalid(f)) => f,
        Err(MeetingError::Store(StoreError::Conflict(_))) => {
            vec![(
                "minutes",
                "Cette réunion a changé entre-temps : votre relevé est ci-dessous, enregistrez-le de nouveau pour le garder.".into(),
            )]
        }
        Err(e) => return Err(meeting_error(e)),
    };
    let m = found(&state, &id).await?;
    let typed = Typed { minutes: Some((minutes, typed_count, present)), ..Typed::default() };
    render_invalid(&page_view(&state, u, m, errors_of(faults, ""), typed, "").await?)
}

#[derive(serde::Deserialize)]
struct DecisionForm {
    #[serde(default)]
    sheet: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_on: String,
}

async fn decide(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<DecisionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    let typed = (f.sheet.clone(), f.text.clone(), f.owner.clone(), f.due_on.clone());
    let mut faults: Vec<(String, String)> = Vec::new();
    let due_on = match f.due_on.trim() {
        "" => None,
        t => time_fmt::read_typed_date(t).map_err(|e| faults.push(("due_on".into(), e.to_string()))).ok(),
    };
    if f.sheet.trim().is_empty() {
        faults.push(("sheet".into(), "Choisissez la fiche que sert la décision.".into()));
    }
    if faults.is_empty() {
        let draft = DecisionDraft { text: f.text.clone(), owner: f.owner.clone(), due_on };
        match maillage_app::meeting::decide(&state, &u.author(), &m, f.sheet.trim(), &draft).await {
            Ok(_) => return Ok(Redirect::to(&format!("/reunions/{}?fait=decision#decisions", m.id)).into_response()),
            Err(MeetingError::Decision(maillage_app::decision::DecisionError::Invalid(f))) => faults = f,
            Err(MeetingError::Invalid(f)) => faults = f.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            Err(e) => return Err(meeting_error(e)),
        }
    }
    let mut errors = FieldErrors::default();
    for (field, message) in faults {
        // A fault of no field of the form (the year, the meeting) points at the decisions' heading.
        if ["sheet", "text", "owner", "due_on"].contains(&field.as_str()) {
            errors.add(format!("decision-{field}"), message);
        } else {
            errors.add("decisions", message);
        }
    }
    render_invalid(&page_view(&state, u, m, errors, Typed { decision: typed, ..Typed::default() }, "").await?)
}

async fn minutes_odt(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    require(user.as_ref(), Action::ViewMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    let decisions = maillage_app::meeting::decisions(&state, &m).await?;
    let odt = maillage_app::meeting::odt(&m, &decisions).await?;
    Ok(attachment("application/vnd.oasis.opendocument.text", format!("releve-reunion-{}.odt", m.id), odt))
}

async fn minutes_pdf(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    require(user.as_ref(), Action::ViewMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    let decisions = maillage_app::meeting::decisions(&state, &m).await?;
    let pdf = maillage_app::meeting::pdf(&state, &m, &decisions).await?;
    Ok(attachment("application/pdf", format!("releve-reunion-{}.pdf", m.id), pdf.to_vec()))
}

async fn invite(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    let mut organisations = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "organisation") {
        organisations
            .push(v.trim().parse::<i64>().map_err(|_| AppError::BadRequest("organisation illisible : cochez-la dans la liste.".into()))?);
    }
    let faults = match maillage_app::meeting::invite(&state, &u.author(), &m, &organisations).await {
        Ok(n) => return Ok(Redirect::to(&format!("/reunions/{}?fait=invitations-{n}#invitations", m.id)).into_response()),
        Err(MeetingError::Invalid(f)) => f,
        Err(MeetingError::Store(StoreError::Conflict(_))) => {
            vec![("invitations", "La réunion n'est plus prévue : on n'y invite plus.".into())]
        }
        Err(e) => return Err(meeting_error(e)),
    };
    render_invalid(&page_view(&state, u, m, errors_of(faults, ""), Typed::default(), "").await?)
}

#[derive(serde::Deserialize)]
struct ReplyForm {
    #[serde(default)]
    reponse: String,
}

/// An invited account says whether it comes.
async fn reply(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<ReplyForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewMeetings, "/reunions")?;
    let m = found(&state, &id).await?;
    if !matches!(f.reponse.as_str(), "oui" | "non") {
        return Err(AppError::BadRequest("réponse inconnue : « oui » ou « non ».".into()));
    }
    if m.status != MeetingStatus::Planned {
        return Err(AppError::Conflict("La réunion n'est plus prévue : la réponse n'est plus attendue.".into()));
    }
    if !state.store.reply_to_meeting(m.id, u.actor.user_id, &f.reponse).await? {
        return Err(AppError::Forbidden);
    }
    Ok(Redirect::to(&format!("/reunions/{}?fait=reponse#invitations", m.id)).into_response())
}
