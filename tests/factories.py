import datetime
from decimal import Decimal

import factory

from coaching.choices import Shift
from coaching.models import FeedbackMoment, GoalAssessment, Reflection
from kpis.choices import Cadence, Direction, SubjectLevel
from kpis.models import KPI, Measurement
from programs.choices import ProgramStatus
from programs.models import ChecklistItem, Cohort, Enrolment, LearningGoal, Pairing, Program
from werkplek.models import Membership, Organization, User

PASSWORD = "a-long-test-password"

# Fixed, realistic names instead of random ones: a page test can look for a name in the HTML as
# it is, because none holds a character that HTML escapes (a random "van 't Riet" made page
# tests fail now and then). 72 different names in turn; none is part of another, and none is
# one of the names the journeys in tests/e2e/ give their people.
FIRST_NAMES = ["Lotte", "Bram", "Fatima", "Thijs", "Noor", "Mehmet", "Emma", "Jeroen", "Priya"]
LAST_NAMES = ["de Vries", "Jansen", "El Idrissi", "Mulder", "de Boer", "Yilmaz", "Smit", "Bos"]


def person_name(n: int) -> str:
    first = FIRST_NAMES[n % len(FIRST_NAMES)]
    last = LAST_NAMES[n // len(FIRST_NAMES) % len(LAST_NAMES)]
    return f"{first} {last}"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    slug = factory.Sequence(lambda n: f"organisatie-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"persoon{n}@example.nl")
    name = factory.Sequence(person_name)
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    is_learner = True


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Programma {n}")
    business_objective = "Nieuwe collega's werken binnen vier weken zelfstandig."
    owner = factory.LazyAttribute(
        lambda o: (
            MembershipFactory(organization=o.organization, is_manager=True, is_learner=False).user
        )
    )
    duration_weeks = 6
    status = ProgramStatus.ACTIVE


class LearningGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningGoal

    program = factory.SubFactory(ProgramFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Leerdoel {n}")
    target_week = 2


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    goal = factory.SubFactory(LearningGoalFactory)
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Taak {n}")


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Groep {n}")
    starts_on = datetime.date(2026, 11, 2)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    cohort = factory.SubFactory(CohortFactory)
    program = factory.LazyAttribute(lambda o: o.cohort.program)
    learner = factory.LazyAttribute(
        lambda o: MembershipFactory(organization=o.cohort.program.organization).user
    )
    started_on = factory.LazyAttribute(lambda o: o.cohort.starts_on)
    target_on = factory.LazyAttribute(
        lambda o: Enrolment.target_for(o.started_on, o.cohort.program)
    )


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    enrolment = factory.SubFactory(EnrolmentFactory)
    coach = factory.LazyAttribute(
        lambda o: (
            MembershipFactory(
                organization=o.enrolment.cohort.program.organization,
                is_coach=True,
                is_learner=False,
            ).user
        )
    )
    started_on = factory.LazyAttribute(lambda o: o.enrolment.started_on)


class FeedbackMomentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedbackMoment

    enrolment = factory.SubFactory(EnrolmentFactory)
    coach = factory.LazyAttribute(lambda o: o.enrolment.pairings.first().coach)
    occurred_on = factory.LazyAttribute(lambda o: o.enrolment.started_on)
    shift = Shift.MORNING
    went_well = "Rustig gewerkt."


class GoalAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoalAssessment

    feedback_moment = factory.SubFactory(FeedbackMomentFactory)
    goal = factory.SubFactory(LearningGoalFactory)
    level = 2


class ReflectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reflection

    enrolment = factory.SubFactory(EnrolmentFactory)
    due_on = factory.LazyAttribute(lambda o: o.enrolment.started_on)


def members_in_bulk(organization, count: int, *, coach_every: int = 4, start: int = 0):
    """`count` people in the organisation, saved with two queries instead of 2 × `count`.

    Every `coach_every`-th person is a coach (capacity 5), the others learners, spread over
    four teams. Their password is unusable: bulk tests only render pages about them.
    """
    teams = ["Inslag", "Orderpicking", "Expeditie", "Retouren"]
    users = User.objects.bulk_create(
        User(
            email=f"bulk{start + n}.{organization.slug}@example.nl",
            name=person_name(start + n),
            password="!",
        )
        for n in range(count)
    )
    return Membership.objects.bulk_create(
        Membership(
            user=user,
            organization=organization,
            is_coach=n % coach_every == 0,
            is_learner=n % coach_every != 0,
            coach_capacity=5 if n % coach_every == 0 else None,
            team=teams[n % len(teams)],
        )
        for n, user in enumerate(users)
    )


class KPIFactory(factory.django.DjangoModelFactory):
    """An organisation-wide monthly KPI; pass `subject_level` and a program for others."""

    class Meta:
        model = KPI

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"KPI {n}")
    unit = "orderregels per uur"
    direction = Direction.HIGHER
    decimals = 1
    subject_level = SubjectLevel.ORGANIZATION
    cadence = Cadence.MONTH
    created_by = factory.LazyAttribute(
        lambda o: (
            MembershipFactory(organization=o.organization, is_manager=True, is_learner=False).user
        )
    )


class MeasurementFactory(factory.django.DjangoModelFactory):
    """A current value of an organisation-level KPI for the month of 1 October 2026."""

    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KPIFactory)
    subject_level = factory.LazyAttribute(lambda o: o.kpi.subject_level)
    period_start = datetime.date(2026, 10, 1)
    value = Decimal("80.0")
    recorded_by = factory.LazyAttribute(lambda o: o.kpi.created_by)
