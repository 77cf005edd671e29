import datetime
import re

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
from programs.models import Enrolment, LearningGoal, Program
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


def test_demo_organisation_has_sixteen_learners_and_a_few_coaches():
    call_command("seed_demo")
    assert Membership.objects.with_role(Role.LEARNER).count() == 16
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


def test_the_demo_has_four_kpis_with_a_year_of_values_and_one_correction():
    call_command("seed_demo")
    call_command("seed_demo")
    assert sorted(KPI.objects.values_list("name", flat=True)) == [
        "inwerktijd in dagen",
        "orderfouten per 1.000 orderregels",
        "orderregels per uur",
        "pakfouten per 1.000 orderregels",
    ]
    # Two monthly KPIs for a year, 40 weeks of the organisation's pace, and each learner's
    # weekly errors: five pilot learners for 22 weeks, three of the later group for 9 and
    # three who joined it later for 3, and the five people not in the program for 22.
    assert Measurement.objects.current().count() == 2 * 12 + 40 + 5 * 22 + 3 * 9 + 3 * 3 + 5 * 22
    assert Measurement.objects.filter(is_current=False).count() == 1
    # Each KPI its own baseline and target: two error rates with the same ones confused.
    goals = KPI.objects.values_list("baseline_value", "target_value")
    assert None not in {value for pair in goals for value in pair}
    assert len(set(goals)) == 4


def test_the_demo_dashboard_shows_the_impact_of_the_pilot_and_the_later_group(client):
    call_command("seed_demo")
    program = KPI.objects.first().program
    client.force_login(User.objects.get(email="manager@demo.werkplek.nl"))
    impact, pages = {}, []
    # The dashboard shows three KPIs a page: these two are on its first two pages.
    for kpi_page in (1, 2):
        with translation.override("nl"):
            response = client.get(reverse("kpis:dashboard", args=[program.pk]), {"kpis": kpi_page})
        impact |= {
            trend["kpi"].name: trend["impact"] for trend in response.context["impact_trends"]
        }
        pages.append(response.text)
    pilot, later = impact["pakfouten per 1.000 orderregels"]["rows"]
    assert (pilot["group"], later["group"]) == ("Pilotgroep", "Groep 2")
    assert (pilot["change"]["n"], later["change"]["n"]) == (5, 6)
    for row in (pilot, later):
        assert row["change"]["enough"]
        assert row["change"]["significant"] and row["change"]["estimate"] < 0  # fewer errors
    against_pilot, against_outside = later["comparisons"]
    assert (against_pilot["against"], against_outside["against"]) == ("earlier", "outside")
    assert (against_outside["effect"]["n"], against_outside["effect"]["n_comparison"]) == (6, 5)
    (since_pilot,) = impact["orderregels per uur"]["rows"]
    assert since_pilot["change"]["n"] == 22  # weeks since the pilot started
    assert since_pilot["comparisons"][0]["effect"]["n_comparison"] == 18  # weeks before
    assert since_pilot["comparisons"][0]["effect"]["significant"]
    assert any("beter, meer dan toeval" in text for text in pages)


# The first and the last day of a month: the months on each side of the pilot's month shift.
@pytest.mark.parametrize("day", [datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)])
def test_the_demos_monthly_kpis_show_before_against_after(day):
    moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
    with time_machine.travel(moment):
        call_command("seed_demo")
        dashboard = program_dashboard(Program.objects.get(name="Inwerken orderpicker"))
    impact = {trend["kpi"].name: trend["impact"] for trend in dashboard.kpis}
    for name in ("inwerktijd in dagen", "orderfouten per 1.000 orderregels"):
        (row,) = impact[name]["rows"]
        (before,) = row["comparisons"]
        assert before["against"] == "before"
        effect = before["effect"]
        assert effect["enough"] and effect["n"] >= 5 and effect["n_comparison"] >= 5
        assert effect["low"] < effect["estimate"] < effect["high"]
        # Fewer days and fewer errors since the pilot, more than chance.
        assert effect["significant"] and effect["high"] < 0


def test_the_demos_pilot_is_finished_and_the_later_group_is_faster():
    call_command("seed_demo")
    program = Program.objects.get(name="Inwerken orderpicker")
    survival = program_dashboard(program).survival
    pilot, later = survival["pilot"], survival["later"]
    assert pilot["enough"] and later["enough"]
    assert 7 * 7 <= pilot["median"] <= 9 * 7
    assert 5 * 7 <= later["median"] <= 6 * 7
    ended = {
        e.learner.email.split("@")[0]: (e.end_reason, (e.ended_on - e.started_on).days)
        for e in Enrolment.objects.filter(cohort__program=program, ended_on__isnull=False)
    }
    assert ended["fleur.dekker"][0] == EndReason.LEFT_ORGANISATION
    for prefix in ("lotte.visser", "sem.vanleeuwen", "priya.ramdin"):
        reason, days = ended[prefix]
        assert reason == EndReason.INDEPENDENT and 7 * 7 <= days <= 9 * 7 + 2
    for prefix in ("tomasz.nowak", "jayden.kok", "lars.meijer"):
        reason, days = ended[prefix]
        assert reason == EndReason.INDEPENDENT and 5 * 7 <= days <= 6 * 7 + 2
    # The KPI the manager types in tells the same: the last month about the later group's.
    newest = (
        Measurement.objects.current().filter(kpi__name="inwerktijd in dagen").latest("period_start")
    )
    assert abs(float(newest.value) - later["median"]) <= 7


def test_the_demo_gives_no_level_on_a_goal_before_it_was_added():
    call_command("seed_demo")
    added = LearningGoal.history.get(
        title="Orders foutloos afronden en overdragen", history_type="+"
    )
    added_on = timezone.localdate(added.history_date)
    assessed = GoalAssessment.objects.filter(goal_id=added.id)
    # The pilot's learners started before it was added, and were assessed on it after.
    assert assessed.filter(feedback_moment__enrolment__cohort__is_pilot=True).exists()
    assert not assessed.filter(feedback_moment__occurred_on__lt=added_on).exists()


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
    # Every KPI chart shows values before and after the adjustments and the later group.
    for kpi in dashboard.kpis:
        periods = [period["period"] for period in kpi["periods"]]
        for marker in dashboard.markers[1:]:
            assert periods[0] < marker["day"] <= periods[-1], kpi["kpi"].name
    assert program.history.latest().history_user.email == "manager@demo.werkplek.nl"


def test_the_demo_program_page_shows_the_closed_baselines_largest_gaps(client):
    """The order pickers' baseline was closed before the pilot: its averages show. The draft
    dispatch program's round is still open, so its averages wait."""
    call_command("seed_demo")
    client.force_login(User.objects.get(email="manager@demo.werkplek.nl"))
    pickers = Program.objects.get(name="Inwerken orderpicker")
    baseline = pickers.needs_analyses.get()
    assert baseline.closed_at.date() < pickers.cohorts.get(is_pilot=True).starts_on
    with translation.override("nl"):
        page = client.get(reverse("programs:detail", args=[pickers.pk])).content.decode()
        assert "5 van 5 mensen hebben geantwoord" in page
        # The largest gap first: importance 4,6 times room to grow 3,6.
        assert re.search(r"Orderpicken volgens de looproute.*?4,6.*?1,4.*?16,6", page, re.S)
        assert "te zien zodra de ronde gesloten is" not in page
        dispatch = Program.objects.get(name="Inwerken expeditiemedewerker")
        page = client.get(reverse("programs:needs", args=[dispatch.pk])).content.decode()
        assert "te zien zodra de ronde gesloten is" in page
