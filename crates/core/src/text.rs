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

/// Whether every word of `query` occurs in `haystack`, both folded.
pub fn matches_all_words(haystack_folded: &str, query: &str) -> bool {
    let q = fold(query);
    !q.is_empty() && q.split(' ').all(|w| haystack_folded.contains(w))
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
    fn all_words_must_match() {
        let h = fold("Mettre en place un dispositif d'alerte réactif");
        assert!(matches_all_words(&h, "alerte REACTIF"));
        assert!(!matches_all_words(&h, "alerte police"));
        assert!(!matches_all_words(&h, "   "));
    }
}
