//! The use cases of Maillage, between the store and its two front ends (the web and the command
//! line): what a request or a background job asks for, with no HTTP in it. Each feature is a
//! folder under its glossary name, as in every layer.

pub mod access_convention;
pub mod account;
pub mod activity;
pub mod alert;
pub mod audit;
pub mod community_service;
pub mod decision;
pub mod evaluation;
pub mod evaluation_report;
pub mod indicator;
pub mod keyring;
pub mod mail;
pub mod meeting;
pub mod national_framework;
pub mod observatory;
pub mod printed;
pub mod public_page;
pub mod report;
pub mod video_requests;
pub mod walk;
pub mod working_group;

use maillage_core::glossary::Glossary;
use maillage_core::place::Places;
use maillage_store::{Store, StoreError};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// Settings of the use cases, from the configuration file.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// The address people reach the site at, for links in e-mails.
    pub public_url: String,
    /// Where photos are kept.
    pub data_dir: PathBuf,
    /// Largest photo accepted, in bytes.
    pub max_photo_bytes: usize,
    /// Address look-up on the report form; none by default.
    pub geocoder: Option<report::address::Geocoder>,
    /// The file of the keys that seal nominative data (outside the database folder's backups);
    /// none: nothing can be sealed, and a database that holds sealed values refuses to start.
    pub key_file: Option<PathBuf>,
    /// Reads of situations by one account within 15 minutes that alert the DPO; 0: never.
    pub read_alert_threshold: i64,
    /// The rapid alert's escalation delay and SMS gateway.
    pub alert: alert::AlertConfig,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: "maillage-data".into(),
            max_photo_bytes: 8 * 1024 * 1024,
            geocoder: None,
            key_file: None,
            read_alert_threshold: 30,
            alert: alert::AlertConfig::default(),
        }
    }
}

/// Why the application cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keyring(#[from] keyring::KeyringError),
    /// Values sealed by a key the configuration does not give: never read or written without it.
    #[error("la base contient des données chiffrées par la clé « {0} », absente : indiquez le fichier de clés (key_file) qui la contient")]
    MissingKey(String),
    /// A key of that name that does not open what it should have sealed.
    #[error("la clé « {0} » du fichier de clés n'ouvre pas les données qu'elle aurait chiffrées : ce n'est pas le bon fichier de clés")]
    WrongKey(String),
}

/// The store and what is kept in memory beside it; cheap to clone, shared by every request and job.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub max_photo_bytes: usize,
    pub geocoder: Option<report::address::Geocoder>,
    pub keyring: Option<Arc<keyring::Keyring>>,
    pub read_alert_threshold: i64,
    pub alert: alert::AlertConfig,
    /// Wakes the background senders when an alert is raised or escalated, instead of waiting
    /// for their next turn.
    pub wake: Arc<Wake>,
    glossary: Arc<RwLock<Arc<Glossary>>>,
    places: Arc<RwLock<Arc<Places>>>,
    catalog: Arc<RwLock<Option<Arc<Catalog>>>>,
    pdfs: Arc<printed::PdfCache>,
}

/// The background senders to wake: the outbox's, and the alerts' (escalations and SMS). A wake
/// while one is busy is kept for its next wait.
#[derive(Debug, Default)]
pub struct Wake {
    pub mail: tokio::sync::Notify,
    pub alerts: tokio::sync::Notify,
}

impl Wake {
    pub fn both(&self) {
        self.mail.notify_one();
        self.alerts.notify_one();
    }
}

/// What nearly every reports page reads and rarely changes: categories, organisations, routing
/// rules. Kept in memory, dropped when this process changes one of them (one serving process
/// per database is the supported deployment; another process sees changes after a restart).
#[derive(Debug)]
pub struct Catalog {
    pub categories: Vec<maillage_store::report::category::Category>,
    pub organisations: Vec<maillage_store::organisation::Organisation>,
    pub rules: Vec<maillage_core::report::RoutingRule>,
}

impl App {
    /// The application over `store`; refuses to start when the database holds values sealed by
    /// a key that the key file does not hold (or no key file is given).
    pub async fn new(store: Store, config: &AppConfig) -> Result<Self, StartError> {
        let keyring = config.key_file.as_deref().map(keyring::Keyring::load).transpose()?.map(Arc::new);
        for sample in store.sealed_samples().await? {
            let Some(ring) = keyring.as_ref().filter(|k| k.has(&sample.key)) else {
                return Err(StartError::MissingKey(sample.key));
            };
            if ring.open(&sample.sealed, &sample.place).is_err() {
                return Err(StartError::WrongKey(sample.key));
            }
        }
        let app = App {
            store,
            public_url: config.public_url.trim_end_matches('/').to_string(),
            data_dir: config.data_dir.clone(),
            max_photo_bytes: config.max_photo_bytes,
            geocoder: config.geocoder.clone(),
            keyring,
            read_alert_threshold: config.read_alert_threshold,
            alert: config.alert.clone(),
            wake: Arc::default(),
            glossary: Arc::new(RwLock::new(Arc::new(Glossary::new([])))),
            places: Arc::default(),
            catalog: Arc::default(),
            pdfs: Arc::default(),
        };
        app.reload_glossary().await?;
        app.reload_places().await?;
        app.store.ensure_public_site(|m| public_page::render(m, maillage_core::public_page::PageKind::Institutional)).await?;
        // Situations written before the meetings were checked for names get their name hash.
        working_group::names::fill_name_hashes(&app).await?;
        Ok(app)
    }

    /// Categories, organisations and routing rules, from memory after the first call.
    pub async fn catalog(&self) -> Result<Arc<Catalog>, StoreError> {
        if let Some(c) = self.catalog.read().ok().and_then(|c| c.clone()) {
            return Ok(c);
        }
        let c = Arc::new(Catalog {
            categories: self.store.categories().await?,
            organisations: self.store.organisations().await?,
            rules: self.store.routing_rules().await?.iter().map(maillage_store::place::RuleRow::rule).collect(),
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
    pub fn places(&self) -> Arc<Places> {
        self.places.read().map(|p| p.clone()).unwrap_or_default()
    }

    /// Re-reads the areas after they changed.
    pub async fn reload_places(&self) -> Result<(), StoreError> {
        let areas = self.store.areas().await?;
        let p = Places::from_areas(&areas);
        if let Ok(mut slot) = self.places.write() {
            *slot = Arc::new(p);
        }
        Ok(())
    }

    pub fn glossary(&self) -> Arc<Glossary> {
        self.glossary.read().map_or_else(|_| Arc::new(Glossary::new([])), |g| g.clone())
    }

    /// Re-reads the glossary after it changed.
    pub async fn reload_glossary(&self) -> Result<(), StoreError> {
        let terms = self.store.glossary_terms().await?;
        let g = Glossary::new(terms.iter().map(|t| (t.term.as_str(), t.expansion.as_str())));
        if let Ok(mut slot) = self.glossary.write() {
            *slot = Arc::new(g);
        }
        Ok(())
    }
}
