-- Negative prompts repeat across a library (a handful of stock negatives cover most
-- records), yet each record indexed its own copy in prompt_fts: 11% of an import's
-- storing work. Each distinct negative prompt is now indexed once, in negative_fts under
-- the id of its negative_texts row (keyed by XXH3-128 of its full-text input), and a
-- record's prompt_fts row holds one token naming it in its negative_prompt column ("负12":
-- no typed or indexed text can hold that token, db/negative_index.h). `neg:x` matches, in
-- that column, x itself (rows stored before this version keep their own words) or the
-- token of any negative prompt holding x: one FTS5 expression still drives every search.
CREATE TABLE negative_texts (
  id   INTEGER PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE negative_fts USING fts5(
  negative_prompt, content = '', tokenize = 'unicode61 remove_diacritics 2');
