//! Working groups: the group, its charter's versions, the institutions' signatures and the
//! nominative list of members with their acceptance or exclusion. Situations are in [`case`].

pub mod case;
pub mod case_count;
pub mod meeting;

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt;
use maillage_core::working_group::GroupKind;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: i64,
    pub kind: GroupKind,
    pub name: String,
    pub purpose: String,
    pub legal_basis: String,
    /// Codes of the strategy sheets it serves.
    pub sheets: Vec<String>,
    pub animator_id: Option<i64>,
    pub animator_name: Option<String>,
    /// The charter's current version.
    pub charter_version: i64,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: i64,
    kind: String,
    name: String,
    purpose: String,
    legal_basis: String,
    sheets: String,
    animator_id: Option<i64>,
    animator_name: Option<String>,
    charter_version: i64,
}

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;

    fn try_from(r: GroupRow) -> Result<Self, StoreError> {
        Ok(Group {
            kind: decode("working_groups", r.id, "kind", &r.kind, GroupKind::from_code)?,
            id: r.id,
            name: r.name,
            purpose: r.purpose,
            legal_basis: r.legal_basis,
            sheets: r.sheets.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
            animator_id: r.animator_id,
            animator_name: r.animator_name,
            charter_version: r.charter_version,
        })
    }
}

macro_rules! select_groups {
    ($rest:literal) => {
        concat!(
            "SELECT g.id, g.kind, g.name, g.purpose, g.legal_basis, g.sheets, g.animator_id, u.display_name AS animator_name, \
             (SELECT MAX(version) FROM charter_versions v WHERE v.group_id = g.id) AS charter_version \
             FROM working_groups g LEFT JOIN users u ON u.id = g.animator_id ",
            $rest
        )
    };
}

/// What creating a group takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGroup {
    pub kind: GroupKind,
    pub name: String,
    pub purpose: String,
    pub legal_basis: String,
    pub sheets: Vec<String>,
    pub animator_id: Option<i64>,
    /// The charter's first version.
    pub charter: String,
}

/// One version of a group's charter.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CharterVersion {
    pub version: i64,
    pub body: String,
    pub adopted_at: String,
}

/// An institution's signature of the charter for adhesion (art. 7).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Signature {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub version: i64,
    /// Who signed for it (name and function).
    pub signatory: String,
    /// `yyyy-mm-dd`.
    pub signed_on: String,
}

/// A person on the group's nominative list.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Member {
    pub user_id: i64,
    pub display_name: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub function: String,
    pub accepted_version: Option<i64>,
    pub accepted_at: Option<String>,
    pub excluded_at: Option<String>,
    pub exclusion_reason: Option<String>,
}

/// What the store knows of a member's standing (the session's second factor is the web's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub institution_signed: Option<i64>,
    pub accepted: Option<i64>,
    pub excluded: bool,
}

impl Store {
    pub async fn create_group(&self, by: &Author, g: &NewGroup) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO working_groups (kind, name, purpose, legal_basis, sheets, animator_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(g.kind.code())
            .bind(g.name.trim())
            .bind(g.purpose.trim())
            .bind(g.legal_basis.trim())
            .bind(g.sheets.join(","))
            .bind(g.animator_id)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        on_tx!(&mut tx, c, {
            sqlx::query("INSERT INTO charter_versions (group_id, version, body, adopted_at) VALUES ($1, 1, $2, $3)")
                .bind(id)
                .bind(&g.charter)
                .bind(&now)
                .execute(c)
                .await?
                .rows_affected()
        });
        append(&mut tx, by, "working_group.create", "working_group", &id.to_string(), g.kind.label()).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn groups(&self) -> Result<Vec<Group>, StoreError> {
        let rows: Vec<GroupRow> = on_db!(&self.db, p, sqlx::query_as(select_groups!("ORDER BY g.name")).fetch_all(p).await?);
        rows.into_iter().map(Group::try_from).collect()
    }

    pub async fn group(&self, id: i64) -> Result<Option<Group>, StoreError> {
        let row: Option<GroupRow> =
            on_db!(&self.db, p, sqlx::query_as(select_groups!("WHERE g.id = $1")).bind(id).fetch_optional(p).await?);
        row.map(Group::try_from).transpose()
    }

    /// The groups whose list holds `user_id` (excluded or not).
    pub async fn groups_of_member(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT group_id FROM group_members WHERE user_id = $1 ORDER BY group_id").bind(user_id).fetch_all(p).await?
        }))
    }

    pub async fn charter(&self, group_id: i64, version: i64) -> Result<Option<CharterVersion>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as("SELECT version, body, adopted_at FROM charter_versions WHERE group_id = $1 AND version = $2")
                .bind(group_id)
                .bind(version)
                .fetch_optional(p)
                .await?
        }))
    }

    /// Adopts a new version of the charter: every member's access is suspended until their
    /// institution signs it and they accept it.
    pub async fn new_charter_version(&self, by: &Author, group_id: i64, body: &str) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let version: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO charter_versions (group_id, version, body, adopted_at) \
                 SELECT $1, MAX(version) + 1, $2, $3 FROM charter_versions WHERE group_id = $1 RETURNING version",
            )
            .bind(group_id)
            .bind(body)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "charter.version", "working_group", &group_id.to_string(), &version.to_string()).await?;
        tx.commit().await?;
        Ok(version)
    }

    pub async fn signatures(&self, group_id: i64) -> Result<Vec<Signature>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT s.organisation_id, o.name AS organisation_name, s.version, s.signatory, s.signed_on \
                 FROM charter_signatures s JOIN organisations o ON o.id = s.organisation_id \
                 WHERE s.group_id = $1 ORDER BY s.version DESC, o.name",
            )
            .bind(group_id)
            .fetch_all(p)
            .await?
        }))
    }

    /// Records that `organisation_id` signed the charter's `version` (the current one).
    pub async fn record_signature(
        &self,
        by: &Author,
        group_id: i64,
        version: i64,
        organisation_id: i64,
        signatory: &str,
        signed_on: time::Date,
    ) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query(
                "INSERT INTO charter_signatures (group_id, version, organisation_id, signatory, signed_on, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(group_id)
            .bind(version)
            .bind(organisation_id)
            .bind(signatory.trim())
            .bind(signed_on.to_string())
            .bind(&now)
            .execute(c)
            .await?
            .rows_affected()
        });
        append(
            &mut tx,
            by,
            "charter.signature",
            "working_group",
            &group_id.to_string(),
            &format!("organisation {organisation_id}, version {version}"),
        )
        .await?;
        tx.commit().await
    }

    pub async fn members(&self, group_id: i64) -> Result<Vec<Member>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT m.user_id, u.display_name, u.organisation_id, o.name AS organisation_name, m.function, m.accepted_version, \
                 m.accepted_at, m.excluded_at, m.exclusion_reason \
                 FROM group_members m JOIN users u ON u.id = m.user_id LEFT JOIN organisations o ON o.id = u.organisation_id \
                 WHERE m.group_id = $1 ORDER BY m.excluded_at IS NOT NULL, u.display_name",
            )
            .bind(group_id)
            .fetch_all(p)
            .await?
        }))
    }

    pub async fn add_member(&self, by: &Author, group_id: i64, user_id: i64, function: &str) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("INSERT INTO group_members (group_id, user_id, function, added_at) VALUES ($1, $2, $3, $4)")
                .bind(group_id)
                .bind(user_id)
                .bind(function.trim())
                .bind(&now)
                .execute(c)
                .await?
                .rows_affected()
        });
        append(&mut tx, by, "working_group.member_add", "working_group", &group_id.to_string(), &format!("compte {user_id}")).await?;
        tx.commit().await
    }

    /// The member accepts the charter's `version` in the application.
    pub async fn accept_charter(&self, by: &Author, group_id: i64, user_id: i64, version: i64) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE group_members SET accepted_version = $1, accepted_at = $2 \
                 WHERE group_id = $3 AND user_id = $4 AND excluded_at IS NULL",
            )
            .bind(version)
            .bind(&now)
            .bind(group_id)
            .bind(user_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("membre du groupe".into()));
        }
        append(&mut tx, by, "charter.acceptance", "working_group", &group_id.to_string(), &format!("version {version}")).await?;
        tx.commit().await
    }

    /// Excludes a member (art. 8), at once: the exclusion is recorded with its date and reason,
    /// and every session of the account ends.
    pub async fn exclude_member(&self, by: &Author, group_id: i64, user_id: i64, reason: &str) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE group_members SET excluded_at = $1, exclusion_reason = $2 WHERE group_id = $3 AND user_id = $4 AND excluded_at IS NULL",
            )
            .bind(&now)
            .bind(reason.trim())
            .bind(group_id)
            .bind(user_id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("membre du groupe non exclu".into()));
        }
        crate::account::session::end_sessions(&mut tx, user_id, None).await?;
        append(&mut tx, by, "working_group.member_exclude", "working_group", &group_id.to_string(), &format!("compte {user_id}")).await?;
        tx.commit().await
    }

    /// Suspends every membership of `user_id` until the charter is accepted again (after the
    /// administrator reset its password or removed its second factor: whoever holds the account
    /// now must show it in the application, and the DPO is told). Returns how many.
    pub async fn suspend_memberships(&self, by: &Author, user_id: i64) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE group_members SET accepted_version = NULL, accepted_at = NULL WHERE user_id = $1 AND excluded_at IS NULL")
                .bind(user_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n > 0 {
            append(&mut tx, by, "working_group.member_suspended", "user", &user_id.to_string(), &format!("{n} groupe(s)")).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// A user's standing in a group, if on its list: the version its institution signed last,
    /// the version it accepted, whether excluded.
    pub async fn standing(&self, group_id: i64, user_id: i64) -> Result<Option<Standing>, StoreError> {
        let row: Option<(Option<i64>, Option<i64>, bool)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT (SELECT MAX(s.version) FROM charter_signatures s WHERE s.group_id = m.group_id AND s.organisation_id = u.organisation_id), \
                 m.accepted_version, m.excluded_at IS NOT NULL \
                 FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 AND m.user_id = $2",
            )
            .bind(group_id)
            .bind(user_id)
            .fetch_optional(p)
            .await?
        });
        Ok(row.map(|(institution_signed, accepted, excluded)| Standing { institution_signed, accepted, excluded }))
    }
}
