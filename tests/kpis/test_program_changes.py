"""A manager sees what an adjustment did: goals added or removed and changes of the feedback
rhythm after the first group started are dated program changes on the dashboard, from the
programs' history, which records who made each change."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from kpis.models import ProgramSnapshot
from programs import services
from programs.models import LearningGoal, Program
from tests.factories import CohortFactory, LearningGoalFactory
from werkplek import audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(program):
    """The program's first group, started two weeks ago."""
    return CohortFactory(
        program=program, name="Pilotgroep", starts_on=timezone.localdate() - datetime.timedelta(14)
    )


@pytest.fixture
def signed_in(client, manager):
    client.force_login(manager)
    return client


def dashboard(client, program):
    ProgramSnapshot.objects.get_or_create(
        program=program,
        day=timezone.localdate(),
        defaults={"enrolments": 0, "running": 0, "ended": 0, "independent": 0},
    )
    with translation.override("nl"):
        response = client.get(reverse("kpis:dashboard", args=[program.pk]))
    assert response.status_code == 200
    return response


def changes(client, program) -> list[tuple[str, str]]:
    markers = dashboard(client, program).context["chart_data"]["markers"]
    return [(marker["day"], marker["label"]) for marker in markers]


def edit_program(client, program, **changed):
    program.refresh_from_db()
    data = {
        "name": program.name,
        "description": program.description,
        "business_objective": program.business_objective,
        "owner": program.owner_id,
        "duration_weeks": program.duration_weeks,
        "feedback_every_days": program.feedback_every_days,
        "reminder_rhythm": program.reminder_rhythm,
        "reminder_weekdays": program.reminder_weekdays,
        "reminder_time": program.reminder_time.strftime("%H:%M"),
        "version": program.version,
        **changed,
    }
    response = client.post(reverse("programs:edit", args=[program.pk]), data)
    assert response.status_code == 302, response.context["form"].errors


def test_a_goal_added_on_the_program_page_is_a_dated_change_recorded_with_its_manager(
    signed_in, program, started, manager
):
    signed_in.post(
        reverse("programs:goal-create", args=[program.pk]),
        {"new-goal-title": "Orders foutloos afronden", "new-goal-target_week": "5"},
    )
    today = timezone.localdate().isoformat()
    assert changes(signed_in, program) == [
        (started.starts_on.isoformat(), "Groep «Pilotgroep» gestart"),
        (today, "Leerdoel «Orders foutloos afronden» toegevoegd"),
    ]
    added = LearningGoal.history.get(title="Orders foutloos afronden")
    assert (added.history_type, added.history_user) == ("+", manager)
    html = dashboard(signed_in, program).text
    assert "Leerdoel «Orders foutloos afronden» toegevoegd" in html


def test_goals_of_the_design_before_the_first_group_started_are_no_change(
    signed_in, program, manager
):
    services.goal_create(actor=manager, program=program, title="Veilig werken", target_week=1)
    services.program_update(actor=manager, program=program, feedback_every_days=3)
    # The group starts after the program was designed.
    CohortFactory(program=program, name="Pilotgroep", starts_on=timezone.localdate())
    assert changes(signed_in, program) == [
        (timezone.localdate().isoformat(), "Groep «Pilotgroep» gestart")
    ]


def test_a_removed_goal_is_a_change(signed_in, program, started, manager):
    goal = LearningGoalFactory(program=program, title="Pallets wikkelen")
    signed_in.post(reverse("programs:goal-delete", args=[goal.pk]))
    assert not LearningGoal.objects.filter(pk=goal.pk).exists()
    assert changes(signed_in, program)[-1][1] == "Leerdoel «Pallets wikkelen» verwijderd"
    assert LearningGoal.history.get(history_type="-").history_user == manager


def test_changing_the_rhythm_is_one_change_with_before_and_after_and_other_edits_none(
    signed_in, program, started, manager
):
    edit_program(signed_in, program, feedback_every_days=3)
    edit_program(signed_in, program, name="Inwerken orderpicker 2027")
    edit_program(signed_in, program, description="Met een vast maatje.")
    rhythm = [label for _, label in changes(signed_in, program) if "ritme" in label]
    assert rhythm == ["Feedbackritme gewijzigd: elke 5 → 3 werkdagen"]
    assert {row.history_user for row in Program.history.filter(id=program.pk)} >= {manager}
    assert Program.history.filter(id=program.pk, feedback_every_days=3).count() == 3


def test_a_rhythm_changed_back_is_a_second_change(signed_in, program, started, manager):
    services.program_update(actor=manager, program=program, feedback_every_days=3)
    services.program_update(actor=manager, program=program, feedback_every_days=5)
    rhythm = [label for _, label in changes(signed_in, program) if "ritme" in label]
    assert rhythm == [
        "Feedbackritme gewijzigd: elke 5 → 3 werkdagen",
        "Feedbackritme gewijzigd: elke 3 → 5 werkdagen",
    ]


def test_changes_are_dated_by_their_history_oldest_first(signed_in, program, started, manager):
    goal = services.goal_create(actor=manager, program=program, title="Scannen", target_week=2)
    three_days_later = started.starts_on + datetime.timedelta(days=3)
    # Dated back as the demo dates its past (history rows are otherwise never changed).
    with audit.unlocked():
        LearningGoal.history.filter(id=goal.pk).update(
            history_date=timezone.make_aware(
                datetime.datetime.combine(three_days_later, datetime.time(9))
            )
        )
    services.program_update(actor=manager, program=program, feedback_every_days=2)
    assert changes(signed_in, program) == [
        (started.starts_on.isoformat(), "Groep «Pilotgroep» gestart"),
        (three_days_later.isoformat(), "Leerdoel «Scannen» toegevoegd"),
        (timezone.localdate().isoformat(), "Feedbackritme gewijzigd: elke 5 → 2 werkdagen"),
    ]


def test_a_duplicate_records_the_history_of_the_copy_and_its_goals(program, manager):
    LearningGoalFactory(program=program, title="Scannen")
    LearningGoalFactory(program=program, title="Picken")
    copy = services.program_duplicate(actor=manager, program=program, name="Kopie", owner=manager)
    goals = LearningGoal.history.filter(program_id=copy.pk, history_type="+")
    assert sorted(goals.values_list("title", flat=True)) == ["Picken", "Scannen"]
    assert {row.history_user for row in goals} == {manager}
    assert set(goals.values_list("id", flat=True)) == set(copy.goals.values_list("pk", flat=True))
    assert Program.history.filter(id=copy.pk, history_type="+").get().history_user == manager


def test_moving_a_goal_records_the_new_positions_and_who_moved_it(signed_in, program, manager):
    first = LearningGoalFactory(program=program, position=1)
    second = LearningGoalFactory(program=program, position=2)
    signed_in.post(reverse("programs:goal-move", args=[second.pk]), {"direction": "up"})
    moved = LearningGoal.history.filter(history_type="~", history_user=manager)
    assert dict(moved.values_list("id", "position")) == {second.pk: 1, first.pk: 2}


def _queries(client, program) -> int:
    with CaptureQueriesContext(connection) as queries:
        dashboard(client, program)
    return len(queries)


def _adjust(program, manager, times: int) -> None:
    """`times` goals added, each followed by a change of rhythm between 3 and 4 days."""
    for _ in range(times):
        title = f"Doel {LearningGoal.objects.count()}"
        services.goal_create(actor=manager, program=program, title=title, target_week=1)
        rhythm = 4 if program.feedback_every_days == 3 else 3
        services.program_update(actor=manager, program=program, feedback_every_days=rhythm)


def test_the_query_count_is_the_same_for_1_change_and_50_and_the_page_shows_the_newest_10(
    signed_in, program, started, manager, organization
):
    dashboard(signed_in, program)  # the snapshot exists before counting
    _adjust(program, manager, 1)
    one = _queries(signed_in, program)
    _adjust(program, manager, 49)
    assert _queries(signed_in, program) == one
    markers = changes(signed_in, program)
    assert len(markers) == 10  # the page shows the newest ten
    # The newest are kept: the first group's start and the oldest changes fall off.
    assert markers[-2:] == [
        (timezone.localdate().isoformat(), "Leerdoel «Doel 49» toegevoegd"),
        (timezone.localdate().isoformat(), "Feedbackritme gewijzigd: elke 3 → 4 werkdagen"),
    ]
    assert "Groep «Pilotgroep» gestart" not in [label for _, label in markers]
