-- Documents attached to the CLSPD's meetings, kept as files under the data folder; and, for
-- each situation of a working group, the keyed hashes of the names alone (the group, surname
-- and first name, no birth date) of the person and of their legal representatives, separated
-- by spaces, which the documents and minutes of these meetings are checked against so that no
-- followed person's name reaches them (charter art. 5).
ALTER TABLE cases ADD COLUMN name_hashes TEXT;

CREATE TABLE meeting_documents (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL UNIQUE,
    size_bytes BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX meeting_documents_meeting ON meeting_documents (meeting_id);
