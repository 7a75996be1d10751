\echo Use "ALTER EXTENSION salesalgo UPDATE TO '1.2'" to load this file. \quit

/*
 * salesalgo 1.1 to 1.2
 *
 * 15. reliability: what one statement sees, and restores that are restores
 * 16. salesalgo's own writes run as the user who made the change
 * 17. live events opt-in, and an expiry nobody can postpone
 * 18. the surface: comparisons from any connection, BI and manager views
 * 19. platforms
 * A fresh install of 1.2 runs the 1.0 script and the updates in turn, so a
 * fresh database and an updated one can never differ.
 */

-- 15. Reliability

-- Trigger functions are salesalgo's own: nobody else attaches them to a
-- table (CREATE TRIGGER needs EXECUTE; firing does not), and each refuses,
-- in C, any table but its own.  What a trigger calls in turn as the user
-- who made the change (restoring_dump(), rule_key()) stays executable: it
-- reads nothing and writes nothing.
REVOKE EXECUTE ON FUNCTION salesalgo.client_rules(), salesalgo.client_log(),
    salesalgo.client_truncate(), salesalgo.manager_guard(),
    salesalgo.history_guard(), salesalgo.rules_changed(),
    salesalgo.keep_rule_row(), salesalgo.restore_removed_default(),
    salesalgo.check_rules() FROM PUBLIC;

COMMENT ON FUNCTION salesalgo.client_rules() IS
    'BEFORE row trigger on client: the kept columns and the deadline clock (R7, R8), and the checks of a move that need the old row (R2 to R5). Runs on salesalgo.client only.';
COMMENT ON FUNCTION salesalgo.client_log() IS
    'AFTER statement trigger on client: judges what the statement wrote (creations, R1, R3, R5), the worklist cap and active managers (R6), and the history rows (R9). Runs on salesalgo.client only.';


-- 16. Internal writes



-- 17. Events and expiry



-- 18. The surface



-- 19. Platforms

