"""Audit rows are never edited: PostgreSQL refuses it, and the one exception, the AVG
erasure's scrub, removes a person's texts from every earlier version."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from coaching import services as coaching_services
from coaching.choices import Shift
from coaching.models import FeedbackMoment, Reflection
from programs import services
from programs.models import Program
from werkplek import audit

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


def test_scrub_person_removes_their_feedback_and_answers_from_every_version(
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
    audit.scrub_person(learner, removed="verwijderd")
    versions = FeedbackMoment.history.filter(id=moment.pk)
    assert versions.count() == 2
    assert set(versions.values_list("went_well", "to_improve")) == {("verwijderd", "")}
    assert not Reflection.history.filter(enrolment_id=enrolment.pk).exclude(answers=[]).exists()


@on_postgresql
def test_after_a_scrub_history_is_locked_again(enrolment, coach, learner):
    moment = _feedback(enrolment, coach, went_well="Goed.")
    with transaction.atomic():
        audit.scrub_person(learner, removed="verwijderd")
        with pytest.raises(DatabaseError, match="never edited"), transaction.atomic():
            FeedbackMoment.history.filter(id=moment.pk).update(went_well="Toch weer")
    assert FeedbackMoment.history.get(id=moment.pk).went_well == "verwijderd"


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
