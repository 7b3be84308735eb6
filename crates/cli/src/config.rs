//! Configuration of `maillage serve`: a TOML file, overridden by `MAILLAGE_*` variables.
//! Unknown keys are errors.

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Mark the session cookie Secure: set it when served over HTTPS (behind a reverse proxy).
    pub secure_cookies: bool,
    /// Minutes of inactivity before a session ends.
    pub session_idle_minutes: i64,
    /// Audit log retention in days (183 to 1095).
    pub audit_retention_days: u32,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest photo of a report, in bytes.
    pub max_photo_bytes: usize,
    /// Folder of the files (photos); the SQLite database may live there too.
    pub data_dir: String,
    /// The address people use to reach the site, for links in e-mails.
    pub public_url: String,
    /// `smtp://[user:password@]host[:port]`; empty: e-mail waits in the outbox.
    pub smtp_url: String,
    /// Sender of the e-mails.
    pub mail_from: String,
    /// Closed reports are anonymised this many days after closing (30 to 1095).
    pub report_anonymise_after_days: u32,
    /// Sent mail (which carries report text) is deleted after this many days (1 to 90).
    pub mail_retention_days: u32,
    /// Append-only file of the audit chain's anchors; best on another disk than the database.
    /// Empty: `audit-anchors.log` in `data_dir`.
    pub audit_anchor_file: String,
    /// Tile background of the maps (`https://…/{z}/{x}/{y}.png`); empty: none, nothing is
    /// fetched from elsewhere.
    pub map_tile_url: String,
    /// The credit the tile provider asks for, shown under the maps.
    pub map_tile_attribution: String,
    /// Address look-up on the report form, through the national address API
    /// (`https://data.geopf.fr/geocodage/search`) or a city's own addok; empty: off, and no
    /// typed address leaves the network.
    pub address_search_url: String,
    /// The header in which the reverse proxy gives the client's address (e.g. `X-Real-IP`),
    /// for login throttling; empty: the connection's address (no proxy, or one that does not
    /// say).
    pub client_address_header: String,
    /// The file of the keys that seal nominative data (second factors, and the working groups'
    /// situations). Keep it outside `data_dir`'s backups; `maillage keys create` makes one.
    /// Empty: none, and a database holding sealed values refuses to start.
    pub key_file: String,
    /// Reads of working-group situations by one account within 15 minutes that alert the
    /// DPO by e-mail (privacy rules §5: logs watched for anomalies); 0: no alert.
    pub case_read_alert: i64,
    /// Minutes an organisation has to acknowledge a rapid alert before its next on-call level
    /// gets it (1 to 240).
    pub alert_escalation_minutes: i64,
    /// The SMS gateway of the rapid alert: an `https://` (or loopback `http://`) address that
    /// takes a signed JSON message (see the README); empty: alerts go by e-mail only.
    pub sms_gateway_url: String,
    /// The secret shared with the gateway to sign its messages (32 characters or more); best
    /// given as `MAILLAGE_SMS_GATEWAY_SECRET`, never in the repository.
    pub sms_gateway_secret: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://maillage-data/maillage.db".into(),
            secure_cookies: false,
            session_idle_minutes: 30,
            audit_retention_days: maillage_core::audit::RETENTION_DEFAULT_DAYS,
            max_body_bytes: 10 * 1024 * 1024,
            max_photo_bytes: 8 * 1024 * 1024,
            data_dir: "maillage-data".into(),
            public_url: "http://127.0.0.1:8080".into(),
            smtp_url: String::new(),
            mail_from: "Maillage <ne-pas-repondre@maillage.invalid>".into(),
            report_anonymise_after_days: 365,
            mail_retention_days: 7,
            audit_anchor_file: String::new(),
            map_tile_url: String::new(),
            map_tile_attribution: String::new(),
            address_search_url: String::new(),
            client_address_header: String::new(),
            key_file: String::new(),
            case_read_alert: 30,
            alert_escalation_minutes: 10,
            sms_gateway_url: String::new(),
            sms_gateway_secret: String::new(),
        }
    }
}

/// `MAILLAGE_*` variables that are not configuration keys: the log filter, and those of the test
/// and benchmark tools. Any other `MAILLAGE_*` variable must be a key, so that a misspelt one
/// stops the program instead of being ignored.
fn is_outside_config(key: &str) -> bool {
    key == "log" || key == "bin" || key.starts_with("test_")
}

/// A header name, if the text is one.
fn axum_header(name: &str) -> Option<maillage_web::HeaderName> {
    maillage_web::HeaderName::from_bytes(name.trim().as_bytes()).ok()
}

impl Config {
    /// Reads the file (which must exist when named) and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            // figment treats a missing file as empty: a named file must exist.
            if !path.is_file() {
                bail!("fichier de configuration introuvable : {}", path.display());
            }
            fig = fig.merge(Toml::file(path));
        }
        fig = fig.merge(Env::prefixed("MAILLAGE_").filter(|key| !is_outside_config(&key.as_str().to_ascii_lowercase())));
        let config: Config = fig.extract().map_err(|e| {
            let key = e.path.join(".");
            anyhow::anyhow!("configuration invalide{} : {e}", if key.is_empty() { String::new() } else { format!(" (clé « {key} »)") })
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        let r = maillage_core::audit::RETENTION_MIN_DAYS..=maillage_core::audit::RETENTION_MAX_DAYS;
        if !r.contains(&self.audit_retention_days) {
            bail!(
                "configuration invalide (clé « audit_retention_days ») : {} jours hors de l'intervalle permis {}..={}",
                self.audit_retention_days,
                r.start(),
                r.end()
            );
        }
        if !(5..=24 * 60).contains(&self.session_idle_minutes) {
            bail!("configuration invalide (clé « session_idle_minutes ») : entre 5 et 1440 minutes");
        }
        if !(64 * 1024..=64 * 1024 * 1024).contains(&self.max_body_bytes) {
            bail!("configuration invalide (clé « max_body_bytes ») : entre 65536 et 67108864 octets");
        }
        if self.max_photo_bytes < 64 * 1024 || self.max_photo_bytes > self.max_body_bytes {
            bail!("configuration invalide (clé « max_photo_bytes ») : au moins 65536 octets et pas plus que max_body_bytes");
        }
        if !(1..=90).contains(&self.mail_retention_days) {
            bail!("configuration invalide (clé « mail_retention_days ») : entre 1 et 90 jours");
        }
        if !(30..=1095).contains(&self.report_anonymise_after_days) {
            bail!("configuration invalide (clé « report_anonymise_after_days ») : entre 30 et 1095 jours");
        }
        if !self.public_url.starts_with("http://") && !self.public_url.starts_with("https://") {
            bail!("configuration invalide (clé « public_url ») : une adresse http:// ou https:// est attendue");
        }
        if !self.map_tile_url.is_empty() {
            let source =
                maillage_web::report::svg::TileSource { url: self.map_tile_url.clone(), attribution: self.map_tile_attribution.clone() };
            if source.origin().is_none() || !["{z}", "{x}", "{y}"].iter().all(|p| self.map_tile_url.contains(p)) {
                bail!("configuration invalide (clé « map_tile_url ») : une adresse http(s)://…/{{z}}/{{x}}/{{y}}.png est attendue");
            }
        }
        if !self.address_search_url.is_empty()
            && let Err(e) = maillage_app::report::address::Geocoder::new(&self.address_search_url)
        {
            bail!("configuration invalide (clé « address_search_url ») : {e}");
        }
        if !self.smtp_url.is_empty() && maillage_app::mail::parse_smtp_url(&self.smtp_url).is_none() {
            bail!("configuration invalide (clé « smtp_url ») : smtp://[utilisateur:mot-de-passe@]hôte[:port] est attendu");
        }
        if !(1..=240).contains(&self.alert_escalation_minutes) {
            bail!("configuration invalide (clé « alert_escalation_minutes ») : entre 1 et 240 minutes");
        }
        if !self.sms_gateway_url.is_empty() {
            if !maillage_app::alert::gateway_url_ok(&self.sms_gateway_url) {
                bail!(
                    "configuration invalide (clé « sms_gateway_url ») : une adresse https://… est attendue (http:// seulement sur la machine même)"
                );
            }
            if self.sms_gateway_secret.chars().count() < 32 {
                bail!("configuration invalide (clé « sms_gateway_secret ») : 32 caractères au moins, partagés avec la passerelle SMS");
            }
        }
        if !self.client_address_header.is_empty() && axum_header(&self.client_address_header).is_none() {
            bail!("configuration invalide (clé « client_address_header ») : un nom d'en-tête HTTP est attendu (par exemple X-Real-IP)");
        }
        if self.public_url.starts_with("https://") && !self.secure_cookies {
            tracing::warn!("public_url est en https mais secure_cookies vaut false : le cookie de session pourrait passer en clair");
        }
        self.listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("configuration invalide (clé « listen ») : adresse « {} » illisible", self.listen))?;
        Ok(())
    }

    pub fn app(&self) -> anyhow::Result<maillage_app::AppConfig> {
        let geocoder = if self.address_search_url.is_empty() {
            None
        } else {
            Some(maillage_app::report::address::Geocoder::new(&self.address_search_url).context("clé « address_search_url »")?)
        };
        Ok(maillage_app::AppConfig {
            max_photo_bytes: self.max_photo_bytes,
            public_url: self.public_url.clone(),
            data_dir: self.data_dir.clone().into(),
            geocoder,
            key_file: (!self.key_file.is_empty()).then(|| self.key_file.clone().into()),
            read_alert_threshold: self.case_read_alert.max(0),
            alert: maillage_app::alert::AlertConfig {
                escalation_minutes: self.alert_escalation_minutes,
                sms: (!self.sms_gateway_url.is_empty()).then(|| maillage_app::alert::SmsGateway {
                    url: self.sms_gateway_url.clone(),
                    secret: self.sms_gateway_secret.clone(),
                }),
            },
        })
    }

    pub fn anchor_file(&self) -> maillage_app::audit::AnchorFile {
        let path = if self.audit_anchor_file.is_empty() {
            std::path::Path::new(&self.data_dir).join("audit-anchors.log")
        } else {
            self.audit_anchor_file.clone().into()
        };
        maillage_app::audit::AnchorFile { path }
    }

    pub fn web(&self) -> maillage_web::WebConfig {
        maillage_web::WebConfig {
            secure_cookies: self.secure_cookies,
            idle_timeout_minutes: self.session_idle_minutes,
            max_body_bytes: self.max_body_bytes,
            tiles: (!self.map_tile_url.is_empty()).then(|| maillage_web::report::svg::TileSource {
                url: self.map_tile_url.clone(),
                attribution: self.map_tile_attribution.clone(),
            }),
            client_address_header: axum_header(&self.client_address_header),
            timeouts: maillage_web::Timeouts::default(),
        }
    }

    pub fn mail(&self) -> Option<maillage_app::mail::MailConfig> {
        (!self.smtp_url.is_empty())
            .then(|| maillage_app::mail::MailConfig { smtp_url: self.smtp_url.clone(), from: self.mail_from.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(name: &str, text: &str) -> anyhow::Result<Config> {
        let path = std::env::temp_dir().join(format!("maillage-config-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let result = Config::load(Some(&path));
        let _ = std::fs::remove_file(&path);
        result
    }

    #[test]
    fn a_file_sets_values() {
        let c = load_text("ok", "listen = \"127.0.0.1:9000\"\nsecure_cookies = true\n").unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        assert!(c.secure_cookies);
        assert_eq!(c.audit_retention_days, 365);
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = load_text("unknown", "databse_url = \"sqlite://x.db\"\n").unwrap_err().to_string();
        assert!(e.contains("databse_url"), "{e}");
    }

    #[test]
    fn out_of_range_values_are_named() {
        let e = load_text("retention", "audit_retention_days = 30\n").unwrap_err().to_string();
        assert!(e.contains("audit_retention_days"), "{e}");
        let e = load_text("listen", "listen = \"partout\"\n").unwrap_err().to_string();
        assert!(e.contains("listen"), "{e}");
    }

    #[test]
    fn tool_variables_are_not_configuration_keys() {
        assert!(is_outside_config("log") && is_outside_config("test_postgres"));
        assert!(!is_outside_config("databse_url"));
    }

    #[test]
    fn mail_and_report_settings_are_checked() {
        let e = load_text("smtp", "smtp_url = \"mail.example\"\n").unwrap_err().to_string();
        assert!(e.contains("smtp_url"), "{e}");
        let e = load_text("anon", "report_anonymise_after_days = 5\n").unwrap_err().to_string();
        assert!(e.contains("report_anonymise_after_days"), "{e}");
        let c = load_text("smtp-ok", "smtp_url = \"smtp://127.0.0.1:2525\"\n").unwrap();
        assert!(c.mail().is_some());
        let e = load_text("tiles", "map_tile_url = \"https://tuiles.example/carte.png\"\n").unwrap_err().to_string();
        assert!(e.contains("map_tile_url"), "{e}");
        let c = load_text("tiles-ok", "map_tile_url = \"https://tuiles.example/{z}/{x}/{y}.png\"\n").unwrap();
        assert!(c.web().tiles.is_some());
        assert!(Config::default().app().unwrap().geocoder.is_none(), "the address look-up is off by default");
        let e = load_text("geocoder", "address_search_url = \"data.geopf.fr/geocodage/search\"\n").unwrap_err().to_string();
        assert!(e.contains("address_search_url"), "{e}");
        let c = load_text("geocoder-ok", "address_search_url = \"https://data.geopf.fr/geocodage/search\"\n").unwrap();
        assert!(c.app().unwrap().geocoder.is_some());
    }

    #[test]
    fn a_named_file_must_exist() {
        assert!(Config::load(Some(Path::new("/nonexistent/maillage.toml"))).is_err());
    }
}
