-- R1 is judged for rows actually inserted.  An INSERT ... ON CONFLICT DO
-- UPDATE or a MERGE that updates an existing client is judged as an update
-- (R2 to R8), and its error names the existing client.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-05-02 09:00+00';
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (1601, 'Sync', 2000);
INSERT INTO salesalgo.client (id, external_id, name, size, manager_id) VALUES
    (16001, 'E1', 'c1', 'medium', 1601);
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 16001;

-- the issue's upsert: a legal move of an existing client
INSERT INTO salesalgo.client (external_id, name, size, state)
VALUES ('E1', 'c1', 'medium', 'contact_2')
ON CONFLICT (external_id) DO UPDATE SET state = EXCLUDED.state;
SELECT id, state FROM salesalgo.client WHERE external_id = 'E1';

-- an illegal move through an upsert names the existing client
SELECT * FROM regress.error_of($$
    INSERT INTO salesalgo.client (external_id, name, size, state)
    VALUES ('E1', 'c1', 'medium', 'client')
    ON CONFLICT (external_id) DO UPDATE SET state = EXCLUDED.state$$);
-- a new client in a state nobody may be created in is still refused
SELECT code, message, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, external_id, name, size, state)
    VALUES (16002, 'E2', 'c2', 'medium', 'contact_2')
    ON CONFLICT (external_id) DO UPDATE SET state = EXCLUDED.state$$);

-- A CRM sync of 1,000 rows: 600 existing clients (half of them move
-- legally to contact_1, half stay), 400 new ones.
INSERT INTO salesalgo.client (id, external_id, name, size, manager_id)
SELECT 16100 + g, 'S' || g, 'sync ' || g, 'small', 1601 FROM generate_series(1, 600) AS g;
CREATE TABLE regress.crm (external_id text, name text, size salesalgo.client_size,
                          state salesalgo.client_state);
INSERT INTO regress.crm
SELECT 'S' || g, 'sync ' || g, 'small',
       CASE WHEN g % 2 = 0 THEN 'contact_1' ELSE 'new' END::salesalgo.client_state
FROM generate_series(1, 1000) AS g;
UPDATE regress.crm SET state = 'new'
WHERE substr(external_id, 2)::int > 600;

-- one illegal move among them: the statement is rejected, nothing changes
UPDATE regress.crm SET state = 'deal' WHERE external_id = 'S300';
SELECT regress.fingerprint() AS before \gset
SELECT code, message, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.client (external_id, name, size, state)
    SELECT external_id, name, size, state FROM regress.crm
    ON CONFLICT (external_id) DO UPDATE SET state = EXCLUDED.state, name = EXCLUDED.name$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

-- all legal: it goes through, and history has one row per real change
UPDATE regress.crm SET state = 'contact_1' WHERE external_id = 'S300';
INSERT INTO salesalgo.client (external_id, name, size, state)
SELECT external_id, name, size, state FROM regress.crm
ON CONFLICT (external_id) DO UPDATE SET state = EXCLUDED.state, name = EXCLUDED.name;
SELECT count(*) AS synced, count(*) FILTER (WHERE state = 'contact_1') AS contact_1,
       count(*) FILTER (WHERE manager_id IS NULL) AS new_leads
FROM salesalgo.client WHERE external_id LIKE 'S%';
SELECT source, from_state, to_state, count(*) FROM salesalgo.client_history
WHERE client_id IN (SELECT id FROM salesalgo.client WHERE external_id LIKE 'S%')
  AND changed_at = '2026-05-02 09:00+00'
GROUP BY 1, 2, 3 ORDER BY 1, 2 NULLS FIRST, 3;
SELECT in_work FROM salesalgo.manager WHERE id = 1601;

-- The same through MERGE: a legal and an illegal move, and an insert.
UPDATE regress.crm SET state = 'contact_2' WHERE external_id IN ('S2', 'S4');
INSERT INTO regress.crm VALUES ('S1001', 'sync 1001', 'small', 'new');
MERGE INTO salesalgo.client AS c
USING (SELECT * FROM regress.crm WHERE external_id IN ('S2', 'S4', 'S1001')) AS s
ON c.external_id = s.external_id
WHEN MATCHED THEN UPDATE SET state = s.state
WHEN NOT MATCHED THEN INSERT (external_id, name, size, state)
    VALUES (s.external_id, s.name, s.size, s.state);
SELECT external_id, state FROM salesalgo.client WHERE external_id IN ('S2', 'S4', 'S1001') ORDER BY 1;
UPDATE regress.crm SET state = 'client' WHERE external_id = 'S2';
SELECT regress.fingerprint() AS before \gset
SELECT code, message, constraint_name FROM regress.error_of($$
    MERGE INTO salesalgo.client AS c
    USING (SELECT * FROM regress.crm WHERE external_id IN ('S2', 'S6', 'S1002')) AS s
    ON c.external_id = s.external_id
    WHEN MATCHED THEN UPDATE SET state = s.state
    WHEN NOT MATCHED THEN INSERT (external_id, name, size, state)
        VALUES (s.external_id, s.name, s.size, s.state)$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

SELECT * FROM salesalgo.check() WHERE client_id >= 16001 OR manager_id = 1601;
DELETE FROM salesalgo.client WHERE manager_id = 1601 OR external_id LIKE 'S%' OR external_id LIKE 'E%';
DELETE FROM salesalgo.manager WHERE id = 1601;
DROP TABLE regress.crm;
RESET salesalgo.now;
