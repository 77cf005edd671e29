"""In-app notifications: every message the outbox holds for a person, in a list with a bell
in the top bar, for people who ignore their mail."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching import mails
from tests.factories import MembershipFactory, UserFactory
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db


def nudge(coach, enrolment, n, **fields):
    """A nudge to `coach`, sent unless `fields` say otherwise."""
    fields.setdefault("status", OutboxMessage.Status.SENT)
    return OutboxMessage.objects.create(
        recipient=coach,
        kind=mails.FEEDBACK_OVERDUE,
        due_slot=f"{enrolment.pk}:{n}",
        context={"enrolment": enrolment.pk, "learner": f"Lerende {n}", "program": "Inwerken"},
        created_at=timezone.now() - datetime.timedelta(minutes=n),
        **fields,
    )


def bell(page: str) -> str | None:
    """The number on the bell, or None without one."""
    match = re.search(r'data-unread="(\d+)">([^<]+)<', page)
    return match.group(2) if match else None


def test_the_bell_counts_unread_notifications_and_the_list_shows_newest_first(
    client, coach, enrolment
):
    for n in range(3):
        nudge(coach, enrolment, n)
    nudge(coach, enrolment, 9, read_at=timezone.now())
    client.force_login(coach)

    home = client.get(reverse("coaching:home")).content.decode()
    assert bell(home) == "3"
    page = client.get(reverse("notifications")).content.decode()
    titles = re.findall(r"Feedback voor (Lerende \d) is te laat", page)
    assert titles == ["Lerende 0", "Lerende 1", "Lerende 2", "Lerende 9"]
    assert page.count(">nieuw</span>") == 3


def test_opening_a_notification_marks_it_read_and_leads_to_what_it_is_about(
    client, coach, enrolment
):
    message = nudge(coach, enrolment, 1)
    client.force_login(coach)
    page = client.get(reverse("notifications")).content.decode()
    assert (
        f'<form method="post" action="{reverse("notification-open", args=[message.pk])}">' in page
    )
    # A link checker or prefetcher that opens the address marks nothing read.
    assert client.get(reverse("notification-open", args=[message.pk])).status_code == 405
    message.refresh_from_db()
    assert message.read_at is None
    response = client.post(reverse("notification-open", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:progress", args=[enrolment.pk])
    message.refresh_from_db()
    assert message.read_at is not None
    assert bell(client.get(reverse("notifications")).content.decode()) is None


def test_mark_all_read_empties_the_bell_but_keeps_the_list(client, coach, enrolment):
    for n in range(3):
        nudge(coach, enrolment, n)
    client.force_login(coach)
    response = client.post(reverse("notifications-read"), follow=True)
    page = response.content.decode()
    assert "Alle meldingen zijn als gelezen gemarkeerd." in page
    assert bell(page) is None
    assert page.count("Lerende") == 3


def test_someone_elses_notification_answers_404_and_stays_unread(client, coach, enrolment):
    message = nudge(coach, enrolment, 1)
    client.force_login(UserFactory())
    assert client.post(reverse("notification-open", args=[message.pk])).status_code == 404
    client.post(reverse("notifications-read"))
    message.refresh_from_db()
    assert message.read_at is None


def test_mail_only_and_cancelled_messages_are_not_in_the_list(client, coach, enrolment):
    OutboxMessage.objects.create(recipient=coach, kind="password_reset", due_slot="x")
    nudge(coach, enrolment, 1, status=OutboxMessage.Status.CANCELLED)
    client.force_login(coach)
    page = client.get(reverse("notifications")).content.decode()
    assert "Nog geen meldingen" in page
    assert bell(page) is None


def test_a_queued_message_shows_once_it_is_sent_and_never_when_it_is_cancelled(
    client, coach, enrolment
):
    waiting = nudge(coach, enrolment, 1, status=OutboxMessage.Status.QUEUED)
    taken_back = nudge(coach, enrolment, 2, status=OutboxMessage.Status.QUEUED)
    client.force_login(coach)
    page = client.get(reverse("notifications")).content.decode()
    assert "Nog geen meldingen" in page
    assert bell(page) is None
    # Opening it by its address is no way around the list either.
    assert client.post(reverse("notification-open", args=[waiting.pk])).status_code == 404

    waiting.status = OutboxMessage.Status.SENT
    waiting.save()
    taken_back.status = OutboxMessage.Status.CANCELLED
    taken_back.save()
    page = client.get(reverse("notifications")).content.decode()
    assert bell(page) == "1"
    assert re.findall(r"Feedback voor (Lerende \d) is te laat", page) == ["Lerende 1"]


def test_the_list_is_paged_twenty_at_a_time(client, coach, enrolment):
    for n in range(25):
        nudge(coach, enrolment, n)
    client.force_login(coach)
    first = client.get(reverse("notifications")).content.decode()
    second = client.get(reverse("notifications"), {"page": 2}).content.decode()
    assert len(re.findall(r"Feedback voor Lerende", first)) == 20
    assert len(re.findall(r"Feedback voor Lerende", second)) == 5
    assert bell(first) == "25"


def test_the_bell_shows_99_plus_above_99(client, coach, enrolment):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            recipient=coach,
            kind=mails.HELP_ASKED,
            due_slot=str(n),
            context={},
            status=OutboxMessage.Status.SENT,
        )
        for n in range(120)
    )
    client.force_login(coach)
    assert bell(client.get(reverse("programs:list")).content.decode()) == "99+"


@pytest.mark.parametrize("size", [3, 60])
def test_the_list_and_the_bell_ask_the_database_as_often_for_3_as_for_60(
    client, coach, enrolment, django_assert_num_queries, size
):
    for n in range(size):
        nudge(coach, enrolment, n)
    client.force_login(coach)
    # session, user, roles (navigation), the count and the page of notifications, and the
    # bell once (the page and the top bar both ask it)
    with django_assert_num_queries(6):
        response = client.get(reverse("notifications"))
    assert response.status_code == 200


def test_a_manager_sees_none_of_their_peoples_notifications_from_any_organisation(
    client, coach, enrolment, manager, other_manager
):
    """The coach works in two organisations; neither's L&D manager reads their messages."""
    MembershipFactory(
        user=coach,
        organization=other_manager.memberships.get().organization,
        is_coach=True,
        is_learner=False,
    )
    message = nudge(coach, enrolment, 1)
    for someone in (manager, other_manager):
        client.force_login(someone)
        assert client.post(reverse("notification-open", args=[message.pk])).status_code == 404
        assert "Lerende 1" not in client.get(reverse("notifications")).content.decode()
    message.refresh_from_db()
    assert message.read_at is None
