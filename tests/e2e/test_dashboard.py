"""After the nightly roll-up of the demo, a manager opens the organisation's and a program's
dashboard on a phone and on a desktop: the charts draw, the tables hold the same numbers with
their n."""

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


def wait_for_charts(page):
    """Wait (up to 5 s) until every canvas has its chart: the scripts are deferred. Polled
    with page.evaluate, which the page's CSP allows; wait_for_function evaluates a string in
    the page, which the CSP (no unsafe-eval) refuses whenever the first check is too early."""
    drawn = (
        "() => !!window.Chart && [...document.querySelectorAll('canvas')]"
        ".every(c => window.Chart.getChart(c))"
    )
    for _attempt in range(50):
        if page.evaluate(drawn):
            return
        page.wait_for_timeout(100)
    pytest.fail("the charts were not drawn within 5 seconds")


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
    page.get_by_role("main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name=f"Dashboard: {program.name}")).to_be_visible()
    # Chart.js drew on each canvas: a drawn canvas has a non-zero size and a chart attached.
    canvases = page.locator("canvas")
    assert canvases.count() >= 3
    expect(page.locator("#chart-levels")).to_be_visible()
    wait_for_charts(page)
    snapshot = ProgramSnapshot.objects.filter(program=program).latest("day")
    expect(page.get_by_role("status").first).to_contain_text(str(snapshot.enrolments))
    page.get_by_text("Tabel").first.click()
    expect(page.get_by_role("columnheader", name="n").first).to_be_visible()
    expect(page.get_by_role("row", name="Feedbackritme gehouden (%)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe(page)
    if SHOTS.is_dir():
        page.screenshot(path=SHOTS / f"dashboard-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_organisation_dashboard_compares_the_programs_at_phone_and_desktop_width(
    program, page, live_server, log_in, axe, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    navigation = page.get_by_role("navigation", name="Hoofdnavigatie")
    if width < 992:  # the links fold into the menu
        navigation.get_by_role("button", name="Menu openen of sluiten").click()
    navigation.get_by_role("link", name="Dashboard").click()
    organization = program.organization
    expect(page.get_by_role("heading", name=f"Dashboard: {organization.name}")).to_be_visible()
    wait_for_charts(page)
    expect(page.locator("#chart-programs")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=program.name))
    snapshot = ProgramSnapshot.objects.filter(program=program).latest("day")
    expect(row).to_contain_text(f"lopend {snapshot.running}")
    expect(row).to_contain_text(f"n = {snapshot.kpis['feedback_rhythm_kept']['n']}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    axe(page)
    if SHOTS.is_dir():
        page.screenshot(path=SHOTS / f"organisation-dashboard-{width}.png", full_page=True)
    row.get_by_role("link", name=program.name).click()
    expect(page.get_by_role("heading", name=f"Dashboard: {program.name}")).to_be_visible()
