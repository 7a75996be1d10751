-- R5 and R6: nonprofile clients are not worked; a worklist holds at most its
-- cap, and only an active manager takes clients.
SET salesalgo.now = '2026-03-02 09:00+03';
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES
    (201, 'Вера (cap 2)', 2), (202, 'Gleb (default cap)', NULL), (203, 'Dina (inactive)', 5);
UPDATE salesalgo.manager SET active = false WHERE id = 203;
SELECT id, name, worklist_cap, active, in_work FROM salesalgo.manager WHERE id >= 201 ORDER BY id;

-- The worklist: clients in new, contact_1..3 with the manager.
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2001, 'One', 'small', 201);
INSERT INTO salesalgo.client (id, name, size) VALUES (2002, 'Two', 'small');
UPDATE salesalgo.client SET manager_id = 201 WHERE id = 2002;
SELECT id, in_work FROM salesalgo.manager WHERE id = 201;

-- Full: by insert, by assignment, by a move back into a worklist state.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2003, 'Three', 'small', 201)$$);
\x off
INSERT INTO salesalgo.client (id, name, size) VALUES (2003, 'Three', 'small');
SELECT regress.fingerprint() AS before \gset
SELECT code, constraint_name, message FROM regress.error_of($$
    UPDATE salesalgo.client SET manager_id = 201 WHERE id = 2003$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

-- A multi-row statement that would overfill is refused whole.
UPDATE salesalgo.manager SET worklist_cap = 3 WHERE id = 201;
SELECT regress.fingerprint() AS before \gset
SELECT code, constraint_name, detail FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id)
    VALUES (2004, 'Four', 'small', 201), (2005, 'Five', 'small', 201)$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
SELECT id, in_work FROM salesalgo.manager WHERE id = 201;
UPDATE salesalgo.manager SET worklist_cap = 2 WHERE id = 201;

-- Leaving the worklist frees the slot: a deal, a refusal, the reserve,
-- unassignment, deletion.
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2001;
UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 2001;
SELECT id, in_work FROM salesalgo.manager WHERE id = 201;
UPDATE salesalgo.client SET manager_id = 201 WHERE id = 2003;
SELECT code, constraint_name FROM regress.error_of($$
    UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2001$$);
UPDATE salesalgo.client SET manager_id = NULL WHERE id = 2002;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2001;
DELETE FROM salesalgo.client WHERE id = 2003;
SELECT id, in_work FROM salesalgo.manager WHERE id = 201;

-- A client outside the worklist states holds no slot, manager or not.
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 2001;
UPDATE salesalgo.client SET state = 'deal' WHERE id = 2001;
SELECT id, in_work FROM salesalgo.manager WHERE id = 201;

-- NULL cap: the default of salesalgo.settings, which the DBA can change.
INSERT INTO salesalgo.client (id, name, size, manager_id)
SELECT 2100 + i, 'bulk ' || i, 'medium', 202 FROM generate_series(1, 90) AS i;
SELECT id, in_work FROM salesalgo.manager WHERE id = 202;
SELECT code, constraint_name, detail FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2191, '91st', 'small', 202)$$);
UPDATE salesalgo.settings SET default_worklist_cap = 91;
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2191, '91st', 'small', 202);
UPDATE salesalgo.settings SET default_worklist_cap = 90;
-- a lower cap keeps the clients already there, and takes no more
SELECT id, in_work FROM salesalgo.manager WHERE id = 202;
SELECT code, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2192, '92nd', 'small', 202)$$);

-- Reassignment moves the slot from one manager to the other.
UPDATE salesalgo.client SET manager_id = 201 WHERE id = 2191;
SELECT id, in_work FROM salesalgo.manager WHERE id IN (201, 202) ORDER BY id;

-- An inactive manager takes no client, but keeps those it has.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2201, 'Six', 'small', 203)$$);
\x off
SELECT code, constraint_name FROM regress.error_of($$
    UPDATE salesalgo.client SET manager_id = 203 WHERE id = 2101$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
UPDATE salesalgo.manager SET active = true WHERE id = 203;
UPDATE salesalgo.client SET manager_id = 203 WHERE id = 2101;
UPDATE salesalgo.manager SET active = false WHERE id = 203;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 2101 RETURNING id, state, manager_id;
UPDATE salesalgo.client SET manager_id = 202 WHERE id = 2101;
SELECT id, active, in_work FROM salesalgo.manager WHERE id >= 201 ORDER BY id;

-- An unknown manager is the foreign key's to refuse.
SELECT code, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2202, 'Ghost', 'small', 299)$$);

-- R5: a nonprofile client never enters a worklist, by any road.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES (2301, 'Не наш', 'nonprofile', 201)$$);
\x off
INSERT INTO salesalgo.client (id, name, size) VALUES (2301, 'Не наш', 'nonprofile');
SELECT code, constraint_name FROM regress.error_of($$
    UPDATE salesalgo.client SET manager_id = 201 WHERE id = 2301$$);
SELECT code, constraint_name FROM regress.error_of($$
    UPDATE salesalgo.client SET size = 'nonprofile' WHERE id = 2191$$);
SELECT regress.fingerprint() <> :'before' AS only_the_lead_was_added;
-- it is refused without ever being worked
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'nonprofile', manager_id = 201
WHERE id = 2301 RETURNING id, state, manager_id;

-- in_work is salesalgo's.
\x on
SELECT * FROM regress.error_of($$UPDATE salesalgo.manager SET in_work = 0 WHERE id = 202$$);
\x off
SELECT code, column_name FROM regress.error_of($$
    INSERT INTO salesalgo.manager (id, name, in_work) VALUES (299, 'Cheat', 5)$$);
UPDATE salesalgo.manager SET name = 'Gleb', in_work = in_work WHERE id = 202;

-- Upserts and COPY go through the same rules: a row that ON CONFLICT skips
-- leaves no trace, an upsert's update is counted like any update.
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (205, 'Upsert (cap 2)', 2);
INSERT INTO salesalgo.client (id, name, size, external_id, manager_id)
VALUES (2401, 'first', 'small', 'up-1', 205);
INSERT INTO salesalgo.client (id, name, size, external_id, manager_id)
VALUES (2402, 'first again', 'small', 'up-1', 205), (2403, 'second', 'small', 'up-2', 205)
ON CONFLICT (external_id) DO UPDATE SET manager_id = NULL, name = excluded.name;
INSERT INTO salesalgo.client (id, name, size, external_id, manager_id)
VALUES (2404, 'skipped', 'small', 'up-2', 205) ON CONFLICT DO NOTHING;
SELECT id, name, manager_id FROM salesalgo.client WHERE id BETWEEN 2401 AND 2404 ORDER BY id;
SELECT client_id, from_state, to_state, from_manager, to_manager
FROM salesalgo.client_history WHERE client_id BETWEEN 2401 AND 2404 ORDER BY id;
COPY salesalgo.client (id, name, size, external_id, manager_id) FROM stdin;
2405	copied	medium	up-3	205
\.
SELECT code, constraint_name FROM regress.error_of($$
    COPY salesalgo.client (id, name, size, manager_id) FROM PROGRAM 'printf "2406\tone too many\tsmall\t205\n"'$$);
SELECT id, in_work FROM salesalgo.manager WHERE id = 205;

-- The counts agree with the clients.
SELECT m.id, m.in_work,
       (SELECT count(*) FROM salesalgo.client c
        WHERE c.manager_id = m.id AND salesalgo.in_worklist(c.state)) AS counted
FROM salesalgo.manager m WHERE m.id >= 201 ORDER BY m.id;

RESET salesalgo.now;
