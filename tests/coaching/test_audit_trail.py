"""The audit trail of coaching: feedback, levels, sign-offs, addenda, reflections, reactions
and peer feedback record who wrote them; managers read a moment's or an enrolment's history,
a learner reads who changed their own records, and nobody else sees them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from coaching import services
from coaching.choices import Shift
from coaching.models import (
    FeedbackAddendum,
    FeedbackMoment,
    GoalAssessment,
    PeerFeedback,
    Reflection,
    ReflectionReaction,
    SignOff,
)
from programs.choices import Level
from tests.factories import (
    ChecklistItemFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    PairingFactory,
)

pytestmark = pytest.mark.django_db


def latest(model, **lookups):
    return model.history.filter(**lookups).first()


@pytest.fixture
def goal(program):
    return LearningGoalFactory(program=program, title="Veilig werken", target_week=1)


def record(enrolment, coach, goal, **texts):
    item = ChecklistItemFactory(goal=goal, title="Pallet wegzetten")
    return services.feedback_moment_create(
        enrolment=enrolment,
        actor=coach,
        occurred_on=timezone.localdate(),
        shift=Shift.MORNING,
        levels={goal.pk: Level.WITH_HELP},
        sign_off_items=[item],
        **{"went_well": "Rustig gewerkt.", **texts},
    )


def test_feedback_with_its_levels_sign_offs_and_reflection_records_the_coach(
    enrolment, coach, goal
):
    moment = record(enrolment, coach, goal)
    assert latest(FeedbackMoment, id=moment.pk).history_user == coach
    assert latest(GoalAssessment, feedback_moment_id=moment.pk).history_user == coach
    assert latest(SignOff, feedback_moment_id=moment.pk).history_user == coach
    assert latest(Reflection, feedback_moment_id=moment.pk).history_user == coach


def test_a_correction_records_before_and_after_and_the_replaced_levels(enrolment, coach, goal):
    moment = record(enrolment, coach, goal)
    services.feedback_moment_update(
        moment=moment, actor=coach, went_well="Rustig en netjes gewerkt.", levels={goal.pk: 3}
    )
    before, after = FeedbackMoment.history.filter(id=moment.pk).order_by("history_id")
    assert (before.went_well, after.went_well) == ("Rustig gewerkt.", "Rustig en netjes gewerkt.")
    assert after.history_user == coach
    removed = GoalAssessment.history.filter(feedback_moment_id=moment.pk, history_type="-")
    assert [(row.level, row.history_user) for row in removed] == [(Level.WITH_HELP, coach)]
    removed_sign_off = SignOff.history.get(feedback_moment_id=moment.pk, history_type="-")
    assert removed_sign_off.history_user == coach


def test_addenda_reflections_reactions_and_peer_feedback_record_their_authors(
    enrolment, coach, learner, other_enrolment, other_learner, goal
):
    moment = record(enrolment, coach, goal)
    addendum = services.feedback_addendum_create(moment=moment, actor=coach, text="Nog iets.")
    assert latest(FeedbackAddendum, id=addendum.pk).history_user == coach
    reflection = services.reflection_submit(
        actor=enrolment.learner,
        enrolment=enrolment,
        answers=[{"question": "Wat ging goed?", "answer": "Tempo."}],
    )
    assert latest(Reflection, id=reflection.pk).history_user == learner
    reaction = services.reflection_react(reflection=reflection, actor=coach, text="Mooi.")
    assert latest(ReflectionReaction, id=reaction.pk).history_user == coach
    request = services.peer_feedback_request(
        actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
    )
    assert latest(PeerFeedback, id=request.pk).history_user == learner
    services.peer_feedback_give(request=request, actor=other_learner, text="Goed bezig.")
    given = latest(PeerFeedback, id=request.pk)
    assert (given.text, given.history_user) == ("Goed bezig.", other_learner)


def test_a_manager_reads_who_corrected_a_feedback_moment(client, enrolment, coach, goal, manager):
    coach.name = "Carla Coach"
    coach.save()
    moment = record(enrolment, coach, goal)
    services.feedback_moment_update(moment=moment, actor=coach, went_well="Netjes gewerkt.")
    client.force_login(manager)
    page = client.get(reverse("coaching:feedback-history", args=[moment.pk])).content.decode()
    assert "Carla Coach" in page
    assert "<del>Rustig gewerkt.</del> &rarr;" in page
    assert "met hulp" in page  # the level by its label, not its number
    # The moment is named by its date as the page's language writes it, not "2026-12-07".
    assert formats.date_format(moment.occurred_on) in page
    assert f"· {moment.occurred_on.isoformat()}" not in page


def test_a_learner_reads_who_changed_their_own_records(client, enrolment, coach, learner, goal):
    coach.name = "Carla Coach"
    coach.save()
    record(enrolment, coach, goal, to_improve="Het tempo bij de start.")
    client.force_login(learner)
    page = client.get(reverse("coaching:my-history")).content.decode()
    assert "Carla Coach" in page
    assert "Het tempo bij de start." in page
    assert "Pallet wegzetten" in page  # the sign-off


def test_a_learner_does_not_read_another_learners_history(
    client, enrolment, other_enrolment, other_coach, other_learner, learner, goal
):
    record(other_enrolment, other_coach, goal, went_well="Iets over Pim.")
    client.force_login(learner)
    own = client.get(reverse("coaching:my-history")).content.decode()
    assert "Iets over Pim." not in own
    url = reverse("coaching:enrolment-history", args=[other_enrolment.pk])
    assert client.get(url).status_code == 404


def test_long_texts_are_cut_in_the_history(client, enrolment, coach, goal, manager):
    moment = record(enrolment, coach, goal, next_step="Oefenen. " * 100)
    client.force_login(manager)
    page = client.get(reverse("coaching:feedback-history", args=[moment.pk])).content.decode()
    assert "Oefenen. " * 20 not in page
    assert "…" in page


def _history_of_size(enrolment, coach, goal, count):
    for number in range(count):
        moment = record(enrolment, coach, goal, went_well=f"Dienst {number}")
        services.feedback_moment_update(moment=moment, actor=coach, went_well=f"Dienst {number}!")
        reflection = services.reflection_submit(
            actor=enrolment.learner,
            enrolment=enrolment,
            answers=[{"question": "Wat ging goed?", "answer": "Tempo."}],
        )
        services.reflection_react(reflection=reflection, actor=coach, text="Mooi.")
        services.feedback_addendum_create(moment=moment, actor=coach, text="Aanvulling.")


@pytest.mark.parametrize("count", [1, 15])
def test_a_learners_history_takes_the_same_queries_for_a_long_history_as_a_short_one(
    client, cohort, learner, coach, goal, django_assert_num_queries, count
):
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    _history_of_size(enrolment, coach, goal, count)
    client.force_login(learner)
    # Session, user, the learner's enrolments, count and keys; per source (9) its rows and
    # their previous versions; the names of people, groups, goals and tasks; the bell.
    with django_assert_num_queries(29):
        response = client.get(reverse("coaching:my-history"))
    assert response.status_code == 200


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_an_enrolments_history_takes_the_same_queries_for_a_long_history_as_a_short_one(
    client, enrolment, coach, goal, manager
):
    _history_of_size(enrolment, coach, goal, 1)
    client.force_login(manager)
    url = reverse("coaching:enrolment-history", args=[enrolment.pk])
    short = _queries(client, url)
    _history_of_size(enrolment, coach, goal, 15)
    assert _queries(client, url) == short


def test_a_feedback_moments_history_takes_the_same_queries_for_a_long_history_as_a_short_one(
    client, enrolment, coach, goal, manager
):
    moment = record(enrolment, coach, goal)
    client.force_login(manager)
    url = reverse("coaching:feedback-history", args=[moment.pk])
    short = _queries(client, url)
    for number in range(25):
        services.feedback_moment_update(moment=moment, actor=coach, went_well=f"Versie {number}")
        services.feedback_addendum_create(moment=moment, actor=coach, text=f"Nog {number}.")
    assert _queries(client, url) == short
