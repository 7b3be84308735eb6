//! The public site's use cases: a page's Markdown checked and rendered to HTML that a
//! sanitiser (ammonia) cleans again before it is kept; the news and events as an Atom feed,
//! the public events as an iCalendar feed (RFC 5545).

pub mod feed;

use crate::App;
use maillage_core::public_page::{Fault, PageDraft, PageKind, check, slug};
use maillage_store::public_page::{PageWrite, PublicPage};
use maillage_store::{Author, StoreError};
use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag};

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("page refusée")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a link may lead from a public page: the web, a mail, a phone, or this site.
fn safe_link(url: &str) -> bool {
    let u = url.trim();
    ["https://", "http://", "mailto:", "tel:", "sms:"].iter().any(|s| u.to_ascii_lowercase().starts_with(s))
        || (u.starts_with('/') && !u.starts_with("//"))
        || u.starts_with('#')
}

/// What in a page's Markdown cannot be published, said to its writer: HTML of its own, images,
/// and links that are not to the web, a mail address, a phone or this site.
pub fn unsafe_parts(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => {
                out.push(format!(
                    "du HTML (« {} ») : écrivez en Markdown, le site n'en accepte pas",
                    h.trim().chars().take(40).collect::<String>()
                ));
            }
            // An e-mail autolink (`<a@b.fr>`) is a mailto: link without its scheme.
            Event::Start(Tag::Link { link_type, dest_url, .. }) if link_type != LinkType::Email && !safe_link(&dest_url) => {
                out.push(format!(
                    "un lien vers « {} » : seuls les liens https://, mailto:, tel: ou vers ce site sont acceptés",
                    dest_url.chars().take(60).collect::<String>()
                ));
            }
            Event::Start(Tag::Image { .. }) => out.push("une image : les pages publiques n'en ont pas".into()),
            _ => {}
        }
    }
    out.dedup();
    out
}

/// The sanitiser's rules: the few tags Markdown gives, links with safe schemes only.
fn sanitiser() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "strong",
        "em",
        "a",
        "br",
        "blockquote",
        "code",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ])
    .add_tag_attributes("a", ["href"])
    .add_tag_attributes("th", ["scope"])
    .url_schemes(["https", "http", "mailto", "tel", "sms"].into_iter().collect())
    .url_relative(ammonia::UrlRelative::PassThrough)
    .link_rel(Some("noopener noreferrer"));
    b
}

/// A page's Markdown as HTML, then sanitised whatever the Markdown held. Its headings start
/// below the page's own: at `h2` on a page whose title is its `h1`, at `h3` in a booklet
/// section (itself an `h2` of the booklet); `#` and `##` both give that first level.
pub fn render(markdown: &str, kind: PageKind) -> String {
    let top: u8 = if kind == PageKind::Booklet { 3 } else { 2 };
    let level = |l: HeadingLevel| {
        let n = (l as u8).max(2) + top - 2;
        HeadingLevel::try_from(usize::from(n.min(6))).unwrap_or(HeadingLevel::H6)
    };
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).map(|e| match e {
        Event::Start(Tag::Heading { level: l, id, classes, attrs }) => Event::Start(Tag::Heading { level: level(l), id, classes, attrs }),
        Event::End(pulldown_cmark::TagEnd::Heading(l)) => Event::End(pulldown_cmark::TagEnd::Heading(level(l))),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    sanitiser().clean(&html).to_string()
}

/// Every fault of a draft: the domain's, then what cannot be published in its text.
pub fn faults(d: &PageDraft) -> Vec<Fault> {
    let mut f = check(d);
    let parts = unsafe_parts(&d.body);
    if !parts.is_empty() && !f.iter().any(|x| x.0 == "body") {
        f.push(("body", format!("Le texte n'est pas enregistré : il contient {}.", parts.join(" ; "))));
    }
    f
}

/// Saves a new page, or `current` changed as read at `version`; gives its id.
pub async fn save(app: &App, by: &Author, current: Option<(&PublicPage, i64)>, d: &PageDraft) -> Result<i64, PageError> {
    let faults = faults(d);
    if !faults.is_empty() {
        return Err(PageError::Invalid(faults));
    }
    let kind = current.map_or_else(|| PageKind::from_code(&d.kind), |(p, _)| Some(p.kind));
    let kind = kind.ok_or_else(|| PageError::Invalid(vec![("kind", "Type de page inconnu.".into())]))?;
    let html = render(&d.body, kind);
    // A commune's site must carry its institutional pages: they stay published.
    let forced;
    let d = if kind == PageKind::Institutional && !d.published {
        forced = PageDraft { published: true, ..d.clone() };
        &forced
    } else {
        d
    };
    match current {
        None => {
            if kind == PageKind::Institutional {
                return Err(PageError::Invalid(vec![("kind", "Les pages institutionnelles existent déjà : modifiez-les.".into())]));
            }
            Ok(app.store.create_public_page(by, &PageWrite { draft: d, kind, body_html: &html }, &slug(&d.title)).await?)
        }
        Some((page, version)) => {
            app.store.update_public_page(by, page.id, version, &PageWrite { draft: d, kind: page.kind, body_html: &html }).await?;
            Ok(page.id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_news(markdown: &str) -> String {
        render(markdown, PageKind::News)
    }

    #[test]
    fn markdown_becomes_sanitised_html_with_headings_under_the_title() {
        let booklet = render("# Qui appeler\n\n### Le soir", PageKind::Booklet);
        assert!(booklet.contains("<h3>Qui appeler</h3>") && booklet.contains("<h4>Le soir</h4>"), "{booklet}");
        let html = render("# Qui appeler\n\nLe **17** ou le [3919](tel:3919).\n\n- un\n- deux", PageKind::News);
        assert!(html.contains("<h2>Qui appeler</h2>") && html.contains("<strong>17</strong>"), "{html}");
        assert!(html.contains(r#"<a href="tel:3919" rel="noopener noreferrer">3919</a>"#), "{html}");
        // Whatever slips through is cleaned anyway.
        let html = render_news("<script>alert(1)</script><p onclick=\"x()\">a</p>\n\n[b](javascript:alert(1))");
        assert!(!html.contains("<script") && !html.contains("onclick") && !html.contains("href=\"javascript"), "{html}");
        assert!(html.contains("<a rel=\"noopener noreferrer\">b</a>"), "the link's text stays, not its target: {html}");
    }

    #[test]
    fn html_images_and_unsafe_links_are_refused_by_name() {
        assert!(unsafe_parts("Un [lien](https://exemple.fr), un [autre](/aide), [écrire](mailto:a@b.fr) et <c@d.fr>.").is_empty());
        let parts = unsafe_parts("<script>alert(1)</script>\n\n[x](javascript:alert(1)) ![i](https://e.fr/i.png) [y](//e.fr)");
        assert_eq!(parts.len(), 4, "{parts:?}");
        assert!(parts[0].contains("HTML") && parts[1].contains("javascript:alert(1)") && parts[2].contains("image"));
    }
}
