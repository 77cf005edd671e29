"""The overload guard: a program plans learning hours per week, the organisation sets a
maximum per learner; a learner whose running programs together plan more shows in the
manager's attention list (a coach over capacity already does)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching import attention
from coaching.choices import AttentionReason
from programs import services as program_services
from tests.factories import CohortFactory, EnrolmentFactory, PairingFactory, ProgramFactory
from werkplek import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_programs(organization, manager, program, learner, coach):
    """The learner in two running programs of 6 and 4 planned hours a week."""
    started = timezone.localdate() - datetime.timedelta(days=3)
    program_services.program_update(actor=manager, program=program, learning_hours_per_week=6)
    second = ProgramFactory(organization=organization, owner=manager, name="Heftruckcertificaat")
    program_services.program_update(actor=manager, program=second, learning_hours_per_week=4)
    enrolments = []
    for each in (program, second):
        enrolment = EnrolmentFactory(
            cohort=CohortFactory(program=each, starts_on=started), learner=learner
        )
        PairingFactory(enrolment=enrolment, coach=coach)
        enrolments.append(enrolment)
    return enrolments


def set_maximum(organization, hours):
    organization.max_learning_hours_per_week = hours
    organization.save()


def reasons(enrolments):
    statuses = attention.enrolment_statuses(enrolments, on=timezone.localdate())
    return [statuses[e.pk].reasons for e in enrolments]


def test_a_learner_whose_programs_together_exceed_the_maximum_needs_attention(
    client, organization, manager, learner, two_programs
):
    set_maximum(organization, Decimal("8"))
    assert all(AttentionReason.LEARNER_OVERLOADED in r for r in reasons(two_programs))

    client.force_login(manager)
    page = client.get(reverse("coaching:attention")).content.decode()
    assert "Te veel leren tegelijk" in page
    assert (
        "De lopende programma's samen plannen 10 leeruren per week; het maximum van je "
        "organisatie is 8." in page
    )


def test_at_the_maximum_or_without_one_nobody_is_overloaded(organization, two_programs):
    assert not any(AttentionReason.LEARNER_OVERLOADED in r for r in reasons(two_programs))
    set_maximum(organization, Decimal("10"))
    assert not any(AttentionReason.LEARNER_OVERLOADED in r for r in reasons(two_programs))


def test_an_ended_enrolment_no_longer_counts(organization, manager, two_programs):
    set_maximum(organization, Decimal("8"))
    ended = two_programs[1]
    ended.ended_on, ended.end_reason = timezone.localdate(), "stopped"
    ended.save()
    assert AttentionReason.LEARNER_OVERLOADED not in reasons(two_programs[:1])[0]


def settings_data(**changed) -> dict:
    """The organisation settings form as posted: the defaults, with `changed`."""
    data = {
        "max_learning_hours_per_week": "",
        "quiet_hours_start": "20:00",
        "quiet_hours_end": "07:00",
        "working_weekdays": ["1", "2", "3", "4", "5"],
    }
    return data | changed


def test_a_manager_sets_the_maximum_on_the_organisation_settings_page(
    client, organization, manager
):
    client.force_login(manager)
    url = reverse("organization-settings", args=[organization.slug])
    response = client.post(url, settings_data(max_learning_hours_per_week="7,5"), follow=True)
    assert "Instellingen opgeslagen." in response.content.decode()
    organization.refresh_from_db()
    assert organization.max_learning_hours_per_week == Decimal("7.5")


def test_a_maximum_out_of_range_is_refused_with_a_message_and_kept_in_the_form(
    client, organization, manager
):
    client.force_login(manager)
    url = reverse("organization-settings", args=[organization.slug])
    response = client.post(url, settings_data(max_learning_hours_per_week="60"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Zorg ervoor dat deze waarde hoogstens 40 is." in page
    assert 'value="60"' in page
    organization.refresh_from_db()
    assert organization.max_learning_hours_per_week is None


def test_the_organisation_settings_page_sets_quiet_hours_and_working_days(
    client, organization, manager
):
    client.force_login(manager)
    url = reverse("organization-settings", args=[organization.slug])
    page = client.get(url).content.decode()
    assert "Rusttijden vanaf" in page
    assert "Werkdagen" in page
    client.post(
        url,
        settings_data(
            quiet_hours_start="21:30", quiet_hours_end="06:00", working_weekdays=["1", "2", "3"]
        ),
    )
    organization.refresh_from_db()
    assert organization.quiet_hours_start == datetime.time(21, 30)
    assert organization.quiet_hours_end == datetime.time(6, 0)
    assert organization.working_weekdays == [1, 2, 3]


def test_an_organisation_without_working_days_is_refused_and_keeps_its_reminders(
    client, organization, manager
):
    client.force_login(manager)
    url = reverse("organization-settings", args=[organization.slug])
    data = settings_data(quiet_hours_start="21:30")
    del data["working_weekdays"]  # no box ticked: the browser sends nothing
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Kies minstens één werkdag: herinneringen gaan alleen op werkdagen uit." in page
    assert 'value="21:30"' in page
    organization.refresh_from_db()
    assert organization.working_weekdays == [1, 2, 3, 4, 5]
    with pytest.raises(ValidationError, match="Kies minstens één werkdag"):
        services.organization_update_settings(
            actor=manager, organization=organization, working_weekdays=[]
        )


def test_the_program_form_asks_the_planned_learning_hours(client, manager, program):
    client.force_login(manager)
    page = client.get(reverse("programs:edit", args=[program.pk])).content.decode()
    assert "Geplande leeruren per week" in page
