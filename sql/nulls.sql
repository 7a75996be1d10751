-- A NULL state or size is a NOT NULL violation (23502) on that column,
-- reported before any rule reads the value.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-05-03 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (1701, 'Nina');
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (17001, 'Birch', 'medium', 1701);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 17001;
SELECT regress.fingerprint() AS before \gset

SELECT code, message, table_name, column_name
FROM regress.error_of($$UPDATE salesalgo.client SET state = NULL WHERE id = 17001$$);
SELECT code, message, table_name, column_name
FROM regress.error_of($$UPDATE salesalgo.client SET size = NULL WHERE id = 17001$$);
SELECT code, message, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, size, state, manager_id)
                        VALUES (17002, 'Aspen', 'medium', NULL, 1701)$$);
SELECT code, message, table_name, column_name
FROM regress.error_of($$INSERT INTO salesalgo.client (id, name, size, manager_id)
                        VALUES (17003, 'Alder', NULL, 1701)$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

-- A DBA drops and re-adds a column salesalgo reads: the rules read the
-- column where it now is, not where it was.
ALTER TABLE salesalgo.client DROP COLUMN work_started_at;
ALTER TABLE salesalgo.client ADD COLUMN work_started_at timestamptz;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 17001;
SELECT state, state_since, work_started_at, deadline_at FROM salesalgo.client WHERE id = 17001;
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (17004, 'Rowan', 'small', 1701);
SELECT state, state_since, work_started_at, deadline_at FROM salesalgo.client WHERE id = 17004;
SELECT code, column_name FROM regress.error_of($$UPDATE salesalgo.client SET work_started_at = now() WHERE id = 17001$$);
SELECT code, column_name FROM regress.error_of($$UPDATE salesalgo.client SET refusal_reason = NULL, state = 'refusal' WHERE id = 17001$$);

DELETE FROM salesalgo.client WHERE id IN (17001, 17004);
DELETE FROM salesalgo.manager WHERE id = 1701;
RESET salesalgo.now;
