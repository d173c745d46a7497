-- Search fields, prompt-keyword statistics and the template library.

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
