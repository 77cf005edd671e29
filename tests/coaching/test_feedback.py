import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coaching import services
from coaching.models import FeedbackMoment, GoalAssessment, Reflection, SignOff
from programs import services as program_services
from tests.factories import ChecklistItemFactory, FeedbackMomentFactory, LearningGoalFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture
def goals(program):
    return [
        LearningGoalFactory(program=program, title="Veilig werken", target_week=1),
        LearningGoalFactory(program=program, title="Scannen", target_week=2),
    ]


@pytest.fixture
def item(goals):
    return ChecklistItemFactory(goal=goals[1], title="Scant elke locatie")


def form_data(goals, item=None, **overrides):
    data = {
        "occurred_on": "2026-11-20",
        "shift": "morning",
        "went_well": "Rustig en netjes gewerkt.",
        "to_improve": "Tempo aan het begin.",
        "next_step": "Morgen zelfstandig picken.",
        f"practised_{goals[0].pk}": "on",
        f"level_{goals[0].pk}": "3",
        f"practised_{goals[1].pk}": "on",
        f"level_{goals[1].pk}": "2",
    }
    if item:
        data["sign_offs"] = [item.pk]
    data.update(overrides)
    return data


@time_machine.travel(NOW, tick=False)
def test_feedback_records_levels_and_sign_offs_as_dated_facts(
    client, coach, enrolment, goals, item
):
    client.force_login(coach)
    response = client.post(
        reverse("coaching:feedback-create", args=[enrolment.pk]), form_data(goals, item)
    )
    assert response.status_code == 302
    moment = FeedbackMoment.objects.get()
    assert (moment.coach, moment.occurred_on) == (coach, datetime.date(2026, 11, 20))
    levels = dict(GoalAssessment.objects.values_list("goal__title", "level"))
    assert levels == {"Veilig werken": 3, "Scannen": 2}
    sign_off = SignOff.objects.get()
    assert (sign_off.checklist_item, sign_off.signed_by, sign_off.signed_on, sign_off.level) == (
        item,
        coach,
        datetime.date(2026, 11, 20),
        2,
    )
    reflection = Reflection.objects.get()
    assert (reflection.feedback_moment, reflection.due_on) == (moment, datetime.date(2026, 11, 22))


@time_machine.travel(NOW, tick=False)
def test_a_mistake_keeps_everything_typed(client, coach, enrolment, goals, item):
    client.force_login(coach)
    data = form_data(goals, item, occurred_on="2026-11-27", **{f"level_{goals[1].pk}": ""})
    response = client.post(reverse("coaching:feedback-create", args=[enrolment.pk]), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Kies het niveau dat je zag." in content
    assert "alles wat je typte staat er nog" in content
    assert "Rustig en netjes gewerkt." in content
    assert "Morgen zelfstandig picken." in content
    assert f'id="id_practised_{goals[1].pk}" checked' in content
    assert f'id="sign-off-{item.pk}" checked' in content
    assert not FeedbackMoment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_feedback_about_a_future_shift_is_refused(client, coach, enrolment, goals):
    client.force_login(coach)
    data = form_data(goals, occurred_on="2026-11-21")
    response = client.post(reverse("coaching:feedback-create", args=[enrolment.pk]), data)
    assert "een dienst die al geweest is" in response.content.decode()
    assert not FeedbackMoment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_feedback_before_the_learner_started_is_refused(enrolment, coach, goals):
    with pytest.raises(ValidationError, match="gestart op 02-11-2026"):
        services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=datetime.date(2026, 10, 30),
            shift="morning",
            went_well="x",
        )


@time_machine.travel(NOW, tick=False)
def test_empty_feedback_marks_the_field_to_fill_in_and_keeps_the_input(
    client, coach, enrolment, goals
):
    client.force_login(coach)
    data = {"occurred_on": "2026-11-19", "shift": "night", f"level_{goals[0].pk}": "3"}
    response = client.post(reverse("coaching:feedback-create", args=[enrolment.pk]), data)
    content = response.content.decode()
    assert 'class="textarea form-control is-invalid"' in content
    assert 'id="id_went_well_error"' in content
    assert "Kies een geoefend leerdoel, teken een taak af of schrijf op wat je zag." in content
    assert 'value="2026-11-19"' in content
    assert 'value="night" class="btn-check" id="id_shift_2" required checked' in content
    assert not FeedbackMoment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_goal_not_marked_practised_records_no_level(client, coach, enrolment, goals):
    client.force_login(coach)
    data = form_data(goals, **{f"practised_{goals[0].pk}": ""})
    response = client.post(reverse("coaching:feedback-create", args=[enrolment.pk]), data)
    assert response.status_code == 302
    assert dict(GoalAssessment.objects.values_list("goal__title", "level")) == {"Scannen": 2}


def test_sign_offs_are_grouped_under_their_goal_without_a_repeated_label(
    client, coach, enrolment, goals, item
):
    ChecklistItemFactory(goal=goals[1], title="Meldt een kapot label")
    ChecklistItemFactory(goal=goals[0], title="Draagt veiligheidsschoenen")
    client.force_login(coach)
    content = client.get(reverse("coaching:feedback-create", args=[enrolment.pk])).content.decode()
    assert content.count("Taken gezien en afgetekend</legend>") == 2
    assert "Gezien en afgetekend" not in content
    scanning = content[content.index(">Scannen</label>") :]
    assert '">Scant elke locatie</label>' in scanning
    assert '">Meldt een kapot label</label>' in scanning
    assert "Draagt veiligheidsschoenen" not in scanning


@time_machine.travel(NOW, tick=False)
def test_other_shift_needs_a_name(client, coach, enrolment, goals):
    client.force_login(coach)
    data = form_data(goals, shift="other", shift_note="")
    response = client.post(reverse("coaching:feedback-create", args=[enrolment.pk]), data)
    assert "Vul in welke dienst het was." in response.content.decode()


def test_the_form_starts_from_today_with_the_last_levels_shown_but_none_chosen(
    client, coach, enrolment, goals
):
    FeedbackMomentFactory(enrolment=enrolment, coach=coach).assessments.create(
        goal=goals[1], level=3
    )
    client.force_login(coach)
    content = client.get(reverse("coaching:feedback-create", args=[enrolment.pk])).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in content
    assert "vorige keer: 3" in content
    assert f'id="id_level_{goals[1].pk}_2">' in content
    assert 'btn-check" id="id_level_' in content
    assert "checked" not in content.split("Welke leerdoelen", 1)[1]


# --- the 24-hour lock ---------------------------------------------------------------------


@pytest.fixture
def recorded(coach, enrolment, goals):
    with time_machine.travel(NOW, tick=False):
        return services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=datetime.date(2026, 11, 20),
            shift="morning",
            went_well="Eerste versie",
            levels={goals[0].pk: 2},
        )


def test_author_can_correct_feedback_within_24_hours(client, coach, recorded, goals):
    client.force_login(coach)
    with time_machine.travel(NOW + datetime.timedelta(hours=23, minutes=59), tick=False):
        data = form_data(goals, went_well="Verbeterd", version=recorded.version)
        response = client.post(reverse("coaching:feedback-edit", args=[recorded.pk]), data)
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.went_well == "Verbeterd"
    assert dict(recorded.assessments.values_list("goal", "level")) == {
        goals[0].pk: 3,
        goals[1].pk: 2,
    }


def test_after_24_hours_feedback_is_locked(client, coach, recorded, goals):
    client.force_login(coach)
    with time_machine.travel(NOW + datetime.timedelta(hours=24), tick=False):
        response = client.post(
            reverse("coaching:feedback-edit", args=[recorded.pk]),
            form_data(goals, went_well="Te laat"),
            follow=True,
        )
        with pytest.raises(ValidationError, match="24 uur"):
            services.feedback_moment_update(moment=recorded, actor=coach, went_well="Te laat")
    assert "ligt na 24 uur vast" in response.content.decode()
    recorded.refresh_from_db()
    assert recorded.went_well == "Eerste versie"


def test_a_locked_moment_takes_an_addendum_and_keeps_the_original(client, coach, recorded):
    client.force_login(coach)
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        client.post(
            reverse("coaching:feedback-addendum", args=[recorded.pk]),
            {"text": "Later gezien: het ging de dag erna al beter."},
        )
        content = client.get(
            reverse("coaching:progress", args=[recorded.enrolment_id])
        ).content.decode()
    assert "Eerste versie" in content
    assert "Later gezien: het ging de dag erna al beter." in content
    assert "Wijzigen (tot" not in content


def test_another_coach_cannot_change_feedback(client, other_coach, recorded, goals):
    client.force_login(other_coach)
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        response = client.post(
            reverse("coaching:feedback-edit", args=[recorded.pk]), form_data(goals)
        )
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="Alleen de coach"):
        services.feedback_moment_update(moment=recorded, actor=other_coach, went_well="x")


def test_a_former_coach_can_no_longer_correct_their_feedback(
    client, coach, other_coach, recorded, goals
):
    program_services.pairing_set(
        enrolments=[recorded.enrolment], coach=other_coach, on=datetime.date(2026, 11, 20)
    )
    client.force_login(coach)
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        edit = client.post(reverse("coaching:feedback-edit", args=[recorded.pk]), form_data(goals))
        addendum = client.post(
            reverse("coaching:feedback-addendum", args=[recorded.pk]), {"text": "Nog iets"}
        )
    assert edit.status_code == addendum.status_code == 404
    recorded.refresh_from_db()
    assert recorded.went_well == "Eerste versie"
