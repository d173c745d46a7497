-- raw_texts as a rowid table with a unique index on the hash. As a WITHOUT ROWID table
-- the whole row (a 2-20 KiB compressed graph) sat in a B-tree ordered by a random hash:
-- every insert split and shuffled big cells, and storing those rows was the writer's
-- largest cost on a ComfyUI-heavy import (perf). Now the rows are appended in rowid order
-- and only the 16-byte hashes are kept in key order.
CREATE TABLE raw_texts_by_id (
  id   INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  text NOT NULL                -- TEXT, or a BLOB holding a zstd frame (db/raw_metadata.h)
);
INSERT INTO raw_texts_by_id(hash, text) SELECT hash, text FROM raw_texts;
DROP TABLE raw_texts;
ALTER TABLE raw_texts_by_id RENAME TO raw_texts;
