"""A coach on a phone logs feedback after a shift; the learner reflects; the coach reads it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import FeedbackMoment, SignOff
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


@pytest.fixture
def shift(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Mohamed Amrani"
    ).user
    program = ProgramFactory(organization=organization, name="Inwerken orderpicker")
    safety = LearningGoalFactory(program=program, title="Veilig werken", target_week=1)
    scanning = LearningGoalFactory(program=program, title="Werken met de scanner", target_week=2)
    ChecklistItemFactory(goal=safety, title="Draagt veiligheidsschoenen")
    ChecklistItemFactory(goal=scanning, title="Scant elke locatie")
    started = timezone.localdate() - datetime.timedelta(days=7)
    cohort = CohortFactory(program=program, starts_on=started)
    learner = MembershipFactory(organization=organization, user__name="Nina Kok").user
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    return coach, enrolment


def test_coach_logs_feedback_on_a_phone_and_learner_reflects(shift, page, live_server, log_in, axe):
    coach, enrolment = shift
    page.set_viewport_size(PHONE)
    log_in(coach.email, PASSWORD)

    page.goto(f"{live_server.url}/mijn-lerenden/")
    axe(page)
    page.get_by_role("link", name="Feedback geven aan Nina").click()

    # A goal's level shows once the coach marks it practised; nothing is chosen beforehand.
    scanner_levels = page.get_by_role("group", name="Niveau voor Werken met de scanner")
    expect(scanner_levels).to_be_hidden()
    expect(page.get_by_role("button", name="Feedback opslaan")).to_be_in_viewport()
    page.get_by_role("switch", name="Veilig werken").check()
    page.get_by_role("group", name="Niveau voor Veilig werken").get_by_text(
        "3 · zelfstandig"
    ).click()
    page.get_by_role("switch", name="Werken met de scanner").check()
    expect(scanner_levels.get_by_role("radio", checked=True)).to_have_count(0)
    scanner_levels.get_by_text("1 · beginner").click()
    scanner_levels.get_by_text("2 · met hulp").click()
    safety_tasks = page.get_by_role("group", name="Taken gezien en afgetekend").first
    safety_tasks.get_by_label("Draagt veiligheidsschoenen").check()
    page.get_by_label("Wat ging goed").fill("Je werkte veilig, ook toen het druk werd.")
    page.get_by_label("Wat kan beter").fill("Scan de locatie voordat je pakt.")
    page.get_by_label("Volgende stap").fill("Morgen een hele order zelf scannen.")
    # The deliberate mistake: tomorrow's shift has not happened yet.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("Datum").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Feedback opslaan").click()

    expect(page.get_by_text("Feedback gaat over een dienst die al geweest is")).to_be_visible()
    expect(page.get_by_label("Wat ging goed")).to_have_value(
        "Je werkte veilig, ook toen het druk werd."
    )
    expect(page.get_by_role("switch", name="Werken met de scanner")).to_be_checked()
    expect(scanner_levels.get_by_role("radio", name="2 · met hulp")).to_be_checked()
    expect(page.get_by_label("Draagt veiligheidsschoenen")).to_be_checked()
    axe(page)
    assert not FeedbackMoment.objects.exists()

    page.get_by_label("Datum").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Feedback opslaan").click()
    expect(page.get_by_text("Feedback voor Nina opgeslagen.")).to_be_visible()
    moment = FeedbackMoment.objects.get()
    assert dict(moment.assessments.values_list("goal__title", "level")) == {
        "Veilig werken": 3,
        "Werken met de scanner": 2,
    }
    assert SignOff.objects.get().checklist_item.title == "Draagt veiligheidsschoenen"

    # The learner sees it and reflects.
    page.context.clear_cookies()
    log_in(enrolment.learner.email, PASSWORD)
    page.goto(f"{live_server.url}/mijn-voortgang/")
    expect(page.get_by_text("Je werkte veilig, ook toen het druk werd.")).to_be_visible()
    expect(page.get_by_text("Reflecties te doen")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Reflectie schrijven").first.click()
    page.get_by_label("Wat ging goed?").fill("Ik lette beter op de looproutes.")
    page.get_by_label("Waar heb je hulp bij nodig?").fill("Bij het scannen van kapotte labels.")
    page.get_by_role("button", name="Reflectie opslaan").click()
    expect(page.get_by_text("Reflectie opgeslagen.")).to_be_visible()

    # The coach reads the reflection.
    page.context.clear_cookies()
    log_in(coach.email, PASSWORD)
    page.goto(f"{live_server.url}/mijn-lerenden/")
    page.get_by_role("link", name="Nina Kok").click()
    expect(page.get_by_text("Bij het scannen van kapotte labels.")).to_be_visible()
    axe(page)


def test_an_empty_save_marks_and_focuses_the_field_to_fill_in(
    shift, page, live_server, log_in, axe
):
    coach, enrolment = shift
    page.set_viewport_size(PHONE)
    log_in(coach.email, PASSWORD)
    page.goto(f"{live_server.url}/deelnames/{enrolment.pk}/feedback/")
    page.get_by_role("button", name="Feedback opslaan").click()

    went_well = page.get_by_label("Wat ging goed")
    expect(went_well).to_be_focused()
    expect(went_well).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Kies een geoefend leerdoel, teken een taak af")).to_be_visible()
    axe(page)
    assert not FeedbackMoment.objects.exists()
