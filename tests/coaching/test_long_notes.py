"""An addendum or a reaction that is too long comes back with all of it still in the box and
the message how much too long it is: nothing typed is lost or silently cut."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coaching.models import FeedbackAddendum, ReflectionReaction
from tests.factories import FeedbackMomentFactory, ReflectionFactory

pytestmark = pytest.mark.django_db

TOO_LONG = ("Later gezien: het ging de dag erna al beter. " * 50).strip()  # 2,249 characters
TOO_LONG_MESSAGE = "Maximaal 2.000 tekens; deze tekst heeft er 2.249."


def _reflection(enrolment, coach):
    return ReflectionFactory(
        enrolment=enrolment,
        feedback_moment=FeedbackMomentFactory(enrolment=enrolment, coach=coach),
        submitted_at=timezone.now(),
        answers=[{"question": "Wat ging goed?", "answer": "Scannen"}],
    )


def test_a_too_long_addendum_keeps_the_text_and_says_how_long_it_is(client, coach, enrolment):
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    client.force_login(coach)
    response = client.post(
        reverse("coaching:feedback-addendum", args=[moment.pk]), {"text": TOO_LONG}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert TOO_LONG in page
    assert TOO_LONG_MESSAGE in page
    assert "Schrijf eerst de aanvulling" not in page
    assert not FeedbackAddendum.objects.exists()


def test_a_too_long_reaction_keeps_the_text_and_says_how_long_it_is(client, coach, enrolment):
    reflection = _reflection(enrolment, coach)
    client.force_login(coach)
    response = client.post(
        reverse("coaching:reflection-react", args=[reflection.pk]), {"text": TOO_LONG}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert TOO_LONG in page
    assert TOO_LONG_MESSAGE in page
    assert not ReflectionReaction.objects.exists()


def test_the_inline_boxes_give_the_browser_no_maxlength_to_cut_a_paste_at(client, coach, enrolment):
    reflection = _reflection(enrolment, coach)
    # Two days on, the feedback is locked and takes addenda.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        client.force_login(coach)
        page = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert f'id="addendum-{reflection.feedback_moment_id}-text"' in page
    assert f'id="reaction-{reflection.pk}-text"' in page
    assert "maxlength" not in page
