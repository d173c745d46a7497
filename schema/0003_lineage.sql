-- How assets derive from one another: a reproduction of an archived image (with the
-- verdict of comparing their pixels), later also img2img, upscales, edits.
CREATE TABLE lineage (
  id         INTEGER PRIMARY KEY,
  asset_id   INTEGER NOT NULL REFERENCES assets(id),  -- the new image
  parent_id  INTEGER NOT NULL REFERENCES assets(id),  -- the image it derives from
  relation   TEXT    NOT NULL,                        -- 'reproduction', ...
  details    TEXT,                                    -- JSON: verdict, psnr, max_abs_diff, ...
  created_at INTEGER NOT NULL
);
CREATE INDEX lineage_asset ON lineage(asset_id);
CREATE INDEX lineage_parent ON lineage(parent_id);
