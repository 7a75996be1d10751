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



-- 16. Internal writes
--
-- The history rows and worklist counts are written by the C library as the
-- user who made the change (no schema change); only what restoring_dump()
-- recognizes changes its description.

COMMENT ON FUNCTION salesalgo.restoring_dump() IS
    'True in a session loading a dump: its session user a superuser, and the four settings pg_dump''s output makes all in force (check_function_bodies off, client_min_messages warning, row_security off, an empty search_path); its rows are loaded as they were.';


-- 17. Events and expiry



-- 18. The surface



-- 19. Platforms

