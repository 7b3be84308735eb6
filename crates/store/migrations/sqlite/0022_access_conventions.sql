-- Vigik access conventions (issue 12, axis 3): the agreements by which a landlord or a
-- co-ownership lets the police and the city's services open its buildings' entrances. Each has
-- its signatories (organisations, and others such as a syndic), the buildings it covers, its
-- dates and a notice period; reminded_for is the end date whose renewal reminder went, so that
-- each term is reminded once. Renewals keep the previous end. No access code is kept.
CREATE TABLE access_conventions (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL,
    holder TEXT NOT NULL,
    other_parties TEXT NOT NULL,
    district_id BIGINT REFERENCES areas(id) ON DELETE SET NULL,
    signed_on TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    notice_days BIGINT NOT NULL,
    note TEXT NOT NULL,
    reminded_for TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX access_conventions_ends ON access_conventions (ends_on);
CREATE TABLE access_convention_parties (
    id INTEGER PRIMARY KEY,
    convention_id BIGINT NOT NULL REFERENCES access_conventions(id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    UNIQUE (convention_id, organisation_id)
);
CREATE INDEX access_convention_parties_organisation ON access_convention_parties (organisation_id);
CREATE TABLE access_convention_buildings (
    id INTEGER PRIMARY KEY,
    convention_id BIGINT NOT NULL REFERENCES access_conventions(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX access_convention_buildings_convention ON access_convention_buildings (convention_id);
CREATE TABLE access_convention_renewals (
    id INTEGER PRIMARY KEY,
    convention_id BIGINT NOT NULL REFERENCES access_conventions(id) ON DELETE CASCADE,
    previous_end TEXT NOT NULL,
    new_end TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    renewed_by TEXT NOT NULL
);
CREATE INDEX access_convention_renewals_convention ON access_convention_renewals (convention_id);
