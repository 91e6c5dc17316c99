-- The Users screen walks the name index with filters (search, locked, 2FA, must-change,
-- inactive, status). With only (name, id) in the index every skipped row costs a heap visit;
-- with the filtered columns included, the walk is an index-only scan (measured at 1M users:
-- common search 84 ms -> 11 ms, locked filter 37 ms -> 4 ms). It replaces users_name_keyset.
CREATE INDEX users_name_cover ON users (name, id)
    INCLUDE (status, search, locked_at, locked_until, totp_enabled, must_change_password,
             last_login_at, created_at)
    WHERE status <> 'deleted';
DROP INDEX users_name_keyset;
