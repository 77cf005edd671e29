"""On a phone, a manager reads the program dashboard's charts as a Dutch page: every goal keeps
its name on the levels chart, the KPI periods read as Dutch dates, and a program the nightly
roll-up has not reached yet still draws its KPI charts."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from kpis.models import ProgramSnapshot
from tests.e2e.test_dashboard import program, wait_for_charts  # noqa: F401 (a fixture)
from tests.factories import ProgramFactory
from werkplek.demo import DEMO_PASSWORD, MANAGER_EMAIL


def test_every_goal_keeps_its_name_and_periods_read_as_dutch_dates_at_390_px(
    program,  # noqa: F811
    page,
    live_server,
    log_in,
):
    page.set_viewport_size({"width": 390, "height": 900})
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    page.goto(live_server.url + reverse("kpis:dashboard", args=[program.pk]))
    wait_for_charts(page)
    goals = program.goals.count()
    # Chart.js skips axis labels that do not fit; each goal's name must stay, wrapped in lines
    # short enough for a phone's axis instead of cut off at the canvas edge.
    labels = page.evaluate(
        "() => { const y = window.Chart.getChart(document.getElementById('chart-levels')).scales.y;"
        " return y.ticks.map(t => y.getLabelForValue(t.value)); }"
    )
    assert len(labels) == goals
    assert all(
        isinstance(label, list) and all(len(line) <= 18 or " " not in line for line in label)
        for label in labels
    ), labels
    ticks = page.evaluate(
        "() => [...document.querySelectorAll('canvas[id^=chart-kpi-]')].map(c => {"
        " const x = window.Chart.getChart(c).scales.x; return x.ticks.map(t => t.label); })"
    )
    assert ticks and all(ticks)
    for label in (label for chart in ticks for label in chart):
        assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}", label), label
        assert re.fullmatch(r"\d{1,2} (jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec)", label)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_program_without_a_snapshot_yet_still_draws_the_organisation_kpis(
    program,  # noqa: F811
    page,
    live_server,
    log_in,
):
    fresh = ProgramFactory(
        organization=program.organization, owner=program.owner, name="Nieuw programma"
    )
    assert not ProgramSnapshot.objects.filter(program=fresh).exists()
    page.set_viewport_size({"width": 390, "height": 900})
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    page.goto(live_server.url + reverse("kpis:dashboard", args=[fresh.pk]))
    expect(page.get_by_role("status")).to_contain_text("Nog geen gegevens")
    expect(page.locator("canvas[id^=chart-kpi-]").first).to_be_visible()
    wait_for_charts(page)
