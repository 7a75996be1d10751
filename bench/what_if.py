#!/usr/bin/env python3
"""what_if() at a department's size: ./run bench what_if.

Generates two departments with bench/department.sql (50 and 500 managers, 30
days each, through salesalgo's own triggers), runs VACUUM ANALYZE, and times
what_if() over the 30 days and over the last week, under the model in force
(which must replay to the actual numbers: the "differ" column is 0) and under
a cap of 60 with 21-day medium clients.  Each time is the median of
BENCH_WHATIF_RUNS runs (default 3) after one warm-up, with the period's
history rows and the time per 100,000 of them.  The connection comes from
PGHOST, PGPORT and PGUSER; BENCH_WHATIF_SIZES=50 runs only the small
department.
"""
import os
import statistics
import sys
import time

# the generated departments and the helpers of the reports' benchmark
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reports import END, FIRST, LAST_WEEK, connect, generate, loadavg, one, say  # noqa: E402

RUNS = int(os.environ.get("BENCH_WHATIF_RUNS", "3"))
SIZES = [int(s) for s in os.environ.get("BENCH_WHATIF_SIZES", "50,500").split(",")]
PERIODS = [("30 days", FIRST, END), ("last week", LAST_WEEK, END)]
MODELS = [
    ("in force", None),
    ("cap 60, medium 21 days",
     '{"default_worklist_cap": 60, "deadline_rule": [{"size": "medium", "days": 21}]}'),
]
# issue 14: 30 days of a 50-manager department in under 1 s
TARGET = 1.0


def timed(conn, query, args):
    started = time.monotonic()
    one(conn, query, args)
    return time.monotonic() - started


def department(managers):
    db = f"bench_what_if_{managers}"
    admin, conn, _ = generate(db, managers)
    one(conn, "SET TimeZone = 'UTC'")
    lines = []
    for period, from_ts, to_ts in PERIODS:
        rows = one(conn, "SELECT count(*) FROM salesalgo.client_history"
                         " WHERE changed_at >= %s AND changed_at < %s", (from_ts, to_ts))[0][0]
        for name, model in MODELS:
            say(f"{managers} managers, {period}: {name}")
            if model is None:
                query = "SELECT count(*) FILTER (WHERE actual <> what_if)" \
                        " FROM salesalgo.what_if(%s, %s, salesalgo.model_at(%s))"
                args = (from_ts, to_ts, from_ts)
            else:
                query = "SELECT count(*) FILTER (WHERE actual <> what_if)" \
                        " FROM salesalgo.what_if(%s, %s, %s)"
                args = (from_ts, to_ts, model)
            differ = one(conn, query, args)[0][0]
            seconds = statistics.median(timed(conn, query, args) for _ in range(RUNS))
            lines.append((managers, period, rows, name, seconds, differ))
    conn.close()
    one(admin, f"DROP DATABASE {db}")
    return lines


def main():
    version = connect("postgres").server_version
    before = loadavg()
    lines = [line for m in SIZES for line in department(m)]
    after = loadavg()
    print()
    print(f"salesalgo what_if(): PostgreSQL {version // 10000}, {os.cpu_count()} CPUs,"
          f" median of {RUNS} runs after a warm-up; load average {before} before, {after} after")
    print()
    header = f"{'department':14}{'period':11}{'history rows':>14}  {'model':24}" \
             f"{'time (ms)':>11}{'per 100k rows':>15}{'differ':>8}"
    print(header)
    print("-" * len(header))
    for managers, period, rows, name, seconds, differ in lines:
        print(f"{str(managers) + ' managers':14}{period:11}{rows:14,}  {name:24}"
              f"{seconds * 1000:11.0f}{seconds * 1000 * 100000 / max(rows, 1):15.0f}{differ:8}")
    small = [s for m, p, _, _, s, _ in lines if m == min(SIZES) and p == "30 days"]
    if small:
        print()
        print(f"30 days of {min(SIZES)} managers under {TARGET:.0f} s:"
              f" {'met' if max(small) < TARGET else 'MISSED'} ({max(small) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
