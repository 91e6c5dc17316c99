-- Searches sorted by name whose matches sit together in the name order. "jean" matches 25,000
-- users, nearly all under J, 40% into the name index: walking the index from A read 374,000
-- entries (62 ms), reading every match through the trigram index 25,000 heap rows (28-160 ms).
--
-- search_blocks summarizes the name order: the live users, in (name, id) order, cut into
-- blocks of a few dozen; each block holds its key range [lo, hi] and the search texts of its
-- users joined by U+0001, under a trigram index. A search asks that index which blocks can
-- hold a match (773 of 30,000 for "jean", 2 ms), then walks the name index inside those
-- blocks only, in order, until a page is found (4.4 ms for "jean" in all).
--
-- The summary may hold more than its users (a renamed user's old text stays: a block that
-- cannot match is only walked for nothing) but never less: every live user lies in the range
-- of the block with the greatest lo at or below its key, and that block's summary holds its
-- current search text. The triggers below keep this true for every insert, rename, e-mail or
-- login change and undelete (extending the block's hi when a key falls past it, which cannot
-- reach the next block's lo). search_blocks_rebuild() cuts the blocks anew (the seed, and
-- `gatehouse reindex` after large imports); with no blocks, searches use the other plans.
CREATE TABLE search_blocks (
    lo_name text NOT NULL,
    lo_id   bigint NOT NULL,
    hi_name text NOT NULL,
    hi_id   bigint NOT NULL,
    summary text NOT NULL,
    CONSTRAINT search_blocks_pkey PRIMARY KEY (lo_name, lo_id)
);
CREATE INDEX search_blocks_trgm ON search_blocks USING gin (summary gin_trgm_ops);

-- Adds a user's search text to the block covering its key.
CREATE FUNCTION users_search_blocks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_blocks sb SET summary = sb.summary || E'\x01' || NEW.search,
        hi_name = CASE WHEN (NEW.name, NEW.id) > (sb.hi_name, sb.hi_id) THEN NEW.name ELSE sb.hi_name END,
        hi_id = CASE WHEN (NEW.name, NEW.id) > (sb.hi_name, sb.hi_id) THEN NEW.id ELSE sb.hi_id END
    WHERE (sb.lo_name, sb.lo_id) = (SELECT c.lo_name, c.lo_id FROM search_blocks c
        WHERE (c.lo_name, c.lo_id) <= (NEW.name, NEW.id) ORDER BY c.lo_name DESC, c.lo_id DESC LIMIT 1);
    RETURN NULL;
END $$;
CREATE TRIGGER users_search_blocks_insert AFTER INSERT ON users FOR EACH ROW
    WHEN (NEW.status <> 'deleted') EXECUTE FUNCTION users_search_blocks();
CREATE TRIGGER users_search_blocks_update AFTER UPDATE OF name, email, login_code, status ON users
    FOR EACH ROW WHEN (NEW.status <> 'deleted' AND (OLD.search IS DISTINCT FROM NEW.search
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.status = 'deleted'))
    EXECUTE FUNCTION users_search_blocks();

-- Cuts the blocks anew from the live users: built aside, then swapped in, so searches keep
-- the old blocks until the new ones are complete; writes to users wait meanwhile (SHARE lock),
-- so no user can be missed. Returns the number of blocks.
CREATE FUNCTION search_blocks_rebuild(block_size int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF block_size IS NULL OR block_size < 1 THEN
        RAISE EXCEPTION 'search_blocks_rebuild: block size must be at least 1';
    END IF;
    LOCK TABLE users IN SHARE MODE;
    DROP TABLE IF EXISTS search_blocks_next;
    CREATE TABLE search_blocks_next (LIKE search_blocks INCLUDING DEFAULTS);
    INSERT INTO search_blocks_next (lo_name, lo_id, hi_name, hi_id, summary)
    SELECT CASE WHEN b = 0 THEN '' ELSE lo_name END, CASE WHEN b = 0 THEN 0 ELSE lo_id END,
           hi_name, hi_id, summary
    FROM (SELECT b, max(name) FILTER (WHERE first) AS lo_name, max(id) FILTER (WHERE first) AS lo_id,
                 max(name) FILTER (WHERE last) AS hi_name, max(id) FILTER (WHERE last) AS hi_id,
                 string_agg(search, E'\x01') AS summary
          FROM (SELECT name, id, search, (rn - 1) / block_size AS b, (rn - 1) % block_size = 0 AS first,
                       rn % block_size = 0 OR lead(id) OVER (ORDER BY name, id) IS NULL AS last
                FROM (SELECT name, id, search, row_number() OVER (ORDER BY name, id) AS rn
                      FROM users WHERE status <> 'deleted') s0) s
          GROUP BY b) g;
    GET DIAGNOSTICS n = ROW_COUNT;
    CREATE INDEX search_blocks_next_trgm ON search_blocks_next USING gin (summary gin_trgm_ops);
    ALTER TABLE search_blocks_next ADD CONSTRAINT search_blocks_next_pkey PRIMARY KEY (lo_name, lo_id);
    DROP TABLE search_blocks;
    ALTER TABLE search_blocks_next RENAME TO search_blocks;
    ALTER INDEX search_blocks_next_trgm RENAME TO search_blocks_trgm;
    ALTER TABLE search_blocks RENAME CONSTRAINT search_blocks_next_pkey TO search_blocks_pkey;
    RETURN n;
END $$;

SELECT search_blocks_rebuild(32);
