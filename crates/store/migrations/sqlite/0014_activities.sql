-- Actions carried out under the strategy's sheets (the activity journal), for the evaluation:
-- kind (a list kept as data, in activity_kinds), dates, sheets, district, the
-- organisation that records it and those involved, participants counted by public, age band
-- and sex, professionals present, a short note. Counts only: an activity names nobody.
CREATE TABLE activity_kinds (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    position BIGINT NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO activity_kinds (code, label, position) VALUES
    ('atelier', 'Atelier', 1),
    ('exposition', 'Exposition', 2),
    ('formation', 'Formation', 3),
    ('reunion_partenaires', 'Réunion entre professionnels ou partenaires', 4),
    ('tour_de_quartier', 'Tour de quartier', 5),
    ('marche_exploratoire', 'Marche exploratoire', 6),
    ('sejour', 'Séjour', 7),
    ('module_mec', 'Module éducatif et de citoyenneté (MEC)', 8),
    ('fil_continu', 'Accueil Fil continu (élève exclu temporairement)', 9),
    ('campagne', 'Campagne de sensibilisation', 10),
    ('intervention_prevention', 'Intervention de prévention', 11),
    ('article_presse', 'Article de presse', 12),
    ('evenement', 'Événement, manifestation', 13);
CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL REFERENCES activity_kinds(code),
    title TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    district_id BIGINT REFERENCES areas(id),
    organisation_id BIGINT REFERENCES organisations(id),
    recorded_by_id BIGINT REFERENCES users(id),
    professionals_present BIGINT NOT NULL,
    participants_total BIGINT NOT NULL,
    note TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX activities_started ON activities (started_on, id);
CREATE INDEX activities_organisation ON activities (organisation_id, started_on, id);
CREATE TABLE activity_sheets (
    id INTEGER PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    action_sheet_id BIGINT NOT NULL REFERENCES action_sheets(id),
    UNIQUE (activity_id, action_sheet_id)
);
CREATE INDEX activity_sheets_sheet ON activity_sheets (action_sheet_id, activity_id);
CREATE TABLE activity_organisations (
    id INTEGER PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    UNIQUE (activity_id, organisation_id)
);
CREATE TABLE activity_participants (
    id INTEGER PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    public TEXT NOT NULL,
    age_band TEXT NOT NULL,
    sex TEXT NOT NULL,
    n BIGINT NOT NULL,
    UNIQUE (activity_id, public, age_band, sex)
);
-- The activities counted ahead for the evaluation, by year of their start and sheet (0: every
-- activity once, whatever its sheets), per dimension ('total', 'kind', 'district', 'people')
-- and part (the kind's code, the district's id, 'public/age band/sex'; '' for none). Moved by
-- the store in the transaction that writes an activity (crates/store/src/activity/tally.rs),
-- so that a year's figures read a few lines instead of grouping every activity. Derived data,
-- never exported: counted again at restore.
CREATE TABLE activity_tallies (
    year BIGINT NOT NULL,
    action_sheet_id BIGINT NOT NULL,
    dimension TEXT NOT NULL,
    part TEXT NOT NULL,
    activities BIGINT NOT NULL,
    participants BIGINT NOT NULL,
    professionals BIGINT NOT NULL,
    PRIMARY KEY (year, action_sheet_id, dimension, part)
);
CREATE INDEX activity_tallies_sheet ON activity_tallies (action_sheet_id, dimension, year);
