//! The HTTP front end: French HTML pages and a JSON API, both thin layers over the store and
//! the core. Every route is declared through [`Routes`], which records it for the
//! authorization matrix test.

pub mod api;
pub mod auth;
pub mod error;
pub mod exports;
pub mod geocoder;
pub mod layout;
pub mod mailer;
pub mod map;
pub mod open311;
pub mod pages;
pub mod photos;
pub mod reporting;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{MethodRouter, get, post};
use maillage_core::glossary::Glossary;
use maillage_store::Store;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
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
    /// Largest photo accepted, in bytes.
    pub max_photo_bytes: usize,
    /// The address people reach the site at, for links in e-mails.
    pub public_url: String,
    /// Where photos are kept.
    pub data_dir: std::path::PathBuf,
    /// A tile background for the maps; none by default.
    pub tiles: Option<map::TileSource>,
    /// Address look-up on the report form; none by default.
    pub geocoder: Option<geocoder::Geocoder>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            idle_timeout_minutes: 30,
            max_body_bytes: 10 * 1024 * 1024,
            max_photo_bytes: 8 * 1024 * 1024,
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: "maillage-data".into(),
            tiles: None,
            geocoder: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub throttle: Arc<auth::Throttle>,
    glossary: Arc<RwLock<Arc<Glossary>>>,
    places: Arc<RwLock<Arc<reporting::Places>>>,
    pub public_url: String,
    pub data_dir: std::path::PathBuf,
    pub max_photo_bytes: usize,
    pub tiles: Option<map::TileSource>,
    pub geocoder: Option<geocoder::Geocoder>,
    catalog: Arc<RwLock<Option<Arc<Catalog>>>>,
}

/// What nearly every reports page reads and rarely changes: categories, organisations, routing
/// rules. Kept in memory, dropped when this process changes one of them (one serving process
/// per database is the supported deployment; another process sees changes after a restart).
#[derive(Debug)]
pub struct Catalog {
    pub categories: Vec<maillage_store::categories::Category>,
    pub organisations: Vec<maillage_store::organisations::Organisation>,
    pub rules: Vec<maillage_core::report::RoutingRule>,
}

impl AppState {
    pub async fn new(store: Store, config: &WebConfig) -> Result<Self, maillage_store::StoreError> {
        let state = AppState {
            store,
            throttle: Arc::default(),
            glossary: Arc::new(RwLock::new(Arc::new(Glossary::new([])))),
            places: Arc::default(),
            public_url: config.public_url.trim_end_matches('/').to_string(),
            data_dir: config.data_dir.clone(),
            max_photo_bytes: config.max_photo_bytes,
            tiles: config.tiles.clone(),
            geocoder: config.geocoder.clone(),
            catalog: Arc::default(),
        };
        state.reload_glossary().await?;
        state.reload_places().await?;
        Ok(state)
    }

    /// Categories, organisations and routing rules, from memory after the first call.
    pub async fn catalog(&self) -> Result<Arc<Catalog>, maillage_store::StoreError> {
        if let Some(c) = self.catalog.read().ok().and_then(|c| c.clone()) {
            return Ok(c);
        }
        let c = Arc::new(Catalog {
            categories: self.store.categories().await?,
            organisations: self.store.organisations().await?,
            rules: self.store.routing_rules().await?.iter().map(|r| r.rule()).collect(),
        });
        if let Ok(mut slot) = self.catalog.write() {
            *slot = Some(c.clone());
        }
        Ok(c)
    }

    /// After a change to categories, organisations or rules.
    pub fn forget_catalog(&self) {
        if let Ok(mut slot) = self.catalog.write() {
            *slot = None;
        }
    }

    /// The areas, parsed; cheap to call on every request.
    pub fn places(&self) -> Arc<reporting::Places> {
        self.places.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// Re-reads the areas after they changed.
    pub async fn reload_places(&self) -> Result<(), maillage_store::StoreError> {
        let areas = self.store.areas().await?;
        let p = reporting::Places::from_areas(&areas);
        if let Ok(mut slot) = self.places.write() {
            *slot = Arc::new(p);
        }
        Ok(())
    }

    pub fn glossary(&self) -> Arc<Glossary> {
        self.glossary.read().map(|g| g.clone()).unwrap_or_else(|_| Arc::new(Glossary::new([])))
    }

    /// Re-reads the glossary after it changed.
    pub async fn reload_glossary(&self) -> Result<(), maillage_store::StoreError> {
        let terms = self.store.glossary_terms().await?;
        let g = Glossary::new(terms.iter().map(|t| (t.term.as_str(), t.expansion.as_str())));
        if let Ok(mut slot) = self.glossary.write() {
            *slot = Arc::new(g);
        }
        Ok(())
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
    let r = Routes::new().get("/", pages::home).get("/sante", pages::health).get("/static/style.css", pages::stylesheet);
    let r = pages::account::routes(r);
    let r = pages::strategy::routes(r);
    let r = pages::organisations::routes(r);
    let r = pages::reports::routes(r);
    let r = pages::report_settings::routes(r);
    let r = open311::routes(r);
    let r = pages::admin::routes(r);
    let r = pages::audit::routes(r);
    api::routes(r)
}

/// Every route the application serves, for the authorization matrix test.
pub fn route_specs() -> Vec<RouteSpec> {
    routes().specs
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
    let tile_origin = config.tiles.as_ref().and_then(map::TileSource::origin).map(|o| format!(" {o}")).unwrap_or_default();
    let csp = format!(
        "default-src 'none'; style-src 'self'; img-src 'self' data:{tile_origin}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    let csp = HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
    ];
    let mut router = routes()
        .router
        .fallback(pages::not_found)
        .with_state(state)
        .layer(sessions)
        .layer(tower_http::csrf::CsrfLayer::new())
        // One limit for every body (413 beyond it); axum's own per-extractor default is lifted so
        // that the configured value is the only one.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(config.max_body_bytes))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http());
    router = router.layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp));
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    router
}

/// Serves until ctrl-c or SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
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
