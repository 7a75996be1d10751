#!/usr/bin/env python3
"""Runs every ```sql block of README.md, in order, in one session of a fresh
database, statement by statement.  A statement that must fail says so at its
end: "...;  -- error: 23514".  A block for another database or cluster (a
replica, the pg_cron database) begins with "-- elsewhere: ..." and is left
to the test that sets that up.  Usage: readme_sql.py CONNINFO README.md

Prints one line a statement: "N ok", "N error SQLSTATE (expected)", or
"N FAILED ..." with the statement's first line."""
import re
import sys

import psycopg

conninfo, readme = sys.argv[1:3]
with open(readme, encoding="utf-8") as f:
    blocks = re.findall(r"^```sql\n(.*?)^```", f.read(), re.S | re.M)

elsewhere = [b for b in blocks if b.startswith("-- elsewhere:")]
blocks = [b for b in blocks if not b.startswith("-- elsewhere:")]
statements = []
for block in blocks:
    lines = []
    for line in block.splitlines():
        code = line.split("--", 1)[0]
        if not lines and not code.strip():
            continue                    # comments between statements
        lines.append(line)
        if code.rstrip().endswith(";"):
            marker = re.search(r"--\s*error:\s*([0-9A-Z]{5})", line)
            statements.append(("\n".join(lines), marker.group(1) if marker else None))
            lines = []
    if lines:
        statements.append(("\n".join(lines), None))

print("blocks", len(blocks))
print("elsewhere", len(elsewhere))
print("statements", len(statements))
with psycopg.connect(conninfo, autocommit=True) as conn:
    for n, (sql, expected) in enumerate(statements, 1):
        first = sql.strip().splitlines()[0]
        try:
            conn.execute(sql)
            if expected:
                print("%d FAILED: succeeded, expected error %s: %s" % (n, expected, first))
            else:
                print("%d ok" % n)
        except psycopg.Error as e:
            if e.sqlstate == expected:
                print("%d error %s (expected)" % (n, e.sqlstate))
            else:
                print("%d FAILED: %s %s: %s" % (n, e.sqlstate, str(e).splitlines()[0], first))
