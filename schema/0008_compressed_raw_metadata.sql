-- Bulky raw metadata is stored zstd-compressed (db/compression.h, db/raw_metadata.h):
-- raw_texts.text holds a BLOB (one zstd frame) instead of TEXT where that is smaller, and
-- generation_texts.raw may be "PRZ1" + a zstd frame of its PRM1 blob. No table changes:
-- the version tells builds that cannot read such values to refuse the catalog instead of
-- showing compressed bytes as metadata. Rows stored before stay as they are (both forms
-- are read).
SELECT 1;
