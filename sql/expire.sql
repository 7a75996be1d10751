-- sales_expire(): a client not sold within its deadline leaves the worklist.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-06-01 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (501, 'Lev'), (502, 'Mila');

-- A client in every worklist state, small: 14 days, due 2026-06-15 09:00.
INSERT INTO salesalgo.client (id, name, size, manager_id)
SELECT 5000 + i, 'small ' || i, 'small', 501 FROM generate_series(1, 4) AS i;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (5002, 5003, 5004);
UPDATE salesalgo.client SET state = 'contact_2' WHERE id IN (5003, 5004);
UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 5004;
-- one whose manager let it go: its clock runs on
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (5005, 'let go', 'small', 502);
UPDATE salesalgo.client SET manager_id = NULL WHERE id = 5005;
-- a medium one, due a month later, and clients with no clock at all
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (5006, 'medium', 'medium', 502);
INSERT INTO salesalgo.client (id, name, size) VALUES (5007, 'lead', 'small');
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (5008, 'sold', 'small', 502);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 5008;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 5008;
UPDATE salesalgo.client SET state = 'deal' WHERE id = 5008;
SELECT id, state, manager_id, deadline_at FROM salesalgo.client
WHERE id BETWEEN 5001 AND 5008 ORDER BY id;
SELECT id, in_work FROM salesalgo.manager WHERE id IN (501, 502) ORDER BY id;

-- One second before the deadline nothing moves; at the deadline all do.
SELECT salesalgo.sales_expire('2026-06-15 08:59:59+00') AS moved;
SET salesalgo.now = '2026-06-15 09:00+00';
SELECT salesalgo.sales_expire() AS moved;
SELECT id, state, refusal_reason, manager_id, work_started_at, deadline_at
FROM salesalgo.client WHERE id BETWEEN 5001 AND 5008 ORDER BY id;
SELECT id, in_work FROM salesalgo.manager WHERE id IN (501, 502) ORDER BY id;
SELECT client_id, from_state, to_state, refusal_reason, changed_at, source
FROM salesalgo.client_history
WHERE client_id BETWEEN 5001 AND 5008 AND source = 'sales_expire' ORDER BY client_id;

-- A second run at the same time moves nothing.
SELECT salesalgo.sales_expire() AS moved_again;
-- The medium client's day comes.
SELECT salesalgo.sales_expire('2026-07-01 09:00+00') AS moved;

-- An expired client can go to the recall pool and back into work.
UPDATE salesalgo.client SET state = 'recall' WHERE id = 5004;
UPDATE salesalgo.client SET state = 'contact_1', manager_id = 502 WHERE id = 5004
RETURNING id, state, work_started_at, deadline_at;

-- Batches: every overdue client moves, whatever the batch size (the first
-- run also takes client 5004, overdue since June 29).
SET salesalgo.now = '2026-08-01 09:00+00';
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (503, 'Nina', 200);
INSERT INTO salesalgo.client (id, name, size, manager_id)
SELECT 5100 + i, 'batch ' || i, 'small', 503 FROM generate_series(1, 75) AS i;
SELECT salesalgo.sales_expire('2026-08-15 09:00+00', 1) AS batch_1;
UPDATE salesalgo.client SET state = 'recall' WHERE id BETWEEN 5101 AND 5175;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id BETWEEN 5101 AND 5175;
SELECT salesalgo.sales_expire('2026-08-15 09:00+00', 7) AS batch_7;
UPDATE salesalgo.client SET state = 'recall' WHERE id BETWEEN 5101 AND 5175;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id BETWEEN 5101 AND 5175;
SELECT salesalgo.sales_expire('2026-08-15 09:00+00', 75) AS batch_75;
UPDATE salesalgo.client SET state = 'recall' WHERE id BETWEEN 5101 AND 5175;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id BETWEEN 5101 AND 5175;
UPDATE salesalgo.settings SET expire_batch_size = 10;
SELECT salesalgo.sales_expire('2026-08-15 09:00+00') AS settings_batch_10;
UPDATE salesalgo.settings SET expire_batch_size = 1000;
SELECT count(*) AS expirations FROM salesalgo.client_history
WHERE client_id BETWEEN 5101 AND 5175 AND source = 'sales_expire';
SELECT code, message FROM regress.error_of($$SELECT salesalgo.sales_expire(now(), 0)$$);

-- The overdue clients are found through the partial index of running clocks.
INSERT INTO salesalgo.client (id, name, size)
SELECT 7000000 + i, 'no clock ' || i, 'medium' FROM generate_series(1, 5000) AS i;
ANALYZE salesalgo.client;
EXPLAIN (COSTS OFF)
SELECT c.id FROM salesalgo.client AS c
WHERE c.deadline_at <= '2026-09-01' AND c.id <> ALL ('{}')
ORDER BY c.deadline_at LIMIT 1000;
DELETE FROM salesalgo.client WHERE id > 7000000;

-- The target is configured in salesalgo.settings, and checked when it is
-- configured, not when the job runs at night.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$UPDATE salesalgo.settings SET expire_state = 'deal'$$);
\x off
SELECT code, constraint_name, message FROM regress.error_of($$
    UPDATE salesalgo.settings SET expire_state = 'contact_1'$$);
SELECT code, column_name, message FROM regress.error_of($$
    UPDATE salesalgo.settings SET expire_reason = NULL$$);
SELECT code, constraint_name, detail FROM regress.error_of($$
    DELETE FROM salesalgo.transition_rule WHERE from_state = 'contact_3' AND to_state = 'refusal'$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
-- the strategic reserve is a legal target
UPDATE salesalgo.settings SET expire_state = 'strategic_reserve', expire_reason = NULL;
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (5201, 'to reserve', 'large', 502);
SELECT salesalgo.sales_expire('2026-12-31') AS moved;
SELECT id, state, refusal_reason FROM salesalgo.client WHERE id = 5201;
UPDATE salesalgo.settings SET expire_state = 'refusal', expire_reason = 'deadline';

-- Not for everyone, and not in a read-only transaction.
SET ROLE regress_salesalgo_nobody;
SELECT code, message FROM regress.error_of($$SELECT salesalgo.sales_expire()$$);
RESET ROLE;
BEGIN TRANSACTION READ ONLY;
SELECT salesalgo.sales_expire();
ROLLBACK;

RESET salesalgo.now;
