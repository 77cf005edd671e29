"""Sign-offs are evidence: the database keeps them single, on the scale and undeletable.

The rows are written straight through the ORM, past the services.
"""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from coaching import services
from coaching.models import FeedbackMoment, SignOff
from tests.factories import ChecklistItemFactory, FeedbackMomentFactory, LearningGoalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(program):
    return ChecklistItemFactory(goal=LearningGoalFactory(program=program))


def sign_off(enrolment, item, **fields):
    values = {
        "enrolment": enrolment,
        "checklist_item": item,
        "signed_by": enrolment.pairings.get().coach,
        "signed_on": enrolment.started_on,
        **fields,
    }
    return SignOff.objects.create(**values)


def test_a_task_is_signed_off_once_outside_feedback(enrolment, item):
    sign_off(enrolment, item)
    with pytest.raises(IntegrityError), transaction.atomic():
        sign_off(enrolment, item)


def test_two_learners_may_each_have_a_task_signed_off_outside_feedback(
    enrolment, other_enrolment, item
):
    sign_off(enrolment, item)
    sign_off(other_enrolment, item)
    assert SignOff.objects.filter(checklist_item=item).count() == 2


def test_a_task_may_be_signed_off_again_in_a_later_feedback_moment(enrolment, item):
    for _ in range(2):
        sign_off(enrolment, item, feedback_moment=FeedbackMomentFactory(enrolment=enrolment))
    assert SignOff.objects.count() == 2


@pytest.mark.parametrize("level", [None, 1, 4])
def test_a_sign_off_may_carry_a_level_on_the_scale(enrolment, item, level):
    assert sign_off(enrolment, item, level=level).level == level


def test_a_sign_off_level_off_the_scale_is_refused(enrolment, item):
    with pytest.raises(IntegrityError), transaction.atomic():
        sign_off(enrolment, item, level=5)


def test_a_feedback_moment_with_sign_offs_cannot_be_deleted(enrolment, item):
    moment = FeedbackMomentFactory(enrolment=enrolment)
    sign_off(enrolment, item, feedback_moment=moment)
    with pytest.raises(ProtectedError):
        moment.delete()
    assert SignOff.objects.filter(feedback_moment=moment).exists()


def test_correcting_feedback_replaces_its_sign_offs(enrolment, coach, program):
    first, second = (ChecklistItemFactory(goal=LearningGoalFactory(program=program)) for _ in "12")
    now = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False):
        moment = services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=datetime.date(2026, 11, 20),
            shift="morning",
            sign_off_items=[first],
        )
        services.feedback_moment_update(
            moment=moment, actor=coach, sign_off_items=[second], went_well="Verbeterd"
        )
    assert list(moment.sign_offs.values_list("checklist_item", flat=True)) == [second.pk]
    assert FeedbackMoment.objects.filter(pk=moment.pk).exists()
