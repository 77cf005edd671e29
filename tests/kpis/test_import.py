"""A manager imports a KPI's values from a spreadsheet as Dutch people save it: every row is
checked before anything is stored, then all of it is recorded, once."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kpis import imports
from kpis.choices import Cadence, SubjectLevel
from kpis.models import Measurement, MeasurementImport
from kpis.services import measurement_record
from tests.factories import (
    CohortFactory,
    KPIFactory,
    MeasurementFactory,
    MembershipFactory,
    UserFactory,
)
from tests.programs import spreadsheets

pytestmark = pytest.mark.django_db

FUTURE = timezone.localdate() + datetime.timedelta(days=40)
FUTURE_TEXT = f"{FUTURE.day}-{FUTURE.month}-{FUTURE.year}"

# As Dutch Excel saves "CSV (gescheiden door lijstscheidingstekens)": Windows-1252 (the dash
# in the title is byte 0x96), ";" between fields, a title row and blank rows.
AUGUST_CSV = (
    "Productiviteit – export augustus;;\n"
    ";;\n"
    "E-mailadres;Periode;Waarde\n"
    "anna@example.nl;3-8-2026;112,5\n"
    "bram@example.nl;2026-08;4,2%\n"
    ";;\n"
    "chris@example.nl;aug 2026;1.234,5\n"
    "onbekend@example.nl;2026-08;10\n"
    "anna@example.nl;15-8-2026;99\n"
    f"bram@example.nl;{FUTURE_TEXT};5\n"
)
FIXED_CSV = (
    "Productiviteit – export augustus;;\n"
    ";;\n"
    "E-mailadres;Periode;Waarde\n"
    "anna@example.nl;3-8-2026;112,5\n"
    "bram@example.nl;2026-08;4,2%\n"
    ";;\n"
    "chris@example.nl;aug 2026;1.234,5\n"
    "anna@example.nl;15-9-2026;99\n"
    "bram@example.nl;2026-10;5\n"
)


def cp1252_csv(text, name="metingen.csv"):
    return spreadsheets.csv(text, name=name, encoding="cp1252")


@pytest.fixture
def people(organization):
    return {
        name: MembershipFactory(organization=organization, user__email=f"{name}@example.nl").user
        for name in ("anna", "bram", "chris")
    }


@pytest.fixture
def kpi(organization, manager, people):
    return KPIFactory(
        organization=organization,
        created_by=manager,
        name="Orderregels per uur",
        unit="orderregels per uur",
        subject_level=SubjectLevel.LEARNER,
        cadence=Cadence.MONTH,
        decimals=1,
        min_value=Decimal("0"),
        max_value=Decimal("5000"),
    )


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def upload(client, kpi, file):
    return client.post(reverse("kpis:measurement-import", args=[kpi.pk]), {"file": file})


def confirm(client, kpi, **data):
    """Confirm the latest preview of this KPI, as its form does."""
    latest = MeasurementImport.objects.filter(kpi=kpi).first()
    data.setdefault("token", latest.token if latest else "")
    url = reverse("kpis:measurement-import-confirm", args=[kpi.pk])
    return client.post(url, data, follow=True)


def errors_by_line(response) -> dict[int, list[str]]:
    return {row.line: row.errors for row in response.context["rows"] if row.errors}


def values_by_line(response) -> dict[int, Decimal]:
    return {row.line: row.decimal for row in response.context["rows"]}


def test_a_dutch_csv_reads_decimal_commas_percent_signs_and_thousands(signed_in, kpi):
    response = upload(signed_in, kpi, cp1252_csv(FIXED_CSV))

    assert errors_by_line(response) == {}
    assert values_by_line(response) == {
        4: Decimal("112.5"),
        5: Decimal("4.2"),
        7: Decimal("1234.5"),
        8: Decimal("99"),
        9: Decimal("5"),
    }
    assert {row.line: row.period_start for row in response.context["rows"]} == {
        4: "2026-08-01",
        5: "2026-08-01",
        7: "2026-08-01",
        8: "2026-09-01",
        9: "2026-10-01",
    }
    assert not Measurement.objects.exists(), "a preview stores nothing"


def test_errors_name_the_spreadsheet_rows(signed_in, kpi):
    response = upload(signed_in, kpi, cp1252_csv(AUGUST_CSV))

    errors = errors_by_line(response)
    assert set(errors) == {8, 9, 10}
    assert "onbekend@example.nl" in errors[8][0]
    assert "rij 4" in errors[9][0]
    assert "verleden" in errors[10][0]
    assert "3 regels hebben een fout" in response.content.decode()
    assert "<strong>Rijen 8, 9, 10.</strong>" in response.content.decode()
    assert response.context["measurement_import"] is None
    assert not MeasurementImport.objects.exists(), "a file with errors cannot be confirmed"


def test_the_message_names_the_first_ten_rows_with_an_error(signed_in, kpi):
    unknown = "".join(f"onbekend{n}@example.nl;2026-08;10\n" for n in range(12))

    response = upload(signed_in, kpi, cp1252_csv("E-mailadres;Periode;Waarde\n" + unknown))

    assert "<strong>Rijen 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …</strong>" in response.content.decode()


def test_the_fixed_file_is_stored_completely_and_a_second_confirm_writes_nothing(
    signed_in, kpi, people
):
    upload(signed_in, kpi, cp1252_csv(AUGUST_CSV))
    upload(signed_in, kpi, cp1252_csv(FIXED_CSV))

    response = confirm(signed_in, kpi)

    assert "5 waarden vastgelegd" in response.content.decode()
    stored = {
        (m.learner.email, m.period_start.isoformat()): m.value
        for m in Measurement.objects.select_related("learner")
    }
    assert stored == {
        ("anna@example.nl", "2026-08-01"): Decimal("112.5"),
        ("bram@example.nl", "2026-08-01"): Decimal("4.2"),
        ("chris@example.nl", "2026-08-01"): Decimal("1234.5"),
        ("anna@example.nl", "2026-09-01"): Decimal("99"),
        ("bram@example.nl", "2026-10-01"): Decimal("5"),
    }

    again = confirm(signed_in, kpi)

    assert "al geïmporteerd" in again.content.decode()
    assert Measurement.objects.count() == 5


def test_the_same_file_again_has_nothing_new_to_import(signed_in, kpi):
    upload(signed_in, kpi, cp1252_csv(FIXED_CSV))
    confirm(signed_in, kpi)

    response = upload(signed_in, kpi, cp1252_csv(FIXED_CSV))

    assert all(row.is_skipped for row in response.context["rows"])
    assert "niets nieuws" in response.content.decode()
    assert response.context["measurement_import"] is None


def test_a_different_value_for_a_recorded_period_is_a_correction_confirmed_on_the_preview(
    signed_in, kpi, people
):
    old = MeasurementFactory(
        kpi=kpi, learner=people["anna"], period_start=datetime.date(2026, 8, 1), value=100
    )
    response = upload(signed_in, kpi, cp1252_csv(FIXED_CSV))
    [row] = [row for row in response.context["rows"] if row.line == 4]
    assert row.is_correction and Decimal(row.previous) == 100
    assert 'name="correct"' in response.content.decode()

    refused = confirm(signed_in, kpi)

    assert "corrigeert" in refused.content.decode()
    assert Measurement.objects.count() == 1, "without the tick nothing is stored"

    confirm(signed_in, kpi, correct="on")

    old.refresh_from_db()
    assert not old.is_current
    assert old.corrected_by.value == Decimal("112.5")
    assert Measurement.objects.current().count() == 5


def test_a_value_entered_by_hand_after_the_preview_stops_the_whole_import(
    signed_in, kpi, people, manager
):
    upload(signed_in, kpi, cp1252_csv(FIXED_CSV))
    MeasurementFactory(
        kpi=kpi, learner=people["chris"], period_start=datetime.date(2026, 8, 1), value=7
    )

    response = confirm(signed_in, kpi)

    assert Measurement.objects.count() == 1, "all or nothing"
    assert response.context["correction_count"] == 1
    assert MeasurementImport.objects.get().imported_at is None, "the claim is rolled back"


def dutch_xlsx(rows):
    """The fixed file as Excel saves it: numbers and dates as the cells' own values."""
    return spreadsheets.xlsx(
        [
            ["Productiviteit – export augustus"],
            [],
            ["E-mailadres", "Periode", "Waarde"],
            *rows,
        ],
        name="metingen.xlsx",
    )


def test_an_xlsx_gives_the_same_preview_as_the_csv(signed_in, kpi):
    csv_rows = upload(signed_in, kpi, cp1252_csv(FIXED_CSV)).context["rows"]
    xlsx_file = dutch_xlsx(
        [
            ["anna@example.nl", datetime.datetime(2026, 8, 3), 112.5],  # noqa: DTZ001
            ["bram@example.nl", "2026-08", 4.2],
            [],
            ["chris@example.nl", "aug 2026", 1234.5],
            ["anna@example.nl", datetime.date(2026, 9, 15), 99],
            ["bram@example.nl", "2026-10", 5],
        ]
    )
    xlsx_rows = upload(signed_in, kpi, xlsx_file).context["rows"]

    def seen(rows):
        return [(r.line, r.subject, r.period_start, r.decimal, r.errors) for r in rows]

    assert seen(xlsx_rows) == seen(csv_rows)


def test_a_spreadsheet_number_is_read_as_its_digits_not_as_dutch_thousands(signed_in, kpi):
    # 1.234 in a number cell is one point two three four; in a Dutch CSV it would be 1234.
    kpi.decimals = 3
    kpi.save()
    response = upload(signed_in, kpi, dutch_xlsx([["anna@example.nl", "2026-08", 1.234]]))

    assert values_by_line(response) == {4: Decimal("1.234")}


def test_float_noise_of_a_formula_is_rounded_to_the_kpis_decimals():
    value = imports.parse_value(str(0.1 + 0.2), decimals=1, from_cell=True)
    assert value == Decimal("0.3")
    assert imports.parse_value("112.46", decimals=1, from_cell=True) == Decimal("112.46")


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("3-2-2027", "2027-02-03", "2027-02-03"),
        ("2026-10-14", "2026-10-14", "2026-10-14"),
        ("46000", "2025-12-09", "2025-12-09"),  # an Excel day number
        ("2026-10", "2026-10-01", "2026-10-31"),
        ("10-2026", "2026-10-01", "2026-10-31"),
        ("okt 2026", "2026-10-01", "2026-10-31"),
        ("Oktober 2026", "2026-10-01", "2026-10-31"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("K3 2026", "2026-07-01", "2026-09-30"),
        ("week 41 2026", "2026-10-05", "2026-10-11"),
        ("2026-W41", "2026-10-05", "2026-10-11"),
    ],
)
def test_periods_read_as_people_write_them(text, first, last):
    assert imports.parse_period(text) == (
        datetime.date.fromisoformat(first),
        datetime.date.fromisoformat(last),
    )


@pytest.mark.parametrize("text", ["2026-13", "week 54 2026", "morgen", "Q5 2026", ""])
def test_what_is_not_a_period_reads_as_none(text):
    assert imports.parse_period(text) is None


def test_a_quarter_on_a_monthly_kpi_is_refused_as_longer_than_one_period(signed_in, kpi):
    file = cp1252_csv("E-mailadres;Periode;Waarde\nanna@example.nl;2026-Q3;10\n")

    [errors] = errors_by_line(upload(signed_in, kpi, file)).values()

    assert "langer dan één periode" in errors[0]


def test_out_of_range_and_too_many_decimals_are_errors_of_their_rows(signed_in, kpi):
    file = cp1252_csv(
        "E-mailadres;Periode;Waarde\nanna@example.nl;2026-08;6000\nbram@example.nl;2026-08;1,25\n"
    )

    errors = errors_by_line(upload(signed_in, kpi, file))

    assert "5000" in errors[2][0]
    assert "1 cijfer" in errors[3][0]


def test_a_team_kpi_reads_team_names_and_an_organisation_kpi_needs_no_subject(
    signed_in, organization, manager
):
    MembershipFactory(organization=organization, team="Inslag")
    team_kpi = KPIFactory(
        organization=organization, created_by=manager, subject_level=SubjectLevel.TEAM
    )
    file = cp1252_csv("Team;Periode;Waarde\ninslag;2026-08;3\nUitslag;2026-08;4\n")

    response = upload(signed_in, team_kpi, file)

    assert [row.subject for row in response.context["rows"]][0] == "Inslag"
    assert set(errors_by_line(response)) == {3}

    org_kpi = KPIFactory(organization=organization, created_by=manager)
    upload(signed_in, org_kpi, cp1252_csv("Periode;Waarde\n2026-08;3\n"))
    confirm(signed_in, org_kpi)
    assert org_kpi.measurements.get().value == Decimal("3")


def test_a_group_kpi_reads_group_names_of_its_program(signed_in, organization, manager):
    cohort = CohortFactory(program__organization=organization, name="Pilotgroep")
    group_kpi = KPIFactory(
        organization=organization,
        created_by=manager,
        program=cohort.program,
        subject_level=SubjectLevel.GROUP,
    )
    upload(signed_in, group_kpi, cp1252_csv("Groep;Periode;Waarde\npilotgroep;2026-08;3\n"))
    confirm(signed_in, group_kpi)

    assert group_kpi.measurements.get().cohort == cohort


def test_the_template_has_this_kpis_dutch_columns_and_imports_back(signed_in, kpi):
    response = signed_in.get(reverse("kpis:measurement-import-template", args=[kpi.pk]))

    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == ["E-mailadres", "Periode", "Waarde"]
    notes = [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert "naam@example.org   31-10-2026   112,5" in notes
    sheet.append(["anna@example.nl", datetime.date(2026, 8, 3), 112.5])
    buffer = io.BytesIO()
    workbook.save(buffer)

    back = upload(signed_in, kpi, SimpleUploadedFile("metingen.xlsx", buffer.getvalue()))

    assert errors_by_line(back) == {}
    assert values_by_line(back) == {2: Decimal("112.5")}


def test_a_file_without_the_kpis_columns_is_refused_with_the_columns_named(signed_in, kpi):
    response = upload(signed_in, kpi, cp1252_csv("Naam;Datum\nAnna;3-8-2026\n"))

    assert "E-mailadres, Periode, Waarde" in response.content.decode()
    assert not MeasurementImport.objects.exists()


def test_the_kpi_page_links_to_the_import(signed_in, kpi):
    response = signed_in.get(reverse("kpis:detail", args=[kpi.pk]))

    assert reverse("kpis:measurement-import", args=[kpi.pk]) in response.content.decode()


def test_a_confirm_of_another_kpis_preview_is_refused(signed_in, kpi, organization, manager):
    upload(signed_in, kpi, cp1252_csv(FIXED_CSV))
    other = KPIFactory(organization=organization, created_by=manager)
    token = MeasurementImport.objects.get().token

    response = confirm(signed_in, other, token=token)

    assert "verlopen" in response.content.decode()
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("count", [3, 60])
def test_the_previews_query_count_does_not_grow_with_the_rows(signed_in, kpi, organization, count):
    for n in range(count):
        MembershipFactory(organization=organization, user__email=f"p{n}@example.nl")
    lines = "".join(f"p{n}@example.nl;2026-08;{n},5\n" for n in range(count))
    file = cp1252_csv("E-mailadres;Periode;Waarde\n" + lines)
    with CaptureQueriesContext(connection) as queries:
        response = upload(signed_in, kpi, file)
    assert len(response.context["rows"]) == count
    assert errors_by_line(response) == {}
    # The same number for 3 and 60 rows: pinned so that a per-row query fails one of them.
    assert len(queries) == PREVIEW_QUERIES


PREVIEW_QUERIES = 12  # with the bell's unread count


def test_an_ods_with_text_cells_reads_like_the_csv(signed_in, kpi):
    ods_file = spreadsheets.ods(
        [
            ["E-mailadres", "Periode", "Waarde"],
            ["anna@example.nl", "3-8-2026", "112,5"],
            [],
            ["bram@example.nl", "2026-08", "4,2%"],
        ],
        name="metingen.ods",
    )

    response = upload(signed_in, kpi, ods_file)

    assert errors_by_line(response) == {}
    assert values_by_line(response) == {2: Decimal("112.5"), 4: Decimal("4.2")}


def test_a_spreadsheet_bomb_is_refused_before_it_is_parsed(signed_in, kpi):
    bomb = SimpleUploadedFile("metingen.xlsx", spreadsheets.xlsx_bomb())

    response = upload(signed_in, kpi, bomb)

    assert "pakt uit tot veel meer" in response.content.decode()
    assert not MeasurementImport.objects.exists()


def test_a_value_too_large_for_the_database_is_an_error_of_its_row_not_of_the_confirm(
    signed_in, organization, manager
):
    unbounded = KPIFactory(organization=organization, created_by=manager, decimals=0)

    response = upload(signed_in, unbounded, cp1252_csv("Periode;Waarde\n2026-08;1e20\n"))

    assert set(errors_by_line(response)) == {2}
    assert not MeasurementImport.objects.exists()


@pytest.mark.parametrize(
    ("subject", "period", "value"),
    [
        ("anna@example.nl", "2026-08-03", "112.5"),
        ("onbekend@example.nl", "2026-08-03", "1"),
        ("anna@example.nl", FUTURE.isoformat(), "1"),
        ("anna@example.nl", "1899-01-01", "1"),
        ("anna@example.nl", "2026-08-03", "-1"),
        ("anna@example.nl", "2026-08-03", "6000"),
        ("anna@example.nl", "2026-08-03", "1.25"),
        ("anna@example.nl", "2026-08-03", "1e20"),
    ],
)
def test_the_preview_refuses_exactly_what_the_service_refuses(
    kpi, manager, people, subject, period, value
):
    row = imports.MeasurementRow(line=2, subject=subject, period=period, value=value)
    [checked] = imports.check_rows(kpi, [row], from_cells=False)
    learner = next((p for p in people.values() if p.email == subject), None)
    try:
        measurement_record(
            actor=manager,
            kpi=kpi,
            learner=learner or UserFactory(email=subject),
            period=datetime.date.fromisoformat(period),
            value=Decimal(value),
        )
    except ValidationError:
        refused = True
    else:
        refused = False

    assert bool(checked.errors) == refused


def test_a_file_over_two_megabytes_is_refused_before_it_is_read(signed_in, kpi):
    big = cp1252_csv("Periode;Waarde\n" + "2026-08;1\n" * 300_000)

    response = upload(signed_in, kpi, big)

    assert response.status_code == 413
    assert "groter dan 2 MB" in response.content.decode()
