//! Report categories: a tree the administrator edits, with target times and extra questions.

use crate::audit::append;
use crate::{Author, Store, StoreError};
use maillage_core::report::Question;
use maillage_core::time_fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub description: String,
    pub keywords: String,
    pub target_days: i64,
    pub urgent: bool,
    pub questions: Vec<Question>,
    pub position: i64,
    pub retired: bool,
}

/// What the category form or the demo provides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CategoryInput {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub description: String,
    pub keywords: String,
    pub target_days: i64,
    pub urgent: bool,
    pub questions: Vec<Question>,
    pub position: i64,
    pub retired: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    parent_id: Option<i64>,
    code: String,
    name: String,
    description: String,
    keywords: String,
    target_days: i64,
    urgent: bool,
    questions: String,
    position: i64,
    retired: bool,
}

impl TryFrom<Row> for Category {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Category {
            questions: serde_json::from_str(&r.questions)?,
            id: r.id,
            parent_id: r.parent_id,
            code: r.code,
            name: r.name,
            description: r.description,
            keywords: r.keywords,
            target_days: r.target_days,
            urgent: r.urgent,
            position: r.position,
            retired: r.retired,
        })
    }
}

/// The category and its ancestors' ids, nearest first (a routing rule on a parent matches its
/// children).
pub fn lineage(categories: &[Category], id: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next {
        if out.contains(&id) {
            break;
        }
        out.push(id);
        next = categories.iter().find(|c| c.id == id).and_then(|c| c.parent_id);
    }
    out
}

impl Store {
    /// Every category, retired ones included, in display order.
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let rows: Vec<Row> = on_db!(&self.db, p, {
            sqlx::query_as(
                "SELECT id, parent_id, code, name, description, keywords, target_days, urgent, questions, position, retired \
                 FROM report_categories ORDER BY position, name",
            )
            .fetch_all(p)
            .await?
        });
        rows.into_iter().map(Category::try_from).collect()
    }

    /// Creates (`id` None) or updates a category. Validation is the caller's.
    pub async fn save_category(&self, by: &Author, id: Option<i64>, c: &CategoryInput) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let questions = serde_json::to_string(&c.questions)?;
        let mut tx = self.begin().await?;
        let id: Option<i64> = on_tx!(&mut tx, conn, {
            match id {
                None => sqlx::query_scalar(
                    "INSERT INTO report_categories (parent_id, code, name, description, keywords, target_days, urgent, questions, position, retired, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                ),
                Some(_) => sqlx::query_scalar(
                    "UPDATE report_categories SET parent_id = $1, code = $2, name = $3, description = $4, keywords = $5, target_days = $6, \
                     urgent = $7, questions = $8, position = $9, retired = $10, updated_at = $11 WHERE id = $12 RETURNING id",
                ),
            }
            .bind(c.parent_id)
            .bind(&c.code)
            .bind(&c.name)
            .bind(&c.description)
            .bind(&c.keywords)
            .bind(c.target_days)
            .bind(c.urgent)
            .bind(&questions)
            .bind(c.position)
            .bind(c.retired)
            .bind(&now)
            .bind(id)
            .fetch_optional(conn)
            .await?
        });
        let id = id.ok_or_else(|| StoreError::NotFound("catégorie".into()))?;
        append(&mut tx, by, "category.save", "report_category", &id.to_string(), &c.code).await?;
        tx.commit().await?;
        Ok(id)
    }
}

impl Store {
    /// On first start, loads the shipped categories.
    pub async fn ensure_default_categories(&self) -> Result<(), StoreError> {
        let n: i64 = on_db!(&self.db, p, { sqlx::query_scalar("SELECT COUNT(*) FROM report_categories").fetch_one(p).await? });
        if n > 0 {
            return Ok(());
        }
        let defaults = maillage_core::report::default_categories().map_err(StoreError::Invalid)?;
        let mut ids: Vec<(String, i64)> = Vec::new();
        for (i, d) in defaults.iter().enumerate() {
            let parent_id = d.parent.as_ref().and_then(|p| ids.iter().find(|(c, _)| c == p)).map(|(_, id)| *id);
            let input = CategoryInput {
                parent_id,
                code: d.code.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
                keywords: d.keywords.clone(),
                target_days: d.target_days,
                urgent: d.urgent,
                questions: d.questions.clone(),
                position: i as i64 + 1,
                retired: false,
            };
            let id = self.save_category(&Author::system(), None, &input).await?;
            ids.push((d.code.clone(), id));
        }
        Ok(())
    }
}
