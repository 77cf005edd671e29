"""Background roll-ups: thin adapters that take ids and call `kpis.rollups`."""

import datetime

from celery import shared_task
from django.db import DatabaseError, transaction
from django.utils import timezone

from kpis import rollups
from werkplek import handoff

# The nightly rebuild may take minutes on a large organisation; an incremental one seconds.
FULL_REBUILD_SOFT_LIMIT = 30 * 60


@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def rollup_enrolments_task(self, enrolment_ids: list[int], day: str) -> None:
    """Rewrite day `day`'s (ISO date) snapshots of these enrolments and their groups and
    programs. A database hiccup (a deadlock with a parallel roll-up) is retried."""
    rollups.rollup_enrolments(enrolment_ids=enrolment_ids, on=datetime.date.fromisoformat(day))


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=FULL_REBUILD_SOFT_LIMIT,
    time_limit=FULL_REBUILD_SOFT_LIMIT + 60,
)
def rollup_all_task(self) -> None:
    """Rebuild today's snapshots of everything: what the incremental roll-ups missed
    (reflections falling overdue with time, a broker that was down) comes back each night."""
    rollups.rollup_all(on=timezone.localdate())


@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def rollup_kpis_task(self, kpi_ids: list[int], day: str) -> None:
    """Rewrite day `day`'s (ISO date) snapshots of these KPIs: trend and impact."""
    rollups.rollup_kpis(kpi_ids=kpi_ids, on=datetime.date.fromisoformat(day))


def _send(task, ids: list[int], day: str) -> None:
    # From the background thread: a page never waits for a broker that is down; a roll-up
    # it cannot hand over is rebuilt by the nightly `rollup_all_task`.
    handoff.publisher.submit(
        lambda: task.apply_async(args=[ids, day], retry=False),
        what=f"the roll-up {task.name} of {ids}",
    )


def enqueue_rollup(sender, *, enrolment_ids, **kwargs) -> None:
    """Receiver of coaching's and programs' signals: roll up what a change touched, once
    its transaction has committed (a task started earlier would read the old rows)."""
    ids, day = list(enrolment_ids), timezone.localdate().isoformat()
    transaction.on_commit(lambda: _send(rollup_enrolments_task, ids, day))


def enqueue_kpi_rollup(sender, *, kpi_ids, **kwargs) -> None:
    """Receiver of `kpi_values_changed`: roll up these KPIs' trend and impact once the
    measurements are committed."""
    ids, day = sorted(set(kpi_ids)), timezone.localdate().isoformat()
    transaction.on_commit(lambda: _send(rollup_kpis_task, ids, day))
