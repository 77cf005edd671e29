"""The database refuses rows that break the rules, whoever writes them.

These tests write rows straight through the ORM, past the services and their friendly
messages. PostgreSQL enforces every rule; SQLite cannot hold an exclusion constraint or a
trigger, so there the services are the rule and those tests skip.
"""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Model

from programs import services
from programs.models import MAX_DURATION_WEEKS, Enrolment, LearningGoal, Pairing, Program
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    PairingFactory,
    ProgramFactory,
)
from werkplek import services as werkplek_services

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="only PostgreSQL holds this rule; elsewhere the services keep it",
)

DAY = datetime.timedelta(days=1)


# Enrolment


def test_an_enrolment_cannot_end_before_it_started(enrolment):
    enrolment.ended_on, enrolment.end_reason = enrolment.started_on - DAY, "stopped"
    with pytest.raises(IntegrityError), transaction.atomic():
        enrolment.save()


def test_an_enrolment_may_end_on_the_day_it_started(enrolment):
    enrolment.ended_on, enrolment.end_reason = enrolment.started_on, "stopped"
    enrolment.save()
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on == enrolment.started_on


def test_a_learner_has_one_running_enrolment_per_program(enrolment, learner):
    second_group = CohortFactory(program=enrolment.cohort.program)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrolmentFactory(cohort=second_group, learner=learner)


def test_after_ending_a_learner_may_enrol_in_the_program_again(enrolment, learner):
    enrolment.ended_on, enrolment.end_reason = enrolment.started_on + DAY, "stopped"
    enrolment.save()
    again = EnrolmentFactory(
        cohort=CohortFactory(program=enrolment.cohort.program), learner=learner
    )
    assert again.program == enrolment.program


def test_a_learner_may_run_two_programs_at_once(enrolment, learner, organization):
    other_program = ProgramFactory(organization=organization)
    EnrolmentFactory(cohort=CohortFactory(program=other_program), learner=learner)
    assert Enrolment.objects.active().filter(learner=learner).count() == 2


def test_an_enrolment_takes_the_program_of_its_group(cohort, learner):
    enrolment = Enrolment(
        cohort=cohort,
        learner=learner,
        started_on=cohort.starts_on,
        target_on=Enrolment.target_for(cohort.starts_on, cohort.program),
    )
    enrolment.full_clean()
    assert enrolment.program == cohort.program

    enrolment.cohort = CohortFactory(
        program=ProgramFactory(organization=cohort.program.organization)
    )
    enrolment.full_clean()
    assert enrolment.program == enrolment.cohort.program


def test_the_service_names_the_rule_before_the_database_has_to(enrolment, learner):
    second_group = CohortFactory(program=enrolment.cohort.program)
    with pytest.raises(ValidationError, match="al ingeschreven"):
        services.enrolment_create(
            cohort=second_group, learner=learner, started_on=second_group.starts_on
        )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_enrolments_in_one_program_leave_one(cohort, learner, monkeypatch):
    """Both requests pass every check before either saves: only the database can stop one."""
    second_group = CohortFactory(program=cohort.program)
    both_checked = threading.Barrier(2, timeout=10)

    def full_clean_then_wait(self, *args, **kwargs):
        Model.full_clean(self, *args, **kwargs)
        both_checked.wait()

    monkeypatch.setattr(Enrolment, "full_clean", full_clean_then_wait)
    # The learner already has the role; skipping its update keeps the two requests from
    # queueing on the membership row before they reach the enrolment.
    monkeypatch.setattr(werkplek_services, "membership_add_role", lambda **kwargs: None)
    outcomes = []

    def enrol(group):
        try:
            services.enrolment_create(cohort=group, learner=learner, started_on=group.starts_on)
            outcomes.append("enrolled")
        except IntegrityError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(group,)) for group in (cohort, second_group)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes) == ["enrolled", "refused"]
    assert Enrolment.objects.filter(learner=learner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_existing_enrolments_get_the_program_of_their_group():
    """The migration that adds Enrolment.program fills it in for the enrolments already there."""
    executor = MigrationExecutor(connection)
    before = [("programs", "0001_initial")]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        organization = old.get_model("werkplek", "Organization").objects.create(
            name="Oud", slug="oud"
        )
        people = old.get_model("werkplek", "User").objects
        owner = people.create(email="eigenaar@example.nl", name="Eigenaar")
        learner = people.create(email="lerende@example.nl", name="Lerende")
        program = old.get_model("programs", "Program").objects.create(
            organization=organization,
            name="Oud programma",
            business_objective="Zelfstandig",
            owner=owner,
            duration_weeks=6,
        )
        cohort = old.get_model("programs", "Cohort").objects.create(
            program=program, name="Groep", starts_on=datetime.date(2026, 11, 2)
        )
        old.get_model("programs", "Enrolment").objects.create(
            cohort=cohort,
            learner=learner,
            started_on=datetime.date(2026, 11, 2),
            target_on=datetime.date(2026, 12, 14),
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert Enrolment.objects.get().program_id == program.pk


# Pairing


@postgresql_only
def test_pairings_of_one_enrolment_cannot_overlap(enrolment, other_coach):
    with pytest.raises(IntegrityError), transaction.atomic():
        PairingFactory(
            enrolment=enrolment,
            coach=other_coach,
            started_on=enrolment.started_on + 5 * DAY,
            ended_on=enrolment.started_on + 10 * DAY,
        )


@postgresql_only
def test_an_overlapping_pairing_is_refused_with_a_message(enrolment, other_coach):
    pairing = Pairing(
        enrolment=enrolment,
        coach=other_coach,
        started_on=enrolment.started_on + 5 * DAY,
        ended_on=enrolment.started_on + 10 * DAY,
    )
    with pytest.raises(ValidationError, match="overlapt"):
        pairing.full_clean()


def test_a_pairing_ending_before_it_starts_is_refused_with_a_message(enrolment, other_coach):
    pairing = Pairing(
        enrolment=enrolment,
        coach=other_coach,
        started_on=enrolment.started_on + 10 * DAY,
        ended_on=enrolment.started_on + 5 * DAY,
    )
    with pytest.raises(ValidationError, match="einddatum"):
        pairing.full_clean()


def test_a_pairing_may_start_the_day_the_previous_one_ends(enrolment, other_coach):
    first = enrolment.pairings.get()
    first.ended_on = enrolment.started_on + 5 * DAY
    first.save()
    PairingFactory(enrolment=enrolment, coach=other_coach, started_on=first.ended_on)
    assert enrolment.pairings.count() == 2


def test_a_pairing_that_never_started_may_share_its_day(enrolment, other_coach):
    first = enrolment.pairings.get()
    first.ended_on = first.started_on
    first.save()
    PairingFactory(enrolment=enrolment, coach=other_coach, started_on=first.started_on)
    assert enrolment.pairings.count() == 2


def test_pairings_of_different_enrolments_may_overlap(enrolment, other_enrolment, coach):
    PairingFactory(
        enrolment=other_enrolment,
        coach=coach,
        started_on=other_enrolment.started_on,
        ended_on=other_enrolment.started_on,
    )
    assert Pairing.objects.filter(coach=coach).count() == 2


def test_a_new_pairing_after_ended_ones_starts_when_the_last_one_ended(enrolment, other_coach):
    first = enrolment.pairings.get()
    first.ended_on = enrolment.started_on + 18 * DAY
    first.save()
    services.pairing_set(
        enrolments=[enrolment], coach=other_coach, on=enrolment.started_on + 8 * DAY
    )
    assert enrolment.pairings.get(ended_on__isnull=True).started_on == first.ended_on


# Learning goal


@pytest.mark.parametrize("week", [0, MAX_DURATION_WEEKS + 1])
def test_a_goal_targets_a_week_on_the_scale(program, week):
    with pytest.raises(IntegrityError), transaction.atomic():
        LearningGoalFactory(program=program, target_week=week)


@postgresql_only
def test_a_goal_cannot_target_a_week_after_its_program_ends(program):
    with pytest.raises(IntegrityError), transaction.atomic():
        LearningGoalFactory(program=program, target_week=program.duration_weeks + 1)
    goal = LearningGoalFactory(program=program, target_week=program.duration_weeks)
    with pytest.raises(IntegrityError), transaction.atomic():
        LearningGoal.objects.filter(pk=goal.pk).update(target_week=program.duration_weeks + 1)


@postgresql_only
def test_a_goal_cannot_move_to_a_program_too_short_for_it(program, organization):
    goal = LearningGoalFactory(program=program, target_week=5)
    short = ProgramFactory(organization=organization, duration_weeks=4)
    goal.program = short
    with pytest.raises(IntegrityError), transaction.atomic():
        goal.save()


@postgresql_only
def test_a_program_cannot_be_shortened_below_a_goal_in_the_database(program):
    LearningGoalFactory(program=program, target_week=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(duration_weeks=4)


def test_a_program_may_be_shortened_to_its_latest_goal(program):
    LearningGoalFactory(program=program, target_week=5)
    Program.objects.filter(pk=program.pk).update(duration_weeks=5)
    assert Program.objects.get(pk=program.pk).duration_weeks == 5
