"""Demo programs: onboarding order pickers, with a pilot group and a second group."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from programs import services
from programs.choices import BuiltinMethod, ProgramStatus
from programs.models import Cohort, Enrolment, Method, Program

ORDER_PICKER_GOALS = [
    (
        "Veilig werken in het magazijn",
        "Kent de veiligheidsregels van het DC en past ze uit zichzelf toe.",
        "Werkt een hele dienst zonder aanwijzing van de coach over veiligheid.",
        1,
        [
            ("Draagt veiligheidsschoenen en een hesje op de vloer", True),
            ("Kent de looproutes en de nooduitgangen van zijn zone", True),
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
            ("Doet de dagelijkse controle van de EPT", True),
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


def _program(demo, name, goals, **fields) -> Program:
    program = Program.objects.filter(organization=demo.organization, name=name).first()
    if program:
        return program
    methods = Method.objects.filter(builtin__in=fields.pop("methods"))
    program = services.program_create(
        organization=demo.organization, owner=demo.managers[0], methods=methods, name=name, **fields
    )
    for title, description, criteria, week, items in goals:
        goal = services.goal_create(
            program=program,
            title=title,
            description=description,
            success_criteria=criteria,
            target_week=week,
        )
        for item_title, signed in items:
            services.checklist_item_create(goal=goal, title=item_title, requires_sign_off=signed)
    return program


def _cohort(program, name, starts_on, *, is_pilot, members) -> Cohort:
    cohort = Cohort.objects.filter(program=program, name=name).first()
    cohort = cohort or services.cohort_create(
        program=program, name=name, starts_on=starts_on, is_pilot=is_pilot
    )
    for learner, coach in members:
        if not Enrolment.objects.filter(cohort=cohort, learner=learner).exists():
            services.enrolment_create(
                cohort=cohort, learner=learner, started_on=starts_on, coach=coach
            )
    return cohort


def seed(demo: SimpleNamespace) -> None:
    order_pickers = _program(
        demo,
        "Inwerken orderpicker",
        ORDER_PICKER_GOALS,
        description="Nieuwe orderpickers leren het vak op de vloer, naast een ervaren collega.",
        business_objective="Nieuwe orderpickers werken binnen 6 weken zelfstandig "
        "(nu gemiddeld 10 weken) en maken 20% minder pakfouten.",
        duration_weeks=6,
        feedback_every_days=3,
        methods=[
            BuiltinMethod.ON_THE_JOB_COACHING,
            BuiltinMethod.MICRO_LEARNING,
            BuiltinMethod.PEER_LEARNING,
        ],
    )
    _program(
        demo,
        "Inwerken expeditiemedewerker",
        DISPATCH_GOALS,
        description="Voor nieuwe collega's op de expeditievloer.",
        business_objective="Minder vertraagde ritten door fouten bij het laden.",
        duration_weeks=4,
        feedback_every_days=5,
        methods=[BuiltinMethod.ON_THE_JOB_COACHING, BuiltinMethod.SIMULATION],
    )
    mohamed, ingrid = demo.coaches[0], demo.coaches[1]
    learners = {user.email.split("@")[0]: user for user in demo.learners}
    demo.pilot_cohort = _cohort(
        order_pickers,
        "Pilotgroep",
        _monday(weeks_ago=10),
        is_pilot=True,
        members=[
            (learners["lotte.visser"], ingrid),
            (learners["bram.smit"], mohamed),
            (learners["priya.ramdin"], mohamed),
        ],
    )
    demo.second_cohort = _cohort(
        order_pickers,
        "Groep 2",
        _monday(weeks_ago=3),
        is_pilot=False,
        members=[
            (learners["learner"], mohamed),
            (learners["emma.dejong"], mohamed),
            (learners["tomasz.nowak"], ingrid),
            (learners["youssef.haddou"], None),
        ],
    )
    if order_pickers.status == ProgramStatus.DRAFT:
        services.program_change_status(program=order_pickers, status=ProgramStatus.PILOT)
        services.program_change_status(program=order_pickers, status=ProgramStatus.ACTIVE)
    demo.program = order_pickers
