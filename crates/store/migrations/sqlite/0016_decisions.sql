-- The conclusions' dashboard (issue 11; charter art. 6). Aggregates and plans only, nothing
-- nominative. An operational objective is known by its sheet's code and its wording in the
-- strategy (a reworded objective starts again as not started); its status is kept per year,
-- as it stood for that year's report, and carried forward until changed.
CREATE TABLE objective_statuses (
    id INTEGER PRIMARY KEY,
    sheet_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    objective TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (sheet_code, year, objective)
);

-- A sheet's judgement for a year: red, amber or green, its analysis and recommendations.
CREATE TABLE sheet_judgements (
    id INTEGER PRIMARY KEY,
    sheet_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    rag TEXT NOT NULL,
    analysis TEXT NOT NULL,
    recommendations TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (sheet_code, year)
);

-- A decision taken for a sheet in a year, who carries it (an organisation or a role, never a
-- followed person) and by when; done when its done_on is set.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    sheet_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    text TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT,
    done_on TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX decisions_sheet ON decisions (sheet_code, year);
