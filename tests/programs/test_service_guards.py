"""Every refusal in the programs services and the learner import, reached as a caller would.

Each test checks the Dutch message a manager reads and that nothing was written.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coaching import services as coaching_services
from programs import imports, services
from programs.choices import ProgramStatus
from programs.models import (
    ChecklistItem,
    Cohort,
    Enrolment,
    Invitation,
    LearningGoal,
    Pairing,
    Program,
)
from tests.factories import ChecklistItemFactory, LearningGoalFactory, UserFactory
from werkplek.models import Membership, User

pytestmark = pytest.mark.django_db

ARCHIVED = re.escape("Dit programma is gearchiveerd en kan niet meer worden gewijzigd.")
SHIFT_DAY = datetime.date(2026, 11, 20)


def archive(program):
    services.program_change_status(program=program, status=ProgramStatus.ARCHIVED)


def record_feedback(enrolment, coach, **what):
    """A coach records feedback on the shift of SHIFT_DAY."""
    return coaching_services.feedback_moment_create(
        enrolment=enrolment,
        coach=coach,
        occurred_on=SHIFT_DAY,
        shift="morning",
        today=SHIFT_DAY,
        **what,
    )


# --- an archived program is read-only, through every service ------------------------------


def test_a_goal_cannot_be_added_to_an_archived_program(program):
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.goal_create(program=program, title="Nieuw leerdoel", target_week=1)
    assert not program.goals.exists()


def test_a_goal_of_an_archived_program_cannot_be_removed(program):
    goal = LearningGoalFactory(program=program)
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.goal_delete(goal=goal)
    assert LearningGoal.objects.filter(pk=goal.pk).exists()


def test_the_goals_of_an_archived_program_keep_their_order(program):
    first = LearningGoalFactory(program=program, position=1)
    second = LearningGoalFactory(program=program, position=2)
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.goal_move(goal=second, direction=-1)
    assert list(program.goals.order_by("position")) == [first, second]


def test_a_task_cannot_be_added_to_an_archived_program(program):
    goal = LearningGoalFactory(program=program)
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.checklist_item_create(goal=goal, title="Scant elke locatie")
    assert not goal.checklist_items.exists()


def test_a_task_of_an_archived_program_cannot_be_changed(program):
    item = ChecklistItemFactory(goal=LearningGoalFactory(program=program), title="Scannen")
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.checklist_item_update(item=item, title="Iets anders")
    item.refresh_from_db()
    assert item.title == "Scannen"


def test_a_task_of_an_archived_program_cannot_be_removed(program):
    item = ChecklistItemFactory(goal=LearningGoalFactory(program=program))
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.checklist_item_delete(item=item)
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


def test_the_tasks_of_an_archived_program_keep_their_order(program):
    goal = LearningGoalFactory(program=program)
    first = ChecklistItemFactory(goal=goal, position=1)
    second = ChecklistItemFactory(goal=goal, position=2)
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.checklist_item_move(item=second, direction=-1)
    assert list(goal.checklist_items.order_by("position")) == [first, second]


def test_an_archived_program_gets_no_new_group(program):
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.cohort_create(program=program, name="Najaar", starts_on=SHIFT_DAY)
    assert not Cohort.objects.filter(program=program).exists()


def test_no_one_can_be_enrolled_in_an_archived_program(cohort):
    newcomer = UserFactory()
    archive(cohort.program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.enrolment_create(cohort=cohort, learner=newcomer, started_on=cohort.starts_on)
    assert not Enrolment.objects.filter(learner=newcomer).exists()
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_learners_of_an_archived_program_keep_their_coach(enrolment, coach, other_coach):
    archive(enrolment.cohort.program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.pairing_set(enrolments=[enrolment], coach=other_coach, on=SHIFT_DAY)
    assert list(Pairing.objects.values_list("coach", "ended_on")) == [(coach.pk, None)]


# --- the lifecycle and history that stays ------------------------------------------------


def test_an_active_program_cannot_go_back_to_draft(program):
    with pytest.raises(
        ValidationError, match="Een programma met status actief kan niet naar concept."
    ):
        services.program_change_status(program=program, status=ProgramStatus.DRAFT)
    assert Program.objects.get(pk=program.pk).status == ProgramStatus.ACTIVE


def test_a_goal_with_feedback_cannot_be_removed(program, enrolment, coach):
    goal = LearningGoalFactory(program=program, title="Veilig werken")
    ChecklistItemFactory(goal=goal)
    record_feedback(enrolment, coach, levels={goal.pk: 2})
    with pytest.raises(
        ValidationError,
        match="Op dit leerdoel is al feedback gegeven, dus het blijft bewaard als geschiedenis.",
    ):
        services.goal_delete(goal=goal)
    assert LearningGoal.objects.filter(pk=goal.pk).exists()
    assert goal.checklist_items.count() == 1


def test_a_signed_off_task_cannot_be_removed(program, enrolment, coach):
    item = ChecklistItemFactory(goal=LearningGoalFactory(program=program))
    record_feedback(enrolment, coach, sign_off_items=[item])
    with pytest.raises(
        ValidationError,
        match="Deze taak is al eens afgetekend, dus hij blijft bewaard als geschiedenis.",
    ):
        services.checklist_item_delete(item=item)
    assert ChecklistItem.objects.filter(pk=item.pk).exists()


def test_blank_reflection_questions_leave_the_old_questions_in_place(program):
    services.reflection_prompts_set(program=program, questions=["Wat ging goed?"])
    with pytest.raises(ValidationError, match="Stel minstens één vraag."):
        services.reflection_prompts_set(program=program, questions=["", "   "])
    assert list(program.reflection_prompts.values_list("text", flat=True)) == ["Wat ging goed?"]


# --- fields a caller may not set ----------------------------------------------------------


def test_editing_a_program_cannot_skip_its_lifecycle(program):
    with pytest.raises(ValueError, match="cannot set"):
        services.program_update(program=program, status=ProgramStatus.DRAFT)
    assert Program.objects.get(pk=program.pk).status == ProgramStatus.ACTIVE


def test_editing_a_goal_cannot_move_it_to_another_program(program):
    goal = LearningGoalFactory(program=program)
    elsewhere = LearningGoalFactory().program
    with pytest.raises(ValueError, match="cannot set"):
        services.goal_update(goal=goal, program=elsewhere)
    assert LearningGoal.objects.get(pk=goal.pk).program == program


# --- the learner import -------------------------------------------------------------------


def test_an_import_with_a_row_error_writes_nothing(cohort, manager):
    rows = imports.check_rows(
        [
            imports.ImportRow(line=2, email="nina@example.nl", name="Nina Kok"),
            imports.ImportRow(line=3, email="zonder.naam@example.nl", name=""),
        ],
        cohort,
    )
    with pytest.raises(ValidationError, match="Verbeter eerst de regels met fouten."):
        services.enrolment_import(
            cohort=cohort, rows=rows, site_url="http://testserver", invited_by=manager
        )
    assert not User.objects.filter(email__in=["nina@example.nl", "zonder.naam@example.nl"]).exists()
    assert not Invitation.objects.exists()
    assert not Enrolment.objects.exists()


def test_a_file_of_only_blank_lines_is_called_empty(client, manager, cohort):
    # A file of zero bytes is refused by the form already ("Het verstuurde bestand is leeg.");
    # one with only blank lines gets past it and reaches the import's own check.
    file = SimpleUploadedFile("lerenden.csv", b"\n \n\n")
    client.force_login(manager)
    response = client.post(reverse("programs:cohort-import", args=[cohort.pk]), {"file": file})
    assert "Het bestand is leeg." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_file_with_more_than_a_thousand_learners_is_refused(client, manager, cohort):
    lines = [f"lerende{n}@example.nl;Lerende {n}" for n in range(imports.MAX_ROWS + 1)]
    file = SimpleUploadedFile("lerenden.csv", "\n".join(["e-mail;naam", *lines]).encode())
    client.force_login(manager)
    response = client.post(reverse("programs:cohort-import", args=[cohort.pk]), {"file": file})
    content = response.content.decode()
    assert "Het bestand heeft meer dan 1000 lerenden." in content
    assert "lerende1000@example.nl" not in content
    assert not Enrolment.objects.exists()


def test_a_row_that_names_the_learner_as_their_own_coach_is_an_error(cohort, coach):
    row = imports.ImportRow(line=2, email=coach.email, name="Coach", coach_email=coach.email)
    [checked] = imports.check_rows([row], cohort)
    assert checked.errors == ["Een lerende kan niet zijn eigen coach zijn."]
