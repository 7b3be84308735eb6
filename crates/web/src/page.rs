//! What every HTML page shares: rendering, form errors, health and the stylesheet.

use crate::error::AppError;
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// Renders a template into an HTML response.
pub fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    Ok(Html(html_of(t)?).into_response())
}

/// Renders a form page again with its errors: 422 so that clients see it failed.
/// The title says so first, so that a screen reader announces the error with the page.
pub fn render_invalid<T: Template>(t: &T) -> Result<Response, AppError> {
    let page = html_of(t)?.replacen("<title>", "<title>Erreur : ", 1);
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response())
}

/// A template's HTML. A NUL typed into a form and shown again is the one character escaping
/// leaves and HTML forbids: it becomes the replacement character, as a browser would read it.
pub fn html_of<T: Template>(t: &T) -> Result<String, AppError> {
    let page = t.render()?;
    Ok(if page.contains('\0') { page.replace('\0', "\u{fffd}") } else { page })
}

pub async fn health() -> &'static str {
    "ok"
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../assets/style.css"),
    )
}

/// An address that exists nowhere: the JSON API answers in JSON, as for its other errors.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(AppError::NotFound).into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

/// A numeric path segment; anything else is a page that does not exist.
pub fn parse_id<T: std::str::FromStr>(segment: &str) -> Result<T, AppError> {
    segment.parse().map_err(|_| AppError::NotFound)
}

/// Validation messages of a form, one per faulty field, in the order of the form.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for one field, for its `aria-invalid` and its text.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
}

impl From<Vec<(String, String)>> for FieldErrors {
    fn from(faults: Vec<(String, String)>) -> Self {
        FieldErrors(faults)
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a (String, String);
    type IntoIter = std::slice::Iter<'a, (String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The faults of a domain check, each under its field's id (`prefix` tells apart the forms of
/// one page).
pub fn errors_of(faults: Vec<(&'static str, String)>, prefix: &str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for (f, m) in faults {
        errors.add(format!("{prefix}{f}"), m);
    }
    errors
}

/// The districts as a form's `<select>` offers them: (id, name).
pub fn district_choices(state: &crate::AppState) -> Vec<(String, String)> {
    state.places().districts.iter().map(|d| (d.0.to_string(), d.1.clone())).collect()
}

/// The version a form was read at (optimistic concurrency): a number, or the form is unreadable.
pub fn read_version(v: &str) -> Result<i64, AppError> {
    v.trim().parse().map_err(|_| AppError::BadRequest("version du formulaire illisible".into()))
}

/// A form that names only the version it was read at: a deletion, a cancellation, so that a
/// stale page changes nothing.
#[derive(serde::Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    pub version: String,
}

impl VersionForm {
    pub fn version(&self) -> Result<i64, AppError> {
        read_version(&self.version)
    }
}

/// `?annee=…` of a page of figures.
#[derive(serde::Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub annee: String,
}

/// `?fait=…`: what a form just did, said on the page it redirects to (a reload sends nothing
/// again).
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub fait: String,
}

/// A table of figures: its caption, and each line's label and count as shown.
pub struct FigureTable {
    pub caption: &'static str,
    pub rows: Vec<(String, String)>,
}

/// A year asked for in a query (`?annee=2025`): this year when empty, refused outside 2000 to
/// this year.
pub fn year_param(text: &str) -> Result<i32, AppError> {
    let this_year = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now()).year();
    match text.trim() {
        "" => Ok(this_year),
        y => y
            .parse()
            .ok()
            .filter(|y| (2000..=this_year).contains(y))
            .ok_or_else(|| AppError::BadRequest(format!("année attendue : de 2000 à {this_year}"))),
    }
}
