-- The reports whose search text is still to be filled (written before the column existed, or
-- restored from an older backup): found at each start without reading every report.
CREATE INDEX reports_search_pending ON reports (id) WHERE search_text IS NULL;
