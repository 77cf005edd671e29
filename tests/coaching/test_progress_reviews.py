"""Line managers and progress reviews: who reads a team's progress, who plans a review and
who records its outcome, through the services and the pages."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from coaching import services
from coaching.models import REVIEW_OUTCOME_LENGTH, ProgressReview
from programs.models import Enrolment
from tests.factories import EnrolmentFactory, MembershipFactory, PairingFactory
from werkplek import personal_data
from werkplek import services as werkplek_services
from werkplek.lib.forms import SUBMISSION_TOKEN

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)  # the pilot group's start (tests.factories)
IN_WEEK_ONE = datetime.datetime(2026, 11, 4, 10, 0, tzinfo=datetime.UTC)
IN_WEEK_FIVE = datetime.datetime(2026, 12, 8, 10, 0, tzinfo=datetime.UTC)
# The team page, whatever the size of the team (see the query-count test).
QUERIES = 16


@pytest.fixture
def other_team_enrolment(cohort, organization, coach):
    """A learner of the team Inslag, in the same group and with the same coach."""
    learner = MembershipFactory(organization=organization, team="Inslag").user
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment, coach=coach)
    return enrolment


# --- The door: one rule added to the enrolment's ----------------------------------------


def test_line_manager_reads_their_team_learner_and_no_other(
    line_manager, enrolment, other_team_enrolment
):
    assert list(Enrolment.objects.fully_visible_to(line_manager)) == [enrolment]
    assert list(Enrolment.objects.visible_to(line_manager)) == [enrolment]


def test_a_team_of_the_same_name_in_another_organisation_is_another_team(
    other_organization, enrolment
):
    elsewhere = MembershipFactory(
        organization=other_organization,
        is_line_manager=True,
        is_learner=False,
        team="Orderpicking",
    ).user
    assert not Enrolment.objects.visible_to(elsewhere).exists()


def test_a_line_manager_who_left_or_a_learner_who_changed_team_is_out_of_sight(
    line_manager, learner, organization, enrolment
):
    werkplek_services.membership_set(
        user=learner, organization=organization, roles={"learner"}, team="Inslag"
    )
    assert not Enrolment.objects.visible_to(line_manager).exists()
    werkplek_services.membership_set(
        user=learner, organization=organization, roles={"learner"}, team="Orderpicking"
    )
    assert Enrolment.objects.visible_to(line_manager).exists()
    werkplek_services.membership_end(membership=line_manager.memberships.get())
    assert not Enrolment.objects.visible_to(line_manager).exists()


def test_a_line_manager_needs_a_team(organization):
    with pytest.raises(ValidationError, match="leidt een team"):
        MembershipFactory.build(
            organization=organization, is_line_manager=True, is_learner=False, team=""
        ).full_clean(exclude=["user"])


def test_line_manager_opens_their_learners_progress_read_only_and_not_another_team(
    client, line_manager, enrolment, other_team_enrolment
):
    client.force_login(line_manager)
    page = client.get(reverse("coaching:progress", args=[enrolment.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("coaching:feedback-create", args=[enrolment.pk]) not in html
    assert reverse("coaching:review-plan", args=[enrolment.pk]) not in html
    other = client.get(reverse("coaching:progress", args=[other_team_enrolment.pk]))
    assert other.status_code == 404


# --- Planning ---------------------------------------------------------------------------


@time_machine.travel(IN_WEEK_ONE, tick=False)
def test_the_coach_plans_the_usual_three_reviews_once(coach, enrolment):
    planned = services.progress_reviews_plan_default(actor=coach, enrolment=enrolment)
    days = [review.planned_on for review in planned]
    assert days == [START + datetime.timedelta(weeks=2), START + datetime.timedelta(weeks=4)] + [
        enrolment.target_on
    ]
    with pytest.raises(ValidationError, match="al gepland"):
        services.progress_reviews_plan_default(actor=coach, enrolment=enrolment)
    assert enrolment.progress_reviews.count() == 3
    assert planned[0].history.get().history_user == coach


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_the_usual_reviews_whose_day_passed_are_left_out(manager, enrolment):
    planned = services.progress_reviews_plan_default(actor=manager, enrolment=enrolment)
    assert [review.planned_on for review in planned] == [enrolment.target_on]


@time_machine.travel(IN_WEEK_ONE, tick=False)
def test_a_line_manager_or_another_coach_does_not_plan(line_manager, other_coach, enrolment):
    for actor in (line_manager, other_coach):
        with pytest.raises(ValidationError, match="coach van de lerende of een L&D-manager"):
            services.progress_review_plan(
                actor=actor, enrolment=enrolment, planned_on=datetime.date(2026, 11, 20)
            )
    assert not ProgressReview.objects.exists()


@time_machine.travel(IN_WEEK_ONE, tick=False)
def test_a_review_is_planned_once_a_day_and_not_before_the_start(coach, enrolment):
    day = datetime.date(2026, 11, 20)
    services.progress_review_plan(actor=coach, enrolment=enrolment, planned_on=day)
    with pytest.raises(ValidationError, match="al een voortgangsgesprek gepland"):
        services.progress_review_plan(actor=coach, enrolment=enrolment, planned_on=day)
    with pytest.raises(ValidationError, match="op of na de startdatum"):
        services.progress_review_plan(
            actor=coach, enrolment=enrolment, planned_on=START - datetime.timedelta(days=1)
        )


# --- The outcome ------------------------------------------------------------------------


@pytest.fixture
def review(coach, enrolment):
    with time_machine.travel(IN_WEEK_ONE, tick=False):
        return services.progress_review_plan(
            actor=coach, enrolment=enrolment, planned_on=datetime.date(2026, 11, 16)
        )


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_the_line_manager_records_the_outcome_once(line_manager, coach, review):
    held_on = datetime.date(2026, 11, 16)
    services.progress_review_record_outcome(
        actor=line_manager, review=review, outcome="  Loopt voor; koelcel erbij.  ", held_on=held_on
    )
    review.refresh_from_db()
    assert (review.outcome, review.held_on, review.outcome_by) == (
        "Loopt voor; koelcel erbij.",
        held_on,
        line_manager,
    )
    assert review.history.latest().history_user == line_manager
    with pytest.raises(ValidationError, match="al vastgelegd"):
        services.progress_review_record_outcome(
            actor=coach, review=review, outcome="Anders", held_on=held_on
        )


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_the_outcome_is_not_recorded_by_another_teams_line_manager_nor_the_learner(
    organization, learner, review
):
    other_team = MembershipFactory(
        organization=organization, is_line_manager=True, is_learner=False, team="Inslag"
    ).user
    for actor in (other_team, learner):
        with pytest.raises(ValidationError, match="coach of de leidinggevende"):
            services.progress_review_record_outcome(
                actor=actor, review=review, outcome="Goed", held_on=datetime.date(2026, 11, 16)
            )


@time_machine.travel(IN_WEEK_ONE, tick=False)
def test_a_review_is_not_held_in_the_future(coach, review):
    with pytest.raises(ValidationError) as error:
        services.progress_review_record_outcome(
            actor=coach, review=review, outcome="Goed", held_on=datetime.date(2026, 11, 16)
        )
    assert "held_on" in error.value.error_dict


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_a_too_long_outcome_comes_back_whole_with_how_long_it_may_be(client, line_manager, review):
    client.force_login(line_manager)
    text = "Afspraak. " * (REVIEW_OUTCOME_LENGTH // 10 + 1)  # 1,009 characters once stripped
    page = client.post(
        reverse("coaching:review-outcome", args=[review.pk]),
        {"held_on": "2026-11-16", "outcome": text},
    )
    assert page.status_code == 200
    assert text.strip() in page.content.decode()
    assert "Maximaal 1.000 tekens; deze tekst heeft er 1.009." in page.content.decode()
    assert not ProgressReview.objects.held().exists()


# --- Comments -------------------------------------------------------------------------


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_the_participants_comment_and_nobody_else(
    organization, learner, coach, line_manager, manager, other_coach, review
):
    for author in (line_manager, learner, coach):
        services.progress_review_comment_create(actor=author, review=review, text=" Gezien. ")
    other_team = MembershipFactory(
        organization=organization, is_line_manager=True, is_learner=False, team="Inslag"
    ).user
    for outsider in (manager, other_coach, other_team):
        with pytest.raises(ValidationError, match="Alleen de lerende, diens coach"):
            services.progress_review_comment_create(actor=outsider, review=review, text="Hoi")
    comments = review.comments.order_by("pk")
    assert [(c.author, c.text) for c in comments] == [
        (line_manager, "Gezien."),
        (learner, "Gezien."),
        (coach, "Gezien."),
    ]
    assert comments[0].history.get().history_user == line_manager


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_a_comment_shows_under_its_review_for_the_learner(
    client, learner, line_manager, enrolment, review
):
    client.force_login(line_manager)
    answer = client.post(
        reverse("coaching:review-comment", args=[review.pk]),
        {"text": "Fijn dat de koelcel erbij komt."},
    )
    progress = reverse("coaching:progress", args=[enrolment.pk])
    assert answer["Location"] == f"{progress}#review-{review.pk}"
    client.force_login(learner)
    html = client.get(progress).content.decode()
    assert f"<strong>{line_manager.name}</strong>" in html
    assert "Fijn dat de koelcel erbij komt." in html


def test_erasing_the_learner_removes_the_outcome_and_comments_and_keeps_the_dates(
    manager, line_manager, coach, enrolment, learner
):
    with time_machine.travel(IN_WEEK_FIVE, tick=False):
        review = services.progress_review_plan(
            actor=coach, enrolment=enrolment, planned_on=datetime.date(2026, 11, 16)
        )
        services.progress_review_record_outcome(
            actor=line_manager,
            review=review,
            outcome="Lotte loopt voor.",
            held_on=review.planned_on,
        )
        services.progress_review_comment_create(actor=coach, review=review, text="Lotte: top.")
    personal_data.person_erase(actor=manager, person=learner)
    review.refresh_from_db()
    assert review.planned_on == datetime.date(2026, 11, 16)
    assert review.outcome == review.comments.get().text == "verwijderd"
    assert not ProgressReview.history.filter(outcome__contains="Lotte").exists()


def test_the_export_holds_the_reviews_and_their_comments(
    client, learner, line_manager, coach, enrolment
):
    with time_machine.travel(IN_WEEK_FIVE, tick=False):
        review = services.progress_review_plan(
            actor=coach, enrolment=enrolment, planned_on=datetime.date(2026, 11, 16)
        )
        services.progress_review_record_outcome(
            actor=line_manager, review=review, outcome="Loopt voor.", held_on=review.planned_on
        )
        services.progress_review_comment_create(actor=line_manager, review=review, text="Top.")
    client.force_login(learner)
    response = client.get(reverse("personal-data-export"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    reviews = archive.read("coaching/progress_reviews.csv").decode("utf-8-sig")
    comments = archive.read("coaching/progress_review_comments.csv").decode("utf-8-sig")
    assert "Loopt voor." in reviews and line_manager.name in reviews
    assert "Top." in comments


# --- The pages ----------------------------------------------------------------------------


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_the_progress_page_shows_held_and_upcoming_reviews_with_the_participants(
    client, learner, line_manager, coach, enrolment, review
):
    services.progress_review_record_outcome(
        actor=coach, review=review, outcome="Loopt voor.", held_on=datetime.date(2026, 11, 16)
    )
    services.progress_review_plan(
        actor=coach, enrolment=enrolment, planned_on=datetime.date(2026, 12, 14)
    )
    client.force_login(learner)
    html = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    assert "Loopt voor." in html
    assert "16 november 2026" in html
    assert "14 december 2026" in html
    assert f"leidinggevende {line_manager.name}" in html
    # The learner reads; recording is for the coach and the line manager.
    assert reverse("coaching:review-outcome", args=[review.pk + 1]) not in html


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_the_line_manager_records_an_outcome_through_the_pages(
    client, line_manager, enrolment, review
):
    client.force_login(line_manager)
    progress = client.get(reverse("coaching:progress", args=[enrolment.pk])).content.decode()
    url = reverse("coaching:review-outcome", args=[review.pk])
    assert url in progress
    answer = client.post(
        url, {"held_on": "2026-11-16", "outcome": "Afgesproken: koelcel.", SUBMISSION_TOKEN: ""}
    )
    assert answer["Location"] == reverse("coaching:progress", args=[enrolment.pk]) + "#reviews"
    assert ProgressReview.objects.held().get().outcome == "Afgesproken: koelcel."


@time_machine.travel(IN_WEEK_FIVE, tick=False)
def test_each_viewer_sees_the_review_actions_that_are_theirs(
    client, learner, coach, line_manager, manager, enrolment, review
):
    services.progress_review_record_outcome(
        actor=coach, review=review, outcome="Loopt voor.", held_on=datetime.date(2026, 11, 16)
    )
    upcoming = services.progress_review_plan(
        actor=coach, enrolment=enrolment, planned_on=datetime.date(2026, 12, 14)
    )
    progress = reverse("coaching:progress", args=[enrolment.pk])
    outcome = reverse("coaching:review-outcome", args=[upcoming.pk])
    held_outcome = reverse("coaching:review-outcome", args=[review.pk])
    comment = reverse("coaching:review-comment", args=[review.pk])
    plan = reverse("coaching:review-plan", args=[enrolment.pk])
    # (records the upcoming one's outcome, comments, plans)
    expected = {
        learner: (False, True, False),
        coach: (True, True, True),
        line_manager: (True, True, False),
        manager: (False, False, True),
    }
    for viewer, (records, comments, plans) in expected.items():
        client.force_login(viewer)
        html = client.get(progress).content.decode()
        assert (outcome in html, comment in html, plan in html) == (records, comments, plans)
        assert held_outcome not in html


@time_machine.travel(IN_WEEK_ONE, tick=False)
def test_the_team_page_lists_the_team_with_the_next_review_and_nobody_else(
    client, line_manager, coach, enrolment, other_team_enrolment
):
    services.progress_reviews_plan_default(actor=coach, enrolment=enrolment)
    client.force_login(line_manager)
    page = client.get(reverse("coaching:team"))
    html = page.content.decode()
    assert enrolment.learner.name in html
    assert other_team_enrolment.learner.name not in html
    assert "16 november 2026" in html  # week two: the next review
    assert reverse("coaching:team") in html  # the navigation's entry


def _team_of(size, organization, cohort, coach):
    for _ in range(size):
        learner = MembershipFactory(organization=organization, team="Orderpicking").user
        enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
        PairingFactory(enrolment=enrolment, coach=coach)
        services.progress_reviews_plan_default(actor=coach, enrolment=enrolment)


@pytest.mark.parametrize("size", [3, 40])
@time_machine.travel(IN_WEEK_ONE, tick=False)
def test_the_team_page_queries_do_not_grow_with_the_team(
    client, django_assert_num_queries, line_manager, organization, cohort, coach, size
):
    _team_of(size, organization, cohort, coach)
    client.force_login(line_manager)
    # session, user, roles; the count and the page of enrolments; their status (nine);
    # their next reviews; the bell's unread count
    with django_assert_num_queries(QUERIES) as queries:
        page = client.get(reverse("coaching:team"))
    assert page.status_code == 200
    rows = page.content.decode().count('class="list-group-item"')
    assert rows == min(size, 25), queries
