\echo Use "ALTER EXTENSION salesalgo UPDATE TO '1.1'" to load this file. \quit

/*
 * salesalgo 1.0 to 1.1
 *
 * 13. check(): the invariants, verified against the data
 * 14. who sees what: a manager's login sees its own clients only
 *     (row-level security), and grant_access() gives a role the privileges
 *     of a manager, a head of sales or a BI tool
 * A fresh install of 1.1 runs the 1.0 script and then this one, so the two
 * can never differ.
 */

-- 13. check(): every invariant salesalgo keeps, verified against the data.
--    Empty on a healthy database; one row a violation.

CREATE FUNCTION salesalgo."check"()
    RETURNS TABLE (invariant text, client_id bigint, manager_id bigint, detail text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
WITH counted AS (
    SELECT m.id, m.in_work, coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
           (SELECT count(*) FROM client AS c
            WHERE c.manager_id = m.id AND in_worklist(c.state)) AS holds
    FROM manager AS m, settings AS s
), steps AS (
    -- every history row with its neighbours, from one pass over the history
    SELECT h.*,
           lag(h.to_state) OVER w AS before_state,
           lag(h.to_manager) OVER w AS before_manager,
           lag(h.refusal_reason) OVER w AS before_reason,
           lag(h.id) OVER w AS before_id,
           lead(h.id) OVER w IS NULL AS is_last
    FROM client_history AS h
    WINDOW w AS (PARTITION BY h.client_id ORDER BY h.id)
), last_change AS (
    SELECT * FROM steps WHERE is_last
)
-- R6: no manager holds more clients in worklist states than its cap
SELECT 'worklist_cap', NULL::bigint, id,
       format('Manager %s holds %s clients in worklist states; the cap is %s.', id, holds, cap)
FROM counted WHERE holds > cap
UNION ALL
SELECT 'worklist_count', NULL, id,
       format('manager.in_work says %s; the clients say %s.', in_work, holds)
FROM counted WHERE in_work <> holds
UNION ALL
-- R5
SELECT 'client_size_profile', c.id, c.manager_id,
       format('A nonprofile client is in %s with manager %s.', c.state, c.manager_id)
FROM client AS c
WHERE c.size = 'nonprofile' AND in_worklist(c.state) AND c.manager_id IS NOT NULL
UNION ALL
-- R3
SELECT 'refusal_reason', c.id, c.manager_id, 'The client is in refusal with no reason.'
FROM client AS c
WHERE c.state = 'refusal' AND c.refusal_reason IS NULL
UNION ALL
-- R7: the clock runs exactly while the state is a worklist state, from the
-- first manager on
SELECT 'deadline_clock', c.id, c.manager_id,
       CASE WHEN NOT in_worklist(c.state)
            THEN format('The client is in %s but has a deadline or a work start.', c.state)
            ELSE format('The client is in %s with a manager since %s but has no deadline.',
                        c.state, c.work_started_at) END
FROM client AS c
WHERE CASE WHEN in_worklist(c.state)
           THEN (c.manager_id IS NOT NULL OR c.work_started_at IS NOT NULL)
                AND (c.deadline_at IS NULL OR c.work_started_at IS NULL)
           ELSE c.deadline_at IS NOT NULL OR c.work_started_at IS NOT NULL END
UNION ALL
-- R9: the last history row of every client is the client as it is
SELECT 'history_current', c.id, c.manager_id,
       CASE WHEN l.id IS NULL THEN 'The client has no history.'
            ELSE format('History says %s, manager %s, deadline %s; the client is %s, manager %s, deadline %s.',
                        coalesce(l.to_state::text, 'deleted'), coalesce(l.to_manager::text, 'none'),
                        coalesce(l.deadline_at::text, 'none'), c.state,
                        coalesce(c.manager_id::text, 'none'), coalesce(c.deadline_at::text, 'none')) END
FROM client AS c
LEFT JOIN last_change AS l ON l.client_id = c.id
WHERE l.id IS NULL
   OR l.to_state IS DISTINCT FROM c.state
   OR l.to_manager IS DISTINCT FROM c.manager_id
   OR l.deadline_at IS DISTINCT FROM c.deadline_at
UNION ALL
SELECT 'history_current', l.client_id, l.to_manager,
       format('History says the client is in %s, but there is no such client.', l.to_state)
FROM last_change AS l
WHERE l.to_state IS NOT NULL
  AND NOT EXISTS (SELECT FROM client AS c WHERE c.id = l.client_id)
UNION ALL
-- R9: a client's history begins with its creation, and every row starts
-- where the one before it ended
SELECT 'history_chain', s.client_id, s.to_manager,
       CASE WHEN s.before_id IS NULL
            THEN format('History begins with row %s, a move from %s, not with the creation.',
                        s.id, s.from_state)
            ELSE format('History row %s starts from %s with manager %s, but row %s ended in %s with manager %s.',
                        s.id, coalesce(s.from_state::text, 'nothing'),
                        coalesce(s.from_manager::text, 'none'), s.before_id,
                        coalesce(s.before_state::text, 'nothing'),
                        coalesce(s.before_manager::text, 'none')) END
FROM steps AS s
WHERE CASE WHEN s.before_id IS NULL THEN s.from_state IS NOT NULL
           ELSE s.from_state IS DISTINCT FROM s.before_state
                OR s.from_manager IS DISTINCT FROM s.before_manager END
UNION ALL
-- R4: a client refused for a hard reason never moved again.  Hardness is
-- today's: a move made while a DBA had made the reason soft shows here too.
SELECT 'hard_refusal', s.client_id, s.to_manager,
       format('History row %s moves the client from refusal for %s, a hard reason, to %s.',
              s.id, s.before_reason, s.to_state)
FROM steps AS s
JOIN refusal_reason AS r ON r.code = s.before_reason AND r.hard
WHERE s.before_state = 'refusal' AND s.to_state IS DISTINCT FROM 'refusal'
  AND s.to_state IS NOT NULL
ORDER BY 1, 2, 3
$$;
COMMENT ON FUNCTION salesalgo."check"() IS
    'The invariants salesalgo keeps (caps, worklist counts, nonprofile clients, refusal reasons, deadline clocks, history, hard refusals), verified against the data: one row per violation, none on a healthy database.';
REVOKE ALL ON FUNCTION salesalgo."check"() FROM PUBLIC;

-- 14. Who sees what.  A manager's login (manager.login, or any member of a
--    role given the manager kind, unless also a head of sales) sees and
--    moves only its own clients; every other role sees what its privileges
--    allow, as before.  The rules and salesalgo's own writes run as the
--    tables' owner and see every row.

CREATE TABLE salesalgo.access_role (
    role regrole PRIMARY KEY,
    kind text NOT NULL CONSTRAINT access_role_kind
        CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['manager', 'head', 'bi'])),
    granted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    granted_by name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE salesalgo.access_role IS
    'Roles given access with grant_access(): manager (its own clients), head (everything, deadlines too), bi (the views).';

CREATE FUNCTION salesalgo.login_scope(login name) RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    own bigint;
BEGIN
    IF EXISTS (SELECT FROM salesalgo.access_role AS a
               WHERE a.kind OPERATOR(pg_catalog.=) 'head'
                 AND pg_catalog.pg_has_role(login_scope.login, a.role, 'MEMBER')) THEN
        RETURN NULL;
    END IF;
    SELECT m.id INTO own FROM salesalgo.manager AS m
    WHERE m.login OPERATOR(pg_catalog.=) login_scope.login;
    IF own IS NOT NULL THEN
        RETURN own;
    END IF;
    IF EXISTS (SELECT FROM salesalgo.access_role AS a
               WHERE a.kind OPERATOR(pg_catalog.=) 'manager'
                 AND pg_catalog.pg_has_role(login_scope.login, a.role, 'MEMBER')) THEN
        RETURN 0;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION salesalgo.login_scope(name) IS
    'Whose clients a role sees: NULL for every client its privileges allow (a head of sales, any role that is no manager''s login), the manager''s id for a manager''s login (manager.login, or a member of a role granted the manager kind), 0 (no one''s) for such a member with no manager row.';

-- Each policy asks login_scope() once per statement (a sub-select becomes
-- an InitPlan), not once per row.  coalesce(scope, x) IS NOT DISTINCT FROM x
-- holds for every row when the scope is NULL.
ALTER TABLE salesalgo.client ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_own ON salesalgo.client
    USING (coalesce((SELECT salesalgo.login_scope(CURRENT_USER)), manager_id)
           IS NOT DISTINCT FROM manager_id);
COMMENT ON POLICY client_own ON salesalgo.client IS
    'A manager''s login sees, moves and keeps only its own clients; other roles as their privileges allow.';

ALTER TABLE salesalgo.manager ENABLE ROW LEVEL SECURITY;
CREATE POLICY manager_own ON salesalgo.manager
    USING (coalesce((SELECT salesalgo.login_scope(CURRENT_USER)), id) OPERATOR(pg_catalog.=) id);
COMMENT ON POLICY manager_own ON salesalgo.manager IS
    'A manager''s login sees its own row only.';

ALTER TABLE salesalgo.client_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY client_history_own ON salesalgo.client_history
    USING ((SELECT salesalgo.login_scope(CURRENT_USER)) IS NULL
           OR (SELECT salesalgo.login_scope(CURRENT_USER)) OPERATOR(pg_catalog.=) ANY (ARRAY[from_manager, to_manager]));
COMMENT ON POLICY client_history_own ON salesalgo.client_history IS
    'A manager''s login sees the history of its own moves only.';

CREATE FUNCTION salesalgo.revoke_access(role regrole) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA salesalgo FROM %s', role);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA salesalgo FROM %s', role);
    EXECUTE format('REVOKE EXECUTE ON FUNCTION salesalgo.extend_deadline(bigint, timestamptz, text),'
                   ' salesalgo.distribute_leads(integer), salesalgo.sales_expire(timestamptz, integer),'
                   ' salesalgo.trial_report(timestamptz, timestamptz), salesalgo."check"() FROM %s', role);
    DELETE FROM salesalgo.access_role AS a WHERE a.role OPERATOR(pg_catalog.=) revoke_access.role;
END
$$;
COMMENT ON FUNCTION salesalgo.revoke_access(regrole) IS
    'Takes back every privilege a role holds on salesalgo''s tables, views, sequences and restricted functions, and forgets its kind.';
REVOKE ALL ON FUNCTION salesalgo.revoke_access(regrole) FROM PUBLIC;

CREATE FUNCTION salesalgo.grant_access(role regrole, kind text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind IS NULL OR kind NOT IN ('manager', 'head', 'bi') THEN
        RAISE EXCEPTION 'unknown kind of access "%"', kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use manager, head or bi.';
    END IF;
    PERFORM salesalgo.revoke_access(role);
    CASE kind
    WHEN 'manager' THEN
        EXECUTE format('GRANT SELECT ON salesalgo.client, salesalgo.manager, salesalgo.category,'
                       ' salesalgo.refusal_reason, salesalgo.client_history TO %s', role);
        EXECUTE format('GRANT UPDATE (state, refusal_reason, name, attributes)'
                       ' ON salesalgo.client TO %s', role);
    WHEN 'head' THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON salesalgo.client,'
                       ' salesalgo.manager, salesalgo.category TO %s', role);
        EXECUTE format('GRANT SELECT ON salesalgo.refusal_reason, salesalgo.client_history,'
                       ' salesalgo.transition_rule, salesalgo.deadline_rule, salesalgo.settings,'
                       ' salesalgo.pipeline, salesalgo.worklist, salesalgo.overdue,'
                       ' salesalgo.funnel, salesalgo.stage_time TO %s', role);
        EXECUTE format('GRANT USAGE ON SEQUENCE salesalgo.client_id_seq, salesalgo.manager_id_seq,'
                       ' salesalgo.category_id_seq TO %s', role);
        EXECUTE format('GRANT EXECUTE ON FUNCTION salesalgo.extend_deadline(bigint, timestamptz, text),'
                       ' salesalgo.distribute_leads(integer), salesalgo.sales_expire(timestamptz, integer),'
                       ' salesalgo.trial_report(timestamptz, timestamptz), salesalgo."check"() TO %s', role);
    WHEN 'bi' THEN
        EXECUTE format('GRANT SELECT ON salesalgo.pipeline, salesalgo.worklist, salesalgo.overdue,'
                       ' salesalgo.funnel, salesalgo.stage_time TO %s', role);
    END CASE;
    INSERT INTO salesalgo.access_role (role, kind) VALUES (grant_access.role, grant_access.kind);
END
$$;
COMMENT ON FUNCTION salesalgo.grant_access(regrole, text) IS
    'Gives a role (a login, or a group its logins belong to) the access of a manager (its own clients: read them, move them, refuse them), a head of sales (every client and manager, deadlines, expiry, leads, the views and reports) or a BI tool (the views).';
REVOKE ALL ON FUNCTION salesalgo.grant_access(regrole, text) FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('salesalgo.access_role', '');
