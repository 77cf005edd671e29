import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from coaching import services
from coaching.models import Reflection
from programs import services as program_services
from tests.factories import FeedbackMomentFactory, LearningGoalFactory, ReflectionFactory

pytestmark = pytest.mark.django_db


def test_learner_answers_the_programs_own_questions(client, learner, enrolment, program):
    program_services.reflection_prompts_set(
        program=program, questions=["Wat heb je geleerd?", "Wat oefen je morgen?"]
    )
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    assert "Wat oefen je morgen?" in client.get(url).content.decode()
    client.post(url, {"answer_0": "De scanner", "answer_1": ""})
    reflection = Reflection.objects.get()
    assert reflection.answers == [
        {"question": "Wat heb je geleerd?", "answer": "De scanner"},
        {"question": "Wat oefen je morgen?", "answer": ""},
    ]


def test_without_own_questions_the_three_standard_ones_are_asked(client, learner, enrolment):
    client.force_login(learner)
    content = client.get(
        reverse("coaching:reflection-create", args=[enrolment.pk])
    ).content.decode()
    for question in ["Wat ging goed?", "Wat doe je de volgende keer anders?", "Waar heb je hulp"]:
        assert question in content


def test_an_empty_reflection_is_refused(client, learner, enrolment):
    client.force_login(learner)
    response = client.post(
        reverse("coaching:reflection-create", args=[enrolment.pk]), {"answer_0": "  "}
    )
    assert "Beantwoord minstens één vraag." in response.content.decode()
    assert not Reflection.objects.exists()


def test_a_reflection_answers_the_oldest_one_due(enrolment):
    older = ReflectionFactory(enrolment=enrolment, due_on=datetime.date(2026, 11, 4))
    ReflectionFactory(enrolment=enrolment, due_on=datetime.date(2026, 11, 9))
    done = services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Wat ging goed?", "answer": "Alles"}],
    )
    assert done.pk == older.pk
    assert Reflection.objects.due().count() == 1


def test_changing_the_questions_keeps_earlier_answers_as_they_were(enrolment, program):
    services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Wat ging goed?", "answer": "Scannen"}],
    )
    program_services.reflection_prompts_set(program=program, questions=["Nieuwe vraag"])
    assert Reflection.objects.get().answers[0]["question"] == "Wat ging goed?"


def test_coach_sees_the_reflection_and_the_learner_sees_the_reaction(
    client, learner, coach, enrolment
):
    FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    reflection = services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Wat ging goed?", "answer": "Ik pak sneller"}],
    )
    client.force_login(coach)
    page = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Ik pak sneller" in page
    assert "Nieuwe reflecties" in client.get(reverse("coaching:home")).content.decode()
    client.post(
        reverse("coaching:reflection-react", args=[reflection.pk]), {"text": "Dat zie ik ook!"}
    )
    client.force_login(learner)
    page = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Dat zie ik ook!" in page


def test_peer_feedback_shows_on_the_progress_page_marked_as_from_a_colleague(
    client, learner, enrolment, other_enrolment, other_learner, program
):
    goal = LearningGoalFactory(program=program, title="Scannen")
    asked = services.peer_feedback_request(
        actor=enrolment.learner, enrolment=enrolment, goal=goal, peer=other_learner
    )
    client.force_login(other_learner)
    own_page = client.get(reverse("coaching:progress", args=[other_enrolment.pk]))
    assert f"{escape(learner.name)}: Scannen" in own_page.content.decode()
    client.post(reverse("coaching:peer-give", args=[asked.pk]), {"text": "Je scant rustig."})
    client.force_login(learner)
    page = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Feedback van een collega" in page
    assert "Je scant rustig." in page
