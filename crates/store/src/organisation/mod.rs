//! Organisations: partner institutions.

pub mod api_key;

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::organisation::OrganisationKind;
use maillage_core::time_fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: OrganisationKind,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub signed_strategy: bool,
    /// Comma-separated words that identify it in the sheets' partner lines.
    pub match_terms: String,
}

#[derive(sqlx::FromRow)]
struct OrganisationRow {
    id: i64,
    code: String,
    name: String,
    kind: String,
    email: String,
    phone: String,
    address: String,
    signed_strategy: bool,
    match_terms: String,
}

impl TryFrom<OrganisationRow> for Organisation {
    type Error = StoreError;

    fn try_from(r: OrganisationRow) -> Result<Self, StoreError> {
        Ok(Organisation {
            kind: decode("organisations", r.id, "kind", &r.kind, OrganisationKind::from_code)?,
            id: r.id,
            code: r.code,
            name: r.name,
            email: r.email,
            phone: r.phone,
            address: r.address,
            signed_strategy: r.signed_strategy,
            match_terms: r.match_terms,
        })
    }
}

/// What a form or a command provides to create or edit an organisation.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct OrganisationInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub signed_strategy: bool,
    #[serde(default)]
    pub match_terms: String,
}

/// `SELECT` of every organisation column, followed by the rest of the query.
macro_rules! select_organisations {
    ($rest:literal) => {
        concat!("SELECT id, code, name, kind, email, phone, address, signed_strategy, match_terms FROM organisations ", $rest)
    };
}

impl Store {
    pub async fn organisations(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows: Vec<OrganisationRow> =
            on_db!(&self.db, p, { sqlx::query_as(select_organisations!("ORDER BY name")).fetch_all(p).await? });
        let mut list = rows.into_iter().map(Organisation::try_from).collect::<Result<Vec<_>, _>>()?;
        // As French readers sort: accents and case do not count ("Éducation nationale" before
        // "Ville"), which neither backend's byte order gives.
        list.sort_by_cached_key(|o| maillage_core::text::fold(&o.name));
        Ok(list)
    }

    pub async fn organisation(&self, id: i64) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrganisationRow> =
            on_db!(&self.db, p, { sqlx::query_as(select_organisations!("WHERE id = $1")).bind(id).fetch_optional(p).await? });
        row.map(Organisation::try_from).transpose()
    }

    pub async fn organisation_by_code(&self, code: &str) -> Result<Option<Organisation>, StoreError> {
        let row: Option<OrganisationRow> =
            on_db!(&self.db, p, { sqlx::query_as(select_organisations!("WHERE code = $1")).bind(code).fetch_optional(p).await? });
        row.map(Organisation::try_from).transpose()
    }

    /// Creates an organisation; the input must have been validated by the caller.
    pub async fn create_organisation(&self, by: &Author, o: &OrganisationInput) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO organisations (code, name, kind, email, phone, address, signed_strategy, match_terms, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(&o.code)
            .bind(&o.name)
            .bind(&o.kind)
            .bind(&o.email)
            .bind(&o.phone)
            .bind(&o.address)
            .bind(o.signed_strategy)
            .bind(&o.match_terms)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "organisation.create", "organisation", &id.to_string(), &o.code).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn update_organisation(&self, by: &Author, id: i64, o: &OrganisationInput) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE organisations SET code = $1, name = $2, kind = $3, email = $4, phone = $5, address = $6, \
                 signed_strategy = $7, match_terms = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(&o.code)
            .bind(&o.name)
            .bind(&o.kind)
            .bind(&o.email)
            .bind(&o.phone)
            .bind(&o.address)
            .bind(o.signed_strategy)
            .bind(&o.match_terms)
            .bind(&now)
            .bind(id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("organisation {id}")));
        }
        append(&mut tx, by, "organisation.update", "organisation", &id.to_string(), &o.code).await?;
        tx.commit().await
    }
}
