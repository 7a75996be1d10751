#!/usr/bin/env python3
"""Derived sizes against given sizes (issue 13, item 1): a 1,000,000-row
INSERT ... SELECT into salesalgo.client that leaves size out, so that the
size rules give it (C, from the statement's compiled rules), against the
same insert with the sizes given.  Target: derived at most 1.3x given.

Both inserts carry the same attributes and categories; each runs in a
transaction that is rolled back, alternately, SIZES_ROUNDS times (default
3), and the median is reported.  The rules are the demo's kind: six rules,
two of them for one category, and two categories out of profile.

Runs on its own against any server where salesalgo is installable (it makes
and drops database bench_sizes), with the connection from PGHOST, PGPORT,
PGUSER:
    PGHOST=/path/to/socket PGPORT=5432 PGUSER=postgres python3 bench/sizes.py
or through ./run, on its throwaway cluster:
    BENCH_ONLY=sizes ./run bench
SIZES_ROWS changes the number of rows (default 1,000,000).
"""
import os
import statistics
import sys
import time

import psycopg2

ROWS = int(os.environ.get("SIZES_ROWS", "1000000"))
ROUNDS = int(os.environ.get("SIZES_ROUNDS", "3"))
DB = "bench_sizes"

RULES = """
INSERT INTO salesalgo.category (id, name, in_profile)
SELECT c, 'category ' || c, c <= 8 FROM generate_series(1, 10) AS c;
INSERT INTO salesalgo.size_rule (size, category_id, condition) VALUES
    ('large', NULL, '$.revenue >= 500000000 || $.employees >= 250'),
    ('medium', NULL, '$.revenue >= 100000000 || $.employees >= 50'),
    ('small', NULL, '$.employees >= 5'),
    ('nonprofile', NULL, '$.employees < 5'),
    ('medium', 3, '$.employees >= 20'),
    ('large', 4, '$.revenue >= 300000000');
"""

# the same rows but for size: given (a cheap expression), or left out
SELECT = """
SELECT g, 'company ' || g, {size}
       1 + g % 10,
       jsonb_build_object('revenue', (g::bigint * 7919 % 1000) * 1000000,
                          'employees', g % 400, 'city', 'Tver')
FROM generate_series(1, {rows}) AS g
"""
GIVEN = ("INSERT INTO salesalgo.client (id, name, size, category_id, attributes)"
         + SELECT.format(size="(ARRAY['small', 'medium', 'large'])[1 + g % 3]::salesalgo.client_size,",
                         rows=ROWS))
DERIVED = ("INSERT INTO salesalgo.client (id, name, category_id, attributes)"
           + SELECT.format(size="", rows=ROWS))


def say(*words):
    print("==>", *words, file=sys.stderr, flush=True)


def timed(conn, sql):
    with conn.cursor() as cur:
        started = time.monotonic()
        cur.execute(sql)
        elapsed = time.monotonic() - started
        rows = cur.rowcount
    conn.rollback()
    if rows != ROWS:
        raise SystemExit(f"expected {ROWS} rows, inserted {rows}")
    return elapsed


def main():
    admin = psycopg2.connect(dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute(f"CREATE DATABASE {DB}")
    conn = psycopg2.connect(dbname=DB)
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION salesalgo")
        cur.execute(RULES)
        # the derived insert must give every row a size
        cur.execute("SELECT count(*) FROM generate_series(1, 10000) AS g"
                    " WHERE salesalgo.classify(jsonb_build_object('revenue', (g::bigint * 7919 % 1000) * 1000000,"
                    " 'employees', g % 400), 1 + g % 10) IS NULL")
        assert cur.fetchone()[0] == 0
    conn.commit()

    given, derived = [], []
    for r in range(1, ROUNDS + 1):
        say(f"round {r}: {ROWS:,} rows with sizes given")
        given.append(timed(conn, GIVEN))
        say(f"round {r}: {ROWS:,} rows with sizes derived")
        derived.append(timed(conn, DERIVED))
    conn.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE {DB}")

    g, d = statistics.median(given), statistics.median(derived)
    print(f"INSERT ... SELECT of {ROWS:,} clients, median of {ROUNDS}:")
    print(f"  sizes given:   {g:8.2f} s   (rounds: {', '.join(f'{x:.2f}' for x in given)})")
    print(f"  sizes derived: {d:8.2f} s   (rounds: {', '.join(f'{x:.2f}' for x in derived)})")
    print(f"  derived / given: {d / g:.2f}x (target at most 1.30x)")


if __name__ == "__main__":
    main()
