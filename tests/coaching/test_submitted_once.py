"""Feedback, reflections, peer requests and addenda are stored once per posted form: a
replay or two posts at the same moment store one of each (issue 16)."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching.models import FeedbackAddendum, FeedbackMoment, PeerFeedback, Reflection
from tests.factories import FeedbackMomentFactory, LearningGoalFactory, ReflectionFactory
from werkplek.lib.forms import SUBMISSION_TOKEN

pytestmark = pytest.mark.django_db


def feedback(enrolment, **fields):
    goal = LearningGoalFactory(program=enrolment.cohort.program, title="Veilig werken")
    data = {
        "occurred_on": timezone.localdate().isoformat(),
        "shift": "morning",
        "went_well": "Rustig en netjes gewerkt.",
        f"practised_{goal.pk}": "on",
        f"level_{goal.pk}": "3",
        SUBMISSION_TOKEN: str(uuid.uuid4()),
    }
    return reverse("coaching:feedback-create", args=[enrolment.pk]), {**data, **fields}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once")
@pytest.mark.django_db(transaction=True)
def test_two_identical_feedback_posts_at_once_store_one_moment_and_one_reflection(coach, enrolment):
    url, data = feedback(enrolment)
    barrier = threading.Barrier(2)
    answers = []

    def post_in_a_thread():
        browser = Client()
        browser.force_login(coach)
        try:
            barrier.wait()
            answers.append(browser.post(url, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=post_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"] == reverse("coaching:home")
    assert FeedbackMoment.objects.count() == 1
    assert Reflection.objects.filter(submitted_at__isnull=True).count() == 1


def test_a_replayed_feedback_post_stores_nothing_and_says_saved_again(client, coach, enrolment):
    url, data = feedback(enrolment)
    client.force_login(coach)
    client.post(url, data, follow=True)
    replay = client.post(url, data, follow=True)
    assert replay.redirect_chain == [(reverse("coaching:home"), 302)]
    assert "Feedback voor" in replay.content.decode()
    assert FeedbackMoment.objects.count() == 1
    assert Reflection.objects.count() == 1


def test_feedback_shown_again_with_an_error_keeps_its_token_and_then_counts_once(
    client, coach, enrolment
):
    url, data = feedback(enrolment)
    client.force_login(coach)
    shown = client.post(url, {**data, "occurred_on": "2099-01-01"})
    assert shown.status_code == 200
    assert f'name="{SUBMISSION_TOKEN}" value="{data[SUBMISSION_TOKEN]}"' in shown.content.decode()
    client.post(url, data)
    client.post(url, data)
    assert FeedbackMoment.objects.count() == 1


def test_a_fresh_form_carries_a_new_token_each_time(client, coach, enrolment):
    client.force_login(coach)
    url = reverse("coaching:feedback-create", args=[enrolment.pk])
    tokens = {client.get(url).content.decode().split(f'name="{SUBMISSION_TOKEN}" value="')[1][:36]}
    tokens.add(client.get(url).content.decode().split(f'name="{SUBMISSION_TOKEN}" value="')[1][:36])
    assert len(tokens) == 2


def test_a_replayed_reflection_is_handed_in_once(client, learner, coach, enrolment):
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    ReflectionFactory(enrolment=enrolment, feedback_moment=moment)
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    data = {"answer_0": "Het scannen ging goed.", SUBMISSION_TOKEN: str(uuid.uuid4())}
    first = client.post(url, data)
    replay = client.post(url, data)
    assert replay["Location"] == first["Location"]
    # Without the token the replay would have answered a new, unasked reflection.
    assert Reflection.objects.count() == 1
    assert Reflection.objects.get().submitted_at is not None


def test_a_replayed_peer_request_asks_once(client, learner, enrolment, other_learner, program):
    from tests.factories import EnrolmentFactory  # noqa: PLC0415 - only this test needs a peer

    EnrolmentFactory(cohort=enrolment.cohort, learner=other_learner)
    goal = LearningGoalFactory(program=program)
    client.force_login(learner)
    url = reverse("coaching:peer-request", args=[enrolment.pk])
    data = {
        "peer": other_learner.pk,
        "goal": goal.pk,
        "question": "Hoe scan ik?",
        SUBMISSION_TOKEN: str(uuid.uuid4()),
    }
    first = client.post(url, data)
    replay = client.post(url, data)
    assert first.status_code == replay.status_code == 302
    assert PeerFeedback.objects.count() == 1


def test_a_replayed_addendum_is_added_once(client, coach, enrolment):
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    client.force_login(coach)
    url = reverse("coaching:feedback-addendum", args=[moment.pk])
    data = {"text": "Nog één ding.", SUBMISSION_TOKEN: str(uuid.uuid4())}
    client.post(url, data)
    client.post(url, data)
    assert FeedbackAddendum.objects.count() == 1
