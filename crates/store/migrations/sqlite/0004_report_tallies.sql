-- Closed reports counted ahead, by month of creation and by district, category and organisation
-- in charge (group_key; 0 for none), with state, lateness (1: closed after its due time) and
-- whole days to resolution (-1: none). A closed report no longer changes, so a period's
-- statistics read these counts for its whole months and the rows only for open reports and the
-- months it cuts. Kept by the store in the transaction that closes or reopens a report
-- (crates/store/src/statistics.rs); derived data, never exported.
CREATE TABLE report_tallies (
    dimension TEXT NOT NULL,
    created_month BIGINT NOT NULL,
    group_key BIGINT NOT NULL,
    state TEXT NOT NULL,
    late BIGINT NOT NULL,
    days BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (dimension, created_month, group_key, state, late, days)
);
INSERT INTO report_tallies (dimension, created_month, group_key, state, late, days, n)
SELECT 'district', created_month, COALESCE(district_id, 0), state,
       CASE WHEN due_at IS NOT NULL AND closed_at > due_at THEN 1 ELSE 0 END,
       CASE WHEN resolution_hours >= 0 AND resolution_hours < 2400000 THEN resolution_hours / 24 ELSE -1 END, COUNT(*)
FROM reports WHERE created_month IS NOT NULL AND state IN ('resolved', 'closed_without_action', 'duplicate') GROUP BY 2, 3, 4, 5, 6;
INSERT INTO report_tallies (dimension, created_month, group_key, state, late, days, n)
SELECT 'category', created_month, category_id, state,
       CASE WHEN due_at IS NOT NULL AND closed_at > due_at THEN 1 ELSE 0 END,
       CASE WHEN resolution_hours >= 0 AND resolution_hours < 2400000 THEN resolution_hours / 24 ELSE -1 END, COUNT(*)
FROM reports WHERE created_month IS NOT NULL AND state IN ('resolved', 'closed_without_action', 'duplicate') GROUP BY 2, 3, 4, 5, 6;
INSERT INTO report_tallies (dimension, created_month, group_key, state, late, days, n)
SELECT 'organisation', created_month, COALESCE(organisation_id, 0), state,
       CASE WHEN due_at IS NOT NULL AND closed_at > due_at THEN 1 ELSE 0 END,
       CASE WHEN resolution_hours >= 0 AND resolution_hours < 2400000 THEN resolution_hours / 24 ELSE -1 END, COUNT(*)
FROM reports WHERE created_month IS NOT NULL AND state IN ('resolved', 'closed_without_action', 'duplicate') GROUP BY 2, 3, 4, 5, 6;
-- Open reports are counted from the rows: this index holds all that reading needs (and
-- replaces reports_state, its first two columns).
DROP INDEX reports_state;
CREATE INDEX reports_open ON reports (state, created_at, created_month, district_id, category_id, organisation_id, due_at, closed_at, resolution_hours);
