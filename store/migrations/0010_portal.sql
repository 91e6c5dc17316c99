-- The portal's account pages: pending sign-ins, the session's organization, the recovery pages' limits.

-- After an operator's 2FA reset the user sets an authenticator up again at the next sign-in,
-- before any session opens.
ALTER TABLE users ADD COLUMN must_enrol_totp boolean NOT NULL DEFAULT false;

-- The organization a session works in (a user of several organizations picks one; checked
-- against the memberships when chosen). No foreign key: its check would share-lock the
-- organization's row at every sign-in, and a hundred concurrent sign-ins of one organization
-- then queue on that row's lockers (organizations are never deleted).
ALTER TABLE sessions ADD COLUMN org_id bigint;

-- A sign-in whose credentials were right but which must finish a step before any session
-- opens: a 2FA code, a forced password change, a 2FA enrolment. The ticket is a random token
-- held by the browser (only its SHA-256 here), short-lived and used once; it is bound to the
-- account's version, so any change to the account meanwhile (lock, disable, an operator's
-- password or 2FA reset) voids it.
CREATE TABLE signin_tickets (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    step         text NOT NULL CHECK (step IN ('totp', 'password', 'enrol')),
    user_version integer NOT NULL,
    -- enrolment: the secret being set up, shown to its owner and confirmed by one code
    totp_secret  text,
    -- a signed-in user enrolling 2FA: the session that the new one replaces
    session_id   bigint REFERENCES sessions(id),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    ip           inet,
    user_agent   text NOT NULL DEFAULT '',
    CONSTRAINT signin_tickets_expiry CHECK (expires_at > created_at)
);
CREATE INDEX signin_tickets_user ON signin_tickets (user_id) WHERE used_at IS NULL;

-- The pages that send e-mail count their requests per account and per client address in
-- fixed windows, here so that the limit holds across every portal process.
CREATE TABLE portal_rate_limits (
    bucket       text NOT NULL CHECK (length(bucket) BETWEEN 1 AND 200),
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL CHECK (hits > 0),
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX portal_rate_limits_window ON portal_rate_limits (window_start);

-- Auth events of the portal: a 2FA enrolment, a login code e-mailed on request, and the
-- reasons of self-service steps.
ALTER TABLE auth_events DROP CONSTRAINT auth_events_kind_check;
ALTER TABLE auth_events ADD CONSTRAINT auth_events_kind_check CHECK (kind IN (
    'login_success', 'login_failure', 'lock', 'unlock', 'password_changed',
    'reset_requested', 'reset_completed', 'totp_reset', 'session_ended',
    'totp_enrolled', 'login_code_sent'));
ALTER TABLE auth_events DROP CONSTRAINT auth_events_reason_check;
ALTER TABLE auth_events ADD CONSTRAINT auth_events_reason_check CHECK (reason IS NULL OR reason IN (
    'bad_password', 'unknown_login', 'locked', 'disabled', 'deleted', 'invited',
    'bad_totp', 'totp_replay', 'expired_password', 'no_password',
    'operator', 'reset_link', 'expired', 'threshold',
    'self', 'must_change_password', 'must_enrol_totp', 'logout', 'organization'));
