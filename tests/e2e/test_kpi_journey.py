"""On a phone, a manager enters a KPI's value with a decimal comma, is asked to correct rather
than overwrite a second one, and sees the old value kept in the history. (Defining the KPI is
part of test_kpi_manager_journey.)"""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpis.models import Measurement
from tests.factories import PASSWORD, KPIFactory, MembershipFactory, OrganizationFactory

SHOTS = Path("/work/shots/kpis")


@pytest.fixture
def kpi(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    return KPIFactory(
        organization=organization,
        created_by=manager,
        name="Orderregels per uur",
        unit="orderregels per uur",
        decimals=1,
        min_value=Decimal("0"),
        max_value=Decimal("300"),
    )


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


def test_manager_enters_and_corrects_a_value_on_a_phone(kpi, page, live_server, log_in, axe):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(kpi.created_by.email, PASSWORD)
    page.get_by_role("button", name="Menu openen of sluiten").click()
    page.get_by_role("link", name="KPI's").click()
    expect(page.get_by_text("0 metingen")).to_be_visible()
    page.get_by_role("link", name="Orderregels per uur").click()

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
    # The chart's table counts the corrected value once, with its n.
    page.get_by_text("Tabel", exact=True).click()
    expect(page.get_by_role("region", name="Waarden per periode").get_by_role("row")).to_have_text(
        ["Periode Waarde n", "oktober 2026 114,0 orderregels per uur 1"], use_inner_text=True
    )
    axe(page)
    fits_the_phone(page)
    shoot(page, "kpi-detail")

    page.get_by_role("link", name="KPI's").first.click()
    expect(page.get_by_text("1 meting")).to_be_visible()
    axe(page)
    shoot(page, "kpi-list")
