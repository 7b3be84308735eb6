//! A meeting as an iCalendar object (RFC 5545) sent by e-mail (iMIP, RFC 6047): an invitation
//! or update (METHOD:REQUEST) or a cancellation (METHOD:CANCEL), one UID per meeting and the
//! meeting's version as SEQUENCE, so that a calendar replaces what it holds.

use icalendar::{Calendar, Component, EventLike, EventStatus};
use maillage_core::meeting::MeetingStatus;
use maillage_store::meeting::Meeting;

/// What a message asks of the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

/// The object for `attendee`, from `organizer` (an e-mail address, when the author has one),
/// for the site at `base`; `sequence` is the meeting's version once the change is written.
pub fn object(m: &Meeting, method: Method, sequence: i64, organizer: Option<&str>, attendee: &str, base: &str) -> String {
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("maillage");
    let agenda: Vec<String> = m.agenda.iter().enumerate().map(|(i, a)| format!("{}. {}", i + 1, a.title)).collect();
    let mut e = icalendar::Event::new();
    e.uid(&format!("reunion-{}@{host}", m.id))
        .sequence(u32::try_from(sequence.saturating_sub(1)).unwrap_or(0))
        .summary(&m.body.name)
        .location(&m.place)
        .description(&format!("Ordre du jour :\n{}\n\n{base}/reunions/{}", agenda.join("\n"), m.id))
        .url(&format!("{base}/reunions/{}", m.id))
        .starts(m.starts_at)
        .ends(m.ends_at.or_else(|| m.starts_at.checked_add(time::Duration::hours(2))).unwrap_or(m.starts_at));
    if let Some(o) = organizer {
        e.add_property("ORGANIZER", format!("mailto:{o}"));
    }
    e.add_property("ATTENDEE", format!("mailto:{attendee}"));
    let cancelled = method == Method::Cancel || m.status == MeetingStatus::Cancelled;
    e.status(if cancelled { EventStatus::Cancelled } else { EventStatus::Confirmed });
    let mut cal = Calendar::new();
    cal.append_property(("METHOD", if cancelled { "CANCEL" } else { "REQUEST" }));
    cal.push(e.done());
    cal.done().to_string()
}
