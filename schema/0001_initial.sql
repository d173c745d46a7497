-- The catalog. An asset is one distinct content (identified by the XXH3-128 of the file
-- bytes); files are paths that hold an asset; a generation is the normalized record read
-- from an asset's metadata.
CREATE TABLE assets (
  id           INTEGER PRIMARY KEY,
  content_hash BLOB    NOT NULL UNIQUE,  -- XXH3-128 of the file bytes (16 bytes)
  pixel_hash   BLOB,                     -- XXH3-128 of canonical pixels; NULL until computed
  sha256       BLOB,                     -- computed lazily, when a feature needs it
  byte_size    INTEGER NOT NULL,
  format       TEXT    NOT NULL,
  width        INTEGER,
  height       INTEGER,
  added_at     INTEGER NOT NULL          -- unix seconds
);
CREATE INDEX assets_pixel_hash ON assets(pixel_hash) WHERE pixel_hash IS NOT NULL;

CREATE TABLE files (
  id       INTEGER PRIMARY KEY,
  path     TEXT    NOT NULL UNIQUE,
  asset_id INTEGER NOT NULL REFERENCES assets(id),
  size     INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  missing  INTEGER NOT NULL DEFAULT 0    -- 1: gone from disk at the last import of its folder
);
CREATE INDEX files_asset ON files(asset_id);

CREATE TABLE generations (
  asset_id         INTEGER PRIMARY KEY REFERENCES assets(id),
  tool             TEXT NOT NULL,
  prompt           TEXT,
  negative_prompt  TEXT,
  seed             INTEGER,
  steps            INTEGER,
  cfg_scale        REAL,
  sampler          TEXT,
  scheduler        TEXT,
  model            TEXT,
  model_hash       TEXT,
  requested_width  INTEGER,
  requested_height INTEGER,
  created_at       TEXT,
  details_json     TEXT,  -- the rest of the record (system, performance, extra params, ...)
  raw              BLOB   -- the metadata verbatim, see db/raw_metadata.h (no escaping: fast for big graphs)
);
CREATE INDEX generations_seed ON generations(seed);

-- Full-text index over prompts. Contentless: it indexes a derived text in which CJK
-- characters are separated, so `猫咪` is found inside `一只可爱的橘色猫咪` as a phrase
-- while Latin text keeps unicode61's fast word tokenization (trigram costs ~3x at ingest).
-- `meta` holds the raw text of files whose metadata no reader recognized, so unknown
-- metadata stays searchable.
CREATE VIRTUAL TABLE prompt_fts USING fts5(
  prompt, negative_prompt, meta, content = '', tokenize = 'unicode61 remove_diacritics 2');

-- Large raw metadata items (ComfyUI workflows and graphs, 10-60 KiB) are stored once,
-- keyed by XXH3-128 of their text; generations.raw refers to them by hash.
CREATE TABLE raw_texts (
  hash BLOB PRIMARY KEY,
  text TEXT NOT NULL
) WITHOUT ROWID;
