"""Audit rows are never edited: PostgreSQL refuses it, and the one exception, the AVG
erasure, removes a person's texts from every earlier version."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from coaching import services as coaching_services
from coaching.choices import Shift
from coaching.models import FeedbackMoment, PeerFeedback, Reflection
from programs import services
from programs.models import Program
from tests.factories import LearningGoalFactory
from werkplek import personal_data
from werkplek import services as werkplek_services
from werkplek.models import Leave

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's"
)


def _feedback(enrolment, coach, **texts):
    return coaching_services.feedback_moment_create(
        enrolment=enrolment,
        actor=coach,
        occurred_on=timezone.localdate(),
        shift=Shift.MORNING,
        **texts,
    )


@on_postgresql
def test_postgresql_refuses_to_change_or_remove_history_rows(program, manager):
    services.program_update(actor=manager, program=program, feedback_every_days=3)
    rows = Program.history.filter(id=program.pk)
    with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
        rows.update(name="Iets anders")
    with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
        rows.delete()
    assert set(rows.values_list("name", flat=True)) == {program.name}


def test_the_erasure_removes_their_feedback_and_answers_from_every_version(
    enrolment, coach, learner
):
    moment = _feedback(enrolment, coach, went_well="Lotte scande rustig.", to_improve="")
    coaching_services.feedback_moment_update(
        moment=moment, actor=coach, went_well="Lotte scande rustig en netjes."
    )
    coaching_services.reflection_submit(
        actor=enrolment.learner,
        enrolment=enrolment,
        answers=[{"question": "Wat ging goed?", "answer": "Mijn tempo."}],
    )
    personal_data.person_erase(actor=None, person=learner)
    versions = FeedbackMoment.history.filter(id=moment.pk)
    assert versions.count() == 2
    # A text that was empty stays empty: no version shows words that never were.
    assert set(versions.values_list("went_well", "to_improve")) == {("verwijderd", "")}
    answers = Reflection.history.filter(enrolment_id=enrolment.pk).exclude(answers=[])
    assert answers.exists()
    for version in answers:
        assert version.answers == [{"question": "Wat ging goed?", "answer": "verwijderd"}]


def test_the_peer_feedback_an_erased_person_wrote_is_removed_from_the_row_and_its_history(
    enrolment, other_enrolment
):
    colleague = other_enrolment.learner
    request = coaching_services.peer_feedback_request(
        actor=enrolment.learner,
        enrolment=enrolment,
        goal=LearningGoalFactory(program=enrolment.cohort.program),
        peer=colleague,
        question="Hoe scan ik?",
    )
    coaching_services.peer_feedback_give(request=request, actor=colleague, text="Rustig aan.")
    personal_data.person_erase(actor=None, person=colleague)
    request.refresh_from_db()
    assert (request.question, request.text) == ("Hoe scan ik?", "verwijderd")
    assert set(PeerFeedback.history.filter(id=request.pk).values_list("text", flat=True)) <= {
        "",
        "verwijderd",
    }


@on_postgresql
def test_after_an_erasure_history_is_locked_again(enrolment, coach, learner):
    moment = _feedback(enrolment, coach, went_well="Goed.")
    with transaction.atomic():
        personal_data.person_erase(actor=None, person=learner)
        with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
            FeedbackMoment.history.filter(id=moment.pk).update(went_well="Toch weer")
    assert FeedbackMoment.history.get(id=moment.pk).went_well == "verwijderd"


def test_the_history_says_which_manager_put_a_learner_on_leave_and_who_took_it_away(
    manager, learner
):
    days = {"starts_on": timezone.localdate(), "ends_on": timezone.localdate()}
    leave = werkplek_services.leave_create(actor=manager, user=learner, **days)
    leave_id = leave.pk
    werkplek_services.leave_delete(actor=learner, leave=leave)
    rows = Leave.history.filter(id=leave_id).order_by("history_date", "history_id")
    assert [(row.history_type, row.history_user, row.user) for row in rows] == [
        ("+", manager, learner),
        ("-", learner, learner),
    ]


@on_postgresql
def test_the_erasure_alone_may_remove_history_rows(manager, learner):
    days = {"starts_on": timezone.localdate(), "ends_on": timezone.localdate()}
    leave = werkplek_services.leave_create(actor=manager, user=learner, **days)
    with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
        Leave.history.filter(id=leave.pk).delete()
    personal_data.person_erase(actor=manager, person=learner)
    assert not Leave.history.filter(user=learner).exists()


def test_no_history_table_has_an_admin_page_that_could_change_or_delete_its_rows():
    historical = [
        model for model in admin.site._registry if model.__name__.startswith("Historical")
    ]
    assert historical == []


def test_a_write_without_an_actor_shows_as_made_by_werkplek_itself(client, program, manager):
    program.name = "Door een script hernoemd"
    program.save()
    client.force_login(manager)
    page = client.get(reverse("programs:history", args=[program.pk])).content.decode()
    assert "werkplek (automatisch)" in page
