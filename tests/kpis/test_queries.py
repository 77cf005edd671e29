"""The KPI pages ask the database the same number of times, and send HTML of bounded size,
for a handful of KPIs and values as for hundreds (each list is paginated)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kpis.choices import SubjectLevel
from kpis.models import Measurement
from tests.factories import KPIFactory, MembershipFactory, OrganizationFactory, members_in_bulk

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 300
HTML_BOUND = {"list": 40_000, "detail": 45_000}


def organisation_with(size: int):
    """`size` KPIs, the first a learner-level one with `size` learners measured over three
    months, each month's value corrected once."""
    organization = OrganizationFactory(slug=f"kpis-{size}")
    manager = MembershipFactory(organization=organization, is_manager=True, is_learner=False).user
    learners = [m.user for m in members_in_bulk(organization, size, coach_every=size + 1)]
    kpis = KPIFactory.create_batch(
        size, organization=organization, created_by=manager, subject_level=SubjectLevel.LEARNER
    )
    rows = []
    for month in (7, 8, 9):
        for learner in learners:
            common = {
                "kpi": kpis[0],
                "subject_level": SubjectLevel.LEARNER,
                "learner": learner,
                "period_start": datetime.date(2026, month, 1),
                "recorded_by": manager,
            }
            rows.append(Measurement(value=Decimal("40"), is_current=False, **common))
            rows.append(Measurement(value=Decimal("41.5"), **common))
    Measurement.objects.bulk_create(rows)
    return manager, {
        "list": reverse("kpis:list"),
        "detail": reverse("kpis:detail", args=[kpis[0].pk]),
    }


def measure(client, manager, url):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content)


@pytest.mark.parametrize("page", list(HTML_BOUND))
def test_kpi_page_keeps_its_query_count_and_html_size_as_data_grows(client, page):
    small_manager, small_urls = organisation_with(SMALL)
    large_manager, large_urls = organisation_with(LARGE)
    small = measure(client, small_manager, small_urls[page])
    large = measure(client, large_manager, large_urls[page])
    assert small[0] == large[0], (small, large)
    assert large[1] <= HTML_BOUND[page], large


def test_the_detail_page_shows_each_corrected_value_once_with_its_history(client):
    manager, urls = organisation_with(SMALL)
    client.force_login(manager)
    html = client.get(urls["detail"]).content.decode()
    assert html.count("gecorrigeerd (1 eerdere waarde)") == SMALL * 3
    assert html.count("<del>40,0 orderregels per uur</del>") == SMALL * 3
