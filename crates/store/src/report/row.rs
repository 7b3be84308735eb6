//! Rows of the report tables as the database gives them, and their reading into the domain's
//! types. A value no type knows (a code, a time, a history detail) is an error naming the table,
//! the row and the value, never a default.

use super::{Involvement, ReportDetail, ReportEvent, ReportPoint, ReportSummary};
use crate::StoreError;
use crate::db::decode;
use maillage_core::report::{CloseReason, EventKind, Part, Source, State};
use maillage_core::time_fmt;
use time::OffsetDateTime;

fn time(table: &'static str, id: i64, column: &'static str, v: &str) -> Result<OffsetDateTime, StoreError> {
    decode(table, id, column, v, time_fmt::from_storage)
}

fn time_opt(table: &'static str, id: i64, column: &'static str, v: Option<&str>) -> Result<Option<OffsetDateTime>, StoreError> {
    v.map(|v| time(table, id, column, v)).transpose()
}

fn state(table: &'static str, id: i64, v: &str) -> Result<State, StoreError> {
    decode(table, id, "state", v, State::from_code)
}

#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    id: i64,
    category_id: i64,
    category_name: String,
    category_code: String,
    state: String,
    description: String,
    address: String,
    lat: f64,
    lon: f64,
    district_id: Option<i64>,
    district_name: Option<String>,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    urgent: bool,
    created_at: String,
    updated_at: String,
    due_at: Option<String>,
    closed_at: Option<String>,
    status_notes: String,
}

impl TryFrom<SummaryRow> for ReportSummary {
    type Error = StoreError;

    fn try_from(r: SummaryRow) -> Result<Self, StoreError> {
        const T: &str = "reports";
        Ok(ReportSummary {
            state: state(T, r.id, &r.state)?,
            created_at: time(T, r.id, "created_at", &r.created_at)?,
            updated_at: time(T, r.id, "updated_at", &r.updated_at)?,
            due_at: time_opt(T, r.id, "due_at", r.due_at.as_deref())?,
            closed_at: time_opt(T, r.id, "closed_at", r.closed_at.as_deref())?,
            id: r.id,
            category_id: r.category_id,
            category_name: r.category_name,
            category_code: r.category_code,
            description: r.description,
            address: r.address,
            lat: r.lat,
            lon: r.lon,
            district_id: r.district_id,
            district_name: r.district_name,
            organisation_id: r.organisation_id,
            organisation_name: r.organisation_name,
            urgent: r.urgent,
            status_notes: r.status_notes,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct DetailRow {
    id: i64,
    category_id: i64,
    state: String,
    close_reason: Option<String>,
    duplicate_of: Option<i64>,
    status_notes: String,
    description: String,
    address: String,
    lat: f64,
    lon: f64,
    district_id: Option<i64>,
    priority_area_id: Option<i64>,
    organisation_id: Option<i64>,
    reporter_user_id: Option<i64>,
    reporter_organisation_id: Option<i64>,
    source: String,
    answers: String,
    urgent: bool,
    created_at: String,
    updated_at: String,
    due_at: Option<String>,
    closed_at: Option<String>,
    anonymised_at: Option<String>,
}

impl TryFrom<DetailRow> for ReportDetail {
    type Error = StoreError;

    fn try_from(r: DetailRow) -> Result<Self, StoreError> {
        const T: &str = "reports";
        Ok(ReportDetail {
            state: state(T, r.id, &r.state)?,
            close_reason: r.close_reason.as_deref().map(|v| decode(T, r.id, "close_reason", v, CloseReason::from_code)).transpose()?,
            source: decode(T, r.id, "source", &r.source, Source::from_code)?,
            created_at: time(T, r.id, "created_at", &r.created_at)?,
            updated_at: time(T, r.id, "updated_at", &r.updated_at)?,
            due_at: time_opt(T, r.id, "due_at", r.due_at.as_deref())?,
            closed_at: time_opt(T, r.id, "closed_at", r.closed_at.as_deref())?,
            anonymised_at: time_opt(T, r.id, "anonymised_at", r.anonymised_at.as_deref())?,
            id: r.id,
            category_id: r.category_id,
            duplicate_of: r.duplicate_of,
            status_notes: r.status_notes,
            description: r.description,
            address: r.address,
            lat: r.lat,
            lon: r.lon,
            district_id: r.district_id,
            priority_area_id: r.priority_area_id,
            organisation_id: r.organisation_id,
            reporter_user_id: r.reporter_user_id,
            reporter_organisation_id: r.reporter_organisation_id,
            answers: r.answers,
            urgent: r.urgent,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct InvolvementRow {
    id: i64,
    organisation_id: i64,
    organisation_name: String,
    organisation_email: String,
    part: String,
    taken_at: Option<String>,
    done_at: Option<String>,
}

impl TryFrom<InvolvementRow> for Involvement {
    type Error = StoreError;

    fn try_from(r: InvolvementRow) -> Result<Self, StoreError> {
        const T: &str = "report_involvements";
        Ok(Involvement {
            part: decode(T, r.id, "part", &r.part, Part::from_code)?,
            taken_at: time_opt(T, r.id, "taken_at", r.taken_at.as_deref())?,
            done_at: time_opt(T, r.id, "done_at", r.done_at.as_deref())?,
            organisation_id: r.organisation_id,
            organisation_name: r.organisation_name,
            organisation_email: r.organisation_email,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    at: String,
    author_name: String,
    organisation_id: Option<i64>,
    kind: String,
    state: Option<String>,
    detail: String,
    internal: bool,
    body: String,
}

impl TryFrom<EventRow> for ReportEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        const T: &str = "report_events";
        let kind = decode_event(&r.kind, r.state.as_deref(), &r.detail).ok_or_else(|| StoreError::Corrupt {
            table: T,
            id: r.id,
            column: "kind, state, detail",
            value: format!("{} / {} / {}", r.kind, r.state.as_deref().unwrap_or(""), r.detail),
        })?;
        Ok(ReportEvent {
            at: time(T, r.id, "at", &r.at)?,
            kind,
            id: r.id,
            author_name: r.author_name,
            organisation_id: r.organisation_id,
            internal: r.internal,
            body: r.body,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct PointRow {
    id: i64,
    lat: f64,
    lon: f64,
    state: String,
    category_id: i64,
}

impl TryFrom<PointRow> for ReportPoint {
    type Error = StoreError;

    fn try_from(r: PointRow) -> Result<Self, StoreError> {
        Ok(ReportPoint { state: state("reports", r.id, &r.state)?, id: r.id, lat: r.lat, lon: r.lon, category_id: r.category_id })
    }
}

/// The `kind`, `state` and `detail` columns of a history line. `detail` holds, space-separated,
/// a close reason's code, `#N` (duplicate of N) and `org:N` (redirected or involved
/// organisation); for a creation, the source.
pub(super) fn encode_event(kind: EventKind) -> (&'static str, Option<&'static str>, String) {
    let detail = match kind {
        EventKind::Created { source, .. } => source.code().to_string(),
        EventKind::StateChanged { close_reason, duplicate_of, redirect_to, .. } => {
            [close_reason.map(|c| c.code().to_string()), duplicate_of.map(|d| format!("#{d}")), redirect_to.map(|o| format!("org:{o}"))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
        }
        EventKind::Involved { organisation_id } => format!("org:{organisation_id}"),
        EventKind::PartTaken | EventKind::PartDone | EventKind::Comment | EventKind::Photo => String::new(),
    };
    (kind.code(), kind.state().map(State::code), detail)
}

/// The reverse of [`encode_event`]; `None` for anything it does not write.
pub(super) fn decode_event(kind: &str, state: Option<&str>, detail: &str) -> Option<EventKind> {
    let state = state.map(|s| State::from_code(s).ok_or(())).transpose().ok()?;
    Some(match kind {
        "created" => EventKind::Created { state: state?, source: Source::from_code(detail)? },
        "state" => {
            let (mut close_reason, mut duplicate_of, mut redirect_to) = (None, None, None);
            for part in detail.split(' ').filter(|p| !p.is_empty()) {
                if let Some(n) = part.strip_prefix('#') {
                    duplicate_of = Some(n.parse().ok()?);
                } else if let Some(o) = part.strip_prefix("org:") {
                    redirect_to = Some(o.parse().ok()?);
                } else {
                    close_reason = Some(CloseReason::from_code(part)?);
                }
            }
            EventKind::StateChanged { to: state?, close_reason, duplicate_of, redirect_to }
        }
        "involve" => EventKind::Involved { organisation_id: detail.strip_prefix("org:")?.parse().ok()? },
        "part_taken" => EventKind::PartTaken,
        "part_done" => EventKind::PartDone,
        "comment" => EventKind::Comment,
        "photo" => EventKind::Photo,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_reads_back_as_written() {
        let kinds = [
            EventKind::Created { state: State::New, source: Source::Open311 },
            EventKind::StateChanged { to: State::InProgress, close_reason: None, duplicate_of: None, redirect_to: None },
            EventKind::StateChanged {
                to: State::ClosedWithoutAction,
                close_reason: Some(CloseReason::PrivateProperty),
                duplicate_of: None,
                redirect_to: None,
            },
            EventKind::StateChanged { to: State::Duplicate, close_reason: None, duplicate_of: Some(42), redirect_to: None },
            EventKind::StateChanged { to: State::Redirected, close_reason: None, duplicate_of: None, redirect_to: Some(7) },
            EventKind::Involved { organisation_id: 3 },
            EventKind::PartTaken,
            EventKind::PartDone,
            EventKind::Comment,
            EventKind::Photo,
        ];
        for k in kinds {
            let (kind, state, detail) = encode_event(k);
            assert_eq!(decode_event(kind, state, &detail), Some(k), "{kind} {state:?} {detail}");
        }
    }

    #[test]
    fn unknown_history_is_refused() {
        assert_eq!(decode_event("teleported", None, ""), None);
        assert_eq!(decode_event("state", Some("lost"), ""), None);
        assert_eq!(decode_event("state", Some("closed_without_action"), "because"), None);
        assert_eq!(decode_event("involve", None, "org:x"), None);
        assert_eq!(decode_event("created", Some("new"), "fax"), None);
    }
}
