-- The national prevention strategies (issue 11), versioned: each import of a framework whose
-- content changed is a new version; the highest one is current. The body is the framework as
-- JSON (maillage_core::national_framework::Framework).
CREATE TABLE national_frameworks (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    UNIQUE (code, version)
);

-- A local strategy's sheet serving a national axis (measure_number 0) or one of its measures.
-- Many-to-many, per strategy and framework; kept by code, so that it survives new versions of
-- both.
CREATE TABLE national_alignments (
    id INTEGER PRIMARY KEY,
    strategy_code TEXT NOT NULL,
    framework_code TEXT NOT NULL,
    sheet_code TEXT NOT NULL,
    axis_number BIGINT NOT NULL,
    measure_number BIGINT NOT NULL,
    UNIQUE (strategy_code, framework_code, sheet_code, axis_number, measure_number)
);
