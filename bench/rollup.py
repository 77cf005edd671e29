"""The nightly full roll-up, once, in this process, on the database of DATABASE_URL (one
that `seed_scale` filled), with where its time went:

    python -m bench.rollup [--profile FILE]

It prints the wall time, the CPU seconds of this process and of its PostgreSQL backend (read
from /proc, where the database runs on this machine), and per phase (the programs' and the
KPIs' snapshots) wall time, CPU and the wall time spent waiting for SQL. On a shared machine
the CPU seconds are the numbers to compare. `--profile` writes a cProfile of the CPU time
(pstats format). The roll-up writes today's rows, as the nightly task does.
"""

import argparse
import cProfile
import os
import time
from collections import defaultdict
from pathlib import Path

import django


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", help="write a cProfile of the CPU time to this file")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werkplek.settings")
    django.setup()
    from django.db import connection
    from django.utils import timezone

    from kpis import rollups

    phase, sql, phases = ["other"], defaultdict(float), defaultdict(lambda: [0.0, 0.0])

    def timed_sql(execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            sql[phase[0]] += time.perf_counter() - started

    def timed(name, function):
        def wrapper(*args, **kwargs):
            outer, phase[0] = phase[0], name
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                phases[name][0] += time.perf_counter() - wall
                phases[name][1] += time.process_time() - cpu
                phase[0] = outer

        return wrapper

    rollups._rollup_programs = timed("programs", rollups._rollup_programs)
    rollups.rollup_kpis = timed("KPIs", rollups.rollup_kpis)
    profile = cProfile.Profile(time.process_time) if options.profile else None
    database = _backend_cpu(connection)
    with connection.execute_wrapper(timed_sql):
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        written = rollups.rollup_all(on=timezone.localdate())
        if profile:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    database = _backend_cpu(connection) - database
    if profile:
        profile.dump_stats(options.profile)
    print(
        f"{written:,} rows; wall {wall:.1f} s; CPU: this process {cpu:.1f} s, "
        f"the database's {database:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    for name, (phase_wall, phase_cpu) in phases.items():
        print(f"  {name}: wall {phase_wall:.1f} s, CPU {phase_cpu:.1f} s, SQL {sql[name]:.1f} s")


def _backend_cpu(connection) -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (see seed_scale)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return float("nan")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
