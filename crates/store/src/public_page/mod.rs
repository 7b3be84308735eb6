//! The public site's pages: written whole under an optimistic version, with the HTML rendered
//! and sanitised by the caller; the institutional pages loaded at first start and never deleted.

use crate::audit::append;
use crate::db::decode;
use crate::{Author, Store, StoreError};
use maillage_core::public_page::{PageDraft, PageKind};
use maillage_core::time_fmt;
use time::OffsetDateTime;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicPage {
    pub id: i64,
    pub kind: PageKind,
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown, as typed.
    pub body: String,
    /// Rendered and sanitised when saved.
    pub body_html: String,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub place: String,
    pub published: bool,
    pub published_at: Option<OffsetDateTime>,
    pub position: i64,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

impl PublicPage {
    pub fn path(&self) -> String {
        maillage_core::public_page::path(self.kind, &self.slug)
    }
}

type Row =
    (i64, String, String, String, String, String, String, Option<String>, Option<String>, String, bool, Option<String>, i64, String, i64);

const SELECT: &str = "SELECT id, kind, slug, title, summary, body, body_html, starts_at, ends_at, place, published, published_at, position, \
     updated_at, version FROM public_pages";

fn instant(id: i64, column: &'static str, v: &str) -> Result<OffsetDateTime, StoreError> {
    decode("public_pages", id, column, v, time_fmt::from_storage)
}

fn page_of(r: Row) -> Result<PublicPage, StoreError> {
    let (
        id,
        kind,
        slug,
        title,
        summary,
        body,
        body_html,
        starts_at,
        ends_at,
        place,
        published,
        published_at,
        position,
        updated_at,
        version,
    ) = r;
    Ok(PublicPage {
        kind: decode("public_pages", id, "kind", &kind, PageKind::from_code)?,
        starts_at: starts_at.map(|v| instant(id, "starts_at", &v)).transpose()?,
        ends_at: ends_at.map(|v| instant(id, "ends_at", &v)).transpose()?,
        published_at: published_at.map(|v| instant(id, "published_at", &v)).transpose()?,
        updated_at: instant(id, "updated_at", &updated_at)?,
        id,
        slug,
        title,
        summary,
        body,
        body_html,
        place,
        published,
        position,
        version,
    })
}

/// A page to write: the draft as checked, its HTML, and its slug (new pages only).
pub struct PageWrite<'a> {
    pub draft: &'a PageDraft,
    pub kind: PageKind,
    pub body_html: &'a str,
}

impl Store {
    /// Every page of a kind, published or not, in their order (events by their start, news
    /// newest first).
    pub async fn public_pages(&self, kind: PageKind, published_only: bool) -> Result<Vec<PublicPage>, StoreError> {
        let order = match kind {
            PageKind::Event => "starts_at DESC, id DESC",
            PageKind::News => "COALESCE(published_at, updated_at) DESC, id DESC",
            PageKind::Booklet | PageKind::Institutional => "position, id",
        };
        let only = if published_only { " AND published = TRUE" } else { "" };
        let sql = format!("{SELECT} WHERE kind = $1{only} ORDER BY {order}");
        let rows: Vec<Row> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(kind.code()).fetch_all(p).await?);
        rows.into_iter().map(page_of).collect()
    }

    pub async fn public_page(&self, id: i64) -> Result<Option<PublicPage>, StoreError> {
        let sql = format!("{SELECT} WHERE id = $1");
        let row: Option<Row> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        row.map(page_of).transpose()
    }

    pub async fn public_page_by_slug(&self, slug: &str) -> Result<Option<PublicPage>, StoreError> {
        let sql = format!("{SELECT} WHERE slug = $1");
        let row: Option<Row> = on_db!(&self.db, p, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_optional(p).await?);
        row.map(page_of).transpose()
    }

    /// Writes a new page under the first free slug from `slug` (`-2`, `-3`… after it), last
    /// of its kind; gives its id.
    pub async fn create_public_page(&self, by: &Author, w: &PageWrite<'_>, slug: &str) -> Result<i64, StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let mut tx = self.begin().await?;
        let taken: Vec<String> = on_tx!(&mut tx, c, {
            sqlx::query_scalar("SELECT slug FROM public_pages WHERE slug = $1 OR slug LIKE $2")
                .bind(slug)
                .bind(format!("{slug}-%"))
                .fetch_all(&mut *c)
                .await?
        });
        let free =
            (1..).map(|n| if n == 1 { slug.to_string() } else { format!("{slug}-{n}") }).find(|s| !taken.contains(s)).unwrap_or_default();
        let d = w.draft;
        let id: i64 = on_tx!(&mut tx, c, {
            sqlx::query_scalar(
                "INSERT INTO public_pages (kind, slug, title, summary, body, body_html, starts_at, ends_at, place, published, published_at, \
                 position, updated_at, updated_by, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM public_pages WHERE kind = $1), $12, $13, 1) RETURNING id",
            )
            .bind(w.kind.code())
            .bind(&free)
            .bind(d.title.trim())
            .bind(d.summary.trim())
            .bind(&d.body)
            .bind(w.body_html)
            .bind(d.starts_at.map(time_fmt::to_storage))
            .bind(d.ends_at.map(time_fmt::to_storage))
            .bind(d.place.trim())
            .bind(d.published)
            .bind(d.published.then(|| now.clone()))
            .bind(&now)
            .bind(&by.label)
            .fetch_one(&mut *c)
            .await?
        });
        append(&mut tx, by, "public_page.create", "public_page", &id.to_string(), d.title.trim()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a page read at `version` (its kind stays); `Conflict` when it changed since.
    pub async fn update_public_page(&self, by: &Author, id: i64, version: i64, w: &PageWrite<'_>) -> Result<(), StoreError> {
        let now = time_fmt::to_storage(time_fmt::now());
        let d = w.draft;
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query(
                "UPDATE public_pages SET title = $1, summary = $2, body = $3, body_html = $4, starts_at = $5, ends_at = $6, place = $7, \
                 published = $8, published_at = CASE WHEN $8 THEN COALESCE(published_at, $9) ELSE published_at END, updated_at = $9, \
                 updated_by = $10, version = version + 1 WHERE id = $11 AND version = $12 AND kind = $13",
            )
            .bind(d.title.trim())
            .bind(d.summary.trim())
            .bind(&d.body)
            .bind(w.body_html)
            .bind(d.starts_at.map(time_fmt::to_storage))
            .bind(d.ends_at.map(time_fmt::to_storage))
            .bind(d.place.trim())
            .bind(d.published)
            .bind(&now)
            .bind(&by.label)
            .bind(id)
            .bind(version)
            .bind(w.kind.code())
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(format!("la page n° {id} a changé depuis sa lecture")));
        }
        append(&mut tx, by, "public_page.update", "public_page", &id.to_string(), d.title.trim()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a page read at `version`; institutional pages stay.
    pub async fn delete_public_page(&self, by: &Author, id: i64, version: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM public_pages WHERE id = $1 AND version = $2 AND kind <> $3")
                .bind(id)
                .bind(version)
                .bind(PageKind::Institutional.code())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::Conflict(format!("la page n° {id} a changé depuis sa lecture, ou ne peut pas être supprimée")));
        }
        append(&mut tx, by, "public_page.delete", "public_page", &id.to_string(), "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// The indicators whose values the public site shows.
    pub async fn published_indicators(&self) -> Result<Vec<i64>, StoreError> {
        Ok(on_db!(
            &self.db,
            p,
            sqlx::query_scalar("SELECT indicator_id FROM published_indicators ORDER BY indicator_id").fetch_all(p).await?
        ))
    }

    /// Publishes exactly `ids` (indicators of the current strategy, checked by the caller).
    pub async fn set_published_indicators(&self, by: &Author, ids: &[i64]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c, {
            sqlx::query("DELETE FROM published_indicators").execute(&mut *c).await?;
            for id in ids {
                sqlx::query("INSERT INTO published_indicators (indicator_id) VALUES ($1)").bind(id).execute(&mut *c).await?;
            }
        });
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
        append(&mut tx, by, "public_page.indicators", "published_indicators", "", &list).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads the shipped institutional pages and directory of help into an empty site, with
    /// the pages' HTML rendered by `render`.
    pub async fn ensure_public_site(&self, render: impl Fn(&str) -> String) -> Result<(), StoreError> {
        let n: i64 = on_db!(&self.db, p, sqlx::query_scalar("SELECT COUNT(*) FROM public_pages").fetch_one(p).await?);
        if n > 0 {
            return Ok(());
        }
        let site = maillage_core::public_page::shipped().map_err(StoreError::Invalid)?;
        let by = Author::system();
        for p in &site.pages {
            let draft = PageDraft {
                kind: PageKind::Institutional.code().into(),
                title: p.title.clone(),
                summary: p.summary.clone(),
                body: p.body.trim().to_string(),
                published: true,
                ..PageDraft::default()
            };
            let html = render(&draft.body);
            self.create_public_page(&by, &PageWrite { draft: &draft, kind: PageKind::Institutional, body_html: &html }, &p.slug).await?;
        }
        let count: i64 = on_db!(&self.db, p, sqlx::query_scalar("SELECT COUNT(*) FROM help_directory").fetch_one(p).await?);
        if count == 0 {
            for h in &site.help {
                self.create_help_entry(&by, h).await?;
            }
        }
        Ok(())
    }
}
