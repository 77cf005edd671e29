"""On a phone, a manager of a large organisation searches and pages through people, and pairs
a learner with a coach found by typing part of the name."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from programs.models import Pairing
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    members_in_bulk,
)

SHOTS = Path("/work/shots/lists")


@pytest.fixture
def large_organisation(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    members_in_bulk(organization, 120)  # 30 coaches among them
    MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        coach_capacity=3,
        user__name="Wilma Zoekbaar",
        user__email="wilma.zoekbaar@distributiecentrum-noord.nl",
    )
    for number in range(28):
        ProgramFactory(organization=organization, owner=manager, name=f"Inwerken {number:02}")
    cohort = CohortFactory(program=ProgramFactory(organization=organization, owner=manager))
    learner = EnrolmentFactory(
        cohort=cohort,
        learner=MembershipFactory(organization=organization, user__name="Ali Demir").user,
    )
    return manager, cohort, learner


def shoot(page, name):
    if SHOTS.is_dir():
        page.screenshot(path=SHOTS / f"{name}-{page.viewport_size['width']}.png", full_page=True)


def test_manager_searches_pages_and_picks_a_coach_on_a_phone(
    large_organisation, page, live_server, log_in, axe
):
    manager, cohort, learner = large_organisation
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(manager.email, PASSWORD)

    # People: 50 a page, searchable by e-mail address, nothing wider than the screen.
    page.goto(f"{live_server.url}/organisaties/dc-noord/")
    expect(page.get_by_text("123 mensen")).to_be_visible()
    expect(page.get_by_text("Pagina 1 van 3")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe(page)
    shoot(page, "people")
    page.get_by_role("link", name="Volgende").click()
    expect(page.get_by_text("Pagina 2 van 3")).to_be_visible()
    page.get_by_label("Zoek op naam of e-mailadres").fill("distributiecentrum-noord")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_text("1 persoon")).to_be_visible()
    expect(page.get_by_text("Wilma Zoekbaar")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "people-search")

    # Programs: 25 a page.
    page.goto(f"{live_server.url}/programmas/")
    expect(page.get_by_text("29 programma's")).to_be_visible()
    expect(page.get_by_text("Pagina 1 van 2")).to_be_visible()
    axe(page)
    shoot(page, "program-list")

    # The group: find the coach by typing, pick and pair.
    page.goto(f"{live_server.url}/programmas/groepen/{cohort.pk}/")
    expect(page.get_by_role("radio")).to_have_count(8)
    page.get_by_label("Ali Demir").check()
    page.get_by_label("Coach zoeken").fill("zoekb")
    wilma = page.get_by_role("radio", name=re.compile("^Wilma Zoekbaar"))
    expect(wilma).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(1)
    expect(page.get_by_text("0 van 3 lerenden")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe(page)
    shoot(page, "group-picker")
    wilma.check()
    page.get_by_role("button", name="Coach koppelen").click()
    expect(page.get_by_text("Wilma Zoekbaar coacht nu 1 lerende meer.")).to_be_visible()
    assert Pairing.objects.get(enrolment=learner).coach.name == "Wilma Zoekbaar"
