"""An intruder's input to the KPI pages: forms that name another organisation's objects, names
made to break out of the HTML, the chart data and the exports, and files made to hurt the
import. Each case is what a manager of one organisation can send."""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kpis import rollups
from kpis.choices import SubjectLevel
from kpis.models import KPI, Measurement
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    KPIFactory,
    LearningGoalFactory,
    MeasurementFactory,
    MembershipFactory,
    ProgramFactory,
)
from tests.programs import spreadsheets

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://x")<script>alert(1)</script>"\'\n\u202e'


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def kpi_fields(**fields):
    return {
        "name": "Orderfouten",
        "unit": "fouten",
        "direction": "lower",
        "decimals": "1",
        "subject_level": "organization",
        "cadence": "month",
        **fields,
    }


def test_a_new_kpi_cannot_be_put_in_another_organisation_or_its_program(
    signed_in, organization, other_organization
):
    foreign_program = ProgramFactory(organization=other_organization)
    # The organisation of a manager of one is fixed: the posted one is ignored.
    signed_in.post(reverse("kpis:create"), kpi_fields(organization=other_organization.pk))
    signed_in.post(reverse("kpis:create"), kpi_fields(program=foreign_program.pk, name="X"))

    assert list(KPI.objects.values_list("organization", "program")) == [(organization.pk, None)]


def test_an_edit_cannot_move_a_kpi_to_another_organisations_program(
    signed_in, organization, other_organization
):
    kpi = KPIFactory(organization=organization)
    foreign_program = ProgramFactory(organization=other_organization)
    url = reverse("kpis:update", args=[kpi.pk])
    signed_in.post(url, kpi_fields(program=foreign_program.pk, organization=other_organization.pk))

    kpi.refresh_from_db()
    assert (kpi.organization, kpi.program) == (organization, None)


def test_a_value_cannot_be_recorded_for_another_organisations_person_or_group(
    signed_in, organization, other_organization
):
    stranger = MembershipFactory(organization=other_organization, user__email="x@elders.nl")
    foreign_cohort = CohortFactory(program=ProgramFactory(organization=other_organization))
    per_learner = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    per_group = KPIFactory(organization=organization, subject_level=SubjectLevel.GROUP)
    today = timezone.localdate().isoformat()

    answers = [
        signed_in.post(
            reverse("kpis:measurement-create", args=[per_learner.pk]),
            {"learner": stranger.user.email, "period": today, "value": "5"},
        ),
        signed_in.post(
            reverse("kpis:measurement-create", args=[per_group.pk]),
            {"cohort": foreign_cohort.pk, "period": today, "value": "5"},
        ),
    ]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert not Measurement.objects.exists()


@pytest.fixture
def hostile_program(organization, manager, learner):
    """A program, goal, group and KPIs whose names try to break out of HTML, JSON and
    spreadsheets, with enough learners and values for every table to show them."""
    today = timezone.localdate()
    program = ProgramFactory(organization=organization, owner=manager, name=f"P {HOSTILE}")
    LearningGoalFactory(program=program, title=f"G {HOSTILE}")
    cohort = CohortFactory(
        program=program, name=f"C {HOSTILE}", starts_on=today - datetime.timedelta(days=60)
    )
    kpi = KPIFactory(
        organization=organization,
        program=program,
        name=f"K {HOSTILE}",
        unit="u <i>\"'",
        subject_level=SubjectLevel.LEARNER,
        baseline_value=Decimal("10"),
        baseline_on=today - datetime.timedelta(days=300),
    )
    team_kpi = KPIFactory(
        organization=organization, name=f"T {HOSTILE}", subject_level=SubjectLevel.TEAM
    )
    people = [learner] + [MembershipFactory(organization=organization).user for _ in range(5)]
    for index, person in enumerate(people):
        EnrolmentFactory(cohort=cohort, learner=person)
        MeasurementFactory(
            kpi=kpi,
            learner=person,
            value=Decimal(11 + index),
            period_start=today.replace(day=1),
        )
    MeasurementFactory(kpi=team_kpi, team="Orderpicking", period_start=today.replace(day=1))
    rollups.rollup_all(on=today)
    return program


def test_hostile_names_are_escaped_in_every_dashboard_and_page(
    signed_in, hostile_program, organization
):
    kpi = KPI.objects.get(program=hostile_program)
    pages = [
        reverse("kpis:dashboard", args=[hostile_program.pk]),
        reverse("kpis:organization-dashboard", args=[organization.slug]),
        reverse("kpis:list"),
        reverse("kpis:detail", args=[kpi.pk]),
        reverse("kpis:update", args=[kpi.pk]),
        reverse("kpis:measurement-import", args=[kpi.pk]),
    ]
    for url in pages:
        body = signed_in.get(url).content.decode()
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert(1)" in body or "\\u003Cscript\\u003E" in body, url


def test_the_chart_data_cannot_close_its_script_element(signed_in, hostile_program):
    body = signed_in.get(reverse("kpis:dashboard", args=[hostile_program.pk])).content.decode()
    start = body.index('id="dashboard-data"')
    data = body[start : body.index("</script>", start)]

    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in data
    assert "<" not in data.split(">", 1)[1]


def _csv_cells(response) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]


def test_no_exported_cell_starts_a_formula(signed_in, hostile_program, organization):
    answers = [
        signed_in.get(
            reverse("kpis:dashboard", args=[hostile_program.pk]), {"format": "csv", "section": s}
        )
        for s in ("levels", "builtin", "kpis", "impact", "survival")
    ]
    answers.append(
        signed_in.get(
            reverse("kpis:organization-dashboard", args=[organization.slug]),
            {"format": "csv", "section": "kpis"},
        )
    )
    cells = [cell for answer in answers for cell in _csv_cells(answer)]
    assert any(HOSTILE[1:] in cell for cell in cells)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    book = signed_in.get(
        reverse("kpis:dashboard", args=[hostile_program.pk]), {"format": "xlsx"}
    ).content
    workbook = openpyxl.load_workbook(io.BytesIO(book))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.xlsx", spreadsheets.xlsx_bomb()),
        ("leeg.csv", b""),
        ("utf16.csv", "E-mailadres;Periode;Waarde\n".encode("utf-16")),
        ("nul.csv", b"E-mailadres;Periode;Waarde\n\x00\x00\x00;\x00;1\n"),
        ("onzin.xlsx", b"PK\x03\x04" + b"\x00" * 200),
        ("onzin.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200),
        ("plaatje.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10),
    ],
)
def test_a_hostile_file_gets_a_translated_message_and_records_nothing(
    signed_in, organization, name, content
):
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    response = signed_in.post(
        reverse("kpis:measurement-import", args=[kpi.pk]),
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT_LANGUAGE="nl",
    )

    assert response.status_code in (200, 413)
    form = response.context["form"]
    assert form.errors or response.context["refusal"] or response.context["rows"]
    assert not Measurement.objects.exists()
    if form.errors:
        message = str(form.errors["file"][0])
        assert message and "Traceback" not in message


def test_a_file_over_the_limit_is_refused_before_it_is_read(signed_in, organization):
    kpi = KPIFactory(organization=organization)
    big = SimpleUploadedFile("groot.csv", b"a;b;c\n" * (3 * 2**20 // 6 + 1))
    response = signed_in.post(reverse("kpis:measurement-import", args=[kpi.pk]), {"file": big})

    assert response.status_code == 413
    assert response.context["refusal"]


def test_the_learner_sees_only_their_own_values_on_their_progress_page(
    client, hostile_program, learner
):
    kpi = KPI.objects.get(program=hostile_program)
    others = Measurement.objects.filter(kpi=kpi).exclude(learner=learner)
    client.force_login(learner)

    response = client.get(
        reverse("coaching:progress", args=[learner.enrolments.get().pk]),
        HTTP_ACCEPT_LANGUAGE="nl",
    )

    body = response.content.decode()
    assert "<strong>11,0 u " in body  # their own value, with the unit escaped after it
    for other in others:
        assert f"{other.value:.1f}".replace(".", ",") not in body


def test_a_manager_of_two_cannot_tie_a_kpi_to_the_other_organisations_program(
    client, organization, other_organization, manager
):
    MembershipFactory(
        organization=other_organization, user=manager, is_manager=True, is_learner=False
    )
    foreign_program = ProgramFactory(organization=other_organization)
    client.force_login(manager)
    response = client.post(
        reverse("kpis:create"),
        kpi_fields(organization=organization.pk, program=foreign_program.pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["program"]
    assert not KPI.objects.exists()


def test_exports_hold_no_number_of_a_group_below_the_minimum(signed_in, organization, manager):
    """Five learners in the program, two outside it, four values in the newest period: the
    group's change is shown, the comparison with the two outside and the thin period not.
    The program, group and KPI are named here: the factories number their names, and late in
    a long run "Groep 778" would read as one of the values looked for."""
    today = timezone.localdate()
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken")
    cohort = CohortFactory(
        program=program, name="Pilot", starts_on=today - datetime.timedelta(days=400)
    )
    kpi = KPIFactory(
        organization=organization,
        program=program,
        name="Fouten per order",
        subject_level=SubjectLevel.LEARNER,
        baseline_value=Decimal("10"),
        baseline_on=today - datetime.timedelta(days=500),
    )
    inside = [MembershipFactory(organization=organization).user for _ in range(5)]
    outside = [MembershipFactory(organization=organization).user for _ in range(2)]
    earlier = today.replace(day=1) - datetime.timedelta(days=40)
    for index, person in enumerate(inside):
        EnrolmentFactory(cohort=cohort, learner=person)
        MeasurementFactory(
            kpi=kpi, learner=person, value=Decimal(20 + index), period_start=earlier.replace(day=1)
        )
    for index, person in enumerate(outside + inside[:2]):
        MeasurementFactory(
            kpi=kpi, learner=person, value=Decimal(777 + index), period_start=today.replace(day=1)
        )
    rollups.rollup_all(on=today)
    url = reverse("kpis:dashboard", args=[program.pk])

    cells = [
        cell
        for section in ("kpis", "impact")
        for cell in _csv_cells(signed_in.get(url, {"format": "csv", "section": section}))
    ]
    book = signed_in.get(url, {"format": "xlsx"}).content
    # What the page says, without its tags: their links and tokens hold ids and random
    # digits, which are no measured values.
    page = re.sub(r"<[^>]*>", " ", signed_in.get(url).content.decode())

    # No mean, estimate or interval from the thin period or the two outside the program.
    for text in ("777", "778", "779", "780"):
        assert not any(text in cell for cell in cells)
        assert text not in page
    workbook = openpyxl.load_workbook(io.BytesIO(book))
    numbers = [
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float)
    ]
    assert not [number for number in numbers if 700 <= number <= 800]
    impact = list(
        csv.reader(
            io.StringIO(signed_in.get(url, {"format": "csv", "section": "impact"}).content.decode())
        )
    )
    against_outside = [row for row in impact if row[2] == "mensen in geen van de programma's"]
    assert against_outside
    assert [row[3:7] for row in against_outside] == [["te weinig gegevens", "", "", ""]]


def test_every_kpis_form_refuses_a_post_from_another_site(organization, manager):
    """The import view checks CSRF itself (it is exempt from the middleware to measure the
    upload first): a forged post records nothing there either."""
    from django.test import Client  # noqa: PLC0415 - only this test enforces CSRF

    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.ORGANIZATION)
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(manager)
    today = timezone.localdate().isoformat()
    posts = {
        reverse("kpis:create"): kpi_fields(),
        reverse("kpis:update", args=[kpi.pk]): kpi_fields(name="Vervalst"),
        reverse("kpis:measurement-create", args=[kpi.pk]): {"period": today, "value": "1"},
        reverse("kpis:measurement-import", args=[kpi.pk]): {
            "file": spreadsheets.csv(f"Periode;Waarde\n{today};1\n", name="m.csv")
        },
        reverse("kpis:measurement-import-confirm", args=[kpi.pk]): {"token": "x"},
    }
    for url, data in posts.items():
        assert forged.post(url, data).status_code == 403, url
    assert list(KPI.objects.values_list("name", flat=True)) == [kpi.name]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"learner": "anna\x00@example.nl", "period": "2026-10-01", "value": "1"},
        {"learner": "anna@example.nl", "period": "2026-10-01\x00", "value": "1\x00"},
    ],
)
def test_a_nul_character_in_a_measurement_is_a_form_error(signed_in, organization, data):
    """PostgreSQL refuses a NUL in any string it is sent, even to compare with."""
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.LEARNER)
    response = signed_in.post(reverse("kpis:measurement-create", args=[kpi.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Measurement.objects.exists()


def test_a_nul_character_in_a_kpi_name_or_query_is_no_error(signed_in, organization):
    kpi = KPIFactory(organization=organization)
    response = signed_in.post(reverse("kpis:create"), kpi_fields(name="Fout\x00en"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    for query in ({"page": "\x00"}, {"format": "csv\x00", "section": "kpis"}):
        assert signed_in.get(reverse("kpis:detail", args=[kpi.pk]), query).status_code in (
            200,
            404,
        )
    imported = signed_in.post(
        reverse("kpis:measurement-import", args=[kpi.pk]),
        {"file": spreadsheets.csv("Periode;Waarde\n2026-10-01\x00;1\x00\n", name="m.csv")},
    )
    assert imported.status_code == 200
    assert not Measurement.objects.exists()
