"""The progress page on a phone: a summary first, the feedback ten at a time, and a document
when printed."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching import services
from coaching.models import FeedbackMoment, GoalAssessment, Reflection, SignOff
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
GOALS = ["Veilig werken", "Werken met de scanner", "Orders picken", "Samenwerken in het team"]


@pytest.fixture
def ten_weeks(transactional_db):
    """Nina, ten weeks in, with 40 feedback moments, sign-offs and reflections."""
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Mohamed Amrani"
    ).user
    program = ProgramFactory(organization=organization, name="Inwerken orderpicker")
    goals = [
        LearningGoalFactory(program=program, title=title, target_week=week)
        for week, title in enumerate(GOALS, start=2)
    ]
    items = [
        ChecklistItemFactory(goal=goal, title=f"{goal.title}: taak {n}")
        for goal in goals
        for n in (1, 2, 3)
    ]
    today = timezone.localdate()
    started = today - datetime.timedelta(weeks=10)
    cohort = CohortFactory(program=program, name="Instroom september", starts_on=started)
    learner = MembershipFactory(organization=organization, user__name="Nina Kok").user
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    for n in range(40):
        moment = FeedbackMoment.objects.create(
            enrolment=enrolment,
            coach=coach,
            occurred_on=started + datetime.timedelta(days=n * 70 // 40),
            shift="morning",
            went_well=f"Moment {n + 1}: je werkte rustig en veilig, ook toen het druk werd.",
            to_improve="Scan de locatie voordat je pakt, dan hoef je minder te zoeken.",
            next_step=f"Stap {n + 1}: morgen een hele order zelf scannen.",
        )
        for index, goal in enumerate(goals):
            GoalAssessment.objects.create(
                feedback_moment=moment, goal=goal, level=min(1 + n // (10 + 4 * index), 4)
            )
        if n < len(items) - 2:
            SignOff.objects.create(
                enrolment=enrolment,
                checklist_item=items[n],
                signed_by=coach,
                signed_on=moment.occurred_on,
                feedback_moment=moment,
            )
        if n % 2 == 0:
            reflection = Reflection.objects.create(
                enrolment=enrolment,
                feedback_moment=moment,
                due_on=moment.occurred_on,
                answers=[
                    {"question": "Wat ging goed?", "answer": "Ik lette beter op de looproutes."},
                    {"question": "Waar heb je hulp bij nodig?", "answer": "Bij kapotte labels."},
                ],
                submitted_at=timezone.make_aware(
                    datetime.datetime.combine(moment.occurred_on, datetime.time(19))
                ),
            )
            services.reflection_react(reflection=reflection, actor=coach, text="Mooi gezien!")
    # A colleague asks Nina for feedback: the link in that notice must be readable (it had a
    # contrast of 3.85:1 on the light-blue notice).
    emma = EnrolmentFactory(
        cohort=cohort,
        learner=MembershipFactory(organization=organization, user__name="Emma de Boer").user,
    )
    services.peer_feedback_request(
        actor=emma.learner,
        enrolment=emma,
        goal=goals[1],
        peer=learner,
        question="Scan ik snel genoeg?",
    )
    return coach, enrolment


def page_height(page):
    return page.evaluate("document.documentElement.scrollHeight")


def test_a_learner_on_a_phone_sees_the_summary_first_and_loads_more_feedback(
    ten_weeks, page, live_server, log_in, axe
):
    _coach, enrolment = ten_weeks
    page.set_viewport_size(PHONE)
    log_in(enrolment.learner.email, PASSWORD)
    page.goto(f"{live_server.url}/deelnames/{enrolment.pk}/voortgang/")

    expect(page.get_by_role("link", name="Emma de Boer: Werken met de scanner")).to_be_visible()
    expect(page.get_by_role("heading", name="Wanneer zelfstandig?")).to_be_in_viewport()
    levels = page.get_by_role("list", name="Niveau per leerdoel")
    expect(levels.get_by_role("listitem")).to_have_count(4)
    expect(levels.get_by_role("listitem").first).to_contain_text("4 · kan het anderen leren")
    expect(page.get_by_text("Stap 40: morgen een hele order zelf scannen.").first).to_be_visible()
    # 40 feedback moments and 20 reflections: 22,642 px before the summary and the paging.
    assert page_height(page) < 8000
    axe(page)

    timeline = page.locator("#timeline article")
    expect(timeline).to_have_count(10)
    page.get_by_role("link", name="Meer feedback").click()
    expect(timeline).to_have_count(20)
    expect(timeline.nth(10)).to_be_focused()
    expect(timeline.nth(10)).to_contain_text("Moment 30:")
    axe(page)

    # A reflection opens with a tap and shows the coach's reaction.
    reflection = page.locator("#reflections details").first
    expect(reflection.get_by_text("Mooi gezien!")).to_be_hidden()
    reflection.locator("summary").click()
    expect(reflection.get_by_text("Mooi gezien!")).to_be_visible()


def test_the_printed_progress_page_names_learner_program_and_date(
    ten_weeks, page, live_server, log_in
):
    _coach, enrolment = ten_weeks
    log_in(enrolment.learner.email, PASSWORD)
    page.goto(f"{live_server.url}/deelnames/{enrolment.pk}/voortgang/")
    page.emulate_media(media="print")
    header = page.locator(".print-header")
    expect(header).to_be_visible()
    expect(header).to_contain_text("Nina Kok · Inwerken orderpicker · Instroom september")
    expect(page.get_by_role("navigation")).to_be_hidden()
    expect(page.get_by_role("button", name="Afdrukken")).to_be_hidden()
    badge = page.locator("#timeline .badge").first
    assert badge.evaluate("b => getComputedStyle(b).borderTopStyle") == "solid"
    assert badge.evaluate("b => getComputedStyle(b).color") == "rgb(0, 0, 0)"
