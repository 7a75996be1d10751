-- Who sees what: a manager's login, a head of sales, a BI tool, and an
-- application with plain grants, each tried at what it may and may not do.
-- A database of its own, so that every count below is the whole truth.
CREATE DATABASE regress_salesalgo_security;
\c regress_salesalgo_security
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;
SET salesalgo.now = '2026-04-01 09:00+00';
SET TIME ZONE 'UTC';
CREATE SCHEMA regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE FUNCTION regress.error_of(statement text, OUT code text, OUT message text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
END $$;

CREATE ROLE regress_sales_managers NOLOGIN;
CREATE ROLE regress_anna LOGIN IN ROLE regress_sales_managers;
CREATE ROLE regress_boris LOGIN IN ROLE regress_sales_managers;
-- a member of the managers' group with no manager row: sees nothing
CREATE ROLE regress_ghost LOGIN IN ROLE regress_sales_managers;
CREATE ROLE regress_head LOGIN;
CREATE ROLE regress_bi LOGIN;
CREATE ROLE regress_app LOGIN;

-- the set-up is three calls
SELECT grant_access('regress_sales_managers', 'manager');
SELECT grant_access('regress_head', 'head');
SELECT grant_access('regress_bi', 'bi');
SELECT role, kind FROM access_role ORDER BY role::text;
SELECT * FROM regress.error_of($$SELECT grant_access('regress_app', 'owner')$$);
-- an application of 1.0's days, with plain grants, is not a manager
GRANT SELECT ON client TO regress_app;

INSERT INTO manager (id, name, login, worklist_cap) VALUES
    (1, 'Anna', 'regress_anna', 2), (2, 'Boris', 'regress_boris', NULL);
INSERT INTO client (id, name, size, manager_id) VALUES
    (1, 'a1', 'small', 1), (2, 'a2', 'medium', 1), (3, 'b1', 'large', 2);
UPDATE client SET state = 'contact_1' WHERE id = 2;
UPDATE client SET state = 'strategic_reserve' WHERE id = 2;
INSERT INTO client (id, name, size) VALUES (4, 'lead 1', 'small'), (5, 'lead 2', 'medium');
SELECT regress_fingerprint FROM (
    SELECT md5(string_agg(c::text, ';' ORDER BY id)) AS regress_fingerprint FROM client c) f \gset

-- A manager sees its own clients, its own row and its own history.
SET SESSION AUTHORIZATION regress_anna;
SELECT id, name, state, manager_id FROM client ORDER BY id;
SELECT id, name, in_work FROM manager;
SELECT client_id, to_state FROM client_history ORDER BY id;
SELECT code FROM refusal_reason WHERE hard;
-- and moves them along the rules, in history under its own name
UPDATE client SET state = 'contact_1' WHERE id = 1 RETURNING id, state;
SELECT changed_by, source FROM client_history WHERE client_id = 1 ORDER BY id DESC LIMIT 1;
-- the rules bind it all the same
SELECT * FROM regress.error_of($$UPDATE client SET state = 'client' WHERE id = 1$$);
-- Nothing else: another manager's client is not there to change; a client
-- stays with its manager; the pool, deadlines, history, configuration,
-- expiry, leads and the views are out of reach.
UPDATE client SET state = 'contact_1' WHERE id = 3 RETURNING id;
SELECT 'other manager' AS tried, * FROM regress.error_of($$UPDATE client SET manager_id = 2 WHERE id = 1$$)
UNION ALL SELECT 'take a lead', * FROM regress.error_of($$UPDATE client SET manager_id = 1 WHERE id = 4$$)
UNION ALL SELECT 'new client', * FROM regress.error_of($$INSERT INTO client (name, size, manager_id) VALUES ('mine', 'small', 1)$$)
UNION ALL SELECT 'delete', * FROM regress.error_of($$DELETE FROM client WHERE id = 1$$)
UNION ALL SELECT 'deadline', * FROM regress.error_of($$UPDATE client SET deadline_at = deadline_at + interval '1 day' WHERE id = 1$$)
UNION ALL SELECT 'extend', * FROM regress.error_of($$SELECT extend_deadline(1, now() + interval '60 days', 'mine')$$)
UNION ALL SELECT 'size', * FROM regress.error_of($$UPDATE client SET size = 'large' WHERE id = 1$$)
UNION ALL SELECT 'history', * FROM regress.error_of($$INSERT INTO client_history (client_id, changed_at, changed_by, source) VALUES (1, now(), 'x', 'sql')$$)
UNION ALL SELECT 'cap', * FROM regress.error_of($$UPDATE manager SET worklist_cap = 90$$)
UNION ALL SELECT 'rules', * FROM regress.error_of($$INSERT INTO transition_rule VALUES ('client', 'new')$$)
UNION ALL SELECT 'deadline rule', * FROM regress.error_of($$UPDATE deadline_rule SET days = 99$$)
UNION ALL SELECT 'settings', * FROM regress.error_of($$UPDATE settings SET default_worklist_cap = 500$$)
UNION ALL SELECT 'reasons', * FROM regress.error_of($$UPDATE refusal_reason SET hard = false$$)
UNION ALL SELECT 'expire', * FROM regress.error_of($$SELECT sales_expire()$$)
UNION ALL SELECT 'leads', * FROM regress.error_of($$SELECT distribute_leads()$$)
UNION ALL SELECT 'view', * FROM regress.error_of($$SELECT * FROM pipeline$$)
UNION ALL SELECT 'check', * FROM regress.error_of($$SELECT * FROM salesalgo.check()$$)
UNION ALL SELECT 'grant', * FROM regress.error_of($$SELECT grant_access('regress_anna', 'head')$$)
UNION ALL SELECT 'access', * FROM regress.error_of($$DELETE FROM access_role$$);
-- Its own views (1.2): its own row and clients only.
SELECT manager_id, in_work, overdue, due_soon, recall FROM worklist;
SELECT (SELECT count(*) FROM overdue) AS overdue, (SELECT count(*) FROM due_soon) AS due_soon;
RESET SESSION AUTHORIZATION;
SELECT md5(string_agg(c::text, ';' ORDER BY id)) <> :'regress_fingerprint' AS only_client_1_moved,
       (SELECT state FROM client WHERE id = 3) AS boris_client,
       (SELECT worklist_cap FROM manager WHERE id = 1) AS anna_cap
FROM client c;

-- The rules read what the manager cannot: a rule changed by the DBA
-- reaches its cache, read as the tables' owner, and its cap is counted on
-- a row it may not update.
DELETE FROM transition_rule WHERE from_state = 'strategic_reserve' AND to_state = 'contact_2';
SET SESSION AUTHORIZATION regress_anna;
SELECT * FROM regress.error_of($$UPDATE client SET state = 'contact_2' WHERE id = 2$$);
UPDATE client SET state = 'contact_1' WHERE id = 2 RETURNING id, state;
SELECT in_work, worklist_cap FROM manager;
UPDATE client SET state = 'strategic_reserve' WHERE id = 2;
RESET SESSION AUTHORIZATION;
INSERT INTO client (id, name, size, manager_id) VALUES (6, 'a3', 'small', 1);
SET SESSION AUTHORIZATION regress_anna;
SELECT * FROM regress.error_of($$UPDATE client SET state = 'contact_1' WHERE id = 2$$);
RESET SESSION AUTHORIZATION;

-- A login in the managers' group with no manager row sees nothing.
SET SESSION AUTHORIZATION regress_ghost;
SELECT count(*) AS clients, (SELECT count(*) FROM manager) AS managers,
       (SELECT count(*) FROM client_history) AS history FROM client;
UPDATE client SET state = 'contact_1' WHERE id = 4 RETURNING id;
RESET SESSION AUTHORIZATION;

-- The head of sales sees and moves everything and may move deadlines, but
-- does not write history or configuration.
SET SESSION AUTHORIZATION regress_head;
SELECT count(*) AS clients, (SELECT count(*) FROM manager) AS managers FROM client;
UPDATE client SET manager_id = 2 WHERE id = 6 RETURNING id, manager_id, state;
SELECT distribute_leads() AS assigned;
SELECT extend_deadline(1, '2026-06-01 09:00+00', 'big tender');
SELECT deadline_at FROM client WHERE id = 1;
SELECT manager_id, in_work, cap, free FROM worklist ORDER BY manager_id;
SELECT count(*) AS violations FROM salesalgo.check();
SELECT 'history', * FROM regress.error_of($$DELETE FROM client_history$$)
UNION ALL SELECT 'settings', * FROM regress.error_of($$UPDATE settings SET default_worklist_cap = 500$$)
UNION ALL SELECT 'grant', * FROM regress.error_of($$SELECT grant_access('regress_head', 'bi')$$);
RESET SESSION AUTHORIZATION;
SELECT changed_by, source, note FROM client_history WHERE source = 'extend_deadline';

-- A BI login reads the views and nothing else.
SET SESSION AUTHORIZATION regress_bi;
SELECT state, clients FROM pipeline ORDER BY state;
SELECT count(*) AS managers FROM worklist;
SELECT 'client', * FROM regress.error_of($$SELECT count(*) FROM client$$)
UNION ALL SELECT 'history', * FROM regress.error_of($$SELECT count(*) FROM client_history$$)
UNION ALL SELECT 'move', * FROM regress.error_of($$UPDATE client SET state = 'contact_1'$$);
RESET SESSION AUTHORIZATION;

-- An application with plain grants sees what they allow, as in 1.0.
SET SESSION AUTHORIZATION regress_app;
SELECT count(*) AS clients FROM client;
RESET SESSION AUTHORIZATION;

-- A manager who is also a head of sales sees everything.
GRANT regress_head TO regress_boris;
SET SESSION AUTHORIZATION regress_boris;
SELECT count(*) AS clients FROM client;
RESET SESSION AUTHORIZATION;
REVOKE regress_head FROM regress_boris;
SET SESSION AUTHORIZATION regress_boris;
SELECT count(*) AS clients FROM client;
RESET SESSION AUTHORIZATION;

-- revoke_access() takes it back.
SELECT revoke_access('regress_head');
SET SESSION AUTHORIZATION regress_head;
SELECT * FROM regress.error_of($$SELECT count(*) FROM client$$);
RESET SESSION AUTHORIZATION;
SELECT role, kind FROM access_role ORDER BY role::text;

\c contrib_regression
DROP DATABASE regress_salesalgo_security;
DROP ROLE regress_anna, regress_boris, regress_ghost, regress_sales_managers,
    regress_head, regress_bi, regress_app;
