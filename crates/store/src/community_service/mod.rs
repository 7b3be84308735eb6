//! Community service (TIG) and reparation measures: host structures, posts, tutor trainings and
//! placements. A placement's file reference arrives sealed (`placements.reference.<id>`), which
//! is why creation takes a sealing function of the new row's id; the rest are codes, dates and
//! hours.

use crate::audit::append;
use crate::db::decode;
use crate::sealed::place;
use crate::{Author, Store, StoreError};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::Date;

/// The place a placement's reference is sealed for.
pub fn reference_place(id: i64) -> String {
    place("placements", "reference", id)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Structure {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPost {
    pub structure_id: i64,
    pub service: String,
    pub activity: String,
    pub places: i64,
    pub minors_accepted: bool,
    pub tutor_name: String,
    pub tutor_function: String,
    pub opened_on: Date,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub structure_id: i64,
    pub structure: String,
    pub service: String,
    pub activity: String,
    pub places: i64,
    pub minors_accepted: bool,
    pub tutor_name: String,
    pub tutor_function: String,
    pub tutor_trained_on: Option<Date>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    /// Placements running on the post now (started, not ended).
    pub occupied: i64,
}

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    structure_id: i64,
    structure: String,
    service: String,
    activity: String,
    places: i64,
    minors_accepted: bool,
    tutor_name: String,
    tutor_function: String,
    tutor_trained_on: Option<String>,
    opened_on: String,
    closed_on: Option<String>,
    occupied: i64,
}

fn date(table: &'static str, id: i64, column: &'static str, v: Option<String>) -> Result<Option<Date>, StoreError> {
    v.map(|v| decode(table, id, column, &v, parse_iso_date)).transpose()
}

impl TryFrom<PostRow> for Post {
    type Error = StoreError;

    fn try_from(r: PostRow) -> Result<Self, StoreError> {
        Ok(Post {
            opened_on: decode("host_posts", r.id, "opened_on", &r.opened_on, parse_iso_date)?,
            tutor_trained_on: date("host_posts", r.id, "tutor_trained_on", r.tutor_trained_on)?,
            closed_on: date("host_posts", r.id, "closed_on", r.closed_on)?,
            id: r.id,
            structure_id: r.structure_id,
            structure: r.structure,
            service: r.service,
            activity: r.activity,
            places: r.places,
            minors_accepted: r.minors_accepted,
            tutor_name: r.tutor_name,
            tutor_function: r.tutor_function,
            occupied: r.occupied,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTraining {
    pub held_on: Date,
    pub title: String,
    pub organised_with: String,
    pub tutors_trained: i64,
    /// Posts whose tutor took part: their tutor is trained from that day.
    pub post_ids: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Training {
    pub id: i64,
    pub held_on: Date,
    pub title: String,
    pub organised_with: String,
    pub tutors_trained: i64,
}

/// A placement's values in clear (the reference excepted, sealed apart).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementFields {
    pub referrer: String,
    pub measure: String,
    pub sex: String,
    pub age_band: String,
    pub post_id: Option<i64>,
    pub decided_on: Date,
    pub referred_on: Option<Date>,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub hours_ordered: Option<i64>,
    pub hours_done: i64,
    pub outcome: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub id: i64,
    pub group_id: i64,
    /// Sealed.
    pub reference: String,
    pub fields: PlacementFields,
    /// The post's structure and service, if placed.
    pub post: Option<String>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct PlacementRow {
    id: i64,
    group_id: i64,
    reference: String,
    referrer: String,
    measure: String,
    sex: String,
    age_band: String,
    post_id: Option<i64>,
    decided_on: String,
    referred_on: Option<String>,
    started_on: Option<String>,
    ended_on: Option<String>,
    hours_ordered: Option<i64>,
    hours_done: i64,
    outcome: Option<String>,
    post: Option<String>,
    version: i64,
}

impl TryFrom<PlacementRow> for Placement {
    type Error = StoreError;

    fn try_from(r: PlacementRow) -> Result<Self, StoreError> {
        let t = "placements";
        Ok(Placement {
            fields: PlacementFields {
                decided_on: decode(t, r.id, "decided_on", &r.decided_on, parse_iso_date)?,
                referred_on: date(t, r.id, "referred_on", r.referred_on)?,
                started_on: date(t, r.id, "started_on", r.started_on)?,
                ended_on: date(t, r.id, "ended_on", r.ended_on)?,
                referrer: r.referrer,
                measure: r.measure,
                sex: r.sex,
                age_band: r.age_band,
                post_id: r.post_id,
                hours_ordered: r.hours_ordered,
                hours_done: r.hours_done,
                outcome: r.outcome,
            },
            id: r.id,
            group_id: r.group_id,
            reference: r.reference,
            post: r.post,
            version: r.version,
        })
    }
}

macro_rules! select_placements {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, p.group_id, p.reference, p.referrer, p.measure, p.sex, p.age_band, p.post_id, p.decided_on, p.referred_on, \
             p.started_on, p.ended_on, p.hours_ordered, p.hours_done, p.outcome, \
             CASE WHEN hp.id IS NULL THEN NULL ELSE hs.name || ' — ' || hp.service END AS post, p.version \
             FROM placements p LEFT JOIN host_posts hp ON hp.id = p.post_id LEFT JOIN host_structures hs ON hs.id = hp.structure_id ",
            $rest
        )
    };
}

/// Binds a placement's fields in the order of its columns, for creation and change alike.
macro_rules! bind_fields {
    ($q:expr, $f:expr) => {
        $q.bind(&$f.referrer)
            .bind(&$f.measure)
            .bind(&$f.sex)
            .bind(&$f.age_band)
            .bind($f.post_id)
            .bind($f.decided_on.to_string())
            .bind($f.referred_on.map(|d| d.to_string()))
            .bind($f.started_on.map(|d| d.to_string()))
            .bind($f.ended_on.map(|d| d.to_string()))
            .bind($f.hours_ordered)
            .bind($f.hours_done)
            .bind(&$f.outcome)
    };
}

/// One placement as the year's figures count it: no reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacementFigureRow {
    /// The keyed hash of the reference: one person, whatever the number of measures.
    pub person: String,
    pub structure: Option<String>,
    pub measure: String,
    pub sex: String,
    pub age_band: String,
    pub decided_on: Date,
    pub started_on: Option<Date>,
    pub ended_on: Option<Date>,
    pub outcome: Option<String>,
}

/// A post with its structure's name and the placements running on it on `$1`.
const POST_SELECT: &str = "SELECT hp.id, hp.structure_id, hs.name AS structure, hp.service, hp.activity, hp.places, hp.minors_accepted, \
     hp.tutor_name, hp.tutor_function, hp.tutor_trained_on, hp.opened_on, hp.closed_on, \
     (SELECT COUNT(*) FROM placements p WHERE p.post_id = hp.id AND p.started_on <= $1 AND p.ended_on IS NULL) AS occupied \
     FROM host_posts hp JOIN host_structures hs ON hs.id = hp.structure_id";

impl Store {
    pub async fn create_structure(&self, by: &Author, name: &str, kind: &str) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar("INSERT INTO host_structures (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(name)
                .bind(kind)
                .bind(&now)
                .fetch_one(c)
                .await?
        });
        append(&mut tx, by, "host_structure.create", "host_structure", &id.to_string(), name).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn structures(&self) -> Result<Vec<Structure>, StoreError> {
        let rows: Vec<(i64, String, String)> =
            on_db!(&self.db, p, { sqlx::query_as("SELECT id, name, kind FROM host_structures ORDER BY name").fetch_all(p).await? });
        Ok(rows.into_iter().map(|(id, name, kind)| Structure { id, name, kind }).collect())
    }

    pub async fn create_post(&self, by: &Author, p: &NewPost) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO host_posts (structure_id, service, activity, places, minors_accepted, tutor_name, tutor_function, opened_on, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(p.structure_id)
            .bind(&p.service)
            .bind(&p.activity)
            .bind(p.places)
            .bind(p.minors_accepted)
            .bind(&p.tutor_name)
            .bind(&p.tutor_function)
            .bind(p.opened_on.to_string())
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        append(&mut tx, by, "host_post.create", "host_post", &id.to_string(), &p.service).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every post, open ones first, with the placements running on each today.
    pub async fn posts(&self, today: Date) -> Result<Vec<Post>, StoreError> {
        let sql = format!("{POST_SELECT} ORDER BY hp.closed_on IS NOT NULL, hs.name, hp.service, hp.id");
        let rows: Vec<PostRow> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(today.to_string()).fetch_all(p).await?);
        rows.into_iter().map(Post::try_from).collect()
    }

    /// One post, with the placements running on it today.
    pub async fn post(&self, id: i64, today: Date) -> Result<Option<Post>, StoreError> {
        let sql = format!("{POST_SELECT} WHERE hp.id = $2");
        let row: Option<PostRow> =
            on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(today.to_string()).bind(id).fetch_optional(p).await?);
        row.map(Post::try_from).transpose()
    }

    /// A post closes (no new placement on it); one already closed stays as it was.
    pub async fn close_post(&self, by: &Author, id: i64, on: Date) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE host_posts SET closed_on = $1 WHERE id = $2 AND closed_on IS NULL AND opened_on <= $1")
                .bind(on.to_string())
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("ce poste est déjà fermé, ou sa fermeture précéderait son ouverture".into()));
        }
        append(&mut tx, by, "host_post.close", "host_post", &id.to_string(), &on.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new tutor for a post: not trained until a training says so.
    pub async fn change_tutor(&self, by: &Author, id: i64, name: &str, function: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("UPDATE host_posts SET tutor_name = $1, tutor_function = $2, tutor_trained_on = NULL WHERE id = $3")
                .bind(name)
                .bind(function)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("poste {id}")));
        }
        append(&mut tx, by, "host_post.tutor", "host_post", &id.to_string(), name).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a training; the tutors of the posts listed are trained from its day (a later
    /// training keeps the latest day).
    pub async fn record_training(&self, by: &Author, t: &NewTraining) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let day = t.held_on.to_string();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO tutor_trainings (held_on, title, organised_with, tutors_trained, created_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING id",
            )
            .bind(&day)
            .bind(&t.title)
            .bind(&t.organised_with)
            .bind(t.tutors_trained)
            .bind(&now)
            .fetch_one(c)
            .await?
        });
        for post in &t.post_ids {
            on_tx!(&mut tx, c, {
                sqlx::query("INSERT INTO tutor_training_posts (training_id, post_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(post)
                    .execute(c)
                    .await?
                    .rows_affected()
            });
            on_tx!(&mut tx, c, {
                sqlx::query(
                    "UPDATE host_posts SET tutor_trained_on = $1 WHERE id = $2 AND (tutor_trained_on IS NULL OR tutor_trained_on < $1)",
                )
                .bind(&day)
                .bind(post)
                .execute(c)
                .await?
                .rows_affected()
            });
        }
        append(&mut tx, by, "tutor_training.create", "tutor_training", &id.to_string(), &t.title).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Trainings between two days (inclusive), latest first.
    pub async fn trainings(&self, from: Date, to: Date) -> Result<Vec<Training>, StoreError> {
        let rows: Vec<(i64, String, String, String, i64)> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, held_on, title, organised_with, tutors_trained FROM tutor_trainings WHERE held_on >= $1 AND held_on <= $2 \
                 ORDER BY held_on DESC, id DESC",
            )
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, on, title, organised_with, tutors_trained)| {
                Ok(Training {
                    held_on: decode("tutor_trainings", id, "held_on", &on, parse_iso_date)?,
                    id,
                    title,
                    organised_with,
                    tutors_trained,
                })
            })
            .collect()
    }

    /// Creates a placement in `group_id`; `seal` seals the reference for the new row's id.
    pub async fn create_placement(
        &self,
        by: &Author,
        group_id: i64,
        f: &PlacementFields,
        reference_hash: &str,
        seal: impl FnOnce(i64) -> String,
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, c, {
            let q = sqlx::query_scalar(
                "INSERT INTO placements (group_id, reference, referrer, measure, sex, age_band, post_id, decided_on, referred_on, started_on, \
                 ended_on, hours_ordered, hours_done, outcome, created_by, created_at, reference_hash, version) \
                 VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING id",
            )
            .bind(group_id);
            bind_fields!(q, f).bind(by.user_id).bind(&now).bind(reference_hash).fetch_one(c).await?
        });
        let sealed = seal(id);
        on_tx!(&mut tx, c, {
            sqlx::query("UPDATE placements SET reference = $1 WHERE id = $2").bind(&sealed).bind(id).execute(c).await?.rows_affected()
        });
        append(&mut tx, by, "placement.create", "placement", &id.to_string(), &format!("groupe {group_id}")).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a placement's dates, post, hours and outcome, if nobody changed it since
    /// `version` was read.
    pub async fn update_placement(&self, by: &Author, group_id: i64, id: i64, version: i64, f: &PlacementFields) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            let q = sqlx::query(
                "UPDATE placements SET referrer = $1, measure = $2, sex = $3, age_band = $4, post_id = $5, decided_on = $6, referred_on = $7, \
                 started_on = $8, ended_on = $9, hours_ordered = $10, hours_done = $11, outcome = $12, version = version + 1 \
                 WHERE id = $13 AND group_id = $14 AND version = $15",
            );
            bind_fields!(q, f).bind(id).bind(group_id).bind(version).execute(c).await?.rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("la mesure a changé entre-temps : rechargez la page".into()));
        }
        append(&mut tx, by, "placement.update", "placement", &id.to_string(), &format!("groupe {group_id}")).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn placement(&self, group_id: i64, id: i64) -> Result<Option<Placement>, StoreError> {
        let row: Option<PlacementRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_placements!("WHERE p.group_id = $1 AND p.id = $2")).bind(group_id).bind(id).fetch_optional(p).await?
        });
        row.map(Placement::try_from).transpose()
    }

    /// A group's placements, running ones first, then the ended ones, newest first.
    pub async fn placements(&self, group_id: i64, limit: i64, offset: i64) -> Result<Vec<Placement>, StoreError> {
        let rows: Vec<PlacementRow> = on_db!(&self.db, p, {
            sqlx::query_as(select_placements!("WHERE p.group_id = $1 ORDER BY p.ended_on IS NOT NULL, p.id DESC LIMIT $2 OFFSET $3"))
                .bind(group_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(Placement::try_from).collect()
    }

    /// Placements whose measure ran during `[from, to]` or was decided then: what the year's
    /// figures count, without the reference.
    pub async fn placement_figure_rows(&self, from: Date, to: Date) -> Result<Vec<PlacementFigureRow>, StoreError> {
        type Row = (i64, String, Option<String>, String, String, String, String, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Row> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT p.id, p.reference_hash, hs.name, p.measure, p.sex, p.age_band, p.decided_on, p.started_on, p.ended_on, p.outcome FROM placements p \
                 LEFT JOIN host_posts hp ON hp.id = p.post_id LEFT JOIN host_structures hs ON hs.id = hp.structure_id \
                 WHERE (p.decided_on >= $1 AND p.decided_on <= $2) OR (p.started_on <= $2 AND (p.ended_on IS NULL OR p.ended_on >= $1))",
            )
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(p)
            .await?
        });
        rows.into_iter()
            .map(|(id, person, structure, measure, sex, age_band, decided, started, ended, outcome)| {
                Ok(PlacementFigureRow {
                    person,
                    decided_on: decode("placements", id, "decided_on", &decided, parse_iso_date)?,
                    started_on: date("placements", id, "started_on", started)?,
                    ended_on: date("placements", id, "ended_on", ended)?,
                    structure,
                    measure,
                    sex,
                    age_band,
                    outcome,
                })
            })
            .collect()
    }

    /// The group's placements of the file whose reference has this keyed hash: id and end.
    pub async fn placements_by_reference(&self, group_id: i64, reference_hash: &str) -> Result<Vec<(i64, bool)>, StoreError> {
        let rows: Vec<(i64, Option<String>)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, ended_on FROM placements WHERE group_id = $1 AND reference_hash = $2 ORDER BY id")
                .bind(group_id)
                .bind(reference_hash)
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().map(|(id, ended)| (id, ended.is_some())).collect())
    }

    /// Placements on a post that have not ended (running or to come).
    pub async fn count_unended_on_post(&self, post_id: i64) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM placements WHERE post_id = $1 AND ended_on IS NULL").bind(post_id).fetch_one(p).await?
        }))
    }

    /// Posts opened between two days (inclusive).
    pub async fn count_posts_opened(&self, from: Date, to: Date) -> Result<i64, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_scalar("SELECT COUNT(*) FROM host_posts WHERE opened_on >= $1 AND opened_on <= $2")
                .bind(from.to_string())
                .bind(to.to_string())
                .fetch_one(p)
                .await?
        }))
    }

    /// Placements whose measure ended on or before `ended_by`, with their end: the
    /// destruction job's candidates.
    pub async fn placements_ended_by(&self, ended_by: Date) -> Result<Vec<(i64, Date)>, StoreError> {
        let rows: Vec<(i64, String)> = on_db!(&self.db, p, {
            sqlx::query_as("SELECT id, ended_on FROM placements WHERE ended_on IS NOT NULL AND ended_on <= $1 ORDER BY id")
                .bind(ended_by.to_string())
                .fetch_all(p)
                .await?
        });
        rows.into_iter().map(|(id, on)| Ok((id, decode("placements", id, "ended_on", &on, parse_iso_date)?))).collect()
    }

    /// Destroys a placement; the audit chain records that it happened, not what it held.
    pub async fn destroy_placement(&self, by: &Author, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, sqlx::query("DELETE FROM placements WHERE id = $1").bind(id).execute(c).await?.rows_affected());
        append(&mut tx, by, "placement.destroy", "placement", &id.to_string(), "durée de conservation échue").await?;
        tx.commit().await?;
        Ok(())
    }
}
