-- Foundation schema, SQLite flavour. The PostgreSQL flavour (../postgres) must declare the same
-- tables and columns: the schema parity test compares them. Times are RFC 3339 UTC text.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    signed_strategy BOOLEAN NOT NULL DEFAULT FALSE,
    match_terms TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    roles TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at TEXT NOT NULL,
    last_login_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT,
    data TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- The audit log is kept apart from business tables: no foreign key ties it to them, so that
-- purging or restoring business data never touches it.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor_label TEXT NOT NULL,
    operation TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    anchor_seq BIGINT NOT NULL,
    anchor_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, anchor_seq, anchor_hash) VALUES
    (1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
        0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE strategies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    territory TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    period_end BIGINT NOT NULL,
    preamble TEXT NOT NULL,
    legal_framework TEXT NOT NULL,
    signatories TEXT NOT NULL,
    annexes TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE strategy_versions (
    id INTEGER PRIMARY KEY,
    strategy_id BIGINT NOT NULL REFERENCES strategies(id),
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    source TEXT NOT NULL,
    content TEXT NOT NULL,
    UNIQUE (strategy_id, version)
);

CREATE TABLE axes (
    id INTEGER PRIMARY KEY,
    strategy_id BIGINT NOT NULL REFERENCES strategies(id),
    number BIGINT NOT NULL,
    title TEXT NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (strategy_id, number)
);

CREATE TABLE action_sheets (
    id INTEGER PRIMARY KEY,
    strategy_id BIGINT NOT NULL REFERENCES strategies(id),
    axis_id BIGINT NOT NULL REFERENCES axes(id),
    code TEXT NOT NULL,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    pilot TEXT NOT NULL,
    diagnostic TEXT NOT NULL,
    objectives TEXT NOT NULL,
    operational_objectives TEXT NOT NULL,
    means TEXT NOT NULL,
    target_public TEXT NOT NULL,
    partners TEXT NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TEXT NOT NULL,
    UNIQUE (strategy_id, code)
);

CREATE TABLE indicators (
    id INTEGER PRIMARY KEY,
    action_sheet_id BIGINT NOT NULL REFERENCES action_sheets(id),
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    label_key TEXT NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (action_sheet_id, label_key)
);

CREATE TABLE glossary_terms (
    id INTEGER PRIMARY KEY,
    term TEXT NOT NULL UNIQUE,
    expansion TEXT NOT NULL,
    created_at TEXT NOT NULL
);
