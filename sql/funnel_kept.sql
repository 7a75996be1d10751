-- The funnel and stage_time from what the triggers keep (issue 17): each
-- client's set of main-path states ever entered (client.funnel_steps), the
-- set a deletion keeps, and the stay each change of state or deletion
-- keeps (client_history.stay), through every writer of the history: plain
-- SQL, distribute_leads(), sales_expire(), extend_deadline(), a deletion,
-- an id created again, TRUNCATE.  The views equal the straightforward ones
-- over the whole history; a user's write of the kept columns is refused;
-- check() names a kept value that disagrees with the history.
CREATE DATABASE regress_salesalgo_funnel;
\c regress_salesalgo_funnel
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TIME ZONE 'UTC';
CREATE SCHEMA regress;
CREATE FUNCTION regress.error_of(statement text, OUT code text, OUT message text,
                                 OUT column_name text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            column_name = COLUMN_NAME;
END $$;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
-- check() after a statement run behind the triggers' back (replication
-- role "replica" skips them), in the caller's transaction
CREATE FUNCTION regress.broken(statement text)
    RETURNS TABLE (invariant text, client_id bigint, manager_id bigint, detail text)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('session_replication_role', 'replica', true);
    EXECUTE statement;
    RETURN QUERY SELECT c.invariant, c.client_id, c.manager_id,
                        regexp_replace(c.detail, 'row \d+', 'row N')
                 FROM salesalgo.check() AS c;
END $$;
CREATE FUNCTION regress.fingerprint() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.client t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.client_history t)))
$$;

-- the views as 1.2's section 18b computes them, from the whole history
\set ECHO none
\i test/report_reference.sql
\set ECHO all
CREATE FUNCTION regress.differences() RETURNS TABLE (view text, rows bigint) LANGUAGE sql AS $$
    SELECT 'funnel', count(*) FROM ((TABLE salesalgo.funnel EXCEPT ALL TABLE reference.funnel)
                                    UNION ALL (TABLE reference.funnel EXCEPT ALL TABLE salesalgo.funnel)) AS d
    UNION ALL
    SELECT 'stage_time', count(*) FROM ((TABLE salesalgo.stage_time EXCEPT ALL TABLE reference.stage_time)
                                        UNION ALL (TABLE reference.stage_time EXCEPT ALL TABLE salesalgo.stage_time)) AS d
$$;

-- A small department through every writer of the history.
SET salesalgo.now = '2026-03-02 09:00+00';
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (1, 'Anna', 10), (2, 'Boris', 10);
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
    (1, 'c1', 'small', 1), (2, 'c2', 'medium', 1), (3, 'c3', 'large', 2),
    (4, 'c4', 'small', 2), (5, 'c5', 'medium', 2), (6, 'c6', 'small', 1);
INSERT INTO salesalgo.client (id, name, size) VALUES (7, 'lead', 'small');
SET salesalgo.now = '2026-03-02 10:00+00';
SELECT salesalgo.distribute_leads();
SET salesalgo.now = '2026-03-03 09:00+00';
UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (1, 2, 3, 7);
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 4;
SET salesalgo.now = '2026-03-04 10:30+00';
UPDATE salesalgo.client SET state = 'contact_2' WHERE id IN (1, 7);
UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 2;
SET salesalgo.now = '2026-03-05 09:00+00';
UPDATE salesalgo.client SET state = 'deal' WHERE id = 1;          -- past contact_3
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 3;
SELECT salesalgo.extend_deadline(5, '2026-05-01 00:00+00', 'a long tender');
UPDATE salesalgo.client SET manager_id = 1 WHERE id = 5;          -- reassigned, no move
SET salesalgo.now = '2026-03-06 09:00+00';
UPDATE salesalgo.client SET state = 'deal_support' WHERE id = 1;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2;
DELETE FROM salesalgo.client WHERE id = 6;
SET salesalgo.now = '2026-03-07 09:00+00';
UPDATE salesalgo.client SET state = 'client' WHERE id = 1;
UPDATE salesalgo.client SET state = 'recall' WHERE id = 4;
INSERT INTO salesalgo.client (id, name, size) VALUES (6, 'c6 again', 'small');
SET salesalgo.now = '2026-04-20 00:00+00';
SELECT salesalgo.sales_expire();

-- what the triggers kept: each client's set, each deletion's, each stay
SELECT id, state, funnel_steps, state_since FROM salesalgo.client ORDER BY id;
SELECT client_id, from_state, to_state, source, funnel_steps, stay
FROM salesalgo.client_history
WHERE funnel_steps IS NOT NULL OR stay IS NOT NULL
ORDER BY id;
SELECT count(*) AS unkept FROM salesalgo.client_history
WHERE from_state IS NOT NULL AND from_state IS DISTINCT FROM to_state AND stay IS NULL;

-- the views, and the same from the whole history
SELECT * FROM salesalgo.funnel;
SELECT * FROM salesalgo.stage_time;
SELECT * FROM regress.differences();
SELECT count(*) AS violations FROM salesalgo.check();

-- A user's write of the kept set is refused, as state_since's is, and
-- changes nothing.
SELECT regress.fingerprint() AS before \gset
SELECT * FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, size, funnel_steps) VALUES (20, 'x', 'small', 2)$$);
SELECT * FROM regress.error_of($$UPDATE salesalgo.client SET funnel_steps = 0 WHERE id = 1$$);
SELECT * FROM regress.error_of($$UPDATE salesalgo.client SET funnel_steps = NULL WHERE id = 1$$);
SELECT * FROM regress.error_of($$UPDATE salesalgo.client_history SET stay = NULL WHERE client_id = 1$$);
SELECT regress.fingerprint() = :'before' AS unchanged;
-- naming it with its own value is no change
SELECT * FROM regress.error_of($$UPDATE salesalgo.client SET funnel_steps = funnel_steps WHERE id = 1$$);

-- check() names every kept value that the history does not say, each
-- broken behind the triggers' back (replication role "replica")
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client SET funnel_steps = 2 WHERE id = 1$$);
ROLLBACK;
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client_history SET funnel_steps = 0 WHERE client_id = 6 AND to_state IS NULL$$);
ROLLBACK;
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client_history SET funnel_steps = 2 WHERE client_id = 7 AND source = 'distribute_leads'$$);
ROLLBACK;
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client_history SET stay = stay + interval '1 second'
WHERE client_id = 3 AND to_state = 'contact_2'$$);
ROLLBACK;
-- the same length written another way ('24:00:00' is not how the history
-- measures a day) is named too: avg() would add it up differently
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client_history SET stay = interval '24 hours'
WHERE client_id = 1 AND to_state = 'deal_support'$$);
ROLLBACK;
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client_history SET stay = interval '1 day'
WHERE client_id = 5 AND source = 'extend_deadline'$$);
ROLLBACK;
BEGIN;
SELECT * FROM regress.broken($$UPDATE salesalgo.client SET state_since = state_since - interval '1 hour' WHERE id = 2$$);
ROLLBACK;

-- the numbers of funnel and stage_time are for whoever may read the view
CREATE ROLE regress_funnel_reader;
SET ROLE regress_funnel_reader;
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.stage_time$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.stage_time_stays()$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.funnel$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.funnel_sets()$$);
RESET ROLE;
GRANT SELECT ON salesalgo.stage_time TO regress_funnel_reader;
SET ROLE regress_funnel_reader;
SELECT state, stays FROM salesalgo.stage_time WHERE stays > 0;
SELECT count(*) FROM salesalgo.stage_time_stays();
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.funnel_sets()$$);
RESET ROLE;
GRANT SELECT ON salesalgo.funnel TO regress_funnel_reader;
SET ROLE regress_funnel_reader;
SELECT step, reached FROM salesalgo.funnel;
SELECT * FROM salesalgo.funnel_sets() ORDER BY steps;
RESET ROLE;
-- a grant of some of the view's columns is a grant to read it too, as in
-- 1.1 (has_any_column_privilege()); the other view, and the columns not
-- granted, stay refused (the role with nothing at all: above)
CREATE ROLE regress_funnel_columns;
GRANT SELECT (step, reached) ON salesalgo.funnel TO regress_funnel_columns;
SET ROLE regress_funnel_columns;
SELECT step, reached FROM salesalgo.funnel;
SELECT * FROM regress.error_of($$SELECT conversion FROM salesalgo.funnel$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.stage_time_stays()$$);
RESET ROLE;
GRANT SELECT (state, median) ON salesalgo.stage_time TO regress_funnel_columns;
SET ROLE regress_funnel_columns;
SELECT state, median FROM salesalgo.stage_time WHERE median IS NOT NULL;
RESET ROLE;

-- An index the views read, dropped or invalid: the error gives the
-- statement that makes it again, and that statement does.
CREATE FUNCTION regress.hint_of(statement text, OUT code text, OUT message text,
                                OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            hint = PG_EXCEPTION_HINT;
END $$;
CREATE FUNCTION regress.run_hint(statement text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE regexp_replace((regress.hint_of(statement)).hint, '^[^:]*: ', '');
END $$;
BEGIN;
DROP INDEX salesalgo.client_history_stay_idx;
SELECT * FROM regress.hint_of($$SELECT * FROM salesalgo.stage_time$$);
SELECT regress.run_hint($$SELECT * FROM salesalgo.stage_time$$);
SELECT * FROM regress.differences();
ROLLBACK;
BEGIN;
DROP INDEX salesalgo.client_history_deletion_idx;
SELECT * FROM regress.hint_of($$SELECT * FROM salesalgo.funnel$$);
SELECT regress.run_hint($$SELECT * FROM salesalgo.funnel$$);
SELECT * FROM regress.differences();
ROLLBACK;
BEGIN;
UPDATE pg_index SET indisvalid = false
WHERE indexrelid = 'salesalgo.client_history_stay_idx'::regclass;
SELECT * FROM regress.hint_of($$SELECT * FROM salesalgo.stage_time$$);
SELECT regress.run_hint($$SELECT * FROM salesalgo.stage_time$$);
SELECT indisvalid FROM pg_index
WHERE indexrelid = 'salesalgo.client_history_stay_idx'::regclass;
SELECT * FROM regress.differences();
ROLLBACK;
SELECT count(*) FROM salesalgo.stage_time WHERE stays > 0;

-- TRUNCATE deletes every client: each deletion keeps its set and its stay
SET salesalgo.now = '2026-04-21 00:00+00';
TRUNCATE salesalgo.client;
SELECT client_id, from_state, funnel_steps, stay FROM salesalgo.client_history
WHERE source = 'truncate' ORDER BY client_id;
SELECT * FROM regress.differences();
SELECT count(*) AS violations FROM salesalgo.check();
SELECT step, reached, converted FROM salesalgo.funnel;

-- The simulated clock going back is no disagreement: a stay is from the
-- change that entered the state, not from the latest time before it.
SET salesalgo.now = '2026-04-22 10:00+00';
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (30, 'clock', 'small', 1);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 30;
SET salesalgo.now = '2026-04-22 09:00+00';
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 30;
UPDATE salesalgo.client SET manager_id = 2 WHERE id = 30;
SELECT count(*) AS violations FROM salesalgo.check();
SET salesalgo.now = '2026-04-22 11:00+00';
UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 30;
SELECT from_state, to_state, changed_at, stay FROM salesalgo.client_history
WHERE client_id = 30 ORDER BY id;
SELECT count(*) AS violations FROM salesalgo.check();
SELECT * FROM regress.differences();

\c contrib_regression
DROP DATABASE regress_salesalgo_funnel;
DROP ROLE regress_funnel_reader;
DROP ROLE regress_funnel_columns;
