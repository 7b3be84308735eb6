//! The CCTV footage register: cameras, authorised agents, requests with their viewings and
//! extractions, destructions, and the purge of entries past three years.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt::{self, parse_iso_date};
use maillage_core::video_requests::CameraDraft;
use time::{Date, OffsetDateTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Camera {
    pub id: i64,
    pub name: String,
    pub site_kind: String,
    pub site: String,
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub authorisation: String,
    pub authorised_on: Date,
    pub retention_days: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub granted_at: OffsetDateTime,
    pub granted_by: String,
}

/// A request, checked, to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    pub camera_id: i64,
    pub requester: String,
    pub service: String,
    pub procedure: String,
    pub reason: String,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FootageRequest {
    pub id: i64,
    pub camera_id: i64,
    pub camera: String,
    pub retention_days: i64,
    pub requester: String,
    pub service: String,
    pub procedure: String,
    pub reason: String,
    pub from: OffsetDateTime,
    pub to: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Viewing {
    pub viewed_at: OffsetDateTime,
    pub agent: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extraction {
    pub id: i64,
    pub request_id: i64,
    pub procedure: String,
    pub camera: String,
    pub extracted_at: OffsetDateTime,
    pub agent: String,
    pub recipient: String,
    pub judicial: bool,
    pub destroy_by: Option<Date>,
    pub destroyed_on: Option<Date>,
    pub destroyed_by: String,
}

type CameraRow = (i64, String, String, String, Option<i64>, Option<String>, String, String, i64);
type RequestRow = (i64, i64, String, i64, String, String, String, String, String, String, String, String);
type ExtractionRow = (i64, i64, String, String, String, String, String, bool, Option<String>, Option<String>, String);

const REQUEST_SELECT: &str = "SELECT r.id, r.camera_id, c.name, c.retention_days, r.requester, r.service, r.procedure_number, r.reason, \
     r.period_from, r.period_to, r.created_at, r.created_by FROM footage_requests r JOIN cameras c ON c.id = r.camera_id";
const EXTRACTION_SELECT: &str = "SELECT e.id, e.request_id, r.procedure_number, c.name, e.extracted_at, e.agent, e.recipient, e.judicial, \
     e.destroy_by, e.destroyed_on, e.destroyed_by FROM extractions e JOIN footage_requests r ON r.id = e.request_id \
     JOIN cameras c ON c.id = r.camera_id";

fn at(table: &'static str, id: i64, column: &'static str, v: &str) -> Result<OffsetDateTime, StoreError> {
    decode(table, id, column, v, time_fmt::from_storage)
}

fn day(table: &'static str, id: i64, column: &'static str, v: Option<String>) -> Result<Option<Date>, StoreError> {
    v.map(|v| decode(table, id, column, &v, parse_iso_date)).transpose()
}

fn request_of(r: RequestRow) -> Result<FootageRequest, StoreError> {
    let (id, camera_id, camera, retention_days, requester, service, procedure, reason, from, to, created_at, created_by) = r;
    Ok(FootageRequest {
        from: at("footage_requests", id, "period_from", &from)?,
        to: at("footage_requests", id, "period_to", &to)?,
        created_at: at("footage_requests", id, "created_at", &created_at)?,
        id,
        camera_id,
        camera,
        retention_days,
        requester,
        service,
        procedure,
        reason,
        created_by,
    })
}

fn extraction_of(r: ExtractionRow) -> Result<Extraction, StoreError> {
    let (id, request_id, procedure, camera, extracted_at, agent, recipient, judicial, destroy_by, destroyed_on, destroyed_by) = r;
    Ok(Extraction {
        extracted_at: at("extractions", id, "extracted_at", &extracted_at)?,
        destroy_by: day("extractions", id, "destroy_by", destroy_by)?,
        destroyed_on: day("extractions", id, "destroyed_on", destroyed_on)?,
        id,
        request_id,
        procedure,
        camera,
        agent,
        recipient,
        judicial,
        destroyed_by,
    })
}

impl Store {
    pub async fn cameras(&self) -> Result<Vec<Camera>, StoreError> {
        let rows: Vec<CameraRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT c.id, c.name, c.site_kind, c.site, c.organisation_id, o.name, c.authorisation, c.authorised_on, c.retention_days \
                 FROM cameras c LEFT JOIN organisations o ON o.id = c.organisation_id ORDER BY c.name, c.id",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, name, site_kind, site, organisation_id, organisation, authorisation, on, retention_days)| {
                Ok(Camera {
                    authorised_on: decode("cameras", id, "authorised_on", &on, parse_iso_date)?,
                    id,
                    name,
                    site_kind,
                    site,
                    organisation_id,
                    organisation,
                    authorisation,
                    retention_days,
                })
            })
            .collect()
    }

    pub async fn add_camera(&self, by: &Author, d: &CameraDraft) -> Result<i64, StoreError> {
        let on = d.authorised_on.ok_or_else(|| StoreError::Invalid("date de l'arrêté manquante".into()))?;
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO cameras (name, site_kind, site, organisation_id, authorisation, authorised_on, retention_days, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(d.name.trim())
            .bind(&d.site_kind)
            .bind(d.site.trim())
            .bind(d.organisation_id)
            .bind(d.authorisation.trim())
            .bind(on.to_string())
            .bind(d.retention_days)
            .bind(time_fmt::to_storage(time_fmt::now()))
            .fetch_one(&mut *c)
            .await?
        });
        append(&mut tx, by, "video.camera_add", "camera", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn is_video_agent(&self, user_id: i64) -> Result<bool, StoreError> {
        let n: i64 = on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM video_agents WHERE user_id = $1").bind(user_id).fetch_one(p).await?
        });
        Ok(n > 0)
    }

    pub async fn video_agents(&self) -> Result<Vec<Agent>, StoreError> {
        let rows: Vec<(i64, String, String, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT a.user_id, u.display_name, u.email, a.granted_at, a.granted_by FROM video_agents a JOIN users u ON u.id = a.user_id \
                 ORDER BY u.display_name",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(user_id, name, email, granted_at, granted_by)| {
                Ok(Agent { granted_at: at("video_agents", user_id, "granted_at", &granted_at)?, user_id, name, email, granted_by })
            })
            .collect()
    }

    /// Authorises an agent; `false` if already authorised.
    pub async fn grant_video_agent(&self, by: &Author, user_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("INSERT INTO video_agents (user_id, granted_at, granted_by) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING")
                .bind(user_id)
                .bind(time_fmt::to_storage(time_fmt::now()))
                .bind(&by.label)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if n > 0 {
            append(&mut tx, by, "video.agent_grant", "user", &user_id.to_string(), "").await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn revoke_video_agent(&self, by: &Author, user_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM video_agents WHERE user_id = $1").bind(user_id).execute(&mut *c).await?.rows_affected()
        });
        if n > 0 {
            append(&mut tx, by, "video.agent_revoke", "user", &user_id.to_string(), "").await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn add_footage_request(&self, by: &Author, r: &NewRequest) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO footage_requests (camera_id, requester, service, procedure_number, reason, period_from, period_to, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(r.camera_id)
            .bind(r.requester.trim())
            .bind(r.service.trim())
            .bind(r.procedure.trim())
            .bind(r.reason.trim())
            .bind(time_fmt::to_storage(r.from))
            .bind(time_fmt::to_storage(r.to))
            .bind(time_fmt::to_storage(time_fmt::now()))
            .bind(&by.label)
            .fetch_one(&mut *c)
            .await?
        });
        append(&mut tx, by, "video.request", "footage_request", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The newest requests first.
    pub async fn footage_requests(&self, limit: i64) -> Result<Vec<FootageRequest>, StoreError> {
        let rows: Vec<RequestRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{REQUEST_SELECT} ORDER BY r.created_at DESC, r.id DESC LIMIT $1")))
                .bind(limit)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(request_of).collect()
    }

    /// A request with its viewings and extractions.
    pub async fn footage_request(&self, id: i64) -> Result<Option<(FootageRequest, Vec<Viewing>, Vec<Extraction>)>, StoreError> {
        let (row, viewings, extractions) = on_db!(&self.db, p, {
            let row: Option<RequestRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{REQUEST_SELECT} WHERE r.id = $1"))).bind(id).fetch_optional(p).await?;
            let viewings: Vec<(String, String)> =
                sqlx::query_as("SELECT viewed_at, agent FROM footage_viewings WHERE request_id = $1 ORDER BY id")
                    .bind(id)
                    .fetch_all(p)
                    .await?;
            let extractions: Vec<ExtractionRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{EXTRACTION_SELECT} WHERE e.request_id = $1 ORDER BY e.id")))
                    .bind(id)
                    .fetch_all(p)
                    .await?;
            (row, viewings, extractions)
        });
        let Some(row) = row else { return Ok(None) };
        let viewings = viewings
            .into_iter()
            .map(|(v, agent)| Ok(Viewing { viewed_at: at("footage_viewings", id, "viewed_at", &v)?, agent }))
            .collect::<Result<_, StoreError>>()?;
        Ok(Some((request_of(row)?, viewings, extractions.into_iter().map(extraction_of).collect::<Result<_, _>>()?)))
    }

    pub async fn add_footage_viewing(&self, by: &Author, request_id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("INSERT INTO footage_viewings (request_id, viewed_at, agent) VALUES ($1, $2, $3)")
                .bind(request_id)
                .bind(time_fmt::to_storage(time_fmt::now()))
                .bind(&by.label)
                .execute(&mut *c)
                .await?;
        });
        append(&mut tx, by, "video.viewing", "footage_request", &request_id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_extraction(
        &self,
        by: &Author,
        request_id: i64,
        recipient: &str,
        judicial: bool,
        destroy_by: Option<Date>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO extractions (request_id, extracted_at, agent, recipient, judicial, destroy_by, destroyed_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, '') RETURNING id",
            )
            .bind(request_id)
            .bind(time_fmt::to_storage(time_fmt::now()))
            .bind(&by.label)
            .bind(recipient.trim())
            .bind(judicial)
            .bind(destroy_by.map(|d| d.to_string()))
            .fetch_one(&mut *c)
            .await?
        });
        append(&mut tx, by, "video.extraction", "footage_request", &request_id.to_string(), &id.to_string()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records an extraction's destruction on `on`; `false` if it was already destroyed or is
    /// kept for a judicial procedure.
    pub async fn destroy_extraction(&self, by: &Author, id: i64, on: Date) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE extractions SET destroyed_on = $1, destroyed_by = $2 WHERE id = $3 AND destroyed_on IS NULL AND judicial = FALSE",
            )
            .bind(on.to_string())
            .bind(&by.label)
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n > 0 {
            append(&mut tx, by, "video.destruction", "extraction", &id.to_string(), "").await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    pub async fn extraction_exists(&self, id: i64) -> Result<bool, StoreError> {
        let n: i64 =
            on_db!(&self.db, p, { sqlx::query_scalar("SELECT COUNT(*) FROM extractions WHERE id = $1").bind(id).fetch_one(p).await? });
        Ok(n > 0)
    }

    /// Extractions not yet destroyed (judicial ones included, marked), soonest first.
    pub async fn extractions_kept(&self) -> Result<Vec<Extraction>, StoreError> {
        let rows: Vec<ExtractionRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{EXTRACTION_SELECT} WHERE e.destroyed_on IS NULL ORDER BY e.judicial, e.destroy_by, e.id"
            )))
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(extraction_of).collect()
    }

    /// Extractions whose destruction day is `on` or before, not destroyed, not judicial.
    pub async fn extractions_due(&self, on: Date) -> Result<Vec<Extraction>, StoreError> {
        let rows: Vec<ExtractionRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{EXTRACTION_SELECT} WHERE e.destroyed_on IS NULL AND e.judicial = FALSE AND e.destroy_by <= $1 ORDER BY e.destroy_by, e.id"
            )))
            .bind(on.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(extraction_of).collect()
    }

    /// Removes the requests (with their viewings and extractions) recorded before `cutoff`.
    pub async fn purge_video_register(&self, by: &Author, cutoff: OffsetDateTime) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM footage_requests WHERE created_at < $1")
                .bind(time_fmt::to_storage(cutoff))
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if n > 0 {
            append(&mut tx, by, "video.purge", "footage_request", "", &n.to_string()).await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}
