-- What a person reads from the database, in their language: the structured part of audit
-- rows that renders them in the reader's language.

-- An audit row's structured part: its action's arguments, by name, from which the console
-- renders the row in the reader's language (the summary stays as written, in English). NULL on
-- rows written before, and on actions that have none: their summary is shown.
ALTER TABLE audit_entries ADD COLUMN detail jsonb;

-- The chain covers the structured part too. concat_ws skips a NULL, so a row without one
-- hashes as it did before this migration.
CREATE FUNCTION audit_row_hash(prev bytea, id bigint, at timestamptz, operator_id bigint,
                               operator_name text, action text, target_user_id bigint,
                               target_org_id bigint, summary text, detail jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(E'\x1f',
        id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(operator_id::text, ''), operator_name, action,
        coalesce(target_user_id::text, ''), coalesce(target_org_id::text, ''), summary,
        detail::text), 'UTF8'))
$$;

CREATE OR REPLACE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last bytea;
BEGIN
    -- Serialize appenders so ids follow commit order and each row sees its predecessor.
    PERFORM pg_advisory_xact_lock(7160451293);
    NEW.id := nextval('audit_entries_id_seq');
    NEW.at := clock_timestamp();
    SELECT hash INTO last FROM audit_entries ORDER BY id DESC LIMIT 1;
    NEW.prev_hash := coalesce(last, '\x'::bytea);
    NEW.hash := audit_row_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.operator_id, NEW.operator_name,
                               NEW.action, NEW.target_user_id, NEW.target_org_id, NEW.summary,
                               NEW.detail);
    RETURN NEW;
END $$;
