//! The map, drawn on the server as SVG: district outlines and report points, in Web Mercator so
//! that a tile background, when configured, would line up. No script and no request leaves
//! the server; a click on the map in a form arrives as pixel coordinates (`<input type=image>`),
//! turned back into a place by [`Frame::coordinates`].

use maillage_core::place::Places;
use maillage_core::place::{Coordinates, mercator_coordinates, mercator_px};
use maillage_core::report::{State, StateClass};
use std::fmt::Write;

pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 480.0;
/// The width of the map drawn for a phone's screen (the same picture at half size).
pub const SMALL_WIDTH: f64 = 320.0;

/// The part of the world drawn: Web Mercator pixels at zoom 0, scaled into the picture.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    x0: f64,
    y0: f64,
    scale: f64,
}

impl Frame {
    /// Fits the territory (or, with no area, a default around Gennevilliers) with a margin.
    pub fn fit(places: &Places) -> Frame {
        let [lon0, lat0, lon1, lat1] = places.extent().unwrap_or([2.265, 48.915, 2.325, 48.945]);
        let (ax, ay) = mercator_px(Coordinates { lat: lat1, lon: lon0 }, 0.0);
        let (bx, by) = mercator_px(Coordinates { lat: lat0, lon: lon1 }, 0.0);
        let (w, h) = ((bx - ax).max(1e-9), (by - ay).max(1e-9));
        let scale = (WIDTH * 0.94 / w).min(HEIGHT * 0.94 / h);
        // Centre the territory in the picture.
        let x0 = ax - (WIDTH / scale - w) / 2.0;
        let y0 = ay - (HEIGHT / scale - h) / 2.0;
        Frame { x0, y0, scale }
    }

    pub fn pixel(&self, c: Coordinates) -> (f64, f64) {
        let (x, y) = mercator_px(c, 0.0);
        ((x - self.x0) * self.scale, (y - self.y0) * self.scale)
    }

    /// The place under a pixel of the picture.
    pub fn coordinates(&self, px: f64, py: f64) -> Coordinates {
        let c = mercator_coordinates(self.x0 + px / self.scale, self.y0 + py / self.scale, 0.0);
        // Six decimals: about ten centimetres, more than a click can mean.
        let round = |v: f64| (v * 1e6).round() / 1e6;
        Coordinates { lat: round(c.lat), lon: round(c.lon) }
    }
}

/// A tile background: a slippy-map URL template (`…/{z}/{x}/{y}.png`) the administrator
/// configures, and the credit its provider asks for. None by default: then no request leaves
/// the server and the map is the outlines alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileSource {
    pub url: String,
    pub attribution: String,
}

impl TileSource {
    /// `scheme://host[:port]` of the tiles, for the page's content security policy.
    pub fn origin(&self) -> Option<String> {
        let (scheme, rest) = self.url.split_once("://")?;
        let host = rest.split('/').next().filter(|h| !h.is_empty() && !h.contains(['{', '}', ' ', ';', '\'', '"']))?;
        matches!(scheme, "http" | "https").then(|| format!("{scheme}://{host}"))
    }
}

impl Frame {
    /// The tiles covering the picture: (url, x, y, size) in picture pixels, at the zoom level
    /// whose tiles are closest to 256 pixels wide once drawn.
    pub fn tiles(&self, source: &TileSource) -> Vec<(String, f64, f64, f64)> {
        let z = self.scale.log2().round().clamp(0.0, 19.0);
        let n = 2f64.powf(z);
        let size = 256.0 * self.scale / n;
        let tile = |v: f64| (v * n / 256.0).floor() as i64;
        let (tx0, ty0) = (tile(self.x0), tile(self.y0));
        let (tx1, ty1) = (tile(self.x0 + WIDTH / self.scale), tile(self.y0 + HEIGHT / self.scale));
        let mut out = Vec::new();
        for ty in ty0.max(0)..=ty1 {
            for tx in tx0.max(0)..=tx1 {
                let url = source.url.replace("{z}", &format!("{z}")).replace("{x}", &tx.to_string()).replace("{y}", &ty.to_string());
                let px = (tx as f64 * 256.0 / n - self.x0) * self.scale;
                let py = (ty as f64 * 256.0 / n - self.y0) * self.scale;
                out.push((url, px, py, size));
            }
        }
        out
    }
}

/// A point to draw.
pub struct Point {
    pub id: i64,
    pub coordinates: Coordinates,
    pub state: Option<State>,
    pub title: String,
}

fn colour(state: Option<State>) -> &'static str {
    match state.map(State::class) {
        Some(StateClass::Open) => "#b34700",
        Some(StateClass::ClosedResolved) => "#1e6b2f",
        _ => "#555555",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The SVG of the districts and points; points link to their report when `links` is set.
pub fn svg(
    places: &Places,
    points: &[Point],
    marker: Option<Coordinates>,
    links: bool,
    label: &str,
    tiles: Option<&TileSource>,
) -> Result<String, std::fmt::Error> {
    let f = Frame::fit(places);
    let mut out = String::new();
    write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" {} aria-labelledby="carte-titre"><title id="carte-titre">{}</title><rect width="100%" height="100%" fill="#f4f6f8"/>"##,
        // With links to reports it is a group of links; otherwise one picture.
        if links { r#"role="group""# } else { r#"role="img""# },
        esc(label)
    )?;
    let ring_path = |rings: Vec<Vec<(f64, f64)>>| -> Result<String, std::fmt::Error> {
        let mut d = String::new();
        for ring in rings {
            for (i, (lon, lat)) in ring.iter().enumerate() {
                let (x, y) = f.pixel(Coordinates { lat: *lat, lon: *lon });
                write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" })?;
            }
            d.push('Z');
        }
        Ok(d)
    };
    if let Some(source) = tiles {
        for (url, x, y, size) in f.tiles(source) {
            write!(out, r#"<image href="{}" x="{x:.1}" y="{y:.1}" width="{size:.1}" height="{size:.1}"/>"#, esc(&url))?;
        }
    }
    // Over tiles, the territory is only outlined.
    let fill = if tiles.is_some() { "none" } else { "#ffffff" };
    for (_, s) in &places.territory {
        write!(out, r##"<path d="{}" fill="{fill}" stroke="#333" stroke-width="2"/>"##, ring_path(s.rings())?)?;
    }
    for (_, _, s) in &places.priority_areas {
        write!(out, r##"<path d="{}" fill="#f5b800" fill-opacity="0.18" stroke="none"/>"##, ring_path(s.rings())?)?;
    }
    for (_, name, s, _) in &places.districts {
        write!(
            out,
            r##"<path d="{}" fill="none" stroke="#4a5a6a" stroke-width="1.2"><title>{}</title></path>"##,
            ring_path(s.rings())?,
            esc(name)
        )?;
    }
    for (_, name, s, _) in &places.districts {
        let [x0, y0, x1, y1] = s.bbox;
        let (x, y) = f.pixel(Coordinates { lat: (y0 + y1) / 2.0, lon: (x0 + x1) / 2.0 });
        write!(
            out,
            r##"<text x="{x:.0}" y="{y:.0}" font-size="11" font-family="sans-serif" text-anchor="middle" fill="#2b3640">{}</text>"##,
            esc(name)
        )?;
    }
    for p in points {
        let (x, y) = f.pixel(p.coordinates);
        let circle = format!(
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="4" fill="{}" stroke="#fff" stroke-width="1"><title>{}</title></circle>"##,
            colour(p.state),
            esc(&p.title)
        );
        if links {
            write!(out, r#"<a href="/signalements/{}">{circle}</a>"#, p.id)?;
        } else {
            out.push_str(&circle);
        }
    }
    if let Some(m) = marker {
        let (x, y) = f.pixel(m);
        write!(
            out,
            r##"<g stroke="#000091" stroke-width="3"><line x1="{}" y1="{y:.1}" x2="{}" y2="{y:.1}"/><line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}"/></g><circle cx="{x:.1}" cy="{y:.1}" r="7" fill="none" stroke="#000091" stroke-width="2"/>"##,
            x - 12.0,
            x + 12.0,
            y - 12.0,
            y + 12.0
        )?;
    }
    out.push_str("</svg>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_picture_and_line_up() {
        let f = Frame::fit(&Places::default());
        let source = TileSource { url: "https://tuiles.example/{z}/{x}/{y}.png".into(), attribution: "essai".into() };
        assert_eq!(source.origin().as_deref(), Some("https://tuiles.example"));
        let tiles = f.tiles(&source);
        assert!(!tiles.is_empty() && tiles.len() < 40, "{}", tiles.len());
        let (x0, y0) = tiles.iter().fold((f64::MAX, f64::MAX), |a, t| (a.0.min(t.1), a.1.min(t.2)));
        let (x1, y1) = tiles.iter().fold((f64::MIN, f64::MIN), |a, t| (a.0.max(t.1 + t.3), a.1.max(t.2 + t.3)));
        assert!(x0 <= 0.0 && y0 <= 0.0 && x1 >= WIDTH && y1 >= HEIGHT);
        // The tile holding a point is where the point is drawn.
        let c = Coordinates { lat: 48.93, lon: 2.30 };
        let (px, py) = f.pixel(c);
        let (url, ..) = tiles.iter().find(|t| px >= t.1 && px < t.1 + t.3 && py >= t.2 && py < t.2 + t.3).unwrap();
        let z: f64 = url.split('/').nth(3).unwrap().parse().unwrap();
        let (mx, my) = maillage_core::place::mercator_px(c, z);
        assert!(url.ends_with(&format!("/{}/{}.png", (mx / 256.0).floor(), (my / 256.0).floor())), "{url}");
        assert_eq!(TileSource { url: "javascript:alert(1)".into(), attribution: String::new() }.origin(), None);
    }

    #[test]
    fn a_click_maps_back_to_the_place_drawn_there() {
        let f = Frame::fit(&Places::default());
        let c = Coordinates { lat: 48.93, lon: 2.30 };
        let (x, y) = f.pixel(c);
        assert!((0.0..WIDTH).contains(&x) && (0.0..HEIGHT).contains(&y));
        let back = f.coordinates(x, y);
        assert!((back.lat - c.lat).abs() < 1e-5 && (back.lon - c.lon).abs() < 1e-5);
    }
}
