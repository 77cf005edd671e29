"""On a phone a coach marks a learner independent: she leaves the coach's list and the coach
has room again; the manager follows the attention list to pair a new learner with that coach."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching import services
from programs.choices import EndReason
from programs.models import Enrolment
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
def group(transactional_db):
    """Nina reached every goal and task; Sam just started without a coach; the coach, with
    room for one learner, coaches Nina."""
    today = timezone.localdate()
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    coach = MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        coach_capacity=1,
        user__name="Mohamed Amrani",
    ).user
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Mira Jansen"
    ).user
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    goal = LearningGoalFactory(program=program, title="Veilig werken", target_week=1)
    task = ChecklistItemFactory(goal=goal, title="Draagt veiligheidsschoenen")
    cohort = CohortFactory(
        program=program, name="Pilotgroep", starts_on=today - datetime.timedelta(days=14)
    )
    nina = EnrolmentFactory(
        cohort=cohort,
        learner=MembershipFactory(organization=organization, user__name="Nina Kok").user,
    )
    PairingFactory(enrolment=nina, coach=coach)
    level_day, sign_off_day = (today - datetime.timedelta(days=n) for n in (10, 7))
    for on, levels, tasks in [(level_day, {goal.pk: 3}, []), (sign_off_day, {}, [task])]:
        services.feedback_moment_create(
            enrolment=nina,
            actor=coach,
            occurred_on=on,
            shift="morning",
            went_well="Veilig gewerkt.",
            levels=levels,
            sign_off_items=tasks,
        )
    sam = EnrolmentFactory(
        cohort=cohort,
        learner=MembershipFactory(organization=organization, user__name="Sam de Wit").user,
        started_on=today,
    )
    return coach, manager, nina, sam, sign_off_day


def pair_with_coach(page, learner_name, coach):
    """Pair one learner of the open group page with a coach (the page's coach picker)."""
    page.get_by_label(f"{learner_name} kiezen").check()
    page.get_by_label("Coach zoeken").fill(coach.name)
    page.get_by_role("radio", name=re.compile(f"^{re.escape(coach.name)}")).check()
    page.get_by_role("button", name="Coach koppelen").click()


def test_coach_marks_independent_and_manager_pairs_the_freed_coach(
    group, page, live_server, log_in, axe
):
    coach, manager, nina, sam, independent_on = group
    page.set_viewport_size(PHONE)

    log_in(coach.email, PASSWORD)
    page.goto(f"{live_server.url}/mijn-lerenden/")
    expect(page.get_by_text("Klaar om zelfstandig te verklaren")).to_be_visible()
    page.get_by_role("button", name="Verklaar Nina zelfstandig").click()
    expect(page.get_by_text("Nina Kok is zelfstandig. Goed gedaan!")).to_be_visible()
    expect(page.get_by_role("heading", name="Zelfstandig sinds")).to_be_visible()
    expect(page.get_by_role("link", name="Certificaat downloaden")).to_be_visible()
    nina.refresh_from_db()
    assert (nina.ended_on, nina.end_reason) == (independent_on, EndReason.INDEPENDENT)

    page.goto(f"{live_server.url}/mijn-lerenden/")
    expect(page.get_by_text("Er zijn nu geen lerenden aan je gekoppeld.")).to_be_visible()
    expect(page.get_by_role("link", name="Nina Kok")).to_be_hidden()  # only under "before"

    page.context.clear_cookies()
    log_in(manager.email, PASSWORD)
    page.get_by_role("button", name="Menu openen of sluiten").click()
    page.get_by_role("link", name="Aandacht nodig").click()
    axe(page)
    row = page.get_by_role("listitem").filter(has_text="Sam de Wit")
    expect(row).to_contain_text("Geen coach")
    expect(page.get_by_text("Nina Kok")).to_have_count(0)
    row.get_by_role("link", name="Koppel een coach").click()

    expect(page.get_by_role("heading", name="Pilotgroep")).to_be_visible()
    pair_with_coach(page, "Sam de Wit", coach)
    expect(page.get_by_text("Mohamed Amrani coacht nu 1 lerende meer.")).to_be_visible()
    assert list(Enrolment.objects.coached_by(coach)) == [sam]

    page.goto(f"{live_server.url}/aandacht/")
    expect(page.get_by_text("Niemand heeft nu aandacht nodig")).to_be_visible()
    axe(page)
