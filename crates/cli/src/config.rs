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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://maillage-data/maillage.db".into(),
            secure_cookies: false,
            session_idle_minutes: 30,
            audit_retention_days: maillage_core::audit::RETENTION_DEFAULT_DAYS,
            max_body_bytes: 2 * 1024 * 1024,
        }
    }
}

/// `MAILLAGE_*` variables that are not configuration keys: the log filter, and those of the test
/// and benchmark tools. Any other `MAILLAGE_*` variable must be a key, so that a misspelt one
/// stops the program instead of being ignored.
fn is_outside_config(key: &str) -> bool {
    key == "log" || key == "bin" || key.starts_with("test_")
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
        self.listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("configuration invalide (clé « listen ») : adresse « {} » illisible", self.listen))?;
        Ok(())
    }

    pub fn web(&self) -> maillage_web::WebConfig {
        maillage_web::WebConfig {
            secure_cookies: self.secure_cookies,
            idle_timeout_minutes: self.session_idle_minutes,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
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
    fn a_named_file_must_exist() {
        assert!(Config::load(Some(Path::new("/nonexistent/maillage.toml"))).is_err());
    }
}
