"""A manager reads a program's dashboard: the nightly snapshots and the KPIs' measurements,
every number with its n, "te weinig gegevens" below the minimum, and each table as CSV."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kpis import rollups
from kpis.choices import SubjectLevel
from kpis.models import CohortSnapshot, ProgramSnapshot
from tests.factories import (
    CohortFactory,
    KPIFactory,
    LearningGoalFactory,
    MeasurementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)
SURVIVAL = {
    "enough": True,
    "n": 12,
    "events": 9,
    "median": 31,
    "quartile_low": 24,
    "quartile_high": 40,
    "curve": [[0, 1.0], [24, 0.75], [31, 0.5], [40, 0.25]],
}


def stored_kpis():
    return {
        "time_to_independence": SURVIVAL,
        "time_to_independence_pilot": {"enough": False, "minimum": 5},
        "time_to_independence_later": {**SURVIVAL, "n": 7, "median": 28, "quartile_high": None},
        "feedback_rhythm_kept": {"enough": True, "value": 0.83, "n": 11},
        "reflection_completion": {"enough": False, "minimum": 5},
        "goals_at_level_by_target_week": {"enough": True, "value": 0.5, "n": 10},
        "sign_off_coverage": {"enough": True, "value": 0.9, "n": 12},
    }


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def goal(program):
    return LearningGoalFactory(program=program, title="Orders verzamelen")


@pytest.fixture
def snapshot(program, cohort, goal):
    levels = {str(goal.pk): {"0": 1, "1": 2, "2": 3, "3": 4, "4": 2}}
    fields = dict(levels=levels, enrolments=12, running=3, ended=9, independent=8)
    CohortSnapshot.objects.create(cohort=cohort, day=DAY, kpis=stored_kpis(), **fields)
    return ProgramSnapshot.objects.create(program=program, day=DAY, kpis=stored_kpis(), **fields)


def page(client, program, **params):
    with translation.override("nl"):
        return client.get(reverse("kpis:dashboard", args=[program.pk]), params)


def export(client, program, section):
    response = page(client, program, format="csv", section=section)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_without_a_snapshot_the_dashboard_says_the_nightly_run_fills_it(signed_in, program):
    response = page(signed_in, program)
    assert response.status_code == 200
    assert "Nog geen gegevens; de nachtelijke berekening vult dit." in response.text
    assert 'id="dashboard-data"' not in response.text


def test_the_manager_sees_the_built_in_kpis_with_n_and_too_little_data_below_5(
    signed_in, program, snapshot
):
    text = " ".join(page(signed_in, program).text.split())
    assert "<td>83</td><td>11</td>" in text  # feedback rhythm 83 % over 11 learners
    assert "<td>31</td><td>24 – 40</td><td>12</td>" in text  # median, quartiles, n
    # Fewer than a quarter still in the program: the upper quartile is not reached yet.
    assert "<td>28</td><td>24 – nog niet bereikt</td><td>7</td>" in text
    assert text.count("te weinig gegevens (minder dan 5)") == 2  # pilot curve, reflections


def test_the_levels_table_counts_learners_per_level_per_goal_with_n(
    signed_in, program, snapshot, goal
):
    text = " ".join(page(signed_in, program).text.split())
    assert (
        '<th scope="row">Orders verzamelen</th>'
        "<td>1</td><td>2</td><td>3</td><td>4</td><td>2</td><td>12</td>" in text
    )


def test_the_charts_read_the_same_numbers_from_json_not_inline_script(signed_in, program, snapshot):
    response = page(signed_in, program)
    data = response.context["chart_data"]
    assert [series["data"] for series in data["levels"]["series"]] == [[1], [2], [3], [4], [2]]
    assert data["survival"]["target"] == program.duration_weeks * 7
    assert [curve["label"] for curve in data["survival"]["curves"]] == [
        "alle groepen (n = 12)",
        "latere groepen (n = 7)",
    ]
    assert json.loads(
        response.text.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0]
    ) == json.loads(json.dumps(data))
    assert "<script>" not in response.text


def test_a_learner_level_kpi_shows_no_value_for_a_period_with_fewer_than_5_people(
    signed_in, program, organization, manager
):
    kpi = KPIFactory(
        organization=organization,
        program=program,
        created_by=manager,
        name="Orderregels per uur",
        subject_level=SubjectLevel.LEARNER,
        baseline_value=Decimal("40"),
        baseline_on=datetime.date(2026, 8, 1),
        target_value=Decimal("55"),
        target_on=datetime.date(2027, 3, 1),
        decimals=1,
    )
    for index in range(5):
        MeasurementFactory(
            kpi=kpi,
            learner=UserFactory(),
            period_start=datetime.date(2026, 9, 1),
            value=Decimal(40 + index),
        )
    for index in range(2):
        MeasurementFactory(
            kpi=kpi,
            learner=UserFactory(),
            period_start=datetime.date(2026, 10, 1),
            value=Decimal(60 + index),
        )
    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=DAY)
    rows = export(signed_in, program, "kpis")
    assert rows[1] == ["Orderregels per uur", "2026-09-01", "42.0", "5", "40.0000", "55.0000"]
    assert rows[2][:4] == ["Orderregels per uur", "2026-10-01", "te weinig gegevens", "2"]
    assert "60.5" not in page(signed_in, program).text


def test_the_csv_exports_hold_the_tables_numbers(signed_in, program, snapshot, goal):
    assert export(signed_in, program, "levels")[1] == [
        "Orders verzamelen",
        "1",
        "2",
        "3",
        "4",
        "2",
        "12",
    ]
    builtin = export(signed_in, program, "builtin")
    assert ["Feedbackritme gehouden (%)", "83", "11"] in builtin
    assert ["Reflecties ingeleverd (%)", "te weinig gegevens", ""] in builtin
    survival = export(signed_in, program, "survival")
    assert ["alle groepen", "31", "0.5", "12"] in survival
    assert not [row for row in survival if row[0] == "pilotgroep"]


def test_an_unknown_csv_section_is_not_found(signed_in, program, snapshot):
    assert page(signed_in, program, format="csv", section="feedback").status_code == 404


def test_a_group_start_is_a_dated_program_change(signed_in, program, snapshot, cohort):
    response = page(signed_in, program)
    assert response.context["chart_data"]["markers"][0]["day"] == cohort.starts_on.isoformat()
    assert f"Groep {cohort.name} gestart" in response.text


def test_the_program_page_links_managers_to_the_dashboard(signed_in, program):
    response = signed_in.get(program.get_absolute_url())
    assert reverse("kpis:dashboard", args=[program.pk]) in response.text


def test_a_coach_of_the_program_gets_404(client, program, enrolment, coach, snapshot):
    client.force_login(coach)
    assert page(client, program).status_code == 404
    assert page(client, program, format="csv", section="builtin").status_code == 404


def _queries(client, program):
    with CaptureQueriesContext(connection) as queries:
        assert page(client, program).status_code == 200
    return len(queries)


def test_the_query_count_is_the_same_for_1_group_and_50_groups(
    signed_in, program, snapshot, organization, manager
):
    KPIFactory(organization=organization, program=program, created_by=manager)
    one = _queries(signed_in, program)
    for index in range(49):
        group = CohortFactory(program=program, name=f"Groep {index}")
        CohortSnapshot.objects.create(
            cohort=group, day=DAY, enrolments=0, running=0, ended=0, independent=0
        )
    assert _queries(signed_in, program) == one


def test_the_page_stays_bounded_with_many_groups_and_kpis(
    signed_in, program, snapshot, organization, manager
):
    for index in range(80):
        CohortFactory(program=program, name=f"Groep {index}")
        KPIFactory(organization=organization, program=program, created_by=manager)
    response = page(signed_in, program)
    assert len(response.context["dashboard"].groups) == 50
    assert len(response.context["dashboard"].kpis) == 50
    assert len(response.content) < 400_000
