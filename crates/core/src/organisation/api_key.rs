//! API keys of organisations (Open311 clients): random, shown once, stored only as a hash.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// A new key: `(key, prefix shown in lists, hash stored)`.
pub fn generate() -> (String, String, String) {
    let mut bytes = [0u8; 24];
    OsRng.fill_bytes(&mut bytes);
    let key = format!("mlg_{}", hex(&bytes));
    let prefix = key.chars().take(10).collect();
    let h = hash(&key);
    (key, prefix, h)
}

/// The stored form of a key.
pub fn hash(key: &str) -> String {
    hex(&Sha256::digest(key.trim().as_bytes()))
}

/// A random token for file names and the like.
pub fn random_hex(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_random_and_hashed() {
        let (k1, p1, h1) = super::generate();
        let (k2, _, h2) = super::generate();
        assert_ne!(k1, k2);
        assert_ne!(h1, h2);
        assert!(k1.starts_with(&p1) && k1.len() == 52);
        assert_eq!(super::hash(&k1), h1);
    }
}
