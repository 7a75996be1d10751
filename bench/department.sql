-- A department, day by day, through salesalgo's own triggers: a
-- deterministic generator of the history a real department writes.
--
--   \i bench/department.sql
--   CALL department.generate(50, 30);        -- about 128,000 history rows
--   CALL department.generate(500, 30);       -- about 1,300,000
--
-- Needs a superuser (it sets the simulated clock salesalgo.now) and a
-- database with salesalgo installed and no clients or managers yet.  It
-- commits once a simulated day, so CALL it outside a transaction block.
-- Every choice comes from a hash of the client's id and the day, never from
-- random(): the same call writes the same history on every run and machine.
--
-- Each day, at the simulated hour named:
--   08:00 new leads, as many as the worklists have free slots, handed out
--         by distribute_leads()
--   11:00 half of every worklist moves one step along the book's graph (or
--         to refusal or strategic_reserve); one client in twenty never moves
--         and waits for its deadline
--   12:00 deals move to deal_support, deal_support to client
--   13:00 soft refusals older than a week go to recall; recall and
--         strategic_reserve clients come back into their manager's
--         worklist, never past its cap
--   14:00 every fifth manager hands one client to the next manager, if that
--         one has a free slot
--   15:00 one worklist client in 200 gets a week more (extend_deadline)
--   16:00 one refusal in 50, and one worklist client in 500, is deleted
--   23:00 sales_expire() moves what is overdue
-- Managers are created at first_day 07:00, each with the default cap.

CREATE SCHEMA IF NOT EXISTS department;

-- A number from 0 to 99 that depends only on a client (or manager) and a day.
CREATE OR REPLACE FUNCTION department.pick(id bigint, day integer, salt integer DEFAULT 0)
    RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
    RETURN ((hashint8(id * 1000003 + day * 101 + salt) & 2147483647) % 100)::integer;

CREATE OR REPLACE PROCEDURE department.at(ts timestamptz)
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT set_config('salesalgo.now', ts::text, false);
END;

CREATE OR REPLACE PROCEDURE department.generate(managers integer, days integer,
                                                first_day timestamptz DEFAULT '2026-01-05 00:00+00')
    LANGUAGE plpgsql
AS $$
DECLARE
    d integer;
    day_start timestamptz;
    leads bigint;
    ext record;
BEGIN
    -- a procedure that commits cannot have SET clauses: the session's
    -- settings change instead
    PERFORM set_config('search_path', 'pg_catalog, salesalgo, pg_temp', false);
    IF EXISTS (SELECT FROM client) OR EXISTS (SELECT FROM manager) THEN
        RAISE EXCEPTION 'department.generate() needs a database with no clients and no managers';
    END IF;
    PERFORM set_config('TimeZone', 'UTC', false);
    PERFORM set_config('salesalgo.now', (first_day + interval '7 hours')::text, false);
    INSERT INTO manager (id, name)
    SELECT m, 'manager ' || m FROM generate_series(1, managers) AS m;
    PERFORM setval('salesalgo.manager_id_seq', managers);
    COMMIT;

    FOR d IN 0 .. days - 1 LOOP
        day_start := first_day + d * interval '1 day';

        -- 08:00 leads for every free slot, handed out
        PERFORM set_config('salesalgo.now', (day_start + interval '8 hours')::text, false);
        SELECT coalesce(sum(greatest(coalesce(m.worklist_cap, s.default_worklist_cap) - m.in_work, 0)), 0)
        INTO leads
        FROM manager AS m CROSS JOIN settings AS s WHERE m.active;
        INSERT INTO client (name, size, attributes)
        SELECT 'company d' || d || '-' || g,
               (ARRAY['small', 'medium', 'medium', 'large']::client_size[])[1 + g % 4],
               jsonb_build_object('day', d)
        FROM generate_series(1, leads) AS g;
        PERFORM distribute_leads();

        -- 11:00 half of each worklist moves
        PERFORM set_config('salesalgo.now', (day_start + interval '11 hours')::text, false);
        UPDATE client AS x
        SET state = v.state,
            refusal_reason = CASE WHEN v.state = 'refusal' THEN v.refused_for END
        FROM (SELECT c.id, department.pick(c.id, d, 1) AS p, c.state AS old FROM client AS c
              WHERE c.manager_id IS NOT NULL AND in_worklist(c.state)
                AND department.pick(c.id, d) < 50
                -- one client in twenty stalls until its deadline
                AND department.pick(c.id, 0, 10) >= 5) AS w
        CROSS JOIN LATERAL (
            SELECT CASE w.old
                   WHEN 'new' THEN CASE WHEN w.p < 80 THEN 'contact_1' WHEN w.p < 90 THEN 'refusal'
                                        ELSE 'strategic_reserve' END
                   WHEN 'contact_1' THEN CASE WHEN w.p < 70 THEN 'contact_2' WHEN w.p < 85 THEN 'refusal'
                                              ELSE 'strategic_reserve' END
                   WHEN 'contact_2' THEN CASE WHEN w.p < 50 THEN 'contact_3' WHEN w.p < 75 THEN 'deal'
                                              ELSE 'refusal' END
                   ELSE CASE WHEN w.p < 60 THEN 'deal' ELSE 'refusal' END
                   END::client_state AS state,
                   CASE WHEN w.old = 'new' THEN 'other' WHEN w.old = 'contact_2' THEN 'crisis'
                        ELSE 'no_money' END AS refused_for
        ) AS v
        WHERE x.id = w.id;

        -- 12:00 deals go on
        PERFORM set_config('salesalgo.now', (day_start + interval '12 hours')::text, false);
        UPDATE client SET state = CASE state WHEN 'deal' THEN 'deal_support' ELSE 'client' END::client_state
        WHERE state IN ('deal', 'deal_support')
          AND department.pick(id, d, 2) < CASE state WHEN 'deal' THEN 50 ELSE 30 END;

        -- 13:00 recalls, and clients coming back into a worklist
        PERFORM set_config('salesalgo.now', (day_start + interval '13 hours')::text, false);
        UPDATE client SET state = 'recall', refusal_reason = NULL
        WHERE state = 'refusal' AND refusal_reason IN ('no_money', 'crisis', 'deadline')
          AND state_since <= day_start - interval '7 days'
          AND department.pick(id, d, 3) < 30;
        UPDATE client AS x SET state = 'contact_1'
        FROM (SELECT c.id, row_number() OVER (PARTITION BY c.manager_id ORDER BY c.id) AS n,
                     coalesce(m.worklist_cap, s.default_worklist_cap) - m.in_work AS free
              FROM client AS c JOIN manager AS m ON m.id = c.manager_id CROSS JOIN settings AS s
              WHERE c.state IN ('recall', 'strategic_reserve') AND m.active
                AND c.size <> 'nonprofile'
                AND department.pick(c.id, d, 4) < 20) AS w
        WHERE x.id = w.id AND w.n <= w.free;

        -- 14:00 reassignments: every fifth manager hands one client on
        PERFORM set_config('salesalgo.now', (day_start + interval '14 hours')::text, false);
        UPDATE client AS x SET manager_id = w.target
        FROM (SELECT DISTINCT ON (c.manager_id) c.id, t.id AS target
              FROM client AS c
              JOIN manager AS t ON t.id = c.manager_id % managers + 1
              CROSS JOIN settings AS s
              WHERE in_worklist(c.state) AND c.manager_id IS NOT NULL
                AND department.pick(c.manager_id, d, 5) < 20
                AND t.active AND t.id <> c.manager_id
                AND t.in_work < coalesce(t.worklist_cap, s.default_worklist_cap)
              ORDER BY c.manager_id, c.id) AS w
        WHERE x.id = w.id;

        -- 15:00 extensions
        PERFORM set_config('salesalgo.now', (day_start + interval '15 hours')::text, false);
        FOR ext IN SELECT cl.id, cl.deadline_at FROM client AS cl
                 WHERE cl.deadline_at IS NOT NULL AND cl.deadline_at > day_start + interval '15 hours'
                   AND department.pick(cl.id, d, 6) = 0
                   AND department.pick(cl.id, d, 7) < 50
                 ORDER BY cl.id LOOP
            PERFORM extend_deadline(ext.id, ext.deadline_at + interval '7 days', 'the client asked for a week');
        END LOOP;

        -- 16:00 deletions
        PERFORM set_config('salesalgo.now', (day_start + interval '16 hours')::text, false);
        DELETE FROM client
        WHERE (state = 'refusal' AND department.pick(id, d, 8) < 2)
           OR (in_worklist(state) AND manager_id IS NOT NULL
               AND department.pick(id, d, 8) = 99 AND department.pick(id, d, 9) < 20);

        -- 23:00 the night run
        PERFORM set_config('salesalgo.now', (day_start + interval '23 hours')::text, false);
        PERFORM sales_expire();
        COMMIT;
    END LOOP;
    PERFORM set_config('salesalgo.now', '', false);
END
$$;
