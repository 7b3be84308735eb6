//! The e-mail outbox: mail is queued in the same transaction as what it tells, and a sender
//! delivers it later, retrying with a growing delay.

use crate::db::Tx;
use crate::{Store, StoreError};
use maillage_core::time_fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// The report it tells about, if one: anonymising the report deletes the message.
    pub report_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    /// An iCalendar object (RFC 5545) sent beside the text: a meeting's invitation, update or
    /// cancellation.
    pub calendar: Option<String>,
}

pub(crate) async fn enqueue(tx: &mut Tx, m: &OutgoingMail) -> Result<(), StoreError> {
    enqueue_with(tx, m, None).await
}

/// Queues a message with an iCalendar object beside its text, about a meeting (whose
/// invitation records what the mail server says of it).
pub(crate) async fn enqueue_with(tx: &mut Tx, m: &OutgoingMail, calendar: Option<(&str, i64)>) -> Result<(), StoreError> {
    let now = time_fmt::to_storage(time_fmt::now());
    on_tx!(tx, c, {
        sqlx::query(
            "INSERT INTO outbox (created_at, recipient, subject, body, next_attempt_at, report_id, calendar, meeting_id) \
             VALUES ($1, $2, $3, $4, $1, $5, $6, $7)",
        )
        .bind(&now)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(m.report_id)
        .bind(calendar.map(|c| c.0))
        .bind(calendar.map(|c| c.1))
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Gives up after this many attempts (about a day with the growing delay).
pub const MAX_ATTEMPTS: i64 = 12;

/// How many messages wait, were sent, or were given up after repeated failures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub waiting: i64,
    pub sent: i64,
    pub given_up: i64,
}

/// Sets the delivery error (`$2`, empty once delivered) of the invitation a message (`$1`) was
/// sent for.
const INVITATION_DELIVERED: &str = "UPDATE meeting_invitations SET delivery_error = $2 \
     WHERE meeting_id = (SELECT meeting_id FROM outbox WHERE id = $1) AND email = (SELECT recipient FROM outbox WHERE id = $1)";

impl Store {
    /// Deletes mail sent, or given up, before `before`: the outbox is a queue, not an archive
    /// (messages carry report text). Returns how many went.
    pub async fn purge_mail(&self, before: &str) -> Result<u64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query("DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at < $1) OR (sent_at IS NULL AND attempts >= $2 AND created_at < $1)")
                .bind(before)
                .bind(MAX_ATTEMPTS)
                .execute(p)
                .await?
                .rows_affected()
        }))
    }

    pub async fn queue_mail(&self, m: &OutgoingMail) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        enqueue(&mut tx, m).await?;
        tx.commit().await
    }

    /// Mail due for (re)sending.
    pub async fn due_mail(&self, limit: i64) -> Result<Vec<QueuedMail>, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, recipient, subject, body, attempts, calendar FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
                 AND attempts < $2 ORDER BY id LIMIT $3",
            )
            .bind(&now)
            .bind(MAX_ATTEMPTS)
            .bind(limit)
            .fetch_all(p)
            .await?
        }))
    }

    /// Records a message taken by the SMTP server; one that tells an alert puts it on the
    /// alert's timeline.
    pub async fn mark_mail_sent(&self, id: i64) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            // An alert's message carries an acknowledgement link: it is not kept once sent.
            sqlx::query(
                "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = '', \
                 body = CASE WHEN alert_delivery_id IS NULL THEN body ELSE '' END WHERE id = $2",
            )
            .bind(&now)
            .bind(id)
            .execute(&mut *c)
            .await?;
            sqlx::query(INVITATION_DELIVERED).bind(id).bind("").execute(&mut *c).await?;
            sqlx::query(
                "INSERT INTO alert_events (alert_id, at, kind, delivery_id, author, body) \
                 SELECT d.alert_id, $1, 'mail_sent', d.id, 'serveur de messagerie', '' FROM outbox m \
                 JOIN alert_deliveries d ON d.id = m.alert_delivery_id WHERE m.id = $2",
            )
            .bind(&now)
            .bind(id)
            .execute(&mut *c)
            .await?;
        });
        tx.commit().await
    }

    /// Records a failure; the next attempt waits 2^attempts minutes.
    pub async fn mark_mail_failed(&self, id: i64, attempts: i64, error: &str) -> Result<(), StoreError> {
        let delay = time::Duration::minutes(1i64 << attempts.clamp(0, 10));
        let next = time_fmt::to_storage(time_fmt::now() + delay);
        on_db!(&self.db, p, {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3")
                .bind(&next)
                .bind(error)
                .bind(id)
                .execute(p)
                .await?;
            // A meeting's invitation keeps what the mail server said of its address.
            sqlx::query(INVITATION_DELIVERED).bind(id).bind(error).execute(p).await?;
        });
        Ok(())
    }

    /// Counts of the outbox, for the administrator.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let (waiting, sent, given_up) = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts < $1 THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
                 COALESCE(SUM(CASE WHEN sent_at IS NULL AND attempts >= $1 THEN 1 ELSE 0 END), 0) FROM outbox",
            )
            .bind(MAX_ATTEMPTS)
            .fetch_one(p)
            .await?
        });
        Ok(OutboxCounts { waiting, sent, given_up })
    }
}
