//! The public site's feeds: news and events as Atom (RFC 4287) for feed readers, the public
//! events as iCalendar (RFC 5545) for calendars. Published pages only.

use icalendar::{Calendar, Component, EventLike};
use maillage_core::time_fmt;
use maillage_store::public_page::PublicPage;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A page's address on the site.
fn link(base: &str, p: &PublicPage) -> String {
    format!("{base}{}", p.path())
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The Atom feed of `pages` (news and events, newest first), for the site at `base`
/// (`https://…`, no trailing slash) named `title`.
pub fn atom(base: &str, title: &str, pages: &[PublicPage]) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    let updated = pages.iter().map(|p| p.updated_at).max().unwrap_or_else(time_fmt::now);
    w.create_element("feed").with_attributes([("xmlns", "http://www.w3.org/2005/Atom"), ("xml:lang", "fr")]).write_inner_content(|w| {
        text(w, "id", &format!("{base}/actualites"))?;
        text(w, "title", title)?;
        text(w, "updated", &rfc3339(updated))?;
        w.create_element("link").with_attributes([("rel", "self"), ("href", format!("{base}/actualites.atom").as_str())]).write_empty()?;
        w.create_element("link").with_attributes([("rel", "alternate"), ("href", format!("{base}/actualites").as_str())]).write_empty()?;
        w.create_element("author").write_inner_content(|w| text(w, "name", title))?;
        for p in pages {
            let url = link(base, p);
            w.create_element("entry").write_inner_content(|w| {
                text(w, "id", &url)?;
                text(w, "title", &p.title)?;
                text(w, "updated", &rfc3339(p.updated_at))?;
                text(w, "published", &rfc3339(p.published_at.unwrap_or(p.updated_at)))?;
                w.create_element("link").with_attributes([("rel", "alternate"), ("href", url.as_str())]).write_empty()?;
                if !p.summary.is_empty() {
                    text(w, "summary", &p.summary)?;
                }
                // The sanitised HTML, escaped as Atom's `type="html"` content wants.
                w.create_element("content").with_attribute(("type", "html")).write_text_content(BytesText::new(&p.body_html))?;
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(w.into_inner())
}

fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(value)).map(|_| ())
}

/// The iCalendar feed of public events: one VEVENT each, its UID stable across readings (the
/// page's id and the site's host), SEQUENCE following the page's version so that calendars
/// apply a change.
pub fn icalendar(base: &str, title: &str, events: &[PublicPage]) -> String {
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("maillage");
    let mut cal = Calendar::new();
    cal.name(title);
    for p in events {
        let Some(start) = p.starts_at else { continue };
        let mut e = icalendar::Event::new();
        // The time of the page's last change: the feed is the same until it changes.
        let stamp = p.updated_at.to_offset(time::UtcOffset::UTC);
        let stamp = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            stamp.year(),
            u8::from(stamp.month()),
            stamp.day(),
            stamp.hour(),
            stamp.minute(),
            stamp.second()
        );
        e.add_property("DTSTAMP", stamp);
        e.uid(&format!("evenement-{}@{host}", p.id))
            .sequence(u32::try_from(p.version.saturating_sub(1)).unwrap_or(0))
            .summary(&p.title)
            .location(&p.place)
            .url(&link(base, p))
            .starts(start)
            .ends(p.ends_at.or_else(|| start.checked_add(time::Duration::hours(1))).unwrap_or(start));
        if !p.summary.is_empty() {
            e.description(&p.summary);
        }
        cal.push(e.done());
    }
    cal.done().to_string()
}
