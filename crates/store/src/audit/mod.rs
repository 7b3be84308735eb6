//! The audit log: appended in the same transaction as the write it records.

use crate::db::Tx;
use crate::{Author, Store, StoreError};
use maillage_core::audit::{AuditEntry, ChainBounds, ChainError, ChainVerifier, entry_hash};
use maillage_core::time_fmt;

#[derive(sqlx::FromRow)]
struct EntryRow {
    seq: i64,
    at: String,
    actor_id: Option<i64>,
    actor_label: String,
    operation: String,
    record_type: String,
    record_id: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for AuditEntry {
    fn from(r: EntryRow) -> Self {
        AuditEntry {
            seq: r.seq,
            at: r.at,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            operation: r.operation,
            record_type: r.record_type,
            record_id: r.record_id,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    seq: i64,
    hash: String,
    anchor_seq: i64,
    anchor_hash: String,
}

/// `SELECT` of every log column, followed by the rest of the query.
macro_rules! select_entries {
    ($rest:literal) => {
        concat!("SELECT seq, at, actor_id, actor_label, operation, record_type, record_id, detail, prev_hash, hash FROM audit_log ", $rest)
    };
}

/// Appends one entry. The `UPDATE … RETURNING` on the single head row takes its lock, so that
/// concurrent writers chain one after the other on PostgreSQL as on SQLite.
/// An event of the audit chain outside any business write (a read, a refusal, a login).
#[derive(Debug)]
pub(crate) struct Event {
    by: Author,
    operation: String,
    record_type: String,
    record_id: String,
    detail: String,
}

/// Told once an event is committed, or why not.
type Written = tokio::sync::oneshot::Sender<Result<(), String>>;

/// Events waiting to be written, and the turn to write them.
#[derive(Debug, Default)]
pub(crate) struct EventQueue {
    waiting: std::sync::Mutex<Vec<(Event, Written)>>,
    turn: tokio::sync::Mutex<()>,
}

/// The queue, even after a panic elsewhere left its lock poisoned (it holds only plain data).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) async fn append(
    tx: &mut Tx,
    by: &Author,
    operation: &str,
    record_type: &str,
    record_id: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    let (seq, prev_hash): (i64, String) =
        on_tx!(tx, c, sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetch_one(c).await?);
    let mut entry = AuditEntry {
        seq,
        at: time_fmt::to_storage(time_fmt::now()),
        actor_id: by.user_id,
        actor_label: by.label.clone(),
        operation: operation.to_string(),
        record_type: record_type.to_string(),
        record_id: record_id.to_string(),
        detail: detail.to_string(),
        prev_hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    on_tx!(tx, c, {
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor_label, operation, record_type, record_id, detail, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(entry.seq)
        .bind(&entry.at)
        .bind(entry.actor_id)
        .bind(&entry.actor_label)
        .bind(&entry.operation)
        .bind(&entry.record_type)
        .bind(&entry.record_id)
        .bind(&entry.detail)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(c)
        .await?
        .rows_affected()
    });
    on_tx!(tx, c, sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&entry.hash).execute(c).await?.rows_affected());
    Ok(seq)
}

/// A filter on the audit log page.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub operation: Option<String>,
}

impl Store {
    /// Records an event that is not itself a write of business data (a login, a failed login,
    /// an export), in its own transaction.
    pub async fn record_event(
        &self,
        by: &Author,
        operation: &str,
        record_type: &str,
        record_id: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let (done, written) = tokio::sync::oneshot::channel();
        let event = Event {
            by: by.clone(),
            operation: operation.to_string(),
            record_type: record_type.to_string(),
            record_id: record_id.to_string(),
            detail: detail.to_string(),
        };
        lock(&self.events.waiting).push((event, done));
        // Group commit: whoever takes the turn writes every event waiting, its own or others'
        // queued while the previous group was written, in one transaction. Each caller
        // returns once its event is committed, so a read is in the chain before it is shown.
        {
            let _turn = self.events.turn.lock().await;
            let group = std::mem::take(&mut *lock(&self.events.waiting));
            if !group.is_empty() {
                let result = self.write_events(group.iter().map(|(e, _)| e)).await.map_err(|e| e.to_string());
                for (_, done) in group {
                    let _ = done.send(result.clone());
                }
            }
        }
        match written.await {
            Ok(result) => result.map_err(StoreError::Journal),
            Err(_) => Err(StoreError::Journal("écriture interrompue".into())),
        }
    }

    async fn write_events(&self, events: impl Iterator<Item = &Event>) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for e in events {
            append(&mut tx, &e.by, &e.operation, &e.record_type, &e.record_id, &e.detail).await?;
        }
        tx.commit().await
    }

    /// Newest first, `limit` entries from `offset`.
    pub async fn audit_entries(&self, filter: &AuditFilter, limit: i64, offset: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let actor = filter.actor.clone().unwrap_or_default();
        let op = filter.operation.clone().unwrap_or_default();
        let rows: Vec<EntryRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_entries!(
                "WHERE ($1 = '' OR actor_label = $1) AND ($2 = '' OR operation LIKE $2 || '%') ORDER BY seq DESC LIMIT $3 OFFSET $4"
            ))
            .bind(&actor)
            .bind(&op)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn audit_bounds(&self) -> Result<ChainBounds, StoreError> {
        let h: HeadRow = on_db!(&self.db, p, {
            sqlx::query_as("SELECT seq, hash, anchor_seq, anchor_hash FROM audit_head WHERE id = 1").fetch_one(p).await?
        });
        Ok(ChainBounds { anchor_seq: h.anchor_seq, anchor_hash: h.anchor_hash, head_seq: h.seq, head_hash: h.hash })
    }

    /// The stored hash of one entry, if it is still there.
    pub async fn audit_hash(&self, seq: i64) -> Result<Option<String>, StoreError> {
        Ok(on_db!(&self.db, p, { sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1").bind(seq).fetch_optional(p).await? }))
    }

    /// Entries in sequence order after `after_seq`, at most `limit`, for verification in batches.
    pub async fn audit_batch(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<EntryRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_entries!("WHERE seq > $1 ORDER BY seq LIMIT $2")).bind(after_seq).bind(limit).fetch_all(p).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Verifies the whole chain, batch by batch; `progress` is told how many entries were
    /// checked so far.
    pub async fn audit_verify(&self, progress: &mut dyn FnMut(u64)) -> Result<Result<u64, ChainError>, StoreError> {
        let bounds = self.audit_bounds().await?;
        let mut verifier = ChainVerifier::new(&bounds);
        // Entries at or below the anchor must be gone: one left behind reads as a gap.
        let mut after = i64::MIN;
        loop {
            let batch = self.audit_batch(after, 10_000).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for e in &batch {
                if let Err(e) = verifier.check(e) {
                    return Ok(Err(e));
                }
            }
            progress(after.saturating_sub(bounds.anchor_seq).max(0) as u64);
        }
        Ok(verifier.finish(&bounds))
    }

    /// Removes entries older than `cutoff` (RFC 3339) and moves the chain's anchor past them;
    /// the purge itself is recorded. Returns how many entries were removed.
    pub async fn audit_purge(&self, by: &Author, cutoff: &str) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let last: Option<(i64, String)> = on_tx!(&mut tx, c, {
            sqlx::query_as("SELECT seq, hash FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1").bind(cutoff).fetch_optional(c).await?
        });
        let Some((seq, hash)) = last else {
            tx.commit().await?;
            return Ok(0);
        };
        let removed = on_tx!(&mut tx, c, sqlx::query("DELETE FROM audit_log WHERE seq <= $1").bind(seq).execute(c).await?.rows_affected());
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE audit_head SET anchor_seq = $1, anchor_hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(&hash)
                .execute(c)
                .await?
                .rows_affected()
        });
        append(&mut tx, by, "audit.purge", "audit_log", &seq.to_string(), &format!("{removed} entrées antérieures au {cutoff} supprimées"))
            .await?;
        tx.commit().await?;
        Ok(removed)
    }
}
