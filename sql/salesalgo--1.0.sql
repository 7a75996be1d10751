\echo Use "CREATE EXTENSION salesalgo" to load this file. \quit

/*
 * salesalgo 1.0
 *
 * The install script reads as documentation of the schema, in this order:
 * the types, their operators and operator classes, the functions on them.
 * Every built-in is schema-qualified so that objects planted in other
 * schemas are never called.
 */

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
