//! The HTTP front end: French HTML pages, a JSON API and Open311, thin layers over the use cases
//! of `maillage_app` and the core. Every route is declared through [`Routes`], which records it for the
//! authorization matrix test.

pub mod access_convention;
pub mod account;
pub mod activity;
pub mod alert;
pub mod audit;
pub mod auth;
pub mod community_service;
pub mod decision;
pub mod error;
pub mod evaluation;
pub mod evaluation_report;
pub mod glossary;
pub mod help_directory;
pub mod home;
pub mod indicator;
pub mod layout;
pub mod meeting;
pub mod national_framework;
pub mod observatory;
pub mod organisation;
pub mod page;
pub mod public_page;
pub mod report;
pub mod strategy;
pub mod victim_support;
pub mod video_requests;
pub mod walk;
pub mod working_group;

use axum::Router;
pub use axum::http::HeaderName;
use axum::http::{HeaderValue, header};
use axum::routing::{MethodRouter, get, post};
use maillage_app::App;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

/// Web settings, from the configuration file.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Minutes of inactivity after which a session ends.
    pub idle_timeout_minutes: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// A tile background for the maps; none by default.
    pub tiles: Option<report::svg::TileSource>,
    /// The header in which the reverse proxy in front gives the client's address (login
    /// throttling); none: the connection's address.
    pub client_address_header: Option<HeaderName>,
    pub timeouts: Timeouts,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            idle_timeout_minutes: 30,
            max_body_bytes: 10 * 1024 * 1024,
            tiles: None,
            client_address_header: None,
            timeouts: Timeouts::default(),
        }
    }
}

/// What every handler gets: the use cases ([`App`], reached through `Deref`) and what only
/// HTTP needs (login throttling, the map's tiles).
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub throttle: Arc<auth::Throttle>,
    pub tiles: Option<report::svg::TileSource>,
    pub client_address_header: Option<HeaderName>,
}

impl AppState {
    pub fn new(app: App, config: &WebConfig) -> Self {
        AppState { app, throttle: Arc::default(), tiles: config.tiles.clone(), client_address_header: config.client_address_header.clone() }
    }
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// One declared route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
}

/// The router under construction, and the list of what it serves.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    fn new() -> Self {
        Routes { router: Router::new(), specs: Vec::new() }
    }

    fn add(mut self, method: &'static str, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.specs.push(RouteSpec { method, path });
        self.router = self.router.route(path, handler);
        self
    }

    pub fn get<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, get(h))
    }

    pub fn post<H, T>(self, path: &'static str, h: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, post(h))
    }
}

fn routes() -> Routes {
    let r = Routes::new().get("/", home::home).get("/sante", page::health).get("/static/style.css", page::stylesheet);
    let r = account::routes(r);
    let r = strategy::routes(r);
    let r = organisation::routes(r);
    let r = report::routes(r);
    let r = glossary::routes(r);
    let r = working_group::routes(r);
    let r = victim_support::routes(r);
    let r = community_service::routes(r);
    let r = activity::routes(r);
    let r = evaluation::routes(r);
    let r = indicator::routes(r);
    let r = evaluation_report::routes(r);
    let r = decision::routes(r);
    let r = national_framework::routes(r);
    let r = alert::routes(r);
    let r = walk::routes(r);
    let r = video_requests::routes(r);
    let r = access_convention::routes(r);
    let r = observatory::routes(r);
    let r = public_page::routes(r);
    let r = help_directory::routes(r);
    let r = meeting::routes(r);
    audit::routes(r)
}

/// Every route the application serves, for the authorization matrix test.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().specs
}

/// The page a form's address belongs to: its nearest ancestor that is a page (`GET`). After a
/// failed post the browser shows the form's address; reloading or revisiting it lands on the
/// page instead of a bare "405".
fn page_of(path: &str) -> String {
    static PAGES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let pages = PAGES.get_or_init(|| route_specs().into_iter().filter(|s| s.method == "GET").map(|s| s.path).collect());
    let matches = |candidate: &str, pattern: &str| {
        let (a, b): (Vec<&str>, Vec<&str>) = (candidate.split('/').collect(), pattern.split('/').collect());
        a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || (y.starts_with('{') && y.ends_with('}')))
    };
    let mut candidate = path.trim_end_matches('/').to_string();
    while let Some(cut) = candidate.rfind('/') {
        candidate.truncate(cut);
        if !candidate.is_empty() && pages.iter().any(|p| matches(&candidate, p)) {
            return candidate;
        }
    }
    "/".into()
}

/// The span of a request in the logs: its method and path, never its query (searches and
/// filters may hold what people typed) nor a link's token (an alert's acknowledgement link
/// works without an account: whoever reads it in a log could use it).
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let path = request.uri().path();
    let path = if path.starts_with("/alertes/accuse/") { "/alertes/accuse/…" } else { path };
    tracing::debug_span!("request", method = %request.method(), path = %path)
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        return axum::response::Redirect::to(&page_of(uri.path())).into_response();
    }
    axum::http::StatusCode::METHOD_NOT_ALLOWED.into_response()
}

/// The complete application.
pub fn app(state: AppState, config: &WebConfig) -> Router {
    let sessions = SessionManagerLayer::new(auth::DbSessionStore::new(state.store.clone()))
        .with_name("maillage_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.idle_timeout_minutes)));
    // Images from the tile server are allowed only when one is configured.
    let tile_origin = config.tiles.as_ref().and_then(report::svg::TileSource::origin).map(|o| format!(" {o}")).unwrap_or_default();
    let csp = format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:{tile_origin}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    let headers = [
        // Pages, API answers and exports hold what only their reader may see: no cache keeps
        // them (the stylesheet says otherwise for itself).
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    let mut router = routes()
        .router
        .fallback(page::not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(error::login_target))
        .layer(axum::middleware::from_fn(error::panics_in_format))
        // Inside the error pages, so that their refusals are said in French too.
        .layer(axum::middleware::from_fn(error::unreadable_forms))
        .layer(tower_http::csrf::CsrfLayer::new())
        // One limit for every body (413 beyond it); axum's own per-extractor default is lifted so
        // that the configured value is the only one.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::error_pages_with_menu))
        .with_state(state)
        .layer(sessions)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, config.timeouts.request))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span));
    router = router.layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    router
}

/// How long the server waits on a slow client.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// To receive a request's headers (a connection that never finishes them is closed).
    pub header_read: std::time::Duration,
    /// To answer a request, its body included (a photo sent from a phone on a weak network).
    pub request: std::time::Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { header_read: std::time::Duration::from_secs(10), request: std::time::Duration::from_secs(120) }
    }
}

/// Serves until ctrl-c or SIGTERM, then lets the open requests finish. Each connection has a
/// header-read timeout, and each request the configured time to be read and answered
/// (`app` sets the latter as a layer); a connection idle between requests is closed after the
/// header-read time too, since waiting for the next request is waiting for its headers.
pub async fn serve(listener: tokio::net::TcpListener, router: Router, timeouts: Timeouts) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(timeouts.header_read).keep_alive(true);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                // Too many open files and the like: wait a little rather than spin.
                Err(e) => {
                    tracing::warn!("connexion refusée : {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = router.clone().layer(axum::Extension(axum::extract::ConnectInfo(address)));
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connexion {address} : {e}");
            }
        });
    }
    // Open requests get the request timeout to finish.
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(timeouts.request) => {}
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            // Without the handler, only SIGTERM stops the server.
            tracing::warn!("ctrl-c ne peut pas être écouté : {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_form_address_leads_to_its_page() {
        assert_eq!(super::page_of("/signalements/12/commentaires"), "/signalements/12");
        assert_eq!(super::page_of("/compte/mot-de-passe"), "/compte");
        assert_eq!(super::page_of("/admin/comptes/3/roles"), "/admin/comptes");
        assert_eq!(super::page_of("/admin/signalements/zones/5/supprimer"), "/admin/signalements");
        assert_eq!(super::page_of("/deconnexion"), "/");
    }
}
