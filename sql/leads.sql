-- distribute_leads(): unassigned new clients go to active managers with
-- free slots, the least loaded first, never past a cap.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-09-01 09:00+00';
-- only this test's managers and leads
UPDATE salesalgo.manager SET active = false;
DELETE FROM salesalgo.client WHERE state = 'new' AND manager_id IS NULL;

INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES
    (601, 'Oleg (empty, cap 3)', 3), (602, 'Polina (2 of 5)', 5),
    (603, 'Roman (inactive)', 5), (604, 'Sofia (full, 2 of 2)', 2);
UPDATE salesalgo.manager SET active = false WHERE id = 603;
INSERT INTO salesalgo.client (id, name, size, manager_id)
SELECT 6100 + i, 'worked ' || i, 'small', CASE WHEN i <= 2 THEN 602 ELSE 604 END
FROM generate_series(1, 4) AS i;
INSERT INTO salesalgo.client (id, name, size)
SELECT 6200 + i, 'lead ' || i, 'medium' FROM generate_series(1, 12) AS i;
UPDATE salesalgo.client SET size = 'nonprofile' WHERE id = 6203;

SELECT salesalgo.distribute_leads(4) AS assigned;
SELECT id, manager_id, deadline_at FROM salesalgo.client
WHERE id BETWEEN 6201 AND 6212 AND manager_id IS NOT NULL ORDER BY id;
SELECT id, in_work, worklist_cap FROM salesalgo.manager WHERE id BETWEEN 601 AND 604 ORDER BY id;

-- the rest of the room, and no more
SELECT salesalgo.distribute_leads() AS assigned;
SELECT salesalgo.distribute_leads() AS assigned_when_full;
SELECT id, in_work, worklist_cap FROM salesalgo.manager WHERE id BETWEEN 601 AND 604 ORDER BY id;
SELECT count(*) FILTER (WHERE manager_id IS NULL) AS leads_left,
       count(*) FILTER (WHERE manager_id IS NULL AND size = 'nonprofile') AS nonprofile_left
FROM salesalgo.client WHERE id BETWEEN 6201 AND 6212;
SELECT to_manager, count(*) AS assignments, min(deadline_at) AS deadline_at
FROM salesalgo.client_history
WHERE client_id BETWEEN 6201 AND 6212 AND source = 'distribute_leads'
GROUP BY to_manager ORDER BY to_manager;

-- a freed slot is filled by the next run
UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 6201;
SELECT salesalgo.distribute_leads() AS assigned;
SELECT salesalgo.distribute_leads(0) AS assigned_none;
SELECT code, message FROM regress.error_of($$SELECT salesalgo.distribute_leads(-1)$$);

-- Not for everyone, and not in a read-only transaction.
SET ROLE regress_salesalgo_nobody;
SELECT code, message FROM regress.error_of($$SELECT salesalgo.distribute_leads()$$);
RESET ROLE;
BEGIN TRANSACTION READ ONLY;
SELECT salesalgo.distribute_leads();
ROLLBACK;

UPDATE salesalgo.manager SET active = true WHERE id <> 603;
RESET salesalgo.now;
