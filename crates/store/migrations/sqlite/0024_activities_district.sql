-- The evaluation's figures of one district are grouped from the rows: an index that leads
-- with the district keeps that to the district's year.
CREATE INDEX activities_district ON activities (district_id, started_on, id);
