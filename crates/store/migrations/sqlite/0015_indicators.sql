-- The indicators' reference sheets and the figures partners declare (issue 11).
-- An indicator's reference sheet (definition, level, unit, source, breakdowns, frequency,
-- baseline, targets, direction, responsible) is part of the strategy document and versioned
-- with it; it is kept here as JSON beside the wording, '' while nobody described it.
ALTER TABLE indicators ADD COLUMN reference TEXT NOT NULL DEFAULT '';

-- A figure declared by an organisation for an indicator and a period ('2020', '2020-S1',
-- '2019-2020'), with its workflow state (draft, submitted, validated, returned, locked), the
-- warnings its check raised (JSON list) and the coordinator's comment when returned.
CREATE TABLE declared_values (
    id INTEGER PRIMARY KEY,
    indicator_id BIGINT NOT NULL REFERENCES indicators(id),
    period TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL,
    total BIGINT NOT NULL,
    comment TEXT NOT NULL,
    warnings TEXT NOT NULL,
    return_comment TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    submitted_at TEXT,
    validated_at TEXT,
    UNIQUE (indicator_id, period, organisation_id)
);
CREATE INDEX declared_values_organisation ON declared_values (organisation_id, period);
CREATE INDEX declared_values_state ON declared_values (state, period);
-- Its breakdown: dimension (age_band, sex, district, priority_area, organisation) and part
-- (an age band's or a sex's code, an area's or an organisation's id).
CREATE TABLE declared_value_parts (
    id INTEGER PRIMARY KEY,
    declared_value_id BIGINT NOT NULL REFERENCES declared_values(id) ON DELETE CASCADE,
    dimension TEXT NOT NULL,
    part TEXT NOT NULL,
    value BIGINT NOT NULL,
    UNIQUE (declared_value_id, dimension, part)
);

-- A reporting round: which organisations owe which declared indicators for a period, by
-- when. Reminders go by e-mail before and after the deadline, once a day at most.
CREATE TABLE reporting_campaigns (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    period TEXT NOT NULL,
    deadline TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    reminded_on TEXT
);
CREATE TABLE reporting_requests (
    id INTEGER PRIMARY KEY,
    reporting_campaign_id BIGINT NOT NULL REFERENCES reporting_campaigns(id) ON DELETE CASCADE,
    indicator_id BIGINT NOT NULL REFERENCES indicators(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    UNIQUE (reporting_campaign_id, indicator_id, organisation_id)
);

-- The years whose evaluation report the plenary adopted: their figures are locked.
CREATE TABLE adopted_years (
    id INTEGER PRIMARY KEY,
    year BIGINT NOT NULL UNIQUE,
    adopted_on TEXT NOT NULL,
    adopted_by TEXT NOT NULL
);

-- The activities' counts kept ahead get finer lines for the indicators, which filter by kind
-- and public (crates/store/src/activity/tally.rs, FINE_LINES): counted here for the activities
-- already recorded.
INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals)
SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_district', a.kind || '/' || COALESCE(CAST(a.district_id AS TEXT), ''),
COUNT(*), SUM(a.participants_total), SUM(a.professionals_present) FROM activities a JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4;
INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals)
SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_people', a.kind || '/' || p.public || '/' || p.age_band || '/' || p.sex,
0, SUM(p.n), 0 FROM activities a JOIN activity_participants p ON p.activity_id = a.id JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4;
INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals)
SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_public_district',
a.kind || '/' || p.public || '/' || COALESCE(CAST(a.district_id AS TEXT), ''), 0, SUM(p.n), 0
FROM activities a JOIN activity_participants p ON p.activity_id = a.id JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4;
INSERT INTO activity_tallies (year, action_sheet_id, dimension, part, activities, participants, professionals)
SELECT CAST(SUBSTR(a.started_on, 1, 4) AS BIGINT), x.action_sheet_id, 'kind_organisation', a.kind || '/' || CAST(o.organisation_id AS TEXT),
COUNT(*), 0, 0 FROM (SELECT id AS activity_id, organisation_id FROM activities WHERE organisation_id IS NOT NULL
UNION SELECT activity_id, organisation_id FROM activity_organisations) o JOIN activities a ON a.id = o.activity_id
JOIN activity_sheets x ON x.activity_id = a.id GROUP BY 1, 2, 4;
