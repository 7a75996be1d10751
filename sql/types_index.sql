-- The types in indexes, sorts, grouping, joins and partitioning.
CREATE EXTENSION amcheck;

-- Every operator class is valid.
SELECT opc.opcname, am.amname, amvalidate(opc.oid)
FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
WHERE opc.opcnamespace = 'salesalgo'::regnamespace
ORDER BY 1, 2;

-- 100,000 rows of both types, in a fixed pseudo-random spread.
CREATE TABLE typed (id int PRIMARY KEY,
                    size salesalgo.client_size, state salesalgo.client_state);
INSERT INTO typed
SELECT i,
       (ARRAY['nonprofile','small','medium','large'])[1 + (i::bigint * 2654435761 % 1000003) % 4]::salesalgo.client_size,
       (ARRAY['new','contact_1','contact_2','contact_3','deal','deal_support',
              'client','strategic_reserve','recall','refusal'])
           [1 + (i::bigint * 40503 % 999983) % 10]::salesalgo.client_state
FROM generate_series(1, 100000) AS i;
UPDATE typed SET state = NULL WHERE id % 997 = 0;
CREATE INDEX typed_state_btree ON typed (state);
CREATE INDEX typed_size_btree ON typed (size, state);
CREATE INDEX typed_state_hash ON typed USING hash (state);
ANALYZE typed;

SELECT bt_index_check('typed_state_btree', true),
       bt_index_parent_check('typed_size_btree', true);

-- Every operator against every value: the same counts from a sequential
-- scan, a btree scan and a hash scan.
CREATE TEMP TABLE answers (plan text, op text, v salesalgo.client_state, n bigint);
CREATE FUNCTION pg_temp.count_all(plan text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    op text;
    v salesalgo.client_state;
    n bigint;
BEGIN
    FOREACH v IN ARRAY '{new,contact_1,contact_2,contact_3,deal,deal_support,
                         client,strategic_reserve,recall,refusal}'::salesalgo.client_state[] LOOP
        FOREACH op IN ARRAY CASE plan WHEN 'hash' THEN '{=}'::text[]
                                      ELSE '{=,<>,<,<=,>,>=}'::text[] END LOOP
            EXECUTE format('SELECT count(*) FROM typed WHERE state OPERATOR(pg_catalog.%s) $1', op)
                INTO n USING v;
            INSERT INTO answers VALUES (plan, op, v, n);
        END LOOP;
    END LOOP;
END $$;

SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT pg_temp.count_all('seqscan');
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;

SET enable_seqscan = off;
DROP INDEX typed_state_hash;
EXPLAIN (COSTS OFF) SELECT count(*) FROM typed WHERE state <= 'deal';
SELECT pg_temp.count_all('btree');
CREATE INDEX typed_state_hash ON typed USING hash (state);
DROP INDEX typed_state_btree;
EXPLAIN (COSTS OFF) SELECT count(*) FROM typed WHERE state = 'deal';
SELECT pg_temp.count_all('hash');
RESET enable_seqscan;

SELECT plan, count(*) AS answers, sum(n) AS rows_counted FROM answers GROUP BY plan ORDER BY plan;
SELECT count(*) AS disagreements
FROM answers s JOIN answers i USING (op, v)
WHERE s.plan = 'seqscan' AND i.plan <> 'seqscan' AND s.n <> i.n;
SELECT v, n FROM answers WHERE plan = 'seqscan' AND op = '=' ORDER BY v;

-- Sorting, grouping (hashed and sorted), DISTINCT.
SELECT state, count(*) FROM typed GROUP BY state ORDER BY state DESC NULLS FIRST;
SET enable_hashagg = off;
SELECT array_agg(DISTINCT size) AS sizes FROM typed;
SELECT size, count(DISTINCT state) FROM typed GROUP BY size ORDER BY size;
RESET enable_hashagg;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT DISTINCT size FROM typed;
SELECT DISTINCT size FROM typed ORDER BY 1;
RESET enable_sort;

-- Hash join and merge join on a column of the type.
CREATE TABLE state_names (state salesalgo.client_state PRIMARY KEY, ru text);
INSERT INTO state_names
SELECT v, salesalgo.label(v, 'ru')
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS v;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM typed t JOIN state_names n USING (state);
SELECT count(*) FROM typed t JOIN state_names n USING (state);
RESET enable_mergejoin; SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM typed t JOIN state_names n USING (state);
SELECT count(*) FROM typed t JOIN state_names n USING (state);
RESET enable_hashjoin; RESET enable_nestloop;

-- Partitioning by list, by range and by hash on client_state.
CREATE TABLE by_list (id int, state salesalgo.client_state) PARTITION BY LIST (state);
CREATE TABLE by_list_work PARTITION OF by_list FOR VALUES IN ('new', 'contact_1', 'contact_2', 'contact_3');
CREATE TABLE by_list_rest PARTITION OF by_list DEFAULT;
INSERT INTO by_list SELECT id, state FROM typed;
SELECT tableoid::regclass, min(state), max(state), count(*) FROM by_list GROUP BY 1 ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT * FROM by_list WHERE state = 'contact_2';

CREATE TABLE by_range (id int, state salesalgo.client_state) PARTITION BY RANGE (state);
CREATE TABLE by_range_early PARTITION OF by_range FOR VALUES FROM (MINVALUE) TO ('deal');
CREATE TABLE by_range_late PARTITION OF by_range FOR VALUES FROM ('deal') TO (MAXVALUE);
INSERT INTO by_range SELECT id, state FROM typed WHERE state IS NOT NULL;
SELECT tableoid::regclass, min(state), max(state), count(*) FROM by_range GROUP BY 1 ORDER BY 1;

CREATE TABLE by_hash (id int, state salesalgo.client_state) PARTITION BY HASH (state);
CREATE TABLE by_hash_0 PARTITION OF by_hash FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE by_hash_1 PARTITION OF by_hash FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO by_hash SELECT id, state FROM typed;
SELECT count(*) AS rows, count(DISTINCT tableoid) AS partitions FROM by_hash;
SELECT count(*) AS states_in_two_partitions
FROM (SELECT state FROM by_hash GROUP BY state HAVING count(DISTINCT tableoid) > 1) s;

DROP TABLE typed, state_names, by_list, by_range, by_hash;
DROP EXTENSION amcheck;
