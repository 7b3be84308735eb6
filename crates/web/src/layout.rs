//! What every page's frame needs: title, the logged-in user, and which menu entries to show.

use crate::auth::CurrentUser;
use maillage_core::authz::{Action, Decision, authorize};

#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub strategy: bool,
    pub reports: bool,
    pub alerts: bool,
    pub walks: bool,
    /// Only the GUSP synthesis (elected officials): walks themselves are the partners'.
    pub walk_synthesis: bool,
    /// The CCTV register, for the roles that read it or name its agents (whether this account
    /// is an agent is decided on the register's pages).
    pub video: bool,
    pub video_agents: bool,
    pub access_conventions: bool,
    pub observatory: bool,
    pub statistics: bool,
    pub report_settings: bool,
    pub organisations: bool,
    pub working_groups: bool,
    pub victim_support: bool,
    pub community_service: bool,
    pub activities: bool,
    pub evaluation: bool,
    pub indicators: bool,
    pub declarations: bool,
    pub public_site: bool,
    pub meetings: bool,
    pub users: bool,
    pub glossary: bool,
    pub audit: bool,
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub roles_label: String,
    pub nav: Nav,
}

impl Layout {
    pub fn anonymous(title: &str) -> Self {
        Layout { title: title.to_string(), user_name: None, roles_label: String::new(), nav: Nav::default() }
    }

    pub fn new(title: &str, user: Option<&CurrentUser>) -> Self {
        let Some(u) = user else { return Self::anonymous(title) };
        let can = |a| authorize(Some(&u.actor), a) == Decision::Allow;
        Layout {
            title: title.to_string(),
            user_name: Some(u.display_name.clone()),
            roles_label: u.actor.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join(", "),
            nav: Nav {
                strategy: can(Action::ViewStrategy),
                reports: can(Action::ListReports),
                alerts: can(Action::RaiseAlert),
                walks: can(Action::RecordWalk),
                walk_synthesis: can(Action::ViewWalkSynthesis) && !can(Action::RecordWalk),
                video: u.actor.has(maillage_core::authz::Role::Coordinator) || can(Action::ViewVideoRegister { agent: false }),
                video_agents: can(Action::ManageVideoAgents),
                access_conventions: can(Action::ViewAccessConventions),
                observatory: can(Action::ViewObservatory),
                statistics: can(Action::ViewReportStatistics),
                report_settings: can(Action::ManageReportSettings),
                organisations: can(Action::ViewOrganisations),
                working_groups: can(Action::ViewWorkingGroups),
                victim_support: can(Action::RecordVictimReception),
                community_service: can(Action::ViewCommunityService),
                activities: can(Action::RecordActivity),
                evaluation: can(Action::ViewEvaluation),
                indicators: can(Action::ViewEvaluation),
                declarations: can(Action::DeclareFigures) || can(Action::ManageIndicators),
                public_site: can(Action::ManagePublicSite),
                meetings: can(Action::ViewMeetings),
                users: can(Action::ManageUsers),
                glossary: can(Action::ManageGlossary),
                audit: can(Action::ReadAuditLog),
            },
        }
    }
}

/// A count in a template, grouped by thousands as in French ("4 000"); templates pass
/// their values by reference.
pub fn number<T: Copy + Into<i64>>(n: &T) -> String {
    maillage_core::text::number_fr(*n)
}

/// Encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where to go after login when no target was given.
pub const AFTER_LOGIN: &str = "/";

/// A redirect target from a form, followed only if it is a path of this site. The target is
/// parsed as a browser would (WHATWG URL rules: tabs and new lines dropped, backslashes read
/// as slashes) against this site, and kept only if it stays on it; what is returned is the
/// parsed path and query, percent-encoded, so always a valid `Location` — and read again as a
/// browser would read that `Location`, since a normalised path (`/..//host`) can itself
/// name another site.
pub fn safe_next(next: &str) -> String {
    let Ok(here) = url::Url::parse("http://maillage.invalid/") else { return AFTER_LOGIN.into() };
    let stays = |u: &url::Url| u.origin() == here.origin();
    let target = match here.join(next) {
        Ok(u) if next.starts_with('/') && stays(&u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        _ => return AFTER_LOGIN.into(),
    };
    match here.join(&target) {
        Ok(u) if stays(&u) && !target.starts_with("//") && !target.starts_with("/\\") => target,
        _ => AFTER_LOGIN.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/strategie/fiches/1.2"), "/strategie/fiches/1.2");
        assert_eq!(safe_next("/signalements?etat=new&page=2"), "/signalements?etat=new&page=2");
        for elsewhere in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "\t//evil.example",
            "/..//evil.example",
            "/.//evil.example",
            "/a/..//evil.example/x",
            "/%2e%2e//evil.example",
            "/./\\evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "",
            "signalements",
        ] {
            assert_eq!(safe_next(elsewhere), AFTER_LOGIN, "{elsewhere:?}");
        }
        // Control characters can no longer reach the Location header.
        for odd in ["/signalements\n/1", "/a\u{7f}b", "/é è"] {
            let target = safe_next(odd);
            assert!(target.starts_with('/') && target.chars().all(|c| c.is_ascii_graphic()), "{odd:?} gave {target:?}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(url_encode("/a b?c=é"), "%2Fa+b%3Fc%3D%C3%A9");
    }
}
