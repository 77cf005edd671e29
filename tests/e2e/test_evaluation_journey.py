"""Program evaluation on a phone: Zoë's enrolment has ended and she evaluates the program
from her progress page; the L&D manager reads the program's results, and a group with too
few answers shows only that."""

import datetime
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching import evaluations
from programs import services as program_services
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
)

PHONE = {"width": 390, "height": 844}
STATEMENTS = [
    "Het programma hielp me in mijn werk.",
    "Mijn coach maakte tijd voor me.",
    "De feedback die ik kreeg was bruikbaar.",
    "Ik wist wat ik moest leren en wanneer.",
]


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
def finished(transactional_db):
    """Five learners of the spring group and one of the autumn group evaluated the program;
    Zoë, also of the autumn group, finished yesterday and has not yet."""
    today = timezone.localdate()
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Mira Jansen"
    ).user
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Mohamed Amrani"
    ).user
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    started = today - datetime.timedelta(days=40)
    spring = CohortFactory(program=program, name="Voorjaarsgroep", starts_on=started)
    autumn = CohortFactory(program=program, name="Najaarsgroep", starts_on=started)

    def ended(cohort, name):
        learner = MembershipFactory(organization=organization, user__name=name).user
        enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
        PairingFactory(enrolment=enrolment, coach=coach, started_on=started)
        program_services.enrolment_end(
            actor=manager,
            enrolment=enrolment,
            reason="stopped",
            ended_on=today - datetime.timedelta(days=1),
        )
        return enrolment

    spring_scores = [[5, 4, 4, 3], [4, 4, 5, 4], [4, 3, 4, 4], [5, 5, 4, 4], [4, 4, 4, 4]]
    for number, scores in enumerate(spring_scores):
        enrolment = ended(spring, f"Lerende {number}")
        evaluations.learner_evaluation_submit(
            actor=enrolment.learner,
            enrolment=enrolment,
            scores=scores,
            open_answer="Meer tijd in de koelcel." if number == 0 else "",
        )
    enrolment = ended(autumn, "Kim de Vries")
    evaluations.learner_evaluation_submit(
        actor=enrolment.learner, enrolment=enrolment, scores=[2, 3, 3, 2], open_answer="Te druk."
    )
    return manager, program, autumn, ended(autumn, "Zoë Nguyễn")


def test_the_learner_evaluates_and_the_manager_reads_the_results(
    finished, page, live_server, log_in, axe
):
    manager, program, autumn, zoe = finished
    page.set_viewport_size(PHONE)

    log_in(zoe.learner.email, PASSWORD)
    page.goto(f"{live_server.url}/deelnames/{zoe.pk}/voortgang/")
    card = page.get_by_role("region", name="Hoe was het programma?")
    expect(card).to_be_visible()
    axe(page)
    card.get_by_role("link", name="Evalueer het programma").click()
    expect(page.get_by_role("heading", name="Evalueer Inwerken orderpicker")).to_be_visible()
    axe(page)
    shoot(page, "evaluation-form")
    page.get_by_role("button", name="Evaluatie versturen").click()
    expect(page.get_by_text("Kies van 1 (oneens) tot 5 (eens).").first).to_be_visible()
    for statement, rating in zip(STATEMENTS, ["5", "4", "5", "3"], strict=True):
        group = page.get_by_role("group", name=statement, exact=True)
        group.locator("label").filter(has_text=rating).click()
    page.get_by_label("Wat zou je veranderen aan het programma?").fill("Een vaste buddy.")
    fits_the_phone(page)
    page.get_by_role("button", name="Evaluatie versturen").click()
    expect(page.get_by_text("Dank je wel voor je evaluatie.")).to_be_visible()
    expect(page.get_by_role("region", name="Hoe was het programma?")).to_have_count(0)

    # The spring group's five show, without names; the autumn group's two do not count.
    page.context.clear_cookies()
    log_in(manager.email, PASSWORD)
    page.goto(f"{live_server.url}/programmas/{program.pk}/")
    page.get_by_role("link", name="Evaluatieresultaten").click()
    expect(page.get_by_role("heading", name="5 mensen antwoordden")).to_be_visible()
    expect(page.get_by_text("Groepen met te weinig antwoorden tellen niet mee")).to_be_visible()
    expect(page.get_by_role("heading", name=STATEMENTS[0])).to_be_visible()
    expect(page.get_by_text("Meer tijd in de koelcel.")).to_be_visible()
    expect(page.get_by_text("Een vaste buddy.")).to_have_count(0)
    expect(page.get_by_text("Zoë Nguyễn")).to_have_count(0)
    fits_the_phone(page)
    axe(page)
    shoot(page, "evaluation-results")

    # The autumn group alone has two: too few to show anything of it.
    page.get_by_role("link", name="te weinig antwoorden Najaarsgroep").click()
    expect(page.get_by_text("Te weinig antwoorden om te tonen")).to_be_visible()
    expect(page.get_by_text("Een vaste buddy.")).to_have_count(0)
    expect(page.get_by_text("Te druk.")).to_have_count(0)
    axe(page)
    shoot(page, "evaluation-results-too-few")

    page.goto(f"{live_server.url}/programmas/{program.pk}/evaluatievragen/")
    expect(page.get_by_label("Stellingen voor lerenden")).to_have_value("\n".join(STATEMENTS))
    fits_the_phone(page)
    axe(page)
    shoot(page, "evaluation-settings")
