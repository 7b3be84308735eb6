-- The CLSPD's bodies and their meetings: agenda items serving the strategy's sheets, the
-- organisations present with a count of professionals, the minutes (relevé de conclusions),
-- and the decisions taken there (the conclusions' decisions, with the meeting they came from).
CREATE TABLE bodies (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    body_id BIGINT NOT NULL REFERENCES bodies (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT,
    place TEXT NOT NULL,
    status TEXT NOT NULL,
    minutes TEXT NOT NULL,
    professionals_present BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX meetings_start ON meetings (starts_at);

CREATE TABLE agenda_items (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    sheet_code TEXT
);
CREATE INDEX agenda_items_meeting ON agenda_items (meeting_id, position);

CREATE TABLE meeting_organisations (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    UNIQUE (meeting_id, organisation_id)
);

ALTER TABLE decisions ADD COLUMN meeting_id BIGINT REFERENCES meetings (id);

-- Invitations: who was invited to a meeting (accounts of the partner organisations), their
-- reply; the mail that carries an iCalendar invitation, update or cancellation keeps it beside
-- its text.
CREATE TABLE meeting_invitations (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    email TEXT NOT NULL,
    reply TEXT,
    replied_at TEXT,
    invited_at TEXT NOT NULL,
    -- The last refusal of the mail server for this invitation's messages (an address that
    -- bounces at sending), empty while they go through.
    delivery_error TEXT NOT NULL DEFAULT '',
    UNIQUE (meeting_id, user_id)
);
ALTER TABLE outbox ADD COLUMN calendar TEXT;
ALTER TABLE outbox ADD COLUMN meeting_id BIGINT;
