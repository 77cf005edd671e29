"""AVG/GDPR: a person's download, a manager's erasure, the retention job, the privacy page."""

import csv
import datetime
import io
import json
import uuid
import zipfile

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, models
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst

from coaching import mails
from coaching.models import (
    FeedbackMoment,
    GoalAssessment,
    Reflection,
    ReflectionReaction,
    SignOff,
)
from kpis.models import CohortSnapshot, KPISnapshot, Measurement, ProgramSnapshot
from kpis.rollups import rollup_all
from programs import services as program_services
from programs.choices import EndReason
from programs.models import Enrolment, Invitation, LearnerImport
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
    ReflectionFactory,
)
from werkplek import personal_data
from werkplek import services as werkplek_services
from werkplek.demo import LEARNER_EMAIL, MANAGER_EMAIL
from werkplek.models import (
    Erasure,
    FormSubmission,
    Leave,
    NotificationOptOut,
    OutboxMessage,
    User,
)

pytestmark = pytest.mark.django_db

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def text_columns_holding(needle: str) -> list[str]:
    """Every text column of every model (historical ones, the admin log and sessions too)
    that holds `needle` somewhere, as "app.Model.field"."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, TEXT_FIELDS):
                continue
            lookup = {f"{model_field.attname}__icontains": needle}
            if model._default_manager.filter(**lookup).exists():
                found.append(f"{model._meta.label}.{model_field.name}")
    return found


def zip_of(response) -> zipfile.ZipFile:
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def csv_rows(archive, name) -> list[dict]:
    text = archive.read(name).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def figures() -> dict:
    """What a manager's dashboards are made of: counts, levels, values and snapshots."""
    snapshot = lambda model: sorted(  # noqa: E731
        (json.dumps(row, sort_keys=True, default=str) for row in model.objects.values()),
    )
    return {
        "enrolments": list(
            Enrolment.objects.order_by("pk").values_list("cohort", "started_on", "ended_on")
        ),
        "levels": list(GoalAssessment.objects.order_by("pk").values_list("goal", "level")),
        "sign_offs": list(SignOff.objects.order_by("pk").values_list("signed_on", "level")),
        "reflections_done": Reflection.objects.done().count(),
        "feedback_moments": list(FeedbackMoment.objects.values_list("occurred_on").order_by("pk")),
        "measurements": list(Measurement.objects.order_by("pk").values_list("value", "is_current")),
        "cohort_snapshots": snapshot(CohortSnapshot),
        "program_snapshots": snapshot(ProgramSnapshot),
        "kpi_snapshots": snapshot(KPISnapshot),
    }


@pytest.fixture
def demo(db):
    call_command("seed_demo")
    return User.objects.get(email=LEARNER_EMAIL), User.objects.get(email=MANAGER_EMAIL)


def _traces_everywhere(learner, manager):
    """What a person leaves around werkplek besides their own records: a coach's nudge that
    names them, their invitation and the import list that named them, the admin's log, a
    queued reminder, their notification choices and their leave, a failed sign-in with their
    address, and a manager's form token whose success message names them."""
    enrolment = learner.enrolments.select_related("cohort").first()
    coach = enrolment.pairings.first().coach
    OutboxMessage.objects.create(
        recipient=coach,
        kind=mails.FEEDBACK_OVERDUE,
        due_slot="test-overdue",
        context={"enrolment": enrolment.pk, "learner": learner.name, "program": "Inwerken"},
    )
    OutboxMessage.objects.create(recipient=learner, kind="reflection_reminder", due_slot="x")
    Invitation.objects.create(
        cohort=enrolment.cohort,
        email=learner.email,
        name=learner.name,
        started_on=enrolment.started_on,
        accepted_at=timezone.now(),
        enrolment=enrolment,
    )
    LearnerImport.objects.create(
        cohort=enrolment.cohort,
        rows=[{"name": learner.name, "email": learner.email.upper(), "coach_email": ""}],
        created_by=manager,
    )
    LogEntry.objects.log_actions(
        user_id=manager.pk,
        queryset=[learner],
        action_flag=CHANGE,
        change_message=f"Changed name of {learner.name}",
        single_object=True,
    )
    NotificationOptOut.objects.create(user=learner, kind="reflection_reminder")
    Leave.objects.create(user=learner, starts_on=timezone.localdate(), ends_on=timezone.localdate())
    AccessAttempt.objects.create(
        username=learner.email,
        ip_address="192.0.2.1",
        user_agent="Firefox",
        http_accept="text/html",
        path_info="/account/login/",
        get_data="",
        post_data=f"username={learner.email}",
        failures_since_start=1,
    )
    FormSubmission.objects.create(
        user=manager,
        token=uuid.uuid4(),
        result_url="/programmas/",
        messages=[[25, f"{learner.name} is ingeschreven."]],
    )


# --- Erasure -------------------------------------------------------------------------


def test_an_erased_person_is_found_in_no_text_column_and_the_figures_do_not_change(demo, client):
    learner, manager = demo
    name, email = learner.name, learner.email
    _traces_everywhere(learner, manager)
    assert text_columns_holding(name) and text_columns_holding(email)
    rollup_all(on=timezone.localdate())
    before = figures()
    organization = learner.memberships.get().organization

    client.force_login(manager)
    url = reverse("person-erase", args=[organization.slug, learner.pk])
    response = client.post(url, {"name": f"  {name.upper()} "})

    assert response.status_code == 302
    assert text_columns_holding(name) == []
    assert text_columns_holding(email) == []
    rollup_all(on=timezone.localdate())
    assert figures() == before
    learner.refresh_from_db()
    assert learner.name == f"Verwijderde persoon #{learner.pk}"
    assert not learner.is_active and not learner.has_usable_password()
    erasure = Erasure.objects.get(person=learner)
    assert (erasure.erased_by, erasure.reason) == (manager, Erasure.Reason.REQUEST)


def test_erasure_replaces_the_texts_about_the_person_and_keeps_dates_and_levels(demo):
    learner, manager = demo
    moment = FeedbackMoment.objects.filter(enrolment__learner=learner).first()
    levels = list(moment.assessments.values_list("goal", "level"))
    personal_data.person_erase(actor=manager, person=learner)

    moment.refresh_from_db()
    assert moment.went_well == "verwijderd"
    assert list(moment.assessments.values_list("goal", "level")) == levels
    reflection = Reflection.objects.done().filter(enrolment__learner=learner).first()
    assert {answer["answer"] for answer in reflection.answers} <= {"verwijderd", ""}
    assert all(answer["question"] for answer in reflection.answers)
    texts = ReflectionReaction.objects.filter(reflection__enrolment__learner=learner)
    assert set(texts.values_list("text", flat=True)) <= {"verwijderd"}
    assert not Enrolment.objects.filter(learner=learner, anonymised_at__isnull=True).exists()


def test_erasure_cancels_pending_mail_and_removes_notification_choices_and_leave(demo):
    learner, manager = demo
    _traces_everywhere(learner, manager)
    personal_data.person_erase(actor=manager, person=learner)

    mail = OutboxMessage.objects.filter(recipient=learner)
    assert not mail.filter(status=OutboxMessage.Status.QUEUED).exists()
    assert not mail.exclude(context={}).exists()
    assert not NotificationOptOut.objects.filter(user=learner).exists()
    assert not Leave.objects.filter(user=learner).exists()


def test_the_erasure_page_asks_for_the_name_and_erases_nothing_when_it_is_wrong(demo, client):
    learner, manager = demo
    organization = learner.memberships.get().organization
    client.force_login(manager)
    url = reverse("person-erase", args=[organization.slug, learner.pk])

    page = client.get(url)
    assert learner.name in page.content.decode()
    response = client.post(url, {"name": "Iemand anders"})

    assert response.status_code == 200
    assert "De naam die je typte is niet de naam van deze persoon." in response.content.decode()
    assert not Erasure.objects.exists()
    assert User.objects.get(pk=learner.pk).name == learner.name


def test_the_last_manager_of_an_organisation_cannot_be_erased(organization, manager, client):
    with pytest.raises(ValidationError, match="laatste L&D-manager"):
        personal_data.person_erase(actor=None, person=manager)
    assert not Erasure.objects.exists()
    colleague = MembershipFactory(organization=organization, is_manager=True).user
    client.force_login(colleague)
    url = reverse("person-erase", args=[organization.slug, manager.pk])
    assert client.post(url, {"name": manager.name}).status_code == 302
    # The erased manager no longer counts: the colleague is the last one now.
    with pytest.raises(ValidationError, match="laatste L&D-manager"):
        personal_data.person_erase(actor=None, person=colleague)


def test_a_manager_cannot_erase_someone_who_also_belongs_to_another_organisation(
    organization, other_organization, manager, learner, client
):
    MembershipFactory(organization=other_organization, user=learner)
    client.force_login(manager)
    url = reverse("person-erase", args=[organization.slug, learner.pk])
    response = client.post(url, {"name": learner.name})
    assert "Zorggroep Zuid" in response.content.decode()
    assert not Erasure.objects.exists()


def test_an_erased_person_cannot_be_erased_again(organization, manager, learner, client):
    personal_data.person_erase(actor=manager, person=learner)
    client.force_login(manager)
    url = reverse("person-erase", args=[organization.slug, learner.pk])
    assert client.get(url).status_code == 404


def _tokens(manager, messages: list[str], count: int = 1) -> None:
    FormSubmission.objects.bulk_create(
        FormSubmission(
            user=manager,
            token=uuid.uuid4(),
            result_url="/programmas/",
            messages=[[25, text] for text in messages],
        )
        for _ in range(count)
    )


def _erase_own_part_queries(person) -> int:
    with CaptureQueriesContext(connection) as queries:
        personal_data.erase_own_part(personal_data.Erasing.of(person))
    return len(queries)


def test_erasure_drops_the_form_tokens_whose_messages_name_the_person_found_by_the_database(
    organization, manager
):
    person = MembershipFactory(organization=organization, user__name='Zoë "Zo" Çelik').user
    other = MembershipFactory(organization=organization, user__name="Jan Jansen").user
    _tokens(manager, ['Zoë "Zo" Çelik is ingeschreven.'])
    _tokens(manager, [f"Uitnodiging verstuurd aan {person.email.upper()}."])
    _tokens(manager, ["Jan Jansen is ingeschreven."])
    few = _erase_own_part_queries(person)
    assert list(FormSubmission.objects.values_list("messages", flat=True)) == [
        [[25, "Jan Jansen is ingeschreven."]]
    ]

    _tokens(manager, ["Jan Jansen is ingeschreven."], count=40)
    _tokens(manager, ["Jan Jansen kreeg een coach."], count=2)
    assert _erase_own_part_queries(other) == few
    assert not FormSubmission.objects.exists()


# --- Export --------------------------------------------------------------------------


def test_the_demo_learners_download_holds_their_feedback_reflections_sign_offs_and_audit_rows(
    demo, client
):
    learner, _manager = demo
    # The learner also manages a small organisation of their own: a program they create
    # there is an audit row they made.
    own = OrganizationFactory(name="Eigen zaak", slug="eigen-zaak")
    MembershipFactory(organization=own, user=learner, is_manager=True, is_learner=False)
    program = program_services.program_create(
        actor=learner,
        organization=own,
        name="Eigen programma",
        business_objective="Zelf leren",
        duration_weeks=4,
        owner=learner,
    )
    client.force_login(learner)
    archive = zip_of(client.get(reverse("personal-data-export")))

    feedback = csv_rows(archive, "coaching/feedback_moments.csv")
    moments = FeedbackMoment.objects.filter(enrolment__learner=learner)
    assert len(feedback) == moments.count() > 0
    assert {row["went_well"] for row in feedback} == set(
        moments.values_list("went_well", flat=True)
    )
    reflections = json.loads(archive.read("coaching/reflections.json"))
    assert len(reflections) == Reflection.objects.filter(enrolment__learner=learner).count() > 0
    assert reflections[0]["answers"]
    sign_offs = csv_rows(archive, "coaching/sign_offs.csv")
    assert len(sign_offs) == SignOff.objects.filter(enrolment__learner=learner).count() > 0
    assert sign_offs[0]["signed_by__name"]
    levels = csv_rows(archive, "coaching/levels.csv")
    assert (
        len(levels)
        == GoalAssessment.objects.filter(feedback_moment__enrolment__learner=learner).count()
    )
    audit = csv_rows(archive, "history/programs_program.csv")
    assert [(row["name"], row["history_user_id"]) for row in audit] == [
        ("Eigen programma", str(learner.pk))
    ]
    assert program.history.count() == 1
    profile = json.loads(archive.read("werkplek/profile.json"))
    assert profile == [json.loads(json.dumps(profile[0]))] and profile[0]["email"] == LEARNER_EMAIL


def test_the_download_holds_who_invited_them_and_who_put_them_on_leave(cohort, manager, client):
    invitation = program_services.invitation_create(
        cohort=cohort,
        email="nina@example.nl",
        name="Nina Kok",
        started_on=cohort.starts_on,
        invited_by=manager,
    )
    enrolment = program_services.invitation_accept_as_new(
        invitation=invitation, name="Nina Kok", password="een-lang-wachtwoord"
    )
    nina = enrolment.learner
    day = timezone.localdate()
    werkplek_services.leave_create(actor=manager, user=nina, starts_on=day, ends_on=day)
    client.force_login(nina)
    archive = zip_of(client.get(reverse("personal-data-export")))

    invited = csv_rows(archive, "history/programs_invitation.csv")
    # Also the first version, written before Nina had an account.
    assert [(row["history_user_id"], row["name"], row["accepted_at"] != "") for row in invited] == [
        (str(manager.pk), "Nina Kok", False),
        (str(nina.pk), "Nina Kok", True),
    ]
    assert "token" not in invited[0]
    leave = csv_rows(archive, "history/werkplek_leave.csv")
    assert [(row["history_user_id"], row["starts_on"]) for row in leave] == [
        (str(manager.pk), day.isoformat())
    ]


def test_the_download_holds_nobody_elses_feedback(enrolment, other_enrolment, learner, client):
    FeedbackMomentFactory(enrolment=enrolment, went_well="Voor mij")
    FeedbackMomentFactory(enrolment=other_enrolment, went_well="Voor een ander")
    client.force_login(learner)
    archive = zip_of(client.get(reverse("personal-data-export")))
    rows = csv_rows(archive, "coaching/feedback_moments.csv")
    assert [row["went_well"] for row in rows] == ["Voor mij"]


def test_cells_that_would_start_a_formula_are_neutralised(enrolment, learner, client):
    FeedbackMomentFactory(enrolment=enrolment, went_well='=HYPERLINK("http://x")', to_improve="-1")
    client.force_login(learner)
    archive = zip_of(client.get(reverse("personal-data-export")))
    row = csv_rows(archive, "coaching/feedback_moments.csv")[0]
    assert row["went_well"] == '\'=HYPERLINK("http://x")'
    assert row["to_improve"] == "'-1"
    # JSON is data, not a spreadsheet: it keeps the text as typed.
    assert json.loads(archive.read("coaching/feedback_moments.json"))[0]["to_improve"] == "-1"


def _export_queries(client, learner) -> int:
    client.force_login(learner)
    with CaptureQueriesContext(connection) as queries:
        zip_of(client.get(reverse("personal-data-export")))
    return len(queries)


def test_the_download_takes_the_same_number_of_queries_for_a_little_and_a_lot(
    enrolment, learner, client
):
    FeedbackMomentFactory(enrolment=enrolment)
    ReflectionFactory(enrolment=enrolment, submitted_at=timezone.now())
    little = _export_queries(client, learner)
    FeedbackMomentFactory.create_batch(30, enrolment=enrolment)
    ReflectionFactory.create_batch(30, enrolment=enrolment, submitted_at=timezone.now())
    assert _export_queries(client, learner) == little


def test_every_historical_model_has_its_file_in_the_download(learner, client):
    client.force_login(learner)
    names = set(zip_of(client.get(reverse("personal-data-export"))).namelist())
    for historical in personal_data.historical_models():
        stem = historical.instance_type._meta.label_lower.replace(".", "_")
        assert {f"history/{stem}.csv", f"history/{stem}.json"} <= names


# --- Retention -----------------------------------------------------------------------


def test_retention_anonymises_old_endings_then_people_who_left_long_ago_once(
    organization, manager, learner, coach, cohort, settings
):
    settings.AVG_RETENTION_MONTHS = 24
    today = datetime.date(2026, 12, 7)
    long_ago = datetime.date(2024, 11, 30)
    old = EnrolmentFactory(cohort=cohort, learner=learner, started_on=datetime.date(2024, 9, 1))
    PairingFactory(enrolment=old, coach=coach, started_on=old.started_on)
    FeedbackMomentFactory(enrolment=old, occurred_on=old.started_on, went_well="Oud verhaal")
    Enrolment.objects.filter(pk=old.pk).update(
        ended_on=long_ago, end_reason=EndReason.LEFT_ORGANISATION
    )
    later_group = CohortFactory(program=cohort.program, name="Tweede groep")
    recent = EnrolmentFactory(
        cohort=later_group, learner=learner, started_on=datetime.date(2026, 11, 1)
    )
    PairingFactory(enrolment=recent, coach=coach, started_on=recent.started_on)
    FeedbackMomentFactory(enrolment=recent, occurred_on=recent.started_on, went_well="Nieuw")
    left = MembershipFactory(organization=organization, ended_on=long_ago).user
    left_lately = MembershipFactory(organization=organization, ended_on=today).user

    assert personal_data.retention_apply(today=today) == {
        "people_with_expired_records": 1,
        "people_erased": 1,
    }
    texts = dict(FeedbackMoment.objects.values_list("enrolment", "went_well"))
    assert texts == {old.pk: "verwijderd", recent.pk: "Nieuw"}
    assert User.objects.get(pk=learner.pk).is_active  # still a member: only the old ending
    assert Erasure.objects.get().person == left
    assert left.erasure.reason == Erasure.Reason.RETENTION and left.erasure.erased_by is None
    assert User.objects.get(pk=left_lately.pk).name == left_lately.name
    assert personal_data.retention_apply(today=today) == {
        "people_with_expired_records": 0,
        "people_erased": 0,
    }


def _ended_enrolment(organization, ended_on: datetime.date, text: str) -> Enrolment:
    """An enrolment in `organization` that ended on `ended_on`, with one feedback `text`."""
    cohort = CohortFactory(
        program=ProgramFactory(organization=organization), starts_on=datetime.date(2024, 9, 2)
    )
    enrolment = EnrolmentFactory(cohort=cohort)
    PairingFactory(enrolment=enrolment)
    FeedbackMomentFactory(enrolment=enrolment, occurred_on=cohort.starts_on, went_well=text)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        ended_on=ended_on, end_reason=EndReason.LEFT_ORGANISATION
    )
    return enrolment


def test_each_organisation_keeps_records_for_its_own_retention_period(
    organization, other_organization, settings
):
    settings.AVG_RETENTION_MONTHS = 24
    today = datetime.date(2026, 12, 7)
    spring = datetime.date(2026, 3, 1)  # nine months ago
    long_ago = datetime.date(2024, 10, 1)  # over two years ago
    Organization = type(organization)
    Organization.objects.filter(pk=organization.pk).update(retention_months=6)
    short_spring = _ended_enrolment(organization, spring, "Noord, voorjaar")
    default_spring = _ended_enrolment(other_organization, spring, "Zuid, voorjaar")
    default_long_ago = _ended_enrolment(other_organization, long_ago, "Zuid, lang geleden")
    left_short = MembershipFactory(organization=organization, ended_on=spring).user
    left_default = MembershipFactory(organization=other_organization, ended_on=spring).user
    left_both = MembershipFactory(organization=organization, ended_on=spring).user
    MembershipFactory(organization=other_organization, user=left_both, ended_on=spring)

    assert personal_data.retention_apply(today=today) == {
        "people_with_expired_records": 2,
        "people_erased": 1,
    }
    texts = dict(FeedbackMoment.objects.values_list("enrolment", "went_well"))
    assert texts == {
        short_spring.pk: "verwijderd",  # past Noord's own six months
        default_spring.pk: "Zuid, voorjaar",  # within the site's 24 months
        default_long_ago.pk: "verwijderd",
    }
    assert Erasure.objects.get().person == left_short
    # Still within Zuid's period: kept, also by who left Noord as long ago.
    assert not Erasure.objects.filter(person__in=[left_default, left_both]).exists()
    assert personal_data.retention_apply(today=today) == {
        "people_with_expired_records": 0,
        "people_erased": 0,
    }


def test_a_manager_sets_the_organisations_retention_period_within_its_bounds(
    client, organization, manager, learner, settings
):
    settings.AVG_RETENTION_MONTHS = 24
    client.force_login(manager)
    url = reverse("organization-settings", args=[organization.slug])
    form = {
        "quiet_hours_start": "20:00",
        "quiet_hours_end": "07:00",
        "working_weekdays": ["1", "2", "3", "4", "5"],
    }
    assert "standaard van werkplek, 24 maanden" in client.get(url).content.decode()
    for months, refused in (("5", "minstens 6"), ("121", "hoogstens 120")):
        response = client.post(url, form | {"retention_months": months})
        assert response.status_code == 200
        assert f"Zorg ervoor dat deze waarde {refused} is." in response.content.decode()
    organization.refresh_from_db()
    assert organization.retention_months is None
    client.post(url, form | {"retention_months": "36"})
    organization.refresh_from_db()
    assert (organization.retention_months, organization.retention_period) == (36, 36)
    assert organization.history.first().history_user == manager

    client.force_login(learner)
    page = client.get(reverse("privacy")).content.decode()
    assert f"{escape(organization.name)} bewaart het 36 maanden." in page
    assert "24 maanden" in page
    client.force_login(manager)
    client.post(url, form | {"retention_months": ""})
    organization.refresh_from_db()
    assert organization.retention_period == 24


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 12, 7), 24, datetime.date(2024, 12, 7)),
        (datetime.date(2026, 3, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 1, 15), 1, datetime.date(2025, 12, 15)),
    ],
)
def test_the_retention_period_counts_calendar_months(day, months, expected):
    assert personal_data.months_before(day, months) == expected


def test_the_retention_job_is_scheduled_every_night():
    from werkplek import tasks
    from werkplek.celery import app

    entry = app.conf.beat_schedule["avg-retention"]
    assert entry["task"] == tasks.retention_task.name == "werkplek.tasks.retention_task"


# --- The privacy page ----------------------------------------------------------------


def test_the_privacy_page_lists_every_kind_of_record_and_every_reader(client, settings):
    settings.AVG_RETENTION_MONTHS = 18
    page = client.get(reverse("privacy")).content.decode()
    for part in personal_data.parts():
        for kind in part.kinds:
            assert escape(str(kind.label)) in page
            assert escape(str(kind.purpose)) in page
    for reader in personal_data.Reader:
        assert f'id="reader-{reader.value}"' in page
        assert escape(capfirst(str(reader.label))) in page
    assert "18 maanden" in page


# --- Audit rows ----------------------------------------------------------------------


def test_scrub_changes_a_row_and_every_audit_row_of_it_alone(organization, manager):
    from programs.models import Program

    first = program_services.program_create(
        actor=manager,
        organization=organization,
        name="Eerste",
        business_objective="Geheim doel",
        duration_weeks=4,
        owner=manager,
    )
    program_services.program_update(actor=manager, program=first, description="Ook geheim")
    second = program_services.program_create(
        actor=manager,
        organization=organization,
        name="Tweede",
        business_objective="Geheim doel",
        duration_weeks=4,
        owner=manager,
    )

    personal_data.scrub(Program, Q(id=first.pk), business_objective="weg", description="weg")

    # The first version had no description: it stays empty, no version shows words that
    # never were.
    versions = first.history.order_by("history_date", "history_id")
    assert list(versions.values_list("business_objective", "description")) == [
        ("weg", ""),
        ("weg", "weg"),
    ]
    program = Program.objects.get(pk=first.pk)
    assert (program.business_objective, program.description) == ("weg", "weg")
    assert list(second.history.values_list("business_objective", flat=True)) == ["Geheim doel"]


def test_audit_rows_a_person_made_or_that_name_them_are_in_their_download(
    organization, manager, client
):
    program = program_services.program_create(
        actor=manager,
        organization=organization,
        name="Eigen",
        business_objective="Doel",
        duration_weeks=4,
        owner=manager,
    )
    program_services.program_update(actor=manager, program=program, description="Nieuw")
    client.force_login(manager)
    archive = zip_of(client.get(reverse("personal-data-export")))
    rows = csv_rows(archive, "history/programs_program.csv")
    assert [row["history_type"] for row in rows] == ["'+", "~"]  # "+" neutralised, as any
    assert {row["history_user_id"] for row in rows} == {str(manager.pk)}


def test_the_learner_finds_the_download_on_their_progress_page_and_their_coach_does_not(
    enrolment, learner, coach, client
):
    url = reverse("coaching:progress", args=[enrolment.pk])
    link = f'href="{reverse("personal-data-export")}"'
    client.force_login(learner)
    assert link in client.get(url).content.decode()
    client.force_login(coach)
    assert link not in client.get(url).content.decode()
    assert link in client.get(reverse("preferences")).content.decode()
