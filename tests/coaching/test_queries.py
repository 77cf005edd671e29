import pytest
from django.urls import reverse

from coaching import services
from coaching.models import SignOff
from tests.factories import (
    ChecklistItemFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    PairingFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(enrolment, coach, program):
    """Make `size` feedback moments with levels, sign-offs, reflections and reactions."""
    goals = LearningGoalFactory.create_batch(3, program=program)
    items = [ChecklistItemFactory(goal=goal) for goal in goals]

    def make(size):
        for n in range(size):
            moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
            for goal in goals:
                GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=1 + n % 4)
            SignOff.objects.create(
                enrolment=enrolment,
                checklist_item=items[n % 3],
                signed_by=coach,
                signed_on=moment.occurred_on,
                feedback_moment=moment,
            )
            moment.addenda.create(author=coach, text="Aanvulling")
            reflection = ReflectionFactory(
                enrolment=enrolment,
                answers=[{"question": "Wat ging goed?", "answer": "Veel"}],
                submitted_at=moment.created_at,
            )
            services.reflection_react(reflection=reflection, actor=coach, text="Goed")
            ReflectionFactory(enrolment=enrolment, feedback_moment=moment)  # still due

    return make


@pytest.mark.parametrize("size", [1, 100])
def test_progress_page_queries_do_not_grow_with_feedback(
    client, learner, enrolment, history, django_assert_num_queries, size
):
    history(size)
    client.force_login(learner)
    # session, user, enrolment (with how far the viewer reads it), current coach, the
    # timeline page's entries, its moments with their levels, sign-offs and addenda, goals,
    # tasks, sign-offs, levels,
    # latest next step, open peer requests, reflections and reactions, may-manage, roles,
    # peer requests, the learner's own KPI values (kpis' panel), the bell's unread count, the
    # progress reviews, what the viewer may do with them, the line managers
    with django_assert_num_queries(25):
        response = client.get(reverse("coaching:progress", args=[enrolment.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [11, 100])
def test_more_feedback_queries_do_not_grow_with_feedback(
    client, learner, enrolment, history, django_assert_num_queries, size
):
    history(size)
    client.force_login(learner)
    # session, user, enrolment, current coach, the page's entries, its moments with their
    # levels, sign-offs and addenda, roles (who may change a moment), whether the viewer
    # manages the group (a manager's link to each moment's history)
    with django_assert_num_queries(11):
        response = client.get(
            reverse("coaching:progress", args=[enrolment.pk]), {"page": 2}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 100])
def test_coach_home_queries_do_not_grow_with_feedback_or_learners(
    client, coach, enrolment, cohort, history, django_assert_num_queries, size
):
    history(size)
    for _ in range(size // 10):
        PairingFactory(enrolment__cohort=cohort, coach=coach)
    client.force_login(coach)
    # session, user, roles (also the is-coach check), enrolments; their status: current
    # pairings, coaches' loads, learning hours, last feedback, goals, tasks, sign-offs,
    # levels, reflections; the first page of earlier learners with how many there are (see
    # test_former_coach.py); the latest thank-you notes; groups to evaluate; the bell's
    # unread count
    with django_assert_num_queries(17):
        response = client.get(reverse("coaching:home"))
    assert response.status_code == 200
