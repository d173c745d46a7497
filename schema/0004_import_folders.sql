-- Folders the user imported: a rescan (`provena import --rescan`, the app's Import tab)
-- walks them again, skipping unchanged files.
CREATE TABLE import_folders (
  path       TEXT PRIMARY KEY,            -- normalized absolute path
  added_at   INTEGER NOT NULL,            -- unix seconds
  scanned_at INTEGER,                     -- end of the last complete scan
  files      INTEGER NOT NULL DEFAULT 0,  -- image files the last scan found
  failures   INTEGER NOT NULL DEFAULT 0   -- of those, files it could not import
);
