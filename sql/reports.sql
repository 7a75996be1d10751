-- trial_series and trial_report's conversion on a small department whose
-- history is written here, two weeks day by day; their errors; who may run
-- them; and that the reports run without JIT.  test/t/120_reports.pl
-- compares them with a straightforward reference on a generated department.
CREATE DATABASE regress_salesalgo_reports;
\c regress_salesalgo_reports
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TIME ZONE 'UTC';
CREATE SCHEMA regress;
CREATE FUNCTION regress.error_of(statement text, OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;
GRANT USAGE ON SCHEMA regress TO PUBLIC;

-- Week 1 starts Monday 2026-03-02 09:00 (d0), week 2 on d7.  Anna (cap 2)
-- and Boris (cap 4).
SET salesalgo.now = '2026-03-02 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (1, 'Anna', 2), (2, 'Boris', 4);
INSERT INTO client (id, name, size, manager_id) VALUES
    (1, 'c1', 'small', 1), (2, 'c2', 'medium', 1), (3, 'c3', 'large', 2);
SET salesalgo.now = '2026-03-03 09:00+00';   -- d1
UPDATE client SET state = 'contact_1' WHERE id IN (1, 3);
SET salesalgo.now = '2026-03-04 09:00+00';   -- d2
UPDATE client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 2;
SET salesalgo.now = '2026-03-05 09:00+00';   -- d3
UPDATE client SET state = 'contact_2' WHERE id = 1;
SET salesalgo.now = '2026-03-06 09:00+00';   -- d4
UPDATE client SET state = 'deal' WHERE id = 1;
-- c2 back from refusal to recall, in week 2
SET salesalgo.now = '2026-03-09 09:00+00';   -- d7
UPDATE client SET state = 'recall' WHERE id = 2;
-- c3 handed from Boris to Anna: Anna takes it into work
SET salesalgo.now = '2026-03-10 09:00+00';   -- d8
UPDATE client SET manager_id = 1 WHERE id = 3;
INSERT INTO client (id, name, size, manager_id) VALUES (4, 'c4', 'small', 2);
SET salesalgo.now = '2026-03-11 09:00+00';   -- d9
UPDATE client SET state = 'contact_2' WHERE id = 3;
SET salesalgo.now = '2026-03-12 09:00+00';   -- d10
UPDATE client SET state = 'deal' WHERE id = 3;
SET salesalgo.now = '2026-03-16 09:00+00';   -- d14: the night run for c4 (small, 14 days: due d22)
SELECT sales_expire('2026-03-24 09:00+00') AS expired;
SET salesalgo.now = '2026-03-25 09:00+00';

-- Week 1: Anna took c1 c2, one deal (c1), one refusal (c2); Boris took c3.
-- Loads sampled d0..d6 at 09:00: Anna 2 2 1 1 0 0 0 = 6 / 7 / cap 2 =
-- 0.4286; Boris 1 for 7 days / cap 4 = 0.25; total (6/7 + 1) / 6 = 0.3095.
-- Week 2: Anna took c3 (a reassignment is taking into work), one deal
-- (c3); Boris took c4; c2 recalled (Anna's).  Loads d7..d13: Anna 0 1 1 0
-- 0 0 0 (c3 from d8 to its deal on d10) = 2/7/2 = 0.1429; Boris 1 1 1 1 1
-- 1 1 (c3, then c4 from the same moment) = 0.25; total (2/7 + 1) / 6 =
-- 0.2143.  Week 3 (cut at d16): c4 expired in the night run of d14,
-- Boris's; nobody holds anyone.
SELECT * FROM trial_series('2026-03-02 09:00+00', '2026-03-18 09:00+00');
-- by day, the first four days: a bucket per day, each sampled once
SELECT * FROM trial_series('2026-03-02 09:00+00', '2026-03-06 09:00+00', '1 day')
WHERE manager_id IS NULL;
-- a bucket longer than the period: one bucket, cut at the period's end
SELECT bucket_start, manager_id, taken_into_work, deals, avg_load
FROM trial_series('2026-03-02 09:00+00', '2026-03-04 09:00+00', '1 month');
-- a period with nothing in it: the managers' rows and the total, all zero
-- (the loads of a period before anyone worked are 0)
SELECT * FROM trial_series('2025-01-01', '2025-01-15');
-- trial_report's conversion: deals / taken_into_work; NULL when nobody was
-- taken into work
SELECT manager_id, taken_into_work, deals, conversion
FROM trial_report('2026-03-02 09:00+00', '2026-03-18 09:00+00');
SELECT manager_id, taken_into_work, deals, conversion
FROM trial_report('2026-03-13', '2026-03-14');
-- the weeks add up to the whole (a client taken in two weeks counts in
-- each)
SELECT sum(taken_into_work) AS taken, sum(deals) AS deals, sum(refusals) AS refusals, sum(expired) AS expired,
       sum(recalled) AS recalled
FROM trial_series('2026-03-02 09:00+00', '2026-03-18 09:00+00')
WHERE manager_id IS NULL;

-- Errors: a NULL end or bucket is 22004; a period that ends before it
-- starts, or has an infinite end, and a bucket that is not a positive
-- interval, are 22023.
SELECT * FROM regress.error_of($$SELECT * FROM trial_series(NULL, '2026-03-18')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', NULL)$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', '2026-03-18', NULL)$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-18', '2026-03-02')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', '2026-03-02')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('-infinity', '2026-03-02')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', 'infinity')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', '2026-03-18', '0')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', '2026-03-18', '-1 day')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', '2026-03-18', '1 month -40 days')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_series('2026-03-02', '2026-03-18', '1 minute')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_report(NULL, '2026-03-18')$$);
SELECT * FROM regress.error_of($$SELECT * FROM trial_report('2026-03-18', '2026-03-02')$$);

-- Reading is all they do: they run in a read-only transaction.
BEGIN TRANSACTION READ ONLY;
SELECT count(*) AS series_rows FROM trial_series('2026-03-02', '2026-03-18');
COMMIT;

-- A manager hired after a period is not in its reports: the period's
-- rows and total stay as they were.  Hired within it, the manager is there
-- (empty until hired).
CREATE TEMP TABLE report_before AS SELECT * FROM trial_report('2026-03-02 09:00+00', '2026-03-18 09:00+00');
CREATE TEMP TABLE series_before AS SELECT * FROM trial_series('2026-03-02 09:00+00', '2026-03-18 09:00+00');
INSERT INTO manager (id, name, worklist_cap) VALUES (3, 'Vera', 90);
SELECT (SELECT count(*) FROM (SELECT * FROM trial_report('2026-03-02 09:00+00', '2026-03-18 09:00+00')
                              EXCEPT ALL SELECT * FROM report_before) AS x) AS report_rows_changed,
       (SELECT count(*) FROM (SELECT * FROM trial_series('2026-03-02 09:00+00', '2026-03-18 09:00+00')
                              EXCEPT ALL SELECT * FROM series_before) AS x) AS series_rows_changed;
SELECT manager_id, name, avg_load FROM trial_report('2026-03-02 09:00+00', '2026-03-26 09:00+00')
WHERE manager_id = 3 OR manager_id IS NULL;
SELECT bucket_start, manager_id, avg_load FROM trial_series('2026-03-16 09:00+00', '2026-03-26 09:00+00', '5 days')
WHERE manager_id = 3 OR manager_id IS NULL ORDER BY 1, 2;
DELETE FROM manager WHERE id = 3;

-- Who may run trial_series: as trial_report, the head and bi kinds; a
-- manager and a role with no kind may not; revoke_access takes it back.
CREATE ROLE regress_rep_head LOGIN;
CREATE ROLE regress_rep_bi LOGIN;
CREATE ROLE regress_rep_manager LOGIN;
CREATE ROLE regress_rep_app LOGIN;
SELECT grant_access('regress_rep_head', 'head');
SELECT grant_access('regress_rep_bi', 'bi');
SELECT grant_access('regress_rep_manager', 'manager');
SELECT r.rolname,
       has_function_privilege(r.oid, 'salesalgo.trial_series(timestamptz, timestamptz, interval)', 'EXECUTE') AS series,
       has_function_privilege(r.oid, 'salesalgo.trial_report(timestamptz, timestamptz)', 'EXECUTE') AS report
FROM pg_roles AS r WHERE r.rolname LIKE 'regress_rep_%' ORDER BY 1;
SET SESSION AUTHORIZATION regress_rep_bi;
SELECT count(*) AS bi_rows FROM salesalgo.trial_series('2026-03-02', '2026-03-18');
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_rep_manager;
SELECT code, message FROM regress.error_of($$SELECT * FROM salesalgo.trial_series('2026-03-02', '2026-03-18')$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_rep_app;
SELECT code, message FROM regress.error_of($$SELECT * FROM salesalgo.trial_series('2026-03-02', '2026-03-18')$$);
RESET SESSION AUTHORIZATION;
-- a bi role made a manager loses it; revoke_access() takes it back
SELECT grant_access('regress_rep_bi', 'manager');
SELECT revoke_access('regress_rep_head');
SELECT r.rolname,
       has_function_privilege(r.oid, 'salesalgo.trial_series(timestamptz, timestamptz, interval)', 'EXECUTE') AS series,
       has_function_privilege(r.oid, 'salesalgo.trial_report(timestamptz, timestamptz)', 'EXECUTE') AS report
FROM pg_roles AS r WHERE r.rolname LIKE 'regress_rep_%' ORDER BY 1;
-- the internal functions are nobody's
SELECT p.proname, has_function_privilege('regress_rep_app', p.oid, 'EXECUTE') AS app_may
FROM pg_proc AS p
WHERE p.pronamespace = 'salesalgo'::regnamespace AND p.proname LIKE 'report\_%'
ORDER BY 1;

-- The reports turn JIT off for themselves: on a small department their
-- cost estimates made JIT compile for seconds.
SELECT p.proname, p.proconfig @> '{jit=off}' AS jit_off
FROM pg_proc AS p
WHERE p.pronamespace = 'salesalgo'::regnamespace
  AND p.proname IN ('trial_report', 'trial_series', 'report_facts')
ORDER BY 1;

DROP OWNED BY regress_rep_head, regress_rep_bi, regress_rep_manager, regress_rep_app;
DROP ROLE regress_rep_head, regress_rep_bi, regress_rep_manager, regress_rep_app;
\c contrib_regression
DROP DATABASE regress_salesalgo_reports;
