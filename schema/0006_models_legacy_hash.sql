-- A1111's hash before October 2022 ("Model hash: 7460a6fa", 8 hex digits): the SHA-256 of
-- the 64 KiB at offset 1 MiB of the checkpoint, not a prefix of the file's SHA-256. Rows
-- scanned before this migration get it at the next `provena models scan`.
ALTER TABLE models ADD COLUMN legacy_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX models_legacy_hash ON models(legacy_hash);
