"""seed_scale at the tests' size T (werkplek.scale.SIZES): the same rules as S to XL, on
both ways of writing: COPY (PostgreSQL only) and bulk_create (any database)."""

import datetime
import io
import zoneinfo
from collections import defaultdict

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from coaching.attention import enrolment_statuses
from coaching.models import FeedbackMoment, GoalAssessment, Reflection, SignOff
from kpis.models import KPI, Measurement
from programs.choices import EndReason
from programs.models import Enrolment, Pairing, Program
from programs.scale import DEMO_COACH_LEARNERS
from tests.factories import MembershipFactory
from werkplek import scale
from werkplek.choices import Role
from werkplek.demo import COACH_EMAIL, DEMO_PASSWORD, LEARNER_EMAIL, MANAGER_EMAIL
from werkplek.models import Membership, Organization, User

pytestmark = pytest.mark.django_db

# A Tuesday morning: the generated history ends on the working day before.
NOW = datetime.datetime(2026, 3, 10, 11, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
TINY = scale.SIZES["T"]


@pytest.fixture(params=["copy", "bulk_create"])
def way(request, monkeypatch):
    """Each test that takes it runs once per way of writing the rows."""
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    if request.param == "bulk_create":
        monkeypatch.setattr(scale, "uses_copy", lambda: False)
    return request.param


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield
    # --flush empties the content types too; the next test must not find stale ids cached.
    ContentType.objects.clear_cache()


def _seed(*options) -> str:
    out = io.StringIO()
    call_command("seed_scale", "--size", "T", *options, stdout=out)
    # Django's foreign keys are checked at commit, which a test never reaches: check now
    # (PostgreSQL also needs no pending checks before a --flush can empty the tables).
    connection.check_constraints()
    return out.getvalue()


def _sample() -> dict:
    """What two runs are compared on: every count, and rows named by what people see."""
    models = [User, Membership, Program, Enrolment, Pairing, FeedbackMoment, GoalAssessment]
    models += [SignOff, Reflection, KPI, Measurement]
    return {
        "counts": [model.objects.count() for model in models],
        "enrolments": list(
            Enrolment.objects.order_by("learner__email").values_list(
                "learner__email", "cohort__name", "started_on", "ended_on", "end_reason"
            )
        ),
        "moments": list(
            FeedbackMoment.objects.order_by("enrolment__learner__email", "occurred_on", "pk")
            .values_list("enrolment__learner__email", "coach__email", "occurred_on", "shift")
            .distinct()[:200]
        ),
        "values": list(
            Measurement.objects.order_by("kpi__name", "learner__email", "period_start")
            .values_list("kpi__name", "learner__email", "period_start", "value")
            .distinct()[:200]
        ),
    }


def test_the_tiny_size_generates_its_numbers_and_reports_rows_per_second(way):
    output = _seed()
    assert Organization.objects.count() == TINY.organizations
    assert Program.objects.count() == TINY.programs
    assert Membership.objects.filter(is_learner=True).count() == TINY.learners
    assert Membership.objects.with_role(Role.COACH).count() == TINY.coaches
    assert FeedbackMoment.objects.count() == TINY.moments
    assert Measurement.objects.count() == TINY.measurements
    assert "rows/s" in output
    assert (
        f"kpis_measurement {TINY.measurements:,}".split()
        == ([line for line in output.splitlines() if "kpis_measurement" in line][0].split()[:2])
    )


def test_the_same_seed_gives_the_same_rows_and_another_seed_others(way):
    _seed("--seed", "7")
    first = _sample()
    _seed("--seed", "7", "--flush")
    assert _sample() == first
    _seed("--seed", "8", "--flush")
    other = _sample()
    assert other["counts"][5] == first["counts"][5]  # the size's feedback moments
    assert other["moments"] != first["moments"]


def test_a_second_run_without_flush_refuses_and_changes_nothing():
    _seed()
    counts = _sample()["counts"]
    with pytest.raises(CommandError, match="--flush"):
        _seed()
    assert _sample()["counts"] == counts


def test_a_database_with_people_it_did_not_generate_is_refused_unless_flushed():
    someone = MembershipFactory().user
    connection.check_constraints()
    with pytest.raises(CommandError, match="--flush"):
        _seed()
    _seed("--flush")
    assert not User.objects.filter(pk=someone.pk, email=someone.email).exists()
    assert User.objects.filter(email=MANAGER_EMAIL).exists()


def test_generated_rows_keep_the_models_rules(way):
    _seed()
    # Each model's own validation (validators, check and unique constraints) on a sample.
    for model in [User, Membership, Program, Enrolment, Pairing, FeedbackMoment, SignOff]:
        for row in model.objects.order_by("?")[:25]:
            row.full_clean()
    for model in [GoalAssessment, Reflection, KPI, Measurement]:
        for row in model.objects.order_by("?")[:25]:
            row.full_clean()


def test_the_generated_history_is_dated_like_real_use(way):
    _seed()
    today = NOW.date()
    moments = FeedbackMoment.objects.select_related("enrolment")
    for moment in moments:
        recorded = moment.created_at.astimezone(NOW.tzinfo)
        assert moment.enrolment.started_on <= moment.occurred_on < today
        assert moment.occurred_on.weekday() < 5
        assert recorded.date() == moment.occurred_on and 7 <= recorded.hour < 18
    assert Enrolment.objects.filter(started_on__lt=today - datetime.timedelta(weeks=52)).exists()
    assert Pairing.objects.filter(ended_on__isnull=False).exists()
    assert Reflection.objects.filter(submitted_at__isnull=False).exists()
    assert Reflection.objects.filter(submitted_at__isnull=True, due_on__lt=today).exists()
    # A learner who left the organisation left it on their enrolment's last day.
    left = Enrolment.objects.filter(end_reason=EndReason.LEFT_ORGANISATION)
    assert all(Membership.objects.get(user=e.learner_id).ended_on == e.ended_on for e in left)
    # Levels only rise: every goal's assessments in date order.
    levels = defaultdict(list)
    for enrolment, goal, level in GoalAssessment.objects.order_by(
        "feedback_moment__occurred_on", "feedback_moment__pk"
    ).values_list("feedback_moment__enrolment", "goal", "level"):
        levels[enrolment, goal].append(level)
    assert all(seen == sorted(seen) for seen in levels.values())
    assert any(seen[-1] > seen[0] for seen in levels.values())


def test_enrolments_ended_independent_were_so_by_the_apps_own_rule_that_day(way):
    _seed()
    ended = list(
        Enrolment.objects.filter(end_reason=EndReason.INDEPENDENT).select_related(
            "learner", "cohort__program"
        )
    )
    assert ended
    statuses = enrolment_statuses(ended, on=NOW.date())
    assert {e.pk: statuses[e.pk].independent_since for e in ended} == {
        e.pk: e.ended_on for e in ended
    }


@pytest.mark.parametrize("email", [MANAGER_EMAIL, COACH_EMAIL, LEARNER_EMAIL])
def test_each_demo_login_works(client, email):
    _seed()
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_the_demo_learner_sees_their_generated_progress(client):
    _seed()
    learner = User.objects.get(email=LEARNER_EMAIL)
    enrolment = Enrolment.objects.get(learner=learner)
    assert enrolment.ended_on is None
    assert enrolment.feedback_moments.count() >= 5
    assert enrolment.sign_offs.exists() and enrolment.reflections.done().exists()
    client.force_login(learner)
    response = client.get(reverse("coaching:my-progress"), follow=True)
    assert response.status_code == 200
    assert "Mohamed El Amrani" in response.content.decode()


def test_the_demo_coach_sees_their_generated_learners(client):
    _seed()
    coach = User.objects.get(email=COACH_EMAIL)
    coached = Enrolment.objects.coached_by(coach).select_related("learner")
    assert len(coached) == DEMO_COACH_LEARNERS
    client.force_login(coach)
    response = client.get(reverse("coaching:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(enrolment.learner.name in page for enrolment in coached)


def test_the_demo_managers_dashboard_shows_the_generated_numbers(client):
    _seed()
    manager = User.objects.get(email=MANAGER_EMAIL)
    program = Enrolment.objects.get(learner__email=LEARNER_EMAIL).program
    client.force_login(manager)
    response = client.get(reverse("kpis:dashboard", args=[program.pk]))
    assert response.status_code == 200
    snapshot = response.context["dashboard"].snapshot
    enrolments = program.enrolments.all()
    assert (snapshot.enrolments, snapshot.running, snapshot.independent) == (
        enrolments.count(),
        enrolments.filter(ended_on__isnull=True).count(),
        enrolments.filter(end_reason=EndReason.INDEPENDENT).count(),
    )
    assert client.get(reverse("coaching:attention")).status_code == 200


def test_texts_with_tabs_newlines_and_backslashes_go_into_copy_escaped():
    assert scale._copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert scale._copy_text(None) == "\\N"
    assert scale._copy_text({"answer": "ja\tnee"}) == '{"answer": "ja\\\\tnee"}'
