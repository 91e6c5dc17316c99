-- Authentication and the Lockouts screen (issue 5).

-- A login naming a deleted account is recorded on that account's timeline: find it without
-- scanning the table (the unique identifier indexes only cover live accounts).
CREATE INDEX users_deleted_login ON users (upper(login_code)) WHERE status = 'deleted';
CREATE INDEX users_deleted_email ON users (lower(email)) WHERE status = 'deleted';

-- Failures grouped by IP over a window, and the failures from one IP: answered from the
-- index alone (no heap visit per event) over the window's range.
CREATE INDEX auth_events_failures_ip ON auth_events (at DESC) INCLUDE (ip, user_id, login)
    WHERE kind = 'login_failure';
