"""Every form that creates something counts once per one-time token: a replayed post (the
browser's back-and-resend, a double tap that got through) answers as the first post did and
stores nothing twice (werkplek.lib.forms.submitted_once)."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from coaching import services as coaching_services
from coaching.models import (
    FeedbackAddendum,
    PeerFeedback,
    ProgramEvaluation,
    ProgressReview,
    ProgressReviewComment,
    ReflectionReaction,
    ThankYouNote,
)
from kpis import imports as kpi_imports
from kpis import services as kpi_services
from kpis.models import KPI, Measurement
from programs import imports
from programs import services as program_services
from programs.models import (
    ChecklistItem,
    CoachTraining,
    Cohort,
    Invitation,
    LearningGoal,
    Method,
    Pairing,
    Program,
)
from programs.needs import imports as needs_imports
from programs.needs import services as needs_services
from programs.needs.models import NeedsAnalysis, NeedsRating, NeedsRequest
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    KPIFactory,
    LearningGoalFactory,
    PairingFactory,
    ProgramFactory,
    ReflectionFactory,
)
from werkplek.lib.forms import SUBMISSION_TOKEN
from werkplek.models import FormSubmission, Leave

pytestmark = pytest.mark.django_db


def _today():
    return timezone.localdate().isoformat()


def program_create(f):
    data = {
        "name": "Inwerken reachtruck",
        "description": "",
        "business_objective": "Zelfstandig binnen drie weken.",
        "duration_weeks": "3",
        "feedback_every_days": "5",
        "reminder_rhythm": "after_feedback",
        "reminder_time": "09:00",
        "owner": f("manager").pk,
    }
    return f("manager"), reverse("programs:create"), data, Program.objects, {}


def program_duplicate(f):
    url = reverse("programs:duplicate", args=[f("program").pk])
    return f("manager"), url, {"name": "Kopie"}, Program.objects, {}


def goal_create(f):
    url = reverse("programs:goal-create", args=[f("program").pk])
    data = {"new-goal-title": "Veilig werken", "new-goal-target_week": "1"}
    return f("manager"), url, data, LearningGoal.objects, {}


def goal_create_htmx(f):
    user, url, data, counted, _headers = goal_create(f)
    return user, url, data, counted, {"HTTP_HX_REQUEST": "true"}


def checklist_item_create(f):
    goal = LearningGoalFactory(program=f("program"))
    url = reverse("programs:checklist-item-create", args=[goal.pk])
    return f("manager"), url, {f"new-item-{goal.pk}-title": "Scant"}, ChecklistItem.objects, {}


def cohort_create(f):
    url = reverse("programs:cohort-create", args=[f("program").pk])
    data = {"name": "Groep 3", "starts_on": _today()}
    return f("manager"), url, data, Cohort.objects, {}


def pairing(f):
    enrolment, other_coach = f("enrolment"), f("other_coach")
    url = reverse("programs:cohort-detail", args=[enrolment.cohort_id])
    data = {"enrolments": [enrolment.pk], "coach": other_coach.pk, "starts_on": _today()}
    return f("manager"), url, data, Pairing.objects, {}


def method_create(f):
    url = reverse("programs:methods", args=[f("organization").slug])
    return f("manager"), url, {"name": "Buddy-systeem"}, Method.objects, {}


def kpi_create(f):
    data = {
        "name": "Orderfouten",
        "unit": "fouten",
        "direction": "lower",
        "decimals": "1",
        "subject_level": "organization",
        "cadence": "month",
    }
    return f("manager"), reverse("kpis:create"), data, KPI.objects, {}


def measurement_create(f):
    kpi = KPIFactory(organization=f("organization"), subject_level="organization")
    url = reverse("kpis:measurement-create", args=[kpi.pk])
    return f("manager"), url, {"period": _today(), "value": "3"}, Measurement.objects, {}


def leave_create(f):
    data = {"starts_on": _today(), "ends_on": _today()}
    return f("learner"), reverse("leave-create"), data, Leave.objects, {}


def member_leave(f):
    """The L&D manager marks a learner away (werkplek.views.member_leave)."""
    learner = f("learner")
    url = reverse("member-leave", args=[f("organization").slug, learner.memberships.get().pk])
    data = {"starts_on": _today(), "ends_on": _today()}
    return f("manager"), url, data, Leave.objects.filter(user=learner), {}


def addendum(f):
    moment = FeedbackMomentFactory(enrolment=f("enrolment"), coach=f("coach"))
    url = reverse("coaching:feedback-addendum", args=[moment.pk])
    return f("coach"), url, {"text": "Nog één ding."}, FeedbackAddendum.objects, {}


def reaction(f):
    moment = FeedbackMomentFactory(enrolment=f("enrolment"), coach=f("coach"))
    reflection = ReflectionFactory(
        enrolment=f("enrolment"),
        feedback_moment=moment,
        submitted_at=timezone.now(),
        answers=[{"question": "Wat ging goed?", "answer": "Scannen"}],
    )
    url = reverse("coaching:reflection-react", args=[reflection.pk])
    return f("coach"), url, {"text": "Dat zie ik ook!"}, ReflectionReaction.objects, {}


def peer_give(f):
    f("other_enrolment")
    asked = coaching_services.peer_feedback_request(
        actor=f("learner"),
        enrolment=f("enrolment"),
        goal=LearningGoalFactory(program=f("program")),
        peer=f("other_learner"),
    )
    url = reverse("coaching:peer-give", args=[asked.pk])
    given = PeerFeedback.objects.filter(given_at__isnull=False)
    return f("other_learner"), url, {"text": "Je scant rustig."}, given, {}


def thank_coach(f):
    url = reverse("coaching:thank-coach", args=[f("coach").memberships.get().pk])
    return f("manager"), url, {"text": "Dank voor je geduld!"}, ThankYouNote.objects, {}


def coach_training(f):
    url = reverse("programs:coach-profile", args=[f("coach").memberships.get().pk])
    data = {"course": "Werkbegeleider BPV", "completed_on": _today()}
    return f("manager"), url, data, CoachTraining.objects, {}


def review_plan(f):
    url = reverse("coaching:review-plan", args=[f("enrolment").pk])
    return f("coach"), url, {"planned_on": _today()}, ProgressReview.objects, {}


def reviews_plan_default(f):
    """The usual reviews at once (all but the last planned already, so the post plans one):
    a replay plans none again."""
    coach, today = f("coach"), timezone.localdate()
    enrolment = EnrolmentFactory(cohort=CohortFactory(program=f("program"), starts_on=today))
    PairingFactory(enrolment=enrolment, coach=coach, started_on=today)
    for day in coaching_services.default_review_days(enrolment)[:-1]:
        coaching_services.progress_review_plan(actor=coach, enrolment=enrolment, planned_on=day)
    url = reverse("coaching:reviews-plan-default", args=[enrolment.pk])
    return coach, url, {}, ProgressReview.objects, {}


def review_outcome(f):
    review = coaching_services.progress_review_plan(
        actor=f("coach"), enrolment=f("enrolment"), planned_on=f("enrolment").started_on
    )
    url = reverse("coaching:review-outcome", args=[review.pk])
    data = {"held_on": review.planned_on.isoformat(), "outcome": "Loopt voor."}
    return f("line_manager"), url, data, ProgressReview.objects.held(), {}


def review_comment(f):
    review = coaching_services.progress_review_plan(
        actor=f("coach"), enrolment=f("enrolment"), planned_on=f("enrolment").started_on
    )
    url = reverse("coaching:review-comment", args=[review.pk])
    data = {"text": "Fijn dat de koelcel erbij komt."}
    return f("line_manager"), url, data, ProgressReviewComment.objects, {}


def _ended(f):
    enrolment = f("enrolment")
    program_services.enrolment_end(
        actor=f("manager"), enrolment=enrolment, reason="stopped", ended_on=timezone.localdate()
    )
    return enrolment


def evaluation_learner(f):
    url = reverse("coaching:evaluation-learner", args=[_ended(f).pk])
    data = {"score_0": "5", "score_1": "4", "score_2": "4", "score_3": "3", "open_answer": "Top"}
    return f("learner"), url, data, ProgramEvaluation.objects, {}


def evaluation_coach(f):
    url = reverse("coaching:evaluation-coach", args=[_ended(f).cohort_id])
    data = {"score_0": "4", "score_1": "3", "score_2": "5", "open_answer": "Meer tijd"}
    return f("coach"), url, data, ProgramEvaluation.objects, {}


def learner_import_confirm(f):
    cohort, manager = f("cohort"), f("manager")
    rows = [imports.ImportRow(line=2, email="nina@example.nl", name="Nina Kok")]
    rows = imports.check_rows(rows, cohort)
    preview = program_services.learner_import_create(cohort=cohort, rows=rows, actor=manager)
    url = reverse("programs:cohort-import-confirm", args=[cohort.pk])
    return manager, url, {"token": preview.token}, Invitation.objects, {}


def measurement_import_confirm(f):
    kpi = KPIFactory(organization=f("organization"), subject_level="organization")
    rows = [kpi_imports.MeasurementRow(line=2, subject="", period=_today(), value="3")]
    rows = kpi_imports.check_rows(kpi, rows, from_cells=False)
    preview = kpi_services.measurement_import_create(
        actor=f("manager"), kpi=kpi, rows=rows, is_spreadsheet=False
    )
    url = reverse("kpis:measurement-import-confirm", args=[kpi.pk])
    return f("manager"), url, {"token": preview.token}, Measurement.objects, {}


def _needs_program(f):
    """A draft program with one goal, whose needs analysis asked the learner."""
    program = ProgramFactory(organization=f("organization"), owner=f("manager"), status="draft")
    LearningGoalFactory(program=program, title="Veilig rijden")
    return program


def needs_ask(f):
    url = reverse("programs:needs-ask", args=[_needs_program(f).pk])
    return f("manager"), url, {"emails": f("learner").email}, NeedsRequest.objects, {}


def needs_answer(f):
    program = _needs_program(f)
    (request,) = needs_services.needs_analysis_ask(
        actor=f("manager"), program=program, people=[f("learner")]
    )
    goal = program.goals.get()
    data = {f"importance_{goal.pk}": "5", f"ability_{goal.pk}": "2"}
    url = reverse("programs:needs-answer", args=[request.pk])
    return f("learner"), url, data, NeedsRating.objects, {}


def needs_import_confirm(f):
    program, learner = _needs_program(f), f("learner")
    (request,) = needs_services.needs_analysis_ask(
        actor=f("manager"), program=program, people=[learner]
    )
    row = needs_imports.RatingRow(
        line=2, email=learner.email, goal="Veilig rijden", importance="5", ability="2"
    )
    rows = needs_imports.check_rows([row], request.analysis)
    preview = needs_services.needs_import_create(
        analysis=request.analysis, rows=rows, actor=f("manager")
    )
    url = reverse("programs:needs-import-confirm", args=[request.analysis.pk])
    return f("manager"), url, {"token": preview.token}, NeedsRating.objects, {}


def needs_close(f):
    program = _needs_program(f)
    (request,) = needs_services.needs_analysis_ask(
        actor=f("manager"), program=program, people=[f("learner")]
    )
    url = reverse("programs:needs-close", args=[request.analysis.pk])
    closed = NeedsAnalysis.history.filter(closed_at__isnull=False)
    return f("manager"), url, {}, closed, {}


CASES = [
    program_create,
    program_duplicate,
    goal_create,
    goal_create_htmx,
    checklist_item_create,
    cohort_create,
    pairing,
    method_create,
    kpi_create,
    measurement_create,
    leave_create,
    member_leave,
    addendum,
    reaction,
    peer_give,
    thank_coach,
    coach_training,
    review_plan,
    reviews_plan_default,
    review_outcome,
    review_comment,
    evaluation_learner,
    evaluation_coach,
    learner_import_confirm,
    measurement_import_confirm,
    needs_ask,
    needs_answer,
    needs_import_confirm,
    needs_close,
]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_a_replayed_create_form_answers_as_the_first_and_stores_nothing_twice(
    client, request, case
):
    user, url, data, counted, headers = case(request.getfixturevalue)
    client.force_login(user)
    before = counted.count()
    data = {**data, SUBMISSION_TOKEN: str(uuid.uuid4())}

    first = client.post(url, data, **headers)
    after_first = counted.count()
    first_messages = shown(first)
    client.get(reverse("home"), follow=True)  # the next page shows the first's messages
    replay = client.post(url, data, **headers)

    assert after_first == before + 1
    assert counted.count() == after_first
    location = "HX-Redirect" if headers else "Location"
    first_url = first.get("Location") or FormSubmission.objects.get().result_url
    assert replay[location] == first_url
    assert shown(replay) == first_messages


def shown(response) -> list[str]:
    """The messages a response leaves for the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_same_form_posted_again_with_a_new_token_creates_again(client, manager):
    """The token is what makes a post the same one: a second program typed alike is new."""
    user, url, data, counted, _headers = program_create(lambda name: manager)
    client.force_login(user)
    client.post(url, {**data, SUBMISSION_TOKEN: str(uuid.uuid4())})
    client.post(url, {**data, "name": "Inwerken heftruck", SUBMISSION_TOKEN: str(uuid.uuid4())})
    assert counted.count() == 2


def test_a_token_counts_per_person(client, coach, other_coach, enrolment, other_enrolment):
    """Someone else's token (seen over a shoulder, guessed) neither replays their answer nor
    blocks the other's post."""
    token = str(uuid.uuid4())
    for user, moment in (
        (coach, FeedbackMomentFactory(enrolment=enrolment, coach=coach)),
        (other_coach, FeedbackMomentFactory(enrolment=other_enrolment, coach=other_coach)),
    ):
        client.force_login(user)
        client.post(
            reverse("coaching:feedback-addendum", args=[moment.pk]),
            {"text": "Aanvulling", SUBMISSION_TOKEN: token},
        )
    assert FeedbackAddendum.objects.count() == 2
