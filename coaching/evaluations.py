"""Program evaluation: learners evaluate their program and coaching, coaches the program, and
L&D managers read the results per program and group.

- A learner evaluates at the end of their enrolment (within EVALUATION_WINDOW of its last
  day; not after leaving the organisation) and, when the program asks, halfway between its
  start and target date while it runs; once per moment (a unique constraint holds it too).
- A coach evaluates a program once per group, once a learner they coached in it has ended:
  by then they have seen the program through once, and one answer per group keeps a coach
  with several learners from counting several times.
- Both are asked through the outbox (EVALUATION_ASKED): the learner when the enrolment ends
  (programs' `enrolment_ended` signal) or its halfway day comes (a daily beat job), the last
  coach when a learner of theirs ends; the progress page and the coach's page show the same
  request as a card.
- The results count the ratings per question as asked and show nothing, not even the open
  answers, below the program's minimum number of people (`Program.evaluation_min_answers`),
  for a group, for each statement, and for the program, which leaves out the groups below it
  (else the program minus the groups shown would give theirs); open answers are shown
  alphabetically, without names or dates. Only the program's L&D managers read them:
  coaches are among those evaluated, and in a small group they would recognise the learners.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateField, Exists, F, Func, Min, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from coaching.choices import EvaluationMoment
from coaching.models import EVALUATION_SCALE, EvaluationScore, ProgramEvaluation
from programs.choices import EndReason, EvaluationAudience, ProgramStatus
from programs.models import Cohort, Enrolment, Pairing, Program
from programs.selectors import evaluation_questions
from werkplek import audit, notifications, outbox
from werkplek.lib.urls import absolute_url
from werkplek.models import User
from werkplek.notifications import Notice
from werkplek.outbox import Rendered

EVALUATION_ASKED = "evaluation_asked"
# How long after an enrolment ended its learner (and a coach, its group) may still evaluate.
EVALUATION_WINDOW = datetime.timedelta(days=60)
# A halfway day found this much later (beat was down) is still asked about; older ones not.
HALFWAY_GRACE = datetime.timedelta(days=7)
# The most open answers the results page lists, alphabetically; the count says how many more.
MAX_OPEN_ANSWERS = 50
# The most groups the coach's page lists to evaluate.
MAX_GROUPS_TO_EVALUATE = 5


def halfway_on(enrolment: Enrolment) -> datetime.date:
    """The day halfway between the enrolment's start and its target date: the start plus
    half the days between, rounded down (HalfwayOn computes the same in the database)."""
    days = (enrolment.target_on - enrolment.started_on).days
    return enrolment.started_on + datetime.timedelta(days=days // 2)


class HalfwayOn(Func):
    """An enrolment's halfway day in SQL, exactly as halfway_on() computes it, so that a
    query can filter on it (the target date is never before the start: a constraint).
    Not Django's duration arithmetic: on SQLite a halved duration is a float that it cannot
    add to a date (NULL)."""

    output_field = DateField()
    # In PostgreSQL date - date counts whole days and integer / 2 rounds them down.
    template = "(%(start)s + (%(target)s - %(start)s) / 2)"
    # SQLite keeps dates as text: count the days between as Julian days.
    sqlite_template = (
        "date(julianday(%(start)s) + CAST(julianday(%(target)s) - julianday(%(start)s) "
        "AS INTEGER) / 2)"
    )

    def __init__(self):
        super().__init__(F("started_on"), F("target_on"))

    def as_sql(self, compiler, connection, template=None, **extra_context):
        (start, start_params), (target, target_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = (template or self.template) % {"start": start, "target": target}
        return sql, (*start_params, *target_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template=self.sqlite_template)


def open_moment(enrolment: Enrolment, *, today: datetime.date) -> str | None:
    """The moment the learner evaluates now, or None: the end from the enrolment's last day
    for EVALUATION_WINDOW, halfway from its halfway day while it runs (if the program asks);
    never one answered already, never in an archived program or after leaving."""
    program = enrolment.cohort.program
    if program.status == ProgramStatus.ARCHIVED:
        return None
    if enrolment.ended_on is not None:
        if enrolment.end_reason == EndReason.LEFT_ORGANISATION:
            return None
        if today > enrolment.ended_on + EVALUATION_WINDOW:
            return None
        moment = EvaluationMoment.END
    elif program.evaluate_halfway and today >= halfway_on(enrolment):
        moment = EvaluationMoment.HALFWAY
    else:
        return None
    if enrolment.evaluations.filter(moment=moment).exists():
        return None
    return moment


def groups_to_evaluate(user: User, *, today: datetime.date):
    """The groups the user evaluates as a coach: of programs that are not archived, with an
    enrolment they were paired with that ended within EVALUATION_WINDOW (not by leaving the
    organisation), which they have not evaluated yet. Oldest ending first."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    ended = Enrolment.objects.filter(
        cohort=OuterRef("pk"),
        ended_on__gte=today - EVALUATION_WINDOW,
        pk__in=Pairing.objects.filter(coach=user).values("enrolment"),
    ).exclude(end_reason=EndReason.LEFT_ORGANISATION)
    answered = ProgramEvaluation.objects.filter(
        cohort=OuterRef("pk"), respondent=user, audience=EvaluationAudience.COACH
    )
    return (
        Cohort.objects.filter(Exists(ended))
        .exclude(Exists(answered))
        .exclude(program__status=ProgramStatus.ARCHIVED)
        .select_related("program")
        .order_by("starts_on", "pk")
    )


# --- Answering -------------------------------------------------------------------------


def _record(evaluation: ProgramEvaluation, statements: list[str], scores: list[int], actor):
    if len(scores) != len(statements):
        raise ValidationError(
            _("The questions changed while you answered; check them and send again.")
        )
    if any(score not in EVALUATION_SCALE for score in scores):
        raise ValidationError(_("Rate each statement from 1 to 5."))
    audit.acted_by(evaluation, actor)
    evaluation.full_clean()
    evaluation.save()
    bulk_create_with_history(
        [
            EvaluationScore(evaluation=evaluation, position=position, question=text, score=score)
            for position, (text, score) in enumerate(zip(statements, scores, strict=True), 1)
        ],
        EvaluationScore,
        default_user=actor,
    )
    return evaluation


@transaction.atomic
def learner_evaluation_submit(
    *,
    actor: User,
    enrolment: Enrolment,
    scores: list[int],
    open_answer: str,
    now: datetime.datetime | None = None,
) -> ProgramEvaluation:
    """The learner answers their program's evaluation for the moment open now (the end, or
    halfway): a rating per statement in the order asked, and the open answer (may be empty).
    `now` dates it (the demo's history); by default the moment of answering."""
    now = now or timezone.now()
    enrolment = Enrolment.objects.select_related("cohort__program").get(pk=enrolment.pk)
    if actor.pk != enrolment.learner_id:
        raise ValidationError(_("Only the learner answers their evaluation."))
    moment = open_moment(enrolment, today=timezone.localdate(now))
    if moment is None:
        raise ValidationError(_("There is no evaluation for you to answer now."))
    questions = evaluation_questions(enrolment.cohort.program, EvaluationAudience.LEARNER)
    evaluation = ProgramEvaluation(
        cohort=enrolment.cohort,
        enrolment=enrolment,
        respondent=actor,
        audience=EvaluationAudience.LEARNER,
        moment=moment,
        open_question=questions.open_question,
        open_answer=open_answer.strip() if questions.open_question else "",
        submitted_at=now,
    )
    return _record(evaluation, questions.statements, scores, actor)


@transaction.atomic
def coach_evaluation_submit(
    *,
    actor: User,
    cohort: Cohort,
    scores: list[int],
    open_answer: str,
    now: datetime.datetime | None = None,
) -> ProgramEvaluation:
    """A coach evaluates the program of a group they coached a learner in to the end, once.
    `now` dates it (the demo's history); by default the moment of answering."""
    now = now or timezone.now()
    if not groups_to_evaluate(actor, today=timezone.localdate(now)).filter(pk=cohort.pk).exists():
        raise ValidationError(_("There is no evaluation of this group for you to answer now."))
    questions = evaluation_questions(cohort.program, EvaluationAudience.COACH)
    evaluation = ProgramEvaluation(
        cohort=cohort,
        respondent=actor,
        audience=EvaluationAudience.COACH,
        moment=EvaluationMoment.END,
        open_question=questions.open_question,
        open_answer=open_answer.strip() if questions.open_question else "",
        submitted_at=now,
    )
    return _record(evaluation, questions.statements, scores, actor)


# --- Asking ----------------------------------------------------------------------------


def _ask(recipient: User, *, slot: str, context: dict) -> None:
    outbox.enqueue(recipient=recipient, kind=EVALUATION_ASKED, due_slot=slot, context=context)


def ask_after_ending(*, enrolment_ids: list[int], **_signal) -> None:
    """Ask the learners of enrolments that just ended, and each one's last coach (once per
    group), to evaluate; in the transaction that records the ending (programs' signal)."""
    enrolments = (
        Enrolment.objects.filter(pk__in=enrolment_ids)
        .exclude(end_reason=EndReason.LEFT_ORGANISATION)
        .exclude(cohort__program__status=ProgramStatus.ARCHIVED)
        .select_related("learner", "cohort__program")
    )
    last_coaches = {}
    pairings = Pairing.objects.filter(enrolment_id__in=enrolment_ids).select_related("coach")
    for pairing in pairings.order_by("started_on", "pk"):
        last_coaches[pairing.enrolment_id] = pairing.coach
    for enrolment in enrolments:
        program = enrolment.cohort.program
        common = {"program": program.name, "organizations": [program.organization_id]}
        _ask(
            enrolment.learner,
            slot=f"evaluation:{enrolment.pk}:{EvaluationMoment.END}",
            context={**common, "enrolment": enrolment.pk, "moment": EvaluationMoment.END},
        )
        coach = last_coaches.get(enrolment.pk)
        if coach is not None:
            _ask(
                coach,
                slot=f"evaluation-group:{enrolment.cohort_id}",
                context={**common, "cohort": enrolment.cohort_id},
            )


def ask_halfway(*, on: datetime.date) -> int:
    """Ask each learner whose running enrolment reached its halfway day (within
    HALFWAY_GRACE of `on`) in a program that evaluates halfway; once per enrolment. Answers
    how many were asked. The halfway day is filtered in the query: only those are read."""
    due = (
        Enrolment.objects.running()
        .filter(cohort__program__evaluate_halfway=True, started_on__lte=on, target_on__gt=on)
        .alias(halfway_on=HalfwayOn())
        .filter(halfway_on__range=(on - HALFWAY_GRACE, on))
        .exclude(evaluations__moment=EvaluationMoment.HALFWAY)
        .select_related("learner", "cohort__program")
    )
    asked = 0
    for enrolment in due.iterator(chunk_size=500):
        program = enrolment.cohort.program
        with transaction.atomic():
            asked += bool(
                outbox.enqueue(
                    recipient=enrolment.learner,
                    kind=EVALUATION_ASKED,
                    due_slot=f"evaluation:{enrolment.pk}:{EvaluationMoment.HALFWAY}",
                    context={
                        "enrolment": enrolment.pk,
                        "moment": EvaluationMoment.HALFWAY,
                        "program": program.name,
                        "organizations": [program.organization_id],
                    },
                )
            )
    return asked


def _form_url(context: dict) -> str:
    if "cohort" in context:
        return reverse("coaching:evaluation-coach", args=[context["cohort"]])
    return reverse("coaching:evaluation-learner", args=[context["enrolment"]])


def render_evaluation_asked(message) -> Rendered | None:
    """ "How was the program?" with a link to the evaluation, while it is still open to the
    recipient and they have not turned these requests off."""
    if not notifications.wants(message.recipient, EVALUATION_ASKED):
        return None
    today = timezone.localdate()
    context = message.context
    if "cohort" in context:
        cohort = groups_to_evaluate(message.recipient, today=today).filter(pk=context["cohort"])
        cohort = cohort.first()
        if cohort is None:
            return None
        program, group, halfway = cohort.program, cohort, False
    else:
        enrolment = (
            Enrolment.objects.filter(pk=context["enrolment"], learner=message.recipient)
            .select_related("cohort__program")
            .first()
        )
        if enrolment is None or open_moment(enrolment, today=today) != context["moment"]:
            return None
        program, group = enrolment.cohort.program, None
        halfway = context["moment"] == EvaluationMoment.HALFWAY
    mail = {
        "person": message.recipient,
        "program": program,
        "group": group,
        "halfway": halfway,
        "link": absolute_url(_form_url(context)),
        "preferences_link": notifications.preferences_link(message.recipient),
    }
    return Rendered(
        subject=_("How was %(program)s? Evaluate it in two minutes") % {"program": program.name},
        text=render_to_string("coaching/email/evaluation_asked.txt", mail),
        html=render_to_string("coaching/email/evaluation_asked.html", mail),
        unsubscribe=notifications.unsubscribe_link(message.recipient, EVALUATION_ASKED),
    )


def describe_evaluation_asked(message) -> Notice:
    return Notice(
        title=_("Evaluate %(program)s") % {"program": message.context["program"]},
        url=_form_url(message.context),
    )


# --- Results ---------------------------------------------------------------------------


@dataclass
class QuestionResult:
    """The ratings of one statement as it was asked: how many, their mean and spread."""

    question: str
    counts: list[int]  # how many gave each rating of EVALUATION_SCALE, lowest first

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float:
        return sum(r * n for r, n in zip(EVALUATION_SCALE, self.counts, strict=True)) / self.count

    @property
    def shares(self) -> list[tuple[int, int, int]]:
        """(rating, how many, percentage) for each rating of the scale, lowest first."""
        return [
            (rating, count, round(100 * count / self.count) if self.count else 0)
            for rating, count in zip(EVALUATION_SCALE, self.counts, strict=True)
        ]


@dataclass
class EvaluationResults:
    """What the results page shows for one program (or group), audience and moment."""

    people: int  # how many people answered, in the groups that count
    minimum: int
    asked: int | None = None  # learners whose enrolment ended in scope (end, learners only)
    groups_left_out: bool = False  # program level: groups below the minimum do not count
    questions: list[QuestionResult] = field(default_factory=list)
    hidden_questions: int = 0  # statements fewer than `minimum` people rated
    open_answers: list[str] = field(default_factory=list)
    more_open_answers: int = 0

    @property
    def shown(self) -> bool:
        return self.people >= self.minimum


def _evaluations(program: Program, *, audience: str, moment: str, cohort: Cohort | None):
    evaluations = ProgramEvaluation.objects.filter(cohort__program=program, audience=audience)
    if audience == EvaluationAudience.LEARNER:
        evaluations = evaluations.filter(moment=moment)
    return evaluations.filter(cohort=cohort) if cohort is not None else evaluations


def _question_results(evaluations, minimum: int) -> tuple[list[QuestionResult], int]:
    """The ratings per statement summed over the groups in which at least `minimum` people
    rated it (a statement can be new or changed, so each group's is checked apart): what is
    shown for the program is then the sum of what each group shows, and no subtraction
    reveals a group's few. Answers the results and how many statements stay hidden."""
    per_rating = {f"n{r}": Count("pk", filter=Q(score=r)) for r in EVALUATION_SCALE}
    rows = (
        EvaluationScore.objects.filter(evaluation__in=evaluations)
        .values("evaluation__cohort", "question")
        .annotate(
            people=Count("evaluation__respondent", distinct=True),
            first=Min("position"),
            **per_rating,
        )
    )
    summed, first = {}, {}
    for row in rows:
        question = row["question"]
        counts = summed.setdefault(question, [0] * len(EVALUATION_SCALE))
        first[question] = min(first.get(question, row["first"]), row["first"])
        if row["people"] >= minimum:
            for index, rating in enumerate(EVALUATION_SCALE):
                counts[index] += row[f"n{rating}"]
    order = sorted(summed, key=lambda question: (first[question], question))
    shown = [QuestionResult(question=q, counts=summed[q]) for q in order if any(summed[q])]
    return shown, len(summed) - len(shown)


def evaluation_results(
    program: Program, *, audience: str, moment: str, cohort: Cohort | None = None
) -> EvaluationResults:
    """The results of a program's evaluation, or of one of its groups, in a fixed number of
    queries. People count, not answers (a coach answers once per group). A group shows from
    the program's minimum number of people, each statement from that many people who rated
    it; the program shows the groups that show, and says so when others are left out."""
    minimum = program.evaluation_min_answers
    evaluations = _evaluations(program, audience=audience, moment=moment, cohort=cohort)
    ended = Enrolment.objects.filter(cohort__program=program, ended_on__isnull=False)
    ended = ended.exclude(end_reason=EndReason.LEFT_ORGANISATION)
    left_out = False
    if cohort is None:
        counting = group_people_counts(program, audience=audience, moment=moment)
        counting = counting.filter(people__gte=minimum).values("pk")
        left_out = evaluations.exclude(cohort__in=counting).exists()
        evaluations = evaluations.filter(cohort__in=counting)
        ended = ended.filter(cohort__in=counting)
    else:
        ended = ended.filter(cohort=cohort)
    people = evaluations.aggregate(people=Count("respondent", distinct=True))["people"]
    results = EvaluationResults(people=people, minimum=minimum, groups_left_out=left_out)
    if audience == EvaluationAudience.LEARNER and moment == EvaluationMoment.END:
        results.asked = ended.count()
    if not results.shown:
        return results
    results.questions, results.hidden_questions = _question_results(evaluations, minimum)
    # Alphabetical, never by time: the newest answer must not point to who just finished.
    answered = evaluations.exclude(open_answer="").order_by("open_answer", "pk")
    texts = list(answered.values_list("open_answer", flat=True)[: MAX_OPEN_ANSWERS + 1])
    results.open_answers = texts[:MAX_OPEN_ANSWERS]
    if len(texts) > MAX_OPEN_ANSWERS:
        results.more_open_answers = answered.count() - MAX_OPEN_ANSWERS
    return results


def group_people_counts(program: Program, *, audience: str, moment: str):
    """The program's groups, each with `people`: how many people evaluated it (the results
    page pages through them)."""
    condition = Q(evaluations__audience=audience)
    if audience == EvaluationAudience.LEARNER:
        condition &= Q(evaluations__moment=moment)
    return (
        Cohort.objects.filter(program=program)
        .annotate(people=Count("evaluations__respondent", filter=condition, distinct=True))
        .order_by("-starts_on", "name")
    )
