//! Text helpers shared by search and matching.

use unicode_normalization::UnicodeNormalization;

/// Folds text for comparison: lower case, accents removed, runs of whitespace collapsed.
/// "Éducation  Nationale" and "education nationale" fold to the same string.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        out.extend(c.to_lowercase());
        last_space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A plausible e-mail address: something@something, no spaces, at most 200 characters. The
/// only real check is a message that arrives.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    email.len() <= 200
        && !email.contains(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_accents_case_and_extra_spaces() {
        assert_eq!(fold("  Éducation   Nationale "), "education nationale");
        assert_eq!(fold("Œuvre"), "œuvre");
    }

    #[test]
    fn e_mail_addresses_are_checked_for_shape() {
        assert!(is_plausible_email(" agence@habitat-exemple.test "));
        assert!(!is_plausible_email("agence habitat@exemple.test"));
        assert!(!is_plausible_email("@exemple.test"));
        assert!(!is_plausible_email("agence@localhost"));
        assert!(!is_plausible_email(&format!("{}@exemple.test", "a".repeat(200))));
    }
}
