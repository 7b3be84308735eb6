//! Working groups' pages: the groups, their charter and its versions, the institutions'
//! signatures, the nominative list of members (acceptance, exclusion). Situations are in
//! [`case`]. Who may do what is decided by `authz` (`ViewWorkingGroups`, `ManageWorkingGroups`,
//! `WorkOnCases`, `case_access`).

pub mod case;
pub mod meeting;
pub mod notice;

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{Done, FieldErrors, parse_id, render, render_invalid};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maillage_core::authz::{self, Action, Decision, authorize};
use maillage_core::time_fmt;
use maillage_core::working_group::{GroupKind, MemberStanding};
use maillage_store::working_group::{Group, Member, NewGroup, Signature};
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    let r = r
        .get("/groupes", groups_page)
        .get("/groupes/nouveau", new_group_page)
        .post("/groupes/nouveau", create_group)
        .get("/groupes/{id}", group_page)
        .get("/groupes/{id}/charte", charter_page)
        .post("/groupes/{id}/charte", new_charter_version)
        .post("/groupes/{id}/acceptation", accept_charter)
        .post("/groupes/{id}/signatures", record_signature)
        .post("/groupes/{id}/membres", add_member)
        .post("/groupes/{id}/membres/{user}/exclusion", exclude_member);
    let r = case::routes(r);
    let r = notice::routes(r);
    meeting::routes(r)
}

/// A member's standing in `group` for the access decision, with the session's second factor.
pub(crate) async fn standing(state: &AppState, group: &Group, u: &CurrentUser) -> Result<Option<MemberStanding>, AppError> {
    Ok(state.store.standing(group.id, u.id).await?.map(|s| MemberStanding {
        institution_signed: s.institution_signed,
        accepted: s.accepted,
        excluded: s.excluded,
        second_factor: u.second_factor,
    }))
}

pub(crate) async fn group_or_404(state: &AppState, id: &str) -> Result<Group, AppError> {
    state.store.group(parse_id(id)?).await?.ok_or(AppError::NotFound)
}

// ---- list and creation ---------------------------------------------------------------------

struct GroupRow {
    group: Group,
    members: usize,
    mine: bool,
}

#[derive(Template)]
#[template(path = "working_group/groups.html")]
struct GroupsPage {
    layout: Layout,
    groups: Vec<GroupRow>,
    can_manage: bool,
    can_register: bool,
}

async fn groups_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewWorkingGroups, "/groupes")?;
    let mine = state.store.groups_of_member(u.id).await?;
    let mut groups = Vec::new();
    for g in state.store.groups().await? {
        let members = state.store.members(g.id).await?.iter().filter(|m| m.excluded_at.is_none()).count();
        groups.push(GroupRow { mine: mine.contains(&g.id), members, group: g });
    }
    let can_manage = authorize(Some(&u.actor), Action::ManageWorkingGroups) == Decision::Allow;
    let can_register = authorize(Some(&u.actor), Action::ViewProcessingRegister) == Decision::Allow;
    render(&GroupsPage { layout: Layout::new("Groupes de travail", Some(u)), groups, can_manage, can_register })
}

#[derive(Deserialize, Default, Clone)]
pub struct GroupForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    sheets: String,
    #[serde(default)]
    animator_id: String,
}

#[derive(Template)]
#[template(path = "working_group/new_group.html")]
struct NewGroupPage {
    layout: Layout,
    form: GroupForm,
    errors: FieldErrors,
    kinds: Vec<(&'static str, &'static str)>,
    animators: Vec<(i64, String)>,
}

const LEGAL_BASIS: &str = "Article L.132-5 du code de la sécurité intérieure : le CLSPD peut constituer en son sein des groupes de travail et d'échange d'informations à vocation thématique ou territoriale ; les faits et informations à caractère confidentiel échangés ne peuvent être communiqués à des tiers. Charte déontologique du CLSPD (annexe de la stratégie).";

async fn possible_members(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    let orgs = state.catalog().await?;
    Ok(state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && authz::may_be_member(&u.roles))
        .map(|u| {
            let org = u.organisation_id.and_then(|id| orgs.organisations.iter().find(|o| o.id == id)).map(|o| o.name.clone());
            (u.id, org.map_or_else(|| u.display_name.clone(), |o| format!("{} ({o})", u.display_name)))
        })
        .collect())
}

async fn new_group_view(state: &AppState, u: &CurrentUser, form: GroupForm, errors: FieldErrors) -> Result<NewGroupPage, AppError> {
    let form = if form.legal_basis.is_empty() { GroupForm { legal_basis: LEGAL_BASIS.into(), ..form } } else { form };
    Ok(NewGroupPage {
        layout: Layout::new("Créer un groupe de travail", Some(u)),
        form,
        errors,
        kinds: GroupKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        animators: possible_members(state).await?,
    })
}

async fn new_group_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWorkingGroups, "/groupes/nouveau")?;
    render(&new_group_view(&state, u, GroupForm::default(), FieldErrors::default()).await?)
}

async fn create_group(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    axum::Form(form): axum::Form<GroupForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWorkingGroups, "/groupes/nouveau")?;
    let mut errors = FieldErrors::default();
    let kind = GroupKind::from_code(&form.kind);
    if kind.is_none() {
        errors.add("kind", "Choisissez le type de groupe.");
    }
    if !maillage_core::text::is_name(&form.name, 120) {
        errors.add("name", "Le nom est obligatoire (120 caractères au plus, une ligne).");
    } else if state.store.groups().await?.iter().any(|g| g.name.eq_ignore_ascii_case(form.name.trim())) {
        errors.add("name", "Un groupe porte déjà ce nom.");
    }
    if form.purpose.trim().is_empty() || !maillage_core::text::is_text(&form.purpose, 1000) {
        errors.add("purpose", "L'objet du groupe est obligatoire (1 000 caractères au plus).");
    }
    if form.legal_basis.trim().is_empty() || !maillage_core::text::is_text(&form.legal_basis, 2000) {
        errors.add("legal_basis", "Le fondement juridique est obligatoire (2 000 caractères au plus).");
    }
    let strategy = state.store.current_strategy().await?;
    let sheets: Vec<String> = form.sheets.split([',', ' ', ';']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    let unknown: Vec<&String> = sheets.iter().filter(|c| strategy.as_ref().is_none_or(|s| s.doc.sheet(c).is_none())).collect();
    if !unknown.is_empty() {
        errors.add(
            "sheets",
            format!("Fiches inconnues de la stratégie : {}.", unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
        );
    }
    let animators = possible_members(&state).await?;
    let animator_id = match form.animator_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(id) if animators.iter().any(|(a, _)| *a == id) => Some(id),
            _ => {
                errors.add("animator_id", "Choisissez l'animateur dans la liste.");
                None
            }
        },
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return render_invalid(&new_group_view(&state, u, form, errors).await?);
    };
    let charter = maillage_app::working_group::default_charter(&state).await?;
    let new = NewGroup {
        kind,
        name: form.name.trim().into(),
        purpose: form.purpose.trim().into(),
        legal_basis: form.legal_basis.trim().into(),
        sheets,
        animator_id,
        charter,
    };
    let id = state.store.create_group(&u.author(), &new).await?;
    Ok(Redirect::to(&format!("/groupes/{id}")).into_response())
}

// ---- a group -------------------------------------------------------------------------------

struct MemberRow {
    member: Member,
    accepted_current: bool,
    institution_signed: bool,
}

#[derive(Template)]
#[template(path = "working_group/group.html")]
struct GroupPage {
    layout: Layout,
    group: Group,
    kind_label: &'static str,
    members: Vec<MemberRow>,
    signatures: Vec<Signature>,
    can_manage: bool,
    /// The viewer's own standing: on the list, accepted the current version…
    me: Option<MemberStanding>,
    /// Why the viewer may not read situations, if not.
    refusal: Option<String>,
    candidates: Vec<(i64, String)>,
    organisations: Vec<(i64, String)>,
    errors: FieldErrors,
    notice: Option<String>,
}

async fn group_view(
    state: &AppState,
    u: &CurrentUser,
    group: Group,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<GroupPage, AppError> {
    let signatures = state.store.signatures(group.id).await?;
    let signed_now: Vec<i64> = signatures.iter().filter(|s| s.version == group.charter_version).map(|s| s.organisation_id).collect();
    let members: Vec<MemberRow> = state
        .store
        .members(group.id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            accepted_current: m.accepted_version == Some(group.charter_version),
            institution_signed: m.organisation_id.is_some_and(|o| signed_now.contains(&o)),
            member: m,
        })
        .collect();
    let me = standing(state, &group, u).await?;
    let refusal = authz::case_access(&u.actor, me.as_ref(), group.charter_version).err().map(|e| e.to_string());
    let can_manage = authorize(Some(&u.actor), Action::ManageWorkingGroups) == Decision::Allow;
    let (candidates, organisations) = if can_manage {
        let listed: Vec<i64> = members.iter().map(|m| m.member.user_id).collect();
        let candidates = possible_members(state).await?.into_iter().filter(|(id, _)| !listed.contains(id)).collect();
        let orgs = state.catalog().await?.organisations.iter().map(|o| (o.id, o.name.clone())).collect();
        (candidates, orgs)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(GroupPage {
        layout: Layout::new(&group.name, Some(u)),
        kind_label: group.kind.label(),
        group,
        members,
        signatures,
        can_manage,
        me,
        refusal,
        candidates,
        organisations,
        errors,
        notice,
    })
}

/// What a form just did, said on the page it redirects to (a reload sends nothing again).
fn done_notice(code: &str) -> Option<String> {
    Some(
        match code {
            "charte" => "Nouvelle version de la charte adoptée : l'accès aux situations est suspendu jusqu'à la signature des institutions et l'acceptation de chaque membre.",
            "signature" => "Signature enregistrée.",
            "membre" => "Membre ajouté à la liste nominative.",
            "exclusion" => "Membre exclu : ses sessions sont closes et il n'accède plus aux situations.",
            _ => return None,
        }
        .to_string(),
    )
}

fn done(group: &Group, what: &str) -> Response {
    Redirect::to(&format!("/groupes/{}?fait={what}", group.id)).into_response()
}

async fn group_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewWorkingGroups, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    render(&group_view(&state, u, group, FieldErrors::default(), done_notice(&q.fait)).await?)
}

#[derive(Template)]
#[template(path = "working_group/charter.html")]
struct CharterPage {
    layout: Layout,
    group: Group,
    version: i64,
    adopted_on: String,
    /// (is a heading, text)
    blocks: Vec<(bool, String)>,
    can_manage: bool,
}

async fn charter_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewWorkingGroups, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let charter = state.store.charter(group.id, group.charter_version).await?.ok_or(AppError::NotFound)?;
    let blocks = charter
        .body
        .split("\n\n")
        .map(|b| match b.strip_prefix("## ") {
            Some(h) => (true, h.trim().to_string()),
            None => (false, b.trim().to_string()),
        })
        .filter(|(_, t)| !t.is_empty())
        .collect();
    render(&CharterPage {
        layout: Layout::new(&format!("Charte — {}", group.name), Some(u)),
        adopted_on: time_fmt::from_storage(&charter.adopted_at).map(time_fmt::date_fr).unwrap_or_default(),
        version: charter.version,
        blocks,
        can_manage: authorize(Some(&u.actor), Action::ManageWorkingGroups) == Decision::Allow,
        group,
    })
}

#[derive(Deserialize)]
pub struct CharterForm {
    #[serde(default)]
    body: String,
}

async fn new_charter_version(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CharterForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWorkingGroups, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    if form.body.trim().chars().count() < 100 || !maillage_core::text::is_text(&form.body, 100_000) {
        return Err(AppError::InvalidFields(vec![(
            "body".into(),
            "Le texte de la nouvelle version est obligatoire (100 à 100 000 caractères).".into(),
        )]));
    }
    state.store.new_charter_version(&u.author(), group.id, form.body.trim()).await?;
    Ok(done(&group, "charte"))
}

async fn accept_charter(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<String>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::WorkOnCases, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    match state.store.standing(group.id, u.id).await? {
        Some(s) if !s.excluded => {}
        _ => return Err(AppError::Forbidden),
    }
    state.store.accept_charter(&u.author(), group.id, u.id, group.charter_version).await?;
    Ok(Redirect::to(&format!("/groupes/{}", group.id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct SignatureForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    signatory: String,
    #[serde(default)]
    signed_on: String,
}

async fn record_signature(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<SignatureForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWorkingGroups, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let mut errors = FieldErrors::default();
    let orgs = state.catalog().await?;
    let org = form.organisation_id.trim().parse::<i64>().ok().filter(|id| orgs.organisations.iter().any(|o| o.id == *id));
    if org.is_none() {
        errors.add("organisation_id", "Choisissez l'institution signataire.");
    }
    if !maillage_core::text::is_name(&form.signatory, 200) {
        errors.add("signatory", "Indiquez qui a signé pour l'institution (nom et fonction, 200 caractères au plus).");
    }
    let today = time_fmt::paris_date(time_fmt::now());
    let signed_on = time_fmt::parse_typed_date(&form.signed_on).filter(|d| *d <= today);
    if signed_on.is_none() {
        errors.add("signed_on", "La date de signature est obligatoire et ne peut pas être dans le futur.");
    }
    let (Some(org), Some(signed_on)) = (org, signed_on) else {
        return render_invalid(&group_view(&state, u, group, errors, None).await?);
    };
    if state.store.signatures(group.id).await?.iter().any(|s| s.organisation_id == org && s.version == group.charter_version) {
        errors.add("organisation_id", "Cette institution a déjà signé la version en vigueur.");
        return render_invalid(&group_view(&state, u, group, errors, None).await?);
    }
    state.store.record_signature(&u.author(), group.id, group.charter_version, org, &form.signatory, signed_on).await?;
    Ok(done(&group, "signature"))
}

#[derive(Deserialize, Default)]
pub struct MemberForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    function: String,
}

async fn add_member(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<MemberForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWorkingGroups, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let mut errors = FieldErrors::default();
    let listed: Vec<i64> = state.store.members(group.id).await?.iter().map(|m| m.user_id).collect();
    let candidate = form.user_id.trim().parse::<i64>().ok().filter(|id| !listed.contains(id));
    let candidate = match candidate {
        Some(id) if possible_members(&state).await?.iter().any(|(c, _)| *c == id) => Some(id),
        _ => {
            errors.add("user_id", "Choisissez un compte de partenaire ou de coordination qui n'est pas déjà sur la liste.");
            None
        }
    };
    if !maillage_core::text::is_name(&form.function, 120) {
        errors.add("function", "La fonction du membre est obligatoire (120 caractères au plus).");
    }
    let Some(member) = candidate.filter(|_| errors.is_empty()) else {
        return render_invalid(&group_view(&state, u, group, errors, None).await?);
    };
    state.store.add_member(&u.author(), group.id, member, &form.function).await?;
    Ok(done(&group, "membre"))
}

#[derive(Deserialize, Default)]
pub struct ExclusionForm {
    #[serde(default)]
    reason: String,
}

async fn exclude_member(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, member)): Path<(String, String)>,
    axum::Form(form): axum::Form<ExclusionForm>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ManageWorkingGroups, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let member: i64 = parse_id(&member)?;
    if !state.store.members(group.id).await?.iter().any(|m| m.user_id == member && m.excluded_at.is_none()) {
        return Err(AppError::NotFound);
    }
    if !maillage_core::text::is_name(&form.reason, 300) {
        let mut errors = FieldErrors::default();
        errors.add(format!("reason-{member}"), "Le motif de l'exclusion est obligatoire (300 caractères au plus, une ligne).");
        return render_invalid(&group_view(&state, u, group, errors, None).await?);
    }
    state.store.exclude_member(&u.author(), group.id, member, &form.reason).await?;
    Ok(done(&group, "exclusion"))
}
