-- Searches sorted by name whose matches sit together in the name order. "jean" matches 23,500
-- users, nearly all under J, 40% into the name index: walking the index from A read 374,000
-- entries (58 ms), reading every match through the trigram index 25,000 heap rows (28-160 ms).
--
-- search_blocks summarizes the name order: the live users, in (name, id) order, cut into
-- blocks of a few dozen; each block holds its key range [lo, hi] and the search texts of its
-- users joined by U+0001, under a trigram index. A search asks that index which blocks can
-- hold a match (773 of 30,000 for "jean", 2 ms), then walks the name index inside those
-- blocks only, in order, until a page is found (4.4 ms for "jean" in all).
--
-- The invariant: the blocks' ranges do not overlap, and every live user lies in the range of
-- the block with the greatest lo at or below its key, whose summary holds its current search
-- text. A summary may hold more than its users (a renamed user's old text stays until the
-- block is cut again: a block that cannot match is only walked for nothing), never less.
-- The triggers below keep it for every insert, rename, e-mail or login change and undelete:
-- the text is appended to the covering block, whose hi grows when the key falls past it (it
-- cannot reach the next block's lo, or that block would cover the key). A block that grew past
-- 8 kB is cut again from the users in its range, so the blocks follow an installation from
-- its first user to millions. search_blocks_rebuild() cuts everything anew (the seed, this
-- migration, `gatehouse reindex`); there is always at least one block.
CREATE TABLE search_blocks (
    lo_name text NOT NULL,
    lo_id   bigint NOT NULL,
    hi_name text NOT NULL,
    hi_id   bigint NOT NULL,
    summary text NOT NULL,
    CONSTRAINT search_blocks_pkey PRIMARY KEY (lo_name, lo_id)
);
CREATE INDEX search_blocks_trgm ON search_blocks USING gin (summary gin_trgm_ops);

-- The blocks of the live users whose keys lie in [lo, hi] (hi NULL: no bound), cut every
-- block_size users; the first block starts at lo and the last ends at hi (or at its last
-- user), so that together they cover the range they replace. No user: one empty block.
CREATE FUNCTION search_blocks_cut(from_name text, from_id bigint, to_name text, to_id bigint, block_size int)
RETURNS TABLE (lo_name text, lo_id bigint, hi_name text, hi_id bigint, summary text)
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
               string_agg(s.search, E'\x01') AS summary
        FROM s GROUP BY 1)
    SELECT CASE WHEN g.b = 0 THEN from_name ELSE g.first_name END,
           CASE WHEN g.b = 0 THEN from_id ELSE g.first_id END,
           CASE WHEN g.final AND to_name IS NOT NULL AND (to_name, to_id) > (g.last_name, g.last_id)
                THEN to_name ELSE g.last_name END,
           CASE WHEN g.final AND to_name IS NOT NULL AND (to_name, to_id) > (g.last_name, g.last_id)
                THEN to_id ELSE g.last_id END,
           g.summary
    FROM g
    UNION ALL
    SELECT from_name, from_id, coalesce(to_name, from_name), coalesce(to_id, from_id), ''
    WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.status <> 'deleted' AND (u.name, u.id) >= (from_name, from_id)
          AND (to_name IS NULL OR (u.name, u.id) <= (to_name, to_id)))
$$;

-- Adds a user's search text to the block covering its key, and cuts that block again once
-- it outgrew 8 kB. The covering block is found and updated in one statement, so under one
-- snapshot: found by one statement and updated by the next, the block named could be a
-- concurrent cut's new first block (same lo), and the text would go to a block that no longer
-- covers the key. A block cut again by a concurrent transaction while this update waited for
-- it is gone when the update gets to it: look again (its replacements are committed by then).
CREATE FUNCTION users_search_blocks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b_name text;
    b_id bigint;
    size int;
    cut search_blocks;
BEGIN
    LOOP
        UPDATE search_blocks sb SET summary = sb.summary || E'\x01' || NEW.search,
            hi_name = CASE WHEN (NEW.name, NEW.id) > (sb.hi_name, sb.hi_id) THEN NEW.name ELSE sb.hi_name END,
            hi_id = CASE WHEN (NEW.name, NEW.id) > (sb.hi_name, sb.hi_id) THEN NEW.id ELSE sb.hi_id END
        WHERE (sb.lo_name, sb.lo_id) = (SELECT c.lo_name, c.lo_id FROM search_blocks c
            WHERE (c.lo_name, c.lo_id) <= (NEW.name, NEW.id) ORDER BY c.lo_name DESC, c.lo_id DESC LIMIT 1)
        RETURNING sb.lo_name, sb.lo_id, octet_length(sb.summary) INTO b_name, b_id, size;
        EXIT WHEN FOUND;
        IF NOT EXISTS (SELECT 1 FROM search_blocks c WHERE (c.lo_name, c.lo_id) <= (NEW.name, NEW.id)) THEN
            RAISE EXCEPTION 'search_blocks: no block covers (%, %): run gatehouse reindex', NEW.name, NEW.id;
        END IF;
    END LOOP;
    IF size > 8192 THEN
        DELETE FROM search_blocks WHERE lo_name = b_name AND lo_id = b_id RETURNING * INTO cut;
        INSERT INTO search_blocks (lo_name, lo_id, hi_name, hi_id, summary)
        SELECT * FROM search_blocks_cut(cut.lo_name, cut.lo_id, cut.hi_name, cut.hi_id, 32);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_search_blocks_insert AFTER INSERT ON users FOR EACH ROW
    WHEN (NEW.status <> 'deleted') EXECUTE FUNCTION users_search_blocks();
CREATE TRIGGER users_search_blocks_update AFTER UPDATE OF name, email, login_code, status ON users
    FOR EACH ROW WHEN (NEW.status <> 'deleted' AND (OLD.search IS DISTINCT FROM NEW.search
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.status = 'deleted'))
    EXECUTE FUNCTION users_search_blocks();

-- Cuts every block anew from the live users: built aside, then swapped in, so searches keep
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
    INSERT INTO search_blocks_next SELECT * FROM search_blocks_cut('', 0, NULL, NULL, block_size);
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
