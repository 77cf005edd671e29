"""Recognition on a phone: the coach marks Zoë independent, Zoë downloads her certificate
from her own page, the L&D manager thanks the coach, and the coach reads the thank-you."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from coaching import services
from tests.factories import (
    PASSWORD,
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
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
def ready(transactional_db):
    """Zoë reached every goal and signed-off task; Mohamed coaches her; Mira manages."""
    today = timezone.localdate()
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Mohamed Amrani"
    ).user
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Mira Jansen"
    ).user
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    safety = LearningGoalFactory(program=program, title="Veilig werken", position=1)
    scanning = LearningGoalFactory(program=program, title="Werken met de scanner", position=2)
    task = ChecklistItemFactory(goal=safety, title="Draagt veiligheidsschoenen")
    cohort = CohortFactory(program=program, starts_on=today - datetime.timedelta(days=21))
    learner = MembershipFactory(organization=organization, user__name="Zoë Nguyễn").user
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    services.feedback_moment_create(
        enrolment=enrolment,
        actor=coach,
        occurred_on=today - datetime.timedelta(days=2),
        shift="morning",
        went_well="Zelfstandig gescand en veilig gewerkt.",
        levels={safety.pk: 3, scanning.pk: 4},
        sign_off_items=[task],
    )
    return coach, manager, learner, enrolment


def test_a_certificate_for_the_learner_and_a_thank_you_for_the_coach(
    ready, page, live_server, log_in, axe, tmp_path
):
    coach, manager, learner, enrolment = ready
    page.set_viewport_size(PHONE)

    log_in(coach.email, PASSWORD)
    page.goto(f"{live_server.url}/mijn-lerenden/")
    page.get_by_role("button", name="Verklaar Zoë zelfstandig").click()
    expect(page.get_by_role("heading", name="Zelfstandig sinds")).to_be_visible()
    axe(page)
    shoot(page, "progress-coach")

    # Zoë's only enrolment has ended: her own page lists it with the achievement.
    page.context.clear_cookies()
    log_in(learner.email, PASSWORD)
    page.goto(f"{live_server.url}/mijn-voortgang/")
    card = page.locator("section.card").filter(has_text="Zelfstandig sinds")
    expect(card).to_contain_text("Inwerken orderpicker")
    fits_the_phone(page)
    axe(page)
    shoot(page, "my-progress")
    with page.expect_download() as download:
        card.get_by_role("link", name="Certificaat downloaden").click()
    assert download.value.suggested_filename == "certificaat-zoe-nguyen.pdf"
    saved = tmp_path / "certificaat.pdf"
    download.value.save_as(saved)
    text = PdfReader(saved).pages[0].extract_text()
    assert "Zoë Nguyễn" in text
    assert "Mohamed Amrani" in text
    if os.environ.get("SCREENSHOT_DIR"):
        Path(os.environ["SCREENSHOT_DIR"], "certificate.pdf").write_bytes(saved.read_bytes())

    # The manager thanks the coach from Zoë's achievement.
    page.context.clear_cookies()
    log_in(manager.email, PASSWORD)
    page.goto(f"{live_server.url}/deelnames/{enrolment.pk}/voortgang/")
    axe(page)
    page.get_by_role("link", name="Mohamed bedanken").click()
    expect(page.get_by_role("heading", name="Mohamed Amrani bedanken")).to_be_visible()
    axe(page)
    page.get_by_label("Je bedankje").fill("Dank je wel voor je geduld met Zoë!")
    page.get_by_role("button", name="Bedankje versturen").click()
    expect(page.get_by_text("Je bedankje is verstuurd naar Mohamed Amrani.")).to_be_visible()
    expect(page.get_by_role("heading", name="Eerder verstuurd")).to_be_visible()
    fits_the_phone(page)
    axe(page)
    shoot(page, "thank-coach")
    page.goto(f"{live_server.url}/organisaties/dc-noord/")
    expect(page.get_by_role("link", name="Mohamed Amrani bedanken")).to_be_visible()
    axe(page)
    shoot(page, "organisation")

    # The coach reads it on his own page.
    page.context.clear_cookies()
    log_in(coach.email, PASSWORD)
    page.goto(f"{live_server.url}/mijn-lerenden/")
    thanks = page.get_by_role("region", name="Bedankjes")
    expect(thanks).to_contain_text("Dank je wel voor je geduld met Zoë!")
    expect(thanks).to_contain_text("Mira Jansen")
    axe(page)
    shoot(page, "coach-home")
    page.goto(f"{live_server.url}/bedankjes/")
    expect(page.get_by_text("Dank je wel voor je geduld met Zoë!")).to_be_visible()
    fits_the_phone(page)
    axe(page)
    shoot(page, "thanks")
