-- The salesalgo demo.  ./run demo feeds this to psql in a fresh database.
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
