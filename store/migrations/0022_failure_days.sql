-- Failures by source by UTC day, each day's hours folded into suffixes. A window of failures by
-- source read its whole hours from failure_ip_hours: a 24-hour window grouped ~30,000 rows of
-- ~4,300 sources at 10M users (12 ms), a 7-day window seven times that. It now reads one row
-- per source and day: the day its first whole hour is in, from that hour on, and each day
-- after it whole. The part-hour before it is read as before (the minutes, the events).
--
-- failure_ip_days holds, per source and UTC day, for each hour of the day (index 1 is 00:00,
-- 24 is 23:00) what happened from that hour to the end of the day:
--   attempts[i]  the failures from hour i-1 on,
--   first_at[i]  the first of them (NULL when there is none),
--   accounts[i]  the accounts whose last failure from the source is in the day, from hour i-1 on;
-- and last_at, the day's last failure (the last of every suffix that is not empty). So hours
-- i-1 to 23 of a day are attempts[i], first_at[i], accounts[i] and, when attempts[i] > 0,
-- last_at; the whole day is index 1.
--
-- The trigger keeps it in place of the hours: a failure in hour j adds itself to indexes 1 to
-- j+1. The day rows are locked as the hours' were (the day of the account's previous last
-- failure before the failure's own), then the minutes'. gatehouse prune deletes the days
-- wholly before its cut.
CREATE TABLE failure_ip_days (
    source   inet NOT NULL,
    day      timestamptz NOT NULL,
    attempts integer[] NOT NULL CHECK (cardinality(attempts) = 24 AND attempts[1] > 0),
    first_at timestamptz[] NOT NULL CHECK (cardinality(first_at) = 24 AND first_at[1] IS NOT NULL),
    last_at  timestamptz NOT NULL,
    accounts integer[] NOT NULL CHECK (cardinality(accounts) = 24 AND accounts[24] >= 0),
    -- (day, source): a window reads a day's rows; the trigger's upsert finds its row.
    PRIMARY KEY (day, source)
);

-- The minutes' counts are integers too, so that a window's sums stay integers.
ALTER TABLE failure_ip_minutes ALTER attempts TYPE integer, ALTER accounts TYPE integer;

-- The hour of a time in its UTC day, as an index of the suffixes: 1 for 00:00, 24 for 23:00.
CREATE FUNCTION failure_hour_index(t timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT extract(hour FROM t AT TIME ZONE 'UTC')::integer + 1
$$;

-- a with n added to its first upto entries: a failure (or an account) in hour upto-1 counts in
-- every suffix that begins at or before it.
CREATE FUNCTION failure_suffix_add(a integer[], upto integer, n integer) RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    FOR i IN 1..upto LOOP
        a[i] := a[i] + n;
    END LOOP;
    RETURN a;
END $$;

-- a with its first upto entries no later than t.
CREATE FUNCTION failure_suffix_least(a timestamptz[], upto integer, t timestamptz) RETURNS timestamptz[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    FOR i IN 1..upto LOOP
        a[i] := least(a[i], t);
    END LOOP;
    RETURN a;
END $$;

-- The suffix sums of values given by hour index (hours absent count 0).
CREATE FUNCTION failure_suffix_sums(hours integer[], vals bigint[]) RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    a integer[] := array_fill(0, ARRAY[24]);
BEGIN
    FOR j IN 1..cardinality(hours) LOOP
        a[hours[j]] := a[hours[j]] + vals[j];
    END LOOP;
    FOR i IN REVERSE 23..1 LOOP
        a[i] := a[i] + a[i + 1];
    END LOOP;
    RETURN a;
END $$;

-- The suffix minimums of times given by hour index (hours absent: NULL, left out).
CREATE FUNCTION failure_suffix_firsts(hours integer[], ts timestamptz[]) RETURNS timestamptz[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    a timestamptz[] := array_fill(NULL::timestamptz, ARRAY[24]);
BEGIN
    FOR j IN 1..cardinality(hours) LOOP
        a[hours[j]] := least(a[hours[j]], ts[j]);
    END LOOP;
    FOR i IN REVERSE 23..1 LOOP
        a[i] := least(a[i], a[i + 1]);
    END LOOP;
    RETURN a;
END $$;

CREATE OR REPLACE FUNCTION auth_events_failure_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src inet := failure_source(NEW.ip);
    acct bigint := failure_account(NEW.user_id, NEW.login);
    h timestamptz := date_trunc('hour', NEW.at, 'UTC');
    m timestamptz := date_trunc('minute', NEW.at, 'UTC');
    d timestamptz := date_trunc('day', NEW.at, 'UTC');
    k integer := failure_hour_index(NEW.at);
    prev timestamptz;
    first boolean := false;
    counted integer;
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
    counted := CASE WHEN first OR date_trunc('hour', prev, 'UTC') < h THEN 1 ELSE 0 END;
    IF prev IS NOT NULL AND date_trunc('hour', prev, 'UTC') < h THEN
        UPDATE failure_ip_days SET accounts = failure_suffix_add(accounts, failure_hour_index(prev), -1)
        WHERE source = src AND day = date_trunc('day', prev, 'UTC') AND accounts[failure_hour_index(prev)] > 0;
    END IF;
    INSERT INTO failure_ip_days AS x (source, day, attempts, first_at, last_at, accounts)
    VALUES (src, d, array_fill(1, ARRAY[k]) || array_fill(0, ARRAY[24 - k]),
            array_fill(NEW.at, ARRAY[k]) || array_fill(NULL::timestamptz, ARRAY[24 - k]), NEW.at,
            array_fill(counted, ARRAY[k]) || array_fill(0, ARRAY[24 - k]))
    ON CONFLICT (day, source) DO UPDATE SET attempts = failure_suffix_add(x.attempts, k, 1),
        first_at = failure_suffix_least(x.first_at, k, NEW.at), last_at = greatest(x.last_at, NEW.at),
        accounts = failure_suffix_add(x.accounts, k, counted);
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

-- The summaries anew from the events, by source: the days (from the events grouped by source
-- and hour) and the minutes, each written in time order.
CREATE OR REPLACE FUNCTION failure_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz := failure_minutes_since();
BEGIN
    UPDATE failure_minutes_range SET from_minute = since;
    DELETE FROM failure_ip_days;
    DELETE FROM failure_ip_minutes;
    DELETE FROM failure_ip_accounts;
    INSERT INTO failure_ip_accounts (source, account, last_at)
    SELECT failure_source(ip), failure_account(user_id, login), max(at)
    FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL GROUP BY 1, 2;
    INSERT INTO failure_ip_days (source, day, attempts, first_at, last_at, accounts)
    SELECT source, date_trunc('day', hour, 'UTC'),
           failure_suffix_sums(array_agg(failure_hour_index(hour)), array_agg(attempts)),
           failure_suffix_firsts(array_agg(failure_hour_index(hour)), array_agg(first_at)), max(last_at),
           failure_suffix_sums(array_agg(failure_hour_index(hour)), array_agg(accounts))
    FROM (SELECT e.source, e.hour, e.attempts, e.first_at, e.last_at, coalesce(a.n, 0) AS accounts
          FROM (SELECT failure_source(ip) AS source, date_trunc('hour', at, 'UTC') AS hour, count(*) AS attempts,
                       min(at) AS first_at, max(at) AS last_at
                FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL GROUP BY 1, 2) e
          LEFT JOIN (SELECT source, date_trunc('hour', last_at, 'UTC') AS hour, count(*) AS n
                     FROM failure_ip_accounts GROUP BY 1, 2) a ON a.source = e.source AND a.hour = e.hour) h
    GROUP BY 1, 2
    ORDER BY 2, 1;
    INSERT INTO failure_ip_minutes (source, minute, attempts, first_at, last_at, accounts)
    SELECT e.source, e.minute, e.attempts, e.first_at, e.last_at, coalesce(a.n, 0)
    FROM (SELECT failure_source(ip) AS source, date_trunc('minute', at, 'UTC') AS minute, count(*) AS attempts,
                 min(at) AS first_at, max(at) AS last_at
          FROM auth_events WHERE kind = 'login_failure' AND ip IS NOT NULL AND at >= since GROUP BY 1, 2) e
    LEFT JOIN (SELECT source, date_trunc('minute', last_at, 'UTC') AS minute, count(*) AS n
               FROM failure_ip_accounts WHERE last_at >= since GROUP BY 1, 2) a ON a.source = e.source AND a.minute = e.minute
    ORDER BY e.minute, e.source;
END $$;

DROP TABLE failure_ip_hours;
SELECT failure_rollups_rebuild();
