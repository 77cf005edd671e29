"""The settings reminders follow: a person's quiet hours, notifications and leave on their
preferences page, and a program's reminder rhythm on the program form."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching.reminders import REFLECTION_REMINDER
from programs.choices import ReminderRhythm
from werkplek import notifications, services
from werkplek.models import Leave

pytestmark = pytest.mark.django_db


def preferences(**changed):
    return {
        "name": "Lotte de Vries",
        "language": "nl",
        "time_zone": "Europe/Amsterdam",
        "notify-" + REFLECTION_REMINDER: "on",
        **changed,
    }


def test_a_person_sets_own_quiet_hours_and_turns_reflection_reminders_off(client, learner):
    client.force_login(learner)

    page = client.get(reverse("preferences"))
    client.post(
        reverse("preferences"),
        {
            "name": "Lotte de Vries",
            "language": "nl",
            "time_zone": "Europe/Amsterdam",
            "quiet_hours_start": "18:00",
            "quiet_hours_end": "08:00",
        },
    )

    assert "Herinneringen om een reflectie te schrijven" in page.text
    learner.refresh_from_db()
    assert (learner.quiet_hours_start, learner.quiet_hours_end) == (
        datetime.time(18, 0),
        datetime.time(8, 0),
    )
    assert not notifications.wants(learner, REFLECTION_REMINDER)


def test_half_a_quiet_hours_range_is_refused_with_a_message(client, learner):
    client.force_login(learner)

    response = client.post(reverse("preferences"), preferences(quiet_hours_start="18:00"))

    assert response.status_code == 200
    assert "Geef begin én einde van de rusttijden, of geen van beide." in response.text
    learner.refresh_from_db()
    assert learner.quiet_hours_start is None


def test_a_person_adds_and_removes_their_own_leave(client, learner):
    client.force_login(learner)

    added = client.post(
        reverse("leave-create"), {"starts_on": "2027-07-19", "ends_on": "2027-08-06"}
    )
    leave = Leave.objects.get()
    page = client.get(reverse("preferences"))
    removed = client.post(reverse("leave-delete", args=[leave.pk]))

    assert added.status_code == removed.status_code == 302
    assert (leave.user, leave.created_by) == (learner, learner)
    assert "19 juli 2027 – 6 augustus 2027" in page.text
    assert not Leave.objects.exists()


def test_leave_that_ends_before_it_starts_is_refused_and_the_dates_kept(client, learner):
    client.force_login(learner)

    response = client.post(
        reverse("leave-create"), {"starts_on": "2027-08-06", "ends_on": "2027-07-19"}
    )

    assert response.status_code == 200
    assert "De laatste dag kan niet vóór de eerste liggen." in response.text
    assert 'value="2027-08-06"' in response.text
    assert not Leave.objects.exists()


def test_someone_elses_leave_cannot_be_removed(client, learner, other_learner):
    leave = Leave.objects.create(
        user=other_learner, starts_on=datetime.date(2027, 7, 19), ends_on=datetime.date(2027, 8, 6)
    )
    client.force_login(learner)

    assert client.post(reverse("leave-delete", args=[leave.pk])).status_code == 404
    assert Leave.objects.exists()


def test_a_manager_may_set_leave_for_a_learner_of_their_organisation_only(
    manager, learner, other_manager
):
    days = {"starts_on": datetime.date(2027, 7, 19), "ends_on": datetime.date(2027, 8, 6)}

    leave = services.leave_create(actor=manager, user=learner, **days)
    with pytest.raises(ValidationError):
        services.leave_create(actor=other_manager, user=learner, **days)
    with pytest.raises(ValidationError):
        services.leave_create(actor=learner, user=manager, **days)

    assert leave.created_by == manager
    assert list(Leave.objects.visible_to(manager)) == [leave]
    assert list(Leave.objects.visible_to(other_manager)) == []


def test_a_manager_marks_a_learner_away_from_the_people_page_and_removes_it_again(
    client, organization, manager, learner
):
    client.force_login(manager)
    people = client.get(reverse("organization-detail", args=[organization.slug])).text
    url = reverse("member-leave", args=[organization.slug, learner.memberships.get().pk])
    assert f'href="{url}"' in people

    added = client.post(url, {"starts_on": "2027-07-19", "ends_on": "2027-08-06"}, follow=True)
    assert f"De afwezigheid van {learner.name} is opgeslagen." in added.text
    assert "19 juli 2027 – 6 augustus 2027" in added.text
    leave = Leave.objects.get()
    assert (leave.user, leave.created_by) == (learner, manager)
    client.force_login(learner)
    assert "19 juli 2027 – 6 augustus 2027" in client.get(reverse("preferences")).text

    client.force_login(manager)
    removed = client.post(reverse("leave-delete", args=[leave.pk]), {"next": url})
    assert removed["Location"] == url
    assert not Leave.objects.exists()


def test_only_the_organisations_managers_set_its_learners_leave(
    client, organization, manager, learner, coach, other_manager
):
    days = {"starts_on": "2027-07-19", "ends_on": "2027-08-06"}
    learner_url = reverse("member-leave", args=[organization.slug, learner.memberships.get().pk])
    coach_url = reverse("member-leave", args=[organization.slug, coach.memberships.get().pk])
    for someone, url in [
        (other_manager, learner_url),
        (learner, learner_url),
        (manager, coach_url),
    ]:
        client.force_login(someone)
        assert client.get(url).status_code == 404
        assert client.post(url, days).status_code == 404
    assert not Leave.objects.exists()


def test_removing_leave_never_sends_the_person_to_another_site(client, learner):
    leave = Leave.objects.create(
        user=learner, starts_on=datetime.date(2027, 7, 19), ends_on=datetime.date(2027, 8, 6)
    )
    client.force_login(learner)
    response = client.post(
        reverse("leave-delete", args=[leave.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("preferences")


def test_a_kind_that_cannot_be_turned_off_is_refused(learner):
    with pytest.raises(ValueError):
        services.notification_settings_set(
            actor=learner, user=learner, enabled={"password_reset": False}
        )


# --- The program form --------------------------------------------------------------------------


def program_form(program, **changed):
    return {
        "name": program.name,
        "description": program.description,
        "business_objective": program.business_objective,
        "owner": program.owner_id,
        "duration_weeks": program.duration_weeks,
        "feedback_every_days": program.feedback_every_days,
        "reminder_rhythm": program.reminder_rhythm,
        "reminder_time": "09:00",
        "version": program.version,
        **changed,
    }


def test_a_manager_sets_weekly_reminders_on_monday_and_thursday_at_half_past_seven(
    client, manager, program
):
    client.force_login(manager)

    response = client.post(
        reverse("programs:edit", args=[program.pk]),
        program_form(
            program, reminder_rhythm="weekdays", reminder_weekdays=["1", "4"], reminder_time="07:30"
        ),
    )

    assert response.status_code == 302
    program.refresh_from_db()
    assert (program.reminder_rhythm, program.reminder_weekdays, program.reminder_time) == (
        ReminderRhythm.WEEKDAYS,
        [1, 4],
        datetime.time(7, 30),
    )
    form = client.get(reverse("programs:edit", args=[program.pk])).text
    assert 'value="07:30"' in form
    assert "donderdag" in form


def test_weekly_reminders_without_a_day_are_refused_with_a_message(client, manager, program):
    client.force_login(manager)

    response = client.post(
        reverse("programs:edit", args=[program.pk]),
        program_form(program, reminder_rhythm="weekdays", reminder_time="07:30"),
    )

    assert response.status_code == 200
    assert "Kies minstens één dag voor de herinneringen." in response.text
    program.refresh_from_db()
    assert program.reminder_rhythm == ReminderRhythm.AFTER_FEEDBACK
