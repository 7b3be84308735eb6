//! The CLSPD's meetings (charter art. 5 and 10): its bodies (the plenary, the restricted
//! formation, thematic and territorial groups), their meetings with an agenda whose items serve
//! the strategy's sheets, the organisations and professionals present (counted for the
//! indicators), and the minutes (relevé de conclusions). Nothing nominative belongs to these
//! meetings: the working groups keep their confidential meetings in their own module, and the
//! minutes' form recalls article 5. Plain rules, no storage.

pub use crate::working_group::case::Fault;
use time::OffsetDateTime;

coded! {
    /// A body of the CLSPD.
    BodyKind {
        Plenary => ("pleniere", "Séance plénière"),
        Restricted => ("restreinte", "Formation restreinte"),
        Thematic => ("thematique", "Groupe thématique"),
        Territorial => ("territorial", "Groupe territorial"),
    }
}

coded! {
    /// Where a meeting stands.
    MeetingStatus {
        Planned => ("prevue", "Prévue"),
        Held => ("tenue", "Tenue"),
        Cancelled => ("annulee", "Annulée"),
    }
}

pub const NAME_MAX: usize = 150;
pub const PLACE_MAX: usize = 200;
pub const ITEM_MAX: usize = 200;
pub const ITEMS_MAX: usize = 20;
pub const MINUTES_MAX: usize = 20_000;
/// More professionals than this at one meeting is a typing slip.
pub const PROFESSIONALS_MAX: i64 = 1000;

/// Charter article 5, recalled where the minutes are written.
pub const CHARTER_ARTICLE_5: &str = "Charte, article 5 : aucune information confidentielle ni nominative n'est échangée en séance plénière ou en formation restreinte. Les situations individuelles relèvent des seuls groupes de travail, sous la charte.";

/// A body as the coordinator names it.
pub fn check_body(kind: &str, name: &str) -> Vec<Fault> {
    let mut faults = Vec::new();
    if BodyKind::from_code(kind).is_none() {
        faults.push(("kind", "Choisissez le type d'instance : plénière, formation restreinte, groupe thématique ou territorial.".into()));
    }
    if !crate::text::is_name(name, NAME_MAX) {
        faults.push(("name", format!("Donnez le nom de l'instance, {NAME_MAX} caractères au plus sur une ligne.")));
    }
    faults
}

/// An agenda item: what is discussed, and the sheet it serves if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgendaItem {
    pub title: String,
    pub sheet_code: Option<String>,
}

/// A meeting as the coordinator plans it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeetingDraft {
    pub body_id: Option<i64>,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub place: String,
    pub agenda: Vec<AgendaItem>,
}

/// Every fault of a meeting's plan: `body_ids` the bodies that exist, `sheet_codes` the current
/// strategy's sheets. A meeting is planned ahead: its start is not past (`now`) when it is
/// planned, nor when a planned meeting is moved (`planning`); the minutes of a meeting held
/// are written after it, under `check_minutes`.
pub fn check(d: &MeetingDraft, now: OffsetDateTime, body_ids: &[i64], sheet_codes: &[String]) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !d.body_id.is_some_and(|b| body_ids.contains(&b)) {
        faults.push(("body_id", "Choisissez l'instance qui se réunit.".into()));
    }
    // In the form's order: the body, the times, the place, the agenda.
    match (d.starts_at, d.ends_at) {
        (None, _) => faults.push(("starts_at", "Donnez le début de la réunion (jour et heure).".into())),
        (Some(s), _) if s < now => faults.push(("starts_at", "La réunion est dans le passé : une réunion se prévoit à l'avance.".into())),
        (Some(s), Some(e)) if e <= s => faults.push(("ends_at", "La fin de la réunion vient après son début.".into())),
        (Some(s), Some(e)) if e - s > time::Duration::days(1) => faults.push(("ends_at", "Une réunion dure une journée au plus.".into())),
        _ => {}
    }
    if !crate::text::is_name(&d.place, PLACE_MAX) {
        faults.push(("place", format!("Donnez le lieu de la réunion, {PLACE_MAX} caractères au plus sur une ligne.")));
    }
    if d.agenda.is_empty() {
        faults.push(("agenda", "Donnez au moins un point à l'ordre du jour.".into()));
    } else if d.agenda.len() > ITEMS_MAX {
        faults.push(("agenda", format!("{ITEMS_MAX} points au plus à l'ordre du jour.")));
    } else if d.agenda.iter().any(|i| !crate::text::is_name(&i.title, ITEM_MAX)) {
        faults.push(("agenda", format!("Chaque point de l'ordre du jour tient sur une ligne de {ITEM_MAX} caractères au plus.")));
    } else if d.agenda.iter().any(|i| i.sheet_code.as_ref().is_some_and(|c| !sheet_codes.contains(c))) {
        faults.push(("agenda", "Choisissez la fiche d'un point dans la liste des fiches de la stratégie.".into()));
    }
    faults
}

/// The minutes and the attendance of a meeting held: text within bounds, a plausible count of
/// professionals, organisations among those that exist.
pub fn check_minutes(minutes: &str, professionals: i64, organisation_ids: &[i64], known: &[i64]) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !crate::text::is_text(minutes, MINUTES_MAX) {
        faults.push(("minutes", format!("Le relevé de conclusions tient en {MINUTES_MAX} caractères au plus, sans caractère invisible.")));
    }
    if !(0..=PROFESSIONALS_MAX).contains(&professionals) {
        faults.push(("professionals", format!("Le nombre de professionnels présents est entre 0 et {PROFESSIONALS_MAX}.")));
    }
    if organisation_ids.iter().any(|o| !known.contains(o)) {
        faults.push(("organisation_ids", "Cochez les organisations présentes dans la liste.".into()));
    }
    faults
}

coded! {
    /// A document attached to a meeting: a format whose text can be read, so that it can be
    /// checked for followed persons' names. Scanned pictures and other files are refused.
    DocumentKind {
        Pdf => ("pdf", "PDF"),
        Odt => ("odt", "texte OpenDocument"),
        Ods => ("ods", "classeur OpenDocument"),
        Odp => ("odp", "présentation OpenDocument"),
        Docx => ("docx", "document Word"),
        Xlsx => ("xlsx", "classeur Excel"),
        Pptx => ("pptx", "présentation PowerPoint"),
    }
}

impl DocumentKind {
    /// The media type the file is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Odt => "application/vnd.oasis.opendocument.text",
            DocumentKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            DocumentKind::Odp => "application/vnd.oasis.opendocument.presentation",
            DocumentKind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DocumentKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DocumentKind::Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    }
}

/// The longest title of a meeting's document.
pub const DOCUMENT_TITLE_MAX: usize = 150;
/// The most documents a meeting keeps.
pub const DOCUMENTS_MAX: usize = 20;

/// A document's title: what the list and the download show, on one line.
pub fn check_document_title(title: &str) -> Option<String> {
    (!crate::text::is_name(title, DOCUMENT_TITLE_MAX))
        .then(|| format!("Donnez un titre au document, {DOCUMENT_TITLE_MAX} caractères au plus sur une ligne."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn draft(now: OffsetDateTime) -> MeetingDraft {
        MeetingDraft {
            body_id: Some(1),
            starts_at: Some(now + Duration::days(10)),
            ends_at: Some(now + Duration::days(10) + Duration::hours(2)),
            place: "Salle du conseil".into(),
            agenda: vec![AgendaItem { title: "Bilan 2020".into(), sheet_code: Some("1.1".into()) }],
        }
    }

    #[test]
    fn a_meeting_is_planned_ahead_with_its_agenda_serving_known_sheets() {
        let now = crate::time_fmt::now();
        let sheets = vec!["1.1".to_string()];
        assert!(check(&draft(now), now, &[1], &sheets).is_empty());
        let past = MeetingDraft { starts_at: Some(now - Duration::days(1)), ends_at: None, ..draft(now) };
        assert_eq!(check(&past, now, &[1], &sheets).iter().map(|f| f.0).collect::<Vec<_>>(), ["starts_at"]);
        let unknown = MeetingDraft { agenda: vec![AgendaItem { title: "x".into(), sheet_code: Some("9.9".into()) }], ..draft(now) };
        assert_eq!(check(&unknown, now, &[1], &sheets).iter().map(|f| f.0).collect::<Vec<_>>(), ["agenda"]);
        let nobody = MeetingDraft { body_id: Some(7), agenda: Vec::new(), ..draft(now) };
        assert_eq!(check(&nobody, now, &[1], &sheets).iter().map(|f| f.0).collect::<Vec<_>>(), ["body_id", "agenda"]);
    }

    #[test]
    fn minutes_and_attendance_are_bounded() {
        assert!(check_minutes("Relevé.", 12, &[1, 2], &[1, 2, 3]).is_empty());
        let f: Vec<&str> = check_minutes(&"x".repeat(MINUTES_MAX + 1), -1, &[9], &[1]).iter().map(|f| f.0).collect();
        assert_eq!(f, ["minutes", "professionals", "organisation_ids"]);
    }
}
