"""On a phone, a manager imports a Dutch CSV whose values change recorded ones, and is asked to
correct them. (The import after fixing a flagged row is part of test_kpi_manager_journey.)"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kpis.choices import Cadence, SubjectLevel
from kpis.models import Measurement
from tests.factories import (
    PASSWORD,
    KPIFactory,
    MeasurementFactory,
    MembershipFactory,
    OrganizationFactory,
)

SHOTS = Path("/work/shots/kimport")

HEADER = "Orderregels per uur – augustus;;\n;;\nE-mailadres;Periode;Waarde\n"
FIXED = HEADER + "anna@example.nl;3-8-2026;112,5\nbram@example.nl;2026-08;1.234,5\n"


@pytest.fixture
def kpi(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    for email, name in (("anna", "Anna Jansen"), ("bram", "Bram Bakker")):
        MembershipFactory(
            organization=organization, user__email=f"{email}@example.nl", user__name=name
        )
    return KPIFactory(
        organization=organization,
        created_by=manager,
        name="Orderregels per uur",
        unit="orderregels per uur",
        subject_level=SubjectLevel.LEARNER,
        cadence=Cadence.MONTH,
        decimals=1,
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


def csv_file(text):
    return {"name": "metingen.csv", "mimeType": "text/csv", "buffer": text.encode("cp1252")}


def test_a_file_that_changes_a_recorded_value_asks_to_correct_it(
    kpi, page, live_server, log_in, axe
):
    anna = kpi.organization.memberships.get(user__email="anna@example.nl").user
    MeasurementFactory(kpi=kpi, learner=anna, period_start=date(2026, 8, 1), value=100)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(kpi.created_by.email, PASSWORD)
    page.goto(f"{live_server.url}{reverse('kpis:measurement-import', args=[kpi.pk])}")

    page.get_by_label("Bestand met waarden").set_input_files(csv_file(FIXED))
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_text("corrigeert de vastgelegde waarde 100,0")).to_be_visible()
    axe(page)
    fits_the_phone(page)
    shoot(page, "import-correction")
    page.get_by_label("Corrigeer de vastgelegde waarden").check()
    page.get_by_role("button", name="2 waarden importeren").click()

    expect(page.get_by_text("2 waarden vastgelegd.")).to_be_visible()
    page.get_by_text("gecorrigeerd (1 eerdere waarde)").click()
    expect(page.get_by_text("100,0 orderregels per uur")).to_be_visible()
    assert Measurement.objects.current().get(learner=anna).value == Decimal("112.5")
