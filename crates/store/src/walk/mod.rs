//! Walks: the grids' items per kind, walks written whole (organisations, headcount, ratings)
//! with an optimistic version, their findings, a finding's photo, and a finding turned into a
//! report in one transaction with the report itself.

use crate::audit::append;
use crate::db::decode;
use crate::mail::OutgoingMail;
use crate::report::NewReport;
use crate::{Author, Store, StoreError};
use maillage_core::report::State;
use maillage_core::time_fmt::{self, parse_iso_date};
use maillage_core::walk::{FINDINGS_MAX, GivenRating, Headcount, WalkDraft};
use time::{Date, OffsetDateTime};

/// An item of a kind's observation grid.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct WalkItem {
    pub id: i64,
    pub kind: String,
    pub label: String,
    /// The report category its findings usually become.
    pub category_id: Option<i64>,
    pub position: i64,
    pub retired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    pub id: i64,
    pub kind: String,
    pub walked_on: Date,
    pub district_id: Option<i64>,
    pub district: Option<String>,
    pub route: String,
    /// The organisation that recorded it (none for a coordinator without one).
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub recorded_by: Option<String>,
    pub participants_total: i64,
    pub note: String,
    pub version: i64,
    pub findings: i64,
    /// Findings that became reports.
    pub reported: i64,
}

/// An item rated on a walk, with its label.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRating {
    pub item_id: i64,
    pub label: String,
    pub rating: i64,
    pub comment: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub id: i64,
    pub walk_id: i64,
    pub item_id: Option<i64>,
    pub item: Option<String>,
    pub description: String,
    pub place: String,
    pub lat: f64,
    pub lon: f64,
    pub district_id: Option<i64>,
    pub district: Option<String>,
    pub severity: String,
    /// The kept picture and its thumbnail.
    pub photo: Option<(String, String)>,
    pub photo_caption: String,
    pub report_id: Option<i64>,
    /// The state of the report it became, as followed back on the walk.
    pub report_state: Option<State>,
    pub created_at: OffsetDateTime,
}

/// A walk with everything its page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct WalkRecord {
    pub walk: Walk,
    pub organisations: Vec<(i64, String)>,
    pub headcount: Vec<Headcount>,
    pub ratings: Vec<ItemRating>,
    pub findings: Vec<Finding>,
}

/// A walk to write: the checked draft and who records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWalk {
    pub draft: WalkDraft,
    pub organisation_id: Option<i64>,
    pub recorded_by: Option<i64>,
}

/// A finding to add, placed and located.
#[derive(Clone, Debug, PartialEq)]
pub struct NewFinding {
    pub walk_id: i64,
    pub item_id: Option<i64>,
    pub description: String,
    pub place: String,
    pub lat: f64,
    pub lon: f64,
    pub district_id: Option<i64>,
    pub severity: String,
}

/// Which walks a list holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkFilter {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub kind: Option<String>,
    pub district_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct WalkRow {
    id: i64,
    kind: String,
    walked_on: String,
    district_id: Option<i64>,
    district: Option<String>,
    route: String,
    organisation_id: Option<i64>,
    organisation: Option<String>,
    recorded_by: Option<String>,
    participants_total: i64,
    note: String,
    version: i64,
    findings: i64,
    reported: i64,
}

impl TryFrom<WalkRow> for Walk {
    type Error = StoreError;
    fn try_from(r: WalkRow) -> Result<Self, StoreError> {
        Ok(Walk {
            walked_on: decode("walks", r.id, "walked_on", &r.walked_on, parse_iso_date)?,
            id: r.id,
            kind: r.kind,
            district_id: r.district_id,
            district: r.district,
            route: r.route,
            organisation_id: r.organisation_id,
            organisation: r.organisation,
            recorded_by: r.recorded_by,
            participants_total: r.participants_total,
            note: r.note,
            version: r.version,
            findings: r.findings,
            reported: r.reported,
        })
    }
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: i64,
    walk_id: i64,
    item_id: Option<i64>,
    item: Option<String>,
    description: String,
    place: String,
    lat: f64,
    lon: f64,
    district_id: Option<i64>,
    district: Option<String>,
    severity: String,
    photo_file: Option<String>,
    photo_thumbnail: Option<String>,
    photo_caption: String,
    report_id: Option<i64>,
    report_state: Option<String>,
    created_at: String,
}

impl TryFrom<FindingRow> for Finding {
    type Error = StoreError;
    fn try_from(r: FindingRow) -> Result<Self, StoreError> {
        Ok(Finding {
            created_at: decode("walk_findings", r.id, "created_at", &r.created_at, time_fmt::from_storage)?,
            report_state: r.report_state.map(|s| decode("reports", r.report_id.unwrap_or(0), "state", &s, State::from_code)).transpose()?,
            photo: r.photo_file.zip(r.photo_thumbnail),
            id: r.id,
            walk_id: r.walk_id,
            item_id: r.item_id,
            item: r.item,
            description: r.description,
            place: r.place,
            lat: r.lat,
            lon: r.lon,
            district_id: r.district_id,
            district: r.district,
            severity: r.severity,
            photo_caption: r.photo_caption,
            report_id: r.report_id,
        })
    }
}

const WALK_SELECT: &str = "SELECT w.id, w.kind, w.walked_on, w.district_id, ar.name AS district, w.route, w.organisation_id, o.name AS organisation, \
     u.display_name AS recorded_by, w.participants_total, w.note, w.version, \
     (SELECT COUNT(*) FROM walk_findings f WHERE f.walk_id = w.id) AS findings, \
     (SELECT COUNT(*) FROM walk_findings f WHERE f.walk_id = w.id AND f.report_id IS NOT NULL) AS reported \
     FROM walks w LEFT JOIN areas ar ON ar.id = w.district_id LEFT JOIN organisations o ON o.id = w.organisation_id \
     LEFT JOIN users u ON u.id = w.recorded_by";

const FINDING_SELECT: &str = "SELECT f.id, f.walk_id, f.item_id, i.label AS item, f.description, f.place, f.lat, f.lon, f.district_id, ar.name AS district, \
     f.severity, f.photo_file, f.photo_thumbnail, f.photo_caption, f.report_id, r.state AS report_state, f.created_at \
     FROM walk_findings f LEFT JOIN walk_items i ON i.id = f.item_id LEFT JOIN areas ar ON ar.id = f.district_id \
     LEFT JOIN reports r ON r.id = f.report_id";

/// Writes a walk's organisations, headcount and ratings (after its row).
async fn write_parts(tx: &mut crate::db::Tx, id: i64, d: &WalkDraft) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        for o in &d.organisation_ids {
            sqlx::query("INSERT INTO walk_organisations (walk_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(o)
                .execute(&mut *c)
                .await?;
        }
        for h in &d.headcount {
            sqlx::query("INSERT INTO walk_headcounts (walk_id, age_band, sex, n) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(&h.age_band)
                .bind(&h.sex)
                .bind(h.count)
                .execute(&mut *c)
                .await?;
        }
        for r in &d.ratings {
            sqlx::query("INSERT INTO walk_ratings (walk_id, item_id, rating, comment) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(r.item_id)
                .bind(r.rating)
                .bind(r.comment.trim())
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

impl Store {
    /// The grid's items of one kind (or every kind), in order; retired ones only when asked.
    pub async fn walk_items(&self, kind: Option<&str>, with_retired: bool) -> Result<Vec<WalkItem>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, kind, label, category_id, position, retired FROM walk_items \
                 WHERE ($1 IS NULL OR kind = $1) AND ($2 OR retired = FALSE) ORDER BY kind, position, id",
            )
            .bind(kind)
            .bind(with_retired)
            .fetch_all(p)
            .await?
        }))
    }

    /// Adds an item at the end of its kind's grid.
    pub async fn add_walk_item(&self, by: &Author, kind: &str, label: &str, category_id: Option<i64>) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO walk_items (kind, label, category_id, position) \
                 VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM walk_items WHERE kind = $1)) RETURNING id",
            )
            .bind(kind)
            .bind(label.trim())
            .bind(category_id)
            .fetch_one(&mut *c)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("cet élément figure déjà dans la grille de ce type de marche".into()),
                e => e,
            })?
        });
        append(&mut tx, by, "walk.item_add", "walk_item", &id.to_string(), kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Retires an item from its grid, or brings it back: ratings already given keep it.
    pub async fn set_walk_item_retired(&self, by: &Author, id: i64, retired: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE walk_items SET retired = $1 WHERE id = $2").bind(retired).bind(id).execute(&mut *c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("élément de grille {id}")));
        }
        append(&mut tx, by, if retired { "walk.item_retire" } else { "walk.item_restore" }, "walk_item", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_walk(&self, by: &Author, w: &NewWalk) -> Result<i64, StoreError> {
        let d = &w.draft;
        let walked = d.walked_on.ok_or_else(|| StoreError::Invalid("date de la marche manquante".into()))?;
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO walks (kind, walked_on, district_id, route, organisation_id, recorded_by, participants_total, note, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id",
            )
            .bind(&d.kind)
            .bind(walked.to_string())
            .bind(d.district_id)
            .bind(d.route.trim())
            .bind(w.organisation_id)
            .bind(w.recorded_by)
            .bind(maillage_core::walk::total(&d.headcount))
            .bind(d.note.trim())
            .bind(&now)
            .fetch_one(&mut *c)
            .await?
        });
        write_parts(&mut tx, id, d).await?;
        append(&mut tx, by, "walk.create", "walk", &id.to_string(), &d.kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Rewrites a walk whole if nobody changed it since `version` was read. Its kind stays: the
    /// ratings belong to its grid.
    pub async fn update_walk(&self, by: &Author, id: i64, version: i64, d: &WalkDraft) -> Result<(), StoreError> {
        let walked = d.walked_on.ok_or_else(|| StoreError::Invalid("date de la marche manquante".into()))?;
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE walks SET walked_on = $1, district_id = $2, route = $3, participants_total = $4, note = $5, updated_at = $6, \
                 version = version + 1 WHERE id = $7 AND version = $8",
            )
            .bind(walked.to_string())
            .bind(d.district_id)
            .bind(d.route.trim())
            .bind(maillage_core::walk::total(&d.headcount))
            .bind(d.note.trim())
            .bind(&now)
            .bind(id)
            .bind(version)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("la marche a changé entre-temps : rechargez la page".into()));
        }
        on_tx!(&mut tx, c, {
            for table in ["walk_organisations", "walk_headcounts", "walk_ratings"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE walk_id = $1"))).bind(id).execute(&mut *c).await?;
            }
        });
        write_parts(&mut tx, id, d).await?;
        append(&mut tx, by, "walk.update", "walk", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a walk with its findings; returns their photos' files for the caller to remove.
    /// The reports its findings became stay: they live their own life.
    pub async fn delete_walk(&self, by: &Author, id: i64) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let (files, n) = on_tx!(&mut tx, c, {
            let files: Vec<(Option<String>, Option<String>)> =
                sqlx::query_as("SELECT photo_file, photo_thumbnail FROM walk_findings WHERE walk_id = $1")
                    .bind(id)
                    .fetch_all(&mut *c)
                    .await?;
            let n = sqlx::query("DELETE FROM walks WHERE id = $1").bind(id).execute(&mut *c).await?.rows_affected();
            (files, n)
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("marche {id}")));
        }
        append(&mut tx, by, "walk.delete", "walk", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(files.into_iter().flat_map(|(a, b)| a.into_iter().chain(b)).collect())
    }

    /// Walks matching the filter, newest first.
    pub async fn walks(&self, f: &WalkFilter) -> Result<Vec<Walk>, StoreError> {
        let rows: Vec<WalkRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{WALK_SELECT} WHERE ($1 IS NULL OR w.walked_on >= $1) AND ($2 IS NULL OR w.walked_on <= $2) \
                 AND ($3 IS NULL OR w.kind = $3) AND ($4 IS NULL OR w.district_id = $4) ORDER BY w.walked_on DESC, w.id DESC"
            )))
            .bind(f.from.map(|d| d.to_string()))
            .bind(f.to.map(|d| d.to_string()))
            .bind(f.kind.as_deref())
            .bind(f.district_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(Walk::try_from).collect()
    }

    pub async fn walk(&self, id: i64) -> Result<Option<WalkRecord>, StoreError> {
        let (row, organisations, headcount, ratings, findings) = on_db!(&self.db, p, {
            let row: Option<WalkRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{WALK_SELECT} WHERE w.id = $1"))).bind(id).fetch_optional(p).await?;
            if row.is_none() {
                return Ok(None);
            }
            let organisations: Vec<(i64, String)> = sqlx::query_as(
                "SELECT o.id, o.name FROM walk_organisations wo JOIN organisations o ON o.id = wo.organisation_id WHERE wo.walk_id = $1 ORDER BY o.name",
            )
            .bind(id)
            .fetch_all(p)
            .await?;
            let headcount: Vec<(String, String, i64)> =
                sqlx::query_as("SELECT age_band, sex, n FROM walk_headcounts WHERE walk_id = $1 ORDER BY age_band, sex")
                    .bind(id)
                    .fetch_all(p)
                    .await?;
            let ratings: Vec<ItemRating> = sqlx::query_as(
                "SELECT r.item_id, i.label, r.rating, r.comment FROM walk_ratings r JOIN walk_items i ON i.id = r.item_id \
                 WHERE r.walk_id = $1 ORDER BY i.position, i.id",
            )
            .bind(id)
            .fetch_all(p)
            .await?;
            let findings: Vec<FindingRow> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{FINDING_SELECT} WHERE f.walk_id = $1 ORDER BY f.id")))
                    .bind(id)
                    .fetch_all(p)
                    .await?;
            (row, organisations, headcount, ratings, findings)
        });
        let Some(row) = row else { return Ok(None) };
        Ok(Some(WalkRecord {
            walk: row.try_into()?,
            organisations,
            headcount: headcount.into_iter().map(|(age_band, sex, count)| Headcount { age_band, sex, count }).collect(),
            ratings,
            findings: findings.into_iter().map(Finding::try_from).collect::<Result<_, _>>()?,
        }))
    }

    pub async fn walk_finding(&self, id: i64) -> Result<Option<Finding>, StoreError> {
        let row: Option<FindingRow> = on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{FINDING_SELECT} WHERE f.id = $1"))).bind(id).fetch_optional(p).await?
        });
        row.map(Finding::try_from).transpose()
    }

    /// Adds a finding to a walk, refused past [`FINDINGS_MAX`].
    pub async fn add_walk_finding(&self, by: &Author, f: &NewFinding) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: Option<i64> = on_tx!(&mut tx, c, {
            let held: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM walk_findings WHERE walk_id = $1").bind(f.walk_id).fetch_one(&mut *c).await?;
            if held >= FINDINGS_MAX {
                None
            } else {
                Some(
                    sqlx::query_scalar(
                        "INSERT INTO walk_findings (walk_id, item_id, description, place, lat, lon, district_id, severity, photo_caption, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10) RETURNING id",
                    )
                    .bind(f.walk_id)
                    .bind(f.item_id)
                    .bind(f.description.trim())
                    .bind(f.place.trim())
                    .bind(f.lat)
                    .bind(f.lon)
                    .bind(f.district_id)
                    .bind(&f.severity)
                    .bind(&now)
                    .bind(&by.label)
                    .fetch_one(&mut *c)
                    .await?,
                )
            }
        });
        let Some(id) = id else {
            return Err(StoreError::Conflict(format!("une marche garde {FINDINGS_MAX} constats au plus")));
        };
        append(&mut tx, by, "walk.finding_add", "walk", &f.walk_id.to_string(), &id.to_string()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Writes findings as they are, many per statement and without an audit entry each: for
    /// loading a large volume at once (the benchmarks), never for a user's findings.
    pub async fn bulk_insert_walk_findings(&self, findings: &[NewFinding]) -> Result<(), StoreError> {
        use crate::db::{Param, Sql};
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        for chunk in findings.chunks(30) {
            let mut sql = Sql::new(
                "INSERT INTO walk_findings (walk_id, item_id, description, place, lat, lon, district_id, severity, photo_caption, created_at, created_by) VALUES ",
            );
            for (i, f) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_list([
                    Param::Int(f.walk_id),
                    f.item_id.map_or(Param::NullInt, Param::Int),
                    Param::Text(f.description.clone()),
                    Param::Text(f.place.clone()),
                    Param::Float(f.lat),
                    Param::Float(f.lon),
                    f.district_id.map_or(Param::NullInt, Param::Int),
                    Param::Text(f.severity.clone()),
                    Param::Text(String::new()),
                    Param::Text(now.clone()),
                    Param::Text("import".into()),
                ]);
            }
            on_tx!(&mut tx, c, {
                bind_params!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.params).execute(&mut *c).await?;
            });
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes a finding that has not become a report; returns its photo's files.
    pub async fn delete_walk_finding(&self, by: &Author, f: &Finding) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM walk_findings WHERE id = $1 AND report_id IS NULL").bind(f.id).execute(&mut *c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(
                "ce constat est devenu un signalement : il reste sur la marche pour en suivre la suite".into(),
            ));
        }
        append(&mut tx, by, "walk.finding_delete", "walk", &f.walk_id.to_string(), &f.id.to_string()).await?;
        tx.commit().await?;
        Ok(f.photo.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).collect())
    }

    /// Sets (or clears) a finding's photo; returns the files of the one it replaces.
    pub async fn set_walk_finding_photo(
        &self,
        by: &Author,
        f: &Finding,
        photo: Option<(&str, &str)>,
        caption: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.begin().await?;
        let before: Option<(Option<String>, Option<String>)> = on_tx!(&mut tx, c, {
            let before = sqlx::query_as("SELECT photo_file, photo_thumbnail FROM walk_findings WHERE id = $1")
                .bind(f.id)
                .fetch_optional(&mut *c)
                .await?;
            sqlx::query("UPDATE walk_findings SET photo_file = $1, photo_thumbnail = $2, photo_caption = $3 WHERE id = $4")
                .bind(photo.map(|p| p.0))
                .bind(photo.map(|p| p.1))
                .bind(caption.trim())
                .bind(f.id)
                .execute(&mut *c)
                .await?;
            before
        });
        let Some((a, b)) = before else {
            return Err(StoreError::NotFound(format!("constat {}", f.id)));
        };
        let what = if photo.is_some() { "walk.finding_photo" } else { "walk.finding_photo_remove" };
        append(&mut tx, by, what, "walk", &f.walk_id.to_string(), &f.id.to_string()).await?;
        tx.commit().await?;
        Ok(a.into_iter().chain(b).collect())
    }

    /// Writes the report a finding becomes and links it, in one transaction: a finding becomes
    /// one report at most, even when two people click at once.
    pub async fn report_walk_finding(
        &self,
        by: &Author,
        f: &Finding,
        r: &NewReport,
        mails: impl FnOnce(i64) -> Vec<OutgoingMail>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        // Taking the row first makes a second click wait, then find it reported.
        let free = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE walk_findings SET report_id = NULL WHERE id = $1 AND report_id IS NULL")
                .bind(f.id)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if free == 0 {
            return Err(StoreError::Conflict("ce constat est déjà devenu un signalement".into()));
        }
        let report_id = crate::report::insert_report(&mut tx, by, r, mails).await?;
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE walk_findings SET report_id = $1 WHERE id = $2").bind(report_id).bind(f.id).execute(&mut *c).await?;
        });
        append(&mut tx, by, "walk.finding_report", "walk", &f.walk_id.to_string(), &format!("{}:{report_id}", f.id)).await?;
        tx.commit().await?;
        Ok(report_id)
    }

    /// The ratings given on GUSP evaluations in a district (every district when `None`).
    pub async fn gusp_ratings(&self, district_id: Option<i64>) -> Result<Vec<GivenRating>, StoreError> {
        let rows: Vec<(i64, i64, String, i64)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT w.id, r.item_id, w.walked_on, r.rating FROM walk_ratings r JOIN walks w ON w.id = r.walk_id \
                 WHERE w.kind = 'gusp' AND ($1 IS NULL OR w.district_id = $1) ORDER BY w.walked_on",
            )
            .bind(district_id)
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(walk, item_id, on, rating)| {
                Ok(GivenRating { item_id, walked_on: decode("walks", walk, "walked_on", &on, parse_iso_date)?, rating })
            })
            .collect()
    }
}
