-- generation_texts.raw may now refer to the row's prompt and negative prompt instead of
-- repeating them (db/raw_metadata.h). No table changes: the version tells builds that
-- cannot read such entries to refuse the catalog instead of showing truncated metadata.
SELECT 1;
