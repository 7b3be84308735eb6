-- The neighbourhood observatory (issue 12, axis 3): counts by area (district, priority area,
-- police sector), source and day, kept ahead from the records' points by a job (derived data,
-- never exported: counted again after a restore); the set of areas they were counted against
-- (a change counts everything again); the local actors' dated observations; and the weekly
-- digests they subscribe to, with the day each last went.
CREATE TABLE observatory_counts (
    id INTEGER PRIMARY KEY,
    area_id BIGINT NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    day TEXT NOT NULL,
    n BIGINT NOT NULL
);
-- Both cover what the pages read, so that neither reads the table: an area's days, and every
-- area's days of a period. The job writes each (area, source, day) once, from one tally.
CREATE INDEX observatory_counts_area ON observatory_counts (area_id, day, source, n);
CREATE INDEX observatory_counts_day ON observatory_counts (day, area_id, source, n);
CREATE TABLE observatory_refreshes (
    id INTEGER PRIMARY KEY,
    areas TEXT NOT NULL,
    refreshed_at TEXT NOT NULL
);
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    area_id BIGINT NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
    observed_on TEXT NOT NULL,
    body TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX observations_area ON observations (area_id, observed_on);
CREATE TABLE observatory_subscriptions (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    area_id BIGINT NOT NULL REFERENCES areas(id) ON DELETE CASCADE,
    last_sent_on TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, area_id)
);
