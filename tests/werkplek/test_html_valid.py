"""The main pages are valid HTML (the Nu Html Checker, npm's vnu-jar, finds no errors) and
say "je" in Dutch.

Every page is rendered as the person who uses it, written to a folder, and checked in one run
of the checker (one JVM start). Without Java or `npm ci` the test is skipped, except in CI.
"""

import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from coaching import mails
from kpis.choices import SubjectLevel
from kpis.rollups import rollup_all
from programs.models import CoachTraining, Invitation
from tests.factories import (
    PASSWORD,
    ChecklistItemFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    KPIFactory,
    LearningGoalFactory,
    MeasurementFactory,
    MembershipFactory,
    ReflectionFactory,
    UserFactory,
)
from tests.werkplek.test_password_texts import formal_sentences
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db

VNU_JAR = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _checker() -> list[str]:
    """The command that runs the checker, or a skip (a failure in CI) when it is missing."""
    java = shutil.which("java")
    if java and VNU_JAR.exists():
        return [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]
    problem = "Java is missing" if not java else f"{VNU_JAR} is missing (run `npm ci`)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must check the HTML: {problem}")
    pytest.skip(f"the Nu Html Checker cannot run: {problem}")


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def pages(organization, manager, coach, learner, program, cohort, enrolment):
    """Each main page as its user sees it: name → HTML."""
    goal = LearningGoalFactory(program=program, title="Veilig heftruck rijden")
    ChecklistItemFactory(goal=goal, title="Pallet wegzetten")
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach)
    GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=2)
    ReflectionFactory(enrolment=enrolment, feedback_moment=moment)
    invitation = Invitation.objects.create(
        cohort=cohort, email="nieuw@dc-noord.nl", name="Nina Nieuw", started_on=cohort.starts_on
    )
    kpi = KPIFactory(organization=organization, subject_level=SubjectLevel.TEAM, unit="‰")
    corrected = MeasurementFactory(kpi=kpi, team="Orderpicking", is_current=False)
    MeasurementFactory(kpi=kpi, team="Orderpicking", corrects=corrected, value=Decimal("3.0"))
    rollup_all(on=timezone.localdate())  # the snapshots the dashboard reads
    OutboxMessage.objects.create(  # the bell's badge and one notification in the list
        recipient=coach,
        kind=mails.FEEDBACK_OVERDUE,
        due_slot="1",
        context={"enrolment": enrolment.pk, "learner": learner.name, "program": program.name},
    )
    coaching = coach.memberships.get()
    CoachTraining.objects.create(
        organization=organization,
        coach=coach,
        course="Werkbegeleider BPV",
        completed_on=cohort.starts_on,
        recorded_by=manager,
    )
    anonymous = _client()
    as_manager, as_coach, as_learner = _client(manager), _client(coach), _client(learner)
    newcomer = _client(UserFactory(email="nieuw-hier@example.nl"))
    every_role = MembershipFactory(
        organization=organization, is_manager=True, is_coach=True, is_learner=True
    ).user
    MembershipFactory(user=every_role, is_manager=True)  # a second organisation to manage
    as_every_role = _client(every_role)
    upload = SimpleUploadedFile(
        "lerenden.csv",
        b"naam,e-mail\nNina Kok,nina@dc-noord.nl\nZonder adres,geen-adres\n",
        content_type="text/csv",
    )
    two_step = MembershipFactory(organization=organization, is_manager=True).user
    TOTPDevice.objects.create(user=two_step, name="app")
    StaticDevice.objects.create(user=two_step, name="backup")
    code_step = _client()
    code_step.post(reverse("login"), {"username": two_step.email, "password": PASSWORD})
    locked_out = _client()
    for _ in range(settings.SIGNIN_FAILURE_LIMIT):  # from an address of its own
        lockout = locked_out.post(
            reverse("login"), {"username": "x@example.nl", "password": "?"}, REMOTE_ADDR="192.0.2.1"
        )
    reset_link = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(learner.pk)),
            "token": default_token_generator.make_token(learner),
        },
    )
    return {
        "home-without-roles": newcomer.get(reverse("home")),
        "login": anonymous.get(reverse("login")),
        "login-error": anonymous.post(reverse("login"), {"username": "x@example.nl"}),
        "login-locked-out": lockout,
        "login-code": code_step.get(reverse("login-code")),
        "two-factor-setup": as_manager.get(reverse("two-factor")),
        "two-factor-on": _client(two_step).get(reverse("two-factor")),
        "password-reset": anonymous.get(reverse("password_reset")),
        "password-reset-done": anonymous.get(reverse("password_reset_done")),
        "password-reset-confirm": anonymous.get(reset_link, follow=True),
        "password-reset-complete": anonymous.get(reverse("password_reset_complete")),
        "invitation": anonymous.get(reverse("programs:invitation-accept", args=[invitation.token])),
        "password-change": as_learner.get(reverse("password_change")),
        "password-change-error": as_learner.post(
            reverse("password_change"), {"new_password1": "123", "new_password2": "1234"}
        ),
        "password-change-done": as_learner.get(reverse("password_change_done")),
        "preferences": as_learner.get(reverse("preferences")),
        "role-switcher": as_every_role.get(reverse("preferences")),
        "my-progress": as_learner.get(reverse("coaching:my-progress"), follow=True),
        "reflection-form": as_learner.get(
            reverse("coaching:reflection-create", args=[enrolment.pk])
        ),
        "peer-request": as_learner.get(reverse("coaching:peer-request", args=[enrolment.pk])),
        "coach-home": as_coach.get(reverse("coaching:home")),
        "notifications": as_coach.get(reverse("notifications")),
        "progress": as_coach.get(reverse("coaching:progress", args=[enrolment.pk])),
        "feedback-form": as_coach.get(reverse("coaching:feedback-create", args=[enrolment.pk])),
        "feedback-edit": as_coach.get(reverse("coaching:feedback-edit", args=[moment.pk])),
        "feedback-form-error": as_coach.post(
            reverse("coaching:feedback-create", args=[enrolment.pk]), {"shift": ""}
        ),
        "program-list": as_manager.get(reverse("programs:list")),
        "program-detail": as_manager.get(reverse("programs:detail", args=[program.pk])),
        "program-form": as_manager.get(reverse("programs:create")),
        "program-duplicate": as_manager.get(reverse("programs:duplicate", args=[program.pk])),
        "goal-form": as_manager.get(reverse("programs:goal-edit", args=[goal.pk])),
        "reflection-prompts": as_manager.get(
            reverse("programs:reflection-prompts", args=[program.pk])
        ),
        "methods": as_manager.get(reverse("programs:methods", args=[organization.slug])),
        "group-form": as_manager.get(reverse("programs:cohort-create", args=[program.pk])),
        "group": as_manager.get(reverse("programs:cohort-detail", args=[cohort.pk])),
        "import": as_manager.get(reverse("programs:cohort-import", args=[cohort.pk])),
        "import-preview": as_manager.post(
            reverse("programs:cohort-import", args=[cohort.pk]), {"file": upload}
        ),
        "people": as_manager.get(reverse("organization-detail", args=[organization.slug])),
        "organisation-settings": as_manager.get(
            reverse("organization-settings", args=[organization.slug])
        ),
        "attention": as_manager.get(reverse("coaching:attention")),
        "coach-load": as_manager.get(reverse("coaching:coach-load")),
        "coach-profile": as_manager.get(reverse("programs:coach-profile", args=[coaching.pk])),
        "coach-profile-error": as_manager.post(
            reverse("programs:coach-profile", args=[coaching.pk]), {"course": "Coachen"}
        ),
        "coach-profile-own": as_coach.get(reverse("programs:coach-profile", args=[coaching.pk])),
        "coach-programs": as_manager.get(reverse("programs:coach-programs", args=[coaching.pk])),
        "enrolment-end": as_manager.get(reverse("programs:enrolment-end", args=[enrolment.pk])),
        "group-close": as_manager.get(reverse("programs:cohort-close", args=[cohort.pk])),
        "kpi-list": as_manager.get(reverse("kpis:list")),
        "kpi-form": as_manager.get(reverse("kpis:create")),
        "kpi-form-error": as_manager.post(reverse("kpis:create"), {"baseline_value": "7,5"}),
        "kpi-detail": as_manager.get(reverse("kpis:detail", args=[kpi.pk])),
        "kpi-history": as_manager.get(reverse("kpis:history", args=[kpi.pk])),
        "program-history": as_manager.get(reverse("programs:history", args=[program.pk])),
        "feedback-history": as_manager.get(reverse("coaching:feedback-history", args=[moment.pk])),
        "my-history": as_learner.get(reverse("coaching:my-history")),
        "dashboard": as_manager.get(reverse("kpis:dashboard", args=[program.pk])),
        "kpi-measurement-error": as_manager.post(
            reverse("kpis:measurement-create", args=[kpi.pk]),
            {"team": "Orderpicking", "period": corrected.period_start, "value": "3,1"},
        ),
        "privacy": anonymous.get(reverse("privacy")),
        "person-erase-error": as_manager.post(
            reverse("person-erase", args=[organization.slug, learner.pk]), {"name": "Iemand"}
        ),
        "not-found": as_manager.get("/bestaat-niet/"),
        "csrf-refused": Client(enforce_csrf_checks=True).post(reverse("login")),
    }


def _run(checker: list[str], files: list[str]) -> str:
    """The checker's JSON report (it writes to stderr and exits 1 when it finds errors)."""
    # Our own fixed command on files this test wrote.
    result = subprocess.run(  # noqa: S603
        [*checker, *files], capture_output=True, text=True, timeout=300, check=False
    )
    return result.stderr


def _describe(message: dict) -> str:
    """'page:line: message [the HTML around it]'."""
    extract = re.sub(r"\s+", " ", message.get("extract", "")).strip()
    where = f"{Path(message.get('url', '?')).stem}:{message.get('lastLine', '?')}"
    return f"{where}: {message['message']} [{extract}]"


def test_the_main_pages_have_no_html_errors(pages, tmp_path):
    checker = _checker()
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 403, 404, 429), f"{name}: {response.status_code}"
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    messages = json.loads(_run(checker, files))["messages"]
    # "non-document-error": the checker could not read a page at all.
    errors = [_describe(m) for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_the_checker_finds_an_error_when_there_is_one(tmp_path):
    checker = _checker()
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="nl"><title>x</title><p hx-get="/">x</p></html>')
    assert "hx-get" in _run(checker, [str(page)])


def test_the_main_pages_say_je_in_dutch(pages):
    formal = {name: found for name, page in pages.items() if (found := formal_sentences(page))}
    assert not formal


def test_without_java_ci_fails_instead_of_skipping(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Java is missing"):
        _checker()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        _checker()
