-- A working group's meetings (charter art. 6): members present, qualified persons invited to one
-- meeting (art. 2: bound by confidentiality, no access to the files), the situations examined
-- and the decisions taken, each with its lead professional and a follow-up date. A decision's
-- text is sealed like the situation it concerns; its kind is a code from a list, so that the
-- relevé de conclusions and the dashboard count decisions without a word about anyone.
CREATE TABLE group_meetings (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES working_groups(id),
    held_on TEXT NOT NULL,
    place TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX group_meetings_group ON group_meetings (group_id, held_on);
CREATE TABLE meeting_attendance (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES group_meetings(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    UNIQUE (meeting_id, user_id)
);
CREATE TABLE invited_persons (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES group_meetings(id),
    name TEXT NOT NULL,
    function TEXT NOT NULL,
    accepted_at TEXT NOT NULL
);
CREATE TABLE meeting_decisions (
    id INTEGER PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES group_meetings(id),
    case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    text TEXT,
    lead_id BIGINT REFERENCES users(id),
    follow_up_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id);
CREATE INDEX meeting_decisions_case ON meeting_decisions (case_id);
