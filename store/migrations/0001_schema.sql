-- gatehouse schema, version 1: the whole domain (organizations, users, memberships, rights, invitations, auth events, audit, outbox, operators).
-- Constraints live here, not only in Go: the portal shares this schema.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Installation-wide settings (lockout policy, token lifetimes...). Values are JSON.
CREATE TABLE settings (
    key        text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_.]{0,63}$'),
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organizations (
    id         bigserial PRIMARY KEY,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- per-organization password options: {"composition": bool, "max_age_days": int}
    policy     jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rights (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    label       text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '' CHECK (length(description) <= 2000)
);

INSERT INTO rights (code, label, description) VALUES
    ('users.manage',    'Manage users',      'Invite, edit and remove the users of the organization'),
    ('billing.view',    'View billing',      'See invoices, statements and payment history'),
    ('billing.manage',  'Manage billing',    'Pay invoices, change payment methods and billing contacts'),
    ('bookings.manage', 'Manage bookings',   'Create, change and cancel bookings'),
    ('reports.view',    'View reports',      'Read dashboards and download reports'),
    ('settings.manage', 'Manage settings',   'Change the organization''s portal settings');

CREATE TABLE operators (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$'),
    role       text NOT NULL CHECK (role IN ('support', 'admin', 'oncall')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Organizations an admin operator is scoped to (support and oncall see all).
CREATE TABLE operator_orgs (
    operator_id bigint NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    org_id      bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    PRIMARY KEY (operator_id, org_id)
);

-- Rights an admin operator holds and may therefore grant (support may grant all).
CREATE TABLE operator_rights (
    operator_id bigint NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    right_code  text   NOT NULL REFERENCES rights(code) ON DELETE CASCADE,
    PRIMARY KEY (operator_id, right_code)
);

CREATE TABLE operator_keys (
    id          bigserial PRIMARY KEY,
    operator_id bigint NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
    public_key  text NOT NULL,           -- authorized_keys format, comment stripped
    fingerprint text NOT NULL UNIQUE,    -- SHA256:...
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                   bigserial PRIMARY KEY,
    login_code           text NOT NULL CHECK (login_code ~ '^[A-Z0-9][A-Z0-9-]{2,39}$'),
    email                text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND strpos(email, '@') > 1),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    lang                 text NOT NULL DEFAULT 'fr' CHECK (lang IN ('en', 'fr')),
    status               text NOT NULL DEFAULT 'invited'
                         CHECK (status IN ('invited', 'active', 'disabled', 'deleted')),
    password_hash        text,
    must_change_password boolean NOT NULL DEFAULT false,
    password_changed_at  timestamptz,
    password_expires_at  timestamptz,      -- temporary passwords: 72 h if unused
    totp_enabled         boolean NOT NULL DEFAULT false,
    totp_secret          text,
    totp_last_step       bigint,           -- last accepted TOTP step: no replay
    failed_attempts      integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    first_failed_at      timestamptz,      -- start of the current failure window
    last_failed_at       timestamptz,
    last_failed_ip       inet,
    locked_at            timestamptz,
    locked_until         timestamptz,      -- NULL while locked = until reset
    lock_reason          text,
    lock_count           integer NOT NULL DEFAULT 0 CHECK (lock_count >= 0), -- temporary mode doubling
    last_login_at        timestamptz,
    last_login_ip        inet,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    version              integer NOT NULL DEFAULT 1 CHECK (version > 0),
    -- one lowercase haystack for substring search (name, e-mail, login code), newline-separated
    search               text GENERATED ALWAYS AS
                         (lower(name) || E'\n' || lower(email) || E'\n' || lower(login_code)) STORED,
    CONSTRAINT users_lock_fields CHECK (
        (locked_at IS NULL AND locked_until IS NULL AND lock_reason IS NULL)
        OR (locked_at IS NOT NULL AND lock_reason IS NOT NULL
            AND (locked_until IS NULL OR locked_until > locked_at))),
    CONSTRAINT users_totp_secret CHECK (NOT totp_enabled OR totp_secret IS NOT NULL),
    CONSTRAINT users_deleted_at CHECK ((status = 'deleted') = (deleted_at IS NOT NULL)),
    CONSTRAINT users_active_password CHECK (status <> 'active' OR password_hash IS NOT NULL)
);

-- Identifiers are unique among live accounts, case-insensitively; a deleted account frees them.
CREATE UNIQUE INDEX users_login_code_key ON users (upper(login_code)) WHERE status <> 'deleted';
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE status <> 'deleted';
-- Substring search as you type.
CREATE INDEX users_search_trgm ON users USING gin (search gin_trgm_ops);
-- Keyset pagination, one index per sort.
CREATE INDEX users_name_keyset ON users (name, id) WHERE status <> 'deleted';
CREATE INDEX users_last_login_keyset ON users ((coalesce(last_login_at, '-infinity'::timestamptz)), id)
    WHERE status <> 'deleted';
CREATE INDEX users_created_keyset ON users (created_at, id) WHERE status <> 'deleted';
-- The Lockouts screen.
CREATE INDEX users_locked ON users (locked_at DESC, id) WHERE locked_at IS NOT NULL;

CREATE TABLE memberships (
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id     bigint NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id, user_id);

CREATE TABLE membership_rights (
    user_id    bigint NOT NULL,
    org_id     bigint NOT NULL,
    right_code text   NOT NULL REFERENCES rights(code),
    PRIMARY KEY (user_id, org_id, right_code),
    FOREIGN KEY (user_id, org_id) REFERENCES memberships(user_id, org_id) ON DELETE CASCADE
);

CREATE TABLE invitations (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organizations(id),
    email        text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND strpos(email, '@') > 1),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    user_id      bigint REFERENCES users(id),            -- the existing or pre-created account
    invited_by   bigint REFERENCES operators(id) ON DELETE SET NULL,
    invited_by_name text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    revoked_at   timestamptz,
    resend_count integer NOT NULL DEFAULT 0 CHECK (resend_count >= 0),
    last_sent_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invitations_closed_once CHECK (accepted_at IS NULL OR revoked_at IS NULL),
    CONSTRAINT invitations_expiry CHECK (expires_at > created_at)
);
-- One open invitation per e-mail and organization (expired ones are revoked before a new one).
CREATE UNIQUE INDEX invitations_open_key ON invitations (org_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX invitations_created ON invitations (created_at DESC, id DESC);

CREATE TABLE invitation_rights (
    invitation_id bigint NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    right_code    text   NOT NULL REFERENCES rights(code),
    PRIMARY KEY (invitation_id, right_code)
);

CREATE TABLE reset_tokens (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id),
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    requested_by text NOT NULL DEFAULT ''    -- operator name, or 'self'
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id) WHERE used_at IS NULL AND revoked_at IS NULL;

CREATE TABLE password_history (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user ON password_history (user_id, id DESC);

CREATE TABLE sessions (
    id              bigserial PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users(id),
    token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    idle_expires_at timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    end_reason      text,
    ip              inet,
    user_agent      text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_open ON sessions (user_id, id DESC) WHERE ended_at IS NULL;

-- Append-only log of authentication events, written by the shared login routine.
CREATE TABLE auth_events (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    bigint REFERENCES users(id),  -- NULL for an unknown login
    login      text NOT NULL DEFAULT '',     -- the identifier as typed (trimmed, capped)
    kind       text NOT NULL CHECK (kind IN (
                   'login_success', 'login_failure', 'lock', 'unlock', 'password_changed',
                   'reset_requested', 'reset_completed', 'totp_reset', 'session_ended')),
    reason     text CHECK (reason IS NULL OR reason IN (
                   'bad_password', 'unknown_login', 'locked', 'disabled', 'deleted', 'invited',
                   'bad_totp', 'totp_replay', 'expired_password', 'no_password',
                   'operator', 'reset_link', 'expired', 'threshold')),
    ip         inet,
    user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX auth_events_user_at ON auth_events (user_id, at DESC, id DESC);
CREATE INDEX auth_events_at_brin ON auth_events USING brin (at);
CREATE INDEX auth_events_failures ON auth_events (at DESC, id DESC) WHERE kind = 'login_failure';

-- Outbox: e-mails to deliver, written in the same transaction as their cause.
-- A secret part (a link with a token) is sealed with the installation's outbox key, never stored in clear.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN (
                        'invitation', 'reset_link', 'login_code', 'notice')),
    user_id         bigint REFERENCES users(id),
    invitation_id   bigint REFERENCES invitations(id),
    recipient       text NOT NULL,
    lang            text NOT NULL DEFAULT 'fr' CHECK (lang IN ('en', 'fr')),
    subject         text NOT NULL,
    body            text NOT NULL,          -- may hold the placeholder {{secret}}
    sealed_secret   bytea,                  -- AES-GCM sealed, dropped once sent
    message_id      text NOT NULL UNIQUE,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_user ON outbox (user_id, id DESC);

-- Audit: append-only, enforced here, each row chained to the previous one by SHA-256.
CREATE TABLE audit_entries (
    id             bigint PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    operator_id    bigint,                   -- no FK: the row must outlive its operator
    operator_name  text NOT NULL,
    action         text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_.]{0,63}$'),
    target_user_id bigint,
    target_org_id  bigint,
    summary        text NOT NULL DEFAULT '',
    prev_hash      bytea NOT NULL,
    hash           bytea NOT NULL
);
CREATE SEQUENCE audit_entries_id_seq OWNED BY audit_entries.id;
CREATE INDEX audit_at ON audit_entries (at DESC, id DESC);
CREATE INDEX audit_user ON audit_entries (target_user_id, id DESC) WHERE target_user_id IS NOT NULL;
CREATE INDEX audit_operator ON audit_entries (operator_name, id DESC);
CREATE INDEX audit_action ON audit_entries (action, id DESC);

-- The hash of one audit row, given the previous row's hash. Used by the insert trigger and by
-- `gatehouse audit verify`, so both agree on the encoding.
CREATE FUNCTION audit_row_hash(prev bytea, id bigint, at timestamptz, operator_id bigint,
                               operator_name text, action text, target_user_id bigint,
                               target_org_id bigint, summary text) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(prev || convert_to(concat_ws(E'\x1f',
        id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        coalesce(operator_id::text, ''), operator_name, action,
        coalesce(target_user_id::text, ''), coalesce(target_org_id::text, ''), summary), 'UTF8'))
$$;

CREATE FUNCTION audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
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
                               NEW.action, NEW.target_user_id, NEW.target_org_id, NEW.summary);
    RETURN NEW;
END $$;

CREATE FUNCTION audit_reject() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_entries_chain BEFORE INSERT ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_chain();
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_reject();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject();
REVOKE TRUNCATE, UPDATE, DELETE ON audit_entries FROM PUBLIC;
