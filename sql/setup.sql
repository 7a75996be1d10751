-- Set-up for the regression suite.
-- Tables and functions live in schema salesalgo: put it on the search path, as the
-- README advises a DBA to do.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = public, salesalgo',
                   current_database());
END $$;

-- Runs a statement and shows how it failed, field by field, as a driver
-- sees it: code is the SQLSTATE, or 'ok'.  The statement runs in a
-- subtransaction; with undo, even a statement that succeeds is rolled back,
-- so that many can be tried from the same starting point.
CREATE SCHEMA regress;
CREATE FUNCTION regress.error_of(statement text, undo boolean DEFAULT false,
                                 OUT code text, OUT message text,
                                 OUT detail text, OUT hint text,
                                 OUT table_name text, OUT constraint_name text,
                                 OUT column_name text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
    IF undo THEN
        RAISE EXCEPTION 'regress: undo' USING ERRCODE = 'RGUND';
    END IF;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
                            message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT,
                            table_name = TABLE_NAME,
                            constraint_name = CONSTRAINT_NAME,
                            column_name = COLUMN_NAME;
    IF code = 'RGUND' THEN
        code := 'ok';
        message := NULL;
    END IF;
END $$;

GRANT USAGE ON SCHEMA regress TO PUBLIC;

-- A fingerprint of every table salesalgo keeps, to show that a rejected
-- statement changed nothing.
CREATE FUNCTION regress.fingerprint() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.client t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.manager t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.client_history t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.transition_rule t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.deadline_rule t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.refusal_reason t),
        (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM salesalgo.settings t)))
$$;

-- A role with no privileges, for what must not be open to everyone.
DO $$
BEGIN
    CREATE ROLE regress_salesalgo_nobody;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END $$;
