-- report_facts(), the C pass of trial_report() and trial_series() over the
-- history, reads client_history past its policies: nobody runs it but the
-- reports' owner.  A role granted it anyway reads nothing it could not
-- read itself: without SELECT on client_history it is refused (42501), and
-- so is a role the policies bind (a manager's login), which would
-- otherwise see every manager's history.  The reports themselves run as
-- their owner and keep working for the head and bi kinds.
-- All in one transaction, rolled back at the end: nothing stays behind
-- for the tests that follow.
BEGIN;
SET LOCAL TIME ZONE 'UTC';
SET salesalgo.now = '2031-03-02 09:00+00';
INSERT INTO manager (id, name, worklist_cap) VALUES (81, 'Tanya', 5), (82, 'Pavel', 5);
INSERT INTO client (id, name, size, manager_id) VALUES
    (8101, 'tp1', 'small', 81), (8102, 'tp2', 'small', 82);
SET salesalgo.now = '2031-03-03 09:00+00';
UPDATE client SET state = 'contact_1' WHERE id IN (8101, 8102);
SET salesalgo.now = '2031-03-04 09:00+00';

CREATE ROLE regress_tp_manager LOGIN;
CREATE ROLE regress_tp_app LOGIN;
CREATE ROLE regress_tp_bi LOGIN;
SELECT grant_access('regress_tp_manager', 'manager');
SELECT grant_access('regress_tp_bi', 'bi');
UPDATE manager SET login = 'regress_tp_manager' WHERE id = 81;

-- nobody may run it: not PUBLIC, not the kinds
SELECT r.rolname,
       has_function_privilege(r.oid, 'salesalgo.report_facts(timestamptz, timestamptz, timestamptz[], timestamptz[], boolean)',
                              'EXECUTE') AS may_run
FROM pg_roles AS r WHERE r.rolname LIKE 'regress_tp_%' ORDER BY 1;
SET SESSION AUTHORIZATION regress_tp_bi;
SELECT code, message FROM regress.error_of($$
    SELECT count(*) FROM salesalgo.report_facts('2031-03-01', '2031-03-04', '{2031-03-01}', '{2031-03-01}', true)$$);
RESET SESSION AUTHORIZATION;

-- granted by mistake: a role without SELECT on the history is refused on
-- the table
GRANT EXECUTE ON FUNCTION salesalgo.report_facts(timestamptz, timestamptz, timestamptz[], timestamptz[], boolean)
    TO regress_tp_manager, regress_tp_app;
SET SESSION AUTHORIZATION regress_tp_app;
SELECT code, message FROM regress.error_of($$
    SELECT count(*) FROM salesalgo.report_facts('2031-03-01', '2031-03-04', '{2031-03-01}', '{2031-03-01}', true)$$);
RESET SESSION AUTHORIZATION;

-- a manager's login reads its own history only (one row of Tanya's moves
-- and her client's creation), and through the pass nothing: refused, with
-- row_security on or off
SET SESSION AUTHORIZATION regress_tp_manager;
SELECT count(*) AS own_history_rows FROM salesalgo.client_history;
SELECT code, message, detail, hint FROM regress.error_of($$
    SELECT count(*) FROM salesalgo.report_facts('2031-03-01', '2031-03-04', '{2031-03-01}', '{2031-03-01}', true)$$);
SET row_security = off;
SELECT code, message FROM regress.error_of($$
    SELECT count(*) FROM salesalgo.report_facts('2031-03-01', '2031-03-04', '{2031-03-01}', '{2031-03-01}', true)$$);
RESET row_security;
-- and the reports, not its kind's, stay refused
SELECT code, message FROM regress.error_of($$SELECT count(*) FROM salesalgo.trial_report('2031-03-01', '2031-03-04')$$);
RESET SESSION AUTHORIZATION;

-- the bi kind runs the reports, which read the whole history as their owner
SET SESSION AUTHORIZATION regress_tp_bi;
SELECT manager_id, taken_into_work, deals, moves
FROM salesalgo.trial_report('2031-03-02', '2031-03-04') WHERE manager_id IN (81, 82) OR manager_id IS NULL;
RESET SESSION AUTHORIZATION;

-- the pass's own arguments, as the reports never give them: 22023
SELECT code, message FROM regress.error_of($$
    SELECT count(*) FROM salesalgo.report_facts('2031-03-01', '2031-03-04', '{}', '{2031-03-01}', true)$$);
SELECT code, message FROM regress.error_of($$
    SELECT count(*) FROM salesalgo.report_facts('2031-03-01', '2031-03-04', '{2031-03-01}', '{2031-03-02,2031-03-01}', true)$$);

ROLLBACK;
