-- Who may do what at the surface: a BI role runs the trial report; a
-- caller's cheap function sees only the rows a view returns; only the
-- extension's owner binds a login to a manager; a category that deadline
-- rules name cannot be deleted.  A database of its own.
CREATE DATABASE regress_salesalgo_surface_access;
\c regress_salesalgo_surface_access
CREATE EXTENSION salesalgo;
SET TIME ZONE 'UTC';
CREATE SCHEMA regress;
GRANT USAGE ON SCHEMA regress TO PUBLIC;
CREATE FUNCTION regress.error_of(statement text, OUT code text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
END $$;

CREATE ROLE regress_sa_managers NOLOGIN;
CREATE ROLE regress_sa_anna LOGIN IN ROLE regress_sa_managers;
CREATE ROLE regress_sa_head LOGIN;
CREATE ROLE regress_sa_bi LOGIN;
CREATE ROLE regress_sa_app LOGIN;
SELECT salesalgo.grant_access('regress_sa_managers', 'manager');
SELECT salesalgo.grant_access('regress_sa_head', 'head');
SELECT salesalgo.grant_access('regress_sa_bi', 'bi');
-- an application with plain grants
GRANT SELECT, UPDATE ON salesalgo.client TO regress_sa_app;

SET salesalgo.now = '2026-03-02 09:00+00';
INSERT INTO salesalgo.category (id, name) VALUES (1, 'trade'), (2, 'services');
INSERT INTO salesalgo.deadline_rule (size, category_id, days) VALUES ('small', 1, 10);
INSERT INTO salesalgo.manager (id, name, login, worklist_cap) VALUES
    (1, 'Anna', 'regress_sa_anna', 10), (2, 'Boris', NULL, 10);
INSERT INTO salesalgo.client (id, name, size, manager_id, category_id) VALUES
    (1, 'anna-1', 'small', 1, 1), (2, 'anna-2', 'medium', 1, NULL),
    (3, 'boris-1', 'large', 2, NULL), (4, 'boris-2', 'small', 2, 2),
    (5, 'boris-3', 'medium', 2, NULL);
SET salesalgo.now = '2026-03-03 09:00+00';
UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (1, 3, 4);
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 5;
SET salesalgo.now = '2026-03-20 09:00+00';
-- the night run expires Anna's client 1 (small, trade: 10 days) and Boris's
-- client 4 (small: 14 days)
SELECT salesalgo.sales_expire('2026-03-20 09:00+00');
SET salesalgo.now = '2026-03-21 09:00+00';
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2;
-- now clients 2 (medium: 30 days) and 3 (large: 40 days) are overdue,
-- client 6 is not
SET salesalgo.now = '2026-04-19 09:00+00';
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (6, 'boris-4', 'small', 2);
SET salesalgo.now = '2026-04-20 09:00+00';

-- The trial report, as a BI role: refusals a person made and expiries apart,
-- and refusals_by_reason adds up to refusals.
SET SESSION AUTHORIZATION regress_sa_bi;
SELECT manager_id, name, taken_into_work, deals, refusals, expired, moves, refusals_by_reason
FROM salesalgo.trial_report('2026-03-01', '2026-04-01');
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report(NULL, now())$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report(now(), NULL)$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report('2026-04-01', '2026-03-01')$$);
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report('-infinity', 'infinity')$$);
-- and nothing else: no table
SELECT * FROM regress.error_of($$SELECT count(*) FROM salesalgo.client$$);
RESET SESSION AUTHORIZATION;
-- a manager, an application: not theirs
SET SESSION AUTHORIZATION regress_sa_anna;
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report('2026-03-01', '2026-04-01')$$);
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_sa_app;
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report('2026-03-01', '2026-04-01')$$);
RESET SESSION AUTHORIZATION;
SELECT salesalgo.revoke_access('regress_sa_bi');
SET SESSION AUTHORIZATION regress_sa_bi;
SELECT * FROM regress.error_of($$SELECT * FROM salesalgo.trial_report('2026-03-01', '2026-04-01')$$);
RESET SESSION AUTHORIZATION;
SELECT salesalgo.grant_access('regress_sa_bi', 'bi');

-- No view leaks a row it does not return: a leaky function of tiny cost in
-- a caller's WHERE clause prints only the rows the view returns, as a BI
-- role and as a manager's login (whose clients are Anna's only).
-- One per signature, so that no cast adds to its cost: the planner runs
-- the cheapest condition first unless a barrier says otherwise.
CREATE FUNCTION regress.leak(bigint, text) RETURNS boolean
    LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'leak: % %', $1, $2;
    RETURN true;
END $$;
CREATE FUNCTION regress.leak(salesalgo.client_state, bigint) RETURNS boolean
    LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'leak: % %', $1, $2;
    RETURN true;
END $$;
CREATE FUNCTION regress.leak(integer, bigint) RETURNS boolean
    LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'leak: % %', $1, $2;
    RETURN true;
END $$;
CREATE FUNCTION regress.leak(bigint, salesalgo.client_state) RETURNS boolean
    LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'leak: % %', $1, $2;
    RETURN true;
END $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA regress TO PUBLIC;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET SESSION AUTHORIZATION regress_sa_bi;
SELECT client_id FROM salesalgo.overdue WHERE regress.leak(client_id, name);
SELECT manager_id FROM salesalgo.worklist WHERE regress.leak(manager_id, name) AND manager_id = 2;
-- (pipeline: every state the view returns, its counts; nothing below them)
SELECT state FROM salesalgo.pipeline WHERE regress.leak(state, clients) AND state = 'refusal';
SELECT step FROM salesalgo.funnel WHERE regress.leak(step, reached) AND step = 2;
SELECT state FROM salesalgo.stage_time WHERE regress.leak(state, stays) AND state = 'new';
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_sa_anna;
SELECT id FROM salesalgo.client WHERE regress.leak(id, name);
SELECT id FROM salesalgo.manager WHERE regress.leak(id, name);
SELECT client_id FROM salesalgo.client_history WHERE regress.leak(client_id, to_state) ORDER BY id;
-- her own views (1.2): her own rows reach the function, no other
SELECT client_id FROM salesalgo.overdue WHERE regress.leak(client_id, name);
SELECT client_id FROM salesalgo.due_soon WHERE regress.leak(client_id, name);
SELECT manager_id FROM salesalgo.worklist WHERE regress.leak(manager_id, name);
RESET SESSION AUTHORIZATION;
RESET enable_indexscan;
RESET enable_bitmapscan;

-- Only the extension's owner binds a login: a head of sales can neither
-- bind the application's role, nor re-bind or unbind Anna's login, nor
-- unbind it by deleting her manager row (42501, nothing changed).
SET SESSION AUTHORIZATION regress_sa_app;
SELECT count(*) AS app_sees FROM salesalgo.client;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_sa_head;
SELECT 'bind' AS tried, * FROM regress.error_of($$INSERT INTO salesalgo.manager (name, login) VALUES ('nobody', 'regress_sa_app')$$)
UNION ALL SELECT 'bind by update', * FROM regress.error_of($$UPDATE salesalgo.manager SET login = 'regress_sa_app' WHERE id = 2$$)
UNION ALL SELECT 're-bind', * FROM regress.error_of($$UPDATE salesalgo.manager SET login = 'regress_sa_app' WHERE id = 1$$)
UNION ALL SELECT 'unbind', * FROM regress.error_of($$UPDATE salesalgo.manager SET login = NULL WHERE id = 1$$)
UNION ALL SELECT 'delete', * FROM regress.error_of($$DELETE FROM salesalgo.manager WHERE id = 1$$)
UNION ALL SELECT 'rename', * FROM regress.error_of($$UPDATE salesalgo.manager SET name = 'Anna S.', login = login WHERE id = 1$$)
UNION ALL SELECT 'new manager', * FROM regress.error_of($$INSERT INTO salesalgo.manager (id, name) VALUES (3, 'Vera')$$);
RESET SESSION AUTHORIZATION;
SELECT id, name, login FROM salesalgo.manager ORDER BY id;
SET SESSION AUTHORIZATION regress_sa_head;
DELETE FROM salesalgo.manager WHERE id = 3 RETURNING id, name;
RESET SESSION AUTHORIZATION;
SET SESSION AUTHORIZATION regress_sa_app;
SELECT count(*) AS app_sees FROM salesalgo.client;
RESET SESSION AUTHORIZATION;
-- The owner may; and a role given another kind is never bound, even when
-- the owner names it as a login.
UPDATE salesalgo.manager SET login = 'regress_sa_bi' WHERE id = 2;
SELECT salesalgo.login_scope('regress_sa_bi') AS bi_scope,
       salesalgo.login_scope('regress_sa_head') AS head_scope,
       salesalgo.login_scope('regress_sa_anna') AS anna_scope;
SET SESSION AUTHORIZATION regress_sa_bi;
SELECT count(*) AS bi_sees_overdue FROM salesalgo.overdue;
RESET SESSION AUTHORIZATION;
UPDATE salesalgo.manager SET login = NULL WHERE id = 2;

-- A category that deadline rules name is not deleted, by a head of sales
-- nor by a superuser; the rules stay.
UPDATE salesalgo.client SET category_id = NULL WHERE category_id = 1;
SET SESSION AUTHORIZATION regress_sa_head;
SELECT * FROM regress.error_of($$DELETE FROM salesalgo.category WHERE id = 1$$);
RESET SESSION AUTHORIZATION;
SELECT * FROM regress.error_of($$DELETE FROM salesalgo.category WHERE id = 1$$);
SELECT size, category_id, days FROM salesalgo.deadline_rule WHERE category_id IS NOT NULL;
-- one that no rule names is
UPDATE salesalgo.client SET category_id = NULL WHERE category_id = 2;
DELETE FROM salesalgo.category WHERE id = 2 RETURNING id, name;
SELECT count(*) AS violations FROM salesalgo.check();

\c contrib_regression
DROP DATABASE regress_salesalgo_surface_access;
DROP ROLE regress_sa_anna, regress_sa_managers, regress_sa_head, regress_sa_bi, regress_sa_app;
