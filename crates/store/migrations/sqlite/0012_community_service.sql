-- Community service (TIG) and reparation measures (axis 2): host structures, their posts with
-- the tutor, tutor trainings, and placements. A placement is pseudonymised: the referring
-- service's file reference is sealed like a situation's identity; the rest are codes from
-- lists, dates and hours, counted for the evaluation. A keyed hash of the reference finds the same
-- file again in the group (and counts people, not measures) without the reference in clear. Placements belong to a working group of
-- kind community_service, whose members alone read them.
CREATE TABLE host_structures (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE host_posts (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES host_structures(id),
    service TEXT NOT NULL,
    activity TEXT NOT NULL,
    places BIGINT NOT NULL,
    minors_accepted BOOLEAN NOT NULL,
    tutor_name TEXT NOT NULL,
    tutor_function TEXT NOT NULL,
    tutor_trained_on TEXT,
    opened_on TEXT NOT NULL,
    closed_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX host_posts_structure ON host_posts (structure_id);
CREATE TABLE tutor_trainings (
    id INTEGER PRIMARY KEY,
    held_on TEXT NOT NULL,
    title TEXT NOT NULL,
    organised_with TEXT NOT NULL,
    tutors_trained BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX tutor_trainings_day ON tutor_trainings (held_on);
CREATE TABLE tutor_training_posts (
    id INTEGER PRIMARY KEY,
    training_id BIGINT NOT NULL REFERENCES tutor_trainings(id),
    post_id BIGINT NOT NULL REFERENCES host_posts(id),
    UNIQUE (training_id, post_id)
);
CREATE TABLE placements (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES working_groups(id),
    reference TEXT NOT NULL,
    reference_hash TEXT NOT NULL,
    referrer TEXT NOT NULL,
    measure TEXT NOT NULL,
    sex TEXT NOT NULL,
    age_band TEXT NOT NULL,
    post_id BIGINT REFERENCES host_posts(id),
    decided_on TEXT NOT NULL,
    referred_on TEXT,
    started_on TEXT,
    ended_on TEXT,
    hours_ordered BIGINT,
    hours_done BIGINT NOT NULL,
    outcome TEXT,
    created_by BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX placements_group ON placements (group_id, ended_on, id);
CREATE INDEX placements_reference ON placements (group_id, reference_hash);
CREATE INDEX placements_post ON placements (post_id, started_on);
CREATE INDEX placements_ended ON placements (ended_on);
