//! The activity journal: actions carried out under the strategy's sheets, with their sheets,
//! organisations involved and participant lines, written whole in one transaction, counted
//! ahead for the evaluation in the same transaction ([`tally`]).

pub mod photo;
pub mod tally;

use crate::audit::append;
use crate::db::{Tx, decode};
use crate::{Author, Store, StoreError};
use maillage_core::activity::{ActivityDraft, Participants};
use maillage_core::time_fmt::{self, parse_iso_date};
use time::Date;

/// One kind of activity, from the list kept as data.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityKind {
    pub code: String,
    pub label: String,
}

/// An action sheet one may link an activity to: the current strategy's.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SheetChoice {
    pub id: i64,
    pub code: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Activity {
    pub id: i64,
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub district_id: Option<i64>,
    pub district: Option<String>,
    /// The organisation that recorded it (none for a coordinator without one).
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub recorded_by: Option<String>,
    pub professionals_present: i64,
    pub participants_total: i64,
    pub note: String,
    pub version: i64,
}

/// An activity with its links, as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityRecord {
    pub activity: Activity,
    pub sheets: Vec<SheetChoice>,
    pub organisations: Vec<(i64, String)>,
    pub participants: Vec<Participants>,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    kind: String,
    kind_label: String,
    title: String,
    started_on: String,
    ended_on: Option<String>,
    district_id: Option<i64>,
    district: Option<String>,
    organisation_id: Option<i64>,
    organisation: Option<String>,
    recorded_by: Option<String>,
    professionals_present: i64,
    participants_total: i64,
    note: String,
    version: i64,
}

impl TryFrom<ActivityRow> for Activity {
    type Error = StoreError;
    fn try_from(r: ActivityRow) -> Result<Self, StoreError> {
        Ok(Activity {
            started_on: decode("activities", r.id, "started_on", &r.started_on, parse_iso_date)?,
            ended_on: r.ended_on.map(|v| decode("activities", r.id, "ended_on", &v, parse_iso_date)).transpose()?,
            id: r.id,
            kind: r.kind,
            kind_label: r.kind_label,
            title: r.title,
            district_id: r.district_id,
            district: r.district,
            organisation_id: r.organisation_id,
            organisation: r.organisation,
            recorded_by: r.recorded_by,
            professionals_present: r.professionals_present,
            participants_total: r.participants_total,
            note: r.note,
            version: r.version,
        })
    }
}

/// Which activities a list holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// Only those this organisation recorded (a partner's view).
    pub organisation_id: Option<i64>,
    /// Started within `[from, to]`.
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub sheet_id: Option<i64>,
    /// Only those recorded in this district (not the whole city's).
    pub district_id: Option<i64>,
}

const SELECT: &str = "SELECT a.id, a.kind, k.label AS kind_label, a.title, a.started_on, a.ended_on, a.district_id, ar.name AS district, \
     a.organisation_id, o.name AS organisation, u.display_name AS recorded_by, a.professionals_present, a.participants_total, a.note, a.version \
     FROM activities a JOIN activity_kinds k ON k.code = a.kind LEFT JOIN areas ar ON ar.id = a.district_id \
     LEFT JOIN organisations o ON o.id = a.organisation_id LEFT JOIN users u ON u.id = a.recorded_by_id";

/// The filter as SQL conditions over `a`, with its parameters from `$1` (all text or numbers
/// bound in order).
fn conditions(f: &ActivityFilter) -> (String, Vec<FilterValue>) {
    let mut sql = String::from(" WHERE 1 = 1");
    let mut values = Vec::new();
    let mut next = |sql: &mut String, cond: &str, v: FilterValue| {
        values.push(v);
        sql.push_str(&cond.replace('?', &format!("${}", values.len())));
    };
    if let Some(o) = f.organisation_id {
        next(&mut sql, " AND a.organisation_id = ?", FilterValue::Int(o));
    }
    if let Some(d) = f.from {
        next(&mut sql, " AND a.started_on >= ?", FilterValue::Text(d.to_string()));
    }
    if let Some(d) = f.to {
        next(&mut sql, " AND a.started_on <= ?", FilterValue::Text(d.to_string()));
    }
    if let Some(s) = f.sheet_id {
        next(&mut sql, " AND a.id IN (SELECT activity_id FROM activity_sheets WHERE action_sheet_id = ?)", FilterValue::Int(s));
    }
    if let Some(d) = f.district_id {
        next(&mut sql, " AND a.district_id = ?", FilterValue::Int(d));
    }
    (sql, values)
}

enum FilterValue {
    Int(i64),
    Text(String),
}

macro_rules! bind_filter {
    ($q:expr, $values:expr) => {{
        let mut q = $q;
        for v in $values {
            q = match v {
                FilterValue::Int(i) => q.bind(*i),
                FilterValue::Text(t) => q.bind(t.clone()),
            };
        }
        q
    }};
}

impl Store {
    pub async fn activity_kinds(&self) -> Result<Vec<ActivityKind>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as("SELECT code, label FROM activity_kinds WHERE retired = FALSE ORDER BY position, code").fetch_all(p).await?
        }))
    }

    /// The current strategy's sheets, in order.
    pub async fn sheet_choices(&self) -> Result<Vec<SheetChoice>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT s.id, s.code, s.title FROM action_sheets s JOIN strategies st ON st.id = s.strategy_id \
                 WHERE s.retired = FALSE AND st.id = (SELECT id FROM strategies ORDER BY period_start DESC, id DESC LIMIT 1) \
                 ORDER BY s.position",
            )
            .fetch_all(p)
            .await?
        }))
    }

    /// Records an activity checked by the caller, for `organisation_id` (the author's);
    /// `recorded_by` is the author's account (none for a load of the system's).
    pub async fn create_activity(
        &self,
        by: &Author,
        recorded_by: Option<i64>,
        organisation_id: Option<i64>,
        d: &ActivityDraft,
    ) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let id = insert(&mut tx, (recorded_by, organisation_id), d, &now).await?;
        append(&mut tx, by, "activity.create", "activity", &id.to_string(), &d.kind).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Deletes an activity recorded by mistake, if nobody changed it since `version`; its
    /// counts go with it. The journal keeps that it was deleted and its kind.
    pub async fn delete_activity(&self, by: &Author, id: i64, version: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let before = tally::locked(&mut tx, id).await?;
        // Its sheets, organisations and participant lines go with it (ON DELETE CASCADE).
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM activities WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        let Some(before) = before.filter(|_| n > 0) else {
            return Err(StoreError::Conflict("l'action a changé entre-temps ou n'existe plus : rechargez la page".into()));
        };
        tally::shift(&mut tx, &before, -1).await?;
        append(&mut tx, by, "activity.delete", "activity", &id.to_string(), &before.kind).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes an activity whole, if nobody changed it since `version`.
    pub async fn update_activity(&self, by: &Author, id: i64, version: i64, d: &ActivityDraft) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let started = d.started_on.ok_or_else(|| StoreError::Invalid("date de l'action manquante".into()))?;
        let mut tx = self.begin().await?;
        let before = tally::locked(&mut tx, id).await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE activities SET kind = $1, title = $2, started_on = $3, ended_on = $4, district_id = $5, professionals_present = $6, \
                 participants_total = $7, note = $8, updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11",
            )
            .bind(&d.kind)
            .bind(d.title.trim())
            .bind(started.to_string())
            .bind(d.ended_on.map(|e| e.to_string()))
            .bind(d.district_id)
            .bind(d.professionals_present)
            .bind(maillage_core::activity::total(&d.participants))
            .bind(d.note.trim())
            .bind(&now)
            .bind(id)
            .bind(version)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict("l'action a changé entre-temps : rechargez la page".into()));
        }
        on_tx!(&mut tx, c, {
            for table in ["activity_sheets", "activity_organisations", "activity_participants"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE activity_id = $1"))).bind(id).execute(&mut *c).await?;
            }
        });
        write_links(&mut tx, id, d).await?;
        let recorder = before.as_ref().and_then(|b| b.recorder);
        if let Some(c) = before {
            tally::shift(&mut tx, &c, -1).await?;
        }
        if let Some(c) = tally::Counted::of(d, recorder) {
            tally::shift(&mut tx, &c, 1).await?;
        }
        append(&mut tx, by, "activity.update", "activity", &id.to_string(), &d.kind).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn activity(&self, id: i64) -> Result<Option<ActivityRecord>, StoreError> {
        let sql = format!("{SELECT} WHERE a.id = $1");
        let row: Option<ActivityRow> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        let Some(activity) = row.map(Activity::try_from).transpose()? else {
            return Ok(None);
        };
        let (sheets, organisations, participants) = on_db!(&self.db, p, {
            let sheets: Vec<SheetChoice> = sqlx::query_as(
                "SELECT s.id, s.code, s.title FROM activity_sheets x JOIN action_sheets s ON s.id = x.action_sheet_id \
                 WHERE x.activity_id = $1 ORDER BY s.position, s.id",
            )
            .bind(id)
            .fetch_all(p)
            .await?;
            let organisations: Vec<(i64, String)> = sqlx::query_as(
                "SELECT o.id, o.name FROM activity_organisations x JOIN organisations o ON o.id = x.organisation_id \
                 WHERE x.activity_id = $1 ORDER BY o.name",
            )
            .bind(id)
            .fetch_all(p)
            .await?;
            let participants: Vec<(String, String, String, i64)> = sqlx::query_as(
                "SELECT public, age_band, sex, n FROM activity_participants WHERE activity_id = $1 ORDER BY public, age_band, sex",
            )
            .bind(id)
            .fetch_all(p)
            .await?;
            (sheets, organisations, participants)
        });
        let participants =
            participants.into_iter().map(|(public, age_band, sex, count)| Participants { public, age_band, sex, count }).collect();
        Ok(Some(ActivityRecord { activity, sheets, organisations, participants }))
    }

    /// Activities under the filter, newest first.
    pub async fn activities(&self, f: &ActivityFilter, limit: i64, offset: i64) -> Result<Vec<Activity>, StoreError> {
        let (cond, values) = conditions(f);
        let n = values.len();
        let sql = format!("{SELECT}{cond} ORDER BY a.started_on DESC, a.id DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let rows: Vec<ActivityRow> = on_db!(&self.db, p, {
            bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &values).bind(limit).bind(offset).fetch_all(p).await?
        });
        rows.into_iter().map(Activity::try_from).collect()
    }

    /// How many activities and participants the filter holds.
    pub async fn activity_totals(&self, f: &ActivityFilter) -> Result<(i64, i64), StoreError> {
        let (cond, values) = conditions(f);
        let sql = format!("SELECT COUNT(*), CAST(COALESCE(SUM(a.participants_total), 0) AS BIGINT) FROM activities a{cond}");
        Ok(on_db!(&self.db, p, bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &values).fetch_one(p).await?))
    }
}

/// Writes a new activity with its links, counted ahead; gives its id.
async fn insert(
    tx: &mut Tx,
    (recorded_by, organisation_id): (Option<i64>, Option<i64>),
    d: &ActivityDraft,
    now: &str,
) -> Result<i64, StoreError> {
    let started = d.started_on.ok_or_else(|| StoreError::Invalid("date de l'action manquante".into()))?;
    let id: i64 = on_tx!(tx, c, {
        sqlx::query_scalar(
            "INSERT INTO activities (kind, title, started_on, ended_on, district_id, organisation_id, recorded_by_id, professionals_present, \
             participants_total, note, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) RETURNING id",
        )
        .bind(&d.kind)
        .bind(d.title.trim())
        .bind(started.to_string())
        .bind(d.ended_on.map(|e| e.to_string()))
        .bind(d.district_id)
        .bind(organisation_id)
        .bind(recorded_by)
        .bind(d.professionals_present)
        .bind(maillage_core::activity::total(&d.participants))
        .bind(d.note.trim())
        .bind(now)
        .fetch_one(&mut *c)
        .await?
    });
    write_links(tx, id, d).await?;
    if let Some(c) = tally::Counted::of(d, organisation_id) {
        tally::shift(tx, &c, 1).await?;
    }
    Ok(id)
}

async fn write_links(tx: &mut Tx, id: i64, d: &ActivityDraft) -> Result<(), StoreError> {
    on_tx!(tx, c, {
        for s in &d.sheet_ids {
            sqlx::query("INSERT INTO activity_sheets (activity_id, action_sheet_id) VALUES ($1, $2)")
                .bind(id)
                .bind(s)
                .execute(&mut *c)
                .await?;
        }
        for o in &d.organisation_ids {
            sqlx::query("INSERT INTO activity_organisations (activity_id, organisation_id) VALUES ($1, $2)")
                .bind(id)
                .bind(o)
                .execute(&mut *c)
                .await?;
        }
        for l in &d.participants {
            sqlx::query("INSERT INTO activity_participants (activity_id, public, age_band, sex, n) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(&l.public)
                .bind(&l.age_band)
                .bind(&l.sex)
                .bind(l.count)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

/// What the evaluation counts of the activities of a period (and a sheet, if given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivityFigures {
    pub activities: i64,
    pub participants: i64,
    pub professionals_present: i64,
    /// (kind's label, activities)
    pub by_kind: Vec<(String, i64)>,
    /// (district's name, none for the whole city; activities, participants)
    pub by_district: Vec<(Option<String>, i64, i64)>,
    /// Participant lines summed: (public, age band, sex, participants)
    pub participants_by: Vec<(String, String, String, i64)>,
}

impl ActivityFigures {
    /// One order for the lines whatever the way they were counted: districts by name (the
    /// whole city first), participant lines by their codes.
    fn sort(&mut self) {
        self.by_district.sort();
        self.participants_by.sort();
    }
}

impl Store {
    /// The figures of the activities started within `[from, to]`, of one sheet or all, grouped
    /// from the rows: what the counts kept ahead ([`Store::activity_figures`]) must equal.
    pub async fn activity_figures_from_rows(&self, from: Date, to: Date, sheet_id: Option<i64>) -> Result<ActivityFigures, StoreError> {
        self.figures_of(&ActivityFilter { from: Some(from), to: Some(to), sheet_id, ..ActivityFilter::default() }).await
    }

    /// A year's figures of the activities recorded in one district, of one sheet or all. The
    /// counts kept ahead have no age and sex by district, so these are grouped from the rows
    /// (an index leads with the district).
    pub async fn activity_figures_in_district(
        &self,
        year: i32,
        sheet_id: Option<i64>,
        district_id: i64,
    ) -> Result<ActivityFigures, StoreError> {
        let (from, to) = maillage_core::indicator::period::Period::Year(year).days();
        self.figures_of(&ActivityFilter { from: Some(from), to: Some(to), sheet_id, district_id: Some(district_id), organisation_id: None })
            .await
    }

    async fn figures_of(&self, filter: &ActivityFilter) -> Result<ActivityFigures, StoreError> {
        let (cond, values) = conditions(filter);
        let totals = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(a.participants_total), 0) AS BIGINT), CAST(COALESCE(SUM(a.professionals_present), 0) AS BIGINT) \
             FROM activities a{cond}"
        );
        let kinds = format!(
            "SELECT k.label, COUNT(*) FROM activities a JOIN activity_kinds k ON k.code = a.kind{cond} GROUP BY k.label, k.position ORDER BY k.position"
        );
        let districts = format!(
            "SELECT ar.name, COUNT(*), CAST(COALESCE(SUM(a.participants_total), 0) AS BIGINT) FROM activities a \
             LEFT JOIN areas ar ON ar.id = a.district_id{cond} GROUP BY ar.name ORDER BY ar.name"
        );
        let participants = format!(
            "SELECT p.public, p.age_band, p.sex, CAST(SUM(p.n) AS BIGINT) FROM activity_participants p \
             JOIN activities a ON a.id = p.activity_id{cond} GROUP BY p.public, p.age_band, p.sex"
        );
        let (t, by_kind, by_district, participants_by): ((i64, i64, i64), _, _, _) = on_db!(&self.db, p, {
            (
                bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(totals)), &values).fetch_one(p).await?,
                bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(kinds)), &values).fetch_all(p).await?,
                bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(districts)), &values).fetch_all(p).await?,
                bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(participants)), &values).fetch_all(p).await?,
            )
        });
        let mut f =
            ActivityFigures { activities: t.0, participants: t.1, professionals_present: t.2, by_kind, by_district, participants_by };
        f.sort();
        Ok(f)
    }
}

impl Store {
    /// Writes activities as they are (checked by the caller), in one transaction, without
    /// audit entries: a bulk load is the system's, recorded once by its caller (the benchmark).
    pub async fn bulk_activities(&self, items: &[(Option<i64>, ActivityDraft)]) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        for (organisation_id, d) in items {
            insert(&mut tx, (None, *organisation_id), d, &now).await?;
        }
        tx.commit().await
    }

    /// A year's figures, of one sheet or of all activities once, from the counts kept ahead:
    /// a few lines read, whatever the number of activities.
    pub async fn activity_figures(&self, year: i32, sheet_id: Option<i64>) -> Result<ActivityFigures, StoreError> {
        let lines = self.activity_tally(year, sheet_id.unwrap_or(tally::ALL_SHEETS), false).await?;
        let kinds = self.activity_kinds_all().await?;
        // Names only: an area's geometry is no business of a page of figures.
        let districts: Vec<(i64, String)> = on_db!(&self.db, p, sqlx::query_as("SELECT id, name FROM areas").fetch_all(p).await?);
        let mut f = ActivityFigures::default();
        let mut by_kind = Vec::new();
        for (dimension, part, activities, participants, professionals) in lines {
            match dimension.as_str() {
                "total" => (f.activities, f.participants, f.professionals_present) = (activities, participants, professionals),
                "kind" if activities > 0 => {
                    let position = kinds.iter().position(|k| k.code == part).unwrap_or(usize::MAX);
                    let label = kinds.iter().find(|k| k.code == part).map_or(part.clone(), |k| k.label.clone());
                    by_kind.push((position, label, activities));
                }
                "district" if activities > 0 => {
                    let name = part
                        .parse::<i64>()
                        .ok()
                        .map(|id| districts.iter().find(|d| d.0 == id).map_or_else(|| id.to_string(), |d| d.1.clone()));
                    f.by_district.push((name, activities, participants));
                }
                "people" if participants > 0 => {
                    let mut it = part.splitn(3, '/');
                    let (public, age, sex) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""));
                    f.participants_by.push((public.into(), age.into(), sex.into(), participants));
                }
                _ => {}
            }
        }
        by_kind.sort();
        f.by_kind = by_kind.into_iter().map(|(_, label, n)| (label, n)).collect();
        f.sort();
        Ok(f)
    }

    /// Every kind, retired ones too (figures of past years name them).
    async fn activity_kinds_all(&self) -> Result<Vec<ActivityKind>, StoreError> {
        Ok(on_db!(&self.db, p, sqlx::query_as("SELECT code, label FROM activity_kinds ORDER BY position, code").fetch_all(p).await?))
    }
}
