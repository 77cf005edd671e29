import os
import time
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.module_loading import module_has_submodule

from werkplek.demo import COACH_EMAIL, DEMO_PASSWORD, LEARNER_EMAIL, MANAGER_EMAIL
from werkplek.scale import SIZES, Scale, holds_data, rows_written


class Command(BaseCommand):
    help = (
        "Generate organisations at a benchmark size (S, M, L, XL; T is the tests' size) "
        "into an empty database, with the demo logins inside. --flush empties it first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), default="S")
        parser.add_argument("--seed", type=int, default=1, help="The same seed, the same data.")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Delete EVERYTHING in the database first (manage.py flush), then generate.",
        )

    def handle(self, *args, size, seed, flush, **options):
        started, cpu = time.perf_counter(), time.process_time()
        database_cpu = _database_cpu_seconds()
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        elif holds_data():
            raise CommandError(
                "The database already holds people or organisations (generated or not). "
                "seed_scale only fills an empty database; --flush deletes everything first."
            )
        scale = Scale(SIZES[size], seed)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Each table's foreign keys are dropped while it fills and made again after
                # (werkplek.scale.Table), which checks every row: nothing is left to defer,
                # and no check a flush left pending can stop those ALTER TABLEs.
                connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
            for app_config in apps.get_app_configs():
                if module_has_submodule(app_config.module, "scale"):
                    part = time.perf_counter()
                    import_module(f"{app_config.name}.scale").seed(scale)
                    scale.timings[app_config.name] = time.perf_counter() - part
        total = time.perf_counter() - started
        cpu = {"this process": time.process_time() - cpu}
        if database_cpu is not None:
            cpu["the database's"] = _database_cpu_seconds() - database_cpu
        self._report(scale, size, total, cpu)

    def _report(self, scale, size, total, cpu):
        write = self.stdout.write
        write(f"Size {size} (seed {scale.seed}), {'COPY' if scale.uses_copy else 'bulk_create'}:")
        write(f"  {'table':<32} {'rows':>10} {'s writing':>10} {'rows/s':>10} {'s keys':>7}")
        rows = 0
        for table, (count, seconds, rebuilding) in rows_written(scale).items():
            rows += count
            rate = f"{count / seconds:,.0f}" if seconds else "-"
            write(f"  {table:<32} {count:>10,} {seconds:>10.1f} {rate:>10} {rebuilding:>7.1f}")
        for step, seconds in scale.timings.items():
            write(f"  step {step}: {seconds:.1f} s")
        write(
            self.style.SUCCESS(
                f"{rows:,} rows in {total:.1f} s ({rows / total:,.0f} rows/s overall, "
                "generation, roll-up and flush included)."
            )
        )
        # On a shared machine the wall time says as much about the neighbours: the CPU
        # seconds say what the run itself cost.
        write("CPU seconds: " + ", ".join(f"{who} {seconds:.1f}" for who, seconds in cpu.items()))
        write(f"Demo logins (password for all, and for every generated person: {DEMO_PASSWORD}):")
        for email in [MANAGER_EMAIL, COACH_EMAIL, LEARNER_EMAIL]:
            write(f"  {email}")


def _database_cpu_seconds() -> float | None:
    """The CPU time of this connection's PostgreSQL backend so far, where the database runs
    on this machine (from /proc); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    if not stat.exists():
        return None
    fields = stat.read_text().rsplit(")", 1)[1].split()
    # utime and stime, the 14th and 15th fields of proc(5), counted after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
