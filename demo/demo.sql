-- The salesalgo demo: a department lives 40 working days on the simulated
-- clock, then the head of sales reads the book's step 9 report.
--
-- ./run demo [--seed N] feeds this to psql in a fresh database, with -v seed=N.
-- The same seed gives the same 40 days.
\set QUIET on
\set ON_ERROR_STOP on
\pset footer off
\if :{?seed}
\else
\set seed 1
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS salesalgo;
SET search_path = public, salesalgo;
SET TIME ZONE 'Europe/Moscow';
SELECT set_config('demo.seed', :'seed', false) \gset

\echo
\echo '== salesalgo: a sales department kept by the database'
\echo '   The book''s states, as the one-byte type salesalgo.client_state:'
SELECT v AS state, label(v) AS label, label(v, 'ru') AS "по-русски", in_worklist(v) AS in_worklist
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::client_state[]) AS v
ORDER BY v;

-- The department: eight managers with the book's caps (50 to 90), three
-- categories of its profile and two outside it, 600 companies, 25 more
-- arriving every day.
SET salesalgo.now = '2026-01-12 08:00+03';
INSERT INTO category (name, in_profile) VALUES
    ('production', true), ('trade', true), ('services', true),
    ('state agencies', false), ('private persons', false);

-- The book, step 5: what a large, medium and small client is, by revenue
-- (roubles a year) and staff; the size of every new company follows.
INSERT INTO size_rule (size, condition) VALUES
    ('large', '$.revenue >= 2000000000 || $.employees >= 250'),
    ('medium', '$.revenue >= 400000000 || $.employees >= 50'),
    ('small', 'true');
-- Soft refusals come back to the recall pool: "no money" after three weeks
-- here, the other soft reasons as installed.
UPDATE refusal_reason SET recall_after = '21 days' WHERE code = 'no_money';
INSERT INTO manager (name, login, worklist_cap) VALUES
    ('Анна Смирнова', 'anna', 50), ('Борис Кузнецов', 'boris', 55),
    ('Вера Попова', 'vera', 60), ('Глеб Васильев', 'gleb', 65),
    ('Emma Schulz', 'emma', 70), ('Frank Miller', 'frank', 75),
    ('Ирина Соколова', 'irina', 80), ('John Carter', 'john', 90);

CREATE TEMP TABLE demo_events (day int, kind text, n int);

CREATE FUNCTION pg_temp.add_companies(how_many int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    forms text[] := '{ООО,АО,ИП,ЗАО,Ltd,GmbH,LLC,Inc}';
    roots text[] := '{Ромашка,Вектор,Восток,Энергия,Стройка,Север,Магистраль,Тайга,
                      Альфа,Прогресс,Acme,Globex,Initech,Umbrella,Hooli,Vandelay,
                      Northwind,Contoso,Fabrikam,Tailspin}';
    r double precision;
    staff int;
BEGIN
    FOR i IN 1 .. how_many LOOP
        r := random();
        staff := CASE WHEN r < 0.50 THEN 3 + floor(random() * 45)
                      WHEN r < 0.83 THEN 50 + floor(random() * 200)
                      ELSE 250 + floor(random() * 2000) END;
        -- no size: the size rules give it (a category out of profile: nonprofile)
        INSERT INTO salesalgo.client (name, category_id, attributes, external_id)
        VALUES (forms[1 + floor(random() * 8)::int] || ' «' || roots[1 + floor(random() * 20)::int]
                    || ' ' || (100 + floor(random() * 900)::int) || '»',
                CASE WHEN random() < 0.10 THEN 4 + floor(random() * 2)::int
                     ELSE 1 + floor(random() * 3)::int END,
                jsonb_build_object('employees', staff,
                                   'revenue', round(staff * (2 + random() * 8)) * 1000000),
                'crm-' || nextval('salesalgo.client_id_seq'));
    END LOOP;
END $$;

-- One working day: leads arrive and are sorted, distribute_leads() fills
-- the free slots, the managers work their clients, sales_expire() runs at
-- night.  Every move goes through the rules; the ones they refuse are
-- counted.
CREATE FUNCTION pg_temp.live_day(day_no int, day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c record;
    r double precision;
    target salesalgo.client_state;
    reason text;
    n bigint;
BEGIN
    PERFORM set_config('salesalgo.now', ((day + time '09:00') AT TIME ZONE 'Europe/Moscow')::text, false);
    PERFORM pg_temp.add_companies(25);
    -- the nonprofile leads are refused before anyone works them
    UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'nonprofile'
    WHERE state = 'new' AND manager_id IS NULL AND size = 'nonprofile';
    n := salesalgo.distribute_leads();
    INSERT INTO demo_events VALUES (day_no, 'leads distributed', n);

    PERFORM set_config('salesalgo.now', ((day + time '13:00') AT TIME ZONE 'Europe/Moscow')::text, false);
    FOR c IN SELECT id, state, manager_id FROM salesalgo.client
             WHERE manager_id IS NOT NULL AND state <> 'client' ORDER BY id LOOP
        r := random();
        reason := NULL;
        target := CASE c.state
            WHEN 'new' THEN CASE WHEN r < 0.25 THEN 'contact_1' END
            WHEN 'contact_1' THEN CASE WHEN r < 0.14 THEN 'contact_2'
                                       WHEN r < 0.18 THEN 'refusal'
                                       WHEN r < 0.20 THEN 'strategic_reserve' END
            WHEN 'contact_2' THEN CASE WHEN r < 0.10 THEN 'contact_3'
                                       WHEN r < 0.14 THEN 'deal'
                                       WHEN r < 0.18 THEN 'refusal'
                                       WHEN r < 0.20 THEN 'strategic_reserve' END
            WHEN 'contact_3' THEN CASE WHEN r < 0.12 THEN 'deal'
                                       WHEN r < 0.17 THEN 'refusal'
                                       WHEN r < 0.19 THEN 'strategic_reserve' END
            WHEN 'deal' THEN CASE WHEN r < 0.30 THEN 'deal_support'
                                  WHEN r < 0.32 THEN 'refusal' END
            WHEN 'deal_support' THEN CASE WHEN r < 0.25 THEN 'client' END
            WHEN 'recall' THEN CASE WHEN r < 0.10 THEN 'contact_1' END
            WHEN 'strategic_reserve' THEN CASE WHEN r < 0.06 THEN 'contact_1' END
        END;
        -- now and then a manager tries a shortcut the book does not allow
        IF target IS NULL AND r > 0.995 THEN
            target := 'client';
        END IF;
        CONTINUE WHEN target IS NULL;
        IF target = 'refusal' THEN
            reason := (ARRAY['no_money', 'crisis', 'other', 'no_money'])[1 + floor(random() * 4)::int];
        END IF;
        BEGIN
            UPDATE salesalgo.client SET state = target,
                   refusal_reason = coalesce(reason, refusal_reason)
            WHERE id = c.id;
            INSERT INTO demo_events VALUES (day_no, 'moves', 1);
        EXCEPTION WHEN check_violation OR not_null_violation THEN
            INSERT INTO demo_events VALUES (day_no, 'refused: ' || (
                CASE WHEN SQLERRM LIKE '%is full%' THEN 'worklist full (R6)'
                     WHEN SQLERRM LIKE '%hard reason%' THEN 'hard refusal is final (R4)'
                     ELSE 'illegal move (R2)' END), 1);
        END;
    END LOOP;

    PERFORM set_config('salesalgo.now', ((day + time '23:00') AT TIME ZONE 'Europe/Moscow')::text, false);
    n := salesalgo.sales_expire();
    INSERT INTO demo_events VALUES (day_no, 'expired at night', n);
    n := salesalgo.sales_recall();
    INSERT INTO demo_events VALUES (day_no, 'recalled at night', n);
    -- the early warning a manager reads in the morning
    PERFORM set_config('salesalgo.now', ((day + 1 + time '08:00') AT TIME ZONE 'Europe/Moscow')::text, false);
    INSERT INTO demo_events SELECT day_no, 'warned: due within 3 days', count(*) FROM salesalgo.due_soon;
END $$;

SELECT setseed(((current_setting('demo.seed')::bigint % 199999) - 99999) / 100000.0) AS seeded \gset
DO $$ BEGIN PERFORM pg_temp.add_companies(600); END $$;

\echo
\echo '== 40 working days from Monday 2026-01-12, seed' :seed
DO $$
DECLARE
    day date := '2026-01-12';
    days int := 0;
BEGIN
    WHILE days < 40 LOOP
        IF extract(isodow FROM day) < 6 THEN
            days := days + 1;
            PERFORM pg_temp.live_day(days, day);
        END IF;
        day := day + 1;
    END LOOP;
END $$;
SET salesalgo.now = '2026-03-07 09:00+03';

SELECT kind AS "what happened", sum(n) AS total
FROM demo_events GROUP BY kind ORDER BY kind;

\echo
\echo '== Worklists at the end of day 40'
SELECT name AS manager, in_work, cap, free,
       repeat('█', round(load * 20)::int) || repeat('░', 20 - round(load * 20)::int) AS load,
       overdue, due_soon, to_char(next_deadline, 'YYYY-MM-DD') AS next_deadline,
       recall AS to_call_back
FROM worklist ORDER BY manager_id;

\echo
\echo '== Early warning: clients whose deadline comes within settings.warn_before (3 days)'
SELECT manager_name AS manager, name AS client, size, state,
       to_char(deadline_at, 'YYYY-MM-DD HH24:MI') AS deadline,
       justify_interval(date_trunc('hour', due_in)) AS due_in
FROM due_soon ORDER BY deadline_at, client_id LIMIT 8;

\echo
\echo '== Funnel: clients that ever entered each state, how many went further along'
\echo '   the path (converted), and how many into the next state itself'
SELECT label AS state, reached,
       repeat('█', round(40.0 * reached / max(reached) OVER ())::int) AS bar,
       converted, to_char(100 * conversion, 'FM990.0') || '%' AS conversion,
       entered_next AS to_next_state
FROM funnel ORDER BY step;

\echo
\echo '== Time in each state (finished stays)'
SELECT label AS state, stays,
       round(extract(epoch FROM average) / 86400, 1) AS avg_days,
       round(extract(epoch FROM median) / 86400, 1) AS median_days,
       round(extract(epoch FROM p90) / 86400, 1) AS p90_days
FROM stage_time WHERE stays > 0 ORDER BY stage_time.state;   -- the pipeline's order, not the label's

\echo
\echo '== Refusals by reason, and expiries (an expiry is not also a refusal)'
SELECT coalesce(reason, 'total') AS reason, refusals, expired,
       CASE WHEN is_total = 0 THEN repeat('█', round(40.0 * (refusals + expired)
           / max(refusals + expired) FILTER (WHERE is_total = 0) OVER ())::int) END AS bar
FROM (
    SELECT coalesce(r.label, h.refusal_reason) AS reason,
           count(*) FILTER (WHERE h.source <> 'sales_expire') AS refusals,
           count(*) FILTER (WHERE h.source = 'sales_expire') AS expired,
           GROUPING(coalesce(r.label, h.refusal_reason)) AS is_total
    FROM client_history AS h LEFT JOIN refusal_reason AS r ON r.code = h.refusal_reason
    WHERE h.to_state = 'refusal' AND h.from_state IS DISTINCT FROM h.to_state
    GROUP BY GROUPING SETS ((coalesce(r.label, h.refusal_reason)), ())
) AS t
ORDER BY is_total, refusals + expired DESC, 1;

\echo
\echo '== The trial report for the 40 days (the book, step 9)'
\echo '   (no manager): the nonprofile leads, refused before anyone worked them'
SELECT manager, taken, deals, refusals, expired, days_to_deal, avg_load FROM (
    SELECT 1 AS part, manager_id, name AS manager, taken_into_work AS taken, deals, refusals,
           expired, median_days_to_deal AS days_to_deal,
           to_char(100 * avg_load, 'FM990') || '%' AS avg_load
    FROM trial_report('2026-01-12 00:00+03', '2026-03-07 00:00+03')
    WHERE manager_id IS NOT NULL
    UNION ALL
    SELECT 2, NULL, '(no manager)', NULL,
           count(*) FILTER (WHERE to_state = 'deal'),
           count(*) FILTER (WHERE to_state = 'refusal' AND source <> 'sales_expire'),
           count(*) FILTER (WHERE source = 'sales_expire'), NULL, NULL
    FROM client_history
    WHERE to_manager IS NULL AND from_state IS DISTINCT FROM to_state
      AND changed_at >= '2026-01-12 00:00+03' AND changed_at < '2026-03-07 00:00+03'
    UNION ALL
    SELECT 3, NULL, 'total', taken_into_work, deals, refusals, expired, median_days_to_deal,
           to_char(100 * avg_load, 'FM990') || '%'
    FROM trial_report('2026-01-12 00:00+03', '2026-03-07 00:00+03')
    WHERE manager_id IS NULL
) AS r
ORDER BY part, manager_id;

\echo
\echo '== The trial week by week (trial_series): every manager together'
SELECT to_char(bucket_start, 'YYYY-MM-DD') AS week_of, taken_into_work AS taken, deals,
       repeat('█', round(30.0 * deals / nullif(max(deals) OVER (), 0))::int) AS deals_chart,
       refusals, expired, recalled,
       to_char(100 * avg_load, 'FM990') || '%' AS avg_load
FROM trial_series('2026-01-12 00:00+03', '2026-03-07 00:00+03', '1 week')
WHERE manager_id IS NULL
ORDER BY bucket_start;

\echo
SELECT CASE WHEN deals >= 0.15 * taken_into_work AND expired <= 0.40 * taken_into_work
                 AND avg_load >= 0.60
            THEN 'VERDICT: the model works: keep it.'
            ELSE 'VERDICT: the model needs correcting: analyse and adjust the rules.'
       END || format(' Criterion: deals >= 15%% of clients taken into work (%s%%), expiries <= 40%% (%s%%), worklists >= 60%% full on average (%s%%).',
                     round(100.0 * deals / nullif(taken_into_work, 0)),
                     round(100.0 * expired / nullif(taken_into_work, 0)),
                     round(100 * avg_load)) AS "step 9"
FROM trial_report('2026-01-12 00:00+03', '2026-03-07 00:00+03')
WHERE manager_id IS NULL;

\echo
\echo '== What if (the book, step 9: correct the model): the same 40 days replayed'
\echo '   under a cap of 60 for everyone, and under 21 days for medium clients'
CREATE TEMP TABLE demo_what_if AS
SELECT 'cap 60' AS change, metric, actual, what_if
FROM what_if('2026-01-12 08:00+03', '2026-03-07 09:00+03',
             jsonb_build_object('worklist_cap', (SELECT jsonb_object_agg(id, 60) FROM manager)))
WHERE manager_id IS NULL
UNION ALL
SELECT 'medium 21 days', metric, actual, what_if
FROM what_if('2026-01-12 08:00+03', '2026-03-07 09:00+03',
             '{"deadline_rule": [{"size": "medium", "days": 21}]}')
WHERE manager_id IS NULL;
SELECT metric, max(actual) FILTER (WHERE change = 'cap 60') AS actual,
       max(what_if) FILTER (WHERE change = 'cap 60') AS "cap 60",
       max(what_if) FILTER (WHERE change = 'medium 21 days') AS "medium 21 days"
FROM (SELECT change, metric,
             round(actual, CASE WHEN metric IN ('slot_days', 'avg_load') THEN 2 ELSE 0 END) AS actual,
             round(what_if, CASE WHEN metric IN ('slot_days', 'avg_load') THEN 2 ELSE 0 END) AS what_if
      FROM demo_what_if) AS w
WHERE metric IN ('taken_into_work', 'refused_by_cap', 'expired', 'expiries_avoided', 'deals',
                 'deals_lost_to_deadline', 'deals_lost_to_cap', 'slot_days', 'avg_load')
GROUP BY metric
ORDER BY array_position('{taken_into_work,refused_by_cap,expired,expiries_avoided,deals,deals_lost_to_deadline,deals_lost_to_cap,slot_days,avg_load}'::text[], metric);

\echo
-- The change to try next: the one that frees the most worklist days per
-- deal it would have cost; none, if both cost deals and free nothing.
SELECT CASE WHEN best.change IS NULL
            THEN 'WHAT IF: neither change would have paid over these 40 days: keep the caps and deadlines.'
            ELSE format('WHAT IF: try "%s" in the next trial: %s worklist days freed for %s deals lost over these 40 days.',
                        best.change, round(best.freed), best.lost)
       END AS "next trial"
FROM (SELECT NULL) AS one
LEFT JOIN LATERAL (
    SELECT change,
           sum(actual - what_if) FILTER (WHERE metric = 'slot_days') AS freed,
           sum(actual - what_if) FILTER (WHERE metric = 'deals') AS lost
    FROM demo_what_if GROUP BY change
    HAVING sum(actual - what_if) FILTER (WHERE metric = 'slot_days') > 0
    ORDER BY sum(actual - what_if) FILTER (WHERE metric = 'deals')
             / nullif(sum(actual - what_if) FILTER (WHERE metric = 'slot_days'), 0) NULLS FIRST, change
    LIMIT 1
) AS best ON true;
