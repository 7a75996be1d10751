#!/usr/bin/env python3
"""salesalgo through psycopg 3, as an application and a BI tool connect:
PostgreSQL's default search_path, parameters sent untyped as psycopg 3
sends a str.  Usage: surface_client.py CONNINFO_APP CONNINFO_BI README.md

Prints one line a check: "name value"; the TAP test (050) compares."""
import datetime
import re
import sys

import psycopg

app_conninfo, bi_conninfo, readme = sys.argv[1:4]

QUERIES = [
    ("search_path", "SHOW search_path", ()),
    ("eq", "SELECT count(*) FROM salesalgo.client WHERE state = %s", ("deal",)),
    ("ne", "SELECT count(*) FROM salesalgo.client WHERE state <> %s", ("deal",)),
    ("in", "SELECT count(*) FROM salesalgo.client WHERE state IN (%s, %s)", ("new", "deal")),
    ("gt", "SELECT count(*) FROM salesalgo.client WHERE state > %s", ("contact_1",)),
    ("between", "SELECT count(*) FROM salesalgo.client WHERE state BETWEEN %s AND %s",
     ("contact_1", "deal")),
    ("case", "SELECT sum(CASE WHEN state = %s THEN 1 ELSE 0 END) FROM salesalgo.client", ("deal",)),
    ("filter", "SELECT count(*) FILTER (WHERE state = %s) FROM salesalgo.client", ("new",)),
    ("size_ge", "SELECT count(*) FROM salesalgo.client WHERE size >= %s", ("medium",)),
    ("cast", "SELECT count(*) FROM salesalgo.client WHERE state = %s::salesalgo.client_state",
     ("deal",)),
    ("literal", "SELECT count(*) FROM salesalgo.client WHERE state = 'deal'", ()),
    ("max", "SELECT max(state)::text || ' ' || min(size)::text FROM salesalgo.client", ()),
    ("join", "SELECT count(*) FROM salesalgo.funnel JOIN salesalgo.pipeline USING (state)", ()),
    ("distinct_from", "SELECT count(*) FROM salesalgo.client_history"
     " WHERE to_state = %s AND from_state IS DISTINCT FROM to_state", ("refusal",)),
]

with psycopg.connect(app_conninfo, autocommit=True) as conn:
    for name, sql, params in QUERIES:
        print(name, conn.execute(sql, params).fetchone()[0])
    # the same with salesalgo on the search path: no ambiguity
    conn.execute("SET search_path = salesalgo, public")
    print("eq_on_path", conn.execute("SELECT count(*) FROM client WHERE state = %s",
                                     ("deal",)).fetchone()[0])


def bi_statements(text):
    """The SQL statements of README's "For BI tools" section, up to its first
    subsection (live events and replicas are the DBA's)."""
    section = re.search(r"^## For BI tools\n(.*?)^###? ", text, re.S | re.M).group(1)
    for block in re.findall(r"^```sql\n(.*?)^```", section, re.S | re.M):
        body = "\n".join(line for line in block.splitlines()
                         if not line.lstrip().startswith("--"))
        for statement in body.split(";"):
            if statement.strip():
                yield statement.strip()


with open(readme, encoding="utf-8") as f:
    statements = list(bi_statements(f.read()))
print("bi_statements", len(statements))
with psycopg.connect(bi_conninfo, autocommit=True) as conn:
    for i, statement in enumerate(statements, 1):
        try:
            rows = conn.execute(statement).fetchall()
            print("bi_query_%d ok %d" % (i, len(rows)))
        except psycopg.Error as e:
            print("bi_query_%d %s %s" % (i, e.sqlstate, str(e).splitlines()[0]))
    end = datetime.datetime(2026, 4, 1, tzinfo=datetime.timezone.utc)
    start = end - datetime.timedelta(days=60)
    rows = conn.execute("SELECT * FROM salesalgo.trial_report(%s, %s)", (start, end)).fetchall()
    print("bi_trial_report", len(rows))
    for name, args in (("null", (None, end)), ("inverted", (end, start))):
        try:
            conn.execute("SELECT * FROM salesalgo.trial_report(%s, %s)", args)
            print("bi_trial_report_%s ok" % name)
        except psycopg.Error as e:
            print("bi_trial_report_%s %s %s" % (name, e.sqlstate, e.diag.message_hint))
