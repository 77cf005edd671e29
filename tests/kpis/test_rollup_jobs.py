"""Roll-ups run on a real worker (Redis when REDIS_URL is set): feedback saved through the
coach's form, and a measurement saved through the manager's, reach the snapshots with no
manual step."""

import datetime
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone, translation

from kpis.models import CohortSnapshot, EnrolmentSnapshot, KPISnapshot, ProgramSnapshot
from tests.factories import EnrolmentFactory, KPIFactory, LearningGoalFactory, PairingFactory
from werkplek.celery import app


@pytest.fixture
def celery_worker():
    app.control.purge()  # tasks left by earlier tests are not this test's business
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        yield


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError:
            pass  # SQLite's shared test database: the worker's write holds the table; ask again
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_feedback_saved_in_the_form_appears_in_the_snapshots_and_on_the_dashboard(
    client, coach, learner, cohort, manager, celery_worker
):
    today = timezone.localdate()
    cohort.starts_on = today - datetime.timedelta(days=7)
    cohort.save(update_fields=["starts_on"])
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    goal = LearningGoalFactory(program=cohort.program)
    client.force_login(coach)

    response = client.post(
        reverse("coaching:feedback-create", args=[enrolment.pk]),
        {
            "occurred_on": today.isoformat(),
            "shift": "morning",
            "went_well": "Rustig en netjes gewerkt.",
            f"practised_{goal.pk}": "on",
            f"level_{goal.pk}": "3",
        },
    )
    assert response.status_code == 302

    snapshot = EnrolmentSnapshot.objects.filter(enrolment=enrolment, day=today)
    assert wait_for(snapshot.exists), "the worker wrote no snapshot"
    row = snapshot.get()
    assert (row.feedback_moments, row.last_feedback_on, row.levels) == (1, today, {str(goal.pk): 3})
    assert CohortSnapshot.objects.get(cohort=cohort, day=today).levels == {str(goal.pk): {"3": 1}}
    assert ProgramSnapshot.objects.get(program=cohort.program, day=today).enrolments == 1
    # And the manager's dashboard shows it: the learner started and running, as of today.
    client.force_login(manager)
    with translation.override("nl"):
        dashboard = client.get(reverse("kpis:dashboard", args=[cohort.program.pk]))
    text = " ".join(dashboard.text.split())
    assert "1 lerende begonnen: lopend 1, beëindigd 0" in text
    assert dashboard.context["dashboard"].snapshot.day == today


@pytest.mark.django_db(transaction=True)
def test_a_measurement_saved_in_the_form_appears_on_the_dashboard(
    client, manager, program, celery_worker
):
    kpi = KPIFactory(
        organization=program.organization,
        program=program,
        created_by=manager,
        name="Orderregels per uur",
    )
    client.force_login(manager)
    period = timezone.localdate().replace(day=1)
    response = client.post(
        reverse("kpis:measurement-create", args=[kpi.pk]),
        {"period": period.isoformat(), "value": "81,5"},
    )
    assert response.status_code == 302

    snapshot = KPISnapshot.objects.filter(kpi=kpi, day=timezone.localdate())
    assert wait_for(snapshot.exists), "the worker wrote no KPI snapshot"
    dashboard = client.get(reverse("kpis:dashboard", args=[program.pk]))
    assert dashboard.context["dashboard"].kpis[0]["periods"] == [
        {"period": period, "value": Decimal("81.5"), "n": 1, "enough": True}
    ]
