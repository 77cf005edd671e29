"""A needs analysis on a phone: the L&D manager asks the team Inslag to rate a draft
program's goals, Zoë rates them from her notification, and the manager sees the goals
ordered by gap once she closes the round (the averages of the three people who answered)."""

import os

import pytest
from playwright.sync_api import expect

from programs.needs import services
from programs.needs.models import NeedsRequest
from tests.factories import (
    PASSWORD,
    LearningGoalFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
)

PHONE = {"width": 390, "height": 844}


def shoot(page, name):
    """Full-page screenshots at phone and desktop width, where the reviewer asks for them."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    width = page.viewport_size["width"]
    for shot_width in (390, 1280):
        page.set_viewport_size({"width": shot_width, "height": 844})
        page.screenshot(path=f"{folder}/{name}-{shot_width}.png", full_page=True)
    page.set_viewport_size({"width": width, "height": 844})


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def draft(transactional_db):
    """A draft program with three goals; the team Inslag is Zoë and two colleagues."""
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Mira Jansen"
    ).user
    program = ProgramFactory(
        organization=organization, owner=manager, name="Inwerken heftruck", status="draft"
    )
    for position, title in enumerate(["Veilig rijden", "Pallets stapelen", "Scanner gebruiken"]):
        LearningGoalFactory(program=program, title=title, position=position)
    team = [
        MembershipFactory(organization=organization, team="Inslag", user__name=name).user
        for name in ("Zoë Nguyễn", "Bram Smit", "Priya Ramdin")
    ]
    return manager, program, team


def test_the_team_rates_the_goals_and_the_manager_sees_them_by_gap(
    draft, page, live_server, log_in, axe
):
    manager, program, (zoe, *colleagues) = draft
    page.set_viewport_size(PHONE)

    log_in(manager.email, PASSWORD)
    page.goto(f"{live_server.url}/programmas/{program.pk}/")
    page.get_by_role("link", name="Behoefteanalyse starten").click()
    expect(page.get_by_role("heading", name="Behoefteanalyse", exact=True)).to_be_visible()
    axe(page)
    shoot(page, "needs-empty")
    page.get_by_role("link", name="Mensen vragen").click()
    page.get_by_label("Team").select_option("Inslag")
    fits_the_phone(page)
    axe(page)
    shoot(page, "needs-ask")
    page.get_by_role("button", name="Verzoeken versturen").click()
    expect(page.get_by_text("3 mensen zijn gevraagd de leerdoelen in te schatten.")).to_be_visible()
    expect(page.get_by_text("0 van 3 mensen hebben geantwoord")).to_be_visible()

    # Two colleagues answered already; Zoë answers on her phone.
    goals = list(program.goals.order_by("position"))
    for person in colleagues:
        request = NeedsRequest.objects.get(person=person)
        answers = dict(zip([g.pk for g in goals], [(5, 5), (3, 3), (5, 2)], strict=True))
        services.needs_answer(actor=person, request=request, answers=answers)
    page.context.clear_cookies()
    log_in(zoe.email, PASSWORD)
    page.goto(f"{live_server.url}/programmas/behoefteanalyse/")
    expect(page.get_by_text("te beantwoorden")).to_be_visible()
    axe(page)
    shoot(page, "needs-my-requests")
    page.get_by_role("link", name="Inwerken heftruck").click()
    expect(
        page.get_by_role("heading", name="Wat moet je leren voor Inwerken heftruck?")
    ).to_be_visible()
    page.get_by_role("button", name="Inschatting opslaan").click()  # nothing chosen yet
    expect(page.get_by_text("Kies hoe belangrijk dit is.").first).to_be_visible()
    for goal, (importance, ability) in zip(goals, [(5, 4), (2, 3), (5, 1)], strict=True):
        card = page.get_by_role("region", name=f"{goal.position + 1}. {goal.title}")
        card.get_by_role("group", name="Hoe belangrijk is dit in het werk?").get_by_text(
            str(importance), exact=True
        ).click()
        card.get_by_role("group", name="Hoe goed lukt het nu al?").get_by_text(
            str(ability), exact=True
        ).click()
    fits_the_phone(page)
    axe(page)
    shoot(page, "needs-answer")
    page.get_by_role("button", name="Inschatting opslaan").click()
    expect(page.get_by_text("Dank je: je inschatting is opgeslagen.")).to_be_visible()

    # The manager sees the goals by gap: the scanner first (5 × (5 − 1.7) = 16.7).
    page.context.clear_cookies()
    log_in(manager.email, PASSWORD)
    page.goto(f"{live_server.url}/programmas/{program.pk}/behoefteanalyse/")
    expect(page.get_by_text("3 van 3 mensen hebben geantwoord")).to_be_visible()
    # While the round is open no average shows: they would give away who answered last.
    expect(page.get_by_text("te zien zodra de ronde gesloten is").first).to_be_visible()
    expect(page.get_by_text("Iedereen die gevraagd is heeft geantwoord.")).to_be_visible()
    axe(page)
    shoot(page, "needs-open")
    page.get_by_role("button", name="Deze ronde sluiten").click()
    expect(page.get_by_text("De ronde is gesloten")).to_be_visible()
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows.first).to_contain_text("Scanner gebruiken")
    expect(rows.first).to_contain_text("16,7")
    expect(rows.last).to_contain_text("Veilig rijden")
    fits_the_phone(page)
    axe(page)
    shoot(page, "needs-overview")
    page.goto(f"{live_server.url}/programmas/{program.pk}/")
    expect(page.get_by_role("region", name="Behoefteanalyse")).to_contain_text("Scanner gebruiken")
    axe(page)
    shoot(page, "needs-program")
