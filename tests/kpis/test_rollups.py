"""Roll-ups write daily snapshots that equal what coaching and the built-in KPIs compute
directly; incremental roll-ups equal a full rebuild, and running either twice changes nothing."""

import datetime

import kombu.exceptions
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching import services as coaching_services
from coaching.attention import enrolment_statuses
from coaching.models import FeedbackMoment, SignOff
from kpis import builtin, rollups, tasks
from kpis.models import CohortSnapshot, EnrolmentSnapshot, ProgramSnapshot
from programs import services as program_services
from programs.choices import EndReason
from programs.models import Enrolment
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    PairingFactory,
    ProgramFactory,
    ReflectionFactory,
    UserFactory,
)
from werkplek.celery import app

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)  # a Monday: the groups' start
ON = START + datetime.timedelta(days=40)
MODELS = [EnrolmentSnapshot, CohortSnapshot, ProgramSnapshot]


def rows(model) -> set:
    """Every snapshot row of a model as a hashable tuple of its values, without its pk."""
    names = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
    return {tuple(repr(value) for value in row) for row in model.objects.values_list(*names)}


def all_rows() -> dict:
    return {model.__name__: rows(model) for model in MODELS}


def loaded(enrolments):
    return list(
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).select_related(
            "learner", "cohort__program"
        )
    )


class World:
    """A program with two goals and a task to sign, a pilot group and a later group."""

    def __init__(self, learners_per_group=(2, 2)):
        self.program = ProgramFactory()
        self.goals = [
            LearningGoalFactory(program=self.program, target_week=1),
            LearningGoalFactory(program=self.program, target_week=3),
        ]
        self.task = ChecklistItemFactory(goal=self.goals[1])
        self.cohorts = [
            CohortFactory(program=self.program, starts_on=START, is_pilot=True),
            CohortFactory(program=self.program, starts_on=START + datetime.timedelta(days=7)),
        ]
        self.enrolments = []
        for cohort, size in zip(self.cohorts, learners_per_group, strict=True):
            for _ in range(size):
                enrolment = EnrolmentFactory(cohort=cohort)
                PairingFactory(enrolment=enrolment)
                self.enrolments.append(enrolment)

    def feedback(self, enrolment, on, goal_index, level, sign_off=False, reflected=False):
        moment = FeedbackMomentFactory(enrolment=enrolment, occurred_on=on)
        GoalAssessmentFactory(feedback_moment=moment, goal=self.goals[goal_index], level=level)
        if sign_off:
            SignOff.objects.create(
                enrolment=enrolment,
                checklist_item=self.task,
                signed_by=moment.coach,
                signed_on=on,
                feedback_moment=moment,
            )
        reflection = ReflectionFactory(
            enrolment=enrolment, feedback_moment=moment, due_on=on + datetime.timedelta(days=2)
        )
        if reflected:
            reflection.submitted_at = timezone.now()
            reflection.save(update_fields=["submitted_at"])
        return moment

    def end(self, enrolment, after_days, reason):
        """End after its last feedback, as the services allow (no feedback after an end)."""
        last = enrolment.feedback_moments.order_by("-occurred_on").first()
        ended_on = max(
            enrolment.started_on + datetime.timedelta(days=after_days),
            last.occurred_on if last else enrolment.started_on,
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(ended_on=ended_on, end_reason=reason)


histories = st.lists(
    st.tuples(
        st.integers(0, 3),  # which learner
        st.integers(0, 45),  # days after the group's start
        st.integers(0, 1),  # which goal
        st.integers(1, 4),  # level
        st.booleans(),  # the task signed off
        st.booleans(),  # the reflection handed in
    ),
    max_size=12,
)
endings = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 30), st.sampled_from(EndReason.values)),
    max_size=2,
)
PROPERTY_SETTINGS = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def apply(world, history, ends):
    touched = set()
    for index, offset, goal, level, sign_off, reflected in history:
        enrolment = world.enrolments[index]
        on = min(enrolment.started_on + datetime.timedelta(days=offset), ON)
        world.feedback(enrolment, on, goal, level, sign_off, reflected)
        touched.add(enrolment.pk)
    for index, after_days, reason in ends:
        world.end(world.enrolments[index], after_days, reason)
        touched.add(world.enrolments[index].pk)
    return touched


@pytest.fixture
def any_group_size(settings):
    """Values for groups of any size, so the properties compare numbers, not "too little"."""
    settings.KPI_MIN_GROUP_SIZE = 1


@PROPERTY_SETTINGS
@given(history=histories, ends=endings)
def test_snapshots_equal_the_direct_computation(any_group_size, history, ends):
    with transaction.atomic():
        world = World()
        apply(world, history, ends)
        rollups.rollup_all(on=ON)

        enrolments = loaded(world.enrolments)
        statuses = enrolment_statuses(enrolments, on=ON)
        facts = builtin.enrolment_facts(enrolments, on=ON)
        for enrolment in enrolments:
            row = EnrolmentSnapshot.objects.get(enrolment=enrolment, day=ON)
            status, fact = statuses[enrolment.pk], facts[enrolment.pk]
            assert row.last_feedback_on == status.last_feedback_on
            assert row.goals - row.goals_independent == status.goals_below_independent
            assert row.sign_offs_required - row.sign_offs_done == status.open_sign_offs
            assert row.independent_since == status.independent_since
            assert row.pace == status.projection.pace
            assert row.attention_reasons == [str(r) for r in status.reasons]
            assert row.reflections_done == fact.reflections_done
            assert row.reflections_overdue == fact.reflections_overdue
            assert row.feedback_moments == enrolment.feedback_moments.count()
        for cohort in world.cohorts:
            row = CohortSnapshot.objects.get(cohort=cohort, day=ON)
            assert row.kpis == rollups.group_kpis_json(builtin.cohort_kpis(cohort, on=ON))
            assert row.enrolments == cohort.enrolments.count()
            assert row.independent == cohort.enrolments.filter(end_reason="independent").count()
            for goal in world.goals:
                assert sum(row.levels[str(goal.pk)].values()) == row.enrolments
        program_row = ProgramSnapshot.objects.get(program=world.program, day=ON)
        direct = builtin.program_kpis(world.program, on=ON)
        assert program_row.kpis["time_to_independence_pilot"] == rollups.kpi_json(direct.pilot)
        assert program_row.kpis["time_to_independence_later"] == rollups.kpi_json(direct.later)
        assert program_row.enrolments == len(world.enrolments)
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(before=histories, after=histories, ends=endings)
def test_incremental_roll_ups_equal_a_full_rebuild_and_a_second_run_changes_nothing(
    any_group_size, before, after, ends
):
    with transaction.atomic():
        world = World()
        apply(world, before, [])
        rollups.rollup_all(on=ON)
        touched = apply(world, after, ends)
        if touched:
            rollups.rollup_enrolments(enrolment_ids=touched, on=ON)
        incremental = all_rows()
        pks = {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in MODELS}

        rollups.rollup_enrolments(enrolment_ids=touched, on=ON)
        rollups.rollup_all(on=ON)
        assert all_rows() == incremental
        assert {m.__name__: set(m.objects.values_list("pk", flat=True)) for m in MODELS} == pks

        for model in MODELS:
            model.objects.all().delete()
        rollups.rollup_all(on=ON)
        assert all_rows() == incremental
        transaction.set_rollback(True)


def test_a_roll_up_writes_one_row_per_subject_and_day():
    world = World(learners_per_group=(3, 2))
    world.feedback(world.enrolments[0], START, 0, 3)
    rollups.rollup_all(on=ON)
    rollups.rollup_all(on=ON + datetime.timedelta(days=1))
    assert EnrolmentSnapshot.objects.count() == 2 * 5
    assert CohortSnapshot.objects.count() == 2 * 2
    assert ProgramSnapshot.objects.count() == 2
    row = CohortSnapshot.objects.get(cohort=world.cohorts[0], day=ON)
    goal = str(world.goals[0].pk)
    assert row.levels[goal] == {"0": 2, "3": 1}
    assert (row.enrolments, row.running, row.ended) == (3, 3, 0)


def test_an_enrolment_that_has_not_started_has_no_snapshot_yet():
    world = World(learners_per_group=(1, 1))
    rollups.rollup_all(on=START)  # the later group starts a week after
    assert list(EnrolmentSnapshot.objects.values_list("enrolment", flat=True)) == [
        world.enrolments[0].pk
    ]
    assert CohortSnapshot.objects.get(cohort=world.cohorts[1]).enrolments == 0


def test_snapshots_are_visible_to_the_organisations_managers_only(manager, other_manager, coach):
    world = World(learners_per_group=(1, 1))
    program = world.program
    program.organization = manager.memberships.get().organization
    program.save(update_fields=["organization"])
    rollups.rollup_all(on=ON)
    for model in MODELS:
        assert model.objects.visible_to(manager).count() == model.objects.count() > 0
        assert not model.objects.visible_to(other_manager).exists()
        assert not model.objects.visible_to(coach).exists()


@pytest.mark.parametrize("size", [1, 20])
def test_rolling_up_one_enrolment_takes_as_many_queries_as_twenty(size):
    world = World(learners_per_group=(10, 10))
    for enrolment in world.enrolments:
        world.feedback(enrolment, START + datetime.timedelta(days=8), 0, 2, sign_off=True)
    ids = [e.pk for e in world.enrolments[:size]]
    with CaptureQueriesContext(connection) as queries:
        rollups.rollup_enrolments(enrolment_ids=ids, on=ON)
    # 5 to find and load, 1 levels (read once for facts and statuses), 6 more facts,
    # 8 more statuses + 1 count, 3 upserts, 1 delete, and the savepoint around it.
    assert len(queries) == 27
    assert EnrolmentSnapshot.objects.count() == size


def test_the_full_roll_up_takes_as_many_queries_for_eight_groups_as_for_two():
    counts = []
    for extra_groups in [0, 4]:
        world = World(learners_per_group=(2, 2))
        for number in range(extra_groups):
            cohort = CohortFactory(
                program=world.program, starts_on=START + datetime.timedelta(days=14 + number)
            )
            for _ in range(3):
                enrolment = EnrolmentFactory(cohort=cohort)
                PairingFactory(enrolment=enrolment)
                world.feedback(enrolment, START + datetime.timedelta(days=20), 0, 3)
        with CaptureQueriesContext(connection) as queries:
            rollups.rollup_all(on=ON)
        counts.append(len(queries))
    # The second run rolls up both programs (2 + 6 groups) in one batch.
    assert CohortSnapshot.objects.filter(day=ON).count() == 2 + 6
    assert counts[0] == counts[1]


def test_rollup_all_works_in_batches_with_the_same_queries_per_batch(monkeypatch):
    for _ in range(3):
        World(learners_per_group=(2, 1))
    monkeypatch.setattr(rollups, "PROGRAM_BATCH", 1)
    with CaptureQueriesContext(connection) as one_by_one:
        rollups.rollup_all(on=ON)
    monkeypatch.setattr(rollups, "PROGRAM_BATCH", 3)
    with CaptureQueriesContext(connection) as together:
        rollups.rollup_all(on=ON)
    # One query lists the programs and one the KPIs (none here); the rest is per batch.
    assert len(one_by_one) - 2 == 3 * (len(together) - 2)


def test_rollup_all_puts_small_programs_together_and_a_large_one_alone(monkeypatch):
    """Each batch scans the assessments once: batches are filled up to `ENROLMENT_BATCH`
    enrolments (and `PROGRAM_BATCH` programs); a program larger than that is a batch of its
    own, and a program without enrolments costs nothing extra."""
    monkeypatch.setattr(rollups, "ENROLMENT_BATCH", 10)
    monkeypatch.setattr(rollups, "PROGRAM_BATCH", 3)
    programs = [(1, 4), (2, 0), (3, 6), (4, 25), (5, 3), (6, 3), (7, 3), (8, 3)]
    assert list(rollups._program_batches(programs)) == [[1, 2, 3], [4], [5, 6, 7], [8]]
    assert list(rollups._program_batches([])) == []


# --- Triggers -----------------------------------------------------------------------------


@pytest.fixture
def enqueued(monkeypatch, handoff_inline):
    """What would have gone to the broker: (enrolment ids, day) per roll-up."""
    sent = []

    def apply_async(args, **options):
        sent.append(tuple(args))

    monkeypatch.setattr(tasks.rollup_enrolments_task, "apply_async", apply_async)
    return sent


def feedback_form(goal):
    return {
        "occurred_on": timezone.localdate().isoformat(),
        "shift": "morning",
        "went_well": "Rustig en netjes gewerkt.",
        f"practised_{goal.pk}": "on",
        f"level_{goal.pk}": "3",
    }


def today_enrolment(cohort, learner, coach):
    cohort.starts_on = timezone.localdate() - datetime.timedelta(days=7)
    cohort.save(update_fields=["starts_on"])
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    return enrolment


def test_saving_feedback_enqueues_a_roll_up_of_its_enrolment_on_commit(
    client, coach, cohort, learner, enqueued, django_capture_on_commit_callbacks
):
    enrolment = today_enrolment(cohort, learner, coach)
    goal = LearningGoalFactory(program=cohort.program)
    client.force_login(coach)
    with django_capture_on_commit_callbacks() as callbacks:
        url = reverse("coaching:feedback-create", args=[enrolment.pk])
        assert client.post(url, feedback_form(goal)).status_code == 302
        assert enqueued == []  # not before the commit
    for callback in callbacks:
        callback()
    assert enqueued == [([enrolment.pk], timezone.localdate().isoformat())]


def test_ending_an_enrolment_or_closing_a_group_enqueues_a_roll_up_of_each_ending(
    manager, program, enqueued, django_capture_on_commit_callbacks
):
    cohort = CohortFactory(program=program)
    first, second, third = EnrolmentFactory.create_batch(3, cohort=cohort)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        program_services.enrolment_end(
            actor=manager, enrolment=first, reason=EndReason.STOPPED, ended_on=today
        )
    assert [ids for ids, _day in enqueued] == [[first.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        program_services.cohort_close(
            actor=manager, cohort=cohort, reason=EndReason.LEFT_ORGANISATION, ended_on=today
        )
    assert sorted(ids for ids, _day in enqueued[1:]) == [[second.pk], [third.pk]]


def test_handing_in_a_reflection_enqueues_a_roll_up(
    enrolment, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        coaching_services.reflection_submit(
            enrolment=enrolment,
            actor=enrolment.learner,
            answers=[{"question": "Wat ging goed?", "answer": "Alles."}],
        )
    assert [ids for ids, _day in enqueued] == [[enrolment.pk]]


def test_feedback_is_saved_when_the_broker_is_unreachable(
    client,
    coach,
    cohort,
    learner,
    monkeypatch,
    caplog,
    handoff_inline,
    django_capture_on_commit_callbacks,
):
    def broker_down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(tasks.rollup_enrolments_task, "apply_async", broker_down)
    enrolment = today_enrolment(cohort, learner, coach)
    goal = LearningGoalFactory(program=cohort.program)
    client.force_login(coach)
    with django_capture_on_commit_callbacks(execute=True):
        url = reverse("coaching:feedback-create", args=[enrolment.pk])
        response = client.post(url, feedback_form(goal))
    assert response.status_code == 302
    assert FeedbackMoment.objects.filter(enrolment=enrolment).exists()
    assert f"the roll-up {tasks.rollup_enrolments_task.name} of" in caplog.text


@pytest.mark.parametrize("model", ["enrolmentsnapshot", "cohortsnapshot", "programsnapshot"])
def test_snapshots_are_read_only_in_the_admin(client, model):
    World(learners_per_group=(1, 1))
    rollups.rollup_all(on=ON)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(f"admin:kpis_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:kpis_{model}_add")).status_code == 403
    row = {"enrolmentsnapshot": EnrolmentSnapshot, "cohortsnapshot": CohortSnapshot}.get(
        model, ProgramSnapshot
    ).objects.first()
    assert client.get(reverse(f"admin:kpis_{model}_delete", args=[row.pk])).status_code == 403


# --- Tasks ----------------------------------------------------------------------------------


def test_the_tasks_take_ids_and_an_iso_day_and_write_the_rows():
    world = World(learners_per_group=(1, 1))
    first = world.enrolments[0]
    tasks.rollup_enrolments_task.apply(args=[[first.pk], ON.isoformat()]).get()
    assert list(EnrolmentSnapshot.objects.values_list("enrolment", "day")) == [(first.pk, ON)]
    tasks.rollup_all_task.apply().get()
    assert EnrolmentSnapshot.objects.filter(day=timezone.localdate()).count() == 2


def test_the_nightly_rebuild_is_scheduled_by_the_tasks_name():
    entry = app.conf.beat_schedule["kpis-rollup-all"]
    assert entry["task"] == tasks.rollup_all_task.name
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})
