"""A learner sees their own values of learner-level KPIs on their progress page; the people
who read the KPI see them too, a coach does not, and nobody sees another learner's."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.choices import SubjectLevel
from tests.factories import KPIFactory, MeasurementFactory, ProgramFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def picking_rate(organization, manager, program):
    return KPIFactory(
        organization=organization,
        program=program,
        name="Orderregels per uur",
        subject_level=SubjectLevel.LEARNER,
        created_by=manager,
        target_value=Decimal("110"),
        target_on=datetime.date(2027, 3, 1),
    )


def record(kpi, learner, month, value):
    return MeasurementFactory(
        kpi=kpi,
        learner=learner,
        period_start=datetime.date(2026, month, 1),
        value=Decimal(value),
    )


def progress_page(client, user, enrolment):
    client.force_login(user)
    response = client.get(reverse("coaching:progress", args=[enrolment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_learner_sees_their_latest_value_with_the_target(
    client, learner, enrolment, picking_rate
):
    record(picking_rate, learner, 9, "96.5")
    record(picking_rate, learner, 10, "104.5")
    content = progress_page(client, learner, enrolment)
    assert "Jouw metingen" in content
    assert "<strong>104,5 orderregels per uur</strong>" in content
    assert "96,5" not in content
    assert "streefwaarde 110,0" in content


def test_the_manager_sees_the_values_and_the_coach_does_not(
    client, manager, coach, learner, enrolment, picking_rate
):
    record(picking_rate, learner, 10, "104.5")
    assert "104,5" in progress_page(client, manager, enrolment)
    assert "104,5" not in progress_page(client, coach, enrolment)


def test_another_learners_values_and_other_programs_kpis_stay_off_the_page(
    client, organization, manager, learner, other_learner, enrolment, picking_rate
):
    record(picking_rate, other_learner, 10, "88.5")
    elsewhere = KPIFactory(
        organization=organization,
        program=ProgramFactory(organization=organization, owner=manager),
        name="Fouten in een ander programma",
        subject_level=SubjectLevel.LEARNER,
        created_by=manager,
    )
    record(elsewhere, learner, 10, "3")
    content = progress_page(client, learner, enrolment)
    assert "88,5" not in content
    assert "Fouten in een ander programma" not in content
    assert "Jouw metingen" not in content


def learner_kpi(organization, manager, program, name):
    return KPIFactory(
        organization=organization,
        program=program,
        name=name,
        subject_level=SubjectLevel.LEARNER,
        created_by=manager,
    )


def test_the_panel_shows_at_most_ten_kpis_in_the_same_queries_for_one_or_twelve(
    client, organization, manager, learner, enrolment, program
):
    client.force_login(learner)
    url = reverse("coaching:progress", args=[enrolment.pk])

    def measure():
        with CaptureQueriesContext(connection) as queries:
            content = client.get(url).content.decode()
        return len(queries), content.count('<dt class="col-12 col-sm-6 fw-normal">')

    record(learner_kpi(organization, manager, program, "KPI 00"), learner, 10, "5")
    one_query_count, one_shown = measure()
    for number in range(1, 12):
        record(learner_kpi(organization, manager, program, f"KPI {number:02}"), learner, 10, "5")
    twelve_query_count, twelve_shown = measure()
    assert (one_shown, twelve_shown) == (1, 10)
    assert one_query_count == twelve_query_count
