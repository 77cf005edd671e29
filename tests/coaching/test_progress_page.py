"""The progress page: a summary first, then the feedback ten at a time, the same for every
reader who may see it in full; a former coach's pages still stop on their last day."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from coaching import selectors
from programs import services as program_services
from programs.choices import EndReason
from programs.models import Enrolment
from tests.factories import (
    ChecklistItemFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)


@pytest.fixture
def goals(program):
    return [
        LearningGoalFactory(program=program, title="Veilig werken", target_week=1),
        LearningGoalFactory(program=program, title="Scannen", target_week=2),
    ]


@pytest.fixture
def twelve_moments(enrolment, coach, goals):
    """Twelve feedback moments, one a day, "Dienst 1" the oldest and "Dienst 12" the newest."""
    moments = []
    for n in range(1, 13):
        moment = FeedbackMomentFactory(
            enrolment=enrolment,
            coach=coach,
            occurred_on=START + datetime.timedelta(days=n),
            went_well=f"Dienst {n}",
            next_step=f"Afspraak {n}" if n < 12 else "",
        )
        GoalAssessmentFactory(feedback_moment=moment, goal=goals[0], level=min(1 + n // 4, 4))
        moments.append(moment)
    return moments


def get(client, user, enrolment, **params):
    client.force_login(user)
    response = client.get(reverse("coaching:progress", args=[enrolment.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def shifts(content: str) -> list[int]:
    return [int(n) for n in re.findall(r"Dienst (\d+)", content)]


def summary(content: str) -> str:
    start = content.index('aria-labelledby="projection-heading"')
    return content[start : content.index("</section>", start)]


def test_the_summary_shows_levels_checklist_next_step_and_projection(
    client, learner, enrolment, coach, goals, twelve_moments
):
    item = ChecklistItemFactory(goal=goals[1], title="Scant elke locatie")
    ChecklistItemFactory(goal=goals[1], title="Meldt een kapot label")
    enrolment.sign_offs.create(
        checklist_item=item, signed_by=coach, signed_on=START + datetime.timedelta(days=3)
    )
    content = summary(get(client, learner, enrolment))
    assert "Niveau per leerdoel" in content
    assert "4 · kan het anderen leren" in content  # Veilig werken, after 12 moments
    assert content.count('class="level-step is-reached') == 4
    assert "nog niet beoordeeld" in content  # Scannen
    assert "Taken afgetekend</div>1 / 2" in content
    # The newest moment agreed nothing; the step agreed before it is the one that counts.
    assert "Volgende stap (afgesproken op 13 nov):</strong> Afspraak 11" in content
    assert "Verwachte datum zelfstandig" in content


def test_an_ended_enrolment_shows_no_next_step_and_stays_the_learners_own_page(
    client, learner, enrolment, goals, twelve_moments
):
    Enrolment.objects.filter(pk=enrolment.pk).update(
        ended_on=START + datetime.timedelta(days=20), end_reason=EndReason.LEFT_ORGANISATION
    )
    content = get(client, learner, enrolment)
    assert "Volgende stap" not in summary(content)
    assert "<h1" in content and ">Mijn voortgang</h1>" in content  # still her own page


def test_a_checklist_done_in_full_folds_away_and_one_with_open_tasks_stays_in_view(
    client, learner, enrolment, coach, goals
):
    done = ChecklistItemFactory(goal=goals[0], title="Draagt veiligheidsschoenen")
    enrolment.sign_offs.create(checklist_item=done, signed_by=coach, signed_on=START)
    ChecklistItemFactory(goal=goals[1], title="Scant elke locatie")
    content = get(client, learner, enrolment)
    assert (
        '<details class="small" data-print-open><summary class="fw-semibold">Aftekenlijst 1 van 1'
        in content
    )
    assert '<p class="small mb-1 fw-semibold">Aftekenlijst 0 van 1</p>' in content


def test_the_timeline_shows_the_newest_ten_and_a_link_to_more(
    client, learner, enrolment, twelve_moments
):
    content = get(client, learner, enrolment)
    assert shifts(content) == list(range(12, 2, -1))
    url = reverse("coaching:progress", args=[enrolment.pk])
    assert f'href="{url}?page=2#timeline-heading" data-hx-get="{url}?page=2"' in content


def test_more_returns_only_the_next_page(client, learner, enrolment, twelve_moments):
    client.force_login(learner)
    response = client.get(
        reverse("coaching:progress", args=[enrolment.pk]), {"page": 2}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert shifts(content) == [2, 1]
    assert "<html" not in content
    assert "Meer feedback" not in content
    assert "data-page-start" in content


def test_without_javascript_the_link_opens_the_next_page_in_the_full_layout(
    client, learner, enrolment, twelve_moments
):
    content = get(client, learner, enrolment, page=2)
    assert "<html" in content
    assert shifts(content) == [2, 1]
    assert "Terug naar de nieuwste feedback" in content
    assert "Niveau per leerdoel" in content


@pytest.mark.parametrize("page", ["0", "x", "-3"])
def test_a_page_that_is_not_a_positive_number_is_the_first(
    client, learner, enrolment, twelve_moments, page
):
    assert shifts(get(client, learner, enrolment, page=page))[0] == 12


def test_coach_manager_and_learner_see_the_same_summary_and_timeline(
    client, learner, coach, manager, enrolment, twelve_moments
):
    pages = [get(client, user, enrolment) for user in (learner, coach, manager)]
    assert len({summary(content) for content in pages}) == 1
    assert {tuple(shifts(content)) for content in pages} == {tuple(range(12, 2, -1))}
    entries = [
        [e.feedback.pk for e in selectors.progress_timeline(enrolment, viewer=u, page=2).entries]
        for u in (learner, coach, manager)
    ]
    assert entries == [[twelve_moments[1].pk, twelve_moments[0].pk]] * 3


def test_a_former_coachs_pages_stop_at_their_last_day(
    client, enrolment, coach, other_coach, goals, twelve_moments
):
    program_services.pairing_set(
        enrolments=[enrolment], coach=other_coach, on=START + datetime.timedelta(days=13)
    )
    for n in range(13, 25):
        FeedbackMomentFactory(
            enrolment=enrolment,
            coach=other_coach,
            occurred_on=START + datetime.timedelta(days=n),
            went_well=f"Dienst {n}",
        )
    assert shifts(get(client, coach, enrolment)) == list(range(12, 2, -1))
    client.force_login(coach)
    more = client.get(
        reverse("coaching:progress", args=[enrolment.pk]), {"page": 2}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert shifts(more) == [2, 1]
    assert shifts(get(client, other_coach, enrolment))[0] == 24


def test_a_colleagues_feedback_takes_its_place_in_the_pages(
    client, learner, enrolment, goals, twelve_moments, other_learner
):
    asked = enrolment.peer_feedback.create(
        goal=goals[0], requested_from=other_learner, question="Scan ik snel genoeg?"
    )
    asked.text = "Dienst 99"
    asked.given_at = datetime.datetime(2026, 11, 8, 12, tzinfo=datetime.UTC)
    asked.save()
    # 8 November is Dienst 6's day; that moment was recorded later, so it comes first.
    content = get(client, learner, enrolment)
    assert shifts(content) == [12, 11, 10, 9, 8, 7, 6, 99, 5, 4]


def test_reflections_are_folded_and_beyond_the_newest_five_folded_together(
    client, learner, enrolment
):
    for n in range(1, 8):
        ReflectionFactory(
            enrolment=enrolment,
            due_on=START + datetime.timedelta(days=n),
            answers=[{"question": "Wat ging goed?", "answer": f"Reflectie {n}"}],
            submitted_at=datetime.datetime(2026, 11, 2 + n, 18, tzinfo=datetime.UTC),
        )
    content = get(client, learner, enrolment)
    section = content[content.index('id="reflections"') :]
    assert section.count('<details class="list-group-item reflection"') == 7
    assert " open>" not in section
    newest, older = section.split("2 oudere reflecties</summary>")
    assert re.findall(r"Reflectie (\d)", newest) == ["7", "6", "5", "4", "3"]
    assert re.findall(r"Reflectie (\d)", older) == ["2", "1"]


def test_only_a_reflection_due_before_today_is_marked_overdue(client, learner, enrolment):
    today = timezone.localdate()
    yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    ReflectionFactory(enrolment=enrolment, due_on=yesterday)
    ReflectionFactory(enrolment=enrolment, due_on=tomorrow)
    content = get(client, learner, enrolment)
    due = content[content.index('id="due-heading"') :]
    items = due[: due.index("</ul>")].split("<li>")[1:]
    with translation.override("nl"):
        overdue = {date_format(day, "MONTH_DAY_FORMAT"): day for day in (yesterday, tomorrow)}
    marked = [
        day for text, day in overdue.items() for item in items if text in item and "te laat" in item
    ]
    assert marked == [yesterday]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("page", ["99999999999999999999999", "9" * 400])
def test_a_page_number_beyond_any_timeline_answers_an_empty_page_not_an_error(
    client, learner, enrolment, twelve_moments, page, htmx
):
    client.force_login(learner)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = reverse("coaching:progress", args=[enrolment.pk])
    response = client.get(url, {"page": page}, **headers)
    assert response.status_code == 200
    assert shifts(response.content.decode()) == []


def levels_shown(content: str, goal: str) -> list[str]:
    """The levels a goal's card lists, as "date: level", oldest first."""
    start = content.index(f'<h3 class="h6 mb-1">{goal}</h3>')
    start = content.index('<ol class="list-inline mb-0">', start)
    return re.findall(
        r'<li class="list-inline-item">([^<]+)</li>', content[start : content.index("</ol>", start)]
    )


def test_a_goal_shows_its_newest_five_levels_and_where_the_earlier_ones_are(
    client, learner, enrolment, twelve_moments
):
    content = get(client, learner, enrolment)
    assert levels_shown(content, "Veilig werken") == [
        "10 nov: 3",
        "11 nov: 3",
        "12 nov: 3",
        "13 nov: 3",
        "14 nov: 4",
    ]
    link = '<a class="d-inline-flex align-items-center tap-target" href="#timeline">'
    assert f"{link}7 eerdere niveaus: in de feedback hieronder</a>" in content


def test_a_goal_with_few_levels_shows_them_all_without_a_link(
    client, learner, enrolment, coach, goals
):
    for n in (1, 2):
        moment = FeedbackMomentFactory(
            enrolment=enrolment, coach=coach, occurred_on=START + datetime.timedelta(days=n)
        )
        GoalAssessmentFactory(feedback_moment=moment, goal=goals[0], level=n)
    content = get(client, learner, enrolment)
    assert levels_shown(content, "Veilig werken") == ["3 nov: 1", "4 nov: 2"]
    assert "eerdere niveau" not in content


@pytest.mark.parametrize("viewer", ["learner", "coach", "manager"])
def test_the_page_keeps_its_size_and_queries_from_few_to_many_levels(
    client, enrolment, coach, goals, viewer, request
):
    """Twelve moments against 120, the newest the same: the goals' levels and the timeline
    show as many entries, so only the number of earlier levels differs."""
    user = request.getfixturevalue(viewer)
    today = timezone.localdate()
    figures = []
    made = 0
    for size in (12, 120):
        for n in range(made, size):  # newest first, each one a day before the last
            moment = FeedbackMomentFactory(
                enrolment=enrolment, coach=coach, occurred_on=today - datetime.timedelta(days=n + 1)
            )
            for goal in goals:
                GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=4 - n % 4)
        made = size
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("coaching:progress", args=[enrolment.pk]))
        assert response.status_code == 200
        figures.append((len(queries), len(response.content)))
    (small_queries, small_html), (large_queries, large_html) = figures
    assert small_queries == large_queries
    assert abs(large_html - small_html) <= 100, figures
