"""Demo coaching history: weeks of feedback, sign-offs and reflections.

The pilot group is finished: Lotte, Sem and Priya were marked independent after 8 to 9
weeks, on the day they got there; Fleur left the organisation in her fifth week; Bram is
ready to be marked. The second group, which started after the program was adjusted, is
faster: Tomasz, Jayden and Lars were independent after 5 to 6 weeks. Of those who joined it
later Daan (the demo learner) is clearly ahead and Emma clearly behind, and Emma's feedback
is overdue; Youssef has no coach yet.
"""

import datetime
import random
from types import SimpleNamespace

from django.utils import timezone

from coaching import evaluations, services
from coaching.choices import Shift
from coaching.models import FeedbackMoment, PeerFeedback
from programs import services as program_services
from programs.choices import EndReason, Level
from programs.models import Enrolment, LearningGoal

# learner e-mail prefix → (pace: level steps relative to plan, working days without feedback)
PACES = {
    "learner": (1.4, 0),
    "emma.dejong": (0.5, 5),
    "tomasz.nowak": (1.0, 1),
    "lotte.visser": (0.85, 0),
    "bram.smit": (0.8, 0),
    "priya.ramdin": (0.75, 0),
}
# Learners added so that both groups have five (kpis' impact needs five people): they draw
# from a generator of their own, so the first learners' histories stay as they were.
LATER_PACES = {
    "sem.vanleeuwen": (0.9, 0),
    "fleur.dekker": (0.7, 0),
    "jayden.kok": (1.1, 0),
    "lars.meijer": (1.05, 0),
}
# Marked independent by their coach on the day they got there.
INDEPENDENT = ["lotte.visser", "sem.vanleeuwen", "priya.ramdin", "tomasz.nowak", "jayden.kok"]
INDEPENDENT += ["lars.meijer"]
# Left the organisation after this many days: censored, not a failure.
LEFT = {"fleur.dekker": 31}
WENT_WELL = [
    "Je werkte rustig en gestructureerd, ook toen het druk werd.",
    "Je scande elke locatie voordat je pakte; zo blijft de voorraad kloppen.",
    "Goed dat je zelf om hulp vroeg bij de foutmelding.",
    "Je looproute was logisch; je liep bijna niet terug.",
    "Je hield je zone netjes en meldde de kapotte pallet meteen.",
]
TO_IMPROVE = [
    "Let op het tempo aan het begin van de dienst; je kwam traag op gang.",
    "Zware dozen nog eens onderop zetten; één keer ging het mis.",
    "Controleer het label vóór je de rolcontainer wegzet.",
    "Kijk bij het achteruitrijden met de EPT vaker over je schouder.",
    "Vraag eerder om hulp als je een artikel niet vindt.",
]
NEXT_STEPS = [
    "Morgen een hele order zelfstandig picken; ik kijk op afstand mee.",
    "Volgende dienst oefenen we de dagelijkse controle van de EPT.",
    "Probeer 70 regels per uur te halen, zonder fouten.",
    "Neem de checklist van het eindstation nog een keer door.",
]
REFLECTION_ANSWERS = [
    "Het scannen gaat steeds sneller en ik hoef minder na te denken.",
    "Ik ga de volgende keer eerst de hele route bekijken voordat ik begin.",
    "Bij de foutmeldingen van de scanner heb ik nog hulp nodig.",
    "Ik merkte dat ik rustiger werk als ik de order eerst doorlees.",
]


def _working_days(start: datetime.date, end: datetime.date, every: int):
    day, count = start, 0
    while day <= end:
        if day.weekday() < 5:
            if count % every == 0:
                yield day
            count += 1
        day += datetime.timedelta(days=1)


def _working_day_on_or_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return day


def _level(goal, day_number: int, pace: float) -> int:
    planned_days = goal.target_week * 7
    return min(Level.CAN_TEACH, Level.BEGINNER + int(2 * day_number * pace / planned_days))


def _added_on(goals: list) -> dict:
    """{goal pk: the day it was added to the program}, from its history (the demo dates it)."""
    added = LearningGoal.history.filter(id__in=[g.pk for g in goals], history_type="+")
    return {
        row["id"]: timezone.localdate(row["history_date"])
        for row in added.values("id", "history_date")
    }


def _history(
    enrolment, coach, pace: float, quiet_days: int, rng: random.Random, left_after=None
) -> None:
    program = enrolment.cohort.program
    goals = list(program.goals.prefetch_related("checklist_items"))
    added = _added_on(goals)
    # The newest shift is today's (or the last working day's): its reflection is due, not
    # yet overdue, on whatever weekday the demo is seeded.
    last_day = _working_day_on_or_before(timezone.localdate())
    if left_after is not None:
        last_day = enrolment.started_on + datetime.timedelta(days=left_after)
    for _ in range(quiet_days):
        last_day = _working_day_on_or_before(last_day - datetime.timedelta(days=1))
    signed = set()
    days = list(_working_days(enrolment.started_on, last_day, every=2))
    if days and days[-1] != last_day:
        days.append(last_day)
    # The latest reflection is still due; a learner who is behind also skipped the one before.
    reflected = len(days) - (2 if pace < 1 else 1)
    for number, day in enumerate(days):
        day_number = (day - enrolment.started_on).days + 1
        # A goal added after the learner's start is practised from the day it was added.
        levels = {
            g.pk: _level(g, (day - max(enrolment.started_on, added[g.pk])).days + 1, pace)
            for g in goals
            if added[g.pk] <= day
        }
        if (
            len(levels) == len(goals)
            and all(level >= Level.INDEPENDENT for level in levels.values())
            and len(signed) == sum(len(g.checklist_items.all()) for g in goals)
        ):
            break
        week = day_number // 7 + 1
        practised = [
            g for g in goals if g.pk in levels and g.target_week <= week + 1 and levels[g.pk] < 4
        ][:3]
        practised = practised or goals[:1]
        items = [
            item
            for g in practised
            if levels[g.pk] >= Level.INDEPENDENT
            for item in g.checklist_items.all()
            if item.pk not in signed
        ][:2]
        signed.update(item.pk for item in items)
        moment = services.feedback_moment_create(
            enrolment=enrolment,
            actor=coach,
            occurred_on=day,
            shift=Shift.MORNING if week % 2 else Shift.AFTERNOON,
            went_well=rng.choice(WENT_WELL),
            to_improve=rng.choice(TO_IMPROVE),
            next_step=rng.choice(NEXT_STEPS),
            levels={g.pk: levels[g.pk] for g in practised},
            sign_off_items=items,
        )
        # Demo history is recorded "after the shift it describes", so older ones are locked.
        recorded = min(
            timezone.now(),
            timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 30))),
        )
        FeedbackMoment.objects.filter(pk=moment.pk).update(created_at=recorded)
        if number < reflected:
            reflection = services.reflection_submit(
                enrolment=enrolment,
                actor=enrolment.learner,
                answers=[
                    {"question": "Wat ging goed?", "answer": rng.choice(REFLECTION_ANSWERS)},
                    {"question": "Wat doe je de volgende keer anders?", "answer": ""},
                    {
                        "question": "Waar heb je hulp bij nodig?",
                        "answer": rng.choice(REFLECTION_ANSWERS),
                    },
                ],
                now=recorded + datetime.timedelta(hours=20),
            )
            if number % 3 != 1:
                reaction = services.reflection_react(
                    reflection=reflection,
                    actor=coach,
                    text="Mooi dat je dit zo ziet. Dat pakken we de volgende dienst samen op.",
                )
                reaction.created_at = reflection.submitted_at + datetime.timedelta(hours=3)
                reaction.save(update_fields=["created_at"])


def seed(demo: SimpleNamespace) -> None:
    rng = random.Random(2026)  # the same demo every time  # noqa: S311
    later_rng = random.Random(2027)  # noqa: S311
    for cohort in [demo.pilot_cohort, demo.second_cohort]:
        for enrolment in cohort.enrolments.select_related("learner"):
            prefix = enrolment.learner.email.split("@")[0]
            pace = PACES.get(prefix) or LATER_PACES.get(prefix)
            current = enrolment.pairings.filter(ended_on__isnull=True).first()
            if pace is None or current is None or enrolment.feedback_moments.exists():
                continue
            _history(
                enrolment,
                current.coach,
                *pace,
                later_rng if prefix in LATER_PACES else rng,
                left_after=LEFT.get(prefix),
            )
    _peer_feedback(demo)
    for prefix in INDEPENDENT:
        _end(demo, prefix, EndReason.INDEPENDENT)
    for prefix in LEFT:
        _end(demo, prefix, EndReason.LEFT_ORGANISATION)
    _progress_reviews(demo)
    _evaluations(demo)


# The end evaluations of those who finished, answered the day after: a rating of each of the
# program's four statements and the open answer. Six in all, three per group: each group's
# results show (from three, the demo program's minimum), and the program's, their sum.
EVALUATIONS = {
    "lotte.visser": ([4, 5, 4, 3], "Meer tijd in de koelcel voordat ik alleen ging."),
    "sem.vanleeuwen": ([4, 4, 5, 4], ""),
    "priya.ramdin": ([5, 3, 4, 4], "Mijn coach had het in de piekweken erg druk."),
    "tomasz.nowak": ([5, 5, 4, 5], "De aftekenlijst per week gaf me houvast."),
    "jayden.kok": ([4, 4, 4, 5], ""),
    "lars.meijer": ([4, 5, 5, 4], "Eerder oefenen met de EPT, dat scheelt in week 3."),
}
# Each last coach evaluates the program once per group, a day after their learner finished:
# the pilot was busier than the second group, after the program was adjusted.
COACH_ANSWERS = {
    True: ([4, 3, 4], "In de piekweken bleef er weinig tijd over om mee te kijken."),
    False: ([5, 4, 4], ""),
}


def _evaluations(demo) -> None:
    for prefix, (scores, open_answer) in EVALUATIONS.items():
        enrolment = Enrolment.objects.get(
            cohort__program=demo.program, learner__email__startswith=f"{prefix}@"
        )
        if enrolment.evaluations.exists():
            continue
        answered = timezone.make_aware(
            datetime.datetime.combine(enrolment.ended_on, datetime.time(10, 0))
        ) + datetime.timedelta(days=1)
        evaluations.learner_evaluation_submit(
            actor=enrolment.learner,
            enrolment=enrolment,
            scores=scores,
            open_answer=open_answer,
            now=min(answered, timezone.now()),
        )
        coach = enrolment.pairings.order_by("started_on").last().coach
        if not coach.program_evaluations.filter(cohort=enrolment.cohort).exists():
            coach_scores, coach_answer = COACH_ANSWERS[enrolment.cohort.is_pilot]
            evaluations.coach_evaluation_submit(
                actor=coach,
                cohort=enrolment.cohort,
                scores=coach_scores,
                open_answer=coach_answer,
                now=min(answered, timezone.now()),
            )


REVIEW_OUTCOME = (
    "Goede start. Daan pakt nieuwe taken snel op; afgesproken dat hij volgende week "
    "ook de koelcel doet, met Mohamed erbij."
)


def _progress_reviews(demo) -> None:
    """The usual reviews for the running enrolments of the line manager's team that have not
    passed their target date; the first review that has passed is held, with its outcome
    recorded by the line manager."""
    line_manager = demo.line_managers[0]
    today = timezone.localdate()
    for enrolment in Enrolment.objects.led_by(line_manager).running().order_by("pk"):
        coach = enrolment.pairings.filter(ended_on__isnull=True).first()
        if coach is None or enrolment.target_on < today or enrolment.progress_reviews.exists():
            continue
        for day in services.default_review_days(enrolment):
            services.progress_review_plan(actor=coach.coach, enrolment=enrolment, planned_on=day)
        first = enrolment.progress_reviews.first()
        if first.planned_on <= today:
            services.progress_review_record_outcome(
                actor=line_manager,
                review=first,
                outcome=REVIEW_OUTCOME
                if enrolment.learner.email.startswith("learner@")
                else "Besproken hoe het gaat; de volgende stap staat in de feedback.",
                held_on=first.planned_on,
            )


def _end(demo, prefix: str, reason: str) -> None:
    """The coach marks the learner independent, dated the day the last condition was met; a
    learner who left is ended by the manager on the day of their last shift."""
    enrolment = Enrolment.objects.get(
        cohort__program=demo.program, learner__email__startswith=f"{prefix}@"
    )
    if enrolment.ended_on is not None:
        return
    if reason == EndReason.INDEPENDENT:
        coach = enrolment.pairings.get(ended_on__isnull=True).coach
        services.enrolment_mark_independent(actor=coach, enrolment=enrolment)
        return
    last_shift = enrolment.feedback_moments.latest("occurred_on").occurred_on
    program_services.enrolment_end(
        actor=demo.managers[0], enrolment=enrolment, reason=reason, ended_on=last_shift
    )


def _peer_feedback(demo) -> None:
    enrolments = {
        e.learner.email.split("@")[0]: e
        for e in demo.second_cohort.enrolments.select_related("learner")
    }
    daan, emma, tomasz = (
        enrolments["learner"],
        enrolments["emma.dejong"],
        enrolments["tomasz.nowak"],
    )
    if PeerFeedback.objects.filter(enrolment__in=[daan, tomasz]).exists():
        return
    scanner = demo.program.goals.get(title="Werken met de handscanner")
    route = demo.program.goals.get(title="Orderpicken volgens de looproute")
    asked = services.peer_feedback_request(
        actor=daan.learner,
        enrolment=daan,
        goal=scanner,
        peer=emma.learner,
        question="Scan ik snel genoeg?",
    )
    services.peer_feedback_give(
        request=asked,
        actor=emma.learner,
        text="Je scant snel en rustig. Bij de bovenste schappen rek je je ver uit; pak een trapje.",
    )
    services.peer_feedback_request(
        actor=tomasz.learner,
        enrolment=tomasz,
        goal=route,
        peer=daan.learner,
        question="Loop ik de route handig of loop ik vaak terug?",
    )
