import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone, translation

from coaching import attention
from coaching.choices import AttentionReason
from coaching.models import GoalAssessment, SignOff
from kpis.dashboard import program_dashboard
from kpis.models import KPI, Measurement, ProgramSnapshot
from programs.choices import EndReason
from programs.models import Enrolment, Program
from werkplek.choices import Role
from werkplek.demo import DEMO_PASSWORD
from werkplek.models import Membership, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Membership.objects.count()) == counts
    output = capsys.readouterr().out
    assert "manager@demo.werkplek.nl" in output
    assert DEMO_PASSWORD in output


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("manager@demo.werkplek.nl", Role.MANAGER),
        ("coach@demo.werkplek.nl", Role.COACH),
        ("learner@demo.werkplek.nl", Role.LEARNER),
    ],
)
def test_each_demo_login_works_and_holds_its_role(client, email, role):
    call_command("seed_demo")
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(email=email).roles == {role}


def test_demo_organisation_has_fifteen_learners_and_a_few_coaches():
    call_command("seed_demo")
    assert Membership.objects.with_role(Role.LEARNER).count() == 15
    assert Membership.objects.with_role(Role.COACH).count() == 4


def _demo_enrolment(prefix):
    return Enrolment.objects.select_related("learner", "cohort__program").get(
        learner__email=f"{prefix}@demo.werkplek.nl", cohort__program__name="Inwerken orderpicker"
    )


def test_priya_ended_independent_on_the_day_her_last_goal_and_task_were_reached():
    call_command("seed_demo")
    priya = _demo_enrolment("priya.ramdin")
    goals = priya.cohort.program.goals.all()
    # The day each goal last rose to level 3 (the demo's levels never fall back) and the day
    # each required task was signed: independence is the latest of them.
    goal_days = [
        GoalAssessment.objects.filter(
            feedback_moment__enrolment=priya, goal=goal, level__gte=3
        ).aggregate(first=Min("feedback_moment__occurred_on"))["first"]
        for goal in goals
    ]
    task_days = SignOff.objects.filter(
        enrolment=priya, checklist_item__requires_sign_off=True
    ).values_list("signed_on", flat=True)
    assert None not in goal_days
    assert priya.end_reason == EndReason.INDEPENDENT
    assert priya.ended_on == max([*goal_days, *task_days])
    assert priya.ended_by.email == "coach@demo.werkplek.nl"


# A week starting on a Monday: the demo's states must not depend on the day it is seeded.
@pytest.mark.parametrize("day", range(7, 14))
def test_the_demo_shows_every_attention_state_on_each_weekday(day):
    with time_machine.travel(datetime.datetime(2026, 12, day, 9, 0, tzinfo=datetime.UTC)):
        _check_attention_states()


def _check_attention_states():
    call_command("seed_demo")
    today = timezone.localdate()
    manager = User.objects.get(email="manager@demo.werkplek.nl")
    reasons = {
        status.enrolment.learner.email.split("@")[0]: status.reasons
        for status in attention.attention_list(manager, on=today)
    }
    assert reasons["youssef.haddou"][0] == AttentionReason.NO_COACH
    assert reasons["bram.smit"] == [AttentionReason.READY]
    assert AttentionReason.FEEDBACK_OVERDUE in reasons["emma.dejong"]
    assert "priya.ramdin" not in reasons
    coach = User.objects.get(email="coach@demo.werkplek.nl")
    own = [
        s.enrolment.learner.email.split("@")[0] for s in attention.coach_statuses(coach, on=today)
    ]
    assert own == ["emma.dejong", "bram.smit", "learner"]


def test_the_demo_has_four_kpis_with_half_a_year_of_values_and_one_correction():
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(KPI.objects.values_list("name", flat=True)) == [
        "inwerktijd in dagen",
        "orderfouten per 1.000 orderregels",
        "orderregels per uur",
        "pakfouten per 1.000 orderregels",
    ]
    # Two monthly KPIs, 26 weeks of the organisation's pace, and each learner's weekly
    # errors: five pilot learners for 10 weeks, five of the later group for 3, and the five
    # people not in the program for 8.
    assert Measurement.objects.current().count() == 2 * 6 + 26 + 5 * 10 + 5 * 3 + 5 * 8
    assert Measurement.objects.filter(is_current=False).count() == 1
    assert KPI.objects.filter(baseline_value__isnull=False, target_value__isnull=False).count() == 4


def test_the_demo_dashboard_shows_the_impact_of_the_pilot_and_the_later_group(client):
    call_command("seed_demo")
    program = KPI.objects.first().program
    client.force_login(User.objects.get(email="manager@demo.werkplek.nl"))
    with translation.override("nl"):
        response = client.get(reverse("kpis:dashboard", args=[program.pk]))
    impact = {trend["kpi"].name: trend["impact"] for trend in response.context["impact_trends"]}
    pilot, later = impact["pakfouten per 1.000 orderregels"]["rows"]
    assert (pilot["group"], later["group"]) == ("Pilotgroep", "Groep 2")
    for row in (pilot, later):
        assert row["change"]["enough"] and row["change"]["n"] == 5
        assert row["change"]["significant"] and row["change"]["estimate"] < 0  # fewer errors
    against_pilot, against_outside = later["comparisons"]
    assert (against_pilot["against"], against_outside["against"]) == ("earlier", "outside")
    assert (against_outside["effect"]["n"], against_outside["effect"]["n_comparison"]) == (5, 5)
    (since_pilot,) = impact["orderregels per uur"]["rows"]
    assert since_pilot["change"]["n"] == 10  # weeks since the pilot started
    assert since_pilot["comparisons"][0]["effect"]["n_comparison"] == 16  # weeks before
    assert since_pilot["comparisons"][0]["effect"]["significant"]
    assert "beter, meer dan toeval" in response.text


def test_the_demo_dashboard_has_todays_snapshot_from_the_start():
    call_command("seed_demo")
    program = KPI.objects.first().program
    assert ProgramSnapshot.objects.filter(program=program, day=timezone.localdate()).exists()


def test_the_demo_dashboard_marks_the_pilots_adjustments_between_its_kpi_values():
    call_command("seed_demo")
    call_command("seed_demo")
    program = Program.objects.get(name="Inwerken orderpicker")
    dashboard = program_dashboard(program)
    labels = [marker["label"] for marker in dashboard.markers]
    assert labels == [
        "Groep «Pilotgroep» gestart",
        "Feedbackritme gewijzigd: elke 5 → 3 werkdagen",
        "Leerdoel «Orders foutloos afronden en overdragen» toegevoegd",
        "Groep «Groep 2» gestart",
    ]
    periods = [period["period"] for period in dashboard.kpis[0]["periods"]]
    for adjustment in dashboard.markers[1:3]:
        assert periods[0] < adjustment["day"] <= periods[-1]
    assert program.history.latest().history_user.email == "manager@demo.werkplek.nl"
