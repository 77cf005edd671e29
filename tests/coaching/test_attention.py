"""Who needs attention and why: one definition for the manager's list, the coach's learners
and the group page; marking a learner independent ends the enrolment on the right day."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching import attention, services
from coaching.choices import AttentionReason
from programs import services as program_services
from programs.choices import EndReason
from programs.models import Enrolment
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
)
from werkplek.models import Membership

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)  # a Monday: the pilot group's start


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


@pytest.fixture
def goal(program):
    return LearningGoalFactory(program=program, title="Veilig heftruck rijden", target_week=2)


@pytest.fixture
def task(goal):
    return ChecklistItemFactory(goal=goal, title="Pallet wegzetten")


def feedback(enrolment, coach, on, *, levels=None, sign_offs=()):
    return services.feedback_moment_create(
        enrolment=enrolment,
        actor=coach,
        occurred_on=on,
        shift="morning",
        went_well="Rustig gewerkt.",
        levels={goal.pk: level for goal, level in (levels or {}).items()},
        sign_off_items=sign_offs,
        today=on,
    )


def reflect(enrolment, on):
    """The learner writes every reflection that is due, on day `on`."""
    evening = timezone.make_aware(datetime.datetime.combine(on, datetime.time(18)))
    enrolment.reflections.update(submitted_at=evening)


def reasons(enrolment, on):
    enrolment = Enrolment.objects.select_related("learner", "cohort__program").get(pk=enrolment.pk)
    return attention.enrolment_statuses([enrolment], on=on)[enrolment.pk].reasons


LEVEL_DAY, SIGN_OFF_DAY = START + datetime.timedelta(days=3), START + datetime.timedelta(days=8)


def make_ready(enrolment, coach, goal, task, *, level_on=LEVEL_DAY, signed_on=SIGN_OFF_DAY):
    """Level 3 on the only goal, then (later) the only task signed off."""
    feedback(enrolment, coach, level_on, levels={goal: 3})
    feedback(enrolment, coach, signed_on, sign_offs=[task])


# --- Each reason ------------------------------------------------------------------------


def test_a_learner_three_weeks_in_without_coach_or_feedback_is_a_warning_not_no_data(cohort, goal):
    enrolment = EnrolmentFactory(cohort=cohort)
    assert reasons(enrolment, day(21)) == [
        AttentionReason.NO_COACH,
        AttentionReason.FEEDBACK_OVERDUE,
    ]


def test_feedback_is_overdue_once_the_programs_rhythm_is_exceeded(enrolment, coach, program):
    program.feedback_every_days = 5
    program.save()
    feedback(enrolment, coach, day(0))  # Monday
    reflect(enrolment, START)
    assert reasons(enrolment, day(7)) == []  # 5 working days later: still in rhythm
    assert reasons(enrolment, day(8)) == [AttentionReason.FEEDBACK_OVERDUE]


def test_a_learner_without_progress_at_the_target_date_is_behind(enrolment, coach, goal):
    feedback(enrolment, coach, enrolment.target_on, levels={goal: 1})
    reflect(enrolment, enrolment.target_on)
    assert reasons(enrolment, enrolment.target_on) == [AttentionReason.BEHIND]


def test_a_reflection_not_written_after_its_due_day_is_overdue(enrolment, coach):
    feedback(enrolment, coach, day(1))  # due on day 3
    assert reasons(enrolment, day(3)) == []
    assert reasons(enrolment, day(4)) == [AttentionReason.REFLECTIONS_OVERDUE]


def test_a_learner_at_level_three_with_every_task_signed_is_only_ready(
    enrolment, coach, goal, task
):
    make_ready(enrolment, coach, goal, task)
    # Weeks later feedback and reflection are overdue, but the only thing to do is to say so.
    assert reasons(enrolment, day(30)) == [AttentionReason.READY]


def test_goals_at_level_three_with_a_task_open_are_not_ready(enrolment, coach, goal, task):
    feedback(enrolment, coach, day(3), levels={goal: 3})
    assert AttentionReason.READY not in reasons(enrolment, day(3))


def test_a_coach_above_capacity_shows_on_each_of_their_learners(
    enrolment, other_enrolment, coach, cohort
):
    Membership.objects.filter(user=coach).update(coach_capacity=1)
    program_services.pairing_set(
        enrolments=[other_enrolment], coach=coach, on=START, allow_over_capacity=True
    )
    for each in (enrolment, other_enrolment):
        feedback(each, coach, day(1))
        assert reasons(each, day(1)) == [AttentionReason.COACH_OVER_CAPACITY]


# --- Ordering and the pages -------------------------------------------------------------


def test_the_attention_list_puts_the_most_urgent_first_and_leaves_out_who_is_fine(
    cohort, coach, goal, task, manager
):
    ready, overdue, fine, alone = (EnrolmentFactory(cohort=cohort) for _ in range(4))
    for each in (ready, overdue, fine):
        PairingFactory(enrolment=each, coach=coach)
    make_ready(ready, coach, goal, task, level_on=day(1), signed_on=day(2))
    feedback(overdue, coach, day(2))
    feedback(fine, coach, day(14))
    reflect(fine, day(14))
    for each in (ready, overdue):
        reflect(each, day(2))
    rows = attention.attention_list(manager, on=day(15))
    assert [row.enrolment for row in rows] == [alone, overdue, ready]


def test_one_definition_shows_on_the_attention_list_the_coachs_list_and_the_group_page(
    client, enrolment, coach, manager, cohort
):
    feedback(enrolment, coach, day(1))
    expected = reasons(enrolment, timezone.localdate())
    assert AttentionReason.FEEDBACK_OVERDUE in expected
    labels = ["Feedback te laat", "Reflectie te laat"]
    for user, url in [
        (manager, reverse("coaching:attention")),
        (coach, reverse("coaching:home")),
        (manager, reverse("programs:cohort-detail", args=[cohort.pk])),
    ]:
        client.force_login(user)
        page = client.get(url).content.decode()
        assert all(label in page for label in labels), url


def test_each_attention_row_links_to_where_to_act(cohort, coach, goal, task, manager):
    alone = EnrolmentFactory(cohort=cohort)
    ready = EnrolmentFactory(cohort=cohort)
    PairingFactory(enrolment=ready, coach=coach)
    make_ready(ready, coach, goal, task)
    urls = {row.enrolment: row.action_url for row in attention.attention_list(manager, on=day(9))}
    assert urls[alone] == reverse("programs:cohort-detail", args=[cohort.pk])
    assert urls[ready] == reverse("coaching:progress", args=[ready.pk]) + "#independence"


def test_the_attention_list_spans_every_program_the_manager_manages_and_no_other(
    cohort, manager, organization, other_manager
):
    second = CohortFactory(program=ProgramFactory(organization=organization, owner=manager))
    here = [EnrolmentFactory(cohort=cohort), EnrolmentFactory(cohort=second)]
    elsewhere = EnrolmentFactory(cohort=CohortFactory(program__owner=other_manager))
    listed = {row.enrolment for row in attention.attention_list(manager, on=day(21))}
    assert listed == set(here)
    assert elsewhere not in listed


def test_the_attention_page_shows_25_a_page(client, cohort, manager):
    EnrolmentFactory.create_batch(27, cohort=cohort)
    client.force_login(manager)
    first = client.get(reverse("coaching:attention")).content.decode()
    second = client.get(reverse("coaching:attention") + "?page=2").content.decode()
    assert first.count("Geen coach") == 25
    assert second.count("Geen coach") == 2
    assert "27 lerenden in je programma" in first


def test_an_empty_attention_page_says_nobody_needs_attention_and_counts_nobody(
    client, cohort, manager
):
    client.force_login(manager)
    page = client.get(reverse("coaching:attention")).content.decode()
    assert "Niemand heeft nu aandacht nodig" in page
    assert "0 lerenden" not in page


@pytest.mark.parametrize("size", [2, 40])
def test_the_attention_page_queries_do_not_grow_with_learners_or_programs(
    client, manager, organization, coach, django_assert_num_queries, size
):
    for number in range(size):
        program = ProgramFactory(organization=organization, owner=manager)
        goal = LearningGoalFactory(program=program)
        ChecklistItemFactory(goal=goal)
        enrolment = EnrolmentFactory(cohort=CohortFactory(program=program))
        if number % 2:
            PairingFactory(enrolment=enrolment, coach=coach)
            feedback(enrolment, coach, day(1), levels={goal: 2})
    client.force_login(manager)
    # session, user, roles (also the is-manager check), running enrolments; their status:
    # current pairings, coaches' loads, learning hours, feedback, goals, tasks, sign-offs,
    # today's standings (none: no roll-up ran), levels, reflections; the bell's unread count
    with django_assert_num_queries(15):
        response = client.get(reverse("coaching:attention"))
    assert response.status_code == 200


# --- Marking independent ----------------------------------------------------------------


def test_the_coach_marks_independent_dated_the_day_the_last_condition_was_met(
    enrolment, coach, goal, task
):
    make_ready(enrolment, coach, goal, task, level_on=day(3), signed_on=day(8))
    services.enrolment_mark_independent(actor=coach, enrolment=enrolment)
    enrolment.refresh_from_db()
    # The facts time to independence is computed from.
    assert (enrolment.ended_on, enrolment.end_reason, enrolment.ended_by) == (
        day(8),
        EndReason.INDEPENDENT,
        coach,
    )


def test_independence_is_dated_by_the_last_level_when_it_came_after_the_sign_offs(
    enrolment, coach, goal, task
):
    feedback(enrolment, coach, day(2), sign_offs=[task])
    feedback(enrolment, coach, day(6), levels={goal: 3})
    services.enrolment_mark_independent(actor=coach, enrolment=enrolment)
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on == day(6)


def test_nobody_marks_independent_before_it_is_reached(enrolment, coach, manager, goal, task):
    feedback(enrolment, coach, day(3), levels={goal: 3})
    with pytest.raises(ValidationError, match="nog niet zelfstandig"):
        services.enrolment_mark_independent(actor=manager, enrolment=enrolment)
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_independence_is_not_dated_before_it_was_reached(enrolment, coach, goal, task):
    make_ready(enrolment, coach, goal, task, signed_on=day(8))
    with pytest.raises(ValidationError, match="kies die dag of later"):
        services.enrolment_mark_independent(actor=coach, enrolment=enrolment, on=day(7))


def test_only_the_current_coach_or_a_manager_marks_independent(
    enrolment, coach, other_coach, learner, other_manager, goal, task
):
    make_ready(enrolment, coach, goal, task)
    for actor in (other_coach, learner, other_manager):
        with pytest.raises(ValidationError, match="coach van de lerende of een L&D-manager"):
            services.enrolment_mark_independent(actor=actor, enrolment=enrolment)
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_a_learner_marked_independent_leaves_the_coachs_list_and_frees_capacity(
    client, enrolment, coach, goal, task, cohort, organization
):
    Membership.objects.filter(user=coach).update(coach_capacity=1)
    make_ready(enrolment, coach, goal, task)
    client.force_login(coach)
    progress = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Zelfstandig verklaren" in progress

    response = client.post(reverse("coaching:mark-independent", args=[enrolment.pk]))

    assert response.status_code == 302
    assert attention.coach_statuses(coach, on=day(10)) == []
    home = client.get(reverse("coaching:home")).content.decode()
    assert "Er zijn nu geen lerenden aan je gekoppeld." in home
    newcomer = MembershipFactory(organization=organization).user
    program_services.enrolment_create(
        cohort=cohort, learner=newcomer, started_on=day(10), coach=coach
    )
    progress = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Zelfstandig sinds 10 november 2026" in progress
    assert "Zelfstandig verklaren" not in progress


def test_the_mark_independent_button_is_for_the_coach_and_manager_not_the_learner(
    client, enrolment, coach, manager, learner, goal, task
):
    make_ready(enrolment, coach, goal, task)
    url = reverse("coaching:progress", args=[enrolment.pk])
    for user, shown in [(coach, True), (manager, True), (learner, False)]:
        client.force_login(user)
        assert ("Zelfstandig verklaren" in client.get(url).content.decode()) is shown


def test_an_ended_enrolment_drops_out_of_every_attention_list(
    client, enrolment, coach, manager, cohort
):
    program_services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=day(5)
    )
    assert attention.attention_list(manager, on=day(30)) == []
    assert attention.coach_statuses(coach, on=day(30)) == []
    assert reasons(enrolment, day(30)) == []
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    assert "beëindigd 7 nov 2026 (gestopt)" in page


def test_a_second_tap_on_mark_independent_says_it_is_done_not_page_not_found(
    client, enrolment, coach, goal, task
):
    make_ready(enrolment, coach, goal, task)
    client.force_login(coach)
    url = reverse("coaching:mark-independent", args=[enrolment.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("coaching:progress", args=[enrolment.pk]), 302)]
    assert Enrolment.objects.get(pk=enrolment.pk).ended_by == coach
