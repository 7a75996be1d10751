#!/usr/bin/env python3
"""Reads salesalgo's views as a BI tool does, through psycopg2, and prints
each view's columns with their PostgreSQL types and its row count, one line
a column: "view column type", then "view rows N"."""
import sys

import psycopg2

VIEWS = ["pipeline", "worklist", "overdue", "due_soon", "funnel", "stage_time"]

conn = psycopg2.connect(sys.argv[1])
conn.set_session(readonly=True)
cur = conn.cursor()
for name in VIEWS + ["trial_report"]:
    if name == "trial_report":
        cur.execute("SELECT * FROM salesalgo.trial_report(%s, %s)",
                    ("2026-01-12 00:00+03", "2026-03-07 00:00+03"))
    else:
        cur.execute("SELECT * FROM salesalgo.%s" % name)
    rows = cur.fetchall()
    columns = [(column.name, column.type_code) for column in cur.description]
    cur.execute("SELECT oid, format_type(oid, NULL) FROM pg_type WHERE oid = ANY(%s)",
                ([oid for _, oid in columns],))
    types = dict(cur.fetchall())
    for column, oid in columns:
        print(name, column, types[oid])
    print(name, "rows", len(rows))
    # every value arrives as a Python value a BI tool can show
    for row in rows:
        for value in row:
            str(value)
conn.close()
