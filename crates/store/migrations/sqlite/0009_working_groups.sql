-- Working groups under the charter (seed's annex) and the situations they follow (AU-038 art. 3).
-- Nominative values (the person's identity, the judicial measures, the actions' notes) are sealed
-- by the application's keyring before they reach this schema; lookup_hash is a keyed hash of the
-- folded name and birth date, so that a person can be found without a name in clear.
CREATE TABLE working_groups (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    sheets TEXT NOT NULL,
    animator_id BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE TABLE charter_versions (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES working_groups(id),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    adopted_at TEXT NOT NULL,
    UNIQUE (group_id, version)
);
CREATE TABLE charter_signatures (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES working_groups(id),
    version BIGINT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    signatory TEXT NOT NULL,
    signed_on TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (group_id, version, organisation_id)
);
CREATE TABLE group_members (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES working_groups(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    function TEXT NOT NULL,
    added_at TEXT NOT NULL,
    accepted_version BIGINT,
    accepted_at TEXT,
    excluded_at TEXT,
    exclusion_reason TEXT,
    UNIQUE (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    group_id BIGINT NOT NULL REFERENCES working_groups(id),
    identity TEXT NOT NULL,
    lookup_hash TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    origin TEXT NOT NULL,
    reported_by_id BIGINT REFERENCES users(id),
    reported_by_org_id BIGINT REFERENCES organisations(id),
    programme TEXT NOT NULL,
    referent_id BIGINT REFERENCES users(id),
    already_in_charge BOOLEAN NOT NULL,
    in_charge_org_id BIGINT REFERENCES organisations(id),
    judicial TEXT,
    informed_on TEXT,
    informing_means TEXT,
    informing_deferred TEXT,
    ended_on TEXT,
    outcome TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX cases_group ON cases (group_id, ended_on, id);
CREATE INDEX cases_lookup ON cases (lookup_hash);
CREATE TABLE case_actions (
    id INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    started_on TEXT NOT NULL,
    ended_on TEXT,
    result TEXT NOT NULL,
    note TEXT,
    author_id BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX case_actions_case ON case_actions (case_id, started_on);
-- The DPO alert counts one account's recent reads of situations.
CREATE INDEX audit_log_actor_operation ON audit_log (actor_id, operation, at);
-- The followed situations whose person is still to be informed, counted on every list.
CREATE INDEX cases_informing ON cases (group_id, ended_on, informed_on, informing_deferred);
