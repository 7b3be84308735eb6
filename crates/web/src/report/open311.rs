//! Open311 GeoReport v2 under `/open311/v2/`: discovery, services and their definitions,
//! requests (create, list, read). Each resource answers XML or JSON after its extension. The
//! request creation goes through `maillage_app::report::submit`, as the pages do.
//!
//! Choices where the specification leaves room: an API key is required to read requests too,
//! not only to post them, because reports are shared between partners, not published; a key
//! reads the requests that involve its organisation. Personal fields of the poster (email,
//! names, phone) are not stored: a report concerns a place, not a person.

use crate::{AppState, Routes};
use axum::extract::{Path, RawForm, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maillage_app::report::{Draft, Reporter, SubmitError};
use maillage_core::authz::ReportScope;
use maillage_core::report::{MAX_DESCRIPTION, State as ReportState, StateClass};
use maillage_core::time_fmt;
use maillage_store::Author;
use maillage_store::report::category::Category;
use maillage_store::report::{ReportFilter, ReportSort, ReportSummary};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub const ROOT: &str = "/open311/v2";

pub fn routes(r: Routes) -> Routes {
    r.get("/open311/v2/{file}", top_get)
        .post("/open311/v2/{file}", top_post)
        .get("/open311/v2/services/{file}", service_definition)
        .get("/open311/v2/requests/{file}", one_request)
        .get("/open311/v2/tokens/{file}", token)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// `name.xml` or `name.json` → (name, format); anything else is an unknown resource.
fn split(file: &str) -> Option<(&str, Format)> {
    if let Some(n) = file.strip_suffix(".xml") { Some((n, Format::Xml)) } else { file.strip_suffix(".json").map(|n| (n, Format::Json)) }
}

/// A document, rendered as XML or as the JSON the specification maps it to.
enum Node {
    Text(String),
    Number(f64),
    Int(i64),
    Bool(bool),
    Null,
    /// An element with named children.
    Object(Vec<(&'static str, Node)>),
    /// A list: in XML a wrapper of `item`-named elements, in JSON an array.
    List(&'static str, Vec<Node>),
}

impl Node {
    fn text(s: impl Into<String>) -> Node {
        Node::Text(s.into())
    }

    fn json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Text(s) => Value::from(s.as_str()),
            Node::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Node::Int(n) => Value::from(*n),
            Node::Bool(b) => Value::Bool(*b),
            Node::Null => Value::Null,
            Node::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.to_string(), v.json())).collect()),
            Node::List(_, items) => Value::Array(items.iter().map(Node::json).collect()),
        }
    }

    fn xml(&self, w: &mut Writer<Vec<u8>>, name: &str) -> std::io::Result<()> {
        w.write_event(Event::Start(BytesStart::new(name)))?;
        match self {
            Node::Text(s) => {
                w.write_event(Event::Text(BytesText::new(s)))?;
            }
            Node::Number(n) => {
                w.write_event(Event::Text(BytesText::new(&n.to_string())))?;
            }
            Node::Int(n) => {
                w.write_event(Event::Text(BytesText::new(&n.to_string())))?;
            }
            Node::Bool(b) => {
                w.write_event(Event::Text(BytesText::new(if *b { "true" } else { "false" })))?;
            }
            Node::Null => {}
            Node::Object(fields) => {
                for (k, v) in fields {
                    v.xml(w, k)?;
                }
            }
            Node::List(item, items) => {
                for v in items {
                    v.xml(w, item)?;
                }
            }
        }
        w.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }
}

/// The response for a document whose root is `root`.
fn respond(status: StatusCode, format: Format, root: &'static str, doc: &Node) -> Response {
    match format {
        Format::Json => (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], doc.json().to_string()).into_response(),
        Format::Xml => {
            let mut w = Writer::new(Vec::new());
            let written = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None))).and_then(|_| doc.xml(&mut w, root));
            match written {
                Ok(()) => (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], w.into_inner()).into_response(),
                Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
            }
        }
    }
}

/// The answer to a request that failed unexpectedly, in Open311's error format (by the
/// extension of the path asked for).
pub fn internal_error(path: &str) -> Response {
    refusal(path, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// An error raised outside the Open311 handlers (a body too large, a request that could not be
/// read), in the specification's shape and the format the path asks for.
pub fn refusal(path: &str, status: StatusCode, description: &str) -> Response {
    let format = if path.ends_with(".xml") { Format::Xml } else { Format::Json };
    error(status, format, description).into_response()
}

/// An error in the specification's shape.
struct Open311Error {
    status: StatusCode,
    format: Format,
    description: String,
}

fn error(status: StatusCode, format: Format, description: impl Into<String>) -> Open311Error {
    Open311Error { status, format, description: description.into() }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let doc = Node::List(
            "error",
            vec![Node::Object(vec![("code", Node::Int(i64::from(self.status.as_u16()))), ("description", Node::text(self.description))])],
        );
        respond(self.status, self.format, "errors", &doc)
    }
}

impl From<maillage_store::StoreError> for Open311Error {
    fn from(e: maillage_store::StoreError) -> Self {
        // Statuses of store errors are decided once, in `crate::error`.
        let e = crate::error::AppError::from(e);
        if e.status().is_server_error() {
            tracing::error!(error = %e, "open311 store error");
        }
        error(e.status(), Format::Json, e.code())
    }
}

type Result311 = Result<Response, Open311Error>;

/// Parameters of a query string or a form body; repeated keys are kept.
fn params(raw: &[u8]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(raw) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

/// A parameter's value; empty counts as absent, as the specification says.
fn param<'a>(p: &'a BTreeMap<String, Vec<String>>, key: &str) -> Option<&'a str> {
    p.get(key).and_then(|v| v.first()).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn unknown(format: Format) -> Open311Error {
    error(StatusCode::NOT_FOUND, format, "unknown resource")
}

async fn top_get(State(state): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Result311 {
    let Some((name, format)) = split(&file) else {
        return Err(unknown(Format::Xml));
    };
    let p = params(q.unwrap_or_default().as_bytes());
    match name {
        "discovery" => Ok(discovery(&state, format)),
        "services" => services(&state, format).await,
        "requests" => list_requests(&state, format, &p).await,
        _ => Err(unknown(format)),
    }
}

async fn top_post(State(state): State<AppState>, Path(file): Path<String>, RawForm(body): RawForm) -> Result311 {
    match split(&file) {
        Some(("requests", format)) => post_request(&state, format, &params(&body)).await,
        Some((_, format)) => Err(error(StatusCode::NOT_FOUND, format, "unknown resource")),
        None => Err(unknown(Format::Xml)),
    }
}

fn discovery(state: &AppState, format: Format) -> Response {
    let endpoint = Node::Object(vec![
        ("specification", Node::text("http://wiki.open311.org/GeoReport_v2")),
        ("url", Node::text(format!("{}{ROOT}", state.public_url))),
        ("changeset", Node::text("2026-11-26T00:00:00Z")),
        ("type", Node::text("production")),
        ("formats", Node::List("format", vec![Node::text("text/xml"), Node::text("application/json")])),
    ]);
    let doc = Node::Object(vec![
        ("changeset", Node::text("2026-11-26T00:00:00Z")),
        ("contact", Node::text(format!("Coordination du CLSPD — {}", state.public_url))),
        ("key_service", Node::text("Clés délivrées par l'administrateur de Maillage (Réglages des signalements).")),
        ("endpoints", Node::List("endpoint", vec![endpoint])),
    ]);
    respond(StatusCode::OK, format, "discovery", &doc)
}

fn group_name(categories: &[Category], c: &Category) -> String {
    c.parent_id.and_then(|p| categories.iter().find(|x| x.id == p)).map_or_else(|| c.name.clone(), |p| p.name.clone())
}

async fn services(state: &AppState, format: Format) -> Result311 {
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let list = categories
        .iter()
        .filter(|c| !c.retired)
        .map(|c| {
            Node::Object(vec![
                ("service_code", Node::text(&c.code)),
                ("service_name", Node::text(&c.name)),
                ("description", Node::text(&c.description)),
                ("metadata", Node::Bool(!c.questions.is_empty())),
                ("type", Node::text("realtime")),
                ("keywords", Node::text(&c.keywords)),
                ("group", Node::text(group_name(categories, c))),
            ])
        })
        .collect();
    Ok(respond(StatusCode::OK, format, "services", &Node::List("service", list)))
}

async fn service_definition(State(state): State<AppState>, Path(file): Path<String>) -> Result311 {
    let Some((code, format)) = split(&file) else {
        return Err(unknown(Format::Xml));
    };
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let Some(c) = categories.iter().find(|c| c.code == code && !c.retired) else {
        return Err(error(StatusCode::NOT_FOUND, format, format!("unknown service_code {code}")));
    };
    let attributes = c
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut fields = vec![
                ("variable", Node::Bool(true)),
                ("code", Node::text(&q.code)),
                ("datatype", Node::text(q.kind.open311())),
                ("required", Node::Bool(q.required)),
                ("datatype_description", Node::text(q.kind.label())),
                ("order", Node::Int(i as i64 + 1)),
                ("description", Node::text(&q.label)),
            ];
            if q.kind.has_choices() {
                let values =
                    q.choices.iter().map(|v| Node::Object(vec![("key", Node::text(&v.key)), ("name", Node::text(&v.name))])).collect();
                fields.push(("values", Node::List("value", values)));
            }
            Node::Object(fields)
        })
        .collect();
    let doc = Node::Object(vec![("service_code", Node::text(&c.code)), ("attributes", Node::List("attribute", attributes))]);
    Ok(respond(StatusCode::OK, format, "service_definition", &doc))
}

/// The organisation of a valid key, or 403.
async fn key_organisation(state: &AppState, format: Format, p: &BTreeMap<String, Vec<String>>) -> Result<i64, Open311Error> {
    let Some(key) = param(p, "api_key") else {
        return Err(error(StatusCode::FORBIDDEN, format, "api_key is required"));
    };
    state.store.organisation_for_api_key(key).await?.ok_or_else(|| error(StatusCode::FORBIDDEN, format, "invalid api_key"))
}

async fn post_request(state: &AppState, format: Format, p: &BTreeMap<String, Vec<String>>) -> Result311 {
    let organisation_id = key_organisation(state, format, p).await?;
    let Some(code) = param(p, "service_code") else {
        return Err(error(StatusCode::BAD_REQUEST, format, "service_code is required"));
    };
    let catalog = state.catalog().await?;
    let categories = &catalog.categories;
    let Some(category) = categories.iter().find(|c| c.code == code && !c.retired) else {
        return Err(error(StatusCode::NOT_FOUND, format, format!("unknown service_code {code}")));
    };
    let (lat, lon) = (param(p, "lat"), param(p, "long"));
    if lat.is_none() || lon.is_none() {
        let hint = if param(p, "address_string").is_some() || param(p, "address_id").is_some() {
            "lat and long are required: this server does not geocode addresses"
        } else {
            "a location is required: lat and long"
        };
        return Err(error(StatusCode::BAD_REQUEST, format, hint));
    }
    let description = p.get("description").and_then(|v| v.first()).cloned().unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(error(StatusCode::BAD_REQUEST, format, format!("description is longer than {MAX_DESCRIPTION} characters")));
    }
    // attribute[CODE]=v and attribute[CODE][]=v
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, values) in p {
        if let Some(rest) = k.strip_prefix("attribute[") {
            let code = rest.trim_end_matches("[]").trim_end_matches(']');
            answers.entry(code.to_string()).or_default().extend(values.iter().cloned());
        }
    }
    let draft = Draft {
        category_id: Some(category.id),
        // Open311 clients may post no description; the category then says what it is.
        description: if description.trim().is_empty() { category.name.clone() } else { description },
        address: param(p, "address_string").unwrap_or("").to_string(),
        lat: lat.unwrap_or_default().to_string(),
        lon: lon.unwrap_or_default().to_string(),
        answers,
    };
    let organisation = state.store.organisation(organisation_id).await?;
    let who = Reporter {
        author: Author { user_id: None, label: format!("Open311 ({})", organisation.map(|o| o.name).unwrap_or_default()) },
        user_id: None,
        organisation_id: Some(organisation_id),
        source: maillage_core::report::Source::Open311,
    };
    match maillage_app::report::submit(state, &who, &draft).await {
        Ok(id) => {
            let doc = Node::List(
                "request",
                vec![Node::Object(vec![("service_request_id", Node::text(id.to_string())), ("service_notice", Node::text(""))])],
            );
            Ok(respond(StatusCode::OK, format, "service_requests", &doc))
        }
        Err(SubmitError::Invalid(list)) => {
            let description = list.into_iter().map(|(field, m)| format!("{field}: {m}")).collect::<Vec<_>>().join("; ");
            Err(error(StatusCode::BAD_REQUEST, format, description))
        }
        Err(SubmitError::UnknownCategory) => Err(error(StatusCode::NOT_FOUND, format, format!("unknown service_code {code}"))),
        Err(SubmitError::Store(e)) => Err(e.into()),
    }
}

fn request_node(r: &ReportSummary) -> Node {
    let status = if r.state.class() == StateClass::Open { "open" } else { "closed" };
    let opt = |s: &Option<String>| s.as_ref().map_or(Node::Null, Node::text);
    let stamp = |t: OffsetDateTime| Node::text(time_fmt::to_storage(t));
    Node::Object(vec![
        ("service_request_id", Node::text(r.id.to_string())),
        ("status", Node::text(status)),
        ("status_notes", Node::text(&r.status_notes)),
        ("service_name", Node::text(&r.category_name)),
        ("service_code", Node::text(&r.category_code)),
        ("description", Node::text(&r.description)),
        ("agency_responsible", opt(&r.organisation_name)),
        ("service_notice", Node::text("")),
        ("requested_datetime", stamp(r.created_at)),
        ("updated_datetime", stamp(r.closed_at.unwrap_or(r.updated_at))),
        ("expected_datetime", r.due_at.map_or(Node::Null, stamp)),
        ("address", Node::text(&r.address)),
        ("address_id", Node::text("")),
        ("zipcode", Node::text("")),
        ("lat", Node::Number(r.lat)),
        ("long", Node::Number(r.lon)),
        ("media_url", Node::text("")),
    ])
}

/// A W3C date-time with its zone, within the supported years; `None` otherwise.
fn w3c(s: &str) -> Option<OffsetDateTime> {
    let t = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    time_fmt::SUPPORTED_YEARS.contains(&t.year()).then_some(t)
}

pub const MAX_SPAN_DAYS: i64 = 90;
pub const MAX_PAGE_SIZE: i64 = 1000;

async fn list_requests(state: &AppState, format: Format, p: &BTreeMap<String, Vec<String>>) -> Result311 {
    let organisation_id = key_organisation(state, format, p).await?;
    let mut f = ReportFilter::new(ReportScope::Organisation(organisation_id));
    let bad = |m: &str| error(StatusCode::BAD_REQUEST, format, m);
    if let Some(ids) = param(p, "service_request_id") {
        f.ids = ids
            .split(',')
            .map(|s| s.trim().parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad("service_request_id must be a comma-separated list of ids"))?;
    } else {
        if let Some(codes) = param(p, "service_code") {
            let catalog = state.catalog().await?;
            let categories = &catalog.categories;
            for code in codes.split(',').map(str::trim) {
                match categories.iter().find(|c| c.code == code) {
                    Some(c) => f.category_ids.push(c.id),
                    None => return Err(error(StatusCode::NOT_FOUND, format, format!("unknown service_code {code}"))),
                }
            }
        }
        if let Some(status) = param(p, "status") {
            for s in status.split(',').map(str::trim) {
                f.states.extend(match s {
                    "open" => ReportState::open(),
                    "closed" => ReportState::closed(),
                    _ => return Err(bad("status must be open, closed or both")),
                });
            }
        }
        let date = |key: &str| -> Result<Option<OffsetDateTime>, Open311Error> {
            match param(p, key) {
                None => Ok(None),
                Some(v) => w3c(v).map(Some).ok_or_else(|| bad(&format!("{key} must be a W3C date-time with a time zone"))),
            }
        };
        let (start, end) = (date("start_date")?, date("end_date")?);
        f.updated_after = date("updated_after")?;
        f.updated_before = date("updated_before")?;
        let now = time_fmt::now();
        let days = time::Duration::days(MAX_SPAN_DAYS);
        match (start, end) {
            (Some(s), Some(e)) => {
                if (e - s).whole_days() > MAX_SPAN_DAYS {
                    return Err(bad("the date range may not exceed 90 days"));
                }
                f.created_from = Some(s);
                f.created_before = Some(e);
            }
            (Some(s), None) => {
                f.created_from = Some(s);
                f.created_before = Some(s + days);
            }
            (None, Some(e)) => {
                f.created_from = Some(e - days);
                f.created_before = Some(e);
            }
            (None, None) if f.updated_after.is_none() && f.updated_before.is_none() => {
                f.created_from = Some(now - days);
            }
            (None, None) => {}
        }
    }
    let page_size = match param(p, "page_size") {
        None => MAX_PAGE_SIZE,
        Some(v) => {
            v.parse::<i64>().ok().filter(|n| (1..=MAX_PAGE_SIZE).contains(n)).ok_or_else(|| bad("page_size must be between 1 and 1000"))?
        }
    };
    let page = match param(p, "page") {
        None => 1,
        // Bounded, so that the offset never overflows.
        Some(v) => {
            v.parse::<i64>().ok().filter(|n| (1..=1_000_000).contains(n)).ok_or_else(|| bad("page must be between 1 and 1000000"))?
        }
    };
    let sort = if f.updated_after.is_some() { ReportSort::RecentlyUpdated } else { ReportSort::NewestFirst };
    let rows = state.store.reports(&f, sort, page_size, (page - 1) * page_size).await?;
    Ok(respond(StatusCode::OK, format, "service_requests", &Node::List("request", rows.iter().map(request_node).collect())))
}

async fn one_request(State(state): State<AppState>, Path(file): Path<String>, RawQuery(q): RawQuery) -> Result311 {
    let Some((id, format)) = split(&file) else {
        return Err(unknown(Format::Xml));
    };
    let p = params(q.unwrap_or_default().as_bytes());
    let organisation_id = key_organisation(&state, format, &p).await?;
    let not_found = || error(StatusCode::NOT_FOUND, format, format!("unknown service_request_id {id}"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let mut f = ReportFilter::new(ReportScope::Organisation(organisation_id));
    f.ids = vec![id];
    let rows = state.store.reports(&f, ReportSort::NewestFirst, 1, 0).await?;
    if rows.is_empty() {
        return Err(not_found());
    }
    Ok(respond(StatusCode::OK, format, "service_requests", &Node::List("request", rows.iter().map(request_node).collect())))
}

/// Requests are created at once, never deferred: no token exists.
async fn token(Path(file): Path<String>) -> Result311 {
    let format = split(&file).map_or(Format::Xml, |(_, f)| f);
    Err(error(StatusCode::NOT_FOUND, format, "unknown token"))
}
