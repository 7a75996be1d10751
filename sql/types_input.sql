-- Bad input to client_size and client_state: SQLSTATE 22P02, the type and
-- the value in the message, the valid values in the hint.  Never a crash.

-- The whole error, once for each type.
\x on
SELECT * FROM regress.error_of($$SELECT 'huge'::salesalgo.client_size$$);
SELECT * FROM regress.error_of($$SELECT 'contact_4'::salesalgo.client_state$$);
\x off

-- Each bad input: its SQLSTATE and the message that quotes it.
SELECT typ, e.code, e.message
FROM (VALUES ('salesalgo.client_size', ''),
             ('salesalgo.client_state', '   '),
             ('salesalgo.client_size', 'extra large'),
             ('salesalgo.client_state', 'contact_1_'),
             ('salesalgo.client_state', '_new'),
             ('salesalgo.client_state', 'new-'),
             ('salesalgo.client_state', 'new client'),
             ('salesalgo.client_state', 'contact 1 2'),
             ('salesalgo.client_state', E'new\x01'),
             ('salesalgo.client_state', E'new\u00a0'),
             ('salesalgo.client_state', E'ne\u0301w'),
             ('salesalgo.client_state', '"new"'),
             ('salesalgo.client_state', 'NULL'),
             ('salesalgo.client_state', '0'),
             ('salesalgo.client_state', 'отказы'),
             ('salesalgo.client_state', 'контакт'),
             ('salesalgo.client_size', 'ёлка'),
             ('salesalgo.client_size', repeat('a', 257)),
             ('salesalgo.client_state', repeat('сделка', 100)),
             ('salesalgo.client_size', repeat('x', 10 * 1024 * 1024)),
             ('salesalgo.client_state', 'new' || repeat('й', 5 * 1024 * 1024)))
     AS i(typ, input),
     regress.error_of(format('SELECT %L::%s', input, typ)) AS e;

-- Invalid UTF-8 never reaches the types in a UTF8 database: the server
-- refuses it first (22021).  The SQL_ASCII database below passes any bytes.
SELECT code, message
FROM regress.error_of($$SELECT convert_from('\xd0'::bytea, 'UTF8')::salesalgo.client_state$$);
SELECT code, message
FROM regress.error_of($$SELECT convert_from('\x6e65c328'::bytea, 'UTF8')::salesalgo.client_size$$);

-- In a SQL_ASCII database bytes have no encoding: Russian names and stray
-- bytes are refused, and the bytes that are not ASCII are quoted as \xNN.
CREATE DATABASE regress_salesalgo_ascii
    TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_salesalgo_ascii
CREATE EXTENSION salesalgo;
SET client_encoding = 'SQL_ASCII';
SHOW server_encoding;
SELECT 'Deal'::salesalgo.client_state, ' small '::salesalgo.client_size;
SELECT 'новый'::salesalgo.client_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'крупный'::salesalgo.client_size;
\echo :LAST_ERROR_SQLSTATE
SELECT convert_from('\xd0'::bytea, 'SQL_ASCII')::salesalgo.client_state;
\echo :LAST_ERROR_SQLSTATE
SELECT convert_from('\xfffe80'::bytea, 'SQL_ASCII')::salesalgo.client_size;
\echo :LAST_ERROR_SQLSTATE
SELECT convert_from('\x6e6577d0'::bytea, 'SQL_ASCII')::salesalgo.client_state;
\echo :LAST_ERROR_SQLSTATE
SELECT salesalgo.label('deal'::salesalgo.client_state, 'ru') = 'Сделка' AS ru_label_as_bytes;

-- In a LATIN1 database the bytes of a Russian name are Latin letters: no match.
\c contrib_regression
CREATE DATABASE regress_salesalgo_latin1
    TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
\c regress_salesalgo_latin1
CREATE EXTENSION salesalgo;
SET client_encoding = 'LATIN1';
SHOW server_encoding;
SELECT 'CONTACT_2'::salesalgo.client_state, 'nonprofile'::salesalgo.client_size;
SELECT 'отказ'::salesalgo.client_state;
\echo :LAST_ERROR_SQLSTATE
SELECT 'средний'::salesalgo.client_size;
\echo :LAST_ERROR_SQLSTATE
-- Russian labels cannot be written in LATIN1.
SELECT salesalgo.label('recall'::salesalgo.client_state, 'ru');
\echo :LAST_ERROR_SQLSTATE
SELECT salesalgo.label('recall'::salesalgo.client_state, 'en');

\c contrib_regression
DROP DATABASE regress_salesalgo_ascii;
DROP DATABASE regress_salesalgo_latin1;
