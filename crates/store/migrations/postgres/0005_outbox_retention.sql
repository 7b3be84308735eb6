-- Mail about a report is linked to it, so that anonymising the report clears what is queued
-- or kept about it; sent mail is deleted after a short period (mail_retention_days).
ALTER TABLE outbox ADD COLUMN report_id BIGINT;
CREATE INDEX outbox_report ON outbox (report_id);
CREATE INDEX outbox_sent ON outbox (sent_at);
