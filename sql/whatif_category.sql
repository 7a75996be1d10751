-- What-if at a department's size: the client's category from the history.
-- A deadline is replayed under the rule for the category the client had
-- when its clock started (client_history.to_category), not the one it has
-- now; rows written before 1.2 have no category, and there the current one
-- is the only source.  In a database of its own, so that its periods hold
-- only its own history.
\set regress_db :DBNAME
CREATE DATABASE regress_whatif_category;
\c regress_whatif_category
SET client_min_messages = warning;
-- installed at 1.1 and updated, so that its first rows are written before 1.2
CREATE EXTENSION salesalgo VERSION '1.1';
SET search_path = public, salesalgo;
SET TimeZone = 'UTC';
-- medium clients in 20 days when wholesale, in 40 when retail
SET salesalgo.now = '2029-03-20 09:00+00';
INSERT INTO category (id, name) VALUES (81, 'wholesale'), (82, 'retail');
INSERT INTO deadline_rule (size, category_id, days) VALUES ('medium', 81, 20), ('medium', 82, 40);
INSERT INTO manager (id, name) VALUES (71, 'Category'), (72, 'Before 1.2');

-- 1. Rows written before 1.2 have no category (nor size): there the
--    client's current category is the only source.  A client created at
--    1.1, wholesale then, is retail when the update to 1.2 comes.
SET salesalgo.now = '2029-04-01 09:00+00';
INSERT INTO client (id, name, size, category_id, manager_id) VALUES
    (721, 'Wholesale at 1.1', 'medium', 81, 72);
SET salesalgo.now = '2029-04-03 09:00+00';
UPDATE client SET category_id = 82 WHERE id = 721;
ALTER EXTENSION salesalgo UPDATE;
SET salesalgo.now = '2029-04-10 23:00+00';
SELECT sales_expire();
SET salesalgo.now = '2029-04-15 09:00+00';
UPDATE client SET state = 'contact_1' WHERE id = 721;
SELECT client_id, from_state, to_state, from_size, to_size, from_category, to_category, source
FROM client_history ORDER BY id;
-- Its clock started in a row without a category: retail (now) in 10 days
-- expires it on day 10, although it was wholesale then.
SELECT * FROM what_if('2029-04-01', '2029-05-01', '{"deadline_rule": [{"size": "medium", "category_id": 82, "days": 10}]}')
WHERE manager_id = 72 AND actual <> what_if AND metric <> 'avg_load';

-- 2. From 1.2 on, the history keeps the category before and after each
--    change; a change of category alone is no history row (it moves no
--    deadline).  June, sales_expire() every evening (which takes 721 out
--    on June 1).
CREATE SCHEMA regress;
CREATE PROCEDURE regress.close_deal(ids bigint[]) LANGUAGE sql AS $$
    UPDATE salesalgo.client SET state = 'contact_1' WHERE id = ANY (ids);
    UPDATE salesalgo.client SET state = 'contact_2' WHERE id = ANY (ids);
    UPDATE salesalgo.client SET state = 'deal' WHERE id = ANY (ids);
$$;
CREATE PROCEDURE regress.day(d integer) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('salesalgo.now', ('2029-06-01 09:00+00'::timestamptz + make_interval(days => d))::text, false);
    CASE d
    WHEN 0 THEN
        -- 711 and 713 wholesale (20 days), 712 retail (40 days)
        INSERT INTO salesalgo.client (id, name, size, category_id, manager_id) VALUES
            (711, 'Wholesale, then retail', 'medium', 81, 71),
            (712, 'Retail, then wholesale', 'medium', 82, 71),
            (713, 'Wholesale, then retail, extended', 'medium', 81, 71);
    WHEN 3 THEN
        -- each changes its category; the deadlines stay (R7)
        UPDATE salesalgo.client SET category_id = CASE id WHEN 712 THEN 81 ELSE 82 END
        WHERE id IN (711, 712, 713);
    WHEN 4 THEN
        -- a week more for 713: day 27
        PERFORM salesalgo.extend_deadline(713, deadline_at + interval '7 days', 'asked for a week')
        FROM salesalgo.client WHERE id = 713;
    WHEN 15 THEN
        CALL regress.close_deal('{711, 712}');
    WHEN 25 THEN
        CALL regress.close_deal('{713}');
    ELSE
    END CASE;
    PERFORM set_config('salesalgo.now', ('2029-06-01 23:00+00'::timestamptz + make_interval(days => d))::text, false);
    PERFORM salesalgo.sales_expire();
END $$;
DO $$ BEGIN FOR d IN 0 .. 29 LOOP CALL regress.day(d); END LOOP; END $$;
SELECT client_id, from_state, to_state, from_category, to_category, deadline_at, changed_at, source
FROM client_history WHERE client_id BETWEEN 711 AND 713 ORDER BY id;
SELECT id, category_id, state FROM client WHERE id BETWEEN 711 AND 713 ORDER BY id;

-- Identity: the model in force replays to what happened.
SELECT count(*) AS rows, count(*) FILTER (WHERE actual <> what_if) AS differ
FROM what_if('2029-06-01', '2029-07-01', model_at('2029-06-01'));

-- 3. Retail clients in 10 days.  712 was retail when its clock started on
--    day 0: its deadline is day 10, the evening run expires it, and its
--    deal of day 15 is lost (slot_days 15 -> 10 days 14 hours).  711 and
--    713 started wholesale: retail now, but their deadlines (day 20; day 27
--    with the extension) stay, and so do their deals.
SELECT * FROM what_if('2029-06-01', '2029-07-01', '{"deadline_rule": [{"size": "medium", "category_id": 82, "days": 10}]}')
WHERE manager_id = 71 AND actual <> what_if AND metric <> 'avg_load';

-- 4. Wholesale clients in 10 days: 711's deadline is day 10, and 713's day
--    17 (its extension stays an extension: 10 days less than the real 27);
--    both expire at that evening's run and lose their deals.  712, retail
--    when its clock started, keeps its 40 days.
SELECT * FROM what_if('2029-06-01', '2029-07-01', '{"deadline_rule": [{"size": "medium", "category_id": 81, "days": 10}]}')
WHERE manager_id = 71 AND actual <> what_if AND metric <> 'avg_load';

-- 5. A period that starts after the change of category: a client in work
--    at its start replays under the category it had then (the "from" side
--    of its first row in the period), since its clock started before the
--    period.  711 and 713 were retail on day 4: their 10-day deadlines had
--    passed, and the first evening run of the period expires them (713's
--    extension that morning keeps its 10 days less); 712, wholesale then,
--    keeps its deadline.
SELECT * FROM what_if('2029-06-05', '2029-07-01', '{"deadline_rule": [{"size": "medium", "category_id": 82, "days": 10}]}')
WHERE manager_id = 71 AND actual <> what_if AND metric <> 'avg_load';

-- 6. A change of category together with a move is one row, with both
--    categories; a deletion keeps the category the client had.
SET salesalgo.now = '2029-07-02 09:00+00';
UPDATE client SET category_id = 81, state = 'deal_support' WHERE id = 713;
DELETE FROM client WHERE id = 712;
SELECT client_id, from_state, to_state, from_category, to_category
FROM client_history WHERE changed_at = '2029-07-02 09:00+00' ORDER BY id;

\c :regress_db
DROP DATABASE regress_whatif_category;
