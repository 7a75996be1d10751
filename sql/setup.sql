-- Set-up for the regression suite.
-- The operators live in schema salesalgo: put it on the search path, as the
-- README advises a DBA to do.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET search_path = public, salesalgo',
                   current_database());
END $$;

-- Runs a statement and shows how it failed, field by field, as a driver
-- sees it: code is the SQLSTATE, or 'ok'.  The statement runs in a subtransaction, so a failure changes
-- nothing that the tests can see.
CREATE SCHEMA regress;
CREATE FUNCTION regress.error_of(statement text,
                                 OUT code text, OUT message text,
                                 OUT detail text, OUT hint text,
                                 OUT table_name text, OUT constraint_name text,
                                 OUT column_name text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE,
                            message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT,
                            table_name = TABLE_NAME,
                            constraint_name = CONSTRAINT_NAME,
                            column_name = COLUMN_NAME;
END $$;
