//! Areas (territory, districts, priority areas, organisations' coverage) and routing rules.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::place::{AreaKind, NamedShape};
use maillage_core::report::RoutingRule;
use maillage_core::time_fmt;

pub use maillage_core::place::Area;

#[derive(sqlx::FromRow)]
struct AreaRow {
    id: i64,
    kind: String,
    name: String,
    organisation_id: Option<i64>,
    approximate: bool,
    geometry: String,
}

impl TryFrom<AreaRow> for Area {
    type Error = StoreError;

    fn try_from(r: AreaRow) -> Result<Area, StoreError> {
        Ok(Area {
            kind: decode("areas", r.id, "kind", &r.kind, AreaKind::from_code)?,
            id: r.id,
            name: r.name,
            organisation_id: r.organisation_id,
            approximate: r.approximate,
            geometry: r.geometry,
        })
    }
}

/// A routing rule as stored, with its place in the list.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct RuleRow {
    pub id: i64,
    pub position: i64,
    pub category_id: Option<i64>,
    pub area_id: Option<i64>,
    pub organisation_id: i64,
    pub also_involve: String,
}

impl RuleRow {
    pub fn rule(&self) -> RoutingRule {
        RoutingRule {
            id: self.id,
            category_id: self.category_id,
            area_id: self.area_id,
            organisation_id: self.organisation_id,
            also_involve: self.also_involve.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        }
    }
}

impl Store {
    pub async fn areas(&self) -> Result<Vec<Area>, StoreError> {
        let rows: Vec<AreaRow> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, kind, name, organisation_id, approximate, geometry FROM areas ORDER BY kind, name")
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Area::try_from).collect()
    }

    /// Adds the polygons of an uploaded file, all of one kind.
    pub async fn add_areas(
        &self,
        by: &Author,
        kind: AreaKind,
        organisation_id: Option<i64>,
        approximate: bool,
        shapes: &[NamedShape],
    ) -> Result<Vec<i64>, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let mut ids = Vec::new();
        for s in shapes {
            let [x0, y0, x1, y1] = s.shape.bbox;
            let id: i64 = on_tx!(&mut tx, c, {
                sqlx::query_scalar(
                    "INSERT INTO areas (kind, name, organisation_id, approximate, geometry, min_lon, min_lat, max_lon, max_lat, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(kind.code())
                .bind(&s.name)
                .bind(organisation_id)
                .bind(approximate)
                .bind(s.shape.to_geojson())
                .bind(x0)
                .bind(y0)
                .bind(x1)
                .bind(y1)
                .bind(&now)
                .fetch_one(c)
                .await?
            });
            append(&mut tx, by, "area.add", "area", &id.to_string(), &format!("{} {}", kind.code(), s.name)).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Removes an area; reports keep their place and lose the link, rules on it go.
    pub async fn delete_area(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM routing_rules WHERE area_id = $1").bind(id).execute(&mut *c).await?;
            sqlx::query("UPDATE reports SET district_id = NULL WHERE district_id = $1").bind(id).execute(&mut *c).await?;
            sqlx::query("UPDATE reports SET priority_area_id = NULL WHERE priority_area_id = $1").bind(id).execute(&mut *c).await?;
            sqlx::query("DELETE FROM areas WHERE id = $1").bind(id).execute(&mut *c).await?.rows_affected()
        });
        // Closed reports of a removed district are counted again, under no district.
        crate::report::statistics::recount(&mut tx).await?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("zone {id}")));
        }
        append(&mut tx, by, "area.delete", "area", &id.to_string(), "").await?;
        tx.commit().await
    }

    pub async fn routing_rules(&self) -> Result<Vec<RuleRow>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, position, category_id, area_id, organisation_id, also_involve FROM routing_rules ORDER BY position, id",
            )
            .fetch_all(p)
            .await?
        }))
    }

    /// Adds a rule at the end of the list.
    pub async fn add_routing_rule(&self, by: &Author, rule: &RoutingRule) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let also = rule.also_involve.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(",");
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO routing_rules (position, category_id, area_id, organisation_id, also_involve, created_at) \
                 VALUES ((SELECT COALESCE(MAX(position), 0) + 1 FROM routing_rules), $1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(rule.category_id)
            .bind(rule.area_id)
            .bind(rule.organisation_id)
            .bind(&also)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "routing_rule.add", "routing_rule", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn delete_routing_rule(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, sqlx::query("DELETE FROM routing_rules WHERE id = $1").bind(id).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("règle {id}")));
        }
        append(&mut tx, by, "routing_rule.delete", "routing_rule", &id.to_string(), "").await?;
        tx.commit().await
    }

    /// Moves a rule one place up (earlier: it is tried first).
    pub async fn raise_routing_rule(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let rules = self.routing_rules().await?;
        let Some(i) = rules.iter().position(|r| r.id == id) else {
            return Err(StoreError::NotFound(format!("règle {id}")));
        };
        if i == 0 {
            return Ok(());
        }
        let (a, b) = (&rules[i - 1], &rules[i]);
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE routing_rules SET position = $1 WHERE id = $2").bind(b.position).bind(a.id).execute(&mut *c).await?;
            sqlx::query("UPDATE routing_rules SET position = $1 WHERE id = $2").bind(a.position).bind(b.id).execute(&mut *c).await?;
        });
        append(&mut tx, by, "routing_rule.raise", "routing_rule", &id.to_string(), "").await?;
        tx.commit().await
    }
}
