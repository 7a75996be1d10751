-- 1.2: live events are opt-in, sales_expire() has a grace nobody can
-- postpone, a log, and a form for pg_cron.  (The waits and ended sessions
-- need several sessions: test/specs/expire_concurrency.spec,
-- test/t/040_expire_grace.pl; the doorbell: test/specs/events.spec.)
SET TIME ZONE 'UTC';

-- installed: events off, a grace of 10 minutes, a wait of a second
SELECT notify_events, expire_grace, expire_wait FROM salesalgo.settings;

-- the grace and the wait are checked; a rejected update changes nothing
-- (terse: the failing row lists every setting, and other topics add some)
\set VERBOSITY terse
UPDATE salesalgo.settings SET expire_grace = '-1 minute';
UPDATE salesalgo.settings SET expire_wait = '2 minutes';
UPDATE salesalgo.settings SET expire_wait = '-1 second';
UPDATE salesalgo.settings SET expire_grace = NULL;
\set VERBOSITY default
SELECT notify_events, expire_grace, expire_wait FROM salesalgo.settings;

-- who may do what
SELECT has_function_privilege('public', 'salesalgo.expire_for_cron()', 'EXECUTE') AS public_runs_cron_form,
       has_table_privilege('public', 'salesalgo.expire_runs', 'SELECT') AS public_reads_log,
       has_table_privilege('pg_monitor', 'salesalgo.expire_runs', 'SELECT') AS monitor_reads_log,
       has_table_privilege('pg_monitor', 'salesalgo.expire_runs', 'INSERT') AS monitor_writes_log;

-- a run with nothing due: logged, no notice
SELECT salesalgo.sales_expire('2000-01-01') AS moved;
SELECT as_of, moved, skipped, overdue_past_grace, sessions_ended, detail
FROM salesalgo.expire_runs ORDER BY id DESC LIMIT 1;

-- the pg_cron form: one row per client expired (rolled back: later tests
-- keep their clients)
BEGIN;
SET LOCAL salesalgo.now = '2026-09-01 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (1701, 'Cron');
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
    (17001, 'due 1', 'small', 1701), (17002, 'due 2', 'small', 1701), (17003, 'not due', 'large', 1701);
SET LOCAL salesalgo.now = '2026-09-20 09:00+00';
SELECT count(*) AS overdue FROM salesalgo.client WHERE deadline_at <= salesalgo.now() \gset
SELECT count(*) = :overdue AS one_row_per_client_expired, count(*) >= 2 AS ours_among_them
FROM salesalgo.expire_for_cron();
SELECT id, state, refusal_reason FROM salesalgo.client WHERE id BETWEEN 17001 AND 17003 ORDER BY id;
SELECT moved = :overdue AS logged, skipped FROM salesalgo.expire_runs ORDER BY id DESC LIMIT 1;
ROLLBACK;

-- the log keeps the last 1,000 runs
SELECT count(*) AS runs FROM (SELECT salesalgo.sales_expire('2000-01-01') FROM generate_series(1, 1005)) AS r;
SELECT count(*) AS kept, max(id) - min(id) + 1 AS span FROM salesalgo.expire_runs;

-- extend_deadline() only extends: a deadline at or before now is refused
-- (22023), and nothing changes
BEGIN;
SET LOCAL salesalgo.now = '2026-09-01 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (1702, 'Extender');
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (17004, 'extend me', 'small', 1702);
SELECT deadline_at AS deadline_before FROM salesalgo.client WHERE id = 17004 \gset
SELECT count(*) AS history_before FROM salesalgo.client_history WHERE client_id = 17004 \gset
SELECT code, message, detail, hint
FROM regress.error_of($$SELECT salesalgo.extend_deadline(17004, '2026-09-01 09:00+00', 'now')$$);
SELECT code, message
FROM regress.error_of($$SELECT salesalgo.extend_deadline(17004, '2026-08-01', 'the past')$$);
SELECT deadline_at = :'deadline_before' AS deadline_unchanged,
       (SELECT count(*) FROM salesalgo.client_history WHERE client_id = 17004) = :history_before AS no_history
FROM salesalgo.client WHERE id = 17004;
SELECT code FROM regress.error_of($$SELECT salesalgo.extend_deadline(17004, '2026-09-01 09:00:01+00', 'a second')$$);
ROLLBACK;
