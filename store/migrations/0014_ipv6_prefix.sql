-- Failures grouped by source, not by address. An IPv4 address is a source of its own; an IPv6
-- address belongs to its /64, the block one host or one customer line is given and picks its
-- addresses from at will, so an attack spread over the addresses of one /64 is one source
-- (an IPv4-mapped IPv6 address is the IPv4 address's source). The summaries of migration 0009
-- are keyed by source instead of address and rebuilt from the events.
--
-- A source failing on many accounts since a time is flagged: the rule counts the accounts the
-- source tried since then, which failure_ip_accounts answers by (source, last_at) and stops
-- at the rule's threshold, a few index entries per source looked at.
CREATE FUNCTION failure_source(ip inet) RETURNS inet
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN family(ip) = 4 THEN set_masklen(ip, 32)
                WHEN ip << inet '::ffff:0:0/96' THEN set_masklen(ip, 128)
                ELSE network(set_masklen(ip, 64))::inet END
$$;

ALTER TABLE failure_ip_accounts RENAME COLUMN ip TO source;
ALTER TABLE failure_ip_hours RENAME COLUMN ip TO source;
CREATE INDEX failure_ip_accounts_source_last ON failure_ip_accounts (source, last_at);

-- One failure, as in migration 0009, on the source's rows: its account's last failure moves
-- to this hour (counted here, uncounted from the hour it was in), and the hour's attempts
-- grow. Rows are locked in one order: the account, then hours oldest first, so concurrent
-- failures from one source (any of its addresses) cannot deadlock.
CREATE OR REPLACE FUNCTION auth_events_failure_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src inet := failure_source(NEW.ip);
    acct bigint := failure_account(NEW.user_id, NEW.login);
    h timestamptz := date_trunc('hour', NEW.at, 'UTC');
    prev timestamptz;
    moved int := 0;
BEGIN
    LOOP
        INSERT INTO failure_ip_accounts (source, account, last_at) VALUES (src, acct, NEW.at)
        ON CONFLICT (source, account) DO NOTHING;
        IF FOUND THEN
            moved := 1;
            EXIT;
        END IF;
        -- The row exists; a prune may delete it before it is locked: then insert again.
        SELECT a.last_at INTO prev FROM failure_ip_accounts a WHERE a.source = src AND a.account = acct FOR UPDATE;
        CONTINUE WHEN NOT FOUND;
        IF NEW.at > prev THEN
            UPDATE failure_ip_accounts SET last_at = NEW.at WHERE source = src AND account = acct;
            IF date_trunc('hour', prev, 'UTC') < h THEN
                UPDATE failure_ip_hours SET accounts = accounts - 1
                WHERE source = src AND hour = date_trunc('hour', prev, 'UTC') AND accounts > 0;
                moved := 1;
            END IF;
        END IF;
        EXIT;
    END LOOP;
    INSERT INTO failure_ip_hours AS x (source, hour, attempts, first_at, last_at, accounts)
    VALUES (src, h, 1, NEW.at, NEW.at, moved)
    ON CONFLICT (source, hour) DO UPDATE SET attempts = x.attempts + 1,
        first_at = least(x.first_at, EXCLUDED.first_at), last_at = greatest(x.last_at, EXCLUDED.last_at),
        accounts = x.accounts + EXCLUDED.accounts;
    RETURN NULL;
END $$;

-- Both summaries anew from the events, by source, the hours written in hour order.
CREATE OR REPLACE FUNCTION failure_rollups_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM failure_ip_hours;
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
END $$;

SELECT failure_rollups_rebuild();
