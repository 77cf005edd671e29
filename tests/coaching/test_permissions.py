import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import escape

from coaching import services
from coaching.models import PeerFeedback, ReflectionReaction
from programs import services as program_services
from programs.choices import EndReason
from programs.models import Enrolment
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    ProgramFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db

ACTORS = ["learner", "other_learner", "coach", "other_coach", "manager", "other_manager"]


def expect(allowed, actor):
    return 200 if actor in allowed else 404


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("url_name", "allowed"),
    [
        ("coaching:progress", {"learner", "coach", "manager"}),
        ("coaching:feedback-create", {"coach"}),
        ("coaching:reflection-create", {"learner"}),
        ("coaching:peer-request", {"learner"}),
    ],
)
def test_enrolment_pages_answer_only_those_involved(
    client, request, enrolment, other_enrolment, other_manager, url_name, allowed, actor
):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse(url_name, args=[enrolment.pk]))
    assert response.status_code == expect(allowed, actor)


@pytest.mark.parametrize(
    "url_name",
    ["coaching:progress", "coaching:feedback-create", "coaching:reflection-create"],
)
def test_anonymous_visitors_are_sent_to_log_in(client, enrolment, url_name):
    response = client.get(reverse(url_name, args=[enrolment.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("actor", "status"), [("coach", 200), ("learner", 404), ("manager", 404)])
def test_coach_home_is_for_coaches(client, request, enrolment, actor, status):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("coaching:home")).status_code == status


def test_coach_home_lists_only_the_coachs_own_learners(client, coach, enrolment, other_enrolment):
    client.force_login(coach)
    content = client.get(reverse("coaching:home")).content.decode()
    assert escape(enrolment.learner.name) in content
    assert escape(other_enrolment.learner.name) not in content


def test_a_former_coach_reads_but_no_longer_acts(client, coach, other_coach, enrolment):
    program_services.pairing_set(
        enrolments=[enrolment], coach=other_coach, on=datetime.date(2026, 11, 20)
    )
    client.force_login(coach)
    progress = client.get(reverse("coaching:progress", args=[enrolment.pk]))
    assert progress.status_code == 200
    assert "Feedback geven" not in progress.content.decode()
    assert client.get(reverse("coaching:feedback-create", args=[enrolment.pk])).status_code == 404
    home = client.get(reverse("coaching:home")).content.decode()
    assert "Lerenden die je eerder coachte" in home


def test_my_progress_goes_straight_to_the_only_enrolment(client, learner, enrolment):
    client.force_login(learner)
    response = client.get(reverse("coaching:my-progress"))
    assert response.url == reverse("coaching:progress", args=[enrolment.pk])


def test_my_progress_lists_several_enrolments(client, learner, enrolment, organization):
    second = EnrolmentFactory(
        learner=learner, cohort=CohortFactory(program=ProgramFactory(organization=organization))
    )
    client.force_login(learner)
    content = client.get(reverse("coaching:my-progress")).content.decode()
    assert enrolment.cohort.program.name in content
    assert second.cohort.program.name in content


def test_my_progress_says_how_an_ended_enrolment_ended(client, learner, enrolment, organization):
    EnrolmentFactory(
        learner=learner, cohort=CohortFactory(program=ProgramFactory(organization=organization))
    )
    ended_on = enrolment.started_on + datetime.timedelta(days=30)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        ended_on=ended_on, end_reason=EndReason.INDEPENDENT
    )
    client.force_login(learner)
    content = client.get(reverse("coaching:my-progress")).content.decode()
    assert f"beëindigd {date_format(ended_on, 'SHORT_DATE_FORMAT')} (zelfstandig)" in content
    assert "gestopt" not in content


@pytest.mark.parametrize(
    ("actor", "status"), [("coach", 302), ("other_coach", 404), ("learner", 404)]
)
def test_only_the_current_coach_reacts_to_a_reflection(client, request, enrolment, actor, status):
    reflection = services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Wat ging goed?", "answer": "Scannen"}],
    )
    client.force_login(request.getfixturevalue(actor))
    response = client.post(
        reverse("coaching:reflection-react", args=[reflection.pk]), {"text": "Goed zo"}
    )
    assert response.status_code == status
    assert ReflectionReaction.objects.count() == (1 if status == 302 else 0)


def test_only_the_asked_colleague_answers_peer_feedback(
    client, enrolment, other_enrolment, other_learner, coach, program
):
    goal = LearningGoalFactory(program=program)
    asked = services.peer_feedback_request(
        actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
    )
    client.force_login(coach)
    url = reverse("coaching:peer-give", args=[asked.pk])
    assert client.post(url, {"text": "Prima"}).status_code == 404
    client.force_login(other_learner)
    assert client.post(url, {"text": "Prima"}).status_code == 302
    assert PeerFeedback.objects.get().text == "Prima"


def test_peer_feedback_can_only_be_asked_within_the_group(enrolment, program, other_manager):
    goal = LearningGoalFactory(program=program)
    with pytest.raises(ValidationError, match="eigen groep"):
        services.peer_feedback_request(
            actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_manager
        )


@pytest.mark.parametrize(
    ("actor", "status"),
    [("manager", 200), ("coach", 404), ("learner", 404), ("other_manager", 404)],
)
def test_only_managers_set_reflection_questions(client, request, program, enrolment, actor, status):
    client.force_login(request.getfixturevalue(actor))
    url = reverse("programs:reflection-prompts", args=[program.pk])
    assert client.get(url).status_code == status


def test_a_learner_never_sees_another_learners_reflections(
    client, learner, enrolment, other_enrolment
):
    ReflectionFactory(
        enrolment=other_enrolment,
        answers=[{"question": "Wat ging goed?", "answer": "Geheim antwoord"}],
        submitted_at=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC),
    )
    client.force_login(learner)
    assert client.get(reverse("coaching:progress", args=[other_enrolment.pk])).status_code == 404
    own = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Geheim antwoord" not in own
