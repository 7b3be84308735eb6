//! The second factor (TOTP, RFC 6238: six digits, 30-second steps, SHA-1 as every
//! authenticator app reads it). The secret is sealed by the keyring before it is stored; the
//! QR code that carries it to the phone is drawn on the server as SVG. Ten recovery codes,
//! stored hashed, each usable once, replace the phone when it is lost.

use crate::App;
use crate::keyring::{Keyring, KeyringError};
use maillage_store::{Author, StoreError};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// How many recovery codes an account gets.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "Maillage";

#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("aucun fichier de clés n'est configuré : la double authentification ne peut pas être activée")]
    NoKeyring,
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("secret de double authentification illisible")]
    BadSecret,
}

/// What a user sees to enrol: the QR code and the same secret as text, for typing.
#[derive(Clone, Debug)]
pub struct Enrolment {
    pub qr_svg: String,
    pub secret_base32: String,
}

fn place(user_id: i64) -> String {
    format!("users.totp_secret.{user_id}")
}

fn totp(secret: &[u8], email: &str) -> Result<Totp, SecondFactorError> {
    // No skew here: the window is walked by `check`, which says which step matched.
    Builder::new()
        .with_secret(Secret::from(secret.to_vec()))
        .with_skew(1)
        .with_account_name(email)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|_| SecondFactorError::BadSecret)
}

fn keyring(app: &App) -> Result<&Keyring, SecondFactorError> {
    app.keyring.as_deref().ok_or(SecondFactorError::NoKeyring)
}

fn unix_now() -> u64 {
    u64::try_from(maillage_core::time_fmt::now().unix_timestamp()).unwrap_or(0)
}

/// Starts (or starts again) an enrolment: a new secret, sealed and stored unconfirmed.
pub async fn enrol(app: &App, by: &Author, user_id: i64, email: &str) -> Result<Enrolment, SecondFactorError> {
    let bytes: [u8; 32] = crate::keyring::random_32();
    enrol_with(app, by, user_id, email, &bytes[..20]).await
}

/// An enrolment with a given secret, confirmed at once: the demo's accounts, whose secrets
/// are printed with their passwords (`secret` in base32). Returns the recovery codes.
pub async fn enrol_confirmed(app: &App, by: &Author, user_id: i64, email: &str, secret: &str) -> Result<Vec<String>, SecondFactorError> {
    let secret = Secret::try_from_base32(secret).map(|s| s.as_bytes().to_vec()).map_err(|_| SecondFactorError::BadSecret)?;
    enrol_with(app, by, user_id, email, &secret).await?;
    let code = totp(&secret, email)?.generate(unix_now()).to_string();
    confirm(app, by, user_id, email, &code, None).await?.ok_or(SecondFactorError::BadSecret)
}

async fn enrol_with(app: &App, by: &Author, user_id: i64, email: &str, secret: &[u8]) -> Result<Enrolment, SecondFactorError> {
    let ring = keyring(app)?;
    let encoded = Secret::from(secret.to_vec()).to_base32();
    app.store.start_second_factor(by, user_id, &ring.seal(&encoded, &place(user_id))).await?;
    enrolment(secret, email)
}

/// The enrolment under way, drawn again (after a wrong first code).
pub async fn pending(app: &App, user_id: i64, email: &str) -> Result<Option<Enrolment>, SecondFactorError> {
    match app.store.second_factor(user_id).await? {
        Some(f) if !f.confirmed => Ok(Some(enrolment(&secret_of(app, user_id, &f.sealed_secret)?, email)?)),
        _ => Ok(None),
    }
}

fn enrolment(secret: &[u8], email: &str) -> Result<Enrolment, SecondFactorError> {
    let t = totp(secret, email)?;
    let url = t.to_url().map_err(|_| SecondFactorError::BadSecret)?;
    let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|_| SecondFactorError::BadSecret)?;
    let qr_svg = qr.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).quiet_zone(true).build();
    // The XML declaration has no place inside a page.
    let qr_svg = qr_svg.split_once("?>").map_or(qr_svg.clone(), |(_, rest)| rest.trim_start().to_string());
    let qr_svg = qr_svg.replacen("<svg ", "<svg role=\"img\" aria-label=\"Code QR à lire avec l'application d'authentification\" ", 1);
    Ok(Enrolment { qr_svg, secret_base32: Secret::from(secret.to_vec()).to_base32() })
}

fn secret_of(app: &App, user_id: i64, sealed: &str) -> Result<Vec<u8>, SecondFactorError> {
    let encoded = keyring(app)?.open(sealed, &place(user_id))?;
    Secret::try_from_base32(encoded).map(|s| s.as_bytes().to_vec()).map_err(|_| SecondFactorError::BadSecret)
}

/// The time step a code matches now (one step of drift either way), if any.
fn matching_step(secret: &[u8], email: &str, code: &str, time: u64) -> Result<Option<i64>, SecondFactorError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(totp(secret, email)?.check(&code, time).and_then(|step| i64::try_from(step).ok()))
}

/// Confirms an enrolment with its first code; returns the recovery codes, shown once.
pub async fn confirm(
    app: &App,
    by: &Author,
    user_id: i64,
    email: &str,
    code: &str,
    keep_session: Option<&str>,
) -> Result<Option<Vec<String>>, SecondFactorError> {
    let Some(f) = app.store.second_factor(user_id).await? else { return Ok(None) };
    if f.confirmed {
        return Ok(None);
    }
    let secret = secret_of(app, user_id, &f.sealed_secret)?;
    let Some(step) = matching_step(&secret, email, code, unix_now())? else { return Ok(None) };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| hash_recovery(c)).collect();
    app.store.confirm_second_factor(by, user_id, step, &hashes, keep_session).await?;
    Ok(Some(codes))
}

/// Whether the account asks for a second factor at login.
pub async fn is_on(app: &App, user_id: i64) -> Result<bool, SecondFactorError> {
    Ok(app.store.second_factor(user_id).await?.is_some_and(|f| f.confirmed))
}

/// Checks a code given at login: a current TOTP code not used before, or an unused recovery code.
pub async fn verify(app: &App, by: &Author, user_id: i64, email: &str, code: &str) -> Result<bool, SecondFactorError> {
    let Some(f) = app.store.second_factor(user_id).await?.filter(|f| f.confirmed) else { return Ok(false) };
    let secret = secret_of(app, user_id, &f.sealed_secret)?;
    if let Some(step) = matching_step(&secret, email, code, unix_now())? {
        return Ok(app.store.accept_second_factor_step(user_id, step).await?);
    }
    let typed = normalise_recovery(code);
    if typed.len() == 10 {
        return Ok(app.store.use_recovery_code(by, user_id, &hash_recovery(&typed)).await?);
    }
    Ok(false)
}

/// The code an authenticator shows at `time` for a sealed secret (what the tests type).
pub fn code_at(app: &App, user_id: i64, email: &str, sealed: &str, time: u64) -> Result<String, SecondFactorError> {
    Ok(totp(&secret_of(app, user_id, sealed)?, email)?.generate(time).to_string())
}

/// Ten characters from an alphabet without look-alikes, written in two groups of five.
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let bytes: [u8; 32] = crate::keyring::random_32();
    let chars: String = bytes.iter().take(10).map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalise_recovery(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn hash_recovery(code: &str) -> String {
    Sha256::digest(normalise_recovery(code).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}
