"""An enrolment ends with a date and a reason; a group closes; what ended stays readable."""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from programs import selectors, services
from programs.choices import EndReason
from programs.models import Cohort, Enrolment
from tests.factories import EnrolmentFactory, MembershipFactory
from werkplek.models import Membership

pytestmark = pytest.mark.django_db

LAST_DAY = datetime.date(2026, 11, 20)  # a Friday after the pilot group's start (2 Nov)


def active_learners(coach, organization) -> int:
    return next(
        load.active_learners for load in selectors.coach_loads(organization) if load.user == coach
    )


def test_a_manager_ends_an_enrolment_as_a_dated_fact_with_reason_and_actor(enrolment, manager):
    services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.LEFT_ORGANISATION, ended_on=LAST_DAY
    )
    enrolment.refresh_from_db()
    assert (enrolment.ended_on, enrolment.end_reason, enrolment.ended_by) == (
        LAST_DAY,
        EndReason.LEFT_ORGANISATION,
        manager,
    )


def test_an_ended_enrolment_leaves_the_coachs_list_and_frees_capacity(
    enrolment, manager, coach, organization, cohort, other_learner
):
    Membership.objects.filter(user=coach).update(coach_capacity=1)
    assert active_learners(coach, organization) == 1
    with pytest.raises(ValidationError, match="capaciteit"):
        services.enrolment_create(
            cohort=cohort, learner=other_learner, started_on=LAST_DAY, coach=coach
        )

    services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=LAST_DAY
    )

    assert not Enrolment.objects.coached_by(coach).exists()
    assert active_learners(coach, organization) == 0
    newcomer = services.enrolment_create(
        cohort=cohort, learner=other_learner, started_on=LAST_DAY, coach=coach
    )
    assert list(Enrolment.objects.coached_by(coach)) == [newcomer]


def test_only_a_manager_of_the_organisation_ends_an_enrolment(
    enrolment, coach, learner, other_manager
):
    for actor in (coach, learner, other_manager):
        with pytest.raises(ValidationError, match="L&D-manager"):
            services.enrolment_end(
                actor=actor, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=LAST_DAY
            )
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None


def test_independence_is_not_an_ending_a_manager_picks(enrolment, manager):
    with pytest.raises(ValidationError, match="voortgangspagina"):
        services.enrolment_end(
            actor=manager, enrolment=enrolment, reason=EndReason.INDEPENDENT, ended_on=LAST_DAY
        )


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "vandaag of een eerdere dag"), (None, "begon op 02-11-2026")],
)
def test_an_enrolment_ends_neither_ahead_of_today_nor_before_it_started(
    enrolment, manager, days, message
):
    on = (
        timezone.localdate() + datetime.timedelta(days=days)
        if days
        else enrolment.started_on - datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match=message):
        services.enrolment_end(
            actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=on
        )


def test_an_enrolment_ends_once(enrolment, manager):
    services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=LAST_DAY
    )
    with pytest.raises(ValidationError, match="gestopt met dit programma"):
        services.enrolment_end(
            actor=manager, enrolment=enrolment, reason=EndReason.MOVED_PROGRAM, ended_on=LAST_DAY
        )
    assert Enrolment.objects.get(pk=enrolment.pk).end_reason == EndReason.STOPPED


@pytest.mark.parametrize(
    "fields",
    [{"end_reason": EndReason.STOPPED}, {"ended_on": LAST_DAY}],
    ids=["no-date", "no-reason"],
)
def test_the_database_keeps_end_date_and_reason_together(enrolment, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(**fields)


def test_closing_a_group_ends_every_running_enrolment_and_takes_no_new_learners(
    cohort, enrolment, other_enrolment, manager, learner
):
    earlier = EnrolmentFactory(cohort=cohort)
    services.enrolment_end(
        actor=manager, enrolment=earlier, reason=EndReason.MOVED_PROGRAM, ended_on=LAST_DAY
    )
    ended = services.cohort_close(
        actor=manager, cohort=cohort, reason=EndReason.STOPPED, ended_on=LAST_DAY
    )
    assert ended == 2
    assert Cohort.objects.get(pk=cohort.pk).closed_on == LAST_DAY
    reasons = dict(cohort.enrolments.values_list("pk", "end_reason"))
    assert reasons == {
        enrolment.pk: EndReason.STOPPED,
        other_enrolment.pk: EndReason.STOPPED,
        earlier.pk: EndReason.MOVED_PROGRAM,
    }
    with pytest.raises(ValidationError, match="Deze groep is afgesloten"):
        services.enrolment_create(
            cohort=cohort,
            learner=MembershipFactory(organization=cohort.program.organization).user,
            started_on=LAST_DAY,
        )


def test_only_a_manager_closes_a_group(cohort, enrolment, coach):
    with pytest.raises(ValidationError, match="L&D-manager"):
        services.cohort_close(
            actor=coach, cohort=cohort, reason=EndReason.STOPPED, ended_on=LAST_DAY
        )
    assert Cohort.objects.get(pk=cohort.pk).closed_on is None


def test_the_manager_ends_an_enrolment_from_its_page_and_it_stays_readable(
    client, enrolment, manager, learner, coach
):
    client.force_login(manager)
    url = reverse("programs:enrolment-end", args=[enrolment.pk])
    assert "uit dienst" in client.get(url).content.decode()
    response = client.post(url, {"reason": EndReason.LEFT_ORGANISATION, "ended_on": "2026-11-20"})
    assert response.status_code == 302
    for reader in (manager, learner, coach):
        client.force_login(reader)
        page = client.get(reverse("coaching:progress", args=[enrolment.pk]))
        assert "Beëindigd op 20 november 2026 (uit dienst)." in page.content.decode()
    client.force_login(manager)
    # Ended: nothing left to end; the page says so where the ending shows.
    response = client.get(url)
    assert response.url == reverse("coaching:progress", args=[enrolment.pk])


def test_half_past_midnight_in_amsterdam_the_end_form_offers_that_day(client, enrolment, manager):
    """At 23:30 UTC it is already the next day in Amsterdam: that day is the form's default
    and the last one its date picker offers."""
    with time_machine.travel(
        datetime.datetime(2026, 12, 9, 23, 30, tzinfo=datetime.UTC), tick=False
    ):
        client.force_login(manager)
        page = client.get(reverse("programs:enrolment-end", args=[enrolment.pk])).content.decode()
    picker = re.search(r'<input[^>]*name="ended_on"[^>]*>', page).group()
    assert 'value="2026-12-10"' in picker
    assert 'max="2026-12-10"' in picker


def test_the_manager_closes_a_group_from_its_page(client, cohort, enrolment, manager):
    client.force_login(manager)
    response = client.post(
        reverse("programs:cohort-close", args=[cohort.pk]),
        {"reason": EndReason.STOPPED, "ended_on": "2026-11-20"},
    )
    assert response.status_code == 302
    page = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    assert "afgesloten op 20 nov 2026" in page
    assert "gestopt" in page


def test_an_empty_end_form_says_what_is_missing(client, enrolment, manager):
    client.force_login(manager)
    response = client.post(reverse("programs:enrolment-end", args=[enrolment.pk]), {})
    assert response.status_code == 200
    assert Enrolment.objects.get(pk=enrolment.pk).ended_on is None
    assert "Dit veld is verplicht." in response.content.decode()


def test_a_second_tap_on_end_says_it_ended_instead_of_page_not_found(client, enrolment, manager):
    client.force_login(manager)
    url = reverse("programs:enrolment-end", args=[enrolment.pk])
    data = {"reason": EndReason.LEFT_ORGANISATION, "ended_on": "2026-11-20"}
    client.post(url, data)
    response = client.post(url, {**data, "reason": EndReason.STOPPED}, follow=True)
    assert response.redirect_chain == [(reverse("coaching:progress", args=[enrolment.pk]), 302)]
    assert "is al beëindigd op 20 november 2026" in response.content.decode()
    assert Enrolment.objects.get(pk=enrolment.pk).end_reason == EndReason.LEFT_ORGANISATION


def test_an_ended_enrolment_of_another_organisation_stays_not_found(
    client, enrolment, manager, other_manager
):
    services.enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=LAST_DAY
    )
    client.force_login(other_manager)
    url = reverse("programs:enrolment-end", args=[enrolment.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "stopped", "ended_on": "2026-11-20"}).status_code == 404


def test_a_second_tap_on_close_says_the_group_is_closed(client, cohort, enrolment, manager):
    client.force_login(manager)
    url = reverse("programs:cohort-close", args=[cohort.pk])
    client.post(url, {"reason": EndReason.STOPPED, "ended_on": "2026-11-20"})
    response = client.post(url, {"reason": EndReason.MOVED_PROGRAM, "ended_on": "2026-11-21"})
    assert response.url == reverse("programs:cohort-detail", args=[cohort.pk])
    assert Cohort.objects.get(pk=cohort.pk).closed_on == LAST_DAY
    page = client.get(response.url).content.decode()
    assert "Pilotgroep is al afgesloten op 20 november 2026." in page


@pytest.mark.parametrize(
    "on, message",
    [
        (timezone.localdate() + datetime.timedelta(days=1), "vandaag of een eerdere dag"),
        (datetime.date(1999, 12, 31), "tussen 2000 en 2099"),
    ],
    ids=["tomorrow", "last-century"],
)
def test_a_group_without_running_enrolments_closes_neither_ahead_nor_in_another_age(
    cohort, manager, on, message
):
    with pytest.raises(ValidationError, match=message):
        services.cohort_close(actor=manager, cohort=cohort, reason=EndReason.STOPPED, ended_on=on)
    assert Cohort.objects.get(pk=cohort.pk).closed_on is None


def test_an_enrolment_that_has_not_started_ends_on_its_first_day(cohort, manager, coach):
    # A newcomer who never came: the manager ends it today, it never ran.
    starts = timezone.localdate() + datetime.timedelta(days=7)
    planned = EnrolmentFactory(cohort=cohort, started_on=starts)
    services.enrolment_end(
        actor=manager,
        enrolment=planned,
        reason=EndReason.LEFT_ORGANISATION,
        ended_on=timezone.localdate(),
    )
    planned.refresh_from_db()
    assert (planned.ended_on, planned.end_reason) == (starts, EndReason.LEFT_ORGANISATION)


def test_a_group_that_has_not_started_can_be_closed_today(program, manager):
    starts = timezone.localdate() + datetime.timedelta(days=14)
    cancelled = Cohort.objects.create(program=program, name="Instroom later", starts_on=starts)
    planned = EnrolmentFactory(cohort=cancelled)
    today = timezone.localdate()
    ended = services.cohort_close(
        actor=manager, cohort=cancelled, reason=EndReason.STOPPED, ended_on=today
    )
    assert ended == 1
    assert Cohort.objects.get(pk=cancelled.pk).closed_on == today
    assert Enrolment.objects.get(pk=planned.pk).ended_on == starts


def test_a_group_of_an_archived_program_stays_as_it_was(cohort, manager):
    services.program_change_status(
        actor=cohort.program.owner, program=cohort.program, status="archived"
    )
    with pytest.raises(ValidationError, match="gearchiveerd"):
        services.cohort_close(
            actor=manager, cohort=cohort, reason=EndReason.STOPPED, ended_on=LAST_DAY
        )
    assert Cohort.objects.get(pk=cohort.pk).closed_on is None
