import datetime

import pytest
from django.core.exceptions import ValidationError

from programs import services
from programs.choices import ProgramStatus
from programs.models import ChecklistItem, Enrolment, LearningGoal, Method, Program
from tests.factories import ChecklistItemFactory, LearningGoalFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def make_program(organization, manager, **fields):
    values = {
        "name": "Inwerken heftruckchauffeur",
        "business_objective": "Zelfstandig binnen vier weken",
        "owner": manager,
        "duration_weeks": 4,
        "feedback_every_days": 5,
        **fields,
    }
    return services.program_create(actor=manager, organization=organization, **values)


def test_a_new_program_starts_as_a_draft(organization, manager):
    program = make_program(organization, manager)
    assert program.status == ProgramStatus.DRAFT


def test_two_programs_in_one_organisation_cannot_share_a_name(organization, manager):
    make_program(organization, manager)
    with pytest.raises(ValidationError, match="al een programma met deze naam"):
        make_program(organization, manager)


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        (ProgramStatus.DRAFT, ProgramStatus.PILOT, True),
        (ProgramStatus.PILOT, ProgramStatus.ACTIVE, True),
        (ProgramStatus.ACTIVE, ProgramStatus.ARCHIVED, True),
        (ProgramStatus.ACTIVE, ProgramStatus.DRAFT, False),
        (ProgramStatus.ARCHIVED, ProgramStatus.ACTIVE, False),
    ],
)
def test_status_follows_the_lifecycle(program, start, target, allowed):
    program.status = start
    program.save()
    if allowed:
        services.program_change_status(actor=program.owner, program=program, status=target)
        assert Program.objects.get(pk=program.pk).status == target
    else:
        with pytest.raises(ValidationError):
            services.program_change_status(actor=program.owner, program=program, status=target)
        assert Program.objects.get(pk=program.pk).status == start


def test_an_archived_program_can_no_longer_be_changed(program):
    goal = LearningGoalFactory(program=program)
    services.program_change_status(
        actor=program.owner, program=program, status=ProgramStatus.ARCHIVED
    )
    with pytest.raises(ValidationError, match="gearchiveerd"):
        services.goal_update(actor=goal.program.owner, goal=goal, title="Nieuw")
    with pytest.raises(ValidationError, match="gearchiveerd"):
        services.program_update(actor=program.owner, program=program, name="Nieuw")


def test_duplicate_copies_goals_checklists_and_methods_but_no_learners(program, enrolment):
    program.methods.set(Method.objects.filter(builtin="peer_learning"))
    goal = LearningGoalFactory(program=program, title="Scannen", target_week=3)
    ChecklistItemFactory(goal=goal, title="Scant elke locatie", requires_sign_off=False)

    copy = services.program_duplicate(
        actor=program.owner, program=program, name="Kopie", owner=program.owner
    )

    assert copy.status == ProgramStatus.DRAFT
    assert copy.duplicated_from == program
    assert [(g.title, g.target_week) for g in copy.goals.all()] == [("Scannen", 3)]
    item = ChecklistItem.objects.get(goal__program=copy)
    assert (item.title, item.requires_sign_off) == ("Scant elke locatie", False)
    assert list(copy.methods.values_list("builtin", flat=True)) == ["peer_learning"]
    assert not copy.cohorts.exists()
    assert Enrolment.objects.filter(cohort__program=program).count() == 1


def test_a_goal_target_week_must_fall_within_the_program(program):
    with pytest.raises(ValidationError, match="duurt 6 weken"):
        services.goal_create(actor=program.owner, program=program, title="Te laat", target_week=7)


def test_goals_are_added_at_the_end_and_can_be_moved(program):
    first = services.goal_create(
        actor=program.owner, program=program, title="Eerste", target_week=1
    )
    second = services.goal_create(
        actor=program.owner, program=program, title="Tweede", target_week=2
    )
    assert list(program.goals.values_list("title", flat=True)) == ["Eerste", "Tweede"]
    services.goal_move(actor=second.program.owner, goal=second, direction=-1)
    assert list(program.goals.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_moving_the_first_goal_up_changes_nothing(program):
    first = services.goal_create(
        actor=program.owner, program=program, title="Eerste", target_week=1
    )
    services.goal_create(actor=program.owner, program=program, title="Tweede", target_week=2)
    services.goal_move(actor=first.program.owner, goal=first, direction=-1)
    assert program.goals.order_by("position").first() == first


def test_removing_a_goal_removes_its_checklist(program):
    goal = LearningGoalFactory(program=program)
    ChecklistItemFactory(goal=goal)
    services.goal_delete(actor=goal.program.owner, goal=goal)
    assert not LearningGoal.objects.exists()
    assert not ChecklistItem.objects.exists()


def test_enrolment_target_date_is_start_plus_duration(cohort, learner):
    enrolment = services.enrolment_create(
        cohort=cohort, learner=learner, started_on=datetime.date(2026, 11, 2)
    )
    assert enrolment.target_on == datetime.date(2026, 12, 14)


def test_a_learner_cannot_be_enrolled_twice_in_one_program(cohort, enrolment, learner):
    with pytest.raises(ValidationError, match="al ingeschreven"):
        services.enrolment_create(cohort=cohort, learner=learner, started_on=cohort.starts_on)


def test_enrolling_someone_adds_the_learner_role_and_keeps_other_roles(cohort, coach):
    services.enrolment_create(cohort=cohort, learner=coach, started_on=cohort.starts_on)
    membership = coach.memberships.get()
    assert (membership.is_coach, membership.is_learner) == (True, True)


def test_changing_coach_ends_the_old_pairing_and_keeps_it(enrolment, coach, other_coach):
    on = datetime.date(2026, 11, 20)
    services.pairing_set(enrolments=[enrolment], coach=other_coach, on=on)
    pairings = list(enrolment.pairings.order_by("pk").values_list("coach", "ended_on"))
    assert pairings == [(coach.pk, on), (other_coach.pk, None)]


def test_pairing_the_same_coach_again_changes_nothing(enrolment, coach):
    changed = services.pairing_set(
        enrolments=[enrolment], coach=coach, on=datetime.date(2026, 11, 20)
    )
    assert changed == 0
    assert enrolment.pairings.count() == 1


def test_only_a_coach_of_the_organisation_can_be_paired(enrolment, other_organization):
    outsider = MembershipFactory(organization=other_organization, is_coach=True).user
    with pytest.raises(ValidationError, match="geen coach"):
        services.pairing_set(enrolments=[enrolment], coach=outsider, on=enrolment.started_on)


def test_a_learner_cannot_coach_themselves(enrolment, learner):
    learner.memberships.update(is_coach=True)
    with pytest.raises(ValidationError, match="eigen coach"):
        services.pairing_set(enrolments=[enrolment], coach=learner, on=enrolment.started_on)


def test_organisations_can_add_their_own_method_once(organization, other_organization):
    services.method_create(organization=organization, name="Buddy-systeem")
    services.method_create(organization=other_organization, name="Buddy-systeem")
    with pytest.raises(ValidationError):
        services.method_create(organization=organization, name="Buddy-systeem")
    assert Method.objects.available_to([organization]).filter(name="Buddy-systeem").count() == 1


def test_a_program_cannot_be_shortened_below_its_goals(program):
    LearningGoalFactory(program=program, target_week=5)
    with pytest.raises(ValidationError, match="week 5"):
        services.program_update(actor=program.owner, program=program, duration_weeks=4)
    program.refresh_from_db()
    assert program.duration_weeks == 6


def test_duplicate_also_copies_the_reflection_questions(program):
    services.reflection_prompts_set(program=program, questions=["Wat ging goed?", "Wat nu?"])
    copy = services.program_duplicate(
        actor=program.owner, program=program, name="Kopie", owner=program.owner
    )
    assert list(copy.reflection_prompts.values_list("text", flat=True)) == [
        "Wat ging goed?",
        "Wat nu?",
    ]


def test_reflection_questions_are_checked(program):
    with pytest.raises(ValidationError):
        services.reflection_prompts_set(program=program, questions=["x" * 301])
    with pytest.raises(ValidationError, match="hoogstens 10"):
        services.reflection_prompts_set(
            program=program, questions=[f"Vraag {n}" for n in range(11)]
        )
    program.status = ProgramStatus.ARCHIVED
    program.save()
    with pytest.raises(ValidationError, match="gearchiveerd"):
        services.reflection_prompts_set(program=program, questions=["Nieuw"])
    assert not program.reflection_prompts.exists()


def test_a_new_pairing_never_starts_before_the_one_it_replaces(enrolment, coach, other_coach):
    services.pairing_set(enrolments=[enrolment], coach=other_coach, on=datetime.date(2026, 10, 1))
    pairings = list(
        enrolment.pairings.order_by("pk").values_list("coach", "started_on", "ended_on")
    )
    start = datetime.date(2026, 11, 2)
    assert pairings == [(coach.pk, start, start), (other_coach.pk, start, None)]


def test_an_ended_enrolment_gets_no_new_coach(enrolment, other_coach):
    enrolment.ended_on, enrolment.end_reason = datetime.date(2026, 11, 20), "stopped"
    enrolment.save()
    with pytest.raises(ValidationError, match="gestopt"):
        services.pairing_set(
            enrolments=[enrolment], coach=other_coach, on=datetime.date(2026, 11, 21)
        )


def test_a_group_start_date_must_be_plausible(program):
    with pytest.raises(ValidationError, match="tussen 2000 en 2099"):
        services.cohort_create(program=program, name="Groep", starts_on=datetime.date(9999, 1, 1))
