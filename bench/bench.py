#!/usr/bin/env python3
"""salesalgo against the PL/pgSQL version a DBA would write by hand
(bench/reference.sql, schema ref) and a bare table with no rules (bare.sql).

./run bench runs this against its throwaway cluster; the connection comes
from PGHOST, PGPORT and PGUSER.  Every workload runs on the same data for the
three, in one run, and the table shows the median of BENCH_ROUNDS rounds
(default 3).  The data is loaded with triggers off (session_replication_role
= replica) and the kept columns computed by SQL: only the workloads are
measured, and they all go through the rules.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "4"))
HISTORY = int(os.environ.get("BENCH_HISTORY", "10000000"))
# BENCH_ONLY=durable: only the durable W1 against the floor (salesalgo's data)
# BENCH_ONLY=sizes: only derived against given sizes (bench/sizes.py)
ONLY = os.environ.get("BENCH_ONLY", "")
DURABLE_SECONDS = int(os.environ.get("BENCH_DURABLE_SECONDS", "6"))
DURABLE_SESSIONS = (1, 2, 4, 8)
CAP = 90
VARIANTS = ("salesalgo", "ref", "bare")
TYPES = {"salesalgo": "salesalgo", "ref": "ref", "bare": "ref"}
# as_of for sales_expire(): the overdue clients are due 2020-01-01
EXPIRE_AS_OF = "2021-01-01"


def say(*words):
    print("==>", *words, file=sys.stderr, flush=True)


def connect(db):
    conn = psycopg2.connect(dbname=db)
    conn.autocommit = True
    return conn


def run(conn, query, args=None):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall() if cur.description else None


def timed(conn, query):
    started = time.monotonic()
    result = run(conn, query)
    return time.monotonic() - started, result


class Dataset:
    """clients: how many; working of them in contact_1, CAP to a manager;
    the rest unassigned new leads.  Every ninth working client up to
    9 * overdue is due 2020-01-01 (overdue); the others run their clock."""

    def __init__(self, db, clients, working, overdue):
        self.db = db
        self.clients = clients
        self.working = working
        self.overdue = overdue
        self.managers = (working + CAP - 1) // CAP

    def load(self, conn, variant, history):
        t = TYPES[variant]
        run(conn, "SET session_replication_role = replica")
        if variant == "salesalgo":
            run(conn, "TRUNCATE salesalgo.client, salesalgo.client_history")
        elif variant == "ref":
            run(conn, "TRUNCATE ref.client, ref.client_history")
        else:
            run(conn, "TRUNCATE bare.client")
        run(conn, f"DELETE FROM {variant}.manager")
        # even managers have one slot free, odd ones are full: W2 is both
        run(conn, f"""
            INSERT INTO {variant}.manager (id, name, worklist_cap)
            SELECT m, 'manager ' || m, CASE WHEN m % 2 = 0 THEN {CAP + 1} ELSE {CAP} END
            FROM generate_series(1, {self.managers}) AS m""")
        run(conn, f"""
            INSERT INTO {variant}.client (id, external_id, name, size, state, manager_id,
                                          state_since, work_started_at, deadline_at)
            SELECT i, 'crm-' || i, 'company ' || i,
                   (ARRAY['small', 'medium', 'large'])[1 + i % 3]::{t}.client_size,
                   (CASE WHEN i <= {self.working} THEN 'contact_1' ELSE 'new' END)::{t}.client_state,
                   CASE WHEN i <= {self.working} THEN (i - 1) / {CAP} + 1 END,
                   now(),
                   CASE WHEN i <= {self.working} THEN now() END,
                   CASE WHEN i > {self.working} THEN NULL
                        WHEN i % 9 = 0 AND i <= {9 * self.overdue} THEN '2020-01-01'
                        ELSE now() + interval '14 days' END
            FROM generate_series(1, {self.clients}) AS i""")
        run(conn, f"SELECT setval(pg_get_serial_sequence('{variant}.client', 'id'), 10000000)")
        if variant == "salesalgo":
            self.recount(conn)
        if history and variant != "bare":
            run(conn, f"""
                INSERT INTO {variant}.client_history
                    (client_id, from_state, to_state, to_manager, changed_at, changed_by, source)
                SELECT 1 + g % {self.clients}, 'new', 'contact_1', 1 + g % {self.managers},
                       now() - (g % 5000) * interval '1 hour', 'bench', 'sql'
                FROM generate_series(1, {history}) AS g""")
        run(conn, "RESET session_replication_role")
        run(conn, f"VACUUM ANALYZE {variant}.client")
        run(conn, f"VACUUM ANALYZE {variant}.manager")

    def recount(self, conn):
        run(conn, """
            UPDATE salesalgo.manager AS m SET in_work = coalesce(c.n, 0)
            FROM (SELECT m2.id, count(c2.id) AS n FROM salesalgo.manager m2
                  LEFT JOIN salesalgo.client c2 ON c2.manager_id = m2.id
                       AND salesalgo.in_worklist(c2.state)
                  GROUP BY m2.id) AS c
            WHERE c.id = m.id AND m.in_work <> coalesce(c.n, 0)""")

    def reset_overdue(self, conn, variant, every=9):
        """Puts the clients W3 expired back, due 2020-01-01."""
        t = TYPES[variant]
        run(conn, "SET session_replication_role = replica")
        run(conn, f"""
            UPDATE {variant}.client
            SET state = 'contact_1'::{t}.client_state, refusal_reason = NULL,
                manager_id = (id - 1) / {CAP} + 1, work_started_at = now(),
                deadline_at = CASE WHEN id % {every} = 0 AND id <= {every * self.overdue}
                                   THEN timestamptz '2020-01-01'
                                   ELSE now() + interval '14 days' END
            WHERE id <= {self.working} AND id % 9 = 0""")
        if variant == "salesalgo":
            self.recount(conn)
        run(conn, "RESET session_replication_role")


def pgbench(db, script, clients=1, seconds=SECONDS, options=""):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
        path = f.name
    try:
        out = subprocess.run(
            ["/usr/lib/postgresql/15/bin/pgbench", "-n", "-T", str(seconds),
             "-c", str(clients), "-j", str(clients), "-f", path, db],
            capture_output=True, text=True,
            env=dict(os.environ, PGOPTIONS="-c search_path=public,salesalgo " + options))
    finally:
        os.unlink(path)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    if failed and int(failed.group(1)) > 0:
        raise RuntimeError(out.stdout)
    return float(re.search(r"tps = ([\d.]+) \(without initial connection time\)",
                           out.stdout).group(1))


def w1_script(variant):
    # ids that are never a multiple of 9: W3's overdue clients stay as they are
    t = TYPES[variant]
    return f"""\\set id 9 * random(1, 100000) - random(1, 8)
UPDATE {variant}.client
SET state = (CASE WHEN state = 'contact_1' THEN 'strategic_reserve' ELSE 'contact_1' END)::{t}.client_state
WHERE id = :id;
"""


# The floor: the writes of one checked W1 move as one plain statement on
# salesalgo's own tables, with no check and no trigger (pgbench runs it with
# session_replication_role = replica): the client's update with the columns
# salesalgo keeps, its history row, the manager's count.  What a move costs
# with no rules at all; salesalgo's target is to be at or above it.
FLOOR_SCRIPT = """\\set id 9 * random(1, 100000) - random(1, 8)
WITH moved AS (
    UPDATE salesalgo.client AS c
    SET state = CASE WHEN c.state = 'contact_1' THEN 'strategic_reserve' ELSE 'contact_1' END::salesalgo.client_state,
        state_since = now(),
        work_started_at = CASE WHEN c.state = 'contact_1' THEN NULL ELSE now() END,
        deadline_at = CASE WHEN c.state = 'contact_1' THEN NULL
                           ELSE now() + CASE c.size WHEN 'small' THEN 14 WHEN 'large' THEN 40 ELSE 30 END
                                        * interval '1 day' END
    WHERE c.id = :id
    RETURNING c.id, c.state, c.manager_id, c.deadline_at),
history AS (
    INSERT INTO salesalgo.client_history
        (client_id, from_state, to_state, from_manager, to_manager, deadline_at,
         changed_at, changed_by, source)
    SELECT id, CASE WHEN state = 'contact_1' THEN 'strategic_reserve' ELSE 'contact_1' END::salesalgo.client_state,
           state, manager_id, manager_id, deadline_at, now(), current_user, 'sql'
    FROM moved)
UPDATE salesalgo.manager AS m
SET in_work = m.in_work + CASE WHEN moved.state = 'contact_1' THEN 1 ELSE -1 END
FROM moved WHERE m.id = moved.manager_id;
"""


def durable(conn):
    """W1 at 1, 2, 4 and 8 sessions with PostgreSQL's default durability
    (fsync, synchronous_commit and full_page_writes on), whatever the
    throwaway cluster runs with: ALTER SYSTEM for the phase, reset after.
    The floor, salesalgo as installed (live events off), and salesalgo with
    live events on, to show what they cost."""
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        run(conn, f"ALTER SYSTEM SET {setting} = on")
    run(conn, "SELECT pg_reload_conf()")
    time.sleep(1)
    run(conn, "CHECKPOINT")
    settings = run(conn, "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name)"
                         " FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit',"
                         " 'full_page_writes', 'wal_sync_method')")[0][0]
    numbers = {}
    try:
        for sessions in DURABLE_SESSIONS:
            say(f"durable W1, {sessions} sessions")
            # fsync-bound runs are noisy: two runs each, in alternating
            # order, and their mean
            runs = {"floor": [], "salesalgo": []}
            for variant in ("floor", "salesalgo", "salesalgo", "floor"):
                if variant == "floor":
                    runs[variant].append(pgbench(
                        "bench", FLOOR_SCRIPT, sessions, DURABLE_SECONDS,
                        "-c session_replication_role=replica"))
                else:
                    runs[variant].append(pgbench(
                        "bench", w1_script("salesalgo"), sessions, DURABLE_SECONDS))
            for variant, tps in runs.items():
                numbers[(variant, sessions)] = statistics.mean(tps)
            run(conn, "UPDATE salesalgo.settings SET notify_events = true")
            numbers[("events on", sessions)] = pgbench(
                "bench", w1_script("salesalgo"), sessions, DURABLE_SECONDS)
            run(conn, "UPDATE salesalgo.settings SET notify_events = false")
        # the floor kept the count as the rules do
        wrong = run(conn, """
            SELECT count(*) FROM salesalgo.manager AS m
            WHERE m.in_work <> (SELECT count(*) FROM salesalgo.client AS c
                                WHERE c.manager_id = m.id AND salesalgo.in_worklist(c.state))""")[0][0]
        if wrong:
            raise RuntimeError(f"the floor left {wrong} managers with a wrong count")
    finally:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            run(conn, f"ALTER SYSTEM RESET {setting}")
        run(conn, "SELECT pg_reload_conf()")
    return settings, numbers


def print_durable(settings, numbers):
    print()
    print(f"W1 with default durability ({settings}): mean of two runs of {DURABLE_SECONDS} s"
          f" (events on: one run)")
    print()
    header = (f"{'sessions':>8} {'floor':>10} {'salesalgo':>10} {'vs floor':>9}"
              f" {'events on':>10} {'vs floor':>9}")
    print(header)
    print("-" * len(header))
    for sessions in DURABLE_SESSIONS:
        f = numbers[("floor", sessions)]
        a = numbers[("salesalgo", sessions)]
        e = numbers[("events on", sessions)]
        print(f"{sessions:8} {f:10.1f} {a:10.1f} {a / f:8.2f}x {e:10.1f} {e / f:8.2f}x")
    print()
    for sessions in DURABLE_SESSIONS:
        ratio = numbers[("salesalgo", sessions)] / numbers[("floor", sessions)]
        print(f"  {'met   ' if ratio >= 1.0 else 'MISSED'} W1 durable, {sessions} sessions:"
              f" salesalgo as installed >= the floor: {ratio:.2f}x")


def w2_script(variant, data):
    return f"""\\set c random({data.working + 1}, {data.clients})
\\set m random(1, {data.managers - 1})
SELECT bench.try_assign_{variant}(:c, :m);
"""


def install(conn):
    run(conn, "CREATE EXTENSION IF NOT EXISTS salesalgo")
    # the default install, as measured: live events are off, as the
    # reference has none
    if run(conn, "SELECT notify_events FROM salesalgo.settings")[0][0]:
        raise RuntimeError("live events are on in a fresh install")
    for name in ("reference.sql", "bare.sql"):
        with open(os.path.join(HERE, name)) as f:
            run(conn, f.read())
    run(conn, "CREATE SCHEMA bench")
    # W2: take a lead into a worklist and give it back; a full worklist
    # refuses, which is counted, not fatal
    for variant in VARIANTS:
        run(conn, f"""
            CREATE FUNCTION bench.try_assign_{variant}(c bigint, m bigint) RETURNS boolean
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE {variant}.client SET manager_id = m WHERE id = c;
                UPDATE {variant}.client SET manager_id = NULL WHERE id = c;
                RETURN true;
            EXCEPTION WHEN check_violation THEN
                RETURN false;
            END $$""")


def expire(conn, variant):
    if variant == "salesalgo":
        query = f"SELECT salesalgo.sales_expire('{EXPIRE_AS_OF}', 10000)"
    elif variant == "ref":
        query = f"SELECT ref.sales_expire('{EXPIRE_AS_OF}')"
    else:
        query = (f"WITH m AS (UPDATE bare.client SET state = 'refusal', refusal_reason = 'deadline',"
                 f" deadline_at = NULL WHERE deadline_at <= '{EXPIRE_AS_OF}' RETURNING 1)"
                 f" SELECT count(*) FROM m")
    seconds, result = timed(conn, query)
    return seconds, result[0][0]


def bulk_insert(conn, variant):
    t = TYPES[variant]
    seconds, _ = timed(conn, f"""
        INSERT INTO {variant}.client (name, size)
        SELECT 'bulk ' || i, (ARRAY['small', 'medium', 'large'])[1 + i % 3]::{t}.client_size
        FROM generate_series(1, 1000000) AS i""")
    run(conn, "SET session_replication_role = replica")
    run(conn, f"DELETE FROM {variant}.client WHERE id > 10000000")
    if variant != "bare":
        run(conn, f"DELETE FROM {variant}.client_history WHERE client_id > 10000000")
    run(conn, f"SELECT setval(pg_get_serial_sequence('{variant}.client', 'id'), 10000000)")
    run(conn, "RESET session_replication_role")
    run(conn, f"VACUUM {variant}.client")
    return seconds


def main():
    if ONLY == "sizes":
        sys.path.insert(0, HERE)
        import sizes
        sizes.main()
        return
    admin = connect("postgres")
    for db in ("bench", "bench_small"):
        run(admin, f"DROP DATABASE IF EXISTS {db}")
        run(admin, f"CREATE DATABASE {db}")
    big = Dataset("bench", 1000000, 950000, 100000)
    small = Dataset("bench_small", 100000, 95000, 10000)
    results = {}

    def record(name, variant, value):
        results.setdefault(name, {}).setdefault(variant, []).append(value)

    conn = connect("bench")
    install(conn)
    if ONLY == "durable":
        say(f"loading 1,000,000 clients and {HISTORY:,} history rows: salesalgo")
        big.load(conn, "salesalgo", HISTORY)
        print_durable(*durable(conn))
        return
    for variant in VARIANTS:
        say(f"loading 1,000,000 clients and {HISTORY:,} history rows: {variant}")
        big.load(conn, variant, HISTORY)
        record("W6 client table and indexes (MB)", variant,
               run(conn, f"SELECT pg_total_relation_size('{variant}.client') / 1048576.0")[0][0])

    for r in range(1, ROUNDS + 1):
        for variant in VARIANTS:
            say(f"round {r}: {variant}")
            record("W1 state moves, 1 client (tps)", variant,
                   pgbench("bench", w1_script(variant), 1))
            record("W1 state moves, 2 clients (tps)", variant,
                   pgbench("bench", w1_script(variant), 2))
            record("W2 assignments near caps (tps)", variant,
                   pgbench("bench", w2_script(variant, big), 1))
            seconds, moved = expire(conn, variant)
            if moved != big.overdue:
                raise RuntimeError(f"{variant} expired {moved} clients, not {big.overdue}")
            record("W3 expire 100,000 of 1,000,000 (s)", variant, seconds)
            big.reset_overdue(conn, variant)
            record("W4 insert 1,000,000 clients (s)", variant, bulk_insert(conn, variant))
            record("W5 worklist view (tps)", variant,
                   pgbench("bench", f"SELECT * FROM {variant}.worklist;\n", 1))
            record("W5 pipeline view (tps)", variant,
                   pgbench("bench", f"SELECT * FROM {variant}.pipeline;\n", 1))

    # how W2 and W3 grow with the table: 100,000 clients, 10,000 overdue,
    # and 1,000,000 clients with only 10,000 overdue
    scaling = {}
    small_conn = connect("bench_small")
    install(small_conn)
    for variant in ("salesalgo", "ref"):
        say(f"scaling: {variant}")
        small.load(small_conn, variant, 0)
        scaling[("W2 tps", "100k", variant)] = pgbench("bench_small", w2_script(variant, small), 1)
        scaling[("W3 s", "100k/10k", variant)] = expire(small_conn, variant)[0]
        big.reset_overdue(conn, variant, every=90)
        scaling[("W3 s", "1M/10k", variant)] = expire(conn, variant)[0]

    durable_results = durable(conn)

    version = run(conn, "SHOW server_version")[0][0]
    print()
    print(f"salesalgo benchmark: PostgreSQL {version}, {os.cpu_count()} CPUs, "
          f"median of {ROUNDS} rounds, pgbench runs of {SECONDS} s")
    print()
    header = f"{'workload':40} {'salesalgo':>10} {'reference':>10} {'bare':>10} {'vs ref':>7} {'vs bare':>8}"
    print(header)
    print("-" * len(header))
    medians = {}
    for name, by_variant in results.items():
        m = {v: statistics.median(by_variant[v]) for v in VARIANTS}
        medians[name] = m
        # >1 means salesalgo is better: more tps, fewer seconds, fewer MB
        better = (lambda a, b: a / b) if "(tps)" in name else (lambda a, b: b / a)
        print(f"{name:40} {m['salesalgo']:10.1f} {m['ref']:10.1f} {m['bare']:10.1f}"
              f" {better(m['salesalgo'], m['ref']):6.2f}x {better(m['salesalgo'], m['bare']):7.2f}x")
    print()
    print("vs ref, vs bare: how many times better salesalgo is (more tps, less time, less space).")
    print()
    print("Scaling, one run each:")
    for variant in ("salesalgo", "ref"):
        w2_big = medians["W2 assignments near caps (tps)"][variant]
        w3_big = medians["W3 expire 100,000 of 1,000,000 (s)"][variant]
        print(f"  {variant:9} W2: {scaling[('W2 tps', '100k', variant)]:8.1f} tps at 100,000 clients,"
              f" {w2_big:8.1f} at 1,000,000")
        print(f"  {variant:9} W3: {scaling[('W3 s', '100k/10k', variant)]:6.2f} s for 10,000 overdue of 100,000,"
              f" {scaling[('W3 s', '1M/10k', variant)]:6.2f} s for 10,000 of 1,000,000,"
              f" {w3_big:6.2f} s for 100,000 of 1,000,000")
    print()
    targets = [
        ("W1 >= 2x reference (1 client)", medians["W1 state moves, 1 client (tps)"], 2.0, "ref", True),
        ("W1 >= 2x reference (2 clients)", medians["W1 state moves, 2 clients (tps)"], 2.0, "ref", True),
        ("W1 >= 0.6x bare (1 client)", medians["W1 state moves, 1 client (tps)"], 0.6, "bare", True),
        ("W1 >= 0.6x bare (2 clients)", medians["W1 state moves, 2 clients (tps)"], 0.6, "bare", True),
        ("W2 >= 2x reference", medians["W2 assignments near caps (tps)"], 2.0, "ref", True),
        ("W2 >= 0.6x bare", medians["W2 assignments near caps (tps)"], 0.6, "bare", True),
        ("W3 >= 3x faster than reference", medians["W3 expire 100,000 of 1,000,000 (s)"], 3.0, "ref", False),
        ("W6 smaller than reference", medians["W6 client table and indexes (MB)"], 1.0, "ref", False),
    ]
    for label, m, factor, other, higher in targets:
        ratio = m["salesalgo"] / m[other] if higher else m[other] / m["salesalgo"]
        met = ratio >= factor if label != "W6 smaller than reference" else ratio > 1.0
        print(f"  {'met   ' if met else 'MISSED'} {label}: {ratio:.2f}x")
    print_durable(*durable_results)


if __name__ == "__main__":
    main()
