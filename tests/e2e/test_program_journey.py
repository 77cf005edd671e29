"""A manager builds a program, imports a group from a file with a mistake, pairs and duplicates."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from programs.models import Enrolment, Invitation, Pairing, Program
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory


@pytest.fixture
def team(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    coach = MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        coach_capacity=4,
        user__name="Mohamed Amrani",
        user__email="mohamed@dc-noord.nl",
    ).user
    # Ali already works here; Nina is new to the organisation and gets an invitation.
    MembershipFactory(
        organization=organization, user__name="Ali Demir", user__email="ali@dc-noord.nl"
    )
    return manager, coach


def learner_file(tmp_path, coach_email):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["E-mail", "Naam", "Team", "E-mail coach", "Startdatum"])
    sheet.append(["nina@dc-noord.nl", "Nina Kok", "", "mohamed@dc-noord.nl", "7-12-2026"])
    sheet.append(["ali@dc-noord.nl", "Ali Demir", "", coach_email, "7-12-2026"])
    path = tmp_path / f"lerenden-{coach_email.split('@')[0]}.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_manager_builds_imports_pairs_and_duplicates_a_program(
    team, page, live_server, log_in, axe, tmp_path
):
    manager, coach = team
    log_in(manager.email, PASSWORD)

    # Create the program.
    page.get_by_role("link", name="Leerprogramma's").first.click()
    axe(page)
    page.get_by_role("link", name="Nieuw programma").click()
    page.get_by_label("Naam").fill("Inwerken reachtruck")
    page.get_by_label("Bedrijfsdoel").fill("Nieuwe chauffeurs rijden na drie weken zelfstandig.")
    page.get_by_label("Geplande duur (weken)").fill("3")
    page.get_by_label("coaching op de werkvloer").check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("heading", name="Inwerken reachtruck")).to_be_visible()

    # A goal with a checklist task, added in place.
    page.get_by_label("Titel").fill("Veilig rijden met de reachtruck")
    page.get_by_label("Streefweek").fill("2")
    page.get_by_role("button", name="Leerdoel toevoegen").click()
    expect(page.get_by_role("heading", name="1. Veilig rijden met de reachtruck")).to_be_visible()
    page.get_by_placeholder("Nieuwe zichtbare taak").fill("Doet de dagelijkse controle")
    page.get_by_role("button", name="Taak toevoegen").click()
    expect(page.get_by_text("Doet de dagelijkse controle")).to_be_visible()
    axe(page)

    # A pilot group, filled from a file with a mistake in it.
    page.get_by_role("link", name="Nieuwe groep").click()
    page.get_by_label("Naam").fill("Pilotgroep december")
    page.get_by_label("Startdatum").fill("2026-12-07")
    page.get_by_label("Pilotgroep").check()
    page.get_by_role("button", name="Groep aanmaken").click()
    page.get_by_role("link", name="Lerenden importeren").click()
    page.get_by_label("Lijst met lerenden").set_input_files(
        learner_file(tmp_path, "moh@dc-noord.nl")
    )
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_text("‘moh@dc-noord.nl’ is geen coach in je organisatie.")).to_be_visible()
    expect(page.get_by_role("button", name="lerenden importeren")).to_have_count(0)
    axe(page)
    assert not Enrolment.objects.exists()

    page.get_by_label("Lijst met lerenden").set_input_files(
        learner_file(tmp_path, "mohamed@dc-noord.nl")
    )
    page.get_by_role("button", name="Bestand controleren").click()
    page.get_by_role("button", name="2 lerenden importeren").click()
    expect(page.get_by_text("1 lerende ingeschreven. 1 persoon uitgenodigd.")).to_be_visible()
    expect(page.get_by_text("Nina Kok")).to_be_visible()
    assert Pairing.objects.filter(coach=coach).count() == 1
    assert Invitation.objects.get().coach == coach
    axe(page)

    # Pair: move Ali to a second coach.
    second = MembershipFactory(
        organization=coach.memberships.get().organization,
        is_coach=True,
        is_learner=False,
        user__name="Ingrid Bakker",
    ).user
    page.reload()
    page.get_by_label("Ali Demir").check()
    page.get_by_label("Coach zoeken").fill("Ingrid")
    page.get_by_role("radio", name=re.compile("^Ingrid Bakker")).check()
    page.get_by_role("button", name="Coach koppelen").click()
    expect(page.get_by_text("Ingrid Bakker coacht nu 1 lerende meer.")).to_be_visible()
    expect(page.get_by_role("cell", name="Ingrid Bakker")).to_be_visible()
    assert Pairing.objects.filter(coach=second, ended_on__isnull=True).count() == 1

    # Duplicate for the next location.
    page.get_by_role("link", name="Inwerken reachtruck").click()
    page.get_by_role("link", name="Dupliceren").click()
    page.get_by_role("button", name="Kopie maken").click()
    expect(page.get_by_role("heading", name="Inwerken reachtruck (kopie)")).to_be_visible()
    expect(page.get_by_role("heading", name="1. Veilig rijden met de reachtruck")).to_be_visible()
    copy = Program.objects.get(name="Inwerken reachtruck (kopie)")
    assert not Enrolment.objects.filter(cohort__program=copy).exists()
