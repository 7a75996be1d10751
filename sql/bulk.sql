-- Set-based statements: 100,000 clients in one INSERT ... SELECT, then bulk
-- assignments and moves, with every rule applied to every row.
SET salesalgo.now = '2026-05-04 09:00+03';
INSERT INTO salesalgo.manager (id, name, worklist_cap)
SELECT 1000 + i, 'bulk manager ' || i, 90 FROM generate_series(1, 1200) AS i;

INSERT INTO salesalgo.client (id, name, size, external_id)
SELECT 100000 + i, 'company ' || i,
       (ARRAY['small', 'medium', 'large'])[1 + i % 3]::salesalgo.client_size,
       'crm-' || i
FROM generate_series(1, 100000) AS i;
SELECT count(*) AS clients, count(*) FILTER (WHERE state = 'new') AS new_clients
FROM salesalgo.client WHERE id > 100000;
SELECT count(*) AS creations FROM salesalgo.client_history
WHERE client_id > 100000 AND from_state IS NULL;

-- Every manager gets 80 clients: 96,000 assignments in one statement.
UPDATE salesalgo.client SET manager_id = 1001 + (id - 100001) / 80
WHERE id BETWEEN 100001 AND 196000;
SELECT count(*) AS managers, min(in_work), max(in_work)
FROM salesalgo.manager WHERE id > 1000;

-- One bulk move along a legal path.
UPDATE salesalgo.client SET state = 'contact_1' WHERE id > 100000 AND manager_id IS NOT NULL;
SELECT state, count(*) FROM salesalgo.client WHERE id > 100000 GROUP BY state ORDER BY state;

-- A bulk statement that would push one manager past 90 is refused whole.
CREATE TEMP VIEW bulk_state AS
SELECT (SELECT count(*) FROM salesalgo.client_history) AS history_rows,
       (SELECT sum(in_work) FROM salesalgo.manager) AS in_work,
       (SELECT count(*) FROM salesalgo.client WHERE manager_id = 1001) AS clients_of_1001;
SELECT * FROM bulk_state \gset before_
SELECT code, constraint_name, message FROM regress.error_of($$
    UPDATE salesalgo.client SET manager_id = 1001 WHERE id BETWEEN 196001 AND 196011$$);
SELECT history_rows = :before_history_rows AND in_work = :before_in_work
       AND clients_of_1001 = :before_clients_of_1001 AS nothing_changed
FROM bulk_state;

-- The counts agree with the clients.
SELECT count(*) AS managers_miscounted
FROM salesalgo.manager m
WHERE m.in_work <> (SELECT count(*) FROM salesalgo.client c
                    WHERE c.manager_id = m.id AND salesalgo.in_worklist(c.state));
SELECT count(*) AS history_rows FROM salesalgo.client_history WHERE client_id > 100000;

DELETE FROM salesalgo.client WHERE id > 100000;
SELECT sum(in_work) AS in_work_left FROM salesalgo.manager WHERE id > 1000;
DELETE FROM salesalgo.manager WHERE id > 1000;
RESET salesalgo.now;
