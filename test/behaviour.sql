-- The rules that both salesalgo and the benchmark's PL/pgSQL reference
-- (bench/reference.sql) enforce, run against either: psql -v s=salesalgo or
-- -v s=ref.  Each line is a rule, the statement that tests it, and what
-- happened: ok, or the SQLSTATE and constraint or column.
\set ON_ERROR_STOP on
\pset tuples_only on
\pset format unaligned
SET search_path = public, salesalgo;
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.try(rule text, statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    code text;
    object text;
    column_name text;
BEGIN
    EXECUTE statement;
    RETURN rule || ': ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, object = CONSTRAINT_NAME,
                            column_name = COLUMN_NAME;
    RETURN rule || ': ' || code || coalesce(' ' || nullif(object, ''), '')
           || coalesce(' ' || nullif(column_name, ''), '');
END $$;

INSERT INTO :s.manager (id, name, worklist_cap) VALUES (1, 'Anna', 2), (2, 'Boris', 5);
UPDATE :s.manager SET active = false WHERE id = 2;

SELECT pg_temp.try('R1 created in deal', format($$INSERT INTO %s.client (id, name, size, state) VALUES (1, 'x', 'small', 'deal')$$, :'s'));
SELECT pg_temp.try('R1 created in new', format($$INSERT INTO %s.client (id, name, size, manager_id) VALUES (1, 'x', 'small', 1)$$, :'s'));
SELECT pg_temp.try('R2 new to client', format($$UPDATE %s.client SET state = 'client' WHERE id = 1$$, :'s'));
SELECT pg_temp.try('R2 new to contact_1', format($$UPDATE %s.client SET state = 'contact_1' WHERE id = 1$$, :'s'));
SELECT pg_temp.try('R3 refusal without reason', format($$UPDATE %s.client SET state = 'refusal' WHERE id = 1$$, :'s'));
SELECT pg_temp.try('R5 nonprofile into a worklist', format($$INSERT INTO %s.client (id, name, size, manager_id) VALUES (2, 'x', 'nonprofile', 1)$$, :'s'));
SELECT pg_temp.try('R6 inactive manager', format($$INSERT INTO %s.client (id, name, size, manager_id) VALUES (2, 'x', 'small', 2)$$, :'s'));
SELECT pg_temp.try('R6 second of two', format($$INSERT INTO %s.client (id, name, size, manager_id) VALUES (2, 'x', 'small', 1)$$, :'s'));
SELECT pg_temp.try('R6 third of two', format($$INSERT INTO %s.client (id, name, size, manager_id) VALUES (3, 'x', 'small', 1)$$, :'s'));
SELECT pg_temp.try('R8 deadline set by hand', format($$UPDATE %s.client SET deadline_at = now() WHERE id = 1$$, :'s'));
SELECT pg_temp.try('R7 small term', format($q$DO $do$ BEGIN IF (SELECT deadline_at - work_started_at FROM %s.client WHERE id = 1) <> interval '14 days' THEN RAISE 'wrong term'; END IF; END $do$$q$, :'s'));
SELECT pg_temp.try('R4 hard refusal', format($$UPDATE %s.client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE id = 2$$, :'s'));
SELECT pg_temp.try('R4 out of a hard refusal', format($$UPDATE %s.client SET state = 'recall' WHERE id = 2$$, :'s'));
SELECT pg_temp.try('R6 slot freed', format($$INSERT INTO %s.client (id, name, size, manager_id) VALUES (3, 'x', 'small', 1)$$, :'s'));
SELECT pg_temp.try('expiry', format($q$DO $do$ BEGIN IF %s.sales_expire('2100-01-01') <> 2 THEN RAISE 'wrong count'; END IF; END $do$$q$, :'s'));
SELECT 'R9 history rows of client 1: ' || count(*) FROM :s.client_history WHERE client_id = 1;
SELECT 'states: ' || string_agg(id || '=' || state, ' ' ORDER BY id) FROM :s.client;
