-- The history reader reads through the extension's own indexes on
-- client_history, found by name and checked, never through a DBA's
-- look-alike: an index on changed_at DESC, or on (client_id, id DESC),
-- given a lower OID than ours by REINDEX CONCURRENTLY, used to be taken and
-- read backwards.  In a database of its own: REINDEX CONCURRENTLY cannot
-- run in a transaction block, and the department's history is its own.
\set regress_db :DBNAME
CREATE DATABASE regress_history_index;
\c regress_history_index
SET client_min_messages = warning;
CREATE EXTENSION salesalgo;
SET TimeZone = 'UTC';
\set ECHO none
\i bench/department.sql
\set ECHO all
CALL department.generate(6, 15, '2026-01-05 00:00+00');
RESET salesalgo.now;
CREATE SCHEMA regress;
CREATE FUNCTION regress.reports() RETURNS TABLE (report text, line text) LANGUAGE sql AS $$
    SELECT 'trial_report', t::text FROM salesalgo.trial_report('2026-01-08', '2026-01-20') AS t
    UNION ALL
    SELECT 'what_if', w::text
    FROM (SELECT metric, sum(actual) AS actual, sum(what_if) AS what_if
          FROM salesalgo.what_if('2026-01-10', '2026-01-20', salesalgo.model_at('2026-01-10'))
          GROUP BY 1) AS w
$$;
CREATE TABLE regress.before AS SELECT * FROM regress.reports();
SELECT report, count(*) > 0 AS has_lines FROM regress.before GROUP BY 1 ORDER BY 1;
-- deals whose client entered a worklist before the period: the median
-- reads their history through the client index
SELECT median_days_to_deal IS NOT NULL AS has_median
FROM salesalgo.trial_report('2026-01-08', '2026-01-20') WHERE manager_id IS NULL;
-- with no model change what-if is the history itself
SELECT count(*) AS differ
FROM salesalgo.what_if('2026-01-10', '2026-01-20', salesalgo.model_at('2026-01-10'))
WHERE actual <> what_if;

-- a DBA's look-alikes, then ours rebuilt: theirs now come first in OID order
CREATE INDEX dba_changed_desc ON salesalgo.client_history (changed_at DESC);
CREATE INDEX dba_client_latest ON salesalgo.client_history (client_id, id DESC);
REINDEX INDEX CONCURRENTLY salesalgo.client_history_changed_at_idx;
REINDEX INDEX CONCURRENTLY salesalgo.client_history_client_id_idx;
SELECT (SELECT oid FROM pg_class WHERE relname = 'dba_changed_desc')
       < (SELECT oid FROM pg_class WHERE relname = 'client_history_changed_at_idx') AS dba_first_by_time,
       (SELECT oid FROM pg_class WHERE relname = 'dba_client_latest')
       < (SELECT oid FROM pg_class WHERE relname = 'client_history_client_id_idx') AS dba_first_by_client;
-- the reports are unchanged, and what-if is still the identity
SELECT count(*) AS lines_changed
FROM ((TABLE regress.before EXCEPT ALL SELECT * FROM regress.reports())
      UNION ALL (SELECT * FROM regress.reports() EXCEPT ALL TABLE regress.before)) AS d;
SELECT count(*) AS differ
FROM salesalgo.what_if('2026-01-10', '2026-01-20', salesalgo.model_at('2026-01-10'))
WHERE actual <> what_if;

-- ours missing or unusable: an error that says how to make it again, and
-- nothing read through another index
CREATE FUNCTION regress.error_of(statement text)
RETURNS TABLE (code text, message text, detail text, hint text) LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN QUERY SELECT NULL::text, 'no error'::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    RETURN NEXT;
END
$$;
\x on
BEGIN;
DROP INDEX salesalgo.client_history_changed_at_idx;
SELECT * FROM regress.error_of($$SELECT count(*) FROM salesalgo.trial_report('2026-01-08', '2026-01-20')$$);
ROLLBACK;
BEGIN;
DROP INDEX salesalgo.client_history_client_id_idx;
SELECT * FROM regress.error_of($$SELECT count(*) FROM salesalgo.trial_report('2026-01-08', '2026-01-20')$$);
ROLLBACK;
-- ours replaced by a DESC one of the same name
BEGIN;
DROP INDEX salesalgo.client_history_changed_at_idx;
CREATE INDEX client_history_changed_at_idx ON salesalgo.client_history (changed_at DESC);
SELECT * FROM regress.error_of($$SELECT count(*) FROM salesalgo.trial_report('2026-01-08', '2026-01-20')$$);
ROLLBACK;
-- and by one on other columns, or a partial one
BEGIN;
DROP INDEX salesalgo.client_history_client_id_idx;
CREATE INDEX client_history_client_id_idx ON salesalgo.client_history (client_id);
SELECT * FROM regress.error_of($$SELECT count(*) FROM salesalgo.trial_report('2026-01-08', '2026-01-20')$$);
ROLLBACK;
BEGIN;
DROP INDEX salesalgo.client_history_changed_at_idx;
CREATE INDEX client_history_changed_at_idx ON salesalgo.client_history (changed_at) WHERE id > 0;
SELECT * FROM regress.error_of($$SELECT count(*) FROM salesalgo.trial_report('2026-01-08', '2026-01-20')$$);
ROLLBACK;
\x off
-- the rolled-back drops left ours in place: the same reports
SELECT count(*) AS lines_changed
FROM ((TABLE regress.before EXCEPT ALL SELECT * FROM regress.reports())
      UNION ALL (SELECT * FROM regress.reports() EXCEPT ALL TABLE regress.before)) AS d;

\c :regress_db
DROP DATABASE regress_history_index;
