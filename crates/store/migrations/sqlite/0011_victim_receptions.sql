-- The anonymous log of victims received at front desks (axis 4): no name, no free text.
CREATE TABLE victim_receptions (
    id INTEGER PRIMARY KEY,
    received_on TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    fact_kind TEXT NOT NULL,
    age_band TEXT NOT NULL,
    sex TEXT NOT NULL,
    orientation TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX victim_receptions_day ON victim_receptions (received_on);
CREATE INDEX victim_receptions_organisation ON victim_receptions (organisation_id, received_on);
