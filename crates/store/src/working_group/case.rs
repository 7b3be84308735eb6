//! Situations (`cases`) and their dated actions. The store never sees a name: the identity,
//! the judicial measures and the actions' notes arrive sealed, each for its place
//! (`cases.identity.<id>`…), which is why creation takes a sealing function of the new row's id.

use crate::audit::append;
use crate::db::decode;
use crate::working_group::case_count::{self, Counted};
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::Date;

/// The place a case's identity is sealed for: a value copied to another row does not open.
pub fn identity_place(id: i64) -> String {
    format!("cases.identity.{id}")
}

pub fn judicial_place(id: i64) -> String {
    format!("cases.judicial.{id}")
}

pub fn note_place(id: i64) -> String {
    format!("case_actions.note.{id}")
}

/// The follow-up data of a new situation, in clear (no name in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCase {
    pub group_id: i64,
    pub lookup_hash: String,
    /// The keyed hashes of the names alone (the person's, their representatives'), separated
    /// by spaces: what the CLSPD's meetings are checked against.
    pub name_hashes: String,
    pub opened_on: Date,
    pub origin: String,
    pub reported_by_id: Option<i64>,
    pub reported_by_org_id: Option<i64>,
    pub programme: String,
    pub referent_id: Option<i64>,
    pub already_in_charge: bool,
    pub in_charge_org_id: Option<i64>,
}

/// The sealed values of a new situation, made once its id is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedCase {
    pub identity: String,
    pub judicial: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: i64,
    pub group_id: i64,
    /// Sealed.
    pub identity: String,
    pub opened_on: Date,
    pub origin: String,
    pub reported_by: Option<String>,
    pub reported_by_org: Option<String>,
    pub programme: String,
    pub referent_id: Option<i64>,
    pub referent: Option<String>,
    pub already_in_charge: bool,
    pub in_charge_org: Option<String>,
    /// Sealed, only where necessary.
    pub judicial: Option<String>,
    pub informed_on: Option<Date>,
    pub informing_means: Option<String>,
    pub informing_deferred: Option<String>,
    pub ended_on: Option<Date>,
    pub outcome: Option<String>,
}

impl CaseRecord {
    /// Closed: in the archive until destroyed.
    pub fn archived(&self) -> bool {
        self.ended_on.is_some()
    }
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    group_id: i64,
    identity: String,
    opened_on: String,
    origin: String,
    reported_by: Option<String>,
    reported_by_org: Option<String>,
    programme: String,
    referent_id: Option<i64>,
    referent: Option<String>,
    already_in_charge: bool,
    in_charge_org: Option<String>,
    judicial: Option<String>,
    informed_on: Option<String>,
    informing_means: Option<String>,
    informing_deferred: Option<String>,
    ended_on: Option<String>,
    outcome: Option<String>,
}

fn date(id: i64, column: &'static str, v: Option<String>) -> Result<Option<Date>, StoreError> {
    v.map(|v| decode("cases", id, column, &v, parse_iso_date)).transpose()
}

impl TryFrom<CaseRow> for CaseRecord {
    type Error = StoreError;

    fn try_from(r: CaseRow) -> Result<Self, StoreError> {
        Ok(CaseRecord {
            opened_on: decode("cases", r.id, "opened_on", &r.opened_on, parse_iso_date)?,
            informed_on: date(r.id, "informed_on", r.informed_on)?,
            ended_on: date(r.id, "ended_on", r.ended_on)?,
            id: r.id,
            group_id: r.group_id,
            identity: r.identity,
            origin: r.origin,
            reported_by: r.reported_by,
            reported_by_org: r.reported_by_org,
            programme: r.programme,
            referent_id: r.referent_id,
            referent: r.referent,
            already_in_charge: r.already_in_charge,
            in_charge_org: r.in_charge_org,
            judicial: r.judicial,
            informing_means: r.informing_means,
            informing_deferred: r.informing_deferred,
            outcome: r.outcome,
        })
    }
}

macro_rules! select_cases {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.group_id, c.identity, c.opened_on, c.origin, r.display_name AS reported_by, ro.name AS reported_by_org, \
             c.programme, c.referent_id, f.display_name AS referent, c.already_in_charge, io.name AS in_charge_org, c.judicial, \
             c.informed_on, c.informing_means, c.informing_deferred, c.ended_on, c.outcome \
             FROM cases c LEFT JOIN users r ON r.id = c.reported_by_id LEFT JOIN organisations ro ON ro.id = c.reported_by_org_id \
             LEFT JOIN users f ON f.id = c.referent_id LEFT JOIN organisations io ON io.id = c.in_charge_org_id ",
            $rest
        )
    };
}

/// A dated action taken in a situation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseAction {
    pub id: i64,
    pub kind: String,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub result: String,
    /// Sealed.
    pub note: Option<String>,
    pub author: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    kind: String,
    started_on: String,
    ended_on: Option<String>,
    result: String,
    note: Option<String>,
    author: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub kind: String,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub result: String,
}

/// How the person was informed, or why not yet (charter art. 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Informing {
    Informed { on: Date, means: String },
    Deferred { reason: String },
}

/// What the daily destruction job needs of a situation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionRow {
    pub id: i64,
    /// Sealed: the birth date is in it.
    pub identity: String,
    pub ended_on: Option<Date>,
}

impl Store {
    /// Creates a situation; `seal` makes its sealed values for the new row's id.
    pub async fn create_case(&self, by: &Author, c: &NewCase, seal: impl FnOnce(i64) -> SealedCase) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, x, {
            sqlx::query_scalar(
                "INSERT INTO cases (group_id, identity, lookup_hash, opened_on, origin, reported_by_id, reported_by_org_id, programme, \
                 referent_id, already_in_charge, in_charge_org_id, created_at, name_hashes) \
                 VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            )
            .bind(c.group_id)
            .bind(&c.lookup_hash)
            .bind(c.opened_on.to_string())
            .bind(&c.origin)
            .bind(c.reported_by_id)
            .bind(c.reported_by_org_id)
            .bind(&c.programme)
            .bind(c.referent_id)
            .bind(c.already_in_charge)
            .bind(c.in_charge_org_id)
            .bind(&now)
            .bind(&c.name_hashes)
            .fetch_one(x)
            .await?
        });
        let sealed = seal(id);
        on_tx!(&mut tx, x, {
            sqlx::query("UPDATE cases SET identity = $1, judicial = $2 WHERE id = $3")
                .bind(&sealed.identity)
                .bind(&sealed.judicial)
                .bind(id)
                .execute(x)
                .await?
                .rows_affected()
        });
        case_count::shift(&mut tx, None, Some(Counted::new(c.group_id))).await?;
        append(&mut tx, by, "case.create", "case", &id.to_string(), &format!("groupe {}", c.group_id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn case(&self, group_id: i64, id: i64) -> Result<Option<CaseRecord>, StoreError> {
        let row: Option<CaseRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_cases!("WHERE c.group_id = $1 AND c.id = $2")).bind(group_id).bind(id).fetch_optional(p).await?
        });
        row.map(CaseRecord::try_from).transpose()
    }

    /// A group's situations, followed (`archived` false) or in the archive, newest first. One
    /// text per case, so that the index on (group, end, id) serves each.
    pub async fn cases(&self, group_id: i64, archived: bool, limit: i64, offset: i64) -> Result<Vec<CaseRecord>, StoreError> {
        let rows: Vec<CaseRow> = if archived {
            on_db!(&self.db, p, {
                sqlx::query_as(select_cases!("WHERE c.group_id = $1 AND c.ended_on IS NOT NULL ORDER BY c.id DESC LIMIT $2 OFFSET $3"))
                    .bind(group_id)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(p)
                    .await?
            })
        } else {
            on_db!(&self.db, p, {
                sqlx::query_as(select_cases!("WHERE c.group_id = $1 AND c.ended_on IS NULL ORDER BY c.id DESC LIMIT $2 OFFSET $3"))
                    .bind(group_id)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(p)
                    .await?
            })
        };
        rows.into_iter().map(CaseRecord::try_from).collect()
    }

    pub async fn count_cases(&self, group_id: i64, archived: bool) -> Result<i64, StoreError> {
        let sql = if archived {
            "SELECT COUNT(*) FROM cases WHERE group_id = $1 AND ended_on IS NOT NULL"
        } else {
            "SELECT COUNT(*) FROM cases WHERE group_id = $1 AND ended_on IS NULL"
        };
        Ok(on_db!(&self.db, p, sqlx::query_scalar(sql).bind(group_id).fetch_one(p).await?))
    }

    /// The group's situations of the person with that keyed hash.
    /// Every name hash of the situations, with its group: what the CLSPD's meetings are
    /// checked against (hashes only: no name, no situation).
    pub async fn case_name_hashes(&self) -> Result<Vec<(i64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT group_id, name_hashes FROM cases WHERE name_hashes IS NOT NULL").fetch_all(p).await?
        });
        Ok(rows
            .into_iter()
            .flat_map(|(g, hashes)| hashes.split(' ').filter(|h| !h.is_empty()).map(|h| (g, h.to_string())).collect::<Vec<_>>())
            .collect())
    }

    /// The situations written before name hashes existed: id, group and sealed identity.
    pub async fn cases_without_name_hashes(&self) -> Result<Vec<(i64, i64, String)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, group_id, identity FROM cases WHERE name_hashes IS NULL ORDER BY id").fetch_all(p).await?
        }))
    }

    /// Fills in name hashes (id, hashes) computed by the caller, which holds the key; in one
    /// transaction, without an audit entry: nothing a person reads or changes.
    pub async fn set_case_name_hashes(&self, hashes: &[(i64, String)]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (id, hash) in hashes {
            on_tx!(&mut tx, x, {
                sqlx::query("UPDATE cases SET name_hashes = $1 WHERE id = $2 AND name_hashes IS NULL")
                    .bind(hash)
                    .bind(id)
                    .execute(x)
                    .await?;
            });
        }
        tx.commit().await
    }

    pub async fn cases_by_lookup(&self, group_id: i64, lookup_hash: &str) -> Result<Vec<i64>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT id FROM cases WHERE lookup_hash = $1 AND group_id = $2 ORDER BY id")
                .bind(lookup_hash)
                .bind(group_id)
                .fetch_all(p)
                .await?
        }))
    }

    pub async fn case_actions(&self, case_id: i64) -> Result<Vec<CaseAction>, StoreError> {
        let rows: Vec<ActionRow> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT a.id, a.kind, a.started_on, a.ended_on, a.result, a.note, u.display_name AS author \
                 FROM case_actions a LEFT JOIN users u ON u.id = a.author_id WHERE a.case_id = $1 ORDER BY a.started_on, a.id",
            )
            .bind(case_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(CaseAction {
                    started_on: decode("case_actions", r.id, "started_on", &r.started_on, parse_iso_date)?,
                    ended_on: r.ended_on.map(|v| decode("case_actions", r.id, "ended_on", &v, parse_iso_date)).transpose()?,
                    id: r.id,
                    kind: r.kind,
                    result: r.result,
                    note: r.note,
                    author: r.author,
                })
            })
            .collect()
    }

    /// Adds a dated action; `seal` seals its note for the new row's id.
    pub async fn add_case_action(
        &self,
        by: &Author,
        case_id: i64,
        a: &NewAction,
        seal: impl FnOnce(i64) -> Option<String>,
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, x, {
            sqlx::query_scalar(
                "INSERT INTO case_actions (case_id, kind, started_on, ended_on, result, author_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(case_id)
            .bind(&a.kind)
            .bind(a.started_on.to_string())
            .bind(a.ended_on.map(|d| d.to_string()))
            .bind(&a.result)
            .bind(by.user_id)
            .bind(&now)
            .fetch_one(x)
            .await?
        });
        let note = seal(id);
        on_tx!(
            &mut tx,
            x,
            sqlx::query("UPDATE case_actions SET note = $1 WHERE id = $2").bind(&note).bind(id).execute(x).await?.rows_affected()
        );
        append(&mut tx, by, "case.action", "case", &case_id.to_string(), &a.kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn set_informing(&self, by: &Author, case_id: i64, informing: &Informing) -> Result<(), StoreError> {
        let (on, means, deferred) = match informing {
            Informing::Informed { on, means } => (Some(on.to_string()), Some(means.as_str()), None),
            Informing::Deferred { reason } => (None, None, Some(reason.as_str())),
        };
        let mut tx = self.begin().await?;
        let before = case_count::locked(&mut tx, case_id).await?;
        on_tx!(&mut tx, x, {
            sqlx::query("UPDATE cases SET informed_on = $1, informing_means = $2, informing_deferred = $3 WHERE id = $4")
                .bind(&on)
                .bind(means)
                .bind(deferred)
                .bind(case_id)
                .execute(x)
                .await?
                .rows_affected()
        });
        case_count::shift(&mut tx, before, before.map(|b| Counted { informed: true, ..b })).await?;
        append(&mut tx, by, "case.informing", "case", &case_id.to_string(), "").await?;
        tx.commit().await
    }

    /// Ends the follow-up: the situation moves to the archive.
    pub async fn close_case(&self, by: &Author, case_id: i64, ended_on: Date, outcome: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let before = case_count::locked(&mut tx, case_id).await?;
        let n = on_tx!(&mut tx, x, {
            sqlx::query("UPDATE cases SET ended_on = $1, outcome = $2 WHERE id = $3 AND ended_on IS NULL")
                .bind(ended_on.to_string())
                .bind(outcome)
                .bind(case_id)
                .execute(x)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("cette situation est déjà close".into()));
        }
        case_count::shift(&mut tx, before, before.map(|b| Counted { ended: true, ..b })).await?;
        append(&mut tx, by, "case.close", "case", &case_id.to_string(), outcome).await?;
        tx.commit().await
    }

    /// Every situation, with what its destruction day depends on.
    pub async fn retention_rows(&self) -> Result<Vec<RetentionRow>, StoreError> {
        let rows: Vec<(i64, String, Option<String>)> =
            on_db!(&self.db, p, sqlx::query_as("SELECT id, identity, ended_on FROM cases ORDER BY id").fetch_all(p).await?);
        rows.into_iter().map(|(id, identity, ended)| Ok(RetentionRow { id, identity, ended_on: date(id, "ended_on", ended)? })).collect()
    }

    /// Rectifies the identity (a data subject's request): sealed again with its new look-up
    /// hash and name hashes (`hashes`); the reason is recorded.
    pub async fn rectify_case(
        &self,
        by: &Author,
        case_id: i64,
        identity: &str,
        hashes: (&str, &str),
        reason: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, x, {
            sqlx::query("UPDATE cases SET identity = $1, lookup_hash = $2, name_hashes = $3 WHERE id = $4")
                .bind(identity)
                .bind(hashes.0)
                .bind(hashes.1)
                .bind(case_id)
                .execute(x)
                .await?
                .rows_affected()
        });
        append(&mut tx, by, "case.rectify", "case", &case_id.to_string(), reason).await?;
        tx.commit().await
    }

    /// Erases a situation at the person's request, with the reason recorded.
    pub async fn erase_case(&self, by: &Author, case_id: i64, reason: &str) -> Result<(), StoreError> {
        self.remove_case(by, case_id, "case.erase", reason).await
    }

    /// Destroys a situation and its actions. The log records that it happened, not what.
    pub async fn destroy_case(&self, by: &Author, case_id: i64) -> Result<(), StoreError> {
        self.remove_case(by, case_id, "case.destroy", "").await
    }

    async fn remove_case(&self, by: &Author, case_id: i64, operation: &str, detail: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let before = case_count::locked(&mut tx, case_id).await?;
        on_tx!(&mut tx, x, {
            // The decisions stay counted; their words, about the person, go with the situation.
            sqlx::query("UPDATE meeting_decisions SET text = NULL, case_id = NULL WHERE case_id = $1")
                .bind(case_id)
                .execute(&mut *x)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM case_actions WHERE case_id = $1").bind(case_id).execute(&mut *x).await?.rows_affected();
            sqlx::query("DELETE FROM cases WHERE id = $1").bind(case_id).execute(&mut *x).await?.rows_affected()
        });
        case_count::shift(&mut tx, before, None).await?;
        append(&mut tx, by, operation, "case", &case_id.to_string(), detail).await?;
        tx.commit().await
    }

    /// How many times `user_id` did `operation` since `since` (RFC 3339), from the log.
    pub async fn count_operations_since(&self, user_id: i64, operation: &str, since: &str) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND operation = $2 AND at >= $3")
                .bind(user_id)
                .bind(operation)
                .bind(since)
                .fetch_one(p)
                .await?
        }))
    }
}

/// A situation written by a bulk load (the benchmark): its id chosen, its values sealed.
#[derive(Clone, Debug)]
pub struct BulkCase {
    pub id: i64,
    pub group_id: i64,
    pub identity: String,
    pub lookup_hash: String,
    pub name_hashes: String,
    pub opened_on: Date,
    pub origin: String,
    pub programme: String,
}

/// An action written by a bulk load.
#[derive(Clone, Debug)]
pub struct BulkAction {
    pub case_id: i64,
    pub kind: String,
    pub started_on: Date,
    pub result: String,
}

impl Store {
    /// Writes situations and actions as they are, in one transaction, without audit entries
    /// (a bulk load is the system's, recorded once by its caller).
    pub async fn bulk_cases(&self, cases: &[BulkCase], actions: &[BulkAction]) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, x, {
            for c in cases {
                sqlx::query(
                    "INSERT INTO cases (id, group_id, identity, lookup_hash, opened_on, origin, programme, already_in_charge, created_at, name_hashes) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8, $9)",
                )
                .bind(c.id)
                .bind(c.group_id)
                .bind(&c.identity)
                .bind(&c.lookup_hash)
                .bind(c.opened_on.to_string())
                .bind(&c.origin)
                .bind(&c.programme)
                .bind(&now)
                .bind(&c.name_hashes)
                .execute(&mut *x)
                .await?;
            }
            for a in actions {
                sqlx::query("INSERT INTO case_actions (case_id, kind, started_on, result, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(a.case_id)
                    .bind(&a.kind)
                    .bind(a.started_on.to_string())
                    .bind(&a.result)
                    .bind(&now)
                    .execute(&mut *x)
                    .await?;
            }
        });
        let mut per_group = std::collections::BTreeMap::<i64, i64>::new();
        for c in cases {
            *per_group.entry(c.group_id).or_default() += 1;
        }
        for (group_id, n) in per_group {
            case_count::add(&mut tx, group_id, case_count::CaseCounts { followed: 1, archived: 0, not_informed: 1 }, n).await?;
        }
        self.reset_sequences(&mut tx, &["cases"]).await?;
        tx.commit().await
    }
}
