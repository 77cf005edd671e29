"""A manager compares the organisation's programs on one dashboard: each program's newest
snapshot, every number with its n, "te weinig gegevens" below the minimum, how many learners
need attention, and the organisation's own KPIs with their trend."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from coaching.attention import attention_list
from kpis import rollups
from kpis.choices import SubjectLevel
from kpis.models import EnrolmentSnapshot, ProgramSnapshot
from programs.choices import ProgramStatus
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    KPIFactory,
    MeasurementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
)
from werkplek.models import User

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 20)
EARLIER = DAY - datetime.timedelta(days=1)


def stored_kpis(**changes):
    kpis = {
        "time_to_independence": {
            "enough": True,
            "n": 12,
            "events": 9,
            "median": 31,
            "quartile_low": 24,
            "quartile_high": 40,
            "curve": [[0, 1.0], [31, 0.5]],
        },
        "feedback_rhythm_kept": {"enough": True, "value": 0.83, "n": 11},
        "reflection_completion": {"enough": False, "minimum": 5},
        "goals_at_level_by_target_week": {"enough": True, "value": 0.5, "n": 10},
        "sign_off_coverage": {"enough": True, "value": 0.9, "n": 12},
    }
    kpis.update(changes)
    return kpis


def program_snapshot(program, day=DAY, **kpi_changes):
    return ProgramSnapshot.objects.create(
        program=program,
        day=day,
        enrolments=12,
        running=3,
        ended=9,
        independent=8,
        kpis=stored_kpis(**kpi_changes),
    )


def enrolment_snapshot(enrolment, day=DAY, reasons=()):
    return EnrolmentSnapshot.objects.create(
        day=day,
        enrolment=enrolment,
        cohort=enrolment.cohort,
        goals_independent=0,
        goals=1,
        sign_offs_done=0,
        sign_offs_required=0,
        feedback_moments=0,
        reflections_done=0,
        reflections_overdue=0,
        pace="on_track",
        attention_reasons=list(reasons),
    )


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def page(client, organization, **params):
    with translation.override("nl"):
        return client.get(reverse("kpis:organization-dashboard", args=[organization.slug]), params)


def flat(response) -> str:
    return " ".join(response.text.split())


def test_each_program_shows_its_newest_snapshot_with_n_and_its_target(
    signed_in, organization, program
):
    program_snapshot(program, day=EARLIER, time_to_independence={"enough": False, "minimum": 5})
    program_snapshot(program)
    text = flat(page(signed_in, organization))
    dashboard_url = reverse("kpis:dashboard", args=[program.pk])
    assert f'<a href="{dashboard_url}">Inwerken orderpicker</a>' in text
    assert "lopend 3<br>beëindigd 9<br>zelfstandig 8" in text
    # Median 31 days with quartiles and n, against 6 weeks planned (42 days).
    assert '<span class="fw-semibold">31</span> <span class="text-body-secondary">n = 12' in text
    assert "Kwartielen (dagen): 24 – 40" in text
    assert "streefwaarde 42 ·" in text and "binnen de streefwaarde" in text
    assert "83%<span" in text and "n = 11" in text
    assert "te weinig gegevens (minder dan 5)" in text  # reflections: too few learners
    assert "de nachtelijke berekening van 20 nov 2026" in text


def test_a_program_calculated_on_an_earlier_day_says_which(signed_in, organization, program):
    program_snapshot(program, day=EARLIER)
    program_snapshot(ProgramFactory(organization=organization, name="Inwerken expeditie"))
    text = flat(page(signed_in, organization))
    assert "de nachtelijke berekening van 20 nov 2026" in text
    assert text.count("berekend op 19 nov 2026") == 1


def test_each_table_offers_csv_and_xlsx_and_the_page_one_workbook(signed_in, organization, program):
    program_snapshot(program)
    text = page(signed_in, organization).text
    assert '<a href="?format=csv&amp;section=programs">Downloaden als CSV</a>' in text
    assert '<a href="?format=xlsx&amp;section=programs">Downloaden als XLSX</a>' in text
    assert '<a href="?format=xlsx">Alle tabellen downloaden als één XLSX-werkmap</a>' in text


def test_below_the_minimum_time_to_independence_shows_no_number(signed_in, organization, program):
    program_snapshot(
        program,
        time_to_independence={"enough": False, "minimum": 5},
        feedback_rhythm_kept={"enough": False, "minimum": 5},
    )
    response = page(signed_in, organization)
    text = flat(response)
    assert text.count("te weinig gegevens (minder dan 5)") == 3
    assert '<span class="fw-semibold">' not in text  # no median
    assert "Kwartielen" not in text and "n = 11" not in text
    labels = response.context["chart_data"]["programs"]["labels"]
    assert labels == ["Inwerken orderpicker (te weinig gegevens)"]
    assert response.context["chart_data"]["programs"]["median"] == [None]


def test_a_program_over_its_target_says_so(signed_in, organization, program):
    program_snapshot(
        program, time_to_independence={**stored_kpis()["time_to_independence"], "median": 50}
    )
    assert "boven de streefwaarde" in page(signed_in, organization).text


def test_a_program_without_a_snapshot_waits_for_the_nightly_run(signed_in, organization, program):
    text = flat(page(signed_in, organization))
    assert "Inwerken orderpicker" in text
    assert "Nog geen gegevens; de nachtelijke berekening vult dit." in text


def test_archived_programs_and_other_organisations_programs_are_left_out(
    signed_in, organization, program, other_organization
):
    ProgramFactory(organization=organization, name="Oud programma", status=ProgramStatus.ARCHIVED)
    ProgramFactory(organization=other_organization, name="Zorg inwerken")
    text = page(signed_in, organization).text
    assert "Inwerken orderpicker" in text
    assert "Oud programma" not in text
    assert "Zorg inwerken" not in text


def test_needs_attention_counts_running_learners_by_their_newest_snapshot(
    signed_in, organization, program, cohort
):
    program_snapshot(program)
    now_behind = EnrolmentFactory(cohort=cohort)
    enrolment_snapshot(now_behind, day=EARLIER)
    enrolment_snapshot(now_behind, reasons=["behind"])
    caught_up = EnrolmentFactory(cohort=cohort)
    enrolment_snapshot(caught_up, day=EARLIER, reasons=["feedback_overdue"])
    enrolment_snapshot(caught_up)
    not_rolled_up_today = EnrolmentFactory(cohort=cohort)
    enrolment_snapshot(not_rolled_up_today, day=EARLIER, reasons=["no_coach"])
    ended = EnrolmentFactory(cohort=cohort, ended_on=DAY, end_reason="left")
    enrolment_snapshot(ended, reasons=["behind"])
    response = page(signed_in, organization)
    assert response.context["dashboard"].programs[0].attention == 2


def test_the_attention_count_equals_the_attention_list_after_a_roll_up(
    signed_in, organization, program, cohort, manager
):
    for _index in range(3):
        EnrolmentFactory(cohort=cohort)  # no coach: each needs attention
    today = timezone.localdate()
    rollups.rollup_all(on=today)
    row = page(signed_in, organization).context["dashboard"].programs[0]
    assert row.attention == len(attention_list(manager, on=today)) == 3


def test_the_organisations_own_and_team_kpis_show_their_trend(
    signed_in, organization, program, manager
):
    common = {"organization": organization, "created_by": manager}
    own = KPIFactory(
        name="Verzuim (%)",
        subject_level=SubjectLevel.ORGANIZATION,
        baseline_value=Decimal("6"),
        baseline_on=datetime.date(2026, 1, 1),
        decimals=1,
        **common,
    )
    KPIFactory(name="Fouten per team", subject_level=SubjectLevel.TEAM, **common)
    KPIFactory(name="Orderregels per uur", subject_level=SubjectLevel.LEARNER, **common)
    KPIFactory(name="Programma-KPI", program=program, subject_level=SubjectLevel.PROGRAM, **common)
    MeasurementFactory(kpi=own, period_start=datetime.date(2026, 9, 1), value=Decimal("5.5"))
    rollups.rollup_kpis(kpi_ids=[own.pk], on=datetime.date(2026, 11, 20))
    response = page(signed_in, organization)
    names = [trend["kpi"].name for trend in response.context["dashboard"].kpis]
    assert names == ["Fouten per team", "Verzuim (%)"]
    assert f'id="chart-kpi-{own.pk}"' in response.text
    assert "Nulmeting: 6,0" in flat(response)
    kpi_chart = response.context["chart_data"]["kpis"][1]
    assert kpi_chart["values"] == [5.5] and kpi_chart["baseline"] == 6.0
    assert kpi_chart["n"] == [1]  # the tooltip names each value's n, as on the KPI's page


def test_the_chart_reads_the_tables_numbers_from_json(signed_in, organization, program):
    program_snapshot(program)
    response = page(signed_in, organization)
    data = response.context["chart_data"]
    assert data["programs"]["labels"] == ["Inwerken orderpicker (n = 12)"]
    assert data["programs"]["median"] == [31]
    assert data["programs"]["target"] == [42]
    embedded = response.text.split('id="dashboard-data" type="application/json">')[1]
    assert json.loads(embedded.split("</script>")[0]) == json.loads(json.dumps(data))
    assert "<script>" not in response.text


def test_a_manager_of_two_organisations_picks_one_and_cannot_open_a_third(client):
    first = OrganizationFactory(name="Aa Logistiek", slug="aa-logistiek")
    second = OrganizationFactory(name="Bb Zorg", slug="bb-zorg")
    third = OrganizationFactory(name="Cc Bouw", slug="cc-bouw")
    person = MembershipFactory(organization=first, is_manager=True, is_learner=False).user
    MembershipFactory(user=person, organization=second, is_manager=True, is_learner=False)
    ProgramFactory(organization=second, name="Zorg inwerken")
    ProgramFactory(organization=first, name="Orders verzamelen")
    client.force_login(person)
    response = page(client, second)
    assert "Zorg inwerken" in response.text and "Orders verzamelen" not in response.text
    picker = reverse("kpis:organization-dashboard", args=["aa-logistiek"])
    assert f'href="{picker}">Aa Logistiek</a>' in response.text
    # The navigation's dashboard link leads to the first of their organisations (not this page).
    assert f'aria-current="page" href="{picker}">Dashboard</a>' not in response.text
    assert f'href="{picker}">Dashboard</a>' in response.text
    assert page(client, third).status_code == 404


def test_the_program_dashboard_links_to_the_organisation_dashboard(
    signed_in, organization, program
):
    response = signed_in.get(reverse("kpis:dashboard", args=[program.pk]))
    assert reverse("kpis:organization-dashboard", args=[organization.slug]) in response.text


def add_programs(organization, manager, count):
    """`count` programs with a snapshot and a learner who needs attention."""
    start = ProgramSnapshot.objects.count()
    for index in range(start, start + count):
        program = ProgramFactory(organization=organization, owner=manager, name=f"P {index:03}")
        program_snapshot(program)
        enrolment_snapshot(
            EnrolmentFactory(cohort=CohortFactory(program=program)), reasons=["behind"]
        )


def queries(client, organization, **params):
    with CaptureQueriesContext(connection) as captured:
        response = page(client, organization, **params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"format": "xlsx"}], ids=["page", "export"])
def test_the_query_count_is_the_same_for_1_and_50_programs(
    signed_in, organization, manager, django_assert_num_queries, params
):
    KPIFactory(organization=organization, created_by=manager, subject_level="organization")
    add_programs(organization, manager, 1)
    one = queries(signed_in, organization, **params)
    add_programs(organization, manager, 49)
    with django_assert_num_queries(one):
        page(signed_in, organization, **params)


def test_the_page_lists_25_programs_and_pages_on(signed_in, organization, manager):
    add_programs(organization, manager, 60)
    response = page(signed_in, organization)
    assert [row.attention for row in response.context["dashboard"].programs] == [1] * 25
    assert "60 programma's" in response.text
    assert "Pagina 1 van 3" in response.text
    assert len(response.content) < 120_000


def test_the_demo_organisation_dashboard_compares_its_programs_and_shows_its_own_kpi(client):
    call_command("seed_demo", stdout=io.StringIO())
    manager = User.objects.get(email="manager@demo.werkplek.nl")
    client.force_login(manager)
    response = page(client, manager.managed_organizations[0])
    dashboard = response.context["dashboard"]
    assert [row.program.name for row in dashboard.programs] == [
        "Inwerken expeditiemedewerker",
        "Inwerken orderpicker",
    ]
    picker = dashboard.programs[1]
    assert picker.snapshot is not None and picker.time_to_independence["enough"]
    assert picker.attention == len(attention_list(manager, on=timezone.localdate()))
    assert [trend["kpi"].name for trend in dashboard.kpis] == ["orderregels per uur"]
    # Measured weekly for 26 weeks; the trend keeps the newest 24.
    assert len(dashboard.kpis[0]["periods"]) == rollups.TREND_PERIODS
