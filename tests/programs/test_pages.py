import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kpis import rollups
from programs.choices import ProgramStatus
from programs.models import ChecklistItem, Cohort, Invitation, LearningGoal, Pairing, Program
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


def program_data(**overrides):
    return {
        "name": "Inwerken reachtruck",
        "description": "",
        "business_objective": "Zelfstandig binnen drie weken.",
        "duration_weeks": "3",
        "feedback_every_days": "5",
        "reminder_rhythm": "after_feedback",
        "reminder_time": "09:00",
        **overrides,
    }


# --- who may see and do what -------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "status"),
    [
        ("manager", 200),
        ("learner", 200),
        ("coach", 200),
        ("other_learner", 404),
        ("other_coach", 404),
        ("other_manager", 404),
    ],
)
def test_program_detail_is_for_managers_and_participants_only(
    client, request, enrolment, program, actor, status
):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("programs:detail", args=[program.pk])).status_code == status


@pytest.mark.parametrize("actor", ["learner", "coach"])
def test_participants_read_the_program_without_edit_controls_or_group_names(
    client, request, enrolment, program, actor
):
    LearningGoalFactory(program=program, title="Veilig werken")
    client.force_login(request.getfixturevalue(actor))
    content = client.get(reverse("programs:detail", args=[program.pk])).content.decode()
    assert "Veilig werken" in content
    assert "Leerdoel toevoegen" not in content
    assert "Pilotgroep" not in content


@pytest.mark.parametrize(
    "url_name",
    ["programs:edit", "programs:duplicate", "programs:goal-create", "programs:cohort-create"],
)
@pytest.mark.parametrize("actor", ["learner", "coach", "other_manager"])
def test_only_managers_of_the_organisation_open_the_builder(
    client, request, enrolment, program, url_name, actor
):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse(url_name, args=[program.pk])).status_code == 404


@pytest.mark.parametrize("actor", ["learner", "coach", "other_manager"])
def test_only_managers_open_a_group(client, request, enrolment, cohort, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("programs:cohort-detail", args=[cohort.pk])).status_code == 404
    assert client.get(reverse("programs:cohort-import", args=[cohort.pk])).status_code == 404


@pytest.mark.parametrize("actor", ["learner", "coach", "other_manager"])
def test_others_cannot_change_goals_or_tasks(client, request, program, actor):
    item = ChecklistItemFactory(goal=LearningGoalFactory(program=program))
    client.force_login(request.getfixturevalue(actor))
    for name, pk in [
        ("programs:goal-edit", item.goal.pk),
        ("programs:goal-delete", item.goal.pk),
        ("programs:goal-move", item.goal.pk),
        ("programs:checklist-item-create", item.goal.pk),
        ("programs:checklist-item-edit", item.pk),
        ("programs:checklist-item-delete", item.pk),
        ("programs:checklist-item-move", item.pk),
    ]:
        assert client.post(reverse(name, args=[pk]), {"direction": "up"}).status_code == 404
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


def test_coaches_and_learners_cannot_create_programs(client, coach, learner, organization):
    for user in [coach, learner]:
        client.force_login(user)
        assert client.get(reverse("programs:create")).status_code == 404
        assert client.get(reverse("programs:methods", args=[organization.slug])).status_code == 404


def test_the_list_shows_only_programs_the_user_may_read(client, enrolment, program, learner):
    ProgramFactory(organization=program.organization, name="Ander programma")
    ProgramFactory(name="Programma van een ander")
    client.force_login(learner)
    content = client.get(reverse("programs:list")).content.decode()
    assert "Inwerken orderpicker" in content
    assert "Ander programma" not in content
    assert "Programma van een ander" not in content


def test_anonymous_visitors_are_sent_to_log_in(client, program):
    response = client.get(reverse("programs:detail", args=[program.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the manager at work -----------------------------------------------------------------


def test_manager_creates_a_program_as_draft_owned_by_them(client, manager, organization):
    client.force_login(manager)
    response = client.post(reverse("programs:create"), program_data(owner=manager.pk))
    program = Program.objects.get(name="Inwerken reachtruck")
    assert response.url == reverse("programs:detail", args=[program.pk])
    assert (program.organization, program.owner, program.status) == (
        organization,
        manager,
        ProgramStatus.DRAFT,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Dit veld is verplicht."),
        ({"business_objective": ""}, "Dit veld is verplicht."),
        ({"duration_weeks": "0"}, "deze waarde minstens 1 is"),
        ({"duration_weeks": "200"}, "104 is"),
        ({"feedback_every_days": "abc"}, "Voer een geheel getal in."),
        ({"name": "Inwerken orderpicker"}, "al een programma met deze naam"),
    ],
)
def test_program_form_errors_are_dutch_and_keep_what_was_typed(
    client, manager, program, overrides, message
):
    client.force_login(manager)
    data = program_data(owner=manager.pk, description="Mijn lange uitleg", **overrides)
    response = client.post(reverse("programs:create"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert "Mijn lange uitleg" in content
    assert Program.objects.count() == 1


def test_program_owner_must_be_a_manager(client, manager, coach, organization):
    client.force_login(manager)
    response = client.post(reverse("programs:create"), program_data(owner=coach.pk))
    assert "Deze keuze is niet beschikbaar." in response.content.decode()
    assert not Program.objects.filter(name="Inwerken reachtruck").exists()


def test_goal_added_through_htmx_returns_the_refreshed_goal_list(client, manager, program):
    client.force_login(manager)
    response = client.post(
        reverse("programs:goal-create", args=[program.pk]),
        {"new-goal-title": "Veilig werken", "new-goal-target_week": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#goals"
    assert "1. Veilig werken" in response.content.decode()


def test_goal_with_a_target_week_past_the_program_keeps_the_typed_title(client, manager, program):
    client.force_login(manager)
    response = client.post(
        reverse("programs:goal-create", args=[program.pk]),
        {"new-goal-title": "Laat doel", "new-goal-target_week": "9"},
        HTTP_HX_REQUEST="true",
    )
    content = response.content.decode()
    assert "duurt 6 weken" in content
    assert 'value="Laat doel"' in content
    assert not LearningGoal.objects.exists()


def test_task_added_without_a_title_is_refused(client, manager, program):
    goal = LearningGoalFactory(program=program)
    client.force_login(manager)
    response = client.post(
        reverse("programs:checklist-item-create", args=[goal.pk]),
        {f"new-item-{goal.pk}-title": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "Dit veld is verplicht." in response.content.decode()
    assert not ChecklistItem.objects.exists()


def test_editing_a_goal_inline_saves_it(client, manager, program):
    goal = LearningGoalFactory(program=program, title="Oud")
    client.force_login(manager)
    form = client.get(reverse("programs:goal-edit", args=[goal.pk]), HTTP_HX_REQUEST="true")
    assert f'id="goal-{goal.pk}"' in form.content.decode()
    prefix = f"goal-{goal.pk}"
    client.post(
        reverse("programs:goal-edit", args=[goal.pk]),
        {f"{prefix}-title": "Nieuw", f"{prefix}-target_week": "2", f"{prefix}-version": "1"},
        HTTP_HX_REQUEST="true",
    )
    goal.refresh_from_db()
    assert goal.title == "Nieuw"


def test_archived_program_shows_no_builder_and_refuses_changes(client, manager, program):
    goal = LearningGoalFactory(program=program, title="Oud")
    program.status = ProgramStatus.ARCHIVED
    program.save()
    client.force_login(manager)
    content = client.get(reverse("programs:detail", args=[program.pk])).content.decode()
    assert "Leerdoel toevoegen" not in content
    response = client.post(reverse("programs:goal-delete", args=[goal.pk]), follow=True)
    assert "gearchiveerd" in response.content.decode()
    assert LearningGoal.objects.filter(pk=goal.pk).exists()


def test_status_change_that_is_not_allowed_shows_an_error(client, manager, program):
    client.force_login(manager)
    response = client.post(
        reverse("programs:status", args=[program.pk]), {"status": "draft"}, follow=True
    )
    assert "kan niet naar" in response.content.decode()


def test_duplicate_with_a_taken_name_keeps_the_form(client, manager, program):
    client.force_login(manager)
    response = client.post(
        reverse("programs:duplicate", args=[program.pk]), {"name": "Inwerken orderpicker"}
    )
    assert "al een programma met deze naam" in response.content.decode()
    assert Program.objects.count() == 1


def test_cohort_form_refuses_a_bad_date_and_a_taken_name(client, manager, program, cohort):
    client.force_login(manager)
    url = reverse("programs:cohort-create", args=[program.pk])
    bad_date = client.post(url, {"name": "Groep 3", "starts_on": "31-31-2026"})
    assert "Voer een geldige datum in." in bad_date.content.decode()
    taken = client.post(url, {"name": "Pilotgroep", "starts_on": "2026-12-01"})
    assert "al een groep met deze naam" in taken.content.decode()
    assert Cohort.objects.count() == 1


def test_method_form_refuses_a_name_twice(client, manager, organization):
    client.force_login(manager)
    url = reverse("programs:methods", args=[organization.slug])
    client.post(url, {"name": "Buddy-systeem"})
    response = client.post(url, {"name": "Buddy-systeem"})
    assert "al een leervorm met deze naam" in response.content.decode()


# --- pairing with capacity ---------------------------------------------------------------


def test_pairing_over_capacity_warns_suggests_and_pairs_after_confirmation(
    client, manager, cohort, organization
):
    full = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, team="Inslag", coach_capacity=1
    )
    roomy = MembershipFactory(
        organization=organization, is_coach=True, is_learner=False, team="Inslag", coach_capacity=3
    )
    first, second = EnrolmentFactory.create_batch(2, cohort=cohort)
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [first.pk, second.pk], "coach": full.user.pk, "starts_on": "2026-11-20"}

    warned = client.post(url, data).content.decode()
    assert "met 2 erbij wordt dat te veel" in warned
    assert f"{escape(roomy.user.name)} (3 vrij)" in warned
    assert not Pairing.objects.exists()

    client.post(url, {**data, "over_capacity_ok": "on"})
    assert Pairing.objects.filter(coach=full.user).count() == 2


# --- a constant number of queries --------------------------------------------------------


@pytest.mark.parametrize("size", [2, 50])
def test_program_list_queries_do_not_grow_with_programs(
    client, manager, organization, django_assert_num_queries, size
):
    for program in ProgramFactory.create_batch(size, organization=organization, owner=manager):
        CohortFactory(program=program)
    client.force_login(manager)
    # session, user, roles, can-create, owner and method choices, program count, one page of
    # programs, their methods, the bell's unread count
    with django_assert_num_queries(10):
        client.get(reverse("programs:list"))


@pytest.mark.parametrize("size", [2, 50])
def test_program_detail_queries_do_not_grow_with_goals(
    client, manager, program, django_assert_num_queries, size
):
    for goal in LearningGoalFactory.create_batch(size, program=program):
        ChecklistItemFactory.create_batch(3, goal=goal)
    CohortFactory.create_batch(size, program=program)
    client.force_login(manager)
    # session, user, roles, program, methods, goals, tasks, may-edit, cohort count, one page of
    # cohorts, the needs analysis' rounds (none here), the bell's unread count
    with django_assert_num_queries(12):
        client.get(reverse("programs:detail", args=[program.pk]))


@pytest.mark.parametrize("rolled_up", [False, True])
@pytest.mark.parametrize("size", [2, 50])
def test_cohort_page_queries_do_not_grow_with_learners(
    client, manager, cohort, coach, django_assert_num_queries, size, rolled_up
):
    for enrolment in EnrolmentFactory.create_batch(size, cohort=cohort):
        PairingFactory(enrolment=enrolment, coach=coach)
    for number in range(size):
        Invitation.objects.create(
            cohort=cohort,
            email=f"nieuw{number}@example.nl",
            name=f"Nieuw {number}",
            coach=coach,
            started_on=cohort.starts_on,
        )
    if rolled_up:
        rollups.rollup_all(on=timezone.localdate())
    client.force_login(manager)
    # session, user, roles, cohort, count, a page of enrolments, their current pairings;
    # their status (coaching.attention): current pairings, coaches' loads, learning hours,
    # feedback, goals, tasks, sign-offs, today's standings, and only without an up-to-date
    # standing (no roll-up ran) levels and reflections; count and a page of invitations with
    # their coach; the coach picker's few coaches with their load; the bell's unread count
    with django_assert_num_queries(19 if rolled_up else 21):
        client.get(reverse("programs:cohort-detail", args=[cohort.pk]))


def test_pairing_without_learners_says_what_is_missing(client, manager, cohort, coach, enrolment):
    client.force_login(manager)
    response = client.post(
        reverse("programs:cohort-detail", args=[cohort.pk]),
        {"coach": coach.pk, "starts_on": "2026-11-20"},
    )
    assert "Kies minstens één lerende." in response.content.decode()


def test_reflection_questions_are_saved_one_per_line_and_never_empty(client, manager, program):
    client.force_login(manager)
    url = reverse("programs:reflection-prompts", args=[program.pk])
    empty = client.post(url, {"questions": " \n  \n"})
    assert "Dit veld is verplicht." in empty.content.decode()
    client.post(url, {"questions": "Wat ging goed?\n\nWat oefen je morgen?\n"})
    assert list(program.reflection_prompts.values_list("text", flat=True)) == [
        "Wat ging goed?",
        "Wat oefen je morgen?",
    ]
