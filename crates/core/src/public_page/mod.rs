//! The public site for residents (axes 4 and 5: communicate with residents): the sections of
//! the tranquillity booklet, news, public events, and the institutional pages every commune's
//! site must carry (accessibility statement, multi-year plan, privacy notice, legal notice).
//! The coordinator writes them in Markdown; plain rules here, the rendering in `maillage-app`.

pub use crate::working_group::case::Fault;
use time::OffsetDateTime;

coded! {
    /// What a public page is.
    PageKind {
        Booklet => ("livret", "Section du livret de la tranquillité"),
        News => ("actualite", "Actualité"),
        Event => ("evenement", "Événement"),
        Institutional => ("institutionnelle", "Page institutionnelle"),
    }
}

pub const TITLE_MAX: usize = 150;
pub const SUMMARY_MAX: usize = 300;
pub const BODY_MAX: usize = 20_000;
pub const PLACE_MAX: usize = 200;

/// The institutional pages: their slug, their address, shipped with the application and never
/// deleted (a commune's site must carry them).
pub const INSTITUTIONAL: &[(&str, &str)] = &[
    ("accessibilite", "/accessibilite"),
    ("schema-pluriannuel", "/accessibilite/schema-pluriannuel"),
    ("donnees-personnelles", "/donnees-personnelles"),
    ("mentions-legales", "/mentions-legales"),
];

/// A page as the coordinator types it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageDraft {
    pub kind: String,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// An event's start and end (Paris time), and its place.
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub place: String,
    pub published: bool,
}

/// Every fault of a draft, by field.
pub fn check(d: &PageDraft) -> Vec<Fault> {
    let mut faults = Vec::new();
    let kind = PageKind::from_code(&d.kind);
    if kind.is_none() {
        faults.push(("kind", "Choisissez le type de page : « livret », « actualite » ou « evenement ».".into()));
    }
    if !crate::text::is_name(&d.title, TITLE_MAX) {
        faults.push(("title", format!("Donnez un titre, {TITLE_MAX} caractères au plus sur une ligne.")));
    }
    if !d.summary.trim().is_empty() && !crate::text::is_name(&d.summary, SUMMARY_MAX) {
        faults.push(("summary", format!("Le résumé tient sur une ligne de {SUMMARY_MAX} caractères au plus.")));
    }
    if d.body.trim().is_empty() || !crate::text::is_text(&d.body, BODY_MAX) {
        faults.push(("body", format!("Écrivez le texte de la page, {BODY_MAX} caractères au plus, sans caractère invisible.")));
    }
    if kind == Some(PageKind::Event) {
        match (d.starts_at, d.ends_at) {
            (None, _) => faults.push(("starts_at", "Donnez le début de l'événement (jour et heure).".into())),
            (Some(s), Some(e)) if e < s => faults.push(("ends_at", "La fin de l'événement vient après son début.".into())),
            _ => {}
        }
        if !crate::text::is_name(&d.place, PLACE_MAX) {
            faults.push(("place", format!("Donnez le lieu de l'événement, {PLACE_MAX} caractères au plus sur une ligne.")));
        }
    } else if d.starts_at.is_some() || d.ends_at.is_some() || !d.place.trim().is_empty() {
        faults.push(("starts_at", "Seul un événement a des dates et un lieu : videz ces champs ou choisissez « Événement ».".into()));
    }
    faults
}

/// The address of a page from its title: lower-case letters and digits joined by hyphens,
/// accents folded ("Les dépôts sauvages" → "les-depots-sauvages"), at most 80 characters.
pub fn slug(title: &str) -> String {
    let folded = crate::text::fold(title);
    let mut out = String::new();
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + word.len() + 1 > 80 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() { "page".into() } else { out }
}

/// The address of an institutional page, or of any other page by its slug.
pub fn path(kind: PageKind, slug: &str) -> String {
    match kind {
        PageKind::Institutional => {
            INSTITUTIONAL.iter().find(|(s, _)| *s == slug).map_or_else(|| format!("/pages/{slug}"), |(_, p)| (*p).to_string())
        }
        PageKind::Booklet => format!("/livret#{slug}"),
        PageKind::News | PageKind::Event => format!("/actualites/{slug}"),
    }
}

/// The shipped content (`data/public-site.toml`).
pub const SHIPPED_FILE: &str = include_str!("../../../../data/public-site.toml");

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippedSite {
    pub format: u32,
    pub pages: Vec<ShippedPage>,
    pub help: Vec<crate::help_directory::EntryDraft>,
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShippedPage {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
}

/// The shipped content, read and checked.
pub fn shipped() -> Result<ShippedSite, String> {
    let site: ShippedSite = toml::from_str(SHIPPED_FILE).map_err(|e| format!("data/public-site.toml : {e}"))?;
    if site.format != 1 {
        return Err("data/public-site.toml : format 1 attendu".into());
    }
    for p in &site.pages {
        let d = PageDraft {
            kind: PageKind::Institutional.code().into(),
            title: p.title.clone(),
            summary: p.summary.clone(),
            body: p.body.clone(),
            published: true,
            ..PageDraft::default()
        };
        if let Some(f) = check(&d).first() {
            return Err(format!("data/public-site.toml, page {} : {}", p.slug, f.1));
        }
    }
    for h in &site.help {
        if let Some(f) = crate::help_directory::check(h).first() {
            return Err(format!("data/public-site.toml, {} : {}", h.name, f.1));
        }
    }
    Ok(site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_site_holds_the_institutional_pages_and_the_national_numbers() {
        let site = shipped().unwrap();
        let slugs: Vec<&str> = site.pages.iter().map(|p| p.slug.as_str()).collect();
        assert_eq!(slugs, INSTITUTIONAL.iter().map(|i| i.0).collect::<Vec<_>>());
        let numbers: Vec<&str> = site.help.iter().map(|h| h.phone.as_str()).filter(|p| !p.is_empty()).collect();
        for n in ["17", "112", "3919", "119", "116 006"] {
            assert!(numbers.contains(&n), "{n}");
        }
        assert!(site.help.iter().any(|h| h.sms == "114"));
    }

    #[test]
    fn an_event_needs_its_start_and_place_and_others_have_none() {
        let news = PageDraft { kind: "actualite".into(), title: "Fête".into(), body: "Texte".into(), ..PageDraft::default() };
        assert!(check(&news).is_empty());
        let event = PageDraft { kind: "evenement".into(), ..news.clone() };
        let fields: Vec<&str> = check(&event).iter().map(|f| f.0).collect();
        assert_eq!(fields, ["starts_at", "place"]);
        let day = time::macros::datetime!(2021-06-12 14:00 +2);
        let backwards = PageDraft { starts_at: Some(day), ends_at: Some(day - time::Duration::hours(1)), place: "Parc".into(), ..event };
        assert_eq!(check(&backwards).iter().map(|f| f.0).collect::<Vec<_>>(), ["ends_at"]);
        let placed = PageDraft { place: "Parc".into(), ..news };
        assert_eq!(check(&placed).iter().map(|f| f.0).collect::<Vec<_>>(), ["starts_at"]);
    }

    #[test]
    fn a_slug_is_folded_and_bounded() {
        assert_eq!(slug("Les dépôts sauvages : qui appeler ?"), "les-depots-sauvages-qui-appeler");
        assert_eq!(slug("«»"), "page");
        assert!(slug(&"mot ".repeat(100)).len() <= 80);
    }
}
