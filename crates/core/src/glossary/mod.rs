//! Acronyms expanded where they appear: `<abbr title="…">` around each known term.

use std::collections::HashMap;

/// The acronyms shipped with Maillage; the administrator can add more.
pub const DEFAULT_TERMS: &[(&str, &str)] = &[
    ("CLSPD", "Conseil Local de Sécurité et de Prévention de la Délinquance"),
    ("STSPD", "Stratégie Territoriale de Sécurité et de Prévention de la Délinquance"),
    ("CVE", "Cellule de Veille Éducative"),
    ("PJJ", "Protection Judiciaire de la Jeunesse"),
    ("SPIP", "Service Pénitentiaire d'Insertion et de Probation"),
    ("TIG", "Travail d'Intérêt Général"),
    ("GUSP", "Gestion Urbaine et Sociale de Proximité"),
    ("ASVP", "Agent de Surveillance de la Voie Publique"),
    ("MJD", "Maison de Justice et du Droit"),
    ("CDAD", "Conseil Départemental de l'Accès au Droit"),
    ("PRE", "Programme de Réussite Éducative"),
    ("ASE", "Aide Sociale à l'Enfance"),
    ("MEC", "Modules Éducatifs et de Citoyenneté"),
    ("DTSP", "Direction Territoriale de la Sécurité de Proximité"),
    ("CLJ", "Centre de Loisirs Jeunes de la Police Nationale"),
    ("TGI", "Tribunal de Grande Instance"),
    ("CCAS", "Centre Communal d'Action Sociale"),
    ("BSPP", "Brigade des Sapeurs-Pompiers de Paris"),
    ("FFSU", "Forum Français pour la Sécurité Urbaine"),
    ("ADL", "Agents de Développement Local"),
    ("STASE", "Service Territorial de l'Aide Sociale à l'Enfance"),
    ("PMI", "Protection Maternelle et Infantile"),
    ("AEMO", "Action Éducative en Milieu Ouvert"),
    ("UEMO", "Unité Éducative en Milieu Ouvert"),
    ("RATP", "Régie Autonome des Transports Parisiens"),
    ("CNIL", "Commission Nationale de l'Informatique et des Libertés"),
    ("CSI", "Code de la Sécurité Intérieure"),
    ("CPP", "Code de Procédure Pénale"),
    ("QPV", "Quartier Prioritaire de la politique de la Ville"),
    ("VFF", "Violences Faites aux Femmes"),
];

/// Expands known acronyms in plain text, returning HTML-escaped text with `<abbr>` elements.
/// Dotted spellings ("C.L.S.P.D", "P.J.J") are recognised. Only the first occurrence of each
/// term in one call is marked, as RGAA advises, to keep screen readers from repeating it.
pub struct Glossary {
    terms: HashMap<String, String>,
}

impl Glossary {
    pub fn new<'a, I: IntoIterator<Item = (&'a str, &'a str)>>(terms: I) -> Self {
        Self { terms: terms.into_iter().map(|(t, e)| (t.to_uppercase(), e.to_string())).collect() }
    }

    /// Escaped HTML of `text` with acronyms marked.
    pub fn expand(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 32);
        let mut seen: Vec<String> = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (start, c) = chars[i];
            let prev_is_word = i > 0 && chars[i - 1].1.is_alphanumeric();
            if c.is_uppercase() && !prev_is_word {
                // A token of capitals, possibly dotted, possibly with digits inside: "C.L.S.P.D".
                let mut j = i;
                let mut key = String::new();
                while j < chars.len() {
                    let ch = chars[j].1;
                    if ch.is_uppercase() {
                        key.push(ch);
                        j += 1;
                    } else if ch == '.' && j + 1 < chars.len() && chars[j + 1].1.is_uppercase() {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let next_is_word = j < chars.len() && chars[j].1.is_alphanumeric();
                if !next_is_word
                    && key.chars().count() >= 2
                    && let Some(expansion) = self.terms.get(&key)
                {
                    let end = chars.get(j).map_or(text.len(), |(b, _)| *b);
                    let token = &text[start..end];
                    if seen.contains(&key) {
                        escape_into(&mut out, token);
                    } else {
                        out.push_str("<abbr title=\"");
                        escape_into(&mut out, expansion);
                        out.push_str("\">");
                        escape_into(&mut out, token);
                        out.push_str("</abbr>");
                        seen.push(key);
                    }
                    i = j;
                    continue;
                }
            }
            escape_into(&mut out, c.encode_utf8(&mut [0u8; 4]));
            i += 1;
        }
        out
    }
}

/// HTML escaping for text and attribute values.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> Glossary {
        Glossary::new(DEFAULT_TERMS.iter().copied())
    }

    #[test]
    fn plain_and_dotted_acronyms_are_marked_once() {
        let html = g().expand("Coordinateur C.L.S.P.D / service, le CLSPD et la P.J.J.");
        assert_eq!(
            html,
            "Coordinateur <abbr title=\"Conseil Local de Sécurité et de Prévention de la Délinquance\">C.L.S.P.D</abbr> / service, le CLSPD et la <abbr title=\"Protection Judiciaire de la Jeunesse\">P.J.J</abbr>."
        );
    }

    #[test]
    fn words_containing_an_acronym_are_left_alone() {
        assert_eq!(g().expand("TIGRE PREMIER"), "TIGRE PREMIER");
        assert_eq!(
            g().expand("la CVE, le TIG"),
            "la <abbr title=\"Cellule de Veille Éducative\">CVE</abbr>, le <abbr title=\"Travail d&#39;Intérêt Général\">TIG</abbr>"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            g().expand("<script>alert('x')</script> & MJD"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; <abbr title=\"Maison de Justice et du Droit\">MJD</abbr>"
        );
    }
}
