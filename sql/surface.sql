-- States and sizes compare from any connection: a role whose search_path is
-- PostgreSQL's default ("$user", public) writes comparisons, IN, BETWEEN,
-- CASE, FILTER, JOIN ... USING, min() and max() with literals, unknown-typed
-- parameters and qualified casts, as drivers and BI tools send them; the
-- same with salesalgo on the search path, in either place, is no ambiguity.
-- A database of its own, with PostgreSQL's default search_path.
CREATE DATABASE regress_salesalgo_surface;
\c regress_salesalgo_surface
CREATE EXTENSION salesalgo;
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-03-02 09:00+00';
INSERT INTO salesalgo.manager (id, name, worklist_cap) VALUES (1, 'Anna', 10), (2, 'Boris', 10);
INSERT INTO salesalgo.client (id, name, size, manager_id) VALUES
    (1, 'c1', 'small', 1), (2, 'c2', 'medium', 1), (3, 'c3', 'large', 2),
    (4, 'c4', 'small', 2), (5, 'c5', 'medium', 2);
INSERT INTO salesalgo.client (id, name, size) VALUES (6, 'lead', 'small'), (7, 'c7', 'nonprofile');
SET salesalgo.now = '2026-03-03 09:00+00';
UPDATE salesalgo.client SET state = 'contact_1' WHERE id IN (1, 2, 3, 4);
SET salesalgo.now = '2026-03-04 09:00+00';
UPDATE salesalgo.client SET state = 'contact_2' WHERE id IN (1, 2, 3);
SET salesalgo.now = '2026-03-05 09:00+00';
UPDATE salesalgo.client SET state = 'contact_3' WHERE id = 3;
UPDATE salesalgo.client SET state = 'deal' WHERE id = 1;          -- the shortcut past contact_3
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'crisis' WHERE id = 4;
SET salesalgo.now = '2026-03-06 09:00+00';
UPDATE salesalgo.client SET state = 'deal' WHERE id = 3;
UPDATE salesalgo.client SET state = 'refusal', refusal_reason = 'nonprofile' WHERE id = 7;
RESET salesalgo.now;

-- An operator planted in public, where a default search_path looks after
-- pg_catalog, is never chosen.
CREATE ROLE regress_planter;
GRANT CREATE ON SCHEMA public TO regress_planter;
SET ROLE regress_planter;
CREATE FUNCTION public.planted_eq(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the planted operator was called'; END $$;
CREATE OPERATOR public.= (LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
                          FUNCTION = public.planted_eq);
RESET ROLE;

CREATE ROLE regress_reader LOGIN;
GRANT SELECT ON salesalgo.client, salesalgo.client_history, salesalgo.refusal_reason,
    salesalgo.funnel, salesalgo.pipeline, salesalgo.stage_time TO regress_reader;
SET SESSION AUTHORIZATION regress_reader;
SHOW search_path;

-- literals
SELECT count(*) FROM salesalgo.client WHERE state = 'deal';
SELECT count(*) FROM salesalgo.client WHERE state <> 'deal';
SELECT count(*) FROM salesalgo.client WHERE state IN ('new', 'deal');
SELECT count(*) FROM salesalgo.client WHERE state NOT IN ('new', 'deal');
SELECT count(*) FROM salesalgo.client WHERE state > 'contact_1';
SELECT count(*) FROM salesalgo.client WHERE state >= 'contact_1' AND state < 'deal';
SELECT count(*) FROM salesalgo.client WHERE state <= 'contact_2';
SELECT count(*) FROM salesalgo.client WHERE state BETWEEN 'contact_1' AND 'contact_3';
SELECT count(*) FROM salesalgo.client WHERE state = ANY ('{new,deal}');
SELECT count(*) FROM salesalgo.client WHERE size >= 'medium' AND size <> 'nonprofile';
SELECT count(*) FROM salesalgo.client WHERE state IS DISTINCT FROM 'new';
SELECT id, CASE WHEN state = 'deal' THEN 'won' ELSE 'open' END AS outcome,
       CASE state WHEN 'refusal' THEN 'lost' WHEN 'deal' THEN 'won' ELSE 'open' END AS simple_case,
       NULLIF(state, 'new') AS not_new
FROM salesalgo.client ORDER BY id;
SELECT count(*) FILTER (WHERE state = 'new') AS new,
       count(*) FILTER (WHERE state IN ('contact_1', 'contact_2', 'contact_3')) AS contacting,
       count(*) FILTER (WHERE size > 'small') AS bigger
FROM salesalgo.client;
SELECT min(state), max(state), min(size), max(size) FROM salesalgo.client;
SELECT state, count(*) FROM salesalgo.client GROUP BY state ORDER BY state;
SELECT DISTINCT size FROM salesalgo.client ORDER BY size DESC;
SELECT f.state, f.reached, p.clients
FROM salesalgo.funnel AS f JOIN salesalgo.pipeline AS p USING (state) ORDER BY f.step;
-- a hash join and a merge join need the operator classes
SET enable_nestloop = off;
SET enable_mergejoin = off;
SELECT count(*) FROM salesalgo.client AS a JOIN salesalgo.client AS b USING (state);
SET enable_hashjoin = off;
SET enable_mergejoin = on;
SELECT count(*) FROM salesalgo.client AS a JOIN salesalgo.client AS b USING (state);
RESET enable_nestloop;
RESET enable_mergejoin;
RESET enable_hashjoin;
-- qualified casts
SELECT count(*) FROM salesalgo.client WHERE state = 'deal'::salesalgo.client_state;
SELECT count(*) FROM salesalgo.client WHERE state = CAST('contact_2' AS salesalgo.client_state);
-- unknown-typed parameters, as psycopg 3 and node-postgres send them, and
-- a parameter cast to the type
PREPARE by_state AS SELECT count(*) FROM salesalgo.client WHERE state = $1;
EXECUTE by_state('deal');
PREPARE by_states AS SELECT count(*) FROM salesalgo.client WHERE state IN ($1, $2) OR size > $3;
EXECUTE by_states('new', 'refusal', 'medium');
PREPARE by_cast AS SELECT count(*) FROM salesalgo.client WHERE state = $1::salesalgo.client_state;
EXECUTE by_cast('deal');
-- README's refusals by reason
SELECT refusal_reason, count(*) FROM salesalgo.client_history
WHERE to_state = 'refusal' AND from_state IS DISTINCT FROM to_state
  AND changed_at > now() - interval '30 days'
GROUP BY 1 ORDER BY 2 DESC, 1;

-- With salesalgo on the search path, first or last: the same answers.
SET search_path = salesalgo, public;
SELECT count(*) FROM client WHERE state = 'deal';
SELECT min(state), max(size) FROM client WHERE state IN ('new', 'deal');
EXECUTE by_state('deal');
SET search_path = public, salesalgo;
SELECT count(*) FROM client WHERE state > 'contact_1' AND size BETWEEN 'small' AND 'large';
RESET search_path;
RESET SESSION AUTHORIZATION;

-- The join above was a hash join; the unassigned leads still have their
-- index.
SET enable_nestloop = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT * FROM salesalgo.client AS a JOIN salesalgo.client AS b USING (state);
RESET enable_nestloop;
RESET enable_mergejoin;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM salesalgo.client WHERE state = 'new' AND manager_id IS NULL;
RESET enable_seqscan;
SELECT salesalgo.distribute_leads();
SELECT id, manager_id FROM salesalgo.client WHERE id = 6;

-- One set of comparisons, in pg_catalog, belonging to the extension; none
-- left in salesalgo to be confused with them.
SELECT o.oprnamespace::regnamespace AS schema, format_type(o.oprleft, NULL) AS type,
       string_agg(o.oprname, ' ' ORDER BY o.oprname) AS operators,
       bool_and(d.deptype = 'e') AS members
FROM pg_operator AS o
LEFT JOIN pg_depend AS d ON d.classid = 'pg_operator'::regclass AND d.objid = o.oid
     AND d.refclassid = 'pg_extension'::regclass
WHERE o.oprleft IN ('salesalgo.client_state'::regtype, 'salesalgo.client_size'::regtype)
   OR o.oprnamespace = 'salesalgo'::regnamespace
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT p.oid::regprocedure AS aggregate, d.deptype
FROM pg_proc AS p
JOIN pg_depend AS d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
     AND d.refclassid = 'pg_extension'::regclass
WHERE p.prokind = 'a' AND p.proargtypes[0] IN ('salesalgo.client_state'::regtype, 'salesalgo.client_size'::regtype)
ORDER BY 1::text;
SELECT c.opcname, a.amname, c.opcnamespace::regnamespace, c.opcdefault,
       (SELECT string_agg(p.oprnamespace::regnamespace || '.' || p.oprname, ' ' ORDER BY o.amopstrategy)
        FROM pg_amop AS o JOIN pg_operator AS p ON p.oid = o.amopopr
        WHERE o.amopfamily = c.opcfamily) AS operators
FROM pg_opclass AS c JOIN pg_am AS a ON a.oid = c.opcmethod
WHERE c.opcintype IN ('salesalgo.client_state'::regtype, 'salesalgo.client_size'::regtype)
ORDER BY 1, 2;

-- The views read in the pipeline's order; the funnel shows the shortcut:
-- c1 went contact_2 -> deal, so contact_2 converted 2 (c1, c3) while only
-- c3 entered contact_3.
SELECT step, state, reached, converted, conversion, entered_next FROM salesalgo.funnel;
SELECT state, stays FROM salesalgo.stage_time;
SELECT state, clients FROM salesalgo.pipeline;
-- security_barrier on every view of the extension
SELECT c.relname, c.reloptions
FROM pg_class AS c WHERE c.relnamespace = 'salesalgo'::regnamespace AND c.relkind = 'v'
ORDER BY 1;

\c contrib_regression
DROP DATABASE regress_salesalgo_surface;
DROP ROLE regress_reader, regress_planter;
