"""Coach preparation: a coach's training records and the programs they may coach, kept on
their coach profile; the pairing screen marks an untrained coach and warns after pairing
one, and refuses a coach for a program their profile does not name."""

import datetime
import io
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from programs import services
from programs.choices import ProgramStatus
from programs.models import CoachProgram, CoachTraining, Enrolment, Pairing
from tests.factories import (
    PASSWORD,
    CohortFactory,
    EnrolmentFactory,
    MembershipFactory,
    ProgramFactory,
    UserFactory,
)
from werkplek import personal_data

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = datetime.date(2026, 12, 9)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(datetime.datetime(2026, 12, 9, 10, 0, tzinfo=AMSTERDAM), tick=False):
        yield


@pytest.fixture
def carla(organization):
    """A coach of the organisation, by name, with a capacity."""
    user = UserFactory(name="Carla Coach", email="carla@dc-noord.nl")
    return MembershipFactory(
        organization=organization, user=user, is_coach=True, is_learner=False, coach_capacity=4
    )


def profile_url(membership):
    return reverse("programs:coach-profile", args=[membership.pk])


def record(manager, membership, **fields):
    values = {"course": "Werkbegeleider BPV", "completed_on": datetime.date(2026, 3, 12)}
    return services.coach_training_record(actor=manager, membership=membership, **values | fields)


# --- Training records -------------------------------------------------------------------


def test_a_manager_records_a_training_and_the_profile_says_trained(client, manager, carla):
    client.force_login(manager)
    assert "niet getraind" in client.get(profile_url(carla)).content.decode()
    response = client.post(
        profile_url(carla),
        {
            "course": "Werkbegeleider BPV",
            "provider": "ROC Midden",
            "completed_on": "2026-03-12",
            "valid_until": "2028-03-12",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Training vastgelegd voor Carla Coach." in page
    assert "Werkbegeleider BPV" in page
    assert "door ROC Midden" in page
    assert "geldig tot 12 maart 2028" in page
    assert "niet getraind" not in page
    training = CoachTraining.objects.get()
    assert (training.coach, training.recorded_by) == (carla.user, manager)


def test_a_training_dated_ahead_is_refused_and_what_was_typed_stays(client, manager, carla):
    client.force_login(manager)
    response = client.post(
        profile_url(carla), {"course": "Coachen op de vloer", "completed_on": "2026-12-20"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Leg een training vast als die is afgerond: deze datum ligt nog voor ons." in page
    assert 'value="Coachen op de vloer"' in page
    assert not CoachTraining.objects.exists()


def test_half_past_midnight_in_amsterdam_a_training_of_that_day_is_offered_and_counts(
    client, manager, carla
):
    """At 23:30 UTC it is already the next day in Amsterdam: the date picker reaches that day,
    a course completed on it is recorded, and the profile counts it."""
    with time_machine.travel(
        datetime.datetime(2026, 12, 9, 23, 30, tzinfo=datetime.UTC), tick=False
    ):
        client.force_login(manager)
        page = client.get(profile_url(carla)).content.decode()
        picker = re.search(r'<input[^>]*name="completed_on"[^>]*>', page).group()
        assert 'max="2026-12-10"' in picker
        response = client.post(
            profile_url(carla), {"course": "Coachen op de vloer", "completed_on": "2026-12-10"}
        )
        assert response.status_code == 302
        page = client.get(profile_url(carla)).content.decode()
        assert "afgerond op 10 december 2026" in page
        assert "niet getraind" not in page
        edit = reverse("programs:coach-training-edit", args=[CoachTraining.objects.get().pk])
        picker = re.search(
            r'<input[^>]*name="completed_on"[^>]*>', client.get(edit).content.decode()
        )
        assert 'max="2026-12-10"' in picker.group()


def test_a_training_cannot_expire_before_it_was_completed(client, manager, carla):
    client.force_login(manager)
    response = client.post(
        profile_url(carla),
        {"course": "Coachen", "completed_on": "2026-03-12", "valid_until": "2026-01-01"},
    )
    assert "Een training kan niet verlopen voordat hij is afgerond." in response.content.decode()
    assert not CoachTraining.objects.exists()


def test_an_expired_training_no_longer_counts(client, manager, carla):
    record(manager, carla, valid_until=datetime.date(2026, 12, 1))
    client.force_login(manager)
    page = client.get(profile_url(carla)).content.decode()
    assert "verlopen" in page
    assert "niet getraind" in page


def test_only_a_manager_of_the_organisation_records_a_training(carla, other_manager, coach):
    for actor in (other_manager, coach):
        with pytest.raises(ValidationError):
            record(actor, carla)
    assert not CoachTraining.objects.exists()


def test_a_learner_cannot_get_a_training_record(manager, organization):
    learner = MembershipFactory(organization=organization)
    with pytest.raises(ValidationError, match="is geen coach"):
        record(manager, learner)


def test_a_corrected_training_keeps_its_earlier_version(client, manager, carla):
    training = record(manager, carla, course="Werkbegeleider BPF")
    client.force_login(manager)
    url = reverse("programs:coach-training-edit", args=[training.pk])
    response = client.post(url, {"course": "Werkbegeleider BPV", "completed_on": "2026-03-12"})
    assert response.status_code == 302
    versions = list(training.history.order_by("history_id"))
    assert [v.course for v in versions] == ["Werkbegeleider BPF", "Werkbegeleider BPV"]
    assert {v.history_user for v in versions} == {manager}


def test_a_removed_training_leaves_its_history(client, manager, carla):
    training = record(manager, carla)
    client.force_login(manager)
    response = client.post(
        reverse("programs:coach-training-remove", args=[training.pk]), follow=True
    )
    assert "Training Werkbegeleider BPV verwijderd." in response.content.decode()
    assert not CoachTraining.objects.exists()
    removal = CoachTraining.history.get(history_type="-")
    assert removal.history_user == manager


def test_the_profile_history_names_who_recorded_corrected_and_removed(client, manager, carla):
    training = record(manager, carla, course="Werkbegeleider BPF")
    services.coach_training_update(actor=manager, training=training, course="Werkbegeleider BPV")
    services.coach_training_remove(actor=manager, training=training)
    client.force_login(manager)
    page = client.get(reverse("programs:coach-history", args=[carla.pk])).content.decode()
    assert "Werkbegeleider BPF" in page
    assert "Werkbegeleider BPV" in page
    assert page.count(escape(manager.name)) >= 3


# --- Who sees a profile -----------------------------------------------------------------


def test_a_coach_reads_their_own_profile_without_changing_it(client, manager, carla):
    record(manager, carla)
    client.force_login(carla.user)
    page = client.get(profile_url(carla)).content.decode()
    assert "Werkbegeleider BPV" in page
    assert "Training vastleggen" not in page
    assert "Wijzigen" not in page
    assert client.post(profile_url(carla), {"course": "Zelf", "completed_on": "2026-01-01"})
    assert CoachTraining.objects.count() == 1


def test_another_coach_and_another_organisations_manager_get_404(
    client, carla, other_coach, other_manager
):
    for person in (other_coach, other_manager):
        client.force_login(person)
        assert client.get(profile_url(carla)).status_code == 404


def test_a_manager_still_corrects_and_removes_the_records_of_someone_no_longer_a_coach(
    client, manager, carla
):
    first, second = record(manager, carla), record(manager, carla, course="BHV")
    carla.is_coach, carla.is_learner = False, True
    carla.save()
    client.force_login(manager)
    page = client.get(profile_url(carla)).content.decode()
    assert "Werkbegeleider BPV" in page
    assert "Niet langer coach in deze organisatie" in page
    assert "Training vastleggen" not in page
    edit = reverse("programs:coach-training-edit", args=[first.pk])
    data = {"course": "Werkbegeleider BPV 2", "completed_on": "2026-03-12"}
    client.post(edit, data)
    first.refresh_from_db()
    assert first.course == "Werkbegeleider BPV 2"
    client.post(reverse("programs:coach-training-remove", args=[second.pk]))
    assert list(CoachTraining.objects.all()) == [first]
    assert client.get(reverse("programs:coach-history", args=[carla.pk])).status_code == 200
    # Someone who never was a coach, without records, has no coach profile; nor do they
    # read their own once they stopped coaching.
    assert (
        client.get(profile_url(MembershipFactory(organization=carla.organization))).status_code
        == 404
    )
    client.force_login(carla.user)
    assert client.get(profile_url(carla)).status_code == 404


def test_a_manager_still_reaches_the_records_of_a_coach_who_left_the_organisation(
    client, manager, carla
):
    record(manager, carla)
    carla.ended_on = TODAY
    carla.save()
    client.force_login(manager)
    assert "Werkbegeleider BPV" in client.get(profile_url(carla)).content.decode()


# --- The pairing screen -----------------------------------------------------------------


def test_the_coach_picker_marks_an_untrained_coach_and_not_a_trained_one(
    client, manager, organization, cohort, carla
):
    trained = MembershipFactory(
        organization=organization,
        user=UserFactory(name="Tom Getraind"),
        is_coach=True,
        is_learner=False,
    )
    record(manager, trained)
    EnrolmentFactory(cohort=cohort)
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    carla_label = page[page.index("Carla Coach") : page.index("</label>", page.index("Carla"))]
    tom_label = page[page.index("Tom Getraind") : page.index("</label>", page.index("Tom G"))]
    assert "niet getraind" in carla_label
    assert "niet getraind" not in tom_label
    assert "Niet getraind: geen coachtraining vastgelegd." in page


def test_pairing_an_untrained_coach_is_allowed_with_a_warning(client, manager, cohort, carla):
    learner = EnrolmentFactory(cohort=cohort)
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [learner.pk], "coach": carla.user.pk, "starts_on": "2026-12-09"}
    page = client.post(url, data, follow=True).content.decode()
    assert Pairing.objects.filter(enrolment=learner, coach=carla.user).exists()
    assert escape("Carla Coach heeft geen coachtraining vastgelegd.") in page


def test_pairing_a_trained_coach_gives_no_warning(client, manager, cohort, carla):
    record(manager, carla)
    learner = EnrolmentFactory(cohort=cohort)
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [learner.pk], "coach": carla.user.pk, "starts_on": "2026-12-09"}
    page = client.post(url, data, follow=True).content.decode()
    assert "geen coachtraining vastgelegd" not in page


# --- The programs a coach may coach -----------------------------------------------------


def test_a_coach_with_named_programs_is_refused_for_another(
    client, manager, organization, cohort, carla
):
    other = ProgramFactory(organization=organization, name="Inwerken heftruck")
    services.coach_programs_set(actor=manager, membership=carla, programs=[other])
    learner = EnrolmentFactory(cohort=cohort)
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [learner.pk], "coach": carla.user.pk, "starts_on": "2026-12-09"}
    page = client.post(url, data).content.decode()
    assert escape("Carla Coach mag Inwerken orderpicker niet coachen") in page
    assert "niet voor dit programma" in page
    assert not Pairing.objects.filter(enrolment=learner).exists()
    # The program named: the pairing goes ahead.
    learner_there = EnrolmentFactory(cohort=CohortFactory(program=other))
    services.pairing_set(enrolments=[learner_there], coach=carla.user, on=TODAY, actor=manager)
    assert Pairing.objects.filter(enrolment=learner_there, coach=carla.user).exists()


def test_choosing_no_programs_lets_a_coach_coach_every_program(
    client, manager, organization, cohort, carla
):
    other = ProgramFactory(organization=organization, name="Inwerken heftruck")
    services.coach_programs_set(actor=manager, membership=carla, programs=[other])
    client.force_login(manager)
    url = reverse("programs:coach-programs", args=[carla.pk])
    assert f'value="{other.pk}" ' in client.get(url).content.decode()
    page = client.post(url, {}, follow=True).content.decode()
    assert "elk programma van de organisatie" in page
    assert not CoachProgram.objects.exists()
    assert CoachProgram.history.filter(history_type="-", history_user=manager).exists()
    learner = EnrolmentFactory(cohort=cohort)
    services.pairing_set(enrolments=[learner], coach=carla.user, on=TODAY, actor=manager)


def test_saving_the_programs_unchanged_keeps_an_archived_program_named(
    client, manager, organization, cohort, carla
):
    archived = ProgramFactory(organization=organization, name="Oud programma")
    services.coach_programs_set(actor=manager, membership=carla, programs=[archived])
    archived.status = ProgramStatus.ARCHIVED
    archived.save()
    client.force_login(manager)
    page = client.get(reverse("programs:coach-programs", args=[carla.pk])).content.decode()
    assert "gearchiveerde programma's: Oud programma." in page
    # The form leaves archived programs out: saved unchanged, it posts no program at all.
    client.post(reverse("programs:coach-programs", args=[carla.pk]), {}, follow=True)
    assert CoachProgram.objects.filter(coach=carla.user, program=archived).exists()
    learner = EnrolmentFactory(cohort=cohort)
    with pytest.raises(ValidationError):
        services.pairing_set(enrolments=[learner], coach=carla.user, on=TODAY, actor=manager)


def test_programs_of_another_organisation_cannot_be_named(manager, carla, other_organization):
    elsewhere = ProgramFactory(organization=other_organization)
    with pytest.raises(ValidationError):
        services.coach_programs_set(actor=manager, membership=carla, programs=[elsewhere])


# --- AVG: the coach's own data ----------------------------------------------------------


def test_a_coach_downloads_their_trainings_and_an_erasure_removes_them(manager, carla, program):
    record(manager, carla)
    services.coach_programs_set(actor=manager, membership=carla, programs=[program])
    archive = zipfile.ZipFile(io.BytesIO(b"".join(personal_data.export(carla.user))))
    names = archive.namelist()
    trainings = next(n for n in names if "coach_trainings" in n and n.endswith(".csv"))
    assert "Werkbegeleider BPV" in archive.read(trainings).decode()
    assert any("coach_programs" in n for n in names)
    personal_data.person_erase(person=carla.user, actor=manager)
    assert not CoachTraining.objects.exists()
    assert not CoachTraining.history.exists()
    assert not CoachProgram.history.exists()


# --- An invitation stays acceptable ----------------------------------------------------


def invite_with(manager, cohort, coach):
    return services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
        coach=coach,
    )


def accept_as_newcomer(client, invitation):
    url = reverse("programs:invitation-accept", args=[invitation.token])
    return client.post(url, {"name": "Nina Kok", "password1": PASSWORD, "password2": PASSWORD})


def test_an_invitation_is_accepted_without_a_coach_who_may_no_longer_coach_the_program(
    client, manager, organization, cohort, carla
):
    invitation = invite_with(manager, cohort, carla.user)
    other = ProgramFactory(organization=organization, name="Inwerken heftruck")
    services.coach_programs_set(actor=manager, membership=carla, programs=[other])
    response = accept_as_newcomer(client, invitation)
    enrolment = Enrolment.objects.get(learner__email="nina@example.nl")
    assert response.url == reverse("coaching:progress", args=[enrolment.pk])
    assert not Pairing.objects.filter(enrolment=enrolment).exists()
    # The manager sees on the group page that Nina still needs a coach.
    client.force_login(manager)
    page = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    row = page[page.index("Nina Kok") : page.index("</tr>", page.index("Nina Kok"))]
    assert "nog geen coach" in row


def test_an_invitation_is_accepted_without_a_coach_who_stopped_coaching(
    client, manager, cohort, carla
):
    invitation = invite_with(manager, cohort, carla.user)
    carla.is_coach, carla.is_learner = False, True
    carla.save()
    accept_as_newcomer(client, invitation)
    enrolment = Enrolment.objects.get(learner__email="nina@example.nl")
    assert not Pairing.objects.filter(enrolment=enrolment).exists()


def test_an_invitation_whose_coach_may_still_coach_pairs_them(client, manager, cohort, carla):
    invitation = invite_with(manager, cohort, carla.user)
    services.coach_programs_set(actor=manager, membership=carla, programs=[cohort.program])
    accept_as_newcomer(client, invitation)
    enrolment = Enrolment.objects.get(learner__email="nina@example.nl")
    assert Pairing.objects.get(enrolment=enrolment).coach == carla.user


# --- The profile page stays the same size -----------------------------------------------


def profile_size(client, manager, organization, carla, records, programs):
    for n in range(records):
        record(manager, carla, course=f"Cursus {n:03}")
    named = [
        ProgramFactory(organization=organization, name=f"Programma {records:02}-{n:03}")
        for n in range(programs)
    ]
    services.coach_programs_set(actor=manager, membership=carla, programs=named)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(profile_url(carla)).content.decode()
    return len(queries), len(page), page


def test_the_profile_costs_the_same_queries_and_bytes_for_few_or_many_records(
    client, manager, organization, carla
):
    count, size, page = profile_size(client, manager, organization, carla, 2, 2)
    assert page.count('text-break">Cursus ') == 2
    assert "andere" not in page
    # Past a page of records and the programs named: 25 of them or 60, the same page.
    CoachTraining.objects.all().delete()
    CoachProgram.objects.all().delete()
    few = profile_size(client, manager, organization, carla, 25, 14)
    assert "en 2 andere" in few[2]
    CoachTraining.objects.all().delete()
    CoachProgram.objects.all().delete()
    many = profile_size(client, manager, organization, carla, 60, 40)
    assert "en 28 andere" in many[2]
    assert many[2].count('text-break">Cursus ') == 20
    assert count == few[0] == many[0] == 11
    assert abs(many[1] - few[1]) < 100
    assert many[1] < 32_000
