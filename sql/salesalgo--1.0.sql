\echo Use "CREATE EXTENSION salesalgo" to load this file. \quit

/*
 * salesalgo 1.0
 *
 * The install script reads as documentation of the schema, in this order:
 *  1. the types client_size and client_state, their operators and classes
 *  2. the department's tables: managers, categories, reasons, clients, history
 *  3. the rule tables a DBA tunes, with the book's rows
 *  4. the clock
 *  5. the rules on salesalgo.client, as C triggers
 *  6. expiry and lead distribution
 *  7. scheduling with pg_cron
 *  8. the guards on what salesalgo keeps
 *  9. the upkeep of the rule tables (caches, dumps, checks)
 * 10. the views for BI tools and the trial report
 * 11. what pg_dump keeps
 * 12. privileges
 * Objects are created schema-qualified and operators in defaults and
 * checks are named with OPERATOR(); views are bound when created, with
 * pg_catalog searched first; every function that runs SQL pins its
 * search_path.  Objects planted in other schemas are not called, and the
 * schema itself must be salesalgo's own (section 0).
 */

-- 0. The schema is salesalgo's own: CREATE EXTENSION makes it, owned by the
--    installing superuser.  A schema of that name made beforehand by someone
--    else, or holding anything, could hold objects that outrank the ones
--    below; the install stops rather than use it.

DO $$
DECLARE
    schema_oid oid := 'salesalgo'::pg_catalog.regnamespace;
    owner_name name;
    owner_trusted boolean;
    others_may_create boolean;
    objects bigint;
BEGIN
    SELECT r.rolname, r.rolsuper OR r.rolname OPERATOR(pg_catalog.=) CURRENT_USER
      INTO owner_name, owner_trusted
      FROM pg_catalog.pg_namespace AS n
      JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.oid OPERATOR(pg_catalog.=) schema_oid;
    SELECT pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 INTO others_may_create
      FROM pg_catalog.pg_namespace AS n,
           pg_catalog.aclexplode(n.nspacl) AS a
     WHERE n.oid OPERATOR(pg_catalog.=) schema_oid
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
       AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner;
    SELECT pg_catalog.count(*) INTO objects FROM (
        SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_proc WHERE pronamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_type WHERE typnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_operator WHERE oprnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_opfamily WHERE opfnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_collation WHERE collnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_conversion WHERE connamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_ts_config WHERE cfgnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_ts_dict WHERE dictnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_ts_parser WHERE prsnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_ts_template WHERE tmplnamespace OPERATOR(pg_catalog.=) schema_oid
        UNION ALL SELECT 1 FROM pg_catalog.pg_statistic_ext WHERE stxnamespace OPERATOR(pg_catalog.=) schema_oid
    ) AS planted;

    IF NOT owner_trusted OR others_may_create OR objects OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'schema "salesalgo" was not made for this extension'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = pg_catalog.format('It is owned by role %I%s%s.', owner_name,
                      CASE WHEN others_may_create THEN ', other roles may create objects in it' ELSE '' END,
                      CASE WHEN objects OPERATOR(pg_catalog.>) 0
                           THEN pg_catalog.format(', and it already holds %s objects', objects) ELSE '' END),
                  HINT = 'salesalgo installs only into a schema of its own. Drop or rename that schema, then run CREATE EXTENSION again.';
    END IF;
END
$$;

-- 1. The book's closed lists as types

-- client_size

CREATE TYPE salesalgo.client_size;

CREATE FUNCTION salesalgo.client_size_in(pg_catalog.cstring) RETURNS salesalgo.client_size
    AS 'MODULE_PATHNAME', 'client_size_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION salesalgo.client_size_out(salesalgo.client_size) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'client_size_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION salesalgo.client_size_recv(pg_catalog.internal) RETURNS salesalgo.client_size
    AS 'MODULE_PATHNAME', 'client_size_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION salesalgo.client_size_send(salesalgo.client_size) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'client_size_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE salesalgo.client_size (
    INPUT = salesalgo.client_size_in,
    OUTPUT = salesalgo.client_size_out,
    RECEIVE = salesalgo.client_size_recv,
    SEND = salesalgo.client_size_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain
);
COMMENT ON TYPE salesalgo.client_size IS
    'A client''s size (book, step 4): nonprofile < small < medium < large. Russian names are accepted on input.';

COMMENT ON FUNCTION salesalgo.client_size_in(pg_catalog.cstring) IS
    'Text input of client_size: an English or Russian name, in any case.';
COMMENT ON FUNCTION salesalgo.client_size_out(salesalgo.client_size) IS
    'Text output of client_size: the English name.';
COMMENT ON FUNCTION salesalgo.client_size_recv(pg_catalog.internal) IS
    'Binary input of client_size: one byte, the position in sort order.';
COMMENT ON FUNCTION salesalgo.client_size_send(salesalgo.client_size) IS
    'Binary output of client_size: one byte, the position in sort order.';

-- The stored byte is the sort position, so "char"'s functions compare and hash.
CREATE FUNCTION salesalgo.client_size_eq(salesalgo.client_size, salesalgo.client_size) RETURNS boolean
    AS 'chareq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_ne(salesalgo.client_size, salesalgo.client_size) RETURNS boolean
    AS 'charne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_lt(salesalgo.client_size, salesalgo.client_size) RETURNS boolean
    AS 'charlt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_le(salesalgo.client_size, salesalgo.client_size) RETURNS boolean
    AS 'charle' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_gt(salesalgo.client_size, salesalgo.client_size) RETURNS boolean
    AS 'chargt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_ge(salesalgo.client_size, salesalgo.client_size) RETURNS boolean
    AS 'charge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_cmp(salesalgo.client_size, salesalgo.client_size) RETURNS integer
    AS 'btcharcmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_hash(salesalgo.client_size) RETURNS integer
    AS 'hashchar' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_size_hash_extended(salesalgo.client_size, bigint) RETURNS bigint
    AS 'hashcharextended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION salesalgo.client_size_eq(salesalgo.client_size, salesalgo.client_size) IS 'Implements = for client_size.';
COMMENT ON FUNCTION salesalgo.client_size_ne(salesalgo.client_size, salesalgo.client_size) IS 'Implements <> for client_size.';
COMMENT ON FUNCTION salesalgo.client_size_lt(salesalgo.client_size, salesalgo.client_size) IS 'Implements < for client_size.';
COMMENT ON FUNCTION salesalgo.client_size_le(salesalgo.client_size, salesalgo.client_size) IS 'Implements <= for client_size.';
COMMENT ON FUNCTION salesalgo.client_size_gt(salesalgo.client_size, salesalgo.client_size) IS 'Implements > for client_size.';
COMMENT ON FUNCTION salesalgo.client_size_ge(salesalgo.client_size, salesalgo.client_size) IS 'Implements >= for client_size.';
COMMENT ON FUNCTION salesalgo.client_size_cmp(salesalgo.client_size, salesalgo.client_size) IS 'Btree comparison of client_size: the book''s order.';
COMMENT ON FUNCTION salesalgo.client_size_hash(salesalgo.client_size) IS 'Hash of client_size.';
COMMENT ON FUNCTION salesalgo.client_size_hash_extended(salesalgo.client_size, bigint) IS 'Seeded hash of client_size, for hash partitioning.';

CREATE OPERATOR salesalgo.= (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_eq,
    COMMUTATOR = OPERATOR(salesalgo.=), NEGATOR = OPERATOR(salesalgo.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
    HASHES, MERGES
);
CREATE OPERATOR salesalgo.<> (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_ne,
    COMMUTATOR = OPERATOR(salesalgo.<>), NEGATOR = OPERATOR(salesalgo.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR salesalgo.< (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_lt,
    COMMUTATOR = OPERATOR(salesalgo.>), NEGATOR = OPERATOR(salesalgo.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR salesalgo.<= (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_le,
    COMMUTATOR = OPERATOR(salesalgo.>=), NEGATOR = OPERATOR(salesalgo.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR salesalgo.> (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_gt,
    COMMUTATOR = OPERATOR(salesalgo.<), NEGATOR = OPERATOR(salesalgo.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR salesalgo.>= (
    LEFTARG = salesalgo.client_size, RIGHTARG = salesalgo.client_size,
    FUNCTION = salesalgo.client_size_ge,
    COMMUTATOR = OPERATOR(salesalgo.<=), NEGATOR = OPERATOR(salesalgo.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR salesalgo.=(salesalgo.client_size, salesalgo.client_size) IS 'equal';
COMMENT ON OPERATOR salesalgo.<>(salesalgo.client_size, salesalgo.client_size) IS 'not equal';
COMMENT ON OPERATOR salesalgo.<(salesalgo.client_size, salesalgo.client_size) IS 'earlier in the book''s order';
COMMENT ON OPERATOR salesalgo.<=(salesalgo.client_size, salesalgo.client_size) IS 'earlier in the book''s order or equal';
COMMENT ON OPERATOR salesalgo.>(salesalgo.client_size, salesalgo.client_size) IS 'later in the book''s order';
COMMENT ON OPERATOR salesalgo.>=(salesalgo.client_size, salesalgo.client_size) IS 'later in the book''s order or equal';

CREATE OPERATOR CLASS salesalgo.client_size_ops
    DEFAULT FOR TYPE salesalgo.client_size USING btree AS
        OPERATOR 1 salesalgo.<,
        OPERATOR 2 salesalgo.<=,
        OPERATOR 3 salesalgo.=,
        OPERATOR 4 salesalgo.>=,
        OPERATOR 5 salesalgo.>,
        FUNCTION 1 salesalgo.client_size_cmp(salesalgo.client_size, salesalgo.client_size),
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS salesalgo.client_size_ops
    DEFAULT FOR TYPE salesalgo.client_size USING hash AS
        OPERATOR 1 salesalgo.=,
        FUNCTION 1 salesalgo.client_size_hash(salesalgo.client_size),
        FUNCTION 2 salesalgo.client_size_hash_extended(salesalgo.client_size, bigint);

COMMENT ON OPERATOR CLASS salesalgo.client_size_ops USING btree IS
    'Default btree operator class for client_size: sorting, ranges, merge joins.';
COMMENT ON OPERATOR CLASS salesalgo.client_size_ops USING hash IS
    'Default hash operator class for client_size: hash joins, hash aggregation, hash partitioning.';

CREATE FUNCTION salesalgo.client_size_smaller(salesalgo.client_size, salesalgo.client_size) RETURNS salesalgo.client_size
    AS 'MODULE_PATHNAME', 'salesalgo_byte_smaller'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.client_size_smaller(salesalgo.client_size, salesalgo.client_size) IS
    'The earlier of two client_size values, for min().';
CREATE FUNCTION salesalgo.client_size_larger(salesalgo.client_size, salesalgo.client_size) RETURNS salesalgo.client_size
    AS 'MODULE_PATHNAME', 'salesalgo_byte_larger'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.client_size_larger(salesalgo.client_size, salesalgo.client_size) IS
    'The later of two client_size values, for max().';
CREATE AGGREGATE salesalgo.min(salesalgo.client_size) (
    SFUNC = salesalgo.client_size_smaller, STYPE = salesalgo.client_size,
    COMBINEFUNC = salesalgo.client_size_smaller,
    SORTOP = OPERATOR(salesalgo.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE salesalgo.min(salesalgo.client_size) IS 'The earliest client_size in the book''s order.';
CREATE AGGREGATE salesalgo.max(salesalgo.client_size) (
    SFUNC = salesalgo.client_size_larger, STYPE = salesalgo.client_size,
    COMBINEFUNC = salesalgo.client_size_larger,
    SORTOP = OPERATOR(salesalgo.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE salesalgo.max(salesalgo.client_size) IS 'The latest client_size in the book''s order.';

CREATE FUNCTION salesalgo.label(salesalgo.client_size, lang text DEFAULT 'en') RETURNS text
    AS 'MODULE_PATHNAME', 'client_size_label'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.label(salesalgo.client_size, text) IS
    'Display name of a client size: lang ''en'' (default) or ''ru''.';

-- client_state

CREATE TYPE salesalgo.client_state;

CREATE FUNCTION salesalgo.client_state_in(pg_catalog.cstring) RETURNS salesalgo.client_state
    AS 'MODULE_PATHNAME', 'client_state_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION salesalgo.client_state_out(salesalgo.client_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'client_state_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION salesalgo.client_state_recv(pg_catalog.internal) RETURNS salesalgo.client_state
    AS 'MODULE_PATHNAME', 'client_state_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION salesalgo.client_state_send(salesalgo.client_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'client_state_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE salesalgo.client_state (
    INPUT = salesalgo.client_state_in,
    OUTPUT = salesalgo.client_state_out,
    RECEIVE = salesalgo.client_state_recv,
    SEND = salesalgo.client_state_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain
);
COMMENT ON TYPE salesalgo.client_state IS
    'A client''s state (book, step 6): new < contact_1 < contact_2 < contact_3 < deal < deal_support < client < strategic_reserve < recall < refusal. Russian names are accepted on input.';

COMMENT ON FUNCTION salesalgo.client_state_in(pg_catalog.cstring) IS
    'Text input of client_state: an English or Russian name, in any case.';
COMMENT ON FUNCTION salesalgo.client_state_out(salesalgo.client_state) IS
    'Text output of client_state: the English name.';
COMMENT ON FUNCTION salesalgo.client_state_recv(pg_catalog.internal) IS
    'Binary input of client_state: one byte, the position in sort order.';
COMMENT ON FUNCTION salesalgo.client_state_send(salesalgo.client_state) IS
    'Binary output of client_state: one byte, the position in sort order.';

-- The stored byte is the sort position, so "char"'s functions compare and hash.
CREATE FUNCTION salesalgo.client_state_eq(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    AS 'chareq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_ne(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    AS 'charne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_lt(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    AS 'charlt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_le(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    AS 'charle' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_gt(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    AS 'chargt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_ge(salesalgo.client_state, salesalgo.client_state) RETURNS boolean
    AS 'charge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_cmp(salesalgo.client_state, salesalgo.client_state) RETURNS integer
    AS 'btcharcmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_hash(salesalgo.client_state) RETURNS integer
    AS 'hashchar' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION salesalgo.client_state_hash_extended(salesalgo.client_state, bigint) RETURNS bigint
    AS 'hashcharextended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION salesalgo.client_state_eq(salesalgo.client_state, salesalgo.client_state) IS 'Implements = for client_state.';
COMMENT ON FUNCTION salesalgo.client_state_ne(salesalgo.client_state, salesalgo.client_state) IS 'Implements <> for client_state.';
COMMENT ON FUNCTION salesalgo.client_state_lt(salesalgo.client_state, salesalgo.client_state) IS 'Implements < for client_state.';
COMMENT ON FUNCTION salesalgo.client_state_le(salesalgo.client_state, salesalgo.client_state) IS 'Implements <= for client_state.';
COMMENT ON FUNCTION salesalgo.client_state_gt(salesalgo.client_state, salesalgo.client_state) IS 'Implements > for client_state.';
COMMENT ON FUNCTION salesalgo.client_state_ge(salesalgo.client_state, salesalgo.client_state) IS 'Implements >= for client_state.';
COMMENT ON FUNCTION salesalgo.client_state_cmp(salesalgo.client_state, salesalgo.client_state) IS 'Btree comparison of client_state: the book''s order.';
COMMENT ON FUNCTION salesalgo.client_state_hash(salesalgo.client_state) IS 'Hash of client_state.';
COMMENT ON FUNCTION salesalgo.client_state_hash_extended(salesalgo.client_state, bigint) IS 'Seeded hash of client_state, for hash partitioning.';

CREATE OPERATOR salesalgo.= (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_eq,
    COMMUTATOR = OPERATOR(salesalgo.=), NEGATOR = OPERATOR(salesalgo.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
    HASHES, MERGES
);
CREATE OPERATOR salesalgo.<> (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_ne,
    COMMUTATOR = OPERATOR(salesalgo.<>), NEGATOR = OPERATOR(salesalgo.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
CREATE OPERATOR salesalgo.< (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_lt,
    COMMUTATOR = OPERATOR(salesalgo.>), NEGATOR = OPERATOR(salesalgo.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
CREATE OPERATOR salesalgo.<= (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_le,
    COMMUTATOR = OPERATOR(salesalgo.>=), NEGATOR = OPERATOR(salesalgo.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
CREATE OPERATOR salesalgo.> (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_gt,
    COMMUTATOR = OPERATOR(salesalgo.<), NEGATOR = OPERATOR(salesalgo.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
CREATE OPERATOR salesalgo.>= (
    LEFTARG = salesalgo.client_state, RIGHTARG = salesalgo.client_state,
    FUNCTION = salesalgo.client_state_ge,
    COMMUTATOR = OPERATOR(salesalgo.<=), NEGATOR = OPERATOR(salesalgo.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR salesalgo.=(salesalgo.client_state, salesalgo.client_state) IS 'equal';
COMMENT ON OPERATOR salesalgo.<>(salesalgo.client_state, salesalgo.client_state) IS 'not equal';
COMMENT ON OPERATOR salesalgo.<(salesalgo.client_state, salesalgo.client_state) IS 'earlier in the book''s order';
COMMENT ON OPERATOR salesalgo.<=(salesalgo.client_state, salesalgo.client_state) IS 'earlier in the book''s order or equal';
COMMENT ON OPERATOR salesalgo.>(salesalgo.client_state, salesalgo.client_state) IS 'later in the book''s order';
COMMENT ON OPERATOR salesalgo.>=(salesalgo.client_state, salesalgo.client_state) IS 'later in the book''s order or equal';

CREATE OPERATOR CLASS salesalgo.client_state_ops
    DEFAULT FOR TYPE salesalgo.client_state USING btree AS
        OPERATOR 1 salesalgo.<,
        OPERATOR 2 salesalgo.<=,
        OPERATOR 3 salesalgo.=,
        OPERATOR 4 salesalgo.>=,
        OPERATOR 5 salesalgo.>,
        FUNCTION 1 salesalgo.client_state_cmp(salesalgo.client_state, salesalgo.client_state),
        FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS salesalgo.client_state_ops
    DEFAULT FOR TYPE salesalgo.client_state USING hash AS
        OPERATOR 1 salesalgo.=,
        FUNCTION 1 salesalgo.client_state_hash(salesalgo.client_state),
        FUNCTION 2 salesalgo.client_state_hash_extended(salesalgo.client_state, bigint);

COMMENT ON OPERATOR CLASS salesalgo.client_state_ops USING btree IS
    'Default btree operator class for client_state: sorting, ranges, merge joins.';
COMMENT ON OPERATOR CLASS salesalgo.client_state_ops USING hash IS
    'Default hash operator class for client_state: hash joins, hash aggregation, hash partitioning.';

CREATE FUNCTION salesalgo.client_state_smaller(salesalgo.client_state, salesalgo.client_state) RETURNS salesalgo.client_state
    AS 'MODULE_PATHNAME', 'salesalgo_byte_smaller'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.client_state_smaller(salesalgo.client_state, salesalgo.client_state) IS
    'The earlier of two client_state values, for min().';
CREATE FUNCTION salesalgo.client_state_larger(salesalgo.client_state, salesalgo.client_state) RETURNS salesalgo.client_state
    AS 'MODULE_PATHNAME', 'salesalgo_byte_larger'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.client_state_larger(salesalgo.client_state, salesalgo.client_state) IS
    'The later of two client_state values, for max().';
CREATE AGGREGATE salesalgo.min(salesalgo.client_state) (
    SFUNC = salesalgo.client_state_smaller, STYPE = salesalgo.client_state,
    COMBINEFUNC = salesalgo.client_state_smaller,
    SORTOP = OPERATOR(salesalgo.<), PARALLEL = SAFE
);
COMMENT ON AGGREGATE salesalgo.min(salesalgo.client_state) IS 'The earliest client_state in the book''s order.';
CREATE AGGREGATE salesalgo.max(salesalgo.client_state) (
    SFUNC = salesalgo.client_state_larger, STYPE = salesalgo.client_state,
    COMBINEFUNC = salesalgo.client_state_larger,
    SORTOP = OPERATOR(salesalgo.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE salesalgo.max(salesalgo.client_state) IS 'The latest client_state in the book''s order.';

CREATE FUNCTION salesalgo.label(salesalgo.client_state, lang text DEFAULT 'en') RETURNS text
    AS 'MODULE_PATHNAME', 'client_state_label'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.label(salesalgo.client_state, text) IS
    'Display name of a client state: lang ''en'' (default) or ''ru''.';

CREATE FUNCTION salesalgo.in_worklist(salesalgo.client_state) RETURNS boolean
    AS 'MODULE_PATHNAME', 'client_state_in_worklist'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION salesalgo.in_worklist(salesalgo.client_state) IS
    'True for the worklist states new, contact_1, contact_2 and contact_3.';

-- 2. The department: managers, categories, refusal reasons, clients

CREATE SEQUENCE salesalgo.manager_id_seq AS bigint;
CREATE TABLE salesalgo.manager (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.manager_id_seq')
        CONSTRAINT manager_id_positive CHECK (id OPERATOR(pg_catalog.>) 0),
    name text NOT NULL,
    login name UNIQUE,
    worklist_cap integer CONSTRAINT manager_worklist_cap_positive
        CHECK (worklist_cap OPERATOR(pg_catalog.>) 0),
    active boolean NOT NULL DEFAULT true,
    in_work integer NOT NULL DEFAULT 0
);
ALTER SEQUENCE salesalgo.manager_id_seq OWNED BY salesalgo.manager.id;
COMMENT ON TABLE salesalgo.manager IS
    'Sales managers (book, step 7): each holds a worklist of at most worklist_cap clients.';
COMMENT ON COLUMN salesalgo.manager.login IS
    'The database role this manager logs in as, if any.';
COMMENT ON COLUMN salesalgo.manager.worklist_cap IS
    'How many clients in worklist states this manager may hold; NULL means settings.default_worklist_cap.';
COMMENT ON COLUMN salesalgo.manager.active IS
    'An inactive manager keeps its clients but takes no new ones.';
COMMENT ON COLUMN salesalgo.manager.in_work IS
    'Clients now in this manager''s worklist; kept by salesalgo, read-only to everyone else.';

CREATE SEQUENCE salesalgo.category_id_seq AS bigint;
CREATE TABLE salesalgo.category (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.category_id_seq'),
    name text NOT NULL UNIQUE
);
ALTER SEQUENCE salesalgo.category_id_seq OWNED BY salesalgo.category.id;
COMMENT ON TABLE salesalgo.category IS
    'Client categories (book, step 5), such as production or trade: each business has its own.';

CREATE TABLE salesalgo.refusal_reason (
    code text PRIMARY KEY,
    label text,
    hard boolean NOT NULL,
    shipped boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE salesalgo.refusal_reason IS
    'Why a client was refused (book, step 6). A hard refusal is final; a soft one may go to the recall pool.';
COMMENT ON COLUMN salesalgo.refusal_reason.shipped IS
    'Installed by CREATE EXTENSION; kept by salesalgo so that pg_dump and pg_restore keep the DBA''s changes.';

CREATE SEQUENCE salesalgo.client_id_seq AS bigint;
CREATE TABLE salesalgo.client (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.client_id_seq'),
    external_id text UNIQUE,
    name text NOT NULL,
    size salesalgo.client_size NOT NULL,
    category_id bigint REFERENCES salesalgo.category,
    state salesalgo.client_state NOT NULL DEFAULT 'new',
    manager_id bigint REFERENCES salesalgo.manager,
    refusal_reason text REFERENCES salesalgo.refusal_reason,
    state_since timestamptz,
    work_started_at timestamptz,
    deadline_at timestamptz,
    attributes jsonb NOT NULL DEFAULT '{}'
);
ALTER SEQUENCE salesalgo.client_id_seq OWNED BY salesalgo.client.id;
-- a manager's clients by deadline: the worklist view, and manager deletions
CREATE INDEX client_manager_id_idx ON salesalgo.client (manager_id, deadline_at);
-- the clients with a running clock, by deadline: what sales_expire() reads
CREATE INDEX client_deadline_at_idx ON salesalgo.client (deadline_at)
    WHERE deadline_at IS NOT NULL;
-- the unassigned leads: what distribute_leads() reads
CREATE INDEX client_lead_idx ON salesalgo.client (id)
    WHERE state OPERATOR(salesalgo.=) 'new' AND manager_id IS NULL;
COMMENT ON TABLE salesalgo.client IS
    'Companies the department works, each in one state of the book. Rules R1 to R9 are kept by C triggers.';
COMMENT ON COLUMN salesalgo.client.manager_id IS
    'The manager working this client; with a worklist state, the client is in that manager''s worklist.';
COMMENT ON COLUMN salesalgo.client.state_since IS
    'When the client entered its state; kept by salesalgo.';
COMMENT ON COLUMN salesalgo.client.work_started_at IS
    'When the deadline clock started; kept by salesalgo, NULL outside worklist states.';
COMMENT ON COLUMN salesalgo.client.deadline_at IS
    'When sales_expire() takes the client out of the worklist; kept by salesalgo, moved only by extend_deadline().';

CREATE SEQUENCE salesalgo.client_history_id_seq AS bigint;
CREATE TABLE salesalgo.client_history (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('salesalgo.client_history_id_seq'),
    client_id bigint NOT NULL,
    from_state salesalgo.client_state,
    to_state salesalgo.client_state,
    from_manager bigint,
    to_manager bigint,
    refusal_reason text,
    deadline_at timestamptz,
    changed_at timestamptz NOT NULL,
    changed_by name NOT NULL,
    source text NOT NULL,
    note text
);
ALTER SEQUENCE salesalgo.client_history_id_seq OWNED BY salesalgo.client_history.id;
CREATE INDEX client_history_client_id_idx ON salesalgo.client_history (client_id, id);
CREATE INDEX client_history_changed_at_idx ON salesalgo.client_history (changed_at);
COMMENT ON TABLE salesalgo.client_history IS
    'Every creation, move, reassignment, deadline change and deletion of a client; append-only.';
COMMENT ON COLUMN salesalgo.client_history.from_state IS 'NULL for a creation.';
COMMENT ON COLUMN salesalgo.client_history.to_state IS 'NULL for a deletion.';
COMMENT ON COLUMN salesalgo.client_history.deadline_at IS 'The client''s deadline after the change.';
COMMENT ON COLUMN salesalgo.client_history.source IS
    'What made the change: sql, sales_expire, extend_deadline, distribute_leads, truncate.';
COMMENT ON COLUMN salesalgo.client_history.note IS 'The reason given to extend_deadline().';

-- 3. The rules a DBA tunes (book, steps 6 to 8)

CREATE TABLE salesalgo.transition_rule (
    from_state salesalgo.client_state,
    to_state salesalgo.client_state NOT NULL,
    shipped boolean NOT NULL DEFAULT false,
    CONSTRAINT transition_rule_key UNIQUE NULLS NOT DISTINCT (from_state, to_state),
    CONSTRAINT transition_rule_moves CHECK (from_state OPERATOR(salesalgo.<>) to_state)
);
COMMENT ON TABLE salesalgo.transition_rule IS
    'The legal moves between states; from_state NULL lists the states a client may be created in.';

CREATE TABLE salesalgo.deadline_rule (
    size salesalgo.client_size,
    category_id bigint REFERENCES salesalgo.category ON DELETE CASCADE,
    days integer NOT NULL CONSTRAINT deadline_rule_days_positive
        CHECK (days OPERATOR(pg_catalog.>) 0),
    shipped boolean NOT NULL DEFAULT false,
    CONSTRAINT deadline_rule_key UNIQUE NULLS NOT DISTINCT (size, category_id)
);
COMMENT ON TABLE salesalgo.deadline_rule IS
    'Days a client may stay in a worklist (book, step 8). The most specific row wins: (size, category), (size, any), (any, category), (any, any).';

CREATE TABLE salesalgo.settings (
    id boolean PRIMARY KEY DEFAULT true CONSTRAINT settings_one_row CHECK (id),
    default_worklist_cap integer NOT NULL DEFAULT 90
        CONSTRAINT settings_default_worklist_cap_positive
        CHECK (default_worklist_cap OPERATOR(pg_catalog.>) 0),
    expire_state salesalgo.client_state NOT NULL DEFAULT 'refusal',
    expire_reason text DEFAULT 'deadline' REFERENCES salesalgo.refusal_reason,
    expire_batch_size integer NOT NULL DEFAULT 1000
        CONSTRAINT settings_expire_batch_size_positive
        CHECK (expire_batch_size OPERATOR(pg_catalog.>) 0),
    notify_events boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE salesalgo.settings IS
    'One row: the default worklist cap (book, step 7: 50 to 90), where and how sales_expire() moves overdue clients, and whether changes are announced on channel salesalgo_events.';

-- Rows the install script ships; pg_dump keeps the DBA's changes to them.
CREATE TABLE salesalgo.removed_default (
    table_name text NOT NULL,
    key text NOT NULL,
    PRIMARY KEY (table_name, key)
);
COMMENT ON TABLE salesalgo.removed_default IS
    'Installed rules the DBA deleted, so that a restored database does not get them back.';

INSERT INTO salesalgo.refusal_reason (code, label, hard, shipped) VALUES
    ('nonprofile', 'Non-profile: not our kind of client', true, true),
    ('no_money', 'No money: work again later', false, true),
    ('crisis', 'Crisis: work again later', false, true),
    ('deadline', 'Not sold within the deadline', false, true),
    ('other', 'Other', false, true);

INSERT INTO salesalgo.transition_rule (from_state, to_state, shipped) VALUES
    (NULL, 'new', true),
    ('new', 'contact_1', true),
    ('new', 'refusal', true),
    ('new', 'strategic_reserve', true),
    ('contact_1', 'contact_2', true),
    ('contact_1', 'refusal', true),
    ('contact_1', 'strategic_reserve', true),
    ('contact_2', 'contact_3', true),
    ('contact_2', 'deal', true),
    ('contact_2', 'refusal', true),
    ('contact_2', 'strategic_reserve', true),
    ('contact_3', 'deal', true),
    ('contact_3', 'refusal', true),
    ('contact_3', 'strategic_reserve', true),
    ('deal', 'deal_support', true),
    ('deal', 'refusal', true),
    ('deal_support', 'client', true),
    ('refusal', 'recall', true),
    ('recall', 'contact_1', true),
    ('recall', 'refusal', true),
    ('strategic_reserve', 'contact_1', true),
    ('strategic_reserve', 'contact_2', true),
    ('strategic_reserve', 'refusal', true);

INSERT INTO salesalgo.deadline_rule (size, category_id, days, shipped) VALUES
    ('small', NULL, 14, true),
    ('medium', NULL, 30, true),
    ('large', NULL, 40, true),
    (NULL, NULL, 30, true);

INSERT INTO salesalgo.settings DEFAULT VALUES;

-- 4. The clock

CREATE FUNCTION salesalgo.now() RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'salesalgo_now'
    LANGUAGE C STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.now() IS
    'The time salesalgo writes: the setting salesalgo.now if set (superusers only), else now().';

-- 5. The rules on salesalgo.client, in C (SPEC section 4)

CREATE FUNCTION salesalgo.client_rules() RETURNS trigger
    AS 'MODULE_PATHNAME', 'client_rules'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.client_rules() IS
    'BEFORE trigger on client: legal moves, refusal reasons, nonprofile clients, the deadline clock, kept columns (R1 to R5, R7, R8).';

CREATE FUNCTION salesalgo.client_log() RETURNS trigger
    AS 'MODULE_PATHNAME', 'client_log'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.client_log() IS
    'AFTER statement trigger on client: the worklist cap and active managers (R6), and the history rows (R9).';

CREATE FUNCTION salesalgo.client_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'client_truncate'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.client_truncate() IS
    'BEFORE TRUNCATE trigger on client: a history row for every client deleted, and empty worklists.';

CREATE TRIGGER client_rules
    BEFORE INSERT OR UPDATE ON salesalgo.client
    FOR EACH ROW EXECUTE FUNCTION salesalgo.client_rules();
CREATE TRIGGER client_log_insert
    AFTER INSERT ON salesalgo.client
    REFERENCING NEW TABLE AS new_clients
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log();
CREATE TRIGGER client_log_update
    AFTER UPDATE ON salesalgo.client
    REFERENCING OLD TABLE AS old_clients NEW TABLE AS new_clients
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log();
CREATE TRIGGER client_log_delete
    AFTER DELETE ON salesalgo.client
    REFERENCING OLD TABLE AS old_clients
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_log();
CREATE TRIGGER client_truncate
    BEFORE TRUNCATE ON salesalgo.client
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.client_truncate();

CREATE FUNCTION salesalgo.extend_deadline(client_id bigint, new_deadline timestamptz,
                                          reason text)
    RETURNS void
    AS 'MODULE_PATHNAME', 'extend_deadline'
    LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.extend_deadline(bigint, timestamptz, text) IS
    'Moves the deadline of a client in a worklist, with a reason kept in the history. The only way to move a deadline (R8).';
REVOKE ALL ON FUNCTION salesalgo.extend_deadline(bigint, timestamptz, text) FROM PUBLIC;

-- 6. Expiry and lead distribution (SPEC section 5), in C

CREATE FUNCTION salesalgo.sales_expire(as_of timestamptz DEFAULT salesalgo.now(),
                                       batch_size integer DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'sales_expire'
    LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.sales_expire(timestamptz, integer) IS
    'Moves every client whose deadline is at or before as_of out of its worklist, to settings.expire_state and expire_reason; skips rows other sessions hold; returns how many it moved.';
REVOKE ALL ON FUNCTION salesalgo.sales_expire(timestamptz, integer) FROM PUBLIC;

CREATE FUNCTION salesalgo.distribute_leads(max_clients integer DEFAULT NULL)
    RETURNS bigint
    AS 'MODULE_PATHNAME', 'distribute_leads'
    LANGUAGE C VOLATILE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.distribute_leads(integer) IS
    'Hands unassigned new clients to active managers with free slots, the least loaded first, never past a cap; returns how many it assigned.';
REVOKE ALL ON FUNCTION salesalgo.distribute_leads(integer) FROM PUBLIC;

-- 7. Scheduling with pg_cron (SPEC section 6), which salesalgo does not need

CREATE FUNCTION salesalgo.expire_job_call(schedule text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    RETURN format('SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                  'salesalgo-expire', schedule,
                  'SELECT salesalgo.sales_expire()', current_database());
COMMENT ON FUNCTION salesalgo.expire_job_call(text) IS
    'The pg_cron call that schedules sales_expire() in this database.';

CREATE FUNCTION salesalgo.schedule_expire(schedule text DEFAULT '*/5 * * * *')
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'pg_cron runs its jobs from the one database named by cron.database_name.',
                  HINT = 'Run this in the pg_cron database: ' || salesalgo.expire_job_call(schedule);
    END IF;
    -- pg_cron replaces a job of the same name and user
    EXECUTE 'SELECT cron.schedule_in_database($1, $2, $3, $4)'
        INTO job
        USING 'salesalgo-expire', schedule, 'SELECT salesalgo.sales_expire()', current_database();
    RETURN job;
END
$$;
COMMENT ON FUNCTION salesalgo.schedule_expire(text) IS
    'Creates or replaces the pg_cron job salesalgo-expire that runs sales_expire() here; returns its id.';
REVOKE ALL ON FUNCTION salesalgo.schedule_expire(text) FROM PUBLIC;

CREATE FUNCTION salesalgo.unschedule_expire() RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    removed boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
        RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
            USING ERRCODE = 'undefined_object',
                  DETAIL = 'pg_cron runs its jobs from the one database named by cron.database_name.',
                  HINT = 'Run this in the pg_cron database: SELECT cron.unschedule(''salesalgo-expire'');';
    END IF;
    IF NOT EXISTS (SELECT FROM cron.job WHERE jobname = 'salesalgo-expire' AND username = current_user) THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT cron.unschedule($1)' INTO removed USING 'salesalgo-expire';
    RETURN removed;
END
$$;
COMMENT ON FUNCTION salesalgo.unschedule_expire() IS
    'Removes the pg_cron job salesalgo-expire; false if there was none.';
REVOKE ALL ON FUNCTION salesalgo.unschedule_expire() FROM PUBLIC;

-- 8. The guards on what salesalgo keeps

CREATE FUNCTION salesalgo.manager_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'manager_guard'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.manager_guard() IS
    'BEFORE trigger on manager: in_work is written by salesalgo only.';
CREATE TRIGGER manager_guard
    BEFORE INSERT OR UPDATE ON salesalgo.manager
    FOR EACH ROW EXECUTE FUNCTION salesalgo.manager_guard();

CREATE FUNCTION salesalgo.history_guard() RETURNS trigger
    AS 'MODULE_PATHNAME', 'history_guard'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.history_guard() IS
    'BEFORE trigger on client_history: append-only, and appended by salesalgo only.';
CREATE TRIGGER history_guard
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.client_history
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.history_guard();

CREATE FUNCTION salesalgo.restoring_dump() RETURNS boolean
    AS 'MODULE_PATHNAME', 'restoring_dump'
    LANGUAGE C STABLE
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.restoring_dump() IS
    'True in a superuser session with row_security off, as pg_dump''s output runs: rows are loaded as they were.';

-- 9. The rule tables: every session sees a change when it commits, and
--    pg_dump keeps the DBA's changes to the installed rows.

CREATE FUNCTION salesalgo.rules_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rules_changed'
    LANGUAGE C
    SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION salesalgo.rules_changed() IS
    'AFTER statement trigger on the rule tables: every backend reloads its rules cache at commit.';

CREATE FUNCTION salesalgo.rule_key(tbl text, r record) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- one expression a table: a record's fields are looked up when parsed
    IF tbl = 'refusal_reason' THEN
        RETURN r.code;
    ELSIF tbl = 'transition_rule' THEN
        RETURN coalesce(r.from_state::text, '') || '>' || r.to_state::text;
    ELSIF tbl = 'deadline_rule' THEN
        RETURN coalesce(r.size::text, '') || '/' || coalesce(r.category_id::text, '');
    END IF;
    RETURN tbl;
END
$$;
COMMENT ON FUNCTION salesalgo.rule_key(text, record) IS
    'The key of a rule row as text, for removed_default.';

CREATE FUNCTION salesalgo.keep_rule_row() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    restoring boolean := salesalgo.restoring_dump();
    columns text;
    new_values text;
    overwritten bigint;
BEGIN
    IF restoring THEN
        -- a restored row overwrites the row CREATE EXTENSION installed under
        -- the same key (in place: other tables may refer to it)
        IF TG_OP = 'INSERT' THEN
            SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum),
                   string_agg('n.' || quote_ident(attname), ', ' ORDER BY attnum)
              INTO columns, new_values
              FROM pg_attribute
             WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped;
            EXECUTE format('UPDATE salesalgo.%I AS t SET (%s) = (SELECT %s FROM (SELECT ($1).*) AS n)'
                           ' WHERE salesalgo.rule_key(%L, t) = $2',
                           TG_TABLE_NAME, columns, new_values, TG_TABLE_NAME)
                USING NEW, salesalgo.rule_key(TG_TABLE_NAME, NEW);
            GET DIAGNOSTICS overwritten = ROW_COUNT;
            RETURN CASE WHEN overwritten > 0 THEN NULL ELSE NEW END;
        END IF;
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_TABLE_NAME = 'settings' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'salesalgo.settings must keep its one row'
                USING ERRCODE = 'restrict_violation',
                      HINT = 'Change the settings with UPDATE.';
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        NEW.shipped := false;
        RETURN NEW;
    END IF;
    IF OLD.shipped AND (TG_OP = 'DELETE'
            OR salesalgo.rule_key(TG_TABLE_NAME, OLD)
               <> salesalgo.rule_key(TG_TABLE_NAME, NEW)) THEN
        INSERT INTO salesalgo.removed_default (table_name, key)
        VALUES (TG_TABLE_NAME, salesalgo.rule_key(TG_TABLE_NAME, OLD))
        ON CONFLICT DO NOTHING;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    NEW.shipped := OLD.shipped
        AND salesalgo.rule_key(TG_TABLE_NAME, OLD) = salesalgo.rule_key(TG_TABLE_NAME, NEW);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION salesalgo.keep_rule_row() IS
    'BEFORE row trigger on the rule tables: marks the DBA''s rows, records deleted installed rows, and lets a restored row replace an installed one.';

CREATE FUNCTION salesalgo.restore_removed_default() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF salesalgo.restoring_dump() THEN
        EXECUTE format('DELETE FROM salesalgo.%I AS t WHERE t.shipped AND salesalgo.rule_key(%L, t) = $1',
                       NEW.table_name, NEW.table_name)
            USING NEW.key;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION salesalgo.restore_removed_default() IS
    'BEFORE INSERT trigger on removed_default: a restored database loses the installed rows the DBA had deleted.';

CREATE FUNCTION salesalgo.check_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
DECLARE
    s salesalgo.settings;
BEGIN
    -- a dump restores its tables one by one: judge the rules when it is done
    IF salesalgo.restoring_dump() THEN
        RETURN NULL;
    END IF;
    SELECT * INTO s FROM salesalgo.settings;
    -- sales_expire() runs at night, unattended: its move must be legal now
    IF salesalgo.in_worklist(s.expire_state) THEN
        RAISE EXCEPTION 'sales_expire() cannot move overdue clients to %, a worklist state', s.expire_state
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'settings_expire_state',
                  HINT = 'Set salesalgo.settings.expire_state to a state outside the worklist, such as refusal or strategic_reserve.';
    END IF;
    IF EXISTS (SELECT FROM unnest('{new,contact_1,contact_2,contact_3}'::salesalgo.client_state[]) AS w
               WHERE NOT EXISTS (SELECT FROM salesalgo.transition_rule r
                                 WHERE r.from_state = w AND r.to_state = s.expire_state)) THEN
        RAISE EXCEPTION 'sales_expire() could not move overdue clients to %', s.expire_state
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'settings_expire_state',
                  DETAIL = format('salesalgo.transition_rule has no move to %s from %s.', s.expire_state,
                                  (SELECT string_agg(w::text, ', ' ORDER BY w)
                                   FROM unnest('{new,contact_1,contact_2,contact_3}'::salesalgo.client_state[]) AS w
                                   WHERE NOT EXISTS (SELECT FROM salesalgo.transition_rule r
                                                     WHERE r.from_state = w AND r.to_state = s.expire_state))),
                  HINT = 'Keep a move from every worklist state to settings.expire_state, or choose another expire_state.';
    END IF;
    IF s.expire_state = 'refusal' AND s.expire_reason IS NULL THEN
        RAISE EXCEPTION 'sales_expire() needs a refusal reason to move overdue clients to refusal'
            USING ERRCODE = 'not_null_violation',
                  COLUMN = 'expire_reason',
                  HINT = 'Set salesalgo.settings.expire_reason, such as deadline.';
    END IF;
    IF NOT EXISTS (SELECT FROM salesalgo.deadline_rule
                   WHERE size IS NULL AND category_id IS NULL) THEN
        RAISE EXCEPTION 'salesalgo.deadline_rule must keep a rule for any size and any category'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'deadline_rule_default',
                  DETAIL = 'The book: the maximum deal length must exist.',
                  HINT = 'Change the days of the row with size and category_id NULL instead of deleting it.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION salesalgo.check_rules() IS
    'AFTER statement trigger on the rule tables: the rules as a whole stay usable.';

CREATE TRIGGER keep_rule_row BEFORE INSERT OR UPDATE OR DELETE ON salesalgo.refusal_reason
    FOR EACH ROW EXECUTE FUNCTION salesalgo.keep_rule_row();
CREATE TRIGGER keep_rule_row BEFORE INSERT OR UPDATE OR DELETE ON salesalgo.transition_rule
    FOR EACH ROW EXECUTE FUNCTION salesalgo.keep_rule_row();
CREATE TRIGGER keep_rule_row BEFORE INSERT OR UPDATE OR DELETE ON salesalgo.deadline_rule
    FOR EACH ROW EXECUTE FUNCTION salesalgo.keep_rule_row();
CREATE TRIGGER keep_rule_row BEFORE INSERT OR UPDATE OR DELETE ON salesalgo.settings
    FOR EACH ROW EXECUTE FUNCTION salesalgo.keep_rule_row();
CREATE TRIGGER restore_removed_default BEFORE INSERT ON salesalgo.removed_default
    FOR EACH ROW EXECUTE FUNCTION salesalgo.restore_removed_default();

CREATE TRIGGER check_rules AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.deadline_rule
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.check_rules();
CREATE TRIGGER check_rules AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.settings
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.check_rules();
CREATE TRIGGER check_rules AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.transition_rule
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.check_rules();

CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.refusal_reason
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.transition_rule
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.deadline_rule
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON salesalgo.settings
    FOR EACH STATEMENT EXECUTE FUNCTION salesalgo.rules_changed();

-- 10. Views for BI tools (SPEC section 8); they read, so they work on a hot
--    standby too.

CREATE VIEW salesalgo.pipeline AS
SELECT c.state,
       salesalgo.label(c.state) AS label,
       salesalgo.label(c.state, 'ru') AS label_ru,
       salesalgo.in_worklist(c.state) AS in_worklist,
       count(*) AS clients,
       round(count(*)::numeric / sum(count(*)) OVER (), 4) AS share
FROM salesalgo.client AS c
GROUP BY c.state
ORDER BY c.state;
COMMENT ON VIEW salesalgo.pipeline IS
    'Clients per state, for the states that have clients; share of all clients, 0 to 1.';

CREATE VIEW salesalgo.worklist AS
SELECT m.id AS manager_id,
       m.name,
       m.login,
       m.active,
       m.in_work,
       coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
       greatest(coalesce(m.worklist_cap, s.default_worklist_cap) - m.in_work, 0) AS free,
       round(m.in_work::numeric / coalesce(m.worklist_cap, s.default_worklist_cap), 4) AS load,
       o.overdue,
       d.next_deadline
FROM salesalgo.manager AS m
CROSS JOIN salesalgo.settings AS s
-- both read the index of a manager's clients by deadline, a few entries each
LEFT JOIN LATERAL (
    SELECT count(*) AS overdue FROM salesalgo.client AS c
    WHERE c.manager_id = m.id AND c.deadline_at <= salesalgo.now()
) AS o ON true
LEFT JOIN LATERAL (
    SELECT min(c.deadline_at) AS next_deadline FROM salesalgo.client AS c
    WHERE c.manager_id = m.id AND c.deadline_at IS NOT NULL
) AS d ON true
ORDER BY m.id;
COMMENT ON VIEW salesalgo.worklist IS
    'Each manager''s worklist: clients in work, cap, free slots, load (in_work / cap), clients past their deadline, the earliest running deadline.';

CREATE VIEW salesalgo.overdue AS
SELECT c.id AS client_id,
       c.name,
       c.size,
       c.manager_id,
       m.name AS manager_name,
       c.state,
       c.deadline_at,
       salesalgo.now() - c.deadline_at AS overdue_by
FROM salesalgo.client AS c
LEFT JOIN salesalgo.manager AS m ON m.id = c.manager_id
WHERE c.deadline_at <= salesalgo.now()
ORDER BY c.deadline_at, c.id;
COMMENT ON VIEW salesalgo.overdue IS
    'Clients past their deadline that sales_expire() has not moved yet.';

CREATE VIEW salesalgo.funnel AS
WITH path (step, state) AS (
    VALUES (1, 'new'::salesalgo.client_state), (2, 'contact_1'), (3, 'contact_2'),
           (4, 'contact_3'), (5, 'deal'), (6, 'deal_support'), (7, 'client')
), entered AS (
    -- each client's steps of the path, as bits
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
                                            AND e.steps & (1 << (p.step + 1)) <> 0)
           END AS converted
    FROM path AS p
    LEFT JOIN entered AS e ON true
    GROUP BY p.step, p.state
)
SELECT step, state, salesalgo.label(state) AS label, reached, converted,
       round(converted::numeric / nullif(reached, 0), 4) AS conversion
FROM counted
ORDER BY step;
COMMENT ON VIEW salesalgo.funnel IS
    'The main path new to client: clients that ever entered each state, how many of them ever entered the next one, and the ratio.';

CREATE VIEW salesalgo.stage_time AS
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
COMMENT ON VIEW salesalgo.stage_time IS
    'Time spent in each state, over finished stays: from entering the state to the next change of state or deletion.';

CREATE FUNCTION salesalgo.trial_report(from_ts timestamptz, to_ts timestamptz)
    RETURNS TABLE (manager_id bigint, name text, taken_into_work bigint,
                   deals bigint, refusals bigint, expired bigint,
                   median_days_to_deal numeric, avg_load numeric,
                   moves jsonb, refusals_by_reason jsonb)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, salesalgo, pg_temp
AS $$
WITH h AS (
    -- every change, with whether it took the client into a manager's
    -- worklist or out of one
    SELECT h.*,
           (h.to_manager IS NOT NULL AND coalesce(in_worklist(h.to_state), false)
            AND NOT (h.from_manager IS NOT DISTINCT FROM h.to_manager
                     AND coalesce(in_worklist(h.from_state), false))) AS enters,
           (h.from_manager IS NOT NULL AND coalesce(in_worklist(h.from_state), false)
            AND NOT (h.to_manager IS NOT DISTINCT FROM h.from_manager
                     AND coalesce(in_worklist(h.to_state), false))) AS leaves
    FROM client_history AS h
), period AS (
    SELECT * FROM h WHERE h.changed_at >= from_ts AND h.changed_at < to_ts
), counts AS (
    SELECT p.to_manager AS manager_id, GROUPING(p.to_manager) = 1 AS total,
           count(DISTINCT p.client_id) FILTER (WHERE p.enters) AS taken_into_work,
           count(*) FILTER (WHERE p.to_state = 'deal' AND p.from_state IS DISTINCT FROM 'deal') AS deals,
           count(*) FILTER (WHERE p.to_state = 'refusal' AND p.from_state IS DISTINCT FROM 'refusal') AS refusals,
           count(*) FILTER (WHERE p.source = 'sales_expire') AS expired
    FROM period AS p
    GROUP BY GROUPING SETS ((p.to_manager), ())
), to_deal AS (
    -- days from the client's last entry into a worklist to its deal
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
    SELECT manager_id, total, jsonb_object_agg(to_state::text, n ORDER BY to_state) AS moves
    FROM moves_by_state GROUP BY manager_id, total
), reasons_by_code AS (
    SELECT p.to_manager AS manager_id, GROUPING(p.to_manager) = 1 AS total,
           p.refusal_reason, count(*) AS n
    FROM period AS p
    WHERE p.to_state = 'refusal' AND p.from_state IS DISTINCT FROM 'refusal'
    GROUP BY GROUPING SETS ((p.to_manager, p.refusal_reason), (p.refusal_reason))
), reasons AS (
    SELECT manager_id, total,
           jsonb_object_agg(coalesce(refusal_reason, 'none'), n ORDER BY refusal_reason) AS refusals_by_reason
    FROM reasons_by_code GROUP BY manager_id, total
), samples AS (
    -- the worklists are sampled once a day through the period
    SELECT t FROM generate_series(from_ts, to_ts, interval '1 day') AS t
), deltas AS (
    SELECT h.to_manager AS manager_id, h.changed_at, 1 AS delta FROM h WHERE h.enters
    UNION ALL
    SELECT h.from_manager, h.changed_at, -1 FROM h WHERE h.leaves
), loads AS (
    SELECT m.id AS manager_id,
           coalesce(m.worklist_cap, s.default_worklist_cap) AS cap,
           avg(coalesce((SELECT sum(d.delta) FROM deltas AS d
                         WHERE d.manager_id = m.id AND d.changed_at <= x.t), 0)) AS in_work
    FROM manager AS m CROSS JOIN settings AS s CROSS JOIN samples AS x
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
       coalesce(mv.moves, '{}'), coalesce(rs.refusals_by_reason, '{}')
FROM rows AS r
LEFT JOIN counts AS c ON c.total = r.total AND (r.total OR c.manager_id = r.manager_id)
LEFT JOIN to_deal AS d ON d.total = r.total AND (r.total OR d.manager_id = r.manager_id)
LEFT JOIN moves AS mv ON mv.total = r.total AND (r.total OR mv.manager_id = r.manager_id)
LEFT JOIN reasons AS rs ON rs.total = r.total AND (r.total OR rs.manager_id = r.manager_id)
ORDER BY r.total, r.manager_id
$$;
COMMENT ON FUNCTION salesalgo.trial_report(timestamptz, timestamptz) IS
    'The book''s step 9: per manager and in total, what happened from from_ts (inclusive) to to_ts (exclusive): clients taken into work, deals, refusals, expiries, median days from work start to deal, average worklist load (sampled daily), moves by state and refusals by reason.';

-- 11. pg_dump: every table's rows and every sequence's position

SELECT pg_catalog.pg_extension_config_dump('salesalgo.manager', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.manager_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.category', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.category_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.refusal_reason', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.client', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.client_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.client_history', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.client_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.transition_rule', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.deadline_rule', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.settings', '');
SELECT pg_catalog.pg_extension_config_dump('salesalgo.removed_default', '');

-- 12. Privileges: the types and labels are for everyone; the tables are
--    granted by the DBA.

GRANT USAGE ON SCHEMA salesalgo TO PUBLIC;
