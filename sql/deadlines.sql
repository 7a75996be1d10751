-- R7 and R8: the deadline clock, kept by salesalgo; extend_deadline();
-- the simulated clock.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-03-02 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (301, 'Evgenia'), (302, 'Fyodor');
INSERT INTO salesalgo.category (id, name) VALUES (301, 'production'), (302, 'trade');

-- The installed terms: small 14 days, medium 30, large 40, any other 30.
SELECT size, category_id, days FROM salesalgo.deadline_rule ORDER BY size NULLS LAST;
INSERT INTO salesalgo.client (id, name, size, manager_id)
VALUES (3001, 'small', 'small', 301), (3002, 'medium', 'medium', 301),
       (3003, 'large', 'large', 301);
SELECT id, size, work_started_at, deadline_at, deadline_at - work_started_at AS term
FROM salesalgo.client WHERE id BETWEEN 3001 AND 3003 ORDER BY id;

-- The most specific rule wins: (size, category), (size, any), (any,
-- category), (any, any).
INSERT INTO salesalgo.deadline_rule (size, category_id, days) VALUES
    ('small', 301, 7), (NULL, 301, 21), (NULL, 302, 25);
UPDATE salesalgo.deadline_rule SET days = 35 WHERE size IS NULL AND category_id IS NULL;
DELETE FROM salesalgo.deadline_rule WHERE size = 'medium' AND category_id IS NULL;
INSERT INTO salesalgo.client (id, name, size, category_id, manager_id) VALUES
    (3011, 'small production', 'small', 301, 301),
    (3012, 'large production', 'large', 301, 301),
    (3013, 'medium production', 'medium', 301, 301),
    (3014, 'small trade', 'small', 302, 301),
    (3015, 'medium trade', 'medium', 302, 301),
    (3016, 'medium, no category', 'medium', NULL, 301);
SELECT id, name, deadline_at - work_started_at AS term
FROM salesalgo.client WHERE id BETWEEN 3011 AND 3016 ORDER BY id;
-- the catch-all stays
\x on
SELECT * FROM regress.error_of($$
    DELETE FROM salesalgo.deadline_rule WHERE size IS NULL AND category_id IS NULL$$);
\x off
SELECT code, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.deadline_rule (size, category_id, days) VALUES ('small', 302, 0)$$);

-- The clock starts when a client in a worklist state first has a manager.
SET salesalgo.now = '2026-03-03 10:00+00';
INSERT INTO salesalgo.client (id, name, size) VALUES (3101, 'lead', 'small');
SELECT id, state, manager_id, work_started_at, deadline_at FROM salesalgo.client WHERE id = 3101;
SET salesalgo.now = '2026-03-04 10:00+00';
UPDATE salesalgo.client SET manager_id = 301 WHERE id = 3101;
SELECT id, work_started_at, deadline_at FROM salesalgo.client WHERE id = 3101;

-- It keeps running through moves, reassignment and unassignment.
SET salesalgo.now = '2026-03-05 10:00+00';
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 3101;
UPDATE salesalgo.client SET manager_id = 302 WHERE id = 3101;
UPDATE salesalgo.client SET manager_id = NULL WHERE id = 3101;
UPDATE salesalgo.client SET state = 'contact_2', manager_id = 301 WHERE id = 3101;
UPDATE salesalgo.client SET size = 'large' WHERE id = 3101;
SELECT id, state, state_since, work_started_at, deadline_at FROM salesalgo.client WHERE id = 3101;

-- It stops when the client leaves the worklist states, and starts anew when
-- the client comes back.
SET salesalgo.now = '2026-03-06 10:00+00';
UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 3101;
SELECT id, state, work_started_at, deadline_at FROM salesalgo.client WHERE id = 3101;
SET salesalgo.now = '2026-03-20 10:00+00';
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 3101;
SELECT id, state, work_started_at, deadline_at FROM salesalgo.client WHERE id = 3101;

-- R8: the kept columns are not the statement's to set.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    UPDATE salesalgo.client SET deadline_at = deadline_at + interval '30 days' WHERE id = 3101$$);
SELECT * FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id, work_started_at)
    VALUES (3102, 'backdated', 'small', 301, '2026-01-01')$$);
\x off
SELECT col, e.code, e.column_name
FROM (VALUES ('state_since'), ('work_started_at'), ('deadline_at')) AS c(col),
     regress.error_of(format($$INSERT INTO salesalgo.client (id, name, size, %I)
                               VALUES (3102, 'x', 'small', now())$$, col)) AS e;
SELECT col, e.code, e.column_name
FROM (VALUES ('state_since'), ('work_started_at'), ('deadline_at')) AS c(col),
     regress.error_of(format($$UPDATE salesalgo.client SET %I = NULL WHERE id = 3101$$, col)) AS e;
SELECT code, message FROM regress.error_of($$UPDATE salesalgo.client SET id = 3999 WHERE id = 3101$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
-- writing back what is there is no change
UPDATE salesalgo.client c SET name = 'lead, renamed', deadline_at = c.deadline_at,
       work_started_at = c.work_started_at, state_since = c.state_since
WHERE id = 3101 RETURNING id, name, deadline_at;

-- extend_deadline() moves a deadline, with a reason, in the history.
SELECT salesalgo.extend_deadline(3101, '2026-04-30 18:00+00', 'director on holiday');
SELECT id, work_started_at, deadline_at FROM salesalgo.client WHERE id = 3101;
SELECT from_state, to_state, deadline_at, source, note
FROM salesalgo.client_history WHERE client_id = 3101 ORDER BY id DESC LIMIT 1;
-- a later move keeps the extended deadline
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 3101 RETURNING deadline_at;
-- it needs a reason, a finite time, a client, and a running clock
SELECT code, message FROM regress.error_of($$SELECT salesalgo.extend_deadline(3101, '2026-05-01', '  ')$$);
SELECT code, message FROM regress.error_of($$SELECT salesalgo.extend_deadline(3101, '2026-05-01', NULL)$$);
SELECT code, message FROM regress.error_of($$SELECT salesalgo.extend_deadline(3101, 'infinity', 'forever')$$);
SELECT code, message FROM regress.error_of($$SELECT salesalgo.extend_deadline(NULL, '2026-05-01', 'x')$$);
SELECT code, message FROM regress.error_of($$SELECT salesalgo.extend_deadline(3999, '2026-05-01', 'x')$$);
\x on
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 3002;
UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 3002;
SELECT * FROM regress.error_of($$SELECT salesalgo.extend_deadline(3002, '2026-05-01', 'x')$$);
\x off
-- and it is not everyone's
SET ROLE regress_salesalgo_nobody;
SELECT code, message FROM regress.error_of($$SELECT salesalgo.extend_deadline(3101, '2026-06-01', 'mine')$$);
RESET ROLE;

-- The simulated clock: superusers only, a valid time, empty for the real one.
SET ROLE regress_salesalgo_nobody;
SELECT code, message FROM regress.error_of($$SET salesalgo.now = '2030-01-01'$$);
RESET ROLE;
SELECT code, message, detail FROM regress.error_of($$SET salesalgo.now = 'soon'$$);
SELECT code, message FROM regress.error_of($$SET salesalgo.now = 'infinity'$$);
SET salesalgo.now = '2026-03-02 12:00+03';
SELECT salesalgo.now();
RESET salesalgo.now;
SELECT salesalgo.now() = now() AS real_clock;
BEGIN;
-- the real clock is the start of the statement that made the change
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (3201, 'real time', 'small', 302)
RETURNING statement_timestamp() AS inserted_at \gset
SELECT state_since = :'inserted_at' AND deadline_at = :'inserted_at'::timestamptz + interval '14 days' AS real_clock
FROM salesalgo.client WHERE id = 3201;
COMMIT;

-- Back to the installed terms, for the tests that follow.
DELETE FROM salesalgo.deadline_rule WHERE category_id IS NOT NULL;
INSERT INTO salesalgo.deadline_rule (size, days) VALUES ('medium', 30);
UPDATE salesalgo.deadline_rule SET days = 30 WHERE size IS NULL AND category_id IS NULL;
SELECT size, category_id, days, shipped FROM salesalgo.deadline_rule ORDER BY size NULLS LAST;
