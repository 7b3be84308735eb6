//! The audit log page, for administrators and the DPO: who did what, when — never contents.

use crate::auth::{CurrentUser, require};
use crate::error::AppError;
use crate::layout::Layout;
use crate::page::render;
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use maillage_core::audit::{AuditEntry, operation_label, record_label};
use maillage_core::authz::Action;
use maillage_store::audit::AuditFilter;
use serde::Deserialize;

pub fn routes(r: Routes) -> Routes {
    r.get("/journal", log_page)
}

const PAGE: i64 = 100;

#[derive(Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    auteur: String,
    #[serde(default)]
    operation: String,
}

/// A journal line as shown, in French.
pub struct LogLine {
    pub entry: AuditEntry,
    pub when: String,
    pub operation: String,
    pub record: String,
}

#[derive(Template)]
#[template(path = "audit/journal.html")]
struct LogPage {
    layout: Layout,
    entries: Vec<LogLine>,
    page: i64,
    has_next: bool,
    auteur: String,
    operation: String,
    operations: &'static [(&'static str, &'static str)],
}

async fn log_page(State(state): State<AppState>, user: Option<CurrentUser>, Query(q): Query<LogQuery>) -> Result<Response, AppError> {
    let u = require(user.as_ref(), Action::ReadAuditLog, "/journal")?;
    let page = q.page.as_deref().unwrap_or("1").parse::<i64>().unwrap_or(1).clamp(1, 100_000);
    let filter = AuditFilter {
        actor: Some(q.auteur.trim().to_lowercase()).filter(|s| !s.is_empty()),
        operation: Some(q.operation.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let mut entries = state.store.audit_entries(&filter, PAGE + 1, (page - 1) * PAGE).await?;
    let has_next = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    let entries = entries
        .into_iter()
        .map(|e| {
            let when = maillage_core::time_fmt::from_storage(&e.at).map(maillage_core::time_fmt::datetime_fr).unwrap_or_default();
            let operation = operation_label(&e.operation).to_string();
            let record = format!("{} {}", record_label(&e.record_type), e.record_id).trim().to_string();
            LogLine { operation, record, when, entry: e }
        })
        .collect();
    render(&LogPage {
        layout: Layout::new(&if page > 1 { format!("Journal des accès — page {page}") } else { "Journal des accès".to_string() }, Some(u)),
        entries,
        page,
        has_next,
        auteur: q.auteur,
        operation: q.operation,
        operations: maillage_core::audit::OPERATIONS,
    })
}
