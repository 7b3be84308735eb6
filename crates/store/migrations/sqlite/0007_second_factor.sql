-- A second factor (TOTP, RFC 6238) per account. The secret is sealed by the application's
-- keyring (never in clear); it counts once its first code was checked (confirmed_at). The last
-- accepted time step refuses a code used twice. Recovery codes are kept as hashes, each usable once.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_confirmed_at TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
