"""The skills matrix ("who can do this now?"): people × tasks, each cell the latest sign-off
with its date, who signed it and whether it still counts; tasks fewer than two people can
do now are flagged; filters, pages, the export, and who sees what."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from coaching import skills
from coaching.choices import Currency
from coaching.models import SignOff
from programs import services as program_services
from programs.choices import ProgramStatus
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    LearningGoalFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
    UserFactory,
    members_in_bulk,
)
from werkplek.models import Membership

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def goal(program):
    return LearningGoalFactory(program=program, title="Veilig heftruck rijden", position=0)


@pytest.fixture
def forklift(goal):
    """A task observed again every 365 days."""
    return ChecklistItemFactory(goal=goal, title="Heftruckcheck", reobserve_after_days=365)


@pytest.fixture
def scanning(goal):
    """A task whose sign-off stays current."""
    return ChecklistItemFactory(goal=goal, title="Pallet scannen")


def sign(enrolment, item, on, by=None):
    """A sign-off in a feedback moment of `on` (a task is signed off again in another)."""
    by = by or enrolment.pairings.first().coach
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=by, occurred_on=on)
    return SignOff.objects.create(
        enrolment=enrolment, checklist_item=item, signed_by=by, signed_on=on, feedback_moment=moment
    )


def person(cohort, name, team="Inslag", coach=None):
    user = UserFactory(name=name)
    MembershipFactory(user=user, organization=cohort.program.organization, team=team)
    enrolment = EnrolmentFactory(cohort=cohort, learner=user)
    if coach is not None:
        PairingFactory(enrolment=enrolment, coach=coach)
    return enrolment


def matrix_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("coaching:skills-matrix"), params)


# --- The rule of currency ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "currency"),
    [
        (None, Currency.CURRENT),
        (15, Currency.CURRENT),
        (14, Currency.EXPIRING),
        (1, Currency.EXPIRING),
        (0, Currency.EXPIRED),
        (-30, Currency.EXPIRED),
    ],
)
def test_a_sign_off_is_expiring_in_its_last_two_weeks_and_expired_after(days_left, currency):
    expires_on = None if days_left is None else TODAY + datetime.timedelta(days=days_left)
    assert skills.currency_of(expires_on, TODAY) == currency


# --- The matrix ------------------------------------------------------------------------------


def test_each_cell_is_the_latest_sign_off_with_its_date_signer_and_currency(
    manager, cohort, coach, forklift, scanning
):
    anna = person(cohort, "Anna Jansen", coach=coach)
    sign(anna, forklift, TODAY - datetime.timedelta(days=700))
    sign(anna, forklift, TODAY - datetime.timedelta(days=355))  # expires in 10 days
    bart = person(cohort, "Bart de Vries", coach=coach)
    sign(bart, forklift, TODAY - datetime.timedelta(days=400))  # expired 35 days ago
    sign(bart, scanning, TODAY - datetime.timedelta(days=900))  # never expires

    matrix = skills.skills_matrix(
        viewer=manager,
        organization=cohort.program.organization,
        people=skills.matrix_people(
            skills.matrix_enrolments(manager, cohort.program.organization),
            cohort.program.organization,
        ),
        today=TODAY,
    )

    assert [task.item.title for task in matrix.tasks] == ["Heftruckcheck", "Pallet scannen"]
    rows = {row.person.name: row.cells for row in matrix.rows}
    assert list(rows) == ["Anna Jansen", "Bart de Vries"]
    anna_forklift, anna_scanning = rows["Anna Jansen"]
    assert anna_forklift.signed_on == TODAY - datetime.timedelta(days=355)
    assert anna_forklift.signed_by == coach.name
    assert anna_forklift.currency == Currency.EXPIRING
    assert anna_forklift.expires_on == TODAY + datetime.timedelta(days=10)
    assert anna_scanning is None
    bart_forklift, bart_scanning = rows["Bart de Vries"]
    assert bart_forklift.currency == Currency.EXPIRED
    assert bart_scanning.currency == Currency.CURRENT
    # Anna can still drive (expiring counts), Bart not: one person, so vulnerable; one
    # person can scan, also vulnerable.
    assert [(t.current_people, t.is_vulnerable) for t in matrix.tasks] == [(1, True), (1, True)]


def test_the_page_shows_the_cells_and_flags_tasks_fewer_than_two_can_do(
    client, manager, cohort, coach, forklift, scanning
):
    anna = person(cohort, "Anna Jansen", coach=coach)
    sign(anna, forklift, TODAY - datetime.timedelta(days=355))
    bart = person(cohort, "Bart de Vries", coach=coach)
    sign(bart, forklift, TODAY - datetime.timedelta(days=400))
    sign(bart, scanning, datetime.date(2024, 3, 1))
    carla = person(cohort, "Carla Smit", coach=coach)
    sign(carla, scanning, datetime.date(2025, 5, 1))

    page = matrix_page(client, manager).content.decode()

    assert "Anna Jansen" in page and "Carla Smit" in page
    assert "Veilig heftruck rijden" in page  # the goal heads its tasks
    # The forklift check: only Anna (expiring still counts); scanning: Bart and Carla.
    assert page.count("Kwetsbaar: minder dan twee") == 1
    assert ">verloopt<" in page and ">verlopen<" in page and ">actueel<" in page
    assert "tot 17 dec 2026" in page  # Anna's: 365 days after 17 Dec 2025
    assert coach.name in page


def test_the_page_speaks_english_to_an_english_speaking_manager(
    client, manager, cohort, coach, forklift
):
    manager.language = "en"
    manager.save()
    sign(person(cohort, "Anna Jansen", coach=coach), forklift, TODAY - datetime.timedelta(days=355))

    page = matrix_page(client, manager).content.decode()

    assert ">expiring<" in page and "Vulnerable: fewer than two" in page


def test_a_coach_sees_only_the_learners_they_coach_now(
    client, coach, other_coach, cohort, forklift
):
    mine = person(cohort, "Anna Jansen", coach=coach)
    sign(mine, forklift, TODAY)
    person(cohort, "Bart de Vries", coach=other_coach)

    page = matrix_page(client, coach).content.decode()

    assert "Anna Jansen" in page
    assert "Bart de Vries" not in page


def test_a_line_manager_sees_the_skills_of_their_own_team_only(client, coach, cohort, forklift):
    for name, team in [("Anna Jansen", "Inslag"), ("Carla Smit", "Expeditie")]:
        sign(person(cohort, name, team=team, coach=coach), forklift, TODAY)
    lead = UserFactory(name="Marloes Verbeek")
    MembershipFactory(
        user=lead, organization=cohort.program.organization, team="Inslag", is_line_manager=True
    )

    page = matrix_page(client, lead).content.decode()

    assert "Anna Jansen" in page
    assert "Carla Smit" not in page


def test_a_learner_gets_not_found(client, learner, enrolment):
    assert matrix_page(client, learner).status_code == 404


def test_a_manager_cannot_open_another_organisations_matrix(
    client, manager, other_organization, cohort, forklift
):
    assert matrix_page(client, manager, organization=other_organization.slug).status_code == 404


def test_a_manager_of_two_organisations_chooses_one_by_its_slug(
    client, manager, other_organization, cohort, coach, forklift
):
    MembershipFactory(user=manager, organization=other_organization, is_manager=True)
    person(cohort, "Anna Jansen", coach=coach)

    there = matrix_page(client, manager, organization=other_organization.slug).content.decode()
    here = matrix_page(client, manager, organization="dc-noord").content.decode()

    assert "Anna Jansen" not in there
    assert "Anna Jansen" in here


def test_someone_who_left_the_organisation_is_not_in_the_matrix(
    client, manager, cohort, coach, forklift
):
    gone = person(cohort, "Anna Jansen", coach=coach)
    Membership.objects.filter(user=gone.learner).update(ended_on=TODAY)

    assert "Anna Jansen" not in matrix_page(client, manager).content.decode()


def test_an_archived_programs_tasks_are_not_in_the_matrix(client, manager, cohort, forklift):
    cohort.program.status = ProgramStatus.ARCHIVED
    cohort.program.save()

    assert "Heftruckcheck" not in matrix_page(client, manager).content.decode()


# --- Filters -------------------------------------------------------------------------------


def test_the_team_filter_shows_that_team_and_counts_within_it(
    client, manager, cohort, coach, scanning
):
    for name, team in [
        ("Anna Jansen", "Inslag"),
        ("Bart de Vries", "Inslag"),
        ("Carla Smit", "Expeditie"),
    ]:
        sign(person(cohort, name, team=team, coach=coach), scanning, TODAY)

    everyone = matrix_page(client, manager).content.decode()
    inslag = matrix_page(client, manager, team="Inslag").content.decode()
    expeditie = matrix_page(client, manager, team="Expeditie").content.decode()

    assert "Carla Smit" in everyone and "Kwetsbaar: minder dan twee" not in everyone
    assert "Anna Jansen" in inslag and "Carla Smit" not in inslag
    assert "Kwetsbaar: minder dan twee" not in inslag
    assert "Carla Smit" in expeditie and "Anna Jansen" not in expeditie
    assert "Kwetsbaar: minder dan twee" in expeditie  # one person in this team can


def test_the_program_and_goal_filters_narrow_tasks_and_people(
    client, manager, organization, cohort, coach, forklift, scanning
):
    anna = person(cohort, "Anna Jansen", coach=coach)
    other_program = ProgramFactory(
        organization=organization, owner=manager, name="Inwerken chauffeur"
    )
    other_goal = LearningGoalFactory(program=other_program, title="Laden en lossen")
    ChecklistItemFactory(goal=other_goal, title="Laadklep bedienen")
    person(CohortFactory(program=other_program), "Bart de Vries", coach=coach)
    sign(anna, forklift, TODAY)

    by_program = matrix_page(client, manager, program=other_program.pk).content.decode()
    by_goal = matrix_page(client, manager, goal=forklift.goal_id).content.decode()

    assert "Laadklep bedienen" in by_program and "Heftruckcheck" not in by_program
    assert "Bart de Vries" in by_program and "Anna Jansen" not in by_program
    assert "Heftruckcheck" in by_goal and "Laadklep bedienen" not in by_goal
    assert "Anna Jansen" in by_goal and "Bart de Vries" not in by_goal


def test_a_filter_value_from_another_organisation_is_ignored(
    client, manager, other_manager, other_organization, cohort, coach, forklift
):
    person(cohort, "Anna Jansen", coach=coach)
    foreign = ProgramFactory(organization=other_organization, owner=other_manager)

    response = matrix_page(client, manager, program=foreign.pk)

    assert response.status_code == 200
    assert "Anna Jansen" in response.content.decode()


# --- Bounded: pages, and the same queries for 5 people and 200 ------------------------------


def bulk_people(cohort, count, coach, items):
    """`count` enrolled people, the first two of each task signed off (a few queries)."""
    memberships = members_in_bulk(cohort.program.organization, count, coach_every=count + 1)
    enrolments = [
        EnrolmentFactory(cohort=cohort, learner=m.user) for m in memberships[: min(count, 6)]
    ]
    from programs.models import Enrolment

    Enrolment.objects.bulk_create(
        Enrolment(
            cohort=cohort,
            program=cohort.program,
            learner=m.user,
            started_on=cohort.starts_on,
            target_on=cohort.starts_on + datetime.timedelta(weeks=8),
        )
        for m in memberships[6:]
    )
    for enrolment in enrolments[:2]:
        PairingFactory(enrolment=enrolment, coach=coach)
        for item in items:
            sign(enrolment, item, TODAY - datetime.timedelta(days=360))


@pytest.mark.parametrize("count", [5, 200])
def test_the_matrix_costs_the_same_queries_for_5_people_and_for_200(
    client, manager, cohort, coach, forklift, scanning, django_assert_num_queries, count
):
    bulk_people(cohort, count, coach, [forklift, scanning])
    client.force_login(manager)
    # session, user, memberships (roles, organisations); the filter's teams; the matrix's
    # tasks, people counted and paged, their latest sign-offs, who can do each task now; the
    # filter's programs and goals; the bell. The same 12 for 5 people and for 200.
    with django_assert_num_queries(12):
        response = client.get(reverse("coaching:skills-matrix"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<tr>") == min(count, skills.PEOPLE_PER_PAGE) + 2  # two header rows
    assert len(page) < 60_000  # a full page of 25 people × 2 tasks


# --- The export --------------------------------------------------------------------------------


def test_the_export_reads_back_with_dates_signers_currency_and_the_flag(
    client, manager, cohort, coach, forklift, scanning
):
    anna = person(cohort, "=HYPERLINK(evil)", team="+Inslag", coach=coach)
    sign(anna, forklift, TODAY - datetime.timedelta(days=355))
    bart = person(cohort, "Bart de Vries", coach=coach)
    sign(bart, forklift, TODAY - datetime.timedelta(days=400))

    response = matrix_page(client, manager, format="xlsx")

    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, first, second, footer = rows
    assert header[:5] == [
        "Persoon",
        "Team",
        "Inwerken orderpicker · Veilig heftruck rijden · Heftruckcheck",
        "Afgetekend door",
        "Status",
    ]
    # A name that looks like a formula stays text.
    assert first[:2] == ["=HYPERLINK(evil)", "+Inslag"]
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert first[2].date() == TODAY - datetime.timedelta(days=355)
    assert first[3:5] == [coach.name, "verloopt"]
    assert second[0] == "Bart de Vries" and second[4] == "verlopen"
    assert second[5:8] == [None, None, "niet afgetekend"]
    assert footer[:5] == ["Kan het nu", None, 1, None, "Kwetsbaar: minder dan twee"]


# --- Re-observation: the checklist form, the history, the feedback form --------------------


def test_the_re_observation_period_is_set_in_the_checklist_form_and_kept_in_history(
    client, manager, scanning
):
    client.force_login(manager)
    prefix = f"item-{scanning.pk}"
    response = client.post(
        reverse("programs:checklist-item-edit", args=[scanning.pk]),
        {
            f"{prefix}-title": "Pallet scannen",
            f"{prefix}-requires_sign_off": "on",
            f"{prefix}-reobserve_after_days": "180",
        },
    )

    assert response.status_code == 302
    scanning.refresh_from_db()
    assert scanning.reobserve_after_days == 180
    latest = scanning.history.first()
    assert (latest.reobserve_after_days, latest.history_user) == (180, manager)


def test_a_duplicated_program_keeps_the_re_observation_period(manager, program, forklift):
    copy = program_services.program_duplicate(
        actor=manager, program=program, name="Kopie", owner=manager
    )
    item = copy.goals.get().checklist_items.get(title="Heftruckcheck")
    assert item.reobserve_after_days == 365


def test_the_feedback_form_offers_an_expiring_or_expired_task_again(
    coach, cohort, forklift, scanning
):
    from coaching import selectors

    anna = person(cohort, "Anna Jansen", coach=coach)
    sign(anna, forklift, TODAY - datetime.timedelta(days=355))
    sign(anna, scanning, TODAY - datetime.timedelta(days=355))

    _goals, _levels, open_items = selectors.feedback_form_data(anna)

    assert open_items == [forklift]


@pytest.mark.parametrize(
    "params",
    [
        {"program": "abc"},
        {"goal": "99999999999999999999"},
        {"team": "Inslag\x00"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"organization": "\u202eevil"},
        {"format": "pdf"},
    ],
)
def test_hostile_query_parameters_show_the_matrix_or_not_found_never_an_error(
    client, manager, cohort, coach, forklift, params
):
    person(cohort, "Anna Jansen", coach=coach)

    response = matrix_page(client, manager, **params)

    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "Anna Jansen" in response.content.decode()
