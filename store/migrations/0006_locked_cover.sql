-- The Lockouts screen counts and lists the accounts locked now: with locked_until and status
-- in the index, both are index-only scans over the locked rows (no heap visit per account).
CREATE INDEX users_locked_cover ON users (locked_at DESC, id) INCLUDE (locked_until, status)
    WHERE locked_at IS NOT NULL;
DROP INDEX users_locked;
