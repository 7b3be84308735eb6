//! A working group's meetings: attendance, invited persons, decisions (their text sealed), and
//! what the relevé de conclusions and the dashboard count.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::Date;

/// The place a decision's text is sealed for.
pub fn decision_place(id: i64) -> String {
    format!("meeting_decisions.text.{id}")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    pub id: i64,
    pub group_id: i64,
    pub held_on: Date,
    pub place: String,
    pub present: i64,
    pub decisions: i64,
}

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    group_id: i64,
    held_on: String,
    place: String,
    present: i64,
    decisions: i64,
}

impl TryFrom<MeetingRow> for Meeting {
    type Error = StoreError;

    fn try_from(r: MeetingRow) -> Result<Self, StoreError> {
        Ok(Meeting {
            held_on: decode("group_meetings", r.id, "held_on", &r.held_on, parse_iso_date)?,
            id: r.id,
            group_id: r.group_id,
            place: r.place,
            present: r.present,
            decisions: r.decisions,
        })
    }
}

macro_rules! select_meetings {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.group_id, m.held_on, m.place, \
             (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS present, \
             (SELECT COUNT(*) FROM meeting_decisions d WHERE d.meeting_id = m.id) AS decisions \
             FROM group_meetings m ",
            $rest
        )
    };
}

/// A member present at a meeting.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Present {
    pub user_id: i64,
    pub display_name: String,
    pub organisation_name: Option<String>,
}

/// A qualified person heard at one meeting (art. 2), who accepted the confidentiality rules.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Invited {
    pub name: String,
    pub function: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDecision {
    pub case_id: i64,
    pub kind: String,
    pub lead_id: Option<i64>,
    pub follow_up_on: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub meeting_id: i64,
    /// None once the situation is destroyed (the decision is still counted).
    pub case_id: Option<i64>,
    pub kind: String,
    /// Sealed; none once the situation is destroyed.
    pub text: Option<String>,
    pub lead: Option<String>,
    pub lead_organisation: Option<String>,
    pub follow_up_on: Option<Date>,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    id: i64,
    meeting_id: i64,
    case_id: Option<i64>,
    kind: String,
    text: Option<String>,
    lead: Option<String>,
    lead_organisation: Option<String>,
    follow_up_on: Option<String>,
}

impl TryFrom<DecisionRow> for Decision {
    type Error = StoreError;

    fn try_from(r: DecisionRow) -> Result<Self, StoreError> {
        Ok(Decision {
            follow_up_on: r.follow_up_on.map(|v| decode("meeting_decisions", r.id, "follow_up_on", &v, parse_iso_date)).transpose()?,
            id: r.id,
            meeting_id: r.meeting_id,
            case_id: r.case_id,
            kind: r.kind,
            text: r.text,
            lead: r.lead,
            lead_organisation: r.lead_organisation,
        })
    }
}

macro_rules! select_decisions {
    ($rest:literal) => {
        concat!(
            "SELECT d.id, d.meeting_id, d.case_id, d.kind, d.text, u.display_name AS lead, o.name AS lead_organisation, d.follow_up_on \
             FROM meeting_decisions d LEFT JOIN users u ON u.id = d.lead_id LEFT JOIN organisations o ON o.id = u.organisation_id ",
            $rest
        )
    };
}

/// What the group's figures are computed from: the sealed identity is opened by the
/// application for age and sex, never shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureRow {
    pub id: i64,
    pub identity: String,
    pub opened_on: Date,
    pub ended_on: Option<Date>,
    pub origin: String,
    pub outcome: Option<String>,
    pub informed: bool,
}

impl Store {
    pub async fn create_meeting(&self, by: &Author, group_id: i64, held_on: Date, place: &str) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar("INSERT INTO group_meetings (group_id, held_on, place, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(group_id)
                .bind(held_on.to_string())
                .bind(place.trim())
                .bind(&now)
                .fetch_one(c)
                .await?
        });
        append(&mut tx, by, "meeting.create", "working_group", &group_id.to_string(), &format!("réunion {id}")).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn meetings(&self, group_id: i64) -> Result<Vec<Meeting>, StoreError> {
        let rows: Vec<MeetingRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_meetings!("WHERE m.group_id = $1 ORDER BY m.held_on DESC, m.id DESC")).bind(group_id).fetch_all(p).await?
        });
        rows.into_iter().map(Meeting::try_from).collect()
    }

    pub async fn meeting(&self, group_id: i64, id: i64) -> Result<Option<Meeting>, StoreError> {
        let row: Option<MeetingRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_meetings!("WHERE m.group_id = $1 AND m.id = $2")).bind(group_id).bind(id).fetch_optional(p).await?
        });
        row.map(Meeting::try_from).transpose()
    }

    /// Replaces the list of members present.
    pub async fn set_attendance(&self, by: &Author, meeting_id: i64, user_ids: &[i64]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM meeting_attendance WHERE meeting_id = $1").bind(meeting_id).execute(&mut *c).await?;
            for u in user_ids {
                sqlx::query("INSERT INTO meeting_attendance (meeting_id, user_id) VALUES ($1, $2)")
                    .bind(meeting_id)
                    .bind(u)
                    .execute(&mut *c)
                    .await?;
            }
        });
        append(&mut tx, by, "meeting.attendance", "meeting", &meeting_id.to_string(), &format!("{} présents", user_ids.len())).await?;
        tx.commit().await
    }

    pub async fn attendance(&self, meeting_id: i64) -> Result<Vec<Present>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT a.user_id, u.display_name, o.name AS organisation_name FROM meeting_attendance a JOIN users u ON u.id = a.user_id \
                 LEFT JOIN organisations o ON o.id = u.organisation_id WHERE a.meeting_id = $1 ORDER BY u.display_name",
            )
            .bind(meeting_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Records a qualified person invited to this meeting, who accepted the confidentiality rules.
    pub async fn add_invited(&self, by: &Author, meeting_id: i64, name: &str, function: &str) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("INSERT INTO invited_persons (meeting_id, name, function, accepted_at) VALUES ($1, $2, $3, $4)")
                .bind(meeting_id)
                .bind(name.trim())
                .bind(function.trim())
                .bind(&now)
                .execute(c)
                .await?
                .rows_affected()
        });
        append(&mut tx, by, "meeting.invited", "meeting", &meeting_id.to_string(), "").await?;
        tx.commit().await
    }

    pub async fn invited(&self, meeting_id: i64) -> Result<Vec<Invited>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as("SELECT name, function FROM invited_persons WHERE meeting_id = $1 ORDER BY id")
                .bind(meeting_id)
                .fetch_all(p)
                .await?
        }))
    }

    /// Records a decision; `seal` seals its text for the new row's id.
    pub async fn add_decision(
        &self,
        by: &Author,
        meeting_id: i64,
        d: &NewDecision,
        seal: impl FnOnce(i64) -> Option<String>,
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO meeting_decisions (meeting_id, case_id, kind, lead_id, follow_up_on, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(meeting_id)
            .bind(d.case_id)
            .bind(&d.kind)
            .bind(d.lead_id)
            .bind(d.follow_up_on.map(|f| f.to_string()))
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        let text = seal(id);
        on_tx!(
            &mut tx,
            c,
            sqlx::query("UPDATE meeting_decisions SET text = $1 WHERE id = $2").bind(&text).bind(id).execute(c).await?.rows_affected()
        );
        append(&mut tx, by, "meeting.decision", "case", &d.case_id.to_string(), &d.kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn decisions(&self, meeting_id: i64) -> Result<Vec<Decision>, StoreError> {
        let rows: Vec<DecisionRow> = on_db!(
            &self.db,
            p,
            sqlx::query_as(select_decisions!("WHERE d.meeting_id = $1 ORDER BY d.id")).bind(meeting_id).fetch_all(p).await?
        );
        rows.into_iter().map(Decision::try_from).collect()
    }

    /// The decisions about one situation, oldest first.
    pub async fn decisions_of_case(&self, case_id: i64) -> Result<Vec<Decision>, StoreError> {
        let rows: Vec<DecisionRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_decisions!("WHERE d.case_id = $1 ORDER BY d.meeting_id, d.id")).bind(case_id).fetch_all(p).await?
        });
        rows.into_iter().map(Decision::try_from).collect()
    }

    /// The decisions of a group whose follow-up date has come, on situations still followed.
    pub async fn decisions_due(&self, group_id: i64, today: Date) -> Result<Vec<Decision>, StoreError> {
        let rows: Vec<DecisionRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_decisions!(
                "JOIN group_meetings m ON m.id = d.meeting_id JOIN cases c ON c.id = d.case_id \
                 WHERE m.group_id = $1 AND c.ended_on IS NULL AND d.follow_up_on <= $2 ORDER BY d.follow_up_on, d.id"
            ))
            .bind(group_id)
            .bind(today.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(Decision::try_from).collect()
    }

    /// The decisions of a group, with their meeting, for the dashboard's counts.
    pub async fn group_decisions(&self, group_id: i64) -> Result<Vec<Decision>, StoreError> {
        let rows: Vec<DecisionRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_decisions!("JOIN group_meetings m ON m.id = d.meeting_id WHERE m.group_id = $1 ORDER BY d.id"))
                .bind(group_id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Decision::try_from).collect()
    }

    /// What the group's figures are computed from.
    pub async fn figure_rows(&self, group_id: i64) -> Result<Vec<FigureRow>, StoreError> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, String, String, Option<String>, String, Option<String>, bool)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, identity, opened_on, ended_on, origin, outcome, (informed_on IS NOT NULL OR informing_deferred IS NOT NULL) \
                 FROM cases WHERE group_id = $1 ORDER BY id",
            )
            .bind(group_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, identity, opened, ended, origin, outcome, informed)| {
                Ok(FigureRow {
                    opened_on: decode("cases", id, "opened_on", &opened, parse_iso_date)?,
                    ended_on: ended.map(|e| decode("cases", id, "ended_on", &e, parse_iso_date)).transpose()?,
                    id,
                    identity,
                    origin,
                    outcome,
                    informed,
                })
            })
            .collect()
    }

    /// Actions of a group's situations, counted by kind.
    pub async fn action_counts(&self, group_id: i64) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT a.kind, COUNT(*) FROM case_actions a JOIN cases c ON c.id = a.case_id WHERE c.group_id = $1 GROUP BY a.kind ORDER BY a.kind",
            )
            .bind(group_id)
            .fetch_all(p)
            .await?
        }))
    }
}
