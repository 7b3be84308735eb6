-- The CCTV footage register (issue 12, axis 3; CSI L.252-5): cameras with the préfet's
-- authorisation and retention period (a month at most), the agents individually authorised to
-- keep the register, requests for footage, their viewings and extractions, each extraction's
-- destruction day and its destruction (or its keeping for a judicial procedure). Entries are kept
-- three years.
CREATE TABLE cameras (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    site_kind TEXT NOT NULL,
    site TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    authorisation TEXT NOT NULL,
    authorised_on TEXT NOT NULL,
    retention_days BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE video_agents (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    granted_at TEXT NOT NULL,
    granted_by TEXT NOT NULL
);
CREATE TABLE footage_requests (
    id INTEGER PRIMARY KEY,
    camera_id BIGINT NOT NULL REFERENCES cameras(id),
    requester TEXT NOT NULL,
    service TEXT NOT NULL,
    procedure_number TEXT NOT NULL,
    reason TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX footage_requests_created ON footage_requests (created_at);
CREATE TABLE footage_viewings (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    viewed_at TEXT NOT NULL,
    agent TEXT NOT NULL
);
CREATE INDEX footage_viewings_request ON footage_viewings (request_id);
CREATE TABLE extractions (
    id INTEGER PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES footage_requests(id) ON DELETE CASCADE,
    extracted_at TEXT NOT NULL,
    agent TEXT NOT NULL,
    recipient TEXT NOT NULL,
    judicial BOOLEAN NOT NULL,
    destroy_by TEXT,
    destroyed_on TEXT,
    destroyed_by TEXT NOT NULL
);
CREATE INDEX extractions_request ON extractions (request_id);
CREATE INDEX extractions_due ON extractions (destroy_by);
