-- The recall pool (обзвон), the early warning before a deadline, and the
-- views a manager's login reads.  A database of its own, so that every
-- view below shows the whole truth.
CREATE DATABASE regress_salesalgo_recall;
\c regress_salesalgo_recall
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-01-01 09:00+00';
CREATE SCHEMA regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE FUNCTION regress.error_of(statement text, OUT code text, OUT message text,
                                 OUT detail text, OUT hint text,
                                 OUT constraint_name text, OUT column_name text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT,
                            constraint_name = CONSTRAINT_NAME, column_name = COLUMN_NAME;
END $$;
CREATE FUNCTION regress.fingerprint() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.client t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.manager t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.client_history t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.refusal_reason t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.settings t)))
$$;

-- 1. How long each reason waits before the recall pool: installed values.
SELECT code, hard, recall_after FROM refusal_reason ORDER BY code;

-- A hard reason never recalls; a recall comes after the refusal.  Nothing
-- changes.
SELECT regress.fingerprint() AS before \gset
SELECT 'hard reason' AS tried, * FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '30 days' WHERE code = 'nonprofile'$$)
UNION ALL SELECT 'new hard reason', * FROM regress.error_of($$INSERT INTO refusal_reason (code, hard, recall_after) VALUES ('fraud', true, '1 year')$$)
UNION ALL SELECT 'made hard', * FROM regress.error_of($$UPDATE refusal_reason SET hard = true WHERE code = 'no_money'$$)
UNION ALL SELECT 'zero', * FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '0' WHERE code = 'crisis'$$)
UNION ALL SELECT 'negative', * FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '-1 day' WHERE code = 'crisis'$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
-- No field may count backwards (an interval keeps months, days and time
-- apart, so '1 mon -29 days' is "positive" yet waits a day or none), and a
-- wait ends within 10 years (a month counted as 30 days, as PostgreSQL
-- compares intervals): beyond, the cut-off can fall outside timestamptz.
SELECT 'a month less 29 days' AS tried, e.code, e.constraint_name
FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '1 mon -29 days' WHERE code = 'crisis'$$) AS e
UNION ALL SELECT 'a month back, 31 days on', e.code, e.constraint_name
FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '-1 mon +31 days' WHERE code = 'crisis'$$) AS e
UNION ALL SELECT 'a day less an hour', e.code, e.constraint_name
FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '1 day -1 hour' WHERE code = 'crisis'$$) AS e
UNION ALL SELECT 'a new reason, a year less a day', e.code, e.constraint_name
FROM regress.error_of($$INSERT INTO refusal_reason (code, hard, recall_after) VALUES ('odd', false, '1 year -1 day')$$) AS e
UNION ALL SELECT '10 years and a day', e.code, e.constraint_name
FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '10 years 1 day' WHERE code = 'crisis'$$) AS e
UNION ALL SELECT '3601 days', e.code, e.constraint_name
FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '3601 days' WHERE code = 'crisis'$$) AS e
UNION ALL SELECT '300000 years', e.code, e.constraint_name
FROM regress.error_of($$UPDATE refusal_reason SET recall_after = '300000 years' WHERE code = 'crisis'$$) AS e;
SELECT regress.fingerprint() = :'before' AS nothing_changed;
-- the bound itself, and a wait of months, days and hours, are accepted
UPDATE refusal_reason SET recall_after = '10 years' WHERE code = 'crisis' RETURNING code, recall_after;
UPDATE refusal_reason SET recall_after = '1 mon 2 days 3 hours' WHERE code = 'crisis' RETURNING code, recall_after;
UPDATE refusal_reason SET recall_after = '180 days' WHERE code = 'crisis' RETURNING code, recall_after;
-- a soft reason of the DBA's own may recall; making it hard clears it first
INSERT INTO refusal_reason (code, label, hard, recall_after) VALUES ('season', 'Out of season', false, '60 days');
UPDATE refusal_reason SET hard = true, recall_after = NULL WHERE code = 'season';
UPDATE refusal_reason SET hard = false, recall_after = '60 days' WHERE code = 'season';

-- 2. sales_recall(): refused clients return to the pool when their reason's
--    time has passed since they entered refusal, and keep their manager.
INSERT INTO manager (id, name, worklist_cap) VALUES (1, 'Anna', 10), (2, 'Boris', 10);
INSERT INTO client (id, name, size, manager_id) VALUES
    (1, 'no money',  'small', 1), (2, 'crisis',   'small', 1),
    (3, 'too late',  'small', 2), (4, 'other',    'small', 2),
    (5, 'nonprofile', 'small', 2), (6, 'in work', 'small', 1),
    (7, 'season', 'small', NULL);
UPDATE client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 1;
UPDATE client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 2;
UPDATE client SET state = 'refusal', refusal_reason = 'other' WHERE id = 4;
UPDATE client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE id = 5;
UPDATE client SET state = 'refusal', refusal_reason = 'season' WHERE id = 7;
-- clients 3 and 6 are not sold in 14 days: sales_expire() refuses them for
-- deadline
SET salesalgo.now = '2026-01-15 09:00+00';
SELECT sales_expire() AS expired;
SELECT id, state, refusal_reason, manager_id, state_since FROM client ORDER BY id;

-- Nothing is due a second before each reason's time; then one by one, as
-- the days pass (the default as_of is salesalgo.now()).
SELECT sales_recall('2026-02-14 08:59:59+00') AS a_second_early;
SET salesalgo.now = '2026-02-14 09:00+00';
SELECT sales_recall() AS deadline_30_days;
SET salesalgo.now = '2026-03-02 09:00+00';
SELECT sales_recall() AS season_60_days;
SET salesalgo.now = '2026-04-01 09:00+00';
SELECT sales_recall() AS no_money_90_days;
-- idempotent: the same as_of again moves nothing
SELECT sales_recall() AS again;
SET salesalgo.now = '2026-06-30 09:00+00';
SELECT sales_recall() AS crisis_180_days;
-- other and nonprofile never
SELECT sales_recall('2036-01-01 09:00+00') AS ten_years_on;
SELECT id, state, refusal_reason, manager_id FROM client ORDER BY id;
SELECT client_id, from_state, to_state, from_manager, to_manager, refusal_reason, changed_at, source
FROM client_history WHERE source = 'sales_recall' ORDER BY client_id;
SELECT id, in_work FROM manager ORDER BY id;
-- a recalled client goes back into work, and may be refused again
SET salesalgo.now = '2026-07-01 09:00+00';
UPDATE client SET state = 'refusal' WHERE id = 1;
UPDATE client SET state = 'recall' WHERE id = 1;
UPDATE client SET state = 'contact_1' WHERE id = 1 RETURNING id, state, refusal_reason, manager_id, deadline_at;
UPDATE client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 1;
SELECT sales_recall() AS not_yet;
SET salesalgo.now = '2026-09-29 09:00+00';
SELECT sales_recall() AS ninety_days_later;

-- A reason changed while the client is in refusal counts from the refusal.
UPDATE client SET state = 'refusal' WHERE id IN (2, 3);
UPDATE client SET refusal_reason = 'crisis' WHERE id = 3;
UPDATE refusal_reason SET recall_after = '10 days' WHERE code = 'crisis';
SELECT sales_recall('2026-10-09 08:59+00') AS early, sales_recall('2026-10-09 09:00+00') AS ten_days;

-- Batches: every due client moves, whatever settings.expire_batch_size.
SET salesalgo.now = '2026-11-01 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (3, 'Vera', 500);
INSERT INTO client (id, name, size, manager_id)
SELECT 100 + i, 'batch ' || i, 'medium', 3 FROM generate_series(1, 75) AS i;
UPDATE client SET state = 'refusal', refusal_reason = CASE WHEN id % 2 = 0 THEN 'no_money' ELSE 'crisis' END
WHERE id BETWEEN 101 AND 175;
UPDATE settings SET expire_batch_size = 7;
SELECT sales_recall('2027-03-01 09:00+00') AS batch_7;
SELECT count(*) FILTER (WHERE state = 'recall') AS recalled,
       count(*) FILTER (WHERE state = 'refusal') AS still_refused
FROM client WHERE id BETWEEN 101 AND 175;
UPDATE settings SET expire_batch_size = 1000;

-- The due clients are ranges of an index, not a scan of the table.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT c.id FROM salesalgo.client AS c
WHERE c.state OPERATOR(pg_catalog.=) 'refusal'::salesalgo.client_state
  AND c.refusal_reason OPERATOR(pg_catalog.=) 'no_money'
  AND c.state_since OPERATOR(pg_catalog.<=) '2027-01-01'
  AND ROW(c.state_since, c.id) OPERATOR(pg_catalog.>) ROW('-infinity'::timestamptz, 0::bigint)
ORDER BY c.state_since, c.id LIMIT 10;
RESET enable_seqscan;

-- A department that closes the pool: nobody is recalled, with a warning,
-- not an error (the run is unattended).
UPDATE client SET state = 'refusal' WHERE id = 101;
DELETE FROM transition_rule WHERE from_state = 'refusal' AND to_state = 'recall';
SELECT sales_recall('2030-01-01') AS pool_closed;
INSERT INTO transition_rule (from_state, to_state) VALUES ('refusal', 'recall');
SELECT sales_recall('2030-01-01') AS pool_open;

-- One reason's arithmetic never stops the others: a cut-off outside
-- timestamptz (a recall_after from before its bound, here by dropping the
-- constraint; or an as_of at the start of time) skips that reason with a
-- warning, and the others' clients are recalled.
BEGIN;
ALTER TABLE refusal_reason DROP CONSTRAINT refusal_reason_recall_after_at_most_10_years;
UPDATE refusal_reason SET recall_after = '300000 years' WHERE code = 'crisis';
UPDATE client SET state = 'refusal' WHERE id IN (101, 102);
SELECT id, refusal_reason FROM client WHERE id IN (101, 102) ORDER BY id;
SELECT sales_recall('2030-01-01') AS no_money_recalled;
SELECT id, state FROM client WHERE id IN (101, 102) ORDER BY id;
ROLLBACK;
SELECT sales_recall('4714-12-01 00:00+00 BC') AS at_the_start_of_time;

-- Errors: not for everyone; a standby is TAP test 110.  Nothing changes.
UPDATE client SET state = 'refusal' WHERE id = 101;
SELECT regress.fingerprint() AS before \gset
CREATE ROLE regress_recall_nobody;
SET SESSION AUTHORIZATION regress_recall_nobody;
SELECT * FROM regress.error_of($$SELECT salesalgo.sales_recall('2030-01-01')$$);
RESET SESSION AUTHORIZATION;
BEGIN READ ONLY;
SELECT * FROM regress.error_of($$SELECT salesalgo.sales_recall('2030-01-01')$$);
COMMIT;
SELECT regress.fingerprint() = :'before' AS nothing_changed;
SELECT sales_recall('2030-01-01') AS recalled;

-- 3. Early warning: clients whose deadline comes within warn_before.
SET salesalgo.now = '2027-01-01 09:00+00';
SELECT warn_before FROM settings;
-- small: 14 days, medium: 30, large: 40
INSERT INTO client (id, name, size, manager_id) VALUES
    (201, 'small anna', 'small', 1), (202, 'medium anna', 'medium', 1),
    (203, 'small boris', 'small', 2), (204, 'large boris', 'large', 2);
SET salesalgo.now = '2027-01-05 09:00+00';
INSERT INTO client (id, name, size, manager_id) VALUES
    (205, 'small later', 'small', 2), (206, 'anna later', 'small', 1);
-- one overdue, and one let go by its manager: its clock runs on
UPDATE client SET state = 'contact_1' WHERE id = 201;
SET salesalgo.now = '2027-01-12 09:00+00';
UPDATE client SET manager_id = NULL WHERE id = 203;
SELECT * FROM due_soon;
-- the deadline itself is overdue, not due soon
SET salesalgo.now = '2027-01-15 09:00+00';
SELECT client_id, due_in FROM due_soon;
SELECT client_id, overdue_by FROM overdue;
SET salesalgo.now = '2027-01-12 09:00+00';
UPDATE settings SET warn_before = '8 days';
SELECT client_id, due_in FROM due_soon;
SELECT regress.fingerprint() AS before \gset
SELECT * FROM regress.error_of($$UPDATE settings SET warn_before = '-1 day'$$)
UNION ALL SELECT * FROM regress.error_of($$UPDATE settings SET warn_before = NULL$$);
-- no field counts backwards, and the warning comes at most a year ahead
SELECT 'a month less 29 days' AS tried, e.code, e.constraint_name
FROM regress.error_of($$UPDATE settings SET warn_before = '1 mon -29 days'$$) AS e
UNION ALL SELECT 'a month back, 31 days on', e.code, e.constraint_name
FROM regress.error_of($$UPDATE settings SET warn_before = '-1 mon +31 days'$$) AS e
UNION ALL SELECT 'a day less an hour', e.code, e.constraint_name
FROM regress.error_of($$UPDATE settings SET warn_before = '1 day -1 hour'$$) AS e
UNION ALL SELECT 'a year and a day', e.code, e.constraint_name
FROM regress.error_of($$UPDATE settings SET warn_before = '1 year 1 day'$$) AS e
UNION ALL SELECT '300000 years', e.code, e.constraint_name
FROM regress.error_of($$UPDATE settings SET warn_before = '300000 years'$$) AS e;
SELECT regress.fingerprint() = :'before' AS nothing_changed;
UPDATE settings SET warn_before = '1 year' RETURNING warn_before;
UPDATE settings SET warn_before = '0' RETURNING warn_before;
-- The views never fail on the window's arithmetic: at the end of time the
-- window runs to infinity, and so does a warn_before from before its bound
-- (here by dropping the constraint; client 203, whose manager let it go,
-- is due soon but in no manager's row).
BEGIN;
UPDATE settings SET warn_before = '1 year';
SET LOCAL salesalgo.now = '294276-12-01 00:00+00';
INSERT INTO client (id, name, size, manager_id) VALUES (299, 'end of time', 'small', 1);
SET LOCAL salesalgo.now = '294276-12-10 00:00+00';
SELECT client_id, deadline_at, due_in FROM due_soon;
SELECT manager_id, due_soon FROM worklist ORDER BY manager_id;
ROLLBACK;
BEGIN;
ALTER TABLE settings DROP CONSTRAINT settings_warn_before_at_most_a_year;
UPDATE settings SET warn_before = '300000 years';
SELECT (SELECT count(*) FROM due_soon) AS due_soon, (SELECT sum(due_soon) FROM worklist) AS worklist_due_soon,
       (SELECT count(*) FROM client WHERE deadline_at > salesalgo.now()) AS running_deadlines;
ROLLBACK;
UPDATE settings SET warn_before = DEFAULT;
-- from the deadline index
SET enable_seqscan = off;
\i test/explain_plan.sql
SELECT * FROM pg_temp.plan($$SELECT * FROM due_soon$$) AS "QUERY PLAN";
RESET enable_seqscan;

-- worklist keeps its columns and gains due_soon and recall, at the end.
SELECT * FROM worklist;

-- 4. A manager's login reads worklist, overdue and due_soon, its own rows.
CREATE ROLE regress_recall_managers NOLOGIN;
CREATE ROLE regress_recall_anna LOGIN IN ROLE regress_recall_managers;
CREATE ROLE regress_recall_ghost LOGIN IN ROLE regress_recall_managers;
CREATE ROLE regress_recall_head LOGIN;
CREATE ROLE regress_recall_bi LOGIN;
SELECT grant_access('regress_recall_managers', 'manager');
SELECT grant_access('regress_recall_head', 'head');
SELECT grant_access('regress_recall_bi', 'bi');
UPDATE manager SET login = 'regress_recall_anna' WHERE id = 1;
SET salesalgo.now = '2027-01-16 09:00+00';
SELECT client_id, manager_id FROM overdue;
SELECT client_id, manager_id FROM due_soon;

SET SESSION AUTHORIZATION regress_recall_anna;
SELECT manager_id, name, in_work, cap, free, overdue, next_deadline, due_soon, recall FROM worklist;
SELECT client_id, name, manager_id FROM overdue;
SELECT client_id, name, manager_id, due_in FROM due_soon;
-- nor do a function's arguments see another's rows
CREATE FUNCTION pg_temp.peek(bigint) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'saw %', $1;
    RETURN true;
END $$;
SELECT client_id FROM due_soon WHERE pg_temp.peek(client_id);
SELECT client_id FROM overdue WHERE pg_temp.peek(client_id);
SELECT manager_id FROM worklist WHERE pg_temp.peek(manager_id);
-- the other views and recall stay out of reach
SELECT 'pipeline' AS tried, * FROM regress.error_of($$SELECT * FROM pipeline$$)
UNION ALL SELECT 'recall', * FROM regress.error_of($$SELECT sales_recall()$$);
RESET SESSION AUTHORIZATION;

SET SESSION AUTHORIZATION regress_recall_ghost;
SELECT (SELECT count(*) FROM worklist) AS worklist, (SELECT count(*) FROM overdue) AS overdue,
       (SELECT count(*) FROM due_soon) AS due_soon;
RESET SESSION AUTHORIZATION;

-- A head of sales and a BI role see every row, as before; the head recalls.
SET SESSION AUTHORIZATION regress_recall_head;
SELECT (SELECT count(*) FROM worklist) AS worklist, (SELECT count(*) FROM overdue) AS overdue,
       (SELECT count(*) FROM due_soon) AS due_soon;
SELECT sales_recall('2027-06-01') AS recalled;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_recall_bi;
SELECT (SELECT count(*) FROM worklist) AS worklist, (SELECT count(*) FROM overdue) AS overdue,
       (SELECT count(*) FROM due_soon) AS due_soon;
SELECT 'client' AS tried, * FROM regress.error_of($$SELECT count(*) FROM client$$)
UNION ALL SELECT 'recall', * FROM regress.error_of($$SELECT sales_recall()$$);
RESET SESSION AUTHORIZATION;

-- revoke_access() takes the views and recall back.
SELECT revoke_access('regress_recall_managers'), revoke_access('regress_recall_head');
SET SESSION AUTHORIZATION regress_recall_anna;
SELECT * FROM regress.error_of($$SELECT * FROM due_soon$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_recall_head;
SELECT * FROM regress.error_of($$SELECT sales_recall()$$);
RESET SESSION AUTHORIZATION;

SELECT count(*) AS violations FROM salesalgo.check();

-- A department that gave kinds before the update gets what the kinds now
-- give.
\c contrib_regression
CREATE DATABASE regress_salesalgo_recall_update;
\c regress_salesalgo_recall_update
CREATE EXTENSION salesalgo VERSION '1.1';
SELECT salesalgo.grant_access('regress_recall_managers', 'manager'),
       salesalgo.grant_access('regress_recall_head', 'head'),
       salesalgo.grant_access('regress_recall_bi', 'bi');
ALTER EXTENSION salesalgo UPDATE TO '1.2';
SELECT r.rolname,
       has_table_privilege(r.oid, 'salesalgo.worklist', 'SELECT') AS worklist,
       has_table_privilege(r.oid, 'salesalgo.overdue', 'SELECT') AS overdue,
       has_table_privilege(r.oid, 'salesalgo.due_soon', 'SELECT') AS due_soon,
       has_table_privilege(r.oid, 'salesalgo.pipeline', 'SELECT') AS pipeline,
       has_function_privilege(r.oid, 'salesalgo.sales_recall(timestamptz)', 'EXECUTE') AS sales_recall
FROM pg_roles AS r
WHERE r.rolname IN ('regress_recall_managers', 'regress_recall_head', 'regress_recall_bi', 'regress_recall_nobody')
ORDER BY r.rolname;
SELECT code, recall_after FROM salesalgo.refusal_reason ORDER BY code;

\c contrib_regression
DROP DATABASE regress_salesalgo_recall_update;
DROP DATABASE regress_salesalgo_recall;
DROP ROLE regress_recall_nobody, regress_recall_anna, regress_recall_ghost,
    regress_recall_managers, regress_recall_head, regress_recall_bi;
