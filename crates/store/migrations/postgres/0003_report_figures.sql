-- Statistics group reports by month: the month of creation (Paris time, as 202611) is kept as
-- a number, and an index holds every column the figures read, so that a period's figures come
-- from the index alone.
ALTER TABLE reports ADD COLUMN created_month BIGINT;
UPDATE reports SET created_month = CAST(substr(created_at, 1, 4) AS BIGINT) * 100 + CAST(substr(created_at, 6, 2) AS BIGINT);
CREATE INDEX reports_figures ON reports (created_at, created_month, district_id, category_id, organisation_id, state, due_at, closed_at, resolution_hours);
