"""A line manager on a phone: her team with the next progress review of each learner, one
learner's progress read-only, the outcome of the review they just held recorded; a learner
of another team is not there for her (404). On a desktop the team page reads the same."""

import datetime
import re

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from coaching import services
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def team(transactional_db):
    """Daan (team Orderpicking, three weeks in, his week-two review held but not recorded)
    and Youssef (team Inslag), both coached by Mohamed; Marloes leads Orderpicking."""
    today = timezone.localdate()
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Mira Jansen"
    ).user
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Mohamed Amrani"
    ).user
    line_manager = MembershipFactory(
        organization=organization,
        is_line_manager=True,
        is_learner=False,
        team="Orderpicking",
        user__name="Marloes Verbeek",
    ).user
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    LearningGoalFactory(program=program, title="Veilig werken", target_week=1)
    cohort = CohortFactory(
        program=program, name="Groep november", starts_on=today - datetime.timedelta(days=20)
    )
    enrolments = {}
    for name, team_name in [("Daan Jansen", "Orderpicking"), ("Youssef Haddou", "Inslag")]:
        learner = MembershipFactory(organization=organization, team=team_name, user__name=name).user
        enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
        PairingFactory(enrolment=enrolment, coach=coach)
        for day in services.default_review_days(enrolment):
            services.progress_review_plan(actor=coach, enrolment=enrolment, planned_on=day)
        enrolments[name] = enrolment
    return line_manager, enrolments["Daan Jansen"], enrolments["Youssef Haddou"]


def test_line_manager_reads_her_team_and_records_a_review_outcome(
    team, page, live_server, log_in, axe
):
    line_manager, daan, youssef = team
    page.set_viewport_size(PHONE)

    log_in(line_manager.email, PASSWORD)
    expect(page.get_by_role("heading", name="Mijn team")).to_be_visible()
    expect(page.get_by_role("link", name="Daan Jansen")).to_be_visible()
    expect(page.get_by_text("Youssef Haddou")).to_have_count(0)
    week_two = daan.started_on + datetime.timedelta(weeks=2)
    week_four = daan.started_on + datetime.timedelta(weeks=4)
    # The week-two review has not been recorded: it is still the next one, and late.
    expect(page.get_by_text("Volgend voortgangsgesprek")).to_be_visible()
    expect(page.get_by_text("te laat")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Daan Jansen").click()
    expect(page.get_by_role("heading", name="Daan Jansen", level=1)).to_be_visible()
    reviews = page.locator("#reviews")
    expect(reviews.get_by_text("leidinggevende Marloes Verbeek")).to_be_visible()
    # Read-only: no feedback to give, no review to plan.
    expect(page.get_by_role("link", name="Feedback geven")).to_have_count(0)
    expect(page.get_by_role("link", name="Gesprek plannen")).to_have_count(0)
    axe(page)

    reviews.get_by_role("link", name=re.compile("^Uitkomst vastleggen")).first.click()
    expect(page.get_by_role("heading", name="Uitkomst van het voortgangsgesprek")).to_be_visible()
    axe(page)
    page.get_by_label("Gehouden op").fill(week_two.isoformat())
    page.get_by_label("Uitkomst").fill("Daan loopt voor. Volgende week ook de koelcel.")
    page.get_by_role("button", name="Uitkomst opslaan").click()

    expect(page.get_by_text("Uitkomst van het voortgangsgesprek opgeslagen.")).to_be_visible()
    expect(reviews.get_by_text("Daan loopt voor. Volgende week ook de koelcel.")).to_be_visible()
    expect(reviews.get_by_text("vastgelegd door Marloes Verbeek")).to_be_visible()
    axe(page)

    response = page.goto(f"{live_server.url}/deelnames/{youssef.pk}/voortgang/")
    assert response.status == 404

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/mijn-team/")
    # Recorded: the next review is the one of week four, no longer late.
    with translation.override("nl"):
        week_four_label = formats.date_format(week_four, "j F Y")
    expect(page.get_by_text(week_four_label)).to_be_visible()
    expect(page.get_by_text("te laat")).to_have_count(0)
    axe(page)
