//! The CCTV footage register: the register itself (cameras, requests, extractions kept and
//! their destruction days; printable), cameras, a request's page with its viewings and
//! extractions, and the individually authorised agents. Agents keep it; the DPO reads it.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::video_requests::VideoError;
use maillage_core::authz::{Action, may_be_member};
use maillage_core::time_fmt;
use maillage_core::video_requests::{CameraDraft, ExtractionDraft, Fault, RequestDraft, SiteKind};
use maillage_store::video_requests::{Camera, Extraction, FootageRequest, Viewing};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/videoprotection", register_page)
        .get("/videoprotection/cameras", cameras_page)
        .post("/videoprotection/cameras", add_camera)
        .get("/videoprotection/demandes/nouvelle", new_request_page)
        .post("/videoprotection/demandes/nouvelle", add_request)
        .get("/videoprotection/demandes/{id}", request_page)
        .post("/videoprotection/demandes/{id}/visionnage", add_viewing)
        .post("/videoprotection/demandes/{id}/extraction", add_extraction)
        .post("/videoprotection/extractions/{id}/destruction", destroy)
        .get("/videoprotection/agents", agents_page)
        .post("/videoprotection/agents", grant)
        .post("/videoprotection/agents/{id}/retrait", revoke)
}

fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

/// Whether `u` is an agent now: named, and still holding a role an agent may hold (an agent
/// who became administrator or lost the role is suspended until the roles allow it again).
async fn is_agent(state: &AppState, u: Option<&CurrentUser>) -> Result<bool, AppError> {
    match u {
        Some(u) if may_be_member(&u.actor.roles) => Ok(state.store.is_video_agent(u.id).await?),
        _ => Ok(false),
    }
}

/// `u`, if it may read the register (an authorised agent, or the DPO), and whether it may also
/// keep it.
async fn reader<'a>(state: &AppState, user: Option<&'a CurrentUser>, path: &str) -> Result<(&'a CurrentUser, bool), AppError> {
    let agent = is_agent(state, user).await?;
    let u = require(user, Action::ViewVideoRegister { agent }, path)?;
    Ok((u, crate::auth::can(u, Action::KeepVideoRegister { agent })))
}

/// `u`, if it may keep the register (an authorised agent).
async fn keeper<'a>(state: &AppState, user: Option<&'a CurrentUser>, path: &str) -> Result<&'a CurrentUser, AppError> {
    let agent = is_agent(state, user).await?;
    require(user, Action::KeepVideoRegister { agent }, path)
}

fn faults_of(e: VideoError) -> Result<FieldErrors, AppError> {
    match e {
        VideoError::Invalid(f) => Ok(errors_of(f, "")),
        VideoError::Store(e) => Err(e.into()),
    }
}

// ---- the register ----

struct ExtractionLine {
    id: i64,
    request_id: i64,
    procedure: String,
    camera: String,
    extracted: String,
    recipient: String,
    destroy_by: String,
    destroyed: String,
    overdue: bool,
    judicial: bool,
}

fn extraction_line(e: &Extraction, today: time::Date) -> ExtractionLine {
    ExtractionLine {
        id: e.id,
        request_id: e.request_id,
        procedure: e.procedure.clone(),
        camera: e.camera.clone(),
        extracted: time_fmt::datetime_fr(e.extracted_at),
        recipient: e.recipient.clone(),
        destroy_by: match (e.judicial, e.destroy_by) {
            (true, _) => "conservée pour la procédure judiciaire".into(),
            (false, Some(d)) => time_fmt::day_fr(d),
            (false, None) => "—".into(),
        },
        destroyed: e.destroyed_on.map_or_else(String::new, |d| format!("détruite le {} ({})", time_fmt::day_fr(d), e.destroyed_by)),
        overdue: !e.judicial && e.destroyed_on.is_none() && e.destroy_by.is_some_and(|d| d < today),
        judicial: e.judicial,
    }
}

struct RequestLine {
    id: i64,
    created: String,
    camera: String,
    requester: String,
    procedure: String,
    period: String,
}

fn period(r: &FootageRequest) -> String {
    format!("du {} au {}", time_fmt::datetime_fr(r.from), time_fmt::datetime_fr(r.to))
}

#[derive(Template)]
#[template(path = "video_requests/register.html")]
struct RegisterPage {
    layout: Layout,
    cameras: Vec<Camera>,
    kept: Vec<ExtractionLine>,
    requests: Vec<RequestLine>,
    keeper: bool,
    notice: Option<&'static str>,
}

async fn register_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let (u, keeper) = reader(&state, user.as_ref(), "/videoprotection").await?;
    let today = today();
    render(&RegisterPage {
        layout: Layout::new("Registre de vidéoprotection", Some(u)),
        cameras: state.store.cameras().await?,
        kept: state.store.extractions_kept().await?.iter().map(|e| extraction_line(e, today)).collect(),
        requests: state
            .store
            .footage_requests(200)
            .await?
            .iter()
            .map(|r| RequestLine {
                id: r.id,
                created: time_fmt::datetime_fr(r.created_at),
                camera: r.camera.clone(),
                requester: format!("{}, {}", r.requester, r.service),
                procedure: r.procedure.clone(),
                period: period(r),
            })
            .collect(),
        keeper,
        notice: (q.fait == "detruite").then_some("La destruction est enregistrée."),
    })
}

// ---- cameras ----

#[derive(Deserialize, Default, Clone)]
struct CameraForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    site_kind: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    authorisation: String,
    #[serde(default)]
    authorised_on: String,
    #[serde(default)]
    retention_days: String,
}

#[derive(Template)]
#[template(path = "video_requests/cameras.html")]
struct CamerasPage {
    layout: Layout,
    cameras: Vec<Camera>,
    form: CameraForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    organisations: Vec<(String, String)>,
    notice: Option<&'static str>,
}

async fn cameras_view(
    state: &AppState,
    u: &CurrentUser,
    form: CameraForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> Result<CamerasPage, AppError> {
    let catalog = state.catalog().await?;
    Ok(CamerasPage {
        layout: Layout::new("Caméras du registre", Some(u)),
        cameras: state.store.cameras().await?,
        form,
        errors,
        kinds: SiteKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        organisations: catalog.organisations.iter().map(|o| (o.id.to_string(), o.name.clone())).collect(),
        notice,
    })
}

async fn cameras_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection/cameras").await?;
    let notice = (q.fait == "ajoutee").then_some("La caméra est ajoutée au registre.");
    render(&cameras_view(&state, u, CameraForm::default(), FieldErrors::default(), notice).await?)
}

async fn add_camera(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<CameraForm>,
) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection/cameras").await?;
    let mut read: Vec<Fault> = Vec::new();
    let organisation_id = match form.organisation_id.trim() {
        "" => None,
        t => t.parse().map_err(|_| read.push(("organisation_id", "Choisissez le détenteur dans la liste.".into()))).ok(),
    };
    let authorised_on = match form.authorised_on.trim() {
        "" => None,
        t => time_fmt::read_typed_date(t).map_err(|e| read.push(("authorised_on", e.to_string()))).ok(),
    };
    let retention_days = form.retention_days.trim().parse().unwrap_or(0);
    let d = CameraDraft {
        name: form.name.clone(),
        site_kind: form.site_kind.clone(),
        site: form.site.clone(),
        organisation_id,
        authorisation: form.authorisation.clone(),
        authorised_on,
        retention_days,
    };
    let result = if read.is_empty() {
        maillage_app::video_requests::add_camera(&state, &u.author(), &d, today()).await
    } else {
        let more = maillage_core::video_requests::check_camera(&d, today(), &[]);
        read.extend(more.into_iter().filter(|f| f.0 != "organisation_id" && f.0 != "authorised_on"));
        Err(VideoError::Invalid(read))
    };
    match result {
        Ok(_) => Ok(Redirect::to("/videoprotection/cameras?fait=ajoutee").into_response()),
        Err(e) => render_invalid(&cameras_view(&state, u, form, faults_of(e)?, None).await?),
    }
}

// ---- requests ----

#[derive(Deserialize, Default, Clone)]
struct RequestForm {
    #[serde(default)]
    camera_id: String,
    #[serde(default)]
    requester: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
}

impl RequestForm {
    fn draft(&self) -> (RequestDraft, Vec<Fault>) {
        let mut read = Vec::new();
        let camera_id = self.camera_id.trim().parse().ok();
        let from = time_fmt::local_instant(&self.du);
        let to = time_fmt::local_instant(&self.au);
        if (from.is_none() && !self.du.trim().is_empty()) || (to.is_none() && !self.au.trim().is_empty()) {
            read.push(("period", time_fmt::LOCAL_INSTANT_HELP.to_string()));
        }
        let d = RequestDraft {
            camera_id,
            requester: self.requester.clone(),
            service: self.service.clone(),
            procedure: self.procedure.clone(),
            reason: self.reason.clone(),
            from,
            to,
        };
        (d, read)
    }
}

#[derive(Template)]
#[template(path = "video_requests/new_request.html")]
struct NewRequestPage {
    layout: Layout,
    cameras: Vec<Camera>,
    form: RequestForm,
    errors: FieldErrors,
}

async fn new_request_view(state: &AppState, u: &CurrentUser, form: RequestForm, errors: FieldErrors) -> Result<NewRequestPage, AppError> {
    Ok(NewRequestPage { layout: Layout::new("Nouvelle demande d'images", Some(u)), cameras: state.store.cameras().await?, form, errors })
}

async fn new_request_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection/demandes/nouvelle").await?;
    render(&new_request_view(&state, u, RequestForm::default(), FieldErrors::default()).await?)
}

async fn add_request(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<RequestForm>,
) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection/demandes/nouvelle").await?;
    let (d, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::video_requests::request(&state, &u.author(), &d).await
    } else {
        let more = maillage_app::video_requests::request_faults(&state, &d).await?;
        let mut all = read;
        all.extend(more.into_iter().filter(|f| f.0 != "period"));
        Err(VideoError::Invalid(all))
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/videoprotection/demandes/{id}?fait=enregistree")).into_response()),
        Err(e) => render_invalid(&new_request_view(&state, u, form, faults_of(e)?).await?),
    }
}

#[derive(Deserialize, Default, Clone)]
struct ExtractionForm {
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    judicial: String,
    #[serde(default)]
    destroy_by: String,
}

#[derive(Template)]
#[template(path = "video_requests/request.html")]
struct RequestPage {
    layout: Layout,
    r: FootageRequest,
    period: String,
    created: String,
    viewings: Vec<(String, String)>,
    extractions: Vec<ExtractionLine>,
    keeper: bool,
    form: ExtractionForm,
    latest: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

fn request_view(
    u: &CurrentUser,
    (r, viewings, extractions): (FootageRequest, Vec<Viewing>, Vec<Extraction>),
    keeper: bool,
    form: ExtractionForm,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> RequestPage {
    let today = today();
    RequestPage {
        layout: Layout::new(&format!("Demande d'images n° {}", r.id), Some(u)),
        period: period(&r),
        created: time_fmt::datetime_fr(r.created_at),
        viewings: viewings.iter().map(|v| (time_fmt::datetime_fr(v.viewed_at), v.agent.clone())).collect(),
        extractions: extractions.iter().map(|e| extraction_line(e, today)).collect(),
        keeper,
        form,
        latest: maillage_core::video_requests::destroy_by_latest(today, r.retention_days).to_string(),
        errors,
        notice,
        r,
    }
}

async fn found(state: &AppState, id: &str) -> Result<(FootageRequest, Vec<Viewing>, Vec<Extraction>), AppError> {
    state.store.footage_request(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

async fn request_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (u, keeper) = reader(&state, user.as_ref(), "/videoprotection").await?;
    let all = found(&state, &id).await?;
    let notice = match q.fait.as_str() {
        "enregistree" => Some("La demande est inscrite au registre."),
        "visionnage" => Some("Le visionnage est inscrit au registre."),
        "extraction" => Some("L'extraction est inscrite au registre, avec sa date de destruction."),
        _ => None,
    };
    render(&request_view(u, all, keeper, ExtractionForm::default(), FieldErrors::default(), notice))
}

async fn add_viewing(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection").await?;
    let all = found(&state, &id).await?;
    let id = all.0.id;
    match maillage_app::video_requests::view(&state, &u.author(), &all.0).await {
        Ok(()) => Ok(Redirect::to(&format!("/videoprotection/demandes/{id}?fait=visionnage")).into_response()),
        Err(e) => {
            let errors = faults_of(e)?;
            render_invalid(&request_view(u, all, true, ExtractionForm::default(), errors, None))
        }
    }
}

async fn add_extraction(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ExtractionForm>,
) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection").await?;
    let all = found(&state, &id).await?;
    let mut read: Vec<Fault> = Vec::new();
    let destroy_by = match form.destroy_by.trim() {
        "" => None,
        t => time_fmt::read_typed_date(t).map_err(|e| read.push(("destroy_by", e.to_string()))).ok(),
    };
    let judicial = match form.judicial.as_str() {
        "" => false,
        "1" => true,
        _ => {
            read.push(("judicial", "La case « procédure judiciaire » est cochée ou non : aucune autre valeur.".into()));
            false
        }
    };
    let d = ExtractionDraft { recipient: form.recipient.clone(), judicial, destroy_by };
    let result = if read.is_empty() {
        maillage_app::video_requests::extract(&state, &u.author(), &all.0, &d, today()).await
    } else {
        Err(VideoError::Invalid(read))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/videoprotection/demandes/{}?fait=extraction", all.0.id)).into_response()),
        Err(e) => {
            let errors = faults_of(e)?;
            render_invalid(&request_view(u, all, true, form, errors, None))
        }
    }
}

async fn destroy(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = keeper(&state, user.as_ref(), "/videoprotection").await?;
    let id = parse_id(&id)?;
    if state.store.destroy_extraction(&u.author(), id, today()).await? {
        Ok(Redirect::to("/videoprotection?fait=detruite").into_response())
    } else if state.store.extraction_exists(id).await? {
        Err(AppError::Conflict("cette extraction est déjà détruite, ou conservée pour une procédure judiciaire".into()))
    } else {
        Err(AppError::NotFound)
    }
}

// ---- agents ----

#[derive(Template)]
#[template(path = "video_requests/agents.html")]
struct AgentsPage {
    layout: Layout,
    agents: Vec<(i64, String, String, String)>,
    candidates: Vec<(i64, String)>,
    notice: Option<&'static str>,
}

async fn agents_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<Done>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageVideoAgents, "/videoprotection/agents")?;
    let agents = state.store.video_agents().await?;
    let users = state.store.users().await?;
    // Named, but whose account no longer may be an agent (roles changed, disabled): suspended.
    let suspended = |id: i64| !users.iter().any(|x| x.id == id && !x.disabled && may_be_member(&x.roles));
    let candidates = users
        .iter()
        .filter(|x| !x.disabled && may_be_member(&x.roles) && !agents.iter().any(|a| a.user_id == x.id))
        .map(|x| (x.id, format!("{} ({})", x.display_name, x.email)))
        .collect();
    let agents: Vec<_> = agents
        .into_iter()
        .map(|a| {
            let when = format!("le {} par {}", time_fmt::datetime_fr(a.granted_at), a.granted_by);
            let when = if suspended(a.user_id) {
                format!("{when} — suspendue : ce compte n'a plus un rôle d'agent ou est désactivé")
            } else {
                when
            };
            (a.user_id, a.name, a.email, when)
        })
        .collect();
    let notice = match q.fait.as_str() {
        "habilite" => Some("L'agent est habilité."),
        "retire" => Some("L'habilitation est retirée."),
        _ => None,
    };
    render(&AgentsPage { layout: Layout::new("Agents habilités à la vidéoprotection", Some(u)), agents, candidates, notice })
}

#[derive(Deserialize, Default)]
struct GrantForm {
    #[serde(default)]
    user_id: String,
}

async fn grant(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(f): axum::Form<GrantForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageVideoAgents, "/videoprotection/agents")?;
    let id: i64 = f.user_id.trim().parse().map_err(|_| AppError::BadRequest("choisissez un compte dans la liste".into()))?;
    // An agent is a coordinator or a partner, never the administrator or the DPO: who grants or
    // controls the access does not use it.
    let target = state.store.user(id).await?.filter(|x| !x.disabled && may_be_member(&x.roles));
    if target.is_none() {
        return Err(AppError::BadRequest("seul un compte actif de coordination ou de partenaire peut être habilité".into()));
    }
    state.store.grant_video_agent(&u.author(), id).await?;
    Ok(Redirect::to("/videoprotection/agents?fait=habilite").into_response())
}

async fn revoke(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageVideoAgents, "/videoprotection/agents")?;
    if state.store.revoke_video_agent(&u.author(), parse_id(&id)?).await? {
        Ok(Redirect::to("/videoprotection/agents?fait=retire").into_response())
    } else {
        Err(AppError::NotFound)
    }
}
