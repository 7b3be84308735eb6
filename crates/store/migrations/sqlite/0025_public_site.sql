-- The public site for residents: the tranquillity booklet's sections, news, public events and
-- the institutional pages, written in Markdown and kept with their sanitised HTML; the directory
-- of help. Both are public by nature: services and texts, never people.
CREATE TABLE public_pages (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    starts_at TEXT,
    ends_at TEXT,
    place TEXT NOT NULL,
    published BOOLEAN NOT NULL,
    -- The first publication: a news item's date, and the feed's.
    published_at TEXT,
    position BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX public_pages_kind ON public_pages (kind, published, position);

CREATE TABLE help_directory (
    id INTEGER PRIMARY KEY,
    category TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    phone TEXT NOT NULL,
    phone_note TEXT NOT NULL,
    sms TEXT NOT NULL,
    email TEXT NOT NULL,
    url TEXT NOT NULL,
    address TEXT NOT NULL,
    hours TEXT NOT NULL,
    accessibility TEXT NOT NULL,
    position BIGINT NOT NULL,
    version BIGINT NOT NULL
);

-- The indicators whose values the coordinator publishes on the public site.
CREATE TABLE published_indicators (
    id INTEGER PRIMARY KEY,
    indicator_id BIGINT NOT NULL UNIQUE REFERENCES indicators (id)
);
