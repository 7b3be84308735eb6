//! Vigik access conventions: written whole with their signatories and buildings under an
//! optimistic version, renewed with the previous end kept, and reminded once per term.

use crate::audit::append;
use crate::db::{Tx, decode};
use crate::mail::OutgoingMail;
use crate::{Author, Store, StoreError};
use maillage_core::access_convention::{ConventionDraft, buildings};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::{Date, OffsetDateTime};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Renewal {
    pub previous_end: Date,
    pub new_end: Date,
    pub renewed_at: OffsetDateTime,
    pub renewed_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Convention {
    pub id: i64,
    pub reference: String,
    pub holder: String,
    /// Signatory organisations: (id, name), by name.
    pub parties: Vec<(i64, String)>,
    pub other_parties: String,
    pub buildings: Vec<String>,
    pub district_id: Option<i64>,
    pub signed_on: Date,
    pub starts_on: Date,
    pub ends_on: Date,
    pub notice_days: i64,
    pub note: String,
    /// The end date whose renewal reminder went.
    pub reminded_for: Option<Date>,
    pub version: i64,
    pub renewals: Vec<Renewal>,
}

type PartyRow = (i64, i64, String);
type RenewalRow = (i64, String, String, String, String);
/// A read's rows: conventions, signatories, buildings, renewals.
type ConventionRows = (Vec<Row>, Vec<PartyRow>, Vec<(i64, String)>, Vec<RenewalRow>);
type Row = (i64, String, String, String, Option<i64>, String, String, String, i64, String, Option<String>, i64);

const SELECT: &str = "SELECT id, reference, holder, other_parties, district_id, signed_on, starts_on, ends_on, notice_days, note, \
     reminded_for, version FROM access_conventions";

fn day(id: i64, column: &'static str, v: &str) -> Result<Date, StoreError> {
    decode("access_conventions", id, column, v, parse_iso_date)
}

fn convention_of(r: Row) -> Result<Convention, StoreError> {
    let (id, reference, holder, other_parties, district_id, signed_on, starts_on, ends_on, notice_days, note, reminded_for, version) = r;
    Ok(Convention {
        signed_on: day(id, "signed_on", &signed_on)?,
        starts_on: day(id, "starts_on", &starts_on)?,
        ends_on: day(id, "ends_on", &ends_on)?,
        reminded_for: reminded_for.map(|d| day(id, "reminded_for", &d)).transpose()?,
        id,
        reference,
        holder,
        parties: Vec::new(),
        other_parties,
        buildings: Vec::new(),
        district_id,
        notice_days,
        note,
        version,
        renewals: Vec::new(),
    })
}

/// The dates a checked draft must hold.
fn dates(d: &ConventionDraft) -> Result<(Date, Date, Date), StoreError> {
    match (d.signed_on, d.starts_on, d.ends_on) {
        (Some(s), Some(a), Some(e)) => Ok((s, a, e)),
        _ => Err(StoreError::Invalid("dates de la convention manquantes".into())),
    }
}

async fn write_parts(tx: &mut Tx, id: i64, d: &ConventionDraft) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        sqlx::query("DELETE FROM access_convention_parties WHERE convention_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM access_convention_buildings WHERE convention_id = $1").bind(id).execute(&mut *c).await?;
        let mut organisations = d.organisation_ids.clone();
        organisations.sort_unstable();
        organisations.dedup();
        for o in organisations {
            sqlx::query("INSERT INTO access_convention_parties (convention_id, organisation_id) VALUES ($1, $2)")
                .bind(id)
                .bind(o)
                .execute(&mut *c)
                .await?;
        }
        for (position, address) in (1_i64..).zip(buildings(&d.buildings)) {
            sqlx::query("INSERT INTO access_convention_buildings (convention_id, position, address) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(position)
                .bind(address)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

impl Store {
    /// Every convention with its signatories, buildings and renewals, ending soonest first.
    pub async fn access_conventions(&self) -> Result<Vec<Convention>, StoreError> {
        self.read_conventions(None).await
    }

    pub async fn access_convention(&self, id: i64) -> Result<Option<Convention>, StoreError> {
        Ok(self.read_conventions(Some(id)).await?.pop())
    }

    async fn read_conventions(&self, only: Option<i64>) -> Result<Vec<Convention>, StoreError> {
        let (rows, parties, places, renewals): ConventionRows = on_db!(&self.db, p, {
            let rows =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE ($1 IS NULL OR id = $1) ORDER BY ends_on, reference, id")))
                    .bind(only)
                    .fetch_all(p)
                    .await?;
            let parties = sqlx::query_as(
                "SELECT p.convention_id, o.id, o.name FROM access_convention_parties p JOIN organisations o ON o.id = p.organisation_id \
                     WHERE ($1 IS NULL OR p.convention_id = $1) ORDER BY o.name",
            )
            .bind(only)
            .fetch_all(p)
            .await?;
            let places = sqlx::query_as(
                "SELECT convention_id, address FROM access_convention_buildings WHERE ($1 IS NULL OR convention_id = $1) \
                     ORDER BY convention_id, position",
            )
            .bind(only)
            .fetch_all(p)
            .await?;
            let renewals = sqlx::query_as(
                "SELECT convention_id, previous_end, new_end, renewed_at, renewed_by FROM access_convention_renewals \
                     WHERE ($1 IS NULL OR convention_id = $1) ORDER BY id",
            )
            .bind(only)
            .fetch_all(p)
            .await?;
            (rows, parties, places, renewals)
        });
        let mut out = rows.into_iter().map(convention_of).collect::<Result<Vec<_>, _>>()?;
        let index: std::collections::HashMap<i64, usize> = out.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        for (c, id, name) in parties {
            if let Some(&i) = index.get(&c) {
                out[i].parties.push((id, name));
            }
        }
        for (c, address) in places {
            if let Some(&i) = index.get(&c) {
                out[i].buildings.push(address);
            }
        }
        for (c, previous, new, at, by) in renewals {
            if let Some(&i) = index.get(&c) {
                out[i].renewals.push(Renewal {
                    previous_end: decode("access_convention_renewals", c, "previous_end", &previous, parse_iso_date)?,
                    new_end: decode("access_convention_renewals", c, "new_end", &new, parse_iso_date)?,
                    renewed_at: decode("access_convention_renewals", c, "renewed_at", &at, time_fmt::from_storage)?,
                    renewed_by: by,
                });
            }
        }
        Ok(out)
    }

    pub async fn create_access_convention(&self, by: &Author, d: &ConventionDraft) -> Result<i64, StoreError> {
        let (signed, starts, ends) = dates(d)?;
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO access_conventions (reference, holder, other_parties, district_id, signed_on, starts_on, ends_on, notice_days, \
                 note, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id",
            )
            .bind(d.reference.trim())
            .bind(&d.holder)
            .bind(d.other_parties.trim())
            .bind(d.district_id)
            .bind(signed.to_string())
            .bind(starts.to_string())
            .bind(ends.to_string())
            .bind(d.notice_days)
            .bind(d.note.trim())
            .bind(&now)
            .fetch_one(&mut *c)
            .await?
        });
        write_parts(&mut tx, id, d).await?;
        append(&mut tx, by, "access_convention.create", "access_convention", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Rewrites a convention whole if nobody changed it since `version` was read. A new end
    /// date (or notice) makes its reminder due again.
    pub async fn update_access_convention(&self, by: &Author, id: i64, version: i64, d: &ConventionDraft) -> Result<(), StoreError> {
        let (signed, starts, ends) = dates(d)?;
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE access_conventions SET reference = $1, holder = $2, other_parties = $3, district_id = $4, signed_on = $5, \
                 starts_on = $6, reminded_for = CASE WHEN ends_on = $7 AND notice_days = $8 THEN reminded_for ELSE NULL END, \
                 ends_on = $7, notice_days = $8, note = $9, updated_at = $10, version = version + 1 WHERE id = $11 AND version = $12",
            )
            .bind(d.reference.trim())
            .bind(&d.holder)
            .bind(d.other_parties.trim())
            .bind(d.district_id)
            .bind(signed.to_string())
            .bind(starts.to_string())
            .bind(ends.to_string())
            .bind(d.notice_days)
            .bind(d.note.trim())
            .bind(&now)
            .bind(id)
            .bind(version)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(self.convention_conflict(id).await);
        }
        write_parts(&mut tx, id, d).await?;
        append(&mut tx, by, "access_convention.update", "access_convention", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    async fn convention_conflict(&self, id: i64) -> StoreError {
        match self.access_convention(id).await {
            Ok(None) => StoreError::NotFound(format!("convention {id}")),
            Ok(Some(_)) => StoreError::Conflict("la convention a changé entre-temps : rechargez la page".into()),
            Err(e) => e,
        }
    }

    /// Moves a convention's end to `new_end` (checked), keeping the previous one in its renewals.
    pub async fn renew_access_convention(
        &self,
        by: &Author,
        id: i64,
        version: i64,
        previous: Date,
        new_end: Date,
    ) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            let n = sqlx::query(
                "UPDATE access_conventions SET ends_on = $1, reminded_for = NULL, updated_at = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4 AND ends_on = $5",
            )
            .bind(new_end.to_string())
            .bind(&now)
            .bind(id)
            .bind(version)
            .bind(previous.to_string())
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n > 0 {
                sqlx::query(
                    "INSERT INTO access_convention_renewals (convention_id, previous_end, new_end, renewed_at, renewed_by) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(previous.to_string())
                .bind(new_end.to_string())
                .bind(&now)
                .bind(&by.label)
                .execute(&mut *c)
                .await?;
            }
            n
        });
        if n == 0 {
            return Err(self.convention_conflict(id).await);
        }
        append(&mut tx, by, "access_convention.renew", "access_convention", &id.to_string(), &new_end.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a convention as read at `version`: a stale page (or a deletion sent again once
    /// its id was given to a new convention) deletes nothing.
    pub async fn delete_access_convention(&self, by: &Author, id: i64, version: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            let done = sqlx::query("DELETE FROM access_conventions WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .execute(&mut *c)
                .await?;
            done.rows_affected()
        });
        if n == 0 {
            return Err(self.convention_conflict(id).await);
        }
        append(&mut tx, by, "access_convention.delete", "access_convention", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a term's renewal reminders and records that they went, once: a second call for
    /// the same end date queues nothing.
    pub async fn queue_convention_reminder(&self, id: i64, ends_on: Date, mails: &[OutgoingMail]) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE access_conventions SET reminded_for = $1 WHERE id = $2 AND ends_on = $1 AND (reminded_for IS NULL OR reminded_for <> $1)",
            )
            .bind(ends_on.to_string())
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Ok(false);
        }
        for m in mails {
            crate::mail::enqueue(&mut tx, m).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
