//! Address look-up through a geocoder speaking the API of the national address base (BAN):
//! `GET {url}?q=…&limit=…[&lat=…&lon=…]` answering a GeoJSON FeatureCollection whose features
//! carry `properties.label`. That is the State's service (`https://data.geopf.fr/geocodage/search`)
//! and addok, the engine behind it, which a city can run itself. Off unless configured: the
//! typed address then leaves the network.

use maillage_core::place::Coordinates;
use serde::Deserialize;
use std::time::Duration;

/// How many addresses are offered at most.
pub const MAX_CANDIDATES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum GeocoderError {
    #[error("adresse du service de recherche d'adresse invalide : {0}")]
    BadUrl(String),
    #[error("client HTTP indisponible : {0}")]
    Client(String),
    #[error("le service de recherche d'adresse ne répond pas")]
    Unreachable(#[source] reqwest::Error),
    #[error("le service de recherche d'adresse a répondu par une erreur ({0})")]
    Status(u16),
    #[error("la réponse du service de recherche d'adresse est illisible")]
    Malformed(#[source] reqwest::Error),
}

/// One address found.
#[derive(Clone, Debug, PartialEq)]
pub struct AddressCandidate {
    pub label: String,
    pub coordinates: Coordinates,
}

#[derive(Clone, Debug)]
pub struct Geocoder {
    client: reqwest::Client,
    url: reqwest::Url,
}

#[derive(Deserialize)]
struct FeatureCollection {
    #[serde(default)]
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    geometry: Point,
    properties: Properties,
}

#[derive(Deserialize)]
struct Point {
    coordinates: (f64, f64),
}

#[derive(Deserialize)]
struct Properties {
    label: String,
}

/// Makes ring the process's TLS provider (reqwest is built without one, to keep the C build
/// small). Any program of this workspace that builds an HTTP client calls it first; a second
/// call does nothing.
pub fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // A race with another thread installing it first leaves a provider installed all the same.
        rustls::crypto::ring::default_provider().install_default().ok();
    }
}

impl Geocoder {
    pub fn new(url: &str) -> Result<Geocoder, GeocoderError> {
        let url = reqwest::Url::parse(url).map_err(|e| GeocoderError::BadUrl(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(GeocoderError::BadUrl("une adresse http:// ou https:// est attendue".into()));
        }
        install_tls_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(5))
            .user_agent(concat!("Maillage/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GeocoderError::Client(e.to_string()))?;
        Ok(Geocoder { client, url })
    }

    /// Addresses matching `query`, best first, ranked closer to `near` when given. The caller
    /// keeps those inside the territory.
    pub async fn search(&self, query: &str, near: Option<Coordinates>) -> Result<Vec<AddressCandidate>, GeocoderError> {
        let mut url = self.url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("q", query);
            // More than shown: some may fall outside the territory.
            q.append_pair("limit", &(MAX_CANDIDATES * 2).to_string());
            if let Some(c) = near {
                q.append_pair("lat", &c.lat.to_string());
                q.append_pair("lon", &c.lon.to_string());
            }
        }
        let response = self.client.get(url).send().await.map_err(GeocoderError::Unreachable)?;
        if !response.status().is_success() {
            return Err(GeocoderError::Status(response.status().as_u16()));
        }
        let found: FeatureCollection = response.json().await.map_err(GeocoderError::Malformed)?;
        Ok(found
            .features
            .into_iter()
            .filter_map(|f| {
                let (lon, lat) = f.geometry.coordinates;
                let coordinates = Coordinates::new(lat, lon)?;
                Some(AddressCandidate { label: f.properties.label, coordinates })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(Geocoder::new("https://data.geopf.fr/geocodage/search").is_ok());
        assert!(Geocoder::new("http://127.0.0.1:7878/search/").is_ok());
        for bad in ["", "data.geopf.fr/geocodage", "ftp://exemple.fr/search", "file:///etc/passwd"] {
            assert!(matches!(Geocoder::new(bad), Err(GeocoderError::BadUrl(_))), "{bad}");
        }
    }
}
