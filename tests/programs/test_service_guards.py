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
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    UserFactory,
)
from werkplek import services as werkplek_services
from werkplek.models import Membership, User

pytestmark = pytest.mark.django_db

ARCHIVED = re.escape("Dit programma is gearchiveerd en kan niet meer worden gewijzigd.")
SHIFT_DAY = datetime.date(2026, 11, 20)


def archive(program):
    services.program_change_status(
        actor=program.owner, program=program, status=ProgramStatus.ARCHIVED
    )


def record_feedback(enrolment, coach, **what):
    """A coach records feedback on the shift of SHIFT_DAY."""
    return coaching_services.feedback_moment_create(
        enrolment=enrolment,
        actor=coach,
        occurred_on=SHIFT_DAY,
        shift="morning",
        today=SHIFT_DAY,
        **what,
    )


# --- an archived program is read-only, through every service ------------------------------


def test_a_goal_cannot_be_added_to_an_archived_program(program):
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.goal_create(
            actor=program.owner, program=program, title="Nieuw leerdoel", target_week=1
        )
    assert not program.goals.exists()


def test_a_goal_of_an_archived_program_cannot_be_removed(program):
    goal = LearningGoalFactory(program=program)
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.goal_delete(actor=goal.program.owner, goal=goal)
    assert LearningGoal.objects.filter(pk=goal.pk).exists()


def test_the_goals_of_an_archived_program_keep_their_order(program):
    first = LearningGoalFactory(program=program, position=1)
    second = LearningGoalFactory(program=program, position=2)
    archive(program)
    with pytest.raises(ValidationError, match=ARCHIVED):
        services.goal_move(actor=second.program.owner, goal=second, direction=-1)
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
        services.program_change_status(
            actor=program.owner, program=program, status=ProgramStatus.DRAFT
        )
    assert Program.objects.get(pk=program.pk).status == ProgramStatus.ACTIVE


def test_a_goal_with_feedback_cannot_be_removed(program, enrolment, coach):
    goal = LearningGoalFactory(program=program, title="Veilig werken")
    ChecklistItemFactory(goal=goal)
    record_feedback(enrolment, coach, levels={goal.pk: 2})
    with pytest.raises(
        ValidationError,
        match="Op dit leerdoel is al feedback gegeven, dus het blijft bewaard als geschiedenis.",
    ):
        services.goal_delete(actor=goal.program.owner, goal=goal)
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
        services.program_update(actor=program.owner, program=program, status=ProgramStatus.DRAFT)
    assert Program.objects.get(pk=program.pk).status == ProgramStatus.ACTIVE


def test_editing_a_goal_cannot_move_it_to_another_program(program):
    goal = LearningGoalFactory(program=program)
    elsewhere = LearningGoalFactory().program
    with pytest.raises(ValueError, match="cannot set"):
        services.goal_update(actor=goal.program.owner, goal=goal, program=elsewhere)
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
        services.enrolment_import(cohort=cohort, rows=rows, invited_by=manager)
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


# --- who may own a program, and who may coach ---------------------------------------------

NOT_A_MANAGER = re.escape("De eigenaar moet L&D-manager van de organisatie zijn.")


def not_a_coach(person):
    return re.escape(f"{person.name} is geen coach in deze organisatie.")


def test_a_program_cannot_be_created_with_an_owner_who_is_not_a_manager(
    organization, manager, coach
):
    with pytest.raises(ValidationError, match=NOT_A_MANAGER):
        services.program_create(
            actor=manager,
            organization=organization,
            name="Inwerken reachtruck",
            business_objective="Zelfstandig binnen vier weken",
            owner=coach,
            duration_weeks=4,
        )
    assert not Program.objects.filter(name="Inwerken reachtruck").exists()


def test_a_program_cannot_be_handed_to_an_owner_who_is_not_a_manager(program, manager, coach):
    with pytest.raises(ValidationError, match=NOT_A_MANAGER):
        services.program_update(actor=program.owner, program=program, owner=coach)
    assert Program.objects.get(pk=program.pk).owner == manager


def test_a_manager_who_left_the_organisation_can_no_longer_own_a_program(
    program, manager, organization
):
    departed = MembershipFactory(organization=organization, is_manager=True, is_learner=False)
    werkplek_services.membership_end(membership=departed, on=SHIFT_DAY)
    with pytest.raises(ValidationError, match=NOT_A_MANAGER):
        services.program_update(actor=program.owner, program=program, owner=departed.user)
    assert Program.objects.get(pk=program.pk).owner == manager


def test_a_coach_who_left_the_organisation_gets_no_learners(enrolment, coach, other_coach):
    werkplek_services.membership_end(membership=other_coach.memberships.get(), on=SHIFT_DAY)
    with pytest.raises(ValidationError, match=not_a_coach(other_coach)):
        services.pairing_set(enrolments=[enrolment], coach=other_coach, on=SHIFT_DAY)
    assert list(Pairing.objects.values_list("coach", "ended_on")) == [(coach.pk, None)]


def test_enrolling_someone_twice_names_them_and_adds_nothing(cohort, enrolment, learner):
    # The database refuses a second running enrolment too, but without saying who.
    with pytest.raises(
        ValidationError, match=re.escape(f"{learner.name} is al ingeschreven in dit programma.")
    ):
        services.enrolment_create(cohort=cohort, learner=learner, started_on=cohort.starts_on)
    assert list(Enrolment.objects.filter(learner=learner)) == [enrolment]


# --- a coach's capacity -------------------------------------------------------------------


def coach_in(organization, name, *, team="Inslag", capacity=None):
    return MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        team=team,
        coach_capacity=capacity,
        user__name=name,
    ).user


def test_a_full_coach_is_refused_with_the_team_mates_who_have_room(cohort, organization):
    full = coach_in(organization, "Eva Peters", capacity=1)
    coach_in(organization, "Anouk Meijer", capacity=3)
    coach_in(organization, "Bas Dekker")  # no limit
    coach_in(organization, "Carla Hendriks", capacity=1)  # room for one, not for two
    coach_in(organization, "Daan Vermeulen", team="Uitslag", capacity=5)  # another team
    learners = EnrolmentFactory.create_batch(2, cohort=cohort)
    with pytest.raises(ValidationError) as refused:
        services.pairing_set(enrolments=learners, coach=full, on=SHIFT_DAY)
    assert refused.value.message_dict == {
        "coach": [
            "Eva Peters begeleidt 0 lerenden bij een capaciteit van 1; met 2 erbij wordt dat "
            "te veel. Coaches in Inslag met ruimte: Anouk Meijer (3 vrij), "
            "Bas Dekker (geen maximum)."
        ]
    }
    assert not Pairing.objects.exists()


def test_coaches_without_a_team_are_suggested_from_the_same_team(cohort, organization):
    full = coach_in(organization, "Eva Peters", team="", capacity=0)
    coach_in(organization, "Anouk Meijer", team="", capacity=2)
    newcomer = EnrolmentFactory(cohort=cohort)
    with pytest.raises(
        ValidationError,
        match=re.escape("Coaches in hetzelfde team met ruimte: Anouk Meijer (2 vrij)."),
    ):
        services.pairing_set(enrolments=[newcomer], coach=full, on=SHIFT_DAY)
    assert not Pairing.objects.exists()


def test_a_list_that_exactly_fills_a_coach_needs_no_confirmation(cohort, organization, manager):
    coach = coach_in(organization, "Eva Peters", capacity=2)
    members = [MembershipFactory(organization=organization).user for _ in range(2)]
    rows = imports.check_rows(
        [
            imports.ImportRow(line=line, email=member.email, name="", coach_email=coach.email)
            for line, member in enumerate(members, start=2)
        ],
        cohort,
    )
    assert imports.capacity_warnings(rows, cohort) == []
    services.enrolment_import(cohort=cohort, rows=rows, invited_by=manager)
    assert Pairing.objects.filter(coach=coach).count() == 2


# --- invitations --------------------------------------------------------------------------


def invite(cohort, manager, *, email="nina@example.nl", **extra):
    return services.invitation_create(
        cohort=cohort,
        email=email,
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
        **extra,
    )


def test_an_archived_program_sends_no_invitations(
    cohort, manager, django_capture_on_commit_callbacks
):
    archive(cohort.program)
    with (
        django_capture_on_commit_callbacks() as mails,
        pytest.raises(ValidationError, match=ARCHIVED),
    ):
        invite(cohort, manager)
    assert not Invitation.objects.exists()
    assert mails == []


def test_an_invitation_names_only_a_coach_of_the_organisation(
    cohort, manager, learner, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as mails,
        pytest.raises(ValidationError, match=not_a_coach(learner)),
    ):
        invite(cohort, manager, coach=learner)
    assert not Invitation.objects.exists()
    assert mails == []


def test_an_accepted_invitation_cannot_enrol_its_learner_a_second_time(cohort, manager):
    invitation = invite(cohort, manager)
    newcomer = services.invitation_accept_as_new(
        invitation=invitation, name="Nina Kok", password="een-lang-wachtwoord"
    ).learner
    first = Enrolment.objects.get(learner=newcomer)
    first.ended_on, first.end_reason = SHIFT_DAY, "stopped"
    first.save()
    with pytest.raises(ValidationError, match="Deze uitnodiging is al geaccepteerd."):
        services.invitation_accept(invitation=invitation, user=newcomer)
    assert list(Enrolment.objects.filter(learner=newcomer)) == [first]


def test_an_invitation_cannot_be_accepted_by_someone_with_another_address(cohort, manager, learner):
    invitation = invite(cohort, manager)
    with pytest.raises(ValidationError, match="Deze uitnodiging is voor een ander e-mailadres."):
        services.invitation_accept(invitation=invitation, user=learner)
    assert not Enrolment.objects.filter(learner=learner).exists()
    assert Invitation.objects.get().accepted_at is None


def test_someone_already_invited_to_the_program_is_a_row_error(program, cohort, manager):
    invite(CohortFactory(program=program, name="Voorjaar"), manager)
    row = imports.ImportRow(line=2, email="nina@example.nl", name="Nina Kok")
    [checked] = imports.check_rows([row], cohort)
    assert checked.errors == ["Al uitgenodigd voor een andere groep van dit programma."]


def test_someone_who_accepted_and_stopped_can_be_imported_again(cohort, manager):
    invitation = invite(cohort, manager)
    newcomer = services.invitation_accept_as_new(
        invitation=invitation, name="Nina Kok", password="een-lang-wachtwoord"
    ).learner
    Enrolment.objects.filter(learner=newcomer).update(ended_on=SHIFT_DAY, end_reason="stopped")
    row = imports.ImportRow(line=2, email="nina@example.nl", name="Nina Kok")
    [checked] = imports.check_rows([row], cohort)
    assert checked.errors == []


def test_the_preview_treats_people_who_left_as_new_and_a_coach_who_left_as_no_coach(
    cohort, organization, learner, coach
):
    for person in (learner, coach):
        werkplek_services.membership_end(membership=person.memberships.get(), on=cohort.starts_on)
    [row] = imports.check_rows(
        [imports.ImportRow(line=2, email=learner.email, name="Terug", coach_email=coach.email)],
        cohort,
    )
    assert row.is_new_user, "someone who left is invited again, not enrolled silently"
    assert row.errors == [f"‘{coach.email}’ is geen coach in je organisatie."]
