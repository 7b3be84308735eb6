//! Rapid alerts: on-call lines, alerts, their deliveries (one a recipient, with the SHA-256 of
//! its acknowledgement token and its SMS's state) and their timeline. Raising an alert, an
//! escalation and a closing each write in one transaction with their mail and audit entry.

use crate::audit::append;
use crate::db::{Tx, decode};
use crate::mail::OutgoingMail;
use crate::{Author, Store, StoreError};
use maillage_core::alert::OnCall;
use maillage_core::authz::AlertScope;
use maillage_core::time_fmt;
use time::{OffsetDateTime, Time};

/// An on-call line with its recipient, as the coordinator lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnCallEntry {
    pub id: i64,
    pub entry: OnCall,
    pub user_name: String,
    pub email: String,
    /// The recipient's organisation: the chain escalation follows (0: none).
    pub chain: i64,
    /// The recipient's roles now: a line whose account may no longer follow alerts sends nothing.
    pub roles: Vec<maillage_core::authz::Role>,
}

/// A new alert, checked and located.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAlert {
    pub kind: String,
    pub district_id: Option<i64>,
    pub point: Option<(f64, f64)>,
    pub place: String,
    pub occurred_at: OffsetDateTime,
    pub estimated_count: Option<i64>,
    pub facts: String,
    pub raised_by: Option<i64>,
    pub organisation_id: Option<i64>,
}

/// One recipient to send an alert to, with the message that tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    pub user_id: i64,
    pub chain: i64,
    pub level: i64,
    /// The number the gateway texts; empty: no SMS.
    pub phone: String,
    pub token_hash: String,
    pub expires_at: OffsetDateTime,
    pub mail: OutgoingMail,
    /// The SMS's text, with the acknowledgement link (kept until the gateway takes it).
    pub sms_body: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub id: i64,
    pub kind: String,
    pub district_id: Option<i64>,
    pub district: Option<String>,
    pub point: Option<(f64, f64)>,
    pub place: String,
    pub occurred_at: OffsetDateTime,
    pub estimated_count: Option<i64>,
    pub facts: String,
    pub raised_by: Option<i64>,
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub created_at: OffsetDateTime,
    pub first_acknowledged_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub closed_by: Option<String>,
    pub debrief: maillage_core::alert::Debrief,
    pub working_group: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub alert_id: i64,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub organisation: Option<String>,
    pub chain: i64,
    pub level: i64,
    pub phone: String,
    pub sent_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub sms_state: String,
    pub sms_attempts: i64,
    pub sms_error: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: OffsetDateTime,
    pub kind: String,
    pub author: String,
    pub body: String,
}

/// What an acknowledgement link led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acknowledged {
    Done {
        alert_id: i64,
    },
    Already {
        alert_id: i64,
        at: OffsetDateTime,
    },
    Expired {
        alert_id: i64,
    },
    /// The alert was closed: there is nothing left to acknowledge.
    Closed {
        alert_id: i64,
        at: OffsetDateTime,
    },
    Unknown,
}

/// A delivery found by its link's token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenDelivery {
    pub id: i64,
    pub alert_id: i64,
    pub expires_at: OffsetDateTime,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub email: String,
}

/// An SMS waiting for the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueSms {
    pub delivery_id: i64,
    pub body: String,
    pub alert_id: i64,
    pub phone: String,
    pub level: i64,
    pub attempts: i64,
}

/// The year's alerts counted, for the evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertFigures {
    pub total: i64,
    pub by_kind: Vec<(String, i64)>,
    pub by_district: Vec<(String, i64)>,
    /// (month 1-12, count)
    pub by_month: Vec<(i64, i64)>,
    /// Minutes from raising to the first acknowledgement, one per acknowledged alert.
    pub first_ack_minutes: Vec<i64>,
    pub young_people_identified: i64,
    pub families_contacted: i64,
    pub proposed_to_groups: i64,
}

fn time_text(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

fn at(table: &'static str, id: i64, column: &'static str, v: &str) -> Result<OffsetDateTime, StoreError> {
    decode(table, id, column, v, time_fmt::from_storage)
}

fn maybe_at(table: &'static str, id: i64, column: &'static str, v: Option<String>) -> Result<Option<OffsetDateTime>, StoreError> {
    v.map(|v| at(table, id, column, &v)).transpose()
}

type OnCallRow = (i64, i64, String, Option<i64>, i64, String, String, i64, String, String, String, Option<i64>, String);
#[derive(sqlx::FromRow)]
struct AlertRow {
    id: i64,
    kind: String,
    district_id: Option<i64>,
    district: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    place: String,
    occurred_at: String,
    estimated_count: Option<i64>,
    facts: String,
    raised_by: Option<i64>,
    organisation_id: Option<i64>,
    organisation: Option<String>,
    created_at: String,
    first_acknowledged_at: Option<String>,
    closed_at: Option<String>,
    closed_by: Option<String>,
    what_happened: String,
    who_acted: String,
    families_contacted: bool,
    young_people_identified: i64,
    working_group_id: Option<i64>,
    working_group: Option<String>,
}
type DeliveryRow =
    (i64, i64, Option<i64>, Option<String>, Option<String>, i64, i64, String, String, String, Option<String>, String, i64, String);

const ALERT_SELECT: &str = "SELECT a.id, a.kind, a.district_id, d.name AS district, a.lat, a.lon, a.place, a.occurred_at, a.estimated_count, \
     a.facts, a.raised_by, a.organisation_id, o.name AS organisation, a.created_at, a.first_acknowledged_at, a.closed_at, a.closed_by, \
     a.what_happened, a.who_acted, a.families_contacted, a.young_people_identified, a.working_group_id, g.name AS working_group \
     FROM alerts a LEFT JOIN areas d ON d.id = a.district_id LEFT JOIN organisations o ON o.id = a.organisation_id \
     LEFT JOIN working_groups g ON g.id = a.working_group_id";

fn alert_from(r: AlertRow) -> Result<Alert, StoreError> {
    let id = r.id;
    Ok(Alert {
        occurred_at: at("alerts", id, "occurred_at", &r.occurred_at)?,
        created_at: at("alerts", id, "created_at", &r.created_at)?,
        first_acknowledged_at: maybe_at("alerts", id, "first_acknowledged_at", r.first_acknowledged_at)?,
        closed_at: maybe_at("alerts", id, "closed_at", r.closed_at)?,
        closed_by: r.closed_by,
        debrief: maillage_core::alert::Debrief {
            what_happened: r.what_happened,
            who_acted: r.who_acted,
            families_contacted: r.families_contacted,
            young_people_identified: r.young_people_identified,
            working_group_id: r.working_group_id,
        },
        working_group: r.working_group,
        id,
        kind: r.kind,
        district_id: r.district_id,
        district: r.district,
        point: r.lat.zip(r.lon),
        place: r.place,
        estimated_count: r.estimated_count,
        facts: r.facts,
        raised_by: r.raised_by,
        organisation_id: r.organisation_id,
        organisation: r.organisation,
    })
}

async fn event(
    tx: &mut Tx,
    alert_id: i64,
    at: &str,
    kind: &str,
    delivery_id: Option<i64>,
    author: &str,
    body: &str,
) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query("INSERT INTO alert_events (alert_id, at, kind, delivery_id, author, body) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(alert_id)
            .bind(at)
            .bind(kind)
            .bind(delivery_id)
            .bind(author)
            .bind(body)
            .execute(c)
            .await?;
    });
    Ok(())
}

async fn insert_alert(tx: &mut Tx, a: &NewAlert, created_at: &str) -> Result<i64, StoreError> {
    Ok(on_tx!(tx, c, {
        sqlx::query_scalar(
            "INSERT INTO alerts (kind, district_id, lat, lon, place, occurred_at, estimated_count, facts, raised_by, organisation_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(&a.kind)
        .bind(a.district_id)
        .bind(a.point.map(|p| p.0))
        .bind(a.point.map(|p| p.1))
        .bind(a.place.trim())
        .bind(time_fmt::to_storage(a.occurred_at))
        .bind(a.estimated_count)
        .bind(a.facts.trim())
        .bind(a.raised_by)
        .bind(a.organisation_id)
        .bind(created_at)
        .fetch_one(c)
        .await?
    }))
}

/// Writes deliveries, their messages and a timeline event each (`kind`: sent or escalated).
async fn deliver(tx: &mut Tx, alert_id: i64, deliveries: &[NewDelivery], kind: &str, now: &str) -> Result<(), StoreError> {
    for d in deliveries {
        let sms_state = if d.phone.is_empty() { "none" } else { "waiting" };
        let id: i64 = on_tx!(&mut *tx, c, {
            sqlx::query_scalar(
                "INSERT INTO alert_deliveries (alert_id, user_id, chain, level, phone, token_hash, sent_at, expires_at, sms_state, sms_next_at, sms_body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $7, $10) RETURNING id",
            )
            .bind(alert_id)
            .bind(d.user_id)
            .bind(d.chain)
            .bind(d.level)
            .bind(&d.phone)
            .bind(&d.token_hash)
            .bind(now)
            .bind(time_fmt::to_storage(d.expires_at))
            .bind(sms_state)
            .bind(if d.phone.is_empty() { "" } else { d.sms_body.as_str() })
            .fetch_one(c)
            .await?
        });
        on_tx!(&mut *tx, c, {
            sqlx::query(
                "INSERT INTO outbox (created_at, recipient, subject, body, next_attempt_at, alert_delivery_id) VALUES ($1, $2, $3, $4, $1, $5)",
            )
            .bind(now)
            .bind(&d.mail.recipient)
            .bind(&d.mail.subject)
            .bind(&d.mail.body)
            .bind(id)
            .execute(c)
            .await?;
        });
        event(tx, alert_id, now, kind, Some(id), "système", &format!("niveau {}", d.level)).await?;
    }
    Ok(())
}

impl Store {
    pub async fn on_call_entries(&self) -> Result<Vec<OnCallEntry>, StoreError> {
        let rows: Vec<OnCallRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT e.id, e.user_id, e.kinds, e.district_id, e.days, e.starts, e.ends, e.level, e.phone, u.display_name, u.email, u.organisation_id, \
                 u.roles \
                 FROM on_call_entries e JOIN users u ON u.id = e.user_id WHERE NOT u.disabled \
                 ORDER BY e.level, u.display_name, e.id",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, user_id, kinds, district_id, days, starts, ends, level, phone, user_name, email, org, roles)| {
                Ok(OnCallEntry {
                    entry: OnCall {
                        user_id,
                        kinds: kinds.split(',').filter(|k| !k.is_empty()).map(str::to_string).collect(),
                        district_id,
                        days,
                        starts: decode("on_call_entries", id, "starts", &starts, parse_time)?,
                        ends: decode("on_call_entries", id, "ends", &ends, parse_time)?,
                        level,
                        phone,
                    },
                    id,
                    user_name,
                    email,
                    chain: org.unwrap_or(0),
                    roles: decode("users", user_id, "roles", &roles, |list| {
                        list.split(',').filter(|c| !c.is_empty()).map(maillage_core::authz::Role::from_code).collect()
                    })?,
                })
            })
            .collect()
    }

    pub async fn add_on_call(&self, by: &Author, o: &OnCall) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO on_call_entries (user_id, kinds, district_id, days, starts, ends, level, phone, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(o.user_id)
            .bind(o.kinds.join(","))
            .bind(o.district_id)
            .bind(o.days)
            .bind(time_text(o.starts))
            .bind(time_text(o.ends))
            .bind(o.level)
            .bind(&o.phone)
            .bind(&now)
            .bind(&by.label)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "on_call.add", "on_call", &id.to_string(), &format!("compte {} niveau {}", o.user_id, o.level)).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn remove_on_call(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, sqlx::query("DELETE FROM on_call_entries WHERE id = $1").bind(id).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("ligne d'astreinte {id}")));
        }
        append(&mut tx, by, "on_call.remove", "on_call", &id.to_string(), "").await?;
        tx.commit().await
    }

    /// Records an alert, its first deliveries and their messages, in one transaction.
    pub async fn raise_alert(&self, by: &Author, a: &NewAlert, deliveries: &[NewDelivery]) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id = insert_alert(&mut tx, a, &now).await?;
        event(&mut tx, id, &now, "raised", None, &by.label, "").await?;
        deliver(&mut tx, id, deliveries, "sent", &now).await?;
        if deliveries.is_empty() {
            event(&mut tx, id, &now, "unanswered", None, "système", "aucune astreinte ne couvre cette alerte").await?;
        }
        append(&mut tx, by, "alert.raise", "alert", &id.to_string(), &a.kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An alert of the past, closed with its debrief, as history typed in (the demo's years):
    /// no delivery, its timeline says when it was raised, acknowledged and closed.
    pub async fn record_past_alert(
        &self,
        by: &Author,
        a: &NewAlert,
        raised_at: OffsetDateTime,
        acknowledged_at: Option<OffsetDateTime>,
        closed_at: OffsetDateTime,
        d: &maillage_core::alert::Debrief,
    ) -> Result<i64, StoreError> {
        let (raised, closed) = (time_fmt::to_storage(raised_at), time_fmt::to_storage(closed_at));
        let acknowledged = acknowledged_at.map(time_fmt::to_storage);
        let mut tx = self.begin().await?;
        let id = insert_alert(&mut tx, a, &raised).await?;
        on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE alerts SET first_acknowledged_at = $1, closed_at = $2, closed_by = $3, what_happened = $4, who_acted = $5, \
                 families_contacted = $6, young_people_identified = $7, working_group_id = $8 WHERE id = $9",
            )
            .bind(&acknowledged)
            .bind(&closed)
            .bind(&by.label)
            .bind(d.what_happened.trim())
            .bind(d.who_acted.trim())
            .bind(d.families_contacted)
            .bind(d.young_people_identified)
            .bind(d.working_group_id)
            .bind(id)
            .execute(c)
            .await?;
        });
        event(&mut tx, id, &raised, "raised", None, &by.label, "").await?;
        if let Some(t) = &acknowledged {
            event(&mut tx, id, t, "acknowledged", None, &by.label, "").await?;
        }
        event(&mut tx, id, &closed, "closed", None, &by.label, "").await?;
        append(&mut tx, by, "alert.raise", "alert", &id.to_string(), &a.kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Sends an open alert to the next level of an organisation's chain (`organisation`: its
    /// name); none left: the timeline says so once.
    pub async fn escalate_alert(&self, alert_id: i64, organisation: &str, deliveries: &[NewDelivery]) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        if deliveries.is_empty() {
            let body = format!("plus personne d'astreinte pour {organisation}");
            let known: i64 = on_tx!(&mut tx, c, {
                sqlx::query_scalar("SELECT COUNT(*) FROM alert_events WHERE alert_id = $1 AND kind = 'unanswered' AND body = $2")
                    .bind(alert_id)
                    .bind(&body)
                    .fetch_one(c)
                    .await?
            });
            if known == 0 {
                event(&mut tx, alert_id, &now, "unanswered", None, "système", &body).await?;
            }
        } else {
            deliver(&mut tx, alert_id, deliveries, "escalated", &now).await?;
        }
        tx.commit().await
    }

    pub async fn alert(&self, id: i64) -> Result<Option<Alert>, StoreError> {
        let row: Option<AlertRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{ALERT_SELECT} WHERE a.id = $1"))).bind(id).fetch_optional(p).await?
        });
        row.map(alert_from).transpose()
    }

    /// The latest alerts the scope lets one see, the open ones first.
    pub async fn alerts(&self, scope: AlertScope, limit: i64) -> Result<Vec<Alert>, StoreError> {
        let (all, user, org) = match scope {
            AlertScope::All => (true, 0, 0),
            AlertScope::Concerning { user_id, organisation_id } => (false, user_id, organisation_id),
            AlertScope::None => return Ok(Vec::new()),
        };
        let rows: Vec<AlertRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{ALERT_SELECT} WHERE $1 OR a.organisation_id = $2 OR a.id IN (SELECT alert_id FROM alert_deliveries WHERE user_id = $3) \
                 ORDER BY a.closed_at IS NOT NULL, a.created_at DESC, a.id DESC LIMIT $4"
            )))
            .bind(all)
            .bind(org)
            .bind(user)
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(alert_from).collect()
    }

    pub async fn alert_deliveries(&self, alert_id: i64) -> Result<Vec<Delivery>, StoreError> {
        self.deliveries_where("d.alert_id = $1", alert_id).await
    }

    /// Every delivery of the open alerts, for the escalation job, in one query.
    pub async fn open_alert_deliveries(&self) -> Result<Vec<Delivery>, StoreError> {
        self.deliveries_where("$1 = 0 AND d.alert_id IN (SELECT id FROM alerts WHERE closed_at IS NULL)", 0).await
    }

    async fn deliveries_where(&self, condition: &str, value: i64) -> Result<Vec<Delivery>, StoreError> {
        let sql = format!(
            "SELECT d.id, d.alert_id, d.user_id, u.display_name, o.name, d.chain, d.level, d.phone, d.sent_at, d.expires_at, \
             d.acknowledged_at, d.sms_state, d.sms_attempts, d.sms_error FROM alert_deliveries d \
             LEFT JOIN users u ON u.id = d.user_id LEFT JOIN organisations o ON o.id = d.chain \
             WHERE {condition} ORDER BY d.alert_id, d.id"
        );
        let rows: Vec<DeliveryRow> =
            on_db!(&self.db, p, { sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(value).fetch_all(p).await? });
        rows.into_iter()
            .map(|r| {
                Ok(Delivery {
                    sent_at: at("alert_deliveries", r.0, "sent_at", &r.8)?,
                    expires_at: at("alert_deliveries", r.0, "expires_at", &r.9)?,
                    acknowledged_at: maybe_at("alert_deliveries", r.0, "acknowledged_at", r.10)?,
                    id: r.0,
                    alert_id: r.1,
                    user_id: r.2,
                    recipient: r.3.unwrap_or_else(|| "compte supprimé".into()),
                    organisation: r.4,
                    chain: r.5,
                    level: r.6,
                    phone: r.7,
                    sms_state: r.11,
                    sms_attempts: r.12,
                    sms_error: r.13,
                })
            })
            .collect()
    }

    pub async fn alert_events(&self, alert_id: i64) -> Result<Vec<Event>, StoreError> {
        let rows: Vec<(i64, String, String, String, String)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, at, kind, author, body FROM alert_events WHERE alert_id = $1 ORDER BY at, id")
                .bind(alert_id)
                .fetch_all(p)
                .await?
        });
        rows.into_iter()
            .map(|(id, t, kind, author, body)| Ok(Event { at: at("alert_events", id, "at", &t)?, kind, author, body }))
            .collect()
    }

    /// The delivery a link's token (its SHA-256) belongs to.
    pub async fn delivery_by_token(&self, token_hash: &str) -> Result<Option<TokenDelivery>, StoreError> {
        type Row = (i64, i64, String, Option<String>, Option<String>);
        let row: Option<Row> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT d.id, d.alert_id, d.expires_at, d.acknowledged_at, u.email FROM alert_deliveries d \
                 LEFT JOIN users u ON u.id = d.user_id WHERE d.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(p)
            .await?
        });
        row.map(|(id, alert_id, expires, acknowledged, email)| {
            Ok(TokenDelivery {
                expires_at: at("alert_deliveries", id, "expires_at", &expires)?,
                acknowledged_at: maybe_at("alert_deliveries", id, "acknowledged_at", acknowledged)?,
                id,
                alert_id,
                email: email.unwrap_or_else(|| "destinataire".into()),
            })
        })
        .transpose()
    }

    /// Acknowledges the delivery of `alert_id` to `user_id` (a click on the alert's page).
    pub async fn acknowledge_as(&self, by: &Author, alert_id: i64, user_id: i64, now: OffsetDateTime) -> Result<Acknowledged, StoreError> {
        let row: Option<(i64, Option<String>)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, acknowledged_at FROM alert_deliveries WHERE alert_id = $1 AND user_id = $2 ORDER BY acknowledged_at IS NOT NULL, id LIMIT 1",
            )
            .bind(alert_id)
            .bind(user_id)
            .fetch_optional(p)
            .await?
        });
        match row {
            None => Ok(Acknowledged::Unknown),
            Some((id, Some(t))) => Ok(Acknowledged::Already { alert_id, at: at("alert_deliveries", id, "acknowledged_at", &t)? }),
            Some((id, None)) => self.acknowledge(id, alert_id, by, now).await,
        }
    }

    /// Records one delivery's acknowledgement; the first of two simultaneous ones only.
    pub async fn acknowledge(&self, delivery_id: i64, alert_id: i64, by: &Author, now: OffsetDateTime) -> Result<Acknowledged, StoreError> {
        let t = time_fmt::to_storage(now);
        let mut tx = self.begin().await?;
        // Only the first of two simultaneous clicks writes, and only while the alert is open; its
        // SMS, if not yet sent, has nothing left to ask.
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE alert_deliveries SET acknowledged_at = $1, \
                 sms_state = CASE WHEN sms_state = 'waiting' THEN 'cancelled' ELSE sms_state END, \
                 sms_body = CASE WHEN sms_state = 'waiting' THEN '' ELSE sms_body END \
                 WHERE id = $2 AND acknowledged_at IS NULL AND alert_id IN (SELECT id FROM alerts WHERE closed_at IS NULL)",
            )
            .bind(&t)
            .bind(delivery_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            drop(tx);
            let closed = self.alert(alert_id).await?.and_then(|a| a.closed_at);
            return Ok(match closed {
                Some(at) => Acknowledged::Closed { alert_id, at },
                None => Acknowledged::Already { alert_id, at: now },
            });
        }
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE alerts SET first_acknowledged_at = $1 WHERE id = $2 AND first_acknowledged_at IS NULL")
                .bind(&t)
                .bind(alert_id)
                .execute(c)
                .await?;
        });
        event(&mut tx, alert_id, &t, "acknowledged", Some(delivery_id), &by.label, "").await?;
        append(&mut tx, by, "alert.acknowledge", "alert", &alert_id.to_string(), &delivery_id.to_string()).await?;
        tx.commit().await?;
        Ok(Acknowledged::Done { alert_id })
    }

    /// Adds an action taken to an open alert's timeline.
    pub async fn add_alert_action(&self, by: &Author, alert_id: i64, body: &str) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let open: Option<Option<String>> = on_tx!(&mut tx, c, {
            sqlx::query_scalar("SELECT closed_at FROM alerts WHERE id = $1").bind(alert_id).fetch_optional(c).await?
        });
        match open {
            None => return Err(StoreError::NotFound(format!("alerte {alert_id}"))),
            Some(Some(_)) => return Err(StoreError::Conflict("cette alerte est close : son bilan est rédigé".into())),
            Some(None) => {}
        }
        event(&mut tx, alert_id, &now, "action", None, &by.label, body.trim()).await?;
        append(&mut tx, by, "alert.action", "alert", &alert_id.to_string(), "").await?;
        tx.commit().await
    }

    /// Closes an open alert with its debrief; a closed one is not closed again.
    pub async fn close_alert(&self, by: &Author, alert_id: i64, d: &maillage_core::alert::Debrief) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE alerts SET closed_at = $1, closed_by = $2, what_happened = $3, who_acted = $4, families_contacted = $5, \
                 young_people_identified = $6, working_group_id = $7 WHERE id = $8 AND closed_at IS NULL",
            )
            .bind(&now)
            .bind(&by.label)
            .bind(d.what_happened.trim())
            .bind(d.who_acted.trim())
            .bind(d.families_contacted)
            .bind(d.young_people_identified)
            .bind(d.working_group_id)
            .bind(alert_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            drop(tx);
            return match self.alert(alert_id).await? {
                None => Err(StoreError::NotFound(format!("alerte {alert_id}"))),
                Some(_) => Err(StoreError::Conflict("cette alerte est déjà close".into())),
            };
        }
        // The SMS not yet sent would only disturb: the alert is over.
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE alert_deliveries SET sms_state = 'cancelled', sms_body = '' WHERE alert_id = $1 AND sms_state = 'waiting'")
                .bind(alert_id)
                .execute(c)
                .await?;
        });
        event(&mut tx, alert_id, &now, "closed", None, &by.label, "").await?;
        append(&mut tx, by, "alert.close", "alert", &alert_id.to_string(), "").await?;
        tx.commit().await
    }

    /// SMS due for (re)sending at `now`.
    pub async fn due_sms(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<DueSms>, StoreError> {
        let rows: Vec<(i64, String, i64, String, i64, i64)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, sms_body, alert_id, phone, level, sms_attempts FROM alert_deliveries WHERE sms_state = 'waiting' AND sms_next_at <= $1 \
                 ORDER BY id LIMIT $2",
            )
            .bind(time_fmt::to_storage(now))
            .bind(limit)
            .fetch_all(p)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(delivery_id, body, alert_id, phone, level, attempts)| DueSms { delivery_id, body, alert_id, phone, level, attempts })
            .collect())
    }

    /// Records what the gateway answered: delivered, or a failure retried at `retry_at` (none:
    /// given up). Each outcome goes on the timeline.
    pub async fn record_sms(
        &self,
        sms: &DueSms,
        outcome: Result<(), &str>,
        retry_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let t = time_fmt::to_storage(now);
        let (state, next, error, kind) = match (outcome, retry_at) {
            (Ok(()), _) => ("delivered", t.clone(), String::new(), "sms_delivered"),
            (Err(e), Some(r)) => ("waiting", time_fmt::to_storage(r), e.to_string(), "sms_retry"),
            (Err(e), None) => ("failed", t.clone(), e.to_string(), "sms_failed"),
        };
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE alert_deliveries SET sms_state = $1, sms_next_at = $2, sms_error = $3, sms_attempts = sms_attempts + 1, \
                 sms_body = CASE WHEN $1 = 'waiting' THEN sms_body ELSE '' END WHERE id = $4 AND sms_state = 'waiting'",
            )
            .bind(state)
            .bind(&next)
            .bind(&error)
            .bind(sms.delivery_id)
            .execute(c)
            .await?;
        });
        event(&mut tx, sms.alert_id, &t, kind, Some(sms.delivery_id), "passerelle SMS", &error).await?;
        tx.commit().await
    }

    /// The year's alerts counted (Paris calendar year of their raising).
    pub async fn alert_figures(&self, year: i32) -> Result<AlertFigures, StoreError> {
        let from = time_fmt::to_storage(time_fmt::paris_day_start(
            time::Date::from_calendar_date(year, time::Month::January, 1).map_err(|e| StoreError::Invalid(e.to_string()))?,
        ));
        let to = time_fmt::to_storage(time_fmt::paris_day_start(
            time::Date::from_calendar_date(year + 1, time::Month::January, 1).map_err(|e| StoreError::Invalid(e.to_string()))?,
        ));
        type Row = (i64, String, Option<String>, String, Option<String>, i64, bool, Option<i64>);
        let rows: Vec<Row> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT a.id, a.kind, d.name, a.created_at, a.first_acknowledged_at, a.young_people_identified, a.families_contacted, \
                 a.working_group_id FROM alerts a LEFT JOIN areas d ON d.id = a.district_id \
                 WHERE a.created_at >= $1 AND a.created_at < $2",
            )
            .bind(&from)
            .bind(&to)
            .fetch_all(p)
            .await?
        });
        let mut f = AlertFigures::default();
        let mut kinds = std::collections::BTreeMap::<String, i64>::new();
        let mut districts = std::collections::BTreeMap::<String, i64>::new();
        let mut months = std::collections::BTreeMap::<i64, i64>::new();
        for (id, kind, district, created, first_ack, young, families, group) in rows {
            let created = at("alerts", id, "created_at", &created)?;
            f.total += 1;
            *kinds.entry(kind).or_default() += 1;
            *districts.entry(district.unwrap_or_else(|| "Hors quartier".into())).or_default() += 1;
            *months.entry(time_fmt::month_number(created) % 100).or_default() += 1;
            if let Some(a) = maybe_at("alerts", id, "first_acknowledged_at", first_ack)? {
                f.first_ack_minutes.push((a - created).whole_minutes());
            }
            f.young_people_identified += young;
            f.families_contacted += i64::from(families);
            f.proposed_to_groups += i64::from(group.is_some());
        }
        f.by_kind = kinds.into_iter().collect();
        f.by_district = districts.into_iter().collect();
        f.by_month = months.into_iter().collect();
        Ok(f)
    }
}
