"""An intruder's probe of issue 16 (and issue 15's unsubscribe and notification open): the
history pages, the personal-data export, the erasure, a manager's leave for a learner, the
two-step sign-in, the lockout, the reset throttle, one-time form tokens and edit versions,
each tried with the ids of another person or organisation. A test fails if the hole is there."""

import csv
import datetime
import io
import uuid
import zipfile

import pytest
from django.contrib import messages
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    KPIFactory,
    LearningGoalFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
    UserFactory,
)
from werkplek.lib.forms import SUBMISSION_TOKEN
from werkplek.models import Erasure, FormSubmission, Leave, OutboxMessage

pytestmark = pytest.mark.django_db

SECRET = "GEHEIM-VAN-B"
FORMULA = '=HYPERLINK("http://evil.example","klik")'


@pytest.fixture
def world(organization, other_organization, manager, coach, learner, other_learner, enrolment):
    """Organisation A (the fixtures) and organisation B, whose every text holds SECRET."""
    program = enrolment.cohort.program
    moment_a = FeedbackMomentFactory(
        enrolment=enrolment, coach=coach, went_well=f"Netjes gescand {FORMULA}"
    )
    manager_b = MembershipFactory(
        organization=other_organization, is_manager=True, is_learner=False
    ).user
    learner_b = MembershipFactory(organization=other_organization, team=SECRET).user
    coach_b = MembershipFactory(
        organization=other_organization, is_coach=True, is_learner=False
    ).user
    program_b = ProgramFactory(organization=other_organization, name=f"Programma {SECRET}")
    goal_b = LearningGoalFactory(program=program_b, title=f"Doel {SECRET}")
    cohort_b = CohortFactory(program=program_b, name=f"Groep {SECRET}")
    enrolment_b = EnrolmentFactory(cohort=cohort_b, learner=learner_b)
    PairingFactory(enrolment=enrolment_b, coach=coach_b)
    moment_b = FeedbackMomentFactory(
        enrolment=enrolment_b, coach=coach_b, went_well=f"Feedback {SECRET}"
    )
    kpi_b = KPIFactory(organization=other_organization, program=program_b, name=f"KPI {SECRET}")
    other_enrolment = EnrolmentFactory(cohort=enrolment.cohort, learner=other_learner)
    PairingFactory(enrolment=other_enrolment, coach=coach)
    other_moment = FeedbackMomentFactory(
        enrolment=other_enrolment, coach=coach, went_well=f"Over de ander {SECRET}"
    )
    return {
        "program": program,
        "moment": moment_a,
        "other_enrolment": other_enrolment,
        "other_moment": other_moment,
        "manager_b": manager_b,
        "learner_b": learner_b,
        "coach_b": coach_b,
        "program_b": program_b,
        "goal_b": goal_b,
        "cohort_b": cohort_b,
        "enrolment_b": enrolment_b,
        "moment_b": moment_b,
        "kpi_b": kpi_b,
    }


def b_history_urls(w) -> list[str]:
    return [
        reverse("programs:history", args=[w["program_b"].pk]),
        reverse("programs:goal-history", args=[w["goal_b"].pk]),
        reverse("programs:cohort-history", args=[w["cohort_b"].pk]),
        reverse("coaching:enrolment-history", args=[w["enrolment_b"].pk]),
        reverse("coaching:feedback-history", args=[w["moment_b"].pk]),
        reverse("kpis:history", args=[w["kpi_b"].pk]),
    ]


def zip_text(client) -> dict[str, str]:
    response = client.get(reverse("personal-data-export"))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name).decode("utf-8", "replace") for name in archive.namelist()}


# --- History pages -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "coach", "learner", "stranger", "ex_manager_b"])
def test_another_organisations_history_pages_are_404(
    client, world, organization, other_organization, manager, coach, learner, who
):
    ex_manager_b = MembershipFactory(
        organization=other_organization,
        is_manager=True,
        is_learner=False,
        ended_on=timezone.localdate() - datetime.timedelta(days=1),
    ).user
    actor = {
        "manager": manager,
        "coach": coach,
        "learner": learner,
        "ex_manager_b": ex_manager_b,
    }.get(who) or UserFactory()
    client.force_login(actor)
    for url in b_history_urls(world):
        response = client.get(url)
        assert response.status_code == 404, url
        assert SECRET not in response.text


def test_history_pages_send_an_anonymous_visitor_to_log_in(client, world):
    for url in b_history_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"], url


def test_a_learner_reads_neither_another_learners_history_nor_their_feedback_history(
    client, world, learner, coach
):
    client.force_login(learner)
    assert (
        client.get(
            reverse("coaching:enrolment-history", args=[world["other_enrolment"].pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("coaching:feedback-history", args=[world["moment"].pk])).status_code
        == 404
    )
    own = client.get(reverse("coaching:my-history"))
    assert own.status_code == 200
    assert SECRET not in own.text
    for page in ("abc", "-1", "99999999999999999999999", "1e9"):
        response = client.get(reverse("coaching:my-history"), {"page": page})
        assert response.status_code == 200, page


def test_a_coach_does_not_read_a_learners_enrolment_history_of_another_organisation(
    client, world, coach
):
    client.force_login(world["coach_b"])
    response = client.get(
        reverse("coaching:enrolment-history", args=[world["moment"].enrolment_id])
    )
    assert response.status_code == 404


# --- The personal-data export ------------------------------------------------------------


def test_the_export_is_ones_own_and_holds_nothing_of_another_person(
    client, world, learner, other_learner
):
    # The coach edits feedback on the other learner through the page: a history row with an
    # actor, which the learner's download must not hold either.
    other = world["other_moment"]
    client.force_login(world["other_moment"].coach)
    edited = client.post(
        reverse("coaching:feedback-edit", args=[other.pk]),
        {
            "occurred_on": other.occurred_on.isoformat(),
            "shift": other.shift,
            "went_well": f"Bewerkt {SECRET}",
            "version": str(other.version),
        },
    )
    assert edited.status_code == 302
    client.force_login(learner)
    files = zip_text(client)
    everything = "\n".join(files.values())
    assert "Netjes gescand" in everything  # their own feedback is there
    assert SECRET not in everything
    assert other_learner.name not in everything
    assert other_learner.email not in everything
    # A query string naming someone else changes nothing: there is no address for them.
    other = client.get(reverse("personal-data-export"), {"user": other_learner.pk, "pk": 1})
    assert SECRET not in b"".join(other.streaming_content).decode("utf-8", "replace")


def test_the_export_answers_an_anonymous_visitor_with_the_login(client, world):
    response = client.get(reverse("personal-data-export"))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_exports_csv_cells_cannot_start_a_formula(client, world, learner):
    client.force_login(learner)
    cells = [
        cell
        for name, text in zip_text(client).items()
        if name.endswith(".csv")
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(text))
        for cell in row
    ]
    typed = [cell for cell in cells if "HYPERLINK" in cell]
    assert typed, "the feedback text is in a CSV file of the export"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in typed)


def _delimiter(text: str) -> str:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


# --- Erasure and a manager's leave -------------------------------------------------------


def erase_url(organization, person) -> str:
    return reverse("person-erase", args=[organization.slug, person.pk])


def test_nobody_but_the_own_manager_reaches_the_erasure(
    client, world, organization, other_organization, manager, coach, learner
):
    attempts = [
        (world["manager_b"], erase_url(organization, learner)),
        (world["manager_b"], erase_url(other_organization, learner)),
        (manager, erase_url(organization, world["learner_b"])),
        (manager, erase_url(other_organization, world["learner_b"])),
        (coach, erase_url(organization, learner)),
        (learner, erase_url(organization, world["other_enrolment"].learner)),
    ]
    for actor, url in attempts:
        client.force_login(actor)
        assert client.get(url).status_code == 404, (actor, url)
        assert client.post(url, {"name": "x", "confirm": "x"}).status_code == 404, (actor, url)
    client.logout()
    assert "/account/login/" in client.post(erase_url(organization, learner))["Location"]
    assert not Erasure.objects.exists()


def test_a_manager_cannot_erase_themself(client, world, organization, manager):
    MembershipFactory(organization=organization, is_manager=True, is_learner=False)
    client.force_login(manager)
    response = client.post(erase_url(organization, manager), {"name": manager.name})
    assert response.status_code == 200
    assert "Je kunt jezelf niet wissen" in response.text
    assert not Erasure.objects.filter(person=manager).exists()
    manager.refresh_from_db()
    assert manager.is_active


def test_a_manager_cannot_erase_someone_still_in_another_organisation(
    client, world, organization, other_organization, manager, learner
):
    MembershipFactory(organization=other_organization, user=learner)
    client.force_login(manager)
    response = client.post(erase_url(organization, learner), {"name": learner.name})
    assert response.status_code == 200
    assert not Erasure.objects.filter(person=learner).exists()


def test_nobody_but_the_own_manager_sets_a_learners_leave(
    client, world, organization, other_organization, manager, coach, learner
):
    def url(org, person):
        # The address names the person's membership (of their own organisation).
        return reverse("member-leave", args=[org.slug, person.memberships.get().pk])

    today = timezone.localdate().isoformat()
    data = {"starts_on": today, "ends_on": today, "reason": "x"}
    attempts = [
        (world["manager_b"], url(organization, learner)),
        (world["manager_b"], url(other_organization, learner)),
        (manager, url(organization, world["learner_b"])),
        (manager, url(other_organization, world["learner_b"])),
        (coach, url(organization, learner)),
        (learner, url(organization, world["other_enrolment"].learner)),
        (learner, url(organization, learner)),
    ]
    for actor, address in attempts:
        client.force_login(actor)
        assert client.get(address).status_code == 404, (actor, address)
        assert client.post(address, data).status_code == 404, (actor, address)
    assert not Leave.objects.exists()


def test_a_manager_cannot_delete_another_organisations_leave(client, world, manager):
    today = timezone.localdate()
    leave = Leave.objects.create(user=world["learner_b"], starts_on=today, ends_on=today)
    client.force_login(manager)
    assert client.post(reverse("leave-delete", args=[leave.pk])).status_code == 404
    assert Leave.objects.filter(pk=leave.pk).exists()


# --- One-time form tokens and edit versions ----------------------------------------------


def test_another_persons_form_token_does_not_return_their_result_or_messages(
    client, world, manager
):
    token = uuid.uuid4()
    FormSubmission.objects.create(
        user=manager,
        token=token,
        result_url=world["program"].get_absolute_url(),
        messages=[[messages.SUCCESS, f"Bericht van A {SECRET}"]],
    )
    client.force_login(world["manager_b"])
    response = client.post(reverse("programs:create"), {SUBMISSION_TOKEN: str(token)})
    assert response.get("Location") != world["program"].get_absolute_url()
    followed = client.get(reverse("home"))
    assert SECRET not in followed.text
    assert SECRET not in response.content.decode()


def test_a_version_from_another_object_does_not_pass_as_current(client, world, coach, enrolment):
    moment = world["moment"]
    busy = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    type(busy).objects.filter(pk=busy.pk).update(version=7)
    client.force_login(coach)
    data = {
        "occurred_on": moment.occurred_on.isoformat(),
        "shift": moment.shift,
        "went_well": "Overschreven",
        "version": "7",
    }
    response = client.post(reverse("coaching:feedback-edit", args=[moment.pk]), data)
    assert response.status_code == 200  # the conflict, shown; nothing saved
    moment.refresh_from_db()
    assert moment.went_well != "Overschreven"
    assert moment.version == 1


def test_a_coach_cannot_edit_another_organisations_feedback_with_its_version(client, world, coach):
    moment = world["moment_b"]
    client.force_login(coach)
    data = {
        "occurred_on": moment.occurred_on.isoformat(),
        "shift": moment.shift,
        "went_well": "Overschreven",
        "version": str(moment.version),
    }
    assert client.post(reverse("coaching:feedback-edit", args=[moment.pk]), data).status_code == 404
    moment.refresh_from_db()
    assert moment.went_well == f"Feedback {SECRET}"


# --- Two-step sign-in --------------------------------------------------------------------


def test_the_code_step_without_the_password_step_signs_nobody_in(client, manager):
    TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    response = client.get(reverse("login-code"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.post(reverse("login-code"), {"otp_token": "000000", "user": manager.pk})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).wsgi_request.user.is_anonymous


def test_turning_two_step_sign_in_off_takes_a_code(client, manager):
    TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    client.force_login(manager)
    for data in ({}, {"otp_token": ""}, {"otp_token": "000000"}, {"otp_token": "x" * 500}):
        response = client.post(reverse("two-factor-disable"), data)
        assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=manager).exists()


def test_two_step_pages_are_404_for_learners_and_coaches(client, coach, learner):
    for actor in (coach, learner):
        client.force_login(actor)
        assert client.get(reverse("two-factor")).status_code == 404
        assert client.post(reverse("two-factor-disable")).status_code == 404


# --- Lockout and reset throttle ----------------------------------------------------------


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_spaces_around_the_address_do_not_give_a_fresh_count(client, settings, learner):
    for number in range(settings.SIGNIN_FAILURE_LIMIT):
        typed = f"{' ' * number}{learner.email.upper()}{' ' * number}"
        log_in(client, typed, "wrong", REMOTE_ADDR=f"198.51.100.{number + 1}")
    assert log_in(client, learner.email, PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 429


def test_a_forged_forwarded_for_does_not_give_an_address_a_fresh_count(client, settings, learner):
    settings.PROXY_COUNT = 0  # no proxy in front: the header is the client's own words
    others = [UserFactory() for _ in range(settings.SIGNIN_FAILURE_LIMIT)]
    for number, other in enumerate(others):
        log_in(
            client,
            other.email,
            "wrong",
            REMOTE_ADDR="198.51.100.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
        )
    response = log_in(
        client,
        learner.email,
        PASSWORD,
        REMOTE_ADDR="198.51.100.1",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


def test_the_reset_page_answers_alike_for_known_and_unknown_addresses(client, settings, learner):
    def ask(email, number):
        response = client.post(
            reverse("password_reset"), {"email": email}, REMOTE_ADDR=f"198.51.100.{number}"
        )
        return response.status_code, response.get("Location")

    rounds = settings.PASSWORD_RESET_REQUESTS_PER_HOUR + 2
    known = [ask(learner.email, 1) for _ in range(rounds)]
    unknown = [ask("niemand@example.nl", 2) for _ in range(rounds)]
    assert known == unknown
    sent = OutboxMessage.objects.filter(recipient=learner).count()
    assert 1 <= sent <= settings.PASSWORD_RESET_MAILS_PER_HOUR


# --- Issue 15: unsubscribe and opening a notification ------------------------------------


def test_opening_a_notification_by_get_changes_nothing(client, coach, enrolment):
    message = OutboxMessage.objects.create(
        recipient=coach,
        kind="coaching.feedback_overdue",
        due_slot="probe",
        context={},
        status=OutboxMessage.Status.SENT,
    )
    client.force_login(coach)
    assert client.get(reverse("notification-open", args=[message.pk])).status_code == 405
    message.refresh_from_db()
    assert message.read_at is None


def test_a_made_up_unsubscribe_token_turns_nothing_off(client, learner):
    for token in ("abc", f"{learner.pk}:coaching.reflection", "x" * 300):
        response = client.post(reverse("notification-unsubscribe", args=[token]))
        assert response.status_code == 404
    assert not learner.notification_opt_outs.exists()
