-- salesalgo's trigger functions run on their own tables only, and nobody
-- but the extension attaches them: EXECUTE is not granted to PUBLIC, and a
-- trigger function fired on any other table (a look-alike in pg_temp, a
-- copy with other column types) refuses before it reads a row.
SET TIME ZONE 'UTC';
DO $$
BEGIN
    CREATE ROLE regress_salesalgo_app;
EXCEPTION WHEN duplicate_object THEN
    NULL;
END $$;
GRANT USAGE ON SCHEMA salesalgo TO regress_salesalgo_app;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON salesalgo.client, salesalgo.manager,
    salesalgo.client_history TO regress_salesalgo_app;
GRANT USAGE ON SEQUENCE salesalgo.client_id_seq TO regress_salesalgo_app;
GRANT CREATE ON SCHEMA public TO regress_salesalgo_nobody, regress_salesalgo_app;

-- Who may execute what: trigger and internal functions are not PUBLIC's.
SELECT p.proname, pg_catalog.has_function_privilege('regress_salesalgo_nobody', p.oid, 'EXECUTE') AS public_may_execute
FROM pg_catalog.pg_proc AS p
WHERE p.pronamespace = 'salesalgo'::regnamespace
  AND (p.prorettype = 'trigger'::regtype
       OR p.proname IN ('restoring_dump', 'rule_key', 'expire_job_call',
                        'label', 'in_worklist', 'now', 'client_state_in', 'client_size_out'))
ORDER BY 1, 2;

SELECT regress.fingerprint() AS before \gset

-- The issue's reproduction, as a role with no grants and as a role with
-- table privileges: attaching is refused.
SET ROLE regress_salesalgo_nobody;
CREATE TEMP TABLE t (id bigint, name text, size "char", category_id bigint, state "char",
  manager_id bigint, refusal_reason bigint, state_since timestamptz, work_started_at timestamptz,
  deadline_at timestamptz);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER r BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER l AFTER INSERT ON t REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER tr BEFORE TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_truncate()$$);
RESET ROLE;
DROP TABLE pg_temp.t;
SET ROLE regress_salesalgo_app;
CREATE TEMP TABLE t (LIKE salesalgo.client);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER r BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER l AFTER INSERT ON t REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER tr BEFORE TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_truncate()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER g BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.manager_guard()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER h BEFORE INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.history_guard()$$);
SELECT code, message FROM regress.error_of($$CREATE TRIGGER c AFTER INSERT ON t FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed()$$);
RESET ROLE;
DROP TABLE pg_temp.t;

-- Even where a trigger gets attached (EXECUTE granted by mistake), the
-- function refuses every table but its own, before reading a row.
GRANT EXECUTE ON FUNCTION salesalgo.client_rules(), salesalgo.client_log(),
    salesalgo.client_truncate(), salesalgo.manager_guard(), salesalgo.history_guard(),
    salesalgo.rules_changed() TO regress_salesalgo_nobody, regress_salesalgo_app;

SET ROLE regress_salesalgo_nobody;
CREATE TEMP TABLE t (id bigint, name text, size "char", category_id bigint, state "char",
  manager_id bigint, refusal_reason bigint, state_since timestamptz, work_started_at timestamptz,
  deadline_at timestamptz);
CREATE TRIGGER r BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules();
SELECT code, message FROM regress.error_of($$INSERT INTO t VALUES (1, 'x', '\001', NULL, '\000', NULL, 1, NULL, NULL, NULL)$$);
DROP TRIGGER r ON t;
CREATE TRIGGER l AFTER INSERT ON t REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log();
SELECT code, message FROM regress.error_of($$INSERT INTO t VALUES (1, 'x', '\001', NULL, '\377', NULL, 1, NULL, NULL, NULL)$$);
CREATE TRIGGER tr BEFORE TRUNCATE ON t FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_truncate();
SELECT code, message FROM regress.error_of($$TRUNCATE t$$);
RESET ROLE;
DROP TABLE pg_temp.t;

-- A look-alike with salesalgo's own types, as a role with table privileges:
-- forged history and zeroed counts are refused.
SET ROLE regress_salesalgo_app;
CREATE TEMP TABLE client (LIKE salesalgo.client);
CREATE TRIGGER r BEFORE INSERT OR UPDATE ON pg_temp.client FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules();
SELECT code, message FROM regress.error_of($$INSERT INTO pg_temp.client (id, name, size, state, attributes) VALUES (4, 'x', 'small', 'client', '{}')$$);
DROP TRIGGER r ON pg_temp.client;
CREATE TRIGGER l AFTER INSERT ON pg_temp.client REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log();
SELECT code, message FROM regress.error_of($$INSERT INTO pg_temp.client (id, name, size, state, attributes, size_derived) VALUES (4, 'x', 'small', 'client', '{}', false)$$);
CREATE TRIGGER tr BEFORE TRUNCATE ON pg_temp.client FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_truncate();
SELECT code, message FROM regress.error_of($$TRUNCATE pg_temp.client$$);
CREATE TEMP TABLE manager (LIKE salesalgo.manager);
CREATE TRIGGER g BEFORE INSERT OR UPDATE ON pg_temp.manager FOR EACH ROW EXECUTE FUNCTION salesalgo.manager_guard();
SELECT code, message FROM regress.error_of($$INSERT INTO pg_temp.manager (id, name, in_work) VALUES (1, 'x', 0)$$);
CREATE TEMP TABLE h (LIKE salesalgo.client_history);
CREATE TRIGGER h BEFORE INSERT ON h FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.history_guard();
SELECT code, message FROM regress.error_of($$INSERT INTO h (id, client_id, to_state, changed_at, changed_by, source) VALUES (1, 4, 'client', now(), 'ops', 'sql')$$);
CREATE TRIGGER c AFTER INSERT ON h FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();
DROP TRIGGER h ON h;
SELECT code, message FROM regress.error_of($$INSERT INTO h (id, client_id, to_state, changed_at, changed_by, source) VALUES (1, 4, 'client', now(), 'ops', 'sql')$$);
RESET ROLE;
DROP TABLE pg_temp.client, pg_temp.manager, pg_temp.h;

-- Called directly, not as a trigger.
SELECT code, message FROM regress.error_of($$SELECT salesalgo.client_rules()$$);

SELECT regress.fingerprint() = :'before' AS nothing_changed;

REVOKE EXECUTE ON FUNCTION salesalgo.client_rules(), salesalgo.client_log(),
    salesalgo.client_truncate(), salesalgo.manager_guard(), salesalgo.history_guard(),
    salesalgo.rules_changed() FROM regress_salesalgo_nobody, regress_salesalgo_app;
REVOKE CREATE ON SCHEMA public FROM regress_salesalgo_nobody, regress_salesalgo_app;
REVOKE ALL ON salesalgo.client, salesalgo.manager, salesalgo.client_history FROM regress_salesalgo_app;
REVOKE ALL ON SEQUENCE salesalgo.client_id_seq FROM regress_salesalgo_app;
REVOKE ALL ON SCHEMA salesalgo FROM regress_salesalgo_app;
DROP ROLE regress_salesalgo_app;
