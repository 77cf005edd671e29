"""Land where the work is, on a phone: the role switcher and the login page's language."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def coach_who_learns(transactional_db):
    """Mohamed coaches Nina and is himself a learner in the coach program."""
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    mohamed = MembershipFactory(
        organization=organization, is_coach=True, is_learner=True, user__name="Mohamed Amrani"
    ).user
    started = timezone.localdate() - datetime.timedelta(days=7)
    picking = ProgramFactory(organization=organization, name="Inwerken orderpicker")
    goal = LearningGoalFactory(program=picking, title="Veilig werken", target_week=1)
    nina = EnrolmentFactory(
        cohort=CohortFactory(program=picking, starts_on=started),
        learner=MembershipFactory(organization=organization, user__name="Nina Kok").user,
    )
    PairingFactory(enrolment=nina, coach=mohamed)
    moment = FeedbackMomentFactory(enrolment=nina, coach=mohamed)
    GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=3)
    coaching = ProgramFactory(organization=organization, name="Coach worden")
    EnrolmentFactory(cohort=CohortFactory(program=coaching, starts_on=started), learner=mohamed)
    return mohamed, nina


def test_a_coach_who_also_learns_switches_to_his_own_progress(
    coach_who_learns, page, live_server, log_in, axe
):
    mohamed, _nina = coach_who_learns
    page.set_viewport_size(PHONE)
    log_in(mohamed.email, PASSWORD)
    expect(page.get_by_role("heading", name="Mijn lerenden")).to_be_visible()

    page.get_by_role("button", name="Menu openen of sluiten").click()
    roles = page.get_by_role("group", name="Rol")
    expect(roles.get_by_role("link", name="Coach")).to_have_attribute("aria-current", "true")
    axe(page)
    roles.get_by_role("link", name="Lerende").click()
    expect(page.get_by_role("heading", name="Mijn voortgang")).to_be_visible()

    # The choice holds: the home link now leads to his own progress.
    page.get_by_role("link", name="werkplek", exact=True).click()
    expect(page.get_by_role("heading", name="Mijn voortgang")).to_be_visible()


def test_after_logging_out_the_login_page_keeps_the_person_s_language(
    coach_who_learns, page, live_server, log_in
):
    mohamed, _nina = coach_who_learns
    mohamed.language = "en"
    mohamed.save(update_fields=["language"])
    log_in(mohamed.email, PASSWORD)
    expect(page.get_by_role("heading", name="My learners")).to_be_visible()
    page.get_by_role("button", name=mohamed.get_short_name()).click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to werkplek")).to_be_visible()
