-- Calibration (SPEC section 10): the model's history, the model at a time,
-- and what another cap, active flag or deadline would have done.  In a
-- database of its own, so that its periods hold only its own history.
\set regress_db :DBNAME
CREATE DATABASE regress_whatif;
\c regress_whatif
SET client_min_messages = warning;
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TimeZone = 'UTC';
CREATE SCHEMA regress;
CREATE FUNCTION regress.error_of(statement text, OUT code text, OUT message text,
                                 OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
END $$;
GRANT USAGE ON SCHEMA regress TO PUBLIC;

-- 1. Every committed change of the model is a row of rule_history; a
--    manager's name, a no-op update and a rolled-back change are not.
SET salesalgo.now = '2027-03-01 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (1, 'Anna', 3), (2, 'Boris', NULL);
SET salesalgo.now = '2027-03-01 10:00+00';
UPDATE manager SET name = 'Anna K.' WHERE id = 1;
UPDATE manager SET active = false WHERE id = 2;
UPDATE deadline_rule SET days = days WHERE size = 'small';
INSERT INTO category (id, name) VALUES (1, 'trade');
INSERT INTO deadline_rule (size, category_id, days) VALUES ('medium', 1, 25);
INSERT INTO refusal_reason (code, label, hard) VALUES ('moved', 'Moved away', false);
BEGIN;
UPDATE settings SET default_worklist_cap = 10;
ROLLBACK;
SET salesalgo.now = '2027-03-02 10:00+00';
UPDATE manager SET active = true WHERE id = 2;
UPDATE deadline_rule SET size = 'large' WHERE category_id = 1;
DELETE FROM refusal_reason WHERE code = 'moved';
UPDATE settings SET default_worklist_cap = 60;
-- (the key of each row changed, and what an update changed)
SELECT id, changed_at, changed_by, table_name, operation,
       model_key(table_name, coalesce(old_row, new_row)) AS key,
       (SELECT jsonb_object_agg(k, jsonb_build_array(old_row -> k, new_row -> k))
        FROM jsonb_object_keys(new_row) AS k
        WHERE operation = 'UPDATE' AND old_row -> k IS DISTINCT FROM new_row -> k) AS changed
FROM rule_history ORDER BY id;
SELECT new_row AS hired FROM rule_history WHERE id = 1;

-- Append-only, and appended by salesalgo only, a superuser included.
SELECT count(*) AS rows_before FROM rule_history \gset
SELECT * FROM regress.error_of($$INSERT INTO salesalgo.rule_history (changed_at, changed_by, table_name, operation) VALUES (now(), 'me', 'settings', 'UPDATE')$$);
SELECT * FROM regress.error_of($$UPDATE salesalgo.rule_history SET changed_by = 'me'$$);
SELECT * FROM regress.error_of($$DELETE FROM salesalgo.rule_history WHERE id = 1$$);
SELECT * FROM regress.error_of($$TRUNCATE salesalgo.rule_history$$);
SELECT count(*) = :rows_before AS nothing_changed FROM rule_history;

-- Written by salesalgo as the user who made the change: a head of sales
-- needs no privilege on rule_history, and a DBA's trigger on it runs as
-- that user, not as the owner.
CREATE ROLE regress_whatif_head;
CREATE ROLE regress_whatif_bi;
CREATE ROLE regress_whatif_manager;
SELECT grant_access('regress_whatif_head', 'head');
SELECT grant_access('regress_whatif_bi', 'bi');
SELECT grant_access('regress_whatif_manager', 'manager');
CREATE FUNCTION public.whatif_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'rule_history row written as %', current_user;
    RETURN NULL;
END $$;
CREATE TRIGGER whatif_audit AFTER INSERT ON rule_history
    FOR EACH ROW EXECUTE FUNCTION public.whatif_audit();
SET ROLE regress_whatif_head;
UPDATE manager SET worklist_cap = 4 WHERE id = 1;
SELECT * FROM regress.error_of($$INSERT INTO salesalgo.rule_history (changed_at, changed_by, table_name, operation) VALUES (now(), 'me', 'settings', 'UPDATE')$$);
RESET ROLE;
DROP TRIGGER whatif_audit ON rule_history;
SELECT changed_by, table_name, old_row -> 'worklist_cap' AS old_cap, new_row -> 'worklist_cap' AS new_cap
FROM rule_history ORDER BY id DESC LIMIT 1;

-- 2. The model at a time: rebuilt from the tables and rule_history.
SELECT ts, m -> 'default_worklist_cap' AS default_cap, m -> 'worklist_cap' AS caps,
       m -> 'active' AS active,
       jsonb_path_query_array(m -> 'deadline_rule', '$[*] ? (@.category_id != null)') AS category_rules,
       jsonb_path_query_array(m -> 'refusal_reason', '$[*].code') AS reasons
FROM (VALUES ('2027-02-01 00:00+00'::timestamptz), ('2027-03-01 09:00+00'),
             ('2027-03-01 12:00+00'), ('2027-03-02 10:00+00'), (salesalgo.now())) AS t(ts),
     LATERAL (SELECT model_at(t.ts) AS m) AS x;
SELECT model_at('2027-03-01 12:00+00') - 'worklist_cap' - 'active' - 'refusal_reason' - 'transition_rule' - 'size_rule' AS model;
SELECT jsonb_array_length(model_at() -> 'transition_rule') AS legal_moves,
       model_at() -> 'expire_state' AS expire_state, model_at() -> 'expire_reason' AS expire_reason;

-- Which model was in force over a period, and whether it changed.
SELECT valid_from, valid_to, model -> 'default_worklist_cap' AS default_cap,
       jsonb_path_query_array(changes, '$[*].table_name') AS changed
FROM model_changes('2027-02-15 00:00+00', '2027-03-15 00:00+00');
SELECT count(*) AS models FROM model_changes('2027-03-10 00:00+00', '2027-03-20 00:00+00');

-- 3. What if: hand-computed cases, in April, under a model that does not
--    change in April.  sales_expire() runs every evening.
SET salesalgo.now = '2027-03-20 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES
    (3, 'Cap three', 3), (4, 'Medium deal', NULL), (5, 'Small expiry', NULL);
CREATE PROCEDURE regress.day(d integer) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('salesalgo.now', ('2027-04-01 09:00+00'::timestamptz + make_interval(days => d))::text, false);
    CASE d
    WHEN 0 THEN
        -- manager 3 at its cap of 3; manager 4 takes a medium client, 5 a small one
        INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
            (31, 'First', 'small', 3), (32, 'Second', 'small', 3), (33, 'Third', 'small', 3),
            (41, 'Medium', 'medium', 4), (51, 'Small', 'small', 5);
    WHEN 5 THEN
        -- the third entry deals
        UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 33;
        UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 33;
        UPDATE salesalgo.client SET state = 'deal' WHERE id = 33;
    WHEN 25 THEN
        -- the medium client closes on day 25
        UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 41;
        UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 41;
        UPDATE salesalgo.client SET state = 'deal' WHERE id = 41;
    ELSE
    END CASE;
    PERFORM set_config('salesalgo.now', ('2027-04-01 23:00+00'::timestamptz + make_interval(days => d))::text, false);
    PERFORM salesalgo.sales_expire();
END $$;
DO $$ BEGIN FOR d IN 0 .. 29 LOOP CALL regress.day(d); END LOOP; END $$;
SELECT client_id, from_state, to_state, changed_at, source
FROM client_history WHERE from_state IS NOT NULL ORDER BY id;

-- Identity: the model in force replays to what happened, every metric.
SELECT count(*) AS rows, count(*) FILTER (WHERE actual <> what_if) AS differ
FROM what_if('2027-04-01', '2027-05-01', model_at('2027-04-01'));

-- A manager at cap 2 with a third entry: refused, and its deal lost.
SELECT * FROM what_if('2027-04-01', '2027-05-01', '{"worklist_cap": {"3": 2}}')
WHERE actual <> what_if OR (manager_id IS NULL AND metric <> 'avg_load');
-- A medium client who closed on day 25, under a 21-day rule: expired on
-- day 21 (the evening run), its deal lost.
SELECT * FROM what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"size": "medium", "days": 21}]}')
WHERE actual <> what_if;
-- Small clients expired on day 14, under a 40-day rule: still in work on
-- May 1, holding their slots.
SELECT * FROM what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"size": "small", "days": 40}]}')
WHERE actual <> what_if AND metric <> 'avg_load';
-- Under a 10-day rule: the same expiries four days earlier; the deal of
-- day 5 is kept.
SELECT * FROM what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"size": "small", "days": 10}]}')
WHERE actual <> what_if AND metric <> 'avg_load';
-- The default cap reaches only managers without their own.
SELECT manager_id, metric, actual, what_if FROM what_if('2027-04-01', '2027-05-01', '{"default_worklist_cap": 1}')
WHERE actual <> what_if;
-- A manager the what-if makes inactive takes no one.
SELECT manager_id, metric, actual, what_if FROM what_if('2027-04-01', '2027-05-01', '{"active": {"3": false}}')
WHERE actual <> what_if AND manager_id IS NOT NULL;
-- Monotonicity on this history: a lower cap never refuses fewer, a shorter
-- deadline never loses fewer deals.
SELECT cap, (SELECT what_if FROM what_if('2027-04-01', '2027-05-01', jsonb_build_object('worklist_cap', jsonb_build_object('3', cap)))
             WHERE manager_id = 3 AND metric = 'refused_by_cap') AS refused
FROM generate_series(1, 4) AS cap;
SELECT days, (SELECT what_if FROM what_if('2027-04-01', '2027-05-01', jsonb_build_object('deadline_rule', jsonb_build_array(jsonb_build_object('size', 'medium', 'days', days))))
              WHERE manager_id IS NULL AND metric = 'deals_lost_to_deadline') AS lost
FROM generate_series(24, 27) AS days;

-- 4. Bad input: 22023 (22004 for NULL), with a hint naming the key.
SELECT code, message, hint LIKE 'Use the keys of salesalgo.model_at(): active, category_in_profile, deadline_rule, default_worklist_cap, %' AS hint_lists_keys
FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"cap": 60}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"default_worklist_cap": -5}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"default_worklist_cap": 2.5}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"worklist_cap": {"3": -1}}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"worklist_cap": {"999": 5}}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"worklist_cap": 5}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"active": {"3": "no"}}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"size": "medium", "days": 0}]}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"size": "huge", "days": 10}]}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"transition_rule": []}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '[60]')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', NULL)$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-05-01', '2027-04-01', '{}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if(NULL, '2027-04-01', '{}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', 'infinity', '{}')$$);
SELECT * FROM regress.error_of($$SELECT salesalgo.model_at(NULL)$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.model_changes('2027-05-01', '2027-04-01')$$);
-- The model as model_at() gives it is accepted whole.
SELECT count(*) AS rows FROM what_if('2027-04-01', '2027-05-01', model_at('2027-04-01'));

-- 5. Who calibrates: a head of sales and a BI role; not a manager.
SET ROLE regress_whatif_bi;
SELECT count(*) AS rows FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"default_worklist_cap": 60}');
SELECT salesalgo.model_at('2027-04-01') -> 'default_worklist_cap' AS default_cap;
SELECT count(*) AS models FROM salesalgo.model_changes('2027-03-01', '2027-04-01');
SELECT code, message FROM regress.error_of($$SELECT count(*) FROM salesalgo.rule_history$$);
RESET ROLE;
SET ROLE regress_whatif_head;
SELECT count(*) AS rows FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{}');
SELECT count(*) > 0 AS reads_history FROM salesalgo.rule_history;
RESET ROLE;
SET ROLE regress_whatif_manager;
SELECT code, message FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{}')$$);
SELECT code, message FROM regress.error_of($$SELECT salesalgo.model_at()$$);
SELECT code, message FROM regress.error_of($$SELECT count(*) FROM salesalgo.rule_history$$);
RESET ROLE;
SELECT revoke_access('regress_whatif_bi');
SET ROLE regress_whatif_bi;
SELECT code, message FROM regress.error_of($$SELECT salesalgo.model_at()$$);
RESET ROLE;

-- 6. A truncation of managers is each manager's removal.
SELECT count(*) AS managers FROM manager;
TRUNCATE client, manager;
SELECT operation, count(*) AS rows, min(old_row ->> 'id') AS first_manager, bool_and(new_row IS NULL) AS no_new_row
FROM rule_history WHERE operation = 'TRUNCATE' GROUP BY operation;
SELECT model_at() -> 'worklist_cap' AS caps_now,
       model_at('2027-04-15') -> 'worklist_cap' AS caps_in_april;

-- 7. The trigger functions run on their own tables only: attached to a
--    look-alike (a superuser may attach them), they refuse before reading.
CREATE TABLE public.settings (LIKE salesalgo.settings);
CREATE TRIGGER h AFTER INSERT ON public.settings FOR EACH ROW EXECUTE FUNCTION salesalgo.rule_history_log();
SELECT code, message FROM regress.error_of($$INSERT INTO public.settings SELECT * FROM salesalgo.settings$$);
CREATE TABLE public.rule_history (LIKE salesalgo.rule_history);
CREATE TRIGGER g BEFORE INSERT ON public.rule_history FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rule_history_guard();
SELECT code, message FROM regress.error_of($$INSERT INTO public.rule_history (id, changed_at, changed_by, table_name, operation) VALUES (1, now(), 'me', 'x', 'INSERT')$$);
DROP TABLE public.settings, public.rule_history;

-- 8. The reviewer's findings.
-- D1: one simulated time, several statements: A leaves, B enters and
--    leaves, C enters a worklist of cap 1.  Each statement's cap was judged
--    on its own; B's leave frees no slot for A's.  Identity holds.
SET salesalgo.now = '2027-06-01 08:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (61, 'Cap one', 1), (62, 'Wide', 5);
SET salesalgo.now = '2027-06-02 09:00+00';
INSERT INTO client (id, name, size, manager_id) VALUES (601, 'A', 'large', 61);
SET salesalgo.now = '2027-06-03 09:00+00';
UPDATE client SET manager_id = 62 WHERE id = 601;
INSERT INTO client (id, name, size, manager_id) VALUES (602, 'B', 'large', 61);
UPDATE client SET manager_id = 62 WHERE id = 602;
INSERT INTO client (id, name, size, manager_id) VALUES (603, 'C', 'large', 61);
SELECT manager_id, metric, actual, what_if
FROM what_if('2027-06-02', '2027-06-10', model_at('2027-06-02')) WHERE actual <> what_if;
-- One statement that swaps two clients at a full worklist was judged at
-- its end: still no refusal, whichever row the history lists first.
SET salesalgo.now = '2027-06-04 09:00+00';
UPDATE client SET manager_id = CASE id WHEN 603 THEN 62 ELSE 61 END WHERE id IN (601, 603);
SELECT manager_id, metric, actual, what_if
FROM what_if('2027-06-02', '2027-06-10', model_at('2027-06-02')) WHERE actual <> what_if;

-- D2: no sales_expire() run in the period, no expiry, whatever the
--    deadlines: a small client past a 10-day deadline is still in work.
SET salesalgo.now = '2027-07-01 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (63, 'No runs', NULL);
INSERT INTO client (id, name, size, manager_id) VALUES (631, 'Small', 'small', 63);
SELECT manager_id, metric, actual, what_if
FROM what_if('2027-07-01', '2027-08-15', '{"deadline_rule": [{"size": "small", "days": 10}]}')
WHERE actual <> what_if;
SELECT manager_id, metric, actual, what_if
FROM what_if('2027-07-01', '2027-08-15', model_at('2027-07-01')) WHERE actual <> what_if;

-- D4: the size at the time, from the history: a medium client under a
--    20-day medium rule expires at the run after day 20; resized or deleted
--    later, the past what-if stays.
SET salesalgo.now = '2027-08-01 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (65, 'Resized later', NULL);
INSERT INTO client (id, name, size, manager_id) VALUES (651, 'Medium then', 'medium', 65);
SET salesalgo.now = '2027-08-25 23:00+00';
SELECT sales_expire();
CREATE TEMP TABLE whatif_before AS
SELECT manager_id, metric, actual, what_if
FROM what_if('2027-08-01', '2027-09-01', '{"deadline_rule": [{"size": "medium", "days": 20}]}')
WHERE manager_id = 65;
SELECT * FROM whatif_before WHERE actual <> what_if;
SET salesalgo.now = '2027-09-10 09:00+00';
UPDATE client SET size = 'large' WHERE id = 651;
SELECT count(*) AS changed_after_resize FROM (
    SELECT manager_id, metric, actual, what_if
    FROM what_if('2027-08-01', '2027-09-01', '{"deadline_rule": [{"size": "medium", "days": 20}]}')
    WHERE manager_id = 65
    EXCEPT SELECT * FROM whatif_before) AS x;
DELETE FROM client WHERE id = 651;
SELECT count(*) AS changed_after_delete FROM (
    SELECT manager_id, metric, actual, what_if
    FROM what_if('2027-08-01', '2027-09-01', '{"deadline_rule": [{"size": "medium", "days": 20}]}')
    WHERE manager_id = 65
    EXCEPT SELECT * FROM whatif_before) AS x;

-- D5: a what-if deadline does not depend on the caller's TimeZone: a
--    medium client under a 20-day rule, its deadline ten days earlier
--    across New York's change to summer time; the evening runs are at
--    09:30 UTC.
SET salesalgo.now = '2028-02-20 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (66, 'Across DST', NULL);
INSERT INTO client (id, name, size, manager_id) VALUES (661, 'Medium', 'medium', 66);
SET salesalgo.now = '2028-03-11 09:30+00';
SELECT sales_expire() >= 0 AS ran;
SET salesalgo.now = '2028-03-12 09:30+00';
SELECT sales_expire() >= 0 AS ran;
SET TimeZone = 'America/New_York';
SELECT current_setting('TimeZone') AS zone, metric, actual, what_if
FROM what_if('2028-02-20 00:00+00', '2028-04-01 00:00+00', '{"deadline_rule": [{"size": "medium", "days": 20}]}')
WHERE manager_id = 66 AND metric IN ('expired', 'slot_days');
SET TimeZone = 'UTC';
SELECT current_setting('TimeZone') AS zone, metric, actual, what_if
FROM what_if('2028-02-20 00:00+00', '2028-04-01 00:00+00', '{"deadline_rule": [{"size": "medium", "days": 20}]}')
WHERE manager_id = 66 AND metric IN ('expired', 'slot_days');

-- D7: the widest period has no overflow; a category_id that is no
--    category's id is 22023 with a hint naming the key.
SELECT count(*) FILTER (WHERE what_if < 0 OR actual < 0) AS negative
FROM what_if('4713-01-01 BC', '294276-12-30', '{}');
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"category_id": 1.5, "days": 10}]}')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2027-04-01', '2027-05-01', '{"deadline_rule": [{"category_id": 1e30, "days": 10}]}')$$);

-- D8: a category's in_profile is part of the model: its changes are
--    rule_history's, model_at() shows them, and what_if() cannot replay
--    another.
SET salesalgo.now = '2028-05-01 09:00+00';
INSERT INTO category (id, name) VALUES (7, 'retail');
SET salesalgo.now = '2028-05-02 09:00+00';
UPDATE category SET name = 'retail trade' WHERE id = 7;
UPDATE category SET in_profile = false WHERE id = 7;
SELECT table_name, operation, old_row -> 'in_profile' AS old_in_profile, new_row -> 'in_profile' AS new_in_profile
FROM rule_history WHERE table_name = 'category' AND coalesce(old_row, new_row) ->> 'id' = '7' ORDER BY id;
SELECT ts, model_at(ts) -> 'category_in_profile' AS in_profile
FROM (VALUES ('2028-04-30 00:00+00'::timestamptz), ('2028-05-01 12:00+00'), ('2028-05-03 00:00+00')) AS t(ts);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.what_if('2028-05-01', '2028-05-02', '{"category_in_profile": {"7": false}}')$$);
SELECT count(*) AS rows FROM what_if('2028-05-01 12:00', '2028-05-02',
    jsonb_build_object('category_in_profile', model_at('2028-05-01 12:00') -> 'category_in_profile'));
-- D9: a manager's new id is a change of the model: before it, the manager
--    is under its old id only.
SET salesalgo.now = '2028-06-01 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (67, 'Renumbered', 7);
SET salesalgo.now = '2028-06-02 09:00+00';
UPDATE manager SET id = 68 WHERE id = 67;
SELECT operation, old_row -> 'id' AS old_id, new_row -> 'id' AS new_id
FROM rule_history WHERE table_name = 'manager' AND coalesce(old_row, new_row) ->> 'name' = 'Renumbered' ORDER BY id;
SELECT ts, model_at(ts) -> 'worklist_cap' -> '67' AS cap_67, model_at(ts) -> 'worklist_cap' -> '68' AS cap_68
FROM (VALUES ('2028-06-01 12:00+00'::timestamptz), ('2028-06-03 00:00+00')) AS t(ts);

\c :regress_db
DROP DATABASE regress_whatif;
DROP ROLE regress_whatif_head, regress_whatif_bi, regress_whatif_manager;
