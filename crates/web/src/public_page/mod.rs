//! The public site, read without an account: the home of the commune's prevention policy, the
//! tranquillity booklet, news and events with their Atom and iCalendar feeds, public figures
//! (every count below 5 shown as "< 5"), and the institutional pages. Anonymous readers get
//! cacheable pages (`Cache-Control: public`, an `ETag`); a logged-in reader's carry the menu
//! and stay uncached. The coordinator writes them in `admin.rs`.

pub mod admin;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::Layout;
use crate::{AppState, Routes};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maillage_core::observatory::{Breakdown, Source};
use maillage_core::public_page::PageKind;
use maillage_core::{publication, time_fmt};
use maillage_store::public_page::PublicPage;

pub fn routes(r: Routes) -> Routes {
    let r = r
        .get("/livret", booklet_page)
        .get("/actualites", news_page)
        .get("/actualites/{slug}", news_item_page)
        .get("/actualites.atom", atom_feed)
        .get("/evenements.ics", events_feed)
        .get("/chiffres", figures_page)
        .get("/accessibilite", accessibility)
        .get("/accessibilite/schema-pluriannuel", multi_year_plan)
        .get("/donnees-personnelles", privacy)
        .get("/mentions-legales", legal_notice);
    admin::routes(r)
}

/// How long a shared cache may keep a public page: five minutes, so that a correction shows soon.
const PUBLIC_MAX_AGE: &str = "public, max-age=300";

/// A public page's response. An anonymous reader's is the same for everyone: cacheable, with
/// an `ETag` that answers a revalidation with 304. A logged-in reader's names them in the menu:
/// it stays `no-store`, as every other page.
pub fn public_response(body: String, content_type: &'static str, anonymous: bool, request: &HeaderMap) -> Response {
    use sha2::Digest;
    if !anonymous {
        return ([(header::CONTENT_TYPE, content_type)], body).into_response();
    }
    let digest = sha2::Sha256::digest(body.as_bytes());
    let etag = format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC_MAX_AGE)),
        (header::VARY, HeaderValue::from_static("Cookie")),
        (header::ETAG, HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))),
    ];
    // Weak comparison, as RFC 9110 asks of If-None-Match; `*` matches any current copy.
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag));
    if matches { (StatusCode::NOT_MODIFIED, headers).into_response() } else { (headers, body).into_response() }
}

/// A template as a public page. A request that carries a cookie (an expired session, which
/// the session layer answers by clearing it) is not given a cacheable page: a shared cache
/// must never keep a response that sets a cookie.
pub fn public_page<T: Template>(t: &T, user: Option<&CurrentUser>, request: &HeaderMap) -> Result<Response, AppError> {
    let anonymous = user.is_none() && !request.contains_key(header::COOKIE);
    Ok(public_response(crate::page::html_of(t)?, "text/html; charset=utf-8", anonymous, request))
}

/// The commune's name, from the current strategy's territory.
async fn commune(state: &AppState) -> Result<String, AppError> {
    Ok(state.store.current_strategy().await?.map_or_else(|| "la commune".to_string(), |s| s.doc.territory))
}

/// A page as a list shows it.
pub struct Item {
    pub title: String,
    pub path: String,
    pub summary: String,
    /// "Publié le 12/06/2021", or an event's dates and place.
    pub when: String,
    pub kind: &'static str,
}

fn when(p: &PublicPage) -> String {
    match (p.kind, p.starts_at) {
        (PageKind::Event, Some(start)) => match p.ends_at {
            Some(end) => format!("Du {} au {}, {}", time_fmt::datetime_fr(start), time_fmt::datetime_fr(end), p.place),
            None => format!("Le {}, {}", time_fmt::datetime_fr(start), p.place),
        },
        _ => format!("Publié le {}", time_fmt::date_fr(p.published_at.unwrap_or(p.updated_at))),
    }
}

fn item(p: &PublicPage) -> Item {
    Item { title: p.title.clone(), path: p.path(), summary: p.summary.clone(), when: when(p), kind: p.kind.label() }
}

// ---- home ------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_page/home.html")]
struct HomePage {
    layout: Layout,
    commune: String,
    events: Vec<Item>,
    news: Vec<Item>,
}

/// `/` for a visitor without an account.
pub async fn home(state: &AppState, request: &HeaderMap) -> Result<Response, AppError> {
    let commune = commune(state).await?;
    let today = time_fmt::now();
    let events = state.store.public_pages(PageKind::Event, true).await?;
    let mut upcoming: Vec<&PublicPage> = events.iter().filter(|e| e.ends_at.or(e.starts_at).is_some_and(|t| t >= today)).collect();
    upcoming.sort_by_key(|e| e.starts_at);
    let news = state.store.public_pages(PageKind::News, true).await?;
    public_page(
        &HomePage {
            layout: Layout::anonymous(&format!("Prévention et tranquillité à {commune}")),
            commune,
            events: upcoming.into_iter().take(3).map(item).collect(),
            news: news.iter().take(3).map(item).collect(),
        },
        None,
        request,
    )
}

// ---- booklet ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_page/booklet.html")]
struct BookletPage {
    layout: Layout,
    commune: String,
    sections: Vec<PublicPage>,
}

async fn booklet_page(State(state): State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    let commune = commune(&state).await?;
    let sections = state.store.public_pages(PageKind::Booklet, true).await?;
    let page = BookletPage { layout: Layout::new("Livret de la tranquillité", user.as_ref()), commune, sections };
    public_page(&page, user.as_ref(), &request)
}

// ---- news and events -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_page/news.html")]
struct NewsPage {
    layout: Layout,
    upcoming: Vec<Item>,
    news: Vec<Item>,
    past: Vec<Item>,
}

async fn news_page(State(state): State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    let now = time_fmt::now();
    let events = state.store.public_pages(PageKind::Event, true).await?;
    let (mut upcoming, past): (Vec<&PublicPage>, Vec<&PublicPage>) =
        events.iter().partition(|e| e.ends_at.or(e.starts_at).is_some_and(|t| t >= now));
    upcoming.sort_by_key(|e| e.starts_at);
    let news = state.store.public_pages(PageKind::News, true).await?;
    let page = NewsPage {
        layout: Layout::new("Actualités et événements", user.as_ref()),
        upcoming: upcoming.into_iter().map(item).collect(),
        news: news.iter().map(item).collect(),
        past: past.into_iter().take(20).map(item).collect(),
    };
    public_page(&page, user.as_ref(), &request)
}

#[derive(Template)]
#[template(path = "public_page/page.html")]
struct OnePage {
    layout: Layout,
    page: PublicPage,
    when: String,
    /// Where the reader goes back to.
    back: (&'static str, &'static str),
}

/// A published news item or event.
async fn news_item_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    request: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    // The coordinator previews a draft at its address; everyone else sees published pages only.
    let writer = user.as_ref().is_some_and(|u| crate::auth::can(u, maillage_core::authz::Action::ManagePublicSite));
    let page = state.store.public_page_by_slug(&slug).await?;
    let page = page.filter(|p| (p.published || writer) && matches!(p.kind, PageKind::News | PageKind::Event)).ok_or(AppError::NotFound)?;
    let one = OnePage {
        layout: Layout::new(&page.title, user.as_ref()),
        when: when(&page),
        page,
        back: ("/actualites", "Actualités et événements"),
    };
    public_page(&one, user.as_ref(), &request)
}

async fn accessibility(state: State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    institutional(state, user, request, "accessibilite").await
}

async fn multi_year_plan(state: State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    institutional(state, user, request, "schema-pluriannuel").await
}

async fn privacy(state: State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    institutional(state, user, request, "donnees-personnelles").await
}

async fn legal_notice(state: State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    institutional(state, user, request, "mentions-legales").await
}

/// An institutional page (`slug` among [`INSTITUTIONAL`]'s).
async fn institutional(
    state: State<AppState>,
    user: Option<CurrentUser>,
    request: HeaderMap,
    slug: &'static str,
) -> Result<Response, AppError> {
    let page = state.store.public_page_by_slug(slug).await?.filter(|p| p.kind == PageKind::Institutional).ok_or(AppError::NotFound)?;
    let back = if slug == "schema-pluriannuel" { ("/accessibilite", "Déclaration d'accessibilité") } else { ("/", "Accueil") };
    let updated = format!("Mis à jour le {}", time_fmt::date_fr(page.updated_at));
    let one = OnePage { layout: Layout::new(&page.title, user.as_ref()), when: updated, page, back };
    public_page(&one, user.as_ref(), &request)
}

async fn atom_feed(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    let commune = commune(&state).await?;
    let mut pages = state.store.public_pages(PageKind::News, true).await?;
    pages.extend(state.store.public_pages(PageKind::Event, true).await?);
    pages.sort_by_key(|p| std::cmp::Reverse(p.published_at.unwrap_or(p.updated_at)));
    pages.truncate(50);
    let title = format!("Prévention et tranquillité à {commune}");
    let xml = maillage_app::public_page::feed::atom(&state.public_url, &title, &pages).map_err(AppError::internal)?;
    let body = String::from_utf8(xml).map_err(AppError::internal)?;
    // The same for everyone: nothing in a feed depends on who reads it (but see `public_page`
    // for a request with a cookie).
    Ok(public_response(body, "application/atom+xml; charset=utf-8", !request.contains_key(header::COOKIE), &request))
}

async fn events_feed(State(state): State<AppState>, request: HeaderMap) -> Result<Response, AppError> {
    let commune = commune(&state).await?;
    let events = state.store.public_pages(PageKind::Event, true).await?;
    let ics = maillage_app::public_page::feed::icalendar(
        &state.public_url,
        &format!("Événements — prévention et tranquillité à {commune}"),
        &events,
    );
    Ok(public_response(ics, "text/calendar; charset=utf-8", !request.contains_key(header::COOKIE), &request))
}

// ---- public figures --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public_page/figures.html")]
struct FiguresPage {
    layout: Layout,
    commune: String,
    /// (district, reports, actions) over the last twelve whole months, published.
    districts: Vec<(String, String, String)>,
    period: String,
    year: i32,
    /// (axis, sheet, actions carried out), published.
    sheets: Vec<(String, String, String)>,
    indicators: Vec<PublishedIndicator>,
}

/// An indicator the coordinator publishes: (sheet, wording, unit, [(period, value)]).
type PublishedIndicator = (String, String, String, Vec<(String, String)>);

async fn figures_page(State(state): State<AppState>, user: Option<CurrentUser>, request: HeaderMap) -> Result<Response, AppError> {
    let commune = commune(&state).await?;
    let today = time_fmt::paris_date(time_fmt::now());
    let sources = Breakdown::District.sources();
    let at = |s: Source| sources.iter().position(|x| *x == s);
    let (reports, actions) = (at(Source::Reports), at(Source::Activities));
    let overview = maillage_app::observatory::overview(&state, Breakdown::District, today).await?;
    // Published as every figure that leaves the coordination: below 5 as "< 5".
    let shown = |counts: &[i64], i: Option<usize>| publication::count(i.and_then(|i| counts.get(i)).copied().unwrap_or(0));
    let districts = overview.iter().map(|(_, name, n)| (name.clone(), shown(n, reports), shown(n, actions))).collect();
    let last = today.year() - 1;
    let counts = state.store.activity_tally_by_sheet(last).await?;
    let ids = state.store.sheet_choices().await?;
    let mut sheets = Vec::new();
    if let Some(strategy) = state.store.current_strategy().await? {
        for axis in &strategy.doc.axes {
            for s in &axis.sheets {
                let id = ids.iter().find(|c| c.code == s.code).map(|c| c.id);
                let n = counts.iter().find(|c| Some(c.0) == id).map_or(0, |c| c.1);
                sheets.push((format!("Axe {}", axis.number), format!("{} — {}", s.code, s.title), publication::count(n)));
            }
        }
    }
    let chosen = state.store.published_indicators().await?;
    let board = if chosen.is_empty() {
        Vec::new()
    } else {
        maillage_app::indicator::board_of(&state, last, |i| chosen.contains(&i.id), true, today).await?
    };
    let indicators = board
        .into_iter()
        .map(|line| {
            let cells = line
                .periods
                .iter()
                .map(|c| {
                    // Every figure on the public site: below 5 as "< 5", whatever it counts.
                    let shown = match &c.value {
                        maillage_app::evaluation::Value::Count(n) => publication::count(*n),
                        hidden @ maillage_app::evaluation::Value::Hidden(_) => hidden.shown(),
                    };
                    (c.period.label(), if c.missing { "non disponible".to_string() } else { shown })
                })
                .collect();
            let i = &line.indicator.indicator;
            (i.sheet.clone(), i.label.clone(), i.unit.clone(), cells)
        })
        .collect();
    let first = time::Date::from_calendar_date(today.year() - 1, today.month(), 1).map_err(AppError::internal)?;
    let page = FiguresPage {
        layout: Layout::new("Les chiffres de la prévention", user.as_ref()),
        commune,
        districts,
        period: format!("les douze mois complets depuis {} {}", month_fr(first.month()), first.year()),
        year: last,
        sheets,
        indicators,
    };
    public_page(&page, user.as_ref(), &request)
}

fn month_fr(m: time::Month) -> &'static str {
    use time::Month::*;
    match m {
        January => "janvier",
        February => "février",
        March => "mars",
        April => "avril",
        May => "mai",
        June => "juin",
        July => "juillet",
        August => "août",
        September => "septembre",
        October => "octobre",
        November => "novembre",
        December => "décembre",
    }
}
