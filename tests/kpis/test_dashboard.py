"""A manager reads a program's dashboard: the nightly snapshots and the KPIs' measurements,
every number with its n, "te weinig gegevens" below the minimum, and each table as CSV."""

import csv
import datetime
import io
import json
from decimal import Decimal

import openpyxl
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
    EnrolmentFactory,
    KPIFactory,
    LearningGoalFactory,
    MeasurementFactory,
    MembershipFactory,
    ProgramFactory,
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
    # No levels or survival chart without numbers; the KPI charts' data stays for their trends.
    assert 'id="chart-levels"' not in response.text
    assert 'id="chart-survival"' not in response.text


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


def test_levels_over_fewer_than_5_learners_show_no_counts_in_the_table_chart_or_export(
    signed_in, program, snapshot, goal
):
    snapshot.levels = {str(goal.pk): {"0": 1, "3": 3}}
    snapshot.save(update_fields=["levels"])

    response = page(signed_in, program)

    text = " ".join(response.text.split())
    assert (
        '<th scope="row">Orders verzamelen</th>'
        '<td colspan="5">te weinig gegevens (minder dan 5)</td><td>4</td>' in text
    )
    levels = response.context["chart_data"]["levels"]
    assert levels["labels"] == ["Orders verzamelen (te weinig gegevens)"]
    assert [series["data"] for series in levels["series"]] == [[None]] * 5
    assert export(signed_in, program, "levels")[1] == [
        "Orders verzamelen",
        "te weinig gegevens",
        "",
        "",
        "",
        "",
        "4",
    ]


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
    assert f"Groep «{cohort.name}» gestart" in response.text


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
    assert len(response.context["dashboard"].markers) == 10
    assert len(response.context["dashboard"].kpis) == 3
    assert "KPI's 1–3 van 80" in response.content.decode()
    assert len(response.content) < 60_000


def program_of(size: int, manager):
    """A program in an organisation of its own, with `size` groups a day apart and `size`
    learner-level KPIs with a baseline, each measured monthly for a year; rolled up."""
    organization = manager.memberships.get().organization
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken")
    for index in range(size):
        CohortFactory(
            program=program, name=f"Groep {index:02}", starts_on=PILOT + DAY_AFTER * index
        )
    learner = EnrolmentFactory(cohort=program.cohorts.first()).learner
    kpis = KPIFactory.create_batch(
        size,
        organization=organization,
        program=program,
        created_by=manager,
        subject_level=SubjectLevel.LEARNER,
        baseline_value=Decimal("40"),
        baseline_on=PILOT - WEEK * 10,
    )
    for kpi in kpis:
        for month in range(1, 13):
            MeasurementFactory(
                kpi=kpi, learner=learner, period_start=datetime.date(2026, month, 1), value=45
            )
    rollups.rollup_all(on=DAY)
    return program


def test_the_page_is_as_large_and_as_many_queries_for_40_groups_and_kpis_as_for_10(client):
    figures = []
    for size in (10, 40):
        manager = MembershipFactory(is_manager=True, is_learner=False).user
        program = program_of(size, manager)
        client.force_login(manager)
        page(client, program)
        with CaptureQueriesContext(connection) as queries:
            response = page(client, program)
        figures.append((len(queries), len(response.content)))
        dashboard = response.context["dashboard"]
        assert [len(trend["impact"]["rows"]) for trend in dashboard.kpis] == [6, 6, 6]
        assert "nieuwste groepen; %s oudere groepen staan in de download" % (size - 6) in (
            response.content.decode()
        )
        # The download holds every KPI and group, not only the page's.
        assert len({row[0] for row in export(client, program, "kpis")[1:]}) == size
        assert len({row[1] for row in export(client, program, "impact")[1:]}) == size
    (small_queries, small_html), (large_queries, large_html) = figures
    assert small_queries == large_queries
    assert small_html <= large_html <= small_html * 1.01, figures


# --- Impact -------------------------------------------------------------------------------


def impact_world(program, organization, manager, later_size):
    """A learner-level KPI (baseline 40) with five pilot learners at 44–48 and `later_size`
    learners of a later group at 50 and up, each measured after their start, and an
    organisation-level KPI measured weekly (lower is better): five weeks before the pilot at
    40 and 41, then five weeks at 34 and 35."""
    pilot = CohortFactory(program=program, name="Eerste pilot", starts_on=PILOT, is_pilot=True)
    later = CohortFactory(program=program, name="Groep 2", starts_on=PILOT + WEEK * 4)
    kpi = KPIFactory(
        organization=organization,
        program=program,
        created_by=manager,
        name="Orderregels per uur",
        subject_level=SubjectLevel.LEARNER,
        baseline_value=Decimal("40"),
        baseline_on=PILOT - WEEK * 10,
    )
    for cohort, values in [(pilot, range(44, 49)), (later, range(50, 50 + later_size))]:
        for value in values:
            learner = EnrolmentFactory(cohort=cohort).learner
            period = cohort.starts_on + WEEK  # measured after the start
            MeasurementFactory(kpi=kpi, learner=learner, period_start=period, value=value)
    weekly = KPIFactory(
        organization=organization,
        program=program,
        created_by=manager,
        name="Foutloze orders",
        direction="lower",
        cadence="week",
        baseline_value=Decimal("40"),
        baseline_on=PILOT - WEEK * 10,
    )
    for week in range(-5, 5):
        value = (34 if week >= 0 else 40) + week % 2  # after the start: 34 and 35 in turn
        MeasurementFactory(kpi=weekly, period_start=PILOT + WEEK * week, value=value)
    rollups.rollup_kpis(kpi_ids=[kpi.pk, weekly.pk], on=DAY)
    return kpi


PILOT = datetime.date(2026, 8, 3)  # a Monday
WEEK = datetime.timedelta(weeks=1)
DAY_AFTER = datetime.timedelta(days=1)


def test_impact_shows_too_little_data_below_5_and_intervals_from_5_people(
    signed_in, program, organization, manager
):
    impact_world(program, organization, manager, later_size=3)
    text = " ".join(page(signed_in, program).text.split())
    section = text.split('id="impact-heading"')[1].split('id="changes-heading"')[0]
    # The pilot's five learners: mean 46 against 40, Student's t interval over n = 5.
    assert "6,0 (4,0 tot 8,0)<br>" in section
    assert "beter, meer dan toeval" in section
    # The later group's three learners: no number at all, only the minimum.
    later = section.split("Groep 2")[1].split("</tr>")[0]
    assert "te weinig gegevens (minder dan 5)" in later
    assert "51" not in later and "3</td>" not in later
    # Before against after: five weeks at 34/35 against five at 40/41, counted in periods.
    assert "sinds de start van de eerste groep" in section
    assert "n telt perioden, geen mensen" in section
    assert "−5,6 (−6,3 tot −4,9)" in section  # 34,4 − 40 over five periods
    assert "perioden vóór het programma" in section


def test_the_later_group_is_compared_with_the_pilot_once_both_have_5_people(
    signed_in, program, organization, manager
):
    impact_world(program, organization, manager, later_size=5)
    text = " ".join(page(signed_in, program).text.split())
    section = text.split('id="impact-heading"')[1]
    later = section.split("Groep 2")[1].split("</tr>")[0]
    assert "12,0 (10,0 tot 14,0)" in later  # mean 52 against the baseline 40
    rows = export(signed_in, program, "impact")
    assert rows[0][:4] == ["KPI", "Groep", "Vergeleken met", "Schatting"]
    # Welch: 52 − 46 with both n; the verdict in words.
    assert [
        "Orderregels per uur",
        "Groep 2",
        "eerdere groepen",
        "6.0",
        "3.7",
        "8.3",
        "5",
        "5",
        "beter, meer dan toeval",
    ] in rows


def test_the_impact_export_says_too_little_data_without_a_number(
    signed_in, program, organization, manager
):
    impact_world(program, organization, manager, later_size=2)
    rows = export(signed_in, program, "impact")
    later = [row for row in rows if row[1] == "Groep 2"]
    assert later == [
        ["Orderregels per uur", "Groep 2", "nulmeting", "te weinig gegevens", "", "", "", "", ""],
        [
            "Orderregels per uur",
            "Groep 2",
            "eerdere groepen",
            "te weinig gegevens",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_the_query_count_is_the_same_for_few_and_many_kpis_with_snapshots(
    signed_in, program, snapshot, organization, manager
):
    impact_world(program, organization, manager, later_size=5)
    few = _queries(signed_in, program)
    for index in range(30):
        kpi = KPIFactory(
            organization=organization,
            program=program,
            created_by=manager,
            baseline_value=Decimal("70"),
            baseline_on=PILOT - WEEK * 10,
        )
        for month in range(1, 11):
            MeasurementFactory(
                kpi=kpi, period_start=datetime.date(2026, month, 1), value=70 + index
            )
        CohortFactory(program=program, name=f"Later {index}", starts_on=PILOT + WEEK * index)
    rollups.rollup_all(on=DAY)
    response = page(signed_in, program)
    assert response.context["dashboard"].kpi_page.paginator.count == 32
    assert len(response.context["impact_trends"]) == 3
    assert _queries(signed_in, program) == few


def test_the_impact_sheet_holds_numbers_that_can_be_summed(
    signed_in, program, organization, manager
):
    impact_world(program, organization, manager, later_size=5)
    response = page(signed_in, program, format="xlsx", section="impact")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert ["Orderregels per uur", "Eerste pilot", "nulmeting", 6.0, 4.0, 8.0, 5, None] in [
        row[:8] for row in rows
    ]


def test_a_kpi_page_number_out_of_range_or_not_a_number_shows_a_page_of_kpis(
    signed_in, program, snapshot, organization, manager
):
    for index in range(5):
        KPIFactory(organization=organization, program=program, name=f"KPI {index}")
    assert "KPI's 4–5 van 5" in page(signed_in, program, kpis="99").content.decode()
    assert "KPI's 1–3 van 5" in page(signed_in, program, kpis="twee").content.decode()
