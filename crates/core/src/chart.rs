//! Charts drawn on the server as SVG, one renderer for the pages, the ODT and the PDF: no
//! script and no style attribute (the pages' CSP), presentation attributes only. A chart's
//! figures are always also given as a table, which the chart's label points to, so that a
//! screen reader is not read the figures twice.

use crate::text::number_fr;

/// One bar: its label, its value, and the target it is held against, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub target: Option<i64>,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: i64) -> Self {
        Bar { label: label.into(), value, target: None }
    }
}

/// Text inside SVG markup.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// What a chart says to those who cannot see it: its title, and that its figures follow.
pub fn alt_text(title: &str) -> String {
    format!("{title} (les données sont dans le tableau qui suit)")
}

/// A bar chart: one bar per value with the value written above it, and each target drawn as
/// a dashed line across its bar (target against actual). None when there is nothing to draw.
pub fn bar_chart(title: &str, bars: &[Bar]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let (width, height, top, bottom) = (640.0_f64, 240.0_f64, 24.0_f64, 28.0_f64);
    let max = bars.iter().map(|b| b.value.max(b.target.unwrap_or(0))).max().unwrap_or(1).max(1) as f64;
    let slot = width / bars.len() as f64;
    let bar = (slot * 0.6).min(60.0);
    let scale = |v: i64| (v.max(0) as f64 / max) * (height - top - bottom);
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escaped(&alt_text(title))
    );
    svg.push_str(&format!(r##"<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#1a1a1a" stroke-width="1"/>"##, y = height - bottom));
    for (i, b) in bars.iter().enumerate() {
        let h = scale(b.value);
        let x = slot * i as f64 + (slot - bar) / 2.0;
        let y = height - bottom - h;
        let mid = x + bar / 2.0;
        svg.push_str(&format!(
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="#1f5f8b"/><text x="{mid:.1}" y="{ty:.1}" text-anchor="middle" font-size="14" fill="#1a1a1a">{}</text><text x="{mid:.1}" y="{ly:.1}" text-anchor="middle" font-size="14" fill="#1a1a1a">{}</text>"##,
            escaped(&number_fr(b.value)),
            escaped(&b.label),
            ty = y - 6.0,
            ly = height - 8.0,
        ));
        if let Some(t) = b.target {
            let ty = height - bottom - scale(t);
            svg.push_str(&format!(
                r##"<line x1="{x1:.1}" y1="{ty:.1}" x2="{x2:.1}" y2="{ty:.1}" stroke="#b34700" stroke-width="3" stroke-dasharray="6 3"/>"##,
                x1 = x - 6.0,
                x2 = x + bar + 6.0,
            ));
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_escapes_its_text_and_draws_a_line_per_target() {
        let svg =
            bar_chart("Jeunes <reçus> & familles", &[Bar::new("2019", 12), Bar { target: Some(20), ..Bar::new("2020", 1_500) }]).unwrap();
        assert!(svg.contains("aria-label=\"Jeunes &lt;reçus&gt; &amp; familles (les données sont dans le tableau qui suit)\""));
        assert!(svg.contains(">1\u{202f}500<"), "{svg}");
        assert_eq!(svg.matches("<rect ").count(), 2);
        assert_eq!(svg.matches("stroke-dasharray").count(), 1, "one target, one line");
        assert!(bar_chart("Vide", &[]).is_none());
    }
}
