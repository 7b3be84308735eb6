-- Photos of an activity carried out (issue 11): pictures only, cleaned as a report's are
-- (decoded and encoded again, so no metadata survives), kept under the data folder. The
-- caption is the picture's text alternative.
CREATE TABLE activity_photos (
    id INTEGER PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    thumbnail_name TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
    caption TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX activity_photos_activity ON activity_photos (activity_id);
