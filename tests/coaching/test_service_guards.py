"""Every refusal in the coaching services, reached as a caller would (the forms may catch some
earlier; the service is what enforces them for every caller).

Each test checks the Dutch message and that nothing was written or changed.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from coaching import services
from coaching.models import (
    FeedbackAddendum,
    FeedbackMoment,
    PeerFeedback,
    Reflection,
    ReflectionReaction,
    SignOff,
)
from programs import services as program_services
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 20)
ONLY_THE_AUTHOR = "Alleen de coach die deze feedback schreef, kan hem wijzigen."
ONLY_THE_CURRENT_COACH = "Alleen de huidige coach van de lerende kan dit doen."


def stop(enrolment):
    """The learner stops the program today."""
    enrolment.ended_on, enrolment.end_reason = TODAY, "stopped"
    enrolment.save()


def has_stopped(enrolment):
    return f"{enrolment.learner.name} is gestopt met dit programma."


@pytest.fixture
def goal(program):
    return LearningGoalFactory(program=program, title="Scannen", target_week=2)


@pytest.fixture
def recorded(coach, enrolment, goal):
    """Feedback the coach recorded at NOW; it can be corrected until 24 hours later."""
    with time_machine.travel(NOW, tick=False):
        return services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=TODAY,
            shift="morning",
            went_well="Eerste versie",
            levels={goal.pk: 2},
        )


@pytest.fixture
def asked(enrolment, other_learner, other_enrolment, goal):
    """The learner asked a colleague of the same group for feedback on a goal."""
    return services.peer_feedback_request(
        actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
    )


# --- recording feedback -------------------------------------------------------------------


def test_feedback_on_a_goal_of_another_program_records_nothing(enrolment, coach, goal):
    elsewhere = LearningGoalFactory()
    with pytest.raises(ValidationError, match="Een leerdoel hoort niet bij dit programma."):
        services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=TODAY,
            shift="morning",
            levels={goal.pk: 2, elsewhere.pk: 3},
            today=TODAY,
        )
    assert not FeedbackMoment.objects.exists()
    assert not Reflection.objects.exists()


def test_a_task_of_another_program_cannot_be_signed_off(enrolment, coach, goal):
    elsewhere = ChecklistItemFactory()
    with pytest.raises(ValidationError, match="Een taak hoort niet bij dit programma."):
        services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=TODAY,
            shift="morning",
            went_well="Netjes gescand.",
            sign_off_items=[ChecklistItemFactory(goal=goal), elsewhere],
            today=TODAY,
        )
    assert not SignOff.objects.exists()
    assert not FeedbackMoment.objects.exists()


# --- correcting feedback ------------------------------------------------------------------


def test_the_new_coach_cannot_change_the_previous_coachs_feedback(recorded, other_coach):
    program_services.pairing_set(enrolments=[recorded.enrolment], coach=other_coach, on=TODAY)
    with (
        time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False),
        pytest.raises(ValidationError, match=ONLY_THE_AUTHOR),
    ):
        services.feedback_moment_update(moment=recorded, actor=other_coach, went_well="Anders")
    recorded.refresh_from_db()
    assert recorded.went_well == "Eerste versie"


def test_a_former_coach_can_no_longer_change_their_own_feedback(recorded, coach, other_coach):
    program_services.pairing_set(enrolments=[recorded.enrolment], coach=other_coach, on=TODAY)
    with (
        time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False),
        pytest.raises(ValidationError, match=ONLY_THE_AUTHOR),
    ):
        services.feedback_moment_update(moment=recorded, actor=coach, went_well="Anders")
    recorded.refresh_from_db()
    assert recorded.went_well == "Eerste versie"


@pytest.mark.parametrize("field", ["coach", "enrolment"])
def test_correcting_feedback_cannot_move_it_to_another_coach_or_learner(
    recorded, coach, enrolment, other_coach, other_enrolment, field
):
    value = {"coach": other_coach, "enrolment": other_enrolment}[field]
    with (
        time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False),
        pytest.raises(ValueError, match="can be changed"),
    ):
        services.feedback_moment_update(moment=recorded, actor=coach, **{field: value})
    recorded.refresh_from_db()
    assert (recorded.coach, recorded.enrolment) == (coach, enrolment)


# --- reflections --------------------------------------------------------------------------


def test_a_reflection_with_only_blank_answers_is_refused_and_stays_due(enrolment):
    due = ReflectionFactory(enrolment=enrolment)
    with pytest.raises(ValidationError, match="Beantwoord minstens één vraag."):
        services.reflection_submit(
            enrolment=enrolment,
            actor=enrolment.learner,
            answers=[{"question": "Wat ging goed?", "answer": "   "}],
        )
    due.refresh_from_db()
    assert (due.submitted_at, due.answers) == (None, [])
    assert Reflection.objects.count() == 1


def test_only_the_learner_hands_in_their_reflection(enrolment, coach):
    due = ReflectionFactory(enrolment=enrolment)
    with pytest.raises(ValidationError, match="Alleen de lerende kan de eigen reflectie"):
        services.reflection_submit(
            enrolment=enrolment,
            actor=coach,
            answers=[{"question": "Wat ging goed?", "answer": "Namens de lerende"}],
        )
    due.refresh_from_db()
    assert (due.submitted_at, due.answers) == (None, [])


def test_a_coach_cannot_react_to_a_reflection_not_yet_written(enrolment, coach):
    due = ReflectionFactory(enrolment=enrolment)
    with pytest.raises(ValidationError, match="Deze reflectie is nog niet geschreven."):
        services.reflection_react(reflection=due, actor=coach, text="Goed zo!")
    assert not ReflectionReaction.objects.exists()


# --- asking a colleague -------------------------------------------------------------------


def test_a_colleague_cannot_be_asked_about_a_goal_of_another_program(
    enrolment, other_learner, other_enrolment
):
    elsewhere = LearningGoalFactory()
    with pytest.raises(ValidationError, match="Kies een leerdoel van je eigen programma."):
        services.peer_feedback_request(
            actor=enrolment.learner, enrolment=enrolment, goal=elsewhere, peer=other_learner
        )
    assert not PeerFeedback.objects.exists()


def test_only_the_learner_asks_for_feedback_on_their_own_enrolment(
    enrolment, other_learner, other_enrolment, goal
):
    with pytest.raises(PermissionDenied):
        services.peer_feedback_request(
            actor=other_learner, enrolment=enrolment, goal=goal, peer=other_learner
        )
    assert not PeerFeedback.objects.exists()


def test_a_learner_cannot_ask_themselves_for_feedback(enrolment, learner, goal):
    with pytest.raises(ValidationError, match="Vraag iemand uit je eigen groep."):
        services.peer_feedback_request(
            actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=learner
        )
    assert not PeerFeedback.objects.exists()


def test_a_learner_of_another_group_cannot_be_asked_for_feedback(enrolment, program, goal):
    next_group = CohortFactory(program=program, name="Voorjaar")
    outsider = EnrolmentFactory(cohort=next_group).learner
    with pytest.raises(ValidationError, match="Vraag iemand uit je eigen groep."):
        services.peer_feedback_request(
            actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=outsider
        )
    assert not PeerFeedback.objects.exists()


def test_a_colleague_who_left_the_group_cannot_be_asked_for_feedback(
    enrolment, other_enrolment, other_learner, goal
):
    other_enrolment.ended_on, other_enrolment.end_reason = TODAY, "stopped"
    other_enrolment.save()
    with pytest.raises(ValidationError, match="Vraag iemand uit je eigen groep."):
        services.peer_feedback_request(
            actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
        )
    assert not PeerFeedback.objects.exists()


@pytest.mark.parametrize("author", ["learner", "coach", "other_coach"])
def test_only_the_asked_colleague_can_give_the_feedback(request, asked, author):
    with pytest.raises(
        ValidationError, match="Alleen de collega aan wie het gevraagd is, kan antwoorden."
    ):
        services.peer_feedback_give(
            request=asked, actor=request.getfixturevalue(author), text="Prima"
        )
    asked.refresh_from_db()
    assert (asked.text, asked.given_at) == ("", None)


def test_peer_feedback_once_given_stays_as_it_was(asked, other_learner):
    services.peer_feedback_give(request=asked, actor=other_learner, text="Je scant rustig.")
    with pytest.raises(ValidationError, match="Je hebt deze feedback al gegeven."):
        services.peer_feedback_give(request=asked, actor=other_learner, text="Toch te traag.")
    asked.refresh_from_db()
    assert asked.text == "Je scant rustig."


def test_peer_feedback_needs_a_few_words(asked, other_learner):
    with pytest.raises(ValidationError, match="Schrijf een paar woorden feedback."):
        services.peer_feedback_give(request=asked, actor=other_learner, text="   ")
    asked.refresh_from_db()
    assert asked.given_at is None


# --- only the current coach, only while the learner is in the program ----------------------


def test_a_former_coach_cannot_add_a_note_to_their_feedback(recorded, coach, other_coach):
    # The moment was loaded before the handover and its enrolment remembers the coach it
    # looked up then: the service must ask the database, not that memory.
    assert recorded.enrolment.is_coached_now_by(coach)
    program_services.pairing_set(enrolments=[recorded.enrolment], coach=other_coach, on=TODAY)
    moment = recorded
    with (
        time_machine.travel(NOW + datetime.timedelta(days=3), tick=False),
        pytest.raises(ValidationError, match=ONLY_THE_CURRENT_COACH),
    ):
        services.feedback_addendum_create(moment=moment, actor=coach, text="Nog iets")
    assert not FeedbackAddendum.objects.exists()


def test_a_coach_of_another_learner_cannot_react_to_a_reflection(
    enrolment, other_enrolment, other_coach
):
    written = ReflectionFactory(
        enrolment=enrolment,
        answers=[{"question": "Wat ging goed?", "answer": "Scannen"}],
        submitted_at=NOW,
    )
    with pytest.raises(ValidationError, match=ONLY_THE_CURRENT_COACH):
        services.reflection_react(reflection=written, actor=other_coach, text="Goed zo!")
    assert not ReflectionReaction.objects.exists()


def test_feedback_on_a_learner_who_stopped_can_no_longer_be_corrected(recorded, coach):
    stop(recorded.enrolment)
    with (
        time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False),
        pytest.raises(ValidationError, match=has_stopped(recorded.enrolment)),
    ):
        services.feedback_moment_update(moment=recorded, actor=coach, went_well="Anders")
    recorded.refresh_from_db()
    assert recorded.went_well == "Eerste versie"


def test_a_learner_who_stopped_can_no_longer_hand_in_a_reflection(enrolment):
    due = ReflectionFactory(enrolment=enrolment)
    stop(enrolment)
    with pytest.raises(ValidationError, match=has_stopped(enrolment)):
        services.reflection_submit(
            enrolment=enrolment,
            actor=enrolment.learner,
            answers=[{"question": "Wat ging goed?", "answer": "Alles"}],
        )
    due.refresh_from_db()
    assert due.submitted_at is None
    assert Reflection.objects.count() == 1


def test_a_learner_who_stopped_can_no_longer_ask_a_colleague(
    enrolment, other_enrolment, other_learner, goal
):
    stop(enrolment)
    with pytest.raises(ValidationError, match=has_stopped(enrolment)):
        services.peer_feedback_request(
            actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
        )
    assert not PeerFeedback.objects.exists()
