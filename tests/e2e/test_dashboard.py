"""After the nightly roll-up of the demo, a manager opens a program's dashboard on a phone
and on a desktop: the charts draw, the tables hold the same numbers with their n."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kpis.models import ProgramSnapshot
from kpis.rollups import rollup_all
from werkplek.demo import DEMO_PASSWORD, MANAGER_EMAIL

SHOTS = Path("/work/shots/dash")


@pytest.fixture
def program(transactional_db):
    call_command("seed_demo")
    rollup_all(on=timezone.localdate())
    return ProgramSnapshot.objects.order_by("-enrolments").first().program


@pytest.mark.parametrize("width", [390, 1280])
def test_the_dashboard_draws_its_charts_and_tables_at_phone_and_desktop_width(
    program, page, live_server, log_in, axe, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    page.goto(live_server.url + reverse("programs:detail", args=[program.pk]))
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name=f"Dashboard: {program.name}")).to_be_visible()
    # Chart.js drew on each canvas: a drawn canvas has a non-zero size and a chart attached.
    canvases = page.locator("canvas")
    assert canvases.count() >= 3
    expect(page.locator("#chart-levels")).to_be_visible()
    # The scripts are deferred: wait (up to 5 s) until every canvas has its chart.
    page.wait_for_function(
        "window.Chart && [...document.querySelectorAll('canvas')]"
        ".every(c => window.Chart.getChart(c))",
        timeout=5000,
    )
    snapshot = ProgramSnapshot.objects.filter(program=program).latest("day")
    expect(page.get_by_role("status").first).to_contain_text(str(snapshot.enrolments))
    page.get_by_text("Tabel").first.click()
    expect(page.get_by_role("columnheader", name="n").first).to_be_visible()
    expect(page.get_by_role("row", name="Feedbackritme gehouden (%)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe(page)
    if SHOTS.is_dir():
        page.screenshot(path=SHOTS / f"dashboard-{width}.png", full_page=True)
