//! The CLSPD's bodies and meetings: a meeting written whole with its agenda under an optimistic
//! version, its attendance and minutes recorded once held, its cancellation kept.

pub mod document;

use crate::audit::append;
use crate::db::decode;
use crate::mail::{OutgoingMail, enqueue_with};
use crate::{Author, Store, StoreError};
use maillage_core::meeting::{AgendaItem, BodyKind, MeetingDraft, MeetingStatus};
use maillage_core::time_fmt;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    pub id: i64,
    pub kind: BodyKind,
    pub name: String,
}

/// Whom a meeting invited, and their reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub user_id: i64,
    pub name: String,
    pub organisation: Option<String>,
    pub email: String,
    /// "oui", "non", or none yet.
    pub reply: Option<String>,
    /// What the mail server last said when refusing its message, empty once delivered.
    pub delivery_error: String,
}

/// (user, name, organisation, e-mail, reply, delivery error)
type InvitationRow = (i64, String, Option<String>, String, Option<String>, String);

/// A message to queue with its iCalendar object.
pub type CalendarMail = (OutgoingMail, String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    pub id: i64,
    pub body: Body,
    pub starts_at: OffsetDateTime,
    pub ends_at: Option<OffsetDateTime>,
    pub place: String,
    pub status: MeetingStatus,
    pub agenda: Vec<AgendaItem>,
    pub minutes: String,
    pub professionals_present: i64,
    /// Organisations present: (id, name), by name.
    pub organisations: Vec<(i64, String)>,
    pub version: i64,
}

type BodyRow = (i64, String, String);
type MeetingRow = (i64, i64, String, Option<String>, String, String, String, i64, i64);
/// A read's rows: meetings, agenda items (meeting, title, sheet), organisations present
/// (meeting, id, name).
type MeetingRows = (Vec<MeetingRow>, Vec<(i64, String, Option<String>)>, Vec<(i64, i64, String)>);

fn body_of((id, kind, name): BodyRow) -> Result<Body, StoreError> {
    Ok(Body { kind: decode("bodies", id, "kind", &kind, BodyKind::from_code)?, id, name })
}

/// The CLSPD's meetings are `council_*` in the store: a working group's are `meeting*`.
impl Store {
    pub async fn bodies(&self) -> Result<Vec<Body>, StoreError> {
        let rows: Vec<BodyRow> = on_db!(&self.db, p, sqlx::query_as("SELECT id, kind, name FROM bodies ORDER BY name").fetch_all(p).await?);
        rows.into_iter().map(body_of).collect()
    }

    /// Adds a checked body; a name already taken is a `Conflict`.
    pub async fn create_body(&self, by: &Author, kind: BodyKind, name: &str) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar("INSERT INTO bodies (kind, name, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(kind.code())
                .bind(name.trim())
                .bind(&now)
                .fetch_one(&mut *c)
                .await?
        });
        append(&mut tx, by, "body.create", "body", &id.to_string(), name.trim()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every meeting, the latest first, with its agenda and attendance.
    pub async fn council_meetings(&self) -> Result<Vec<Meeting>, StoreError> {
        self.read_meetings(None).await
    }

    pub async fn council_meeting(&self, id: i64) -> Result<Option<Meeting>, StoreError> {
        Ok(self.read_meetings(Some(id)).await?.into_iter().next())
    }

    async fn read_meetings(&self, id: Option<i64>) -> Result<Vec<Meeting>, StoreError> {
        let filter = if id.is_some() { " WHERE id = $1" } else { "" };
        let sql = format!(
            "SELECT id, body_id, starts_at, ends_at, place, status, minutes, professionals_present, version FROM meetings{filter} \
             ORDER BY starts_at DESC, id DESC"
        );
        let item_filter = if id.is_some() { " WHERE meeting_id = $1" } else { "" };
        let items_sql = format!("SELECT meeting_id, title, sheet_code FROM agenda_items{item_filter} ORDER BY meeting_id, position");
        let orgs_sql = format!(
            "SELECT m.meeting_id, o.id, o.name FROM meeting_organisations m JOIN organisations o ON o.id = m.organisation_id{} ORDER BY o.name",
            if id.is_some() { " WHERE m.meeting_id = $1" } else { "" }
        );
        let (rows, items, orgs): MeetingRows = on_db!(&self.db, p, {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            let mut qi = sqlx::query_as(sqlx::AssertSqlSafe(items_sql));
            let mut qo = sqlx::query_as(sqlx::AssertSqlSafe(orgs_sql));
            if let Some(id) = id {
                q = q.bind(id);
                qi = qi.bind(id);
                qo = qo.bind(id);
            }
            (q.fetch_all(p).await?, qi.fetch_all(p).await?, qo.fetch_all(p).await?)
        });
        let bodies = self.bodies().await?;
        let mut out = Vec::new();
        for (id, body_id, starts_at, ends_at, place, status, minutes, professionals_present, version) in rows {
            let at = |column: &'static str, v: &str| decode("meetings", id, column, v, time_fmt::from_storage);
            out.push(Meeting {
                body: bodies.iter().find(|b| b.id == body_id).cloned().ok_or_else(|| StoreError::Corrupt {
                    table: "meetings",
                    id,
                    column: "body_id",
                    value: body_id.to_string(),
                })?,
                starts_at: at("starts_at", &starts_at)?,
                ends_at: ends_at.map(|e| at("ends_at", &e)).transpose()?,
                status: decode("meetings", id, "status", &status, MeetingStatus::from_code)?,
                agenda: items.iter().filter(|i| i.0 == id).map(|i| AgendaItem { title: i.1.clone(), sheet_code: i.2.clone() }).collect(),
                organisations: orgs.iter().filter(|o| o.0 == id).map(|o| (o.1, o.2.clone())).collect(),
                id,
                place,
                minutes,
                professionals_present,
                version,
            });
        }
        Ok(out)
    }

    /// Plans a checked meeting; gives its id.
    pub async fn create_council_meeting(&self, by: &Author, d: &MeetingDraft) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let (Some(body_id), Some(starts_at)) = (d.body_id, d.starts_at) else {
            return Err(StoreError::Invalid("réunion sans instance ni début".into()));
        };
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO meetings (body_id, starts_at, ends_at, place, status, minutes, professionals_present, updated_at, updated_by, version) \
                 VALUES ($1, $2, $3, $4, $5, '', 0, $6, $7, 1) RETURNING id",
            )
            .bind(body_id)
            .bind(time_fmt::to_storage(starts_at))
            .bind(d.ends_at.map(time_fmt::to_storage))
            .bind(d.place.trim())
            .bind(MeetingStatus::Planned.code())
            .bind(&now)
            .bind(&by.label)
            .fetch_one(&mut *c)
            .await?
        });
        write_agenda(&mut tx, id, &d.agenda).await?;
        append(&mut tx, by, "meeting.create", "council_meeting", &id.to_string(), &time_fmt::to_storage(starts_at)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a planned meeting read at `version` (its body, times, place and agenda).
    /// `mails`: the invited's updates, queued with the change.
    pub async fn update_council_meeting(
        &self,
        by: &Author,
        id: i64,
        version: i64,
        d: &MeetingDraft,
        mails: &[CalendarMail],
    ) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let (Some(body_id), Some(starts_at)) = (d.body_id, d.starts_at) else {
            return Err(StoreError::Invalid("réunion sans instance ni début".into()));
        };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE meetings SET body_id = $1, starts_at = $2, ends_at = $3, place = $4, updated_at = $5, updated_by = $6, \
                 version = version + 1 WHERE id = $7 AND version = $8 AND status = $9",
            )
            .bind(body_id)
            .bind(time_fmt::to_storage(starts_at))
            .bind(d.ends_at.map(time_fmt::to_storage))
            .bind(d.place.trim())
            .bind(&now)
            .bind(&by.label)
            .bind(id)
            .bind(version)
            .bind(MeetingStatus::Planned.code())
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(format!("la réunion n° {id} a changé depuis sa lecture, ou n'est plus prévue")));
        }
        on_tx!(&mut tx, c, sqlx::query("DELETE FROM agenda_items WHERE meeting_id = $1").bind(id).execute(&mut *c).await?.rows_affected());
        write_agenda(&mut tx, id, &d.agenda).await?;
        for (m, ics) in mails {
            enqueue_with(&mut tx, m, Some((ics, id))).await?;
        }
        append(&mut tx, by, "meeting.update", "council_meeting", &id.to_string(), &time_fmt::to_storage(starts_at)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cancels a planned meeting read at `version`; `mails`: the invited's cancellations.
    pub async fn cancel_council_meeting(&self, by: &Author, id: i64, version: i64, mails: &[CalendarMail]) -> Result<(), StoreError> {
        self.set_meeting_status(by, id, version, MeetingStatus::Cancelled, None, mails).await
    }

    /// Records a meeting as held, read at `version`: its minutes, the professionals present
    /// and the organisations present (replacing those recorded before).
    pub async fn record_council_meeting(
        &self,
        by: &Author,
        id: i64,
        version: i64,
        minutes: &str,
        professionals: i64,
        organisation_ids: &[i64],
    ) -> Result<(), StoreError> {
        self.set_meeting_status(by, id, version, MeetingStatus::Held, Some((minutes, professionals, organisation_ids)), &[]).await
    }

    async fn set_meeting_status(
        &self,
        by: &Author,
        id: i64,
        version: i64,
        status: MeetingStatus,
        record: Option<(&str, i64, &[i64])>,
        mails: &[CalendarMail],
    ) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        // A cancelled meeting stays so; a held one takes its minutes again.
        let from: &[MeetingStatus] = match status {
            MeetingStatus::Cancelled => &[MeetingStatus::Planned],
            MeetingStatus::Held => &[MeetingStatus::Planned, MeetingStatus::Held],
            MeetingStatus::Planned => &[],
        };
        let (minutes, professionals) = record.map_or((None, None), |r| (Some(r.0.to_string()), Some(r.1)));
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE meetings SET status = $1, minutes = COALESCE($2, minutes), professionals_present = COALESCE($3, professionals_present), \
                 updated_at = $4, updated_by = $5, version = version + 1 WHERE id = $6 AND version = $7 AND status IN ($8, $9)",
            )
            .bind(status.code())
            .bind(minutes)
            .bind(professionals)
            .bind(&now)
            .bind(&by.label)
            .bind(id)
            .bind(version)
            .bind(from.first().map_or("", |s| s.code()))
            .bind(from.last().map_or("", |s| s.code()))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(format!("la réunion n° {id} a changé depuis sa lecture")));
        }
        if let Some((_, _, organisations)) = record {
            on_tx!(&mut tx, c, {
                sqlx::query("DELETE FROM meeting_organisations WHERE meeting_id = $1").bind(id).execute(&mut *c).await?;
                for o in organisations {
                    sqlx::query("INSERT INTO meeting_organisations (meeting_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(id)
                        .bind(o)
                        .execute(&mut *c)
                        .await?;
                }
            });
        }
        for (m, ics) in mails {
            enqueue_with(&mut tx, m, Some((ics, id))).await?;
        }
        let op = if status == MeetingStatus::Cancelled { "meeting.cancel" } else { "meeting.record" };
        append(&mut tx, by, op, "council_meeting", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Invitations, and the counts the indicators read.
impl Store {
    /// Every meeting held: (start, professionals present).
    pub async fn council_meetings_held(&self) -> Result<Vec<(OffsetDateTime, i64)>, StoreError> {
        let rows: Vec<(i64, String, i64)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, starts_at, professionals_present FROM meetings WHERE status = $1")
                .bind(MeetingStatus::Held.code())
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(|(id, at, n)| Ok((decode("meetings", id, "starts_at", &at, time_fmt::from_storage)?, n))).collect()
    }

    pub async fn meeting_invitations(&self, meeting_id: i64) -> Result<Vec<Invitation>, StoreError> {
        let rows: Vec<InvitationRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT i.user_id, u.display_name, o.name, i.email, i.reply, i.delivery_error FROM meeting_invitations i JOIN users u ON u.id = i.user_id \
                 LEFT JOIN organisations o ON o.id = u.organisation_id WHERE i.meeting_id = $1 ORDER BY o.name, u.display_name",
            )
            .bind(meeting_id)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(user_id, name, organisation, email, reply, delivery_error)| Invitation {
                user_id,
                name,
                organisation,
                email,
                reply,
                delivery_error,
            })
            .collect())
    }

    /// Invites `invitees` (user id, e-mail) not yet invited to a meeting still planned, each
    /// with their message; gives how many were invited.
    pub async fn invite_to_meeting(&self, by: &Author, meeting_id: i64, invitees: &[(i64, CalendarMail)]) -> Result<usize, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let planned: Option<i64> = on_tx!(&mut tx, c, {
            sqlx::query_scalar("SELECT id FROM meetings WHERE id = $1 AND status = $2")
                .bind(meeting_id)
                .bind(MeetingStatus::Planned.code())
                .fetch_optional(&mut *c)
                .await?
        });
        if planned.is_none() {
            return Err(StoreError::Conflict(format!("la réunion n° {meeting_id} n'est plus prévue")));
        }
        let mut invited = 0;
        for (user_id, (mail, ics)) in invitees {
            let n = on_tx!(&mut tx, c, {
                sqlx::query(
                    "INSERT INTO meeting_invitations (meeting_id, user_id, email, invited_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (meeting_id, user_id) DO NOTHING",
                )
                .bind(meeting_id)
                .bind(user_id)
                .bind(&mail.recipient)
                .bind(&now)
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
            if n > 0 {
                enqueue_with(&mut tx, mail, Some((ics, meeting_id))).await?;
                invited += 1;
            }
        }
        append(&mut tx, by, "meeting.invite", "council_meeting", &meeting_id.to_string(), &format!("{invited} invitation(s)")).await?;
        tx.commit().await?;
        Ok(invited)
    }

    /// An invited account's reply; `false` when it was not invited.
    pub async fn reply_to_meeting(&self, meeting_id: i64, user_id: i64, reply: &str) -> Result<bool, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let n = on_db!(&self.db, p, {
            sqlx::query("UPDATE meeting_invitations SET reply = $1, replied_at = $2 WHERE meeting_id = $3 AND user_id = $4")
                .bind(reply)
                .bind(&now)
                .bind(meeting_id)
                .bind(user_id)
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}

async fn write_agenda(tx: &mut crate::db::Tx, meeting_id: i64, agenda: &[AgendaItem]) -> Result<(), StoreError> {
    for (i, item) in agenda.iter().enumerate() {
        on_tx!(tx, c, {
            sqlx::query("INSERT INTO agenda_items (meeting_id, position, title, sheet_code) VALUES ($1, $2, $3, $4)")
                .bind(meeting_id)
                .bind(i as i64 + 1)
                .bind(item.title.trim())
                .bind(item.sheet_code.as_deref())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
    }
    Ok(())
}
