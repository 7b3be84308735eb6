//! Vigik access conventions: the list with each convention's standing (to renew first), a
//! convention's page with its renewals, the form that records or changes one, its renewal. The
//! coordinator keeps them; partners and elected officials read them.

use crate::auth::{CurrentUser, can, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, VersionForm, district_choices, errors_of, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_app::access_convention::ConventionError;
use maillage_core::access_convention::{ConventionDraft, Fault, Holder, NOTICE_DEFAULT_DAYS, Standing, reminder_day, standing};
use maillage_core::authz::Action;
use maillage_core::time_fmt;
use maillage_store::StoreError;
use maillage_store::access_convention::Convention;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/conventions-vigik", list_page)
        .get("/conventions-vigik/nouvelle", new_page)
        .post("/conventions-vigik/nouvelle", create)
        .get("/conventions-vigik/{id}", convention_page)
        .get("/conventions-vigik/{id}/modification", edit_page)
        .post("/conventions-vigik/{id}/modification", update)
        .post("/conventions-vigik/{id}/renouvellement", renew)
        .post("/conventions-vigik/{id}/suppression", delete)
}

fn today() -> time::Date {
    time_fmt::paris_date(time_fmt::now())
}

/// A convention as a list line or a page shows it.
struct Line {
    c: Convention,
    holder: &'static str,
    standing: Standing,
    district: String,
    period: String,
    reminder: String,
    signed: String,
    /// The current term's reminder went.
    reminded: bool,
}

fn line(state: &AppState, c: Convention, today: time::Date) -> Line {
    Line {
        holder: Holder::from_code(&c.holder).map_or("—", Holder::label),
        standing: standing(c.starts_on, c.ends_on, c.notice_days, today),
        district: state.places().district_name(c.district_id).unwrap_or("—").to_string(),
        period: format!("du {} au {}", time_fmt::day_fr(c.starts_on), time_fmt::day_fr(c.ends_on)),
        reminder: time_fmt::day_fr(reminder_day(c.ends_on, c.notice_days)),
        signed: time_fmt::day_fr(c.signed_on),
        reminded: c.reminded_for == Some(c.ends_on),
        c,
    }
}

impl Line {
    fn parties(&self) -> String {
        let mut all: Vec<&str> = self.c.parties.iter().map(|p| p.1.as_str()).collect();
        if !self.c.other_parties.is_empty() {
            all.push(&self.c.other_parties);
        }
        all.join(", ")
    }
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    etat: String,
    #[serde(default)]
    fait: String,
}

#[derive(Template)]
#[template(path = "access_convention/list.html")]
struct ListPage {
    layout: Layout,
    lines: Vec<Line>,
    standings: Vec<(&'static str, &'static str, usize)>,
    chosen: String,
    manage: bool,
    notice: Option<&'static str>,
}

async fn list_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewAccessConventions, "/conventions-vigik")?;
    let today = today();
    let all: Vec<Line> = state.store.access_conventions().await?.into_iter().map(|c| line(&state, c, today)).collect();
    let order = [Standing::ToRenew, Standing::InForce, Standing::Upcoming, Standing::Expired];
    let standings = order.iter().map(|s| (s.code(), s.label(), all.iter().filter(|l| l.standing == *s).count())).collect();
    let chosen = order.iter().find(|s| s.code() == q.etat).copied();
    if chosen.is_none() && !q.etat.is_empty() {
        return Err(AppError::BadRequest("état inconnu : à renouveler, en vigueur, à venir ou expirée".into()));
    }
    let mut lines: Vec<Line> = all.into_iter().filter(|l| chosen.is_none_or(|s| l.standing == s)).collect();
    lines.sort_by_key(|l| (order.iter().position(|s| *s == l.standing), l.c.ends_on));
    render(&ListPage {
        layout: Layout::new("Conventions d'accès Vigik", Some(u)),
        lines,
        standings,
        chosen: q.etat,
        manage: can(u, Action::ManageAccessConventions),
        notice: (q.fait == "supprimee").then_some("La convention est supprimée."),
    })
}

// ---- the form ----

#[derive(Clone, Debug, Default)]
struct ConventionForm {
    reference: String,
    holder: String,
    organisations: Vec<String>,
    other_parties: String,
    buildings: String,
    district_id: String,
    signed_on: String,
    starts_on: String,
    ends_on: String,
    notice_days: String,
    note: String,
    version: String,
    /// Fields sent more than once: which value was meant is not guessed.
    repeated: Vec<&'static str>,
}

impl ConventionForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = ConventionForm::default();
        let mut seen: Vec<&'static str> = Vec::new();
        for (k, v) in pairs {
            if k == "organisation" {
                f.organisations.push(v);
                continue;
            }
            let (name, slot): (&'static str, &mut String) = match k.as_str() {
                "reference" => ("reference", &mut f.reference),
                "holder" => ("holder", &mut f.holder),
                "other_parties" => ("other_parties", &mut f.other_parties),
                "buildings" => ("buildings", &mut f.buildings),
                "district_id" => ("district_id", &mut f.district_id),
                "signed_on" => ("signed_on", &mut f.signed_on),
                "starts_on" => ("starts_on", &mut f.starts_on),
                "ends_on" => ("ends_on", &mut f.ends_on),
                "notice_days" => ("notice_days", &mut f.notice_days),
                "note" => ("note", &mut f.note),
                "version" => ("version", &mut f.version),
                _ => continue,
            };
            *slot = v;
            if seen.contains(&name) {
                f.repeated.push(name);
            }
            seen.push(name);
        }
        f
    }

    fn of(c: &Convention) -> Self {
        ConventionForm {
            reference: c.reference.clone(),
            holder: c.holder.clone(),
            organisations: c.parties.iter().map(|p| p.0.to_string()).collect(),
            other_parties: c.other_parties.clone(),
            buildings: c.buildings.join("\n"),
            district_id: c.district_id.map(|d| d.to_string()).unwrap_or_default(),
            signed_on: c.signed_on.to_string(),
            starts_on: c.starts_on.to_string(),
            ends_on: c.ends_on.to_string(),
            notice_days: c.notice_days.to_string(),
            note: c.note.clone(),
            version: c.version.to_string(),
            repeated: Vec::new(),
        }
    }

    // Askama passes a template's arguments by reference.
    #[allow(clippy::trivially_copy_pass_by_ref)]
    fn organisation_checked(&self, id: &i64) -> bool {
        self.organisations.iter().any(|o| o.trim() == id.to_string())
    }

    /// The draft, and the faults of what could not be read.
    fn draft(&self) -> (ConventionDraft, Vec<Fault>) {
        let mut read: Vec<Fault> = Vec::new();
        let mut date = |field: &'static str, v: &str| match v.trim() {
            "" => None,
            t => time_fmt::read_typed_date(t).map_err(|e| read.push((field, e.to_string()))).ok(),
        };
        let signed_on = date("signed_on", &self.signed_on);
        let starts_on = date("starts_on", &self.starts_on);
        let ends_on = date("ends_on", &self.ends_on);
        let district_id = match self.district_id.trim() {
            "" => None,
            t => t.parse().map_err(|_| read.push(("district_id", "Choisissez le quartier dans la liste.".into()))).ok(),
        };
        let mut organisation_ids = Vec::new();
        for o in self.organisations.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            match o.parse() {
                Ok(id) => organisation_ids.push(id),
                Err(_) => read.push(("organisation_ids", "Choisissez les signataires dans la liste des organisations.".into())),
            }
        }
        let notice_days = match self.notice_days.trim() {
            "" => NOTICE_DEFAULT_DAYS,
            t => t.parse().unwrap_or_else(|_| {
                read.push(("notice_days", "Le préavis de rappel est un nombre entier de jours.".into()));
                NOTICE_DEFAULT_DAYS
            }),
        };
        let d = ConventionDraft {
            reference: self.reference.clone(),
            holder: self.holder.clone(),
            organisation_ids,
            other_parties: self.other_parties.clone(),
            buildings: self.buildings.clone(),
            district_id,
            signed_on,
            starts_on,
            ends_on,
            notice_days,
            note: self.note.clone(),
        };
        for name in &self.repeated {
            read.push((name, "Ce champ est envoyé deux fois : saisissez-le une seule fois.".into()));
        }
        read.dedup_by_key(|f| f.0);
        (d, read)
    }
}

#[derive(Template)]
#[template(path = "access_convention/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<i64>,
    form: ConventionForm,
    errors: FieldErrors,
    holders: Vec<(&'static str, &'static str)>,
    organisations: Vec<(i64, String)>,
    districts: Vec<(String, String)>,
}

async fn form_view(
    state: &AppState,
    u: &CurrentUser,
    id: Option<i64>,
    form: ConventionForm,
    errors: FieldErrors,
) -> Result<FormPage, AppError> {
    let title = id.map_or_else(|| "Nouvelle convention Vigik".to_string(), |i| format!("Modifier la convention n° {i}"));
    Ok(FormPage {
        layout: Layout::new(&title, Some(u)),
        id,
        form,
        errors,
        holders: Holder::ALL.iter().map(|h| (h.code(), h.label())).collect(),
        organisations: state.catalog().await?.organisations.iter().map(|o| (o.id, o.name.clone())).collect(),
        districts: district_choices(state),
    })
}

async fn new_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAccessConventions, "/conventions-vigik/nouvelle")?;
    let form = ConventionForm { notice_days: NOTICE_DEFAULT_DAYS.to_string(), ..ConventionForm::default() };
    render(&form_view(&state, u, None, form, FieldErrors::default()).await?)
}

/// What a refused save says: every fault, those the form could not read first.
async fn refused(state: &AppState, current: Option<&Convention>, d: &ConventionDraft, read: Vec<Fault>) -> Result<Vec<Fault>, AppError> {
    let fields: Vec<&str> = read.iter().map(|r| r.0).collect();
    let more = maillage_app::access_convention::faults(state, current, d, today()).await?;
    let mut all = read.clone();
    all.extend(more.into_iter().filter(|f| !fields.contains(&f.0)));
    Ok(all)
}

/// Saves a new convention (`current` none) or `current` changed, as read when this request began.
async fn save(state: &AppState, u: &CurrentUser, current: Option<&Convention>, mut form: ConventionForm) -> Result<Response, AppError> {
    let version = match current {
        None => None,
        Some(_) => Some(crate::page::read_version(&form.version)?),
    };
    let (d, read) = form.draft();
    let result = if read.is_empty() {
        maillage_app::access_convention::save(state, &u.author(), current.zip(version), &d, today()).await
    } else {
        Err(ConventionError::Invalid(refused(state, current, &d, read).await?))
    };
    let faults = match (result, current) {
        (Ok(id), _) => return Ok(Redirect::to(&format!("/conventions-vigik/{id}?fait=enregistree")).into_response()),
        (Err(ConventionError::Invalid(f)), _) => f,
        // Changed by someone else since the form was read: it comes back as typed, with the
        // version read now, so that sending it again overwrites knowingly.
        (Err(ConventionError::Store(StoreError::Conflict(_))), Some(c)) => {
            form.version = c.version.to_string();
            vec![(
                "version",
                "Quelqu'un a modifié cette convention entre-temps. Vérifiez vos saisies puis enregistrez de nouveau pour les garder."
                    .into(),
            )]
        }
        (Err(ConventionError::Store(e)), _) => return Err(e.into()),
    };
    render_invalid(&form_view(state, u, current.map(|c| c.id), form, errors_of(faults, "")).await?)
}

async fn create(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAccessConventions, "/conventions-vigik/nouvelle")?;
    save(&state, u, None, ConventionForm::from_pairs(pairs)).await
}

async fn found(state: &AppState, id: &str) -> Result<Convention, AppError> {
    state.store.access_convention(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

async fn edit_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAccessConventions, "/conventions-vigik")?;
    let c = found(&state, &id).await?;
    render(&form_view(&state, u, Some(c.id), ConventionForm::of(&c), FieldErrors::default()).await?)
}

async fn update(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAccessConventions, "/conventions-vigik")?;
    let c = found(&state, &id).await?;
    save(&state, u, Some(&c), ConventionForm::from_pairs(pairs)).await
}

// ---- a convention's page and its renewal ----

#[derive(Template)]
#[template(path = "access_convention/convention.html")]
struct ConventionPage {
    layout: Layout,
    l: Line,
    renewals: Vec<(String, String, String)>,
    manage: bool,
    new_end: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
}

fn convention_view(
    state: &AppState,
    u: &CurrentUser,
    c: Convention,
    new_end: String,
    errors: FieldErrors,
    notice: Option<&'static str>,
) -> ConventionPage {
    let renewals = c
        .renewals
        .iter()
        .map(|r| {
            (
                time_fmt::day_fr(r.previous_end),
                time_fmt::day_fr(r.new_end),
                format!("le {} par {}", time_fmt::datetime_fr(r.renewed_at), r.renewed_by),
            )
        })
        .collect();
    ConventionPage {
        layout: Layout::new(&format!("Convention Vigik : {}", c.reference), Some(u)),
        l: line(state, c, today()),
        renewals,
        manage: can(u, Action::ManageAccessConventions),
        new_end,
        errors,
        notice,
    }
}

async fn convention_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewAccessConventions, "/conventions-vigik")?;
    let c = found(&state, &id).await?;
    let notice = match q.fait.as_str() {
        "enregistree" => Some("La convention est enregistrée."),
        "renouvelee" => Some("Le renouvellement est enregistré ; le prochain rappel partira au début du nouveau préavis."),
        _ => None,
    };
    render(&convention_view(&state, u, c, String::new(), FieldErrors::default(), notice))
}

#[derive(Deserialize, Default)]
struct RenewForm {
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    version: String,
}

async fn renew(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<RenewForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAccessConventions, "/conventions-vigik")?;
    let c = found(&state, &id).await?;
    let version: i64 = crate::page::read_version(&f.version)?;
    let new_end = match f.ends_on.trim() {
        "" => Ok(None),
        t => time_fmt::read_typed_date(t).map(Some).map_err(|e| vec![("ends_on", e.to_string())]),
    };
    let result = match new_end {
        Ok(end) => maillage_app::access_convention::renew(&state, &u.author(), c.id, version, c.ends_on, end).await,
        Err(read) => Err(ConventionError::Invalid(read)),
    };
    let faults = match result {
        Ok(()) => return Ok(Redirect::to(&format!("/conventions-vigik/{}?fait=renouvelee", c.id)).into_response()),
        Err(ConventionError::Invalid(f)) => f,
        Err(ConventionError::Store(StoreError::Conflict(_))) => {
            vec![(
                "ends_on",
                "La convention a changé entre-temps (voici son état actuel) : vérifiez sa date de fin avant de la renouveler.".into(),
            )]
        }
        Err(ConventionError::Store(e)) => return Err(e.into()),
    };
    render_invalid(&convention_view(&state, u, c, f.ends_on, errors_of(faults, ""), None))
}

async fn delete(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<VersionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageAccessConventions, "/conventions-vigik")?;
    let c = found(&state, &id).await?;
    let version: i64 = crate::page::read_version(&f.version)?;
    state.store.delete_access_convention(&u.author(), c.id, version).await?;
    Ok(Redirect::to("/conventions-vigik?fait=supprimee").into_response())
}
