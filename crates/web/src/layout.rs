//! What every page's frame needs: title, the logged-in user, and which menu entries to show.

use crate::auth::CurrentUser;
use maillage_core::authz::{Action, Decision, authorize};

#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub strategy: bool,
    pub reports: bool,
    pub statistics: bool,
    pub report_settings: bool,
    pub organisations: bool,
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
                statistics: can(Action::ViewReportStatistics),
                report_settings: can(Action::ManageReportSettings),
                organisations: can(Action::ViewOrganisations),
                users: can(Action::ManageUsers),
                glossary: can(Action::ManageGlossary),
                audit: can(Action::ReadAuditLog),
            },
        }
    }
}

/// Encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A redirect target from a form is followed only if it is a path of this site.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/strategie" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/strategie/fiches/1.2"), "/strategie/fiches/1.2");
        assert_eq!(safe_next("//evil.example"), "/strategie");
        assert_eq!(safe_next("https://evil.example"), "/strategie");
        assert_eq!(safe_next("/\\evil.example"), "/strategie");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(url_encode("/a b?c=é"), "%2Fa+b%3Fc%3D%C3%A9");
    }
}
