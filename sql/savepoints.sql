-- A subtransaction that aborts anywhere (a DBA's exception block, an
-- application's savepoint, a failed statement rolled back to a savepoint)
-- leaves salesalgo working: what one statement knows belongs to that
-- statement and is restored with the subtransaction, never zeroed.
SET TIME ZONE 'UTC';
SET salesalgo.now = '2026-05-01 09:00+00';
INSERT INTO salesalgo.manager (id, name) VALUES (1501, 'Vera'), (1502, 'Oleg');
INSERT INTO salesalgo.client (id, name, size) VALUES
    (15001, 'Pine', 'medium'), (15002, 'Fir', 'medium'), (15003, 'Oak', 'small'),
    (15004, 'Elm', 'large');

-- A DBA's audit trigger on manager whose body swallows an error in an
-- exception block; it fires inside salesalgo's own count of in_work.
CREATE TABLE regress.manager_audit (manager_id bigint, in_work integer, note text);
CREATE FUNCTION regress.audit_manager() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM 1 / 0;
    EXCEPTION WHEN others THEN
        INSERT INTO regress.manager_audit VALUES (NEW.id, NEW.in_work, SQLERRM);
    END;
    RETURN NEW;
END $$;
CREATE TRIGGER zz_audit AFTER UPDATE ON salesalgo.manager
    FOR EACH ROW EXECUTE FUNCTION regress.audit_manager();

UPDATE salesalgo.client SET manager_id = 1501 WHERE id = 15001;
-- the next assignments work too, and each is history
UPDATE salesalgo.client SET manager_id = 1501 WHERE id = 15002;
UPDATE salesalgo.client SET manager_id = 1502 WHERE id = 15003;
SELECT manager_id, in_work, note FROM regress.manager_audit ORDER BY 1, 2;
SELECT client_id, to_manager, source FROM salesalgo.client_history
WHERE client_id IN (15001, 15002, 15003) AND to_manager IS NOT NULL ORDER BY id;
-- in_work is still salesalgo's alone
SELECT code, message FROM regress.error_of($$UPDATE salesalgo.manager SET in_work = 0 WHERE id = 1501$$);
SELECT code, message FROM regress.error_of($$
    INSERT INTO salesalgo.client_history (client_id, to_state, changed_at, changed_by, source)
    VALUES (15001, 'client', now(), current_user, 'forged')$$);
DROP TRIGGER zz_audit ON salesalgo.manager;

-- The same with the exception block in a trigger on client_history.
CREATE FUNCTION regress.audit_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM 1 / 0;
    EXCEPTION WHEN others THEN
        NULL;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_audit AFTER INSERT ON salesalgo.client_history
    FOR EACH STATEMENT EXECUTE FUNCTION regress.audit_history();
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 15001;
UPDATE salesalgo.client SET state = 'contact_1' WHERE id = 15002;
SELECT client_id, from_state, to_state FROM salesalgo.client_history
WHERE client_id IN (15001, 15002) AND to_state = 'contact_1' ORDER BY id;
DROP TRIGGER zz_audit ON salesalgo.client_history;

-- An application's savepoints: a failed statement, ROLLBACK TO, go on.
BEGIN;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 15001;
SAVEPOINT a;
UPDATE salesalgo.client SET state = 'deal_support' WHERE id = 15002;
ROLLBACK TO SAVEPOINT a;
UPDATE salesalgo.client SET state = 'contact_2' WHERE id = 15002;
SAVEPOINT b;
UPDATE salesalgo.client SET manager_id = 1502 WHERE id = 15004;
ROLLBACK TO SAVEPOINT b;
UPDATE salesalgo.client SET manager_id = 1502 WHERE id = 15004;
RELEASE SAVEPOINT b;
COMMIT;
SELECT id, state, manager_id FROM salesalgo.client WHERE id BETWEEN 15001 AND 15004 ORDER BY id;
SELECT id, in_work FROM salesalgo.manager WHERE id IN (1501, 1502) ORDER BY id;
SELECT client_id, from_state, to_state, to_manager FROM salesalgo.client_history
WHERE client_id IN (15002, 15004) ORDER BY id;

-- A deadline extension inside a savepoint that rolls back: the deadline
-- stays, and afterwards a plain statement still may not move a deadline
-- while extend_deadline still may.
BEGIN;
SAVEPOINT c;
SELECT salesalgo.extend_deadline(15001, '2026-09-01 00:00+00', 'trade fair');
ROLLBACK TO SAVEPOINT c;
SELECT deadline_at FROM salesalgo.client WHERE id = 15001;
SELECT code, message FROM regress.error_of($$UPDATE salesalgo.client SET deadline_at = '2026-12-01 00:00+00' WHERE id = 15001$$);
SAVEPOINT d;
SELECT code FROM regress.error_of($$SELECT salesalgo.extend_deadline(15001, '2026-08-01 00:00+00', 'undone')$$, true);
SELECT salesalgo.extend_deadline(15001, '2026-08-15 00:00+00', 'trade fair');
COMMIT;
SELECT deadline_at FROM salesalgo.client WHERE id = 15001;
SELECT source, note, deadline_at FROM salesalgo.client_history
WHERE client_id = 15001 AND source = 'extend_deadline' ORDER BY id;

-- A DBA's exception block that swallows an extension's failure.
DO $$
BEGIN
    BEGIN
        PERFORM salesalgo.extend_deadline(15001, '2026-10-01 00:00+00', 'then fail');
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        NULL;
    END;
END $$;
SELECT deadline_at FROM salesalgo.client WHERE id = 15001;
SELECT code FROM regress.error_of($$UPDATE salesalgo.client SET deadline_at = '2026-12-01 00:00+00' WHERE id = 15001$$);

SELECT * FROM salesalgo.check() WHERE client_id BETWEEN 15001 AND 15004 OR manager_id IN (1501, 1502);
DELETE FROM salesalgo.client WHERE id BETWEEN 15001 AND 15004;
DELETE FROM salesalgo.manager WHERE id IN (1501, 1502);
DROP FUNCTION regress.audit_manager();
DROP FUNCTION regress.audit_history();
DROP TABLE regress.manager_audit;
RESET salesalgo.now;
