//! Text helpers shared by search and matching.

use unicode_normalization::UnicodeNormalization;

/// Folds text for comparison: lower case, accents removed, compatibility forms made plain
/// (full-width letters, ligatures), invisible marks (direction marks, zero-width spaces, soft
/// hyphens) dropped, runs of whitespace collapsed. "Éducation  Nationale" and "education
/// nationale" fold to the same string.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) || is_invisible(c) {
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

/// One plausible e-mail address, at most 200 characters: a local part of the characters
/// addresses use, one `@`, a domain of dot-separated labels. A list (`a@x,b@y`), a display name
/// or a quoted local part is refused: the outbox must never hold an address it cannot send
/// to. The only real check is a message that arrives.
pub fn is_plausible_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    email.chars().count() <= 200 && local_ok && domain_ok
}

/// Characters that show nothing, break a line unseen or turn the text around it (soft hyphen,
/// zero-width spaces and joiners, direction marks and overrides, line and paragraph separators,
/// word joiners, byte-order mark, interlinear annotations, tag characters): in typed text they
/// only hide what it says, or make two equal names differ.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// A name or label typed by someone (an organisation, a category, an account, a key): not
/// empty, at most `max` characters, on one line, with no control or invisible character.
pub fn is_name(value: &str, max: usize) -> bool {
    let v = value.trim();
    !v.is_empty() && v.chars().count() <= max && !v.chars().any(|c| c.is_control() || is_invisible(c))
}

/// The text with its first letter in capitals (a message that starts a sentence).
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// A free text of several lines: at most `max` characters, no control character but line
/// breaks and tabs, no invisible character.
pub fn is_text(value: &str, max: usize) -> bool {
    value.chars().count() <= max && !value.chars().any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_invisible(c))
}

/// A whole number as French readers write it: thousands grouped by a narrow no-break space
/// ("4 000", "-12 345"), so that a figure never breaks across lines.
pub fn number_fr(n: impl Into<i64>) -> String {
    let n: i64 = n.into();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(d);
    }
    out
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
        for list in ["a@x.fr,b@y.fr", "a@x.fr;b@y.fr", "Agence <a@x.fr>", "\"a b\"@x.fr", "a@@x.fr", "a@x..fr", "a@-x.fr", "a\n@x.fr"] {
            assert!(!is_plausible_email(list), "{list:?}");
        }
        assert!(is_plausible_email("prénom.nom+clspd@mairie-gennevilliers.fr"));
    }

    #[test]
    fn names_refuse_control_characters_and_length() {
        assert!(is_name(" Ville de Gennevilliers ", 200));
        for bad in ["", "   ", "Ville\u{0}", "Ville\nde", "Ville\u{1b}[31m", "Ville\u{7f}"] {
            assert!(!is_name(bad, 200), "{bad:?}");
        }
        assert!(!is_name(&"a".repeat(201), 200));
        assert!(is_text("ligne 1\nligne 2\ttab", 100));
        assert!(!is_text("bip\u{7}", 100));
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(super::number_fr(0), "0");
        assert_eq!(super::number_fr(999), "999");
        assert_eq!(super::number_fr(4000), "4\u{202f}000");
        assert_eq!(super::number_fr(-1_234_567), "-1\u{202f}234\u{202f}567");
        assert_eq!(super::number_fr(i64::MIN), "-9\u{202f}223\u{202f}372\u{202f}036\u{202f}854\u{202f}775\u{202f}808");
    }
}
