-- The reports written the straightforward way, for test/t/120_reports.pl to
-- compare the fast ones with: trial_report as 1.1 wrote it (correlated
-- scans of the whole history, plus conversion), trial_series by the same
-- definitions bucket by bucket, and funnel and stage_time as 1.2 installs
-- them as views.  Slow on purpose; schema reference.
CREATE SCHEMA reference;

CREATE FUNCTION reference.changes()
    RETURNS TABLE (id bigint, client_id bigint, from_state salesalgo.client_state,
                   to_state salesalgo.client_state, from_manager bigint, to_manager bigint,
                   refusal_reason text, changed_at timestamptz, source text,
                   enters boolean, leaves boolean)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
SELECT h.id, h.client_id, h.from_state, h.to_state, h.from_manager, h.to_manager,
       h.refusal_reason, h.changed_at, h.source,
       (h.to_manager IS NOT NULL AND coalesce(in_worklist(h.to_state), false)
        AND NOT (h.from_manager IS NOT DISTINCT FROM h.to_manager
                 AND coalesce(in_worklist(h.from_state), false))),
       (h.from_manager IS NOT NULL AND coalesce(in_worklist(h.from_state), false)
        AND NOT (h.to_manager IS NOT DISTINCT FROM h.from_manager
                 AND coalesce(in_worklist(h.to_state), false)))
FROM client_history AS h
$$;

-- a manager's worklist at t: every change up to t, summed
CREATE FUNCTION reference.in_work(manager bigint, t timestamptz) RETURNS bigint
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
SELECT coalesce(sum(CASE WHEN c.enters AND c.to_manager = manager THEN 1 ELSE 0 END
                  - CASE WHEN c.leaves AND c.from_manager = manager THEN 1 ELSE 0 END), 0)::bigint
FROM reference.changes() AS c
WHERE c.changed_at <= t
$$;

-- A manager whose row was made at or after ts (rule_history says so) is
-- in no report of a period ending by ts.
CREATE FUNCTION reference.hired_after(manager bigint, ts timestamptz) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
    RETURN EXISTS (SELECT FROM salesalgo.rule_history AS r
                   WHERE r.table_name = 'manager' AND r.operation = 'INSERT'
                     AND (r.new_row ->> 'id')::bigint = manager AND r.changed_at >= ts);

CREATE FUNCTION reference.trial_report(from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (manager_id bigint, name text, taken_into_work bigint,
                   deals bigint, refusals bigint, expired bigint,
                   median_days_to_deal numeric, avg_load numeric,
                   moves jsonb, refusals_by_reason jsonb, conversion numeric)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
WITH h AS (
    SELECT * FROM reference.changes()
), period AS (
    SELECT * FROM h WHERE h.changed_at >= from_ts AND h.changed_at < to_ts
), refused AS (
    SELECT * FROM period AS p
    WHERE p.to_state = 'refusal' AND p.from_state IS DISTINCT FROM 'refusal'
      AND p.source <> 'sales_expire'
), counts AS (
    SELECT p.to_manager AS manager_id, GROUPING(p.to_manager) = 1 AS total,
           count(DISTINCT p.client_id) FILTER (WHERE p.enters) AS taken_into_work,
           count(*) FILTER (WHERE p.to_state = 'deal' AND p.from_state IS DISTINCT FROM 'deal') AS deals,
           count(*) FILTER (WHERE p.to_state = 'refusal' AND p.from_state IS DISTINCT FROM 'refusal'
                              AND p.source <> 'sales_expire') AS refusals,
           count(*) FILTER (WHERE p.source = 'sales_expire') AS expired
    FROM period AS p
    GROUP BY GROUPING SETS ((p.to_manager), ())
), to_deal AS (
    SELECT d.to_manager AS manager_id, GROUPING(d.to_manager) = 1 AS total,
           round(percentile_cont(0.5) WITHIN GROUP (
               ORDER BY extract(epoch FROM d.changed_at - w.started) / 86400)::numeric, 2) AS days
    FROM period AS d
    CROSS JOIN LATERAL (
        SELECT max(e.changed_at) AS started FROM h AS e
        WHERE e.client_id = d.client_id AND e.id < d.id AND e.enters) AS w
    WHERE d.to_state = 'deal' AND d.from_state IS DISTINCT FROM 'deal'
    GROUP BY GROUPING SETS ((d.to_manager), ())
), moves_by_state AS (
    SELECT p.to_manager AS manager_id, GROUPING(p.to_manager) = 1 AS total,
           p.to_state, count(*) AS n
    FROM period AS p
    WHERE p.to_state IS NOT NULL AND p.from_state IS DISTINCT FROM p.to_state
    GROUP BY GROUPING SETS ((p.to_manager, p.to_state), (p.to_state))
), moves AS (
    SELECT m.manager_id, m.total, jsonb_object_agg(m.to_state::text, m.n ORDER BY m.to_state) AS moves
    FROM moves_by_state AS m GROUP BY m.manager_id, m.total
), reasons_by_code AS (
    SELECT r.to_manager AS manager_id, GROUPING(r.to_manager) = 1 AS total,
           r.refusal_reason, count(*) AS n
    FROM refused AS r
    GROUP BY GROUPING SETS ((r.to_manager, r.refusal_reason), (r.refusal_reason))
), reasons AS (
    SELECT r.manager_id, r.total,
           jsonb_object_agg(coalesce(r.refusal_reason, 'none'), r.n ORDER BY r.refusal_reason) AS refusals_by_reason
    FROM reasons_by_code AS r GROUP BY r.manager_id, r.total
), loads AS (
    SELECT m.id AS manager_id,
           coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
           avg(reference.in_work(m.id, x.t)) AS in_work
    FROM manager AS m CROSS JOIN settings AS s
    CROSS JOIN generate_series(from_ts, to_ts, interval '1 day') AS x (t)
    WHERE NOT reference.hired_after(m.id, to_ts)
    GROUP BY m.id, m.worklist_cap, s.default_worklist_cap
), rows AS (
    SELECT m.id AS manager_id, m.name, false AS total,
           round(l.in_work / l.cap, 4) AS avg_load
    FROM manager AS m JOIN loads AS l ON l.manager_id = m.id
    UNION ALL
    SELECT NULL, 'total', true,
           round(sum(l.in_work) / nullif(sum(l.cap), 0), 4)
    FROM loads AS l
)
SELECT r.manager_id, r.name,
       coalesce(c.taken_into_work, 0), coalesce(c.deals, 0),
       coalesce(c.refusals, 0), coalesce(c.expired, 0),
       d.days, r.avg_load,
       coalesce(mv.moves, '{}'), coalesce(rs.refusals_by_reason, '{}'),
       round(coalesce(c.deals, 0)::numeric / nullif(c.taken_into_work, 0), 4)
FROM rows AS r
LEFT JOIN counts AS c ON c.total = r.total AND (r.total OR c.manager_id = r.manager_id)
LEFT JOIN to_deal AS d ON d.total = r.total AND (r.total OR d.manager_id = r.manager_id)
LEFT JOIN moves AS mv ON mv.total = r.total AND (r.total OR mv.manager_id = r.manager_id)
LEFT JOIN reasons AS rs ON rs.total = r.total AND (r.total OR rs.manager_id = r.manager_id)
ORDER BY r.total, r.manager_id
$$;

-- Bucket by bucket: every bucket's counts from the whole history, and its
-- load sampled daily from the bucket's start.
CREATE FUNCTION reference.trial_series(from_ts timestamptz, to_ts timestamptz, bucket interval)
    RETURNS TABLE (bucket_start timestamptz, manager_id bigint, taken_into_work bigint,
                   deals bigint, refusals bigint, expired bigint, recalled bigint,
                   avg_load numeric)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
WITH buckets AS (
    SELECT b AS bucket_start, least(b + bucket, to_ts) AS bucket_end
    FROM generate_series(from_ts, to_ts, bucket) AS b WHERE b < to_ts
), who AS (
    SELECT b.*, m.id AS manager_id, coalesce(m.worklist_cap, s.default_worklist_cap) AS cap
    FROM buckets AS b CROSS JOIN manager AS m CROSS JOIN settings AS s
    WHERE NOT reference.hired_after(m.id, b.bucket_end)
), per_manager AS (
    SELECT w.bucket_start, w.manager_id, w.cap,
           (SELECT count(DISTINCT c.client_id) FROM reference.changes() AS c
            WHERE c.enters AND c.to_manager = w.manager_id
              AND c.changed_at >= w.bucket_start AND c.changed_at < w.bucket_end) AS taken_into_work,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.to_state = 'deal' AND c.from_state IS DISTINCT FROM 'deal' AND c.to_manager = w.manager_id
              AND c.changed_at >= w.bucket_start AND c.changed_at < w.bucket_end) AS deals,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.to_state = 'refusal' AND c.from_state IS DISTINCT FROM 'refusal'
              AND c.source <> 'sales_expire' AND c.to_manager = w.manager_id
              AND c.changed_at >= w.bucket_start AND c.changed_at < w.bucket_end) AS refusals,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.source = 'sales_expire' AND c.to_manager = w.manager_id
              AND c.changed_at >= w.bucket_start AND c.changed_at < w.bucket_end) AS expired,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.to_state = 'recall' AND c.from_state IS DISTINCT FROM 'recall' AND c.to_manager = w.manager_id
              AND c.changed_at >= w.bucket_start AND c.changed_at < w.bucket_end) AS recalled,
           (SELECT avg(reference.in_work(w.manager_id, t))
            FROM generate_series(w.bucket_start, w.bucket_end, interval '1 day') AS t
            WHERE t < w.bucket_end) AS in_work
    FROM who AS w
), totals AS (
    SELECT b.bucket_start,
           (SELECT count(DISTINCT c.client_id) FROM reference.changes() AS c
            WHERE c.enters AND c.changed_at >= b.bucket_start AND c.changed_at < b.bucket_end) AS taken_into_work,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.to_state = 'deal' AND c.from_state IS DISTINCT FROM 'deal'
              AND c.changed_at >= b.bucket_start AND c.changed_at < b.bucket_end) AS deals,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.to_state = 'refusal' AND c.from_state IS DISTINCT FROM 'refusal'
              AND c.source <> 'sales_expire'
              AND c.changed_at >= b.bucket_start AND c.changed_at < b.bucket_end) AS refusals,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.source = 'sales_expire'
              AND c.changed_at >= b.bucket_start AND c.changed_at < b.bucket_end) AS expired,
           (SELECT count(*) FROM reference.changes() AS c
            WHERE c.to_state = 'recall' AND c.from_state IS DISTINCT FROM 'recall'
              AND c.changed_at >= b.bucket_start AND c.changed_at < b.bucket_end) AS recalled,
           (SELECT round(sum(p.in_work) / nullif(sum(p.cap), 0), 4)
            FROM per_manager AS p WHERE p.bucket_start = b.bucket_start) AS avg_load
    FROM buckets AS b
)
SELECT p.bucket_start, p.manager_id, p.taken_into_work, p.deals, p.refusals, p.expired,
       p.recalled, round(p.in_work / p.cap, 4)
FROM per_manager AS p
UNION ALL
SELECT t.bucket_start, NULL, t.taken_into_work, t.deals, t.refusals, t.expired, t.recalled, t.avg_load
FROM totals AS t
ORDER BY 1, 2 NULLS LAST
$$;

-- funnel and stage_time as the 1.2 views compute them
CREATE VIEW reference.funnel AS
WITH path (step, state) AS (
    VALUES (1, 'new'::salesalgo.client_state), (2, 'contact_1'), (3, 'contact_2'),
           (4, 'contact_3'), (5, 'deal'), (6, 'deal_support'), (7, 'client')
), entered AS (
    SELECT h.client_id, bit_or(1 << p.step) AS steps
    FROM salesalgo.client_history AS h
    JOIN path AS p ON p.state = h.to_state
    WHERE h.from_state IS DISTINCT FROM h.to_state
    GROUP BY h.client_id
), counted AS (
    SELECT p.step, p.state,
           count(e.client_id) FILTER (WHERE e.steps & (1 << p.step) <> 0) AS reached,
           CASE WHEN p.step < 7 THEN
               count(e.client_id) FILTER (WHERE e.steps & (1 << p.step) <> 0
                                            AND e.steps >> (p.step + 1) <> 0)
           END AS converted,
           CASE WHEN p.step < 7 THEN
               count(e.client_id) FILTER (WHERE e.steps & (1 << p.step) <> 0
                                            AND e.steps & (1 << (p.step + 1)) <> 0)
           END AS entered_next
    FROM path AS p
    LEFT JOIN entered AS e ON true
    GROUP BY p.step, p.state
)
SELECT step, state, salesalgo.label(state) AS label, reached, converted,
       round(converted::numeric / nullif(reached, 0), 4) AS conversion,
       entered_next
FROM counted
ORDER BY step;

CREATE VIEW reference.stage_time AS
WITH changes AS (
    SELECT h.to_state AS state,
           h.changed_at AS entered_at,
           lead(h.changed_at) OVER (PARTITION BY h.client_id ORDER BY h.id) AS left_at
    FROM salesalgo.client_history AS h
    WHERE h.from_state IS DISTINCT FROM h.to_state
), stays AS (
    SELECT state, left_at - entered_at AS stay
    FROM changes
    WHERE state IS NOT NULL AND left_at IS NOT NULL
)
SELECT s.state,
       salesalgo.label(s.state) AS label,
       count(t.stay) AS stays,
       avg(t.stay) AS average,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.stay) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.stay) AS p90
FROM unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS s (state)
LEFT JOIN stays AS t ON t.state = s.state
GROUP BY s.state
ORDER BY s.state;
