-- what_if() at a department's size: a generated department (bench/department.sql)
-- of :managers managers over :days days, then what_if() over the last 30 days
-- under the model in force and under a cap of 60 with 21-day medium clients.
--
--   psql -X -v managers=80 -v days=40 -f bench/what_if.sql     (about 200,000 rows in the 30 days)
--   psql -X -v managers=800 -v days=40 -f bench/what_if.sql    (about 2,000,000)
--
-- In a fresh database with salesalgo installed; needs a superuser.
-- ./run bench what_if (bench/what_if.py) times the 50- and 500-manager
-- departments of 30 days, with the time per 100,000 history rows.
\set ON_ERROR_STOP 1
\ir department.sql
CALL department.generate(:managers, :days);
SELECT '2026-01-05 00:00+00'::timestamptz + (:days - 30) * interval '1 day' AS from_ts,
       '2026-01-05 00:00+00'::timestamptz + :days * interval '1 day' AS to_ts \gset
ANALYZE salesalgo.client_history;
ANALYZE salesalgo.client;
SELECT count(*) AS history_rows_in_period FROM salesalgo.client_history
WHERE changed_at >= :'from_ts' AND changed_at < :'to_ts';
\timing on
SELECT count(*) FILTER (WHERE actual <> what_if) AS differ
FROM salesalgo.what_if(:'from_ts', :'to_ts', salesalgo.model_at(:'from_ts'));
SELECT metric, actual, what_if, difference
FROM salesalgo.what_if(:'from_ts', :'to_ts',
                       '{"default_worklist_cap": 60, "deadline_rule": [{"size": "medium", "days": 21}]}')
WHERE manager_id IS NULL;
\timing off
