#!/usr/bin/env python3
"""The reports at a department's size: ./run bench reports.

Generates two departments with bench/department.sql (50 and 500 managers, 30
days each, through salesalgo's own triggers), runs VACUUM ANALYZE, and times
each report: trial_report over the 30 days and over the last week,
trial_series over the 30 days by week, funnel, stage_time, pipeline,
worklist, overdue and check().  Each time is the median of BENCH_REPORT_RUNS
runs (default 3) after one warm-up.  The connection comes from PGHOST,
PGPORT and PGUSER; BENCH_REPORT_SIZES=50 runs only the small department.
"""
import os
import statistics
import sys
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "3"))
SIZES = [int(s) for s in os.environ.get("BENCH_REPORT_SIZES", "50,500").split(",")]
DAYS = 30
FIRST = "2026-01-05 00:00+00"
END = "2026-02-04 00:00+00"
LAST_WEEK = "2026-01-28 00:00+00"

REPORTS = [
    ("trial_report, 30 days", f"SELECT * FROM salesalgo.trial_report('{FIRST}', '{END}')", 1.0),
    ("trial_report, last week", f"SELECT * FROM salesalgo.trial_report('{LAST_WEEK}', '{END}')", None),
    ("trial_series, 30 days by week", f"SELECT * FROM salesalgo.trial_series('{FIRST}', '{END}')", 1.0),
    ("funnel", "SELECT * FROM salesalgo.funnel", 0.5),
    ("stage_time", "SELECT * FROM salesalgo.stage_time", 0.5),
    ("pipeline", "SELECT * FROM salesalgo.pipeline", None),
    ("worklist", "SELECT * FROM salesalgo.worklist", None),
    ("overdue", "SELECT * FROM salesalgo.overdue", None),
    ("check()", "SELECT * FROM salesalgo.check()", None),
    # what a plain pass over the history costs on this machine now
    ("(a count of the history)", "SELECT count(*) FROM salesalgo.client_history", None),
]


def say(*words):
    print("==>", *words, file=sys.stderr, flush=True)


def connect(db):
    conn = psycopg2.connect(dbname=db)
    conn.autocommit = True
    return conn


def one(conn, query, args=None):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def timed(conn, query):
    started = time.monotonic()
    one(conn, query)
    return time.monotonic() - started


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def generate(db, managers):
    """A fresh database db with a department of managers x DAYS, analysed:
    the connections to postgres and to db, and the seconds it took."""
    admin = connect("postgres")
    one(admin, f"DROP DATABASE IF EXISTS {db}")
    one(admin, f"CREATE DATABASE {db}")
    conn = connect(db)
    one(conn, "CREATE EXTENSION salesalgo")
    with open(os.path.join(HERE, "department.sql")) as f:
        one(conn, f.read())
    say(f"generating {managers} managers x {DAYS} days")
    seconds = timed(conn, f"CALL department.generate({managers}, {DAYS}, '{FIRST}')")
    one(conn, "VACUUM ANALYZE")
    return admin, conn, seconds


def department(managers):
    db = f"bench_department_{managers}"
    admin, conn, seconds = generate(db, managers)
    rows = one(conn, "SELECT count(*) FROM salesalgo.client_history")[0][0]
    clients = one(conn, "SELECT count(*) FROM salesalgo.client")[0][0]
    # the views' "now" is the end of the generated month
    one(conn, f"SET salesalgo.now = '{END}'")
    one(conn, "SET TimeZone = 'UTC'")
    times = {}
    for name, query, _ in REPORTS:
        say(f"{managers} managers: {name}")
        timed(conn, query)
        times[name] = statistics.median(timed(conn, query) for _ in range(RUNS))
    violations = one(conn, "SELECT count(*) FROM salesalgo.check()")[0][0]
    conn.close()
    one(admin, f"DROP DATABASE {db}")
    return {"rows": rows, "clients": clients, "generated": seconds, "times": times,
            "violations": violations}


def main():
    version = connect("postgres").server_version
    before = loadavg()
    results = {m: department(m) for m in SIZES}
    after = loadavg()
    print()
    print(f"salesalgo reports: PostgreSQL {version // 10000}, {os.cpu_count()} CPUs,"
          f" median of {RUNS} runs after a warm-up; load average {before} before, {after} after")
    print()
    header = f"{'report':32}" + "".join(f"{str(m) + ' managers':>16}" for m in SIZES) + "  target"
    print(header)
    print("-" * len(header))
    print(f"{'history rows':32}" + "".join(f"{results[m]['rows']:16,}" for m in SIZES))
    print(f"{'clients':32}" + "".join(f"{results[m]['clients']:16,}" for m in SIZES))
    print(f"{'generation (s)':32}" + "".join(f"{results[m]['generated']:16.1f}" for m in SIZES))
    for name, _, target in REPORTS:
        line = f"{name + ' (ms)':32}" + "".join(f"{results[m]['times'][name] * 1000:16.0f}" for m in SIZES)
        if target is not None:
            met = all(results[m]["times"][name] <= target for m in SIZES)
            line += f"  {'met' if met else 'MISSED'} (< {target * 1000:.0f} ms)"
        print(line)
    print()
    for m in SIZES:
        print(f"check() at {m} managers: {results[m]['violations']} violations")


if __name__ == "__main__":
    main()
