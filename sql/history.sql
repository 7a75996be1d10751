-- R9: every change of a client is history, written in the same transaction;
-- the history is append-only.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-04-01 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (401, 'Zhanna'), (402, 'Ilya');

-- One row per creation, change of state, of manager, of deadline, deletion;
-- a change of state and manager together is one row.
INSERT INTO salesalgo.client (id, name, size) VALUES (4001, 'Лиственница', 'medium');
UPDATE salesalgo.client SET manager_id = 401 WHERE id = 4001;
UPDATE salesalgo.client SET state = 'contact_1', manager_id = 402 WHERE id = 4001;
UPDATE salesalgo.client SET name = 'Лиственница АО', attributes = '{"inn": "7700000000"}' WHERE id = 4001;
SELECT salesalgo.extend_deadline(4001, '2026-06-01 00:00+00', 'seasonal buyer');
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 4001;
UPDATE salesalgo.client SET refusal_reason = 'no_money' WHERE id = 4001;
DELETE FROM salesalgo.client WHERE id = 4001;
SELECT from_state, to_state, from_manager, to_manager, refusal_reason, deadline_at,
       changed_at, changed_by, source, note
FROM salesalgo.client_history WHERE client_id = 4001 ORDER BY id;

-- Several moves of one client in one transaction are several rows.
BEGIN;
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (4002, 'Kiefer AG', 'large', 401);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 4002;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 4002;
COMMIT;
SELECT from_state, to_state FROM salesalgo.client_history WHERE client_id = 4002 ORDER BY id;

-- A rolled-back change leaves no history.
BEGIN;
UPDATE salesalgo.client SET state = 'deal' WHERE id = 4002;
ROLLBACK;
SELECT count(*) AS rows_for_4002 FROM salesalgo.client_history WHERE client_id = 4002;

-- changed_by is the role that made the change.
GRANT USAGE ON SCHEMA salesalgo TO regress_salesalgo_nobody;
GRANT SELECT, UPDATE ON salesalgo.client TO regress_salesalgo_nobody;
SET ROLE regress_salesalgo_nobody;
UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 4002;
RESET ROLE;
REVOKE ALL ON salesalgo.client FROM regress_salesalgo_nobody;
SELECT to_state, changed_by FROM salesalgo.client_history
WHERE client_id = 4002 ORDER BY id DESC LIMIT 1;

-- Append-only: no UPDATE, DELETE or TRUNCATE, and no rows but salesalgo's.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$UPDATE salesalgo.client_history SET source = 'forged' WHERE client_id = 4002$$);
\x off
SELECT code, message FROM regress.error_of($$DELETE FROM salesalgo.client_history WHERE client_id = 4002$$);
SELECT code, message FROM regress.error_of($$TRUNCATE salesalgo.client_history$$);
SELECT code, message FROM regress.error_of($$
    INSERT INTO salesalgo.client_history (client_id, to_state, changed_at, changed_by, source)
    VALUES (4002, 'client', now(), current_user, 'forged')$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

-- TRUNCATE of the clients is history too, and empties the worklists.
CREATE TABLE regress.saved_clients AS SELECT * FROM salesalgo.client;
SELECT count(*) AS clients FROM salesalgo.client;
SELECT sum(in_work) AS in_work_before FROM salesalgo.manager;
TRUNCATE salesalgo.client;
SELECT sum(in_work) AS in_work_after FROM salesalgo.manager;
SELECT count(*) AS deletions_recorded,
       count(*) = (SELECT count(*) FROM regress.saved_clients) AS one_per_client
FROM salesalgo.client_history WHERE source = 'truncate' AND to_state IS NULL;
DROP TABLE regress.saved_clients;

RESET salesalgo.now;
