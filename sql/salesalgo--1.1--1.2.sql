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



-- 16. Internal writes



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
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname OPERATOR(pg_catalog.=) 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'pg_cron runs its jobs from the one database named by cron.database_name.',
                  HINT = 'Run this in the pg_cron database: ' || salesalgo.expire_job_call(schedule);
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
    'Creates or replaces the pg_cron job salesalgo-expire that runs sales_expire() here (through expire_for_cron(), so that the run''s message says how many it expired); returns its id.';


-- 18. The surface



-- 19. Platforms

