"""A KPI's own page draws its values per period against baseline and target, with the same
numbers in a table: each value in Dutch with its n, and no mean over too few learners."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis import rollups
from kpis.choices import SubjectLevel
from kpis.models import Measurement
from kpis.rollups import TREND_PERIODS
from tests.factories import KPIFactory, MeasurementFactory, members_in_bulk

pytestmark = pytest.mark.django_db

AUGUST, SEPTEMBER = datetime.date(2026, 8, 1), datetime.date(2026, 9, 1)
ROW = re.compile(
    r'<tr><th scope="row"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td></tr>', re.S
)


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def trend_table(response) -> list[tuple[str, str, str]]:
    """The rows (period, value, n) of the page's trend table, as the page shows them."""
    html = response.content.decode()
    table = html[html.index('id="trend-heading"') : html.index("</table>")]
    return [tuple(" ".join(cell.split()) for cell in row) for row in ROW.findall(table)]


def chart_data(response) -> dict:
    html = response.content.decode()
    found = re.search(r'<script id="kpi-trend-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def learner_values(kpi, period, values):
    """One value per learner for `period`, each from a learner of their own."""
    people = members_in_bulk(
        kpi.organization,
        len(values),
        start=(period.year * 100 + period.month) * 10,
        coach_every=len(values) + 1,
    )
    Measurement.objects.bulk_create(
        Measurement(
            kpi=kpi,
            subject_level=SubjectLevel.LEARNER,
            learner=learner,
            period_start=period,
            value=Decimal(value),
            recorded_by=kpi.created_by,
        )
        for learner, value in zip([m.user for m in people], values, strict=True)
    )


def test_a_learner_level_kpi_shows_the_mean_with_n_and_no_mean_over_too_few(
    signed_in, organization, manager
):
    kpi = KPIFactory(
        organization=organization,
        created_by=manager,
        subject_level=SubjectLevel.LEARNER,
        unit="%",
        decimals=1,
        baseline_value=Decimal("92"),
        baseline_on=datetime.date(2026, 5, 1),
        target_value=Decimal("110"),
        target_on=datetime.date(2027, 6, 1),
    )
    learner_values(kpi, AUGUST, ["104.2", "98.5", "111.8", "107.5", "96.4"])
    learner_values(kpi, SEPTEMBER, ["112.5", "101"])

    response = signed_in.get(kpi.get_absolute_url())

    assert trend_table(response) == [
        ("augustus 2026", "103,7 %", "5"),
        ("september 2026", "te weinig gegevens (minder dan 5)", "2"),
    ]
    data = chart_data(response)
    assert data["labels"] == ["augustus 2026", "september 2026"]
    assert data["values"] == [103.7, None]
    assert data["n"] == [5, 2]
    assert (data["baseline"], data["target"]) == (92.0, 110.0)


def test_the_minimum_group_size_is_the_setting(signed_in, organization, manager, settings):
    settings.KPI_MIN_GROUP_SIZE = 2
    kpi = KPIFactory(organization=organization, created_by=manager, subject_level="learner")
    learner_values(kpi, SEPTEMBER, ["112.5", "101"])

    response = signed_in.get(kpi.get_absolute_url())

    assert trend_table(response) == [("september 2026", "106,8 orderregels per uur", "2")]


def test_an_organisation_kpi_shows_each_value_with_its_decimals_and_corrections_count_once(
    signed_in, organization, manager
):
    kpi = KPIFactory(organization=organization, created_by=manager, decimals=2, unit="")
    MeasurementFactory(kpi=kpi, period_start=AUGUST, value=Decimal("80"), is_current=False)
    MeasurementFactory(kpi=kpi, period_start=AUGUST, value=Decimal("1234.5"))
    MeasurementFactory(kpi=kpi, period_start=SEPTEMBER, value=Decimal("112.5"))

    response = signed_in.get(kpi.get_absolute_url())

    assert trend_table(response) == [
        ("augustus 2026", "1234,50", "1"),
        ("september 2026", "112,50", "1"),
    ]
    assert chart_data(response)["values"] == [1234.5, 112.5]


def test_the_trend_shows_the_newest_periods_only(signed_in, organization, manager):
    kpi = KPIFactory(organization=organization, created_by=manager)
    first = datetime.date(2023, 1, 1)
    Measurement.objects.bulk_create(
        Measurement(
            kpi=kpi,
            subject_level=SubjectLevel.ORGANIZATION,
            period_start=first.replace(year=first.year + month // 12, month=month % 12 + 1),
            value=Decimal(month),
            recorded_by=manager,
        )
        for month in range(30)
    )

    rows = trend_table(signed_in.get(kpi.get_absolute_url()))

    assert len(rows) == TREND_PERIODS
    assert rows[0][0] == "juli 2023"
    assert rows[-1] == ("juni 2025", "29,0 orderregels per uur", "1")


def test_a_kpi_without_values_shows_no_chart(signed_in, organization, manager):
    kpi = KPIFactory(organization=organization, created_by=manager)

    html = signed_in.get(kpi.get_absolute_url()).content.decode()

    assert "Nog geen metingen." in html
    assert "<canvas" not in html
    assert "chart.umd.min.js" not in html


@pytest.mark.parametrize("periods", [2, 40])
def test_the_kpi_page_asks_the_database_as_often_for_two_periods_as_for_forty(
    client, organization, manager, django_assert_num_queries, periods
):
    kpi = KPIFactory(organization=organization, created_by=manager, subject_level="learner")
    for month in range(periods):
        learner_values(
            kpi, datetime.date(2020 + month // 12, month % 12 + 1, 1), ["80", "81", "82"]
        )
    client.force_login(manager)

    # Session and user, organisations managed, the KPI, the count and page of measurements,
    # their history, the trend, the form's choices, the bell's unread count.
    with django_assert_num_queries(9):
        response = client.get(kpi.get_absolute_url())

    assert len(trend_table(response)) == min(periods, TREND_PERIODS)


def test_the_kpi_page_and_the_rolled_up_dashboard_show_the_same_means(
    signed_in, organization, manager, program
):
    kpi = KPIFactory(
        organization=organization,
        program=program,
        created_by=manager,
        subject_level=SubjectLevel.LEARNER,
        unit="%",
        decimals=1,
    )
    learner_values(kpi, AUGUST, ["104.25", "98.5", "111.8", "107.5", "96.4"])
    learner_values(kpi, SEPTEMBER, ["112.5", "101"])
    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=datetime.date(2026, 9, 30))

    page = trend_table(signed_in.get(kpi.get_absolute_url()))
    dashboard = signed_in.get(reverse("kpis:dashboard", args=[program.pk])).content.decode()

    assert [value for _period, value, _n in page] == [
        "103,7 %",
        "te weinig gegevens (minder dan 5)",
    ]
    assert "<td>103,7</td>\n        <td>5</td>" in dashboard
    assert "<td>te weinig gegevens</td>\n        <td>2</td>" in dashboard
