-- Reports (signalements): categories, areas, routing, reports with their organisations, history
-- and photos; API keys for Open311; the e-mail outbox. Same tables and columns on both backends.

CREATE TABLE report_categories (
    id INTEGER PRIMARY KEY,
    parent_id BIGINT REFERENCES report_categories(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    keywords TEXT NOT NULL DEFAULT '',
    target_days BIGINT NOT NULL,
    urgent BOOLEAN NOT NULL DEFAULT FALSE,
    questions TEXT NOT NULL DEFAULT '[]',
    position BIGINT NOT NULL DEFAULT 0,
    retired BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TEXT NOT NULL
);

-- Outlines uploaded as GeoJSON; the bounding box lets queries and the map skip far areas.
CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    approximate BOOLEAN NOT NULL DEFAULT FALSE,
    geometry TEXT NOT NULL,
    min_lon DOUBLE PRECISION NOT NULL,
    min_lat DOUBLE PRECISION NOT NULL,
    max_lon DOUBLE PRECISION NOT NULL,
    max_lat DOUBLE PRECISION NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY,
    position BIGINT NOT NULL,
    category_id BIGINT REFERENCES report_categories(id),
    area_id BIGINT REFERENCES areas(id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    also_involve TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES report_categories(id),
    state TEXT NOT NULL,
    close_reason TEXT,
    duplicate_of BIGINT REFERENCES reports(id),
    status_notes TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    district_id BIGINT REFERENCES areas(id) ON DELETE SET NULL,
    priority_area_id BIGINT REFERENCES areas(id) ON DELETE SET NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    reporter_user_id BIGINT REFERENCES users(id),
    reporter_organisation_id BIGINT REFERENCES organisations(id),
    source TEXT NOT NULL,
    answers TEXT NOT NULL DEFAULT '{}',
    urgent BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    due_at TEXT,
    closed_at TEXT,
    resolution_hours BIGINT,
    anonymised_at TEXT
);
CREATE INDEX reports_created_at ON reports (created_at);
CREATE INDEX reports_updated_at ON reports (updated_at);
CREATE INDEX reports_state ON reports (state, created_at);
CREATE INDEX reports_category ON reports (category_id, created_at);
CREATE INDEX reports_district ON reports (district_id, created_at);
CREATE INDEX reports_organisation ON reports (organisation_id, created_at);
CREATE INDEX reports_place ON reports (lat, lon);
CREATE INDEX reports_closed_at ON reports (closed_at);

-- Every organisation a report involves: the one in charge ('lead'), others acting on their part
-- ('involved'), and the reporter's ('reporter'). An organisation sees a report through this.
CREATE TABLE report_involvements (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    part TEXT NOT NULL,
    taken_at TEXT,
    done_at TEXT,
    UNIQUE (report_id, organisation_id)
);
CREATE INDEX report_involvements_organisation ON report_involvements (organisation_id, report_id);

-- History: creation, changes of state, involvements, comments (shared or internal to one
-- organisation), photos, anonymisation.
CREATE TABLE report_events (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    at TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    author_label TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    kind TEXT NOT NULL,
    state TEXT,
    detail TEXT NOT NULL DEFAULT '',
    internal BOOLEAN NOT NULL DEFAULT FALSE,
    body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, id);

CREATE TABLE report_photos (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES reports(id),
    file_name TEXT NOT NULL,
    thumbnail_name TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX report_photos_report ON report_photos (report_id);

-- Open311 keys: only a hash is kept; the prefix tells keys apart on the page.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    label TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);

-- Mail waits here until the sender delivers it, so that nothing is lost on a restart or while
-- the SMTP server is down.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

ALTER TABLE users ADD COLUMN daily_digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN digest_sent_at TEXT;
