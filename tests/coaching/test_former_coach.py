"""A former coach reads what they wrote and the progress as it stood on their last day."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching import selectors
from coaching.models import (
    FeedbackAddendum,
    FeedbackMoment,
    GoalAssessment,
    PeerFeedback,
    ProgressReview,
    ProgressReviewComment,
    Reflection,
    ReflectionReaction,
    SignOff,
)
from programs import services as program_services
from programs.models import Enrolment
from tests.factories import (
    ChecklistItemFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    GoalAssessmentFactory,
    LearningGoalFactory,
    MembershipFactory,
    PairingFactory,
    ReflectionFactory,
)

pytestmark = pytest.mark.django_db

HANDOVER = datetime.date(2026, 11, 16)


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 12, tzinfo=datetime.UTC)


@pytest.fixture
def handed_over(enrolment, program, coach, other_coach):
    """`coach` guided the learner until 16 November; `other_coach` took over then."""
    goal = LearningGoalFactory(program=program, title="Scannen")
    own = FeedbackMomentFactory(
        enrolment=enrolment,
        coach=coach,
        occurred_on=datetime.date(2026, 11, 5),
        went_well="Rustig gescand in de ochtend",
        created_at=at(5),
    )
    GoalAssessmentFactory(feedback_moment=own, goal=goal, level=2)
    program_services.pairing_set(enrolments=[enrolment], coach=other_coach, on=HANDOVER)
    later = FeedbackMomentFactory(
        enrolment=enrolment,
        coach=other_coach,
        occurred_on=datetime.date(2026, 11, 18),
        went_well="Nachtdienst zonder hulp",
        created_at=at(18),
    )
    GoalAssessmentFactory(feedback_moment=later, goal=goal, level=3)
    ReflectionFactory(
        enrolment=enrolment,
        answers=[{"question": "Wat ging goed?", "answer": "Reflectie na de wissel"}],
        submitted_at=at(19),
    )
    FeedbackAddendum.objects.create(
        feedback_moment=own,
        author=other_coach,
        text="Aanvulling van de nieuwe coach",
        created_at=at(20),
    )
    return enrolment


def page(client, user, enrolment) -> str:
    client.force_login(user)
    response = client.get(reverse("coaching:progress", args=[enrolment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_former_coach_sees_their_own_feedback_and_nothing_written_after(
    client, coach, handed_over
):
    content = page(client, coach, handed_over)
    assert "Rustig gescand in de ochtend" in content
    assert "Nachtdienst zonder hulp" not in content
    assert "Reflectie na de wissel" not in content
    assert "Aanvulling van de nieuwe coach" not in content
    assert "Je was coach van deze lerende tot en met 15 november 2026" in content


def test_a_former_coach_sees_the_levels_as_they_stood_on_their_last_day(
    coach, other_coach, handed_over
):
    today = datetime.date(2026, 11, 25)
    then = selectors.enrolment_progress(handed_over, viewer=coach, today=today)
    now = selectors.enrolment_progress(handed_over, viewer=other_coach, today=today)
    assert [goal.levels.current for goal in then.goals] == [2]
    assert [goal.levels.current for goal in now.goals] == [3]
    assert then.current_coach is None


@pytest.mark.parametrize("actor", ["other_coach", "learner", "manager"])
def test_the_current_coach_learner_and_manager_see_everything(client, request, handed_over, actor):
    content = page(client, request.getfixturevalue(actor), handed_over)
    for text in [
        "Rustig gescand in de ochtend",
        "Nachtdienst zonder hulp",
        "Reflectie na de wissel",
        "Aanvulling van de nieuwe coach",
    ]:
        assert text in content


# Every kind of row the progress page reads, with its path to the enrolment.
ENROLMENT_PATH = {
    FeedbackMoment: "enrolment",
    GoalAssessment: "feedback_moment__enrolment",
    SignOff: "enrolment",
    FeedbackAddendum: "feedback_moment__enrolment",
    Reflection: "enrolment",
    ReflectionReaction: "reflection__enrolment",
    PeerFeedback: "enrolment",
    ProgressReview: "enrolment",
    ProgressReviewComment: "review__enrolment",
}


@pytest.fixture
def every_kind_around_the_handover(handed_over, program, coach, other_coach, other_learner):
    """One row of every kind on the former coach's last day (15 November) and one on the
    handover day (16 November), when the next coach took over."""
    goal = LearningGoalFactory(program=program, title="Inpakken")
    item = ChecklistItemFactory(goal=goal)
    for day, author in [(15, coach), (16, other_coach)]:
        moment = FeedbackMomentFactory(
            enrolment=handed_over,
            coach=author,
            occurred_on=datetime.date(2026, 11, day),
            created_at=at(day),
        )
        GoalAssessmentFactory(feedback_moment=moment, goal=goal, level=2)
        SignOff.objects.create(
            enrolment=handed_over,
            checklist_item=item,
            signed_by=author,
            signed_on=moment.occurred_on,
            feedback_moment=moment,
        )
        FeedbackAddendum.objects.create(
            feedback_moment=moment, author=author, text="Aanvulling", created_at=at(day)
        )
        reflection = ReflectionFactory(enrolment=handed_over, submitted_at=at(day))
        ReflectionReaction.objects.create(
            reflection=reflection, author=author, text="Goed", created_at=at(day)
        )
        PeerFeedback.objects.create(
            enrolment=handed_over,
            goal=goal,
            requested_from=other_learner,
            text="Netjes",
            given_at=at(day),
        )
        review = ProgressReview.objects.create(
            enrolment=handed_over, planned_on=datetime.date(2026, 11, day)
        )
        ProgressReviewComment.objects.create(
            review=review, author=author, text="Opmerking", created_at=at(day)
        )
    return handed_over


@pytest.mark.parametrize(
    "actor", ["coach", "other_coach", "learner", "manager", "line_manager", "other_manager"]
)
def test_the_progress_page_reads_by_the_enrolment_what_the_doors_let_through(
    request, every_kind_around_the_handover, actor
):
    """The page reads each kind of row by the enrolment and the viewer's access to it,
    not through each kind's door: the same rows, for everyone."""
    enrolment = every_kind_around_the_handover
    user = request.getfixturevalue(actor)
    fetched = Enrolment.objects.visible_to(user).with_access(user).filter(pk=enrolment.pk)
    for access in [enrolment.access_for(user), *(e.access_for(user) for e in fetched)]:
        for model, path in ENROLMENT_PATH.items():
            rows = model.objects.filter(**{path: enrolment.pk})
            assert set(rows.visible_to(user, within=access)) == set(rows.visible_to(user)), model


def test_a_former_coach_reads_by_the_enrolment_up_to_their_last_day_only(
    coach, every_kind_around_the_handover
):
    access = every_kind_around_the_handover.access_for(coach)
    assert (access.full, access.until) == (False, HANDOVER)
    dates = {
        model: sorted(model.objects.visible_to(coach, within=access).values_list(field, flat=True))
        for model, field in [
            (SignOff, "signed_on"),
            (GoalAssessment, "feedback_moment__occurred_on"),
            (ProgressReview, "planned_on"),
        ]
    }
    last_day = datetime.date(2026, 11, 15)
    assert dates[SignOff] == [last_day]
    assert dates[ProgressReview] == [last_day]
    assert dates[GoalAssessment] == [datetime.date(2026, 11, 5), last_day]
    assert not ReflectionReaction.objects.visible_to(coach, within=access).filter(
        created_at__gte=at(16)
    )


def test_someone_who_may_not_read_the_enrolment_reads_nothing_by_it(
    other_manager, every_kind_around_the_handover
):
    access = every_kind_around_the_handover.access_for(other_manager)
    assert (access.full, access.until) == (False, None)
    for model in ENROLMENT_PATH:
        assert not model.objects.visible_to(other_manager, within=access).exists(), model


def test_an_access_to_the_enrolment_is_only_its_own_viewers(coach, other_coach, handed_over):
    with pytest.raises(ValueError):
        SignOff.objects.visible_to(other_coach, within=handed_over.access_for(coach))


def coached_before(coach, cohort, count, first=0):
    """`count` learners named "Eerder 0001" onwards whom `coach` guided from the cohort's
    start until HANDOVER, each starting a day after the one before."""
    for n in range(first, first + count):
        learner = MembershipFactory(
            organization=cohort.program.organization, user__name=f"Eerder {n:04}"
        ).user
        started_on = cohort.starts_on + datetime.timedelta(days=n % 10)
        enrolment = EnrolmentFactory(cohort=cohort, learner=learner, started_on=started_on)
        PairingFactory(enrolment=enrolment, coach=coach, started_on=started_on, ended_on=HANDOVER)


def test_the_learners_coached_before_come_ten_a_page_the_latest_started_first(
    client, coach, cohort
):
    coached_before(coach, cohort, 12)
    client.force_login(coach)
    home = client.get(reverse("coaching:home")).content.decode()
    assert "Lerenden die je eerder coachte (12)" in home
    assert home.count(">Eerder 00") == 10
    assert ">Eerder 0009<" in home and ">Eerder 0010<" not in home  # 0000 and 0010 started first
    assert "Pagina 1 van 2" in home
    second = client.get(reverse("coaching:home"), {"eerder": 2}).content.decode()
    assert '<details class="mt-4" id="earlier" open>' in second
    assert ">Eerder 0000<" in second and ">Eerder 0010<" in second
    assert second.count(">Eerder 00") == 2


def test_my_learners_keeps_its_size_and_queries_from_few_to_many_learners_coached_before(
    client, coach, cohort
):
    figures = []
    for first, count in ((0, 11), (11, 99)):  # 11 learners, then 110
        coached_before(coach, cohort, count, first=first)
        client.force_login(coach)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("coaching:home"))
        assert response.status_code == 200
        figures.append((len(queries), len(response.content)))
    (small_queries, small_html), (large_queries, large_html) = figures
    assert small_queries == large_queries
    assert abs(large_html - small_html) <= 20, figures


def test_my_learners_counts_the_learners_coached_before_with_their_first_page(
    client, coach, cohort
):
    # The number in the summary comes with the first page's rows, not from a query of its
    # own: the home costs the same with learners coached before as without.
    client.force_login(coach)
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("coaching:home"))
    coached_before(coach, cohort, 12)
    with CaptureQueriesContext(connection) as with_them:
        home = client.get(reverse("coaching:home")).content.decode()
    assert "Lerenden die je eerder coachte (12)" in home
    assert home.count(">Eerder 00") == 10
    assert len(with_them) == len(without)
