-- Walks (issue 12, axes 3 and 5): professionals' neighbourhood walks, women's exploratory walks
-- and the twice-yearly GUSP evaluations. Each kind has its observation grid (items kept as
-- data, each optionally tied to the report category its findings usually become); a walk keeps
-- its participants as counts by age band and sex, its ratings of the grid, and its findings
-- placed on the map, with at most one photo each and the report a finding became. A walk names
-- nobody.
CREATE TABLE walk_items (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    category_id BIGINT REFERENCES report_categories(id) ON DELETE SET NULL,
    position BIGINT NOT NULL,
    retired BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX walk_items_label ON walk_items (kind, label);
INSERT INTO walk_items (kind, label, position) VALUES
    ('tour_de_quartier', 'Éclairage', 1),
    ('tour_de_quartier', 'Propreté, dépôts sauvages', 2),
    ('tour_de_quartier', 'Véhicules épaves ou ventouses', 3),
    ('tour_de_quartier', 'Portes d''accès, halls, interphones', 4),
    ('tour_de_quartier', 'Dégradations, tags', 5),
    ('tour_de_quartier', 'Occupation des parties communes', 6),
    ('tour_de_quartier', 'Voirie, trottoirs, mobilier urbain', 7),
    ('marche_exploratoire', 'Éclairage', 1),
    ('marche_exploratoire', 'Visibilité, recoins', 2),
    ('marche_exploratoire', 'Signalétique, orientation', 3),
    ('marche_exploratoire', 'Propreté', 4),
    ('marche_exploratoire', 'Présence humaine, commerces ouverts', 5),
    ('marche_exploratoire', 'Sentiment de sécurité', 6),
    ('gusp', 'Propreté des espaces extérieurs', 1),
    ('gusp', 'Collecte des déchets et encombrants', 2),
    ('gusp', 'Éclairage', 3),
    ('gusp', 'Entretien des halls et parties communes', 4),
    ('gusp', 'Stationnement', 5),
    ('gusp', 'Espaces verts et aires de jeux', 6),
    ('gusp', 'Tranquillité', 7);
CREATE TABLE walks (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    walked_on TEXT NOT NULL,
    district_id BIGINT REFERENCES areas(id) ON DELETE SET NULL,
    route TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    recorded_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    participants_total BIGINT NOT NULL,
    note TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX walks_walked_on ON walks (walked_on);
CREATE INDEX walks_district ON walks (district_id, walked_on);
CREATE TABLE walk_organisations (
    id INTEGER PRIMARY KEY,
    walk_id BIGINT NOT NULL REFERENCES walks(id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    UNIQUE (walk_id, organisation_id)
);
CREATE INDEX walk_organisations_organisation ON walk_organisations (organisation_id);
CREATE TABLE walk_headcounts (
    id INTEGER PRIMARY KEY,
    walk_id BIGINT NOT NULL REFERENCES walks(id) ON DELETE CASCADE,
    age_band TEXT NOT NULL,
    sex TEXT NOT NULL,
    n BIGINT NOT NULL,
    UNIQUE (walk_id, age_band, sex)
);
CREATE TABLE walk_ratings (
    id INTEGER PRIMARY KEY,
    walk_id BIGINT NOT NULL REFERENCES walks(id) ON DELETE CASCADE,
    item_id BIGINT NOT NULL REFERENCES walk_items(id) ON DELETE CASCADE,
    rating BIGINT NOT NULL,
    comment TEXT NOT NULL,
    UNIQUE (walk_id, item_id)
);
CREATE TABLE walk_findings (
    id INTEGER PRIMARY KEY,
    walk_id BIGINT NOT NULL REFERENCES walks(id) ON DELETE CASCADE,
    item_id BIGINT REFERENCES walk_items(id) ON DELETE SET NULL,
    description TEXT NOT NULL,
    place TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    district_id BIGINT REFERENCES areas(id) ON DELETE SET NULL,
    severity TEXT NOT NULL,
    photo_file TEXT,
    photo_thumbnail TEXT,
    photo_caption TEXT NOT NULL,
    report_id BIGINT REFERENCES reports(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX walk_findings_walk ON walk_findings (walk_id);
CREATE INDEX walk_findings_district ON walk_findings (district_id, created_at);
CREATE UNIQUE INDEX walk_findings_report ON walk_findings (report_id);
