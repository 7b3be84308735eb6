-- The rapid alert of axis 1 (issue 12). An alert names nobody: kind, place, time, numbers and
-- short facts. On-call lines say who receives which alerts, where and when, at which level;
-- each delivery carries a single acknowledgement token, stored as its SHA-256 only, and the
-- state of its SMS through the gateway (retried with a growing delay). The timeline is a list
-- of events; the debrief closes the alert with counts and a working group's reference only.
CREATE TABLE on_call_entries (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kinds TEXT NOT NULL,
    district_id BIGINT REFERENCES areas(id) ON DELETE CASCADE,
    days BIGINT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    level BIGINT NOT NULL,
    phone TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX on_call_entries_user ON on_call_entries (user_id);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    district_id BIGINT REFERENCES areas(id) ON DELETE SET NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    place TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    estimated_count BIGINT,
    facts TEXT NOT NULL,
    raised_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    organisation_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    first_acknowledged_at TEXT,
    closed_at TEXT,
    closed_by TEXT,
    what_happened TEXT NOT NULL DEFAULT '',
    who_acted TEXT NOT NULL DEFAULT '',
    families_contacted BOOLEAN NOT NULL DEFAULT FALSE,
    young_people_identified BIGINT NOT NULL DEFAULT 0,
    working_group_id BIGINT REFERENCES working_groups(id) ON DELETE SET NULL
);
CREATE INDEX alerts_created ON alerts (created_at);
CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    chain BIGINT NOT NULL,
    level BIGINT NOT NULL,
    phone TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    sent_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    acknowledged_at TEXT,
    sms_state TEXT NOT NULL,
    sms_attempts BIGINT NOT NULL DEFAULT 0,
    sms_next_at TEXT NOT NULL,
    sms_error TEXT NOT NULL DEFAULT '',
    -- The text for the gateway, with its link: cleared once delivered or given up.
    sms_body TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);
CREATE INDEX alert_deliveries_user ON alert_deliveries (user_id);
CREATE INDEX alert_deliveries_sms ON alert_deliveries (sms_state, sms_next_at);
CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    delivery_id BIGINT REFERENCES alert_deliveries(id) ON DELETE SET NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id);
-- A message telling an alert: when the SMTP server takes it, the alert's timeline says so.
ALTER TABLE outbox ADD COLUMN alert_delivery_id BIGINT;
