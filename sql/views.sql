-- The views and trial_report() on a small department whose history is
-- written here day by day, so that every answer can be worked out by hand.
-- A database of its own: the views report on everything in a database.
CREATE DATABASE regress_salesalgo_views;
\c regress_salesalgo_views
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TIME ZONE 'UTC';
UPDATE settings SET default_worklist_cap = 10;

-- d0 = Monday 2026-03-02 09:00; every change happens at 09:00 of its day.
SET salesalgo.now = '2026-03-02 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (1, 'Anna', 3), (2, 'Boris', NULL), (3, 'Vera', 2);
UPDATE manager SET active = false WHERE id = 3;
INSERT INTO client (id, name, size, manager_id) VALUES
    (1, 'c1', 'small', 1), (2, 'c2', 'medium', 1), (3, 'c3', 'large', 2), (4, 'c4', 'small', 2);
INSERT INTO client (id, name, size) VALUES (5, 'c5 lead', 'small'), (6, 'c6', 'nonprofile');
SET salesalgo.now = '2026-03-03 09:00+00';   -- d1
UPDATE client SET state = 'contact_1' WHERE id IN (1, 3);
UPDATE client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE id = 6;
INSERT INTO client (id, name, size, manager_id) VALUES (8, 'c8', 'small', 2);
SET salesalgo.now = '2026-03-04 09:00+00';   -- d2
UPDATE client SET state = 'contact_1' WHERE id = 2;
UPDATE client SET state = 'contact_2' WHERE id = 3;
SET salesalgo.now = '2026-03-05 09:00+00';   -- d3
UPDATE client SET state = 'contact_2' WHERE id = 1;
SET salesalgo.now = '2026-03-06 09:00+00';   -- d4
UPDATE client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 2;
UPDATE client SET state = 'contact_3' WHERE id = 3;
SET salesalgo.now = '2026-03-07 09:00+00';   -- d5
UPDATE client SET state = 'deal' WHERE id = 1;
SET salesalgo.now = '2026-03-08 09:00+00';   -- d6
UPDATE client SET state = 'recall' WHERE id = 2;
SET salesalgo.now = '2026-03-09 09:00+00';   -- d7
UPDATE client SET state = 'deal_support' WHERE id = 1;
SET salesalgo.now = '2026-03-10 09:00+00';   -- d8
UPDATE client SET state = 'deal' WHERE id = 3;
SET salesalgo.now = '2026-03-11 09:00+00';   -- d9
INSERT INTO client (id, name, size, manager_id) VALUES (7, 'c7', 'medium', 1);
SET salesalgo.now = '2026-03-12 09:00+00';   -- d10
UPDATE client SET state = 'client' WHERE id = 1;
SET salesalgo.now = '2026-03-17 09:00+00';   -- d15: the night run, for deadlines up to d14 12:00
SELECT sales_expire('2026-03-16 12:00+00') AS expired;
SET salesalgo.now = '2026-03-18 09:00+00';   -- d16: now

-- pipeline: 8 clients: new c5 c7 c8, client c1, deal c3, recall c2,
-- refusal c4 c6.
SELECT * FROM pipeline;

-- worklist: Anna holds c7 (due d9 + 30 days); Boris holds c8, due d1 + 14
-- days = d15, so one day overdue; Vera holds none.
SELECT * FROM worklist;

-- overdue: c8, by one day.
SELECT * FROM overdue;

-- funnel: all 8 were created in new; c1 c2 c3 reached contact_1; c1 c3
-- contact_2; only c3 contact_3 (c1 went from contact_2 to deal); c1 c3
-- deal; c1 deal_support and client.  Both contact_2 clients converted (went
-- further along the path), one of them through contact_3 (entered_next).
SELECT * FROM funnel;

-- stage_time, finished stays only: new 1, 2, 1, 15 (c4 until the night
-- run) and 1 day: average 4 days, median 1 day, p90 1 + ... = 9.8 days;
-- contact_1 2, 2, 1; contact_2 2, 2; contact_3 4; deal 2; deal_support 3;
-- refusal 2 (c2 until recall).
SELECT * FROM stage_time;

-- trial_report, d0 to d16: Anna took c1 c2 c7, one deal after 5 days (c1),
-- one refusal (c2, no_money); Boris took c3 c4 c8, one deal after 8 days
-- (c3), one expiry (c4: expired, not a refusal); the total adds c6,
-- refused as nonprofile.  Loads,
-- sampled at 09:00 each of the 17 days: Anna 17 client-days / 17 / cap 3;
-- Boris 39 / 17 / cap 10; total (17 + 39) / 17 / (3 + 10 + 2).
\x on
SELECT * FROM trial_report('2026-03-02 09:00+00', '2026-03-18 09:00+00');
\x off
-- a period with nothing in it, before any of the managers was hired: the
-- total alone
SELECT manager_id, taken_into_work, deals, refusals, expired, median_days_to_deal, moves
FROM trial_report('2025-01-01', '2025-01-02');

-- The views read the tables and the history only: they work on a hot
-- standby (test/t/004_hot_standby.pl) and under a read-only transaction.
BEGIN TRANSACTION READ ONLY;
SELECT count(*) AS pipeline_rows FROM pipeline;
SELECT count(*) AS report_rows FROM trial_report('2026-03-02', '2026-03-18');
COMMIT;

-- pipeline and worklist do not read the history; overdue uses the index of
-- running clocks.
EXPLAIN (COSTS OFF) SELECT * FROM pipeline;
SET enable_seqscan = off;
\i test/explain_plan.sql
SELECT * FROM pg_temp.plan($$SELECT client_id FROM overdue$$) AS "QUERY PLAN";
RESET enable_seqscan;
SELECT count(*) AS views_reading_history
FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
WHERE r.ev_class IN ('salesalgo.pipeline'::regclass, 'salesalgo.worklist'::regclass)
  AND d.refobjid = 'salesalgo.client_history'::regclass;

\c contrib_regression
DROP DATABASE regress_salesalgo_views;
