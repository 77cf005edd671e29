"""An intruder's probe of issue 15: other people's notifications, leave and organisation
settings by id, the password-free links (altered, expired, reused, swapped, for a person who
left), CSRF on the link forms, malformed times and page numbers, hostile names in mails."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching import mails, reminders
from coaching.models import SignOff
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    ProgramFactory,
    ReflectionFactory,
)
from werkplek import notifications, services
from werkplek.models import Leave, Membership, OutboxMessage

pytestmark = pytest.mark.django_db

EXPIRED = "Deze link is verlopen"


@pytest.fixture
def reflection(enrolment):
    return ReflectionFactory(enrolment=enrolment, due_on=timezone.localdate())


def nudge(coach, enrolment):
    return OutboxMessage.objects.create(
        recipient=coach,
        kind=mails.FEEDBACK_OVERDUE,
        due_slot=f"{enrolment.pk}:probe",
        context={"enrolment": enrolment.pk, "learner": "Lerende", "program": "Inwerken"},
        status=OutboxMessage.Status.SENT,
    )


def reflection_link(reflection) -> str:
    return reverse("coaching:reflection-link", args=[reminders.reflection_link_token(reflection)])


def settings_link(user) -> str:
    return reverse("notification-settings-link", args=[notifications.preferences_token(user)])


# --- The in-app notification list ---------------------------------------------------------


def test_anothers_notification_is_404_and_mark_all_read_touches_only_ones_own(
    client, coach, other_coach, enrolment
):
    theirs = nudge(coach, enrolment)
    mine = nudge(other_coach, enrolment)
    client.force_login(other_coach)

    assert client.post(reverse("notification-open", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications-read"))

    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is None
    assert mine.read_at is not None


def test_opening_a_notification_redirects_within_the_site(client, coach, enrolment):
    client.force_login(coach)
    location = client.post(reverse("notification-open", args=[nudge(coach, enrolment).pk]))[
        "Location"
    ]
    assert location.startswith("/") and not location.startswith("//")


@pytest.mark.parametrize("page", ["999999999999999999999999", "-1", "abc", "1e9", ""])
def test_any_page_number_of_the_notification_list_answers(client, coach, enrolment, page):
    nudge(coach, enrolment)
    client.force_login(coach)
    response = client.get(reverse("notifications"), {"page": page})
    assert response.status_code == 200
    assert "Lerende" in response.text


# --- The password-free links --------------------------------------------------------------


def test_an_altered_token_is_expired_on_both_links(client, reflection, learner):
    for url in (reflection_link(reflection), settings_link(learner)):
        altered = url.rstrip("/")[:-1] + ("A" if url.rstrip("/")[-1] != "A" else "B") + "/"
        response = client.get(altered)
        assert response.status_code == 404
        assert EXPIRED in response.text


def test_the_tokens_do_not_open_each_others_page(client, reflection, learner):
    reflection_token = reminders.reflection_link_token(reflection)
    settings_token = notifications.preferences_token(learner)
    swapped = [
        reverse("notification-settings-link", args=[reflection_token]),
        reverse("coaching:reflection-link", args=[settings_token]),
    ]
    for url in swapped:
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer_0": "x"}).status_code == 404
    reflection.refresh_from_db()
    assert not reflection.is_done


def test_a_token_naming_another_persons_reflection_is_refused(
    client, reflection, other_enrolment, other_learner
):
    # Signed right, but for a learner the reflection is not of (a leaked key aside, the
    # pair must still match).
    token = signing.dumps({"r": reflection.pk, "u": other_learner.pk}, salt=reminders.LINK_SALT)
    assert client.get(reverse("coaching:reflection-link", args=[token])).status_code == 404


def test_expired_tokens_answer_the_expired_page_without_the_persons_name(
    client, reflection, learner
):
    urls = [reflection_link(reflection), settings_link(learner)]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404
            assert EXPIRED in response.text
            assert learner.name not in response.text
            assert learner.email not in response.text


def test_a_reflection_link_is_used_up_by_handing_in(client, reflection):
    url = reflection_link(reflection)
    assert client.post(url, {"answer_0": "Eerste keer."}).status_code == 200
    again = client.post(url, {"answer_0": "Tweede keer."})
    assert again.status_code == 404
    reflection.refresh_from_db()
    assert reflection.answers[0]["answer"] == "Eerste keer."


def test_a_reflection_link_ends_with_the_enrolment(client, reflection, enrolment, manager):
    enrolment.ended_on = timezone.localdate()
    enrolment.end_reason = "completed"
    enrolment.save()
    assert client.get(reflection_link(reflection)).status_code == 404


def test_a_reflection_link_ends_when_the_learner_leaves_the_organisation(
    client, reflection, learner, organization
):
    url = reflection_link(reflection)
    services.membership_end(membership=Membership.objects.get(user=learner))

    assert client.get(url).status_code == 404
    assert client.post(url, {"answer_0": "Na vertrek."}).status_code == 404
    reflection.refresh_from_db()
    assert not reflection.is_done


def test_a_reflection_link_still_works_for_a_learner_of_two_organisations_leaving_the_other(
    client, reflection, learner, other_organization
):
    elsewhere = MembershipFactory(user=learner, organization=other_organization)
    services.membership_end(membership=elsewhere)
    assert client.get(reflection_link(reflection)).status_code == 200


def test_a_token_in_the_query_string_of_other_pages_opens_nothing(
    client, reflection, enrolment, learner
):
    for token in (
        reminders.reflection_link_token(reflection),
        notifications.preferences_token(learner),
    ):
        for name, args in [
            ("coaching:progress", [enrolment.pk]),
            ("preferences", []),
            ("notifications", []),
        ]:
            response = client.get(reverse(name, args=args), {"token": token})
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_the_link_forms_refuse_a_cross_site_post_without_csrf(reflection, learner):
    csrf_client = Client(enforce_csrf_checks=True)
    assert csrf_client.post(reflection_link(reflection), {"answer_0": "x"}).status_code == 403
    assert csrf_client.post(settings_link(learner), {}).status_code == 403
    reflection.refresh_from_db()
    assert not reflection.is_done
    kinds = notifications.optional_kinds(learner)
    assert kinds and all(notifications.wants(learner, kind) for kind in kinds)


def test_the_link_pages_sign_nobody_in_and_set_no_session(client, learner, reflection):
    url = settings_link(learner)
    page = client.get(url)
    saved = client.post(url, {})  # all switches off
    handed_in = client.post(reflection_link(reflection), {"answer_0": "Via de link."})

    for response in (page, saved, handed_in):
        assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("preferences"))["Location"].startswith(reverse("login"))
    assert not notifications.wants(learner, reminders.REFLECTION_REMINDER)


# --- Leave and organisation settings by id ------------------------------------------------


def test_anothers_leave_cannot_be_removed_by_id(client, learner, other_learner, other_manager):
    today = timezone.localdate()
    leave = Leave.objects.create(
        user=other_learner, starts_on=today, ends_on=today, created_by=other_learner
    )
    for intruder in (learner, other_manager):
        client.force_login(intruder)
        assert client.post(reverse("leave-delete", args=[leave.pk])).status_code == 404
    assert Leave.objects.filter(pk=leave.pk).exists()


def test_leave_create_ignores_a_smuggled_user_id(client, learner, other_learner):
    client.force_login(learner)
    today = timezone.localdate().isoformat()
    client.post(
        reverse("leave-create"), {"starts_on": today, "ends_on": today, "user": other_learner.pk}
    )
    assert not Leave.objects.filter(user=other_learner).exists()
    assert Leave.objects.filter(user=learner).exists()


def test_organisation_settings_only_for_its_own_managers(
    client, organization, other_manager, coach, learner
):
    url = reverse("organization-settings", args=[organization.slug])
    for intruder in (other_manager, coach, learner):
        client.force_login(intruder)
        assert client.get(url).status_code == 404
        assert client.post(url, {"quiet_hours_start": "01:00"}).status_code == 404


@pytest.mark.parametrize("value", ["25:00", "12:61", "abc", "9" * 40, "'; drop table", "\x00"])
def test_malformed_quiet_hours_are_a_form_error_not_a_500(
    client, learner, manager, organization, value
):
    client.force_login(learner)
    response = client.post(
        reverse("preferences"),
        {
            "name": "Lotte",
            "language": "nl",
            "time_zone": "Europe/Amsterdam",
            "quiet_hours_start": value,
            "quiet_hours_end": "08:00",
        },
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.quiet_hours_start is None

    before = organization.quiet_hours_start
    client.force_login(manager)
    response = client.post(
        reverse("organization-settings", args=[organization.slug]),
        {"quiet_hours_start": value, "quiet_hours_end": "08:00"},
    )
    assert response.status_code == 200
    organization.refresh_from_db()
    assert organization.quiet_hours_start == before

    client.force_login(learner)
    response = client.post(reverse("leave-create"), {"starts_on": value, "ends_on": value})
    assert response.status_code == 200
    assert not Leave.objects.filter(user=learner).exists()


# --- Hostile names in every kind of mail --------------------------------------------------

HOSTILE = '<script>alert("x")</script>\nBcc: a@evil.example'


# A Thursday morning whose day 60 later is a Monday: the nudges and digest wait for their
# recipient's working day and waking hours, whenever the suite runs.
@time_machine.travel(datetime.datetime(2026, 12, 10, 10, 0, tzinfo=datetime.UTC))
def test_every_kind_of_mail_escapes_hostile_names_and_keeps_its_subject_on_one_line(
    client, manager, coach, learner, program, cohort, enrolment, reflection, deliver_outbox
):
    from django.core import mail

    from coaching import digest
    from coaching import services as coaching_services
    from programs import mails as program_mails
    from programs import services as program_services
    from werkplek import mails as werkplek_mails
    from werkplek import outbox

    program.name = HOSTILE
    program.save()
    for person in (manager, coach, learner):
        person.name = HOSTILE
        person.save()
    today = timezone.localdate()
    # Help asked: through the form, with a hostile answer too.
    client.force_login(learner)
    client.post(
        reverse("coaching:reflection-create", args=[enrolment.pk]),
        {"answer_0": HOSTILE, "answer_2": HOSTILE, "asks_coach": "on"},
    )
    client.logout()
    ReflectionFactory(enrolment=enrolment, due_on=today)  # open, for the reminder
    # A sign-off that is expiring 60 days from now, for the coach's nudge.
    task = ChecklistItemFactory(
        goal=LearningGoalFactory(program=program), title=HOSTILE, reobserve_after_days=65
    )
    SignOff.objects.create(
        enrolment=enrolment, checklist_item=task, signed_by=coach, signed_on=today
    )
    program_services.invitation_create(
        cohort=cohort,
        email="nieuw@example.com",
        # A line break in a name is refused now (werkplek.lib.text.NameValidator); names
        # stored before that rule still reach the mails, as the saves above do.
        name=HOSTILE.replace("\n", " "),
        started_on=today,
        invited_by=manager,
    )
    coaching_services.thank_you_note_create(
        actor=manager, coach=coach, organization=program.organization, text=HOSTILE
    )
    # A needs analysis of a draft program (hostile name too) asks the learner.
    from programs.needs import services as needs_services

    draft = ProgramFactory(
        organization=program.organization, owner=manager, name=HOSTILE + " 2", status="draft"
    )
    LearningGoalFactory(program=draft)
    needs_services.needs_analysis_ask(actor=manager, program=draft, people=[learner])
    # An ending asks the learner to evaluate the program, with its name (without a coach,
    # no coach is asked: one mail of each kind).
    evaluated = EnrolmentFactory(cohort=CohortFactory(program=program), started_on=today)
    program_services.enrolment_end(
        actor=manager, enrolment=evaluated, reason="stopped", ended_on=today
    )
    later = timezone.now() + datetime.timedelta(days=60)
    # A reminder is sent only on the learner's local day it is for.
    learner_day = timezone.localtime(later, zoneinfo.ZoneInfo(learner.time_zone)).date()
    for recipient, kind, slot in [
        (learner, reminders.REFLECTION_REMINDER, learner_day.isoformat()),
        (manager, digest.DIGEST, "{}-W{:02d}".format(*today.isocalendar()[:2])),
        (learner, werkplek_mails.PASSWORD_RESET, "probe"),
    ]:
        OutboxMessage.objects.get_or_create(recipient=recipient, kind=kind, due_slot=slot)
    with time_machine.travel(later):
        coaching_services.coach_nudges_overdue_feedback(on=timezone.localdate())
        coaching_services.coach_nudges_expiring_sign_offs(on=timezone.localdate())
        mail.outbox = []
        sent = deliver_outbox()

    kinds = set(OutboxMessage.objects.filter(status="sent").values_list("kind", flat=True))
    # Every kind the apps register (other tests register kinds of their own, named tests.*).
    registered = {kind for kind in outbox._renderers if not kind.startswith("tests.")}
    assert kinds == registered, OutboxMessage.objects.values_list("kind", "status")
    assert program_mails.INVITATION in kinds and len(sent) == len(kinds)
    for message in sent:
        html = message.alternatives[0][0]
        assert "<script>" not in html, message.subject
        assert "&lt;script&gt;" in html  # the name is there, escaped
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "Bcc" not in str(message.message()["Bcc"] or "")
    # The mails a person may turn off say how in one click (RFC 8058); the others do not.
    kind_of = {outbox.message_id_header(row): row.kind for row in OutboxMessage.objects.all()}
    optional = {kind for p in (manager, coach, learner) for kind in notifications.optional_kinds(p)}
    assert optional and optional < kinds
    for message in sent:
        headers = message.message()
        if kind_of[headers["Message-ID"]] in optional:
            assert re.fullmatch(
                r"<https?://\S+/meldingen/uitschrijven/\S+/>", headers["List-Unsubscribe"]
            )
            assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:
            assert headers["List-Unsubscribe"] is None, message.subject


def test_ids_beyond_any_integer_column_answer_404(client, manager, organization):
    huge = 10**30
    client.force_login(manager)
    assert client.post(reverse("notification-open", args=[huge])).status_code == 404
    assert client.post(reverse("leave-delete", args=[huge])).status_code == 404


@pytest.mark.parametrize(
    "changed",
    [
        {"max_learning_hours_per_week": "9" * 30},
        {"max_learning_hours_per_week": "-3"},
        {"max_learning_hours_per_week": "NaN"},
        {"working_weekdays": ["8"]},
        {"working_weekdays": ["x"]},
    ],
)
def test_malformed_organisation_settings_are_a_form_error(client, manager, organization, changed):
    client.force_login(manager)
    url = reverse("organization-settings", args=[organization.slug])
    data = {
        "max_learning_hours_per_week": "8",
        "working_weekdays": ["1"],
        "quiet_hours_start": "20:00",
        "quiet_hours_end": "07:00",
    }
    assert client.post(url, data).status_code == 302  # the same form, well-formed, saves
    organization.refresh_from_db()
    before = (organization.max_learning_hours_per_week, organization.working_weekdays)
    response = client.post(url, {**data, **changed})
    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.max_learning_hours_per_week, organization.working_weekdays) == before


def test_a_manager_who_left_sees_no_organisation_settings(client, manager, organization):
    services.membership_end(membership=Membership.objects.get(user=manager))
    client.force_login(manager)
    assert client.get(reverse("organization-settings", args=[organization.slug])).status_code == 404


@pytest.mark.parametrize(
    "changed",
    [
        {"reminder_time": "25:00"},
        {"reminder_time": "x"},
        {"reminder_weekdays": ["9"]},
        {"reminder_rhythm": "hourly"},
    ],
)
def test_malformed_reminder_settings_of_a_program_are_a_form_error(
    client, manager, program, changed
):
    client.force_login(manager)
    form = client.get(reverse("programs:edit", args=[program.pk])).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not hasattr(value, "pk")
    }
    data["version"] = program.version
    assert client.post(reverse("programs:edit", args=[program.pk]), data).status_code == 302
    program.refresh_from_db()
    before = (program.reminder_time, program.reminder_rhythm)
    data.update(changed, version=program.version)
    response = client.post(reverse("programs:edit", args=[program.pk]), data)
    assert response.status_code == 200
    program.refresh_from_db()
    assert (program.reminder_time, program.reminder_rhythm) == before


def test_leave_that_ends_before_it_starts_is_refused(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("leave-create"), {"starts_on": "2026-12-10", "ends_on": "2026-12-01"}
    )
    assert response.status_code == 200
    assert not Leave.objects.filter(user=learner).exists()


def test_no_cache_keeps_a_token_page(client, reflection, learner):
    for url in (reflection_link(reflection), settings_link(learner)):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control
