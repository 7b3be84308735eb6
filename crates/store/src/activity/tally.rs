//! The activities counted ahead (`activity_tallies`): what one activity adds to its year's
//! figures, per sheet and once for all (sheet 0), by dimension. A write moves the counts by
//! the activity before (subtracted) and after (added), in its own transaction.

use crate::db::Tx;
use crate::{Store, StoreError};
use maillage_core::activity::{ActivityDraft, Participants};

/// Sheet 0: every activity once, whatever its sheets.
pub const ALL_SHEETS: i64 = 0;

/// What an activity is counted by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Counted {
    pub year: i64,
    pub sheet_ids: Vec<i64>,
    pub kind: String,
    pub district_id: Option<i64>,
    pub participants: Vec<Participants>,
    pub professionals: i64,
    /// The organisation that recorded it.
    pub recorder: Option<i64>,
    /// The organisations involved, recorder included, each once.
    pub organisations: Vec<i64>,
}

impl Counted {
    pub fn of(d: &ActivityDraft, recorder: Option<i64>) -> Option<Self> {
        let mut organisations: Vec<i64> = recorder.into_iter().chain(d.organisation_ids.iter().copied()).collect();
        organisations.sort_unstable();
        organisations.dedup();
        Some(Counted {
            recorder,
            organisations,
            year: i64::from(d.started_on?.year()),
            sheet_ids: d.sheet_ids.clone(),
            kind: d.kind.clone(),
            district_id: d.district_id,
            participants: d.participants.clone(),
            professionals: d.professionals_present,
        })
    }

    /// (sheet, dimension, part, activities, participants, professionals)
    fn lines(&self) -> Vec<(i64, &'static str, String, i64, i64, i64)> {
        let total: i64 = maillage_core::activity::total(&self.participants);
        let mut out = Vec::new();
        for sheet in self.sheet_ids.iter().copied().chain([ALL_SHEETS]) {
            out.push((sheet, "total", String::new(), 1, total, self.professionals));
            out.push((sheet, "kind", self.kind.clone(), 1, 0, 0));
            out.push((sheet, "district", self.district_id.map(|d| d.to_string()).unwrap_or_default(), 1, total, 0));
            for p in &self.participants {
                out.push((sheet, "people", format!("{}/{}/{}", p.public, p.age_band, p.sex), 0, p.count, 0));
            }
            if sheet == ALL_SHEETS {
                continue;
            }
            // Finer lines for the indicators, which filter by kind and public: per sheet only.
            let district = self.district_id.map(|d| d.to_string()).unwrap_or_default();
            out.push((sheet, "kind_district", format!("{}/{district}", self.kind), 1, total, self.professionals));
            for p in &self.participants {
                out.push((sheet, "kind_people", format!("{}/{}/{}/{}", self.kind, p.public, p.age_band, p.sex), 0, p.count, 0));
            }
            let mut publics: Vec<&str> = self.participants.iter().map(|p| p.public.as_str()).collect();
            publics.sort_unstable();
            publics.dedup();
            for public in publics {
                let n = self.participants.iter().filter(|p| p.public == public).map(|p| p.count).sum();
                out.push((sheet, "kind_public_district", format!("{}/{public}/{district}", self.kind), 0, n, 0));
            }
            for o in &self.organisations {
                out.push((sheet, "kind_organisation", format!("{}/{o}", self.kind), 1, 0, 0));
            }
        }
        out
    }
}

/// Adds (`sign` 1) or takes away (-1) what `c` counts.
pub(crate) async fn shift(tx: &mut Tx, c: &Counted, sign: i64) -> Result<(), StoreError> {
    for (sheet, dimension, part, activities, participants, professionals) in c.lines() {
        on_tx!(tx, x, {
            sqlx::query(
                "INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (year, action_sheet_id, dimension, part) DO UPDATE SET \
                 activities = activity_tallies.activities + excluded.activities, \
                 participants = activity_tallies.participants + excluded.participants, \
                 professionals = activity_tallies.professionals + excluded.professionals",
            )
            .bind(c.year)
            .bind(sheet)
            .bind(dimension)
            .bind(&part)
            .bind(activities * sign)
            .bind(participants * sign)
            .bind(professionals * sign)
            .execute(&mut *x)
            .await?;
        });
    }
    Ok(())
}

/// The activity as stored, its row locked until the transaction ends (PostgreSQL; SQLite's
/// write transactions run one at a time).
pub(crate) async fn locked(tx: &mut Tx, id: i64) -> Result<Option<Counted>, StoreError> {
    const ROW: &str = "SELECT started_on, kind, district_id, professionals_present, organisation_id FROM activities WHERE id = $1";
    type Row = (String, String, Option<i64>, i64, Option<i64>);
    let row: Option<Row> = match tx {
        Tx::Sqlite(t) => sqlx::query_as(ROW).bind(id).fetch_optional(&mut **t).await?,
        Tx::Postgres(t) => sqlx::query_as(sqlx::AssertSqlSafe(format!("{ROW} FOR UPDATE"))).bind(id).fetch_optional(&mut **t).await?,
    };
    let Some((started_on, kind, district_id, professionals, recorder)) = row else { return Ok(None) };
    let year = crate::db::decode("activities", id, "started_on", &started_on, maillage_core::time_fmt::parse_iso_date)?.year();
    type Line = (String, String, String, i64);
    let (sheet_ids, participants, associated): (Vec<i64>, Vec<Line>, Vec<i64>) = on_tx!(tx, x, {
        (
            sqlx::query_scalar("SELECT action_sheet_id FROM activity_sheets WHERE activity_id = $1").bind(id).fetch_all(&mut *x).await?,
            sqlx::query_as("SELECT public, age_band, sex, n FROM activity_participants WHERE activity_id = $1")
                .bind(id)
                .fetch_all(&mut *x)
                .await?,
            sqlx::query_scalar("SELECT organisation_id FROM activity_organisations WHERE activity_id = $1")
                .bind(id)
                .fetch_all(&mut *x)
                .await?,
        )
    });
    let mut organisations: Vec<i64> = recorder.into_iter().chain(associated).collect();
    organisations.sort_unstable();
    organisations.dedup();
    Ok(Some(Counted {
        recorder,
        organisations,
        year: i64::from(year),
        sheet_ids,
        kind,
        district_id,
        participants: participants
            .into_iter()
            .map(|(public, age_band, sex, count)| Participants { public, age_band, sex, count })
            .collect(),
        professionals,
    }))
}

/// The indicators' lines (kind × district, kind × public × age band × sex, kind × public ×
/// district, kind × organisation involved) counted from the rows, per sheet.
const FINE_LINES: [&str; 4] = [
    "INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals) \
     SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_district', a.kind || '/' || COALESCE(CAST(a.district_id AS TEXT), ''), \
     COUNT(*), SUM(a.participants_total), SUM(a.professionals_present) FROM activities a JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4",
    "INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals) \
     SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_people', a.kind || '/' || p.public || '/' || p.age_band || '/' || p.sex, \
     0, SUM(p.n), 0 FROM activities a JOIN activity_participants p ON p.activity_id = a.id JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4",
    "INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals) \
     SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_public_district', \
     a.kind || '/' || p.public || '/' || COALESCE(CAST(a.district_id AS TEXT), ''), 0, SUM(p.n), 0 \
     FROM activities a JOIN activity_participants p ON p.activity_id = a.id JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4",
    "INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals) \
     SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_organisation', a.kind || '/' || CAST(o.organisation_id AS TEXT), \
     COUNT(*), 0, 0 FROM (SELECT id AS activity_id, organisation_id FROM activities WHERE organisation_id IS NOT NULL \
     UNION SELECT activity_id, organisation_id FROM activity_organisations) o JOIN activities a ON a.id = o.activity_id \
     JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4",
];

/// Counts every activity again from the rows (after a restore).
pub(crate) async fn recount(tx: &mut Tx) -> Result<(), StoreError> {
    let year = "CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT)";
    // Per sheet (joined) and once for all (sheet 0).
    let scopes = [("x.action_sheet_id", "JOIN activity_sheets x ON x.activity_id = a.id"), ("0", "")];
    let mut statements = vec!["DELETE FROM activity_tallies".to_string()];
    for (sheet, join) in scopes {
        let insert = "INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals)";
        statements.push(format!(
            "{insert} SELECT {year}, {sheet}, 'total', '', COUNT(*), SUM(a.participants_total), SUM(a.professionals_present) \
             FROM activities a {join} GROUP BY 1, 2"
        ));
        statements
            .push(format!("{insert} SELECT {year}, {sheet}, 'kind', a.kind, COUNT(*), 0, 0 FROM activities a {join} GROUP BY 1, 2, 4"));
        statements.push(format!(
            "{insert} SELECT {year}, {sheet}, 'district', COALESCE(CAST(a.district_id AS TEXT), ''), COUNT(*), SUM(a.participants_total), 0 \
             FROM activities a {join} GROUP BY 1, 2, 4"
        ));
        statements.push(format!(
            "{insert} SELECT {year}, {sheet}, 'people', p.public || '/' || p.age_band || '/' || p.sex, 0, SUM(p.n), 0 \
             FROM activities a JOIN activity_participants p ON p.activity_id = a.id {join} GROUP BY 1, 2, 4"
        ));
    }
    // The indicators' finer lines, per sheet only; the same statements as migration 0015.
    statements.extend(FINE_LINES.iter().map(ToString::to_string));
    for sql in statements {
        on_tx!(tx, x, {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *x).await?;
        });
    }
    Ok(())
}

/// One line of the counts: (dimension, part, activities, participants, professionals).
pub type TallyLine = (String, String, i64, i64, i64);

impl Store {
    /// A year's counted lines of one sheet, or of all activities once (`ALL_SHEETS`): those of
    /// the evaluation's pages, or (`fine`) the indicators' lines by kind.
    pub async fn activity_tally(&self, year: i32, sheet_id: i64, fine: bool) -> Result<Vec<TallyLine>, StoreError> {
        let dimensions = if fine {
            "('kind_district', 'kind_people', 'kind_public_district', 'kind_organisation')"
        } else {
            "('total', 'kind', 'district', 'people')"
        };
        let sql = format!(
            "SELECT dimension, part, activities, participants, professionals FROM activity_tallies \
             WHERE year = $1 AND action_sheet_id = $2 AND dimension IN {dimensions}"
        );
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(i64::from(year)).bind(sheet_id).fetch_all(p).await?
        }))
    }

    /// The 'total' lines of every sheet for a year: (sheet id, activities, participants).
    pub async fn activity_tally_by_sheet(&self, year: i32) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT action_sheet_id, activities, participants FROM activity_tallies WHERE year = $1 AND dimension = 'total' AND action_sheet_id <> 0",
            )
            .bind(i64::from(year))
            .fetch_all(p)
            .await?
        }))
    }

    /// The participants of every sheet in every year: (year, sheet id, participants).
    pub async fn activity_tally_sheet_years(&self) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT year, action_sheet_id, participants FROM activity_tallies WHERE dimension = 'total' AND action_sheet_id <> 0",
            )
            .fetch_all(p)
            .await?
        }))
    }

    /// Activities and participants by year, of one sheet or all (`ALL_SHEETS`).
    pub async fn activity_tally_years(&self, sheet_id: i64) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        Ok(on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT year, activities, participants FROM activity_tallies WHERE action_sheet_id = $1 AND dimension = 'total' \
                 AND activities > 0 ORDER BY year",
            )
            .bind(sheet_id)
            .fetch_all(p)
            .await?
        }))
    }
}
