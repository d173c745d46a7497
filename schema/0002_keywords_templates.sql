-- Search fields, prompt-keyword statistics and the template library.

-- The bulky text of a generation moves to its own table, so that `generations` is a
-- narrow row of parameters (~100 bytes instead of ~1.2 KB) that filters, sorts and
-- statistics scan quickly (a full scan of a million records: ~0.1 GB instead of 1.4).
CREATE TABLE generation_texts (
  asset_id        INTEGER PRIMARY KEY REFERENCES assets(id),
  prompt          TEXT,
  negative_prompt TEXT,
  created_at      TEXT,
  details_json    TEXT,  -- the rest of the record (system, performance, extra params, ...)
  raw             BLOB   -- the metadata verbatim, see db/raw_metadata.h
);
INSERT INTO generation_texts(asset_id, prompt, negative_prompt, created_at, details_json, raw)
  SELECT asset_id, prompt, negative_prompt, created_at, details_json, raw FROM generations;
ALTER TABLE generations DROP COLUMN prompt;
ALTER TABLE generations DROP COLUMN negative_prompt;
ALTER TABLE generations DROP COLUMN created_at;
ALTER TABLE generations DROP COLUMN details_json;
ALTER TABLE generations DROP COLUMN raw;

-- When the image was made (unix seconds): the metadata's creation time, else the file's
-- modification time at import. Drives date: queries, sort:date and trends.
ALTER TABLE generations ADD COLUMN made_at INTEGER;
-- The template a generation was made from (record.template_use.id), for template:ID.
ALTER TABLE generations ADD COLUMN template_id TEXT;
-- The record's keyword ids as varints, sorted: positive ones, a 0, negative ones
-- (see db/keyword_index.h). Read to aggregate keywords over a query's results; the
-- records holding one keyword are found through the full-text index (the keyword's
-- words as a phrase) and checked against this list, so no keyword -> record table has
-- to be kept up to date at ingest (it cost ~30 us per record, half the writer's time).
ALTER TABLE generations ADD COLUMN keywords BLOB;
CREATE INDEX generations_made_at ON generations(made_at);
CREATE INDEX generations_template ON generations(template_id) WHERE template_id IS NOT NULL;

-- Every distinct keyword (normalized by core/keywords.h) with the number of records whose
-- positive / negative prompt holds it, maintained at ingest.
CREATE TABLE keywords (
  id       INTEGER PRIMARY KEY,
  kind     INTEGER NOT NULL,          -- 0 tag, 1 lora, 2 embedding, 3 hypernet, 4 wildcard
  text     TEXT    NOT NULL,
  positive INTEGER NOT NULL DEFAULT 0,
  negative INTEGER NOT NULL DEFAULT 0,
  UNIQUE (text, kind)
);

CREATE TABLE templates (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE,
  prompt     TEXT    NOT NULL,
  negative   TEXT    NOT NULL DEFAULT '',
  version    INTEGER NOT NULL DEFAULT 1,
  slots      TEXT    NOT NULL DEFAULT '{}',  -- JSON {slot: [values]}
  params     TEXT    NOT NULL DEFAULT '{}',  -- JSON {name: value}, default generation parameters
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- __name__ wildcard lists used by templates.
CREATE TABLE wildcards (
  name  TEXT PRIMARY KEY,
  items TEXT NOT NULL  -- JSON array of strings
) WITHOUT ROWID;
