"""The audit trail of programs, goals, groups, enrolments and pairings: each service records
who did it in the history, and a manager reads the changes on the object's history page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs import imports, selectors, services
from programs.choices import EndReason
from programs.models import (
    ChecklistItem,
    Cohort,
    Enrolment,
    Invitation,
    Method,
    Pairing,
    Program,
    ReflectionPrompt,
)
from tests.factories import (
    ChecklistItemFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    UserFactory,
)
from werkplek import audit
from werkplek.models import Membership

pytestmark = pytest.mark.django_db


def latest(model, pk):
    """The newest history row of one object."""
    return model.history.filter(id=pk).first()


def test_checklist_item_writes_record_the_manager(program, manager):
    goal = LearningGoalFactory(program=program)
    item = services.checklist_item_create(actor=manager, goal=goal, title="Pallet wegzetten")
    assert latest(ChecklistItem, item.pk).history_user == manager
    other = ChecklistItemFactory(goal=goal, position=2)
    services.checklist_item_update(actor=manager, item=item, title="Pallet veilig wegzetten")
    changed = latest(ChecklistItem, item.pk)
    assert (changed.history_type, changed.title, changed.history_user) == (
        "~",
        "Pallet veilig wegzetten",
        manager,
    )
    services.checklist_item_move(actor=manager, item=other, direction=-1)
    assert latest(ChecklistItem, other.pk).history_user == manager
    item_pk = item.pk
    services.checklist_item_delete(actor=manager, item=item)
    removed = latest(ChecklistItem, item_pk)
    assert (removed.history_type, removed.history_user) == ("-", manager)


def test_a_duplicate_records_its_goals_and_tasks_as_the_managers(program, manager):
    goal = LearningGoalFactory(program=program, target_week=1)
    ChecklistItemFactory(goal=goal)
    copy = services.program_duplicate(actor=manager, program=program, name="Kopie", owner=manager)
    [item] = ChecklistItem.objects.filter(goal__program=copy)
    assert latest(ChecklistItem, item.pk).history_user == manager
    assert latest(Program, copy.pk).duplicated_from_id == program.pk


def test_replaced_reflection_questions_are_in_the_program_history(client, program, manager):
    services.reflection_prompts_set(actor=manager, program=program, questions=["Wat ging goed?"])
    services.reflection_prompts_set(actor=manager, program=program, questions=["Wat nu?"])
    removed = ReflectionPrompt.history.get(text="Wat ging goed?", history_type="-")
    assert removed.history_user == manager
    client.force_login(manager)
    page = client.get(reverse("programs:history", args=[program.pk])).content.decode()
    assert "Wat ging goed?" in page and "Wat nu?" in page


def test_groups_enrolments_pairings_and_memberships_record_the_manager(program, manager, coach):
    learner = UserFactory()  # not in the organisation yet: enrolling makes them a learner
    cohort = services.cohort_create(
        actor=manager, program=program, name="Maart", starts_on=datetime.date(2026, 11, 2)
    )
    enrolment = services.enrolment_create(
        actor=manager,
        cohort=cohort,
        learner=learner,
        started_on=datetime.date(2026, 11, 2),
        coach=coach,
    )
    assert latest(Cohort, cohort.pk).history_user == manager
    assert latest(Enrolment, enrolment.pk).history_user == manager
    pairing = enrolment.pairings.get()
    assert latest(Pairing, pairing.pk).history_user == manager
    membership = Membership.objects.get(user=learner, organization=program.organization)
    assert latest(Membership, membership.pk).history_user == manager

    new_coach = MembershipFactory(organization=program.organization, is_coach=True).user
    services.pairing_set(
        actor=manager, enrolments=[enrolment], coach=new_coach, on=timezone.localdate()
    )
    ended = latest(Pairing, pairing.pk)
    assert (ended.ended_on, ended.history_user) == (timezone.localdate(), manager)


def test_ending_an_enrolment_and_closing_a_group_record_the_status_change(cohort, manager, learner):
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    other = EnrolmentFactory(cohort=cohort)
    today = timezone.localdate()
    services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.LEFT_ORGANISATION, ended_on=today
    )
    row = latest(Enrolment, enrolment.pk)
    assert (row.end_reason, row.ended_on, row.history_user) == (
        EndReason.LEFT_ORGANISATION,
        today,
        manager,
    )
    services.cohort_close(actor=manager, cohort=cohort, reason=EndReason.STOPPED, ended_on=today)
    assert latest(Enrolment, other.pk).history_user == manager
    assert latest(Cohort, cohort.pk).closed_on == today
    assert latest(Cohort, cohort.pk).history_user == manager


def test_an_imports_enrolments_carry_the_importing_manager(cohort, manager, organization):
    known = MembershipFactory(organization=organization, user__email="bas@example.nl").user
    rows = imports.check_rows(
        [imports.ImportRow(line=2, email="bas@example.nl", name="Bas", started_on="2026-11-02")],
        cohort,
    )
    learner_import = services.learner_import_create(cohort=cohort, rows=rows, actor=manager)
    [enrolment], _invited = services.learner_import_confirm(
        learner_import=learner_import, rows=rows, actor=manager
    )
    assert enrolment.learner == known
    row = latest(Enrolment, enrolment.pk)
    assert (row.history_user, row.history_change_reason) == (manager, audit.IMPORT)


def test_an_accepted_invitation_is_recorded_as_the_inviting_managers(cohort, manager):
    invitation = Invitation.objects.create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina",
        started_on=cohort.starts_on,
        invited_by=manager,
    )
    enrolment = services.invitation_accept_as_new(
        invitation=invitation, name="Nina Kok", password="een-lang-wachtwoord"
    )
    row = latest(Enrolment, enrolment.pk)
    assert (row.history_user, row.history_change_reason) == (manager, audit.INVITATION)


def test_who_invited_whom_and_the_acceptance_are_in_the_groups_history_without_the_link(
    client, cohort, manager
):
    manager.name = "Mira Manager"
    manager.save()
    invitation = services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
    )
    created = latest(Invitation, invitation.pk)
    assert (created.history_user, created.name, created.email) == (
        manager,
        "Nina Kok",
        "nina@example.nl",
    )
    # The link's token is a credential: no audit row (and so no export) holds it.
    assert not hasattr(created, "token")
    enrolment = services.invitation_accept_as_new(
        invitation=invitation, name="Nina Kok", password="een-lang-wachtwoord"
    )
    accepted = latest(Invitation, invitation.pk)
    assert (accepted.history_user, accepted.history_change_reason, accepted.enrolment_id) == (
        enrolment.learner,
        audit.INVITATION,
        enrolment.pk,
    )
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-history", args=[cohort.pk])).content.decode()
    assert "Uitnodiging" in page and "nina@example.nl" in page and "Mira Manager" in page
    assert invitation.token not in page


def test_the_program_history_shows_who_changed_which_field(client, program, manager):
    manager.name = "Mira Manager"
    manager.save()
    services.program_update(actor=manager, program=program, feedback_every_days=3)
    client.force_login(manager)
    page = client.get(reverse("programs:history", args=[program.pk])).content.decode()
    assert "Mira Manager" in page
    assert "Feedbackritme (werkdagen)" in page
    assert "<del>5</del> &rarr; <ins" in page
    # The edit-conflict counter moved too, but it is nothing a person changed.
    assert ">Version</dt>" not in page


def test_the_group_history_shows_an_ending_by_its_label(client, cohort, manager, learner):
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    services.enrolment_end(
        actor=manager,
        enrolment=enrolment,
        reason=EndReason.LEFT_ORGANISATION,
        ended_on=timezone.localdate(),
    )
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-history", args=[cohort.pk])).content.decode()
    assert str(EndReason.LEFT_ORGANISATION.label) in page
    assert EndReason.LEFT_ORGANISATION.value not in page.replace(
        str(EndReason.LEFT_ORGANISATION.label), ""
    )


def test_the_goal_history_lists_its_tasks(client, program, manager):
    goal = LearningGoalFactory(program=program)
    services.checklist_item_create(actor=manager, goal=goal, title="Scanner opladen")
    client.force_login(manager)
    page = client.get(reverse("programs:goal-history", args=[goal.pk])).content.decode()
    assert "Scanner opladen" in page


def test_closing_a_group_names_each_learner_whose_enrolment_ended(cohort, manager):
    for name in ("Lotte de Vries", "Sem Bakker"):
        EnrolmentFactory(cohort=cohort, learner=UserFactory(name=name))
    services.cohort_close(
        actor=manager, cohort=cohort, reason=EndReason.STOPPED, ended_on=timezone.localdate()
    )
    page = audit.trail(selectors.cohort_trail(cohort), page=1)
    ended = [
        entry.name for entry in page if entry.kind == "Deelname" and entry.action == "gewijzigd"
    ]
    assert sorted(ended) == ["Lotte de Vries", "Sem Bakker"]


def test_a_removed_task_is_named_with_its_last_values(client, program, manager):
    goal = LearningGoalFactory(program=program)
    item = services.checklist_item_create(actor=manager, goal=goal, title="Scanner opladen")
    services.checklist_item_delete(actor=manager, item=item)
    removed = audit.trail(selectors.goal_trail(goal), page=1)[0]
    assert (removed.action, removed.kind, removed.name) == (
        "verwijderd",
        "Aftekenpunt",
        "Scanner opladen",
    )
    assert ("Scanner opladen", "") in [(change.old, change.new) for change in removed.changes]
    client.force_login(manager)
    page = client.get(reverse("programs:goal-history", args=[goal.pk])).content.decode()
    assert "verwijderd: Aftekenpunt “Scanner opladen”" in page


def test_moving_a_goal_reads_as_a_change_of_order(program, manager):
    first = LearningGoalFactory(program=program, position=1, title="Veilig werken")
    LearningGoalFactory(program=program, position=2, title="Scannen")
    services.goal_move(actor=manager, goal=first, direction=1)
    moved = [entry for entry in audit.trail(selectors.program_trail(program), page=1)][:2]
    assert {(entry.name, entry.note) for entry in moved} == {
        ("Veilig werken", "volgorde gewijzigd"),
        ("Scannen", "volgorde gewijzigd"),
    }


def test_the_program_history_shows_which_methods_were_chosen(client, program, manager):
    buddy, training = (
        Method.objects.create(organization=program.organization, name=name)
        for name in ("Buddy-systeem", "Klassikale training")
    )
    services.program_update(actor=manager, program=program, methods=[buddy])
    services.program_update(actor=manager, program=program, methods=[training])
    changed = audit.trail(selectors.program_trail(program), page=1)[0]
    assert (changed.action, changed.name) == ("gewijzigd", program.name)
    assert [(change.label, change.old, change.new) for change in changed.changes] == [
        ("Leervormen", "Buddy-systeem", "Klassikale training")
    ]
    client.force_login(manager)
    page = client.get(reverse("programs:history", args=[program.pk])).content.decode()
    assert "<del>Buddy-systeem</del> &rarr;" in page


def _history_of_size(program, cohort, manager, count):
    """`count` + 1 changes of each kind, and the group closed."""
    goal = LearningGoalFactory(program=program, target_week=1)
    for number in range(count + 1):
        services.program_update(actor=manager, program=program, feedback_every_days=number + 1)
        services.goal_update(actor=manager, goal=goal, title=f"Doel {number}")
        services.checklist_item_create(actor=manager, goal=goal, title=f"Taak {number}")
        services.enrolment_create(
            actor=manager,
            cohort=cohort,
            learner=UserFactory(),
            started_on=cohort.starts_on,
            coach=MembershipFactory(organization=program.organization, is_coach=True).user,
        )
    services.cohort_close(
        actor=manager, cohort=cohort, reason=EndReason.STOPPED, ended_on=timezone.localdate()
    )


@pytest.mark.parametrize("url_name", ["programs:history", "programs:cohort-history"])
@pytest.mark.parametrize("count", [1, 30])
def test_history_pages_take_the_same_queries_for_a_long_history_as_for_a_short_one(
    client, program, cohort, manager, django_assert_num_queries, url_name, count
):
    subject = program if url_name == "programs:history" else cohort
    _history_of_size(program, cohort, manager, count)
    client.force_login(manager)
    # Session and user, count and keys, and per kind of row its rows, their previous
    # versions and the names their keys point at (people; goals or enrolments); for the
    # program also the methods each version had chosen.
    with django_assert_num_queries(QUERIES[url_name]):
        response = client.get(reverse(url_name, args=[subject.pk]))
    assert response.content.decode().count('<li class="border-bottom') == min(
        audit.PER_PAGE, response.context["page"].paginator.count
    )


def test_the_goal_history_takes_the_same_queries_for_a_long_history_as_a_short_one(
    client, program, manager
):
    goal = LearningGoalFactory(program=program, target_week=1)
    client.force_login(manager)
    url = reverse("programs:goal-history", args=[goal.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    short = queries()
    for number in range(25):
        services.goal_update(actor=manager, goal=goal, title=f"Doel {number}")
        item = services.checklist_item_create(actor=manager, goal=goal, title=f"Taak {number}")
        if number % 2:
            services.checklist_item_delete(actor=manager, item=item)
    assert queries() == short


# The program's history has one more kind of row than before: its evaluation questions.
QUERIES = {"programs:history": 21, "programs:cohort-history": 18}
