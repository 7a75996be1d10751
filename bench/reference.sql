-- The rules of salesalgo as a careful DBA would write them by hand, for the
-- benchmark to compare against: enums, a transition table, a PL/pgSQL
-- BEFORE trigger that checks the move, locks the manager row and counts the
-- worklist, AFTER triggers that write the history, a PL/pgSQL expire
-- function.  Schema ref.  (Like any lock-and-count design, its cap does not
-- hold at REPEATABLE READ; that is salesalgo's point, not this benchmark's.)

CREATE SCHEMA ref;
CREATE TYPE ref.client_size AS ENUM ('nonprofile', 'small', 'medium', 'large');
CREATE TYPE ref.client_state AS ENUM ('new', 'contact_1', 'contact_2', 'contact_3',
    'deal', 'deal_support', 'client', 'strategic_reserve', 'recall', 'refusal');

CREATE TABLE ref.manager (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    worklist_cap integer,
    active boolean NOT NULL DEFAULT true
);
CREATE TABLE ref.refusal_reason (code text PRIMARY KEY, hard boolean NOT NULL);
CREATE TABLE ref.transition_rule (
    from_state ref.client_state,
    to_state ref.client_state NOT NULL,
    UNIQUE NULLS NOT DISTINCT (from_state, to_state)
);
CREATE TABLE ref.deadline_rule (
    size ref.client_size UNIQUE NULLS NOT DISTINCT,
    days integer NOT NULL
);
CREATE TABLE ref.settings (default_worklist_cap integer NOT NULL);

CREATE TABLE ref.client (
    id bigserial PRIMARY KEY,
    external_id text UNIQUE,
    name text NOT NULL,
    size ref.client_size NOT NULL,
    category_id bigint,
    state ref.client_state NOT NULL DEFAULT 'new',
    manager_id bigint REFERENCES ref.manager,
    refusal_reason text REFERENCES ref.refusal_reason,
    state_since timestamptz,
    work_started_at timestamptz,
    deadline_at timestamptz,
    attributes jsonb NOT NULL DEFAULT '{}'
);
-- the worklist count reads this index
CREATE INDEX ON ref.client (manager_id);
CREATE INDEX ON ref.client (deadline_at) WHERE deadline_at IS NOT NULL;

CREATE TABLE ref.client_history (
    id bigserial PRIMARY KEY,
    client_id bigint NOT NULL,
    from_state ref.client_state,
    to_state ref.client_state,
    from_manager bigint,
    to_manager bigint,
    refusal_reason text,
    deadline_at timestamptz,
    changed_at timestamptz NOT NULL,
    changed_by name NOT NULL,
    source text NOT NULL
);
CREATE INDEX ON ref.client_history (client_id, id);
CREATE INDEX ON ref.client_history (changed_at);

INSERT INTO ref.refusal_reason VALUES
    ('nonprofile', true), ('no_money', false), ('crisis', false),
    ('deadline', false), ('other', false);
INSERT INTO ref.transition_rule VALUES
    (NULL, 'new'), ('new', 'contact_1'), ('new', 'refusal'), ('new', 'strategic_reserve'),
    ('contact_1', 'contact_2'), ('contact_1', 'refusal'), ('contact_1', 'strategic_reserve'),
    ('contact_2', 'contact_3'), ('contact_2', 'deal'), ('contact_2', 'refusal'),
    ('contact_2', 'strategic_reserve'), ('contact_3', 'deal'), ('contact_3', 'refusal'),
    ('contact_3', 'strategic_reserve'), ('deal', 'deal_support'), ('deal', 'refusal'),
    ('deal_support', 'client'), ('refusal', 'recall'), ('recall', 'contact_1'),
    ('recall', 'refusal'), ('strategic_reserve', 'contact_1'),
    ('strategic_reserve', 'contact_2'), ('strategic_reserve', 'refusal');
INSERT INTO ref.deadline_rule VALUES ('small', 14), ('medium', 30), ('large', 40), (NULL, 30);
INSERT INTO ref.settings VALUES (90);

CREATE FUNCTION ref.client_rules() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, ref, pg_temp AS $$
DECLARE
    enters boolean;
    cap integer;
    is_active boolean;
    in_work bigint;
    term integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state_since IS NOT NULL OR NEW.work_started_at IS NOT NULL
           OR NEW.deadline_at IS NOT NULL THEN
            RAISE EXCEPTION 'the clock columns are kept by the trigger' USING ERRCODE = '428C9';
        END IF;
        IF NOT EXISTS (SELECT FROM ref.transition_rule
                       WHERE from_state IS NULL AND to_state = NEW.state) THEN
            RAISE EXCEPTION 'client % cannot be created in state %', NEW.id, NEW.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'client_state_transition';
        END IF;
    ELSE
        IF NEW.deadline_at IS DISTINCT FROM OLD.deadline_at THEN
            RAISE EXCEPTION 'deadline_at is kept by the trigger'
                USING ERRCODE = '428C9', COLUMN = 'deadline_at';
        END IF;
        IF NEW.state_since IS DISTINCT FROM OLD.state_since
           OR NEW.work_started_at IS DISTINCT FROM OLD.work_started_at THEN
            RAISE EXCEPTION 'the clock columns are kept by the trigger' USING ERRCODE = '428C9';
        END IF;
        IF NEW.state <> OLD.state THEN
            IF OLD.state = 'refusal' AND EXISTS (SELECT FROM ref.refusal_reason
                                                  WHERE code = OLD.refusal_reason AND hard) THEN
                RAISE EXCEPTION 'client % was refused for a hard reason', NEW.id
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'client_state_transition';
            END IF;
            IF NOT EXISTS (SELECT FROM ref.transition_rule
                           WHERE from_state = OLD.state AND to_state = NEW.state) THEN
                RAISE EXCEPTION 'client % cannot move from % to %', NEW.id, OLD.state, NEW.state
                    USING ERRCODE = 'check_violation', CONSTRAINT = 'client_state_transition';
            END IF;
        END IF;
    END IF;
    IF NEW.state = 'refusal' AND NEW.refusal_reason IS NULL THEN
        RAISE EXCEPTION 'client % needs a refusal reason', NEW.id
            USING ERRCODE = 'not_null_violation', COLUMN = 'refusal_reason';
    END IF;

    enters := NEW.state <= 'contact_3' AND NEW.manager_id IS NOT NULL
              AND NOT (TG_OP = 'UPDATE' AND OLD.state <= 'contact_3'
                       AND OLD.manager_id IS NOT DISTINCT FROM NEW.manager_id);
    IF enters THEN
        IF NEW.size = 'nonprofile' THEN
            RAISE EXCEPTION 'client % is nonprofile', NEW.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'client_size_profile';
        END IF;
        SELECT coalesce(m.worklist_cap, s.default_worklist_cap), m.active
          INTO cap, is_active
          FROM ref.manager AS m, ref.settings AS s
         WHERE m.id = NEW.manager_id
           FOR UPDATE OF m;
        IF NOT is_active THEN
            RAISE EXCEPTION 'manager % is not active', NEW.manager_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'manager_active';
        END IF;
        SELECT count(*) INTO in_work FROM ref.client
         WHERE manager_id = NEW.manager_id AND state <= 'contact_3';
        IF in_work >= cap THEN
            RAISE EXCEPTION 'worklist of manager % is full', NEW.manager_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'manager_worklist_cap';
        END IF;
    END IF;

    IF TG_OP = 'INSERT' OR NEW.state <> OLD.state THEN
        NEW.state_since := now();
    END IF;
    IF NEW.state > 'contact_3' THEN
        NEW.work_started_at := NULL;
        NEW.deadline_at := NULL;
    ELSIF TG_OP = 'UPDATE' AND OLD.state <= 'contact_3' AND OLD.deadline_at IS NOT NULL THEN
        NULL;   -- the clock runs on
    ELSIF NEW.manager_id IS NOT NULL THEN
        SELECT days INTO term FROM ref.deadline_rule
         WHERE size = NEW.size OR size IS NULL ORDER BY size NULLS LAST LIMIT 1;
        NEW.work_started_at := now();
        NEW.deadline_at := now() + term * interval '1 day';
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION ref.client_log() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, ref, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO ref.client_history (client_id, from_state, from_manager, refusal_reason,
                                        changed_at, changed_by, source)
        VALUES (OLD.id, OLD.state, OLD.manager_id, OLD.refusal_reason, now(), current_user, 'sql');
        RETURN NULL;
    END IF;
    INSERT INTO ref.client_history (client_id, from_state, to_state, from_manager, to_manager,
                                    refusal_reason, deadline_at, changed_at, changed_by, source)
    VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END, NEW.state,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.manager_id END, NEW.manager_id,
            NEW.refusal_reason, NEW.deadline_at, now(), current_user,
            coalesce(current_setting('ref.source', true), 'sql'));
    RETURN NULL;
END $$;

CREATE TRIGGER client_rules BEFORE INSERT OR UPDATE ON ref.client
    FOR EACH ROW EXECUTE FUNCTION ref.client_rules();
CREATE TRIGGER client_log_insert AFTER INSERT ON ref.client
    FOR EACH ROW EXECUTE FUNCTION ref.client_log();
CREATE TRIGGER client_log_update AFTER UPDATE ON ref.client
    FOR EACH ROW
    WHEN (OLD.state <> NEW.state OR OLD.manager_id IS DISTINCT FROM NEW.manager_id
          OR OLD.deadline_at IS DISTINCT FROM NEW.deadline_at
          OR OLD.refusal_reason IS DISTINCT FROM NEW.refusal_reason)
    EXECUTE FUNCTION ref.client_log();
CREATE TRIGGER client_log_delete AFTER DELETE ON ref.client
    FOR EACH ROW EXECUTE FUNCTION ref.client_log();

CREATE FUNCTION ref.sales_expire(as_of timestamptz DEFAULT now()) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, ref, pg_temp AS $$
DECLARE
    moved bigint;
BEGIN
    PERFORM set_config('ref.source', 'sales_expire', true);
    UPDATE ref.client SET state = 'refusal', refusal_reason = 'deadline'
    WHERE deadline_at <= as_of;
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM set_config('ref.source', 'sql', true);
    RETURN moved;
END $$;

CREATE VIEW ref.worklist AS
SELECT m.id AS manager_id, m.name,
       count(c.id) AS in_work,
       coalesce(m.worklist_cap, s.default_worklist_cap) AS cap
FROM ref.manager AS m
CROSS JOIN ref.settings AS s
LEFT JOIN ref.client AS c ON c.manager_id = m.id AND c.state <= 'contact_3'
GROUP BY m.id, s.default_worklist_cap;

CREATE VIEW ref.pipeline AS
SELECT state, count(*) AS clients, round(count(*)::numeric / sum(count(*)) OVER (), 4) AS share
FROM ref.client GROUP BY state;
