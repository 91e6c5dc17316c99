-- Search blocks walked in order, a bucket at a time. The blocks' trigram index answered
-- which blocks can hold a match as one unordered set: every such block was read, its summary
-- checked again and sorted by name before the first page could be walked ("ann", 10,781
-- blocks at 3M users, 60 ms to use 51 of them); a term spread through the name order paid
-- for all its matches, a term that matches late (Japanese names sort last) too.
--
-- Every block now holds a position, pos: non-decreasing in the name order of the blocks. The
-- blocks are grouped by search_bucket(pos), a few hundred to a few thousand consecutive
-- blocks each (search_blocks_rebuild() below), and the index names, for one bucket, its
-- blocks that hold every trigram of a search: a lookup of a few keys whose answer holds that
-- bucket's candidates only, sorted by pos (integers, not names). A search walks the buckets
-- in order from its cursor and stops after a page: a bucket without a candidate costs one
-- index lookup, a bucket with candidates what it holds, whatever the term matches elsewhere.
--
-- Positions: search_blocks_rebuild() numbers the blocks in name order, spread evenly through
-- the buckets. A block cut again hands its range [pos, next block's pos) out to its new
-- blocks in order (the first keeps pos; the last block of all gives out 2^32 past its own),
-- so positions stay non-decreasing; when a range has no room left, new blocks share a
-- position, and their names order them. A bucket keeps its blocks until the next rebuild:
-- buckets only grow between rebuilds (a search costs a little more in an area that grew a
-- lot), except at the end of the name order, where new buckets follow.
--
-- Reading a block: its users were walked in the name index between its bounds, ~100-300 µs
-- a block (each entry compared with the bounds in the ICU order, Vietnamese names the
-- slowest), most of a page whose rows each sit in a block of their own. A block now also
-- holds its users' ids, ids[i] the id of the user of the i-th text of its summary (texts
-- separated by U+0001, which a text's own U+0001 never is: it is written as a space): the
-- texts that hold the words name the users to read by id (~30 µs a block).
--
-- Writing: every change of a block rewrote all its keys in the index (~600, 10 ms per user
-- written here; the pending list that made that cheap would be read again at every bucket).
-- So a block is now written only when it is cut: the texts and ids of the users written
-- since go to search_fresh, one row per block, which also carries how far past the block's
-- hi they reach (hi there is never below the block's own). The invariant of migration 0008
-- reads: every live user lies in the range of the block with the greatest lo at or below
-- its key (to that block's hi, or its search_fresh row's), whose summary or search_fresh
-- texts hold its current search text, beside its id. A block and its search_fresh row
-- together outgrowing 8 kB are cut again.
ALTER TABLE search_blocks ADD COLUMN pos bigint NOT NULL DEFAULT 0,
    ADD COLUMN ids bigint[] NOT NULL DEFAULT '{}';
ALTER TABLE search_blocks ALTER COLUMN pos DROP DEFAULT, ALTER COLUMN ids DROP DEFAULT;
DROP INDEX search_blocks_trgm;

CREATE TABLE search_fresh (
    lo_name text COLLATE name_order NOT NULL,
    lo_id   bigint NOT NULL,
    pos     bigint NOT NULL,
    hi_name text COLLATE name_order NOT NULL,
    hi_id   bigint NOT NULL,
    texts   text NOT NULL,
    ids     bigint[] NOT NULL,
    CONSTRAINT search_fresh_pkey PRIMARY KEY (lo_name, lo_id)
);

-- The bucket of a position: 2^42 positions wide.
CREATE FUNCTION search_bucket(pos bigint) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT pos >> 42
$$;

CREATE INDEX search_fresh_bucket ON search_fresh (search_bucket(pos));

-- A block's keys for the index: its bucket alone ("12:"), and its bucket with each trigram
-- of its summary ("12:ean"), pg_trgm's trigrams as show_trgm() spells them. Bytes rather
-- than text: the index compares them by their bytes, in any locale.
CREATE FUNCTION search_block_grams(pos bigint, summary text) RETURNS bytea[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT string_to_array(search_bucket(pos)::text || ':|' || search_bucket(pos)::text || ':'
        || array_to_string(show_trgm(summary), '|' || search_bucket(pos)::text || ':'), '|')::bytea[]
$$;

-- The trigrams every text holding all the words holds: of each word of three characters or
-- more, its trigrams but those that pg_trgm pads at a word's start or end (a word may sit
-- inside a longer one: "ean" is in "jeanne", "  j" is not). A padded trigram is one of the
-- trigrams of two characters side by side in the word, and no trigram inside a word is. A
-- search with no such trigram has one empty key, which is the bucket's own: all its blocks.
CREATE FUNCTION search_word_grams(words text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT g.t), '{""}')
    FROM unnest(words) w(w), unnest(show_trgm(w.w)) g(t)
    WHERE char_length(w.w) >= 3 AND NOT EXISTS (SELECT 1 FROM generate_series(1, char_length(w.w) - 1) i
        WHERE g.t = ANY (show_trgm(substr(w.w, i, 2))))
$$;

-- search_blocks_cut also gives each block the ids of its users, in the order of their texts,
-- and numbers the blocks it cuts (n, from 0 in name order): its callers give them their
-- positions.
DROP FUNCTION search_blocks_cut(text, bigint, text, bigint, int);
CREATE FUNCTION search_blocks_cut(from_name text, from_id bigint, to_name text, to_id bigint, block_size int)
RETURNS TABLE (lo_name text, lo_id bigint, hi_name text, hi_id bigint, summary text, ids bigint[], n bigint)
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT u.name, u.id, u.search, row_number() OVER w AS rn, lead(u.id) OVER w IS NULL AS final
        FROM users u
        WHERE u.status <> 'deleted' AND (u.name, u.id) >= (from_name, from_id)
          AND (to_name IS NULL OR (u.name, u.id) <= (to_name, to_id))
        WINDOW w AS (ORDER BY u.name, u.id)),
    g AS (
        SELECT (rn - 1) / block_size AS b, bool_or(final) AS final,
               max(s.name) FILTER (WHERE (rn - 1) % block_size = 0) AS first_name,
               max(s.id) FILTER (WHERE (rn - 1) % block_size = 0) AS first_id,
               max(s.name) FILTER (WHERE rn % block_size = 0 OR final) AS last_name,
               max(s.id) FILTER (WHERE rn % block_size = 0 OR final) AS last_id,
               string_agg(replace(s.search, E'\x01', ' '), E'\x01' ORDER BY s.rn) AS summary,
               array_agg(s.id ORDER BY s.rn) AS ids
        FROM s GROUP BY 1)
    SELECT CASE WHEN g.b = 0 THEN from_name ELSE g.first_name END,
           CASE WHEN g.b = 0 THEN from_id ELSE g.first_id END,
           CASE WHEN g.final AND to_name IS NOT NULL AND (to_name, to_id) > (g.last_name, g.last_id)
                THEN to_name ELSE g.last_name END,
           CASE WHEN g.final AND to_name IS NOT NULL AND (to_name, to_id) > (g.last_name, g.last_id)
                THEN to_id ELSE g.last_id END,
           g.summary, g.ids, g.b
    FROM g
    UNION ALL
    SELECT from_name, from_id, coalesce(to_name, from_name), coalesce(to_id, from_id), '', '{}', 0
    WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.status <> 'deleted' AND (u.name, u.id) >= (from_name, from_id)
          AND (to_name IS NULL OR (u.name, u.id) <= (to_name, to_id)))
$$;

-- The covering block is found and locked in one statement, so under one snapshot (migration
-- 0008 tells why); locked, it cannot be cut before this transaction ends, and a block cut
-- by a concurrent transaction while this one waited for it is gone when the lock is
-- granted: look again. The block's new blocks get its range of positions: the next block's
-- position is the same whether a concurrent cut of that block has committed or not (a
-- cut's first block keeps the lo and the position of the block it replaces).
CREATE OR REPLACE FUNCTION users_search_blocks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    blk search_blocks;
    fresh search_fresh;
    next_pos bigint;
BEGIN
    LOOP
        SELECT * INTO blk FROM search_blocks sb
        WHERE (sb.lo_name, sb.lo_id) = (SELECT c.lo_name, c.lo_id FROM search_blocks c
            WHERE (c.lo_name, c.lo_id) <= (NEW.name, NEW.id) ORDER BY c.lo_name DESC, c.lo_id DESC LIMIT 1)
        FOR UPDATE;
        EXIT WHEN FOUND;
        IF NOT EXISTS (SELECT 1 FROM search_blocks c WHERE (c.lo_name, c.lo_id) <= (NEW.name, NEW.id)) THEN
            RAISE EXCEPTION 'search_blocks: no block covers (%, %): run gatehouse reindex', NEW.name, NEW.id;
        END IF;
    END LOOP;
    INSERT INTO search_fresh AS f (lo_name, lo_id, pos, hi_name, hi_id, texts, ids)
    VALUES (blk.lo_name, blk.lo_id, blk.pos,
            CASE WHEN (NEW.name, NEW.id) > (blk.hi_name, blk.hi_id) THEN NEW.name ELSE blk.hi_name END,
            CASE WHEN (NEW.name, NEW.id) > (blk.hi_name, blk.hi_id) THEN NEW.id ELSE blk.hi_id END,
            replace(NEW.search, E'\x01', ' '), ARRAY[NEW.id])
    ON CONFLICT (lo_name, lo_id) DO UPDATE SET texts = f.texts || E'\x01' || EXCLUDED.texts, ids = f.ids || EXCLUDED.ids,
        hi_name = CASE WHEN (EXCLUDED.hi_name, EXCLUDED.hi_id) > (f.hi_name, f.hi_id) THEN EXCLUDED.hi_name ELSE f.hi_name END,
        hi_id = CASE WHEN (EXCLUDED.hi_name, EXCLUDED.hi_id) > (f.hi_name, f.hi_id) THEN EXCLUDED.hi_id ELSE f.hi_id END
    RETURNING * INTO fresh;
    IF octet_length(blk.summary) + octet_length(fresh.texts) > 8192 THEN
        DELETE FROM search_fresh WHERE lo_name = blk.lo_name AND lo_id = blk.lo_id;
        DELETE FROM search_blocks WHERE lo_name = blk.lo_name AND lo_id = blk.lo_id;
        SELECT c.pos INTO next_pos FROM search_blocks c WHERE (c.lo_name, c.lo_id) > (blk.lo_name, blk.lo_id)
            ORDER BY c.lo_name, c.lo_id LIMIT 1;
        next_pos := coalesce(next_pos, blk.pos + 4294967296);
        INSERT INTO search_blocks (lo_name, lo_id, hi_name, hi_id, summary, ids, pos)
        SELECT c.lo_name, c.lo_id, c.hi_name, c.hi_id, c.summary, c.ids, blk.pos + c.n * ((next_pos - blk.pos) / count(*) OVER ())
        FROM search_blocks_cut(blk.lo_name, blk.lo_id, fresh.hi_name, fresh.hi_id, 32) c;
    END IF;
    RETURN NULL;
END $$;

-- Cuts every block anew (as before), with nothing fresh, bucket_blocks blocks to a bucket;
-- by default four times the square root of the number of blocks (138 buckets of 2,200 blocks
-- at 10M users, 44 of 700 at 1M), which balances the two costs of a walk: a bucket
-- without a candidate costs one index lookup (a walk may cross them all), a bucket whose
-- every block is a candidate reads them all (a thousand reads a millisecond here). The
-- index is built without a pending list (fastupdate off): a search looks it up once per
-- bucket, and each lookup would read the whole list again; and with 256 MB to sort its keys
-- in, whoever calls (the seed, a migration, gatehouse reindex).
DROP FUNCTION search_blocks_rebuild(int);
CREATE FUNCTION search_blocks_rebuild(block_size int, bucket_blocks int DEFAULT NULL) RETURNS bigint LANGUAGE plpgsql
SET maintenance_work_mem = '256MB' AS $$
DECLARE
    n bigint;
BEGIN
    IF block_size IS NULL OR block_size < 1 THEN
        RAISE EXCEPTION 'search_blocks_rebuild: block size must be at least 1';
    END IF;
    IF bucket_blocks < 1 OR bucket_blocks > 1048576 THEN
        RAISE EXCEPTION 'search_blocks_rebuild: a bucket holds from 1 to 1048576 blocks';
    END IF;
    LOCK TABLE users IN SHARE MODE;
    DELETE FROM search_fresh; -- not TRUNCATE: searches meanwhile read the old rows
    DROP TABLE IF EXISTS search_blocks_next;
    CREATE TABLE search_blocks_next (LIKE search_blocks INCLUDING DEFAULTS);
    INSERT INTO search_blocks_next (lo_name, lo_id, hi_name, hi_id, summary, ids, pos)
    SELECT c.lo_name, c.lo_id, c.hi_name, c.hi_id, c.summary, c.ids,
           c.n * ((1::bigint << 42) / coalesce(bucket_blocks, greatest(64, least(65536, round(4 * sqrt(count(*) OVER ())))::int)))
    FROM search_blocks_cut('', 0, NULL, NULL, block_size) c ORDER BY c.n;
    GET DIAGNOSTICS n = ROW_COUNT;
    CREATE INDEX search_blocks_next_grams ON search_blocks_next USING gin (search_block_grams(pos, summary))
        WITH (fastupdate = off);
    -- No statistics of the keys: ANALYZE would compute them for every sampled block, and a
    -- search's keys depend on the bucket, so the planner could not use them anyway.
    ALTER INDEX search_blocks_next_grams ALTER COLUMN 1 SET STATISTICS 0;
    ALTER TABLE search_blocks_next ADD CONSTRAINT search_blocks_next_pkey PRIMARY KEY (lo_name, lo_id);
    DROP TABLE search_blocks;
    ALTER TABLE search_blocks_next RENAME TO search_blocks;
    ALTER INDEX search_blocks_next_grams RENAME TO search_blocks_grams;
    ALTER TABLE search_blocks RENAME CONSTRAINT search_blocks_next_pkey TO search_blocks_pkey;
    RETURN n;
END $$;

SELECT search_blocks_rebuild(32);
