-- People spell a name as they hear it: without its accents, in any case, its words in any
-- order. And they expect names in the order of a phone book, not of their bytes (Cédric
-- before Conceição, Élodie before Zoé).
--
-- The order: name_order, ICU's root collation (CLDR's order, the same as French's). It is
-- deterministic (two names compare equal only when they are the same text, ties broken by
-- their bytes), as keyset paging on (name, id) needs. Every column the name order compares
-- is declared with it: users.name, its copy in memberships.user_name and the bounds of the
-- search blocks, so that their indexes, the blocks' ranges and every cursor comparison agree
-- (a parameter compared with such a column takes the column's collation).
DO $$
BEGIN
    CREATE COLLATION name_order (provider = icu, locale = 'und');
EXCEPTION WHEN feature_not_supported THEN
    RAISE EXCEPTION 'gatehouse needs a PostgreSQL built with ICU (the Debian and Ubuntu packages are): %', SQLERRM;
END $$;

-- The text search compares: t in compatibility decomposition (NFKD), without the combining
-- diacritical marks (U+0300-U+036F), in lower case, with the letters that have no
-- decomposition spelled as they are typed without their stroke or ligature, final sigma as
-- sigma and typographic apostrophes as the typewriter's. model.FoldSearch folds what is
-- typed the same way (a test holds the two together). Not unaccent: it is an extension
-- (maybe not installed) and STABLE, where an index needs IMMUTABLE. ASCII text (most
-- e-mails and login codes, many names) only has its case folded: ~1 µs instead of ~8.
CREATE FUNCTION search_fold(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    s text;
BEGIN
    IF octet_length(t) = char_length(t) THEN
        RETURN lower(t COLLATE "C");
    END IF;
    s := regexp_replace(normalize(t, NFKD), '[\u0300-\u036f]+', '', 'g');
    IF octet_length(s) = char_length(s) THEN
        RETURN lower(s COLLATE "C");
    END IF;
    s := lower(s COLLATE name_order); -- ICU's case mapping, whatever the database's locale
    IF s ~ '[ßæœþøłđðħıŧς’‘ʼ]' THEN
        s := translate(replace(replace(replace(replace(s, 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'), 'þ', 'th'),
                       'øłđðħıŧς’‘ʼ', 'olddhitσ''''''');
    END IF;
    RETURN s;
END $$;

-- The search column becomes the folded haystack (generated columns cannot change their
-- expression: dropped and added again, with its indexes), name takes the collation, and the
-- triggers that name these columns are made again around the change.
DROP TRIGGER users_search_blocks_update ON users;
DROP TRIGGER users_memberships_copy ON users;
DROP TRIGGER memberships_user_copy ON memberships;
ALTER TABLE users DROP COLUMN search; -- with users_search_trgm and users_name_cover
ALTER TABLE users ALTER COLUMN name TYPE text COLLATE name_order;
ALTER TABLE users ADD COLUMN search text GENERATED ALWAYS AS
    (search_fold(name) || E'\n' || search_fold(email) || E'\n' || search_fold(login_code)) STORED;
ALTER TABLE users ALTER COLUMN search SET STATISTICS 500;
CREATE INDEX users_search_trgm ON users USING gin (search gin_trgm_ops);
CREATE INDEX users_name_cover ON users (name, id)
    INCLUDE (status, search, locked_at, locked_until, totp_enabled, must_change_password,
             last_login_at, created_at)
    WHERE status <> 'deleted';
ALTER TABLE memberships ALTER COLUMN user_name TYPE text COLLATE name_order; -- memberships_org_name
ALTER TABLE search_blocks ALTER COLUMN lo_name TYPE text COLLATE name_order,
    ALTER COLUMN hi_name TYPE text COLLATE name_order;

CREATE TRIGGER memberships_user_copy BEFORE INSERT OR UPDATE OF user_id, user_name, user_status
    ON memberships FOR EACH ROW EXECUTE FUNCTION memberships_user_copy();
CREATE TRIGGER users_memberships_copy AFTER UPDATE OF name, status ON users FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION users_memberships_copy();
CREATE TRIGGER users_search_blocks_update AFTER UPDATE OF name, email, login_code, status ON users
    FOR EACH ROW WHEN (NEW.status <> 'deleted' AND (OLD.search IS DISTINCT FROM NEW.search
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.status = 'deleted'))
    EXECUTE FUNCTION users_search_blocks();

-- The blocks, cut anew in the new order from the folded texts (search_blocks_next is made
-- LIKE search_blocks: it keeps the collation).
SELECT search_blocks_rebuild(32);
