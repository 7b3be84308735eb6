//! The CCTV footage register (axis 3; Code de la sécurité intérieure L.252-5, privacy-rules §8):
//! cameras with the préfet's authorisation and its retention period (a month at most), requests
//! for footage, their viewings and extractions, and each extraction's destruction date, unless it
//! is kept for a judicial procedure. Only individually authorised agents keep it; entries are kept
//! three years. Plain rules, no storage.

pub use crate::working_group::case::Fault;
use time::{Date, Duration, OffsetDateTime};

coded! {
    /// Where a camera films.
    SiteKind {
        CommonArea => ("parties_communes", "Parties communes d'habitat collectif"),
        CarPark => ("parking", "Parking"),
        PublicSpace => ("voie_publique", "Voie publique"),
    }
}

/// The longest an authorisation lets recordings be kept (CSI L.252-5): a month, as days.
pub const RETENTION_MAX_DAYS: i64 = 30;
/// How long the register's entries are kept, as the comparable body-camera rules keep theirs.
pub const REGISTER_YEARS: i64 = 3;
/// The longest period one request may cover.
pub const PERIOD_MAX_DAYS: i64 = 7;
pub const NAME_MAX: usize = 120;
pub const REASON_MAX: usize = 500;

/// A camera as the register's keeper fills it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CameraDraft {
    pub name: String,
    pub site_kind: String,
    /// Address and exact spot ("12 rue …, hall B, entrée").
    pub site: String,
    /// The camera's holder (a landlord, the city).
    pub organisation_id: Option<i64>,
    /// The préfet's order (arrêté) and its date.
    pub authorisation: String,
    pub authorised_on: Option<Date>,
    pub retention_days: i64,
}

pub fn check_camera(d: &CameraDraft, today: Date, organisation_ids: &[i64]) -> Vec<Fault> {
    let mut faults = Vec::new();
    if !crate::text::is_name(&d.name, NAME_MAX) {
        faults.push(("name", format!("Donnez un nom à la caméra, {NAME_MAX} caractères au plus sur une ligne.")));
    }
    if SiteKind::from_code(&d.site_kind).is_none() {
        faults.push(("site_kind", "Choisissez le type de site dans la liste.".into()));
    }
    if !crate::text::is_name(&d.site, 200) {
        faults.push(("site", "Donnez l'adresse et l'emplacement de la caméra, 200 caractères au plus.".into()));
    }
    if d.organisation_id.is_some_and(|o| !organisation_ids.contains(&o)) {
        faults.push(("organisation_id", "Choisissez le détenteur dans la liste.".into()));
    }
    if !crate::text::is_name(&d.authorisation, NAME_MAX) {
        faults.push(("authorisation", "Donnez la référence de l'arrêté préfectoral d'autorisation.".into()));
    }
    match d.authorised_on {
        None => faults.push(("authorised_on", "La date de l'arrêté est obligatoire (jj/mm/aaaa).".into())),
        Some(a) if a > today => faults.push(("authorised_on", "L'arrêté ne peut pas être daté du futur.".into())),
        Some(_) => {}
    }
    if !(1..=RETENTION_MAX_DAYS).contains(&d.retention_days) {
        faults.push((
            "retention_days",
            format!("La durée de conservation autorisée va de 1 à {RETENTION_MAX_DAYS} jours : la loi en fixe le maximum à un mois."),
        ));
    }
    faults
}

/// A request for footage, as typed from the requesting officer's letter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestDraft {
    pub camera_id: Option<i64>,
    /// The requesting officer (name and rank) and service.
    pub requester: String,
    pub service: String,
    /// The procedure or log (main courante) number.
    pub procedure: String,
    pub reason: String,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
}

/// When the oldest footage a camera keeping `retention_days` still holds was recorded.
pub fn oldest_kept(now: OffsetDateTime, retention_days: i64) -> OffsetDateTime {
    now - Duration::days(retention_days)
}

/// Whether some of a request's footage still exists: its period ends after the oldest footage
/// the camera keeps. A viewing or an extraction of destroyed footage is refused.
pub fn footage_exists(to: OffsetDateTime, retention_days: i64, now: OffsetDateTime) -> bool {
    to >= oldest_kept(now, retention_days)
}

/// The chosen camera, as a request's check needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recording {
    pub retention_days: i64,
    /// The day of the préfet's order: the camera recorded nothing lawfully before it.
    pub authorised_on: Date,
}

/// Every fault of a request; `camera` is the chosen camera's recording (none: no camera chosen).
pub fn check_request(d: &RequestDraft, camera: Option<Recording>, now: OffsetDateTime) -> Vec<Fault> {
    let mut faults = Vec::new();
    let retention_days = camera.map(|c| c.retention_days);
    if retention_days.is_none() {
        faults.push(("camera_id", "Choisissez la caméra dans la liste.".into()));
    }
    if !crate::text::is_name(&d.requester, NAME_MAX) {
        faults.push(("requester", "Donnez le nom et le grade de l'officier ou de l'agent requérant.".into()));
    }
    if !crate::text::is_name(&d.service, NAME_MAX) {
        faults.push(("service", "Donnez le service requérant.".into()));
    }
    if !crate::text::is_name(&d.procedure, 60) {
        faults.push(("procedure", "Donnez le numéro de procédure ou de main courante, 60 caractères au plus.".into()));
    }
    if d.reason.trim().is_empty() || !crate::text::is_text(&d.reason, REASON_MAX) {
        faults.push(("reason", format!("Donnez le motif de la réquisition, {REASON_MAX} caractères au plus.")));
    }
    match (d.from, d.to) {
        (Some(from), Some(to)) => {
            if to <= from {
                faults.push(("period", "La fin de la période suit son début.".into()));
            } else if to > now {
                faults.push(("period", "La période demandée ne peut pas finir dans le futur.".into()));
            } else if to - from > Duration::days(PERIOD_MAX_DAYS) {
                faults.push(("period", format!("Une demande couvre {PERIOD_MAX_DAYS} jours au plus : faites-en plusieurs.")));
            } else if let Some(c) = camera
                && to.date() < c.authorised_on
            {
                faults.push((
                    "period",
                    format!("Cette caméra n'était pas encore autorisée : son arrêté date du {}.", crate::time_fmt::day_fr(c.authorised_on)),
                ));
            } else if let Some(days) = retention_days
                && from < oldest_kept(now, days)
            {
                faults.push((
                    "period",
                    format!(
                        "Les images de cette période n'existent plus : cette caméra les conserve {days} jours, soit depuis le {}.",
                        crate::time_fmt::datetime_fr(oldest_kept(now, days))
                    ),
                ));
            }
        }
        _ => faults.push(("period", "Donnez le début et la fin de la période demandée (date et heure).".into())),
    }
    faults
}

/// An extraction handed to a requester.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtractionDraft {
    pub recipient: String,
    /// Kept for a judicial procedure: no destruction date here, the justice keeps it.
    pub judicial: bool,
    /// When the copy kept by the holder is destroyed; none: at the latest allowed.
    pub destroy_by: Option<Date>,
}

/// The latest day an extraction made `today` may be kept by the holder.
pub fn destroy_by_latest(today: Date, retention_days: i64) -> Date {
    today + Duration::days(retention_days)
}

/// The extraction's faults, and its destruction day (none when kept for a judicial procedure).
pub fn check_extraction(d: &ExtractionDraft, today: Date, retention_days: i64) -> Result<Option<Date>, Vec<Fault>> {
    let mut faults = Vec::new();
    if !crate::text::is_name(&d.recipient, NAME_MAX) {
        faults.push(("recipient", "Donnez le destinataire de l'extraction (service et agent).".into()));
    }
    let latest = destroy_by_latest(today, retention_days);
    let destroy_by = match (d.judicial, d.destroy_by) {
        (true, Some(_)) => {
            faults
                .push(("destroy_by", "Une extraction conservée pour une procédure judiciaire n'a pas de date de destruction ici.".into()));
            None
        }
        (true, None) => None,
        (false, None) => Some(latest),
        (false, Some(day)) if day > latest => {
            faults.push((
                "destroy_by",
                format!(
                    "Date de destruction au plus tard le {} : l'autorisation limite la conservation à {retention_days} jours.",
                    crate::time_fmt::day_fr(latest)
                ),
            ));
            None
        }
        (false, Some(day)) if day < today => {
            faults.push(("destroy_by", "La date de destruction ne peut pas être passée.".into()));
            None
        }
        (false, Some(day)) => Some(day),
    };
    if faults.is_empty() { Ok(destroy_by) } else { Err(faults) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-06-15 12:00 UTC);

    fn request() -> RequestDraft {
        RequestDraft {
            camera_id: Some(1),
            requester: "Capitaine Exemple".into(),
            service: "Commissariat".into(),
            procedure: "PV 2026/123".into(),
            reason: "Vol avec violence".into(),
            from: Some(datetime!(2026-06-10 20:00 UTC)),
            to: Some(datetime!(2026-06-10 23:00 UTC)),
        }
    }

    fn fields(f: Vec<Fault>) -> Vec<&'static str> {
        f.into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn a_request_for_footage_that_no_longer_exists_is_refused() {
        let kept = |days| Some(Recording { retention_days: days, authorised_on: date!(2025 - 01 - 10) });
        assert!(check_request(&request(), kept(15), NOW).is_empty());
        assert!(footage_exists(datetime!(2026-06-10 23:00 UTC), 5, NOW));
        assert!(!footage_exists(datetime!(2026-06-10 23:00 UTC), 4, NOW), "destroyed since the request");
        let faults = check_request(&request(), kept(3), NOW);
        assert_eq!(fields(faults.clone()), ["period"]);
        assert!(faults[0].1.contains("n'existent plus"), "{faults:?}");
        let future = RequestDraft { to: Some(datetime!(2026-06-16 00:00 UTC)), ..request() };
        assert_eq!(fields(check_request(&future, kept(15), NOW)), ["period"]);
        // Before the camera's authorisation, nothing was lawfully recorded.
        let new_camera = Some(Recording { retention_days: 30, authorised_on: date!(2026 - 06 - 12) });
        let faults = check_request(&request(), new_camera, NOW);
        assert!(faults[0].1.contains("pas encore autorisée"), "{faults:?}");
        let empty = RequestDraft::default();
        assert_eq!(fields(check_request(&empty, None, NOW)), ["camera_id", "requester", "service", "procedure", "reason", "period"]);
    }

    #[test]
    fn a_destruction_date_past_the_authorised_period_is_refused() {
        let today = date!(2026 - 06 - 15);
        let d = ExtractionDraft { recipient: "OPJ Exemple".into(), ..ExtractionDraft::default() };
        assert_eq!(check_extraction(&d, today, 10), Ok(Some(date!(2026 - 06 - 25))));
        let late = ExtractionDraft { destroy_by: Some(date!(2026 - 06 - 26)), ..d.clone() };
        assert_eq!(fields(check_extraction(&late, today, 10).unwrap_err()), ["destroy_by"]);
        let judicial = ExtractionDraft { judicial: true, ..d.clone() };
        assert_eq!(check_extraction(&judicial, today, 10), Ok(None));
        assert!(check_extraction(&ExtractionDraft { judicial: true, destroy_by: Some(today), ..d }, today, 10).is_err());
    }

    #[test]
    fn a_camera_keeps_its_recordings_a_month_at_most() {
        let d = CameraDraft {
            name: "Hall B".into(),
            site_kind: "parties_communes".into(),
            site: "12 rue de l'Exemple".into(),
            organisation_id: Some(2),
            authorisation: "Arrêté 2025-001".into(),
            authorised_on: Some(date!(2025 - 01 - 10)),
            retention_days: 30,
        };
        assert!(check_camera(&d, date!(2026 - 01 - 01), &[2]).is_empty());
        assert_eq!(fields(check_camera(&CameraDraft { retention_days: 31, ..d.clone() }, date!(2026 - 01 - 01), &[2])), ["retention_days"]);
        assert_eq!(
            fields(check_camera(&CameraDraft::default(), date!(2026 - 01 - 01), &[])),
            ["name", "site_kind", "site", "authorisation", "authorised_on", "retention_days"]
        );
    }
}
