import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs import imports, services
from programs.models import Enrolment, Invitation
from werkplek.models import User

pytestmark = pytest.mark.django_db

HEADER = ["E-mail", "Naam", "Team", "E-mail coach", "Startdatum"]


def xlsx(rows, header=HEADER):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("lerenden.xlsx", buffer.getvalue())


def csv_file(text, name="lerenden.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding))


def upload(client, cohort, file):
    return client.post(reverse("programs:cohort-import", args=[cohort.pk]), {"file": file})


def confirm(client, cohort):
    return client.post(reverse("programs:cohort-import-confirm", args=[cohort.pk]), follow=True)


def test_reads_xlsx_with_dutch_headers_and_real_date_cells(cohort):
    excel_date = datetime.datetime(2026, 11, 9)  # noqa: DTZ001 - Excel cells carry no zone
    file = xlsx([["Nina@Example.nl", "Nina Kok", "Inslag", "", excel_date]])
    [row] = imports.read_rows(file)
    assert (row.email, row.name, row.team, row.started_on) == (
        "nina@example.nl",
        "Nina Kok",
        "Inslag",
        "2026-11-09",
    )


def test_reads_a_semicolon_csv_saved_by_dutch_excel(cohort):
    text = "e-mail;naam;team;coach e-mail;startdatum\nnina@example.nl;Nina Kök;Inslag;;9-11-2026\n"
    [row] = imports.check_rows(imports.read_rows(csv_file(text, encoding="cp1252")), cohort)
    assert row.name == "Nina Kök"
    assert row.started_on == "2026-11-09"
    assert row.errors == []


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file(""), "bestand is leeg"),
        (csv_file("naam;team\nNina;Inslag\n"), "moet de kolommen e-mail en naam hebben"),
        (csv_file("e-mail;naam\n"), "kolomkoppen, maar geen lerenden"),
        (SimpleUploadedFile("lijst.pdf", b"%PDF"), "Upload een .csv- of .xlsx-bestand."),
        (SimpleUploadedFile("kapot.xlsx", b"geen zip"), "kan niet gelezen worden"),
    ],
)
def test_unreadable_files_get_a_clear_dutch_message(client, manager, cohort, file, message):
    client.force_login(manager)
    response = upload(client, cohort, file)
    assert message in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_file_over_two_megabytes_is_refused(client, manager, cohort):
    client.force_login(manager)
    big = csv_file("e-mail;naam\n" + "x" * (imports.MAX_FILE_BYTES + 1))
    assert "groter dan 2 MB" in upload(client, cohort, big).content.decode()


def test_every_row_error_is_shown_in_the_preview(client, manager, cohort, coach, enrolment):
    client.force_login(manager)
    file = xlsx(
        [
            ["geen-adres", "Piet", "", "", ""],
            ["ok@example.nl", "Ok", "", "", ""],
            ["ok@example.nl", "Ok Twee", "", "", ""],
            ["nieuw@example.nl", "", "", "", ""],
            ["coachloos@example.nl", "Coachloos", "", "onbekend@example.nl", ""],
            ["datum@example.nl", "Datum", "", "", "31-31-2026"],
            [enrolment.learner.email, "Al binnen", "", coach.email, ""],
        ]
    )
    content = upload(client, cohort, file).content.decode()
    assert "‘geen-adres’ is geen geldig e-mailadres." in content
    assert "Dit e-mailadres staat ook op regel 3." in content
    assert "Een nieuwe lerende heeft een naam nodig." in content
    assert "‘onbekend@example.nl’ is geen coach in je organisatie." in content
    assert "‘31-31-2026’ is geen datum" in content
    assert "Al ingeschreven in dit programma." in content
    assert "6 regels hebben een fout" in content
    assert "lerenden importeren" not in content
    assert Enrolment.objects.count() == 1


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
    assert (
        "Alle 2 regels zijn klaar om te importeren."
        in upload(client, cohort, file).content.decode()
    )
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
    client, cohort, manager, monkeypatch
):
    sent = []
    monkeypatch.setattr(services.werkplek_services, "email_enqueue", lambda **m: sent.append(m))
    services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
        site_url="http://testserver",
    )
    [message] = sent
    assert message["subject"] == "Je bent uitgenodigd voor Inwerken orderpicker"
    link = next(word for word in message["body"].split() if word.startswith("http://"))
    page = client.get(link.removeprefix("http://testserver"))
    assert 'name="password1"' in page.content.decode()


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
        services.enrolment_import(cohort=cohort, rows=rows, site_url="http://x", invited_by=manager)
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


def test_confirm_without_a_preview_asks_for_the_file_again(client, manager, cohort):
    client.force_login(manager)
    response = confirm(client, cohort)
    assert "Upload het bestand opnieuw" in response.content.decode()


def test_an_account_outside_the_organisation_is_never_revealed(
    client, manager, cohort, other_manager
):
    client.force_login(manager)
    unknown = upload(client, cohort, xlsx([["nobody@example.nl", "Iemand", "", "", ""]]))
    outsider = upload(client, cohort, xlsx([[other_manager.email, "Iemand", "", "", ""]]))
    assert "nieuw in je organisatie, krijgt een uitnodiging" in unknown.content.decode()
    assert "nieuw in je organisatie, krijgt een uitnodiging" in outsider.content.decode()
    assert "al in je organisatie" not in outsider.content.decode()


@pytest.mark.parametrize("date", ["31-12-9999", "1-1-1900"])
def test_an_implausible_start_date_is_a_row_error(client, manager, cohort, date):
    client.force_login(manager)
    response = upload(client, cohort, xlsx([["nina@example.nl", "Nina", "", "", date]]))
    assert "is geen datum" in response.content.decode()


def test_a_csv_with_a_giant_field_is_refused_with_a_message(client, manager, cohort):
    client.force_login(manager)
    text = 'e-mail;naam\nnina@example.nl;"' + "x" * 200_000 + '"\n'
    response = upload(client, cohort, csv_file(text))
    assert "Dit CSV-bestand kan niet gelezen worden." in response.content.decode()
