//! Places: coordinates, and the areas (districts, priority areas, organisations' coverage)
//! uploaded as GeoJSON. Point-in-polygon is computed here, in Rust, so that SQLite and
//! PostgreSQL behave the same (no PostGIS).

pub mod places;

use geo::{BoundingRect, Distance, Haversine, Intersects, MultiPolygon, Point};
pub use places::{Area, Location, Places};

/// What an area is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaKind {
    /// The commune's outline: reports outside it are refused.
    Territory,
    /// A neighbourhood (quartier): every report gets one.
    District,
    /// A priority area of city policy (QPV).
    PriorityArea,
    /// The part of the city an organisation covers (a landlord's estates, the public domain).
    Coverage,
    /// A police sector (the police's own division of the city): a breakdown of the
    /// neighbourhood observatory, used for nothing else.
    PoliceSector,
}

impl AreaKind {
    pub const ALL: [AreaKind; 5] =
        [AreaKind::Territory, AreaKind::District, AreaKind::PriorityArea, AreaKind::Coverage, AreaKind::PoliceSector];

    pub fn code(self) -> &'static str {
        match self {
            AreaKind::Territory => "territory",
            AreaKind::District => "district",
            AreaKind::PriorityArea => "priority_area",
            AreaKind::Coverage => "coverage",
            AreaKind::PoliceSector => "police_sector",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AreaKind::Territory => "Territoire de la commune",
            AreaKind::District => "Quartier",
            AreaKind::PriorityArea => "Quartier prioritaire (QPV)",
            AreaKind::Coverage => "Secteur d'une organisation",
            AreaKind::PoliceSector => "Secteur de police",
        }
    }

    pub fn from_code(code: &str) -> Option<AreaKind> {
        AreaKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A point in WGS84 decimal degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    /// Checks the ranges; `None` for anything that is not a point on Earth.
    pub fn new(lat: f64, lon: f64) -> Option<Coordinates> {
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) && lat.is_finite() && lon.is_finite())
            .then_some(Coordinates { lat, lon })
    }

    /// Parses two form or API fields (a comma is accepted as decimal separator).
    pub fn parse(lat: &str, lon: &str) -> Result<Coordinates, PlaceError> {
        let num = |s: &str| s.trim().replace(',', ".").parse::<f64>().map_err(|_| PlaceError::NotANumber);
        Coordinates::new(num(lat)?, num(lon)?).ok_or(PlaceError::OutOfRange)
    }

    fn point(self) -> Point<f64> {
        Point::new(self.lon, self.lat)
    }

    /// Great-circle distance in metres.
    pub fn distance_m(self, other: Coordinates) -> f64 {
        Haversine.distance(self.point(), other.point())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    #[error("les coordonnées doivent être des nombres (par exemple 48.9333 et 2.3000)")]
    NotANumber,
    #[error("coordonnées hors limites : latitude entre -90 et 90, longitude entre -180 et 180")]
    OutOfRange,
    #[error("ce point est hors du territoire de la commune")]
    OutsideTerritory,
    #[error("fichier GeoJSON illisible : {0}")]
    BadGeoJson(String),
    #[error("le fichier GeoJSON ne contient aucun polygone")]
    NoPolygon,
}

/// An area's outline, ready for containment tests.
#[derive(Clone, Debug)]
pub struct Shape {
    polygons: MultiPolygon<f64>,
    /// min lon, min lat, max lon, max lat
    pub bbox: [f64; 4],
}

impl Shape {
    /// Whether the point lies inside the outline or on it: a point on the border of two
    /// districts belongs to one of them (the first), never to none.
    pub fn contains(&self, c: Coordinates) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        c.lon >= x0 && c.lon <= x1 && c.lat >= y0 && c.lat <= y1 && self.polygons.intersects(&c.point())
    }

    /// The outer rings, as (lon, lat) lists, for drawing.
    pub fn rings(&self) -> Vec<Vec<(f64, f64)>> {
        self.polygons.0.iter().map(|p| p.exterior().0.iter().map(|c| (c.x, c.y)).collect()).collect()
    }

    /// The geometry as GeoJSON text, for storage.
    pub fn to_geojson(&self) -> String {
        geojson::Geometry::new(geojson::GeometryValue::from(&self.polygons)).to_string()
    }

    fn from_multi(polygons: MultiPolygon<f64>) -> Result<Shape, PlaceError> {
        let rect = polygons.bounding_rect().ok_or(PlaceError::NoPolygon)?;
        let bbox = [rect.min().x, rect.min().y, rect.max().x, rect.max().y];
        if bbox.iter().any(|v| !v.is_finite())
            || rect.min().y < -90.0
            || rect.max().y > 90.0
            || rect.min().x < -180.0
            || rect.max().x > 180.0
        {
            return Err(PlaceError::OutOfRange);
        }
        Ok(Shape { polygons, bbox })
    }

    /// Reads a stored geometry (a Polygon or MultiPolygon).
    pub fn from_geometry_text(text: &str) -> Result<Shape, PlaceError> {
        let g: geojson::Geometry = text.parse().map_err(|e: geojson::Error| PlaceError::BadGeoJson(e.to_string()))?;
        Shape::from_multi(polygons_of(&g)?)
    }
}

fn polygons_of(g: &geojson::Geometry) -> Result<MultiPolygon<f64>, PlaceError> {
    use geojson::GeometryValue as V;
    let bad = |e: geojson::Error| PlaceError::BadGeoJson(e.to_string());
    // Every position must be a longitude and a latitude on Earth before any conversion (the
    // geojson crate indexes the second number without checking that there is one).
    let rings: Vec<&Vec<geojson::Position>> = match &g.value {
        V::Polygon { coordinates } => coordinates.iter().collect(),
        V::MultiPolygon { coordinates } => coordinates.iter().flatten().collect(),
        _ => Vec::new(),
    };
    for (n, p) in rings.iter().flat_map(|r| r.iter()).enumerate() {
        let on_earth = matches!(p.as_slice(), [lon, lat, ..] if Coordinates::new(*lat, *lon).is_some());
        if !on_earth {
            return Err(PlaceError::BadGeoJson(format!("position {} : une longitude et une latitude (en degrés) sont attendues", n + 1)));
        }
    }
    match &g.value {
        V::Polygon { .. } => {
            let p: geo::Polygon<f64> = g.value.clone().try_into().map_err(bad)?;
            Ok(MultiPolygon(vec![p]))
        }
        V::MultiPolygon { .. } => g.value.clone().try_into().map_err(bad),
        _ => Err(PlaceError::NoPolygon),
    }
}

/// One polygon feature of an uploaded file, with its name.
#[derive(Clone, Debug)]
pub struct NamedShape {
    pub name: String,
    pub shape: Shape,
}

/// Reads a GeoJSON file (FeatureCollection, Feature or bare geometry): every Polygon or
/// MultiPolygon feature, named by its `name` (or `nom`, `NOM`, `libelle`) property.
pub fn parse_geojson(text: &str) -> Result<Vec<NamedShape>, PlaceError> {
    // Every position is checked before conversion (see `polygons_of`).
    let g: geojson::GeoJson = text.parse().map_err(|e: geojson::Error| PlaceError::BadGeoJson(e.to_string()))?;
    let features: Vec<geojson::Feature> = match g {
        geojson::GeoJson::FeatureCollection(fc) => fc.features,
        geojson::GeoJson::Feature(f) => vec![f],
        geojson::GeoJson::Geometry(g) => vec![geojson::Feature { geometry: Some(g), ..Default::default() }],
    };
    let mut out = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let Some(geometry) = &f.geometry else { continue };
        let polygons = match polygons_of(geometry) {
            Ok(p) => p,
            Err(PlaceError::NoPolygon) => continue,
            Err(e) => return Err(e),
        };
        let name = ["name", "nom", "NOM", "libelle", "lib_qp"]
            .iter()
            .find_map(|k| f.property(k).and_then(|v| v.as_str()).map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("Zone {}", i + 1));
        out.push(NamedShape { name, shape: Shape::from_multi(polygons)? });
    }
    if out.is_empty() {
        return Err(PlaceError::NoPolygon);
    }
    Ok(out)
}

/// Web Mercator projection at a zoom level: the pixel position of a point, as slippy-map tiles
/// use it (so that a tile background, when one is configured, lines up with what is drawn).
pub fn mercator_px(c: Coordinates, zoom: f64) -> (f64, f64) {
    let scale = 256.0 * 2f64.powf(zoom);
    let x = (c.lon + 180.0) / 360.0 * scale;
    let lat = c.lat.to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * scale;
    (x, y)
}

/// The inverse of [`mercator_px`].
pub fn mercator_coordinates(x: f64, y: f64, zoom: f64) -> Coordinates {
    let scale = 256.0 * 2f64.powf(zoom);
    let lon = x / scale * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * y / scale);
    let lat = n.sinh().atan().to_degrees();
    Coordinates { lat, lon }
}

#[cfg(test)]
mod tests {

    #[test]
    fn positions_that_are_not_points_are_refused_not_panicked_on() {
        for bad in [
            r#"{"type":"Polygon","coordinates":[[[2.3],[2.31,48.9],[2.32,48.91],[2.3,48.9]]]}"#,
            r#"{"type":"Polygon","coordinates":[[[]]]}"#,
            r#"{"type":"MultiPolygon","coordinates":[[[[200.0,48.9],[2.31,48.9],[2.32,48.91],[200.0,48.9]]]]}"#,
            r#"{"type":"Polygon","coordinates":[[[2.3,95.0],[2.31,48.9],[2.32,48.91],[2.3,95.0]]]}"#,
        ] {
            assert!(matches!(parse_geojson(bad), Err(PlaceError::BadGeoJson(_))), "{bad}");
        }
    }

    use super::*;

    const SQUARE: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"Le Luth"},"geometry":{"type":"Polygon","coordinates":[[[2.28,48.92],[2.30,48.92],[2.30,48.94],[2.28,48.94],[2.28,48.92]]]}},
      {"type":"Feature","properties":{"nom":"Point"},"geometry":{"type":"Point","coordinates":[2.29,48.93]}}
    ]}"#;

    #[test]
    fn reads_named_polygons_and_skips_points() {
        let shapes = parse_geojson(SQUARE).unwrap();
        assert_eq!(shapes.len(), 1);
        assert_eq!(shapes[0].name, "Le Luth");
        assert!(shapes[0].shape.contains(Coordinates { lat: 48.93, lon: 2.29 }));
        assert!(!shapes[0].shape.contains(Coordinates { lat: 48.95, lon: 2.29 }));
        let again = Shape::from_geometry_text(&shapes[0].shape.to_geojson()).unwrap();
        assert_eq!(again.bbox, shapes[0].shape.bbox);
    }

    #[test]
    fn holes_are_outside() {
        let text = r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[4,4],[6,4],[6,6],[4,6],[4,4]]]}"#;
        let s = &parse_geojson(text).unwrap()[0].shape;
        assert!(s.contains(Coordinates { lat: 2.0, lon: 2.0 }));
        assert!(!s.contains(Coordinates { lat: 5.0, lon: 5.0 }));
    }

    #[test]
    fn bad_files_are_named() {
        assert!(matches!(parse_geojson("{"), Err(PlaceError::BadGeoJson(_))));
        assert_eq!(parse_geojson(r#"{"type":"Point","coordinates":[1,2]}"#).unwrap_err(), PlaceError::NoPolygon);
        assert!(parse_geojson(r#"{"type":"Polygon","coordinates":[[[0,0],[500,0],[1,1],[0,0]]]}"#).is_err());
    }

    #[test]
    fn coordinates_are_checked() {
        assert_eq!(Coordinates::parse("48,93", "2.29").unwrap(), Coordinates { lat: 48.93, lon: 2.29 });
        assert_eq!(Coordinates::parse("91", "2").unwrap_err(), PlaceError::OutOfRange);
        assert_eq!(Coordinates::parse("abc", "2").unwrap_err(), PlaceError::NotANumber);
        assert_eq!(Coordinates::parse("NaN", "2").unwrap_err(), PlaceError::OutOfRange);
    }

    #[test]
    fn distances_and_projection() {
        let a = Coordinates { lat: 48.93, lon: 2.29 };
        let b = Coordinates { lat: 48.931, lon: 2.29 };
        assert!((a.distance_m(b) - 111.2).abs() < 1.0);
        let (x, y) = mercator_px(a, 15.0);
        let back = mercator_coordinates(x, y, 15.0);
        assert!((back.lat - a.lat).abs() < 1e-9 && (back.lon - a.lon).abs() < 1e-9);
    }
}
