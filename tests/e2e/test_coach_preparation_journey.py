"""Coach preparation in the browser: the L&D manager records Carla's training on her coach
profile, pairs a learner with Kees (untrained: the picker says so, and the pairing still goes
through with a warning), and reads both coaches' load."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def organisation(transactional_db):
    """Mira manages; Carla and Kees coach, neither trained yet; Zoë waits for a coach."""
    today = timezone.localdate()
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Mira Jansen"
    ).user
    carla = MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        coach_capacity=3,
        user__name="Carla Coach",
    )
    kees = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Kees van Dam"
    )
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    cohort = CohortFactory(program=program, starts_on=today - datetime.timedelta(days=7))
    learner = MembershipFactory(organization=organization, user__name="Zoë Nguyễn").user
    EnrolmentFactory(cohort=cohort, learner=learner)
    return manager, carla, kees, cohort


def test_the_manager_records_a_training_pairs_an_untrained_coach_and_reads_the_load(
    organisation, page, live_server, log_in, axe
):
    manager, carla, kees, cohort = organisation
    log_in(manager.email, PASSWORD)

    page.goto(f"{live_server.url}/programmas/coaches/{carla.pk}/")
    expect(page.locator("#coach-trained")).to_contain_text("niet getraind")
    axe(page)
    page.get_by_role("textbox", name="Training").fill("Werkbegeleider BPV")
    page.get_by_label("Gegeven door").fill("ROC Midden")
    completed = timezone.localdate() - datetime.timedelta(days=30)
    page.get_by_label("Afgerond op").fill(completed.isoformat())
    page.get_by_role("button", name="Training vastleggen").click()
    expect(page.get_by_text("Training vastgelegd voor Carla Coach.")).to_be_visible()
    expect(page.locator("#coach-trained")).to_contain_text("ja")
    expect(page.get_by_text("door ROC Midden")).to_be_visible()

    # The group page: Kees is marked untrained in the picker, Carla is not.
    page.goto(f"{live_server.url}/programmas/groepen/{cohort.pk}/")
    kees_choice = page.locator("#coach-choices .form-check").filter(has_text="Kees van Dam")
    carla_choice = page.locator("#coach-choices .form-check").filter(has_text="Carla Coach")
    expect(kees_choice).to_contain_text("niet getraind")
    expect(carla_choice).not_to_contain_text("niet getraind")
    axe(page)
    page.get_by_label("Zoë Nguyễn kiezen").check()
    kees_choice.get_by_role("radio").check()
    page.get_by_role("button", name="Coach koppelen").click()
    expect(page.get_by_text("Kees van Dam coacht nu 1 lerende meer.")).to_be_visible()
    expect(page.get_by_text("Kees van Dam heeft geen coachtraining vastgelegd.")).to_be_visible()
    axe(page)

    # The load page, on a phone: Kees has Zoë and no training, Carla her training and room.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/coaches/belasting/")
    expect(page.get_by_role("heading", name="Belasting van coaches")).to_be_visible()
    kees_row = page.locator("tr").filter(has_text="Kees van Dam")
    expect(kees_row).to_contain_text("1, geen limiet")
    expect(kees_row).to_contain_text("niet getraind")
    carla_row = page.locator("tr").filter(has_text="Carla Coach")
    expect(carla_row).to_contain_text("0 van 3")
    expect(carla_row).not_to_contain_text("niet getraind")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe(page)
    page.get_by_role("combobox", name="Training").select_option(label="Niet getraind")
    page.get_by_role("button", name="Filteren").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Kees van Dam")
