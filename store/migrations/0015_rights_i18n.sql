-- What a person reads from the database, in their language: the rights catalog in French,
-- the time zone an organization's e-mails give their dates in, and the structured part of
-- audit rows that renders them in the reader's language.

-- The rights catalog in French (NULL: shown in English until someone writes it, with
-- `gatehouse rights set CODE --in fr`).
ALTER TABLE rights
    ADD COLUMN label_fr text CHECK (label_fr IS NULL OR length(label_fr) BETWEEN 1 AND 200),
    ADD COLUMN description_fr text CHECK (description_fr IS NULL OR length(description_fr) <= 2000);

-- The default rights, in French, where their English text is still the one first shipped.
UPDATE rights SET label_fr = v.label_fr, description_fr = v.description_fr
FROM (VALUES
    ('users.manage', 'Manage users', 'Gérer les utilisateurs',
     'Inviter, modifier et retirer les utilisateurs de l''établissement'),
    ('billing.view', 'View billing', 'Consulter la facturation',
     'Voir les factures, les relevés et l''historique des paiements'),
    ('billing.manage', 'Manage billing', 'Gérer la facturation',
     'Payer les factures, changer les moyens de paiement et les contacts de facturation'),
    ('bookings.manage', 'Manage bookings', 'Gérer les réservations',
     'Créer, modifier et annuler des réservations'),
    ('reports.view', 'View reports', 'Consulter les rapports',
     'Lire les tableaux de bord et télécharger les rapports'),
    ('settings.manage', 'Manage settings', 'Gérer les paramètres',
     'Modifier les paramètres du portail de l''établissement')
) AS v(code, label, label_fr, description_fr)
WHERE rights.code = v.code AND rights.label = v.label AND rights.label_fr IS NULL;

-- The time zone of the dates in the e-mails about an organization (an IANA name such as
-- Europe/Paris, set with `gatehouse org timezone`). NULL: by the recipient's language,
-- Europe/Paris for French and UTC for English.
ALTER TABLE organizations
    ADD COLUMN time_zone text CHECK (time_zone IS NULL OR time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$');

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
