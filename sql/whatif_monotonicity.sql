-- What what_if() does not promise: monotonicity (SPEC section 10 asks that
-- a lower cap never yield fewer refused_by_cap and shorter deadlines never
-- fewer deals_lost_to_deadline).  Under the replay's own assumptions (a
-- refused or expired client makes no further move in that worklist period)
-- neither holds in general: a cap or a deadline decides who holds a slot
-- later, and so whom a later entry finds.  The two histories of README's
-- "Calibrating the model", replayed.  In a database of its own.
CREATE DATABASE regress_whatif_monotonicity;
\c regress_whatif_monotonicity
SET client_min_messages = warning;
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET TimeZone = 'UTC';

-- The model, the same all through May: caps of 5, small clients 40 days.
SET salesalgo.now = '2027-04-20 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (1, 'Anna', 5), (2, 'Boris', 5), (3, 'Vera', 5);
UPDATE deadline_rule SET days = 40 WHERE size = 'small' AND category_id IS NULL;

-- Day by day through May and into June at 09:00, sales_expire() every
-- evening at 23:00.
CREATE FUNCTION moves(d integer) RETURNS text LANGUAGE sql RETURN CASE d
    -- 1. Caps: Anna holds P and takes A, who is then handed to Boris;
    --    Boris takes D, who deals, and then E.
    WHEN 0 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (1, 'P', 'small', 1)$$
    WHEN 1 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (2, 'A', 'small', 1)$$
    WHEN 2 THEN $$UPDATE client SET manager_id = 2 WHERE id = 2$$
    WHEN 3 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (3, 'D', 'small', 2)$$
    WHEN 4 THEN $$UPDATE client SET state = 'contact_1' WHERE id = 3;
                  UPDATE client SET state = 'contact_2' WHERE id = 3;
                  UPDATE client SET state = 'deal' WHERE id = 3$$
    WHEN 5 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (4, 'E', 'small', 2)$$
    -- 2. Caps and deadlines: Vera takes K on day 10, is offered Q on day 19
    --    and Y on day 25; Y deals on day 40.
    WHEN 10 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (11, 'K', 'small', 3)$$
    WHEN 19 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (12, 'Q', 'small', 3)$$
    WHEN 25 THEN $$INSERT INTO client (id, name, size, manager_id) VALUES (13, 'Y', 'small', 3)$$
    WHEN 40 THEN $$UPDATE client SET state = 'contact_1' WHERE id = 13;
                   UPDATE client SET state = 'contact_2' WHERE id = 13;
                   UPDATE client SET state = 'deal' WHERE id = 13$$
    END;
DO $$
BEGIN
    FOR d IN 0 .. 44 LOOP
        PERFORM set_config('salesalgo.now', ('2027-05-01 09:00+00'::timestamptz + make_interval(days => d))::text, false);
        IF moves(d) IS NOT NULL THEN
            EXECUTE moves(d);
        END IF;
        PERFORM set_config('salesalgo.now', ('2027-05-01 23:00+00'::timestamptz + make_interval(days => d))::text, false);
        PERFORM salesalgo.sales_expire();
    END LOOP;
END
$$;

-- One model in force over the period, and the identity.
SELECT count(*) AS models FROM model_changes('2027-05-01', '2027-06-15');
SELECT count(*) FILTER (WHERE actual <> what_if) AS differ
FROM what_if('2027-05-01', '2027-06-15', model_at('2027-05-01'));

-- 1. Boris at 1: Anna's cap of 1 refuses A, so D gets Boris's slot and
--    deals and E finds it free again; at 2, A takes Boris's slot, and D and
--    E are refused.  The higher cap refused more in total.
SELECT anna_cap, w.manager_id, w.metric, w.what_if
FROM generate_series(1, 2) AS anna_cap,
     LATERAL what_if('2027-05-01', '2027-05-08',
                     jsonb_build_object('worklist_cap', jsonb_build_object('1', anna_cap, '2', 1))) AS w
WHERE w.metric IN ('refused_by_cap', 'deals', 'deals_lost_to_cap')
  AND (w.manager_id IS NULL OR w.manager_id IN (1, 2))
ORDER BY anna_cap, w.manager_id NULLS LAST, w.metric;

-- 2. Vera at 1: with 10-day deadlines K expires on day 20, Q (day 19) is
--    refused, Y enters and expires on day 35: its deal is lost to the
--    deadline.  With 8 days K expires on day 18, Q enters and holds the
--    slot until day 27, Y is refused: the deal is lost to the cap.  The
--    shorter deadline lost fewer deals to the deadline.
SELECT days, w.metric, w.what_if
FROM (VALUES (8), (10)) AS d (days),
     LATERAL what_if('2027-05-10', '2027-06-15',
                     jsonb_build_object('worklist_cap', jsonb_build_object('3', 1),
                                        'deadline_rule', jsonb_build_array(
                                            jsonb_build_object('size', 'small', 'days', days)))) AS w
WHERE w.manager_id = 3
  AND w.metric IN ('refused_by_cap', 'expired', 'deals_lost_to_deadline', 'deals_lost_to_cap')
ORDER BY days, w.metric;

\c contrib_regression
DROP DATABASE regress_whatif_monotonicity;
