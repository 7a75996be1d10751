-- What-if on a history whose ids do not follow time: a statement dated
-- before the change it waited for on a row lock, or the simulated clock set
-- back.  With no model change what-if must still be the history itself: a
-- client's rows are replayed in id order, a row dated before its client's
-- previous row taken at that row's time.  In a database of its own, so
-- that its periods hold only its own history.
\set regress_db :DBNAME
CREATE DATABASE regress_whatif_order;
\c regress_whatif_order
SET client_min_messages = warning;
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TimeZone = 'UTC';
SET salesalgo.now = '2029-05-01 09:00+00';
INSERT INTO manager (id, name) VALUES (91, 'Order'), (92, 'Other');
INSERT INTO client (id, name, size, manager_id) VALUES
    (911, 'Deal dated back', 'medium', 91),
    (912, 'Handed over, dated back', 'medium', 91),
    (913, 'In order', 'medium', 92);
SET salesalgo.now = '2029-05-02 10:00+00';
UPDATE client SET state = 'contact_1' WHERE id IN (911, 912, 913);
SET salesalgo.now = '2029-05-02 12:00+00';
UPDATE client SET state = 'contact_2' WHERE id = 911;
UPDATE client SET manager_id = 92 WHERE id = 912;
-- the clock goes back an hour
SET salesalgo.now = '2029-05-02 11:00+00';
UPDATE client SET state = 'deal' WHERE id = 911;
UPDATE client SET state = 'contact_2' WHERE id = 912;
SET salesalgo.now = '2029-05-02 15:00+00';
UPDATE client SET state = 'contact_2' WHERE id = 913;
RESET salesalgo.now;
SELECT id, client_id, from_state, to_state, from_manager, to_manager, changed_at
FROM client_history WHERE changed_at >= '2029-05-02' ORDER BY id;

-- no model change: no difference, over the day and from before it
SELECT manager_id, metric, actual, what_if
FROM what_if('2029-05-02', '2029-05-03', model_at('2029-05-02'))
WHERE actual <> what_if;
SELECT manager_id, metric, actual, what_if
FROM what_if('2029-05-01', '2029-05-04', model_at('2029-05-01'))
WHERE actual <> what_if;
-- from the middle of the disorder
SELECT manager_id, metric, actual, what_if
FROM what_if('2029-05-02 11:30', '2029-05-03', model_at('2029-05-02'))
WHERE actual <> what_if;
-- deadline rules that differ for large clients only: the clocks at from_ts
-- are read (the reordered clients' from their first row in id order), and
-- none of these medium clients changes
SELECT jsonb_set(m, '{deadline_rule}',
                 (SELECT jsonb_agg(CASE WHEN r ->> 'size' = 'large' THEN jsonb_set(r, '{days}', '1') ELSE r END)
                  FROM jsonb_array_elements(m -> 'deadline_rule') AS r)) AS large_1_day
FROM model_at('2029-05-02') AS m \gset
SELECT :'large_1_day'::jsonb -> 'deadline_rule' <> model_at('2029-05-02') -> 'deadline_rule' AS rules_differ;
SELECT manager_id, metric, actual, what_if
FROM what_if('2029-05-02', '2029-05-03', :'large_1_day')
WHERE actual <> what_if;
-- and what it counts, real and what-if alike
SELECT manager_id, metric, actual, what_if
FROM what_if('2029-05-02', '2029-05-03', model_at('2029-05-02'))
WHERE metric IN ('taken_into_work', 'deals', 'slot_days') ORDER BY manager_id NULLS LAST, metric;

\c :regress_db
DROP DATABASE regress_whatif_order;
