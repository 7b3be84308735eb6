-- Reports are searched by words of their description and address, folded (lower case, no
-- accents) by the application, which fills the column at each write and, for reports written
-- before it existed, at start. Anonymising a report empties it.
ALTER TABLE reports ADD COLUMN search_text TEXT;
