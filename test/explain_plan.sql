-- EXPLAIN (COSTS OFF) as it reads on PostgreSQL 15 and 17 alike, for the
-- regression tests: 17 names an initplan's output "(InitPlan N).col1" where
-- 15 wrote "$K" and "InitPlan N (returns $K)"; both become "$initplan".
CREATE FUNCTION pg_temp.plan(query text) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        line := regexp_replace(line, ' \(returns \$\d+\)', '', 'g');
        line := regexp_replace(line, '\(InitPlan \d+\)\.col\d+', '$initplan', 'g');
        RETURN NEXT regexp_replace(line, '\$\d+', '$initplan', 'g');
    END LOOP;
END
$f$;
