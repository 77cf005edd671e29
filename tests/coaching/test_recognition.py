"""Recognition: the certificate of an enrolment that ended independent, shown as an
achievement on the learner's pages, and a manager's thank-you to a coach."""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from coaching import mails, services
from coaching.models import GoalAssessment, ThankYouNote
from programs.choices import EndReason
from programs.services import enrolment_end
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    LearningGoalFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
    UserFactory,
)
from werkplek import notifications, personal_data
from werkplek.models import NotificationOptOut, OutboxMessage

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STARTED = datetime.date(2026, 11, 2)  # the cohort factory's start
INDEPENDENT_ON = datetime.date(2026, 12, 3)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(datetime.datetime(2026, 12, 9, 10, 0, tzinfo=AMSTERDAM), tick=False):
        yield


@pytest.fixture
def goals(program):
    return [
        LearningGoalFactory(program=program, title="Veilig heftruck rijden", position=1),
        LearningGoalFactory(program=program, title="Orders verzamelen met de scanner", position=2),
    ]


def reach_independence(enrolment, coach, goals, *, on=INDEPENDENT_ON, levels=(3, 4)):
    """Feedback that brings every goal to `levels`, then the coach marks the learner
    independent (dated the day of that feedback)."""
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach, occurred_on=on)
    for goal, level in zip(goals, levels, strict=True):
        GoalAssessment.objects.create(feedback_moment=moment, goal=goal, level=level)
    return services.enrolment_mark_independent(actor=coach, enrolment=enrolment)


@pytest.fixture
def certified(enrolment, learner, coach, goals):
    learner.name = "Thị Minh Nguyễn-Özdemir"
    learner.save(update_fields=["name"])
    coach.name = "Carla Coach"
    coach.save(update_fields=["name"])
    return reach_independence(enrolment, coach, goals)


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- The certificate ------------------------------------------------------------------


def test_the_certificate_states_learner_program_goals_levels_dates_and_coach(
    client, certified, learner
):
    client.force_login(learner)
    response = client.get(reverse("coaching:certificate", args=[certified.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="certificaat-thi-minh-nguyen-ozdemir.pdf"'
    )
    text = pdf_text(response)
    assert "Certificaat" in text
    assert "Thị Minh Nguyễn-Özdemir" in text
    assert "Inwerken orderpicker" in text
    assert "Distributiecentrum Noord" in text
    assert "Veilig heftruck rijden" in text
    assert "Orders verzamelen met de scanner" in text
    assert "zelfstandig" in text
    assert "kan het anderen leren" in text
    assert "2 november 2026" in text  # the start
    assert "3 december 2026" in text  # independent since
    assert "Carla Coach" in text


def test_the_certificate_names_every_coach_who_guided_the_learner_first_to_last(
    client, enrolment, coach, other_coach, manager, goals
):
    coach.name, other_coach.name = "Frits Vroeger", "Carla Coach"
    coach.save(update_fields=["name"])
    other_coach.save(update_fields=["name"])
    handover = datetime.date(2026, 11, 16)
    enrolment.pairings.update(ended_on=handover)
    PairingFactory(enrolment=enrolment, coach=other_coach, started_on=handover)
    # Replaced before it began: this coach never guided the learner.
    never = UserFactory(name="Nooit Begonnen")
    MembershipFactory(user=never, organization=enrolment.cohort.program.organization)
    reach_independence(enrolment, other_coach, goals)

    client.force_login(manager)
    text = pdf_text(client.get(reverse("coaching:certificate", args=[enrolment.pk])))

    assert "Frits Vroeger, Carla Coach" in text
    assert "Nooit Begonnen" not in text


def test_the_certificate_is_in_the_learners_language_whoever_downloads_it(
    client, certified, learner, manager
):
    learner.language = "en"
    learner.save(update_fields=["language"])
    client.force_login(manager)  # a manager who reads the site in Dutch
    response = client.get(reverse("coaching:certificate", args=[certified.pk]))

    text = pdf_text(response)
    assert "Certificate" in text
    assert "independent since" in text
    assert "can teach others" in text
    assert response["Content-Disposition"].endswith(
        'filename="certificate-thi-minh-nguyen-ozdemir.pdf"'
    )


def test_a_program_with_many_goals_lists_them_on_a_second_page(client, enrolment, coach, program):
    goals = [
        LearningGoalFactory(
            program=program, title=f"Leerdoel {n}: een langere omschrijving van de taak", position=n
        )
        for n in range(1, 13)
    ]
    reach_independence(enrolment, coach, goals, levels=[3] * len(goals))
    client.force_login(coach)
    response = client.get(reverse("coaching:certificate", args=[enrolment.pk]))
    content = b"".join(response.streaming_content)
    pages = PdfReader(io.BytesIO(content)).pages

    assert len(pages) >= 2
    assert "12 leerdoelen bereikt" in pages[0].extract_text()
    assert "Leerdoel 12:" in "".join(page.extract_text() for page in pages[1:])


def test_a_running_enrolment_has_no_certificate(client, enrolment, learner, manager):
    for person in (learner, manager):
        client.force_login(person)
        assert client.get(reverse("coaching:certificate", args=[enrolment.pk])).status_code == 404


def test_an_enrolment_that_ended_for_another_reason_has_no_certificate(
    client, enrolment, learner, manager
):
    enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=INDEPENDENT_ON
    )
    for person in (learner, manager):
        client.force_login(person)
        assert client.get(reverse("coaching:certificate", args=[enrolment.pk])).status_code == 404


def certificate_queries(client, person, enrolment) -> int:
    client.force_login(person)
    url = reverse("coaching:certificate", args=[enrolment.pk])
    b"".join(client.get(url).streaming_content)  # sessions and caches warmed up
    with CaptureQueriesContext(connection) as queries:
        b"".join(client.get(url).streaming_content)
    return len(queries)


def test_the_certificate_takes_the_same_queries_for_two_goals_and_twelve(
    client, organization, coach, learner, other_learner, program
):
    small, large = (
        EnrolmentFactory(cohort=CohortFactory(program=ProgramFactory(organization=organization)))
        for _ in range(2)
    )
    for certified, count in ((small, 2), (large, 12)):
        PairingFactory(enrolment=certified, coach=coach)
        goals = [LearningGoalFactory(program=certified.program) for _ in range(count)]
        reach_independence(certified, coach, goals, levels=[3] * count)

    assert certificate_queries(client, coach, small) == certificate_queries(client, coach, large)


# --- The achievement on the learner's pages --------------------------------------------


def test_the_progress_page_shows_the_achievement_with_the_certificate(client, certified, learner):
    client.force_login(learner)
    html = client.get(reverse("coaching:progress", args=[certified.pk])).content.decode()

    assert "Zelfstandig sinds 3 december 2026" in html
    assert reverse("coaching:certificate", args=[certified.pk]) in html
    assert "Certificaat downloaden" in html


def test_my_progress_shows_the_achievement_of_an_earlier_program(
    client, certified, learner, program
):
    client.force_login(learner)
    html = client.get(reverse("coaching:my-progress")).content.decode()

    assert "Zelfstandig sinds 3 december 2026" in html
    assert reverse("coaching:certificate", args=[certified.pk]) in html


def test_a_stopped_enrolment_shows_no_achievement(client, enrolment, learner, manager):
    enrolment_end(
        actor=manager, enrolment=enrolment, reason=EndReason.STOPPED, ended_on=INDEPENDENT_ON
    )
    client.force_login(learner)
    html = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()

    assert "Zelfstandig sinds" not in html
    assert reverse("coaching:certificate", args=[enrolment.pk]) not in html


def test_a_manager_is_offered_to_thank_the_coach_on_the_achievement(
    client, certified, manager, coach
):
    client.force_login(manager)
    html = client.get(reverse("coaching:progress", args=[certified.pk])).content.decode()

    membership = coach.memberships.get()
    assert reverse("coaching:thank-coach", args=[membership.pk]) in html
    assert "Carla bedanken" in html


# --- Thank-you notes -----------------------------------------------------------------


def test_a_manager_thanks_a_coach_who_is_told_in_the_app_and_by_mail(
    manager, coach, organization, handoff_inline, deliver_outbox
):
    note = services.thank_you_note_create(
        actor=manager, coach=coach, organization=organization, text="  Dank voor je geduld!  "
    )

    assert note.text == "Dank voor je geduld!"
    assert note.history.get().history_user == manager
    sent = deliver_outbox()
    assert [m.to for m in sent] == [[coach.email]]
    assert "Dank voor je geduld!" in sent[0].body
    assert manager.name in sent[0].subject
    shown = [notifications.describe(m) for m in notifications.in_app(coach)]
    assert [n.url for n in shown] == [reverse("coaching:thanks")]
    assert manager.name in shown[0].title


def test_a_coach_who_turned_thank_you_mails_off_gets_none(
    manager, coach, organization, handoff_inline, deliver_outbox
):
    NotificationOptOut.objects.create(user=coach, kind=mails.THANK_YOU)
    services.thank_you_note_create(
        actor=manager, coach=coach, organization=organization, text="Dank je!"
    )
    assert deliver_outbox() == []
    assert ThankYouNote.objects.filter(coach=coach).count() == 1


@pytest.mark.parametrize(
    ("sender", "receiver", "message"),
    [
        ("coach", "other_coach", "Alleen een L&D-manager"),
        ("other_manager", "coach", "Alleen een L&D-manager"),
        ("manager", "learner", "is geen coach"),
        ("manager", "manager", "aan iemand anders"),
    ],
)
def test_only_a_manager_thanks_a_coach_of_their_own_organisation_and_not_themself(
    request, organization, sender, receiver, message
):
    people = {name: request.getfixturevalue(name) for name in (sender, receiver)}
    people["manager"] = request.getfixturevalue("manager")
    with pytest.raises(ValidationError, match=message):
        services.thank_you_note_create(
            actor=people[sender], coach=people[receiver], organization=organization, text="Dank!"
        )
    assert not ThankYouNote.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_thank_you_is_a_few_sentences_at_most(manager, coach, organization):
    with pytest.raises(ValidationError, match="Maximaal 500 tekens; deze tekst heeft er 501"):
        services.thank_you_note_create(
            actor=manager, coach=coach, organization=organization, text="x" * 501
        )
    with pytest.raises(ValidationError):
        services.thank_you_note_create(
            actor=manager, coach=coach, organization=organization, text=" "
        )


def test_the_database_refuses_a_note_to_oneself_written_past_the_service(manager, organization):
    with pytest.raises(IntegrityError):
        ThankYouNote.objects.create(
            organization=organization, sender=manager, coach=manager, text="Goed gedaan, ik."
        )


def test_a_manager_sends_a_thank_you_through_the_form_and_sees_it_sent(
    client, manager, coach, organization
):
    membership = coach.memberships.get()
    url = reverse("coaching:thank-coach", args=[membership.pk])
    client.force_login(manager)
    response = client.post(url, {"text": "Lotte werkt nu zelfstandig, dankzij jou."}, follow=True)

    assert response.redirect_chain[-1][0] == url
    html = response.content.decode()
    assert "Je bedankje is verstuurd" in html
    assert "Lotte werkt nu zelfstandig, dankzij jou." in html  # under "sent before"


def test_the_coach_reads_the_latest_thanks_on_their_page_and_all_on_the_thanks_page(
    client, manager, coach, organization
):
    for n in range(1, 5):
        with time_machine.travel(datetime.datetime(2026, 12, n, 9, 0, tzinfo=AMSTERDAM)):
            services.thank_you_note_create(
                actor=manager, coach=coach, organization=organization, text=f"Bedankje {n}"
            )
    client.force_login(coach)
    home = client.get(reverse("coaching:home")).content.decode()
    assert [f"Bedankje {n}" in home for n in (4, 3, 2, 1)] == [True, True, True, False]
    assert reverse("coaching:thanks") in home

    page = client.get(reverse("coaching:thanks")).content.decode()
    assert all(f"Bedankje {n}" in page for n in (1, 2, 3, 4))
    assert page.index("Bedankje 4") < page.index("Bedankje 1")


def test_a_coach_never_reads_a_thank_you_to_another_coach(
    client, manager, coach, other_coach, organization
):
    services.thank_you_note_create(
        actor=manager, coach=other_coach, organization=organization, text="Voor Olga"
    )
    client.force_login(coach)
    assert "Voor Olga" not in client.get(reverse("coaching:home")).content.decode()
    assert "Voor Olga" not in client.get(reverse("coaching:thanks")).content.decode()
    assert not ThankYouNote.objects.visible_to(coach).exists()


def thanks_page(client, coach):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("coaching:thanks"))
    return len(queries), len(response.content)


def test_the_thanks_page_keeps_its_queries_and_size_from_3_to_60_notes(
    client, manager, coach, organization
):
    def add(count):
        for _ in range(count):
            services.thank_you_note_create(
                actor=manager, coach=coach, organization=organization, text="Dank voor alles!"
            )

    client.force_login(coach)
    add(10)  # a full page
    client.get(reverse("coaching:thanks"))
    few = thanks_page(client, coach)
    add(50)
    many = thanks_page(client, coach)
    assert many[0] == few[0]
    # The same ten notes; only the pager's "page 1 of 6" differs by a digit or so.
    assert abs(many[1] - few[1]) < 600


# --- Personal data ---------------------------------------------------------------------


def test_the_export_holds_the_thanks_a_coach_received_and_a_manager_sent(
    manager, coach, organization
):
    services.thank_you_note_create(
        actor=manager, coach=coach, organization=organization, text="Dank voor je geduld!"
    )
    for person in (coach, manager):
        archive = zipfile.ZipFile(io.BytesIO(b"".join(personal_data.export(person))))
        assert "Dank voor je geduld!" in archive.read("coaching/thank_you_notes.csv").decode()


def test_erasing_a_coach_or_a_manager_removes_the_texts_of_their_thanks(
    manager, coach, other_coach, organization, handoff_inline
):
    MembershipFactory(
        organization=organization, is_manager=True, is_learner=False
    )  # someone to stay manager
    to_coach = services.thank_you_note_create(
        actor=manager, coach=coach, organization=organization, text="Voor Carla"
    )
    to_other = services.thank_you_note_create(
        actor=manager, coach=other_coach, organization=organization, text="Voor Olga"
    )
    personal_data.person_erase(actor=None, person=coach)
    to_coach.refresh_from_db()
    to_other.refresh_from_db()
    assert to_coach.text == "verwijderd"
    assert to_coach.history.filter(text="Voor Carla").count() == 0
    assert to_other.text == "Voor Olga"

    personal_data.person_erase(actor=None, person=manager)
    to_other.refresh_from_db()
    assert to_other.text == "verwijderd"
    mail = OutboxMessage.objects.get(recipient=other_coach, kind=mails.THANK_YOU)
    assert manager.name not in str(mail.context)
