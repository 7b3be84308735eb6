//! What leaves the groups on paper: the collective information of the persons whose situations
//! are examined (public, charter art. 4, privacy rules §4), the register entry with the DPIA's
//! material (GDPR art. 30), and each group's yearly report on the charter's application (art. 10).

use super::group_or_404;
use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::{YearQuery, render};
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maillage_app::working_group::report::{self, Register, YearlyReport};
use maillage_core::authz::{Action, Role};
use maillage_core::working_group::{AGE_LIMIT, ARCHIVE_YEARS};
use maillage_store::working_group::Group;

pub fn routes(r: Routes) -> Routes {
    r.get("/information-groupes-de-travail", notice_page).get("/groupes/registre", register_page).get("/groupes/{id}/bilan", yearly_page)
}

#[derive(Template)]
#[template(path = "working_group/notice.html")]
struct NoticePage {
    layout: Layout,
    groups: Vec<(String, &'static str, String)>,
    archive_years: i32,
    age_limit: i32,
    contact: Option<String>,
}

/// The collective information, for anyone: which groups exist and why, what is held, for how
/// long, and how to exercise one's rights.
async fn notice_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let groups = state.store.groups().await?.into_iter().map(|g| (g.name, g.kind.label(), g.purpose)).collect();
    let catalog = state.catalog().await?;
    let contact = state
        .store
        .users()
        .await?
        .into_iter()
        .find(|u| !u.disabled && u.roles.contains(&Role::Dpo))
        .and_then(|u| u.organisation_id)
        .and_then(|id| catalog.organisations.iter().find(|o| o.id == id))
        .map(|o| o.email.clone())
        .filter(|e| !e.is_empty());
    render(&NoticePage {
        layout: Layout::new("Information des personnes suivies par les groupes de travail", user.as_ref()),
        groups,
        archive_years: ARCHIVE_YEARS,
        age_limit: AGE_LIMIT,
        contact,
    })
}

#[derive(Template)]
#[template(path = "working_group/register.html")]
struct RegisterPage {
    layout: Layout,
    r: Register,
}

async fn register_page(State(state): State<AppState>, user: Option<CurrentUser>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewProcessingRegister, "/groupes/registre")?;
    render(&RegisterPage {
        layout: Layout::new("Registre des traitements : groupes de travail", Some(u)),
        r: report::register(&state).await?,
    })
}

#[derive(Template)]
#[template(path = "working_group/yearly.html")]
struct YearlyPage {
    layout: Layout,
    group: Group,
    r: YearlyReport,
}

async fn yearly_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ViewGroupConclusions, "/groupes")?;
    let group = group_or_404(&state, &id).await?;
    let year = crate::page::year_param(&q.annee)?;
    let r = report::yearly_report(&state, &group, year).await?;
    render(&YearlyPage {
        layout: Layout::new(&format!("Bilan {year} de l'application de la charte — {}", group.name), Some(u)), group, r
    })
}
