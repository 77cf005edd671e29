"""An L&D manager asks "who can do this now?": sets a task to be observed again after a
year, opens the skills matrix from the navigation, sees an expiring and an expired sign-off
and the task fewer than two people can do, filters by team and downloads the matrix; on a
phone the matrix scrolls sideways with the names in view."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coaching.models import SignOff
from tests.factories import (
    PASSWORD,
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    LearningGoalFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
)

SHOTS = Path("/work/shots-skills")


def shoot(page, name):
    if SHOTS.is_dir():
        page.screenshot(
            path=SHOTS / f"{name}-{page.viewport_size['width']}.png",
            full_page=True,
            caret="initial",
        )


@pytest.fixture
def warehouse(transactional_db):
    """Three order pickers: Anna's forklift check signed off 355 days ago, Bart's 400 days
    ago, Carla's never; all three scan pallets; nobody hands over a roll container yet."""
    today = timezone.localdate()
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    coach = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, user__name="Wim Bakker"
    ).user
    program = ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    goal = LearningGoalFactory(program=program, title="Veilig heftruck rijden")
    forklift = ChecklistItemFactory(goal=goal, title="Heftruckcheck")
    scanning = ChecklistItemFactory(goal=goal, title="Pallet scannen")
    # Nobody yet: on a phone its column lies beyond the screen's edge.
    ChecklistItemFactory(goal=goal, title="Rolcontainer overdragen")
    cohort = CohortFactory(program=program, starts_on=today - datetime.timedelta(days=500))
    people = {}
    for name, team in [
        ("Anna Jansen", "Inslag"),
        ("Bart de Vries", "Inslag"),
        ("Carla Smit", "Expeditie"),
    ]:
        user = MembershipFactory(organization=organization, team=team, user__name=name).user
        enrolment = EnrolmentFactory(cohort=cohort, learner=user)
        PairingFactory(enrolment=enrolment, coach=coach)
        people[name] = enrolment

    def sign(name, item, days_ago):
        on = today - datetime.timedelta(days=days_ago)
        moment = FeedbackMomentFactory(enrolment=people[name], coach=coach, occurred_on=on)
        SignOff.objects.create(
            enrolment=people[name],
            checklist_item=item,
            signed_by=coach,
            signed_on=on,
            feedback_moment=moment,
        )

    sign("Anna Jansen", forklift, 355)
    sign("Bart de Vries", forklift, 400)
    for name in people:
        sign(name, scanning, 30)
    return manager, program, forklift


def test_manager_sees_who_can_do_which_task_now(warehouse, page, live_server, log_in, axe):
    manager, program, forklift = warehouse
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(manager.email, PASSWORD)

    # The forklift check is observed again every year: set on the program's checklist.
    page.goto(f"{live_server.url}/programmas/{program.pk}/")
    page.locator(f"#item-{forklift.pk}").get_by_role("link", name="Bewerken").click()
    page.get_by_label("Opnieuw observeren na (dagen)").fill("365")
    axe(page)
    shoot(page, "checklist-item")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(f"#item-{forklift.pk}")).to_contain_text("opnieuw observeren na 365 dagen")

    page.get_by_role("link", name="Vaardighedenmatrix").click()
    expect(page.get_by_role("heading", name="Vaardighedenmatrix")).to_be_visible()
    matrix = page.get_by_role("table")
    anna = matrix.get_by_role("row").filter(has_text="Anna Jansen")
    expect(anna).to_contain_text("verloopt")
    expect(anna).to_contain_text("Wim Bakker")
    bart = matrix.get_by_role("row").filter(has_text="Bart de Vries")
    expect(bart).to_contain_text("verlopen")
    carla = matrix.get_by_role("row").filter(has_text="Carla Smit")
    expect(carla).to_contain_text("niet afgetekend")
    # Only Anna can still do the forklift check: one absence and nobody can.
    expect(matrix.get_by_role("columnheader", name="Heftruckcheck")).to_contain_text(
        "Kwetsbaar: minder dan twee"
    )
    expect(matrix.get_by_role("columnheader", name="Pallet scannen")).not_to_contain_text(
        "Kwetsbaar"
    )
    axe(page)
    shoot(page, "matrix")

    # The team filter: the people of Expeditie only.
    page.get_by_label("Team").select_option("Expeditie")
    page.get_by_role("button", name="Filteren").click()
    expect(matrix.get_by_role("row").filter(has_text="Carla Smit")).to_be_visible()
    expect(matrix).not_to_contain_text("Anna Jansen")

    # The download holds the same matrix for the team chosen.
    with page.expect_download() as download:
        page.get_by_role("link", name="Downloaden (XLSX)").click()
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["Carla Smit", "Kan het nu"]

    # On a phone the matrix scrolls sideways; the names stay in view.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/wie-kan-wat/")
    expect(
        page.get_by_role("region", name="3 personen × de taken van de gekozen programma's")
    ).to_be_visible()
    # The table scrolls inside its region; the page itself stays as wide as the phone.
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    axe(page)
    shoot(page, "matrix")
