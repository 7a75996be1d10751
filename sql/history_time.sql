-- History is stamped with the time of the statement that made the change,
-- not the start of its transaction: a long transaction cannot backdate a
-- move.  The simulated clock, when set, still wins.
SET TIME ZONE 'UTC';
INSERT INTO salesalgo.manager (id, name) VALUES (1801, 'Lev');
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (18001, 'Cedar', 'small', 1801);

BEGIN;
SELECT pg_sleep(1.1);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 18001
RETURNING statement_timestamp() AS moved_at \gset
SELECT changed_at = :'moved_at' AS at_statement_start,
       changed_at >= transaction_timestamp() + interval '1 second' AS after_the_sleep
FROM salesalgo.client_history WHERE client_id = 18001 ORDER BY id DESC LIMIT 1;
SELECT state_since = :'moved_at' AS state_since_at_statement_start
FROM salesalgo.client WHERE id = 18001;
COMMIT;

SET salesalgo.now = '2026-05-04 09:00+00';
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 18001;
SELECT changed_at FROM salesalgo.client_history WHERE client_id = 18001 ORDER BY id DESC LIMIT 1;
RESET salesalgo.now;

DELETE FROM salesalgo.client WHERE id = 18001;
DELETE FROM salesalgo.manager WHERE id = 1801;
