-- The salesalgo demo.  ./run demo feeds this to psql in a fresh database.
\set QUIET on
\pset footer off
CREATE EXTENSION salesalgo;

\echo
\echo '== The book''s states, in order, as the type salesalgo.client_state'
SELECT v AS state, salesalgo.label(v) AS label, salesalgo.label(v, 'ru') AS "по-русски",
       salesalgo.in_worklist(v) AS in_worklist
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS v
ORDER BY v;

\echo '== Russian names and sloppy spellings are read; output is the English name'
SELECT input, input::salesalgo.client_state AS state
FROM (VALUES ('Новый клиент'), ('  2 КОНТАКТ '), ('Сопровождение сделки'),
             ('Strategic Reserve'), ('обзвон')) AS t(input);
SELECT input, input::salesalgo.client_size AS size, pg_column_size(input::salesalgo.client_size) AS bytes
FROM (VALUES ('крупный'), ('Medium'), ('маленький'), ('non-profile')) AS t(input);

\echo '== Anything else is refused'
\set ON_ERROR_STOP off
SELECT 'contact_4'::salesalgo.client_state;
\set ON_ERROR_STOP on

\echo
\echo '== A department: one manager with a worklist of 2, on the simulated clock'
SET search_path = public, salesalgo;
SET salesalgo.now = '2026-01-12 09:00+03';
SET TIME ZONE 'Europe/Moscow';
INSERT INTO manager (name, worklist_cap) VALUES ('Анна Смирнова', 2);
INSERT INTO category (name) VALUES ('production'), ('trade'), ('services');
INSERT INTO client (name, size, category_id, manager_id)
VALUES ('ООО «Ромашка»', 'medium', 1, 1)
RETURNING id, name, state, manager_id, deadline_at;

\echo '== Along the book''s path, a few days at a time'
SET salesalgo.now = '2026-01-14 11:00+03';
UPDATE client SET state = 'contact_1' WHERE id = 1;
SET salesalgo.now = '2026-01-20 15:30+03';
UPDATE client SET state = 'contact_2' WHERE id = 1;

\echo '== A shortcut the book does not allow is refused'
\set ON_ERROR_STOP off
UPDATE client SET state = 'client' WHERE id = 1;
\set ON_ERROR_STOP on

SET salesalgo.now = '2026-01-27 10:00+03';
UPDATE client SET state = 'deal' WHERE id = 1;
SET salesalgo.now = '2026-02-03 12:00+03';
UPDATE client SET state = 'deal_support' WHERE id = 1;
SET salesalgo.now = '2026-02-10 17:00+03';
UPDATE client SET state = 'client' WHERE id = 1;

\echo '== Every move is history'
SELECT from_state, to_state, to_manager, changed_at, source
FROM client_history WHERE client_id = 1 ORDER BY id;

\echo '== A worklist holds no more than its cap'
INSERT INTO client (name, size, manager_id) VALUES
    ('Stahlwerk GmbH', 'large', 1), ('ИП Петров', 'small', 1);
\set ON_ERROR_STOP off
INSERT INTO client (name, size, manager_id) VALUES ('Third Ltd', 'small', 1);
\set ON_ERROR_STOP on
SELECT id, name, worklist_cap, in_work FROM manager;
