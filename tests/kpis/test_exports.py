"""Every dashboard table downloads as CSV and as XLSX from the same rows: numbers stay
numbers a spreadsheet can sum, names typed by users never become formulas, and one workbook
holds every table of a dashboard."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from kpis import rollups
from kpis.choices import SubjectLevel
from tests.factories import KPIFactory, LearningGoalFactory, MeasurementFactory, ProgramFactory
from tests.kpis.test_organization_dashboard import program_snapshot
from werkplek.lib import spreadsheet

pytestmark = pytest.mark.django_db

FORMULA_NAMES = ['=HYPERLINK("https://example.com","klik")', "+31 6 12345678", "@SUM(A1)", "-2+3"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def download(client, url, **params):
    with translation.override("nl"):
        return client.get(url, params)


def program_url(program):
    return reverse("kpis:dashboard", args=[program.pk])


def organization_url(organization):
    return reverse("kpis:organization-dashboard", args=[organization.slug])


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content))


def values(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def snapshot(program):
    return program_snapshot(program)


def test_a_sections_xlsx_holds_numbers_as_numbers_under_a_bold_frozen_header(
    signed_in, program, snapshot
):
    response = download(signed_in, program_url(program), format="xlsx", section="builtin")
    assert 'filename="dashboard-builtin.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Ingebouwde KPI's"]
    sheet = book.active
    assert values(sheet)[0] == ["KPI", "Waarde", "n"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    rows = values(sheet)
    assert ["Feedbackritme gehouden (%)", 83, 11] in rows
    assert ["Reflecties ingeleverd (%)", "te weinig gegevens", None] in rows
    numbers = [cell for cell in sheet["B"][1:] if cell.value != "te weinig gegevens"]
    assert numbers and all(cell.data_type == "n" for cell in numbers)
    # Wide enough for the longest name, not the default 8.43 characters.
    assert sheet.column_dimensions["A"].width >= len("Doelen op niveau 3 in hun streefweek (%)")


def test_without_a_section_one_workbook_has_a_sheet_per_table(signed_in, program, snapshot):
    response = download(signed_in, program_url(program), format="xlsx")
    assert 'filename="dashboard.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == [
        "Niveaus per leerdoel",
        "Tijd tot zelfstandigheid",
        "Ingebouwde KPI's",
        "KPI's",
        "Impact",
    ]
    assert values(book["Tijd tot zelfstandigheid"])[1] == ["alle groepen", 0, 1, 12]


def test_a_kpis_periods_are_dates_and_its_values_numbers(signed_in, program, organization, manager):
    kpi = KPIFactory(
        organization=organization,
        program=program,
        created_by=manager,
        name="Orderfouten",
        subject_level=SubjectLevel.PROGRAM,
        baseline_value=Decimal("4.5"),
        baseline_on=datetime.date(2026, 1, 1),
        decimals=1,
    )
    MeasurementFactory(
        kpi=kpi, program=program, period_start=datetime.date(2026, 9, 1), value=Decimal("3.2")
    )
    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=datetime.date(2026, 11, 20))
    book = workbook(download(signed_in, program_url(program), format="xlsx", section="kpis"))
    row = values(book.active)[1]
    assert row[1].date() == datetime.date(2026, 9, 1)
    assert row[:1] + row[2:] == [
        "Orderfouten",
        3.2,
        1,
        4.5,
        None,
    ]
    assert book.active["B2"].is_date


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_a_name_that_looks_like_a_formula_stays_text(signed_in, program, snapshot, name):
    LearningGoalFactory(program=program, title=name)
    snapshot.levels = {}
    snapshot.save()
    sheet = workbook(download(signed_in, program_url(program), format="xlsx", section="levels"))[
        "Niveaus per leerdoel"
    ]
    assert sheet["A2"].value == name
    assert sheet["A2"].data_type == "s"
    rows = csv_rows(download(signed_in, program_url(program), format="csv", section="levels"))
    assert rows[1][0] == "'" + name


def test_a_csv_keeps_ordinary_text_and_negative_numbers_as_they_are(
    signed_in, program, organization, manager
):
    kpi = KPIFactory(
        organization=organization,
        program=program,
        created_by=manager,
        name="Verschil in voorraad",
        subject_level=SubjectLevel.PROGRAM,
        decimals=0,
    )
    MeasurementFactory(
        kpi=kpi, program=program, period_start=datetime.date(2026, 9, 1), value=Decimal("-3")
    )
    rollups.rollup_kpis(kpi_ids=[kpi.pk], on=datetime.date(2026, 11, 20))
    rows = csv_rows(download(signed_in, program_url(program), format="csv", section="kpis"))
    assert rows[1][:4] == ["Verschil in voorraad", "2026-09-01", "-3", "1"]


@pytest.mark.parametrize(
    "params",
    [
        {"format": "xlsx", "section": "feedback"},
        {"format": "csv", "section": "feedback"},
        {"format": "csv"},
        {"format": "pdf", "section": "levels"},
    ],
)
def test_an_unknown_section_or_format_is_not_found(signed_in, program, organization, params):
    assert download(signed_in, program_url(program), **params).status_code == 404
    assert download(signed_in, organization_url(organization), **params).status_code == 404


def test_the_organisation_export_holds_every_program_with_numbers(
    signed_in, organization, manager, program, snapshot
):
    ProgramFactory(organization=organization, owner=manager, name=FORMULA_NAMES[0])
    for index in range(30):  # more than a page: the export has them all
        program_snapshot(ProgramFactory(organization=organization, name=f"Z {index:02}"))
    response = download(signed_in, organization_url(organization), format="xlsx")
    assert 'filename="dashboard-dc-noord.xlsx"' in response["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == ["Programma's", "KPI's"]
    rows = values(book["Programma's"])
    assert len(rows) == 1 + 32
    header = rows[0]
    assert header[:12] == [
        "Programma",
        "Status",
        "Berekend op",
        "Lerenden begonnen",
        "Lopend",
        "Beëindigd",
        "Beëindigd als zelfstandig",
        "Mediaan dagen tot zelfstandig",
        "Onderste kwartiel (dagen)",
        "Bovenste kwartiel (dagen)",
        "n",
        "Streefwaarde (dagen)",
    ]
    assert header[12:14] == ["Feedbackritme gehouden (%)", "n"]
    assert header[-1] == "Aandacht nodig"
    by_name = {row[0]: row for row in rows[1:]}
    row = by_name["Inwerken orderpicker"]
    assert row[2].date() == datetime.date(2026, 11, 20)
    assert row[1:2] + row[3:] == [
        "actief",
        12,
        3,
        9,
        8,
        31,
        24,
        40,
        12,
        42,
        83,
        11,
        "te weinig gegevens",
        None,
        50,
        10,
        90,
        12,
        0,
    ]
    assert by_name[FORMULA_NAMES[0]][1:4] == ["actief", "nog geen gegevens", None]
    assert book["Programma's"]["A2"].data_type == "s"


def test_the_organisation_programs_csv_says_too_little_data_without_a_number(
    signed_in, organization, program
):
    program_snapshot(program, time_to_independence={"enough": False, "minimum": 5})
    rows = csv_rows(
        download(signed_in, organization_url(organization), format="csv", section="programs")
    )
    assert rows[1][7:12] == ["te weinig gegevens", "", "", "", "42"]


def test_sheet_names_are_valid_for_excel():
    used = set()
    long = "KPI's van de organisatie tegen nulmeting en streefwaarde"
    assert spreadsheet._sheet_name(long, used) == long[:31]
    assert spreadsheet._sheet_name(long, used) == long[:27] + " (2)"
    assert spreadsheet._sheet_name("Doel [1/2]: *wat?*", used) == "Doel  1 2    wat"
    assert spreadsheet._sheet_name("'citaat'", used) == "citaat"
    assert all(len(name) <= 31 for name in used)


def test_the_program_dashboard_offers_each_table_as_csv_and_xlsx(
    signed_in, program, snapshot, organization, manager
):
    KPIFactory(organization=organization, program=program, created_by=manager)
    text = download(signed_in, program_url(program)).text
    for section in ("levels", "survival", "builtin", "kpis"):
        assert f'href="?format=csv&amp;section={section}"' in text
        assert f'href="?format=xlsx&amp;section={section}"' in text
    assert '<a href="?format=xlsx">' in text
