"""On a phone, a manager defines a KPI, enters a value with a decimal comma, is asked to
correct rather than overwrite a second one, and sees the old value kept in the history."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpis.models import KPI, Measurement
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory

SHOTS = Path("/work/shots/kpis")


@pytest.fixture
def manager(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    return manager


def shoot(page, name):
    """Full-page screenshots at phone and desktop width, for review."""
    if not SHOTS.is_dir():
        return
    width = page.viewport_size["width"]
    for shot_width in (390, 1280):
        page.set_viewport_size({"width": shot_width, "height": 844})
        page.screenshot(path=SHOTS / f"{name}-{shot_width}.png", full_page=True)
    page.set_viewport_size({"width": width, "height": 844})


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_manager_defines_a_kpi_and_enters_and_corrects_a_value_on_a_phone(
    manager, page, live_server, log_in, axe
):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(manager.email, PASSWORD)
    page.get_by_role("button", name="Menu openen of sluiten").click()
    page.get_by_role("link", name="KPI's").click()
    expect(page.get_by_text("0 KPI's")).to_be_visible()
    axe(page)
    fits_the_phone(page)

    page.get_by_role("link", name="Nieuwe KPI").click()
    page.get_by_label("Naam").fill("Orderregels per uur")
    page.get_by_label("Programma").select_option(label="Inwerken orderpicker")
    page.get_by_label("Eenheid").fill("orderregels per uur")
    page.get_by_label("Decimalen").fill("1")
    page.get_by_label("Gemeten per").select_option(label="organisatie")
    page.get_by_label("Hoe vaak").select_option(label="elke maand")
    page.get_by_label("Nulmeting", exact=True).fill("72,5")
    page.get_by_label("Datum nulmeting").fill("2026-05-01")
    page.get_by_label("Streefwaarde", exact=True).fill("85")
    page.get_by_label("Streefdatum").fill("2027-06-01")
    page.get_by_label("Laagst mogelijke waarde").fill("0")
    page.get_by_label("Hoogst mogelijke waarde").fill("300")
    axe(page)
    fits_the_phone(page)
    shoot(page, "kpi-form")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_role("heading", name="Orderregels per uur")).to_be_visible()
    expect(page.get_by_text("KPI aangemaakt. Voer nu de eerste meting in.")).to_be_visible()
    assert KPI.objects.get().baseline_value == Decimal("72.5")
    page.get_by_label("Dag in de periode").fill("2026-10-14")
    page.get_by_role("textbox", name="Waarde").fill("112,5")
    page.get_by_role("button", name="Meting opslaan").click()
    expect(page.get_by_text("Meting opgeslagen.")).to_be_visible()
    expect(page.get_by_role("cell", name="112,5 orderregels per uur")).to_be_visible()
    assert Measurement.objects.get().value == Decimal("112.5")

    # A second value for October: refused until it is marked as a correction.
    page.get_by_label("Dag in de periode").fill("2026-10-20")
    page.get_by_role("textbox", name="Waarde").fill("114")
    page.get_by_role("button", name="Meting opslaan").click()
    expect(
        page.get_by_text("Er is al een meting voor deze periode; kies 'corrigeren'.")
    ).to_be_visible()
    expect(page.get_by_role("textbox", name="Waarde")).to_have_value("114")
    axe(page)
    fits_the_phone(page)
    shoot(page, "kpi-detail-refused")
    page.get_by_label("Corrigeren: vervang de waarde die er al staat").check()
    page.get_by_role("button", name="Meting opslaan").click()
    expect(page.get_by_role("cell", name="114,0 orderregels per uur")).to_be_visible()
    page.get_by_text("gecorrigeerd (1 eerdere waarde)").click()
    expect(page.get_by_text("112,5 orderregels per uur")).to_be_visible()
    assert Measurement.objects.current().get().value == Decimal("114")
    axe(page)
    fits_the_phone(page)
    shoot(page, "kpi-detail")

    page.get_by_role("link", name="KPI's").first.click()
    expect(page.get_by_text("1 meting")).to_be_visible()
    axe(page)
    shoot(page, "kpi-list")
