"""What werkplek keeps and who changed it, on a phone: a learner reads the privacy page and
their own history; an L&D manager reads a program's history and erases a person; an L&D
manager whose organisation requires two-step sign-in sets it up before anything else."""

import base64

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from playwright.sync_api import expect

from programs.models import Program
from werkplek.demo import DEMO_PASSWORD, LEARNER_EMAIL, MANAGER_EMAIL
from werkplek.models import Organization, User


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_learner_reads_what_is_kept_and_who_changed_their_records(demo, phone, log_in, axe):
    log_in(LEARNER_EMAIL, DEMO_PASSWORD)
    phone.get_by_role("link", name="Privacy").click()
    expect(
        phone.get_by_role("heading", name="Privacy: wat werkplek over jou bewaart")
    ).to_be_visible()
    fits_the_screen(phone)
    axe(phone)

    phone.goto(phone.url.replace("/privacy/", "/mijn-voortgang/geschiedenis/"))
    expect(phone.get_by_role("heading", name="Geschiedenis")).to_be_visible()
    expect(phone.get_by_role("list", name="Wijzigingen")).to_contain_text(
        "Feedback van een collega"
    )
    fits_the_screen(phone)
    axe(phone)


def test_a_manager_reads_a_program_history_and_erases_a_person(
    demo, phone, live_server, log_in, axe
):
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    program = Program.objects.get(name="Inwerken orderpicker")
    phone.goto(f"{live_server.url}/programmas/{program.pk}/geschiedenis/")
    entries = phone.get_by_role("list", name="Wijzigingen")
    expect(entries).to_contain_text("Feedbackritme (werkdagen)")
    # The edit-conflict counter is no change a person made.
    expect(entries).not_to_contain_text("Version")
    fits_the_screen(phone)
    axe(phone)

    person = User.objects.get(email="bram.smit@demo.werkplek.nl")
    slug = Organization.objects.get().slug
    phone.goto(f"{live_server.url}/organisaties/{slug}/mensen/{person.pk}/verwijderen/")
    expect(phone.get_by_role("heading", name="Gegevens van Bram Smit wissen")).to_be_visible()
    axe(phone)
    name = phone.get_by_label("Typ ter bevestiging de naam van de persoon")
    name.fill("Bram")
    phone.get_by_role("button", name="Definitief wissen").click()
    expect(
        phone.get_by_text("De naam die je typte is niet de naam van deze persoon.")
    ).to_be_visible()
    expect(name).to_have_value("Bram")
    axe(phone)
    name.fill("Bram Smit")
    phone.get_by_role("button", name="Definitief wissen").click()
    expect(phone.get_by_role("status").first).to_contain_text(
        "De gegevens van de persoon zijn gewist."
    )
    expect(phone.get_by_text("Bram Smit")).to_have_count(0)
    axe(phone)


def test_a_manager_sets_up_the_two_step_sign_in_the_organisation_requires(
    demo, phone, live_server, log_in, axe
):
    organization = Organization.objects.get()
    organization.two_factor_required_for_managers = True
    organization.save(update_fields=["two_factor_required_for_managers"])
    setup_url = f"{live_server.url}/account/tweestaps/"

    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    expect(phone).to_have_url(setup_url)
    expect(phone.get_by_role("heading", name="Inloggen in twee stappen")).to_be_visible()
    expect(phone.get_by_text("Je organisatie vraagt van L&D-managers")).to_be_visible()
    fits_the_screen(phone)
    axe(phone)
    # Typing another address leads back to the set-up.
    phone.goto(f"{live_server.url}/organisaties/{organization.slug}/")
    expect(phone).to_have_url(setup_url)

    secret = phone.locator("code").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    phone.get_by_label("Code uit je app").fill(f"{totp(key):06d}")
    phone.get_by_role("button", name="Inloggen in twee stappen aanzetten").click()
    expect(phone.get_by_role("heading", name="Inloggen in twee stappen staat aan")).to_be_visible()
    axe(phone)
    phone.get_by_role("link", name="Ik heb ze bewaard").click()

    phone.goto(f"{live_server.url}/organisaties/{organization.slug}/")
    expect(phone.get_by_role("heading", name=organization.name)).to_be_visible()
    phone.get_by_role("link", name="Geschiedenis").click()
    expect(phone.get_by_role("list", name="Wijzigingen")).to_contain_text(
        "Inloggen in twee stappen verplicht voor L&D-managers"
    )
    fits_the_screen(phone)
    axe(phone)
