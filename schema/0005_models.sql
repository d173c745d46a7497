-- The models registry: checkpoint files and model folders found by `provena models scan`,
-- with their SHA-256 (computed once per size and mtime) and A1111's short hash (the first
-- 10 hex digits), so "Model hash: 6ce0161689" in an imported image finds its file.
CREATE TABLE models (
  path       TEXT PRIMARY KEY,   -- a .safetensors file or a model folder
  size       INTEGER NOT NULL,   -- bytes hashed
  mtime_ns   INTEGER NOT NULL,
  sha256     TEXT NOT NULL,      -- lower-case hex
  short_hash TEXT NOT NULL,      -- sha256[:10]
  family     TEXT NOT NULL,      -- "sd1", "tiny-flow", "unknown"
  name       TEXT NOT NULL,      -- file stem or folder name
  scanned_at INTEGER NOT NULL
);
CREATE INDEX models_sha256 ON models(sha256);
CREATE INDEX models_short_hash ON models(short_hash);
