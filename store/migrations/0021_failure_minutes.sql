-- Failures by source to the minute, over the last eight days. A window of failures by source
-- is its whole hours from failure_ip_hours and the part-hour it starts in; that part-hour was
-- read from the events and the accounts' last failures, so a window starting inside an
-- attack's hour read the attack (460,000 failures in that hour at 10M users: 180 ms). It is
-- now its whole minutes from failure_ip_minutes (at most 59 rows a source) and the part-minute
-- it starts in from the events.
--
-- failure_ip_minutes holds, per source and UTC minute, what failure_ip_hours holds per hour:
-- the attempts, the first and last failure, and how many accounts had their last failure in
-- that minute. The trigger keeps both, the hours' rows locked before the minutes' (each oldest
-- first), so concurrent failures from one source cannot deadlock. The rebuild writes the
-- minutes of the last eight days (failure_minutes_since()); gatehouse prune deletes the older
-- ones; a window starting earlier than eight days ago reads its part-hour from the events.
CREATE TABLE failure_ip_minutes (
    source   inet NOT NULL,
    minute   timestamptz NOT NULL,
    attempts bigint NOT NULL CHECK (attempts > 0),
    first_at timestamptz NOT NULL,
    last_at  timestamptz NOT NULL,
    accounts bigint NOT NULL CHECK (accounts >= 0),
    PRIMARY KEY (source, minute)
);
CREATE INDEX failure_ip_minutes_minute ON failure_ip_minutes (minute);

-- The first minute the rebuild summarizes: eight days ago.
CREATE FUNCTION failure_minutes_since() RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT date_trunc('minute', now() - interval '8 days', 'UTC')
$$;

-- From which minute on failure_ip_minutes is whole (the trigger writes every failure's minute;
-- the rebuild starts at failure_minutes_since(), a prune moves it on before deleting).
CREATE TABLE failure_minutes_range (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    from_minute timestamptz NOT NULL
);
INSERT INTO failure_minutes_range (from_minute) VALUES ('infinity');

CREATE OR REPLACE FUNCTION auth_events_failure_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src inet := failure_source(NEW.ip);
    acct bigint := failure_account(NEW.user_id, NEW.login);
    h timestamptz := date_trunc('hour', NEW.at, 'UTC');
    m timestamptz := date_trunc('minute', NEW.at, 'UTC');
    prev timestamptz;
    first boolean := false;
BEGIN
    LOOP
        INSERT INTO failure_ip_accounts (source, account, last_at) VALUES (src, acct, NEW.at)
        ON CONFLICT (source, account) DO NOTHING;
        IF FOUND THEN
            first := true;
            EXIT;
        END IF;
        -- The row exists; a prune may delete it before it is locked: then insert again.
        SELECT a.last_at INTO prev FROM failure_ip_accounts a WHERE a.source = src AND a.account = acct FOR UPDATE;
        CONTINUE WHEN NOT FOUND;
        IF NEW.at > prev THEN
            UPDATE failure_ip_accounts SET last_at = NEW.at WHERE source = src AND account = acct;
        ELSE
            prev := NULL; -- the account's last failure stays where it is
        END IF;
        EXIT;
    END LOOP;
    -- The account's last failure moves to this hour and this minute: uncounted from those it
    -- was in, counted here.
    IF prev IS NOT NULL AND date_trunc('hour', prev, 'UTC') < h THEN
        UPDATE failure_ip_hours SET accounts = accounts - 1
        WHERE source = src AND hour = date_trunc('hour', prev, 'UTC') AND accounts > 0;
    END IF;
    INSERT INTO failure_ip_hours AS x (source, hour, attempts, first_at, last_at, accounts)
    VALUES (src, h, 1, NEW.at, NEW.at, CASE WHEN first OR date_trunc('hour', prev, 'UTC') < h THEN 1 ELSE 0 END)
    ON CONFLICT (source, hour) DO UPDATE SET attempts = x.attempts + 1,
        first_at = least(x.first_at, EXCLUDED.first_at), last_at = greatest(x.last_at, EXCLUDED.last_at),
        accounts = x.accounts + EXCLUDED.accounts;
    IF prev IS NOT NULL AND date_trunc('minute', prev, 'UTC') < m THEN
        UPDATE failure_ip_minutes SET accounts = accounts - 1
        WHERE source = src AND minute = date_trunc('minute', prev, 'UTC') AND accounts > 0;
    END IF;
    INSERT INTO failure_ip_minutes AS x (source, minute, attempts, first_at, last_at, accounts)
    VALUES (src, m, 1, NEW.at, NEW.at, CASE WHEN first OR date_trunc('minute', prev, 'UTC') < m THEN 1 ELSE 0 END)
    ON CONFLICT (source, minute) DO UPDATE SET attempts = x.attempts + 1,
        first_at = least(x.first_at, EXCLUDED.first_at), last_at = greatest(x.last_at, EXCLUDED.last_at),
        accounts = x.accounts + EXCLUDED.accounts;
    RETURN NULL;
END $$;

-- The summaries anew from the events, by source, the hours and minutes written in time order.
CREATE OR REPLACE FUNCTION failure_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz := failure_minutes_since();
BEGIN
    UPDATE failure_minutes_range SET from_minute = since;
    DELETE FROM failure_ip_hours;
    DELETE FROM failure_ip_minutes;
    DELETE FROM failure_ip_accounts;
    INSERT INTO failure_ip_accounts (source, account, last_at)
    SELECT failure_source(ip), failure_account(user_id, login), max(at)
    FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL GROUP BY 1, 2;
    INSERT INTO failure_ip_hours (source, hour, attempts, first_at, last_at, accounts)
    SELECT e.source, e.hour, e.attempts, e.first_at, e.last_at, coalesce(a.n, 0)
    FROM (SELECT failure_source(ip) AS source, date_trunc('hour', at, 'UTC') AS hour, count(*) AS attempts,
                 min(at) AS first_at, max(at) AS last_at
          FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL GROUP BY 1, 2) e
    LEFT JOIN (SELECT source, date_trunc('hour', last_at, 'UTC') AS hour, count(*) AS n
               FROM failure_ip_accounts GROUP BY 1, 2) a ON a.source = e.source AND a.hour = e.hour
    ORDER BY e.hour, e.source;
    INSERT INTO failure_ip_minutes (source, minute, attempts, first_at, last_at, accounts)
    SELECT e.source, e.minute, e.attempts, e.first_at, e.last_at, coalesce(a.n, 0)
    FROM (SELECT failure_source(ip) AS source, date_trunc('minute', at, 'UTC') AS minute, count(*) AS attempts,
                 min(at) AS first_at, max(at) AS last_at
          FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL AND at >= since GROUP BY 1, 2) e
    LEFT JOIN (SELECT source, date_trunc('minute', last_at, 'UTC') AS minute, count(*) AS n
               FROM failure_ip_accounts WHERE last_at >= since GROUP BY 1, 2) a ON a.source = e.source AND a.minute = e.minute
    ORDER BY e.minute, e.source;
END $$;

SELECT failure_rollups_rebuild();
