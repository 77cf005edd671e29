import datetime
import io
import resource
import threading
import time
import tracemalloc

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from programs import imports, services
from programs.models import Enrolment, Invitation, LearnerImport
from tests.factories import EnrolmentFactory, MembershipFactory, ProgramFactory
from tests.programs import spreadsheets
from werkplek.models import OutboxMessage, User

pytestmark = pytest.mark.django_db

HEADER = ["E-mail", "Naam", "Team", "E-mail coach", "Startdatum"]

# The list as a manager keeps it: a title, a blank row, Dutch headers, a blank row between
# the learners. The same list is saved in every format below (and committed as .xls).
APRIL = [
    ["Instroom april"],
    [],
    ["E-mailadres", "Naam", "Team", "Coach", "Startdatum"],
    ["nina.kok@example.nl", "Nina Kök", "Inslag", "jan.coach@example.nl", "3-2-2027"],
    [],
    ["sem.de.vries@example.nl", "Sem de Vries", "Uitslag", "", ""],
]
APRIL_CSV = (
    "Instroom april;;;;\n;;;;\nE-mailadres;Naam;Team;Coach;Startdatum\n"
    "nina.kok@example.nl;Nina Kök;Inslag;jan.coach@example.nl;3-2-2027\n;;;;\n"
    "sem.de.vries@example.nl;Sem de Vries;Uitslag;;\n"
)


def xlsx(rows, header=HEADER):
    return spreadsheets.xlsx([header, *rows])


def april_xlsx():
    """The April list from Excel: Sem's name is a formula, stored with its cached value."""
    return spreadsheets.xlsx(APRIL, formulas={"B6": ('="Sem "&"de Vries"', "Sem de Vries")})


def upload(client, cohort, file):
    return client.post(reverse("programs:cohort-import", args=[cohort.pk]), {"file": file})


def confirm(client, cohort, **data):
    """Confirm the latest preview of this group, as its form does."""
    latest = LearnerImport.objects.filter(cohort=cohort).first()
    data.setdefault("token", latest.token if latest else "")
    url = reverse("programs:cohort-import-confirm", args=[cohort.pk])
    return client.post(url, data, follow=True)


@pytest.fixture
def jan(organization):
    """A coach with a fixed address, as the committed files name him."""
    return MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        user__email="jan.coach@example.nl",
        user__name="Jan Coach",
    ).user


def preview(file, cohort):
    rows = imports.check_rows(imports.read_rows(file), cohort)
    return [
        (r.line, r.email, r.name, r.team, r.coach_email, r.started_on, r.errors, r.warnings)
        for r in rows
    ]


APRIL_PREVIEW = [
    (4, "nina.kok@example.nl", "Nina Kök", "Inslag", "jan.coach@example.nl", "2027-02-03", [], []),
    (6, "sem.de.vries@example.nl", "Sem de Vries", "Uitslag", "", "2026-11-02", [], []),
]


# --- spreadsheets as people save them -----------------------------------------------------


def test_a_list_with_a_title_row_blank_rows_and_a_formula_reads_with_its_own_row_numbers(
    cohort, jan
):
    assert preview(april_xlsx(), cohort) == APRIL_PREVIEW


def test_a_text_date_is_day_month_year(cohort):
    assert imports.parse_date("3-2-2027") == datetime.date(2027, 2, 3)
    assert imports.parse_date("2027-02-03") == datetime.date(2027, 2, 3)
    assert imports.parse_date("46421") == datetime.date(2027, 2, 3)  # Excel's day number


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("Windows-1252 CSV with ;", lambda: spreadsheets.csv(APRIL_CSV, encoding="cp1252")),
        ("UTF-8 CSV with BOM", lambda: spreadsheets.csv(APRIL_CSV, encoding="utf-8-sig")),
        (
            "UTF-8 CSV with ,",
            lambda: spreadsheets.csv(APRIL_CSV.replace(";", ","), encoding="utf-8"),
        ),
        ("ODS from LibreOffice", lambda: spreadsheets.ods(APRIL)),
        ("old XLS", lambda: spreadsheets.committed("instroom-april.xls")),
    ],
)
def test_the_same_list_saved_in_any_format_gives_the_same_preview(cohort, jan, name, make):
    assert preview(make(), cohort) == APRIL_PREVIEW, name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Instroom april\n\nE-mailadres;Naam;Team\nnina@example.nl;Nina Kok;Inslag\n", "Nina Kok"),
        ("Instroom april, 2027\n\nE-mailadres;Naam\nnina@example.nl;Kok, Nina\n", "Kok, Nina"),
        ('E-mailadres,Naam\nnina@example.nl,"Kok; Nina"\n', "Kok; Nina"),
        ("E-mailadres\tNaam\nnina@example.nl\tNina Kok\n", "Nina Kok"),
    ],
)
def test_the_separator_is_found_below_a_title_line_too(text, name):
    [row] = imports.read_rows(spreadsheets.csv(text))
    assert (row.email, row.name) == ("nina@example.nl", name)


def test_real_date_cells_read_as_dates(cohort):
    excel_date = datetime.datetime(2026, 11, 9)  # noqa: DTZ001 - Excel cells carry no zone
    [row] = imports.read_rows(xlsx([["Nina@Example.nl", "Nina Kok", "Inslag", "", excel_date]]))
    assert (row.email, row.name, row.team, row.started_on) == (
        "nina@example.nl",
        "Nina Kok",
        "Inslag",
        "2026-11-09",
    )


def test_headers_with_marks_and_hints_are_recognised(cohort):
    text = "E-mailadres*;Naam *;Startdatum (dd-mm-jjjj);Coach (e-mail)\n"
    text += "nina@example.nl;Nina;3-2-2027;\n"
    [row] = imports.read_rows(spreadsheets.csv(text))
    assert (row.email, row.name, row.started_on) == ("nina@example.nl", "Nina", "3-2-2027")


def test_first_name_and_last_name_columns_make_the_name(cohort):
    file = spreadsheets.csv(
        "E-mail;Voornaam;Tussenvoegsel;Achternaam\nsem@example.nl;Sem;de;Vries\n"
    )
    [row] = imports.read_rows(file)
    assert row.name == "Sem de Vries"


def test_errors_name_the_spreadsheets_own_row_numbers(client, manager, cohort, jan):
    client.force_login(manager)
    rows = [list(row) for row in APRIL]
    rows[5][0] = "geen-adres"
    content = upload(client, cohort, spreadsheets.xlsx(rows)).content.decode()
    assert "1 regel heeft een fout" in content
    assert '<th scope="row" data-label="Rij"><div>6</div></th>' in content
    assert "‘geen-adres’ is geen geldig e-mailadres." in content


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (spreadsheets.csv(""), "bestand is leeg"),
        (spreadsheets.csv("naam;team\nNina;Inslag\n"), "Er is geen kopregel met de kolommen"),
        (spreadsheets.csv("e-mail;naam\n"), "kolomkoppen, maar geen lerenden"),
        (SimpleUploadedFile("lijst.pdf", b"%PDF"), "Upload een .xlsx-, .ods-, .xls- of .csv"),
        (SimpleUploadedFile("kapot.xlsx", b"geen zip"), "kan niet gelezen worden"),
        (SimpleUploadedFile("kapot.xlsx", b"PK\x03\x04kapot"), "kan niet gelezen worden"),
        (
            spreadsheets.csv("e-mail\tnaam\nnina@example.nl\tNina\n", encoding="utf-16"),
            "opgeslagen als Unicode-tekst (UTF-16)",
        ),
        (
            spreadsheets.csv("e-mail;naam\nnina@example.nl;Nina\n", encoding="utf-16-le"),
            "opgeslagen als Unicode-tekst (UTF-16)",
        ),
        (SimpleUploadedFile("lerenden.csv", b"\x00\x01\x02" * 10), "geen tekstbestand"),
        (SimpleUploadedFile("lerenden.csv", bytes(range(256)) * 4), "geen tekstbestand"),
    ],
)
def test_unreadable_files_get_a_clear_dutch_message(client, manager, cohort, file, message):
    client.force_login(manager)
    response = upload(client, cohort, file)
    assert message in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_csv_with_a_giant_field_is_refused_with_a_message(client, manager, cohort):
    client.force_login(manager)
    text = 'e-mail;naam\nnina@example.nl;"' + "x" * 200_000 + '"\n'
    response = upload(client, cohort, spreadsheets.csv(text))
    assert "Dit CSV-bestand kan niet gelezen worden." in response.content.decode()


# --- the template ---------------------------------------------------------------------------


def test_the_template_downloads_and_imports_back_cleanly(client, manager, cohort):
    client.force_login(manager)
    response = client.get(reverse("programs:cohort-import-template", args=[cohort.pk]))
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Lerenden", "Toelichting"]
    sheet = workbook["Lerenden"]
    assert [cell.value for cell in sheet[1]] == [
        "E-mailadres",
        "Naam",
        "Team",
        "E-mailadres coach",
        "Startdatum",
    ]
    sheet.append(["nina@example.nl", "Nina Kok", "Inslag", "", "9-11-2026"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    filled = SimpleUploadedFile("lerenden.xlsx", buffer.getvalue())
    content = upload(client, cohort, filled).content.decode()
    assert "1 regel is klaar om te importeren." in content
    assert "Het voorbeeld uit het sjabloon, overgeslagen." in content
    assert "fout" not in content
    confirm(client, cohort)
    assert list(Invitation.objects.values_list("email", flat=True)) == ["nina@example.nl"]


def test_the_english_template_reads_back_too(cohort):
    with translation.override("en"):
        content = imports.template_xlsx(cohort)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Learners", "Notes"]
    [row] = imports.read_rows(SimpleUploadedFile("learners.xlsx", content))
    assert (row.email, row.started_on) == (imports.EXAMPLE_EMAIL, cohort.starts_on.isoformat())


# --- re-uploads and confirming once ---------------------------------------------------------


def test_a_second_upload_with_one_new_person_adds_only_that_person(
    client, manager, cohort, jan, other_learner
):
    client.force_login(manager)
    first = [*APRIL, [other_learner.email, "", "", "", ""]]
    upload(client, cohort, spreadsheets.xlsx(first))
    confirm(client, cohort)
    assert Invitation.objects.count() == 2 and Enrolment.objects.count() == 1

    second = [*first, ["lisa@example.nl", "Lisa Bos", "Inslag", "", ""]]
    content = upload(client, cohort, spreadsheets.xlsx(second)).content.decode()
    assert "fout" not in content
    assert content.count("Al uitgenodigd voor deze groep, overgeslagen.") == 2
    assert content.count("Al ingeschreven in deze groep, overgeslagen.") == 1
    assert "1 regel is klaar om te importeren. 3 personen zitten al in de groep" in content
    response = confirm(client, cohort)
    assert "0 lerenden ingeschreven. 1 persoon uitgenodigd." in response.content.decode()
    assert Invitation.objects.count() == 3 and Enrolment.objects.count() == 1


def test_a_list_of_only_known_people_offers_nothing_to_import(client, manager, cohort, enrolment):
    client.force_login(manager)
    content = upload(client, cohort, xlsx([[enrolment.learner.email, "", "", "", ""]]))
    assert "Iedereen op deze lijst zit al in de groep" in content.content.decode()
    assert "lerende importeren" not in content.content.decode()


def test_someone_in_another_group_of_the_program_is_an_error(client, manager, cohort, program):
    other = EnrolmentFactory(cohort__program=program)
    client.force_login(manager)
    content = upload(client, cohort, xlsx([[other.learner.email, "", "", "", ""]]))
    assert "Al ingeschreven in een andere groep van dit programma." in content.content.decode()


def test_a_second_confirm_says_already_imported_and_writes_nothing(client, manager, cohort):
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "Nina Kok", "", "", ""]]))
    confirm(client, cohort)
    again = confirm(client, cohort).content.decode()
    assert (
        "Deze lijst is al geïmporteerd (0 ingeschreven, 1 uitgenodigd); "
        "er is nu niets toegevoegd." in again
    )
    assert Invitation.objects.count() == 1
    imported = LearnerImport.objects.get()
    assert (imported.invited_count, imported.created_by) == (1, manager)


def test_only_a_manager_of_the_group_keeps_or_confirms_an_import(manager, coach, cohort):
    rows = imports.check_rows(
        [imports.ImportRow(line=2, email="nina@example.nl", name="Nina Kok")], cohort
    )
    with pytest.raises(ValidationError):
        services.learner_import_create(cohort=cohort, rows=rows, actor=coach)
    learner_import = services.learner_import_create(cohort=cohort, rows=rows, actor=manager)
    with pytest.raises(ValidationError):
        services.learner_import_confirm(learner_import=learner_import, rows=rows, actor=coach)
    assert not Invitation.objects.exists()
    assert LearnerImport.objects.get().imported_at is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once")
@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_import_once(manager, cohort):
    rows = imports.check_rows(
        [imports.ImportRow(line=2, email="nina@example.nl", name="Nina Kok")], cohort
    )
    learner_import = services.learner_import_create(cohort=cohort, rows=rows, actor=manager)
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm_in_a_thread():
        try:
            barrier.wait()
            services.learner_import_confirm(learner_import=learner_import, rows=rows, actor=manager)
            outcomes.append("imported")
        except services.AlreadyImported:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "imported"]
    assert Invitation.objects.count() == 1


# --- the preview checks exactly what the models store ---------------------------------------


HIDDEN_CHARACTER = (
    "Gebruik alleen letters, cijfers en leestekens: deze tekst bevat een onzichtbaar "
    "stuurteken of teken voor de schrijfrichting"
)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["nina@example.nl", "Nina\x00Kok", "", "", ""], f"Naam: {HIDDEN_CHARACTER} (U+0000)."),
        (["nina@example.nl", "Nina\u202eKok", "", "", ""], f"Naam: {HIDDEN_CHARACTER} (U+202E)."),
        (["nina@example.nl", "N" * 151, "", "", ""], "Naam: Zorg dat deze waarde"),
        (["nina@example.nl", "Nina", "T\x00", "", ""], f"Team: {HIDDEN_CHARACTER} (U+0000)."),
        (["nina@example.nl", "Nina", "T\u2066", "", ""], f"Team: {HIDDEN_CHARACTER} (U+2066)."),
        (["nina@example.nl", "Nina", "T" * 101, "", ""], "Team: Zorg dat deze waarde"),
        ([("n" * 250) + "@example.nl", "Nina", "", "", ""], "E-mailadres: Zorg dat deze"),
        (["nina@example", "Nina", "", "", ""], "‘nina@example’ is geen geldig e-mailadres."),
    ],
)
def test_what_the_models_refuse_the_preview_refuses(client, manager, cohort, row, message):
    client.force_login(manager)
    file = spreadsheets.csv("e-mail;naam;team\n" + ";".join(row[:3]) + "\n")
    content = upload(client, cohort, file).content.decode()
    assert message in content
    assert "lerende importeren" not in content


def test_a_nul_in_the_row_of_someone_skipped_stores_nothing_of_it(
    client, manager, cohort, enrolment
):
    client.force_login(manager)
    rows = [
        [enrolment.learner.email, "Al\x00binnen", "", "", ""],
        ["nina@example.nl", "Nina", "", "", ""],
    ]
    file = spreadsheets.csv("\n".join(";".join(row) for row in [HEADER, *rows]))
    content = upload(client, cohort, file).content.decode()
    assert "Al ingeschreven in deze groep, overgeslagen." in content
    assert [row["email"] for row in LearnerImport.objects.get().rows] == ["nina@example.nl"]
    confirm(client, cohort)
    assert Invitation.objects.get().email == "nina@example.nl"


def test_a_name_of_150_characters_is_imported(client, manager, cohort):
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "N" * 150, "T" * 100, "", ""]]))
    confirm(client, cohort)
    assert Invitation.objects.get().name == "N" * 150


def test_a_nul_byte_from_the_file_never_reaches_the_database(manager, cohort):
    rows = imports.check_rows(
        [imports.ImportRow(line=2, email="nina@example.nl", name="Nina\x00Kok")], cohort
    )
    assert rows[0].errors
    rows[0].errors = []  # a caller that skips the preview still meets the model's rule
    with pytest.raises(services.ValidationError):
        services.enrolment_import(cohort=cohort, rows=rows, invited_by=manager)
    assert not Invitation.objects.exists()


def test_the_preview_costs_the_same_queries_for_3_or_60_people(client, manager, cohort, coach):
    client.force_login(manager)

    def queries_for(count):
        members = MembershipFactory.create_batch(
            count, organization=coach.memberships.get().organization
        )
        rows = [[m.user.email, "", "", coach.email, ""] for m in members]
        rows += [[f"nieuw{n}-{count}@example.nl", f"Nieuw {n}", "", "", ""] for n in range(count)]
        file = xlsx(rows)
        with CaptureQueriesContext(connection) as queries:
            response = upload(client, cohort, file)
        assert response.status_code == 200
        assert "klaar om te importeren" in response.content.decode()
        return len(queries)

    assert queries_for(3) == queries_for(60)


# --- files that would take the site down ----------------------------------------------------


def test_an_xlsx_decompression_bomb_is_refused_quickly_without_memory(
    client, manager, cohort, monkeypatch
):
    bomb = spreadsheets.xlsx_bomb()  # a gigabyte unpacked
    assert len(bomb) < 1_000_000
    parsed = []
    monkeypatch.setattr(imports.reading, "_read_spreadsheet", parsed.append)
    client.force_login(manager)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes
    tracemalloc.start()
    started = time.perf_counter()
    response = upload(client, cohort, SimpleUploadedFile("lerenden.xlsx", bomb))
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert "pakt uit tot veel meer dan een importlijst kan zijn" in response.content.decode()
    assert parsed == [], "refused before any parsing"
    assert peak < 100 * 2**20, f"Python allocated {peak / 2**20:.0f} MB at the peak"
    assert grown < 100 * 2**10, f"the process grew by {grown / 2**10:.0f} MB"
    assert seconds < 5, f"{seconds:.1f} s"  # generous for a shared machine; ~0.05 s measured


def test_a_bomb_that_hides_its_size_cannot_take_the_worker_down(manager, cohort):
    bomb = spreadsheets.xlsx_bomb(declared_bytes=4000)
    with pytest.raises(imports.ImportFileError):
        imports.read_rows(SimpleUploadedFile("lerenden.xlsx", bomb))


def test_an_ods_asking_for_a_billion_cells_is_refused():
    started = time.perf_counter()
    with pytest.raises(imports.ImportFileError):
        imports.read_rows(spreadsheets.ods_bomb())
    assert time.perf_counter() - started < 5  # about 0.02 s measured


def test_the_child_that_parses_dies_alone_when_memory_runs_out(monkeypatch):
    # Without the size check the bomb reaches the parser: the child hits its memory limit
    # and the worker answers with a message.
    monkeypatch.setattr(imports.reading, "_check_zip", lambda content: None)
    with pytest.raises(imports.ImportFileError, match="meer geheugen of tijd"):
        imports.read_table(SimpleUploadedFile("lerenden.xlsx", spreadsheets.xlsx_bomb()))


def test_a_file_over_two_megabytes_is_refused(client, manager, cohort):
    client.force_login(manager)
    just_over = spreadsheets.csv("e-mail;naam\n" + "x" * (imports.MAX_FILE_BYTES + 1))
    assert "groter dan 2 MB" in upload(client, cohort, just_over).content.decode()
    far_over = spreadsheets.csv("e-mail;naam\n" + "x" * (2 * imports.MAX_FILE_BYTES))
    response = upload(client, cohort, far_over)
    assert response.status_code == 413
    assert "groter dan 2 MB" in response.content.decode()


def test_an_oversized_upload_is_refused_before_its_body_is_read(manager, cohort, monkeypatch):
    # CsrfViewMiddleware would read request.POST, and so the upload, before the view; the
    # view checks the size first and only then the CSRF token.
    def parse(self):
        raise AssertionError("the body was read")

    monkeypatch.setattr(MultiPartParser, "parse", parse)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    big = spreadsheets.csv("e-mail;naam\n" + "x" * (3 * imports.MAX_FILE_BYTES))
    response = upload(client, cohort, big)
    assert response.status_code == 413
    assert "groter dan 2 MB" in response.content.decode()


def test_an_upload_without_the_csrf_token_is_still_refused(manager, cohort):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = upload(client, cohort, xlsx([["nina@example.nl", "Nina Kok", "", "", ""]]))
    assert response.status_code == 403
    assert not LearnerImport.objects.exists()


def test_accepted_uploads_stay_in_memory_never_on_disk(settings):
    assert imports.MAX_FILE_BYTES < settings.FILE_UPLOAD_MAX_MEMORY_SIZE


# --- what the import writes -----------------------------------------------------------------


def test_every_row_error_is_shown_in_the_preview(client, manager, cohort, coach, program):
    other_group = EnrolmentFactory(cohort__program=program)
    client.force_login(manager)
    file = xlsx(
        [
            ["geen-adres", "Piet", "", "", ""],
            ["ok@example.nl", "Ok", "", "", ""],
            ["ok@example.nl", "Ok Twee", "", "", ""],
            ["nieuw@example.nl", "", "", "", ""],
            ["coachloos@example.nl", "Coachloos", "", "onbekend@example.nl", ""],
            ["datum@example.nl", "Datum", "", "", "31-31-2026"],
            [other_group.learner.email, "Al binnen", "", coach.email, ""],
        ]
    )
    content = upload(client, cohort, file).content.decode()
    assert "‘geen-adres’ is geen geldig e-mailadres." in content
    assert "Dit e-mailadres staat ook op rij 3." in content
    assert "Een nieuwe lerende heeft een naam nodig." in content
    assert "‘onbekend@example.nl’ is geen coach in je organisatie." in content
    assert "‘31-31-2026’ is geen datum" in content
    assert "Al ingeschreven in een andere groep van dit programma." in content
    assert "6 regels hebben een fout" in content
    assert "lerenden importeren" not in content
    assert Enrolment.objects.count() == 1


def test_a_coach_whose_profile_names_other_programs_is_an_error_of_the_row(
    client, manager, cohort, jan
):
    other = ProgramFactory(organization=cohort.program.organization, name="Inwerken heftruck")
    jan_membership = jan.memberships.get()
    services.coach_programs_set(actor=manager, membership=jan_membership, programs=[other])
    client.force_login(manager)
    rows = [["nina@example.nl", "Nina", "", jan.email, ""], ["sem@example.nl", "Sem", "", "", ""]]
    content = upload(client, cohort, xlsx(rows)).content.decode()
    row = content[content.index("table-danger") : content.index("</tr>", content.index("table-d"))]
    assert "‘jan.coach@example.nl’ mag Inwerken orderpicker niet coachen" in row
    assert "<div>Nina</div>" in row
    assert "1 regel heeft een fout" in content
    assert "lerenden importeren" not in content
    # The program named on the profile: the same row is clean.
    services.coach_programs_set(
        actor=manager, membership=jan_membership, programs=[other, cohort.program]
    )
    assert "klaar om te importeren" in upload(client, cohort, xlsx(rows)).content.decode()


def test_a_clean_file_enrols_members_and_invites_newcomers(
    client, manager, cohort, coach, other_learner, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    file = xlsx(
        [
            ["nina@example.nl", "Nina Kok", "Inslag", coach.email, "9-11-2026"],
            [other_learner.email.upper(), "", "", "", ""],
        ]
    )
    assert "2 regels zijn klaar om te importeren." in upload(client, cohort, file).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = confirm(client, cohort)
    content = response.content.decode()
    assert "1 lerende ingeschreven. 1 persoon uitgenodigd." in content
    assert "Nina Kok" in content and "uitgenodigd" in content

    assert not User.objects.filter(email="nina@example.nl").exists()
    invitation = Invitation.objects.get(email="nina@example.nl")
    assert (invitation.team, invitation.coach, invitation.started_on) == (
        "Inslag",
        coach,
        datetime.date(2026, 11, 9),
    )
    existing = Enrolment.objects.get(learner=other_learner)
    assert existing.started_on == cohort.starts_on
    assert len(callbacks) == 1, "only the newcomer gets an invitation"


def test_the_invitation_mail_links_to_accepting_with_a_new_password(
    client, cohort, manager, deliver_outbox, settings
):
    settings.SITE_URL = "https://werkplek.example"
    services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
    )
    [message] = deliver_outbox()
    assert message.to == ["nina@example.nl"]
    assert message.subject == "Je bent uitgenodigd voor Inwerken orderpicker"
    link = next(word for word in message.body.split() if word.startswith("https://"))
    page = client.get(link.removeprefix("https://werkplek.example"))
    assert 'name="password1"' in page.content.decode()


def test_an_invitation_queued_with_the_old_site_address_links_to_the_current_one(
    cohort, manager, deliver_outbox, settings
):
    settings.SITE_URL = "https://werkplek.example"
    invitation = services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
    )
    # Rows written before the address was read at delivery carried it in their context.
    OutboxMessage.objects.update(context={"invitation": invitation.pk, "site_url": "http://old"})
    [message] = deliver_outbox()
    assert f"https://werkplek.example{invitation.get_absolute_url()}" in message.body
    assert "http://old" not in message.body


def test_a_failure_half_way_writes_nothing(manager, cohort, monkeypatch):
    rows = imports.check_rows(
        [
            imports.ImportRow(line=2, email="een@example.nl", name="Een"),
            imports.ImportRow(line=3, email="twee@example.nl", name="Twee"),
        ],
        cohort,
    )
    original = services.invitation_create
    calls = []

    def fail_on_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        return original(**kwargs)

    monkeypatch.setattr(services, "invitation_create", fail_on_second)
    with pytest.raises(RuntimeError):
        services.enrolment_import(cohort=cohort, rows=rows, invited_by=manager)
    assert not Invitation.objects.exists()
    assert not Enrolment.objects.exists()


def test_confirm_checks_again_and_imports_nothing_when_something_changed(
    client, manager, cohort, coach
):
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", coach.email, ""]]))
    coach.memberships.update(is_coach=False, is_learner=True)
    response = confirm(client, cohort)
    assert "is geen coach in je organisatie" in response.content.decode()
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(email="nina@example.nl").exists()
    assert LearnerImport.objects.get().imported_at is None, "a failed confirm claims nothing"


def test_confirm_without_a_preview_asks_for_the_file_again(client, manager, cohort):
    client.force_login(manager)
    response = confirm(client, cohort)
    assert "Upload het bestand opnieuw" in response.content.decode()


def test_a_preview_left_for_a_day_expires_and_is_cleared_away(client, manager, cohort):
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", ""]]))
    old = LearnerImport.objects.get()
    LearnerImport.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    response = confirm(client, cohort, token=old.token)
    assert "Upload het bestand opnieuw" in response.content.decode()
    assert not Invitation.objects.exists()
    upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", ""]]))
    assert not LearnerImport.objects.filter(pk=old.pk).exists()


def test_an_imported_list_keeps_its_counts_not_its_people(client, manager, cohort):
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", ""]]))
    confirm(client, cohort)
    imported = LearnerImport.objects.get()
    assert (imported.rows, imported.invited_count, imported.enrolled_count) == ([], 1, 0)


def test_a_preview_of_another_group_cannot_be_confirmed_here(client, manager, cohort, program):
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", ""]]))
    token = LearnerImport.objects.get().token
    other = type(cohort).objects.create(program=program, name="Andere", starts_on=cohort.starts_on)
    url = reverse("programs:cohort-import-confirm", args=[other.pk])
    response = client.post(url, {"token": token}, follow=True)
    assert "Upload het bestand opnieuw" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_account_outside_the_organisation_is_never_revealed(
    client, manager, cohort, other_manager
):
    client.force_login(manager)
    unknown = upload(client, cohort, xlsx([["nobody@example.nl", "Iemand", "", "", ""]]))
    outsider = upload(client, cohort, xlsx([[other_manager.email, "Iemand", "", "", ""]]))
    assert "nieuw in je organisatie, krijgt een uitnodiging" in unknown.content.decode()
    assert "nieuw in je organisatie, krijgt een uitnodiging" in outsider.content.decode()
    assert "al in je organisatie" not in outsider.content.decode()


def test_a_token_with_a_nul_character_asks_for_the_file_again(client, manager, cohort):
    # PostgreSQL refuses a NUL in any string: a crafted token is no preview, not a 500.
    client.force_login(manager)
    upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", ""]]))
    token = LearnerImport.objects.get().token
    response = confirm(client, cohort, token=token + "\x00")
    assert "Upload het bestand opnieuw" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("ending", ["closed", "archived"])
def test_a_group_that_takes_no_learners_refuses_the_upload_before_any_preview(
    client, manager, cohort, ending
):
    # An old tab or a bookmark: the group page no longer offers the import.
    if ending == "closed":
        services.cohort_close(
            actor=manager, cohort=cohort, reason="stopped", ended_on=cohort.starts_on
        )
        message = "Deze groep is afgesloten"
    else:
        services.program_change_status(
            actor=cohort.program.owner, program=cohort.program, status="archived"
        )
        message = "gearchiveerd"
    client.force_login(manager)
    response = upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", ""]]))
    assert response.url == reverse("programs:cohort-detail", args=[cohort.pk])
    assert not LearnerImport.objects.exists()
    assert message in client.get(response.url).content.decode()
    with pytest.raises(ValidationError, match=message):
        services.learner_import_create(cohort=cohort, rows=[], actor=manager)


@pytest.mark.parametrize(
    "line",
    ["nina\x00@example.nl;Nina;;;", "nina@example.nl;Nina;;jan\x00@example.nl;"],
    ids=["learner", "coach"],
)
def test_a_nul_character_in_an_address_is_a_row_error_not_a_server_error(
    client, manager, cohort, line
):
    # PostgreSQL refuses a NUL even in a lookup: the address is never looked up.
    client.force_login(manager)
    file = spreadsheets.csv("E-mail;Naam;Team;E-mail coach;Startdatum\n" + line + "\n")
    response = upload(client, cohort, file)
    assert response.status_code == 200
    assert "1 regel heeft een fout" in response.content.decode()
    assert not LearnerImport.objects.exists()


@pytest.mark.parametrize("typed", ["31-12-9999", "1-1-1900"])
def test_an_implausible_start_date_is_a_row_error_that_names_the_years(
    client, manager, cohort, typed
):
    client.force_login(manager)
    response = upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", typed]]))
    content = response.content.decode()
    # A real date, so not "is not a date": the years it may lie between.
    assert "Vul een datum in tussen 2000 en 2099." in content
    assert "is geen datum" not in content
    assert "1 regel heeft een fout" in content
