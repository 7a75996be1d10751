-- salesalgo.check(): every invariant, verified against the data.
-- Everything the suite has done so far, through the rules, is healthy but
-- for one move: transitions.sql made the hard reason nonprofile soft for a
-- moment to let client 1004 out, and check() judges by today's reasons.
SELECT invariant, client_id, manager_id, regexp_replace(detail, '\d+', 'N') AS detail
FROM salesalgo.check();
SELECT * FROM regress.error_of($$SET ROLE regress_salesalgo_nobody; SELECT * FROM salesalgo.check()$$);
RESET ROLE;

-- The rest on a small department of its own.
CREATE DATABASE regress_salesalgo_check;
\c regress_salesalgo_check
CREATE EXTENSION salesalgo;
SET search_path = public, salesalgo;

INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (901, 'Oleg', 3), (902, 'Polina', NULL);
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
    (9001, 'check a', 'small', 901), (9002, 'check b', 'medium', 901),
    (9003, 'check c', 'large', 902);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 9002;
INSERT INTO salesalgo.client (id, name, size) VALUES (9004, 'check hard', 'nonprofile');
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE id = 9004;
SELECT * FROM salesalgo.check();

-- A cap lowered below what a manager holds is reported, not hidden.
BEGIN;
UPDATE salesalgo.manager SET worklist_cap = 1 WHERE id = 901;
SELECT * FROM salesalgo.check();
ROLLBACK;

-- Each invariant broken behind the triggers' back (replication role
-- "replica" skips them), one at a time, and found.
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE salesalgo.manager SET in_work = in_work + 1 WHERE id = 902;
SELECT * FROM salesalgo.check();
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE salesalgo.client SET size = 'nonprofile' WHERE id = 9001;
SELECT * FROM salesalgo.check();
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE salesalgo.client SET refusal_reason = NULL WHERE id = 9004;
SELECT * FROM salesalgo.check();
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE salesalgo.client SET state = 'deal' WHERE id = 9002;
SELECT invariant, client_id, manager_id FROM salesalgo.check();
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE salesalgo.client SET work_started_at = NULL, deadline_at = NULL WHERE id = 9003;
SELECT invariant, client_id, manager_id FROM salesalgo.check();
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM salesalgo.client WHERE id = 9003;
INSERT INTO salesalgo.client (id, name, size) VALUES (9005, 'no history', 'small');
SELECT * FROM salesalgo.check();
ROLLBACK;

BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM salesalgo.client_history
WHERE id = (SELECT min(id) FROM salesalgo.client_history WHERE client_id = 9002 AND to_state = 'new');
SELECT invariant, client_id, manager_id FROM salesalgo.check();
ROLLBACK;

-- a hard-refused client moved, with a history that agrees
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE salesalgo.client SET state = 'recall' WHERE id = 9004;
INSERT INTO salesalgo.client_history (client_id, from_state, to_state, refusal_reason,
                                      changed_at, changed_by, source)
VALUES (9004, 'refusal', 'recall', 'nonprofile', now(), current_user, 'sql');
SELECT invariant, client_id, manager_id FROM salesalgo.check();
ROLLBACK;

SELECT count(*) AS violations FROM salesalgo.check();

\c contrib_regression
DROP DATABASE regress_salesalgo_check;
