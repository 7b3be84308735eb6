-- A working group's situations counted ahead: followed, archived, and followed with the person
-- neither informed nor the informing deferred. The group's list reads these three numbers
-- instead of counting its rows at every page. Kept by the store in the transaction that
-- creates, informs, closes or removes a situation (crates/store/src/working_group/case_count.rs);
-- derived data, never exported: counted again at restore.
CREATE TABLE case_counts (
    group_id BIGINT PRIMARY KEY REFERENCES working_groups(id),
    followed BIGINT NOT NULL,
    archived BIGINT NOT NULL,
    not_informed BIGINT NOT NULL
);
INSERT INTO case_counts (group_id, followed, archived, not_informed)
SELECT group_id,
       SUM(CASE WHEN ended_on IS NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN ended_on IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN ended_on IS NULL AND informed_on IS NULL AND informing_deferred IS NULL THEN 1 ELSE 0 END)
FROM cases GROUP BY group_id;
