"""The manager's weekly digest: from Monday 07:00 in the manager's own time zone, once per
week, bundling every program they manage: the attention list, progress from the snapshots,
KPIs against target and who has too much at once. HTML and text, in the manager's language."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from coaching import digest
from kpis.choices import SubjectLevel
from kpis.models import ProgramSnapshot
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    KPIFactory,
    MeasurementFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
)
from werkplek import notifications
from werkplek import services as werkplek_services
from werkplek.models import Leave, OutboxMessage

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MONDAY = datetime.date(2027, 3, 29)  # the Monday after the Dutch change to summer time


def at(day, hour, minute=0, zone=AMSTERDAM):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def digests(manager):
    return list(
        OutboxMessage.objects.filter(recipient=manager, kind=digest.DIGEST).values_list(
            "due_slot", flat=True
        )
    )


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return digest.digests_enqueue_due()


def test_the_digest_is_due_from_monday_seven_in_each_managers_own_time_zone_once_a_week(
    program, manager, other_manager
):
    ProgramFactory(organization=other_manager.memberships.get().organization, owner=other_manager)
    other_manager.time_zone = "America/New_York"
    other_manager.save()

    run_at(at(MONDAY, 6, 59))
    assert digests(manager) == [] and digests(other_manager) == []
    run_at(at(MONDAY, 7, 0))
    assert digests(manager) == ["2027-W13"]
    assert digests(other_manager) == []  # 01:00 in New York
    run_at(at(MONDAY, 6, 59, zone=NEW_YORK))
    assert digests(other_manager) == []
    run_at(at(MONDAY, 7, 0, zone=NEW_YORK))
    assert digests(other_manager) == ["2027-W13"]
    # Every quarter of an hour for the rest of the week adds nothing.
    moment = at(MONDAY, 7, 15)
    while moment < at(MONDAY + datetime.timedelta(days=7), 6, 45):
        run_at(moment)
        moment += datetime.timedelta(hours=5, minutes=15)
    assert digests(manager) == ["2027-W13"]
    assert digests(other_manager) == ["2027-W13"]
    # The next Monday at 07:00 the next week's.
    run_at(at(MONDAY + datetime.timedelta(days=7), 7, 0))
    assert sorted(digests(manager)) == ["2027-W13", "2027-W14"]


def test_a_manager_of_archived_programs_only_gets_no_digest(program, manager):
    program.status = "archived"
    program.save()
    run_at(at(MONDAY, 8))
    assert digests(manager) == []


@pytest.fixture
def busy_organization(organization, program, manager, learner, coach):
    """A program with a learner without feedback, an overloaded learner (two programs of 6
    and 4 hours a week against a maximum of 8) and a coach over capacity (3 of 2)."""
    organization.max_learning_hours_per_week = Decimal("8")
    organization.save()
    program.learning_hours_per_week = Decimal("6")
    program.save()
    cohort = CohortFactory(program=program, starts_on=MONDAY - datetime.timedelta(days=28))
    second = ProgramFactory(organization=organization, owner=manager, name="Heftruckcertificaat")
    second.learning_hours_per_week = Decimal("4")
    second.save()
    Membership = coach.memberships.model
    Membership.objects.filter(user=coach).update(coach_capacity=2)
    overloaded = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=overloaded, coach=coach)
    EnrolmentFactory(
        cohort=CohortFactory(program=second, starts_on=cohort.starts_on), learner=learner
    )
    for _n in range(2):
        PairingFactory(enrolment=EnrolmentFactory(cohort=cohort), coach=coach)
    ProgramSnapshot.objects.create(
        program=program,
        day=MONDAY - datetime.timedelta(days=1),
        enrolments=12,
        running=3,
        ended=9,
        independent=8,
        kpis={"time_to_independence": {"enough": True, "n": 9, "median": 31}},
    )
    kpi = KPIFactory(
        organization=organization,
        program=program,
        name="Orderregels per uur",
        subject_level=SubjectLevel.PROGRAM,
        target_value=Decimal("120"),
        target_on=datetime.date(2027, 6, 30),
        created_by=manager,
    )
    MeasurementFactory(kpi=kpi, program=program, value=Decimal("96.5"), recorded_by=manager)
    return organization


def delivered_digest(manager, deliver_outbox):
    with time_machine.travel(at(MONDAY, 7, 0), tick=False):
        digest.digests_enqueue_due()
        sent = [m for m in deliver_outbox() if m.to == [manager.email]]
    assert len(sent) == 1
    return sent[0]


def test_the_digest_lists_attention_progress_kpis_and_overload_in_dutch(
    busy_organization, manager, learner, coach, program, deliver_outbox
):
    sent = delivered_digest(manager, deliver_outbox)
    html = sent.alternatives[0][0]
    assert sent.subject == "Je weekoverzicht: 4 lerenden hebben aandacht nodig"
    # Below its target (higher is better): marked as not reached.
    assert "Orderregels per uur: 96,5 orderregels per uur (streefwaarde 120,0) ✗" in sent.body
    for text in (sent.body, html):
        assert "Inwerken orderpicker" in text and "Heftruckcertificaat" in text
        assert learner.name in text
        assert "feedback te laat" in text
        assert "3 lopend, 8 zelfstandig, 9 beëindigd" in text
        assert "mediaan 31 dagen (streefwaarde 42)" in text
        assert "Orderregels per uur: 96,5 orderregels per uur (streefwaarde 120,0)" in text
        assert "Te veel tegelijk" in text
        assert f"{learner.name}: 10 leeruren per week gepland, maximaal 8" in text
        assert f"Coach {coach.name}: 3 lerenden, capaciteit 2" in text


def test_the_digest_is_in_the_managers_own_language(
    busy_organization, manager, learner, deliver_outbox
):
    manager.language = "en"
    manager.save()
    sent = delivered_digest(manager, deliver_outbox)
    assert sent.subject.startswith("Your weekly digest:")
    assert "Too much at once" in sent.body
    assert "feedback overdue" in sent.alternatives[0][0]
    assert "KPIs against target" in sent.body


def test_the_digest_shows_only_the_managers_own_programs(
    busy_organization, other_manager, deliver_outbox
):
    ProgramFactory(
        organization=other_manager.memberships.get().organization,
        owner=other_manager,
        name="Zorg op maat",
    )
    sent = delivered_digest(other_manager, deliver_outbox)
    assert "Zorg op maat" in sent.body
    assert "Inwerken orderpicker" not in sent.body
    assert "Te veel tegelijk" not in sent.body


def test_the_digest_is_in_the_notification_list_too(
    client, busy_organization, manager, deliver_outbox
):
    delivered_digest(manager, deliver_outbox)
    client.force_login(manager)
    page = client.get("/meldingen/").content.decode()
    assert "Weekoverzicht, week 13 van 2027" in page
    assert mail.outbox


@pytest.mark.parametrize("size", [2, 20])
def test_the_digest_job_reads_in_a_fixed_number_of_queries(
    organization, program, django_assert_num_queries, size
):
    for _n in range(size):
        MembershipFactory(organization=organization, is_manager=True, is_learner=False)
    assert run_at(at(MONDAY, 8)) == size + 1  # and the program owner
    # Every quarter of an hour after: the managers, the digests written already; no writes.
    with django_assert_num_queries(2):
        assert run_at(at(MONDAY, 8, 15)) == 0


def test_a_manager_who_turned_the_digest_off_gets_no_mail(
    busy_organization, manager, deliver_outbox
):
    werkplek_services.notification_settings_set(
        actor=manager, user=manager, enabled={digest.DIGEST: False}
    )
    with time_machine.travel(at(MONDAY, 7, 0), tick=False):
        digest.digests_enqueue_due()
        assert [m for m in deliver_outbox() if m.to == [manager.email]] == []
    assert notifications.unread_count(manager) == 0


def test_the_digest_says_how_to_receive_fewer(busy_organization, manager, deliver_outbox):
    sent = delivered_digest(manager, deliver_outbox)
    assert "Minder e-mail? Kies welke meldingen je krijgt." in sent.body
    assert "Minder e-mail? Kies welke meldingen je krijgt." in sent.alternatives[0][0]


def test_a_manager_on_leave_for_three_weeks_gets_one_digest_on_the_first_morning_back(
    program, manager, deliver_outbox
):
    back = MONDAY + datetime.timedelta(weeks=3, days=1)  # Tuesday, after three weeks away
    Leave.objects.create(
        user=manager,
        starts_on=MONDAY - datetime.timedelta(days=3),
        ends_on=back - datetime.timedelta(1),
    )
    moment = at(MONDAY, 7, 0)
    sent = []
    while moment < at(back, 12, 0):
        with time_machine.travel(moment, tick=False):
            digest.digests_enqueue_due()
            before = len(mail.outbox)
            deliver_outbox()
            sent += [moment] * (len(mail.outbox) - before)
        moment += datetime.timedelta(minutes=15)

    # Weeks 13, 14 and 15 wrote digests that waited, each replaced by the next; week 16's,
    # written on the last Monday away, goes out on the first morning back.
    assert sent == [at(back, 7, 0)]
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert OutboxMessage.objects.get(status=OutboxMessage.Status.SENT).due_slot == "2027-W16"
    assert (
        OutboxMessage.objects.filter(
            kind=digest.DIGEST, status=OutboxMessage.Status.CANCELLED
        ).count()
        == 3
    )
    assert notifications.unread_count(manager) == 1
