"""Demo programs: onboarding order pickers, with a pilot group and a second group.

The pilot group started about half a year ago and is finished. The order picker program was
adjusted in the pilot's first weeks: feedback every 3 working days instead of 5, and a goal
on finishing orders without errors added. Their history rows are dated then, so the
dashboard marks them between the KPI values before and after. The second group started
well after that; three of its learners (Daan among them) joined it later, so the demo still
shows learners in their first weeks. The pilot group rated the order picker program's goals
before it started; the dispatch program is still a draft whose team is rating its goals
(both needs analyses: programs.needs.demo).
"""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from programs import selectors, services
from programs.choices import BuiltinMethod, EvaluationAudience, ProgramStatus
from programs.models import (
    CoachTraining,
    Cohort,
    Enrolment,
    EvaluationQuestion,
    LearningGoal,
    Method,
    Program,
)
from programs.needs import demo as needs_demo
from werkplek import audit
from werkplek.models import Membership

ORDER_PICKER_GOALS = [
    (
        "Veilig werken in het magazijn",
        "Kent de veiligheidsregels van het DC en past ze uit zichzelf toe.",
        "Werkt een hele dienst zonder aanwijzing van de coach over veiligheid.",
        1,
        [
            ("Draagt veiligheidsschoenen en een hesje op de vloer", True),
            # Observed again every four weeks: the skills matrix shows it expiring and expired.
            ("Kent de looproutes en de nooduitgangen van zijn zone", True, 28),
            ("Meldt een onveilige situatie direct bij de teamleider", False),
        ],
    ),
    (
        "Werken met de handscanner",
        "Gebruikt de scanner voor elke handeling, zodat de voorraad klopt.",
        "Scant zonder hulp en lost de meest voorkomende meldingen zelf op.",
        2,
        [
            ("Logt in en opent de juiste orderlijst", True),
            ("Scant locatie en artikel vóór het pakken", True),
            ("Lost een melding 'artikel niet gevonden' zelf op", True),
        ],
    ),
    (
        "Orderpicken volgens de looproute",
        "Pakt orders in de volgorde van de route, zonder terug te lopen.",
        "Haalt de norm van 80 orderregels per uur zonder fouten.",
        3,
        [
            ("Volgt de looproute zonder terug te lopen", True),
            ("Stapelt zware dozen onderop en breekbaar bovenop", True),
            ("Haalt 80 orderregels per uur", True),
        ],
    ),
    (
        "Elektrische pallettruck bedienen",
        "Rijdt veilig met de EPT, ook in smalle gangpaden en bij drukte.",
        "Doet de controle, rijdt en parkeert zonder aanwijzingen.",
        4,
        [
            ("Doet de dagelijkse controle van de EPT", True, 365),
            ("Rijdt veilig door smalle gangpaden", True),
            ("Parkeert en laadt de EPT op de juiste plek", True),
        ],
    ),
    (
        "Orders foutloos afronden en overdragen",
        "Sluit een order volledig af, zodat expeditie er direct mee verder kan.",
        "Een week lang geen retour of klacht door een pakfout.",
        6,
        [
            ("Controleert de order op het eindstation", True),
            ("Plakt het juiste verzendlabel", True),
            ("Draagt de rolcontainer over aan expeditie", False),
        ],
    ),
]

# Added in the pilot's second week (see _adjust_during_pilot).
ADDED_DURING_PILOT = ORDER_PICKER_GOALS[-1]
BEFORE_THE_PILOT_RHYTHM = 5
# Weeks ago: the program designed, the pilot started (long enough ago for 5 months of KPI
# values since, and within a weekly chart's 24 weeks), the second group started, and the
# learners who joined the second group later.
DESIGNED_WEEKS_AGO = 26
PILOT_WEEKS_AGO = 22
SECOND_GROUP_WEEKS_AGO = 9
JOINED_LATER_WEEKS_AGO = 3

DISPATCH_GOALS = [
    (
        "Laden volgens de laadvolgorde",
        "Laadt de vrachtwagen in de volgorde van de rit.",
        "De chauffeur hoeft onderweg niets om te stapelen.",
        2,
        [("Leest de laadlijst en plant de volgorde", True)],
    ),
    (
        "Vrachtbrieven afhandelen",
        "Controleert en tekent de vrachtbrief met de chauffeur.",
        "Geen ontbrekende handtekeningen of aantallen in een week.",
        3,
        [("Controleert aantallen met de chauffeur", True)],
    ),
]


def _monday(weeks_ago: int) -> datetime.date:
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday(), weeks=weeks_ago)


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def _dated(history_rows, day: datetime.date) -> None:
    """Date the history rows just written on the demo day they describe: the demo's made-up
    past is the one other place that may write history rows (see werkplek.audit)."""
    with audit.unlocked():
        history_rows.update(history_date=_at(day))


def _last_change_dated(program: Program, day: datetime.date) -> None:
    latest = Program.history.filter(id=program.pk).latest("history_id")
    _dated(Program.history.filter(history_id=latest.history_id), day)


def _goal(demo, program, goal) -> LearningGoal:
    title, description, criteria, week, items = goal
    goal = services.goal_create(
        actor=demo.managers[0],
        program=program,
        title=title,
        description=description,
        success_criteria=criteria,
        target_week=week,
    )
    # A task is (title, coach signs off) or, observed again after some days, (…, days).
    for item_title, signed, *reobserve in items:
        services.checklist_item_create(
            actor=demo.managers[0],
            goal=goal,
            title=item_title,
            requires_sign_off=signed,
            reobserve_after_days=reobserve[0] if reobserve else None,
        )
    return goal


def _program(demo, name, goals, **fields) -> Program:
    program = Program.objects.filter(organization=demo.organization, name=name).first()
    if program:
        return program
    methods = Method.objects.filter(builtin__in=fields.pop("methods"))
    program = services.program_create(
        actor=demo.managers[0],
        organization=demo.organization,
        owner=demo.managers[0],
        methods=methods,
        name=name,
        **fields,
    )
    for goal in goals:
        _goal(demo, program, goal)
    # Designed a month before the pilot started.
    _dated(Program.history.filter(id=program.pk), _monday(weeks_ago=DESIGNED_WEEKS_AGO))
    _dated(
        LearningGoal.history.filter(program_id=program.pk), _monday(weeks_ago=DESIGNED_WEEKS_AGO)
    )
    return program


def _adjust_during_pilot(demo, program, pilot_starts_on: datetime.date) -> None:
    """The pilot's first days showed feedback every 5 working days was too sparse, and its
    pick errors showed a goal missing: adjusted then (both dated well within the KPIs'
    months, whatever the day of the month the demo is seeded)."""
    manager = demo.managers[0]
    if program.status == ProgramStatus.DRAFT:
        services.program_change_status(actor=manager, program=program, status=ProgramStatus.PILOT)
        _last_change_dated(program, pilot_starts_on - datetime.timedelta(days=3))
    if program.feedback_every_days == BEFORE_THE_PILOT_RHYTHM:
        services.program_update(actor=manager, program=program, feedback_every_days=3)
        _last_change_dated(program, pilot_starts_on + datetime.timedelta(days=3))
    if not program.goals.filter(title=ADDED_DURING_PILOT[0]).exists():
        goal = _goal(demo, program, ADDED_DURING_PILOT)
        _dated(
            LearningGoal.history.filter(id=goal.pk), pilot_starts_on + datetime.timedelta(days=8)
        )
    if program.status == ProgramStatus.PILOT:
        services.program_change_status(actor=manager, program=program, status=ProgramStatus.ACTIVE)
        _last_change_dated(program, pilot_starts_on + datetime.timedelta(weeks=6))


def _cohort(program, name, starts_on, *, is_pilot, members) -> Cohort:
    cohort = Cohort.objects.filter(program=program, name=name).first()
    cohort = cohort or services.cohort_create(
        actor=program.owner, program=program, name=name, starts_on=starts_on, is_pilot=is_pilot
    )
    for learner, coach, *joined in members:
        if not Enrolment.objects.filter(cohort=cohort, learner=learner).exists():
            services.enrolment_create(
                actor=program.owner,
                cohort=cohort,
                learner=learner,
                started_on=(joined or [starts_on])[0],
                coach=coach,
            )
    return cohort


def seed(demo: SimpleNamespace) -> None:
    order_pickers = _program(
        demo,
        "Inwerken orderpicker",
        ORDER_PICKER_GOALS[:-1],
        description="Nieuwe orderpickers leren het vak op de vloer, naast een ervaren collega.",
        business_objective="Nieuwe orderpickers werken binnen 6 weken zelfstandig "
        "(nu gemiddeld 10 weken) en maken 20% minder pakfouten.",
        duration_weeks=6,
        feedback_every_days=BEFORE_THE_PILOT_RHYTHM,
        methods=[
            BuiltinMethod.ON_THE_JOB_COACHING,
            BuiltinMethod.MICRO_LEARNING,
            BuiltinMethod.PEER_LEARNING,
        ],
    )
    dispatch = _program(
        demo,
        "Inwerken expeditiemedewerker",
        DISPATCH_GOALS,
        description="Voor nieuwe collega's op de expeditievloer.",
        business_objective="Minder vertraagde ritten door fouten bij het laden.",
        duration_weeks=4,
        feedback_every_days=5,
        methods=[BuiltinMethod.ON_THE_JOB_COACHING, BuiltinMethod.SIMULATION],
    )
    mohamed, ingrid, kees = demo.coaches[:3]
    learners = {user.email.split("@")[0]: user for user in demo.learners}
    demo.pilot_cohort = _cohort(
        order_pickers,
        "Pilotgroep",
        _monday(weeks_ago=PILOT_WEEKS_AGO),
        is_pilot=True,
        members=[
            (learners["lotte.visser"], ingrid),
            (learners["bram.smit"], mohamed),
            (learners["priya.ramdin"], mohamed),
            (learners["sem.vanleeuwen"], ingrid),
            (learners["fleur.dekker"], ingrid),
        ],
    )
    joined_later = _monday(weeks_ago=JOINED_LATER_WEEKS_AGO)
    demo.second_cohort = _cohort(
        order_pickers,
        "Groep 2",
        _monday(weeks_ago=SECOND_GROUP_WEEKS_AGO),
        is_pilot=False,
        members=[
            (learners["learner"], mohamed, joined_later),
            (learners["emma.dejong"], mohamed, joined_later),
            (learners["tomasz.nowak"], ingrid),
            (learners["youssef.haddou"], None, joined_later),
            (learners["jayden.kok"], kees),
            (learners["lars.meijer"], kees),
        ],
    )
    # The pilot group rated the goals a month before it started; the round closed a week before.
    pilot_starts_on = demo.pilot_cohort.starts_on
    needs_demo.seed_baseline(
        demo,
        order_pickers,
        asked_at=_at(_monday(weeks_ago=DESIGNED_WEEKS_AGO)),
        closed_at=_at(pilot_starts_on - datetime.timedelta(days=7)),
    )
    _adjust_during_pilot(demo, order_pickers, pilot_starts_on)
    _evaluation(demo, order_pickers)
    demo.program = order_pickers
    # The dispatch program is still a draft: its team rated its goals before it starts.
    needs_demo.seed(demo, dispatch)
    _prepare_coaches(demo, dispatch)


def _prepare_coaches(demo, dispatch: Program) -> None:
    """Mohamed and Ingrid trained (Ingrid's first course has expired), Kees coaching without
    any training yet, and Fatma only for the dispatch program: the coach load page and the
    pairing screen both show the difference."""
    if CoachTraining.objects.filter(organization=demo.organization).exists():
        return
    manager = demo.managers[0]
    mohamed, ingrid, _kees, fatma = demo.coaches
    memberships = {m.user_id: m for m in Membership.objects.filter(organization=demo.organization)}
    today = timezone.localdate()
    for coach, course, provider, years_ago, valid_years in [
        (mohamed, "Coachen op de werkvloer", "Zuidpoort Academie", 1, 3),
        (ingrid, "Werkbegeleider BPV", "ROC Zuidpoort", 4, 3),
        (ingrid, "Coachen op de werkvloer", "Zuidpoort Academie", 1, 3),
        (fatma, "Feedback geven in één minuut", "Zuidpoort Academie", 0, None),
    ]:
        completed_on = today - datetime.timedelta(days=365 * years_ago + 30)
        services.coach_training_record(
            actor=manager,
            membership=memberships[coach.pk],
            course=course,
            provider=provider,
            completed_on=completed_on,
            valid_until=completed_on + datetime.timedelta(days=365 * valid_years)
            if valid_years
            else None,
        )
    services.coach_programs_set(
        actor=manager, membership=memberships[fatma.pk], programs=[dispatch]
    )


def _evaluation(demo, program: Program) -> None:
    """The order pickers' program also asks halfway, with the usual questions saved as its
    own; its results show from three people, the fewest allowed, so that each of its two
    small groups shows (a program shows only the groups that do)."""
    if program.evaluation_questions.exists():
        return
    learners = selectors.evaluation_questions(program, EvaluationAudience.LEARNER)
    coaches = selectors.evaluation_questions(program, EvaluationAudience.COACH)
    earlier = Program.history.filter(id=program.pk).latest("history_id").history_id
    services.evaluation_settings_set(
        program=program,
        actor=demo.managers[0],
        learner_questions=learners.statements,
        learner_open_question=learners.open_question,
        coach_questions=coaches.statements,
        coach_open_question=coaches.open_question,
        evaluate_halfway=True,
        min_answers=3,
    )
    # Chosen while the program was prepared for its pilot, and so dated in its history.
    day = demo.pilot_cohort.starts_on - datetime.timedelta(days=5)
    _dated(EvaluationQuestion.history.filter(program_id=program.pk), day)
    _dated(Program.history.filter(id=program.pk, history_id__gt=earlier), day)
