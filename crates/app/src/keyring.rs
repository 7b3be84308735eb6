//! Encryption of nominative fields at rest (privacy rules §5): XChaCha20-Poly1305 with a random
//! nonce per value and the value's place (table, column, row) as associated data, so that a
//! value moved to another row does not decrypt. The keys live in a file outside the database
//! (and outside its backups); each stored value names the key that sealed it, so that keys can
//! be rotated. A keyed hash (HMAC-SHA256 under a key of its own) lets a person be looked up
//! without storing their name in clear.
//!
//! The key file, one key per line, the last `key` line being the current one:
//!
//! ```text
//! # Maillage — keep this file outside the database folder and its backups.
//! lookup <base64 of 32 bytes>
//! key k1 <base64 of 32 bytes>
//! key k2 <base64 of 32 bytes>
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::Mac;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("fichier de clés {0} absent : il est nécessaire pour lire et écrire les données chiffrées")]
    Missing(PathBuf),
    #[error("fichier de clés {path} illisible")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("fichier de clés {path}, ligne {line} : {what}")]
    Malformed { path: PathBuf, line: usize, what: &'static str },
    #[error("la clé « {0} » qui a chiffré des données n'est pas dans le fichier de clés")]
    UnknownKey(String),
    #[error("valeur chiffrée altérée ou déplacée ({0})")]
    Tampered(String),
    #[error("impossible d'écrire le fichier de clés {path}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// The keys, read once at start.
#[derive(Clone)]
pub struct Keyring {
    keys: BTreeMap<String, Key>,
    current: String,
    lookup: [u8; 32],
}

impl std::fmt::Debug for Keyring {
    // Never the keys themselves.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("keys", &self.keys.keys().collect::<Vec<_>>()).field("current", &self.current).finish()
    }
}

pub(crate) fn random_32() -> [u8; 32] {
    Key::generate().into()
}

impl Keyring {
    /// Reads the key file.
    pub fn load(path: &Path) -> Result<Keyring, KeyringError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyringError::Missing(path.to_path_buf())),
            Err(source) => return Err(KeyringError::Unreadable { path: path.to_path_buf(), source }),
        };
        Self::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Keyring, KeyringError> {
        let bad = |line: usize, what| KeyringError::Malformed { path: path.to_path_buf(), line, what };
        let bytes = |line: usize, b64: &str| -> Result<[u8; 32], KeyringError> {
            B64.decode(b64.trim())
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
                .ok_or_else(|| bad(line, "clé attendue : 32 octets en base64"))
        };
        let (mut keys, mut current, mut lookup) = (BTreeMap::new(), None, None);
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            match parts.as_slice() {
                ["lookup", b64] => lookup = Some(bytes(n, b64)?),
                ["key", id, b64] => {
                    if !id.chars().all(|c| c.is_ascii_alphanumeric()) || id.len() > 16 {
                        return Err(bad(n, "nom de clé attendu : lettres et chiffres, 16 au plus"));
                    }
                    if keys.insert((*id).to_string(), Key::from(bytes(n, b64)?)).is_some() {
                        return Err(bad(n, "nom de clé en double"));
                    }
                    current = Some((*id).to_string());
                }
                _ => return Err(bad(n, "ligne attendue : « lookup <clé> » ou « key <nom> <clé> »")),
            }
        }
        let current = current.ok_or_else(|| bad(0, "aucune ligne « key »"))?;
        let lookup = lookup.ok_or_else(|| bad(0, "aucune ligne « lookup »"))?;
        Ok(Keyring { keys, current, lookup })
    }

    /// Makes a new key file (the demo's, or a first installation's), readable by its owner only.
    /// An existing file is never overwritten.
    pub fn create(path: &Path) -> Result<Keyring, KeyringError> {
        let write = |source| KeyringError::Write { path: path.to_path_buf(), source };
        let text = format!(
            "# Maillage — clés de chiffrement des données nominatives.\n# Gardez ce fichier hors du dossier de la base et de ses sauvegardes.\nlookup {}\nkey k1 {}\n",
            B64.encode(random_32()),
            B64.encode(random_32())
        );
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(write)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(write)?;
        file.sync_all().map_err(write)?;
        Self::parse(path, &text)
    }

    /// Adds a new current key to the file (the older ones stay, to read what they sealed).
    pub fn add_key(path: &Path) -> Result<Keyring, KeyringError> {
        let ring = Self::load(path)?;
        let next = (1..).map(|n| format!("k{n}")).find(|id| !ring.keys.contains_key(id)).unwrap_or_else(|| "k0".into());
        let write = |source| KeyringError::Write { path: path.to_path_buf(), source };
        let mut file = std::fs::OpenOptions::new().append(true).open(path).map_err(write)?;
        std::io::Write::write_all(&mut file, format!("key {next} {}\n", B64.encode(random_32())).as_bytes()).map_err(write)?;
        file.sync_all().map_err(write)?;
        Self::load(path)
    }

    /// The name of the key new values are sealed with.
    pub fn current(&self) -> &str {
        &self.current
    }

    /// Whether a key of that name is held.
    pub fn has(&self, id: &str) -> bool {
        self.keys.contains_key(id)
    }

    /// Seals `plain` for its place `aad` (e.g. `users.totp_secret.12`): `k1:<base64>`.
    pub fn seal(&self, plain: &str, aad: &str) -> String {
        let key = &self.keys[&self.current];
        let nonce = XNonce::generate();
        let sealed = XChaCha20Poly1305::new(key)
            .encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: aad.as_bytes() })
            // Encryption fails only for a message over 256 GiB.
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        format!("{}:{}", self.current, B64.encode(bytes))
    }

    /// Opens a value sealed by [`Keyring::seal`] for the same place.
    pub fn open(&self, stored: &str, aad: &str) -> Result<String, KeyringError> {
        let (id, b64) = stored.split_once(':').ok_or_else(|| KeyringError::Tampered(aad.into()))?;
        let key = self.keys.get(id).ok_or_else(|| KeyringError::UnknownKey(id.into()))?;
        let bytes = B64.decode(b64).map_err(|_| KeyringError::Tampered(aad.into()))?;
        if bytes.len() < NONCE_LEN {
            return Err(KeyringError::Tampered(aad.into()));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| KeyringError::Tampered(aad.into()))?;
        let plain = XChaCha20Poly1305::new(key)
            .decrypt(&nonce, Payload { msg: sealed, aad: aad.as_bytes() })
            .map_err(|_| KeyringError::Tampered(aad.into()))?;
        String::from_utf8(plain).map_err(|_| KeyringError::Tampered(aad.into()))
    }

    /// The name of the key that sealed a stored value.
    pub fn key_of(stored: &str) -> Option<&str> {
        stored.split_once(':').map(|(id, _)| id)
    }

    /// A keyed hash of `text` (already normalised by the caller), in hex: equal texts give equal
    /// hashes, and nobody without the key can test a guess.
    pub fn lookup_hash(&self, text: &str) -> String {
        self.lookup_hasher()(text)
    }

    /// [`Keyring::lookup_hash`] for many texts in a row (a document read for names): the
    /// key is set up once.
    pub fn lookup_hasher(&self) -> impl Fn(&str) -> String + use<> {
        let keyed = <hmac::Hmac<sha2::Sha256>>::new_from_slice(&self.lookup).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        move |text| {
            let mut mac = keyed.clone();
            mac.update(text.as_bytes());
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut out = String::with_capacity(64);
            for b in mac.finalize().into_bytes() {
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
            out
        }
    }
}

/// Seals again, under the current key, every value sealed by an older one, in batches of
/// `batch` rows (each batch one transaction and one audit entry); `progress` gets the running
/// count. Once it has run, the older keys can leave the key file.
pub async fn rotate(app: &crate::App, by: &maillage_store::Author, batch: i64, progress: &mut dyn FnMut(u64)) -> Result<u64, RotateError> {
    use maillage_store::sealed::{SEALED_COLUMNS, place};
    let ring = app.keyring.as_deref().ok_or(RotateError::NoKeyring)?;
    let mut done = 0;
    for (i, (table, column)) in SEALED_COLUMNS.iter().enumerate() {
        let mut after = 0;
        loop {
            let values = app.store.sealed_batch(i, ring.current(), after, batch.max(1)).await?;
            let Some(last) = values.last() else { break };
            after = last.id;
            let mut resealed = Vec::with_capacity(values.len());
            for v in values {
                let at = place(table, column, v.id);
                let plain = ring.open(&v.value, &at)?;
                let new = ring.seal(&plain, &at);
                resealed.push((v, new));
            }
            done += app.store.reseal(by, i, &resealed).await?;
            progress(done);
        }
    }
    Ok(done)
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("aucun fichier de clés n'est configuré (key_file)")]
    NoKeyring,
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error(transparent)]
    Store(#[from] maillage_store::StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> (PathBuf, Keyring) {
        let dir = std::env::temp_dir().join(format!("maillage-keyring-{}-{}", std::process::id(), random_32()[0]));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cles");
        let ring = Keyring::create(&path).unwrap();
        (path, ring)
    }

    #[test]
    fn values_open_only_in_their_place_and_survive_a_rotation() {
        let (path, ring) = ring();
        let sealed = ring.seal("Dupont Marie", "cases.surname.3");
        assert!(sealed.starts_with("k1:") && !sealed.contains("Dupont"));
        assert_ne!(sealed, ring.seal("Dupont Marie", "cases.surname.3"), "a new nonce each time");
        assert_eq!(ring.open(&sealed, "cases.surname.3").unwrap(), "Dupont Marie");
        assert!(matches!(ring.open(&sealed, "cases.surname.4"), Err(KeyringError::Tampered(_))), "moved to another row");
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert!(ring.open(&String::from_utf8(flipped).unwrap(), "cases.surname.3").is_err());
        let rotated = Keyring::add_key(&path).unwrap();
        assert_eq!(rotated.current(), "k2");
        assert_eq!(rotated.open(&sealed, "cases.surname.3").unwrap(), "Dupont Marie", "old values still open");
        assert!(rotated.seal("x", "a").starts_with("k2:"));
        assert_eq!(rotated.lookup_hash("dupont marie 2010-04-02"), ring.lookup_hash("dupont marie 2010-04-02"), "lookups survive rotation");
        // A file that lost a key refuses what that key sealed, and names it.
        std::fs::write(
            &path,
            std::fs::read_to_string(&path).unwrap().lines().filter(|l| !l.starts_with("key k1")).collect::<Vec<_>>().join("\n"),
        )
        .unwrap();
        let lost = Keyring::load(&path).unwrap();
        assert!(matches!(lost.open(&sealed, "cases.surname.3"), Err(KeyringError::UnknownKey(k)) if k == "k1"));
        assert!(Keyring::create(&path).is_err(), "never overwritten");
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    }

    #[test]
    fn bad_key_files_are_refused_with_their_line() {
        let p = Path::new("cles");
        assert!(matches!(Keyring::load(Path::new("/nonexistent/cles")), Err(KeyringError::Missing(_))));
        for (text, line) in [("key k1 abc\n", 1), ("lookup AAAA\n", 1), ("# x\n\nkey k1 ", 3), ("bonjour\n", 1)] {
            match Keyring::parse(p, text) {
                Err(KeyringError::Malformed { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let good = format!("lookup {}\n", B64.encode([1u8; 32]));
        assert!(matches!(Keyring::parse(p, &good), Err(KeyringError::Malformed { line: 0, .. })), "no key");
    }
}
