\echo Use "ALTER EXTENSION salesalgo UPDATE TO '1.2'" to load this file. \quit

/*
 * salesalgo 1.1 to 1.2
 *
 * 15. reliability: what one statement sees, and restores that are restores
 * 16. salesalgo's own writes run as the user who made the change
 * 17. live events opt-in, and an expiry nobody can postpone
 * 18. the surface: comparisons from any connection, BI and manager views
 * 19. platforms
 * A fresh install of 1.2 runs the 1.0 script and the updates in turn, so a
 * fresh database and an updated one can never differ.
 */

-- 15. Reliability

-- Trigger functions are salesalgo's own: nobody else attaches them to a
-- table (CREATE TRIGGER needs EXECUTE; firing does not), and each refuses,
-- in C, any table but its own.  What a trigger calls in turn as the user
-- who made the change (restoring_dump(), rule_key()) stays executable: it
-- reads nothing and writes nothing.
REVOKE EXECUTE ON FUNCTION salesalgo.client_rules(), salesalgo.client_log(),
    salesalgo.client_truncate(), salesalgo.manager_guard(),
    salesalgo.history_guard(), salesalgo.rules_changed(),
    salesalgo.keep_rule_row(), salesalgo.restore_removed_default(),
    salesalgo.check_rules() FROM PUBLIC;

COMMENT ON FUNCTION salesalgo.client_rules() IS
    'BEFORE row trigger on client: the kept columns and the deadline clock (R7, R8), and the checks of a move that need the old row (R2 to R5). Runs on salesalgo.client only.';
COMMENT ON FUNCTION salesalgo.client_log() IS
    'AFTER statement trigger on client: judges what the statement wrote (creations, R1, R3, R5), the worklist cap and active managers (R6), and the history rows (R9). Runs on salesalgo.client only.';


-- 16. Internal writes
--
-- The history rows and worklist counts are written by the C library as the
-- user who made the change (no schema change); only what restoring_dump()
-- recognizes changes its description.

COMMENT ON FUNCTION salesalgo.restoring_dump() IS
    'True in a session loading a dump: its session user a superuser, and the four settings pg_dump''s output makes all in force (check_function_bodies off, client_min_messages warning, row_security off, an empty search_path); its rows are loaded as they were.';


-- 17. Events and expiry

-- Live events are opt-in: NOTIFY takes a cluster-wide lock at commit and
-- holds it through the WAL flush, so every committing writer waits in one
-- line.  An updated database turns them off too, as a fresh one has them:
-- the DBA who wants them turns them on again (README, Live events).
ALTER TABLE salesalgo.settings ALTER COLUMN notify_events SET DEFAULT false;
-- A fresh install made the settings row in this very transaction: it is
-- told nothing.
DO $$
BEGIN
    IF EXISTS (SELECT FROM salesalgo.settings AS s
               WHERE s.notify_events
                 AND NOT s.xmin OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()::pg_catalog.xid) THEN
        RAISE NOTICE 'live events on channel salesalgo_events are now off'
            USING HINT = 'To keep them: UPDATE salesalgo.settings SET notify_events = true;';
    END IF;
    UPDATE salesalgo.settings AS s SET notify_events = false WHERE s.notify_events;
END
$$;
COMMENT ON COLUMN salesalgo.settings.notify_events IS
    'Ring a doorbell on channel salesalgo_events once per committed transaction that wrote history (off by default: NOTIFY serializes commits).';

ALTER TABLE salesalgo.settings
    ADD COLUMN expire_grace interval NOT NULL DEFAULT '10 minutes'
        CONSTRAINT settings_expire_grace_not_negative
        CHECK (expire_grace OPERATOR(pg_catalog.>=) interval '0'),
    ADD COLUMN expire_wait interval NOT NULL DEFAULT '1 second'
        CONSTRAINT settings_expire_wait_bounded
        CHECK (expire_wait OPERATOR(pg_catalog.>=) interval '0'
               AND expire_wait OPERATOR(pg_catalog.<=) interval '1 minute');
COMMENT ON COLUMN salesalgo.settings.expire_grace IS
    'How long past its deadline a client may stay in a worklist because another session holds its row or its manager''s row; after that sales_expire() waits for the row and ends a manager login''s session that holds it.';
COMMENT ON COLUMN salesalgo.settings.expire_wait IS
    'How long sales_expire() waits for each session that holds a client past the grace (at most a minute), before it ends a manager login''s session or gives up for this run.';

CREATE SEQUENCE salesalgo.expire_runs_id_seq AS bigint;
CREATE TABLE salesalgo.expire_runs (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.expire_runs_id_seq'),
    run_at timestamptz NOT NULL,
    as_of timestamptz NOT NULL,
    moved bigint NOT NULL,
    skipped bigint NOT NULL,
    overdue_past_grace bigint NOT NULL,
    sessions_ended integer NOT NULL,
    detail text
);
ALTER SEQUENCE salesalgo.expire_runs_id_seq OWNED BY salesalgo.expire_runs.id;
COMMENT ON TABLE salesalgo.expire_runs IS
    'One row per sales_expire() run, the last 1,000 runs: what it moved, what it had to leave and why. A log for monitoring, written by sales_expire() only; not dumped (a restored database starts a new log).';
COMMENT ON COLUMN salesalgo.expire_runs.run_at IS 'When the run ended (salesalgo.now()).';
COMMENT ON COLUMN salesalgo.expire_runs.as_of IS 'The run''s as_of: clients due at or before it were overdue.';
COMMENT ON COLUMN salesalgo.expire_runs.moved IS 'Clients moved out of their worklists.';
COMMENT ON COLUMN salesalgo.expire_runs.skipped IS 'Overdue clients left for a later run: another session held the client''s row or its manager''s row.';
COMMENT ON COLUMN salesalgo.expire_runs.overdue_past_grace IS 'Of the skipped, clients overdue by more than settings.expire_grace: a session that is no manager''s login held them longer than settings.expire_wait.';
COMMENT ON COLUMN salesalgo.expire_runs.sessions_ended IS 'Sessions of manager logins ended because they held a client overdue by more than the grace.';
COMMENT ON COLUMN salesalgo.expire_runs.detail IS 'Who held what, in words; NULL when nothing was held.';
REVOKE ALL ON salesalgo.expire_runs FROM PUBLIC;
REVOKE ALL ON SEQUENCE salesalgo.expire_runs_id_seq FROM PUBLIC;
GRANT SELECT ON salesalgo.expire_runs TO pg_monitor;

COMMENT ON FUNCTION salesalgo.sales_expire(timestamptz, integer) IS
    'Moves every client whose deadline is at or before as_of out of its worklist, to settings.expire_state and expire_reason; a held row is skipped for a run, but past settings.expire_grace it is waited for and a manager login''s session holding it is ended; logs the run in expire_runs; returns how many it moved.';

-- pg_cron records a job's outcome as its last result's row count ("12
-- rows") or command tag: one row per client the run expired is what makes
-- cron.job_run_details say how many.  The rest is in expire_runs.
CREATE FUNCTION salesalgo.expire_for_cron() RETURNS TABLE (expired bigint)
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT pg_catalog.generate_series(1::bigint, salesalgo.sales_expire());
END;
COMMENT ON FUNCTION salesalgo.expire_for_cron() IS
    'sales_expire() as pg_cron runs it: one row per client expired, so that cron.job_run_details.return_message reads "N rows" for N clients expired.';
REVOKE ALL ON FUNCTION salesalgo.expire_for_cron() FROM PUBLIC;

CREATE OR REPLACE FUNCTION salesalgo.expire_job_call(schedule text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    RETURN format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                  'salesalgo-expire', schedule,
                  'SELECT expired FROM salesalgo.expire_for_cron()', current_database());

CREATE OR REPLACE FUNCTION salesalgo.schedule_expire(schedule text DEFAULT '*/5 * * * *')
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
    elsewhere name;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname OPERATOR(pg_catalog.=) 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'pg_cron runs its jobs from the one database named by cron.database_name.',
                  HINT = 'Run this in the pg_cron database: ' || salesalgo.expire_job_call(schedule);
    END IF;
    -- One job per cluster (its name is pg_cron's key, with the user), and
    -- pg_cron would change its schedule but not its database: a job for
    -- another database is refused, not silently kept there.
    EXECUTE 'SELECT j.database FROM cron.job AS j'
            ' WHERE j.jobname OPERATOR(pg_catalog.=) $1'
            '   AND j.username OPERATOR(pg_catalog.=) CURRENT_USER'
            '   AND j.database OPERATOR(pg_catalog.<>) $2'
        INTO elsewhere
        USING 'salesalgo-expire', current_database();
    IF elsewhere IS NOT NULL THEN
        RAISE EXCEPTION 'the pg_cron job salesalgo-expire runs sales_expire() in database "%", not here', elsewhere
            USING ERRCODE = 'duplicate_object',
                  DETAIL = 'There is one job of that name per cluster, and scheduling it again would not move it to database "' || current_database() || '".',
                  HINT = 'To expire here instead, unschedule it first: SELECT cron.unschedule(''salesalgo-expire'');';
    END IF;
    -- pg_cron replaces a job of the same name and user
    EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
        INTO job
        USING 'salesalgo-expire', schedule, 'SELECT expired FROM salesalgo.expire_for_cron()',
              current_database();
    RETURN job;
END
$$;
COMMENT ON FUNCTION salesalgo.schedule_expire(text) IS
    'Creates or replaces the pg_cron job salesalgo-expire that runs sales_expire() here (through expire_for_cron(), so that the run''s message says how many it expired); returns its id. Refuses when the job runs in another database: one job per cluster.';


-- 18. The surface
--
-- 18a. States and sizes compare from any connection.  Their comparison
--    operators and min()/max() move to pg_catalog, as an enum's are: a
--    session finds them whatever its search_path (pg_catalog is searched
--    first unless a session names it later, and then only a superuser could
--    have put anything before it that is not its own), pg_dump never has to
--    qualify them (IS DISTINCT FROM, IN, NULLIF and simple CASE cannot be
--    qualified), and pg_upgrade, which restores with an empty search_path,
--    finds them.  They stay members of the extension: DROP EXTENSION drops
--    them.  The functions behind them stay in salesalgo.

CREATE OPERATOR pg_catalog.= (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_eq,
    COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
    HASHES, MERGES
);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_ne,
    COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_lt,
    COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_le,
    COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_gt,
    COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_ge,
    COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.=(salesalgo.client_size, salesalgo.client_size) IS 'equal';
COMMENT ON OPERATOR pg_catalog.<>(salesalgo.client_size, salesalgo.client_size) IS 'not equal';
COMMENT ON OPERATOR pg_catalog.<(salesalgo.client_size, salesalgo.client_size) IS 'earlier in the book''s order';
COMMENT ON OPERATOR pg_catalog.<=(salesalgo.client_size, salesalgo.client_size) IS 'earlier in the book''s order or equal';
COMMENT ON OPERATOR pg_catalog.>(salesalgo.client_size, salesalgo.client_size) IS 'later in the book''s order';
COMMENT ON OPERATOR pg_catalog.>=(salesalgo.client_size, salesalgo.client_size) IS 'later in the book''s order or equal';

CREATE OPERATOR pg_catalog.= (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_eq,
    COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
    HASHES, MERGES
);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_ne,
    COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_lt,
    COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_le,
    COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_gt,
    COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_ge,
    COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR pg_catalog.=(salesalgo.client_state, salesalgo.client_state) IS 'equal';
COMMENT ON OPERATOR pg_catalog.<>(salesalgo.client_state, salesalgo.client_state) IS 'not equal';
COMMENT ON OPERATOR pg_catalog.<(salesalgo.client_state, salesalgo.client_state) IS 'earlier in the book''s order';
COMMENT ON OPERATOR pg_catalog.<=(salesalgo.client_state, salesalgo.client_state) IS 'earlier in the book''s order or equal';
COMMENT ON OPERATOR pg_catalog.>(salesalgo.client_state, salesalgo.client_state) IS 'later in the book''s order';
COMMENT ON OPERATOR pg_catalog.>=(salesalgo.client_state, salesalgo.client_state) IS 'later in the book''s order or equal';

-- The operator classes are rebuilt around them.  An operator class cannot
-- swap its operators, so what uses the old ones goes first and comes back
-- after: the two unique keys of the rule tables, the check that a move
-- moves, the index of unassigned leads, min() and max().  An index a DBA
-- made on a state or a size stops the update here with PostgreSQL's own
-- error naming it; drop it, update, make it again.
ALTER TABLE salesalgo.transition_rule
    DROP CONSTRAINT transition_rule_key,
    DROP CONSTRAINT transition_rule_moves;
ALTER TABLE salesalgo.deadline_rule DROP CONSTRAINT deadline_rule_key;
DROP INDEX salesalgo.client_lead_idx;
DROP AGGREGATE salesalgo.min(salesalgo.client_size);
DROP AGGREGATE salesalgo.max(salesalgo.client_size);
DROP AGGREGATE salesalgo.min(salesalgo.client_state);
DROP AGGREGATE salesalgo.max(salesalgo.client_state);
DROP OPERATOR FAMILY salesalgo.client_size_ops USING btree;
DROP OPERATOR FAMILY salesalgo.client_size_ops USING hash;
DROP OPERATOR FAMILY salesalgo.client_state_ops USING btree;
DROP OPERATOR FAMILY salesalgo.client_state_ops USING hash;

CREATE OPERATOR CLASS salesalgo.client_size_ops
    DEFAULT FOR TYPE salesalgo.client_size USING btree AS
        OPERATOR 1 pg_catalog.<,
        OPERATOR 2 pg_catalog.<=,
        OPERATOR 3 pg_catalog.=,
        OPERATOR 4 pg_catalog.>=,
        OPERATOR 5 pg_catalog.>,
        FUNCTION 1 salesalgo.client_size_cmp(salesalgo.client_size, salesalgo.client_size),
        FUNCTION 4 pg_catalog.btequalimage(oid);
CREATE OPERATOR CLASS salesalgo.client_size_ops
    DEFAULT FOR TYPE salesalgo.client_size USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 salesalgo.client_size_hash(salesalgo.client_size),
        FUNCTION 2 salesalgo.client_size_hash_extended(salesalgo.client_size, bigint);
COMMENT ON OPERATOR CLASS salesalgo.client_size_ops USING btree IS
    'Default btree operator class for client_size: sorting, ranges, merge joins.';
COMMENT ON OPERATOR CLASS salesalgo.client_size_ops USING hash IS
    'Default hash operator class for client_size: hash joins, hash aggregation, hash partitioning.';
COMMENT ON OPERATOR FAMILY salesalgo.client_size_ops USING btree IS
    'The btree operator family of client_size: its operator class only.';
COMMENT ON OPERATOR FAMILY salesalgo.client_size_ops USING hash IS
    'The hash operator family of client_size: its operator class only.';

CREATE OPERATOR CLASS salesalgo.client_state_ops
    DEFAULT FOR TYPE salesalgo.client_state USING btree AS
        OPERATOR 1 pg_catalog.<,
        OPERATOR 2 pg_catalog.<=,
        OPERATOR 3 pg_catalog.=,
        OPERATOR 4 pg_catalog.>=,
        OPERATOR 5 pg_catalog.>,
        FUNCTION 1 salesalgo.client_state_cmp(salesalgo.client_state, salesalgo.client_state),
        FUNCTION 4 pg_catalog.btequalimage(oid);
CREATE OPERATOR CLASS salesalgo.client_state_ops
    DEFAULT FOR TYPE salesalgo.client_state USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 salesalgo.client_state_hash(salesalgo.client_state),
        FUNCTION 2 salesalgo.client_state_hash_extended(salesalgo.client_state, bigint);
COMMENT ON OPERATOR CLASS salesalgo.client_state_ops USING btree IS
    'Default btree operator class for client_state: sorting, ranges, merge joins.';
COMMENT ON OPERATOR CLASS salesalgo.client_state_ops USING hash IS
    'Default hash operator class for client_state: hash joins, hash aggregation, hash partitioning.';
COMMENT ON OPERATOR FAMILY salesalgo.client_state_ops USING btree IS
    'The btree operator family of client_state: its operator class only.';
COMMENT ON OPERATOR FAMILY salesalgo.client_state_ops USING hash IS
    'The hash operator family of client_state: its operator class only.';

CREATE AGGREGATE pg_catalog.min(salesalgo.client_size) (
    SFUNC = salesalgo.client_size_smaller, STYPE = salesalgo.client_size,
    COMBINEFUNC = salesalgo.client_size_smaller,
    SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE pg_catalog.min(salesalgo.client_size) IS 'The earliest client_size in the book''s order.';
CREATE AGGREGATE pg_catalog.max(salesalgo.client_size) (
    SFUNC = salesalgo.client_size_larger, STYPE = salesalgo.client_size,
    COMBINEFUNC = salesalgo.client_size_larger,
    SORTOP = OPERATOR(pg_catalog.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE pg_catalog.max(salesalgo.client_size) IS 'The latest client_size in the book''s order.';
CREATE AGGREGATE pg_catalog.min(salesalgo.client_state) (
    SFUNC = salesalgo.client_state_smaller, STYPE = salesalgo.client_state,
    COMBINEFUNC = salesalgo.client_state_smaller,
    SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE pg_catalog.min(salesalgo.client_state) IS 'The earliest client_state in the book''s order.';
CREATE AGGREGATE pg_catalog.max(salesalgo.client_state) (
    SFUNC = salesalgo.client_state_larger, STYPE = salesalgo.client_state,
    COMBINEFUNC = salesalgo.client_state_larger,
    SORTOP = OPERATOR(pg_catalog.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE pg_catalog.max(salesalgo.client_state) IS 'The latest client_state in the book''s order.';

ALTER TABLE salesalgo.transition_rule
    ADD CONSTRAINT transition_rule_key UNIQUE NULLS NOT DISTINCT (from_state, to_state),
    ADD CONSTRAINT transition_rule_moves CHECK (from_state OPERATOR(pg_catalog.<>) to_state);
ALTER TABLE salesalgo.deadline_rule
    ADD CONSTRAINT deadline_rule_key UNIQUE NULLS NOT DISTINCT (size, category_id);
-- the unassigned leads: what distribute_leads() reads
CREATE INDEX client_lead_idx ON salesalgo.client (id)
    WHERE state OPERATOR(pg_catalog.=) 'new' AND manager_id IS NULL;

-- 18b. The views, read by anyone granted SELECT on them, filter before a
--    caller's own conditions see a row (security_barrier): a cheap function
--    in a caller's WHERE clause sees only the rows the view returns.  The
--    funnel counts a client as converted when it reached any later state of
--    the path (contact_2 -> deal skips contact_3), and says apart how many
--    entered the next state itself.  CREATE OR REPLACE keeps every grant.

CREATE OR REPLACE VIEW salesalgo.pipeline WITH (security_barrier) AS
SELECT c.state,
       salesalgo.label(c.state) AS label,
       salesalgo.label(c.state, 'ru') AS label_ru,
       salesalgo.in_worklist(c.state) AS in_worklist,
       count(*) AS clients,
       round(count(*)::numeric / sum(count(*)) OVER (), 4) AS share
FROM salesalgo.client AS c
GROUP BY c.state
ORDER BY c.state;
COMMENT ON VIEW salesalgo.pipeline IS
    'Clients per state, for the states that have clients, in the pipeline''s order; share of all clients, 0 to 1.';

CREATE OR REPLACE VIEW salesalgo.worklist WITH (security_barrier) AS
SELECT m.id AS manager_id,
       m.name,
       m.login,
       m.active,
       m.in_work,
       coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
       greatest(coalesce(m.worklist_cap, s.default_worklist_cap) - m.in_work, 0) AS free,
       round(m.in_work::numeric / coalesce(m.worklist_cap, s.default_worklist_cap), 4) AS load,
       o.overdue,
       d.next_deadline
FROM salesalgo.manager AS m
CROSS JOIN salesalgo.settings AS s
-- both read the index of a manager's clients by deadline, a few entries each
LEFT JOIN LATERAL (
    SELECT count(*) AS overdue FROM salesalgo.client AS c
    WHERE c.manager_id = m.id AND c.deadline_at <= salesalgo.now()
) AS o ON true
LEFT JOIN LATERAL (
    SELECT min(c.deadline_at) AS next_deadline FROM salesalgo.client AS c
    WHERE c.manager_id = m.id AND c.deadline_at IS NOT NULL
) AS d ON true
ORDER BY m.id;
COMMENT ON VIEW salesalgo.worklist IS
    'Each manager''s worklist: clients in work, cap, free slots, load (in_work / cap), clients past their deadline, the earliest running deadline.';

CREATE OR REPLACE VIEW salesalgo.overdue WITH (security_barrier) AS
SELECT c.id AS client_id,
       c.name,
       c.size,
       c.manager_id,
       m.name AS manager_name,
       c.state,
       c.deadline_at,
       salesalgo.now() - c.deadline_at AS overdue_by
FROM salesalgo.client AS c
LEFT JOIN salesalgo.manager AS m ON m.id = c.manager_id
WHERE c.deadline_at <= salesalgo.now()
ORDER BY c.deadline_at, c.id;
COMMENT ON VIEW salesalgo.overdue IS
    'Clients past their deadline that sales_expire() has not moved yet.';

CREATE OR REPLACE VIEW salesalgo.funnel WITH (security_barrier) AS
WITH path (step, state) AS (
    VALUES (1, 'new'::salesalgo.client_state), (2, 'contact_1'), (3, 'contact_2'),
           (4, 'contact_3'), (5, 'deal'), (6, 'deal_support'), (7, 'client')
), entered AS (
    -- each client's steps of the path, as bits
    SELECT h.client_id, bit_or(1 << p.step) AS steps
    FROM salesalgo.client_history AS h
    JOIN path AS p ON p.state = h.to_state
    WHERE h.from_state IS DISTINCT FROM h.to_state
    GROUP BY h.client_id
), counted AS (
    SELECT p.step, p.state,
           count(e.client_id) FILTER (WHERE e.steps & (1 << p.step) <> 0) AS reached,
           -- any bit above this step's: a later state of the path
           CASE WHEN p.step < 7 THEN
               count(e.client_id) FILTER (WHERE e.steps & (1 << p.step) <> 0
                                            AND e.steps >> (p.step + 1) <> 0)
           END AS converted,
           CASE WHEN p.step < 7 THEN
               count(e.client_id) FILTER (WHERE e.steps & (1 << p.step) <> 0
                                            AND e.steps & (1 << (p.step + 1)) <> 0)
           END AS entered_next
    FROM path AS p
    LEFT JOIN entered AS e ON true
    GROUP BY p.step, p.state
)
SELECT step, state, salesalgo.label(state) AS label, reached, converted,
       round(converted::numeric / nullif(reached, 0), 4) AS conversion,
       entered_next
FROM counted
ORDER BY step;
COMMENT ON VIEW salesalgo.funnel IS
    'The main path new to client: clients that ever entered each state, how many of them ever entered a later state of the path (converted; contact_2 -> deal skips contact_3), the ratio, and how many entered the next state of the path itself (entered_next).';

CREATE OR REPLACE VIEW salesalgo.stage_time WITH (security_barrier) AS
WITH changes AS (
    SELECT h.to_state AS state,
           h.changed_at AS entered_at,
           lead(h.changed_at) OVER (PARTITION BY h.client_id ORDER BY h.id) AS left_at
    FROM salesalgo.client_history AS h
    WHERE h.from_state IS DISTINCT FROM h.to_state
), stays AS (
    SELECT state, left_at - entered_at AS stay
    FROM changes
    WHERE state IS NOT NULL AND left_at IS NOT NULL
)
SELECT s.state,
       salesalgo.label(s.state) AS label,
       count(t.stay) AS stays,
       avg(t.stay) AS average,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.stay) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.stay) AS p90
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS s (state)
LEFT JOIN stays AS t ON t.state = s.state
GROUP BY s.state
ORDER BY s.state;
COMMENT ON VIEW salesalgo.stage_time IS
    'Time spent in each state, in the pipeline''s order (the type''s, not the label''s), over finished stays: from entering the state to the next change of state or deletion.';

-- Nothing uses salesalgo's own operators any more: one set of comparisons,
-- found by every session.
DROP OPERATOR salesalgo.= (salesalgo.client_size, salesalgo.client_size);
DROP OPERATOR salesalgo.<> (salesalgo.client_size, salesalgo.client_size);
DROP OPERATOR salesalgo.< (salesalgo.client_size, salesalgo.client_size);
DROP OPERATOR salesalgo.<= (salesalgo.client_size, salesalgo.client_size);
DROP OPERATOR salesalgo.> (salesalgo.client_size, salesalgo.client_size);
DROP OPERATOR salesalgo.>= (salesalgo.client_size, salesalgo.client_size);
DROP OPERATOR salesalgo.= (salesalgo.client_state, salesalgo.client_state);
DROP OPERATOR salesalgo.<> (salesalgo.client_state, salesalgo.client_state);
DROP OPERATOR salesalgo.< (salesalgo.client_state, salesalgo.client_state);
DROP OPERATOR salesalgo.<= (salesalgo.client_state, salesalgo.client_state);
DROP OPERATOR salesalgo.> (salesalgo.client_state, salesalgo.client_state);
DROP OPERATOR salesalgo.>= (salesalgo.client_state, salesalgo.client_state);

-- 18c. Only the extension's owner decides whom row-level security binds.
--    manager.login binds a login to a manager's clients; a head of sales
--    may edit managers, so setting, changing or clearing a login (and
--    deleting a manager that has one) is for the extension's owner or a
--    superuser.  A role given the head or bi kind is never bound, whatever
--    manager.login says.

CREATE FUNCTION salesalgo.login_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    old_login name;
    new_login name;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        old_login := OLD.login;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        new_login := NEW.login;
    END IF;
    IF old_login IS NOT DISTINCT FROM new_login
       OR (SELECT r.rolsuper FROM pg_catalog.pg_roles AS r
           WHERE r.rolname OPERATOR(pg_catalog.=) CURRENT_USER)
       OR EXISTS (SELECT FROM pg_catalog.pg_extension AS e
                  WHERE e.extname OPERATOR(pg_catalog.=) 'salesalgo'
                    AND pg_catalog.pg_has_role(CURRENT_USER, e.extowner, 'MEMBER')) THEN
        RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'permission denied to bind a login to a manager'
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = pg_catalog.format('Manager %s''s login would change from %s to %s; the login decides whose clients row-level security lets a role see.',
                                         CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD.id ELSE NEW.id END,
                                         coalesce(old_login::text, 'none'), coalesce(new_login::text, 'none')),
              HINT = 'Ask the owner of extension salesalgo to set manager.login, or to give the role access with salesalgo.grant_access().';
END
$$;
COMMENT ON FUNCTION salesalgo.login_guard() IS
    'BEFORE trigger on manager: only the extension''s owner or a superuser sets, changes or clears manager.login, or deletes a manager that has one.';
REVOKE ALL ON FUNCTION salesalgo.login_guard() FROM PUBLIC;
CREATE TRIGGER login_guard
    BEFORE INSERT OR UPDATE OF login OR DELETE ON salesalgo.manager
    FOR EACH ROW EXECUTE FUNCTION salesalgo.login_guard();
COMMENT ON TRIGGER login_guard ON salesalgo.manager IS
    'Only the extension''s owner or a superuser decides which logins row-level security binds to a manager.';

CREATE OR REPLACE FUNCTION salesalgo.login_scope(login name) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    own bigint;
BEGIN
    -- a head of sales or a BI role is bound by nothing
    IF EXISTS (SELECT FROM salesalgo.access_role AS a
               WHERE a.kind OPERATOR(pg_catalog.=) ANY (ARRAY['head', 'bi'])
                 AND pg_catalog.pg_has_role(login_scope.login, a.role, 'MEMBER')) THEN
        RETURN NULL;
    END IF;
    SELECT m.id INTO own FROM salesalgo.manager AS m
    WHERE m.login OPERATOR(pg_catalog.=) login_scope.login;
    IF own IS NOT NULL THEN
        RETURN own;
    END IF;
    IF EXISTS (SELECT FROM salesalgo.access_role AS a
               WHERE a.kind OPERATOR(pg_catalog.=) 'manager'
                 AND pg_catalog.pg_has_role(login_scope.login, a.role, 'MEMBER')) THEN
        RETURN 0;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION salesalgo.login_scope(name) IS
    'Whose clients a role sees: NULL for every client its privileges allow (a head of sales, a BI role, any role that is no manager''s login), the manager''s id for a manager''s login (manager.login, or a member of a role granted the manager kind), 0 (no one''s) for such a member with no manager row.';

-- 18d. Deadline rules outlive nobody's category: deleting a category that a
--    rule names is refused, whoever does it (a head of sales may delete
--    categories, not the DBA's rules).
ALTER TABLE salesalgo.deadline_rule
    DROP CONSTRAINT deadline_rule_category_id_fkey,
    ADD CONSTRAINT deadline_rule_category_id_fkey FOREIGN KEY (category_id)
        REFERENCES salesalgo.category ON DELETE RESTRICT;
COMMENT ON CONSTRAINT deadline_rule_category_id_fkey ON salesalgo.deadline_rule IS
    'A category that deadline rules name cannot be deleted: delete or change the rules first.';



-- 19. Platforms



-- 20. Size rules: a client's size from its attributes
--
--    The book: "define the parameters of a medium client", and recognise the
--    clients outside the profile.  A DBA writes the rules; an INSERT without
--    a size takes the size they give (C, client_rules, from the statement's
--    pinned rules), a size given by hand is kept.  Installed empty: a
--    department that types sizes keeps doing so.

ALTER TABLE salesalgo.category
    ADD COLUMN in_profile boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN salesalgo.category.in_profile IS
    'False for a category outside the department''s profile: its clients whose size the size rules give are nonprofile whatever their attributes, and never enter a worklist (R5); a size given by hand is kept.';

ALTER TABLE salesalgo.client
    ADD COLUMN size_derived boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN salesalgo.client.size IS
    'Given by hand, or, when an INSERT leaves it out or NULL, by the size rules (salesalgo.size_rule).';
COMMENT ON COLUMN salesalgo.client.size_derived IS
    'True when the size rules gave the size (reclassify() re-applies them to these clients only); false when it was given by hand. Kept by salesalgo.';

ALTER TABLE salesalgo.client_history
    ADD COLUMN from_size salesalgo.client_size,
    ADD COLUMN to_size salesalgo.client_size,
    ADD COLUMN size_derived boolean;
COMMENT ON COLUMN salesalgo.client_history.from_size IS
    'The client''s size before the change; NULL for a creation, and in rows written before 1.2.';
COMMENT ON COLUMN salesalgo.client_history.to_size IS
    'The client''s size after the change; NULL for a deletion, and in rows written before 1.2.';
COMMENT ON COLUMN salesalgo.client_history.size_derived IS
    'After the change: true when the size rules gave the size, false when it was given by hand; NULL for a deletion and before 1.2.';
COMMENT ON COLUMN salesalgo.client_history.source IS
    'What made the change: sql, sales_expire, extend_deadline, distribute_leads, reclassify, truncate.';

CREATE SEQUENCE salesalgo.size_rule_id_seq AS bigint;
CREATE TABLE salesalgo.size_rule (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.size_rule_id_seq'),
    size salesalgo.client_size NOT NULL,
    category_id bigint
        CONSTRAINT size_rule_category_id_fkey REFERENCES salesalgo.category ON DELETE RESTRICT,
    condition pg_catalog.jsonpath NOT NULL
);
ALTER SEQUENCE salesalgo.size_rule_id_seq OWNED BY salesalgo.size_rule.id;
COMMENT ON TABLE salesalgo.size_rule IS
    'What makes a client large, medium, small or nonprofile (book, step 5): a client whose attributes satisfy condition (attributes @@ condition) is of that size. Rules of the client''s category come before rules for any category (category_id NULL), the larger size first.';
COMMENT ON COLUMN salesalgo.size_rule.size IS 'The size a client that satisfies the condition is of.';
COMMENT ON COLUMN salesalgo.size_rule.category_id IS 'The category the rule is for; NULL for any category.';
COMMENT ON COLUMN salesalgo.size_rule.condition IS
    'A jsonpath predicate over the client''s attributes, such as ''$.revenue >= 500000000 || $.employees >= 250''; a condition that cannot be decided for a client (a missing attribute) does not match.';
COMMENT ON CONSTRAINT size_rule_category_id_fkey ON salesalgo.size_rule IS
    'A category that size rules name cannot be deleted: delete or change the rules first.';
REVOKE ALL ON salesalgo.size_rule FROM PUBLIC;
REVOKE ALL ON SEQUENCE salesalgo.size_rule_id_seq FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('salesalgo.size_rule', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.size_rule_id_seq', '');

CREATE FUNCTION salesalgo.size_rule_check() RETURNS trigger
    AS 'MODULE_PATHNAME', 'size_rule_check'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.size_rule_check() IS
    'BEFORE row trigger on size_rule: a condition that is not a predicate is refused when the rule is written (22023). Runs on salesalgo.size_rule only.';
REVOKE ALL ON FUNCTION salesalgo.size_rule_check() FROM PUBLIC;
CREATE TRIGGER size_rule_check BEFORE INSERT OR UPDATE ON salesalgo.size_rule
    FOR EACH ROW EXECUTE FUNCTION salesalgo.size_rule_check();
COMMENT ON TRIGGER size_rule_check ON salesalgo.size_rule IS
    'A size rule''s condition is a predicate.';

-- the size rules and the profile are rules: every session sees a change
-- when it commits, from its next statement
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.size_rule
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();
COMMENT ON TRIGGER rules_changed ON salesalgo.size_rule IS
    'Every backend reloads its rules cache when a change of the size rules commits.';
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.category
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();
COMMENT ON TRIGGER rules_changed ON salesalgo.category IS
    'Every backend reloads its rules cache when a change of the categories (in_profile) commits.';

CREATE FUNCTION salesalgo.classify(attributes pg_catalog.jsonb, category_id bigint DEFAULT NULL)
    RETURNS salesalgo.client_size
    AS 'MODULE_PATHNAME', 'classify'
    LANGUAGE C STABLE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.classify(jsonb, bigint) IS
    'The size the size rules give a client with these attributes in this category (NULL: any category): nonprofile for a category out of profile; NULL when no rule matches. The decision an INSERT without a size makes.';
REVOKE ALL ON FUNCTION salesalgo.classify(jsonb, bigint) FROM PUBLIC;

CREATE FUNCTION salesalgo.reclassify(client_ids bigint[] DEFAULT NULL) RETURNS bigint
    AS 'MODULE_PATHNAME', 'reclassify'
    LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.reclassify(bigint[]) IS
    'Re-applies the size rules to the clients whose size they gave (all, or those of client_ids): a change is history (source reclassify), and a client made nonprofile in a worklist is refused for reason nonprofile. Returns how many clients changed.';
REVOKE ALL ON FUNCTION salesalgo.reclassify(bigint[]) FROM PUBLIC;

-- 21. The recall pool, early warning, managers' own views
--
-- 21a. A soft refusal is a refusal "with further work" (the book's
--    обзвон): its reason says how long the client waits before it returns
--    to the recall pool.  A hard refusal is final (R4), so it never recalls.
--    A DBA who made an installed reason hard keeps it so.
--    An interval keeps months, days and time apart, and compares them as one
--    (a month as 30 days): '1 mon -29 days' is "positive" and yet, from the
--    31st of January, waits no time at all.  So each of the three parts is
--    checked on its own (date_trunc cuts an interval down to its months, or
--    to its months and days).  The bound keeps sales_recall()'s cut-off,
--    as_of minus the wait, inside timestamptz.

ALTER TABLE salesalgo.refusal_reason
    ADD COLUMN recall_after interval
        CONSTRAINT refusal_reason_recall_after_positive
        CHECK (recall_after OPERATOR(pg_catalog.>) interval '0'
               AND pg_catalog.date_trunc('month', recall_after) OPERATOR(pg_catalog.>=) interval '0'
               AND pg_catalog.date_trunc('day', recall_after)
                   OPERATOR(pg_catalog.-) pg_catalog.date_trunc('month', recall_after)
                   OPERATOR(pg_catalog.>=) interval '0'
               AND recall_after OPERATOR(pg_catalog.-) pg_catalog.date_trunc('day', recall_after)
                   OPERATOR(pg_catalog.>=) interval '0')
        CONSTRAINT refusal_reason_recall_after_at_most_10_years
        CHECK (recall_after OPERATOR(pg_catalog.<=) interval '10 years'),
    ADD CONSTRAINT refusal_reason_hard_never_recalled
        CHECK (recall_after IS NULL OR NOT hard);
COMMENT ON COLUMN salesalgo.refusal_reason.recall_after IS
    'How long a client refused for this reason stays in refusal before sales_recall() moves it to the recall pool; NULL never. Only soft reasons recall.';
COMMENT ON CONSTRAINT refusal_reason_recall_after_positive ON salesalgo.refusal_reason IS
    'A recall comes after the refusal, not before or with it: the wait is positive and none of its months, days or time counts backwards.';
COMMENT ON CONSTRAINT refusal_reason_recall_after_at_most_10_years ON salesalgo.refusal_reason IS
    'A recall comes within 10 years of the refusal (3600 days: PostgreSQL compares a month as 30 days).';
COMMENT ON CONSTRAINT refusal_reason_hard_never_recalled ON salesalgo.refusal_reason IS
    'A hard refusal is final: a hard reason has no recall_after.';
UPDATE salesalgo.refusal_reason AS r
SET recall_after = v.recall_after
FROM (VALUES ('no_money', interval '90 days'), ('crisis', interval '180 days'),
             ('deadline', interval '30 days')) AS v (code, recall_after)
WHERE r.code OPERATOR(pg_catalog.=) v.code AND NOT r.hard;

-- When a client entered refusal is its state_since: the clients due for
-- recall are a range of this index per reason, whatever the table's size.
CREATE INDEX client_refusal_idx ON salesalgo.client (refusal_reason, state_since, id)
    WHERE state OPERATOR(pg_catalog.=) 'refusal';
COMMENT ON INDEX salesalgo.client_refusal_idx IS
    'The refused clients by reason and time of refusal: what sales_recall() reads.';
-- a manager's recall pool: the worklist view counts it
CREATE INDEX client_recall_idx ON salesalgo.client (manager_id)
    WHERE state OPERATOR(pg_catalog.=) 'recall';
COMMENT ON INDEX salesalgo.client_recall_idx IS
    'The clients in the recall pool by manager: what the worklist view counts.';

CREATE FUNCTION salesalgo.sales_recall(as_of timestamptz DEFAULT salesalgo.now())
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'sales_recall'
    LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.sales_recall(timestamptz) IS
    'Moves every client in refusal whose reason''s recall_after has passed by as_of since it entered refusal to recall (the recall pool), keeping its manager; skips rows other sessions hold, for the next run; returns how many it moved.';
REVOKE ALL ON FUNCTION salesalgo.sales_recall(timestamptz) FROM PUBLIC;

-- The scheduled job (schedule_expire()) runs expire_for_cron(): it recalls
-- too.  The expiry comes first and is kept whatever happens to the recall,
-- which a later run retries; the job's message still counts the clients
-- expired.
CREATE OR REPLACE FUNCTION salesalgo.expire_for_cron() RETURNS TABLE (expired bigint)
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    moved bigint := salesalgo.sales_expire();
    code text;
    message text;
BEGIN
    BEGIN
        PERFORM salesalgo.sales_recall();
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        RAISE WARNING 'sales_recall() failed in the scheduled run, the expiry was kept: %', message
            USING DETAIL = pg_catalog.format('SQLSTATE %s.', code),
                  HINT = 'Run SELECT salesalgo.sales_recall(); to see the whole error.';
    END;
    RETURN QUERY SELECT pg_catalog.generate_series(1::bigint, moved);
END
$$;
COMMENT ON FUNCTION salesalgo.expire_for_cron() IS
    'What the pg_cron job salesalgo-expire runs: sales_expire(), then sales_recall() (a failed recall is a WARNING and leaves the expiry done); one row per client expired, so that cron.job_run_details.return_message reads "N rows" for N clients expired.';

-- 21b. Early warning: the clients whose deadline comes within
--    settings.warn_before, before it arrives.

--    Its parts are checked one by one, as recall_after's are.  The views
--    add it to now(): the bound keeps that inside timestamptz (but at the
--    end of time, where the views take the window to run to infinity).

ALTER TABLE salesalgo.settings
    ADD COLUMN warn_before interval NOT NULL DEFAULT '3 days'
        CONSTRAINT settings_warn_before_not_negative
        CHECK (pg_catalog.date_trunc('month', warn_before) OPERATOR(pg_catalog.>=) interval '0'
               AND pg_catalog.date_trunc('day', warn_before)
                   OPERATOR(pg_catalog.-) pg_catalog.date_trunc('month', warn_before)
                   OPERATOR(pg_catalog.>=) interval '0'
               AND warn_before OPERATOR(pg_catalog.-) pg_catalog.date_trunc('day', warn_before)
                   OPERATOR(pg_catalog.>=) interval '0')
        CONSTRAINT settings_warn_before_at_most_a_year
        CHECK (warn_before OPERATOR(pg_catalog.<=) interval '1 year');
COMMENT ON COLUMN salesalgo.settings.warn_before IS
    'How long before a client''s deadline it is listed in due_soon and counted in worklist.due_soon.';
COMMENT ON CONSTRAINT settings_warn_before_not_negative ON salesalgo.settings IS
    'The early warning comes before the deadline: none of its months, days or time counts backwards.';
COMMENT ON CONSTRAINT settings_warn_before_at_most_a_year ON salesalgo.settings IS
    'The early warning comes at most a year (360 days: PostgreSQL compares a month as 30 days) before the deadline.';

-- 21c. The views a manager's login reads, its own rows only.  They keep
--    running as their owner, so a BI role needs no table, and filter as the
--    policies do: login_scope() is NULL for a head of sales, a BI role and
--    any role that is no manager's login, who see every row as before.
--    security_barrier: the filter runs before any function a caller puts in
--    WHERE sees a row.  worklist keeps its columns and gains two at the end.

CREATE VIEW salesalgo.due_soon WITH (security_barrier) AS
SELECT c.id AS client_id,
       c.name,
       c.size,
       c.manager_id,
       m.name AS manager_name,
       c.state,
       c.deadline_at,
       c.deadline_at OPERATOR(pg_catalog.-) salesalgo.now() AS due_in
FROM salesalgo.client AS c
LEFT JOIN salesalgo.manager AS m ON m.id OPERATOR(pg_catalog.=) c.manager_id
-- a range of the deadline index
-- the window's end is computed once; where now() plus warn_before would
-- leave timestamptz (the last year of it, or a warn_before past its bound)
-- the window runs to infinity instead of failing for every reader
WHERE c.deadline_at OPERATOR(pg_catalog.>) salesalgo.now()
  AND c.deadline_at OPERATOR(pg_catalog.<=)
      (SELECT CASE WHEN s.warn_before OPERATOR(pg_catalog.<=) interval '1 year'
                    AND salesalgo.now() OPERATOR(pg_catalog.<) timestamptz '294275-01-01 00:00+00'
              THEN salesalgo.now() OPERATOR(pg_catalog.+) s.warn_before
              ELSE timestamptz 'infinity' END
       FROM salesalgo.settings AS s)
  AND coalesce((SELECT salesalgo.login_scope(CURRENT_USER)), c.manager_id)
      IS NOT DISTINCT FROM c.manager_id
ORDER BY c.deadline_at, c.id;
COMMENT ON VIEW salesalgo.due_soon IS
    'Clients in a worklist whose deadline comes within settings.warn_before: the early warning before sales_expire() takes them. A manager''s login sees its own clients only.';

CREATE OR REPLACE VIEW salesalgo.worklist WITH (security_barrier) AS
SELECT m.id AS manager_id,
       m.name,
       m.login,
       m.active,
       m.in_work,
       coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
       greatest(coalesce(m.worklist_cap, s.default_worklist_cap) OPERATOR(pg_catalog.-) m.in_work, 0) AS free,
       round(m.in_work::numeric OPERATOR(pg_catalog./) coalesce(m.worklist_cap, s.default_worklist_cap), 4) AS load,
       o.overdue,
       d.next_deadline,
       w.due_soon,
       r.recall
FROM salesalgo.manager AS m
CROSS JOIN salesalgo.settings AS s
-- the first three read the index of a manager's clients by deadline, a few
-- entries each; the recall pool has an index of its own
LEFT JOIN LATERAL (
    SELECT count(*) AS overdue FROM salesalgo.client AS c
    WHERE c.manager_id OPERATOR(pg_catalog.=) m.id
      AND c.deadline_at OPERATOR(pg_catalog.<=) salesalgo.now()
) AS o ON true
LEFT JOIN LATERAL (
    SELECT min(c.deadline_at) AS next_deadline FROM salesalgo.client AS c
    WHERE c.manager_id OPERATOR(pg_catalog.=) m.id AND c.deadline_at IS NOT NULL
) AS d ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS due_soon FROM salesalgo.client AS c
    WHERE c.manager_id OPERATOR(pg_catalog.=) m.id
      AND c.deadline_at OPERATOR(pg_catalog.>) salesalgo.now()
      -- as in due_soon: the window's end never leaves timestamptz
      AND c.deadline_at OPERATOR(pg_catalog.<=)
          CASE WHEN s.warn_before OPERATOR(pg_catalog.<=) interval '1 year'
                AND salesalgo.now() OPERATOR(pg_catalog.<) timestamptz '294275-01-01 00:00+00'
          THEN salesalgo.now() OPERATOR(pg_catalog.+) s.warn_before
          ELSE timestamptz 'infinity' END
) AS w ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS recall FROM salesalgo.client AS c
    WHERE c.manager_id OPERATOR(pg_catalog.=) m.id
      AND c.state OPERATOR(pg_catalog.=) 'recall'
) AS r ON true
WHERE coalesce((SELECT salesalgo.login_scope(CURRENT_USER)), m.id) OPERATOR(pg_catalog.=) m.id
ORDER BY m.id;
COMMENT ON VIEW salesalgo.worklist IS
    'Each manager''s worklist: clients in work, cap, free slots, load (in_work / cap), clients past their deadline, the earliest running deadline, clients due within settings.warn_before, clients in its recall pool. A manager''s login sees its own row only.';

CREATE OR REPLACE VIEW salesalgo.overdue WITH (security_barrier) AS
SELECT c.id AS client_id,
       c.name,
       c.size,
       c.manager_id,
       m.name AS manager_name,
       c.state,
       c.deadline_at,
       salesalgo.now() OPERATOR(pg_catalog.-) c.deadline_at AS overdue_by
FROM salesalgo.client AS c
LEFT JOIN salesalgo.manager AS m ON m.id OPERATOR(pg_catalog.=) c.manager_id
WHERE c.deadline_at OPERATOR(pg_catalog.<=) salesalgo.now()
  AND coalesce((SELECT salesalgo.login_scope(CURRENT_USER)), c.manager_id)
      IS NOT DISTINCT FROM c.manager_id
ORDER BY c.deadline_at, c.id;
COMMENT ON VIEW salesalgo.overdue IS
    'Clients past their deadline that sales_expire() has not moved yet. A manager''s login sees its own clients only.';

-- 22. Reports at a department's size.  The trial report reads the period's
--    history (by the changed_at index) and not the whole of it: the load at
--    the period's start is each manager's in_work now less the changes made
--    since, which check() keeps honest (history_chain, history_current and
--    worklist_count together say the history adds up to in_work): a report
--    reads the history from its start to now, not the whole history.  Each
--    deal's last entry into a worklist comes from that client's own history
--    (by the client_id index).  The reports turn JIT off: their cost
--    estimates on a small department made JIT compile for seconds.

-- report_facts(), what both trial reports read of the history: section 25.

-- The period's checks, for both reports.
CREATE FUNCTION salesalgo.report_period(report text, from_ts timestamptz, to_ts timestamptz)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'the period of a % cannot be NULL', pg_catalog.replace(report, '_', ' ')
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give both ends, for example now() - interval ''30 days'' and now().';
    END IF;
    IF to_ts OPERATOR(pg_catalog.<=) from_ts THEN
        RAISE EXCEPTION 'the period of a % must end after it starts', pg_catalog.replace(report, '_', ' ')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('It runs from %s to %s.', from_ts, to_ts),
                  HINT = pg_catalog.format('Give the start first: %s(from_ts, to_ts), from_ts inclusive, to_ts exclusive.', report);
    END IF;
    -- the load is sampled once a day: an endless period would never end
    IF NOT pg_catalog.isfinite(from_ts) OR NOT pg_catalog.isfinite(to_ts) THEN
        RAISE EXCEPTION 'the period of a % must have finite ends', pg_catalog.replace(report, '_', ' ')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('It runs from %s to %s.', from_ts, to_ts),
                  HINT = 'Give dates, for example now() - interval ''30 days'' and now().';
    END IF;
END
$$;
COMMENT ON FUNCTION salesalgo.report_period(text, timestamptz, timestamptz) IS
    'Refuses a period that is NULL (22004), ends before it starts, or has an infinite end (22023), naming the report (its function''s name).';
REVOKE ALL ON FUNCTION salesalgo.report_period(text, timestamptz, timestamptz) FROM PUBLIC;

-- trial_report(), with conversion: section 25.

CREATE FUNCTION salesalgo.trial_series(from_ts timestamptz, to_ts timestamptz,
                                       bucket interval DEFAULT '1 week')
    RETURNS TABLE (bucket_start timestamptz, manager_id bigint, taken_into_work bigint,
                   deals bigint, refusals bigint, expired bigint, recalled bigint,
                   avg_load numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, salesalgo, pg_temp
    SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    starts timestamptz[];
    samples timestamptz[];
BEGIN
    PERFORM report_period('trial_series', from_ts, to_ts);
    IF bucket IS NULL THEN
        RAISE EXCEPTION 'the bucket of a trial series cannot be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give an interval, for example interval ''1 week'', or leave it out.';
    END IF;
    IF bucket <= interval '0' OR from_ts + bucket <= from_ts THEN
        RAISE EXCEPTION 'the bucket of a trial series must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The bucket is %s.', bucket),
                  HINT = 'Give an interval such as interval ''1 day'', ''1 week'' or ''1 month''.';
    END IF;
    -- a bucket that cuts the period into more rows than a chart can show is
    -- a typing error, not a report
    IF (SELECT count(*) FROM (SELECT FROM generate_series(from_ts, to_ts, bucket) AS b
                              WHERE b < to_ts LIMIT 10001) AS b) > 10000 THEN
        RAISE EXCEPTION 'a trial series of more than 10000 buckets is not drawn'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('From %s to %s in buckets of %s.', from_ts, to_ts, bucket),
                  HINT = 'Give a larger bucket or a shorter period.';
    END IF;
    starts := ARRAY(SELECT b FROM generate_series(from_ts, to_ts, bucket) AS b WHERE b < to_ts);
    -- each bucket is sampled once a day from its start, within the bucket
    -- and the period
    samples := ARRAY(
        SELECT t FROM unnest(starts) AS s (b)
        CROSS JOIN LATERAL generate_series(s.b, least(s.b + bucket, to_ts), interval '1 day') AS t
        WHERE t < least(s.b + bucket, to_ts)
        ORDER BY t);
    RETURN QUERY
    WITH facts AS MATERIALIZED (
        SELECT * FROM report_facts(from_ts, to_ts, starts, samples)
    ), hires AS (
        SELECT * FROM report_hires()
    ), counts AS (
        SELECT f.bucket, f.manager_id, f.total, sum(f.deals) AS deals, sum(f.refused) AS refusals,
               sum(f.expired) AS expired, sum(f.recalled) AS recalled
        FROM facts AS f WHERE f.kind = 'moves'
        GROUP BY f.bucket, f.manager_id, f.total
    ), taken AS (
        SELECT f.bucket, f.manager_id, f.total, f.n AS taken_into_work FROM facts AS f WHERE f.kind = 'taken'
    ), in_work AS (
        SELECT x.manager_id, x.k,
               sum(sum(x.delta)) OVER (PARTITION BY x.manager_id ORDER BY x.k) AS in_work
        FROM (SELECT m.id AS manager_id, 0 AS k, m.in_work::bigint AS delta FROM manager AS m
              UNION ALL
              SELECT m.id, k.k, 0 FROM manager AS m CROSS JOIN generate_subscripts(samples, 1) AS k (k)
              UNION ALL
              SELECT f.manager_id, 0, -f.n FROM facts AS f WHERE f.kind = 'load'
              UNION ALL
              SELECT f.manager_id, f.bucket, f.n FROM facts AS f
              WHERE f.kind = 'load' AND f.bucket <= cardinality(samples)) AS x
        GROUP BY x.manager_id, x.k
    ), loads AS (
        SELECT width_bucket(samples[l.k], starts) AS i, l.manager_id, avg(l.in_work::bigint) AS in_work
        FROM in_work AS l WHERE l.k > 0
        GROUP BY 1, 2
    ), rows AS (
        SELECT l.i, m.id AS manager_id, false AS total,
               round(l.in_work / coalesce(m.worklist_cap, s.default_worklist_cap), 4) AS avg_load
        FROM manager AS m CROSS JOIN settings AS s JOIN loads AS l ON l.manager_id = m.id
        LEFT JOIN hires AS h ON h.manager_id = m.id
        WHERE h.hired_at IS NULL OR h.hired_at < least(starts[l.i] + bucket, to_ts)
        UNION ALL
        SELECT i.i, NULL, true,
               (SELECT round(sum(l.in_work) / nullif(sum(coalesce(m.worklist_cap, s.default_worklist_cap)), 0), 4)
                FROM manager AS m CROSS JOIN settings AS s JOIN loads AS l ON l.manager_id = m.id
                LEFT JOIN hires AS h ON h.manager_id = m.id
                WHERE l.i = i.i
                  AND (h.hired_at IS NULL OR h.hired_at < least(starts[i.i] + bucket, to_ts)))
        FROM generate_subscripts(starts, 1) AS i (i)
    )
    SELECT starts[r.i], r.manager_id,
           coalesce(t.taken_into_work, 0), coalesce(c.deals, 0)::bigint, coalesce(c.refusals, 0)::bigint,
           coalesce(c.expired, 0)::bigint, coalesce(c.recalled, 0)::bigint, r.avg_load
    FROM rows AS r
    LEFT JOIN counts AS c ON c.bucket = r.i AND c.total = r.total AND (r.total OR c.manager_id = r.manager_id)
    LEFT JOIN taken AS t ON t.bucket = r.i AND t.total = r.total AND (r.total OR t.manager_id = r.manager_id)
    ORDER BY r.i, r.total, r.manager_id;
END
$$;
COMMENT ON FUNCTION salesalgo.trial_series(timestamptz, timestamptz, interval) IS
    'The trial report bucket by bucket, for a chart: from from_ts (inclusive) to to_ts (exclusive) in buckets of the given length from from_ts (the last one cut at to_ts), one row per bucket and manager and a total per bucket (manager_id NULL): clients taken into work, deals, refusals a person made, expiries, moves into recall, and the average worklist load (sampled daily from each bucket''s start). Runs as its owner; for heads of sales and BI roles.';
REVOKE ALL ON FUNCTION salesalgo.trial_series(timestamptz, timestamptz, interval) FROM PUBLIC;

-- check() is a report too: JIT made it take seconds on a small database.
ALTER FUNCTION salesalgo."check"() SET jit = off;

-- 23. The model's history and what-if

-- 23a. The model's history.  Every committed change of the model (the rule
--    tables, the settings, each manager's cap and active flag) is a row of
--    rule_history, written by the C library as the user who made the change
--    (as client_history is): a DBA's trigger on it runs with that user's
--    rights, not the owner's.  Append-only; pg_dump keeps it, and the rule
--    tables a dump restores write none (their history is in the dump).

CREATE SEQUENCE salesalgo.rule_history_id_seq AS bigint;
CREATE TABLE salesalgo.rule_history (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.rule_history_id_seq'),
    changed_at timestamptz NOT NULL,
    changed_by name NOT NULL,
    table_name text NOT NULL,
    operation text NOT NULL CONSTRAINT rule_history_operation
        CHECK (operation OPERATOR(pg_catalog.=) ANY (ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'])),
    old_row jsonb,
    new_row jsonb
);
ALTER SEQUENCE salesalgo.rule_history_id_seq OWNED BY salesalgo.rule_history.id;
CREATE INDEX rule_history_changed_at_idx ON salesalgo.rule_history (changed_at, id);
COMMENT ON TABLE salesalgo.rule_history IS
    'Every committed change of the model: transition_rule, deadline_rule, refusal_reason, size_rule, settings, a manager''s id, worklist_cap or active flag (managers hired and removed included), and a category''s id or in_profile (categories added and removed included); append-only.';
COMMENT ON COLUMN salesalgo.rule_history.changed_at IS
    'The time of the statement that made the change (salesalgo.now when set).';
COMMENT ON COLUMN salesalgo.rule_history.changed_by IS 'current_user of the change.';
COMMENT ON COLUMN salesalgo.rule_history.table_name IS 'The table changed, in schema salesalgo.';
COMMENT ON COLUMN salesalgo.rule_history.operation IS
    'INSERT, UPDATE, DELETE, or TRUNCATE (one row for each row the truncation removed).';
COMMENT ON COLUMN salesalgo.rule_history.old_row IS 'The row before the change as jsonb; NULL for an INSERT.';
COMMENT ON COLUMN salesalgo.rule_history.new_row IS 'The row after the change as jsonb; NULL for a DELETE or TRUNCATE.';
REVOKE ALL ON salesalgo.rule_history FROM PUBLIC;
REVOKE ALL ON SEQUENCE salesalgo.rule_history_id_seq FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('salesalgo.rule_history', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.rule_history_id_seq', '');

CREATE FUNCTION salesalgo.rule_history_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rule_history_guard'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.rule_history_guard() IS
    'BEFORE trigger on rule_history: append-only, and appended by salesalgo only.';
REVOKE ALL ON FUNCTION salesalgo.rule_history_guard() FROM PUBLIC;
CREATE TRIGGER rule_history_guard
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.rule_history
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rule_history_guard();
COMMENT ON TRIGGER rule_history_guard ON salesalgo.rule_history IS
    'Only salesalgo appends to rule_history; nobody changes or removes a row.';

CREATE FUNCTION salesalgo.rule_history_log() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rule_history_log'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.rule_history_log() IS
    'AFTER row and BEFORE TRUNCATE trigger on the model''s tables: the change as a row of rule_history.';
REVOKE ALL ON FUNCTION salesalgo.rule_history_log() FROM PUBLIC;

-- A table of the model is one more name in this list (size_rule when it
-- exists): an UPDATE that changes nothing is no change of the model.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['transition_rule', 'deadline_rule', 'refusal_reason', 'settings', 'size_rule']
    LOOP
        CONTINUE WHEN pg_catalog.to_regclass(pg_catalog.format('salesalgo.%I', t)) IS NULL;
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER rule_history AFTER INSERT OR DELETE ON salesalgo.%1$I'
            ' FOR EACH ROW EXECUTE FUNCTION salesalgo.rule_history_log();'
            ' CREATE TRIGGER rule_history_update AFTER UPDATE ON salesalgo.%1$I FOR EACH ROW'
            ' WHEN (pg_catalog.to_jsonb(OLD.*) OPERATOR(pg_catalog.<>) pg_catalog.to_jsonb(NEW.*))'
            ' EXECUTE FUNCTION salesalgo.rule_history_log();'
            ' CREATE TRIGGER rule_history_truncate BEFORE TRUNCATE ON salesalgo.%1$I'
            ' FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rule_history_log();'
            ' COMMENT ON TRIGGER rule_history ON salesalgo.%1$I IS %2$L;'
            ' COMMENT ON TRIGGER rule_history_update ON salesalgo.%1$I IS %2$L;'
            ' COMMENT ON TRIGGER rule_history_truncate ON salesalgo.%1$I IS %2$L;',
            t, 'The model''s history: each change of this table is a row of rule_history.');
    END LOOP;
END
$$;
CREATE TRIGGER rule_history AFTER INSERT OR DELETE ON salesalgo.manager
    FOR EACH ROW EXECUTE FUNCTION salesalgo.rule_history_log();
-- a manager's new id too: the model at an earlier time shows it under the old
CREATE TRIGGER rule_history_update AFTER UPDATE OF id, worklist_cap, active ON salesalgo.manager
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.worklist_cap IS DISTINCT FROM NEW.worklist_cap
          OR OLD.active IS DISTINCT FROM NEW.active)
    EXECUTE FUNCTION salesalgo.rule_history_log();
CREATE TRIGGER rule_history_truncate BEFORE TRUNCATE ON salesalgo.manager
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rule_history_log();
COMMENT ON TRIGGER rule_history ON salesalgo.manager IS
    'The model''s history: a manager hired or removed is a row of rule_history.';
COMMENT ON TRIGGER rule_history_update ON salesalgo.manager IS
    'The model''s history: a change of a manager''s id, worklist_cap or active flag is a row of rule_history.';
COMMENT ON TRIGGER rule_history_truncate ON salesalgo.manager IS
    'The model''s history: each manager a truncation removes is a row of rule_history.';
-- A category's in_profile is a rule (R5, the size rules): a category added,
-- removed, renumbered or taken in or out of the profile; not its name.
CREATE TRIGGER rule_history AFTER INSERT OR DELETE ON salesalgo.category
    FOR EACH ROW EXECUTE FUNCTION salesalgo.rule_history_log();
CREATE TRIGGER rule_history_update AFTER UPDATE OF id, in_profile ON salesalgo.category
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.in_profile IS DISTINCT FROM NEW.in_profile)
    EXECUTE FUNCTION salesalgo.rule_history_log();
CREATE TRIGGER rule_history_truncate BEFORE TRUNCATE ON salesalgo.category
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rule_history_log();
COMMENT ON TRIGGER rule_history ON salesalgo.category IS
    'The model''s history: a category added or removed is a row of rule_history.';
COMMENT ON TRIGGER rule_history_update ON salesalgo.category IS
    'The model''s history: a change of a category''s id or in_profile is a row of rule_history.';
COMMENT ON TRIGGER rule_history_truncate ON salesalgo.category IS
    'The model''s history: each category a truncation removes is a row of rule_history.';

-- 23b. The model at a time: the current tables with every later change of
--    rule_history undone, newest first.  A key's state at ts is the old row
--    of the first change after ts that touched it (none if that change made
--    it), or its current row if nothing touched it since.

CREATE FUNCTION salesalgo.model_key(tbl text, r jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
    RETURN CASE tbl
        WHEN 'transition_rule' THEN jsonb_build_object('from_state', r -> 'from_state', 'to_state', r -> 'to_state')
        WHEN 'deadline_rule' THEN jsonb_build_object('size', r -> 'size', 'category_id', r -> 'category_id')
        WHEN 'refusal_reason' THEN r -> 'code'
        WHEN 'settings' THEN '{}'::jsonb
        ELSE r -> 'id' END;
COMMENT ON FUNCTION salesalgo.model_key(text, jsonb) IS
    'The key of a row of a model table (as jsonb), by which rule_history''s rows are matched to the current ones.';
REVOKE ALL ON FUNCTION salesalgo.model_key(text, jsonb) FROM PUBLIC;

CREATE FUNCTION salesalgo.model_rows(tbl text, ts timestamptz) RETURNS SETOF jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regclass(format('salesalgo.%I', tbl)) IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH later AS (
            SELECT h.id, h.old_row, h.new_row FROM salesalgo.rule_history AS h
            WHERE h.table_name = $1 AND h.changed_at > $2
        ), touched AS (
            SELECT l.id, salesalgo.model_key($1, l.old_row) AS k, l.old_row AS r, 0 AS side
            FROM later AS l WHERE l.old_row IS NOT NULL
            UNION ALL
            SELECT l.id, salesalgo.model_key($1, l.new_row), NULL, 1
            FROM later AS l WHERE l.new_row IS NOT NULL
        ), first AS (
            SELECT DISTINCT ON (t.k) t.k, t.r FROM touched AS t ORDER BY t.k, t.id, t.side
        )
        SELECT f.r FROM first AS f WHERE f.r IS NOT NULL
        UNION ALL
        SELECT c.r FROM (SELECT to_jsonb(t) - 'in_work' AS r FROM salesalgo.%I AS t) AS c
        WHERE NOT EXISTS (SELECT FROM first AS f WHERE f.k = salesalgo.model_key($1, c.r))
    $q$, tbl) USING tbl, ts;
END
$$;
COMMENT ON FUNCTION salesalgo.model_rows(text, timestamptz) IS
    'The rows (as jsonb) a table of the model held at ts, rebuilt from the table and rule_history.';
REVOKE ALL ON FUNCTION salesalgo.model_rows(text, timestamptz) FROM PUBLIC;

CREATE FUNCTION salesalgo.model_at(ts timestamptz DEFAULT salesalgo.now()) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s jsonb;
    model jsonb;
BEGIN
    IF ts IS NULL THEN
        RAISE EXCEPTION 'the time of a model cannot be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give a time, or call salesalgo.model_at() for the model in force now.';
    END IF;
    SELECT r INTO s FROM salesalgo.model_rows('settings', ts) AS r LIMIT 1;
    WITH m AS (SELECT r FROM salesalgo.model_rows('manager', ts) AS r)
    SELECT jsonb_build_object(
        'default_worklist_cap', s -> 'default_worklist_cap',
        'worklist_cap', coalesce((SELECT jsonb_object_agg(m.r ->> 'id', m.r -> 'worklist_cap') FROM m), '{}'),
        'active', coalesce((SELECT jsonb_object_agg(m.r ->> 'id', m.r -> 'active') FROM m), '{}'),
        'deadline_rule', coalesce((
            SELECT jsonb_agg(jsonb_build_object('size', r -> 'size', 'category_id', r -> 'category_id',
                                                'days', r -> 'days')
                             ORDER BY (r ->> 'size')::salesalgo.client_size NULLS LAST,
                                      (r ->> 'category_id')::bigint NULLS LAST)
            FROM salesalgo.model_rows('deadline_rule', ts) AS r), '[]'),
        'transition_rule', coalesce((
            SELECT jsonb_agg(jsonb_build_object('from_state', r -> 'from_state', 'to_state', r -> 'to_state')
                             ORDER BY (r ->> 'from_state')::salesalgo.client_state NULLS FIRST,
                                      (r ->> 'to_state')::salesalgo.client_state)
            FROM salesalgo.model_rows('transition_rule', ts) AS r), '[]'),
        'refusal_reason', coalesce((
            SELECT jsonb_agg(r - 'shipped' - 'label' ORDER BY r ->> 'code')
            FROM salesalgo.model_rows('refusal_reason', ts) AS r), '[]'),
        'expire_state', s -> 'expire_state',
        'expire_reason', s -> 'expire_reason')
    INTO model;
    IF to_regclass('salesalgo.size_rule') IS NOT NULL THEN
        model := model || jsonb_build_object('size_rule', coalesce((
            SELECT jsonb_agg(r - 'shipped' ORDER BY (r ->> 'id')::bigint)
            FROM salesalgo.model_rows('size_rule', ts) AS r), '[]'));
    END IF;
    model := model || jsonb_build_object('category_in_profile', coalesce((
        SELECT jsonb_object_agg(r ->> 'id', coalesce(r -> 'in_profile', 'true'))
        FROM salesalgo.model_rows('category', ts) AS r), '{}'));
    RETURN model;
END
$$;
COMMENT ON FUNCTION salesalgo.model_at(timestamptz) IS
    'The model in force at ts: default_worklist_cap, worklist_cap and active (objects: manager id -> own cap, NULL for the default; -> active), deadline_rule ({size, category_id, days}), transition_rule ({from_state, to_state}), refusal_reason ({code, hard, ...}), expire_state, expire_reason, category_in_profile (object: category id -> in_profile) (and size_rule where it exists); rebuilt from the tables and rule_history. Runs as its owner; for heads of sales and BI roles.';
REVOKE ALL ON FUNCTION salesalgo.model_at(timestamptz) FROM PUBLIC;

CREATE FUNCTION salesalgo.model_changes(from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (valid_from timestamptz, valid_to timestamptz, model jsonb, changes jsonb)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'the period of model_changes() cannot be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give both ends, as to trial_report().';
    END IF;
    IF to_ts <= from_ts THEN
        RAISE EXCEPTION 'the period of model_changes() must end after it starts'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It runs from %s to %s.', from_ts, to_ts),
                  HINT = 'Give the start first: model_changes(from_ts, to_ts), from_ts inclusive, to_ts exclusive.';
    END IF;
    RETURN QUERY
    WITH starts AS (
        SELECT from_ts AS t
        UNION
        SELECT h.changed_at FROM salesalgo.rule_history AS h
        WHERE h.changed_at > from_ts AND h.changed_at < to_ts
    ), spans AS (
        SELECT s.t AS valid_from, coalesce(lead(s.t) OVER (ORDER BY s.t), to_ts) AS valid_to
        FROM starts AS s
    )
    SELECT sp.valid_from, sp.valid_to, salesalgo.model_at(sp.valid_from),
           (SELECT jsonb_agg(jsonb_build_object('id', h.id, 'changed_by', h.changed_by,
                                                'table_name', h.table_name, 'operation', h.operation,
                                                'old_row', h.old_row, 'new_row', h.new_row)
                             ORDER BY h.id)
            FROM salesalgo.rule_history AS h
            WHERE sp.valid_from > from_ts AND h.changed_at = sp.valid_from)
    FROM spans AS sp
    ORDER BY sp.valid_from;
END
$$;
COMMENT ON FUNCTION salesalgo.model_changes(timestamptz, timestamptz) IS
    'Which model was in force from from_ts (inclusive) to to_ts (exclusive): one row per model, with the rule_history rows that began it (NULL for the first). One row: the model did not change in the period. Runs as its owner; for heads of sales and BI roles.';
REVOKE ALL ON FUNCTION salesalgo.model_changes(timestamptz, timestamptz) FROM PUBLIC;

-- 23c. What if: a period's history replayed under another model, in C (one
--    pass over the period's history in time order).  what_if() checks and
--    completes the model; what_if_replay() replays.

-- the times sales_expire() ran, which are when a what-if expiry happens
CREATE INDEX client_history_expire_idx ON salesalgo.client_history (changed_at)
    WHERE source OPERATOR(pg_catalog.=) 'sales_expire';

CREATE FUNCTION salesalgo.what_if_replay(from_ts timestamptz, to_ts timestamptz,
                                         manager_ids bigint[], caps integer[],
                                         what_if_caps integer[], what_if_active boolean[],
                                         default_cap integer, what_if_default_cap integer,
                                         rule_sizes text[], rule_categories bigint[],
                                         rule_days integer[], what_if_rule_days integer[])
    RETURNS TABLE (manager_id bigint, ord integer, metric text, actual numeric, what_if numeric)
    AS 'MODULE_PATHNAME', 'what_if_replay'
    LANGUAGE C STABLE
    SET search_path = pg_catalog, pg_temp
    -- its few queries read many rows once: compiling them costs more than it saves
    SET jit = off;
COMMENT ON FUNCTION salesalgo.what_if_replay(timestamptz, timestamptz, bigint[], integer[], integer[], boolean[], integer, integer, text[], bigint[], integer[], integer[]) IS
    'The replay behind what_if(): the two models as arrays (managers, caps, active flags, default caps, deadline rules and their days in each model).';
REVOKE ALL ON FUNCTION salesalgo.what_if_replay(timestamptz, timestamptz, bigint[], integer[], integer[], boolean[], integer, integer, text[], bigint[], integer[], integer[]) FROM PUBLIC;

CREATE FUNCTION salesalgo.what_if_model(base jsonb, model jsonb) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k text;
    v jsonb;
    e jsonb;
    merged jsonb := base;
    rules jsonb;
BEGIN
    IF model IS NULL OR jsonb_typeof(model) <> 'object' THEN
        RAISE EXCEPTION 'a what-if model must be a jsonb object'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', coalesce(jsonb_typeof(model), 'NULL')),
                  HINT = 'Give the keys to change, for example ''{"default_worklist_cap": 60}''; salesalgo.model_at() shows them all.';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(model) LOOP
        IF NOT base ? k THEN
            RAISE EXCEPTION 'unknown key "%" in a what-if model', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = format('Use the keys of salesalgo.model_at(): %s.',
                                    (SELECT string_agg(x, ', ' ORDER BY x) FROM jsonb_object_keys(base) AS x));
        END IF;
        CASE k
        WHEN 'default_worklist_cap' THEN
            IF jsonb_typeof(v) IS DISTINCT FROM 'number' OR v::numeric <> trunc(v::numeric)
               OR v::numeric <= 0 OR v::numeric > 2147483647 THEN
                RAISE EXCEPTION 'invalid default_worklist_cap % in a what-if model', v
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'default_worklist_cap must be a positive integer, as settings.default_worklist_cap.';
            END IF;
            merged := jsonb_set(merged, '{default_worklist_cap}', v);
        WHEN 'worklist_cap', 'active' THEN
            IF jsonb_typeof(v) IS DISTINCT FROM 'object' THEN
                RAISE EXCEPTION 'invalid % in a what-if model', k
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = format('%s must be an object of manager ids, for example {"1": %s}.',
                                        k, CASE k WHEN 'active' THEN 'false' ELSE '60' END);
            END IF;
            FOR e IN SELECT jsonb_build_object('id', x.key, 'value', x.value) FROM jsonb_each(v) AS x LOOP
                IF NOT (base -> k) ? (e ->> 'id') THEN
                    RAISE EXCEPTION 'unknown manager % in % of a what-if model', e -> 'id', k
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = format('The keys of %s are the ids of managers of the model in force at from_ts.', k);
                END IF;
                IF k = 'worklist_cap' AND jsonb_typeof(e -> 'value') <> 'null'
                   AND (jsonb_typeof(e -> 'value') <> 'number'
                        OR (e -> 'value')::numeric <> trunc((e -> 'value')::numeric)
                        OR (e -> 'value')::numeric <= 0 OR (e -> 'value')::numeric > 2147483647) THEN
                    RAISE EXCEPTION 'invalid worklist_cap % for manager % in a what-if model', e -> 'value', e ->> 'id'
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'worklist_cap must map manager ids to positive integers, or to null for the default cap.';
                END IF;
                IF k = 'active' AND jsonb_typeof(e -> 'value') <> 'boolean' THEN
                    RAISE EXCEPTION 'invalid active % for manager % in a what-if model', e -> 'value', e ->> 'id'
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'active must map manager ids to true or false.';
                END IF;
                merged := jsonb_set(merged, ARRAY[k, e ->> 'id'], e -> 'value');
            END LOOP;
        WHEN 'deadline_rule' THEN
            IF jsonb_typeof(v) IS DISTINCT FROM 'array' THEN
                RAISE EXCEPTION 'invalid deadline_rule in a what-if model'
                    USING ERRCODE = 'invalid_parameter_value',
                          HINT = 'deadline_rule must be an array such as [{"size": "medium", "days": 21}].';
            END IF;
            rules := merged -> 'deadline_rule';
            FOR e IN SELECT x FROM jsonb_array_elements(v) AS x LOOP
                IF jsonb_typeof(e) IS DISTINCT FROM 'object'
                   OR EXISTS (SELECT FROM jsonb_object_keys(e) AS y WHERE y NOT IN ('size', 'category_id', 'days'))
                   OR jsonb_typeof(e -> 'days') IS DISTINCT FROM 'number'
                   OR (e -> 'days')::numeric <> trunc((e -> 'days')::numeric)
                   OR (e -> 'days')::numeric <= 0 OR (e -> 'days')::numeric > 100000
                   OR coalesce(jsonb_typeof(e -> 'size'), 'null') NOT IN ('null', 'string')
                   OR (jsonb_typeof(e -> 'size') = 'string'
                       AND NOT (e ->> 'size') IN ('nonprofile', 'small', 'medium', 'large'))
                   OR coalesce(jsonb_typeof(e -> 'category_id'), 'null') NOT IN ('null', 'number') THEN
                    RAISE EXCEPTION 'invalid deadline_rule % in a what-if model', e
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'Each deadline_rule is {"size": a client size or null, "category_id": a category or null, "days": a positive integer}.';
                END IF;
                IF jsonb_typeof(e -> 'category_id') = 'number'
                   AND ((e -> 'category_id')::numeric <> trunc((e -> 'category_id')::numeric)
                        OR (e -> 'category_id')::numeric < -9223372036854775808
                        OR (e -> 'category_id')::numeric > 9223372036854775807) THEN
                    RAISE EXCEPTION 'invalid category_id % in a deadline_rule of a what-if model', e -> 'category_id'
                        USING ERRCODE = 'invalid_parameter_value',
                              HINT = 'category_id must be the id of a category (a bigint), or null for any category.';
                END IF;
                e := jsonb_build_object('size', coalesce(e -> 'size', 'null'),
                                        'category_id', coalesce(e -> 'category_id', 'null'),
                                        'days', e -> 'days');
                -- a rule of the same size and category is replaced
                SELECT coalesce(jsonb_agg(r ORDER BY n), '[]') || jsonb_build_array(e) INTO rules
                FROM jsonb_array_elements(rules) WITH ORDINALITY AS x(r, n)
                WHERE NOT (r -> 'size' = e -> 'size' AND r -> 'category_id' = e -> 'category_id');
            END LOOP;
            merged := jsonb_set(merged, '{deadline_rule}', rules);
        ELSE
            -- the replay knows caps, active flags and deadlines
            IF v IS DISTINCT FROM base -> k THEN
                RAISE EXCEPTION 'what_if() cannot replay a change of %', k
                    USING ERRCODE = 'invalid_parameter_value',
                          DETAIL = 'It replays other caps, active flags and deadline rules.',
                          HINT = format('Leave %s out of the model, or give it as salesalgo.model_at(from_ts) has it.', k);
            END IF;
        END CASE;
    END LOOP;
    RETURN merged;
END
$$;
COMMENT ON FUNCTION salesalgo.what_if_model(jsonb, jsonb) IS
    'A what-if model completed from the model in force (base): checked key by key; worklist_cap and active merged by manager, deadline_rule by size and category.';
REVOKE ALL ON FUNCTION salesalgo.what_if_model(jsonb, jsonb) FROM PUBLIC;

CREATE FUNCTION salesalgo.what_if(from_ts timestamptz, to_ts timestamptz, model jsonb)
    RETURNS TABLE (manager_id bigint, metric text, actual numeric, what_if numeric, difference numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    base jsonb;
    wi jsonb;
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL THEN
        RAISE EXCEPTION 'the period of a what-if cannot be NULL'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give both ends, as to trial_report().';
    END IF;
    IF to_ts <= from_ts THEN
        RAISE EXCEPTION 'the period of a what-if must end after it starts'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It runs from %s to %s.', from_ts, to_ts),
                  HINT = 'Give the start first: what_if(from_ts, to_ts, model), from_ts inclusive, to_ts exclusive.';
    END IF;
    IF NOT isfinite(from_ts) OR NOT isfinite(to_ts) THEN
        RAISE EXCEPTION 'the period of a what-if must have finite ends'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It runs from %s to %s.', from_ts, to_ts),
                  HINT = 'Give dates, for example now() - interval ''30 days'' and now().';
    END IF;
    base := salesalgo.model_at(from_ts);
    wi := salesalgo.what_if_model(base, model);
    RETURN QUERY
    WITH managers AS (
        SELECT x.key::bigint AS id,
               (x.value #>> '{}')::integer AS cap,
               (wi -> 'worklist_cap' ->> x.key)::integer AS wi_cap,
               coalesce((wi -> 'active' ->> x.key)::boolean, true) AS wi_active
        FROM jsonb_each(base -> 'worklist_cap') AS x
    ), rules AS (
        SELECT r -> 'size' AS size, r -> 'category_id' AS category_id FROM jsonb_array_elements(base -> 'deadline_rule') AS r
        UNION
        SELECT r -> 'size', r -> 'category_id' FROM jsonb_array_elements(wi -> 'deadline_rule') AS r
    ), days AS (
        SELECT k.size #>> '{}' AS size, (k.category_id #>> '{}')::bigint AS category_id,
               (SELECT (r ->> 'days')::integer FROM jsonb_array_elements(base -> 'deadline_rule') AS r
                WHERE r -> 'size' = k.size AND r -> 'category_id' = k.category_id) AS days,
               (SELECT (r ->> 'days')::integer FROM jsonb_array_elements(wi -> 'deadline_rule') AS r
                WHERE r -> 'size' = k.size AND r -> 'category_id' = k.category_id) AS wi_days
        FROM rules AS k
    )
    -- days and loads to 4 places, the difference from the unrounded values
    SELECT r.manager_id, r.metric,
           CASE WHEN scale(r.actual) > 0 THEN round(r.actual, 4) ELSE r.actual END,
           CASE WHEN scale(r.what_if) > 0 THEN round(r.what_if, 4) ELSE r.what_if END,
           CASE WHEN scale(r.actual) > 0 THEN round(r.what_if - r.actual, 4) ELSE r.what_if - r.actual END
    FROM salesalgo.what_if_replay(
        from_ts, to_ts,
        (SELECT coalesce(array_agg(m.id ORDER BY m.id), '{}') FROM managers AS m),
        (SELECT coalesce(array_agg(coalesce(m.cap, (base ->> 'default_worklist_cap')::integer) ORDER BY m.id), '{}') FROM managers AS m),
        (SELECT coalesce(array_agg(coalesce(m.wi_cap, (wi ->> 'default_worklist_cap')::integer) ORDER BY m.id), '{}') FROM managers AS m),
        (SELECT coalesce(array_agg(m.wi_active ORDER BY m.id), '{}') FROM managers AS m),
        (base ->> 'default_worklist_cap')::integer, (wi ->> 'default_worklist_cap')::integer,
        (SELECT coalesce(array_agg(d.size ORDER BY d.size, d.category_id), '{}') FROM days AS d),
        (SELECT coalesce(array_agg(d.category_id ORDER BY d.size, d.category_id), '{}') FROM days AS d),
        (SELECT coalesce(array_agg(d.days ORDER BY d.size, d.category_id), '{}') FROM days AS d),
        (SELECT coalesce(array_agg(d.wi_days ORDER BY d.size, d.category_id), '{}') FROM days AS d)) AS r
    ORDER BY r.manager_id NULLS LAST, r.ord;
END
$$;
COMMENT ON FUNCTION salesalgo.what_if(timestamptz, timestamptz, jsonb) IS
    'What the department''s history from from_ts (inclusive) to to_ts (exclusive) would have been under another model: per manager and in total (manager_id NULL), each metric actual, what_if, difference. model is partial, in the shape of model_at(); what it does not name is the model in force at from_ts. README, "Calibrating the model", states the assumptions. Runs as its owner; for heads of sales and BI roles.';
REVOKE ALL ON FUNCTION salesalgo.what_if(timestamptz, timestamptz, jsonb) FROM PUBLIC;

-- 24. The funnel and the time in each state, kept as the triggers write
--    (issue 17).  Both views read the whole history in 1.1: a grouping by
--    client for the funnel, a window over every client's changes for the
--    time in each state, a second at a department of 500 managers.  The
--    triggers now keep what the views need as they write: the client row
--    keeps the set of main-path states it ever entered, a deletion keeps
--    the deleted client's set, and each change of state or deletion keeps
--    how long the client was in the state it left.  The funnel groups the
--    clients and the deletions by their sets; stage_time reads the stays
--    in order from an index, in C.  check() says where a kept value and
--    the history disagree.

-- 24a. The kept values.  The set is a bit per step of the main path as the
--    funnel numbers them (new 1 << 1 ... client 1 << 7).  NULL where
--    nothing is kept (a history row that is no deletion, or no change of
--    state).  A user's write of funnel_steps is refused as state_since's is
--    (428C9); the history is append-only.
ALTER TABLE salesalgo.client ADD COLUMN funnel_steps smallint;
COMMENT ON COLUMN salesalgo.client.funnel_steps IS
    'The states of the main path the client ever entered, a bit each (new 2, contact_1 4, contact_2 8, contact_3 16, deal 32, deal_support 64, client 128), as its history says. Kept by salesalgo.';
ALTER TABLE salesalgo.client_history
    ADD COLUMN funnel_steps smallint,
    ADD COLUMN stay interval;
COMMENT ON COLUMN salesalgo.client_history.funnel_steps IS
    'A deletion''s: the deleted client''s funnel_steps, so that the funnel still counts it; NULL in other rows.';
COMMENT ON COLUMN salesalgo.client_history.stay IS
    'A change of state''s or a deletion''s: how long the client was in from_state, from the history row that entered it to this one; NULL in other rows.';

-- what stage_time reads, state by state in order; and the deletions the
-- funnel reads with the clients
CREATE INDEX client_history_stay_idx ON salesalgo.client_history (from_state, stay)
    WHERE stay IS NOT NULL;
COMMENT ON INDEX salesalgo.client_history_stay_idx IS
    'The stays, per state in order: stage_time reads this index only.';
CREATE INDEX client_history_deletion_idx ON salesalgo.client_history (client_id)
    INCLUDE (funnel_steps) WHERE to_state IS NULL;
COMMENT ON INDEX salesalgo.client_history_deletion_idx IS
    'The deletions and the funnel steps they keep: the funnel reads them with the clients.';

-- 24b. What the history says, kept for the clients and the history rows
--    that are there already: by this update, and by a superuser after a
--    dump taken at 1.0 or 1.1 is restored into 1.2 (CREATE EXTENSION makes
--    the columns empty and the dump's rows do not fill them), so the
--    function stays.  The guards refuse these writes (the history is
--    append-only, funnel_steps is salesalgo's): the function runs them as
--    logical replication applies rows, with session_replication_role =
--    replica for its own duration only, so that no trigger of salesalgo's
--    judges them and no DBA's ordinary (ENABLE) trigger takes them for a
--    change of the department; a DBA's trigger marked ENABLE REPLICA or
--    ENABLE ALWAYS does fire.  Setting session_replication_role needs a
--    superuser, and the function is not PUBLIC's: a superuser runs it.  A
--    client id deleted and created again has a set per life: what its
--    history says from its creation on.  Only rows whose kept value differs
--    are written, so a second run writes nothing.
CREATE FUNCTION salesalgo.rebuild_kept() RETURNS void
    LANGUAGE sql
    SET search_path = pg_catalog, salesalgo, pg_temp
    SET session_replication_role = replica
AS $$
WITH changes AS (
    SELECT h.id, h.from_state, h.changed_at,
           lag(h.to_state) OVER w AS entered_state,
           lag(h.changed_at) OVER w AS entered_at
    FROM client_history AS h
    WHERE h.from_state IS DISTINCT FROM h.to_state
    WINDOW w AS (PARTITION BY h.client_id ORDER BY h.id)
)
UPDATE client_history AS h SET stay = c.changed_at - c.entered_at
FROM changes AS c
WHERE h.id = c.id AND c.from_state IS NOT NULL AND c.entered_state IS NOT NULL
  -- the same length in other fields ('24:00:00' for '1 day') too, as check()
  AND h.stay::text IS DISTINCT FROM (c.changed_at - c.entered_at)::text;

WITH lives AS (
    SELECT h.id, h.client_id, h.from_state, h.to_state,
           count(*) FILTER (WHERE h.from_state IS NULL)
               OVER (PARTITION BY h.client_id ORDER BY h.id) AS life
    FROM client_history AS h
), entered AS (
    SELECT l.client_id, l.life, max(l.id) AS last_id,
           coalesce(bit_or(1 << p.step) FILTER (WHERE l.from_state IS DISTINCT FROM l.to_state),
                    0)::smallint AS steps
    FROM lives AS l
    LEFT JOIN (VALUES (1, 'new'::client_state), (2, 'contact_1'), (3, 'contact_2'),
                      (4, 'contact_3'), (5, 'deal'), (6, 'deal_support'), (7, 'client'))
        AS p (step, state) ON p.state = l.to_state
    GROUP BY l.client_id, l.life
), deletions AS (
    UPDATE client_history AS h SET funnel_steps = e.steps
    FROM entered AS e
    WHERE h.id = e.last_id AND h.to_state IS NULL
      AND h.funnel_steps IS DISTINCT FROM e.steps
)
UPDATE client AS c SET funnel_steps = coalesce(x.steps, 0)
FROM (SELECT DISTINCT ON (e.client_id) e.client_id, e.steps
      FROM entered AS e
      ORDER BY e.client_id, e.life DESC) AS x
RIGHT JOIN client AS k ON k.id = x.client_id
WHERE c.id = k.id AND c.funnel_steps IS DISTINCT FROM coalesce(x.steps, 0);
$$;
COMMENT ON FUNCTION salesalgo.rebuild_kept() IS
    'Fills the funnel''s sets (client.funnel_steps, a deletion''s client_history.funnel_steps) and the stays (client_history.stay) from the history, as ALTER EXTENSION UPDATE to 1.2 does. Run it once, as a superuser, after restoring a dump taken at 1.0 or 1.1 into 1.2; check() says when it is needed (funnel_steps, history_stay).';
REVOKE ALL ON FUNCTION salesalgo.rebuild_kept() FROM PUBLIC;
SELECT salesalgo.rebuild_kept();

-- 24c. The funnel: how many clients entered each set of main-path states,
--    from the clients and the deletions (an id deleted and created again is
--    one client, as in its history), counted in C (funnel_sets()): its cost
--    is in clients, not history rows.  Like stage_time_stays() (24d), it
--    answers whoever may read its view (it checks SELECT on funnel or on
--    any of its columns, as has_any_column_privilege()), so a plain GRANT
--    SELECT ON salesalgo.funnel, or of some of its columns, keeps working,
--    and reads the tables as the view's owner would.  It cannot see a DBA's
--    view over funnel: that view's readers need SELECT on funnel too.  Same columns and numbers as 18b's.
CREATE FUNCTION salesalgo.funnel_sets()
    RETURNS TABLE (steps smallint, clients bigint)
    AS 'MODULE_PATHNAME', 'funnel_sets'
    LANGUAGE C STABLE STRICT
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.funnel_sets() IS
    'The numbers behind salesalgo.funnel: how many clients ever entered each set of main-path states (a bit per state, as client.funnel_steps), deleted clients included. For whoever may read the view.';

CREATE OR REPLACE VIEW salesalgo.funnel WITH (security_barrier) AS
WITH path (step, state) AS (
    VALUES (1, 'new'::salesalgo.client_state), (2, 'contact_1'), (3, 'contact_2'),
           (4, 'contact_3'), (5, 'deal'), (6, 'deal_support'), (7, 'client')
), counted AS (
    SELECT p.step, p.state,
           coalesce(sum(s.clients) FILTER (WHERE s.steps & (1 << p.step) <> 0), 0)::bigint AS reached,
           -- any bit above this step's: a later state of the path
           CASE WHEN p.step < 7 THEN
               coalesce(sum(s.clients) FILTER (WHERE s.steps & (1 << p.step) <> 0
                                                 AND s.steps >> (p.step + 1) <> 0), 0)::bigint
           END AS converted,
           CASE WHEN p.step < 7 THEN
               coalesce(sum(s.clients) FILTER (WHERE s.steps & (1 << p.step) <> 0
                                                 AND s.steps & (1 << (p.step + 1)) <> 0), 0)::bigint
           END AS entered_next
    FROM path AS p
    LEFT JOIN salesalgo.funnel_sets() AS s ON true
    GROUP BY p.step, p.state
)
SELECT step, state, salesalgo.label(state) AS label, reached, converted,
       round(converted::numeric / nullif(reached, 0), 4) AS conversion,
       entered_next
FROM counted
ORDER BY step;
COMMENT ON VIEW salesalgo.funnel IS
    'The main path new to client: clients that ever entered each state, how many of them ever entered a later state of the path (converted; contact_2 -> deal skips contact_3), the ratio, and how many entered the next state of the path itself (entered_next). Read from the sets of states the clients and the deletions keep.';

-- 24d. stage_time: the stays the history keeps, per state, from
--    client_history_stay_idx in order, in C; for whoever may read the view,
--    as funnel_sets().
CREATE FUNCTION salesalgo.stage_time_stays()
    RETURNS TABLE (state salesalgo.client_state, stays bigint, average interval,
                   median interval, p90 interval)
    AS 'MODULE_PATHNAME', 'stage_time_stays'
    LANGUAGE C STABLE STRICT
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.stage_time_stays() IS
    'The numbers of salesalgo.stage_time: per state, the finished stays the history keeps, their count, average, median and 90th percentile (as avg() and percentile_cont() give them). For whoever may read the view.';

CREATE OR REPLACE VIEW salesalgo.stage_time WITH (security_barrier) AS
SELECT t.state,
       salesalgo.label(t.state) AS label,
       t.stays,
       t.average,
       t.median,
       t.p90
FROM salesalgo.stage_time_stays() AS t
ORDER BY t.state;
COMMENT ON VIEW salesalgo.stage_time IS
    'Time spent in each state, in the pipeline''s order (the type''s, not the label''s), over finished stays: from entering the state to the next change of state or deletion. Read from the stays the history keeps.';

-- 24e. check() says where a kept value and the history disagree:
--    funnel_steps (a client's or a deletion's set), history_stay (a kept
--    stay), state_since (a client's, which the next stay is measured from).
--    The whole of 1.1's check() (13) with these added.
CREATE OR REPLACE FUNCTION salesalgo."check"()
    RETURNS TABLE (invariant text, client_id bigint, manager_id bigint, detail text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
    SET jit = off
AS $$
WITH counted AS (
    SELECT m.id, m.in_work, coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
           (SELECT count(*) FROM client AS c
            WHERE c.manager_id = m.id AND in_worklist(c.state)) AS holds
    FROM manager AS m, settings AS s
), steps AS (
    -- every history row with its neighbours, from one pass over the history
    SELECT h.*,
           lag(h.to_state) OVER w AS before_state,
           lag(h.to_manager) OVER w AS before_manager,
           lag(h.refusal_reason) OVER w AS before_reason,
           lag(h.id) OVER w AS before_id,
           lead(h.id) OVER w IS NULL AS is_last,
           -- the client id's lives, each from a creation on
           count(*) FILTER (WHERE h.from_state IS NULL) OVER w AS life,
           -- the last change of state (creation, deletion) before this row,
           -- and the latest time of those: its time, unless the clock went
           -- back, when the row itself is looked up
           max(h.id) FILTER (WHERE h.from_state IS DISTINCT FROM h.to_state) OVER before AS entered_id,
           max(h.changed_at) FILTER (WHERE h.from_state IS DISTINCT FROM h.to_state) OVER before AS entered_at
    FROM client_history AS h
    WINDOW w AS (PARTITION BY h.client_id ORDER BY h.id),
           before AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), last_change AS (
    SELECT * FROM steps WHERE is_last
), lives AS (
    -- what the history says each life of a client id (from a creation on)
    -- entered of the main path, and how that life ended
    SELECT l.client_id, l.life,
           -- the funnel's bits (24a), a path state's entries only
           coalesce(bit_or(CASE l.to_state WHEN 'new' THEN 2 WHEN 'contact_1' THEN 4
                                           WHEN 'contact_2' THEN 8 WHEN 'contact_3' THEN 16
                                           WHEN 'deal' THEN 32 WHEN 'deal_support' THEN 64
                                           WHEN 'client' THEN 128 END)
                        FILTER (WHERE l.from_state IS DISTINCT FROM l.to_state),
                    0)::smallint AS steps,
           max(l.id) FILTER (WHERE l.to_state IS NULL) AS deletion_id,
           max(l.funnel_steps) FILTER (WHERE l.to_state IS NULL) AS deletion_kept
    FROM steps AS l
    GROUP BY l.client_id, l.life
)
-- R6: no manager holds more clients in worklist states than its cap
SELECT 'worklist_cap', NULL::bigint, id,
       format('Manager %s holds %s clients in worklist states; the cap is %s.', id, holds, cap)
FROM counted WHERE holds > cap
UNION ALL
SELECT 'worklist_count', NULL, id,
       format('manager.in_work says %s; the clients say %s.', in_work, holds)
FROM counted WHERE in_work <> holds
UNION ALL
-- R5
SELECT 'client_size_profile', c.id, c.manager_id,
       format('A nonprofile client is in %s with manager %s.', c.state, c.manager_id)
FROM client AS c
WHERE c.size = 'nonprofile' AND in_worklist(c.state) AND c.manager_id IS NOT NULL
UNION ALL
-- R3
SELECT 'refusal_reason', c.id, c.manager_id, 'The client is in refusal with no reason.'
FROM client AS c
WHERE c.state = 'refusal' AND c.refusal_reason IS NULL
UNION ALL
-- R7: the clock runs exactly while the state is a worklist state, from the
-- first manager on
SELECT 'deadline_clock', c.id, c.manager_id,
       CASE WHEN NOT in_worklist(c.state)
            THEN format('The client is in %s but has a deadline or a work start.', c.state)
            ELSE format('The client is in %s with a manager since %s but has no deadline.',
                        c.state, c.work_started_at) END
FROM client AS c
WHERE CASE WHEN in_worklist(c.state)
           THEN (c.manager_id IS NOT NULL OR c.work_started_at IS NOT NULL)
                AND (c.deadline_at IS NULL OR c.work_started_at IS NULL)
           ELSE c.deadline_at IS NOT NULL OR c.work_started_at IS NOT NULL END
UNION ALL
-- R9: the last history row of every client is the client as it is
SELECT 'history_current', c.id, c.manager_id,
       CASE WHEN l.id IS NULL THEN 'The client has no history.'
            ELSE format('History says %s, manager %s, deadline %s; the client is %s, manager %s, deadline %s.',
                        coalesce(l.to_state::text, 'deleted'), coalesce(l.to_manager::text, 'none'),
                        coalesce(l.deadline_at::text, 'none'), c.state,
                        coalesce(c.manager_id::text, 'none'), coalesce(c.deadline_at::text, 'none')) END
FROM client AS c
LEFT JOIN last_change AS l ON l.client_id = c.id
WHERE l.id IS NULL
   OR l.to_state IS DISTINCT FROM c.state
   OR l.to_manager IS DISTINCT FROM c.manager_id
   OR l.deadline_at IS DISTINCT FROM c.deadline_at
UNION ALL
SELECT 'history_current', l.client_id, l.to_manager,
       format('History says the client is in %s, but there is no such client.', l.to_state)
FROM last_change AS l
WHERE l.to_state IS NOT NULL
  AND NOT EXISTS (SELECT FROM client AS c WHERE c.id = l.client_id)
UNION ALL
-- R9: a client's history begins with its creation, and every row starts
-- where the one before it ended
SELECT 'history_chain', s.client_id, s.to_manager,
       CASE WHEN s.before_id IS NULL
            THEN format('History begins with row %s, a move from %s, not with the creation.',
                        s.id, s.from_state)
            ELSE format('History row %s starts from %s with manager %s, but row %s ended in %s with manager %s.',
                        s.id, coalesce(s.from_state::text, 'nothing'),
                        coalesce(s.from_manager::text, 'none'), s.before_id,
                        coalesce(s.before_state::text, 'nothing'),
                        coalesce(s.before_manager::text, 'none')) END
FROM steps AS s
WHERE CASE WHEN s.before_id IS NULL THEN s.from_state IS NOT NULL
           ELSE s.from_state IS DISTINCT FROM s.before_state
                OR s.from_manager IS DISTINCT FROM s.before_manager END
UNION ALL
-- R4: a client refused for a hard reason never moved again.  Hardness is
-- today's: a move made while a DBA had made the reason soft shows here too.
SELECT 'hard_refusal', s.client_id, s.to_manager,
       format('History row %s moves the client from refusal for %s, a hard reason, to %s.',
              s.id, s.before_reason, s.to_state)
FROM steps AS s
JOIN refusal_reason AS r ON r.code = s.before_reason AND r.hard
WHERE s.before_state = 'refusal' AND s.to_state IS DISTINCT FROM 'refusal'
  AND s.to_state IS NOT NULL
UNION ALL
-- the funnel's sets: a client's, and a deletion's, are what its history
-- says it entered of the main path
SELECT 'funnel_steps', c.id, c.manager_id,
       format('The client keeps funnel_steps %s; its history says %s.',
              coalesce(c.funnel_steps::text, 'NULL'), l.steps)
-- (a client with no history is history_current's)
FROM client AS c
JOIN (SELECT DISTINCT ON (v.client_id) v.client_id, v.steps
      FROM lives AS v ORDER BY v.client_id, v.life DESC) AS l ON l.client_id = c.id
WHERE c.funnel_steps IS DISTINCT FROM l.steps
UNION ALL
SELECT 'funnel_steps', v.client_id, NULL,
       format('History row %s deletes the client keeping funnel_steps %s; its history says %s.',
              v.deletion_id, coalesce(v.deletion_kept::text, 'NULL'), v.steps)
FROM lives AS v
WHERE v.deletion_id IS NOT NULL AND v.deletion_kept IS DISTINCT FROM v.steps
UNION ALL
SELECT 'funnel_steps', s.client_id, s.to_manager,
       format('History row %s keeps funnel_steps %s but deletes no client.', s.id, s.funnel_steps)
FROM steps AS s
WHERE s.funnel_steps IS NOT NULL AND s.to_state IS NOT NULL
UNION ALL
-- stage_time's stays: each change of state, or deletion, keeps how long the
-- client was in the state it leaves, from the change that entered it; the
-- client's state_since is when that change was
SELECT 'history_stay', s.client_id, s.to_manager,
       format('History row %s keeps a stay of %s in %s; the history says %s.',
              s.id, coalesce(s.stay::text, 'NULL'), s.from_state, coalesce(e.stay::text, 'none'))
FROM steps AS s
CROSS JOIN LATERAL (
    SELECT s.stay IS DISTINCT FROM s.changed_at - s.entered_at
           OR date_part('day', s.stay) <> date_part('day', s.changed_at - s.entered_at)
           OR date_part('hour', s.stay) <> date_part('hour', s.changed_at - s.entered_at)
           AS differs) AS quick
CROSS JOIN LATERAL (
    SELECT CASE WHEN NOT quick.differs THEN s.stay
                ELSE (SELECT s.changed_at - p.changed_at FROM client_history AS p
                      WHERE p.id = s.entered_id AND p.to_state IS NOT NULL) END AS stay) AS e
WHERE s.from_state IS NOT NULL AND s.from_state IS DISTINCT FROM s.to_state
  -- the same length in other fields ('24:00:00' for '1 day') is a
  -- disagreement too: avg() would add it up otherwise
  AND (s.stay IS DISTINCT FROM e.stay
       OR date_part('day', s.stay) <> date_part('day', e.stay)
       OR date_part('hour', s.stay) <> date_part('hour', e.stay))
UNION ALL
SELECT 'history_stay', s.client_id, s.to_manager,
       format('History row %s keeps a stay of %s but changes no state.', s.id, s.stay)
FROM steps AS s
WHERE s.stay IS NOT NULL AND s.from_state IS NOT DISTINCT FROM s.to_state
UNION ALL
SELECT 'state_since', c.id, c.manager_id,
       format('The client is in %s since %s; history row %s moved it there at %s.',
              c.state, coalesce(c.state_since::text, 'NULL'), q.id,
              (SELECT p.changed_at FROM client_history AS p WHERE p.id = q.id))
FROM client AS c
JOIN last_change AS l ON l.client_id = c.id AND l.to_state IS NOT NULL
CROSS JOIN LATERAL (
    SELECT CASE WHEN l.from_state IS DISTINCT FROM l.to_state THEN l.id ELSE l.entered_id END AS id,
           CASE WHEN l.from_state IS DISTINCT FROM l.to_state THEN l.changed_at
                ELSE l.entered_at END AS at) AS q
WHERE c.state_since IS DISTINCT FROM q.at
  AND c.state_since IS DISTINCT FROM (SELECT p.changed_at FROM client_history AS p WHERE p.id = q.id)
ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION salesalgo."check"() IS
    'The invariants salesalgo keeps (caps, worklist counts, nonprofile clients, refusal reasons, deadline clocks, history, hard refusals, the funnel''s sets and the stays it keeps), verified against the data: one row per violation, none on a healthy database. funnel_steps and history_stay rows after restoring a dump taken at 1.0 or 1.1: run salesalgo.rebuild_kept() once, as a superuser.';



-- 25. The trial report in one pass

-- 25a. report_facts(): what both trial reports read of the history, in
--    one pass in C from the period's start to now, in time order through
--    the changed_at index (src/trial_report.c, src/history_reader.c), where
--    three aggregates and a correlated scan of each deal's client history
--    took seconds at a department's size.  Out come what happened in each
--    bucket of the period per manager (moves by state and reason, deals,
--    refusals, expiries, recalls, clients taken into work), by how much each
--    manager's worklist changed before each sample of the load, and with
--    with_deals the median days to a deal per manager and in total (each
--    step of the expression by PostgreSQL's own function): a few thousand
--    rows, whatever the history.  trial_series() (section 22) calls it with
--    the first four arguments: no medians.
CREATE FUNCTION salesalgo.report_facts(from_ts timestamptz, to_ts timestamptz,
                                       starts timestamptz[], samples timestamptz[],
                                       with_deals boolean DEFAULT false)
    RETURNS TABLE (kind text, bucket integer, manager_id bigint, total boolean,
                   to_state salesalgo.client_state, refusal_reason text,
                   moved bigint, deals bigint, refused bigint, expired bigint,
                   recalled bigint, n bigint, days numeric)
    AS 'MODULE_PATHNAME', 'trial_report_pass'
    LANGUAGE C STRICT STABLE
    SET search_path = pg_catalog, pg_temp
    SET jit = off;
COMMENT ON FUNCTION salesalgo.report_facts(timestamptz, timestamptz, timestamptz[], timestamptz[], boolean) IS
    'The pass of trial_report() and trial_series() over the history from from_ts to now, in C: per bucket (index into starts) and manager, moves by state and reason with deals, refusals, expiries and recalls (kind moves), clients taken into work (kind taken), per sample (index into samples) the change of each manager''s worklist first seen there (kind load), and with with_deals the median days from a client''s last entry into a worklist to its deal, per manager and in total (kind median, days).  Reads client_history past its policies: refuses (42501) a caller they bind.';
REVOKE ALL ON FUNCTION salesalgo.report_facts(timestamptz, timestamptz, timestamptz[], timestamptz[], boolean) FROM PUBLIC;

-- 25b. When each manager was hired, where rule_history (1.2 on) says: a
--    report leaves out a manager hired after its period (or bucket) ended,
--    so that a later hire changes no past report.  A manager hired before
--    1.2 has no row here and is in every report, as before.
CREATE FUNCTION salesalgo.report_hires()
    RETURNS TABLE (manager_id bigint, hired_at timestamptz)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
SELECT (r.new_row OPERATOR(pg_catalog.->>) 'id')::bigint, max(r.changed_at)
FROM salesalgo.rule_history AS r
WHERE r.table_name OPERATOR(pg_catalog.=) 'manager' AND r.operation OPERATOR(pg_catalog.=) 'INSERT'
GROUP BY 1
$$;
COMMENT ON FUNCTION salesalgo.report_hires() IS
    'When each manager id''s current row was made, from rule_history: trial_report() and trial_series() leave out a manager hired after the period. Managers made before 1.2 have no row.';
REVOKE ALL ON FUNCTION salesalgo.report_hires() FROM PUBLIC;

-- 25c. trial_report() gains conversion, a column at the end (a new result
--    type), and takes its medians from the pass.
DROP FUNCTION salesalgo.trial_report(timestamptz, timestamptz);
CREATE FUNCTION salesalgo.trial_report(from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (manager_id bigint, name text, taken_into_work bigint,
                   deals bigint, refusals bigint, expired bigint,
                   median_days_to_deal numeric, avg_load numeric,
                   moves jsonb, refusals_by_reason jsonb, conversion numeric)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, salesalgo, pg_temp
    SET jit = off
AS $$
#variable_conflict use_column
DECLARE
    samples timestamptz[];
BEGIN
    PERFORM report_period('trial_report', from_ts, to_ts);
    -- the worklists are sampled once a day through the period, its end
    -- included
    samples := ARRAY(SELECT generate_series(from_ts, to_ts, interval '1 day'));
    RETURN QUERY
    WITH facts AS MATERIALIZED (
        SELECT * FROM report_facts(from_ts, to_ts, ARRAY[from_ts], samples, with_deals => true)
    ), hires AS (
        SELECT * FROM report_hires()
    ), counts AS (
        SELECT f.manager_id, f.total, sum(f.deals) AS deals, sum(f.refused) AS refusals,
               sum(f.expired) AS expired
        FROM facts AS f WHERE f.kind = 'moves'
        GROUP BY f.manager_id, f.total
    ), taken AS (
        SELECT f.manager_id, f.total, f.n AS taken_into_work FROM facts AS f WHERE f.kind = 'taken'
    ), moves AS (
        SELECT f.manager_id, f.total, jsonb_object_agg(f.to_state::text, f.n ORDER BY f.to_state) AS moves
        FROM (SELECT f.manager_id, f.total, f.to_state, sum(f.moved) AS n
              FROM facts AS f WHERE f.kind = 'moves' AND f.moved > 0
              GROUP BY f.manager_id, f.total, f.to_state) AS f
        GROUP BY f.manager_id, f.total
    ), reasons AS (
        SELECT f.manager_id, f.total,
               jsonb_object_agg(coalesce(f.refusal_reason, 'none'), f.n ORDER BY f.refusal_reason) AS refusals_by_reason
        FROM (SELECT f.manager_id, f.total, f.refusal_reason, sum(f.refused) AS n
              FROM facts AS f WHERE f.kind = 'moves' AND f.refused > 0
              GROUP BY f.manager_id, f.total, f.refusal_reason) AS f
        GROUP BY f.manager_id, f.total
    ), to_deal AS (
        -- the median days from the client's last entry into a worklist to
        -- its deal
        SELECT f.manager_id, f.total, f.days FROM facts AS f WHERE f.kind = 'median'
    ), in_work AS (
        -- in_work now, less every change since the first sample, plus the
        -- changes each sample sees: a running sum from sample 0
        SELECT x.manager_id, x.k,
               sum(sum(x.delta)) OVER (PARTITION BY x.manager_id ORDER BY x.k) AS in_work
        FROM (SELECT m.id AS manager_id, 0 AS k, m.in_work::bigint AS delta FROM manager AS m
              UNION ALL
              SELECT m.id, k.k, 0 FROM manager AS m CROSS JOIN generate_subscripts(samples, 1) AS k (k)
              UNION ALL
              SELECT f.manager_id, 0, -f.n FROM facts AS f WHERE f.kind = 'load'
              UNION ALL
              SELECT f.manager_id, f.bucket, f.n FROM facts AS f
              WHERE f.kind = 'load' AND f.bucket <= cardinality(samples)) AS x
        GROUP BY x.manager_id, x.k
    ), loads AS (
        SELECT l.manager_id, avg(l.in_work::bigint) AS in_work
        FROM in_work AS l WHERE l.k > 0
        GROUP BY l.manager_id
    ), rows AS (
        SELECT m.id AS manager_id, m.name, false AS total,
               round(l.in_work / coalesce(m.worklist_cap, s.default_worklist_cap), 4) AS avg_load
        FROM manager AS m CROSS JOIN settings AS s JOIN loads AS l ON l.manager_id = m.id
        LEFT JOIN hires AS h ON h.manager_id = m.id
        WHERE h.hired_at IS NULL OR h.hired_at < to_ts
        UNION ALL
        SELECT NULL, 'total', true,
               round(sum(l.in_work) / nullif(sum(coalesce(m.worklist_cap, s.default_worklist_cap)), 0), 4)
        FROM manager AS m CROSS JOIN settings AS s JOIN loads AS l ON l.manager_id = m.id
        LEFT JOIN hires AS h ON h.manager_id = m.id
        WHERE h.hired_at IS NULL OR h.hired_at < to_ts
    )
    SELECT r.manager_id, r.name,
           coalesce(t.taken_into_work, 0), coalesce(c.deals, 0)::bigint,
           coalesce(c.refusals, 0)::bigint, coalesce(c.expired, 0)::bigint,
           d.days, r.avg_load,
           coalesce(mv.moves, '{}'), coalesce(rs.refusals_by_reason, '{}'),
           round(coalesce(c.deals, 0)::numeric / nullif(t.taken_into_work, 0), 4)
    FROM rows AS r
    LEFT JOIN counts AS c ON c.total = r.total AND (r.total OR c.manager_id = r.manager_id)
    LEFT JOIN taken AS t ON t.total = r.total AND (r.total OR t.manager_id = r.manager_id)
    LEFT JOIN to_deal AS d ON d.total = r.total AND (r.total OR d.manager_id = r.manager_id)
    LEFT JOIN moves AS mv ON mv.total = r.total AND (r.total OR mv.manager_id = r.manager_id)
    LEFT JOIN reasons AS rs ON rs.total = r.total AND (r.total OR rs.manager_id = r.manager_id)
    ORDER BY r.total, r.manager_id;
END
$$;
COMMENT ON FUNCTION salesalgo.trial_report(timestamptz, timestamptz) IS
    'The book''s step 9: per manager and in total, what happened from from_ts (inclusive) to to_ts (exclusive): clients taken into work, deals, refusals a person made, expiries (moves by sales_expire, not counted as refusals), median days from work start to deal, average worklist load (sampled daily), moves into each state (expiries included), refusals by reason (adding up to refusals), and conversion (deals / taken_into_work, NULL when nobody was taken). Reads the history from from_ts on. Runs as its owner; for heads of sales and BI roles.';
REVOKE ALL ON FUNCTION salesalgo.trial_report(timestamptz, timestamptz) FROM PUBLIC;



-- 26. What-if at a department's size

-- 26a. The client's category in its history: what_if() replays each
--    deadline under the rule for the category the client had when the
--    clock started, not the one it has now.  Written by the C history
--    writer (history.c) like from_size and to_size; rows written before 1.2
--    have neither, and there the client's current category is the only
--    source (from_size and to_size NULL tell those rows apart from a client
--    with no category).

ALTER TABLE salesalgo.client_history
    ADD COLUMN from_category bigint,
    ADD COLUMN to_category bigint;
COMMENT ON COLUMN salesalgo.client_history.from_category IS
    'The client''s category_id before the change; NULL for none, for a creation, and in rows written before 1.2 (from_size NULL there).';
COMMENT ON COLUMN salesalgo.client_history.to_category IS
    'The client''s category_id after the change; NULL for none, for a deletion, and in rows written before 1.2 (to_size NULL there).';


-- 27. Who may do what: each kind's privileges in one place
--
--    grant_access() gives a role the privileges of its kind after
--    revoke_access() has taken back all it held; the update gives each role
--    already granted a kind what that kind now has, and takes nothing away
--    (a DBA's own grants stay until the next grant_access()).

CREATE FUNCTION salesalgo.grant_kind(role regrole, kind text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    CASE kind
    WHEN 'manager' THEN
        EXECUTE format('GRANT SELECT ON salesalgo.client, salesalgo.manager, salesalgo.category,'
                       ' salesalgo.refusal_reason, salesalgo.client_history,'
                       ' salesalgo.worklist, salesalgo.overdue, salesalgo.due_soon TO %s', role);
        EXECUTE format('GRANT UPDATE (state, refusal_reason, name, attributes)'
                       ' ON salesalgo.client TO %s', role);
    WHEN 'head' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON salesalgo.client,'
                       ' salesalgo.manager, salesalgo.category TO %s', role);
        EXECUTE format('GRANT SELECT ON salesalgo.refusal_reason, salesalgo.client_history,'
                       ' salesalgo.transition_rule, salesalgo.deadline_rule, salesalgo.settings,'
                       ' salesalgo.size_rule, salesalgo.rule_history,'
                       ' salesalgo.pipeline, salesalgo.worklist, salesalgo.overdue, salesalgo.due_soon,'
                       ' salesalgo.funnel, salesalgo.stage_time TO %s', role);
        EXECUTE format('GRANT USAGE ON SEQUENCE salesalgo.client_id_seq, salesalgo.manager_id_seq,'
                       ' salesalgo.category_id_seq TO %s', role);
        EXECUTE format('GRANT EXECUTE ON FUNCTION salesalgo.extend_deadline(bigint, timestamptz, text),'
                       ' salesalgo.distribute_leads(integer), salesalgo.sales_expire(timestamptz, integer),'
                       ' salesalgo.sales_recall(timestamptz), salesalgo."check"(),'
                       ' salesalgo.classify(jsonb, bigint), salesalgo.reclassify(bigint[]),'
                       ' salesalgo.trial_report(timestamptz, timestamptz),'
                       ' salesalgo.trial_series(timestamptz, timestamptz, interval),'
                       ' salesalgo.model_at(timestamptz), salesalgo.model_changes(timestamptz, timestamptz),'
                       ' salesalgo.what_if(timestamptz, timestamptz, jsonb) TO %s', role);
    WHEN 'bi' THEN
        EXECUTE format('GRANT SELECT ON salesalgo.pipeline, salesalgo.worklist, salesalgo.overdue,'
                       ' salesalgo.due_soon, salesalgo.funnel, salesalgo.stage_time TO %s', role);
        EXECUTE format('GRANT EXECUTE ON FUNCTION salesalgo.classify(jsonb, bigint),'
                       ' salesalgo.trial_report(timestamptz, timestamptz),'
                       ' salesalgo.trial_series(timestamptz, timestamptz, interval),'
                       ' salesalgo.model_at(timestamptz), salesalgo.model_changes(timestamptz, timestamptz),'
                       ' salesalgo.what_if(timestamptz, timestamptz, jsonb) TO %s', role);
    END CASE;
END
$$;
COMMENT ON FUNCTION salesalgo.grant_kind(regrole, text) IS
    'The privileges of a kind of access (manager, head, bi), granted to a role; grant_access() calls it. Takes nothing away.';
REVOKE ALL ON FUNCTION salesalgo.grant_kind(regrole, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION salesalgo.revoke_access(role regrole) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA salesalgo FROM %s', role);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA salesalgo FROM %s', role);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA salesalgo FROM %s', role);
    DELETE FROM salesalgo.access_role AS a WHERE a.role OPERATOR(pg_catalog.=) revoke_access.role;
END
$$;
COMMENT ON FUNCTION salesalgo.revoke_access(regrole) IS
    'Takes back every privilege a role holds on salesalgo''s tables, views, sequences and functions, and forgets its kind.';

CREATE OR REPLACE FUNCTION salesalgo.grant_access(role regrole, kind text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind IS NULL OR kind NOT IN ('manager', 'head', 'bi') THEN
        RAISE EXCEPTION 'unknown kind of access "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use manager, head or bi.';
    END IF;
    PERFORM salesalgo.revoke_access(role);
    PERFORM salesalgo.grant_kind(role, kind);
    INSERT INTO salesalgo.access_role (role, kind) VALUES (grant_access.role, grant_access.kind);
END
$$;
COMMENT ON FUNCTION salesalgo.grant_access(regrole, text) IS
    'Gives a role (a login, or a group its logins belong to) the access of a manager (its own clients: read them, move them, refuse them; its own rows of worklist, overdue and due_soon), a head of sales (every client and manager, deadlines, expiry, recall, leads, size rules, the model''s history, the views, reports and what-if) or a BI tool (the views, the reports, classify() and what-if).';

DO $$
DECLARE
    a salesalgo.access_role;
BEGIN
    FOR a IN SELECT * FROM salesalgo.access_role ORDER BY role::text LOOP
        PERFORM salesalgo.grant_kind(a.role, a.kind);
    END LOOP;
END
$$;
