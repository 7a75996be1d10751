-- R1 to R4: clients are created and moved along the book's graph only.
SET salesalgo.now = '2026-03-02 09:00+03';
SET TIME ZONE 'Europe/Moscow';
INSERT INTO salesalgo.manager (id, name) VALUES (101, 'Анна Смирнова'), (102, 'Boris Klein');

-- The installed graph.
SELECT coalesce(from_state::text, '(insert)') AS from_state,
       string_agg(to_state::text, ', ' ORDER BY to_state) AS may_move_to
FROM salesalgo.transition_rule
GROUP BY from_state ORDER BY from_state NULLS FIRST;

-- A whole life, from new to client.
INSERT INTO salesalgo.client (id, name, size, manager_id)
VALUES (1001, 'ООО «Ромашка»', 'medium', 101)
RETURNING id, state, manager_id, state_since, work_started_at, deadline_at;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 1001;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 1001;
UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 1001;
UPDATE salesalgo.client SET state = 'deal' WHERE id = 1001;
UPDATE salesalgo.client SET state = 'deal_support' WHERE id = 1001;
UPDATE salesalgo.client SET state = 'client' WHERE id = 1001
RETURNING id, state, manager_id, state_since, work_started_at, deadline_at;
SELECT from_state, to_state, from_manager, to_manager, source
FROM salesalgo.client_history WHERE client_id = 1001 ORDER BY id;

-- The side roads: reserve, refusal, recall and back into work.
INSERT INTO salesalgo.client (id, name, size, manager_id)
VALUES (1002, 'Stahlwerk GmbH', 'large', 102);
UPDATE salesalgo.client SET state = 'strategic_reserve' WHERE id = 1002;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 1002;
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'no_money' WHERE id = 1002;
UPDATE salesalgo.client SET state = 'recall' WHERE id = 1002;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 1002;
SELECT from_state, to_state, refusal_reason
FROM salesalgo.client_history WHERE client_id = 1002 ORDER BY id;

-- Setting the same state again is no change: no history row.
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 1002;
SELECT count(*) AS history_rows FROM salesalgo.client_history WHERE client_id = 1002;

-- R1: a client is created only in a state with a rule from NULL.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    INSERT INTO salesalgo.client (id, name, size, state) VALUES (1003, 'Fast Deal Ltd', 'small', 'deal')$$);
\x off
SELECT s AS created_in, e.code, e.constraint_name
FROM unnest('{contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall}'::salesalgo.client_state[]) AS s,
     regress.error_of(format($$INSERT INTO salesalgo.client (id, name, size, state)
                               VALUES (1003, 'x', 'small', %L)$$, s)) AS e;
SELECT regress.fingerprint() = :'before' AS nothing_changed;

-- R2: every move that is not a rule is refused, every rule is allowed.
-- Clients are created in every state for this, by a rule added for the test.
INSERT INTO salesalgo.transition_rule (from_state, to_state)
SELECT NULL, s FROM unnest('{contact_1,contact_2,contact_3,deal,deal_support,
                              client,strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS s;
INSERT INTO salesalgo.client (id, name, size, state, refusal_reason)
SELECT 1100 + ord, 'matrix ' || s, 'small', s,
       CASE WHEN s = 'refusal' THEN 'crisis' END
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[])
     WITH ORDINALITY AS u(s, ord);
DELETE FROM salesalgo.transition_rule WHERE from_state IS NULL AND to_state <> 'new';

CREATE TEMP TABLE moves AS
SELECT c.state AS from_state, t AS to_state,
       (regress.error_of(format($$UPDATE salesalgo.client
                                  SET state = %L, refusal_reason = 'crisis' WHERE id = %s$$,
                                 t, c.id), undo => true)).*
FROM salesalgo.client c,
     unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS t
WHERE c.id BETWEEN 1101 AND 1110 AND c.state <> t;
SELECT code, constraint_name, count(*) FROM moves GROUP BY 1, 2 ORDER BY 1;
-- allowed exactly when a rule says so
SELECT count(*) AS disagreements
FROM moves m
LEFT JOIN salesalgo.transition_rule r USING (from_state, to_state)
WHERE (m.code = 'ok') <> (r.to_state IS NOT NULL);
SELECT message, detail, hint FROM moves
WHERE from_state = 'contact_1' AND to_state = 'client';
SELECT message, detail FROM moves
WHERE from_state = 'deal_support' AND to_state = 'refusal';
SELECT message, detail FROM moves
WHERE from_state = 'client' AND to_state = 'new';

-- R3: entering refusal needs a reason; staying in refusal keeps one.
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    UPDATE salesalgo.client SET state = 'refusal' WHERE id = 1002$$);
\x off
SELECT code, column_name, table_name FROM regress.error_of($$
    UPDATE salesalgo.client SET refusal_reason = NULL WHERE id = 1110$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 1002
RETURNING id, state, refusal_reason;

-- R4: a client refused for a hard reason never changes state again, and its
-- reason does not soften; it may still be reassigned.
INSERT INTO salesalgo.client (id, name, size) VALUES (1004, 'Чужой профиль', 'nonprofile');
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE id = 1004;
SELECT regress.fingerprint() AS before \gset
\x on
SELECT * FROM regress.error_of($$
    UPDATE salesalgo.client SET state = 'recall' WHERE id = 1004$$);
\x off
SELECT code, constraint_name, detail FROM regress.error_of($$
    UPDATE salesalgo.client SET refusal_reason = 'crisis' WHERE id = 1004$$);
SELECT code, constraint_name FROM regress.error_of($$
    UPDATE salesalgo.client SET state = 'recall', refusal_reason = 'crisis' WHERE id = 1004$$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;
UPDATE salesalgo.client SET manager_id = 101 WHERE id = 1004 RETURNING id, state, manager_id;
-- a soft refusal can harden, and is then final
UPDATE salesalgo.client SET refusal_reason = 'nonprofile' WHERE id = 1002;
SELECT code FROM regress.error_of($$UPDATE salesalgo.client SET state = 'recall' WHERE id = 1002$$);
-- a reason made soft by the DBA frees its clients
UPDATE salesalgo.refusal_reason SET hard = false WHERE code = 'nonprofile';
UPDATE salesalgo.client SET state = 'recall' WHERE id = 1004 RETURNING id, state;
UPDATE salesalgo.refusal_reason SET hard = true WHERE code = 'nonprofile';

-- The graph is the DBA's: a new move is legal at once, a removed one is not.
INSERT INTO salesalgo.transition_rule VALUES ('contact_1', 'deal');
UPDATE salesalgo.client SET state = 'deal' WHERE id = 1102 RETURNING id, state;
DELETE FROM salesalgo.transition_rule WHERE from_state = 'contact_1' AND to_state = 'deal';
SELECT code FROM regress.error_of($$UPDATE salesalgo.client SET state = 'deal' WHERE id = 1004$$);
-- a rule that moves nowhere is refused by the table itself
SELECT code, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.transition_rule VALUES ('deal', 'deal')$$);
SELECT code, constraint_name FROM regress.error_of($$
    INSERT INTO salesalgo.transition_rule VALUES ('new', 'contact_1')$$);

-- A rejected multi-row statement changes nothing, however far it got.
SELECT regress.fingerprint() AS before \gset
SELECT code, message FROM regress.error_of($$
    UPDATE salesalgo.client SET state = 'contact_1'
    WHERE id IN (1101, 1102) $$);
SELECT regress.fingerprint() = :'before' AS nothing_changed;

RESET salesalgo.now;
