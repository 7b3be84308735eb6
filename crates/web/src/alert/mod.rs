//! The rapid alert (axis 1): the list of one's alerts, the phone-first form that raises one, an
//! alert's page (facts, recipients, timeline; acknowledge, add an action, close with the
//! debrief), the acknowledgement link that works without an account, the on-call lists, the
//! year's figures, and the JSON API over the same use cases.

use crate::auth::{CurrentUser, require};
use crate::error::{ApiError, AppError};
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, FigureTable, YearQuery, errors_of, parse_id, render, render_invalid, year_param};
use crate::{AppState, Routes};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maillage_app::alert::AlertError;
use maillage_core::alert::{ALL_DAYS, AlertDraft, DAYS, Debrief, KINDS, LEVELS, OnCall, day_bit, label, median_minutes, phone_e164};
use maillage_core::authz::{Action, alert_scope, confidential_figures_masked};
use maillage_core::publication;
use maillage_core::text::number_fr;
use maillage_core::time_fmt::{self, parse_typed_date};
use maillage_store::alert::{Acknowledged, Alert, Delivery};
use serde::Deserialize;
use time::{OffsetDateTime, Time};

pub fn routes(r: Routes) -> Routes {
    r.get("/alertes", list_page)
        .get("/alertes/nouvelle", new_page)
        .post("/alertes/nouvelle", raise)
        .get("/alertes/astreintes", on_call_page)
        .post("/alertes/astreintes", add_on_call)
        .post("/alertes/astreintes/{id}/suppression", remove_on_call)
        .get("/alertes/chiffres", figures)
        .get("/alertes/accuse/{token}", link_page)
        .post("/alertes/accuse/{token}", link_acknowledge)
        .get("/alertes/{id}", alert_page)
        .post("/alertes/{id}/accuse", acknowledge)
        .post("/alertes/{id}/action", add_action)
        .get("/alertes/{id}/cloture", close_page)
        .post("/alertes/{id}/cloture", close)
        .post("/api/v1/alertes", api_raise)
        .get("/api/v1/alertes/{id}", api_alert)
}

/// A Paris wall-clock time as an instant (the offset of that moment in Paris).
fn paris_instant(date: time::Date, t: Time) -> OffsetDateTime {
    let local = time::PrimitiveDateTime::new(date, t);
    local.assume_offset(time_fmt::paris_offset(local.assume_utc()))
}

/// An optional number of a form: none when empty, a fault on `field` when unreadable.
fn optional<T: std::str::FromStr>(text: &str, field: &'static str, message: &str, faults: &mut Vec<(&'static str, String)>) -> Option<T> {
    match text.trim() {
        "" => None,
        t => t.parse().map_err(|_| faults.push((field, message.to_string()))).ok(),
    }
}

fn parse_hm(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// Whether the alert concerns `u`: its organisation raised it, or `u` received it.
fn concerned(u: &CurrentUser, a: &Alert, deliveries: &[Delivery]) -> bool {
    (u.actor.organisation_id.is_some() && u.actor.organisation_id == a.organisation_id)
        || a.raised_by == Some(u.id)
        || deliveries.iter().any(|d| d.user_id == Some(u.id))
}

/// An alert with its deliveries, if `u` may follow it.
async fn followed(state: &AppState, user: Option<&CurrentUser>, id: &str, path: &str) -> Result<(Alert, Vec<Delivery>), AppError> {
    let u = require(user, Action::RaiseAlert, path)?;
    // Whoever does not follow every alert is told alike of one that does not exist and of one
    // that does not concern it: the numbers do not say how many there are.
    let all = crate::auth::can(u, Action::FollowAlert { concerned: false });
    let refused = || if all { AppError::NotFound } else { AppError::NotYourAlert };
    let id: i64 = parse_id(id).map_err(|_| refused())?;
    let a = state.store.alert(id).await?.ok_or_else(refused)?;
    let deliveries = state.store.alert_deliveries(id).await?;
    if !all && !concerned(u, &a, &deliveries) {
        return Err(AppError::NotYourAlert);
    }
    Ok((a, deliveries))
}

// ---- the list ----

/// One line of a list of alerts, as shown.
struct Line {
    id: i64,
    kind: String,
    district: String,
    place: String,
    raised: String,
    state: String,
}

fn state_label(a: &Alert) -> String {
    match (a.closed_at, a.first_acknowledged_at) {
        (Some(t), _) => format!("Close le {}", time_fmt::datetime_fr(t)),
        (None, Some(_)) => "En cours, reçue".into(),
        (None, None) => "En cours, sans accusé de réception".into(),
    }
}

#[derive(Template)]
#[template(path = "alert/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<Line>,
    manage: bool,
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RaiseAlert, "/alertes")?;
    let lines = state
        .store
        .alerts(alert_scope(&u.actor), 100)
        .await?
        .into_iter()
        .map(|a| Line {
            id: a.id,
            kind: label(KINDS, &a.kind).to_string(),
            district: a.district.clone().unwrap_or_else(|| "—".into()),
            place: a.place.clone(),
            raised: time_fmt::datetime_fr(a.created_at),
            state: state_label(&a),
        })
        .collect();
    render(&ListPage { layout: Layout::new("Alertes", Some(u)), lines, manage: crate::auth::can(u, Action::ManageAlerts) })
}

// ---- raising ----

#[derive(Deserialize, Default, Clone)]
pub struct AlertForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    heure: String,
    #[serde(default)]
    estimated_count: String,
    #[serde(default)]
    facts: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
}

impl AlertForm {
    /// The draft, and the faults of what could not be read.
    fn draft(&self) -> (AlertDraft, Vec<(&'static str, String)>) {
        let mut faults = Vec::new();
        let district_id = optional(&self.district, "district", "Choisissez le quartier dans la liste.", &mut faults);
        let date = parse_typed_date(&self.date);
        if date.is_none() && !self.date.trim().is_empty() {
            faults.push(("date", "Cette date n'existe pas : jj/mm/aaaa.".to_string()));
        }
        let hour = parse_hm(&self.heure);
        if hour.is_none() && !self.heure.trim().is_empty() {
            faults.push(("heure", "L'heure s'écrit hh:mm, de 00:00 à 23:59.".to_string()));
        }
        let occurred_at = date.zip(hour).map(|(d, t)| paris_instant(d, t));
        let estimated_count =
            optional(&self.estimated_count, "estimated_count", "Le nombre estimé est un nombre entier, de 0 à 1 000.", &mut faults);
        let point = match (self.lat.trim(), self.lon.trim()) {
            ("", "") => None,
            (lat, lon) => match (lat.replace(',', ".").parse::<f64>(), lon.replace(',', ".").parse::<f64>()) {
                (Ok(lat), Ok(lon)) if lat.is_finite() && lon.is_finite() => Some((lat, lon)),
                _ => {
                    faults.push(("point", "La latitude et la longitude sont des nombres décimaux (48.93 et 2.30).".to_string()));
                    None
                }
            },
        };
        let draft = AlertDraft {
            kind: self.kind.clone(),
            district_id,
            point,
            place: self.place.clone(),
            occurred_at,
            estimated_count,
            facts: self.facts.clone(),
        };
        (draft, faults)
    }
}

#[derive(Template)]
#[template(path = "alert/new.html")]
struct NewPage {
    layout: Layout,
    form: AlertForm,
    errors: FieldErrors,
    kinds: &'static [(&'static str, &'static str)],
    districts: Vec<(String, String)>,
}

fn new_view(state: &AppState, u: &CurrentUser, form: AlertForm, errors: FieldErrors) -> NewPage {
    NewPage {
        layout: Layout::new("Lancer une alerte", Some(u)),
        form,
        errors,
        kinds: KINDS,
        districts: crate::page::district_choices(state),
    }
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RaiseAlert, "/alertes/nouvelle")?;
    let now = time_fmt::now().to_offset(time_fmt::paris_offset(time_fmt::now()));
    let form = AlertForm {
        date: time_fmt::paris_date(time_fmt::now()).to_string(),
        heure: format!("{:02}:{:02}", now.hour(), now.minute()),
        ..AlertForm::default()
    };
    render(&new_view(&state, u, form, FieldErrors::default()))
}

/// Raises the alert of a form: a field that cannot be read stops it before anything is sent,
/// with the other faults the rules find in the rest.
async fn raise_draft(state: &AppState, u: &CurrentUser, form: &AlertForm) -> Result<i64, AlertError> {
    let (draft, mut faults) = form.draft();
    if !faults.is_empty() {
        let read: Vec<&str> = faults.iter().map(|f| f.0).collect();
        let timed = read.contains(&"date") || read.contains(&"heure");
        let more: Vec<_> = maillage_app::alert::check(state, &draft, time_fmt::now())
            .0
            .into_iter()
            .filter(|(f, _)| !(read.contains(f) || (timed && *f == "occurred_at")))
            .collect();
        faults.extend(more);
        return Err(AlertError::Invalid(faults));
    }
    maillage_app::alert::raise(state, &u.author(), Some(u.id), u.actor.organisation_id, &draft).await
}

async fn raise(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<AlertForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::RaiseAlert, "/alertes/nouvelle")?;
    match raise_draft(&state, u, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/alertes/{id}?fait=lancee")).into_response()),
        Err(AlertError::Invalid(faults)) => render_invalid(&new_view(&state, u, form, errors_of(faults, ""))),
        Err(e) => Err(e.into()),
    }
}

// ---- an alert's page ----

struct Recipient {
    name: String,
    organisation: String,
    level: i64,
    sent: String,
    acknowledged: String,
    sms: String,
}

struct Step {
    at: String,
    what: String,
    author: String,
    body: String,
}

fn event_label(kind: &str) -> &str {
    match kind {
        "raised" => "Alerte lancée",
        "sent" => "Envoyée à l'astreinte",
        "mail_sent" => "Courriel remis au serveur de messagerie",
        "sms_delivered" => "SMS remis à la passerelle",
        "sms_retry" => "SMS non remis, nouvel essai prévu",
        "sms_failed" => "SMS abandonné après plusieurs essais",
        "acknowledged" => "Réception confirmée",
        "escalated" => "Escalade : astreinte suivante prévenue",
        "unanswered" => "Personne d'autre à prévenir",
        "action" => "Action menée",
        "closed" => "Alerte close",
        other => other,
    }
}

fn sms_label(d: &Delivery) -> String {
    match d.sms_state.as_str() {
        "none" => "sans SMS".into(),
        "waiting" if d.sms_attempts == 0 => "SMS en attente".into(),
        "waiting" => format!("SMS : nouvel essai ({} échoué·s)", d.sms_attempts),
        "delivered" => "SMS remis".into(),
        "failed" => format!("SMS abandonné : {}", d.sms_error),
        "cancelled" => "SMS annulé (alerte close)".into(),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "alert/detail.html")]
struct DetailPage {
    layout: Layout,
    a: Alert,
    kind: String,
    occurred: String,
    raised: String,
    recipients: Vec<Recipient>,
    steps: Vec<Step>,
    notice: Option<&'static str>,
    /// The reader received it and has not acknowledged yet.
    may_acknowledge: bool,
    may_close: bool,
    debrief_group: String,
    action: String,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    u: &CurrentUser,
    a: Alert,
    deliveries: Vec<Delivery>,
    notice: Option<&'static str>,
    action: String,
    errors: FieldErrors,
) -> Result<DetailPage, AppError> {
    let steps = state
        .store
        .alert_events(a.id)
        .await?
        .into_iter()
        .map(|e| Step { at: time_fmt::datetime_fr(e.at), what: event_label(&e.kind).to_string(), author: e.author, body: e.body })
        .collect();
    let may_acknowledge = a.closed_at.is_none() && deliveries.iter().any(|d| d.user_id == Some(u.id) && d.acknowledged_at.is_none());
    let recipients = deliveries
        .iter()
        .map(|d| Recipient {
            name: d.recipient.clone(),
            organisation: d.organisation.clone().unwrap_or_else(|| "—".into()),
            level: d.level,
            sent: time_fmt::datetime_fr(d.sent_at),
            acknowledged: d.acknowledged_at.map_or_else(|| "non".into(), time_fmt::datetime_fr),
            sms: sms_label(d),
        })
        .collect();
    Ok(DetailPage {
        layout: Layout::new(&format!("Alerte n° {}", a.id), Some(u)),
        kind: label(KINDS, &a.kind).to_string(),
        occurred: time_fmt::datetime_fr(a.occurred_at),
        raised: time_fmt::datetime_fr(a.created_at),
        debrief_group: a.working_group.clone().unwrap_or_default(),
        may_close: a.closed_at.is_none() && crate::auth::can(u, Action::ManageAlerts),
        a,
        recipients,
        steps,
        notice,
        may_acknowledge,
        action,
        errors,
    })
}

async fn alert_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let path = format!("/alertes/{id}");
    let (a, deliveries) = followed(&state, user.as_ref(), &id, &path).await?;
    let notice = match q.fait.as_str() {
        "lancee" if deliveries.is_empty() => {
            Some("Alerte enregistrée. Aucune astreinte ne la couvre : la coordination la voit dans la liste.")
        }
        "lancee" => Some("Alerte lancée : l'astreinte est prévenue par courriel et, si un portable est donné, par SMS."),
        "accuse" => Some("Réception confirmée."),
        "action" => Some("Action ajoutée au fil de l'alerte."),
        "close" => Some("Alerte close avec son bilan."),
        _ => None,
    };
    let u = user.as_ref().ok_or(AppError::Forbidden)?;
    render(&detail_view(&state, u, a, deliveries, notice, String::new(), FieldErrors::default()).await?)
}

async fn acknowledge(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let path = format!("/alertes/{id}");
    let (a, _) = followed(&state, user.as_ref(), &id, &path).await?;
    let u = user.as_ref().ok_or(AppError::Forbidden)?;
    match state.store.acknowledge_as(&u.author(), a.id, u.id, time_fmt::now()).await? {
        Acknowledged::Done { .. } => Ok(Redirect::to(&format!("/alertes/{}?fait=accuse", a.id)).into_response()),
        Acknowledged::Already { at, .. } => {
            Err(AppError::Conflict(format!("Vous avez déjà confirmé la réception le {}.", time_fmt::datetime_fr(at))))
        }
        Acknowledged::Closed { at, .. } => Err(AppError::Conflict(format!(
            "Cette alerte est close depuis le {} : il n'y a plus rien à confirmer.",
            time_fmt::datetime_fr(at)
        ))),
        Acknowledged::Expired { .. } | Acknowledged::Unknown => {
            Err(AppError::Conflict("Cette alerte ne vous a pas été envoyée : il n'y a rien à confirmer.".into()))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
}

async fn add_action(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ActionForm>,
) -> Result<Response, AppError> {
    let path = format!("/alertes/{id}");
    let (a, deliveries) = followed(&state, user.as_ref(), &id, &path).await?;
    let u = user.as_ref().ok_or(AppError::Forbidden)?;
    let text = form.action.trim();
    if text.is_empty() || !maillage_core::text::is_text(text, maillage_core::alert::ACTION_MAX) {
        let mut errors = FieldErrors::default();
        errors.add(
            "action",
            format!("Décrivez l'action menée, en {} caractères au plus, sans nom de personne.", maillage_core::alert::ACTION_MAX),
        );
        return render_invalid(&detail_view(&state, u, a, deliveries, None, form.action, errors).await?);
    }
    state.store.add_alert_action(&u.author(), a.id, text).await?;
    Ok(Redirect::to(&format!("/alertes/{}?fait=action", a.id)).into_response())
}

// ---- closing ----

#[derive(Deserialize, Default, Clone)]
pub struct CloseForm {
    #[serde(default)]
    what_happened: String,
    #[serde(default)]
    who_acted: String,
    #[serde(default)]
    families_contacted: String,
    #[serde(default)]
    young_people_identified: String,
    #[serde(default)]
    working_group_id: String,
}

#[derive(Template)]
#[template(path = "alert/close.html")]
struct ClosePage {
    layout: Layout,
    id: i64,
    kind: String,
    form: CloseForm,
    errors: FieldErrors,
    groups: Vec<(String, String)>,
}

async fn close_view(state: &AppState, u: &CurrentUser, a: &Alert, form: CloseForm, errors: FieldErrors) -> Result<ClosePage, AppError> {
    let groups = state.store.groups().await?.into_iter().map(|g| (g.id.to_string(), g.name)).collect();
    Ok(ClosePage {
        layout: Layout::new(&format!("Clore l'alerte n° {}", a.id), Some(u)),
        id: a.id,
        kind: label(KINDS, &a.kind).to_string(),
        form,
        errors,
        groups,
    })
}

async fn closable(state: &AppState, user: Option<&CurrentUser>, id: &str) -> Result<Alert, AppError> {
    let path = format!("/alertes/{id}/cloture");
    require(user, Action::ManageAlerts, &path)?;
    let a = state.store.alert(parse_id(id)?).await?.ok_or(AppError::NotFound)?;
    if let Some(t) = a.closed_at {
        return Err(AppError::Conflict(format!("Cette alerte est close depuis le {}.", time_fmt::datetime_fr(t))));
    }
    Ok(a)
}

async fn close_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let a = closable(&state, user.as_ref(), &id).await?;
    let u = user.as_ref().ok_or(AppError::Forbidden)?;
    render(
        &close_view(&state, u, &a, CloseForm { young_people_identified: "0".into(), ..CloseForm::default() }, FieldErrors::default())
            .await?,
    )
}

async fn close(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CloseForm>,
) -> Result<Response, AppError> {
    let a = closable(&state, user.as_ref(), &id).await?;
    let u = user.as_ref().ok_or(AppError::Forbidden)?;
    let mut faults = Vec::new();
    let young = optional(
        &form.young_people_identified,
        "young_people_identified",
        "Le nombre de jeunes repérés est un nombre entier.",
        &mut faults,
    )
    .unwrap_or(0);
    let group = optional(&form.working_group_id, "working_group_id", "Choisissez le groupe de travail dans la liste.", &mut faults);
    let debrief = Debrief {
        what_happened: form.what_happened.clone(),
        who_acted: form.who_acted.clone(),
        families_contacted: !form.families_contacted.is_empty(),
        young_people_identified: young,
        working_group_id: group,
    };
    if !faults.is_empty() {
        return render_invalid(&close_view(&state, u, &a, form, errors_of(faults, "")).await?);
    }
    match maillage_app::alert::close(&state, &u.author(), a.id, &debrief).await {
        Ok(()) => Ok(Redirect::to(&format!("/alertes/{}?fait=close", a.id)).into_response()),
        Err(AlertError::Invalid(faults)) => render_invalid(&close_view(&state, u, &a, form, errors_of(faults, "")).await?),
        Err(e) => Err(e.into()),
    }
}

// ---- the acknowledgement link ----

#[derive(Template)]
#[template(path = "alert/acknowledge.html")]
struct LinkPage {
    layout: Layout,
    token: String,
    /// What the link leads to: the alert to confirm, or why it cannot be.
    alert: Option<(String, String, String, String, String)>,
    message: String,
    done: bool,
}

fn link_view(token: &str, alert: Option<Alert>, message: String, done: bool) -> LinkPage {
    let alert = alert.map(|a| {
        (
            label(KINDS, &a.kind).to_string(),
            a.district.clone().unwrap_or_else(|| "hors quartier".into()),
            a.place.clone(),
            time_fmt::datetime_fr(a.occurred_at),
            a.facts,
        )
    });
    LinkPage { layout: Layout::anonymous("Confirmer la réception d'une alerte"), token: token.to_string(), alert, message, done }
}

fn link_response(status: StatusCode, page: &LinkPage) -> Result<Response, AppError> {
    let body = page.render()?;
    Ok((status, Html(body)).into_response())
}

/// What a link that cannot be used says, and its status: unknown (404), already used (409),
/// expired (410).
fn link_refusal(outcome: &Acknowledged) -> Option<(StatusCode, String)> {
    match outcome {
        Acknowledged::Unknown => Some((StatusCode::NOT_FOUND, "Ce lien de confirmation n'existe pas : vérifiez qu'il est complet.".into())),
        Acknowledged::Already { at, .. } => Some((
            StatusCode::CONFLICT,
            format!("La réception de cette alerte a déjà été confirmée par ce lien le {}.", time_fmt::datetime_fr(*at)),
        )),
        Acknowledged::Expired { .. } => Some((
            StatusCode::GONE,
            format!("Ce lien a expiré ({} heures après l'envoi). Connectez-vous pour suivre l'alerte.", maillage_core::alert::LINK_HOURS),
        )),
        Acknowledged::Closed { at, .. } => Some((
            StatusCode::CONFLICT,
            format!("Cette alerte est close depuis le {} : il n'y a plus rien à confirmer.", time_fmt::datetime_fr(*at)),
        )),
        Acknowledged::Done { .. } => None,
    }
}

/// The link's page: it never acknowledges by itself, since mail scanners open links; one
/// button does.
async fn link_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (outcome, alert) = maillage_app::alert::open_link(&state, &token, time_fmt::now()).await?;
    if let Some((status, message)) = link_refusal(&outcome) {
        return link_response(status, &link_view("", None, message, false));
    }
    link_response(StatusCode::OK, &link_view(&token, alert, String::new(), false))
}

async fn link_acknowledge(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let (outcome, alert) = maillage_app::alert::acknowledge_link(&state, &token, time_fmt::now()).await?;
    if let Some((status, message)) = link_refusal(&outcome) {
        return link_response(status, &link_view("", alert, message, false));
    }
    let thanks = "Merci : la réception est confirmée. L'escalade s'arrête pour votre service.";
    link_response(StatusCode::OK, &link_view("", alert, thanks.into(), true))
}

// ---- on-call lists ----

#[derive(Deserialize, Default, Clone)]
pub struct OnCallForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    days: Vec<String>,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    phone: String,
}

struct OnCallLine {
    id: i64,
    name: String,
    level: i64,
    kinds: String,
    district: String,
    days: String,
    slot: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "alert/on_call.html")]
struct OnCallPage {
    layout: Layout,
    lines: Vec<OnCallLine>,
    form: OnCallForm,
    errors: FieldErrors,
    users: Vec<(String, String)>,
    districts: Vec<(String, String)>,
    kinds: &'static [(&'static str, &'static str)],
    days: Vec<(String, &'static str)>,
    levels: Vec<(String, String)>,
    notice: Option<&'static str>,
    escalation_minutes: i64,
}

async fn on_call_view(
    state: &AppState,
    u: &CurrentUser,
    form: OnCallForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<OnCallPage, AppError> {
    let names = crate::page::district_choices(state);
    let lines = state
        .store
        .on_call_entries()
        .await?
        .into_iter()
        .map(|l| {
            let e = &l.entry;
            OnCallLine {
                id: l.id,
                name: l.user_name.clone(),
                level: e.level,
                kinds: if e.kinds.is_empty() {
                    "toutes".into()
                } else {
                    e.kinds.iter().map(|k| label(KINDS, k)).collect::<Vec<_>>().join(", ")
                },
                district: e
                    .district_id
                    .and_then(|d| names.iter().find(|n| n.0 == d.to_string()).map(|n| n.1.clone()))
                    .unwrap_or_else(|| "toute la commune".into()),
                days: if e.days == ALL_DAYS {
                    "tous les jours".into()
                } else {
                    DAYS.iter().filter(|(d, _)| e.days & day_bit(*d) != 0).map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
                },
                slot: if e.starts == e.ends {
                    "toute la journée".into()
                } else {
                    format!("{:02}:{:02} – {:02}:{:02}", e.starts.hour(), e.starts.minute(), e.ends.hour(), e.ends.minute())
                },
                phone: if e.phone.is_empty() { "courriel seul".into() } else { e.phone.clone() },
            }
        })
        .collect();
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|x| {
            !x.disabled
                && x.roles.iter().any(|r| matches!(r, maillage_core::authz::Role::Coordinator | maillage_core::authz::Role::Partner))
        })
        .map(|x| (x.id.to_string(), format!("{} ({})", x.display_name, x.email)))
        .collect();
    Ok(OnCallPage {
        layout: Layout::new("Listes d'astreinte des alertes", Some(u)),
        lines,
        form,
        errors,
        users,
        districts: names,
        kinds: KINDS,
        days: DAYS.iter().map(|(d, n)| (d.number_days_from_monday().to_string(), *n)).collect(),
        levels: LEVELS.map(|l| (l.to_string(), l.to_string())).collect(),
        notice,
        escalation_minutes: state.alert.escalation_minutes,
    })
}

async fn on_call_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAlerts, "/alertes/astreintes")?;
    let notice = match q.fait.as_str() {
        "ajout" => Some("Ligne d'astreinte ajoutée."),
        "retrait" => Some("Ligne d'astreinte retirée."),
        _ => None,
    };
    let form = OnCallForm { level: "1".into(), days: (0..7).map(|d| d.to_string()).collect(), ..OnCallForm::default() };
    render(&on_call_view(&state, u, form, FieldErrors::default(), notice).await?)
}

async fn add_on_call(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAlerts, "/alertes/astreintes")?;
    // Check boxes repeat their name: read as a list.
    let mut form = OnCallForm::default();
    for (k, v) in form_urlencoded::parse(&body) {
        let v = v.into_owned();
        match k.as_ref() {
            "user" => form.user = v,
            "level" => form.level = v,
            "district" => form.district = v,
            "kinds" => form.kinds.push(v),
            "days" => form.days.push(v),
            "starts" => form.starts = v,
            "ends" => form.ends = v,
            "phone" => form.phone = v,
            _ => {}
        }
    }
    let mut faults: Vec<(&'static str, String)> = Vec::new();
    let user_id = form.user.trim().parse::<i64>().unwrap_or(0);
    let level = form.level.trim().parse::<i64>().unwrap_or(0);
    let district_id = optional(&form.district, "district", "Choisissez le quartier dans la liste.", &mut faults);
    let mut days = 0;
    for d in &form.days {
        match d.parse::<u8>().ok().and_then(|n| DAYS.get(usize::from(n))) {
            Some((day, _)) => days |= day_bit(*day),
            None => faults.push(("days", "Un des jours cochés n'existe pas.".into())),
        }
    }
    let slot = |s: &str, what: &'static str, faults: &mut Vec<(&'static str, String)>| match s.trim() {
        "" => Some(Time::MIDNIGHT),
        t => parse_hm(t).or_else(|| {
            faults.push((what, "Une heure s'écrit hh:mm (de 00:00 à 23:59).".into()));
            None
        }),
    };
    let starts = slot(&form.starts, "starts", &mut faults);
    let ends = slot(&form.ends, "ends", &mut faults);
    if form.starts.trim().is_empty() != form.ends.trim().is_empty() {
        faults.push(("ends", "Donnez les deux heures du créneau, ou aucune pour toute la journée.".into()));
    }
    let phone = match form.phone.trim() {
        "" => String::new(),
        p => phone_e164(p).unwrap_or_else(|| {
            faults.push(("phone", "Le numéro de portable : 06 12 34 56 78 ou +33 6 12 34 56 78.".into()));
            String::new()
        }),
    };
    let entry = OnCall {
        user_id,
        kinds: form.kinds.iter().filter(|k| !k.is_empty()).cloned().collect(),
        district_id,
        days,
        starts: starts.unwrap_or(Time::MIDNIGHT),
        ends: ends.unwrap_or(Time::MIDNIGHT),
        level,
        phone,
    };
    if !faults.is_empty() {
        return render_invalid(&on_call_view(&state, u, form, errors_of(faults, ""), None).await?);
    }
    match maillage_app::alert::add_on_call(&state, &u.author(), &entry).await {
        Ok(_) => Ok(Redirect::to("/alertes/astreintes?fait=ajout").into_response()),
        Err(AlertError::Invalid(faults)) => render_invalid(&on_call_view(&state, u, form, errors_of(faults, ""), None).await?),
        Err(e) => Err(e.into()),
    }
}

async fn remove_on_call(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAlerts, "/alertes/astreintes")?;
    state.store.remove_on_call(&u.author(), parse_id(&id)?).await?;
    Ok(Redirect::to("/alertes/astreintes?fait=retrait").into_response())
}

// ---- figures ----

#[derive(Template)]
#[template(path = "alert/figures.html")]
struct FiguresPage {
    layout: Layout,
    year: i32,
    total: String,
    tables: Vec<FigureTable>,
    median_ack: String,
    acknowledged: String,
    young_people: String,
    families: String,
    groups: String,
    masked: bool,
}

const MONTHS: [&str; 12] =
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

async fn figures(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<YearQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewAlertFigures, "/alertes/chiffres")?;
    let year = year_param(&q.annee)?;
    let f = state.store.alert_figures(year).await?;
    let masked = confidential_figures_masked(&u.actor);
    let show = |rows: Vec<(String, i64)>| {
        if masked { publication::breakdown(&rows) } else { rows.into_iter().map(|(l, n)| (l, number_fr(n))).collect() }
    };
    let count = |n: i64| publication::count_as(n, masked);
    let tables = vec![
        FigureTable { caption: "Par situation", rows: show(f.by_kind.iter().map(|(k, n)| (label(KINDS, k).to_string(), *n)).collect()) },
        FigureTable { caption: "Par quartier", rows: show(f.by_district.clone()) },
        FigureTable {
            caption: "Par mois",
            rows: show(
                f.by_month
                    .iter()
                    .map(|(m, n)| (MONTHS.get((*m - 1).clamp(0, 11) as usize).copied().unwrap_or("?").to_string(), *n))
                    .collect(),
            ),
        },
    ];
    let acknowledged = i64::try_from(f.first_ack_minutes.len()).unwrap_or(i64::MAX);
    render(&FiguresPage {
        layout: Layout::new(&format!("Alertes : chiffres {year}"), Some(u)),
        year,
        total: count(f.total),
        tables,
        // A median of fewer than 5 alerts would nearly say each one's delay.
        median_ack: median_minutes(f.first_ack_minutes)
            .filter(|_| !masked || (acknowledged > 0 && publication::is_shown(acknowledged)))
            .map_or_else(|| "—".into(), |m| format!("{} min", number_fr(m))),
        acknowledged: count(acknowledged),
        young_people: count(f.young_people_identified),
        families: count(f.families_contacted),
        groups: count(f.proposed_to_groups),
        masked,
    })
}

// ---- JSON API ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiAlert {
    kind: String,
    #[serde(default)]
    district_id: Option<i64>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    place: String,
    /// ISO 8601 with its offset (`2026-12-04T21:30:00+01:00`); none: now.
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    estimated_count: Option<i64>,
    #[serde(default)]
    facts: String,
}

async fn api_raise(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    body: Result<Json<ApiAlert>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let u = require(user.as_ref(), Action::RaiseAlert, "/api/v1/alertes")?;
    let Json(body) = body.map_err(|e| crate::error::json_refusal(&e))?;
    let occurred_at = match body.occurred_at.as_deref() {
        None => Some(time_fmt::now()),
        Some(t) => Some(OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).map_err(|_| {
            AppError::InvalidFields(vec![(
                "occurred_at".into(),
                "Date et heure attendues en ISO 8601 avec le décalage, par exemple 2026-01-15T21:30:00+01:00.".into(),
            )])
        })?),
    };
    let point = match (body.lat, body.lon) {
        (Some(lat), Some(lon)) => Some((lat, lon)),
        (None, None) => None,
        _ => return Err(AppError::InvalidFields(vec![("point".into(), "La latitude et la longitude vont ensemble.".into())]).into()),
    };
    let draft = AlertDraft {
        kind: body.kind,
        district_id: body.district_id,
        point,
        place: body.place,
        occurred_at,
        estimated_count: body.estimated_count,
        facts: body.facts,
    };
    // Faults are named by the API's own fields.
    let id = maillage_app::alert::raise(&state, &u.author(), Some(u.id), u.actor.organisation_id, &draft).await.map_err(|e| match e {
        AlertError::Invalid(faults) => AppError::InvalidFields(
            faults.into_iter().map(|(f, m)| (if f == "district" { "district_id" } else { f }.to_string(), m)).collect(),
        ),
        e @ AlertError::Store(_) => e.into(),
    })?;
    Ok((StatusCode::CREATED, [(axum::http::header::LOCATION, format!("/api/v1/alertes/{id}"))], Json(serde_json::json!({ "id": id })))
        .into_response())
}

async fn api_alert(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let path = format!("/api/v1/alertes/{id}");
    let (a, deliveries) = followed(&state, user.as_ref(), &id, &path).await?;
    let events = state.store.alert_events(a.id).await?;
    let iso = |t: OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Ok(Json(serde_json::json!({
        "id": a.id,
        "kind": a.kind,
        "district_id": a.district_id,
        "place": a.place,
        "occurred_at": iso(a.occurred_at),
        "estimated_count": a.estimated_count,
        "facts": a.facts,
        "created_at": iso(a.created_at),
        "first_acknowledged_at": a.first_acknowledged_at.map(iso),
        "closed_at": a.closed_at.map(iso),
        "recipients": deliveries.iter().map(|d| serde_json::json!({
            "level": d.level,
            "organisation": d.organisation,
            "sent_at": iso(d.sent_at),
            "acknowledged_at": d.acknowledged_at.map(iso),
            "sms": d.sms_state,
        })).collect::<Vec<_>>(),
        "timeline": events.iter().map(|e| serde_json::json!({ "at": iso(e.at), "kind": e.kind, "body": e.body })).collect::<Vec<_>>(),
    }))
    .into_response())
}
