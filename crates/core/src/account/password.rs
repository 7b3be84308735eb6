//! Passwords: the CNIL policy (délibération 2022-100, privacy rules §6) and argon2id hashing.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

/// Longest password accepted: beyond this, hashing costs grow for no security.
pub const MAX_LEN: usize = 256;

/// Least estimated number of guesses (log10) for a password not to count as known weak.
const MIN_GUESSES_LOG10: f64 = 10.0;

/// Words that a French user base picks and that zxcvbn's English dictionaries do not know.
const LOCAL_WEAK_WORDS: &[&str] = &[
    "motdepasse",
    "azerty",
    "azertyuiop",
    "bonjour",
    "soleil",
    "doudou",
    "loulou",
    "chouchou",
    "marseille",
    "paris",
    "france",
    "gennevilliers",
    "maillage",
    "clspd",
    "mairie",
    "police",
    "coordinateur",
    "bienvenue",
    "secret",
    "amour",
    "jetaime",
    "chocolat",
    "printemps",
    "automne",
];

/// Why a password is refused; the message is shown to people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("Le mot de passe dépasse {MAX_LEN} caractères.")]
    TooLong,
    #[error(
        "Le mot de passe doit compter au moins 12 caractères mêlant majuscules, minuscules, chiffres et caractères spéciaux, \
         ou au moins 14 caractères de trois de ces types, ou être une phrase de passe d'au moins 7 mots."
    )]
    TooWeakStructure,
    #[error("Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un autre.")]
    KnownWeak,
    #[error("Le mot de passe ne doit pas reprendre l'adresse e-mail ou le nom du compte.")]
    ContainsAccount,
}

/// Checks a new password against the policy. `context` holds words tied to the account (its
/// e-mail, name) that must not make up the password.
pub fn check_policy(password: &str, context: &[&str]) -> Result<(), PolicyError> {
    let len = password.chars().count();
    if len > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(char::is_numeric),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let words = password
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_' || c == '.')
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .count();
    // About 80 bits of entropy, the CNIL's figure for a password alone.
    let structure_ok = (len >= 12 && classes == 4) || (len >= 14 && classes >= 3) || words >= 7;
    if !structure_ok {
        return Err(PolicyError::TooWeakStructure);
    }
    // The account's own address or name, whole, is what an attacker tries first.
    let folded = crate::text::fold(password);
    if context.iter().map(|c| crate::text::fold(c)).any(|c| c.chars().count() >= 4 && folded.contains(&c)) {
        return Err(PolicyError::ContainsAccount);
    }
    let mut dictionary: Vec<&str> = LOCAL_WEAK_WORDS.to_vec();
    dictionary.extend(context.iter().flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric())));
    dictionary.retain(|w| w.len() >= 3);
    let estimate = zxcvbn::zxcvbn(password, &dictionary);
    // 10^10 guesses: zxcvbn's top score, what resists a throttled online attack by far.
    if estimate.guesses_log10() < MIN_GUESSES_LOG10 {
        return Err(PolicyError::KnownWeak);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("le hachage du mot de passe a échoué : {0}")]
pub struct HashError(String);

/// Hashes with argon2id, a random salt and the crate's default (OWASP) parameters. Slow on
/// purpose: call it off the async threads.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// Verifies a password against a stored hash; a malformed hash never verifies.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash that verifies nothing, to spend the same time on unknown accounts as on known ones.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Yl2M1qM3mYk8xWkNJ2C4WZbqfX8vM3bB0hKx5kS0e9g"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cnil_structures_are_accepted() {
        assert_eq!(check_policy("Vq7#kLp2!xZr", &[]), Ok(()));
        assert_eq!(check_policy("Tk9mWq2rZp4vXs", &[]), Ok(()));
        assert_eq!(check_policy("cheval gare piano lune rivière tabouret orange", &[]), Ok(()));
    }

    #[test]
    fn short_or_plain_passwords_are_refused() {
        assert_eq!(check_policy("Ab1!", &[]), Err(PolicyError::TooWeakStructure));
        assert_eq!(check_policy("abcdefghijklmnop", &[]), Err(PolicyError::TooWeakStructure));
        assert_eq!(check_policy("Abcdefghijk1", &[]), Err(PolicyError::TooWeakStructure));
        assert_eq!(check_policy(&"Aa1!".repeat(70), &[]), Err(PolicyError::TooLong));
    }

    #[test]
    fn known_weak_passwords_are_refused_even_with_four_classes() {
        assert_eq!(check_policy("Motdepasse123!", &[]), Err(PolicyError::KnownWeak));
        assert_eq!(check_policy("Password1234!", &[]), Err(PolicyError::KnownWeak));
        assert_eq!(check_policy("Azertyuiop1!", &[]), Err(PolicyError::KnownWeak));
        assert_eq!(check_policy("Dominique.Martin1", &["dominique.martin@example.org"]), Err(PolicyError::KnownWeak));
    }

    #[test]
    fn the_account_itself_is_no_password() {
        let email = "new10@demo.maillage.fr";
        assert_eq!(check_policy(email, &[email, "X"]), Err(PolicyError::ContainsAccount));
        assert_eq!(check_policy("NEW10@demo.maillage.fr!", &[email]), Err(PolicyError::ContainsAccount));
        assert_eq!(check_policy("Vq7#kLp2!xZr", &[email, "X"]), Ok(()), "a one-letter name refuses nothing");
    }

    #[test]
    fn hash_verifies_only_the_right_password() -> Result<(), HashError> {
        let h = hash("Vq7#kLp2!xZr")?;
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("Vq7#kLp2!xZr", &h));
        assert!(!verify("Vq7#kLp2!xZs", &h));
        assert!(!verify("Vq7#kLp2!xZr", "not a hash"));
        assert!(!verify("anything", dummy_hash()));
        Ok(())
    }
}
