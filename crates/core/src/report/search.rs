//! Searching reports by number and by words of their text.

use crate::text::fold;

/// The longest search accepted, in characters, and the most words it may hold.
pub const MAX_SEARCH: usize = 200;
pub const MAX_SEARCH_WORDS: usize = 8;

/// What a report is found by: its description and address, folded (lower case, no accents),
/// so that "degradation" finds "Dégradation". Emptied when the report is anonymised.
pub fn search_text(description: &str, address: &str) -> String {
    fold(&format!("{description}\n{address}"))
}

/// A search as typed: a report number ("12", "n° 12", "#12") and the words every match holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    pub number: Option<i64>,
    /// Folded words, each to be found in the report's search text.
    pub words: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SearchError {
    #[error("la recherche doit compter au plus {MAX_SEARCH} caractères et {MAX_SEARCH_WORDS} mots, sans caractère invisible")]
    TooLong,
}

impl Search {
    /// Reads a search; `None` for one with nothing to look for.
    pub fn parse(input: &str) -> Result<Option<Search>, SearchError> {
        if input.chars().count() > MAX_SEARCH || input.chars().any(char::is_control) {
            return Err(SearchError::TooLong);
        }
        let folded = fold(input);
        // "n° 12", "no 12" or "#12" asks for the number alone; "12" for the number or the text.
        let explicit = ["n°", "no ", "#"].iter().any(|p| folded.starts_with(p));
        let number_part = folded.trim_start_matches("n°").trim_start_matches("no ").trim_start_matches('#').trim();
        let number = number_part.parse::<i64>().ok().filter(|n| *n > 0);
        let words: Vec<String> = folded.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect();
        if words.len() > MAX_SEARCH_WORDS {
            return Err(SearchError::TooLong);
        }
        if words.is_empty() {
            return Ok(None);
        }
        // A number alone is looked for as a number and as text ("12" is also in "12 rue…").
        let words = match number {
            Some(_) if explicit => Vec::new(),
            Some(_) => vec![number_part.to_string()],
            None => words,
        };
        Ok(Some(Search { number, words }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_words_are_read() {
        assert_eq!(Search::parse("  ").unwrap(), None);
        assert_eq!(Search::parse("n° 12").unwrap(), Some(Search { number: Some(12), words: vec![] }), "the number alone");
        assert_eq!(Search::parse("12").unwrap(), Some(Search { number: Some(12), words: vec!["12".into()] }), "number or text");
        assert_eq!(Search::parse("\u{200f}Ｒｕｅ").unwrap().unwrap().words, ["rue"], "invisible marks and full-width letters");
        assert_eq!(Search::parse("#7").unwrap().unwrap().number, Some(7));
        let s = Search::parse("Dégradation  HALL").unwrap().unwrap();
        assert_eq!((s.number, s.words), (None, vec!["degradation".to_string(), "hall".to_string()]));
        assert_eq!(Search::parse(&"a".repeat(201)), Err(SearchError::TooLong));
        assert_eq!(Search::parse("a b c d e f g h i"), Err(SearchError::TooLong));
        assert_eq!(Search::parse("tag\u{0}"), Err(SearchError::TooLong));
        assert_eq!(search_text("Tags sur la Façade", "3 rue de l'École"), "tags sur la facade 3 rue de l'ecole");
    }
}
