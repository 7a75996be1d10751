-- Binary I/O: every value survives COPY BINARY; a byte out of range is refused.
\getenv abs_builddir PG_ABS_BUILDDIR
\set copy_file :abs_builddir '/results/types_binary.bin'
\set bad_file :abs_builddir '/results/types_binary_bad.bin'

CREATE TABLE binary_src (size salesalgo.client_size, state salesalgo.client_state);
INSERT INTO binary_src
SELECT s, t
FROM unnest('{nonprofile,small,medium,large}'::salesalgo.client_size[]) AS s,
     unnest('{new,contact_1,contact_2,contact_3,deal,deal_support,client,
              strategic_reserve,recall,refusal}'::salesalgo.client_state[]) AS t;
INSERT INTO binary_src VALUES (NULL, 'new'), ('small', NULL);

COPY binary_src TO :'copy_file' (FORMAT binary);
CREATE TABLE binary_dst (LIKE binary_src);
COPY binary_dst FROM :'copy_file' (FORMAT binary);

SELECT (SELECT count(*) FROM binary_src) AS sent,
       (SELECT count(*) FROM binary_dst) AS received,
       (SELECT count(*) FROM (SELECT * FROM binary_src EXCEPT ALL
                              SELECT * FROM binary_dst) d) AS differ;

-- The wire form is one byte: the position in sort order.
SELECT v, salesalgo.client_state_send(v) AS wire
FROM unnest('{new,deal,refusal}'::salesalgo.client_state[]) AS v;
SELECT v, salesalgo.client_size_send(v) AS wire
FROM unnest('{nonprofile,large}'::salesalgo.client_size[]) AS v;

-- A byte past the last value is refused.  "char" writes the same wire form.
COPY (SELECT E'\x0a'::"char", E'\x03'::"char") TO :'bad_file' (FORMAT binary);
COPY binary_dst (state, size) FROM :'bad_file' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT E'\x09'::"char", E'\x04'::"char") TO :'bad_file' (FORMAT binary);
COPY binary_dst (state, size) FROM :'bad_file' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_after_refusals FROM binary_dst;

-- The last value of each is accepted.
COPY (SELECT E'\x09'::"char", E'\x03'::"char") TO :'bad_file' (FORMAT binary);
COPY binary_dst (state, size) FROM :'bad_file' (FORMAT binary);
SELECT count(*) AS large_refusals FROM binary_dst
WHERE size = 'large' AND state = 'refusal';

DROP TABLE binary_src, binary_dst;
